//! The encrypted cache side by side with plain SQLite doing the same work.
//!
//!   cargo bench -p desk-cache --features bench-plaintext
//!   DESK_BENCH_OUT=/tmp/bench cargo bench -p desk-cache --features bench-plaintext  # + cache.json
//!   DESK_BENCH_QUICK=1 cargo bench -p desk-cache --features bench-plaintext  # fewer samples
//!
//! (`bench-plaintext` adds the baseline; the bench requires it.)
//!
//! Three cases, each run on an encrypted cache ([`Cache::open`], SQLCipher with a random key) and
//! on plain SQLite ([`Cache::open_plaintext_for_benchmarks`]: the very same `Cache` code on the
//! same library, only without the `key` pragma):
//!
//! 1. **Search**: [`Cache::search`] over 1,000, 10,000 and 100,000 cached customers, with the
//!    app's limit of 25; queries are last-name prefixes, whole names and masked e-mail domains
//!    drawn from the data.
//! 2. **Opening a customer** with 10,000 cached transactions, as the app reads it offline: the
//!    customer ([`Cache::customer`]) and the first page of their transactions
//!    ([`Cache::transactions`], the app's page of 50, newest first).
//! 3. **Syncing 100,000 transactions** (10 customers with 10,000 each) into a new cache through
//!    [`Cache::store`] (guard, encoding, one transaction per call), in pages of 50, newest first,
//!    as the app stores each page of transactions the server sends. The pages are redacted with
//!    [`desk_cache::prepare`] beforehand, as the app does before storing; that work is the same
//!    for both files and is not timed.
//!
//! Records are what the server sends a first-line agent (the default `agent_l1` role, which
//! caches customers and transactions), prepared and stored the way the app does.
//!
//! criterion measures every case (its estimates are under `$CARGO_TARGET_DIR/criterion`). As
//! criterion reports means and medians, not tails, search and opening are also timed one call at
//! a time in a sampling loop (1,000 calls per case, encrypted and plain interleaved so that load
//! from elsewhere on the machine falls on both), for p50 and p99; syncing is timed whole, in
//! rounds alternating encrypted and plain, and the median round is reported. One fixture per size
//! serves criterion and the sampling loop. The summary table at the end gives every number with
//! the ratio encrypted/plain and the targets of DESIGN.md: encrypted within 1.3× of plain SQLite,
//! and a search p99 under 10 ms at 100,000 customers. A benchmark, not a test: it reports and
//! never fails on a number.
//!
//! Reading the ratio: SQLCipher decrypts and authenticates (AES-256-CBC, HMAC-SHA512) every page
//! it reads from the file into SQLite's page cache, and encrypts every page it writes. Each cache
//! connection keeps a 32 MiB page cache (`db.rs`), so the pages a search touches are decrypted
//! once and then served from memory, as the plain file's are; with SQLite's default of 2 MiB
//! (less than the 100,000-customer file's indexes) search at that size was 4x plain. Writes
//! still pay for every page they encrypt. The machine's other load falls on both files, but
//! widens the tails (p99) of both.
//!
//! criterion's filters (`cargo bench -p desk-cache --features bench-plaintext -- search`) pick
//! what criterion runs; the fixtures, the sampling loops and the summary run regardless.
//!
//! With `DESK_BENCH_OUT` naming a directory, `$DESK_BENCH_OUT/cache.json` gets one object per
//! case and measure: `{"benchmark", "case", "measure", "unit", "value", "baseline",
//! "baseline_name", "ratio", "target", "met"}` (`value` encrypted, `baseline` plain SQLite).
//! `DESK_BENCH_QUICK=1` keeps the sizes but takes fewer samples (200 per sampling loop, one sync
//! round, short criterion runs, no criterion run of the sync). Under `cargo test` (criterion's
//! test mode, no `--bench` argument) every case runs once on small data and nothing is written.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{BenchmarkGroup, Criterion, SamplingMode, measurement::WallTime};
use desk_cache::{Cache, CacheKey, Records};
use desk_core::record::{Customer, Transaction};
use desk_core::{Policy, Role, RoleDefinition};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use tokio::runtime::Runtime;

