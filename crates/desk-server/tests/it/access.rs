//! What each role sees and does not see, field by field, through real HTTP with real tokens.
//! An unredacted value must not appear anywhere in a body for a role that may not see it.

use desk_core::{Role, redact};
use desk_server::store::{AccountRow, CardRow, RecordReach, TransactionFilter};

use crate::harness::{Harness, USERS, error_body_without_request_id, error_code, shared};

/// Everything stored about customer 1 (the demo set guarantees cards, tickets, an internal note
/// and free text holding the customer's own e-mail address and a card number).
struct Raw {
    customer: desk_server::store::CustomerRow,
    ibans: Vec<String>,
    cards: Vec<String>,
    ips: Vec<String>,
    internal_notes: Vec<String>,
    ticket_ids: Vec<i64>,
}

fn raw(h: &Harness) -> Raw {
    h.block_on(async {
        let s = &*h.store;
        let record = s
            .customer_record(1, RecordReach::Cards)
            .await
            .unwrap()
            .expect("customer 1");
        let (customer, accounts, cards) = (
            record.customer,
            record.accounts.unwrap(),
            record.cards.unwrap(),
        );
        let txs = s
            .transactions(1, &TransactionFilter::default(), None, 100_000)
            .await
            .unwrap();
        let tickets = s.tickets(1, None, 100).await.unwrap();
        let mut internal_notes = Vec::new();
        for t in &tickets {
            for m in s.messages(t.id, true).await.unwrap() {
                if m.internal {
                    internal_notes.push(m.body);
                }
            }
        }
        assert!(
            !cards.is_empty() && !internal_notes.is_empty(),
            "demo fixtures"
        );
        Raw {
            customer,
            ibans: accounts.into_iter().map(|a| a.number).collect(),
            cards: cards.into_iter().map(|c| c.number).collect(),
            ips: txs.into_iter().filter_map(|t| t.ip_address).collect(),
            internal_notes,
            ticket_ids: tickets.iter().map(|t| t.id).collect(),
        }
    })
}

#[test]
fn a_customer_lookup_reads_what_its_reach_names_and_nothing_else() {
    // Its own server: a customer without accounts is added (the demo data has none).
    let h = Harness::start();
    let bare = 999_999_999;
    h.block_on(async {
        let customer = desk_server::store::CustomerRow {
            id: bare,
            name: "No Accounts".into(),
            email: "none@example.com".into(),
            phone: "+44 7700 900000".into(),
            date_of_birth: "1990-01-01".into(),
            address: "1 Road".into(),
            tier: "standard".into(),
            status: "active".into(),
            created_at: "2020-01-01T00:00:00Z".into(),
        };
        let batch = desk_server::store::Batch {
            customers: vec![customer],
            ..Default::default()
        };
        h.store.import(&batch).await.unwrap();
        h.store.finish_import().await.unwrap();
    });
    let accounts: Vec<AccountRow> = h.rows(
        "SELECT id, customer_id, number, currency, balance, status, opened_at \
         FROM accounts WHERE customer_id = 1 ORDER BY id",
    );
    let cards: Vec<CardRow> = h.rows(
        "SELECT k.* FROM cards k JOIN accounts a ON a.id = k.account_id \
         WHERE a.customer_id = 1 ORDER BY k.id",
    );
    h.block_on(async {
        let s = &*h.store;
        assert!(accounts.len() > 1 && !cards.is_empty(), "demo fixtures");
        let customer = s.customer(1).await.unwrap().unwrap();

        let full = s
            .customer_record(1, RecordReach::Cards)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(full.customer, customer);
        assert_eq!(
            full.accounts.as_ref(),
            Some(&accounts),
            "same rows as the table"
        );
        assert_eq!(full.cards.as_ref(), Some(&cards));
        let some = s
            .customer_record(1, RecordReach::Accounts)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (some.accounts.as_ref(), some.cards),
            (Some(&accounts), None)
        );
        let least = s
            .customer_record(1, RecordReach::Customer)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (least.customer, least.accounts, least.cards),
            (customer, None, None)
        );

        assert_eq!(
            s.customer_record(i64::MAX, RecordReach::Cards)
                .await
                .unwrap(),
            None
        );
        let none = s
            .customer_record(bare, RecordReach::Cards)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((none.accounts, none.cards), (Some(vec![]), Some(vec![])));
    });
}

