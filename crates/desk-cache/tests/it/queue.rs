//! The audit queue against real SQLCipher files: views wait there until acknowledged, whatever
//! happens to the cache, and the file shows nothing of them.

use desk_cache::{
    AuditQueue, Cache, CacheError, CacheKey, NotAView, QueuedView, Records, SetAsideView, shred,
};
use desk_core::Role;
use desk_core::record::Customer;

use crate::support::{FETCHED_AT, contains, policy};

fn view(key: &str, time: i64, action: &str, resource: &str) -> QueuedView {
    QueuedView {
        idempotency_key: key.into(),
        time,
        action: action.into(),
        resource: resource.into(),
    }
}

/// A 16-character idempotency key ending in `n`.
fn key(n: u32) -> String {
    format!("queuekey{n:08}")
}

#[tokio::test]
async fn views_are_queued_once_and_leave_only_when_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("queue.sqlite3");
    let k = CacheKey::generate();
    let queue = AuditQueue::open(&path, &k).await.unwrap();
    assert!(
        queue
            .queue(&view(&key(1), 20, "customer.view", "customer:1"))
            .await
            .unwrap()
    );
    assert!(
        queue
            .queue(&view(&key(2), 10, "ticket.view", "ticket:9"))
            .await
            .unwrap()
    );
    assert!(
        !queue
            .queue(&view(&key(1), 30, "customer.view", "customer:2"))
            .await
            .unwrap(),
        "a key is queued once"
    );
    let pending = queue.pending().await.unwrap();
    let keys: Vec<&str> = pending.iter().map(|v| v.idempotency_key.as_str()).collect();
    assert_eq!(keys, [key(2), key(1)], "oldest first");
    assert_eq!(
        pending[1].resource, "customer:1",
        "the first queueing stands"
    );
    assert_eq!(queue.pending_count().await.unwrap(), 2);
    queue.close().await;

    // Reopened with its key: still both, until acknowledged.
    let queue = AuditQueue::open(&path, &k).await.unwrap();
    assert_eq!(queue.pending_count().await.unwrap(), 2);
    assert_eq!(
        queue
            .acknowledge(&[key(1), "unknown".into()])
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        queue.acknowledge(&[key(1)]).await.unwrap(),
        0,
        "harmless twice"
    );
    let pending = queue.pending().await.unwrap();
    assert_eq!(pending, [view(&key(2), 10, "ticket.view", "ticket:9")]);
    queue.close().await;
}

#[tokio::test]
async fn anything_but_a_view_of_a_record_id_is_refused_and_nothing_written() {
    let dir = tempfile::tempdir().unwrap();
    let queue = AuditQueue::open(&dir.path().join("q.sqlite3"), &CacheKey::generate())
        .await
        .unwrap();
    for (v, part) in [
        (
            view("short", 1, "customer.view", "customer:1"),
            NotAView::Key,
        ),
        (view(&key(1), 1, "reply.send", "ticket:1"), NotAView::Action),
        (
            view(&key(2), 1, "customer.view", "customer:Ada Lovelace"),
            NotAView::Resource,
        ),
        (
            view(&key(3), 1, "customer.search", "jane.doe@example.com"),
            NotAView::Resource,
        ),
    ] {
        match queue.queue(&v).await {
            Err(CacheError::NotAView(got)) => assert_eq!(got, part, "{v:?}"),
            other => panic!("{v:?}: {other:?}"),
        }
    }
    assert_eq!(queue.pending_count().await.unwrap(), 0);
    queue.close().await;
}

#[tokio::test]
async fn the_file_holds_no_header_and_nothing_of_the_views() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("queue.sqlite3");
    let queue = AuditQueue::open(&path, &CacheKey::generate())
        .await
        .unwrap();
    for n in 0..50 {
        queue
            .queue(&view(
                &key(n),
                FETCHED_AT,
                "customer.view",
                "customer:918273645",
            ))
            .await
            .unwrap();
    }
    queue
        .set_aside_views(&[(key(3), "outside_window")], FETCHED_AT)
        .await
        .unwrap();
    let check = || {
        let mut seen = 0;
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            let path = entry.unwrap().path();
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            seen += 1;
            for needle in [
                &b"SQLite format 3"[..],
                b"customer:918273645",
                b"customer.view",
                key(7).as_bytes(),
                b"audit queue v1",
                b"audit queue v2",
                b"outside_window",
            ] {
                assert!(
                    !contains(&bytes, needle),
                    "{} holds {}",
                    path.display(),
                    String::from_utf8_lossy(needle)
                );
            }
        }
        assert!(seen >= 1);
    };
    check();
    queue.close().await;
    check();
}