/// When every record is fetched from the server.
const FETCHED_AT: i64 = 1_750_000_000;
/// When every read happens: a minute later, well within the cache's time to live.
const NOW: i64 = FETCHED_AT + 60;
/// The app's limit for one search (desk-app's `App::search` offline).
const SEARCH_LIMIT: u32 = 25;
/// The app's page of transactions, stored per call and read first offline.
const PAGE: usize = 50;
/// The ratio encrypted/plain that DESIGN.md allows.
const MAX_RATIO: f64 = 1.3;
/// DESIGN.md's bound on a search's p99 at 100,000 customers.
const SEARCH_P99_LIMIT_MS: f64 = 10.0;

const FIRST: &[&str] = &[
    "Ada", "Amara", "Bjørn", "Chen", "Diego", "Elif", "Fatima", "Gabriel", "Hana", "Ines", "José",
    "Kai", "Leila", "Łukasz", "Mateo", "Nia", "Olga", "Priya", "Quinn", "Rosa", "Søren", "Tariq",
    "Uma", "Vikram", "Wen", "Xavier", "Yara", "Zoë",
];
const LAST: &[&str] = &[
    "Andersen",
    "Bauer",
    "Castillo",
    "Dubois",
    "Eriksen",
    "Fischer",
    "García",
    "Hoffmann",
    "Ivanova",
    "Jensen",
    "Kowalski",
    "Lindqvist",
    "Müller",
    "Nguyễn",
    "Okafor",
    "Petrov",
    "Quispe",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Usman",
    "Varga",
    "Wójcik",
    "Yilmaz",
    "Zhang",
];
const DOMAINS: &[&str] = &["example.com", "example.org", "example.net"];
const MERCHANTS: &[&str] = &[
    "Lindqvist Hardware Emporium",
    "Café Rhubarb & Sons",
    "Northwind Rail",
    "Pixelfjord Games",
    "Harbour Street Bakery",
    "Tollbridge Energy",
];

/// How much work a run does.
struct Scale {
    /// Cached customers searched.
    search_sizes: &'static [i64],
    /// Calls timed one by one per case and file, for p50 and p99.
    samples: usize,
    /// Customers with transactions in the sync, and their transactions each.
    heavy_customers: i64,
    transactions_each: i64,
    /// Whole syncs timed per file, alternating.
    sync_rounds: usize,
    /// criterion's settings for search and opening.
    warm_up: Duration,
    measurement: Duration,
    sample_size: usize,
    /// Whether criterion also measures the sync (at least 10 whole syncs per file).
    criterion_sync: bool,
}

impl Scale {
    const FULL: Self = Self {
        search_sizes: &[1_000, 10_000, 100_000],
        samples: 1_000,
        heavy_customers: 10,
        transactions_each: 10_000,
        sync_rounds: 3,
        warm_up: Duration::from_secs(1),
        measurement: Duration::from_secs(3),
        sample_size: 50,
        criterion_sync: true,
    };
    const QUICK: Self = Self {
        samples: 200,
        sync_rounds: 1,
        warm_up: Duration::from_millis(300),
        measurement: Duration::from_secs(1),
        sample_size: 10,
        criterion_sync: false,
        ..Self::FULL
    };
    /// `cargo test`: every path once, on small data.
    const TEST: Self = Self {
        search_sizes: &[1_000],
        samples: 20,
        heavy_customers: 2,
        transactions_each: 500,
        sync_rounds: 1,
        criterion_sync: true,
        ..Self::QUICK
    };
}

/// Which file a number is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Encrypted,
    Plain,
}

impl Kind {
    const BOTH: [Self; 2] = [Self::Encrypted, Self::Plain];