/// Fails if `secret` appears in `body` as stored, without spaces, or JSON-escaped.
fn assert_absent(body: &str, secret: &str, what: &str) {
    let compact: String = secret.chars().filter(|c| !c.is_whitespace()).collect();
    let escaped = serde_json::to_string(secret).unwrap();
    for form in [secret, compact.as_str(), escaped.trim_matches('"')] {
        assert!(
            !body.contains(form),
            "{what} `{secret}` leaked in: {}",
            body.chars().take(400).collect::<String>()
        );
    }
}

/// Every body one role receives about customer 1, joined.
async fn everything(h: &Harness, user: &str, raw: &Raw) -> (serde_json::Value, String) {
    let (customer_text, customer) = h.get_ok(user, "/v1/customers/1").await;
    let mut all = customer_text;
    for path in [
        "/v1/customers/1/transactions?limit=200",
        "/v1/customers/1/tickets",
    ] {
        let r = h.get(user, path).await;
        if r.status() == 200 {
            all.push_str(&r.text().await.unwrap());
        }
    }
    for id in &raw.ticket_ids {
        let r = h.get(user, &format!("/v1/tickets/{id}")).await;
        if r.status() == 200 {
            all.push_str(&r.text().await.unwrap());
        }
    }
    let q = raw
        .customer
        .name
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let r = h.get(user, &format!("/v1/customers?q={q}")).await;
    if r.status() == 200 {
        all.push_str(&r.text().await.unwrap());
    }
    (customer, all)
}

fn no_restricted_value_leaks(all: &str, raw: &Raw) {
    for card in &raw.cards {
        assert_absent(all, card, "card number");
    }
    for iban in &raw.ibans {
        assert_absent(all, iban, "IBAN");
    }
}

#[test]
fn first_line_agents_see_masked_contact_data_and_no_internal_notes() {
    let h = shared();
    let raw = raw(h);
    h.block_on(async {
        let (customer, all) = everything(h, "agent1", &raw).await;
        let c = &raw.customer;
        assert_eq!(customer["name"], c.name.as_str());
        assert_eq!(customer["email"], redact::mask_email(&c.email).as_str());
        assert_eq!(customer["phone"], redact::mask_phone(&c.phone).as_str());
        assert!(customer.get("date_of_birth").is_none());
        assert!(customer.get("address").is_none());
        assert_absent(&all, &c.email, "e-mail");
        assert_absent(&all, &c.phone, "phone");
        assert_absent(&all, &c.date_of_birth, "date of birth");
        assert_absent(&all, &c.address, "address");
        no_restricted_value_leaks(&all, &raw);
        for note in &raw.internal_notes {
            assert_absent(&all, note, "internal note");
        }
        assert!(!all.contains("\"internal\":true"));
        for ip in &raw.ips {
            assert_absent(&all, ip, "IP address");
        }
        let account = &customer["accounts"][0];
        assert!(account.get("balance").is_none(), "{account}");
        assert_eq!(
            account["number"],
            redact::last4(&raw.ibans[0]).as_str(),
            "{account}"
        );
    });
}

