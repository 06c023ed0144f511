//! `desk-bench load`: closed-loop HTTP load, customer lookups against the bare handler.
//!
//! At each concurrency C, C tasks each open one keep-alive connection and send requests back
//! to back: first for the warm-up (not measured, though its errors count), then for the
//! measured duration. The customer lookup (`GET /v1/customers/{id}` with an agent's token: token
//! check, policy, redaction, three reads and an audit write) runs first, then the bare handler
//! (`GET /v1/health`: routing and serialization only) on the same server with the same client, so
//! the ratio of their throughputs says what authorization and audit cost. With `--ticket-views`,
//! a ticket view (`GET /v1/tickets/{id}`: the ticket, its messages and its customer read, every
//! free text scrubbed for the role, an audit write) is measured too, against the same baseline:
//! the workload whose cost the free-text scrubber adds to.
//!
//! Both sides share the machine's cores, so each measurement also says who used them in its
//! window (`cpu`): this load generator, the server (with `--server-pid`), everything else, and
//! the server's CPU time per request.
//!
//! With `--slices N` (5 by default) each concurrency is measured in N rounds, each workload
//! taking its slice of the measured and warm-up seconds in turn (lookup, ticket view, bare
//! handler, lookup, …): whatever drifts on the machine over the minute a concurrency takes weighs
//! on the lookup and its baseline alike, where one long window each had set them apart by up to a
//! fifth in runs minutes apart. Each workload's figures are over all its slices together.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::BodyExt;
use hyper::Method;
use hyper::header::HeaderValue;
use rand::Rng;
use tokio::time::Instant;

use crate::cpu::{Shares, Snapshot};
use crate::http::{self, Target};
use crate::report::{self, Row, cell, round};
use crate::stats::Samples;

/// The environment variable holding the agent's access token.
pub const AGENT_TOKEN_ENV: &str = "DESK_BENCH_AGENT_TOKEN";

const BENCHMARK: &str = "server load";
const BARE: &str = "bare handler (/v1/health)";
/// The concurrency at which the p99 target applies.
const P99_AT: usize = 200;
const P99_TARGET_MS: f64 = 20.0;
/// DESIGN.md's target: at least 0.35 of the bare handler (a stripped reference reaches about
/// 0.40 to 0.50 on this stack).
const RATIO_TARGET: f64 = 0.35;
const RATIO_TARGET_TEXT: &str = "ratio ≥ 0.35";
/// A request taking longer counts as failed, and its connection is replaced.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Options of `desk-bench load`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The server, e.g. http://127.0.0.1:8440; several replicas of one database comma-separated
    /// (the connections are spread over them in turn).
    #[arg(long, value_delimiter = ',', required = true)]
    server: Vec<String>,
    /// Measured seconds per workload and concurrency.
    #[arg(long, default_value_t = 10)]
    duration_secs: u64,
    /// Unmeasured seconds before each measurement.
    #[arg(long, default_value_t = 2)]
    warmup_secs: u64,
    /// Rounds per concurrency: each workload's measured and warm-up seconds are split into this
    /// many slices, taken in turn with the other workloads' (1: one window each).
    #[arg(long, default_value_t = 5)]
    slices: u32,
    /// Concurrent connections, one measurement each (comma-separated).
    #[arg(long, value_delimiter = ',', default_values_t = [50, 200])]
    connections: Vec<usize>,
    /// Customer ids are drawn from 1 to this (the demo data's `--customers`).
    #[arg(long, default_value_t = 500)]
    customers: u64,
    /// Also measure ticket views, on the tickets of the first customers.
    #[arg(long)]
    ticket_views: bool,
    /// The server's process id, to report its share of the cores and its CPU time per request
    /// (several replicas: their ids, comma-separated, counted together).
    #[arg(long, env = "DESK_BENCH_SERVER_PID", value_delimiter = ',')]
    server_pid: Vec<u32>,
    /// Write `server-load.json` into this folder.
    #[arg(long, env = "DESK_BENCH_OUT")]
    out: Option<PathBuf>,
}

/// What one workload sends.
#[derive(Debug, Clone)]
enum Workload {
    Lookup { customers: u64, bearer: HeaderValue },
    Ticket { ids: Vec<u64>, bearer: HeaderValue },
    Bare,
}