    fn name(self) -> &'static str {
        match self {
            Self::Encrypted => "encrypted",
            Self::Plain => "plain SQLite",
        }
    }

    /// Encrypted then plain on even rounds, plain then encrypted on odd ones.
    fn order(round: usize) -> [Self; 2] {
        if round.is_multiple_of(2) {
            [Self::Encrypted, Self::Plain]
        } else {
            [Self::Plain, Self::Encrypted]
        }
    }
}

/// A cache of either kind in its own temporary folder.
struct Fixture {
    cache: Cache,
    _dir: tempfile::TempDir,
}

impl Fixture {
    async fn new(kind: Kind) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path: PathBuf = dir.path().join("cache.db");
        let cache = match kind {
            Kind::Encrypted => Cache::open(&path, &CacheKey::generate()).await,
            Kind::Plain => Cache::open_plaintext_for_benchmarks(&path).await,
        }
        .unwrap();
        Self { cache, _dir: dir }
    }

    async fn file_mb(&self) -> f64 {
        self.cache.status(NOW).await.unwrap().file_bytes as f64 / 1e6
    }
}

/// Both fixtures, indexed by [`Kind`].
struct Pair {
    encrypted: Fixture,
    plain: Fixture,
}

impl Pair {
    async fn new() -> Self {
        Self {
            encrypted: Fixture::new(Kind::Encrypted).await,
            plain: Fixture::new(Kind::Plain).await,
        }
    }

    fn get(&self, kind: Kind) -> &Cache {
        match kind {
            Kind::Encrypted => &self.encrypted.cache,
            Kind::Plain => &self.plain.cache,
        }
    }

    async fn close(self) {
        self.encrypted.cache.close().await;
        self.plain.cache.close().await;
    }
}

/// The policy of a first-line agent, from the server's default role definitions.
fn policy() -> Policy {
    let dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into());
    let path = dir.join("../desk-server/defaults/roles.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let defs: Vec<RoleDefinition> = serde_json::from_str(&text).unwrap();
    Policy::of(defs.iter().filter(|d| d.role == Role::AgentL1))
}

/// A customer as the server shows them to a first-line agent.
fn customer(rng: &mut StdRng, id: i64) -> Customer {
    let first = FIRST.choose(rng).unwrap();
    let last = LAST.choose(rng).unwrap();
    let domain = DOMAINS.choose(rng).unwrap();
    Customer {
        id,
        name: Some(format!("{first} {last}")),
        email: Some(format!(
            "{}•••@{domain}",
            first.chars().next().unwrap().to_lowercase()
        )),
        phone: Some(format!("•••{:02}", rng.gen_range(0..100))),
        tier: Some("standard".into()),
        status: Some("active".into()),
        created_at: Some("2019".into()),
        ..Customer::default()
    }
}

/// A transaction as the server shows it to a first-line agent (no IP address, the card's last
/// four digits).
fn transaction(rng: &mut StdRng, customer_id: i64, id: i64) -> Transaction {
    let merchant = *MERCHANTS.choose(rng).unwrap();
    let day = id % 28 + 1;
    Transaction {
        id,
        account_id: customer_id * 10,
        time: Some(format!(
            "2025-{:02}-{day:02}T{:02}:{:02}:00Z",
            id % 12 + 1,
            rng.gen_range(0..24),
            rng.gen_range(0..60)
        )),
        amount: Some(-rng.gen_range(100..100_000)),
        currency: Some("GBP".into()),
        merchant: Some(merchant.to_owned()),
        status: Some(if id % 9 == 0 { "pending" } else { "settled" }.into()),
        card_number: Some(desk_core::redact::last4(&format!(
            "4000 0012 3456 {:04}",
            customer_id % 10_000
        ))),
        ip_address: None,
        description: Some(format!("Card payment at {merchant}")),
    }
}

/// `n` customers in the app's batches, prepared for the cache.
fn customer_batches(n: i64, policy: &Policy) -> Vec<Records> {
    let mut rng = StdRng::seed_from_u64(7);
    let customers: Vec<Customer> = (1..=n).map(|id| customer(&mut rng, id)).collect();
    customers
        .chunks(1_000)
        .map(|batch| {
            let records = Records {
                customers: batch.to_vec(),
                ..Records::default()
            };
            desk_cache::prepare::records(&records, policy)
        })
        .collect()
}

