//! `desk login`, `whoami` and `logout` against the test provider and the real keychain.

use std::path::Path;
use std::process::Output;

use desk_auth::{ExposeSecret, Keychain, KeychainError};
use desk_testkit::{
    Implementation, PythonBehaviour, RealPart, TestIdp, browser_command, missing_real_part,
};
use serde_json::Value;

use crate::gateway::{Gateway, client_env, json, run};
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
    start_of(Implementation::Node)
}

/// [`start`] with the provider `implementation` names.
pub fn start_of(implementation: Implementation) -> (TestIdp, tempfile::TempDir) {
    let idp = TestIdp::start_of(implementation);
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

/// What a command that needs an access token does at a fresh desk-server (a refresh, since
/// each `desk` is a new process): the output of `desk --json search nobody-by-this-name`.
fn with_a_token(dir: &Path, idp: &TestIdp, gateway: &Gateway) -> Output {
    let env = client_env(idp, gateway, &gateway.keys_file());
    run(dir, &env, &["--json", "search", "nobody-by-this-name"])
}

/// Sign-in, a restart that asks the provider nothing, a refresh that rotates, and sign-out with
/// revocation, at `implementation`.
fn sign_in_restore_refresh_and_sign_out(implementation: Implementation) {
    let (idp, dir) = start_of(implementation);
    let issuer = idp.issuer();
    let said = signed_in(dir.path(), issuer, "supervisor");
    assert!(said.contains("subject supervisor"), "{said}");
    assert!(said.contains("roles: support-supervisors"), "{said}");
    let first_token = stored_refresh_token(dir.path(), issuer, "supervisor").expect("stored");

    // A new process with no browser at all: restored from the keychain, without a round trip
    // (the refresh token is not used, so not rotated).
    let whoami = desk(
        dir.path(),
        &[("DESK_ISSUER", issuer), ("BROWSER", "false")],
        &["whoami", "--json"],
    );
    assert!(whoami.status.success(), "{}", text(&whoami));
    let me: Value = serde_json::from_slice(&whoami.stdout).unwrap();
    assert_eq!(me["subject"], "supervisor");
    assert_eq!(me["roles"], serde_json::json!(["support-supervisors"]));
    assert!(
        stored_refresh_token(dir.path(), issuer, "supervisor").unwrap() == first_token,
        "whoami asks the provider nothing"
    );

    // A command that needs an access token refreshes, and the rotated token is stored in place;
    // the old one is dead.
    let gateway = Gateway::start(&idp);
    json(&with_a_token(dir.path(), &idp, &gateway));
    let rotated = stored_refresh_token(dir.path(), issuer, "supervisor").expect("still stored");
    assert!(
        rotated != first_token,
        "the refresh rotated the stored token"
    );
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
    assert!(
        stored_identity(dir.path(), issuer, "supervisor").is_none(),
        "the identity goes with the session"
    );
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
fn sign_in_restore_refresh_and_sign_out_at_the_node_provider() {
    sign_in_restore_refresh_and_sign_out(Implementation::Node);
}

#[test]
fn sign_in_restore_refresh_and_sign_out_at_the_python_provider() {
    sign_in_restore_refresh_and_sign_out(Implementation::PYTHON);
}

/// The identity `desk` stored with `subject`'s session, read straight from the keychain.
fn stored_identity(dir: &Path, issuer: &str, subject: &str) -> Option<Value> {
    Keychain::new(keyring_service(dir))
        .get(&format!("identity@{issuer}#{subject}"))
        .ok()
        .map(|json| serde_json::from_str(json.expose_secret()).unwrap())
}

#[test]
fn a_refresh_answered_without_an_id_token_keeps_the_identity_verified_at_sign_in() {
    let (idp, dir) = start_of(Implementation::Python(PythonBehaviour {
        id_token_on_refresh: false,
        ..PythonBehaviour::default()
    }));
    let issuer = idp.issuer();
    signed_in(dir.path(), issuer, "supervisor");
    let verified = stored_identity(dir.path(), issuer, "supervisor").expect("stored at sign-in");
    assert_eq!(
        verified["roles"],
        serde_json::json!(["support-supervisors"])
    );
    let gateway = Gateway::start(&idp);
    // Each command a new process: each restores, then refreshes (the provider rotates, so each
    // leaves a new refresh token), answered without an ID token.
    let mut tokens = vec![stored_refresh_token(dir.path(), issuer, "supervisor").unwrap()];
    for _ in 0..2 {
        let found = json(&with_a_token(dir.path(), &idp, &gateway));
        assert_eq!(found["items"], serde_json::json!([]), "{found}");
        tokens.push(stored_refresh_token(dir.path(), issuer, "supervisor").unwrap());
    }
    tokens.dedup();
    assert_eq!(tokens.len(), 3, "two refreshes");
    assert_eq!(
        stored_identity(dir.path(), issuer, "supervisor"),
        Some(verified)
    );
    let whoami = desk(dir.path(), &[("DESK_ISSUER", issuer)], &["whoami"]);
    assert!(
        text(&whoami).contains("roles: support-supervisors"),
        "{}",
        text(&whoami)
    );
}

#[test]
fn a_provider_that_does_not_rotate_leaves_the_refresh_token_in_place() {
    let (idp, dir) = start_of(Implementation::Python(PythonBehaviour {
        rotation: false,
        ..PythonBehaviour::default()
    }));
    let issuer = idp.issuer();
    signed_in(dir.path(), issuer, "agent1");
    let first = stored_refresh_token(dir.path(), issuer, "agent1").unwrap();
    let gateway = Gateway::start(&idp);
    for _ in 0..2 {
        json(&with_a_token(dir.path(), &idp, &gateway));
    }
    // Compared, never printed: a failure must not put a token in the test's output.
    assert!(
        stored_refresh_token(dir.path(), issuer, "agent1").unwrap() == first,
        "the stored refresh token was replaced"
    );
    assert!(
        provider_accepts(issuer, &first),
        "still the session's token"
    );
}

#[test]
fn id_tokens_signed_with_each_algorithm_the_app_allows_sign_in() {
    for alg in ["RS256", "PS256", "ES256", "EdDSA"] {
        let (idp, dir) = start_of(Implementation::Python(PythonBehaviour {
            id_token_alg: alg,
            ..PythonBehaviour::default()
        }));
        let said = signed_in(dir.path(), idp.issuer(), "agent2");
        assert!(said.contains("roles: support-tier2"), "{alg}: {said}");
        let logout = desk(dir.path(), &[("DESK_ISSUER", idp.issuer())], &["logout"]);
        assert!(logout.status.success(), "{alg}: {}", text(&logout));
    }
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

/// An administrator ends the session at the provider, behind the app's back: the next command
/// that needs a token says so and forgets the session.
fn a_session_revoked_at_the_provider_ends_and_is_forgotten(implementation: Implementation) {
    let (idp, dir) = start_of(implementation);
    let issuer = idp.issuer();
    signed_in(dir.path(), issuer, "agent1");
    let token = stored_refresh_token(dir.path(), issuer, "agent1").unwrap();
    let revocation = idp.revocation_endpoint();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let response = reqwest::Client::new()
            .post(revocation)
            .form(&[
                ("token", token.as_str()),
                ("client_id", desk_testkit::CLIENT_ID),
            ])
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
    });
    let gateway = Gateway::start(&idp);
    let ended = with_a_token(dir.path(), &idp, &gateway);
    assert_eq!(ended.status.code(), Some(1));
    assert!(text(&ended).contains("session_ended"), "{}", text(&ended));
    assert!(
        nothing_stored(dir.path(), issuer),
        "the dead session is forgotten"
    );
    assert!(stored_identity(dir.path(), issuer, "agent1").is_none());
}

#[test]
fn a_session_revoked_at_the_node_provider_ends_and_is_forgotten() {
    a_session_revoked_at_the_provider_ends_and_is_forgotten(Implementation::Node);
}

#[test]
fn a_session_revoked_at_the_python_provider_ends_and_is_forgotten() {
    a_session_revoked_at_the_provider_ends_and_is_forgotten(Implementation::PYTHON);
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
            // The nested session's D-Bus looks for activation files under this folder (the
            // fixture's own), not under the test session's, whose file starts an unlocked daemon.
            .env("XDG_DATA_HOME", keyring_home.join("data"))
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
