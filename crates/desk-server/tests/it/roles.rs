//! Role definitions are data: admins change them, the server validates and audits each change,
//! and the next request is answered under the new definition.

use crate::harness::{Harness, error_code};

#[test]
fn an_admin_changes_a_role_and_agents_see_the_difference_at_once() {
    let h = Harness::start();
    h.block_on(async {
        let mut l1 = h.role_definition("agent_l1").await;
        let (_, before) = h.get_ok("agent1", "/v1/customers/1").await;
        assert!(before["email"].as_str().unwrap().contains('•'));

        l1["fields"]["customer.email"] = "full".into();
        let put = |user: &'static str, body: serde_json::Value| {
            let token = h.token(user);
            h.http
                .put(format!("{}/v1/admin/roles/agent_l1", h.base))
                .bearer_auth(token)
                .json(&body)
                .send()
        };
        let r = put("agent1", l1.clone()).await.unwrap();
        assert_eq!(r.status(), 403, "agents cannot widen their own role");

        // Unmasking e-mail addresses widens what the role sees of personal data: it waits for a
        // second administrator, and nothing changes meanwhile.
        let r = put("admin", l1.clone()).await.unwrap();
        assert_eq!(r.status(), 202);
        let change: serde_json::Value = r.json().await.unwrap();
        assert_eq!(change["status"], "pending");
        assert_eq!(change["widened"], serde_json::json!(["customer.email"]));
        assert_eq!(change["proposed_by"], "admin");
        let (_, still) = h.get_ok("agent1", "/v1/customers/1").await;
        assert!(still["email"].as_str().unwrap().contains('•'), "{still}");
        let (_, pending) = h.get_ok("admin2", "/v1/admin/role-changes").await;
        assert_eq!(pending.as_array().unwrap().len(), 1, "{pending}");
        let approve = |user: &'static str, id: i64| {
            let token = h.token(user);
            h.http
                .post(format!("{}/v1/admin/role-changes/{id}/approve", h.base))
                .bearer_auth(token)
                .send()
        };
        let id = change["id"].as_i64().unwrap();
        let (status, code) = error_code(approve("admin", id).await.unwrap()).await;
        assert_eq!(
            (status, code.as_str()),
            (403, "own_change"),
            "not by its author"
        );
        assert_eq!(approve("agent1", id).await.unwrap().status(), 403);
        let r = approve("admin2", id).await.unwrap();
        assert_eq!(r.status(), 200);
        let stored: serde_json::Value = r.json().await.unwrap();
        assert_eq!(stored["version"], 2);
        assert_eq!(stored["updated_by"], "admin2");
        let (status, code) = error_code(approve("admin2", id).await.unwrap()).await;
        assert_eq!(
            (status, code.as_str()),
            (409, "change_decided"),
            "decided once"
        );
        assert_eq!(
            error_code(approve("admin2", 9999).await.unwrap()).await.0,
            404
        );

        let (_, after) = h.get_ok("agent1", "/v1/customers/1").await;
        assert!(!after["email"].as_str().unwrap().contains('•'), "{after}");

        // Incoherent definitions are refused and change nothing.
        let mut bad = l1.clone();
        bad["fields"]["card.number"] = "full".into();
        let (status, code) = error_code(put("admin", bad).await.unwrap()).await;
        assert_eq!((status, code.as_str()), (400, "invalid_definition"));
        let mut bad = l1.clone();
        bad["widgets"] = serde_json::json!(["audit.log"]);
        assert_eq!(
            error_code(put("admin", bad).await.unwrap()).await.1,
            "invalid_definition"
        );
        // A search key on a field the role does not see is refused: searching by a value is a
        // way of learning who holds it.
        let mut bad = l1.clone();
        bad["fields"]
            .as_object_mut()
            .unwrap()
            .remove("account.number");
        bad["widgets"] = serde_json::json!(["search.box", "search.results", "customer.summary"]);
        bad["cache"] = serde_json::json!({});
        let r = put("admin", bad).await.unwrap();
        assert_eq!(r.status(), 400);
        let body = r.text().await.unwrap();
        assert!(
            body.contains("invalid_definition") && body.contains("search by `account`"),
            "{body}"
        );
        let mut bad = l1.clone();
        bad["search_by"] = serde_json::json!(["name", "passport"]);
        assert_eq!(
            error_code(put("admin", bad).await.unwrap()).await.0,
            400,
            "an unknown key"
        );
        let mut bad = l1.clone();
        bad["role"] = "admin".into();
        assert_eq!(
            error_code(put("admin", bad).await.unwrap()).await.1,
            "invalid_definition"
        );
        let mut bad = l1.clone();
        bad["superpowers"] = true.into();
        assert_eq!(
            error_code(put("admin", bad).await.unwrap()).await.1,
            "invalid_body"
        );

        let (_, audit) = h.get_ok("admin", "/v1/audit?limit=50").await;
        let acts: Vec<_> = audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"].as_str().unwrap().starts_with("role."))
            .map(|e| {
                (
                    e["actor"].clone(),
                    e["action"].clone(),
                    e["outcome"].clone(),
                )
            })
            .collect();
        for (actor, action, outcome) in [
            ("admin", "role.propose", "ok"),
            ("admin", "role.approve", "denied"),
            ("admin2", "role.approve", "ok"),
            ("agent1", "role.update", "denied"),
        ] {
            assert!(
                acts.contains(&(actor.into(), action.into(), outcome.into())),
                "{actor} {action} {outcome}: {acts:?}"
            );
        }
        let updates: Vec<_> = acts
            .iter()
            .filter(|(_, action, _)| action == "role.update")
            .map(|(actor, _, outcome)| (actor.clone(), outcome.clone()))
            .collect();
        assert!(
            updates.contains(&("agent1".into(), "denied".into())),
            "{updates:?}"
        );
    });
    assert_eq!(
        h.count("SELECT version FROM role_definitions WHERE role = 'agent_l1'"),
        2
    );
    assert_eq!(h.verify().broken, None);
}