/// Search queries drawn from the data: last-name prefixes, whole names and e-mail domains.
fn queries(count: usize) -> Vec<String> {
    let mut rng = StdRng::seed_from_u64(11);
    (0..count)
        .map(|i| match i % 3 {
            0 => LAST.choose(&mut rng).unwrap().chars().take(4).collect(),
            1 => format!(
                "{} {}",
                FIRST.choose(&mut rng).unwrap(),
                LAST.choose(&mut rng).unwrap()
            ),
            _ => DOMAINS.choose(&mut rng).unwrap().to_string(),
        })
        .collect()
}

/// What a sync stores: first the customers (not timed), then their transactions in pages,
/// newest first, prepared for the cache.
struct SyncData {
    customers: Records,
    pages: Vec<Records>,
    transactions: usize,
}

impl SyncData {
    fn new(scale: &Scale, policy: &Policy) -> Self {
        let mut rng = StdRng::seed_from_u64(13);
        let customers: Vec<Customer> = (1..=scale.heavy_customers)
            .map(|id| customer(&mut rng, id))
            .collect();
        let customers = desk_cache::prepare::records(
            &Records {
                customers,
                ..Records::default()
            },
            policy,
        );
        let started = Instant::now();
        let mut pages = Vec::new();
        for c in 1..=scale.heavy_customers {
            let first = (c - 1) * scale.transactions_each + 1;
            let newest_first: Vec<(i64, Transaction)> = (first..first + scale.transactions_each)
                .rev()
                .map(|id| (c, transaction(&mut rng, c, id)))
                .collect();
            for page in newest_first.chunks(PAGE) {
                let records = Records {
                    transactions: page.to_vec(),
                    ..Records::default()
                };
                pages.push(desk_cache::prepare::records(&records, policy));
            }
        }
        let transactions = pages.iter().map(|p| p.transactions.len()).sum();
        println!(
            "sync data: {transactions} transactions in {} pages of {PAGE}, prepared in {:.2} s \
             (not timed)",
            pages.len(),
            started.elapsed().as_secs_f64()
        );
        Self {
            customers,
            pages,
            transactions,
        }
    }

    /// A new cache of `kind` with the customers stored, and the time it took to store every
    /// page of transactions into it.
    async fn sync(&self, kind: Kind, policy: &Policy) -> (Fixture, Duration) {
        let fixture = Fixture::new(kind).await;
        fixture
            .cache
            .store(&self.customers, policy, FETCHED_AT)
            .await
            .unwrap();
        let started = Instant::now();
        for page in &self.pages {
            fixture.cache.store(page, policy, FETCHED_AT).await.unwrap();
        }
        (fixture, started.elapsed())
    }
}

/// One line of the summary and one object of `cache.json`.
struct Row {
    case: String,
    measure: &'static str,
    unit: &'static str,
    value: f64,
    baseline: Option<f64>,
    ratio: Option<f64>,
    target: String,
    met: bool,
}

impl Row {
    /// Encrypted against plain, where less is better (a time).
    fn time(case: &str, measure: &'static str, unit: &'static str, value: f64, plain: f64) -> Self {
        Self::against_plain(case, measure, unit, value, plain)
            .judged(format!("ratio ≤ {MAX_RATIO}"), value / plain <= MAX_RATIO)
    }

    /// Encrypted against plain, where more is better (a rate): the ratio encrypted/plain must
    /// not fall under 1/1.3.
    fn rate(case: &str, measure: &'static str, unit: &'static str, value: f64, plain: f64) -> Self {
        let floor = 1.0 / MAX_RATIO;
        Self::against_plain(case, measure, unit, value, plain).judged(
            format!("ratio ≥ {floor:.2} (1/{MAX_RATIO})"),
            value / plain >= floor,
        )
    }