impl Workload {
    fn request(&self, target: &Target) -> hyper::Request<http_body_util::Full<hyper::body::Bytes>> {
        match self {
            Self::Lookup { customers, bearer } => {
                let id = rand::thread_rng().gen_range(1..=*customers);
                target.request(
                    Method::GET,
                    &format!("/v1/customers/{id}"),
                    Some(bearer),
                    None,
                )
            }
            Self::Ticket { ids, bearer } => {
                let id = ids[rand::thread_rng().gen_range(0..ids.len())];
                target.request(
                    Method::GET,
                    &format!("/v1/tickets/{id}"),
                    Some(bearer),
                    None,
                )
            }
            Self::Bare => target.request(Method::GET, "/v1/health", None, None),
        }
    }
}

/// One workload at one concurrency, measured.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Measured {
    /// Successful requests per second in the measured window.
    pub throughput: f64,
    /// Median latency of successful requests, ms.
    pub p50_ms: Option<f64>,
    /// 99th percentile latency of successful requests, ms.
    pub p99_ms: Option<f64>,
    /// Failed requests (non-2xx or transport errors), warm-up included.
    pub errors: u64,
    /// Who used the cores in the measured window (`None` where `/proc` cannot be read).
    pub cpu: Option<Shares>,
    /// Successful requests in the measured window.
    pub requests: u64,
}

impl Measured {
    /// The server's CPU time per successful request, µs.
    pub fn server_us_per_request(&self) -> Option<f64> {
        let secs = self.cpu?.server_secs?;
        (self.requests > 0).then(|| secs * 1e6 / self.requests as f64)
    }
}

#[derive(Default)]
struct Tally {
    samples: Samples,
    errors: u64,
}

