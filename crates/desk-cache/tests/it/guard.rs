use desk_cache::{CacheError, GuardError, GuardReason, Records, prepare};
use desk_core::record::{Account, Card, Customer, Fields, Message, Record, Ticket, sample};
use desk_core::redact::is_redacted_as;
use desk_core::{Field, Policy, RecordKind, Redaction, Role};

use crate::support::{self, FETCHED_AT, people, policy, server_records};

/// What an agent_l2 may cache of one customer: a valid batch to spoil one value of.
fn valid(p: &Policy) -> Records {
    let person = people(3, 1).remove(0);
    prepare::records(&server_records(p, &[person]), p)
}

/// Stores `records` and expects the refusal to name `field` (or the record, for `None`) with
/// `reason`, and nothing of the batch to be written.
async fn assert_refused(
    p: &Policy,
    records: &Records,
    field: Option<Field>,
    reason: GuardReason,
    value: &str,
) {
    let t = support::cache().await;
    // Something already cached, to show that a refused call leaves it as it was.
    let earlier = Records {
        customers: vec![Customer {
            id: 999,
            name: Some("Earlier Customer".into()),
            ..Customer::default()
        }],
        ..Records::default()
    };
    let l1 = policy(&[Role::AgentL1]);
    t.cache.store(&earlier, &l1, FETCHED_AT).await.unwrap();
    let before = t.cache.status(FETCHED_AT).await.unwrap();

    let err = t.cache.store(records, p, FETCHED_AT).await.unwrap_err();
    let CacheError::Guard(GuardError {
        field: got_field,
        reason: got_reason,
        ..
    }) = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!((*got_field, *got_reason), (field, reason), "{err}");
    if !value.is_empty() {
        assert!(!err.to_string().contains(value), "{err}");
        assert!(!format!("{err:?}").contains(value), "{err:?}");
    }
    let after = t.cache.status(FETCHED_AT).await.unwrap();
    assert_eq!(after.per_kind, before.per_kind, "nothing was written");
    assert_eq!(after.per_kind.get(&RecordKind::Customer), Some(&1));
    for c in &records.customers {
        assert_eq!(t.cache.customer(c.id, FETCHED_AT).await.unwrap(), None);
    }
}

#[tokio::test]
async fn the_valid_batch_is_stored() {
    let p = policy(&[Role::AgentL2]);
    let records = valid(&p);
    assert!(!records.customers.is_empty() && !records.transactions.is_empty());
    let t = support::cache().await;
    t.cache.store(&records, &p, FETCHED_AT).await.unwrap();
}

#[tokio::test]
async fn restricted_values_are_refused_even_masked() {
    let p = policy(&[Role::AgentL2]);
    let card = "4111 1111 1111 1111";
    for number in [card, "•••• 1111"] {
        let mut r = valid(&p);
        let accounts = r.customers[0].accounts.as_mut().unwrap();
        accounts[0].cards.as_mut().unwrap()[0].number = Some(number.into());
        let reason = GuardReason::FieldNotCacheable(Field::CardNumber);
        assert_refused(&p, &r, Some(Field::CardNumber), reason, card).await;

        let mut r = valid(&p);
        r.transactions[2].1.card_number = Some(number.into());
        let reason = GuardReason::FieldNotCacheable(Field::TransactionCardNumber);
        assert_refused(&p, &r, Some(Field::TransactionCardNumber), reason, card).await;
    }
    let mut r = valid(&p);
    r.customers[0].accounts.as_mut().unwrap()[1].number = Some("GB33BUKB20201555555555".into());
    let reason = GuardReason::FieldNotCacheable(Field::AccountNumber);
    assert_refused(&p, &r, Some(Field::AccountNumber), reason, "GB33BUKB").await;
}

#[tokio::test]
async fn personal_data_in_the_clear_is_refused() {
    let p = policy(&[Role::Supervisor]);
    let cases = [
        (
            Field::CustomerEmail,
            "jane.doe@example.com",
            Redaction::MaskEmail,
        ),
        (
            Field::CustomerPhone,
            "+44 7700 900123",
            Redaction::MaskPhone,
        ),
        (
            Field::CustomerDateOfBirth,
            "1985-03-14",
            Redaction::YearOnly,
        ),
    ];
    for (field, value, redaction) in cases {
        let mut r = valid(&p);
        let c = &mut r.customers[0];
        let slot = match field {
            Field::CustomerEmail => &mut c.email,
            Field::CustomerPhone => &mut c.phone,
            _ => &mut c.date_of_birth,
        };
        assert!(slot.is_some(), "{field} is cached for supervisors");
        *slot = Some(value.into());
        let reason = GuardReason::NotRedacted(field, redaction);
        assert_refused(&p, &r, Some(field), reason, value).await;
    }
}

