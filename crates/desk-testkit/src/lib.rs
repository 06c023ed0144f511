//! What integration tests share: the real test identity provider, and names that keep each test's
//! keychain entries and files apart so tests run in parallel and leave nothing behind.
//!
//! Real parts are the rule. `scripts/test` sets `DESK_TEST_REAL_PARTS=required`, and then a missing
//! part (no Node.js packages, no Secret Service) fails the test. A developer running plain
//! `cargo test` without them gets a loud "skipped" line instead, never a silent pass.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The client id the test provider registers for the app.
pub const CLIENT_ID: &str = "support-desk";

/// The repository's top folder.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Whether the run demands every real part (set by `scripts/test`).
pub fn real_parts_required() -> bool {
    std::env::var("DESK_TEST_REAL_PARTS").is_ok_and(|v| v == "required")
}

/// Ends the test for a missing real part: a failure when real parts are required, otherwise a
/// visible skip. Returns normally only in the skip case; callers then `return`.
pub fn missing_real_part(what: &str) {
    if real_parts_required() {
        panic!("required real part missing: {what}");
    }
    eprintln!("SKIPPED (real part missing, run scripts/test for the full suite): {what}");
}

/// A name unique to this test process and call, such as `support-desk-test-4242-1a2b-3`.
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}-{}-{nanos:x}-{n}", std::process::id())
}

/// The password of every test provider user.
pub const PASSWORD: &str = "desk-demo-password";

/// A `BROWSER` command that completes the test provider's login over HTTP as the user named by
/// `DESK_IDP_USER` (default `agent1`), then follows the redirect to the app's callback.
pub fn browser_command() -> String {
    let script = repo_root().join("tests/idp/login.mjs");
    format!("node {}", script.canonicalize().unwrap_or(script).display())
}

/// A fresh 2048-bit RSA private key in PKCS#1 PEM, made by Node.js (fast, and already a real
/// part of the suite). Never written to disk.
pub fn rsa_private_pem() -> String {
    let out = Command::new("node")
        .args([
            "-e",
            "const { generateKeyPairSync } = require('node:crypto');\
             const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });\
             process.stdout.write(privateKey.export({ type: 'pkcs1', format: 'pem' }));",
        ])
        .output()
        .expect("node");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("PEM is text")
}

/// The test OpenID provider (`tests/idp/server.mjs`) running on a free loopback port. It stops
/// when this value is dropped.
pub struct TestIdp {
    child: Child,
    issuer: String,
}

impl TestIdp {
    /// Starts a fresh provider, or returns `None` (after [`missing_real_part`]) when Node.js or the
    /// provider's packages are not installed.
    pub fn start() -> Option<Self> {
        let dir = repo_root().join("tests/idp");
        if !dir.join("node_modules/oidc-provider").is_dir() {
            missing_real_part("tests/idp/node_modules (run `npm ci` in tests/idp)");
            return None;
        }
        let spawned = Command::new("node")
            .arg("server.mjs")
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn();
        let mut child = match spawned {
            Ok(child) => child,
            Err(e) => {
                missing_real_part(&format!("node ({e})"));
                return None;
            }
        };
        let stdout = child.stdout.take().expect("piped stdout");
        // Drain stderr for the provider's whole life so its warnings never fill the pipe.
        let mut stderr = child.stderr.take().expect("piped stderr");
        let stderr_text = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx.recv_timeout(Duration::from_secs(30)).unwrap_or_default();
        let issuer = serde_json::from_str::<serde_json::Value>(&line)
            .ok()
            .and_then(|v| v["issuer"].as_str().map(str::to_owned));
        match issuer {
            Some(issuer) => Some(Self { child, issuer }),
            None => {
                let _ = child.kill();
                let _ = child.wait();
                let err = stderr_text.join().unwrap_or_default();
                panic!("the test provider did not start: {line:?} {err}");
            }
        }
    }

    /// The provider's issuer URL, `http://127.0.0.1:PORT`.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }
}

impl Drop for TestIdp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
