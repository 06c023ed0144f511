use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Instant;

use secrecy::ExposeSecret as _;

use desk_cache::{Cache, CacheError, CacheKey, Offline, Records, offline_state, prepare};
use desk_core::record::{Customer, Ticket, Transaction};
use desk_core::signed::{Layout, PolicyClaims};
use desk_core::{Policy, RecordKind, Role};

use crate::support::{self, FETCHED_AT, contains, people, policy, server_records};

/// A cache holding `realistic()` as stored under the second-line policy at `FETCHED_AT`.
async fn cached_realistic() -> (support::TestCache, support::Person, Records, Policy) {
    let t = support::cache().await;
    let (person, records) = realistic();
    let p = policy(&[Role::AgentL2]);
    t.cache.store(&records, &p, FETCHED_AT).await.unwrap();
    (t, person, records, p)
}

/// A customer with transactions and tickets as an agent_l2 receives them, made fit for the cache.
fn realistic() -> (support::Person, Records) {
    let person = people(7, 1).remove(0);
    let p = policy(&[Role::AgentL2]);
    let records = prepare::records(&server_records(&p, std::slice::from_ref(&person)), &p);
    (person, records)
}

#[tokio::test]
async fn no_record_text_reaches_the_disk() {
    let (t, person, records, _) = cached_realistic().await;

    let name = person.customer.name.clone().unwrap();
    let email = person.customer.email.clone().unwrap();
    let masked = records.customers[0].email.clone().unwrap();
    let domain = masked.split_once('@').unwrap().1.to_owned();
    let merchant = records.transactions[0].1.merchant.clone().unwrap();
    // The cache does hold them, readable with the key.
    let cached = t
        .cache
        .customer(person.customer.id, FETCHED_AT)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(cached.value.name.as_deref(), Some(name.as_str()));
    assert_eq!(cached.value.email.as_deref(), Some(masked.as_str()));
    let description = records.transactions[0].1.description.clone().unwrap();
    let needles = [
        name.as_str(),
        email.as_str(),
        domain.as_str(),
        merchant.as_str(),
        description.as_str(),
        "SQLite format 3",
    ];

    let seen_open = scan(t.dir.path(), &needles);
    t.cache.close().await;
    let seen_closed = scan(t.dir.path(), &needles);
    assert!(
        seen_open >= 2,
        "the WAL exists while open ({seen_open} files)"
    );
    assert!(seen_closed >= 1);
}

/// Scans every file in `dir` for each needle; returns how many files it read.
fn scan(dir: &std::path::Path, needles: &[&str]) -> usize {
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        seen += 1;
        for needle in needles {
            assert!(
                !contains(&bytes, needle.as_bytes()),
                "{} holds {needle:?}",
                path.display()
            );
        }
    }
    seen
}

