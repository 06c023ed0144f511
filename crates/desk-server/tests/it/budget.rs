//! Read budgets: an agent reading faster than its role's budget is refused with 429 and
//! `Retry-After`, the refusals are recorded without a flood of entries, an agent shown many
//! customers in an hour is recorded once, and a blocking budget refuses further customers while
//! those already shown can be read again. Other agents read on.

use std::time::Duration;

use desk_core::Role;
use serde_json::{Value, json};

use crate::harness::{Harness, error_code};

/// A server on which agent2 holds the first-line role too, so two agents share one budget's
/// definition.
fn two_first_line_agents() -> Harness {
    Harness::start_with(|config| {
        config
            .role_map
            .insert("support-tier2".into(), vec![Role::AgentL1]);
    })
}

/// Sets `agent_l1`'s read budget through the admin API; a budget applies at once, whether it
/// grows or shrinks (it shows no field more).
async fn set_first_line_budget(h: &Harness, budget: Value) {
    let mut l1 = h.role_definition("agent_l1").await;
    l1["read_budget"] = budget;
    let r = h
        .http
        .put(format!("{}/v1/admin/roles/agent_l1", h.base))
        .bearer_auth(h.token("admin"))
        .json(&l1)
        .send()
        .await
        .unwrap();
    let status = r.status();
    assert_eq!(status, 200, "{}", r.text().await.unwrap());
}

/// The trail's entries of `action` by `actor`: (resource, outcome, detail).
fn entries(h: &Harness, actor: &str, action: &str) -> Vec<(String, String, Value)> {
    h.rows::<(String, String, String)>(&format!(
        "SELECT resource, outcome, detail FROM audit WHERE actor = '{actor}' AND action = '{action}' ORDER BY seq"
    ))
    .into_iter()
    .map(|(resource, outcome, detail)| (resource, outcome, serde_json::from_str(&detail).unwrap()))
    .collect()
}

