//! Role definitions are data: admins change them, the server validates and audits each change,
//! and the next request is answered under the new definition.

use crate::harness::{Harness, error_code};

#[test]
fn an_admin_changes_a_role_and_agents_see_the_difference_at_once() {
    let Some(h) = Harness::start() else { return };
    h.block_on(async {
        let (_, roles) = h.get_ok("admin", "/v1/admin/roles").await;
        let mut l1 = roles
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["definition"]["role"] == "agent_l1")
            .unwrap()["definition"]
            .clone();
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

        let r = put("admin", l1.clone()).await.unwrap();
        assert_eq!(r.status(), 200);
        let stored: serde_json::Value = r.json().await.unwrap();
        assert_eq!(stored["version"], 2);
        assert_eq!(stored["updated_by"], "admin");

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
        let updates: Vec<_> = audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "role.update")
            .map(|e| (e["actor"].clone(), e["outcome"].clone()))
            .collect();
        assert!(
            updates.contains(&("admin".into(), "ok".into())),
            "{updates:?}"
        );
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
