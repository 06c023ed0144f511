//! `desk login`, `whoami` and `logout` against the test provider and the real keychain.

use std::path::Path;
use std::process::Output;

use desk_auth::{ExposeSecret, Keychain, KeychainError};
use desk_testkit::{RealPart, TestIdp, browser_command, missing_real_part};
use serde_json::Value;

use crate::{desk, keyring_service};

pub fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr)
}

/// The refresh token `desk` stored for `subject`, read straight from the keychain.
fn stored_refresh_token(dir: &Path, issuer: &str, subject: &str) -> Result<String, KeychainError> {
    Keychain::new(keyring_service(dir))
        .get(&format!("refresh-token@{issuer}#{subject}"))
        .map(|t| t.expose_secret().to_owned())
}

fn nothing_stored(dir: &Path, issuer: &str) -> bool {
    matches!(
        Keychain::new(keyring_service(dir)).get(&format!("account@{issuer}")),
        Err(KeychainError::Missing(_))
    )
}

/// Whether the provider still accepts `refresh_token`.
fn provider_accepts(issuer: &str, refresh_token: &str) -> bool {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let response = reqwest::Client::new()
            .post(format!("{issuer}/token"))
            .form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
                ("client_id", desk_testkit::CLIENT_ID),
            ])
            .send()
            .await
            .unwrap();
        response.status().is_success()
    })
}

/// Signs `user` in through the test provider, failing the test if that does not work; returns
/// what `desk login` printed.
pub fn signed_in(dir: &Path, issuer: &str, user: &str) -> String {
    let login = desk(
        dir,
        &[
            ("DESK_ISSUER", issuer),
            ("BROWSER", &browser_command()),
            ("DESK_IDP_USER", user),
        ],
        &["login"],
    );
    assert!(login.status.success(), "{user}: {}", text(&login));
    String::from_utf8_lossy(&login.stdout).into_owned()
}

/// A fresh test provider and a folder of the test's own whose keychain namespace is proven
/// writable (`Keychain::probe`: a locked Secret Service still answers reads). Without the
/// provider or a Secret Service the test fails as a missing real part.
pub fn start() -> (TestIdp, tempfile::TempDir) {
    let idp = TestIdp::start();
    let dir = tempfile::tempdir().unwrap();
    match Keychain::new(keyring_service(dir.path())).probe() {
        Ok(()) => {}
        Err(e @ (KeychainError::Unavailable(_) | KeychainError::Locked(_))) => {
            missing_real_part(RealPart::SecretService, &e)
        }
        Err(e) => panic!("probing the keychain: {e}"),
    }
    (idp, dir)
}

#[test]
fn sign_in_restore_without_browser_and_sign_out_with_revocation() {
    let (idp, dir) = start();
    let issuer = idp.issuer();
    let said = signed_in(dir.path(), issuer, "supervisor");
    assert!(said.contains("subject supervisor"), "{said}");
    assert!(said.contains("roles: support-supervisors"), "{said}");
    let first_token = stored_refresh_token(dir.path(), issuer, "supervisor").expect("stored");

    // A new process with no browser at all: restored from the keychain.
    let whoami = desk(
        dir.path(),
        &[("DESK_ISSUER", issuer), ("BROWSER", "false")],
        &["whoami", "--json"],
    );
    assert!(whoami.status.success(), "{}", text(&whoami));
    let me: Value = serde_json::from_slice(&whoami.stdout).unwrap();
    assert_eq!(me["subject"], "supervisor");
    assert_eq!(me["roles"], serde_json::json!(["support-supervisors"]));

    // The restore rotated the refresh token, stored in place; the old one is dead.
    let rotated = stored_refresh_token(dir.path(), issuer, "supervisor").expect("still stored");
    assert_ne!(rotated, first_token);
    assert!(
        !provider_accepts(issuer, &first_token),
        "the old refresh token must be refused"
    );

    let logout = desk(dir.path(), &[("DESK_ISSUER", issuer)], &["logout"]);
    assert!(logout.status.success(), "{}", text(&logout));
    assert!(String::from_utf8_lossy(&logout.stdout).contains("revoked"));
    assert!(nothing_stored(dir.path(), issuer));
    assert!(matches!(
        stored_refresh_token(dir.path(), issuer, "supervisor"),
        Err(KeychainError::Missing(_))
    ));
    assert!(!provider_accepts(issuer, &rotated), "revoked at sign-out");

    let after = desk(
        dir.path(),
        &[("DESK_ISSUER", issuer), ("BROWSER", "false")],
        &["whoami"],
    );
    assert_eq!(after.status.code(), Some(1));
    assert!(text(&after).contains("not_signed_in"), "{}", text(&after));
}