#[tokio::test]
async fn records_read_back_as_stored_until_they_expire() {
    let (t, person, records, p) = cached_realistic().await;
    let id = person.customer.id;
    let ttl = p.cacheable(RecordKind::Customer).unwrap() as i64;
    let expiry = FETCHED_AT + ttl;

    let customer = t.cache.customer(id, expiry - 1).await.unwrap().unwrap();
    assert_eq!(customer.value, records.customers[0]);
    assert_eq!(
        (customer.fetched_at, customer.expires_at),
        (FETCHED_AT, expiry)
    );
    let transactions = t
        .cache
        .transactions(id, 100, None, expiry - 1)
        .await
        .unwrap();
    let mut expected: Vec<Transaction> = records
        .transactions
        .iter()
        .map(|(_, t)| t.clone())
        .collect();
    expected.sort_by_key(|t| std::cmp::Reverse(t.id));
    assert_eq!(
        transactions
            .iter()
            .map(|c| c.value.clone())
            .collect::<Vec<_>>(),
        expected
    );
    let tickets = t.cache.tickets(id, expiry - 1).await.unwrap();
    assert_eq!(tickets.len(), records.tickets.len());
    let ticket = t
        .cache
        .ticket(records.tickets[0].id, expiry - 1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ticket.value, records.tickets[0]);
    assert!(
        ticket
            .value
            .messages
            .as_ref()
            .is_some_and(|m| !m.is_empty())
    );

    // At the expiry, nothing is served.
    assert_eq!(t.cache.customer(id, expiry).await.unwrap(), None);
    assert!(
        t.cache
            .transactions(id, 100, None, expiry)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(t.cache.tickets(id, expiry).await.unwrap().is_empty());
    assert_eq!(
        t.cache.ticket(records.tickets[0].id, expiry).await.unwrap(),
        None
    );
    let name = person.customer.name.clone().unwrap();
    assert_eq!(
        t.cache.search(&name, 10, expiry - 1).await.unwrap().len(),
        1
    );
    assert!(t.cache.search(&name, 10, expiry).await.unwrap().is_empty());

    let status = t.cache.status(expiry).await.unwrap();
    assert!(status.per_kind.is_empty());
    assert_eq!(
        status.expired as usize,
        1 + records.transactions.len() + records.tickets.len()
    );
    assert_eq!(t.cache.prune(expiry).await.unwrap(), status.expired);
    assert_eq!(t.cache.status(expiry).await.unwrap().expired, 0);
}

#[tokio::test]
async fn transactions_page_backwards_by_id() {
    let t = support::cache().await;
    let p = policy(&[Role::AgentL1]);
    let records = Records {
        transactions: (1..=30)
            .map(|id| {
                (
                    5,
                    Transaction {
                        id,
                        account_id: 50,
                        merchant: Some(format!("m{id}")),
                        ..Transaction::default()
                    },
                )
            })
            .chain([(
                6,
                Transaction {
                    id: 99,
                    account_id: 60,
                    ..Transaction::default()
                },
            )])
            .collect(),
        ..Records::default()
    };
    t.cache.store(&records, &p, FETCHED_AT).await.unwrap();
    let ids = |page: Vec<desk_cache::Cached<Transaction>>| {
        page.iter().map(|c| c.value.id).collect::<Vec<_>>()
    };
    let first = ids(t.cache.transactions(5, 10, None, FETCHED_AT).await.unwrap());
    assert_eq!(first, (21..=30).rev().collect::<Vec<_>>());
    let next = ids(t
        .cache
        .transactions(5, 10, Some(21), FETCHED_AT)
        .await
        .unwrap());
    assert_eq!(next, (11..=20).rev().collect::<Vec<_>>());
    let last = ids(t
        .cache
        .transactions(5, 100, Some(3), FETCHED_AT)
        .await
        .unwrap());
    assert_eq!(last, [2, 1]);
    assert_eq!(
        ids(t.cache.transactions(6, 10, None, FETCHED_AT).await.unwrap()),
        [99]
    );
    assert_eq!(
        t.cache
            .transactions(5, u32::MAX, None, FETCHED_AT)
            .await
            .unwrap()
            .len(),
        30
    );
}

#[tokio::test]
async fn an_older_fetch_does_not_replace_a_newer_one() {
    let t = support::cache().await;
    let p = policy(&[Role::AgentL1]);
    let customer = |tier: &str| Records {
        customers: vec![Customer {
            id: 1,
            name: Some(format!("Ada {tier}")),
            tier: Some(tier.to_owned()),
            ..Customer::default()
        }],
        ..Records::default()
    };
    t.cache
        .store(&customer("new"), &p, FETCHED_AT)
        .await
        .unwrap();
    t.cache
        .store(&customer("old"), &p, FETCHED_AT - 10)
        .await
        .unwrap();
    let cached = t.cache.customer(1, FETCHED_AT).await.unwrap().unwrap();
    assert_eq!(cached.value.tier.as_deref(), Some("new"));
    assert_eq!(cached.fetched_at, FETCHED_AT);
    assert!(
        t.cache
            .search("old", 10, FETCHED_AT)
            .await
            .unwrap()
            .is_empty()
    );
    t.cache
        .store(&customer("newer"), &p, FETCHED_AT + 10)
        .await
        .unwrap();
    let found = t.cache.search("newer", 10, FETCHED_AT).await.unwrap();
    assert_eq!(found.len(), 1, "the search index follows the record");
    assert!(t.cache.search("new", 10, FETCHED_AT).await.unwrap().len() == 1);
}

#[tokio::test]
async fn search_finds_by_name_prefix_and_masked_email_domain() {
    let t = support::cache().await;
    let p = policy(&[Role::AgentL1]);
    let customers = vec![
        Customer {
            id: 1,
            name: Some("Zoë Quennell-Haworth".into()),
            email: Some("z•••@harbourpost.example".into()),
            phone: Some("•••23".into()),
            ..Customer::default()
        },
        Customer {
            id: 2,
            name: Some("Ada Lovelace".into()),
            email: Some("a•••@analytical.example".into()),
            ..Customer::default()
        },
        Customer {
            id: 3,
            name: Some("Adam Zoeller".into()),
            ..Customer::default()
        },
    ];
    let records = Records {
        customers,
        ..Records::default()
    };
    t.cache.store(&records, &p, FETCHED_AT).await.unwrap();
    let ids = |found: Vec<desk_cache::Cached<Customer>>| {
        let mut ids: Vec<i64> = found.iter().map(|c| c.value.id).collect();
        ids.sort();
        ids
    };
    let cache = &t.cache;
    let search = move |text: &'static str| async move {
        ids(cache.search(text, 10, FETCHED_AT).await.unwrap())
    };
    assert_eq!(search("Quenn").await, [1]);
    assert_eq!(
        search("zoe").await,
        [1, 3],
        "diacritics fold: Zoë and Zoeller"
    );
    assert_eq!(search("ZOË QUEN").await, [1], "every word must match");
    assert_eq!(search("ada").await, [2, 3]);
    assert_eq!(search("harbourpost.example").await, [1]);
    assert_eq!(search("analytical").await, [2]);
    assert_eq!(search("23").await, [1], "the digits a masked phone keeps");
    assert!(search("lovelace quennell").await.is_empty());
    assert!(search("nobody").await.is_empty());
    assert_eq!(
        t.cache.search("a", 1, FETCHED_AT).await.unwrap().len(),
        1,
        "the limit holds"
    );
}