#[test]
fn a_search_key_taken_from_a_role_is_refused_at_the_next_request() {
    let h = Harness::start();
    h.block_on(async {
        let mut l1 = h.role_definition("agent_l1").await;
        let email = h
            .store
            .customer(1)
            .await
            .unwrap()
            .expect("customer 1")
            .email;
        let path = format!("/v1/customers?q={}", email.replace('@', "%40"));
        let (_, page) = h.get_ok("agent1", &path).await;
        assert_eq!(page["items"].as_array().unwrap().len(), 1, "{page}");

        l1["search_by"] = serde_json::json!(["name", "phone", "account"]);
        let r = h
            .http
            .put(format!("{}/v1/admin/roles/agent_l1", h.base))
            .bearer_auth(h.token("admin"))
            .json(&l1)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(
            error_code(h.get("agent1", &path).await).await,
            (403, "search_key_not_granted".into())
        );
        let policy = h.policy("agent1").await;
        assert!(!policy.policy.may_search_by(desk_core::SearchKey::Email));
    });
}

#[test]
fn a_change_says_what_changed_and_every_version_is_kept() {
    // One administrator, changes applied at once (what a one-person installation configures).
    let h = Harness::start_with(|config| config.role_change_approval = false);
    h.block_on(async {
        let mut l1 = h.role_definition("agent_l1").await;
        let original = l1.clone();
        l1["fields"]["customer.email"] = "full".into();
        l1["description"] = "First-line agents, with e-mail addresses whole.".into();
        let token = h.token("admin");
        let r = h
            .http
            .put(format!("{}/v1/admin/roles/agent_l1", h.base))
            .bearer_auth(&token)
            .json(&l1)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);

        // The entry says what was granted, field by field, and nothing that stayed the same.
        let (_, audit) = h.get_ok("admin", "/v1/audit?limit=20").await;
        let update = audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["action"] == "role.update" && e["outcome"] == "ok")
            .unwrap()
            .clone();
        let detail: serde_json::Value =
            serde_json::from_str(update["detail"].as_str().unwrap()).unwrap();
        assert_eq!(
            detail["changes"]["fields"],
            serde_json::json!({"customer.email": {"before": "mask_email", "after": "full"}}),
            "{detail}"
        );
        assert_eq!(
            detail["changes"]["description"]["after"],
            "First-line agents, with e-mail addresses whole.",
            "{detail}"
        );
        assert!(detail["changes"].get("pages").is_none(), "{detail}");
        assert_eq!(detail["version"], 2, "{detail}");

        // Every version is kept, newest first, for administrators only.
        let (_, history) = h.get_ok("admin", "/v1/admin/roles/agent_l1/history").await;
        let history = history.as_array().unwrap();
        assert_eq!(history.len(), 2, "{history:?}");
        assert_eq!(history[0]["version"], 2);
        assert_eq!(history[0]["definition"], l1);
        assert_eq!(history[1]["version"], 1);
        assert_eq!(history[1]["definition"], original);
        assert_eq!(history[1]["updated_by"], "defaults");
        let r = h.get("agent1", "/v1/admin/roles/agent_l1/history").await;
        assert_eq!(r.status(), 403);
        let r = h.get("admin", "/v1/admin/roles/root/history").await;
        assert_eq!(error_code(r).await.1, "unknown_role");

        // A layout's entry names the pages that changed.
        let layout = serde_json::json!({"pages": {"search": ["search.results", "search.box"]}});
        let r = h
            .http
            .put(format!("{}/v1/admin/layouts/agent_l1", h.base))
            .bearer_auth(&token)
            .json(&layout)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let (_, audit) = h.get_ok("admin", "/v1/audit?limit=5").await;
        let publish = audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["action"] == "layout.publish")
            .unwrap()
            .clone();
        let detail: serde_json::Value =
            serde_json::from_str(publish["detail"].as_str().unwrap()).unwrap();
        assert_eq!(
            detail["changes"]["search"]["after"],
            serde_json::json!(["search.results", "search.box"]),
            "{detail}"
        );
    });
    // The history is the table's own: an insider's direct edit of a definition lands there too.
    h.sql("UPDATE role_definitions SET version = version + 1 WHERE role = 'agent_l1'");
    assert_eq!(
        h.count("SELECT COUNT(*) FROM role_definition_history WHERE role = 'agent_l1'"),
        3
    );
    assert_eq!(h.verify().broken, None);
}

