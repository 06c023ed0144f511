//! Remote wipes: ordered by an administrator, pushed at once to the agent's open streams, and
//! waiting for devices that were not connected.

use std::time::Duration;

use serde_json::{Value, json};

use crate::harness::{Events, Harness, Sse, error_code};

async fn order(h: &Harness, user: &str, subject: &str) -> reqwest::Response {
    h.http
        .post(format!("{}/v1/admin/wipe/{subject}", h.base))
        .bearer_auth(h.token(user))
        .send()
        .await
        .unwrap()
}

/// Orders a wipe of `subject` as admin and returns the answer.
async fn wipe(h: &Harness, subject: &str) -> Value {
    let r = order(h, "admin", subject).await;
    assert_eq!(r.status(), 201);
    r.json().await.unwrap()
}

fn last_wipe(id: i64) -> (&'static str, String) {
    ("desk-last-wipe", id.to_string())
}

fn device(id: &str) -> (&'static str, String) {
    ("desk-device", id.to_owned())
}

/// `user`'s device `id` acknowledges the wipes up to `wipe_id`; returns the status and body.
async fn acknowledge(h: &Harness, user: &str, id: &str, wipe_id: i64) -> (u16, Value) {
    let r = h
        .http
        .post(format!("{}/v1/me/wipes/{wipe_id}/acknowledge", h.base))
        .bearer_auth(h.token(user))
        .header("desk-device", id)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

/// `GET path` as `user` from the device `id`.
async fn mine_from(h: &Harness, user: &str, id: &str, path: &str) -> Value {
    let r = h
        .http
        .get(format!("{}{path}", h.base))
        .bearer_auth(h.token(user))
        .header("desk-device", id)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

/// Asserts `event` is the wipe `ordered` and that it carries no event id.
fn assert_wipe(event: &Sse, ordered: &Value) {
    assert_eq!(event.event, "wipe", "{event:?}");
    assert!(
        event.id.is_empty(),
        "a wipe leaves Last-Event-ID alone: {event:?}"
    );
    let data: Value = serde_json::from_str(&event.data).unwrap();
    assert_eq!(
        data,
        json!({"wipe_id": ordered["wipe_id"], "ordered_at": ordered["ordered_at"]})
    );
}

#[test]
fn a_wipe_reaches_the_agents_open_streams_at_once_and_waits_for_later_ones() {
    let h = Harness::start();
    h.block_on(async {
        let mut agent1 = Events::open(&h, "agent1", None).await;
        let mut agent2 = Events::open(&h, "agent2", None).await;
        let policy = agent1.next(Duration::from_secs(5)).await.unwrap();
        assert_eq!(
            policy.event, "policy",
            "nothing to wipe yet: the policy comes first"
        );
        let version: u64 = policy.id.parse().unwrap();
        agent2.next(Duration::from_secs(5)).await.unwrap();
        // Two of agent1's devices the server has seen before the order.
        for seen in ["agent1-laptop-says-done", "agent1-laptop-acted"] {
            let mine = mine_from(&h, "agent1", seen, "/v1/me/wipes").await;
            assert_eq!(mine, json!({"wipes": []}));
        }

        let ordered = wipe(&h, "agent1").await;
        assert_eq!(ordered["subject"], "agent1");
        let id = ordered["wipe_id"].as_i64().unwrap();
        assert!(id > 0);
        let pushed = agent1
            .next(Duration::from_secs(10))
            .await
            .expect("the wipe, pushed (nothing polls)");
        assert_wipe(&pushed, &ordered);
        assert!(agent1.next(Duration::from_millis(500)).await.is_none());
        assert!(
            agent2.next(Duration::from_millis(700)).await.is_none(),
            "agent2 is not concerned"
        );

        // A device that was offline gets the order first when it connects, before its policy.
        for headers in [vec![last_wipe(0)], vec![]] {
            let mut later = Events::open_with(&h, "agent1", &headers).await;
            let first = later.next(Duration::from_secs(10)).await.unwrap();
            assert_wipe(&first, &ordered);
            let second = later.next(Duration::from_secs(10)).await.unwrap();
            assert_eq!(second.event, "policy");
        }
        // A device that only says it acted on it (or whose file says so) still gets it.
        for headers in [
            vec![last_wipe(id)],
            vec![last_wipe(id), device("agent1-laptop-says-done")],
        ] {
            let mut claims = Events::open_with(&h, "agent1", &headers).await;
            assert_wipe(
                &claims.next(Duration::from_secs(10)).await.unwrap(),
                &ordered,
            );
        }
        // A device that acknowledged it here, and holds the current policy, gets nothing at all;
        // its acknowledgement is audited and an administrator sees it.
        let (status, ack) = acknowledge(&h, "agent1", "agent1-laptop-acted", id).await;
        assert_eq!(status, 200, "{ack}");
        assert_eq!(ack["device"], "agent1-laptop-acted");
        assert_eq!(ack["acknowledged"], id);
        let mut done = Events::open_with(
            &h,
            "agent1",
            &[
                device("agent1-laptop-acted"),
                ("last-event-id", version.to_string()),
            ],
        )
        .await;
        assert!(done.next(Duration::from_millis(700)).await.is_none());
        let (_, listing) = h.get_ok("admin", "/v1/admin/wipes/agent1").await;
        assert_eq!(listing["wipes"][0]["wipe_id"], id, "{listing}");
        assert_eq!(listing["devices"].as_array().unwrap().len(), 1, "{listing}");
        assert_eq!(listing["devices"][0]["device"], "agent1-laptop-acted");
        assert_eq!(listing["devices"][0]["acknowledged"], id);
        let refused = h
            .http
            .get(format!("{}/v1/admin/wipes/agent1", h.base))
            .bearer_auth(h.token("agent1"))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 403);
        // Nobody acknowledges a wipe that was not ordered for them.
        let (status, _) = acknowledge(&h, "agent2", "agent2-laptop-0001", id).await;
        assert_eq!(status, 404);

        // The REST view, for clients that do not hold a stream.
        let (_, mine) = h.get_ok("agent1", "/v1/me/wipes").await;
        assert_eq!(
            mine,
            json!({"wipes": [{"wipe_id": id, "ordered_at": ordered["ordered_at"]}]})
        );
        let claimed = mine_from(
            &h,
            "agent1",
            "agent1-laptop-says-done",
            &format!("/v1/me/wipes?after={id}"),
        )
        .await;
        assert_eq!(
            claimed["wipes"][0]["wipe_id"], id,
            "a claim is not an acknowledgement"
        );
        let mine = mine_from(&h, "agent1", "agent1-laptop-acted", "/v1/me/wipes").await;
        assert_eq!(mine, json!({"wipes": []}));
        let (_, theirs) = h.get_ok("agent2", "/v1/me/wipes?after=0").await;
        assert_eq!(theirs, json!({"wipes": []}));

        let (_, audit) = h.get_ok("admin", "/v1/audit?limit=200").await;
        let entry = audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["action"] == "device.wipe")
            .expect("the order is audited");
        assert_eq!(entry["actor"], "admin");
        assert_eq!(entry["resource"], "subject:agent1");
        assert_eq!(entry["outcome"], "ok");
        let detail: Value = serde_json::from_str(entry["detail"].as_str().unwrap()).unwrap();
        assert_eq!(detail, json!({"wipe_id": id}));
    });
    assert_eq!(h.verify().broken, None);
}