#[test]
fn every_test_user_signs_in_with_their_roles() {
    let (idp, dir) = start();
    for (user, roles) in [
        ("agent1", "support-tier1"),
        ("agent2", "support-tier2"),
        ("admin", "support-admins"),
        ("norole", "(none)"),
    ] {
        let said = signed_in(dir.path(), idp.issuer(), user);
        assert!(said.contains(&format!("roles: {roles}")), "{user}: {said}");
    }
    let logout = desk(dir.path(), &[("DESK_ISSUER", idp.issuer())], &["logout"]);
    assert!(
        String::from_utf8_lossy(&logout.stdout).contains("revoked"),
        "{}",
        text(&logout)
    );
}

#[test]
fn a_refused_login_exits_1_and_stores_nothing() {
    let (idp, dir) = start();
    let out = desk(
        dir.path(),
        &[
            ("DESK_ISSUER", idp.issuer()),
            ("BROWSER", &browser_command()),
            ("DESK_IDP_PASSWORD", "wrong"),
        ],
        &["login"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("desk: sign_in_failed:")),
        "{stderr}"
    );
    assert!(nothing_stored(dir.path(), idp.issuer()));
}

#[test]
fn forged_callbacks_are_ignored_and_the_real_one_completes() {
    let (idp, dir) = start();
    let forge = desk_testkit::repo_root()
        .join("crates/desk-cli/tests/fixtures/forge-then-login.mjs")
        .canonicalize()
        .unwrap();
    let browser = format!("node {}", forge.display());
    let out = desk(
        dir.path(),
        &[("DESK_ISSUER", idp.issuer()), ("BROWSER", &browser)],
        &["login"],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("subject agent1"));
    desk(dir.path(), &[("DESK_ISSUER", idp.issuer())], &["logout"]);
}