/// One connection's loop: requests back to back until `end`.
async fn client(
    target: Arc<Target>,
    workload: Arc<Workload>,
    measure_from: Instant,
    end: Instant,
) -> Tally {
    let mut tally = Tally {
        samples: Samples::with_capacity(4096),
        errors: 0,
    };
    let mut sender: Option<http::Sender> = None;
    while Instant::now() < end {
        let connection = match &mut sender {
            Some(sender) => sender,
            None => match target.connect().await {
                Ok(new) => sender.insert(new),
                Err(_) => {
                    tally.errors += 1;
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let request = workload.request(&target);
        let started = Instant::now();
        let exchange = async {
            let response = http::send(connection, request).await.ok()?;
            let status = response.status();
            response.into_body().collect().await.ok()?;
            Some(status)
        };
        let ok = match tokio::time::timeout(REQUEST_TIMEOUT, exchange).await {
            Ok(Some(status)) => status.is_success(),
            // A broken or stuck connection: count it and start a new one.
            Ok(None) | Err(_) => {
                sender = None;
                false
            }
        };
        if !ok {
            tally.errors += 1;
        } else if started >= measure_from {
            tally.samples.push(started.elapsed());
        }
    }
    tally
}

/// One window of one workload: what it measured.
struct Slice {
    samples: Samples,
    errors: u64,
    /// The measured seconds.
    window: f64,
    cpu: Option<Shares>,
}

impl Measured {
    /// The figures of one workload over all its slices together.
    fn of(slices: Vec<Slice>) -> Self {
        let mut samples = Samples::with_capacity(1 << 16);
        let (mut errors, mut window, mut cpu) = (0, 0.0, Vec::new());
        for slice in slices {
            samples.merge(slice.samples);
            errors += slice.errors;
            window += slice.window;
            cpu.push((slice.cpu, slice.window));
        }
        let requests = samples.len() as u64;
        Measured {
            throughput: if window > 0.0 {
                requests as f64 / window
            } else {
                0.0
            },
            p50_ms: samples.percentile_ms(50.0),
            p99_ms: samples.percentile_ms(99.0),
            errors,
            cpu: Shares::combined(&cpu),
            requests,
        }
    }
}

/// Runs `workload` on `connections` connections: warm-up, then `duration` measured; the CPU
/// shares of the measured window include the server's when `server_pid` is known.
async fn measure(
    targets: &[Arc<Target>],
    workload: Workload,
    connections: usize,
    warmup: Duration,
    duration: Duration,
    server_pid: &[u32],
) -> Measured {
    let workload = Arc::new(workload);
    let slice = measure_slice(
        targets,
        &workload,
        connections,
        warmup,
        duration,
        server_pid,
    );
    Measured::of(vec![slice.await])
}

/// One slice of `workload`: `connections` new connections, warm-up, then `duration` measured.
async fn measure_slice(
    targets: &[Arc<Target>],
    workload: &Arc<Workload>,
    connections: usize,
    warmup: Duration,
    duration: Duration,
    server_pid: &[u32],
) -> Slice {
    let start = Instant::now();
    let measure_from = start + warmup;
    let end = measure_from + duration;
    let tasks: Vec<_> = (0..connections)
        .map(|i| {
            let target = targets[i % targets.len()].clone();
            tokio::spawn(client(target, workload.clone(), measure_from, end))
        })
        .collect();
    tokio::time::sleep_until(measure_from).await;
    let cpu_from = Snapshot::take(server_pid);
    let mut samples = Samples::with_capacity(1 << 16);
    let mut errors = 0;
    for task in tasks {
        match task.await {
            Ok(tally) => {
                samples.merge(tally.samples);
                errors += tally.errors;
            }
            Err(_) => errors += 1,
        }
    }
    // The last requests finish a little after `end`: count the window as it really was.
    let window = measure_from.elapsed().as_secs_f64();
    let cpu = cpu_from.shares_until(&Snapshot::take(server_pid));
    Slice {
        samples,
        errors,
        window,
        cpu,
    }
}

/// The lookup, the ticket view (when `tickets` are given) and the bare handler at one
/// concurrency, in `slices` rounds of a slice each.
async fn measure_in_turn(
    args: &Args,
    targets: &[Arc<Target>],
    bearer: &HeaderValue,
    tickets: Option<&Vec<u64>>,
    connections: usize,
) -> (Measured, Option<Measured>, Measured) {
    let slices = args.slices.max(1);
    let warmup = Duration::from_secs(args.warmup_secs) / slices;
    let duration = Duration::from_secs(args.duration_secs.max(1)) / slices;
    let lookup = Arc::new(Workload::Lookup {
        customers: args.customers,
        bearer: bearer.clone(),
    });
    let ticket = tickets.map(|ids| {
        Arc::new(Workload::Ticket {
            ids: ids.clone(),
            bearer: bearer.clone(),
        })
    });
    let bare = Arc::new(Workload::Bare);
    let (mut lookups, mut tickets, mut bares) = (Vec::new(), Vec::new(), Vec::new());
    let pid = &args.server_pid;
    for _ in 0..slices {
        lookups.push(measure_slice(targets, &lookup, connections, warmup, duration, pid).await);
        if let Some(ticket) = &ticket {
            tickets.push(measure_slice(targets, ticket, connections, warmup, duration, pid).await);
        }
        bares.push(measure_slice(targets, &bare, connections, warmup, duration, pid).await);
    }
    (
        Measured::of(lookups),
        ticket.map(|_| Measured::of(tickets)),
        Measured::of(bares),
    )
}

/// The JSON rows of one concurrency: the lookup's measures against the bare handler's.
pub fn rows(connections: usize, lookup: &Measured, bare: &Measured) -> Vec<Row> {
    let case = format!("customer lookup, {connections} connections");
    let lookup_throughput = Row::new(
        BENCHMARK,
        &case,
        "requests/s",
        "req/s",
        Some(round(lookup.throughput, 1)),
    )
    .against(BARE, Some(round(bare.throughput, 1)));
    let met = lookup_throughput.ratio.is_some_and(|r| r >= RATIO_TARGET);
    let mut p99 = Row::new(
        BENCHMARK,
        &case,
        "p99 latency",
        "ms",
        lookup.p99_ms.map(|v| round(v, 3)),
    )
    .against(BARE, bare.p99_ms.map(|v| round(v, 3)));
    if connections == P99_AT {
        p99 = p99.target("< 20 ms", lookup.p99_ms.is_some_and(|v| v < P99_TARGET_MS));
    }
    let mut rows = vec![
        lookup_throughput.target(RATIO_TARGET_TEXT, met),
        Row::new(
            BENCHMARK,
            &case,
            "p50 latency",
            "ms",
            lookup.p50_ms.map(|v| round(v, 3)),
        )
        .against(BARE, bare.p50_ms.map(|v| round(v, 3))),
        p99,
        Row::new(
            BENCHMARK,
            &case,
            "errors",
            "count",
            Some(lookup.errors as f64),
        )
        .beside(BARE, Some(bare.errors as f64))
        .target("0", lookup.errors == 0),
        Row::new(
            BENCHMARK,
            &format!("bare handler, {connections} connections"),
            "errors",
            "count",
            Some(bare.errors as f64),
        )
        .target("0", bare.errors == 0),
    ];
    rows.extend(cpu_rows(&case, lookup, Some(bare)));
    rows
}

/// Percent, to one decimal.
fn percent(share: Option<f64>) -> Option<f64> {
    share.map(|s| round(s * 100.0, 1))
}

/// The rows of who used the cores while `m` was measured (`bare`'s beside it, when given), and
/// the server's CPU time per request.
fn cpu_rows(case: &str, m: &Measured, bare: Option<&Measured>) -> Vec<Row> {
    let Some(cpu) = m.cpu else {
        return Vec::new();
    };
    let bare_cpu = bare.and_then(|b| b.cpu);
    let share = |measure: &str, value: Option<f64>, baseline: Option<f64>| {
        let row = Row::new(BENCHMARK, case, measure, "% of the cores", percent(value));
        match bare {
            Some(_) => row.beside(BARE, percent(baseline)),
            None => row,
        }
    };
    let per_request = Row::new(
        BENCHMARK,
        case,
        "server CPU per request",
        "µs",
        m.server_us_per_request().map(|v| round(v, 1)),
    );
    let per_request = match bare {
        Some(b) => per_request.against(BARE, b.server_us_per_request().map(|v| round(v, 1))),
        None => per_request,
    };
    vec![
        share(
            "CPU: load generator",
            Some(cpu.generator),
            bare_cpu.map(|c| c.generator),
        ),
        share("CPU: server", cpu.server, bare_cpu.and_then(|c| c.server)),
        share(
            "CPU: everything else",
            cpu.other,
            bare_cpu.and_then(|c| c.other),
        ),
        per_request,
    ]
}

/// The JSON rows of the ticket view at one concurrency, beside the bare handler.
fn ticket_rows(connections: usize, ticket: &Measured, bare: &Measured) -> Vec<Row> {
    let case = format!("ticket view, {connections} connections");
    vec![
        Row::new(
            BENCHMARK,
            &case,
            "requests/s",
            "req/s",
            Some(round(ticket.throughput, 1)),
        )
        .against(BARE, Some(round(bare.throughput, 1))),
        Row::new(
            BENCHMARK,
            &case,
            "p50 latency",
            "ms",
            ticket.p50_ms.map(|v| round(v, 3)),
        )
        .against(BARE, bare.p50_ms.map(|v| round(v, 3))),
        Row::new(
            BENCHMARK,
            &case,
            "p99 latency",
            "ms",
            ticket.p99_ms.map(|v| round(v, 3)),
        )
        .against(BARE, bare.p99_ms.map(|v| round(v, 3))),
        Row::new(
            BENCHMARK,
            &case,
            "errors",
            "count",
            Some(ticket.errors as f64),
        )
        .target("0", ticket.errors == 0),
    ]
    .into_iter()
    .chain(cpu_rows(&case, ticket, Some(bare)))
    .collect()
}

/// Ticket ids to view: those of the first customers that have tickets, up to 500, read through
/// the API with the agent's token.
async fn ticket_ids(
    target: &Target,
    bearer: &HeaderValue,
    customers: u64,
) -> anyhow::Result<Vec<u64>> {
    #[derive(serde::Deserialize)]
    struct Ticket {
        id: u64,
    }
    #[derive(serde::Deserialize)]
    struct Page {
        items: Vec<Ticket>,
    }
    let mut ids = Vec::new();
    for customer in 1..=customers.min(5_000) {
        let path = format!("/v1/customers/{customer}/tickets");
        let (status, body) = target
            .call(target.request(Method::GET, &path, Some(bearer), None))
            .await?;
        anyhow::ensure!(status.is_success(), "GET {path} answered {status}");
        ids.extend(
            serde_json::from_slice::<Page>(&body)?
                .items
                .iter()
                .map(|t| t.id),
        );
        if ids.len() >= 500 {
            break;
        }
    }
    anyhow::ensure!(!ids.is_empty(), "no customer has tickets to view");
    Ok(ids)
}

/// One customer lookup, before any measurement: a wrong token or missing data is better said at
/// once than as errors.
pub async fn probe_lookup(target: &Target, bearer: &HeaderValue) -> anyhow::Result<()> {
    let probe = Workload::Lookup {
        customers: 1,
        bearer: bearer.clone(),
    }
    .request(target);
    let (status, _) = target.call(probe).await?;
    anyhow::ensure!(
        status.is_success(),
        "GET /v1/customers/1 with {AGENT_TOKEN_ENV} answered {status}: is the token an agent's and current, and is there demo data?"
    );
    Ok(())
}

/// Customer lookups (ids drawn from 1 to `customers`) on `connections` connections: warm-up,
/// then `duration` measured.
pub async fn measure_lookups(
    targets: &[Arc<Target>],
    bearer: &HeaderValue,
    customers: u64,
    connections: usize,
    warmup: Duration,
    duration: Duration,
    server_pid: &[u32],
) -> Measured {
    let workload = Workload::Lookup {
        customers,
        bearer: bearer.clone(),
    };
    measure(targets, workload, connections, warmup, duration, server_pid).await
}

/// Runs the load benchmark; `Ok(false)` when some request failed (the numbers are then suspect).
pub async fn run(args: Args) -> anyhow::Result<bool> {
    let bearer = http::token_from_env(AGENT_TOKEN_ENV)?;
    anyhow::ensure!(args.customers >= 1, "--customers must be at least 1");
    anyhow::ensure!(
        !args.connections.is_empty() && !args.connections.contains(&0),
        "--connections must list counts of 1 or more"
    );
    let targets = args
        .server
        .iter()
        .map(|url| Target::parse(url).map(Arc::new))
        .collect::<anyhow::Result<Vec<_>>>()?;
    for target in &targets {
        probe_lookup(target, &bearer).await?;
    }

    let tickets = if args.ticket_views {
        Some(ticket_ids(&targets[0], &bearer, args.customers).await?)
    } else {
        None
    };
    let mut table = vec![
        [
            "connections",
            "workload",
            "req/s",
            "p50 ms",
            "p99 ms",
            "errors",
            "CPU % gen/server/else",
            "server µs/req",
        ]
        .map(String::from)
        .to_vec(),
    ];
    let mut json = Vec::new();
    let mut clean = true;
    for &connections in &args.connections {
        let (lookup, ticket, bare) =
            measure_in_turn(&args, &targets, &bearer, tickets.as_ref(), connections).await;
        if let Some(ticket) = &ticket {
            table.push(vec![
                connections.to_string(),
                "ticket view".to_owned(),
                format!("{:.0}", ticket.throughput),
                cell(ticket.p50_ms, 2),
                cell(ticket.p99_ms, 2),
                ticket.errors.to_string(),
                cpu_cell(ticket),
                cell(ticket.server_us_per_request(), 1),
            ]);
        }
        for (workload, m) in [("customer lookup", &lookup), ("bare handler", &bare)] {
            table.push(vec![
                connections.to_string(),
                workload.to_owned(),
                format!("{:.0}", m.throughput),
                cell(m.p50_ms, 2),
                cell(m.p99_ms, 2),
                m.errors.to_string(),
                cpu_cell(m),
                cell(m.server_us_per_request(), 1),
            ]);
        }
        table.push(vec![
            String::new(),
            "lookup / bare".to_owned(),
            cell(
                report::ratio(Some(lookup.throughput), Some(bare.throughput)),
                3,
            ),
            cell(report::ratio(lookup.p50_ms, bare.p50_ms), 1),
            cell(report::ratio(lookup.p99_ms, bare.p99_ms), 1),
            String::new(),
            String::new(),
            cell(
                report::ratio(lookup.server_us_per_request(), bare.server_us_per_request()),
                1,
            ),
        ]);
        clean &= lookup.errors == 0 && bare.errors == 0;
        json.extend(rows(connections, &lookup, &bare));
        if let Some(ticket) = &ticket {
            clean &= ticket.errors == 0;
            json.extend(ticket_rows(connections, ticket, &bare));
        }
    }

    println!(
        "server load: {} s measured per case after {} s warm-up, in {} alternating slices; customer ids 1..={}; baseline {BARE}; {}",
        args.duration_secs.max(1),
        args.warmup_secs,
        args.slices.max(1),
        args.customers,
        match targets.len() {
            1 => "one server".to_owned(),
            n => format!("connections spread over {n} servers"),
        },
    );
    print!("{}", report::table(&table));
    print_targets(&json);
    if !clean {
        println!("THIS RUN HAD ERRORS: its numbers are not a valid measurement.");
    }
    if let Some(dir) = &args.out {
        let path = report::write_rows(dir, "server-load.json", &json)?;
        println!("wrote {}", path.display());
    }
    Ok(clean)
}

/// The CPU shares of a measurement as `generator/server/else` percentages.
fn cpu_cell(m: &Measured) -> String {
    match m.cpu {
        Some(cpu) => format!(
            "{}/{}/{}",
            cell(percent(Some(cpu.generator)), 0),
            cell(percent(cpu.server), 0),
            cell(percent(cpu.other), 0)
        ),
        None => "-".to_owned(),
    }
}

/// Prints each target and whether it was met.
pub fn print_targets(rows: &[Row]) {
    for row in rows {
        if let (Some(target), Some(met)) = (&row.target, row.met) {
            let value = match (row.measure.as_str(), row.unit.as_str()) {
                ("requests/s", _) => format!("ratio {}", cell(row.ratio, 3)),
                (_, "ms") => format!("{} ms", cell(row.value, 2)),
                _ => cell(row.value, 0),
            };
            println!(
                "  {:<34} {:<15} {:<12} target {:<12} {}",
                row.case,
                row.measure,
                value,
                target,
                if met { "met" } else { "MISSED" }
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measured(throughput: f64, p50: f64, p99: f64, errors: u64) -> Measured {
        Measured {
            throughput,
            p50_ms: Some(p50),
            p99_ms: Some(p99),
            errors,
            ..Measured::default()
        }
    }

    #[test]
    fn rows_compare_lookup_with_bare_and_check_targets() {
        let lookup = measured(2100.0, 4.0, 25.0, 0);
        let bare = measured(15000.0, 0.5, 2.0, 0);
        let rows = rows(200, &lookup, &bare);
        let by = |m: &str| {
            rows.iter()
                .find(|r| r.measure == m && r.case.starts_with("customer"))
                .unwrap()
        };
        let throughput = by("requests/s");
        assert_eq!(throughput.case, "customer lookup, 200 connections");
        assert_eq!(throughput.ratio, Some(0.14));
        assert_eq!(throughput.baseline_name.as_deref(), Some(BARE));
        assert_eq!(
            (throughput.target.as_deref(), throughput.met),
            (Some("ratio ≥ 0.35"), Some(false))
        );
        assert_eq!(
            (by("p50 latency").target.clone(), by("p50 latency").met),
            (None, None)
        );
        assert_eq!(by("p50 latency").ratio, Some(8.0));
        assert_eq!(
            (by("p99 latency").target.as_deref(), by("p99 latency").met),
            (Some("< 20 ms"), Some(false))
        );
        assert_eq!(by("errors").met, Some(true));
        assert_eq!(rows.len(), 5);

        // The p99 target applies at 200 connections only.
        let fast = measured(9000.0, 1.0, 5.0, 3);
        let at_50 = super::rows(50, &fast, &bare);
        let p99 = at_50.iter().find(|r| r.measure == "p99 latency").unwrap();
        assert_eq!((p99.target.clone(), p99.met), (None, None));
        assert_eq!(at_50[0].met, Some(true));
        assert_eq!(at_50[3].met, Some(false));
    }

    #[test]
    fn cpu_rows_give_each_sides_share_and_the_servers_time_per_request() {
        let with_cpu = |throughput: f64, generator: f64, server: f64, server_secs: f64| Measured {
            cpu: Some(Shares {
                generator,
                server: Some(server),
                other: Some(0.05),
                server_secs: Some(server_secs),
            }),
            requests: (throughput * 10.0) as u64,
            ..measured(throughput, 1.0, 2.0, 0)
        };
        // 10 s windows on two cores: 20 core-seconds in all.
        let lookup = with_cpu(10_000.0, 0.2, 0.7, 14.0);
        let bare = with_cpu(40_000.0, 0.45, 0.45, 9.0);
        let rows = rows(200, &lookup, &bare);
        let by = |m: &str| rows.iter().find(|r| r.measure == m).unwrap();
        let generator = by("CPU: load generator");
        assert_eq!(
            (generator.value, generator.baseline),
            (Some(20.0), Some(45.0))
        );
        assert_eq!(generator.ratio, None);
        assert_eq!(by("CPU: server").value, Some(70.0));
        assert_eq!(by("CPU: everything else").value, Some(5.0));
        let per_request = by("server CPU per request");
        assert_eq!(
            (per_request.value, per_request.baseline),
            (Some(140.0), Some(22.5))
        );
        assert_eq!(per_request.unit, "µs");
        // Without /proc there is nothing to say, and no row says it.
        assert!(
            super::rows(200, &measured(1.0, 1.0, 1.0, 0), &bare)
                .iter()
                .all(|r| !r.measure.starts_with("CPU") && r.measure != "server CPU per request")
        );
    }
}
