//! `desk admin audit`: an administrator lists the trail from the command line, filtered, and
//! exports it whole, and has the server check its chain; an agent without `audit.read` learns
//! nothing. `desk admin role`: a definition shown and set, a
//! widening change waiting for a second administrator and approved by them.

use crate::gateway::{Gateway, client_env, failure, json, run};
use crate::login::{signed_in, start, text};

/// A gateway with agent2 signed in in one data folder and the administrator in another.
struct Signed {
    _idp: desk_testkit::TestIdp,
    gateway: Gateway,
    agent: tempfile::TempDir,
    admin: tempfile::TempDir,
    env: Vec<(&'static str, String)>,
}

fn agent2_and_admin() -> Signed {
    let (idp, agent) = start();
    let gateway = Gateway::start(&idp);
    signed_in(agent.path(), idp.issuer(), "agent2");
    let admin = tempfile::tempdir().unwrap();
    signed_in(admin.path(), idp.issuer(), "admin");
    let env = client_env(&idp, &gateway, &gateway.keys_file());
    Signed {
        _idp: idp,
        gateway,
        agent,
        admin,
        env,
    }
}

#[test]
fn an_administrator_lists_the_trail_by_actor_action_and_time_and_an_agent_is_refused() {
    let Signed {
        gateway: _gateway,
        agent: dir,
        admin,
        env,
        // Bound, not `..`: the provider must live as long as the test.
        _idp,
    } = agent2_and_admin();
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

    // Exported: every page of the filter (one entry a page here), as JSON lines or as CSV.
    let filter = ["--actor", "agent2", "--outcome", "ok", "--limit", "1"];
    let export = |format: &str| {
        let mut args = vec!["admin", "audit", "--export", format];
        args.extend(filter);
        let out = run(a, &env, &args);
        assert!(out.status.success(), "{}", text(&out));
        String::from_utf8(out.stdout).unwrap()
    };
    let lines = export("jsonl");
    let entries: Vec<serde_json::Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        entries.len() >= 3,
        "sign-in and two views, past one page: {lines}"
    );
    assert!(entries.iter().all(|e| e["actor"] == "agent2"));
    let seqs: Vec<i64> = entries.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert!(
        seqs.windows(2).all(|w| w[0] > w[1]),
        "newest first, none twice: {seqs:?}"
    );
    let csv = export("csv");
    let mut rows = csv.lines();
    assert_eq!(
        rows.next(),
        Some(r#""seq","time","actor","action","resource","outcome","detail","prev_hash","hash""#)
    );
    assert_eq!(rows.count(), entries.len(), "{csv}");
    assert!(csv.contains(r#","customer:2","ok","#), "{csv}");
    let bad = run(a, &env, &["admin", "audit", "--export", "xml"]);
    assert_eq!(bad.status.code(), Some(2), "a usage error");
    assert!(
        text(&bad).contains("possible values: jsonl, csv"),
        "{}",
        text(&bad)
    );

    // agent2 may not read the trail, filters or not, nor export it.
    let refused = failure(&run(d, &env, &["admin", "audit", "--actor", "admin"]));
    assert!(refused.contains("forbidden"), "{refused}");
    let refused = failure(&run(d, &env, &["admin", "audit", "--export", "jsonl"]));
    assert!(refused.contains("forbidden"), "{refused}");
}

/// `desk admin audit verify`: the server checks its chain with the checkpoint this device
/// witnessed in its policy; an entry an insider edits in the database breaks it, and the command
/// says where and exits 1.
#[test]
fn an_administrator_checks_the_chain_with_this_devices_checkpoint_and_sees_an_insider_edit() {
    let Signed {
        gateway,
        agent: dir,
        admin,
        env,
        // Bound, not `..`: the provider must live as long as the test.
        _idp,
    } = agent2_and_admin();
    let (d, a) = (dir.path(), admin.path());
    json(&run(d, &env, &["--json", "customer", "1"]));
    // The policy carries a checkpoint of the trail, which this device keeps.
    json(&run(a, &env, &["policy", "--json"]));
    let check = json(&run(a, &env, &["--json", "admin", "audit", "verify"]));
    assert_eq!(check["chain"]["holds"], true, "{check}");
    assert_eq!(check["chain"]["given_checkpoint"]["held"], true, "{check}");
    assert_eq!(check["witnessed_problem"], serde_json::Value::Null);
    let out = run(a, &env, &["admin", "audit", "verify"]);
    let said = text(&out);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("The audit chain holds"), "{said}");
    assert!(said.contains("This device's checkpoint (entry"), "{said}");

    // An insider hides which customer agent2 opened.
    gateway.write(
        "UPDATE audit SET resource = 'customer:7' WHERE resource = 'customer:1'",
        &[],
    );
    let out = run(a, &env, &["admin", "audit", "verify"]);
    let said = text(&out);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(
        said.contains("The audit chain is BROKEN at entry"),
        "{said}"
    );

    // agent2 may not have the chain checked.
    let refused = failure(&run(d, &env, &["admin", "audit", "verify"]));
    assert!(refused.contains("forbidden"), "{refused}");
}

/// `desk admin agents`: the agents the server knows, one line each; with a subject, its devices
/// and wipes: a wipe ordered is pending on the agent's device until its next command carries it
/// out.
#[test]
fn an_administrator_lists_agents_and_sees_a_wipe_pending_then_carried_out() {
    let Signed {
        gateway: _gateway,
        agent: dir,
        admin,
        env,
        // Bound, not `..`: the provider must live as long as the test.
        _idp,
    } = agent2_and_admin();
    let (d, a) = (dir.path(), admin.path());
    json(&run(d, &env, &["--json", "customer", "1"]));

    let out = run(a, &env, &["admin", "agents"]);
    let listed = text(&out);
    assert!(out.status.success(), "{listed}");
    let line = listed
        .lines()
        .find(|l| l.starts_with("agent2 "))
        .unwrap_or_else(|| panic!("{listed}"));
    assert!(line.contains("active  roles: agent_l2"), "{line}");
    assert!(line.contains("last signed in 20"), "{line}");
    assert!(line.contains("1 devices"), "{line}");

    let refused = failure(&run(d, &env, &["admin", "agents"]));
    assert!(refused.contains("forbidden"), "{refused}");

    let ordered = json(&run(a, &env, &["--json", "admin", "wipe", "agent2"]));
    let wipe_id = ordered["wipe_id"].as_i64().unwrap();
    let wipes = json(&run(a, &env, &["--json", "admin", "agents", "agent2"]));
    assert_eq!(wipes["seen"][0]["pending"], true, "{wipes}");
    let said = text(&run(a, &env, &["admin", "agents", "agent2"]));
    assert!(said.contains(&format!("wipe {wipe_id} ordered")), "{said}");
    assert!(said.contains("a wipe is PENDING"), "{said}");

    // agent2's next command carries the wipe out (and signs agent2 out) before anything else.
    let _ = run(d, &env, &["--json", "customer", "1"]);
    let wipes = json(&run(a, &env, &["--json", "admin", "agents", "agent2"]));
    assert_eq!(wipes["seen"][0]["pending"], false, "{wipes}");
    assert_eq!(wipes["seen"][0]["acknowledged"], wipe_id, "{wipes}");
}

/// One administrator shows and sets a definition; a change showing more personal data waits, and
/// only a second administrator's approval puts it in force.
#[test]
fn a_widening_role_change_waits_for_a_second_administrator_from_the_command_line() {
    let (idp, first) = start();
    let gateway = Gateway::start(&idp);
    let second = tempfile::tempdir().unwrap();
    let agent = tempfile::tempdir().unwrap();
    signed_in(first.path(), idp.issuer(), "admin");
    signed_in(second.path(), idp.issuer(), "admin2");
    signed_in(agent.path(), idp.issuer(), "agent1");
    let env = client_env(&idp, &gateway, &gateway.keys_file());
    let (a, b) = (first.path(), second.path());

    let said =
        String::from_utf8_lossy(&run(a, &env, &["admin", "role", "show", "agent_l1"]).stdout)
            .into_owned();
    assert!(
        said.starts_with("agent_l1: version 1 (by defaults at "),
        "{said}"
    );
    assert!(said.contains("customer.email (mask_email)"), "{said}");
    let mut definition = json(&run(
        a,
        &env,
        &["--json", "admin", "role", "show", "agent_l1"],
    ));
    assert_eq!(definition["role"], "agent_l1");

    // Showing e-mail addresses whole widens a pii field: proposed, not applied.
    definition["fields"]["customer.email"] = "full".into();
    let file = a.join("agent_l1.json");
    std::fs::write(&file, definition.to_string()).unwrap();
    let out = run(a, &env, &["admin", "role", "set", file.to_str().unwrap()]);
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{}", text(&out));
    assert!(said.contains("waits for a second administrator"), "{said}");
    assert!(said.contains("customer.email"), "{said}");
    let changes = json(&run(b, &env, &["--json", "admin", "role", "changes"]));
    let id = changes[0]["id"].as_i64().unwrap();
    assert_eq!(changes[0]["proposed_by"], "admin", "{changes}");

    // The proposer cannot approve it; an agent cannot even list it; the second administrator can.
    let line = failure(&run(
        a,
        &env,
        &["admin", "role", "approve", &id.to_string()],
    ));
    assert!(line.starts_with("desk: forbidden:"), "{line}");
    assert!(line.contains("own_change"), "{line}");
    let line = failure(&run(agent.path(), &env, &["admin", "role", "changes"]));
    assert!(line.starts_with("desk: forbidden:"), "{line}");
    let approved = json(&run(
        b,
        &env,
        &["--json", "admin", "role", "approve", &id.to_string()],
    ));
    assert_eq!(approved["version"], 2, "{approved}");
    assert_eq!(approved["definition"]["fields"]["customer.email"], "full");
    let said =
        String::from_utf8_lossy(&run(b, &env, &["admin", "role", "changes"]).stdout).into_owned();
    assert_eq!(said.trim(), "No role change waits for approval");

    // A definition the server would refuse (a widget without its page) is refused before it is
    // sent, and nothing changes.
    std::fs::write(
        &file,
        r#"{"role": "agent_l1", "widgets": ["customer.cards"]}"#,
    )
    .unwrap();
    let line = failure(&run(
        a,
        &env,
        &["admin", "role", "set", file.to_str().unwrap()],
    ));
    assert!(line.starts_with("desk: invalid_input:"), "{line}");
    assert!(line.contains("customer.cards"), "{line}");
    let said =
        String::from_utf8_lossy(&run(a, &env, &["admin", "role", "show", "agent_l1"]).stdout)
            .into_owned();
    assert!(
        said.starts_with("agent_l1: version 2 (by admin2 at "),
        "{said}"
    );
}

/// A server that requires a newer client: every command says to update, naming the version, and
/// nothing is shown, offline too (the device keeps the server's word); a server that answers the
/// client lifts it.
#[test]
fn a_client_older_than_the_servers_minimum_is_told_to_update() {
    let (idp, dir) = start();
    let mut gateway = Gateway::start_requiring(&idp, Some("99.0.0"));
    signed_in(dir.path(), idp.issuer(), "agent2");
    let env = client_env(&idp, &gateway, &gateway.keys_file());
    for args in [&["customer", "1"][..], &["policy"], &["admin", "agents"]] {
        let out = run(dir.path(), &env, args);
        let said = failure(&out);
        assert!(said.contains("update_required"), "{args:?}: {said}");
        assert!(
            said.contains("update it to 99.0.0 or later"),
            "{args:?}: {said}"
        );
        assert!(
            !String::from_utf8_lossy(&out.stdout).contains("customer"),
            "nothing shown"
        );
    }
    // Offline, the server's last word stands: nothing from the cache either.
    gateway.stop();
    let said = failure(&run(dir.path(), &env, &["customer", "1"]));
    assert!(said.contains("update_required"), "offline: {said}");

    let current = Gateway::start_requiring(&idp, Some(env!("CARGO_PKG_VERSION")));
    let env = client_env(&idp, &current, &current.keys_file());
    let customer = json(&run(dir.path(), &env, &["--json", "customer", "1"]));
    assert_eq!(customer["id"], 1, "{customer}");
}