    /// `value` beside the plain file's, with their ratio; judged by the caller.
    fn against_plain(
        case: &str,
        measure: &'static str,
        unit: &'static str,
        value: f64,
        plain: f64,
    ) -> Self {
        Self {
            case: case.to_owned(),
            measure,
            unit,
            value,
            baseline: Some(plain),
            ratio: Some(value / plain),
            target: String::new(),
            met: false,
        }
    }

    fn judged(self, target: String, met: bool) -> Self {
        Self {
            target,
            met,
            ..self
        }
    }

    /// Encrypted against an absolute bound.
    fn under(
        case: &str,
        measure: &'static str,
        unit: &'static str,
        value: f64,
        limit: f64,
    ) -> Self {
        Self {
            case: case.to_owned(),
            measure,
            unit,
            value,
            baseline: None,
            ratio: None,
            target: format!("< {limit} {unit}"),
            met: value < limit,
        }
    }

    fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "benchmark": "cache",
            "case": self.case,
            "measure": self.measure,
            "unit": self.unit,
            "value": round(self.value),
            "baseline": self.baseline.map(round),
            "baseline_name": self.baseline.map(|_| "plain SQLite"),
            "ratio": self.ratio.map(|r| (r * 1000.0).round() / 1000.0),
            "target": self.target,
            "met": self.met,
        })
    }
}

/// Four significant digits, enough for any of these numbers.
fn round(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let scale = 10f64.powi(3 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Times `op` (the `i`-th call on the cache of a kind) `samples` times on each kind, interleaved,
/// and returns the sorted times of each, encrypted first.
fn sample<F, Fut>(rt: &Runtime, samples: usize, op: F) -> (Vec<Duration>, Vec<Duration>)
where
    F: Fn(Kind, usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut encrypted = Vec::with_capacity(samples);
    let mut plain = Vec::with_capacity(samples);
    rt.block_on(async {
        for i in 0..samples {
            for kind in Kind::order(i) {
                let started = Instant::now();
                op(kind, i).await;
                let took = started.elapsed();
                match kind {
                    Kind::Encrypted => encrypted.push(took),
                    Kind::Plain => plain.push(took),
                }
            }
        }
    });
    encrypted.sort();
    plain.sort();
    (encrypted, plain)
}

/// p50 and p99 rows for `case` from [`sample`]'s times.
fn percentile_rows(case: &str, (encrypted, plain): &(Vec<Duration>, Vec<Duration>)) -> Vec<Row> {
    [("p50", 0.5), ("p99", 0.99)]
        .into_iter()
        .map(|(measure, p)| {
            Row::time(
                case,
                measure,
                "ms",
                ms(percentile(encrypted, p)),
                ms(percentile(plain, p)),
            )
        })
        .collect()
}

/// criterion runs `op` (the `i`-th call on the cache of a kind) on each kind in `group`.
fn criterion_both<F, Fut>(group: &mut BenchmarkGroup<'_, WallTime>, rt: &Runtime, op: F)
where
    F: Fn(Kind, usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for kind in Kind::BOTH {
        let mut next = 0usize;
        group.bench_function(kind.name(), |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let started = Instant::now();
                    for _ in 0..iters {
                        op(kind, next).await;
                        next += 1;
                    }
                    started.elapsed()
                })
            })
        });
    }
}