#[tokio::test]
async fn shredding_and_purging_the_cache_leave_the_queue_whole() {
    let dir = tempfile::tempdir().unwrap();
    let cache_path = dir.path().join("cache").join("agent.sqlite3");
    let queue_path = dir.path().join("audit-queue").join("agent.sqlite3");
    std::fs::create_dir_all(cache_path.parent().unwrap()).unwrap();
    std::fs::create_dir_all(queue_path.parent().unwrap()).unwrap();
    let (cache_key, queue_key) = (CacheKey::generate(), CacheKey::generate());
    let cache = Cache::open(&cache_path, &cache_key).await.unwrap();
    let records = Records {
        customers: vec![Customer {
            id: 1,
            name: Some("Ada Lovelace".into()),
            ..Customer::default()
        }],
        ..Records::default()
    };
    cache
        .store(&records, &policy(&[Role::AgentL1]), FETCHED_AT)
        .await
        .unwrap();
    let queue = AuditQueue::open(&queue_path, &queue_key).await.unwrap();
    queue
        .queue(&view(&key(1), FETCHED_AT, "customer.view", "customer:1"))
        .await
        .unwrap();

    cache.purge().await.unwrap();
    cache.close().await;
    shred(&cache_path, async { Ok::<(), std::io::Error>(()) })
        .await
        .unwrap();
    assert!(!cache_path.exists());
    assert_eq!(queue.pending_count().await.unwrap(), 1);
    queue.close().await;
    let queue = AuditQueue::open(&queue_path, &queue_key).await.unwrap();
    assert_eq!(
        queue.pending().await.unwrap().len(),
        1,
        "after the shred too"
    );
    queue.close().await;
}

#[tokio::test]
async fn another_key_cannot_read_it_and_an_unreadable_queue_is_set_aside_not_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("queue.sqlite3");
    let k = CacheKey::generate();
    let queue = AuditQueue::open(&path, &k).await.unwrap();
    queue
        .queue(&view(&key(1), FETCHED_AT, "ticket.view", "ticket:3"))
        .await
        .unwrap();
    queue.close().await;

    let err = AuditQueue::open(&path, &CacheKey::generate())
        .await
        .unwrap_err();
    assert!(matches!(err, CacheError::Unreadable), "{err:?}");
    let aside = AuditQueue::set_aside(&path, 1234).unwrap().unwrap();
    assert!(!path.exists());
    assert!(
        aside.to_string_lossy().ends_with(".unreadable-1234"),
        "{}",
        aside.display()
    );
    // Whoever holds its key still reads every view in it.
    let kept = AuditQueue::open(&aside, &k).await.unwrap();
    assert_eq!(kept.pending_count().await.unwrap(), 1);
    kept.close().await;
    assert_eq!(
        AuditQueue::set_aside(&path, 1235).unwrap(),
        None,
        "nothing to set aside"
    );
}

