//! The two stores side by side: SQLite (a real file) and PostgreSQL (a real database of the
//! test cluster's, `desk_testkit::postgres`). The same sequence of store operations runs on both
//! and must give the same results, so the engines cannot drift apart unnoticed; then what only
//! PostgreSQL promises: replicas on one database keep one audit chain and a policy version that
//! only grows, `open` makes the schema on an empty database, and a write commits with its audit
//! entry or not at all (on both engines).

use std::sync::Arc;

use desk_core::signed::Layout;
use desk_core::{AuditAction, Policy, Role, RoleDefinition};
use desk_server::audit::key::AuditKey;
use desk_server::audit::{AuditEvent, Outcome};
use desk_server::demo::DemoOptions;
use desk_server::store::postgres::PostgresStore;
use desk_server::store::sqlite::SqliteStore;
use desk_server::store::{
    AuditFilter, Batch, NewMessage, NewRoleChange, OfflineView, OfflineWindow, RecordReach,
    ScimChange, ScimGroupRow, ScimLookup, ScimUserRow, ScimWrite, SearchQuery, Store, StoreError,
    TransactionFilter,
};
use desk_testkit::postgres::PgDatabase;

fn key() -> AuditKey {
    AuditKey::from_bytes([9; 32])
}

/// A SQLite store in a folder of its own.
async fn sqlite() -> (SqliteStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path(), key()).await.unwrap();
    (store, dir)
}

/// A PostgreSQL store on an empty database of its own (dropped with the [`PgDatabase`]).
async fn postgres() -> (PostgresStore, PgDatabase) {
    let db = PgDatabase::create();
    let store = PostgresStore::open(db.url(), key()).await.unwrap();
    (store, db)
}

/// The time the test started, less a little: a time in a result at or after it was made by the
/// store (`now`), and differs between the engines by when each ran.
fn made_after() -> chrono::DateTime<chrono::Utc> {
    static START: std::sync::OnceLock<chrono::DateTime<chrono::Utc>> = std::sync::OnceLock::new();
    *START.get_or_init(|| chrono::Utc::now() - chrono::Duration::seconds(5))
}