#[test]
fn second_line_agents_see_contact_data_and_notes_but_only_the_year_of_birth() {
    let h = shared();
    let raw = raw(h);
    h.block_on(async {
        let (customer, all) = everything(h, "agent2", &raw).await;
        let c = &raw.customer;
        assert_eq!(customer["email"], c.email.as_str());
        assert_eq!(customer["phone"], c.phone.as_str());
        assert_eq!(customer["address"], c.address.as_str());
        assert_eq!(customer["date_of_birth"], &c.date_of_birth[..4]);
        assert_absent(&all, &c.date_of_birth, "date of birth");
        assert!(customer["accounts"][0].get("balance").is_some());
        assert!(
            all.contains("\"internal\":true"),
            "notes are shown to agent_l2"
        );
        no_restricted_value_leaks(&all, &raw);
    });
}

#[test]
fn supervisors_see_the_date_of_birth_but_never_whole_card_numbers() {
    let h = shared();
    let raw = raw(h);
    h.block_on(async {
        let (customer, all) = everything(h, "supervisor", &raw).await;
        assert_eq!(
            customer["date_of_birth"],
            raw.customer.date_of_birth.as_str()
        );
        no_restricted_value_leaks(&all, &raw);
        let (_, audit) = h.get_ok("supervisor", "/v1/audit?limit=5").await;
        assert!(!audit["items"].as_array().unwrap().is_empty());
    });
}

#[test]
fn admins_see_who_a_customer_is_and_nothing_of_their_money_or_tickets() {
    let h = shared();
    let raw = raw(h);
    h.block_on(async {
        let (customer, all) = everything(h, "admin", &raw).await;
        let keys: Vec<&str> = customer
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys.len(), 4, "{customer}");
        for key in ["id", "name", "tier", "status"] {
            assert!(keys.contains(&key), "{customer}");
        }
        assert_absent(&all, &raw.customer.email, "e-mail");
        no_restricted_value_leaks(&all, &raw);
        for path in ["/v1/customers/1/transactions", "/v1/customers/1/tickets"] {
            assert_eq!(
                error_code(h.get("admin", path).await).await,
                (403, "forbidden".into())
            );
        }
    });
}

#[test]
fn a_user_without_a_mapped_role_gets_403_everywhere_but_their_own_empty_policy() {
    let h = shared();
    h.block_on(async {
        for path in [
            "/v1/customers?q=jane",
            "/v1/customers/1",
            "/v1/customers/1/transactions",
            "/v1/customers/1/tickets",
            "/v1/tickets/10",
            "/v1/audit",
            "/v1/admin/roles",
        ] {
            let (status, code) = error_code(h.get("norole", path).await).await;
            assert_eq!((status, code.as_str()), (403, "forbidden"), "{path}");
        }
        let r = h
            .post_json(
                "norole",
                "/v1/tickets/10/messages",
                &serde_json::json!({"body": "hi"}),
            )
            .await;
        assert_eq!(r.status(), 403);
        let me = h.policy("norole").await;
        assert_eq!(me.sub, "norole");
        assert!(me.policy.is_empty() && me.policy.fields.is_empty());
        assert!(me.layout.pages.is_empty());
    });
}

#[test]
fn every_role_gets_its_own_policy() {
    let h = shared();
    h.block_on(async {
        let expected = [Role::AgentL1, Role::AgentL2, Role::Supervisor, Role::Admin];
        for (user, role) in USERS.iter().zip(expected) {
            let me = h.policy(user).await;
            assert_eq!(me.policy.roles, [role].into(), "{user}");
            assert_eq!(me.sub, *user);
            // The layout shows what the role's definition grants, and nothing else.
            me.layout.check_granted(&me.policy).unwrap();
            assert!(!me.layout.pages.is_empty(), "{user}");
        }
    });
}

