use desk_cache::{Records, guard, prepare};
use desk_core::record::{Customer, Ticket, Transaction};
use desk_core::{Field, RecordKind, Role};

use crate::support::{self, FETCHED_AT, people, policy, server_records};

#[tokio::test]
async fn what_prepare_makes_of_any_server_view_passes_the_guard() {
    let raw = people(1, 60);
    for roles in support::role_sets() {
        let p = policy(&roles);
        let sent = server_records(&p, &raw);
        let prepared = prepare::records(&sent, &p);
        guard::check(&prepared, &p).unwrap_or_else(|e| panic!("{roles:?}: {e}"));
        // What the server sent is, for most roles, not fit as it is: the guard is not idle.
        if p.cacheable(RecordKind::Customer).is_some() {
            assert!(guard::check(&sent, &p).is_err(), "{roles:?}");
        }
        let t = support::cache().await;
        t.cache.store(&prepared, &p, FETCHED_AT).await.unwrap();
        // Preparing twice changes nothing more.
        assert_eq!(prepare::records(&prepared, &p), prepared, "{roles:?}");
        t.cache.close().await;
    }
}

#[test]
fn prepared_records_hold_none_of_the_customers_secrets() {
    let raw = people(2, 40);
    for roles in support::role_sets() {
        let p = policy(&roles);
        let prepared = prepare::records(&server_records(&p, &raw), &p);
        let text = serde_json::to_string(&(
            &prepared.customers,
            &prepared.transactions,
            &prepared.tickets,
        ))
        .unwrap();
        for person in &raw {
            for secret in person.secrets() {
                assert!(!text.contains(&secret), "{roles:?} caches {secret:?}");
            }
        }
    }
}

#[test]
fn free_text_loses_the_values_the_cache_may_not_hold_whole() {
    // A supervisor sees the date of birth and the address whole, so the server leaves them in a
    // note; the cache keeps the year and drops the address.
    let p = policy(&[Role::Supervisor]);
    let about = Customer {
        id: 1,
        name: Some("Ada Lovelace".into()),
        email: Some("ada@example.com".into()),
        phone: Some("+44 7700 900123".into()),
        date_of_birth: Some("1985-03-14".into()),
        address: Some("1 Main Street, Leeds".into()),
        ..Customer::default()
    };
    let note = "Verified DOB 14/03/1985, lives at 1 Main Street, Leeds; mail ada@example.com";
    let t = Ticket {
        id: 5,
        customer_id: 1,
        subject: Some(note.into()),
        ..Ticket::default()
    };
    let cached = prepare::ticket(&t, &p, Some(&about)).unwrap();
    let subject = cached.subject.unwrap();
    assert!(subject.contains("DOB 1985,"), "{subject}");
    assert!(
        !subject.contains("14/03") && !subject.contains("Main Street"),
        "{subject}"
    );
    assert!(subject.contains("a•••@example.com"), "{subject}");

    let cached = prepare::customer(&about, &p).unwrap();
    assert_eq!(cached.email.as_deref(), Some("a•••@example.com"));
    assert_eq!(cached.phone.as_deref(), Some("•••23"));
    assert_eq!(cached.date_of_birth.as_deref(), Some("1985"));
    assert_eq!(cached.address, None);
    assert_eq!(cached.name.as_deref(), Some("Ada Lovelace"));
}

#[test]
fn values_the_server_masked_are_kept_as_they_came() {
    // Masking "•••23" again would lose the two digits an agent_l1 is shown.
    let p = policy(&[Role::AgentL1]);
    let c = Customer {
        id: 1,
        email: Some("a•••@example.com".into()),
        phone: Some("•••23".into()),
        created_at: Some("2019".into()),
        ..Customer::default()
    };
    assert_eq!(prepare::customer(&c, &p).unwrap(), c);
}

#[test]
fn values_that_do_not_look_like_their_field_are_masked_whole() {
    let p = policy(&[Role::Supervisor]);
    let c = Customer {
        id: 1,
        email: Some("not an address <script>".into()),
        phone: Some("call me".into()),
        date_of_birth: Some("14/03/1985".into()),
        ..Customer::default()
    };
    let cached = prepare::customer(&c, &p).unwrap();
    assert_eq!(cached.email.as_deref(), Some("•••"));
    assert_eq!(cached.phone.as_deref(), Some("•••"));
    assert_eq!(cached.date_of_birth.as_deref(), Some("•••"));
    guard::check_customer(&cached, &p).unwrap();
}

#[test]
fn kinds_and_notes_the_policy_does_not_cache_are_dropped() {
    let raw = people(4, 3);
    let admin = policy(&[Role::Admin]);
    assert_eq!(
        prepare::records(&server_records(&admin, &raw), &admin),
        Records::default()
    );

    // agent_l1 caches tickets and messages but not internal notes.
    let l2 = policy(&[Role::AgentL2]);
    let l1 = policy(&[Role::AgentL1]);
    let sent = server_records(&l2, &raw);
    assert!(
        sent.tickets
            .iter()
            .flat_map(|t| t.messages.iter().flatten())
            .any(|m| m.internal)
    );
    let prepared = prepare::records(&sent, &l1);
    let messages: Vec<_> = prepared
        .tickets
        .iter()
        .flat_map(|t| t.messages.iter().flatten())
        .collect();
    assert!(!messages.is_empty());
    assert!(messages.iter().all(|m| !m.internal));

    // Without a rule for transactions, there are none; without one for cards, accounts lose them.
    let mut narrow = l1.clone();
    narrow.cache.ttl_secs.remove(&RecordKind::Transaction);
    narrow.cache.ttl_secs.remove(&RecordKind::Card);
    let prepared = prepare::records(&sent, &narrow);
    assert!(prepared.transactions.is_empty());
    let accounts = prepared.customers[0].accounts.as_ref().unwrap();
    assert!(!accounts.is_empty() && accounts.iter().all(|a| a.cards.is_none()));
    assert_eq!(
        prepare::transaction(&Transaction::default(), &narrow, None),
        None
    );
    assert!(
        accounts
            .iter()
            .all(|a| a.number.is_none() && a.balance.is_none())
    );
    assert!(!narrow.shows(Field::AccountBalance));
}