fn search_case(
    c: &mut Criterion,
    rt: &Runtime,
    scale: &Scale,
    policy: &Policy,
    n: i64,
) -> Vec<Row> {
    let case = format!("search, {n} customers");
    let batches = customer_batches(n, policy);
    let pair = rt.block_on(Pair::new());
    for kind in Kind::BOTH {
        let started = Instant::now();
        rt.block_on(async {
            for batch in &batches {
                pair.get(kind)
                    .store(batch, policy, FETCHED_AT)
                    .await
                    .unwrap();
            }
        });
        println!(
            "fixture: {n} customers stored {} in {:.2} s",
            kind.name(),
            started.elapsed().as_secs_f64()
        );
    }
    drop(batches);
    let (enc_mb, plain_mb) =
        rt.block_on(async { (pair.encrypted.file_mb().await, pair.plain.file_mb().await) });
    println!("fixture: files {enc_mb:.1} MB encrypted, {plain_mb:.1} MB plain");

    let queries = queries(1_000);
    let search = |kind: Kind, i: usize| {
        let cache = pair.get(kind);
        let q = &queries[i % queries.len()];
        async move {
            let found = cache.search(q, SEARCH_LIMIT, NOW).await.unwrap();
            black_box(found);
        }
    };
    // Most queries find something (a benchmark of empty answers would measure little), and both
    // files answer alike.
    let found = rt.block_on(async {
        let mut found = 0;
        for q in &queries {
            let encrypted = pair
                .encrypted
                .cache
                .search(q, SEARCH_LIMIT, NOW)
                .await
                .unwrap();
            let plain = pair.plain.cache.search(q, SEARCH_LIMIT, NOW).await.unwrap();
            assert_eq!(encrypted, plain, "{q}");
            found += usize::from(!encrypted.is_empty());
        }
        found
    });
    println!("queries: {found} of {} find customers", queries.len());
    assert!(found * 2 > queries.len());

    let mut group = c.benchmark_group(&case);
    group
        .warm_up_time(scale.warm_up)
        .measurement_time(scale.measurement)
        .sample_size(scale.sample_size);
    criterion_both(&mut group, rt, search);
    group.finish();

    let times = sample(rt, scale.samples, search);
    let mut rows = percentile_rows(&case, &times);
    if n == 100_000 {
        rows.push(Row::under(
            &case,
            "p99 (absolute)",
            "ms",
            ms(percentile(&times.0, 0.99)),
            SEARCH_P99_LIMIT_MS,
        ));
    }
    rt.block_on(pair.close());
    rows
}

fn sync_and_open_cases(
    c: &mut Criterion,
    rt: &Runtime,
    scale: &Scale,
    policy: &Policy,
) -> Vec<Row> {
    let data = SyncData::new(scale, policy);
    let sync_case = format!("sync, {} transactions", data.transactions);

    // Whole syncs, alternating; the last round's caches are the fixtures for opening.
    let mut took: [Vec<Duration>; 2] = Default::default();
    let mut kept: [Option<Fixture>; 2] = Default::default();
    for round in 0..scale.sync_rounds {
        for kind in Kind::order(round) {
            let (fixture, time) = rt.block_on(data.sync(kind, policy));
            println!(
                "sync round {}: {} {:.2} s",
                round + 1,
                kind.name(),
                time.as_secs_f64()
            );
            took[kind as usize].push(time);
            if let Some(old) = kept[kind as usize].replace(fixture) {
                rt.block_on(old.cache.close());
            }
        }
    }
    let median = |times: &mut Vec<Duration>| {
        times.sort();
        percentile(times, 0.5).as_secs_f64()
    };
    let (enc_s, plain_s) = (
        median(&mut took[Kind::Encrypted as usize]),
        median(&mut took[Kind::Plain as usize]),
    );
    let count = data.transactions as f64;
    let mut rows = vec![
        Row::time(&sync_case, "total", "s", enc_s, plain_s),
        Row::rate(
            &sync_case,
            "throughput",
            "transactions/s",
            count / enc_s,
            count / plain_s,
        ),
    ];

    if scale.criterion_sync {
        let mut group = c.benchmark_group(&sync_case);
        group
            .sampling_mode(SamplingMode::Flat)
            .sample_size(10)
            // One whole sync per sample: flat sampling takes the fewest iterations that fill the
            // measurement time, so a short one means one each (criterion warns that 10 samples
            // take longer than that; they do).
            .warm_up_time(Duration::from_millis(1))
            .measurement_time(Duration::from_millis(1));
        for kind in Kind::BOTH {
            group.bench_function(kind.name(), |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let (fixture, time) = rt.block_on(data.sync(kind, policy));
                        total += time;
                        rt.block_on(fixture.cache.close());
                    }
                    total
                })
            });
        }
        group.finish();
    }

    let pair = Pair {
        encrypted: kept[Kind::Encrypted as usize].take().unwrap(),
        plain: kept[Kind::Plain as usize].take().unwrap(),
    };
    let (enc_mb, plain_mb) =
        rt.block_on(async { (pair.encrypted.file_mb().await, pair.plain.file_mb().await) });
    println!("fixture: files {enc_mb:.1} MB encrypted, {plain_mb:.1} MB plain");

    let heavy = scale.heavy_customers;
    let each = scale.transactions_each;
    let open_case = format!("open customer, {each} transactions (first page)");
    let open = |kind: Kind, i: usize| {
        let cache = pair.get(kind);
        let id = i as i64 % heavy + 1;
        async move {
            let customer = cache.customer(id, NOW).await.unwrap();
            let page = cache
                .transactions(id, PAGE as u32, None, NOW)
                .await
                .unwrap();
            assert!(customer.is_some() && page.len() == PAGE);
            black_box((customer, page));
        }
    };
    let mut group = c.benchmark_group(&open_case);
    group
        .warm_up_time(scale.warm_up)
        .measurement_time(scale.measurement)
        .sample_size(scale.sample_size);
    criterion_both(&mut group, rt, open);
    group.finish();
    rows.extend(percentile_rows(
        &open_case,
        &sample(rt, scale.samples, open),
    ));
    rt.block_on(pair.close());
    rows
}