#[tokio::test]
async fn hostile_search_strings_neither_fail_nor_change_anything() {
    let (t, person, _, _) = cached_realistic().await;
    let before = t.cache.status(FETCHED_AT).await.unwrap();
    let long = "ab\"*( ".repeat(10 * 1024 / 6);
    let hostile = [
        "\"",
        "\"\"",
        "NEAR(",
        "NEAR(a b",
        "*",
        "a*b*",
        "'; DROP TABLE records; --",
        "name:ada",
        "- ^ + ( ) { } :",
        "\u{0}\u{202E}",
        "AND OR NOT",
        long.as_str(),
    ];
    for text in hostile {
        t.cache
            .search(text, 10, FETCHED_AT)
            .await
            .unwrap_or_else(|e| panic!("{:?}: {e}", &text[..text.len().min(20)]));
    }
    assert_eq!(
        t.cache.status(FETCHED_AT).await.unwrap().per_kind,
        before.per_kind
    );
    let name = person.customer.name.clone().unwrap();
    assert_eq!(
        t.cache.search(&name, 10, FETCHED_AT).await.unwrap().len(),
        1
    );
    assert!(
        t.cache
            .customer(person.customer.id, FETCHED_AT)
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn status_counts_what_is_served() {
    let t = support::cache().await;
    let empty = t.cache.status(FETCHED_AT).await.unwrap();
    assert!(empty.per_kind.is_empty());
    assert_eq!((empty.oldest_fetched_at, empty.next_expiry), (None, None));
    assert!(empty.file_bytes > 0);

    let (_, records) = realistic();
    let p = policy(&[Role::AgentL2]);
    t.cache.store(&records, &p, FETCHED_AT).await.unwrap();
    t.cache.store(&records, &p, FETCHED_AT + 60).await.unwrap();
    let status = t.cache.status(FETCHED_AT).await.unwrap();
    assert_eq!(status.per_kind[&RecordKind::Customer], 1);
    assert_eq!(
        status.per_kind[&RecordKind::Transaction] as usize,
        records.transactions.len()
    );
    assert_eq!(
        status.per_kind[&RecordKind::Ticket] as usize,
        records.tickets.len()
    );
    assert_eq!(status.oldest_fetched_at, Some(FETCHED_AT + 60));
    let ttl = p.cacheable(RecordKind::Customer).unwrap() as i64;
    assert_eq!(status.next_expiry, Some(FETCHED_AT + 60 + ttl));
    assert!(status.file_bytes > empty.file_bytes);
    let json = serde_json::to_value(&status).unwrap();
    assert_eq!(json["per_kind"]["customer"], 1);
}

#[tokio::test]
async fn purge_deletes_the_records_and_keeps_the_policy() {
    let (t, person, records, p) = cached_realistic().await;
    t.cache
        .store_policy("a.b.c", &claims(p.clone()), FETCHED_AT)
        .await
        .unwrap();

    let n = t.cache.purge().await.unwrap();
    assert_eq!(
        n as usize,
        1 + records.transactions.len() + records.tickets.len()
    );
    assert!(
        t.cache
            .status(FETCHED_AT)
            .await
            .unwrap()
            .per_kind
            .is_empty()
    );
    assert_eq!(
        t.cache
            .customer(person.customer.id, FETCHED_AT)
            .await
            .unwrap(),
        None
    );
    let name = person.customer.name.unwrap();
    assert!(
        t.cache
            .search(&name, 10, FETCHED_AT)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(t.cache.policy().await.unwrap().is_some());
}

fn claims(policy: desk_core::Policy) -> PolicyClaims {
    PolicyClaims {
        iss: "https://desk.example".into(),
        sub: "agent-7".into(),
        aud: "support-desk".into(),
        iat: FETCHED_AT,
        exp: FETCHED_AT + 3600,
        version: 42,
        layout: Layout::default_for(&policy),
        policy,
        audit_checkpoint: None,
    }
}

#[tokio::test]
async fn the_kept_policy_survives_reopening_and_bounds_offline_reading() {
    let t = support::cache().await;
    assert_eq!(t.cache.policy().await.unwrap(), None);
    let p = policy(&[Role::AgentL1]);
    let first = claims(p.clone());
    t.cache
        .store_policy("first.jws.sig", &first, FETCHED_AT)
        .await
        .unwrap();
    let mut second = claims(p);
    second.version = 43;
    t.cache
        .store_policy("second.jws.sig", &second, FETCHED_AT + 1)
        .await
        .unwrap();
    t.cache.close().await;

    let cache = Cache::open(&t.path, &t.key).await.unwrap();
    let (jws, kept) = cache.policy().await.unwrap().unwrap();
    assert_eq!((jws.as_str(), &kept), ("second.jws.sig", &second));
    let grace = kept.policy.cache.offline_grace_secs as i64;
    assert!(grace > 0);
    assert_eq!(
        offline_state(&kept, kept.exp),
        Offline::Allowed {
            until: kept.exp + grace
        }
    );
    assert!(matches!(
        offline_state(&kept, kept.exp + grace),
        Offline::Locked { .. }
    ));
}

#[tokio::test]
async fn a_cache_belongs_to_the_first_device_that_claims_it_even_after_reopening() {
    let t = support::cache().await;
    assert!(t.cache.claim_device("device-one-aaaaaaaa").await.unwrap());
    assert!(t.cache.claim_device("device-one-aaaaaaaa").await.unwrap());
    t.cache.close().await;

    let cache = Cache::open(&t.path, &t.key).await.unwrap();
    assert!(!cache.claim_device("device-two-bbbbbbbb").await.unwrap());
    assert!(
        cache.claim_device("device-one-aaaaaaaa").await.unwrap(),
        "a refused claim changes nothing"
    );
}

#[tokio::test]
async fn views_queued_in_the_cache_by_earlier_versions_are_read_and_forgotten() {
    let t = support::cache().await;
    t.cache.close().await;
    // What an earlier version wrote into the cache's own queue: one pending, one uploaded.
    let pool = desk_cache::open(&t.path, &t.key).await.unwrap();
    sqlx::query(
        "INSERT INTO audit_queue (idempotency_key, time, action, resource, uploaded_at)
         VALUES ('k1', 20, 'customer.view', 'customer:1', NULL),
                ('k0', 10, 'ticket.view', 'ticket:9', 15)",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;

    let cache = Cache::open(&t.path, &t.key).await.unwrap();
    let legacy = cache.legacy_views().await.unwrap();
    let keys: Vec<&str> = legacy.iter().map(|v| v.idempotency_key.as_str()).collect();
    assert_eq!(keys, ["k1"], "only what was never uploaded");
    assert_eq!(
        cache.forget_legacy_views(&["k1", "unknown"]).await.unwrap(),
        1
    );
    assert!(cache.legacy_views().await.unwrap().is_empty());
}

#[tokio::test]
async fn foreign_damaged_and_wrongly_keyed_files_are_made_anew() {
    let dir = tempfile::tempdir().unwrap();
    let key = CacheKey::generate();

    // A cache this key reads is opened as it is, data and all.
    let good = dir.path().join("good.db");
    {
        let cache = Cache::open(&good, &key).await.unwrap();
        let (_, records) = realistic();
        cache
            .store(&records, &policy(&[Role::AgentL2]), FETCHED_AT)
            .await
            .unwrap();
        cache.close().await;
    }
    let (cache, recreated) = Cache::open_or_recreate(&good, &key).await.unwrap();
    assert!(!recreated);
    assert_eq!(
        cache.status(FETCHED_AT).await.unwrap().per_kind[&RecordKind::Customer],
        1
    );
    cache.close().await;

    // Another key.
    let other_key = dir.path().join("other-key.db");
    std::fs::copy(&good, &other_key).unwrap();
    // A plain SQLite database.
    let plain = dir.path().join("plain.db");
    let mut bytes = b"SQLite format 3\0".to_vec();
    bytes.resize(8192, 0);
    std::fs::write(&plain, bytes).unwrap();
    // Random bytes.
    let noise = dir.path().join("noise.db");
    std::fs::write(
        &noise,
        (0..20_000u32)
            .map(|i| (i * 7919 % 251) as u8)
            .collect::<Vec<_>>(),
    )
    .unwrap();
    // Our cache with its first page damaged.
    let damaged = dir.path().join("damaged.db");
    let mut bytes = std::fs::read(&good).unwrap();
    for b in &mut bytes[100..140] {
        *b ^= 0x5a;
    }
    std::fs::write(&damaged, bytes).unwrap();

    for (path, key) in [
        (&other_key, CacheKey::generate()),
        (&plain, key.clone()),
        (&noise, key.clone()),
        (&damaged, key.clone()),
    ] {
        std::fs::write(support_sibling(path, "-wal"), b"stale write-ahead log").unwrap();
        let err = Cache::open(path, &key).await.unwrap_err();
        assert!(
            matches!(err, CacheError::Unreadable),
            "{}: {err:?}",
            path.display()
        );
        let (cache, recreated) = Cache::open_or_recreate(path, &key).await.unwrap();
        assert!(recreated, "{}", path.display());
        assert!(cache.status(FETCHED_AT).await.unwrap().per_kind.is_empty());
        let (_, records) = realistic();
        cache
            .store(&records, &policy(&[Role::AgentL2]), FETCHED_AT)
            .await
            .unwrap();
        cache.close().await;
        let reopened = Cache::open(path, &key).await.unwrap();
        assert_eq!(
            reopened.status(FETCHED_AT).await.unwrap().per_kind[&RecordKind::Customer],
            1,
            "{}: the new cache is usable",
            path.display()
        );
        reopened.close().await;
    }
}

#[tokio::test]
async fn a_damaged_page_is_reported_unreadable_never_read_wrong() {
    let t = support::cache().await;
    let p = policy(&[Role::AgentL1]);
    let batch: Vec<support::Person> = people(11, 40);
    let records = prepare::records(&server_records(&p, &batch), &p);
    t.cache.store(&records, &p, FETCHED_AT).await.unwrap();
    t.cache.close().await;

    let mut bytes = std::fs::read(&t.path).unwrap();
    let pages = bytes.len() / 4096;
    assert!(pages > 16, "{pages} pages");
    // Flip a byte in each page of the second half, where the records went (the schema and the
    // migrations table, written first, sit at the start).
    for page in bytes.chunks_mut(4096).skip(pages / 2) {
        page[2000] ^= 0xff;
    }
    std::fs::write(&t.path, &bytes).unwrap();

    let cache = Cache::open(&t.path, &t.key).await.unwrap();
    let mut errors = 0;
    for c in &records.customers {
        match cache.customer(c.id, FETCHED_AT).await {
            Ok(found) => assert_eq!(found.map(|f| f.value).as_ref(), Some(c)),
            Err(e) => {
                assert!(matches!(e, CacheError::Unreadable), "{e:?}");
                errors += 1;
            }
        }
    }
    assert!(errors > 0, "the damage was noticed");
}

fn support_sibling(path: &std::path::Path, suffix: &str) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}

/// The child process of [`a_crash_mid_store_keeps_whole_batches`] writes batches until killed.
const CRASH_CHILD: &str = "DESK_CACHE_TEST_CRASH_CHILD";
const CUSTOMERS: i64 = 20;
const PER_CUSTOMER: i64 = 40;

/// Batch `n` rewrites customer `n % CUSTOMERS + 1` with its transactions and tickets, each
/// tagged with `n`.
fn batch(n: i64) -> Records {
    let id = n % CUSTOMERS + 1;
    let tag = format!("batch-{n}");
    Records {
        customers: vec![Customer {
            id,
            name: Some(format!("Customer {id}")),
            tier: Some(tag.clone()),
            ..Customer::default()
        }],
        transactions: (0..PER_CUSTOMER)
            .map(|k| {
                (
                    id,
                    Transaction {
                        id: id * 1000 + k,
                        account_id: id,
                        merchant: Some(tag.clone()),
                        description: Some(format!("{tag}: {}", "payment ".repeat(20))),
                        ..Transaction::default()
                    },
                )
            })
            .collect(),
        tickets: (0..3)
            .map(|k| Ticket {
                id: id * 10 + k,
                customer_id: id,
                status: Some(tag.clone()),
                ..Ticket::default()
            })
            .collect(),
    }
}

#[tokio::test]
async fn a_crash_mid_store_keeps_whole_batches() {
    let p = policy(&[Role::AgentL1]);
    if let Ok(dir) = std::env::var(CRASH_CHILD) {
        // The child: write batches from the given number on until the parent kills it (or,
        // should the parent be gone, for at most two minutes).
        let key_hex = secrecy::SecretString::from(std::env::var("DESK_CACHE_TEST_KEY").unwrap());
        let key = CacheKey::from_hex(&key_hex).unwrap();
        let mut n: i64 = std::env::var("DESK_CACHE_TEST_FROM")
            .unwrap()
            .parse()
            .unwrap();
        let cache = Cache::open(&std::path::Path::new(&dir).join("cache.db"), &key)
            .await
            .unwrap();
        let started = Instant::now();
        while started.elapsed().as_secs() < 120 {
            cache.store(&batch(n), &p, n).await.unwrap();
            println!("stored {n}");
            n += 1;
        }
        return;
    }

    let t = support::cache().await;
    t.cache.close().await;
    let mut from = 0;
    // Kill the writer at different points of a batch: at its start, a quarter, half and three
    // quarters of the way through (measured from the pace of the batches before).
    for fraction in [0.0, 0.25, 0.5, 0.75] {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "cache::a_crash_mid_store_keeps_whole_batches",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CRASH_CHILD, t.dir.path())
            .env("DESK_CACHE_TEST_KEY", t.key.to_hex().expose_secret())
            .env("DESK_CACHE_TEST_FROM", from.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let wanted = from + CUSTOMERS;
        let mut last_stored = -1;
        let mut first_line = None;
        for line in BufReader::new(child.stdout.take().unwrap()).lines() {
            if let Some(n) = line.unwrap().strip_prefix("stored ") {
                last_stored = n.parse().unwrap();
                first_line.get_or_insert((Instant::now(), last_stored));
                if last_stored >= wanted {
                    break;
                }
            }
        }
        let (since, first) = first_line.expect("the child stored batches");
        let per_batch = since.elapsed() / u32::try_from((last_stored - first).max(1)).unwrap();
        std::thread::sleep(per_batch.mul_f64(fraction));
        // SIGKILL: no destructor, no rollback, no close.
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(
            last_stored >= wanted,
            "the child stopped early at {last_stored}"
        );

        let newest = assert_whole_batches(&t.path, &t.key).await;
        assert!(
            newest >= last_stored,
            "a batch reported stored ({last_stored}) survived the crash (newest {newest})"
        );
        from = newest + 1;
    }
}

/// Checks that the cache at `path` holds whole batches only and returns the newest.
async fn assert_whole_batches(path: &std::path::Path, key: &CacheKey) -> i64 {
    let pool = desk_cache::open(path, key).await.unwrap();
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(check, "ok");
    pool.close().await;

    let cache = Cache::open(path, key).await.unwrap();
    let mut newest = -1;
    for id in 1..=CUSTOMERS {
        let customer = cache
            .customer(id, 0)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("customer {id} was stored in an early batch"));
        let tag = customer.value.tier.clone().unwrap();
        let n: i64 = tag.strip_prefix("batch-").unwrap().parse().unwrap();
        newest = newest.max(n);
        let transactions = cache.transactions(id, 500, None, 0).await.unwrap();
        assert_eq!(transactions.len() as i64, PER_CUSTOMER, "customer {id}");
        for t in &transactions {
            assert_eq!(
                t.value.merchant.as_deref(),
                Some(tag.as_str()),
                "customer {id}"
            );
            assert_eq!(t.fetched_at, n);
        }
        let tickets = cache.tickets(id, 0).await.unwrap();
        assert_eq!(tickets.len(), 3);
        assert!(
            tickets
                .iter()
                .all(|t| t.value.status.as_deref() == Some(tag.as_str()))
        );
    }
    cache.close().await;
    newest
}