#[test]
fn search_finds_by_name_email_phone_and_account_with_cursor_paging() {
    let h = shared();
    let raw = raw(h);
    h.block_on(async {
        let c = &raw.customer;
        let enc = |s: &str| {
            s.replace('+', "%2B")
                .replace(' ', "%20")
                .replace('@', "%40")
        };
        for q in [
            c.email.clone(),
            c.phone.clone(),
            raw.ibans[0].clone(),
            c.name.clone(),
        ] {
            let (_, page) = h
                .get_ok("agent2", &format!("/v1/customers?q={}", enc(&q)))
                .await;
            let ids: Vec<i64> = page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_i64().unwrap())
                .collect();
            assert!(ids.contains(&1), "{q}: {page}");
        }
        // Page through every customer whose name has an `a`, two at a time, with no repeats.
        let mut seen = std::collections::BTreeSet::new();
        let mut cursor = String::new();
        for _ in 0..100 {
            let (_, page) = h
                .get_ok(
                    "agent1",
                    &format!("/v1/customers?q=a&by=name&limit=2{cursor}"),
                )
                .await;
            for item in page["items"].as_array().unwrap() {
                assert!(seen.insert(item["id"].as_i64().unwrap()), "repeat: {page}");
            }
            match page["next_cursor"].as_str() {
                Some(next) => cursor = format!("&cursor={next}"),
                None => break,
            }
        }
        assert!(seen.len() > 2, "{seen:?}");
    });
}

#[test]
fn transactions_page_by_cursor_and_filter_by_date_and_status() {
    let h = shared();
    h.block_on(async {
        // Customer 7 is the demo set's heavy customer (10,000 transactions).
        let (_, first) = h.get_ok("agent1", "/v1/customers/7/transactions?limit=200").await;
        let items = first["items"].as_array().unwrap();
        assert_eq!(items.len(), 200);
        let next = first["next_cursor"].as_str().unwrap();
        let (_, second) = h
            .get_ok("agent1", &format!("/v1/customers/7/transactions?limit=200&cursor={next}"))
            .await;
        let last_of_first = items.last().unwrap()["time"].as_str().unwrap().to_owned();
        let first_of_second = second["items"][0]["time"].as_str().unwrap().to_owned();
        assert!(first_of_second <= last_of_first, "newest first across pages");
        let (_, settled) = h
            .get_ok(
                "agent1",
                "/v1/customers/7/transactions?status=declined&from=2026-01-01&to=2026-07-01&limit=200",
            )
            .await;
        for t in settled["items"].as_array().unwrap() {
            assert_eq!(t["status"], "declined");
            let time = t["time"].as_str().unwrap();
            assert!(("2026-01-01".."2026-07-01").contains(&time), "{time}");
        }
    });
}

#[test]
fn replies_need_the_action_and_internal_notes_need_the_field() {
    let h = shared();
    let raw = raw(h);
    let ticket = raw.ticket_ids[0];
    let path = format!("/v1/tickets/{ticket}/messages");
    let count_sql = format!("SELECT COUNT(*) FROM messages WHERE ticket_id = {ticket}");
    let count = || async { h.count_async(&count_sql).await };
    let before = h.count(&count_sql);
    h.block_on(async {
        let r = h
            .post_json(
                "admin",
                &path,
                &serde_json::json!({"body": "from an admin"}),
            )
            .await;
        assert_eq!(r.status(), 403);
        let r = h
            .post_json(
                "agent1",
                &path,
                &serde_json::json!({"body": "note", "internal": true}),
            )
            .await;
        assert_eq!(
            r.status(),
            403,
            "agent_l1 may not see, so may not write, internal notes"
        );
        assert_eq!(count().await, before, "refusals change nothing");

        let r = h
            .post_json(
                "agent1",
                &path,
                &serde_json::json!({"body": "We have refunded you."}),
            )
            .await;
        assert_eq!(r.status(), 201);
        let message: serde_json::Value = r.json().await.unwrap();
        assert_eq!(message["body"], "We have refunded you.");
        assert_eq!(message["internal"], false);
        let r = h
            .post_json(
                "supervisor",
                &path,
                &serde_json::json!({"body": "Escalated.", "internal": true}),
            )
            .await;
        assert_eq!(r.status(), 201);
        assert_eq!(count().await, before + 2);
        let (_, ticket_view) = h.get_ok("agent1", &format!("/v1/tickets/{ticket}")).await;
        let text = ticket_view.to_string();
        assert!(text.contains("We have refunded you.") && !text.contains("Escalated."));
    });
}

