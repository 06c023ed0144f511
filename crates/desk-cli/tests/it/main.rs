//! The `desk` binary, run as a person or a script would run it.
//!
//! Where a new test goes: one module per command family (`login` for login, whoami and logout,
//! `doctor`, `policy`, `records` for the record reads, `offline` for the cache, `admin` for the administrator's commands, `provisioning` for what SCIM deprovisioning does to
//! a signed-in agent), `terminal` for
//! what output may hold, `leaks` for the attacker's free text end to end; `gateway` runs the
//! real server for them. `login::start()` gives a test the test provider and a folder whose
//! keychain namespace (`keyring_service`) the session's Secret Service is proven to accept; a
//! missing real part fails the test through desk-testkit, naming what to run, and a test never
//! returns early for one.
mod admin;
mod doctor;
mod gateway;
mod leaks;
mod login;
mod logs;
mod offline;
mod policy;
mod provisioning;
mod records;
mod terminal;

use std::process::{Command, Output};

/// The keychain namespace of the test that owns `dir`: every `desk` run on the same folder
/// shares it, and no two tests share one.
pub fn keyring_service(dir: &std::path::Path) -> String {
    let name = dir.file_name().unwrap().to_string_lossy();
    format!("support-desk-test-{name}")
}

/// Runs `desk` with a hermetic environment: its own config file, data folder and keychain
/// namespace, so the developer's own settings never leak in.
pub fn desk(dir: &std::path::Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    let config = dir.join("config.toml");
    if !config.exists() {
        std::fs::write(&config, "").unwrap();
    }
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_desk"));
    cmd.args(args)
        .env_remove("DESK_ISSUER")
        .env_remove("DESK_SERVER_URL")
        .env("DESK_CONFIG", &config)
        .env("DESK_DATA_DIR", dir.join("data"))
        .env("DESK_KEYRING_SERVICE", keyring_service(dir))
        .env_remove("BROWSER");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}
