//! The SCIM service at /scim/v2 over real HTTP: who it opens to, users and groups through their
//! life, SCIM errors for every refusal, and what provisioning does to agents — a deactivated or
//! deleted agent refused at once with its streams ended and a wipe ordered, roles that follow
//! SCIM groups with `roles_from = "scim"`, and the per-client rate. (Driven with a SCIM client
//! library written by others in `scim_client`.)

use std::time::Duration;

use desk_core::AuditAction;
use desk_server::audit::{AuditEvent, Outcome};
use desk_server::config::RolesFrom;
use reqwest::{Method, Response};
use secrecy::ExposeSecret;
use serde_json::{Value, json};

use crate::harness::{Events, Harness, error_code};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// A provisioning token named `name`, made as `desk-server scim token create` makes one.
pub async fn scim_token(h: &Harness, name: &str) -> String {
    let token = desk_server::scim::tokens::generate();
    let hash = desk_server::scim::tokens::hash(&token);
    let audit = AuditEvent::new(
        "desk-server",
        AuditAction::ScimTokenCreate,
        format!("scim-token:{name}"),
        Outcome::Ok,
    );
    h.store.add_scim_token(name, &hash, audit).await.unwrap();
    token.expose_secret().to_owned()
}

async fn send(
    h: &Harness,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> Response {
    let mut request = h
        .http
        .request(method, format!("{}/scim/v2{path}", h.base))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request
            .header("content-type", "application/scim+json")
            .body(body.to_string());
    }
    request.send().await.unwrap()
}

/// Status and body of a SCIM call, checking every body is `application/scim+json`.
pub(crate) async fn scim(
    h: &Harness,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let r = send(h, method.clone(), path, token, body).await;
    let status = r.status().as_u16();
    if status == 204 {
        return (status, Value::Null);
    }
    let kind = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(
        kind.as_deref(),
        Some("application/scim+json"),
        "{method} {path} → {status}"
    );
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("{text}")),
    )
}