#[test]
fn nobody_answering_the_browser_times_out_clearly() {
    let (idp, dir) = start();
    // `true` "opens" nothing and exits successfully: the listener waits for its timeout.
    let out = desk(
        dir.path(),
        &[
            ("DESK_ISSUER", idp.issuer()),
            ("BROWSER", "true"),
            ("DESK_LOGIN_TIMEOUT_SECS", "1"),
        ],
        &["login"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("sign_in_timeout"), "{}", text(&out));
    assert!(nothing_stored(dir.path(), idp.issuer()));
}

#[test]
fn without_a_keychain_no_browser_opens_and_nothing_is_stored() {
    let (idp, dir) = start();
    let marker = dir.path().join("browser-was-opened");
    let browser = format!("touch {}", marker.display());
    let out = desk(
        dir.path(),
        &[
            ("DESK_ISSUER", idp.issuer()),
            ("BROWSER", &browser),
            (
                "DBUS_SESSION_BUS_ADDRESS",
                "unix:path=/nonexistent/support-desk-bus",
            ),
        ],
        &["login"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("keychain_unavailable"),
        "{}",
        text(&out)
    );
    assert!(
        !marker.exists(),
        "the browser must not open without a keychain"
    );
    let files: Vec<_> = walk(dir.path());
    assert_eq!(
        files,
        [dir.path().join("config.toml")],
        "no file written: {files:?}"
    );
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn a_session_revoked_at_the_provider_ends_and_is_forgotten() {
    let (idp, dir) = start();
    let issuer = idp.issuer();
    signed_in(dir.path(), issuer, "agent1");
    // An administrator ends the session at the provider, behind the app's back.
    let token = stored_refresh_token(dir.path(), issuer, "agent1").unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let response = reqwest::Client::new()
            .post(format!("{issuer}/token/revocation"))
            .form(&[
                ("token", token.as_str()),
                ("client_id", desk_testkit::CLIENT_ID),
            ])
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
    });
    let whoami = desk(
        dir.path(),
        &[("DESK_ISSUER", issuer), ("BROWSER", "false")],
        &["whoami"],
    );
    assert_eq!(whoami.status.code(), Some(1));
    assert!(text(&whoami).contains("session_ended"), "{}", text(&whoami));
    assert!(
        nothing_stored(dir.path(), issuer),
        "the dead session is forgotten"
    );
}

/// A keychain that exists but is locked: `desk doctor` and `desk login` name the cause, no
/// browser opens, nothing is stored. It runs in a D-Bus session of its own, so locking its
/// keyring cannot disturb the other tests.
#[test]
fn a_locked_keychain_is_refused_clearly_before_any_browser() {
    let (idp, dir) = start();
    if let Err(e) = std::process::Command::new("dbus-run-session")
        .arg("--version")
        .output()
    {
        missing_real_part(RealPart::DbusRunSession, &e);
    }
    let fixture = desk_testkit::repo_root()
        .join("crates/desk-cli/tests/fixtures/locked-keychain.sh")
        .canonicalize()
        .unwrap();
    let keyring_home = dir.path().join("keyring");
    let marker = dir.path().join("browser-was-opened");
    let run = |args: &[&str]| {
        let mut cmd = std::process::Command::new("dbus-run-session");
        // No display: gnome-keyring would otherwise show its unlock prompt on the test's Xvfb
        // and wait for a person. Headless, the prompt fails at once, as on a locked server.
        cmd.env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("GNOME_KEYRING_CONTROL")
            .arg("--")
            .arg(&fixture)
            .arg(env!("CARGO_BIN_EXE_desk"))
            .args(args)
            .env("DESK_TEST_KEYRING_HOME", &keyring_home)
            .env("DESK_CONFIG", dir.path().join("config.toml"))
            .env("DESK_DATA_DIR", dir.path().join("data"))
            .env("DESK_KEYRING_SERVICE", keyring_service(dir.path()))
            .env("DESK_ISSUER", idp.issuer())
            .env("BROWSER", format!("touch {}", marker.display()));
        cmd.output().unwrap()
    };
    std::fs::write(dir.path().join("config.toml"), "").unwrap();

    let doctor = run(&["doctor"]);
    assert_eq!(doctor.status.code(), Some(1), "{}", text(&doctor));
    assert!(text(&doctor).contains("locked"), "{}", text(&doctor));

    let login = run(&["login"]);
    assert_eq!(login.status.code(), Some(1), "{}", text(&login));
    assert!(
        text(&login).contains("desk: keychain_locked:"),
        "{}",
        text(&login)
    );
    assert!(
        !marker.exists(),
        "the browser must not open with a locked keychain"
    );
    assert!(
        !dir.path().join("data").exists(),
        "nothing written to the data folder"
    );
}

#[test]
fn logout_can_send_the_browser_to_end_the_provider_session() {
    let (idp, dir) = start();
    let issuer = idp.issuer();
    signed_in(dir.path(), issuer, "agent1");
    let recorder = desk_testkit::repo_root()
        .join("crates/desk-cli/tests/fixtures/record-url.sh")
        .canonicalize()
        .unwrap();
    let recorded = dir.path().join("browser-url");
    let browser = format!("{} {}", recorder.display(), recorded.display());
    let logout = desk(
        dir.path(),
        &[("DESK_ISSUER", issuer), ("BROWSER", &browser)],
        &["logout", "--end-provider-session"],
    );
    assert!(logout.status.success(), "{}", text(&logout));
    // The browser command runs on its own; give it a moment to write.
    let mut url = String::new();
    for _ in 0..200 {
        url = std::fs::read_to_string(&recorded).unwrap_or_default();
        if !url.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let url = url.trim();
    assert!(url.starts_with(&format!("{issuer}/session/end")), "{url}");
    assert!(url.contains("client_id=support-desk"), "{url}");
    assert!(!url.contains("id_token_hint"), "no token in a URL: {url}");
    // The provider answers it with its sign-out confirmation.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let page = rt.block_on(async { reqwest::get(url).await.unwrap().text().await.unwrap() });
    assert!(page.contains("<form"), "{page}");
}

#[test]
fn signing_in_again_ends_the_session_it_replaces() {
    let (idp, dir) = start();
    let issuer = idp.issuer();
    signed_in(dir.path(), issuer, "agent1");
    let first = stored_refresh_token(dir.path(), issuer, "agent1").unwrap();
    signed_in(dir.path(), issuer, "agent2");
    assert!(
        !provider_accepts(issuer, &first),
        "the replaced session is revoked"
    );
    assert!(
        matches!(
            stored_refresh_token(dir.path(), issuer, "agent1"),
            Err(KeychainError::Missing(_))
        ),
        "no orphaned refresh token is left in the keychain"
    );
    assert!(stored_refresh_token(dir.path(), issuer, "agent2").is_ok());
    desk(dir.path(), &[("DESK_ISSUER", issuer)], &["logout"]);
}