/// Every layout published for a role is kept, newest first, for administrators only; an
/// earlier one published again is a new version, checked against the definition as it is now.
#[test]
fn every_layout_published_is_kept_and_an_earlier_one_can_be_published_again() {
    let h = Harness::start();
    h.block_on(async {
        let token = h.token("admin");
        let publish = |layout: serde_json::Value| {
            let (http, token) = (h.http.clone(), token.clone());
            let url = format!("{}/v1/admin/layouts/agent_l1", h.base);
            async move {
                let r = http.put(url).bearer_auth(token).json(&layout).send().await;
                r.unwrap()
            }
        };
        let (_, none) = h
            .get_ok("admin", "/v1/admin/layouts/agent_l1/history")
            .await;
        assert_eq!(
            none,
            serde_json::json!([]),
            "only the default layout so far"
        );

        let first = serde_json::json!({"pages": {"search": ["search.box", "search.results"]}});
        let second = serde_json::json!({"pages": {"search": ["search.results", "search.box"]}});
        assert_eq!(publish(first.clone()).await.status(), 200);
        assert_eq!(publish(second.clone()).await.status(), 200);
        let (_, history) = h
            .get_ok("admin", "/v1/admin/layouts/agent_l1/history")
            .await;
        let versions: Vec<(i64, serde_json::Value)> = history
            .as_array()
            .unwrap()
            .iter()
            .map(|l| (l["version"].as_i64().unwrap(), l["layout"].clone()))
            .collect();
        assert_eq!(versions, [(2, second), (1, first.clone())]);
        assert_eq!(history[0]["updated_by"], "admin");

        // Published again, the first is version 3; the history keeps all three.
        let r = publish(history[1]["layout"].clone()).await;
        let restored: serde_json::Value = r.json().await.unwrap();
        assert_eq!(
            (restored["version"].clone(), restored["layout"].clone()),
            (3.into(), first)
        );
        let (_, history) = h
            .get_ok("admin", "/v1/admin/layouts/agent_l1/history")
            .await;
        assert_eq!(history.as_array().unwrap().len(), 3);

        // Read by administrators only, each reading audited; a role the server does not know is
        // refused as such.
        let r = h.get("agent1", "/v1/admin/layouts/agent_l1/history").await;
        assert_eq!(r.status(), 403);
        let r = h.get("admin", "/v1/admin/layouts/root/history").await;
        assert_eq!(error_code(r).await.1, "unknown_role");
        let (_, audit) = h.get_ok("admin", "/v1/audit?action=layout.history").await;
        let outcomes: Vec<&str> = audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["outcome"].as_str().unwrap())
            .collect();
        assert_eq!(outcomes, ["denied", "ok", "ok", "ok"], "{audit}");
    });
    assert_eq!(h.verify().broken, None);
}

