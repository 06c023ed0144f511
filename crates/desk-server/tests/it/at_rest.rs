//! The server's files at rest, as someone else on the machine finds them: the data folder, the
//! database with its WAL and shared-memory files and the keys are the server's user's only,
//! whatever the umask it was started with or an older version left; a key file others may read
//! is refused, not used.
//!
//! SQLite's only, whatever `DESK_TEST_ENGINE` says: these are the embedded database's files (the
//! processes get no `database_url`, so they keep the SQLite file in their data folder).

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::harness::{serve_process, terminate};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// `desk-server demo-data` under a permissive umask.
fn demo_data(data: &Path) -> std::process::Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!(
            "umask 000 && exec '{}' demo-data --customers 3",
            env!("CARGO_BIN_EXE_desk-server")
        ))
        .env("DESK_SERVER_DATA_DIR", data)
        .env_remove("DESK_SERVER_CONFIG")
        .output()
        .unwrap()
}

#[test]
fn the_data_folder_database_and_keys_are_the_owner_s_only_whatever_the_umask() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let out = demo_data(&data);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(mode(&data), 0o700);
    let database = data.join(desk_server::store::sqlite::FILE_NAME);
    assert_eq!(mode(&database), 0o600);
    assert_eq!(mode(&data.join(desk_server::audit::key::FILE_NAME)), 0o600);

    // What an older version left, or a hand copy: loosened, then tightened by the next start.
    let idp = desk_testkit::TestIdp::start();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&database, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (child, _) = serve_process(&idp, &data, &[], Stdio::null());
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&database), 0o600);
    for suffix in ["-wal", "-shm"] {
        let file = data.join(format!("{}{suffix}", desk_server::store::sqlite::FILE_NAME));
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
    assert_eq!(mode(&data.join("policy-key.jwk")), 0o600);
    terminate(&child);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{:?}", out);
}

#[test]
fn a_key_file_others_may_read_is_refused_with_the_fix() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    assert!(demo_data(&data).status.success());
    let idp = desk_testkit::TestIdp::start();
    for key in ["policy-key.jwk", desk_server::audit::key::FILE_NAME] {
        let file = data.join(key);
        if !file.exists() {
            // The policy key is made by the first `serve`.
            let (child, _) = serve_process(&idp, &data, &[], Stdio::null());
            terminate(&child);
            child.wait_with_output().unwrap();
        }
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_desk-server"))
            .arg("serve")
            .args(["--listen", "127.0.0.1:0"])
            .env("DESK_SERVER_ISSUER", idp.issuer())
            .env("DESK_SERVER_DATA_DIR", &data)
            .env_remove("DESK_SERVER_CONFIG")
            .output()
            .unwrap();
        assert!(!out.status.success(), "{key}: started with a loose key");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(key) && err.contains("chmod 600"), "{err}");
        assert_eq!(mode(&file), 0o644, "left for its owner to look into");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}