#[test]
fn orders_for_an_agent_not_connected_arrive_in_order_from_the_last_one_acted_on() {
    let h = Harness::start();
    h.block_on(async {
        // The supervisor's desk was seen once, and is not connected: the orders wait.
        let mine = mine_from(&h, "supervisor", "supervisor-desk-0001", "/v1/me/wipes").await;
        assert_eq!(mine, json!({"wipes": []}));
        let first = wipe(&h, "supervisor").await;
        let second = wipe(&h, "supervisor").await;
        let third = wipe(&h, "supervisor").await;
        let other = wipe(&h, "someone-the-server-never-saw").await;
        let ids: Vec<i64> = [&first, &second, &third, &other]
            .iter()
            .map(|w| w["wipe_id"].as_i64().unwrap())
            .collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");

        let mut all = Events::open_with(&h, "supervisor", &[last_wipe(0)]).await;
        for ordered in [&first, &second, &third] {
            assert_wipe(&all.next(Duration::from_secs(10)).await.unwrap(), ordered);
        }
        assert_eq!(
            all.next(Duration::from_secs(10)).await.unwrap().event,
            "policy"
        );

        acknowledge(&h, "supervisor", "supervisor-desk-0001", ids[0]).await;
        let mut rest = Events::open_with(&h, "supervisor", &[device("supervisor-desk-0001")]).await;
        for ordered in [&second, &third] {
            assert_wipe(&rest.next(Duration::from_secs(10)).await.unwrap(), ordered);
        }
        assert_eq!(
            rest.next(Duration::from_secs(10)).await.unwrap().event,
            "policy"
        );

        let (status, _) = acknowledge(&h, "supervisor", "supervisor-desk-0001", ids[1]).await;
        assert_eq!(status, 200);
        // An acknowledgement never goes back.
        let (_, ack) = acknowledge(&h, "supervisor", "supervisor-desk-0001", ids[0]).await;
        assert_eq!(ack["acknowledged"], ids[1]);
        let mine = mine_from(&h, "supervisor", "supervisor-desk-0001", "/v1/me/wipes").await;
        assert_eq!(mine["wipes"].as_array().unwrap().len(), 1);
        assert_eq!(mine["wipes"][0]["wipe_id"], ids[2]);
    });
}

