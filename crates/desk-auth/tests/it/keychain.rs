use desk_auth::{ExposeSecret, Keychain, KeychainError, SecretString};
use desk_testkit::{RealPart, missing_real_part, unique_name};

/// A keychain namespace of this test's own on the session's Secret Service, proven writable
/// (`Keychain::probe`: a locked one still answers reads). Without one the test fails as a
/// missing real part.
pub fn test_keychain() -> Keychain {
    let keychain = Keychain::new(unique_name("support-desk-test"));
    match keychain.probe() {
        Ok(()) => keychain,
        Err(e @ (KeychainError::Unavailable(_) | KeychainError::Locked(_))) => {
            missing_real_part(RealPart::SecretService, &e)
        }
        Err(e) => panic!("probing the keychain: {e}"),
    }
}

#[test]
fn round_trip_set_read_update_delete() {
    let keychain = test_keychain();
    let name = "refresh-token";
    keychain
        .set(name, &SecretString::from("first-secret"))
        .expect("set");
    assert_eq!(
        keychain.get(name).expect("read").expose_secret(),
        "first-secret"
    );

    keychain
        .set(name, &SecretString::from("second-secret"))
        .expect("update in place");
    assert_eq!(keychain.get(name).unwrap().expose_secret(), "second-secret");

    keychain.delete(name).expect("delete");
    assert!(matches!(keychain.get(name), Err(KeychainError::Missing(_))));
    keychain
        .delete(name)
        .expect("deleting a missing entry is not an error");
}

#[test]
fn namespaces_do_not_see_each_other() {
    let a = test_keychain();
    let b = Keychain::new(unique_name("support-desk-test"));
    a.set("shared-name", &SecretString::from("only-in-a"))
        .unwrap();
    assert!(matches!(
        b.get("shared-name"),
        Err(KeychainError::Missing(_))
    ));
    a.delete("shared-name").unwrap();
}

/// The process holding the session's Secret Service name.
fn secret_service_pid() -> Option<u32> {
    let out = std::process::Command::new("dbus-send")
        .args([
            "--session",
            "--print-reply=literal",
            "--dest=org.freedesktop.DBus",
            "/",
            "org.freedesktop.DBus.GetConnectionUnixProcessID",
            "string:org.freedesktop.secrets",
        ])
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .last()?
        .parse()
        .ok()
}

/// gnome-keyring 42 ends now and then on a failed assertion of its own when clients come and go
/// fast, and D-Bus starts it again for the next call (the test session's activation file unlocks
/// it over the same files: scripts/lib.sh, `with_keyring_session`). The daemon is killed here,
/// three times, while threads read without pause, so that calls are in flight each time: no read
/// fails (one in flight is made once more) and the entry is still there.
#[test]
fn a_secret_service_that_ends_mid_call_fails_no_call_and_loses_no_entry() {
    use std::sync::atomic::{AtomicBool, Ordering};
    const READERS: usize = 6;
    const KILLS: usize = 3;
    let activation = std::env::var_os("XDG_DATA_HOME")
        .map(|d| std::path::Path::new(&d).join("dbus-1/services/org.freedesktop.secrets.service"));
    if !activation.is_some_and(|f| std::fs::read_to_string(f).is_ok_and(|t| t.contains("--unlock")))
    {
        // This test ends the daemon: only ever the one of a test session.
        missing_real_part(
            RealPart::SecretService,
            &"not the test session's Secret Service (XDG_DATA_HOME holds no activation file of \
              scripts/lib.sh's with_keyring_session)",
        );
    }
    let keychain = test_keychain();
    keychain
        .set("kept", &SecretString::from("still-here"))
        .unwrap();
    let done = std::sync::Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..READERS)
        .map(|_| {
            let keychain = keychain.clone();
            let done = done.clone();
            std::thread::spawn(move || {
                let mut failures = Vec::new();
                let mut reads = 0;
                while !done.load(Ordering::SeqCst) {
                    match keychain.get("kept") {
                        Ok(v) if v.expose_secret() == "still-here" => reads += 1,
                        Ok(_) => failures.push("another value".to_owned()),
                        Err(e) => failures.push(e.to_string()),
                    }
                }
                (reads, failures)
            })
        })
        .collect();
    let mut pids = vec![secret_service_pid().expect("the Secret Service's process")];
    for _ in 0..KILLS {
        std::thread::sleep(std::time::Duration::from_millis(300));
        let pid = *pids.last().unwrap();
        let kill = std::process::Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status()
            .unwrap();
        assert!(kill.success(), "kill the Secret Service's process {pid}");
        // Until a read has had D-Bus start the next one (at most 10 s).
        let next = (0..100)
            .find_map(|_| {
                std::thread::sleep(std::time::Duration::from_millis(100));
                secret_service_pid().filter(|p| *p != pid)
            })
            .expect("D-Bus started a new Secret Service");
        pids.push(next);
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    done.store(true, Ordering::SeqCst);
    let (mut reads, mut failures) = (0, Vec::new());
    for reader in readers {
        let (r, f) = reader.join().unwrap();
        reads += r;
        failures.extend(f);
    }
    assert_eq!(
        failures,
        Vec::<String>::new(),
        "reads that failed ({reads} did not)"
    );
    assert_eq!(keychain.get("kept").unwrap().expose_secret(), "still-here");
    keychain.delete("kept").unwrap();
}

#[test]
fn secrets_never_show_in_debug_output() {
    let secret = SecretString::from("hunter2-refresh-token");
    assert!(!format!("{secret:?}").contains("hunter2"));
}

/// With no Secret Service at all, the keychain refuses with a clear error: no fallback store.
/// The check runs in a child process whose D-Bus address leads nowhere, so it cannot disturb the
/// other tests' environment.
#[test]
fn no_secret_service_is_refused_clearly() {
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new(exe)
        .args([
            "--exact",
            "keychain::child_without_secret_service",
            "--ignored",
            "--nocapture",
        ])
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/support-desk-bus",
        )
        .env("DESK_TEST_CHILD", "1")
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("1 passed"), "the child test ran: {text}");
}

#[test]
#[ignore = "run by no_secret_service_is_refused_clearly in a child process"]
fn child_without_secret_service() {
    assert_eq!(std::env::var("DESK_TEST_CHILD").as_deref(), Ok("1"));
    let keychain = Keychain::new(unique_name("support-desk-test"));
    let err = keychain
        .set("refresh-token", &SecretString::from("never-stored"))
        .unwrap_err();
    assert!(matches!(err, KeychainError::Unavailable(_)), "{err:?}");
    assert!(
        err.to_string().contains("no keychain is available"),
        "{err}"
    );
}