#[test]
fn a_widening_change_rejected_changes_nothing_and_narrowing_needs_no_approval() {
    let h = Harness::start();
    h.block_on(async {
        let mut l1 = h.role_definition("agent_l1").await;
        let original = l1.clone();
        l1["fields"]["customer.phone"] = "full".into();
        let put = |user: &'static str, body: serde_json::Value| {
            let token = h.token(user);
            h.http
                .put(format!("{}/v1/admin/roles/agent_l1", h.base))
                .bearer_auth(token)
                .json(&body)
                .send()
        };
        let r = put("admin", l1.clone()).await.unwrap();
        assert_eq!(r.status(), 202);
        let id = r.json::<serde_json::Value>().await.unwrap()["id"]
            .as_i64()
            .unwrap();
        // Its author withdraws it.
        let r = h
            .http
            .post(format!("{}/v1/admin/role-changes/{id}/reject", h.base))
            .bearer_auth(h.token("admin"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let rejected: serde_json::Value = r.json().await.unwrap();
        assert_eq!(rejected["status"], "rejected");
        assert_eq!(h.role_definition("agent_l1").await, original);
        let (_, pending) = h.get_ok("admin2", "/v1/admin/role-changes").await;
        assert_eq!(pending, serde_json::json!([]));

        // Hiding a restricted field shows less: applied at once, no approval.
        let mut narrower = original.clone();
        narrower["fields"]
            .as_object_mut()
            .unwrap()
            .remove("transaction.card_number");
        let r = put("admin", narrower.clone()).await.unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
        assert_eq!(h.role_definition("agent_l1").await, narrower);
    });
    assert_eq!(h.verify().broken, None);
}

/// The layout editor's preview: what a role's definition grants, its layout now, and the demo
/// customer as that role alone sees them, for administrators only, each read audited.
#[test]
fn a_layout_preview_shows_the_demo_customer_as_the_role_sees_them() {
    let h = Harness::start();
    h.block_on(async {
        let (_, l1) = h
            .get_ok("admin", "/v1/admin/layouts/agent_l1/preview")
            .await;
        assert_eq!(l1["role"], "agent_l1");
        assert_eq!(l1["version"], 0, "the default layout: {l1}");
        assert_eq!(l1["customer"]["id"], 1);
        let email = l1["customer"]["email"].as_str().unwrap();
        assert!(
            email.contains('•'),
            "agent_l1 sees the e-mail masked: {email}"
        );
        // agent_l1 is not shown a date of birth or an address, and account numbers only by
        // their last four digits.
        for hidden in ["date_of_birth", "address"] {
            assert!(l1["customer"].get(hidden).is_none(), "{hidden}: {l1}");
        }
        for account in l1["customer"]["accounts"].as_array().unwrap() {
            let number = account["number"].as_str().unwrap();
            assert!(number.starts_with("•••• "), "{number}");
        }
        assert_eq!(l1["transactions"].as_array().unwrap().len(), 10);
        let granted = l1["policy"]["widgets"].as_array().unwrap();
        for widgets in l1["layout"]["pages"].as_object().unwrap().values() {
            for w in widgets.as_array().unwrap() {
                assert!(granted.contains(w), "{w} is laid out but not granted");
            }
        }

        // A role that sees more shows more of the same customer; the answer is the role's, not
        // the administrator's.
        let (_, supervisor) = h
            .get_ok("admin", "/v1/admin/layouts/supervisor/preview")
            .await;
        assert_eq!(supervisor["customer"]["id"], 1);
        assert_eq!(
            supervisor["policy"]["roles"],
            serde_json::json!(["supervisor"])
        );
        assert_ne!(supervisor["policy"], l1["policy"]);

        // Published, the layout and its version are what the preview says.
        let layout = serde_json::json!({"pages": {"search": ["search.results", "search.box"]}});
        let r = h
            .http
            .put(format!("{}/v1/admin/layouts/agent_l1", h.base))
            .bearer_auth(h.token("admin"))
            .json(&layout)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let (_, l1) = h
            .get_ok("admin", "/v1/admin/layouts/agent_l1/preview")
            .await;
        assert_eq!(
            (l1["version"].clone(), l1["layout"].clone()),
            (1.into(), layout)
        );

        let r = h.get("agent1", "/v1/admin/layouts/agent_l1/preview").await;
        assert_eq!(r.status(), 403);
        let r = h.get("admin", "/v1/admin/layouts/root/preview").await;
        assert_eq!(error_code(r).await.1, "unknown_role");
        let (_, audit) = h.get_ok("admin", "/v1/audit?action=layout.preview").await;
        let outcomes: Vec<(&str, &str)> = audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["resource"].as_str().unwrap(),
                    e["outcome"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            outcomes,
            [
                ("layout:agent_l1", "denied"),
                ("layout:agent_l1", "ok"),
                ("layout:supervisor", "ok"),
                ("layout:agent_l1", "ok"),
            ],
            "{audit}"
        );
    });
    assert_eq!(h.verify().broken, None);
}
