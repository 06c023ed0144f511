//! Several servers on one database: what they must share, and what one refuses to start with.

use std::sync::Arc;

use desk_server::config::Config;
use desk_server::store::Store;

use crate::harness::Harness;

/// A second server on the harness's database, with key files from `keys` (and its own data
/// folder otherwise): what `Server::new` says.
fn second_server(h: &Harness, keys: &std::path::Path) -> Result<(), String> {
    let data = tempfile::tempdir().unwrap();
    let config = Config {
        issuer: Some(h.idp.issuer().to_owned()),
        audiences: vec![h.idp.api_audience().to_owned()],
        data_dir: data.path().to_owned(),
        audit_key_file: Some(keys.join(desk_server::audit::key::FILE_NAME)),
        policy_key_file: Some(keys.join("policy-key.jwk")),
        ..Config::default()
    };
    h.block_on(desk_server::Server::new(
        config,
        h.store.clone() as Arc<dyn Store>,
    ))
    .map(|_| ())
    .map_err(|e| e.to_string())
}

#[test]
fn a_replica_with_keys_made_anew_is_refused_and_one_with_copies_starts() {
    let h = Harness::start();
    let ours = h.dir.path();
    // The same key files: a replica like any other.
    second_server(&h, ours).unwrap();

    // A replica whose data folder held no keys made its own: refused before it links or signs
    // anything under them.
    let fresh = tempfile::tempdir().unwrap();
    let err = second_server(&h, fresh.path()).unwrap_err();
    assert!(
        err.contains("the audit key is not the one") && err.contains("copy"),
        "{err}"
    );
    // The right audit key, but a policy key of its own: clients would not trust its policies.
    let mixed = tempfile::tempdir().unwrap();
    let audit = desk_server::audit::key::FILE_NAME;
    std::fs::copy(ours.join(audit), mixed.path().join(audit)).unwrap();
    let err = second_server(&h, mixed.path()).unwrap_err();
    assert!(err.contains("the policy key is not the one"), "{err}");
    // Nothing of theirs was linked into the chain.
    assert!(h.verify().broken.is_none());
}

#[test]
fn a_wrong_or_unreachable_database_url_is_one_line_and_exit_status_2() {
    let cluster = desk_testkit::postgres::PgDatabase::create();
    // postgres://desk:PASSWORD@HOST:PORT/NAME: the cluster's host and port.
    let (_, address) = cluster.url().split_once('@').unwrap();
    let (address, _) = address.split_once('/').unwrap();
    let server = cluster.url().rsplit_once('/').unwrap().0;
    let wrong_password = format!("postgres://desk:not-the-password-s3cret@{address}/postgres");
    let data = tempfile::tempdir().unwrap();
    for (url, says) in [
        (
            "postgres://desk:s3cret@127.0.0.1:1/desk",
            "Connection refused",
        ),
        (wrong_password.as_str(), "password authentication failed"),
        (&format!("{server}/no_such_database"), "does not exist"),
        ("mysql://desk:s3cret@127.0.0.1/desk", "only PostgreSQL"),
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_desk-server"))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("DESK_SERVER_ISSUER", "http://127.0.0.1:9")
            .env("DESK_SERVER_DATA_DIR", data.path())
            .env("DESK_SERVER_DATABASE_URL", url)
            .env("RUST_LOG", "off")
            .env_remove("DESK_SERVER_CONFIG")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{url}: {err}");
        assert!(out.stdout.is_empty(), "{url}: it said it listens");
        assert_eq!(err.trim().lines().count(), 1, "{url}: {err}");
        assert!(err.contains(says), "{url}: {err}");
        assert!(
            !err.contains("s3cret") && !err.contains(cluster.url()),
            "{url}: the password is in {err}"
        );
    }
    // Nothing SQLite was made in the data folder.
    assert!(
        !data
            .path()
            .join(desk_server::store::sqlite::FILE_NAME)
            .exists()
    );
}
