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