#[test]
fn search_is_only_by_the_keys_a_role_is_granted_and_a_refusal_reveals_nothing() {
    let h = shared();
    let raw = raw(h);
    h.block_on(async {
        let c = &raw.customer;
        let enc = |s: &str| {
            s.replace('+', "%2B")
                .replace(' ', "%20")
                .replace('@', "%40")
        };
        // The administrator sees names, tiers and statuses only, so it searches by name only:
        // an IBAN, an e-mail address or a phone number it could never read is not a way in,
        // whether the server detects the kind or `by` names it, and whether or not the value
        // belongs to a customer (the answer is the same for a value nobody holds).
        let nobody = ["GB94BARC10201530093459", "nobody@example.invalid", "+44 7700 900999"];
        for (held, unheld, by) in [
            (raw.ibans[0].as_str(), nobody[0], "account"),
            (c.email.as_str(), nobody[1], "email"),
            (c.phone.as_str(), nobody[2], "phone"),
        ] {
            let before = h.count_async(
                "SELECT COUNT(*) FROM audit WHERE action = 'customer.search' AND outcome = 'denied' AND actor = 'admin'",
            )
            .await;
            let mut answers = Vec::new();
            for q in [held, unheld] {
                for path in [
                    format!("/v1/customers?q={}", enc(q)),
                    format!("/v1/customers?q={}&by={by}", enc(q)),
                ] {
                    let response = h.get("admin", &path).await;
                    let status = response.status().as_u16();
                    let body = error_body_without_request_id(response).await;
                    assert_eq!(status, 403, "{by}: {body}");
                    assert!(body.contains("search_key_not_granted"), "{body}");
                    assert!(!body.contains(q), "the refusal repeats no value: {body}");
                    answers.push(body);
                }
            }
            assert!(
                answers.windows(2).all(|w| w[0] == w[1]),
                "held and unheld values are refused alike: {answers:?}"
            );
            let after = h.count_async(
                "SELECT COUNT(*) FROM audit WHERE action = 'customer.search' AND outcome = 'denied' AND actor = 'admin'",
            )
            .await;
            assert_eq!(after - before, 4, "every refusal is audited as a denial");
        }
        // The denials hold the kind and nothing of the text.
        let (_, trail) = h.get_ok("supervisor", "/v1/audit?limit=200").await;
        let trail = trail.to_string();
        for secret in [c.email.as_str(), raw.ibans[0].as_str(), nobody[0], nobody[1]] {
            assert!(!trail.contains(secret), "the trail holds no searched value");
        }
        // By name it finds the customer.
        let surname = c.name.split_whitespace().last().unwrap();
        let (_, page) = h
            .get_ok("admin", &format!("/v1/customers?q={}", enc(surname)))
            .await;
        assert!(
            page["items"].as_array().unwrap().iter().any(|i| i["id"] == 1),
            "{page}"
        );
        // A first-line agent holds the grant to search by what a caller reads out, each key
        // on a field it sees masked: found, and masked in the answer.
        for q in [c.email.as_str(), c.phone.as_str(), raw.ibans[0].as_str()] {
            let (body, page) = h
                .get_ok("agent1", &format!("/v1/customers?q={}", enc(q)))
                .await;
            assert!(
                page["items"].as_array().unwrap().iter().any(|i| i["id"] == 1),
                "{page}"
            );
            assert!(!body.contains(&c.email) && !body.contains(&c.phone), "{body}");
        }
        // The policy says which keys the window's search field accepts.
        let admin = h.policy("admin").await;
        assert_eq!(
            admin.policy.search_by,
            [desk_core::SearchKey::Name].into()
        );
        let l1 = h.policy("agent1").await;
        assert_eq!(l1.policy.search_by.len(), 4);
    });
}