#[tokio::test]
async fn views_refused_for_good_are_set_aside_kept_and_no_longer_pending() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("queue.sqlite3");
    let k = CacheKey::generate();
    let queue = AuditQueue::open(&path, &k).await.unwrap();
    for (n, time) in [(1, 10), (2, 20), (3, 30)] {
        queue
            .queue(&view(&key(n), time, "customer.view", "customer:1"))
            .await
            .unwrap();
    }
    // A reason that is anything but a short name could carry what the queue must not hold.
    for reason in ["", "Outside window", "jane@example.com", &"a".repeat(33)] {
        let err = queue
            .set_aside_views(&[(key(1), "outside_window"), (key(2), reason)], 99)
            .await
            .unwrap_err();
        assert!(
            matches!(err, CacheError::NotAView(NotAView::Reason)),
            "{reason}: {err:?}"
        );
    }
    assert_eq!(queue.pending_count().await.unwrap(), 3, "nothing moved");
    assert_eq!(queue.set_aside_count().await.unwrap(), 0);

    let moved = queue
        .set_aside_views(&[(key(2), "outside_window"), (key(9), "invalid_key")], 1000)
        .await
        .unwrap();
    assert_eq!(moved, 1, "an unknown key is passed over");
    let pending: Vec<String> = queue
        .pending()
        .await
        .unwrap()
        .into_iter()
        .map(|v| v.idempotency_key)
        .collect();
    assert_eq!(pending, [key(1), key(3)]);
    assert_eq!(queue.pending_count().await.unwrap(), 2);
    assert_eq!(queue.set_aside_count().await.unwrap(), 1);
    // Queued again under the same key (an earlier version's views adopted twice): still aside.
    assert!(
        !queue
            .queue(&view(&key(2), 20, "customer.view", "customer:1"))
            .await
            .unwrap()
    );
    assert_eq!(queue.pending_count().await.unwrap(), 2);
    // Acknowledging takes only pending views; a set-aside view stays.
    assert_eq!(queue.acknowledge(&[key(2)]).await.unwrap(), 0);
    queue.close().await;

    let queue = AuditQueue::open(&path, &k).await.unwrap();
    assert_eq!(
        queue.set_aside_list().await.unwrap(),
        [SetAsideView {
            view: view(&key(2), 20, "customer.view", "customer:1"),
            reason: "outside_window".into(),
            set_aside_at: 1000,
        }],
        "kept across a reopen, as it was queued"
    );
    assert_eq!(queue.pending_count().await.unwrap(), 2);
    queue.close().await;
}

#[tokio::test]
async fn a_queue_file_of_the_first_version_opens_and_keeps_its_views() {
    // A queue as the first version left it: its one migration applied, views in it. The
    // migration is a copy of `queue-migrations/0001_views.sql` as released (`queue-v1/`), run by
    // sqlx, so the file records it as the first version did; were the released migration
    // edited instead of followed by a new one, its checksum would no longer match and this
    // file would not open.
    let dir = tempfile::tempdir().unwrap();
    let first = crate::support::package_dir().join("tests/it/queue-v1");
    let path = dir.path().join("queue.sqlite3");
    let k = CacheKey::generate();
    let pool = desk_cache::open(&path, &k).await.unwrap();
    sqlx::migrate::Migrator::new(first)
        .await
        .unwrap()
        .run(&pool)
        .await
        .unwrap();
    for (n, time) in [(1, 10), (2, 20)] {
        sqlx::query(
            "INSERT INTO views (idempotency_key, time, action, resource) VALUES (?1, ?2, ?3, ?4)",
        )
        .bind(key(n))
        .bind(time)
        .bind("ticket.view")
        .bind("ticket:4")
        .execute(&pool)
        .await
        .unwrap();
    }
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert!(
        !tables.contains(&"set_aside_views".to_owned()),
        "{tables:?}"
    );
    pool.close().await;

    // This version opens it, brings it up to date, and every view still waits.
    let queue = AuditQueue::open(&path, &k).await.unwrap();
    assert_eq!(
        queue.pending().await.unwrap(),
        [
            view(&key(1), 10, "ticket.view", "ticket:4"),
            view(&key(2), 20, "ticket.view", "ticket:4"),
        ]
    );
    assert_eq!(queue.set_aside_count().await.unwrap(), 0);
    assert_eq!(
        queue
            .set_aside_views(&[(key(1), "outside_window")], 30)
            .await
            .unwrap(),
        1
    );
    assert_eq!(queue.pending_count().await.unwrap(), 1);
    queue.close().await;

    let pool = desk_cache::open(&path, &k).await.unwrap();
    let format: String = sqlx::query_scalar("SELECT value FROM meta WHERE key = 'format'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(format, "desk-cache audit queue v2");
    pool.close().await;
    // And it opens again as it is now.
    let queue = AuditQueue::open(&path, &k).await.unwrap();
    assert_eq!(queue.set_aside_count().await.unwrap(), 1);
    queue.close().await;
}