pub(crate) fn entra_user(user_name: &str) -> Value {
    json!({
        "schemas": [USER, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "externalId": format!("ext-{user_name}"),
        "userName": user_name,
        "active": true,
        "displayName": "Robin Tier-One",
        "emails": [{"primary": true, "type": "work", "value": format!("{user_name}@support-desk.test")}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "Robin Tier-One", "familyName": "Tier-One", "givenName": "Robin"},
        "roles": [],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Support"},
    })
}

pub(crate) fn deactivate() -> Value {
    json!({"schemas": [PATCH], "Operations": [{"op": "Replace", "path": "active", "value": "False"}]})
}

fn is_scim_error(body: &Value, status: u16) -> bool {
    body["schemas"] == json!(["urn:ietf:params:scim:api:messages:2.0:Error"])
        && body["status"].as_str() == Some(status.to_string().as_str())
}

#[test]
fn scim_opens_only_to_provisioning_tokens_and_they_open_nothing_else() {
    let h = Harness::start();
    h.block_on(async {
        let token = scim_token(&h, "entra-id").await;
        let agent = h.token("admin");
        for (who, status) in [
            ("", 401),
            (agent.as_str(), 401),
            ("desk_scim_made-up", 401),
            (token.as_str(), 200),
        ] {
            let r = send(&h, Method::GET, "/Users", who, None).await;
            assert_eq!(r.status(), status, "{who}");
            if status == 401 {
                assert!(
                    r.headers()["www-authenticate"]
                        .to_str()
                        .unwrap()
                        .starts_with("Bearer")
                );
                let body: Value = r.json().await.unwrap();
                assert!(is_scim_error(&body, 401), "{body}");
            }
        }
        // The provisioning token is no access token for the agent API.
        let r = h.get_with_token(&token, "/v1/customers?q=a").await;
        assert_eq!(error_code(r).await, (401, "unauthorized".into()));
        // Revoked while the server runs: refused at the next request.
        let audit = AuditEvent::new(
            "desk-server",
            AuditAction::ScimTokenRevoke,
            "scim-token:entra-id",
            Outcome::Ok,
        );
        h.store.revoke_scim_token("entra-id", audit).await.unwrap();
        assert_eq!(
            send(&h, Method::GET, "/Users", &token, None).await.status(),
            401
        );
    });
}

#[test]
fn users_live_through_create_find_patch_replace_and_delete_and_bad_input_changes_nothing() {
    let h = Harness::start();
    h.block_on(async {
        let t = scim_token(&h, "entra-id").await;
        let (status, empty) = scim(&h, Method::GET, "/Users?filter=userName%20eq%20%22agent1%22", &t, None).await;
        assert_eq!((status, &empty["totalResults"]), (200, &json!(0)));
        let r = send(&h, Method::POST, "/Users", &t, Some(entra_user("agent1"))).await;
        assert_eq!(r.status(), 201);
        let location = r.headers()["location"].to_str().unwrap().to_owned();
        let made: Value = r.json().await.unwrap();
        let id = made["id"].as_str().unwrap().to_owned();
        assert!(location.ends_with(&format!("/scim/v2/Users/{id}")), "{location}");
        assert_eq!(made["active"], true);
        assert!(made.get("roles").is_none() && made.get(USER).is_none(), "{made}");

        // The same userName in another case is taken.
        let (status, body) = scim(&h, Method::POST, "/Users", &t, Some(entra_user("AGENT1"))).await;
        assert_eq!((status, &body["scimType"]), (409, &json!("uniqueness")), "{body}");

        for filter in ["userName eq \"Agent1\"", "emails.value co \"agent1@\"", "externalId eq \"ext-agent1\" and active eq true", "name.givenName sw \"Rob\""] {
            let path = format!("/Users?filter={}", urlencoding(filter));
            let (_, found) = scim(&h, Method::GET, &path, &t, None).await;
            assert_eq!(found["totalResults"], 1, "{filter}: {found}");
            assert_eq!(found["Resources"][0]["id"], id.as_str());
        }

        // Bad input: a SCIM error, and the user as it was.
        let before = scim(&h, Method::GET, &format!("/Users/{id}"), &t, None).await.1;
        let long = format!("userName eq \"{}\"", "x".repeat(1100));
        let deep = format!("{}userName pr{}", "not (".repeat(10), ")".repeat(10));
        let bad: Vec<(Method, String, Option<Value>, u16, &str)> = vec![
            (Method::GET, format!("/Users?filter={}", urlencoding(&long)), None, 400, "invalidFilter"),
            (Method::GET, format!("/Users?filter={}", urlencoding(&deep)), None, 400, "invalidFilter"),
            (Method::GET, "/Users?filter=password%20pr".into(), None, 400, "invalidFilter"),
            (Method::PUT, format!("/Users/{id}"), Some(json!({"schemas": [USER], "userName": "agent1", "shoeSize": 44})), 400, "invalidValue"),
            (Method::PATCH, format!("/Users/{id}"), Some(json!({"schemas": [PATCH], "Operations": [{"op": "remove", "path": "userName"}]})), 400, ""),
            (Method::PATCH, format!("/Users/{id}"), Some(json!({"schemas": [PATCH], "Operations": [{"op": "replace", "path": "id", "value": "x"}]})), 400, "mutability"),
        ];
        for (method, path, body, status, scim_type) in bad {
            let (got, answer) = scim(&h, method.clone(), &path, &t, body).await;
            assert_eq!(got, status, "{method} {path}: {answer}");
            assert!(is_scim_error(&answer, status), "{answer}");
            if !scim_type.is_empty() {
                assert_eq!(answer["scimType"], scim_type, "{answer}");
            }
        }
        let malformed = h.http.post(format!("{}/scim/v2/Users", h.base)).bearer_auth(&t)
            .header("content-type", "application/scim+json").body("{\"userName\": ").send().await.unwrap();
        let answer: Value = malformed.json().await.unwrap();
        assert_eq!(answer["scimType"], "invalidSyntax", "{answer}");
        assert_eq!(scim(&h, Method::GET, &format!("/Users/{id}"), &t, None).await.1, before);

        // Entra ID's path-less replace with a string boolean, then its deactivation.
        let patch = json!({"schemas": [PATCH], "Operations": [{"op": "Replace", "value": {"displayName": "Robin T.", "name.familyName": "T."}}]});
        let (status, patched) = scim(&h, Method::PATCH, &format!("/Users/{id}"), &t, Some(patch)).await;
        assert_eq!(status, 200, "{patched}");
        assert_eq!((&patched["displayName"], &patched["name"]["familyName"]), (&json!("Robin T."), &json!("T.")));
        let (_, off) = scim(&h, Method::PATCH, &format!("/Users/{id}"), &t, Some(deactivate())).await;
        assert_eq!(off["active"], false);
        // Okta's PUT, with what Okta sends that is not kept.
        let okta = json!({"schemas": [USER], "userName": "agent1", "name": {"givenName": "Robin", "familyName": "Tier-One"},
            "emails": [{"primary": true, "value": "agent1@support-desk.test", "type": "work"}], "displayName": "Robin", "locale": "en-US", "groups": [], "active": true});
        let (status, put) = scim(&h, Method::PUT, &format!("/Users/{id}"), &t, Some(okta)).await;
        assert_eq!((status, &put["active"], put.get("externalId")), (200, &json!(true), None), "{put}");

        assert_eq!(scim(&h, Method::DELETE, &format!("/Users/{id}"), &t, None).await.0, 204);
        assert_eq!(scim(&h, Method::DELETE, &format!("/Users/{id}"), &t, None).await.0, 404);
        assert_eq!(scim(&h, Method::GET, &format!("/Users/{id}"), &t, None).await.0, 404);
        // Unknown paths and writes to the discovery endpoints: SCIM errors too.
        for (method, path, status) in [(Method::GET, "/Nothing", 404), (Method::POST, "/Schemas", 405), (Method::PUT, "/ServiceProviderConfig", 405), (Method::DELETE, "/ResourceTypes", 405)] {
            let (got, body) = scim(&h, method.clone(), path, &t, None).await;
            assert_eq!(got, status, "{method} {path}");
            assert!(is_scim_error(&body, status), "{body}");
        }
        let audited = h.count_async("SELECT COUNT(*) FROM audit WHERE actor = 'scim:entra-id' AND action LIKE 'scim.user.%'").await;
        assert_eq!(audited, 5, "create, three updates, delete");
    });
}

#[test]
fn groups_take_members_by_id_and_entra_s_remove_takes_only_those_named() {
    let h = Harness::start();
    h.block_on(async {
        let t = scim_token(&h, "entra-id").await;
        let mut ids = Vec::new();
        for name in ["agent1", "agent2", "supervisor"] {
            ids.push(scim(&h, Method::POST, "/Users", &t, Some(entra_user(name))).await.1["id"].as_str().unwrap().to_owned());
        }
        let (status, group) = scim(&h, Method::POST, "/Groups", &t, Some(json!({"schemas": [GROUP], "displayName": "support-tier1", "members": []}))).await;
        assert_eq!(status, 201, "{group}");
        let gid = group["id"].as_str().unwrap().to_owned();
        let add = json!({"schemas": [PATCH], "Operations": [{"op": "Add", "path": "members", "value": ids.iter().map(|id| json!({"value": id})).collect::<Vec<_>>()}]});
        assert_eq!(scim(&h, Method::PATCH, &format!("/Groups/{gid}"), &t, Some(add)).await.0, 204);
        let remove = json!({"schemas": [PATCH], "Operations": [{"op": "Remove", "path": "members", "value": [{"value": ids[1]}]}]});
        assert_eq!(scim(&h, Method::PATCH, &format!("/Groups/{gid}"), &t, Some(remove)).await.0, 204);
        let okta_remove = json!({"schemas": [PATCH], "Operations": [{"op": "remove", "path": format!("members[value eq \"{}\"]", ids[2])}]});
        assert_eq!(scim(&h, Method::PATCH, &format!("/Groups/{gid}"), &t, Some(okta_remove)).await.0, 204);
        let (_, kept) = scim(&h, Method::GET, &format!("/Groups/{gid}"), &t, None).await;
        let members: Vec<&str> = kept["members"].as_array().unwrap().iter().map(|m| m["value"].as_str().unwrap()).collect();
        assert_eq!(members, [ids[0].as_str()]);
        assert_eq!(kept["members"][0]["display"], "agent1");
        let (_, user) = scim(&h, Method::GET, &format!("/Users/{}", ids[0]), &t, None).await;
        assert_eq!(user["groups"][0]["display"], "support-tier1");
        let filter = format!("/Groups?filter={}&excludedAttributes=members", urlencoding("displayName eq \"SUPPORT-tier1\""));
        let (_, found) = scim(&h, Method::GET, &filter, &t, None).await;
        assert_eq!(found["totalResults"], 1);
        assert!(found["Resources"][0].get("members").is_none(), "{found}");
        // A member who is no user: refused, the group unchanged.
        let stray = json!({"schemas": [PATCH], "Operations": [{"op": "add", "path": "members", "value": [{"value": "no-such-user"}]}]});
        assert_eq!(scim(&h, Method::PATCH, &format!("/Groups/{gid}"), &t, Some(stray)).await.0, 400);
        assert_eq!(scim(&h, Method::GET, &format!("/Groups/{gid}"), &t, None).await.1, kept);
        // Paging.
        let (_, page) = scim(&h, Method::GET, "/Users?startIndex=2&count=1", &t, None).await;
        assert_eq!((&page["totalResults"], &page["itemsPerPage"], &page["startIndex"]), (&json!(3), &json!(1), &json!(2)));
        assert_eq!(page["Resources"][0]["id"], ids[1].as_str());
        assert_eq!(scim(&h, Method::DELETE, &format!("/Groups/{gid}"), &t, None).await.0, 204);
        assert_eq!(scim(&h, Method::DELETE, &format!("/Groups/{gid}"), &t, None).await.0, 404);
    });
}

#[test]
fn a_deactivated_agent_is_refused_at_once_its_streams_end_and_a_wipe_is_ordered() {
    let h = Harness::start();
    h.block_on(async {
        let t = scim_token(&h, "okta").await;
        let (_, user) = scim(&h, Method::POST, "/Users", &t, Some(entra_user("agent1"))).await;
        let id = user["id"].as_str().unwrap().to_owned();
        h.get_ok("agent1", "/v1/me/policy").await;
        let mut events = Events::open(&h, "agent1", None).await;
        assert_eq!(events.next(Duration::from_secs(5)).await.unwrap().event, "policy");

        let (status, _) = scim(&h, Method::PATCH, &format!("/Users/{id}"), &t, Some(deactivate())).await;
        assert_eq!(status, 200);
        assert!(events.ends_within(Duration::from_secs(1)).await, "the stream ends at once");
        let r = h.get("agent1", "/v1/customers?q=a").await;
        let challenge = r.headers()["www-authenticate"].to_str().unwrap().to_owned();
        assert!(challenge.contains("invalid_token") && challenge.contains("withdrawn"), "{challenge}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "access_withdrawn", "{body}");
        let wipe_id: i64 = h
            .count_async("SELECT MAX(id) FROM wipes WHERE subject = 'agent1'")
            .await;
        assert_eq!(body["error"]["wipe_id"], wipe_id, "the refusal names the wipe ordered");
        assert_eq!(error_code(h.get("agent1", "/v1/events").await).await.0, 401);
        assert_eq!(h.count_async("SELECT COUNT(*) FROM wipes WHERE subject = 'agent1' AND ordered_by = 'scim:okta'").await, 1);
        for action in ["scim.user.update", "device.wipe", "events.end", "access.refused"] {
            let n = h.count_async(&format!("SELECT COUNT(*) FROM audit WHERE action = '{action}'")).await;
            assert_eq!(n, 1, "{action}");
        }
        // Others go on.
        h.get_ok("agent2", "/v1/me/policy").await;

        // Active again: the token from before stays refused; a new sign-in gets in.
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let on = json!({"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"active": true}}]});
        assert_eq!(scim(&h, Method::PATCH, &format!("/Users/{id}"), &t, Some(on)).await.0, 200);
        assert_eq!(error_code(h.get("agent1", "/v1/me/policy").await).await.0, 401);
        let fresh = h.idp.tokens("agent1").access_token;
        assert_eq!(h.get_with_token(&fresh, "/v1/me/policy").await.status(), 200);

        // Deleted: refused again, a second wipe; made anew, still only with a new sign-in.
        assert_eq!(scim(&h, Method::DELETE, &format!("/Users/{id}"), &t, None).await.0, 204);
        assert_eq!(error_code(h.get_with_token(&fresh, "/v1/me/policy").await).await, (401, "access_withdrawn".into()));
        assert_eq!(h.count_async("SELECT COUNT(*) FROM wipes WHERE subject = 'agent1'").await, 2);
        let (_, again) = scim(&h, Method::POST, "/Users", &t, Some(entra_user("agent1"))).await;
        assert_eq!(error_code(h.get_with_token(&fresh, "/v1/me/policy").await).await.0, 401);
        // Deactivated, then deleted: one more wipe, not two; and refused once it is gone.
        let again = again["id"].as_str().unwrap().to_owned();
        scim(&h, Method::PATCH, &format!("/Users/{again}"), &t, Some(deactivate())).await;
        scim(&h, Method::DELETE, &format!("/Users/{again}"), &t, None).await;
        let wipes = h
            .count_async("SELECT COUNT(*) FROM wipes WHERE subject = 'agent1'")
            .await;
        assert_eq!(wipes, 3);
        let latest = h.idp.tokens("agent1").access_token;
        assert_eq!(error_code(h.get_with_token(&latest, "/v1/me/policy").await).await.0, 401);
    });
    assert!(h.verify().broken.is_none());
}

#[test]
fn a_user_renamed_at_the_provider_withdraws_access_under_the_old_name() {
    let h = Harness::start();
    h.block_on(async {
        let t = scim_token(&h, "entra-id").await;
        let (_, user) = scim(&h, Method::POST, "/Users", &t, Some(entra_user("agent2"))).await;
        let id = user["id"].as_str().unwrap().to_owned();
        h.get_ok("agent2", "/v1/me/policy").await;
        let rename = json!({"schemas": [PATCH], "Operations": [{"op": "Replace", "path": "userName", "value": "agent2.moved"}]});
        let (status, renamed) = scim(&h, Method::PATCH, &format!("/Users/{id}"), &t, Some(rename)).await;
        assert_eq!((status, &renamed["userName"]), (200, &json!("agent2.moved")), "{renamed}");
        let r = h.get("agent2", "/v1/me/policy").await;
        assert_eq!(error_code(r).await, (401, "access_withdrawn".into()));
        let wipes = h
            .count_async("SELECT COUNT(*) FROM wipes WHERE subject = 'agent2' AND ordered_by = 'scim:entra-id'")
            .await;
        assert_eq!(wipes, 1);
    });
}

#[test]
fn with_roles_from_scim_a_membership_change_pushes_a_new_policy_at_once() {
    let h = Harness::start_with(|c| c.roles_from = RolesFrom::Scim);
    h.block_on(async {
        let t = scim_token(&h, "entra-id").await;
        // agent2's token says support-tier2; with roles from SCIM it counts for nothing.
        let (_, user) = scim(&h, Method::POST, "/Users", &t, Some(entra_user("agent2"))).await;
        let uid = user["id"].as_str().unwrap().to_owned();
        assert!(h.policy("agent2").await.policy.roles.is_empty());
        let mut events = Events::open(&h, "agent2", None).await;
        let first = events.next(Duration::from_secs(5)).await.unwrap();
        let group = json!({"schemas": [GROUP], "displayName": "support-tier1", "members": [{"value": uid}]});
        let (status, made) = scim(&h, Method::POST, "/Groups", &t, Some(group)).await;
        assert_eq!(status, 201, "{made}");
        let pushed = events.next(Duration::from_secs(2)).await.expect("a new policy at once");
        assert_eq!(pushed.event, "policy");
        assert!(pushed.id.parse::<u64>().unwrap() > first.id.parse::<u64>().unwrap());
        let claims = h.check_policy(&pushed.data, "agent2").unwrap();
        assert_eq!(claims.policy.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(), ["agent_l1"]);
        assert_eq!(h.policy("agent2").await.policy.roles.len(), 1, "and on the next request");
        let gid = made["id"].as_str().unwrap();
        let out = json!({"schemas": [PATCH], "Operations": [{"op": "remove", "path": format!("members[value eq \"{uid}\"]")}]});
        assert_eq!(scim(&h, Method::PATCH, &format!("/Groups/{gid}"), &t, Some(out)).await.0, 204);
        let pushed = events.next(Duration::from_secs(2)).await.expect("another policy");
        assert!(h.check_policy(&pushed.data, "agent2").unwrap().policy.roles.is_empty());
    });
}

#[test]
fn a_provisioning_client_gets_a_burst_of_a_thousand_then_waits() {
    let h = Harness::start_with(|c| {
        c.scim_burst = 1000;
        c.scim_requests_per_minute = 60;
    });
    h.block_on(async {
        let t = scim_token(&h, "okta").await;
        let started = std::time::Instant::now();
        for i in 0..1000 {
            let r = send(&h, Method::GET, "/ServiceProviderConfig", &t, None).await;
            assert_eq!(r.status(), 200, "request {i}");
        }
        // The bucket refills at one a second meanwhile: at most that many more pass.
        let refilled = started.elapsed().as_secs() + 2;
        let mut passed = 0;
        let r = loop {
            let r = send(&h, Method::GET, "/ServiceProviderConfig", &t, None).await;
            if r.status() != 200 {
                break r;
            }
            passed += 1;
            assert!(passed <= refilled, "{passed} more passed in {refilled} s");
        };
        assert_eq!(r.status(), 429);
        assert!(
            r.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse::<u64>()
                .unwrap()
                >= 1
        );
        let body: Value = r.json().await.unwrap();
        assert!(is_scim_error(&body, 429), "{body}");
        // Another client has its own.
        let other = scim_token(&h, "entra-id").await;
        assert_eq!(
            send(&h, Method::GET, "/ServiceProviderConfig", &other, None)
                .await
                .status(),
            200
        );
    });
}

fn urlencoding(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