#[tokio::test]
async fn personal_data_without_a_partial_form_is_refused() {
    // Supervisors see both whole; the cache holds neither.
    let p = policy(&[Role::Supervisor]);
    let mut r = valid(&p);
    r.customers[0].address = Some("1 Main Street, Leeds".into());
    let reason = GuardReason::FieldNotCacheable(Field::CustomerAddress);
    assert_refused(&p, &r, Some(Field::CustomerAddress), reason, "Main Street").await;

    let mut r = valid(&p);
    r.transactions[0].1.ip_address = Some("203.0.113.9".into());
    let reason = GuardReason::FieldNotCacheable(Field::TransactionIpAddress);
    assert_refused(
        &p,
        &r,
        Some(Field::TransactionIpAddress),
        reason,
        "203.0.113",
    )
    .await;
}

#[tokio::test]
async fn free_text_holding_personal_data_is_refused() {
    let p = policy(&[Role::Supervisor]);
    let cases = [
        (
            Field::TransactionDescription,
            "Refund to card 4111 1111 1111 1111",
        ),
        (
            Field::TicketSubject,
            "Transfer from GB33 BUKB 2020 1555 5555 55",
        ),
        (Field::MessageBody, "Write to jane.doe@example.com"),
        (Field::MessageInternalNotes, "Call back on +44 7700 900123"),
        (Field::MessageBody, "NI number AB 12 34 56 C"),
    ];
    for (field, text) in cases {
        let mut r = valid(&p);
        let messages = r.tickets[0].messages.as_mut().unwrap();
        match field {
            Field::TransactionDescription => r.transactions[1].1.description = Some(text.into()),
            Field::TicketSubject => r.tickets[1].subject = Some(text.into()),
            Field::MessageBody => {
                messages.iter_mut().find(|m| !m.internal).unwrap().body = Some(text.into())
            }
            _ => messages.iter_mut().find(|m| m.internal).unwrap().body = Some(text.into()),
        }
        let secret = &text[text.len() - 12..];
        assert_refused(
            &p,
            &r,
            Some(field),
            GuardReason::SensitiveText(field),
            secret,
        )
        .await;
    }
}

#[tokio::test]
async fn what_the_policy_hides_is_refused() {
    // agent_l1 sees no balances, no dates of birth and no internal notes.
    let p = policy(&[Role::AgentL1]);
    let mut r = valid(&p);
    r.customers[0].accounts.as_mut().unwrap()[0].balance = Some(120_000);
    let reason = GuardReason::FieldNotCacheable(Field::AccountBalance);
    assert_refused(&p, &r, Some(Field::AccountBalance), reason, "").await;

    let mut r = valid(&p);
    r.customers[0].date_of_birth = Some("1985".into());
    let reason = GuardReason::FieldNotCacheable(Field::CustomerDateOfBirth);
    assert_refused(&p, &r, Some(Field::CustomerDateOfBirth), reason, "").await;

    let mut r = valid(&p);
    r.tickets[0].messages.as_mut().unwrap().push(Message {
        id: 77,
        internal: true,
        body: None,
        ..Message::default()
    });
    let reason = GuardReason::FieldNotCacheable(Field::MessageInternalNotes);
    assert_refused(&p, &r, Some(Field::MessageInternalNotes), reason, "").await;
}

#[tokio::test]
async fn kinds_the_policy_does_not_cache_are_refused() {
    // Administrators cache nothing at all.
    let admin = policy(&[Role::Admin]);
    let l1 = policy(&[Role::AgentL1]);
    let r = valid(&l1);
    let only_customers = Records {
        customers: r
            .customers
            .iter()
            .map(|c| Customer {
                accounts: None,
                ..c.clone()
            })
            .collect(),
        ..Records::default()
    };
    let reason = GuardReason::KindNotCacheable(RecordKind::Customer);
    assert_refused(&admin, &only_customers, None, reason, "").await;

    // A policy that caches customers, but not transactions, accounts or messages.
    let mut narrow = l1.clone();
    narrow
        .cache
        .ttl_secs
        .retain(|k, _| *k == RecordKind::Customer || *k == RecordKind::Ticket);
    let with_transactions = Records {
        transactions: r.transactions.clone(),
        ..only_customers.clone()
    };
    let reason = GuardReason::KindNotCacheable(RecordKind::Transaction);
    assert_refused(&narrow, &with_transactions, None, reason, "").await;
    let reason = GuardReason::KindNotCacheable(RecordKind::Account);
    let with_accounts = Records {
        customers: r.customers.clone(),
        ..Records::default()
    };
    assert_refused(&narrow, &with_accounts, None, reason, "").await;
    let with_messages = Records {
        tickets: r.tickets.clone(),
        ..only_customers
    };
    let reason = GuardReason::KindNotCacheable(RecordKind::Message);
    assert_refused(&narrow, &with_messages, None, reason, "").await;
}

