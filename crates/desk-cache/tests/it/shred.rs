use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use desk_cache::{Cache, CacheError, Records, shred};
use desk_core::Role;
use desk_core::record::Customer;

use crate::support::{self, FETCHED_AT, policy};

#[derive(Debug, thiserror::Error)]
#[error("the keychain is locked")]
struct Locked;

fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

async fn filled() -> support::TestCache {
    let t = support::cache().await;
    let records = Records {
        customers: vec![Customer {
            id: 1,
            name: Some("Ada Lovelace".into()),
            ..Customer::default()
        }],
        ..Records::default()
    };
    t.cache
        .store(&records, &policy(&[Role::AgentL1]), FETCHED_AT)
        .await
        .unwrap();
    t
}

#[tokio::test]
async fn the_key_goes_first_then_every_file() {
    let t = filled().await;
    // Shred while the write-ahead log and shared memory still exist: they go too.
    let wal = t.dir.path().join("cache.db-wal");
    assert!(wal.exists() && t.dir.path().join("cache.db-shm").exists());
    let key_deleted = AtomicBool::new(false);
    shred(&t.path, async {
        // The key is deleted while every file is still there.
        assert!(t.path.exists() && wal.exists());
        key_deleted.store(true, Ordering::SeqCst);
        Ok::<(), Locked>(())
    })
    .await
    .unwrap();
    assert!(key_deleted.load(Ordering::SeqCst));
    assert_eq!(files(t.dir.path()), Vec::<String>::new(), "no file remains");
    t.cache.close().await;
    // Closing the last connection must not bring a file back either.
    assert_eq!(files(t.dir.path()), Vec::<String>::new());
}

#[tokio::test]
async fn when_the_key_cannot_be_deleted_the_files_stay() {
    let t = filled().await;
    t.cache.close().await;
    let before = files(t.dir.path());
    assert!(before.contains(&"cache.db".to_owned()), "{before:?}");
    let err = shred(&t.path, async { Err::<(), _>(Locked) })
        .await
        .unwrap_err();
    let CacheError::KeyNotDeleted(source) = &err else {
        panic!("{err:?}");
    };
    assert!(
        source.downcast_ref::<Locked>().is_some(),
        "the keychain's error is kept"
    );
    assert_eq!(files(t.dir.path()), before);
    // Nothing was lost: the cache still opens with its key.
    let cache = Cache::open(&t.path, &t.key).await.unwrap();
    assert!(cache.customer(1, FETCHED_AT).await.unwrap().is_some());
    cache.close().await;

    // A later attempt, with the keychain back, shreds.
    shred(&t.path, async { Ok::<(), Locked>(()) })
        .await
        .unwrap();
    assert_eq!(files(t.dir.path()), Vec::<String>::new());
}

#[tokio::test]
async fn shredding_what_is_not_there_is_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    shred(&dir.path().join("never.db"), async { Ok::<(), Locked>(()) })
        .await
        .unwrap();
}