#[test]
fn a_wipe_ordered_before_the_server_first_saw_a_device_is_not_sent_to_it() {
    let h = Harness::start();
    h.block_on(async {
        let old = "agent1-old-laptop-0001";
        assert_eq!(
            mine_from(&h, "agent1", old, "/v1/me/wipes").await,
            json!({"wipes": []})
        );
        let ordered = wipe(&h, "agent1").await;
        let id = ordered["wipe_id"].as_i64().unwrap();

        // The replacement laptop signs in after the order: nothing of it concerns that device,
        // on either route, and it stays that way once a later order is given.
        let new = "agent1-new-laptop-0002";
        assert_eq!(
            mine_from(&h, "agent1", new, "/v1/me/wipes").await,
            json!({"wipes": []})
        );
        let mut fresh = Events::open_with(&h, "agent1", &[device("agent1-newer-laptop-03")]).await;
        assert_eq!(
            fresh.next(Duration::from_secs(10)).await.unwrap().event,
            "policy",
            "no wipe first for a device first seen after it"
        );
        // The device that was seen before still gets it, however often it asks.
        for _ in 0..2 {
            let mine = mine_from(&h, "agent1", old, "/v1/me/wipes").await;
            assert_eq!(mine["wipes"][0]["wipe_id"], id, "{mine}");
        }
        let mut stale = Events::open_with(&h, "agent1", &[device(old)]).await;
        assert_wipe(
            &stale.next(Duration::from_secs(10)).await.unwrap(),
            &ordered,
        );

        // A later order reaches every device seen by then.
        let later = wipe(&h, "agent1").await;
        assert_wipe(&fresh.next(Duration::from_secs(10)).await.unwrap(), &later);
        let mine = mine_from(&h, "agent1", new, "/v1/me/wipes").await;
        assert_eq!(
            mine,
            json!({"wipes": [{"wipe_id": later["wipe_id"], "ordered_at": later["ordered_at"]}]})
        );
    });
    assert_eq!(
        h.count("SELECT COUNT(*) FROM devices WHERE subject = 'agent1'"),
        3
    );
}

#[test]
fn only_wipers_wipe_and_refusals_are_audited() {
    let h = Harness::start();
    h.block_on(async {
        let mut agent2 = Events::open(&h, "agent2", None).await;
        agent2.next(Duration::from_secs(5)).await.unwrap();
        for user in ["agent1", "supervisor", "norole"] {
            let r = order(&h, user, "agent2").await;
            assert_eq!(error_code(r).await, (403, "forbidden".into()), "{user}");
        }
        assert!(agent2.next(Duration::from_millis(700)).await.is_none());
        let (_, mine) = h.get_ok("agent2", "/v1/me/wipes").await;
        assert_eq!(mine, json!({"wipes": []}));
        let (_, audit) = h.get_ok("admin", "/v1/audit?limit=200").await;
        let denied: Vec<&str> = audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| {
                e["action"] == "device.wipe"
                    && e["outcome"] == "denied"
                    && e["resource"] == "subject:agent2"
            })
            .map(|e| e["actor"].as_str().unwrap())
            .collect();
        assert_eq!(denied, ["norole", "supervisor", "agent1"]);
    });
    assert_eq!(h.count("SELECT COUNT(*) FROM wipes"), 0);
}

