use desk_cache::{CacheError, CacheKey, cipher_version, open};
use secrecy::ExposeSecret;

const MARKER: &str = "marker-jane.doe@example.com-4111111111111111";

#[tokio::test]
async fn sqlcipher_is_linked() {
    let version = cipher_version().await.unwrap();
    assert!(
        version.is_some_and(|v| !v.is_empty()),
        "PRAGMA cipher_version is empty"
    );
}

#[tokio::test]
async fn the_file_holds_no_header_and_no_plaintext() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.db");
    let key = CacheKey::generate();
    let pool = open(&path, &key).await.unwrap();
    sqlx::query("CREATE TABLE notes (body TEXT NOT NULL)")
        .execute(&pool)
        .await
        .unwrap();
    for _ in 0..50 {
        sqlx::query("INSERT INTO notes (body) VALUES (?)")
            .bind(MARKER)
            .execute(&pool)
            .await
            .unwrap();
    }
    // Check every file SQLite made (main file, WAL, shared memory), before and after closing.
    assert_no_plaintext(dir.path());
    pool.close().await;
    assert_no_plaintext(dir.path());

    let reopened = open(&path, &key).await.unwrap();
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM notes WHERE body = ?")
        .bind(MARKER)
        .fetch_one(&reopened)
        .await
        .unwrap();
    assert_eq!(count, 50, "the same key reads the data back");
}

/// What the process's log subscriber was given, from every thread (sqlx's SQLite worker threads
/// run the statements and log them).
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn the_key_is_in_no_logged_statement() {
    let captured = Captured::default();
    let writer = captured.clone();
    // The one subscriber of this test binary, listening to everything.
    tracing_subscriber::fmt()
        .with_max_level(tracing_subscriber::filter::LevelFilter::TRACE)
        .with_writer(move || writer.clone())
        .init();
    let dir = tempfile::tempdir().unwrap();
    let key = CacheKey::generate();
    let pool = open(&dir.path().join("cache.db"), &key).await.unwrap();
    sqlx::query("CREATE TABLE t (x)")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    // The subscriber does hear sqlx: a connection of another kind has its statements logged.
    let mut plain = <sqlx::SqliteConnection as sqlx::Connection>::connect("sqlite::memory:")
        .await
        .unwrap();
    sqlx::query("SELECT 'a statement of another connection'")
        .execute(&mut plain)
        .await
        .unwrap();
    let log = String::from_utf8_lossy(&captured.0.lock().unwrap()).to_lowercase();
    assert!(log.contains("a statement of another connection"), "{log}");
    assert!(
        !log.contains(&key.to_hex().expose_secret().to_lowercase()),
        "the cache key is in the log"
    );
}

#[tokio::test]
async fn another_key_cannot_read_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.db");
    let pool = open(&path, &CacheKey::generate()).await.unwrap();
    sqlx::query("CREATE TABLE t (x)")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;

    let err = open(&path, &CacheKey::generate()).await.unwrap_err();
    assert!(matches!(err, CacheError::Unreadable), "{err:?}");
}

#[tokio::test]
async fn a_plain_sqlite_file_is_not_read_as_a_cache() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("foreign.db");
    let mut plain = b"SQLite format 3\0".to_vec();
    plain.resize(4096, 0);
    std::fs::write(&path, plain).unwrap();
    let err = open(&path, &CacheKey::generate()).await.unwrap_err();
    assert!(matches!(err, CacheError::Unreadable), "{err:?}");
}

fn assert_no_plaintext(dir: &std::path::Path) {
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            // SQLite removes the WAL and shared-memory files when the last connection closes.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => panic!("{}: {e}", path.display()),
        };
        seen += 1;
        assert!(
            !contains(&bytes, b"SQLite format 3"),
            "{} has a SQLite header",
            path.display()
        );
        assert!(
            !contains(&bytes, MARKER.as_bytes()),
            "{} holds the marker",
            path.display()
        );
        assert!(
            !contains(&bytes, b"jane.doe"),
            "{} holds record text",
            path.display()
        );
    }
    assert!(seen >= 1, "the database file exists");
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The benchmarks' baseline (`bench-plaintext`; scripts/test runs these tests once more with it)
/// is plain SQLite that any SQLite reads; the cache opened
/// with its key, doing the same, is not.
#[cfg(feature = "bench-plaintext")]
#[tokio::test]
async fn only_the_benchmark_baseline_is_plain_sqlite() {
    use desk_cache::Cache;

    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.db");
    let encrypted = dir.path().join("encrypted.db");
    Cache::open_plaintext_for_benchmarks(&plain)
        .await
        .unwrap()
        .close()
        .await;
    Cache::open(&encrypted, &CacheKey::generate())
        .await
        .unwrap()
        .close()
        .await;

    let header = |path: &std::path::Path| std::fs::read(path).unwrap()[..16].to_vec();
    assert_eq!(header(&plain), b"SQLite format 3\0");
    assert_ne!(header(&encrypted), b"SQLite format 3\0");

    // Plain SQLite (no key pragma at all) reads the baseline's schema, and not the cache's.
    let read = |path: std::path::PathBuf| async move {
        use sqlx::Connection as _;
        let options = sqlx::sqlite::SqliteConnectOptions::new().filename(path);
        let mut conn = sqlx::SqliteConnection::connect_with(&options).await?;
        sqlx::query_scalar::<_, String>("SELECT value FROM meta WHERE key = 'format'")
            .fetch_one(&mut conn)
            .await
    };
    assert_eq!(read(plain).await.unwrap(), "desk-cache records v1");
    // SQLITE_NOTADB (26): not a database without the key, rather than any error at all.
    let refused = read(encrypted).await.unwrap_err();
    assert_eq!(
        refused
            .as_database_error()
            .and_then(|e| e.code())
            .as_deref(),
        Some("26"),
        "{refused}"
    );
}
