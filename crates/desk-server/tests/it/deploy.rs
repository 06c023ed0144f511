//! The server as a service: the systemd unit in `deploy/` checked by systemd's own tools (it
//! loads without a warning, and its exposure is low), the unit, the container file and the
//! Compose file held to what the server does (its stop grace, its data folder, its port), and the
//! container's health check run for real against a server and against nothing.
//!
//! The image itself is not built here: this machine has no container daemon and cannot fetch
//! base images. Whoever builds it runs `docker build -f deploy/Containerfile .`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::harness::shared;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn deploy(file: &str) -> String {
    std::fs::read_to_string(repo().join("deploy").join(file)).unwrap()
}

/// `systemd-analyze ARGS`; a machine without it fails the test, naming the package.
fn systemd_analyze(args: &[&str]) -> (bool, String) {
    let out = Command::new("systemd-analyze")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("systemd-analyze ({e}): install Debian's `systemd` package"));
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), said)
}

/// The value of `key=` in a unit or container file's lines, the last one given.
fn setting<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix(key)?.strip_prefix('='))
        .map(str::trim)
}

#[test]
fn the_systemd_unit_loads_without_a_warning_and_is_hardened() {
    // A root of its own: the unit where systemd looks, the built server where the unit runs
    // it, and the system's own units for the ones it names.
    let root = tempfile::tempdir().unwrap();
    let units = root.path().join("etc/systemd/system");
    std::fs::create_dir_all(&units).unwrap();
    std::fs::create_dir_all(root.path().join("usr/bin")).unwrap();
    std::fs::create_dir_all(root.path().join("usr/lib/systemd")).unwrap();
    std::fs::copy(
        env!("CARGO_BIN_EXE_desk-server"),
        root.path().join("usr/bin/desk-server"),
    )
    .unwrap();
    std::fs::write(
        units.join("desk-server.service"),
        deploy("desk-server.service"),
    )
    .unwrap();
    let system = ["/usr/lib/systemd/system", "/lib/systemd/system"]
        .into_iter()
        .find(|d| Path::new(d).is_dir())
        .expect("systemd's units: install Debian's `systemd` package");
    let copied = Command::new("cp")
        .args(["-a", system])
        .arg(root.path().join("usr/lib/systemd/system"))
        .status()
        .unwrap();
    assert!(copied.success());
    let root_arg = format!("--root={}", root.path().display());
    let (ok, said) = systemd_analyze(&["verify", &root_arg, "desk-server.service"]);
    assert!(
        ok && said.trim().is_empty(),
        "systemd-analyze verify: {said}"
    );

    // A unit that says something wrong is told apart (the check above can fail).
    let broken =
        deploy("desk-server.service").replace("ProtectSystem=strict", "ProtectSystem=tight");
    std::fs::write(units.join("desk-server.service"), broken).unwrap();
    let (_, said) = systemd_analyze(&["verify", &root_arg, "desk-server.service"]);
    assert!(said.contains("tight"), "{said}");

    let unit = repo().join("deploy/desk-server.service");
    let (_, said) = systemd_analyze(&["security", "--offline=true", unit.to_str().unwrap()]);
    let exposure: f64 = said
        .lines()
        .find_map(|l| {
            l.split("Overall exposure level for desk-server.service: ")
                .nth(1)
        })
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no exposure level in: {said}"));
    assert!(exposure <= 2.0, "exposure {exposure}: {said}");
}

#[test]
fn the_unit_and_the_container_files_agree_with_the_server() {
    let unit = deploy("desk-server.service");
    // Its own user, the one the sysusers file makes.
    let user = setting(&unit, "User").unwrap();
    assert_eq!(user, "desk-server");
    assert!(
        deploy("desk-server.sysusers")
            .lines()
            .any(|l| l.starts_with(&format!("u {user} ")))
    );
    for (key, value) in [
        ("NoNewPrivileges", "yes"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("StateDirectoryMode", "0700"),
        ("UMask", "0077"),
        ("CapabilityBoundingSet", ""),
    ] {
        assert_eq!(setting(&unit, key), Some(value), "{key}");
    }
    // The data folder is the state folder systemd makes for it.
    let state = setting(&unit, "StateDirectory").unwrap();
    assert_eq!(
        setting(&unit, "Environment"),
        Some(format!("DESK_SERVER_DATA_DIR=/var/lib/{state}").as_str())
    );
    // systemd waits for the server's own close grace before it kills it.
    let stop: u64 = setting(&unit, "TimeoutStopSec").unwrap().parse().unwrap();
    assert!(
        stop > desk_server::connections::CLOSE_GRACE.as_secs() + 5,
        "{stop}"
    );

    // The image runs as a user that is not root, listens where it says, keeps its data in its
    // volume, and is health-checked by the server's own probe.
    let image = deploy("Containerfile");
    let last = image.rsplit("\nFROM ").next().unwrap();
    let users = last.replace("USER ", "USER=");
    let uid = setting(&users, "USER").unwrap();
    assert!(
        !uid.starts_with("0") && !uid.starts_with("root"),
        "USER {uid}"
    );
    let listen = last
        .split("DESK_SERVER_LISTEN=")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap();
    let port = listen.rsplit(':').next().unwrap();
    assert!(last.contains(&format!("EXPOSE {port}")), "{listen}");
    assert!(last.contains("DESK_SERVER_DATA_DIR=/var/lib/desk-server"));
    assert!(last.contains(r#"VOLUME ["/var/lib/desk-server"]"#));
    assert!(last.contains(r#"CMD ["desk-server", "health"]"#));
    assert!(last.contains("STOPSIGNAL SIGTERM"));
    let compose = deploy("compose.yaml");
    for needed in [
        "read_only: true",
        "cap_drop: [ALL]",
        "no-new-privileges:true",
        "/var/lib/desk-server",
    ] {
        assert!(compose.contains(needed), "compose.yaml: {needed}");
    }
    assert!(compose.contains(&format!("\"{port}:{port}\"")));
}

#[test]
fn the_health_probe_says_whether_the_server_answers() {
    let h = shared();
    let probe = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_desk-server"))
            .arg("health")
            .args(args)
            .env_remove("DESK_SERVER_CONFIG")
            .output()
            .unwrap()
    };
    for args in [
        vec!["--url", h.base.as_str()],
        vec!["--ready", "--url", h.base.as_str()],
    ] {
        let out = probe(&args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Nothing listening: exit status 1, saying so.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nothing = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let out = probe(&["--url", &nothing]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/v1/health"));
}