#[test]
fn malformed_wipe_input_is_refused() {
    let h = Harness::start();
    h.block_on(async {
        for (path, code) in [
            ("/v1/me/wipes?after=-1", "invalid_parameters"),
            ("/v1/me/wipes?after=x", "invalid_parameters"),
            ("/v1/me/wipes?since=1", "invalid_parameters"),
        ] {
            assert_eq!(
                error_code(h.get("agent1", path).await).await,
                (400, code.into()),
                "{path}"
            );
        }
        for value in ["-1", "x", "1.5", ""] {
            let r = h
                .http
                .get(format!("{}/v1/events", h.base))
                .bearer_auth(h.token("agent1"))
                .header("desk-last-wipe", value)
                .send()
                .await
                .unwrap();
            assert_eq!(
                error_code(r).await,
                (400, "invalid_header".into()),
                "{value:?}"
            );
        }
        let long = "s".repeat(256);
        for subject in ["bad%01subject", long.as_str()] {
            let r = order(&h, "admin", subject).await;
            assert_eq!(
                error_code(r).await,
                (400, "invalid_subject".into()),
                "{subject}"
            );
        }
        let r = order(&h, "admin", &"s".repeat(255)).await;
        assert_eq!(r.status(), 201);
    });
    assert_eq!(h.count("SELECT COUNT(*) FROM wipes"), 1);
}

/// The agents list as `user` sees it: status and body.
async fn agents(h: &Harness, user: &str, query: &str) -> (u16, Value) {
    let r = h.get(user, &format!("/v1/admin/agents{query}")).await;
    (r.status().as_u16(), r.json().await.unwrap_or_default())
}

/// The list's entry for `subject`.
fn entry<'a>(page: &'a Value, subject: &str) -> &'a Value {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["subject"] == subject)
        .unwrap_or_else(|| panic!("{subject} in {page}"))
}

