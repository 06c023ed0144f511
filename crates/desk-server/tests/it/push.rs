//! Layouts published by admins reach connected agents over server-sent events, signed.

use std::time::Duration;

use desk_core::{Page, Widget};
use serde_json::json;

use crate::harness::{Events, Harness, error_code};

pub(crate) fn layout_without(widget: Widget) -> serde_json::Value {
    let customer: Vec<&str> = [
        "customer.summary",
        "customer.contact",
        "customer.accounts",
        "customer.cards",
        "customer.recent_transactions",
        "customer.open_tickets",
    ]
    .into_iter()
    .filter(|w| *w != widget.as_str())
    .collect();
    json!({"pages": {"search": ["search.box", "search.results"], "customer": customer}})
}

async fn publish(
    h: &Harness,
    user: &str,
    role: &str,
    layout: &serde_json::Value,
) -> reqwest::Response {
    h.http
        .put(format!("{}/v1/admin/layouts/{role}", h.base))
        .bearer_auth(h.token(user))
        .json(layout)
        .send()
        .await
        .unwrap()
}

#[test]
fn a_published_layout_reaches_the_roles_connected_agents_at_once() {
    let h = Harness::start();
    h.block_on(async {
        let mut agent1 = Events::open(&h, "agent1", None).await;
        let mut agent2 = Events::open(&h, "agent2", None).await;
        let first = agent1
            .next(Duration::from_secs(5))
            .await
            .expect("the current policy");
        assert_eq!(first.event, "policy");
        let before = h.check_policy(&first.data, "agent1").unwrap();
        assert_eq!(first.id, before.version.to_string());
        assert!(before.layout.pages[&Page::Customer].contains(&Widget::CustomerCards));
        agent2
            .next(Duration::from_secs(5))
            .await
            .expect("agent2's current policy");

        let r = publish(
            &h,
            "admin",
            "agent_l1",
            &layout_without(Widget::CustomerCards),
        )
        .await;
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());

        let pushed = agent1
            .next(Duration::from_secs(10))
            .await
            .expect("a pushed policy");
        let after = h.check_policy(&pushed.data, "agent1").unwrap();
        assert!(after.version > before.version);
        assert!(!after.layout.pages[&Page::Customer].contains(&Widget::CustomerCards));
        assert!(
            !after.layout.pages.contains_key(&Page::Transactions),
            "not in the published layout"
        );
        // The policy itself is unchanged: the layout only chooses among granted widgets.
        assert_eq!(after.policy, before.policy);
        assert!(
            agent2.next(Duration::from_millis(700)).await.is_none(),
            "agent_l2 is not concerned"
        );
        assert_eq!(h.policy("agent1").await.version, after.version);
    });
}

#[test]
fn reconnecting_with_the_last_event_id_repeats_nothing_and_misses_nothing() {
    let h = Harness::start();
    h.block_on(async {
        let current = h.policy("agent1").await.version;
        let mut resumed = Events::open(&h, "agent1", Some(current)).await;
        assert!(resumed.next(Duration::from_millis(700)).await.is_none());
        let mut behind = Events::open(&h, "agent1", Some(current - 1)).await;
        let event = behind.next(Duration::from_secs(10)).await.unwrap();
        assert_eq!(event.id, current.to_string());

        // A change while disconnected is delivered on reconnect.
        drop(resumed);
        let r = publish(
            &h,
            "admin",
            "agent_l1",
            &layout_without(Widget::CustomerContact),
        )
        .await;
        assert_eq!(r.status(), 200);
        let mut again = Events::open(&h, "agent1", Some(current)).await;
        let event = again.next(Duration::from_secs(10)).await.unwrap();
        assert!(event.id.parse::<u64>().unwrap() > current);
    });
}

#[test]
fn only_publishers_publish_and_attempts_are_audited() {
    let h = Harness::start();
    h.block_on(async {
        for user in ["agent1", "supervisor", "norole"] {
            let r = publish(&h, user, "agent_l1", &layout_without(Widget::CustomerCards)).await;
            assert_eq!(error_code(r).await, (403, "forbidden".into()), "{user}");
        }
        let (_, audit) = h.get_ok("admin", "/v1/audit?limit=100").await;
        let denied = audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "layout.publish" && e["outcome"] == "denied")
            .count();
        assert_eq!(denied, 3);
    });
    assert_eq!(h.count("SELECT COUNT(*) FROM layouts"), 0);
}

#[test]
fn layouts_that_name_what_the_role_may_not_see_are_refused() {
    let h = Harness::start();
    let before = h.block_on(async { h.policy("agent1").await.version });
    h.block_on(async {
        let cases = [
            (
                "agent_l1",
                json!({"pages": {"audit": ["audit.log"]}}),
                "invalid_layout",
            ),
            (
                "agent_l1",
                json!({"pages": {"search": ["customer.summary"]}}),
                "invalid_layout",
            ),
            (
                "agent_l1",
                json!({"pages": {"search": ["search.box", "search.box"]}}),
                "invalid_layout",
            ),
            (
                "agent_l1",
                json!({"pages": {"ticket": ["ticket.internal_notes"]}}),
                "invalid_layout",
            ),
            (
                "agent_l1",
                json!({"pages": {"search": ["search.everything"]}}),
                "invalid_body",
            ),
            ("agent_l1", json!({"pages": {"vault": []}}), "invalid_body"),
            ("agent_l1", json!({"pages": {}, "extra": 1}), "invalid_body"),
            ("root", json!({"pages": {}}), "unknown_role"),
        ];
        for (role, layout, code) in cases {
            let r = publish(&h, "admin", role, &layout).await;
            assert_eq!(error_code(r).await, (400, code.to_owned()), "{layout}");
        }
        assert_eq!(h.policy("agent1").await.version, before, "nothing changed");
    });
    assert_eq!(h.count("SELECT COUNT(*) FROM layouts"), 0);
}

#[test]
fn a_stopping_server_ends_open_event_streams_instead_of_waiting_for_them() {
    let idp = desk_testkit::TestIdp::start();
    let data = tempfile::tempdir().unwrap();
    let (mut child, base) =
        crate::harness::serve_process(&idp, data.path(), &[], std::process::Stdio::null());
    let token = idp.tokens("agent1").access_token;
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut stream = reqwest::Client::new()
            .get(format!("{base}/v1/events"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(stream.status(), 200);
        assert!(
            stream.chunk().await.unwrap().is_some(),
            "the current policy"
        );
        crate::harness::terminate(&child);
        // The stream ends with the server, well before the token would expire.
        let ended = tokio::time::timeout(Duration::from_secs(10), async {
            while let Ok(Some(_)) = stream.chunk().await {}
        })
        .await;
        assert!(ended.is_ok(), "the event stream was not ended");
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() {
        assert!(
            std::time::Instant::now() < deadline,
            "desk-server did not stop"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
