//! The SCIM service driven by a SCIM client library written by others (scim2-client, in
//! `tests/scim/check.py`): the request sequences Entra ID and Okta document sending, with their
//! bodies, and the refusals a provisioning client must get, against the real server. The
//! driver checks every answer; this test checks what the server kept and recorded.

use std::process::Command;

use serde_json::Value;

use crate::harness::Harness;
use crate::scim::scim_token;

#[test]
fn entra_id_s_and_okta_s_sequences_pass_through_scim2_client() {
    let python = desk_testkit::scim_python();
    let h = Harness::start();
    let token = h.block_on(scim_token(&h, "check"));
    let script = desk_testkit::repo_root().join("tests/scim/check.py");
    let out = Command::new(python)
        .arg(script)
        .args([
            "--base",
            &format!("{}/scim/v2", h.base),
            "--sequence",
            "all",
        ])
        .env("DESK_SCIM_TOKEN", &token)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let failed: Vec<&str> = stdout.lines().filter(|l| l.starts_with("FAIL")).collect();
    assert!(
        out.status.success() && failed.is_empty(),
        "{}\n{stdout}\n{}",
        failed.join("\n"),
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    println!("{stdout}");
    assert!(summary["passed"].as_u64().unwrap() >= 60, "{summary}");
    // What the driver left: the Entra user deleted, the Okta one inactive, the second ones active.
    let users = &summary["users"];
    h.block_on(async {
        let db = &h.db;
        let active = |id: &str| {
            let query = format!("SELECT active FROM scim_users WHERE id = '{id}'");
            async move {
                let rows: Vec<(bool,)> = db.rows(&query).await;
                rows.first().map(|(active,)| *active)
            }
        };
        assert_eq!(active(users["entra"].as_str().unwrap()).await, None);
        assert_eq!(active(users["okta"].as_str().unwrap()).await, Some(false));
        assert_eq!(
            active(users["entra_second"].as_str().unwrap()).await,
            Some(true)
        );
        let writes = h
            .count_async(
                "SELECT COUNT(*) FROM audit WHERE actor = 'scim:check' AND action LIKE 'scim.%'",
            )
            .await;
        assert!(writes >= 20, "{writes} SCIM writes audited");
    });
}
