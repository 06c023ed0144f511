//! What provisioning does to a signed-in agent with an open watch (as the window keeps one): the
//! organisation deactivates the agent's SCIM user, the server ends the stream and refuses the
//! agent's still-valid token, and the client shreds its cache and ends its session; given back,
//! access returns with one new sign-in.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;

use crate::gateway::{Gateway, client_env, failure, json, run};
use crate::login::{signed_in, start};
use crate::offline::{cache_files, has_cache_key};
use crate::policy::Watcher;

fn active(value: bool) -> serde_json::Value {
    json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Replace", "path": "active", "value": if value { "True" } else { "False" }}],
    })
}

#[test]
fn a_deactivated_agent_s_open_watch_ends_its_cache_is_shredded_and_one_new_sign_in_restores_it() {
    let (idp, dir) = start();
    let d = dir.path();
    let gateway = Gateway::start(&idp);
    let token = gateway.scim_token();
    let user = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "agent1",
        "active": true,
    });
    let (status, made) = gateway.scim(&token, Method::POST, "/Users", user);
    assert_eq!(status, 201, "{made}");
    let id = made["id"].as_str().unwrap().to_owned();
    signed_in(d, idp.issuer(), "agent1");
    let env = client_env(&idp, &gateway, &gateway.keys_file());
    assert_eq!(
        json(&run(d, &env, &["--json", "customer", "1"]))["source"],
        "server"
    );
    assert!(has_cache_key(d, idp.issuer(), "agent1"));
    let mut watcher = Watcher::start(d, &env);
    watcher.next_policy(Duration::from_secs(20));

    let withdrawn = Instant::now();
    let (status, _) = gateway.scim(
        &token,
        Method::PATCH,
        &format!("/Users/{id}"),
        active(false),
    );
    assert_eq!(status, 200);
    // The stream ends at once; the watch's reconnection (after its first second of backoff) is
    // refused, and the client shreds and signs out.
    assert!(
        watcher.ends_within(Duration::from_secs(5)),
        "the watch goes on: {}",
        watcher.stderr()
    );
    let took = withdrawn.elapsed();
    assert!(
        watcher.stderr().contains("access_withdrawn"),
        "{}",
        watcher.stderr()
    );
    assert!(took < Duration::from_secs(4), "{took:?}");
    assert!(!has_cache_key(d, idp.issuer(), "agent1"), "the key is gone");
    assert_eq!(cache_files(d), Vec::<PathBuf>::new());
    let after = failure(&run(d, &env, &["--json", "customer", "1"]));
    assert!(after.contains("not_signed_in"), "{after}");
    let wipes: Vec<(i64,)> = gateway.rows("SELECT id FROM wipes WHERE subject = ?", &["agent1"]);
    assert_eq!(wipes.len(), 1, "a wipe was ordered for the agent's devices");

    // Given back: one sign-in, and the device acknowledges the wipe without signing out.
    std::thread::sleep(Duration::from_millis(1100));
    let (status, _) = gateway.scim(&token, Method::PATCH, &format!("/Users/{id}"), active(true));
    assert_eq!(status, 200);
    signed_in(d, idp.issuer(), "agent1");
    let back = json(&run(d, &env, &["--json", "customer", "1"]));
    assert_eq!(back["source"], "server", "{back}");
    json(&run(d, &env, &["--json", "customer", "1"]));
    let acknowledged: Vec<(i64,)> = gateway.rows(
        "SELECT acknowledged FROM device_wipes WHERE subject = ?",
        &["agent1"],
    );
    assert_eq!(acknowledged, [wipes[0]]);

    // An administrator's wipe ends the session whatever the file of carried-out wipes says.
    let admin = tempfile::tempdir().unwrap();
    signed_in(admin.path(), idp.issuer(), "admin");
    json(&run(
        admin.path(),
        &env,
        &["--json", "admin", "wipe", "agent1"],
    ));
    let tampered = format!("{{\"{}#agent1\": 999999999}}", idp.issuer());
    std::fs::write(d.join("data/wipes-carried-out.json"), tampered).unwrap();
    let wiped = failure(&run(d, &env, &["--json", "customer", "1"]));
    assert!(wiped.starts_with("desk: wiped: "), "{wiped}");
}
