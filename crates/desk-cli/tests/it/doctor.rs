use serde_json::Value;

use crate::desk;
use crate::login::start;

fn checks(stdout: &[u8]) -> Vec<(String, bool, String)> {
    let report: Value = serde_json::from_slice(stdout).expect("doctor --json prints JSON");
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_owned(),
                c["ok"].as_bool().unwrap(),
                c["detail"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn every_real_part_answers_with_the_test_provider() {
    // The Secret Service is probed first, so a keychain check that fails here is doctor's own.
    let (idp, dir) = start();
    let out = desk(
        dir.path(),
        &[("DESK_ISSUER", idp.issuer())],
        &["doctor", "--json"],
    );
    let checks = checks(&out.stdout);
    let names: Vec<_> = checks.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "keychain",
            "encrypted_storage",
            "provider",
            "audit_witness",
            "update_feed"
        ]
    );
    assert!(checks[0].1, "{checks:?}");
    assert!(
        checks[1].1 && checks[1].2.starts_with("SQLCipher 4"),
        "{checks:?}"
    );
    assert!(
        checks[2].1 && checks[2].2.contains(idp.issuer()),
        "{checks:?}"
    );
    // Nothing was signed in on this computer: no checkpoint witnessed, nothing wrong.
    assert!(
        checks[3].1 && checks[3].2.contains("no audit checkpoint seen yet"),
        "{checks:?}"
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn an_unusable_issuer_fails_the_provider_check_and_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let out = desk(
        dir.path(),
        &[("DESK_ISSUER", "http://login.example.com")],
        &["doctor", "--json"],
    );
    assert_eq!(out.status.code(), Some(1));
    let provider = checks(&out.stdout)
        .into_iter()
        .find(|c| c.0 == "provider")
        .unwrap();
    assert!(!provider.1);
    assert!(provider.2.contains("plain http"), "{provider:?}");
}

#[test]
fn a_malformed_configuration_file_exits_2_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.toml"), "issuer = [").unwrap();
    let out = desk(dir.path(), &[], &["status"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("configuration is not valid"), "{stderr}");
}

#[test]
fn status_reports_signed_out_and_the_configured_provider() {
    let dir = tempfile::tempdir().unwrap();
    let issuer = "https://login.example.com";
    let out = desk(
        dir.path(),
        &[("DESK_ISSUER", issuer)],
        &["status", "--json"],
    );
    assert!(out.status.success());
    let status: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["signed_in"], false);
    assert_eq!(status["issuer"], issuer);
}