fn retry_after(r: &reqwest::Response) -> u64 {
    r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn a_first_line_agent_walking_customers_by_id_is_slowed_to_its_budget_and_recorded_once() {
    let h = two_first_line_agents();
    let views = |h: &Harness| {
        h.count("SELECT COUNT(*) FROM audit WHERE actor = 'agent1' AND action = 'customer.view'")
    };
    let wait = h.block_on(async {
        // The shipped first-line budget: 60 at once, then one a second.
        let budget = h.role_definition("agent_l1").await["read_budget"].clone();
        assert_eq!(budget["burst"], 60, "{budget}");
        assert_eq!(budget["reads_per_minute"], 60, "{budget}");
        for i in 0..60 {
            let path = format!("/v1/customers/{}", 1 + i % 50);
            h.get_ok("agent1", &path).await;
        }
        // Within a few more (the bucket refills as the walk goes), the walk is refused.
        let mut refused = None;
        for i in 0..10 {
            let r = h.get("agent1", &format!("/v1/customers/{}", 1 + i)).await;
            if r.status() == 429 {
                refused = Some(r);
                break;
            }
        }
        let r = refused.expect("the walk is refused within ten reads past the burst");
        let wait = retry_after(&r);
        assert!((1..=2).contains(&wait), "{wait}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "too_many_reads", "{body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(&format!("{wait} s")), "{message}");
        wait
    });
    // A flood of refusals reads nothing and is one entry, not one per request.
    let before = views(&h);
    let kinds = h.block_on(async {
        let mut codes = Vec::new();
        for path in [
            "/v1/customers/7",
            "/v1/customers?q=a",
            "/v1/customers/7/transactions",
            "/v1/customers/7/tickets",
            "/v1/tickets/1",
        ] {
            for _ in 0..4 {
                codes.push(error_code(h.get("agent1", path).await).await);
            }
        }
        codes
    });
    assert!(
        kinds.iter().all(|c| *c == (429, "too_many_reads".into())),
        "every audited read is budgeted: {kinds:?}"
    );
    assert_eq!(views(&h), before, "nothing was read");
    let limited = entries(&h, "agent1", "read.limit");
    assert_eq!(limited.len(), 1, "one entry for the flood: {limited:?}");
    let (resource, outcome, detail) = &limited[0];
    assert!(resource.starts_with("customer:"), "{resource}");
    assert_eq!(outcome, "denied");
    assert_eq!(detail["limit"], "reads", "{detail}");
    assert_eq!(detail["read"], "customer.view", "{detail}");
    assert_eq!(detail["reads_per_minute"], 60, "{detail}");
    assert_eq!(detail["burst"], 60, "{detail}");
    assert_eq!(detail["refused_since"], 0, "{detail}");

    h.block_on(async {
        // Another agent of the same role reads on.
        for id in 1..=5 {
            h.get_ok("agent2", &format!("/v1/customers/{id}")).await;
        }
        // After the wait, the first agent reads again.
        tokio::time::sleep(Duration::from_secs(wait)).await;
        h.get_ok("agent1", "/v1/customers/7").await;
    });
    assert_eq!(views(&h), before + 1);
    assert!(entries(&h, "agent2", "read.limit").is_empty());
    assert!(h.verify().broken.is_none(), "the chain holds");
}

#[test]
fn paging_a_search_through_many_customers_raises_one_alert() {
    let h = Harness::start();
    h.block_on(set_first_line_budget(
        &h,
        json!({"reads_per_minute": 600, "burst": 600, "bulk_customers_per_hour": 4, "block_bulk": false}),
    ));
    let seen = h.block_on(async {
        let mut seen = std::collections::BTreeSet::new();
        let mut cursor = String::new();
        loop {
            let path = format!("/v1/customers?q=a&by=name&limit=2{cursor}");
            let (_, page) = h.get_ok("agent1", &path).await;
            for item in page["items"].as_array().unwrap() {
                seen.insert(item["id"].as_i64().unwrap());
            }
            match page["next_cursor"].as_str() {
                Some(next) => cursor = format!("&cursor={next}"),
                None => break,
            }
        }
        // Opening more customers after the alert raises no other one within the hour.
        for id in 1..=10 {
            h.get_ok("agent1", &format!("/v1/customers/{id}")).await;
        }
        seen
    });
    assert!(seen.len() > 6, "the walk shows many customers: {seen:?}");
    let alerts = entries(&h, "agent1", "read.bulk");
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    let (resource, outcome, detail) = &alerts[0];
    assert_eq!((resource.as_str(), outcome.as_str()), ("customers", "ok"));
    // Pages of two: the third page takes the agent from four customers to six.
    assert_eq!(
        detail,
        &json!({
            "distinct_customers": 6,
            "bulk_customers_per_hour": 4,
            "window_secs": 3600,
            "blocking": false,
            "read": "customer.search",
        })
    );
    assert!(
        entries(&h, "agent1", "read.limit").is_empty(),
        "nothing refused"
    );
    assert!(entries(&h, "agent2", "read.bulk").is_empty());
}

#[test]
fn a_blocking_budget_refuses_further_customers_and_lets_those_shown_be_read_again() {
    let h = Harness::start();
    h.block_on(set_first_line_budget(
        &h,
        json!({"reads_per_minute": 600, "burst": 600, "bulk_customers_per_hour": 3, "block_bulk": true}),
    ));
    let seen_ticket = h.count("SELECT MIN(id) FROM tickets WHERE customer_id IN (1, 2, 3)");
    let unseen_ticket = h.count("SELECT MIN(id) FROM tickets WHERE customer_id > 4");
    h.block_on(async {
        for id in 1..=3 {
            h.get_ok("agent1", &format!("/v1/customers/{id}")).await;
        }
        // A fourth customer, by any read that would show it, is refused with nothing read.
        for path in [
            "/v1/customers/4".to_owned(),
            "/v1/customers/4/transactions".to_owned(),
            "/v1/customers/4/tickets".to_owned(),
            format!("/v1/tickets/{unseen_ticket}"),
            "/v1/customers?q=a&by=name".to_owned(),
        ] {
            let r = h.get("agent1", &path).await;
            assert_eq!(r.status(), 429, "{path}");
            // Room comes back when customer 1 leaves the hour.
            let wait = retry_after(&r);
            assert!((3500..=3600).contains(&wait), "{path}: {wait}");
            let (_, code) = error_code(r).await;
            assert_eq!(code, "too_many_customers", "{path}");
        }
        // The customers already shown stay readable, with their records.
        h.get_ok("agent1", "/v1/customers/2").await;
        h.get_ok("agent1", "/v1/customers/2/transactions").await;
        h.get_ok("agent1", "/v1/customers/3/tickets").await;
        h.get_ok("agent1", &format!("/v1/tickets/{seen_ticket}"))
            .await;
        // Another agent reads the fourth customer.
        h.get_ok("agent2", "/v1/customers/4").await;
    });
    let shown_4 = h.count(
        "SELECT COUNT(*) FROM audit WHERE actor = 'agent1' AND outcome = 'ok' \
         AND resource = 'customer:4'",
    );
    assert_eq!(shown_4, 0, "nothing about customer 4 reached agent1");
    let alerts = entries(&h, "agent1", "read.bulk");
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0].2["blocking"], true);
    assert_eq!(alerts[0].2["distinct_customers"], 4);
    let limited = entries(&h, "agent1", "read.limit");
    assert_eq!(limited.len(), 1, "five refusals, one entry: {limited:?}");
    assert_eq!(limited[0].0, "customer:4");
    assert_eq!(limited[0].2["limit"], "customers");
    assert_eq!(limited[0].2["bulk_customers_per_hour"], 3);

    // Raising the budget needs no second administrator, applies at once, and is recorded.
    h.block_on(async {
        set_first_line_budget(
            &h,
            json!({"reads_per_minute": 600, "burst": 600, "bulk_customers_per_hour": 10, "block_bulk": true}),
        )
        .await;
        h.get_ok("agent1", "/v1/customers/4").await;
    });
    let updates = entries(&h, "admin", "role.update");
    let last = &updates.last().unwrap().2;
    assert_eq!(
        last["changes"]["read_budget"]["bulk_customers_per_hour"],
        json!({"before": 3, "after": 10}),
        "{last}"
    );
    assert!(h.verify().broken.is_none(), "the chain holds");
}

#[test]
fn a_budget_out_of_bounds_is_refused() {
    let h = Harness::start();
    h.block_on(async {
        let mut l1 = h.role_definition("agent_l1").await;
        for budget in [
            json!({"reads_per_minute": 0}),
            json!({"bulk_customers_per_hour": 100_001}),
            json!({"burst": -1}),
            json!({"per_hour": 5}),
        ] {
            l1["read_budget"] = budget.clone();
            let r = h
                .http
                .put(format!("{}/v1/admin/roles/agent_l1", h.base))
                .bearer_auth(h.token("admin"))
                .json(&l1)
                .send()
                .await
                .unwrap();
            let (status, code) = error_code(r).await;
            assert_eq!(status, 400, "{budget}");
            assert!(
                code == "invalid_definition" || code == "invalid_body",
                "{budget}: {code}"
            );
        }
    });
}