#[tokio::test]
async fn one_bad_record_refuses_the_whole_batch() {
    let p = policy(&[Role::AgentL2]);
    let mut r = prepare::records(&server_records(&p, &people(5, 10)), &p);
    assert_eq!(r.customers.len(), 10);
    r.tickets.last_mut().unwrap().subject = Some("mail me: ada@example.com".into());
    let field = Field::TicketSubject;
    assert_refused(
        &p,
        &r,
        Some(field),
        GuardReason::SensitiveText(field),
        "ada@",
    )
    .await;
}

#[tokio::test]
async fn fields_and_kinds_the_policy_forbids_are_never_stored() {
    // The server holds everything; each default role's agent stores what prepare makes of the
    // view the server gave them, and the cache, read back, holds only what the role may cache.
    let raw = people(21, 8);
    for roles in support::role_sets() {
        let p = policy(&roles);
        let t = support::cache().await;
        let records = prepare::records(&server_records(&p, &raw), &p);
        t.cache.store(&records, &p, FETCHED_AT).await.unwrap();
        let status = t.cache.status(FETCHED_AT).await.unwrap();
        for kind in [
            RecordKind::Customer,
            RecordKind::Transaction,
            RecordKind::Ticket,
        ] {
            let stored = status.per_kind.get(&kind).copied().unwrap_or(0);
            match p.cacheable(kind) {
                None => assert_eq!(stored, 0, "{roles:?}: {kind}"),
                Some(_) => assert!(stored > 0, "{roles:?}: {kind}"),
            }
        }
        for person in &raw {
            let id = person.customer.id;
            if let Some(c) = t.cache.customer(id, FETCHED_AT).await.unwrap() {
                assert_cacheable(
                    &p,
                    RecordKind::Customer,
                    &serde_json::to_value(&c.value).unwrap(),
                    &roles,
                );
            }
            for c in t
                .cache
                .transactions(id, 500, None, FETCHED_AT)
                .await
                .unwrap()
            {
                assert_cacheable(
                    &p,
                    RecordKind::Transaction,
                    &serde_json::to_value(&c.value).unwrap(),
                    &roles,
                );
            }
            for c in t.cache.tickets(id, FETCHED_AT).await.unwrap() {
                assert_cacheable(
                    &p,
                    RecordKind::Ticket,
                    &serde_json::to_value(&c.value).unwrap(),
                    &roles,
                );
            }
        }
        t.cache.close().await;
    }
}

/// Checks every field of a record read back from the cache, nested ones too, against the
/// policy's cache redactions: present only when cacheable, and in the cached form.
fn assert_cacheable(p: &Policy, kind: RecordKind, record: &serde_json::Value, roles: &[Role]) {
    assert!(p.cacheable(kind).is_some(), "{roles:?}: {kind} stored");
    let object = record.as_object().unwrap();
    let internal = object.get("internal").and_then(|v| v.as_bool()) == Some(true);
    if internal {
        assert_ne!(
            p.cache_redaction(Field::MessageInternalNotes),
            Redaction::Hidden,
            "{roles:?}"
        );
    }
    for (key, value) in object {
        let nested = match key.as_str() {
            "id" | "account_id" | "customer_id" | "internal" => continue,
            "accounts" => Some(RecordKind::Account),
            "cards" => Some(RecordKind::Card),
            "messages" => Some(RecordKind::Message),
            _ => None,
        };
        if let Some(nested) = nested {
            for item in value.as_array().unwrap() {
                assert_cacheable(p, nested, item, roles);
            }
            continue;
        }
        let field: Field = match (kind, key.as_str(), internal) {
            (RecordKind::Message, "body", true) => Field::MessageInternalNotes,
            _ => format!("{kind}.{key}").parse().unwrap(),
        };
        let redaction = p.cache_redaction(field);
        assert_ne!(redaction, Redaction::Hidden, "{roles:?}: {field} stored");
        if let Some(text) = value.as_str() {
            assert!(
                is_redacted_as(redaction, text),
                "{roles:?}: {field} = {text:?}"
            );
            if field.shape() == desk_core::record::Shape::FreeText {
                assert!(
                    !desk_core::scrub::contains_sensitive(text),
                    "{roles:?}: {field}"
                );
            }
        }
    }
}