fn print_summary(rows: &[Row]) {
    println!();
    println!("Encrypted cache versus plain SQLite (same Cache code, same SQLCipher library):");
    println!();
    println!("| case | measure | encrypted | plain SQLite | ratio | target | met |");
    println!("| --- | --- | ---: | ---: | ---: | --- | --- |");
    for r in rows {
        let number = |x: f64| match r.unit {
            "ms" => format!("{x:.3} ms"),
            "s" => format!("{x:.2} s"),
            unit => format!("{x:.0} {unit}"),
        };
        println!(
            "| {} | {} | {} | {} | {} | {} | {} |",
            r.case,
            r.measure,
            number(r.value),
            r.baseline.map(number).unwrap_or_else(|| "–".into()),
            r.ratio
                .map(|x| format!("{x:.2}×"))
                .unwrap_or_else(|| "–".into()),
            r.target,
            if r.met { "yes" } else { "NO" },
        );
    }
}

fn write_json(dir: &Path, rows: &[Row]) {
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join("cache.json");
    let json: Vec<serde_json::Value> = rows.iter().map(Row::json).collect();
    std::fs::write(&path, serde_json::to_string_pretty(&json).unwrap() + "\n").unwrap();
    println!("\nwrote {}", path.display());
}

fn main() {
    // criterion's own rule: `cargo bench` passes `--bench`; `cargo test` does not, and wants each
    // benchmark run once.
    let args: Vec<String> = std::env::args().collect();
    let bench_mode = args.iter().any(|a| a == "--bench") && !args.iter().any(|a| a == "--test");
    let quick = std::env::var_os("DESK_BENCH_QUICK").is_some_and(|v| v != "0" && !v.is_empty());
    let scale = match (bench_mode, quick) {
        (false, _) => &Scale::TEST,
        (true, true) => &Scale::QUICK,
        (true, false) => &Scale::FULL,
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let policy = policy();
    let mut c = Criterion::default().configure_from_args();

    let mut rows = Vec::new();
    for &n in scale.search_sizes {
        rows.extend(search_case(&mut c, &rt, scale, &policy, n));
    }
    rows.extend(sync_and_open_cases(&mut c, &rt, scale, &policy));
    c.final_summary();

    print_summary(&rows);
    match std::env::var_os("DESK_BENCH_OUT") {
        Some(dir) if bench_mode => write_json(Path::new(&dir), &rows),
        Some(_) => println!("\nnot writing DESK_BENCH_OUT: not a `cargo bench` run"),
        None => {}
    }
}