#[test]
fn the_agents_list_shows_sign_ins_provisioning_devices_and_pending_wipes() {
    use crate::scim::{deactivate, entra_user, scim, scim_token};
    use reqwest::Method;
    let h = Harness::start();
    h.block_on(async {
        let t = scim_token(&h, "okta").await;
        // agent1 is provisioned and signs in from one device; agent2 signs in unprovisioned;
        // robin is provisioned and never signs in.
        scim(&h, Method::POST, "/Users", &t, Some(entra_user("agent1"))).await;
        scim(&h, Method::POST, "/Users", &t, Some(entra_user("robin"))).await;
        mine_from(&h, "agent1", "laptop-0123456789ab", "/v1/me/wipes").await;
        h.get_ok("agent2", "/v1/me/policy").await;

        let (status, page) = agents(&h, "admin", "").await;
        assert_eq!(status, 200, "{page}");
        let one = entry(&page, "agent1");
        assert_eq!(one["user_name"], "agent1");
        assert_eq!(one["active"], true);
        assert_eq!(one["roles"], json!(["agent_l1"]), "{one}");
        assert_eq!(one["devices"], 1);
        assert_eq!(one["pending_devices"], 0);
        assert!(one["last_sign_in"].as_str().unwrap() >= one["first_sign_in"].as_str().unwrap());
        let two = entry(&page, "agent2");
        assert_eq!(two["user_name"], Value::Null, "not provisioned: {two}");
        assert_eq!(two["active"], true);
        // Every agent that signed in comes first, by subject; then robin, never signed in.
        let items = page["items"].as_array().unwrap();
        let last = items.last().unwrap();
        assert_eq!(last["subject"], Value::Null, "{page}");
        assert_eq!(last["user_name"], "robin");
        assert_eq!(last["roles"], json!([]));
        let subjects: Vec<&str> = items.iter().filter_map(|a| a["subject"].as_str()).collect();
        let mut sorted = subjects.clone();
        sorted.sort();
        assert_eq!(subjects, sorted);

        // A wipe is pending on agent1's device until it acknowledges it.
        let ordered = wipe(&h, "agent1").await;
        let id = ordered["wipe_id"].as_i64().unwrap();
        let (_, page) = agents(&h, "admin", "").await;
        assert_eq!(entry(&page, "agent1")["pending_devices"], 1);
        assert_eq!(entry(&page, "agent1")["last_wipe"], id);
        let (_, wipes) = {
            let r = h.get("admin", "/v1/admin/wipes/agent1").await;
            (r.status(), r.json::<Value>().await.unwrap())
        };
        assert_eq!(wipes["seen"][0]["device"], "laptop-0123456789ab");
        assert_eq!(wipes["seen"][0]["pending"], true, "{wipes}");
        assert_eq!(
            acknowledge(&h, "agent1", "laptop-0123456789ab", id).await.0,
            200
        );
        let (_, page) = agents(&h, "admin", "").await;
        assert_eq!(entry(&page, "agent1")["pending_devices"], 0);
        let r = h.get("admin", "/v1/admin/wipes/agent1").await;
        let wipes: Value = r.json().await.unwrap();
        assert_eq!(wipes["seen"][0]["pending"], false, "{wipes}");
        assert_eq!(wipes["seen"][0]["acknowledged"], id);

        // Deprovisioned: agent1's user deactivated.
        let (_, users) = scim(
            &h,
            Method::GET,
            "/Users?filter=userName%20eq%20%22agent1%22",
            &t,
            None,
        )
        .await;
        let user = users["Resources"][0]["id"].as_str().unwrap().to_owned();
        scim(
            &h,
            Method::PATCH,
            &format!("/Users/{user}"),
            &t,
            Some(deactivate()),
        )
        .await;
        let (_, page) = agents(&h, "admin", "").await;
        assert_eq!(entry(&page, "agent1")["active"], false, "{page}");
        // Deleted: still deprovisioned, under the name it had.
        scim(&h, Method::DELETE, &format!("/Users/{user}"), &t, None).await;
        let (_, page) = agents(&h, "admin", "").await;
        assert_eq!(entry(&page, "agent1")["active"], false, "{page}");
        assert_eq!(entry(&page, "agent1")["user_name"], "agent1", "{page}");

        // Paged: one at a time, every agent once, in the same order.
        let mut cursor = String::new();
        let mut paged = Vec::new();
        loop {
            let (status, page) = agents(&h, "admin", &format!("?limit=1{cursor}")).await;
            assert_eq!(status, 200, "{page}");
            paged.extend(page["items"].as_array().unwrap().iter().cloned());
            match page["next_cursor"].as_str() {
                Some(next) => cursor = format!("&cursor={next}"),
                None => break,
            }
        }
        let (_, whole) = agents(&h, "admin", "").await;
        let names = |items: &[Value]| -> Vec<String> {
            items
                .iter()
                .map(|a| format!("{}/{}", a["subject"], a["user_name"]))
                .collect()
        };
        assert_eq!(names(&paged), names(whole["items"].as_array().unwrap()));
    });
}

#[test]
fn only_wipers_list_agents_and_bad_paging_is_refused() {
    let h = Harness::start();
    h.block_on(async {
        let (status, _) = agents(&h, "agent2", "").await;
        assert_eq!(status, 403);
        let (status, _) = agents(&h, "supervisor", "").await;
        assert_eq!(
            status, 403,
            "a supervisor reads the trail but orders no wipes"
        );
        for (query, code) in [
            ("?limit=0", "invalid_limit"),
            ("?limit=501", "invalid_limit"),
            ("?cursor=djE6NDI", "invalid_cursor"),
            ("?cursor=x:agent1", "invalid_cursor"),
            ("?sort=subject", "invalid_parameters"),
        ] {
            let (status, body) = agents(&h, "admin", query).await;
            assert_eq!(
                (status, body["error"]["code"].as_str()),
                (400, Some(code)),
                "{query}: {body}"
            );
        }
        let denied = h
            .count_async(
                "SELECT COUNT(*) FROM audit WHERE action = 'agent.list' AND outcome = 'denied'",
            )
            .await;
        assert_eq!(denied, 2);
    });
}