/// A policy that reads and caches every kind and shows every field as openly as it allows.
fn everything() -> Policy {
    let mut p = policy(Role::ALL);
    p.fields = Field::ALL
        .iter()
        .map(|&f| (f, f.widest_redaction()))
        .collect();
    p.cache.ttl_secs = RecordKind::ALL.into_iter().map(|k| (k, 3600)).collect();
    p
}

/// A batch holding one record of `field`'s kind, nested where that kind lives, with only
/// `field` set.
fn holding_only(field: Field) -> Records {
    fn one<R: Record>(field: Field) -> R {
        let mut r = R::default();
        r.set(field, sample(field, "kept value")).unwrap();
        r
    }
    let mut records = Records::default();
    match field.kind() {
        RecordKind::Customer => records.customers.push(one(field)),
        RecordKind::Account => records.customers.push(Customer {
            accounts: Some(vec![one(field)]),
            ..Customer::default()
        }),
        RecordKind::Card => records.customers.push(Customer {
            accounts: Some(vec![Account {
                cards: Some(vec![one::<Card>(field)]),
                ..Account::default()
            }]),
            ..Customer::default()
        }),
        RecordKind::Transaction => records.transactions.push((0, one(field))),
        RecordKind::Ticket => records.tickets.push(one(field)),
        RecordKind::Message => records.tickets.push(Ticket {
            messages: Some(vec![Message {
                internal: field == Field::MessageInternalNotes,
                ..one(field)
            }]),
            ..Ticket::default()
        }),
    }
    records
}

/// The guard's exhaustiveness test: for every field of the catalogue, a record holding only that
/// field, under a policy that caches everything but that field, is refused naming the field. A
/// field the guard did not walk would pass.
#[test]
fn the_guard_checks_every_catalogue_field() {
    for &field in Field::ALL {
        let mut p = everything();
        p.fields.remove(&field);
        let records = holding_only(field);
        let err = desk_cache::guard::check(&records, &p).expect_err(field.as_str());
        assert_eq!(err.field, Some(field), "{err}");
        assert_eq!(err.reason, GuardReason::FieldNotCacheable(field), "{err}");
        // With the field shown, the same record is checked against its cached form instead.
        let p = everything();
        match desk_cache::guard::check(&records, &p) {
            Ok(()) => assert!(p.cache_redaction(field) != Redaction::Hidden, "{field}"),
            Err(err) => assert_eq!(err.field, Some(field), "{err}"),
        }
    }
}

/// What the cache keeps of a record holding every field, for every role: exactly the fields the
/// cache may hold for that role, and it passes the guard. A field `prepare` did not walk would be
/// missing.
#[test]
fn prepare_keeps_exactly_the_fields_the_cache_may_hold_for_every_role() {
    let mut policies: Vec<Policy> = support::role_sets().iter().map(|r| policy(r)).collect();
    policies.push(everything());
    let mut kept_somewhere = std::collections::BTreeSet::new();
    for p in &policies {
        for &field in Field::ALL {
            let records = prepare::records(&holding_only(field), p);
            desk_cache::guard::check(&records, p).unwrap();
            let mut kept = Vec::new();
            for c in &records.customers {
                kept.extend(present(c));
                for a in c.accounts.iter().flatten() {
                    kept.extend(present(a));
                    a.cards
                        .iter()
                        .flatten()
                        .for_each(|card| kept.extend(present(card)));
                }
            }
            for (_, t) in &records.transactions {
                kept.extend(present(t));
            }
            for t in &records.tickets {
                kept.extend(present(t));
                t.messages
                    .iter()
                    .flatten()
                    .for_each(|m| kept.extend(present(m)));
            }
            let cached = p.cache_redaction(field) != Redaction::Hidden
                && p.cacheable(field.kind()).is_some()
                && (field.kind() != RecordKind::Card || p.cacheable(RecordKind::Account).is_some())
                && (field.kind() != RecordKind::Message
                    || p.cacheable(RecordKind::Ticket).is_some());
            let expected = if cached { vec![field] } else { vec![] };
            assert_eq!(kept, expected, "{:?}: {field}", p.roles);
            kept_somewhere.extend(kept);
        }
    }
    let cacheable: std::collections::BTreeSet<Field> = Field::ALL
        .iter()
        .copied()
        .filter(|&f| everything().cache_redaction(f) != Redaction::Hidden)
        .collect();
    assert_eq!(kept_somewhere, cacheable);
}

fn present(r: &impl Fields) -> Vec<Field> {
    let mut fields = Vec::new();
    r.visit(|f, v| {
        if v.is_present() {
            fields.push(f);
        }
    });
    fields
}