/// `value`'s `Debug` text with what differs by the moment it was made and nothing else written
/// as placeholders: times the store made (`<now>`), the links that cover them (`<hash>`: 64 hex
/// digits) and policy versions (`<version>`: the clock in milliseconds). Everything else must be
/// equal between the engines.
fn plain(value: &impl std::fmt::Debug) -> String {
    let text = format!("{value:?}");
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    'scan: while !rest.is_empty() {
        // RFC 3339 with milliseconds, as the stores write the time: 24 characters.
        if rest.len() >= 24
            && rest.is_char_boundary(24)
            && let Ok(t) = chrono::DateTime::parse_from_rfc3339(&rest[..24])
            && t >= made_after()
        {
            out.push_str("<now>");
            rest = &rest[24..];
            continue;
        }
        let hex = rest.bytes().take_while(u8::is_ascii_hexdigit).count();
        if hex == 64 {
            out.push_str("<hash>");
            rest = &rest[64..];
            continue;
        }
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 13 {
            // Milliseconds since the epoch: a policy version (2001 to 2286).
            out.push_str("<version>");
            rest = &rest[13..];
            continue;
        }
        if digits > 0 || hex > 0 {
            let skip = digits.max(hex).max(1);
            out.push_str(&rest[..skip]);
            rest = &rest[skip..];
            continue 'scan;
        }
        let c = rest.chars().next().unwrap();
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// What a sequence of operations answered, step by step.
#[derive(Default)]
struct Transcript(Vec<(String, String)>);

impl Transcript {
    fn note(&mut self, step: impl Into<String>, value: &impl std::fmt::Debug) {
        self.0.push((step.into(), plain(value)));
    }
}

/// An error as the API would tell it: its kind, not its text (which names the engine).
fn kind<T: std::fmt::Debug>(result: &Result<T, StoreError>) -> String {
    match result {
        Ok(value) => format!("Ok({})", plain(value)),
        Err(StoreError::NotFound(what)) => format!("NotFound({what})"),
        Err(StoreError::Conflict(what)) => format!("Conflict({what})"),
        Err(StoreError::Corrupt(_)) => "Corrupt".into(),
        Err(e) => format!("Err(unavailable: {})", e.is_unavailable()),
    }
}

fn event(actor: &str, action: AuditAction, resource: &str) -> AuditEvent {
    AuditEvent::new(actor, action, resource, Outcome::Ok).with_detail(serde_json::json!({}))
}

fn definitions() -> Vec<RoleDefinition> {
    desk_server::api::parse_role_definitions(desk_server::api::DEFAULT_ROLES).unwrap()
}

fn definition(role: Role) -> RoleDefinition {
    definitions().into_iter().find(|d| d.role == role).unwrap()
}

/// The first ticket of the first customer who has one.
async fn some_ticket(store: &dyn Store) -> desk_server::store::TicketRow {
    for customer in 1.. {
        if let Some(ticket) = store.tickets(customer, None, 1).await.unwrap().pop() {
            return ticket;
        }
        assert!(customer < 100, "no customer has a ticket");
    }
    unreachable!()
}

/// Every page of a search, `limit` at a time, through the id cursor.
async fn all_pages(store: &dyn Store, query: &SearchQuery, limit: u32) -> Vec<Vec<i64>> {
    let mut pages = Vec::new();
    let mut after = None;
    loop {
        let page = store.search_customers(query, after, limit).await.unwrap();
        if page.is_empty() {
            return pages;
        }
        after = page.last().map(|c| c.id);
        pages.push(page.iter().map(|c| c.id).collect());
    }
}

fn user(id: &str, name: &str, active: bool) -> ScimUserRow {
    ScimUserRow {
        id: id.into(),
        user_name: name.into(),
        external_id: Some(format!("ext-{id}")),
        active,
        attributes: serde_json::json!({"displayName": name, "emails": [{"value": "x@example.com"}]}),
        created: format!("2026-01-0{}T00:00:00.000Z", id.len() % 9 + 1),
        last_modified: "2026-02-01T00:00:00.000Z".into(),
        groups: Vec::new(),
    }
}

fn scim(write: ScimWrite, withdraw: Option<&str>, bump_policy: bool) -> ScimChange {
    ScimChange {
        write,
        withdraw: withdraw.map(str::to_owned),
        wipe: withdraw.is_some(),
        by: "scim:entra".into(),
        bump_policy,
        audit: event("scim:entra", AuditAction::ScimUserUpdate, "scim"),
    }
}

/// Runs every kind of store operation on `store` and notes what each answered.
async fn exercise(store: &dyn Store) -> Transcript {
    made_after();
    let mut t = Transcript::default();
    let options = DemoOptions {
        customers: 60,
        seed: 11,
    };
    let summary = desk_server::demo::generate(store, &options, |_| {})
        .await
        .unwrap();
    t.note("demo data", &summary);
    let customers: Vec<_> = desk_server::demo::batches(&options)
        .flat_map(|b| b.customers)
        .collect();
    let accounts: Vec<_> = desk_server::demo::batches(&options)
        .flat_map(|b| b.accounts)
        .collect();

    // Searches of every kind, every page.
    let mut queries = Vec::new();
    for c in customers.iter().step_by(7) {
        let words: Vec<String> = c
            .name
            .split(|ch: char| !ch.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        queries.push(SearchQuery::Name(words.clone()));
        queries.push(SearchQuery::Name(vec![words[0].chars().take(2).collect()]));
        queries.push(SearchQuery::Name(
            words.iter().map(|w| w.chars().take(3).collect()).collect(),
        ));
        queries.push(SearchQuery::Email(c.email.to_uppercase()));
        queries.push(SearchQuery::Email(c.email.clone()));
        let digits: String = c.phone.chars().filter(char::is_ascii_digit).collect();
        queries.push(SearchQuery::PhoneTail(
            digits[digits.len().saturating_sub(9)..].to_owned(),
        ));
    }
    // Single letters find many, ties of names included; names with diacritics, typed with and
    // without them.
    for letter in [
        "a", "j", "m", "s", "é", "e", "o", "ö", "nguyen", "muller", "müller",
    ] {
        queries.push(SearchQuery::Name(vec![letter.into()]));
    }
    for a in accounts.iter().step_by(11) {
        queries.push(SearchQuery::Account(
            a.number.replace(' ', "").to_uppercase(),
        ));
    }
    queries.push(SearchQuery::Name(vec!["zzzqqq".into()]));
    queries.push(SearchQuery::Email("nobody@example.invalid".into()));
    queries.push(SearchQuery::PhoneTail("000000000".into()));
    queries.push(SearchQuery::Account("GB00NONE0000000000000".into()));
    for query in &queries {
        t.note(
            format!("search {query:?}"),
            &all_pages(store, query, 3).await,
        );
        t.note(
            format!("search {query:?} in one page"),
            &store.search_customers(query, None, 100).await.unwrap(),
        );
    }
    // A cursor naming no customer.
    t.note(
        "search after an unknown id",
        &store
            .search_customers(&SearchQuery::Name(vec!["a".into()]), Some(999_999), 10)
            .await
            .unwrap(),
    );

    // Customers, their records at each reach, transactions, tickets, messages.
    for id in [1, 2, 7, 33, 60, 61] {
        t.note(format!("customer {id}"), &store.customer(id).await.unwrap());
        for reach in [
            RecordReach::Customer,
            RecordReach::Accounts,
            RecordReach::Cards,
        ] {
            t.note(
                format!("record {id} {reach:?}"),
                &store.customer_record(id, reach).await.unwrap(),
            );
        }
    }
    let filters = [
        TransactionFilter::default(),
        TransactionFilter {
            status: Some("settled".into()),
            ..Default::default()
        },
        TransactionFilter {
            from: Some("2026-06-01T00:00:00Z".into()),
            to: Some("2026-09-01T00:00:00Z".into()),
            status: None,
        },
    ];
    for id in [3, 7] {
        for (n, filter) in filters.iter().enumerate() {
            let mut after = None;
            for page in 0..4 {
                let rows = store.transactions(id, filter, after, 25).await.unwrap();
                after = rows.last().map(|r| r.id);
                t.note(format!("transactions {id} filter {n} page {page}"), &rows);
            }
        }
        let mut after = None;
        for page in 0..3 {
            let rows = store.tickets(id, after, 2).await.unwrap();
            after = rows.last().map(|r| r.id);
            t.note(format!("tickets {id} page {page}"), &rows);
        }
    }
    let ticket = some_ticket(store).await;
    t.note("ticket", &store.ticket(ticket.id).await.unwrap());
    t.note("no ticket", &store.ticket(999_999).await.unwrap());
    for internal in [false, true] {
        t.note(
            format!("messages internal {internal}"),
            &store.messages(ticket.id, internal).await.unwrap(),
        );
    }
    for internal in [false, true] {
        let reply = store
            .add_message(
                NewMessage {
                    ticket_id: ticket.id,
                    internal,
                    author: "agent1".into(),
                    body: format!("A reply, internal: {internal}"),
                },
                event("agent1", AuditAction::TicketReply, "ticket"),
            )
            .await;
        t.note(format!("add message internal {internal}"), &kind(&reply));
    }
    let missing = store
        .add_message(
            NewMessage {
                ticket_id: 999_999,
                internal: false,
                author: "agent1".into(),
                body: "lost".into(),
            },
            event("agent1", AuditAction::TicketReply, "ticket"),
        )
        .await;
    t.note("add message to no ticket", &kind(&missing));
    t.note(
        "messages after replies",
        &store.messages(ticket.id, true).await.unwrap(),
    );
    t.note(
        "tickets after replies",
        &store.tickets(ticket.customer_id, None, 10).await.unwrap(),
    );

    // The audit trail.
    for n in 0..12 {
        let actor = if n % 3 == 0 { "agent2" } else { "agent1" };
        let action = if n % 2 == 0 {
            AuditAction::CustomerView
        } else {
            AuditAction::CustomerSearch
        };
        let entry = store
            .append_audit(event(actor, action, &format!("customer:{n}")))
            .await;
        t.note(format!("append {n}"), &kind(&entry));
    }
    let filters = [
        AuditFilter::default(),
        AuditFilter {
            actor: Some("agent2".into()),
            ..Default::default()
        },
        AuditFilter {
            action: Some(AuditAction::CustomerSearch),
            ..Default::default()
        },
        AuditFilter {
            since: Some("2000-01-01T00:00:00.000Z".into()),
            until: Some("2100-01-01T00:00:00.000Z".into()),
            actor: Some("agent1".into()),
            action: Some(AuditAction::CustomerView),
            ..Default::default()
        },
        AuditFilter {
            resource: Some("customer:3".into()),
            outcome: Some(desk_server::audit::Outcome::Ok),
            ..Default::default()
        },
        AuditFilter {
            outcome: Some(desk_server::audit::Outcome::Denied),
            ..Default::default()
        },
    ];
    for (n, filter) in filters.iter().enumerate() {
        t.note(
            format!("audit page {n}"),
            &store.audit_page(None, filter, 5).await.unwrap(),
        );
        t.note(
            format!("audit page {n} before 10"),
            &store.audit_page(Some(10), filter, 5).await.unwrap(),
        );
    }
    t.note("audit from 3", &store.audit_from(3, 4).await.unwrap());
    t.note(
        "audit of action",
        &store
            .audit_of_action("customer.search", 2, 3)
            .await
            .unwrap(),
    );
    let head = store.audit_head().await.unwrap().unwrap();
    t.note("audit head", &head.0);
    let line = desk_server::audit::checkpoint::CheckpointLine {
        seq: head.0,
        hash: head.1.clone(),
        time: "2026-12-01T00:00:00.000Z".into(),
        signed: "signed.checkpoint.text".into(),
    };
    store.record_checkpoint(&line).await.unwrap();
    store.record_checkpoint(&line).await.unwrap();
    t.note(
        "checkpoints after",
        &store.checkpoints_after(0, head.0, 10).await.unwrap(),
    );
    t.note(
        "checkpoints after 1",
        &store.checkpoints_after(1, head.0, 10).await.unwrap(),
    );
    t.note(
        "audit checkpoints",
        &store.audit_checkpoints(1, head.0).await.unwrap(),
    );
    t.note("audit retained", &store.audit_retained().await.unwrap());
    let stale = desk_server::store::Retained {
        through_seq: 3,
        hash: "0".repeat(64),
        entries: 3,
        archive: "archive.jsonl".into(),
        archived_at: "2026-12-01T00:00:00.000Z".into(),
        checkpoint: "{}".into(),
    };
    t.note(
        "retain a changed range",
        &kind(
            &store
                .retain_audit(
                    &stale,
                    event("desk-server", AuditAction::AuditArchive, "audit"),
                    None,
                )
                .await,
        ),
    );

    // Role definitions, their changes and history, layouts, the policy version.
    let mut version = store.policy_version().await.unwrap();
    store.seed_role_definitions(&definitions()).await.unwrap();
    store.seed_role_definitions(&definitions()).await.unwrap();
    t.note("roles", &store.role_definitions().await.unwrap());
    let mut grew = Vec::new();
    let mut l1 = definition(Role::AgentL1);
    l1.description = "changed once".into();
    let put = store
        .put_role_definition(
            &l1,
            "admin1",
            event("admin1", AuditAction::RoleUpdate, "role"),
        )
        .await;
    t.note("put role", &kind(&put));
    let now = store.policy_version().await.unwrap();
    grew.push(now > version);
    version = now;
    let proposal = NewRoleChange {
        definition: definition(Role::Supervisor),
        changes: serde_json::json!({"description": ["a", "b"]}),
        widened: vec![desk_core::Field::CustomerEmail],
        by: "admin1".into(),
    };
    for _ in 0..3 {
        let proposed = store
            .propose_role_change(&proposal, event("admin1", AuditAction::RolePropose, "role"))
            .await;
        t.note("propose", &kind(&proposed));
    }
    t.note("pending", &store.role_changes(true, 10).await.unwrap());
    let approved = store
        .decide_role_change(
            1,
            true,
            "admin2",
            event("admin2", AuditAction::RoleApprove, "role"),
        )
        .await;
    t.note("approve", &kind(&approved));
    let now = store.policy_version().await.unwrap();
    grew.push(now > version);
    version = now;
    let rejected = store
        .decide_role_change(
            2,
            false,
            "admin2",
            event("admin2", AuditAction::RoleReject, "role"),
        )
        .await;
    t.note("reject", &kind(&rejected));
    let again = store
        .decide_role_change(
            1,
            false,
            "admin2",
            event("admin2", AuditAction::RoleReject, "role"),
        )
        .await;
    t.note("decide again", &kind(&again));
    let none = store
        .decide_role_change(
            99,
            true,
            "admin2",
            event("admin2", AuditAction::RoleApprove, "role"),
        )
        .await;
    t.note("decide none", &kind(&none));
    t.note("all changes", &store.role_changes(false, 10).await.unwrap());
    t.note(
        "pending after",
        &store.role_changes(true, 10).await.unwrap(),
    );
    t.note("change 2", &store.role_change(2).await.unwrap());
    t.note("change 99", &store.role_change(99).await.unwrap());
    for role in [Role::AgentL1, Role::Supervisor, Role::Admin] {
        t.note(
            format!("history {role:?}"),
            &store.role_history(role, 10).await.unwrap(),
        );
    }
    t.note(
        "history limited",
        &store.role_history(Role::AgentL1, 1).await.unwrap(),
    );
    for role in [Role::AgentL1, Role::AgentL2, Role::AgentL1] {
        let layout = Layout::default_for(&Policy::of([&definition(role)]));
        let put = store
            .put_layout(
                role,
                &layout,
                "admin1",
                event("admin1", AuditAction::LayoutPublish, "layout"),
            )
            .await;
        t.note(format!("put layout {role:?}"), &kind(&put));
        let now = store.policy_version().await.unwrap();
        grew.push(now > version);
        version = now;
    }
    t.note("layouts", &store.layouts().await.unwrap());
    t.note("roles after", &store.role_definitions().await.unwrap());
    t.note("the policy version grew with every change", &grew);

    // Offline views and windows.
    let view = |actor: &str, key: &str| OfflineView {
        key: key.into(),
        audit: event(actor, AuditAction::OfflineCustomerView, "customer:1"),
    };
    let views = vec![
        view("agent1", "key-aaaaaaaaaaaa1"),
        view("agent1", "key-aaaaaaaaaaaa2"),
        view("agent1", "key-aaaaaaaaaaaa1"),
        view("agent2", "key-aaaaaaaaaaaa1"),
    ];
    t.note(
        "offline upload",
        &store
            .record_offline_views(
                views.clone(),
                event("agent1", AuditAction::AuditUpload, "offline_views"),
            )
            .await
            .unwrap(),
    );
    t.note(
        "offline upload again",
        &store
            .record_offline_views(
                views,
                event("agent1", AuditAction::AuditUpload, "offline_views"),
            )
            .await
            .unwrap(),
    );
    let w = |opens_at, closes_at| OfflineWindow {
        opens_at,
        closes_at,
    };
    for window in [
        w(100, 200),
        w(150, 250),
        w(250, 260),
        w(400, 500),
        w(420, 450),
        w(50, 60),
    ] {
        store.extend_offline_window("agent1", window).await.unwrap();
    }
    for since in [0, 255, 300, 600] {
        t.note(
            format!("windows since {since}"),
            &store.offline_windows("agent1", since).await.unwrap(),
        );
    }
    t.note(
        "windows of another",
        &store.offline_windows("agent9", 0).await.unwrap(),
    );

    // Wipes and acknowledgements.
    t.note(
        "device before any wipe",
        &store.wipes_done("agent1", "laptop-a").await.unwrap(),
    );
    for subject in ["agent1", "agent1", "agent2", "agent1"] {
        let ordered = store
            .order_wipe(
                subject,
                "admin1",
                event("admin1", AuditAction::DeviceWipe, "subject"),
            )
            .await;
        t.note(format!("wipe {subject}"), &kind(&ordered));
    }
    t.note("wipes", &store.wipes("agent1", 0, 10).await.unwrap());
    t.note("wipes after 1", &store.wipes("agent1", 1, 1).await.unwrap());
    t.note(
        "device after wipes",
        &store.wipes_done("agent1", "laptop-b").await.unwrap(),
    );
    for (device, wipe) in [
        ("laptop-a", 2),
        ("laptop-a", 1),
        ("laptop-a", 4),
        ("laptop-c", 1),
    ] {
        let ack = store
            .acknowledge_wipe(
                "agent1",
                device,
                wipe,
                event("agent1", AuditAction::WipeAcknowledge, "wipe"),
            )
            .await;
        t.note(format!("acknowledge {device} {wipe}"), &kind(&ack));
    }
    t.note(
        "acknowledgements",
        &store.device_acknowledgements("agent1").await.unwrap(),
    );
    for device in ["laptop-a", "laptop-b", "laptop-c"] {
        t.note(
            format!("done {device}"),
            &store.wipes_done("agent1", device).await.unwrap(),
        );
    }

    // SCIM: tokens, users, groups, access, withdrawal.
    for name in ["entra", "okta", "entra"] {
        let added = store
            .add_scim_token(
                name,
                &format!("hash-of-{name}"),
                event("desk-server", AuditAction::ScimTokenCreate, "scim"),
            )
            .await;
        t.note(format!("token {name}"), &kind(&added));
    }
    t.note("tokens", &store.scim_tokens().await.unwrap());
    t.note(
        "token named",
        &store.scim_token_named("hash-of-okta").await.unwrap(),
    );
    for name in ["okta", "okta"] {
        let revoked = store
            .revoke_scim_token(
                name,
                event("desk-server", AuditAction::ScimTokenRevoke, "scim"),
            )
            .await;
        t.note(format!("revoke {name}"), &kind(&revoked));
    }
    t.note("tokens after", &store.scim_tokens().await.unwrap());
    for u in [
        user("u1", "Alice@Example.com", true),
        user("u22", "bob@example.com", true),
        user("u333", "Zoë@example.com", true),
    ] {
        let written = store
            .scim_write(scim(ScimWrite::User(u), None, false))
            .await;
        t.note("scim user", &kind(&written));
    }
    let taken = store
        .scim_write(scim(
            ScimWrite::User(user("u4444", "ALICE@example.COM", true)),
            None,
            false,
        ))
        .await;
    t.note("scim user name taken", &kind(&taken));
    let group = |id: &str, name: &str, members: &[&str]| ScimGroupRow {
        id: id.into(),
        display_name: name.into(),
        external_id: None,
        created: "2026-03-01T00:00:00.000Z".into(),
        last_modified: "2026-03-01T00:00:00.000Z".into(),
        members: members
            .iter()
            .map(|m| (m.to_string(), String::new()))
            .collect(),
    };
    for g in [
        group("g1", "Support-L1", &["u1", "u22", "no-such-user"]),
        group("g2", "Admins", &["u22"]),
        group("g1", "Support-L1", &["u1", "u333"]),
    ] {
        let written = store
            .scim_write(scim(ScimWrite::Group(g), None, true))
            .await
            .map(|w| (w.wipes, w.policy_version.is_some()));
        t.note("scim group", &kind(&written));
    }
    let lookups = [
        ScimLookup::All,
        ScimLookup::Page {
            offset: 1,
            limit: 1,
        },
        ScimLookup::Id("u22".into()),
        ScimLookup::UserName("alice@EXAMPLE.com".into()),
        ScimLookup::UserName("ZOË@example.com".into()),
        ScimLookup::DisplayName("support-l1".into()),
        ScimLookup::DisplayName("ADMINS".into()),
        ScimLookup::ExternalId("ext-u1".into()),
        ScimLookup::Id("none".into()),
    ];
    for lookup in &lookups {
        t.note(
            format!("users {lookup:?}"),
            &store.scim_users(lookup).await.unwrap(),
        );
        t.note(
            format!("groups {lookup:?}"),
            &store.scim_groups(lookup).await.unwrap(),
        );
    }
    t.note("count users", &store.scim_count(false).await.unwrap());
    t.note("count groups", &store.scim_count(true).await.unwrap());
    store
        .link_scim_subject("alice@example.com", "agent1")
        .await
        .unwrap();
    store
        .link_scim_subject("alice@example.com", "agent1")
        .await
        .unwrap();
    store
        .link_scim_subject("alice@example.com", "agent7")
        .await
        .unwrap();
    store
        .link_scim_subject("bob@example.com", "agent1")
        .await
        .unwrap();
    t.note(
        "subjects",
        &store
            .scim_subjects(&["bob@example.com".into(), "alice@example.com".into()])
            .await
            .unwrap(),
    );
    let access = |a: desk_server::store::ScimAccess| {
        let mut groups = a.groups;
        groups.sort();
        (a.active, a.withdrawn_at.is_some(), groups)
    };
    for name in ["alice@example.com", "bob@example.com", "nobody@example.com"] {
        t.note(
            format!("access {name}"),
            &access(store.scim_access(name).await.unwrap()),
        );
    }
    let withdrawn = store
        .scim_write(scim(
            ScimWrite::User(user("u1", "Alice@Example.com", false)),
            Some("alice@example.com"),
            true,
        ))
        .await
        .map(|w| (w.wipes, w.policy_version.is_some()));
    t.note("scim withdraw", &kind(&withdrawn));
    t.note(
        "access withdrawn",
        &access(store.scim_access("alice@example.com").await.unwrap()),
    );
    for write in [
        ScimWrite::DeleteUser("u22".into()),
        ScimWrite::DeleteUser("u22".into()),
        ScimWrite::DeleteGroup("g2".into()),
        ScimWrite::DeleteGroup("g2".into()),
    ] {
        let written = store
            .scim_write(scim(write, None, false))
            .await
            .map(|w| w.wipes);
        t.note("scim delete", &kind(&written));
    }
    t.note(
        "groups after deletes",
        &store.scim_groups(&ScimLookup::All).await.unwrap(),
    );
    t.note(
        "wipes after withdrawal",
        &store.wipes("agent7", 0, 10).await.unwrap(),
    );

    // Key pins: the first fingerprint stays.
    for (kind, fingerprint) in [("audit", "a1"), ("policy", "p1"), ("audit", "a2")] {
        t.note(
            format!("pin {kind} {fingerprint}"),
            &store.pin_key(kind, fingerprint).await.unwrap(),
        );
    }

    // The whole trail, and the chain.
    t.note("whole trail", &store.audit_from(1, 1_000).await.unwrap());
    let verified = desk_server::verify_audit(store, &key()).await.unwrap();
    assert!(verified.broken.is_none(), "{verified:?}");
    t.note(
        "verified",
        &(verified.after, verified.entries, verified.unkeyed),
    );

    store.clear_records().await.unwrap();
    t.note(
        "search after clearing",
        &store
            .search_customers(&SearchQuery::Name(vec!["a".into()]), None, 10)
            .await
            .unwrap(),
    );
    t.note("customer after clearing", &store.customer(1).await.unwrap());
    t
}

/// Asserts two transcripts equal step by step, naming the first step that differs.
fn assert_alike(sqlite: &Transcript, postgres: &Transcript) {
    for ((step, a), (_, b)) in sqlite.0.iter().zip(&postgres.0) {
        assert_eq!(
            a, b,
            "the engines differ at `{step}` (left SQLite, right PostgreSQL)"
        );
    }
    assert_eq!(sqlite.0.len(), postgres.0.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_engines_answer_every_store_operation_alike() {
    let (lite, _dir) = sqlite().await;
    let (pg, _db) = postgres().await;
    let on_sqlite = exercise(&lite).await;
    let on_postgres = exercise(&pg).await;
    assert!(on_sqlite.0.len() > 300, "{}", on_sqlite.0.len());
    assert_alike(&on_sqlite, &on_postgres);
}

/// Customers with names in several scripts, for the name search's folding.
fn named(names: &[&str]) -> Batch {
    let customers = names
        .iter()
        .zip(1..)
        .map(|(name, id)| desk_server::store::CustomerRow {
            id,
            name: name.to_string(),
            email: format!("c{id}@example.com"),
            phone: format!("+44 7700 900{id:03}"),
            date_of_birth: "1980-01-01".into(),
            address: "1 High Street".into(),
            tier: "standard".into(),
            status: "active".into(),
            created_at: "2020-01-01T00:00:00Z".into(),
        })
        .collect();
    Batch {
        customers,
        ..Default::default()
    }
}

#[tokio::test]
async fn names_are_found_by_word_prefix_alike_on_both_engines() {
    const NAMES: &[&str] = &[
        "José Núñez",
        "Jose Nunez",
        "JOSÉ O'Brien-Smith",
        "Zoë Müller",
        "Zoe Mueller",
        "İlkay Ölçer",
        "Nguyễn Văn An",
        "François Lefèvre",
        "Ærø Åse",
        "Dvořák Antonín",
        "Łukasz Żółć",
        "Øystein Straße",
        "anna maria",
        "Anna-Maria",
        "Ann",
        "Émile Zola",
        "émile zola",
        "Bob 3rd",
        "x",
    ];
    // What an agent may type, as the API makes it: lower case, letters and digits.
    const TYPED: &[&[&str]] = &[
        &["jose"],
        &["josé"],
        &["jo", "nu"],
        &["núñez"],
        &["o", "brien"],
        &["smith"],
        &["zoe"],
        &["zoë"],
        &["muller"],
        &["müller"],
        &["ilkay"],
        &["olcer"],
        &["ölçer"],
        &["nguyen"],
        &["van", "an"],
        &["francois"],
        &["lefevre"],
        &["aero"],
        &["aerø"],
        &["ærø"],
        &["ase"],
        &["dvorak"],
        &["antonin"],
        &["lukasz"],
        &["łukasz"],
        &["zolc"],
        &["oystein"],
        &["øystein"],
        &["strasse"],
        &["straße"],
        &["anna"],
        &["ann"],
        &["maria"],
        &["annamaria"],
        &["emile"],
        &["3rd"],
        &["3"],
        &["bob", "3"],
        &["x"],
        &["q"],
    ];
    let (lite, _dir) = sqlite().await;
    let (pg, _db) = postgres().await;
    for store in [&lite as &dyn Store, &pg] {
        store.import(&named(NAMES)).await.unwrap();
        store.finish_import().await.unwrap();
    }
    let mut differ = Vec::new();
    for typed in TYPED {
        let query = SearchQuery::Name(typed.iter().map(|w| w.to_string()).collect());
        let a = all_pages(&lite, &query, 2).await;
        let b = all_pages(&pg, &query, 2).await;
        if a != b {
            differ.push(format!("{typed:?}: SQLite {a:?}, PostgreSQL {b:?}"));
        }
    }
    assert!(differ.is_empty(), "{}", differ.join("\n"));
    // Sanity: the folding finds what it should.
    let ids = |q: &[&str]| {
        let query = SearchQuery::Name(q.iter().map(|w| w.to_string()).collect());
        let pg = &pg;
        async move {
            let mut ids: Vec<i64> = pg
                .search_customers(&query, None, 50)
                .await
                .unwrap()
                .iter()
                .map(|c| c.id)
                .collect();
            ids.sort();
            ids
        }
    };
    assert_eq!(ids(&["jose"]).await, [1, 2, 3]);
    assert_eq!(ids(&["o", "brien"]).await, [3]);
    assert_eq!(ids(&["emile"]).await, [16, 17]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_on_one_database_keep_one_chain_and_a_policy_version_that_only_grows() {
    let db = PgDatabase::create();
    let one = Arc::new(PostgresStore::open(db.url(), key()).await.unwrap());
    let two = Arc::new(PostgresStore::open(db.url(), key()).await.unwrap());
    one.seed_role_definitions(&definitions()).await.unwrap();
    two.seed_role_definitions(&definitions()).await.unwrap();
    let start = one.policy_version().await.unwrap();

    const TASKS: usize = 16;
    const EACH: usize = 25;
    let mut tasks = tokio::task::JoinSet::new();
    for (n, store) in [one.clone(), two.clone()].into_iter().enumerate() {
        for task in 0..TASKS {
            let store = store.clone();
            tasks.spawn(async move {
                let mut versions = Vec::new();
                for i in 0..EACH {
                    let actor = format!("replica{n}-task{task}");
                    match (task + i) % 5 {
                        // Reads' entries of their own, through the batching writer.
                        0..=2 => {
                            store
                                .append_audit(event(&actor, AuditAction::CustomerView, "c"))
                                .await
                                .unwrap();
                        }
                        3 => {
                            let mut d = definition(Role::AgentL2);
                            d.description = format!("{actor} {i}");
                            let (_, entry) = store
                                .put_role_definition(
                                    &d,
                                    &actor,
                                    event(&actor, AuditAction::RoleUpdate, "role"),
                                )
                                .await
                                .unwrap();
                            let detail: serde_json::Value =
                                serde_json::from_str(&entry.detail).unwrap();
                            versions.push(detail["policy_version"].as_u64().unwrap());
                        }
                        _ => {
                            let layout =
                                Layout::default_for(&Policy::of([&definition(Role::Supervisor)]));
                            let (_, entry) = store
                                .put_layout(
                                    Role::Supervisor,
                                    &layout,
                                    &actor,
                                    event(&actor, AuditAction::LayoutPublish, "layout"),
                                )
                                .await
                                .unwrap();
                            let detail: serde_json::Value =
                                serde_json::from_str(&entry.detail).unwrap();
                            versions.push(detail["policy_version"].as_u64().unwrap());
                        }
                    }
                }
                versions
            });
        }
    }
    let mut versions = Vec::new();
    while let Some(done) = tasks.join_next().await {
        let mine = done.unwrap();
        // Each task saw its own changes' versions only grow.
        assert!(mine.windows(2).all(|w| w[0] < w[1]), "{mine:?}");
        versions.extend(mine);
    }
    let changes = versions.len();
    versions.sort();
    versions.dedup();
    assert_eq!(
        versions.len(),
        changes,
        "two changes got one policy version"
    );
    assert!(versions[0] > start);
    let last = one.policy_version().await.unwrap();
    assert_eq!(last, *versions.last().unwrap());
    assert_eq!(two.policy_version().await.unwrap(), last);

    let verified = desk_server::verify_audit(&*two, &key()).await.unwrap();
    assert!(verified.broken.is_none(), "{verified:?}");
    assert_eq!(verified.entries as usize, 2 * TASKS * EACH);
    // Every change got its own version of its document, none lost to the other replica.
    let history = one.role_history(Role::AgentL2, 10_000).await.unwrap();
    let definitions_changed = (0..TASKS)
        .flat_map(|task| (0..EACH).filter(move |i| (task + i) % 5 == 3))
        .count()
        * 2;
    assert_eq!(history.len(), definitions_changed + 1);
    assert_eq!(history[0].version as usize, definitions_changed + 1);
}

/// The schema as the catalogue holds it: every table's columns with their types, and the
/// migrations applied.
async fn schema(store: &PostgresStore) -> (Vec<(String, String, String)>, Vec<i64>) {
    let columns = sqlx::query_as(
        "SELECT table_name::text, column_name::text, data_type::text
         FROM information_schema.columns WHERE table_schema = 'public'
         ORDER BY table_name, ordinal_position",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    let applied = sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
        .fetch_all(store.pool())
        .await
        .unwrap();
    (columns, applied)
}

#[tokio::test]
async fn open_makes_the_schema_on_an_empty_database_and_opening_again_changes_nothing() {
    let db = PgDatabase::create();
    let first = PostgresStore::open(db.url(), key()).await.unwrap();
    let made = schema(&first).await;
    let tables: std::collections::BTreeSet<&str> =
        made.0.iter().map(|(table, _, _)| table.as_str()).collect();
    for table in [
        "customers",
        "audit",
        "role_definitions",
        "role_definition_history",
        "layouts",
        "layout_history",
        "policy_version",
        "wipes",
        "offline_views",
        "offline_windows",
        "scim_users",
        "scim_members",
        "announcements",
        "key_pins",
        "replicas",
        "_sqlx_migrations",
    ] {
        assert!(tables.contains(table), "{table} missing: {tables:?}");
    }
    // Every migration embedded is applied, and nothing else: read from the migrations themselves.
    let embedded: Vec<i64> = sqlx::migrate!("./migrations-postgres")
        .iter()
        .map(|migration| migration.version)
        .collect();
    assert_eq!(made.1, embedded);
    first
        .append_audit(event("agent1", AuditAction::SignIn, "session"))
        .await
        .unwrap();
    drop(first);
    let again = PostgresStore::open(db.url(), key()).await.unwrap();
    assert_eq!(schema(&again).await, made);
    assert_eq!(again.audit_head().await.unwrap().unwrap().0, 1);

    // Replicas starting at once on an empty database: one makes the schema, neither fails.
    let other = PgDatabase::create();
    let (a, b) = tokio::join!(
        PostgresStore::open(other.url(), key()),
        PostgresStore::open(other.url(), key())
    );
    assert_eq!(schema(&a.unwrap()).await, made);
    assert_eq!(schema(&b.unwrap()).await, made);
}

#[tokio::test]
async fn a_database_other_than_utf8_is_refused() {
    let db = PgDatabase::create();
    let name = format!("{}_latin1", db.name());
    desk_testkit::postgres::psql(&format!(
        "CREATE DATABASE \"{name}\" ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0"
    ))
    .unwrap();
    let url = format!("{}_latin1", db.url());
    let opened = PostgresStore::open(&url, key()).await;
    let _ = desk_testkit::postgres::psql(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"));
    match opened {
        Err(StoreError::Corrupt(reason)) => assert!(reason.contains("UTF8"), "{reason}"),
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("a LATIN1 database was opened"),
    }
}

/// Makes every audit insert of `actor` fail, as a constraint or a full disk would.
const FAIL_POSTGRES: &str = "
    CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.actor = 'refused' THEN RAISE EXCEPTION 'audit refused'; END IF;
        RETURN NEW;
    END;
    $$;
    CREATE TRIGGER refuse_audit BEFORE INSERT ON audit
        FOR EACH ROW EXECUTE FUNCTION refuse_audit();";
const FAIL_SQLITE: &str = "
    CREATE TRIGGER refuse_audit BEFORE INSERT ON audit WHEN NEW.actor = 'refused'
    BEGIN SELECT RAISE(ABORT, 'audit refused'); END;";

/// A reply whose audit entry cannot be written, then one whose entry can: what each left.
async fn reply_with_failing_audit(store: &dyn Store) -> Vec<String> {
    let mut seen = Vec::new();
    let ticket = some_ticket(store).await;
    let before = store.messages(ticket.id, true).await.unwrap();
    let head = store.audit_head().await.unwrap();
    let reply = |actor: &str| {
        (
            NewMessage {
                ticket_id: ticket.id,
                internal: false,
                author: actor.into(),
                body: "Thanks, it is sorted.".into(),
            },
            event(actor, AuditAction::TicketReply, "ticket"),
        )
    };
    let (message, audit) = reply("refused");
    let failed = store.add_message(message, audit).await;
    seen.push(format!("failed: {}", failed.is_err()));
    assert_eq!(store.messages(ticket.id, true).await.unwrap(), before);
    assert_eq!(store.ticket(ticket.id).await.unwrap().unwrap(), ticket);
    assert_eq!(store.audit_head().await.unwrap(), head);
    // An entry of its own that cannot be written fails its request only, and the writer goes on.
    let own = store
        .append_audit(event("refused", AuditAction::CustomerView, "customer:1"))
        .await;
    seen.push(format!("own entry failed: {}", own.is_err()));
    let (message, audit) = reply("agent1");
    let (row, entry) = store.add_message(message, audit).await.unwrap();
    seen.push(format!("written: {}", row.body));
    let detail: serde_json::Value = serde_json::from_str(&entry.detail).unwrap();
    assert_eq!(detail["message"], row.id);
    assert_eq!(
        store.messages(ticket.id, true).await.unwrap().len(),
        before.len() + 1
    );
    let verified = desk_server::verify_audit(store, &key()).await.unwrap();
    assert!(verified.broken.is_none());
    seen
}

#[tokio::test]
async fn a_reply_and_its_audit_entry_commit_together_or_not_at_all_on_both_engines() {
    let options = DemoOptions {
        customers: 5,
        seed: 3,
    };
    let (lite, _dir) = sqlite().await;
    let (pg, _db) = postgres().await;
    desk_server::demo::generate(&lite, &options, |_| {})
        .await
        .unwrap();
    desk_server::demo::generate(&pg, &options, |_| {})
        .await
        .unwrap();
    sqlx::raw_sql(FAIL_SQLITE)
        .execute(lite.pool())
        .await
        .unwrap();
    sqlx::raw_sql(FAIL_POSTGRES)
        .execute(pg.pool())
        .await
        .unwrap();
    let on_sqlite = reply_with_failing_audit(&lite).await;
    let on_postgres = reply_with_failing_audit(&pg).await;
    assert_eq!(on_sqlite, on_postgres);
    assert_eq!(on_postgres[..2], ["failed: true", "own entry failed: true"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_hears_the_others_announcements_in_the_order_they_committed() {
    let db = PgDatabase::create();
    let one = PostgresStore::open(db.url(), key()).await.unwrap();
    let two = PostgresStore::open(db.url(), key()).await.unwrap();
    assert_eq!(two.last_announcement().await.unwrap(), 0);
    let mut listener = two.listen().await.unwrap().expect("PostgreSQL listens");
    one.announce("one", r#"{"kind":"wipe"}"#).await.unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(10), listener.wait())
        .await
        .expect("the listener wakes")
        .unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    let one = Arc::new(one);
    for n in 0..20 {
        let one = one.clone();
        tasks.spawn(async move { one.announce("one", &format!("{n}")).await.unwrap() });
    }
    while tasks.join_next().await.is_some() {}
    let all = two.announcements(0, 100).await.unwrap();
    assert_eq!(all.len(), 21);
    assert!(all.windows(2).all(|w| w[0].id < w[1].id));
    assert_eq!(two.last_announcement().await.unwrap(), all[20].id);
    assert_eq!(two.announcements(all[18].id, 100).await.unwrap(), all[19..]);
    // SQLite has nobody to tell.
    let (lite, _dir) = sqlite().await;
    lite.announce("one", "{}").await.unwrap();
    assert!(lite.listen().await.unwrap().is_none());
}

/// A TCP relay to the database that can be cut: the database disappearing mid-run, as a
/// network partition or a failover does.
struct Relay {
    port: u16,
    cut: tokio::sync::watch::Sender<bool>,
}

impl Relay {
    async fn to(target: std::net::SocketAddr) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (cut, watch) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            loop {
                let mut stop = watch.clone();
                let (mut client, _) = tokio::select! {
                    accepted = listener.accept() => accepted.unwrap(),
                    _ = stop.wait_for(|cut| *cut) => return,
                };
                let mut stop = watch.clone();
                tokio::spawn(async move {
                    let Ok(mut server) = tokio::net::TcpStream::connect(target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = stop.wait_for(|cut| *cut) => {}
                    }
                });
            }
        });
        Self { port, cut }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_disappears_is_told_apart_quickly_and_nothing_is_half_written() {
    let db = PgDatabase::create();
    let url = reqwest::Url::parse(db.url()).unwrap();
    let target = tokio::net::lookup_host((url.host_str().unwrap(), url.port().unwrap()))
        .await
        .unwrap()
        .next()
        .unwrap();
    let relay = Relay::to(target).await;
    let mut relayed = url.clone();
    relayed.set_port(Some(relay.port)).unwrap();
    let store = PostgresStore::open(relayed.as_str(), key()).await.unwrap();
    let direct = PostgresStore::open(db.url(), key()).await.unwrap();
    let options = DemoOptions {
        customers: 3,
        seed: 5,
    };
    desk_server::demo::generate(&store, &options, |_| {})
        .await
        .unwrap();
    let ticket = some_ticket(&store).await;
    let messages = direct.messages(ticket.id, true).await.unwrap();
    let head = direct.audit_head().await.unwrap();

    relay.cut.send(true).unwrap();
    let started = std::time::Instant::now();
    let reply = store
        .add_message(
            NewMessage {
                ticket_id: ticket.id,
                internal: false,
                author: "agent1".into(),
                body: "never arrives".into(),
            },
            event("agent1", AuditAction::TicketReply, "ticket"),
        )
        .await;
    let entry = store
        .append_audit(event("agent1", AuditAction::CustomerView, "customer:1"))
        .await;
    let read = store.customer(1).await;
    for (what, failed) in [
        ("reply", reply.map(|_| ()).err()),
        ("entry", entry.map(|_| ()).err()),
        ("read", read.map(|_| ()).err()),
    ] {
        let e = failed.unwrap_or_else(|| panic!("the {what} succeeded through a cut relay"));
        assert!(e.is_unavailable(), "{what}: {e}");
    }
    // A few acquire timeouts at most, not sqlx's default 30 s each.
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(direct.messages(ticket.id, true).await.unwrap(), messages);
    assert_eq!(direct.ticket(ticket.id).await.unwrap().unwrap(), ticket);
    assert_eq!(direct.audit_head().await.unwrap(), head);
}
