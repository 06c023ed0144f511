//! `desk admin audit`: an administrator lists the trail from the command line, filtered; an
//! agent without `audit.read` learns nothing.

use crate::gateway::{Gateway, client_env, failure, json, run};
use crate::login::{signed_in, start, text};

#[test]
fn an_administrator_lists_the_trail_by_actor_action_and_time_and_an_agent_is_refused() {
    let (idp, dir) = start();
    let gateway = Gateway::start(&idp);
    signed_in(dir.path(), idp.issuer(), "agent2");
    let admin = tempfile::tempdir().unwrap();
    signed_in(admin.path(), idp.issuer(), "admin");
    let env = client_env(&idp, &gateway, &gateway.keys_file());
    let (d, a) = (dir.path(), admin.path());
    json(&run(d, &env, &["--json", "customer", "1"]));
    json(&run(d, &env, &["--json", "customer", "2"]));

    let page = json(&run(
        a,
        &env,
        &[
            "--json",
            "admin",
            "audit",
            "--actor",
            "agent2",
            "--action",
            "customer.view",
        ],
    ));
    let items = page["items"].as_array().unwrap();
    let resources: Vec<&str> = items
        .iter()
        .map(|e| e["resource"].as_str().unwrap())
        .collect();
    assert_eq!(
        resources,
        ["customer:2", "customer:1"],
        "newest first: {page}"
    );
    assert!(
        items
            .iter()
            .all(|e| e["hash"].as_str().unwrap().len() == 64)
    );

    // As text, one entry a line; a time range that holds nothing says so.
    let out = run(
        a,
        &env,
        &[
            "admin",
            "audit",
            "--actor",
            "agent2",
            "--action",
            "customer.view",
        ],
    );
    let listed = text(&out);
    assert!(out.status.success(), "{listed}");
    assert_eq!(
        listed
            .lines()
            .filter(|l| l.contains("customer.view"))
            .count(),
        2,
        "{listed}"
    );
    let out = run(a, &env, &["admin", "audit", "--until", "2000-01-01"]);
    assert!(
        text(&out).contains("No audit entry matches"),
        "{}",
        text(&out)
    );
    let recent = json(&run(
        a,
        &env,
        &[
            "--json",
            "admin",
            "audit",
            "--since",
            "2000-01-01",
            "--limit",
            "1",
        ],
    ));
    assert_eq!(recent["items"].as_array().unwrap().len(), 1);
    assert!(recent["next_cursor"].is_string(), "{recent}");

    // A bad filter is the server's clear refusal.
    let bad = failure(&run(
        a,
        &env,
        &["admin", "audit", "--action", "customer.veiw"],
    ));
    assert!(bad.contains("`action` must be an audit action"), "{bad}");
    let bad = failure(&run(a, &env, &["admin", "audit", "--since", "yesterday"]));
    assert!(bad.contains("`since` must be a date"), "{bad}");

    // agent2 may not read the trail, filters or not.
    let refused = failure(&run(d, &env, &["admin", "audit", "--actor", "admin"]));
    assert!(refused.contains("forbidden"), "{refused}");
}
