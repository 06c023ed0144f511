//! The generator's tests: reproducibility, ids and references, valid check digits, times,
//! heavy customers, customer 1's fixtures, and the sensitive values in free text.

use std::collections::HashSet;

use super::identifiers::{iban_remainder, luhn_check_digit, with_check_digits};
use super::*;
use crate::store::{MessageRow, TransactionRow};

fn all(options: &DemoOptions) -> Batch {
    let mut all = Batch::default();
    for batch in batches(options) {
        all.customers.extend(batch.customers);
        all.accounts.extend(batch.accounts);
        all.cards.extend(batch.cards);
        all.transactions.extend(batch.transactions);
        all.tickets.extend(batch.tickets);
        all.messages.extend(batch.messages);
    }
    all
}

fn options(customers: u32, seed: u64) -> DemoOptions {
    DemoOptions { customers, seed }
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

fn luhn_valid(number: &str) -> bool {
    let digits = digits(number);
    digits.len() >= 2
        && luhn_check_digit(&digits[..digits.len() - 1]) == digits.chars().last().unwrap()
}

fn iban_valid(iban: &str) -> bool {
    let compact: String = iban.chars().filter(|c| *c != ' ').collect();
    let expected_len = match &compact[..2] {
        "GB" | "DE" => 22,
        "FR" => 27,
        "NL" => 18,
        _ => return false,
    };
    compact.len() == expected_len
        && compact.bytes().all(|b| b.is_ascii_alphanumeric())
        && iban_remainder(compact[4..].bytes().chain(compact[..4].bytes())) == 1
}

/// Every Luhn-valid 15- or 16-digit number in `text`, digits possibly grouped by spaces.
fn cards_in(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric()) {
            let mut j = i;
            let mut run = String::new();
            while j < bytes.len()
                && (bytes[j].is_ascii_digit()
                    || (bytes[j] == b' ' && j + 1 < bytes.len() && bytes[j + 1].is_ascii_digit()))
            {
                if bytes[j] != b' ' {
                    run.push(bytes[j] as char);
                }
                j += 1;
            }
            if (run.len() == 15 || run.len() == 16) && luhn_valid(&run) {
                found.push(run);
            }
            i = j;
        } else {
            i += 1;
        }
    }
    found
}

/// Every valid IBAN in `text`, compact or grouped by spaces.
fn ibans_in(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    for i in 0..bytes.len().saturating_sub(4) {
        if bytes[i].is_ascii_uppercase()
            && bytes[i + 1].is_ascii_uppercase()
            && bytes[i + 2].is_ascii_digit()
            && bytes[i + 3].is_ascii_digit()
            && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric())
        {
            let compact: String = text[i..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == ' ')
                .filter(|c| *c != ' ')
                .collect();
            for len in [18, 22, 27] {
                if compact.len() >= len && iban_valid(&compact[..len]) {
                    found.push(compact[..len].to_owned());
                }
            }
        }
    }
    found
}

fn has_nino(text: &str) -> bool {
    let compact: Vec<u8> = text.bytes().filter(|b| *b != b' ').collect();
    compact.windows(9).any(|w| {
        w[..2].iter().all(u8::is_ascii_uppercase)
            && w[2..8].iter().all(u8::is_ascii_digit)
            && (b'A'..=b'D').contains(&w[8])
    })
}

fn has_ssn(text: &str) -> bool {
    text.as_bytes().windows(11).any(|w| {
        w.iter().enumerate().all(|(i, b)| match i {
            3 | 6 => *b == b'-',
            _ => b.is_ascii_digit(),
        })
    })
}

#[test]
fn the_same_seed_gives_the_same_rows_and_another_seed_others() {
    let a = all(&options(60, 7));
    let b = all(&options(60, 7));
    assert_eq!(a.customers, b.customers);
    assert_eq!(a.accounts, b.accounts);
    assert_eq!(a.cards, b.cards);
    assert_eq!(a.transactions, b.transactions);
    assert_eq!(a.tickets, b.tickets);
    assert_eq!(a.messages, b.messages);

    let c = all(&options(60, 8));
    assert_ne!(a.customers, c.customers);
    assert_ne!(a.transactions, c.transactions);
    let same_names = a
        .customers
        .iter()
        .zip(&c.customers)
        .filter(|(x, y)| x.name == y.name)
        .count();
    assert!(same_names < 10, "{same_names} of 60 names unchanged");
}

#[test]
fn a_customer_does_not_depend_on_how_many_are_generated() {
    let small = all(&options(10, 42));
    let large = all(&options(20, 42));
    assert_eq!(small.customers[..], large.customers[..10]);
    let of_first_ten = |b: &Batch| {
        (
            b.accounts
                .iter()
                .filter(|r| r.customer_id <= 10)
                .cloned()
                .collect::<Vec<_>>(),
            b.cards
                .iter()
                .filter(|r| r.account_id / 10 <= 10)
                .cloned()
                .collect::<Vec<_>>(),
            b.transactions
                .iter()
                .filter(|r| r.customer_id <= 10)
                .cloned()
                .collect::<Vec<_>>(),
            b.tickets
                .iter()
                .filter(|r| r.customer_id <= 10)
                .cloned()
                .collect::<Vec<_>>(),
            b.messages
                .iter()
                .filter(|r| r.ticket_id / 10 <= 10)
                .cloned()
                .collect::<Vec<_>>(),
        )
    };
    assert_eq!(of_first_ten(&small), of_first_ten(&large));
}

#[test]
fn batch_boundaries_do_not_change_the_data() {
    let n = BATCH_CUSTOMERS + 5;
    let split: Vec<Batch> = batches(&options(n, 3)).collect();
    assert_eq!(split.len(), 2);
    assert_eq!(split[0].customers.len(), BATCH_CUSTOMERS as usize);
    assert_eq!(split[1].customers.len(), 5);
    // One unbatched run gives the same rows.
    let mut whole = Batch::default();
    let mut generator = Generator::new(3);
    for id in 1..=i64::from(n) {
        generator.customer(id, &mut whole);
    }
    let joined = all(&options(n, 3));
    assert_eq!(joined.customers, whole.customers);
    assert_eq!(joined.transactions, whole.transactions);
    assert_eq!(joined.messages, whole.messages);
    assert!(batches(&options(0, 3)).next().is_none());
}

#[test]
fn ids_are_unique_and_references_resolve() {
    let set = all(&options(1_200, 7));
    fn unique(ids: impl Iterator<Item = i64>) -> HashSet<i64> {
        let mut seen = HashSet::new();
        for id in ids {
            assert!(seen.insert(id), "duplicate id {id}");
        }
        seen
    }
    let customers = unique(set.customers.iter().map(|r| r.id));
    assert_eq!(customers, (1..=1_200).collect());
    let accounts = unique(set.accounts.iter().map(|r| r.id));
    let _cards = unique(set.cards.iter().map(|r| r.id));
    let _transactions = unique(set.transactions.iter().map(|r| r.id));
    let tickets = unique(set.tickets.iter().map(|r| r.id));
    let _messages = unique(set.messages.iter().map(|r| r.id));

    assert!(
        set.accounts
            .iter()
            .all(|a| customers.contains(&a.customer_id))
    );
    assert!(set.cards.iter().all(|c| accounts.contains(&c.account_id)));
    assert!(
        set.tickets
            .iter()
            .all(|t| customers.contains(&t.customer_id))
    );
    assert!(set.messages.iter().all(|m| tickets.contains(&m.ticket_id)));
    let owner: std::collections::HashMap<i64, i64> =
        set.accounts.iter().map(|a| (a.id, a.customer_id)).collect();
    for t in &set.transactions {
        assert_eq!(owner[&t.account_id], t.customer_id, "{}", t.id);
    }
    // Card and account numbers are unique too: a search finds one owner.
    let numbers: HashSet<&str> = set.cards.iter().map(|c| c.number.as_str()).collect();
    assert_eq!(numbers.len(), set.cards.len());
    let ibans: HashSet<&str> = set.accounts.iter().map(|a| a.number.as_str()).collect();
    assert_eq!(ibans.len(), set.accounts.len());
    let emails: HashSet<&str> = set.customers.iter().map(|c| c.email.as_str()).collect();
    assert_eq!(emails.len(), set.customers.len());
}

#[test]
fn every_card_number_passes_luhn_and_every_iban_mod_97() {
    let set = all(&options(300, 7));
    assert!(set.cards.len() > 200);
    for card in &set.cards {
        assert!(luhn_valid(&card.number), "{}", card.number);
        let groups: Vec<usize> = card.number.split(' ').map(str::len).collect();
        match card.brand.as_str() {
            "American Express" => {
                assert_eq!(groups, [4, 6, 5], "{}", card.number);
                assert!(card.number.starts_with("3782"));
            }
            "Visa" => assert!(card.number.starts_with("4000 00"), "{}", card.number),
            "Mastercard" => assert!(
                card.number.starts_with("5555 55") || card.number.starts_with("2223 00"),
                "{}",
                card.number
            ),
            other => panic!("brand {other}"),
        }
        let (month, year) = card.expiry.split_once('/').unwrap();
        assert!(
            (1..=12).contains(&month.parse::<u32>().unwrap()),
            "{}",
            card.expiry
        );
        assert_eq!(year.len(), 2);
    }
    for account in &set.accounts {
        assert!(iban_valid(&account.number), "{}", account.number);
        assert!(
            account
                .number
                .split(' ')
                .all(|g| (1..=4).contains(&g.len()))
        );
    }
    for t in &set.transactions {
        if let Some(card) = &t.card_number {
            assert!(
                set.cards
                    .iter()
                    .any(|c| &c.number == card && c.account_id == t.account_id)
            );
        }
    }
}

#[test]
fn known_check_digits() {
    // Published examples.
    assert!(iban_valid("GB33BUKB20201555555555"));
    assert!(iban_valid("DE89 3704 0044 0532 0130 00"));
    assert!(iban_valid("FR14 2004 1010 0505 0001 3M02 606"));
    assert!(iban_valid("NL91ABNA0417164300"));
    assert!(!iban_valid("GB34BUKB20201555555555"));
    assert_eq!(
        with_check_digits("GB", "BUKB20201555555555"),
        "GB33BUKB20201555555555"
    );
    assert!(luhn_valid("4000 0012 3456 7899"));
    assert!(luhn_valid("378282246310005"));
    assert!(!luhn_valid("4000 0012 3456 7898"));
    assert_eq!(luhn_check_digit("555555555555444"), '4');
}

#[test]
fn times_are_iso_and_before_now() {
    assert_eq!(datetime(NOW), "2026-11-01T00:00:00Z");
    assert_eq!(date(0), "1970-01-01");
    for secs in [0, 951_782_400, 1_773_480_413, NOW - 1, 4_102_444_800] {
        let expected = chrono::DateTime::from_timestamp(secs, 0)
            .unwrap()
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string();
        assert_eq!(datetime(secs), expected);
    }
    for days in (-25_000..25_000).step_by(7) {
        let (y, m, d) = civil_from_days(days);
        assert_eq!(days_from_civil(y, m, d), days);
    }

    let set = all(&options(100, 7));
    let now = datetime(NOW);
    let two_years_ago = datetime(NOW - 731 * DAY);
    for t in &set.transactions {
        assert!(t.time < now && t.time > two_years_ago, "{}", t.time);
        assert!(chrono::DateTime::parse_from_rfc3339(&t.time).is_ok());
    }
    for c in &set.customers {
        assert!(c.created_at < now);
        assert!(c.date_of_birth.as_str() >= "1940-01-01");
        assert!(c.date_of_birth.as_str() <= "2005-12-31");
        assert!(chrono::NaiveDate::parse_from_str(&c.date_of_birth, "%Y-%m-%d").is_ok());
    }
    for t in &set.tickets {
        assert!(t.created_at <= t.updated_at && t.updated_at < now);
    }
    for m in &set.messages {
        assert!(m.time < now);
    }
}

#[test]
fn heavy_customers_have_ten_thousand_transactions() {
    let set = all(&DemoOptions::default());
    let mut per_customer = std::collections::HashMap::<i64, usize>::new();
    for t in &set.transactions {
        *per_customer.entry(t.customer_id).or_default() += 1;
    }
    assert_eq!(per_customer[&7], HEAVY_TRANSACTIONS as usize);
    let others: Vec<usize> = per_customer
        .iter()
        .filter(|(id, _)| **id != 7)
        .map(|(_, n)| *n)
        .collect();
    assert!(others.iter().all(|n| *n < 100));
    let average = others.iter().sum::<usize>() as f64 / others.len() as f64;
    assert!((25.0..35.0).contains(&average), "{average}");
    // The ids of a heavy customer fit its range and follow time.
    let heavy: Vec<&TransactionRow> = set
        .transactions
        .iter()
        .filter(|t| t.customer_id == 7)
        .collect();
    assert_eq!(heavy.first().unwrap().id, 700_001);
    assert_eq!(heavy.last().unwrap().id, 710_000);
    assert!(heavy.windows(2).all(|w| w[0].time <= w[1].time));
}

#[test]
fn customer_one_holds_the_fixtures_whatever_the_seed() {
    for seed in [7, 1, 99, u64::MAX] {
        let set = all(&options(3, seed));
        let me = &set.customers[0];
        assert_eq!(me.id, 1);
        assert_eq!(me.status, "active");
        let card = set.cards.iter().find(|c| c.id == 111).expect("card 111");
        assert_eq!(card.status, "active");
        let ticket = set.tickets.iter().find(|t| t.id == 11).expect("ticket 11");
        assert_eq!(ticket.customer_id, 1);
        let messages: Vec<&MessageRow> =
            set.messages.iter().filter(|m| m.ticket_id == 11).collect();
        assert_eq!(messages.len(), 6);
        assert!(
            messages[0].body.contains(&me.email) && messages[0].body.contains(&card.number),
            "{}",
            messages[0].body
        );
        assert_eq!(messages[0].author, me.name);
        assert!(messages[2].internal);
        assert!(messages.iter().filter(|m| m.internal).count() == 1);
        assert_eq!(messages[3].body, "<img src=x onerror=alert(1)>");
        assert!(messages[5].body.contains("<script>alert(\"x\")</script>"));
        assert!(messages.windows(2).all(|w| w[0].time <= w[1].time));
    }
}

#[test]
fn free_text_contains_each_kind_of_sensitive_value() {
    let set = all(&options(400, 7));
    let texts: Vec<&str> = set
        .messages
        .iter()
        .map(|m| m.body.as_str())
        .chain(set.transactions.iter().map(|t| t.description.as_str()))
        .collect();
    let emails: HashSet<&str> = set.customers.iter().map(|c| c.email.as_str()).collect();
    let phones: Vec<String> = set.customers.iter().map(|c| c.phone.clone()).collect();
    let count = |f: &dyn Fn(&str) -> bool| texts.iter().filter(|t| f(t)).count();

    let with_email = count(&|t| {
        t.split([' ', ','])
            .any(|w| emails.contains(w.trim_end_matches('.')))
    });
    let with_phone = count(&|t| phones.iter().any(|p| t.contains(p.as_str())));
    let with_national_phone = count(&|t| t.contains("07700 9") || t.contains("(202) 555"));
    let with_card = count(&|t| !cards_in(t).is_empty());
    let with_iban = count(&|t| !ibans_in(t).is_empty());
    let with_nino = count(&has_nino);
    let with_ssn = count(&has_ssn);
    for (kind, n) in [
        ("e-mail", with_email),
        ("phone", with_phone),
        ("national phone", with_national_phone),
        ("card", with_card),
        ("IBAN", with_iban),
        ("NI number", with_nino),
        ("SSN", with_ssn),
    ] {
        assert!(n >= 3, "{kind}: {n}");
    }
    // About a quarter of messages, by design; not every one.
    let sensitive_messages = set
        .messages
        .iter()
        .filter(|m| {
            let b = m.body.as_str();
            b.contains('@')
                || !cards_in(b).is_empty()
                || !ibans_in(b).is_empty()
                || has_nino(b)
                || has_ssn(b)
                || b.contains("+")
                || b.contains("07700")
        })
        .count();
    let share = sensitive_messages as f64 / set.messages.len() as f64;
    assert!((0.15..0.4).contains(&share), "{share}");
}

#[test]
fn records_look_real() {
    let set = all(&options(500, 7));
    for c in &set.customers {
        assert!(c.email.is_ascii(), "{}", c.email);
        let (local, domain) = c.email.split_once('@').unwrap();
        assert!(!local.is_empty() && !local.starts_with('.'));
        assert!(["example.com", "example.org", "example.net"].contains(&domain));
        assert!(c.phone.starts_with('+'), "{}", c.phone);
        assert!(["standard", "plus", "premium"].contains(&c.tier.as_str()));
        assert!(["active", "suspended", "closed"].contains(&c.status.as_str()));
    }
    // Unicode names are exercised.
    assert!(set.customers.iter().any(|c| !c.name.is_ascii()));
    let statuses: HashSet<&str> = set.transactions.iter().map(|t| t.status.as_str()).collect();
    for status in ["settled", "pending", "declined", "refunded", "disputed"] {
        assert!(statuses.contains(status), "{status}");
    }
    assert!(set.transactions.iter().any(|t| t.amount > 0));
    assert!(set.transactions.iter().any(|t| t.amount < 0));
    let ips: Vec<&str> = set
        .transactions
        .iter()
        .filter_map(|t| t.ip_address.as_deref())
        .collect();
    assert!(ips.iter().any(|ip| ip.starts_with("2001:db8:")));
    assert!(ips.iter().all(|ip| ip.starts_with("192.0.2.")
        || ip.starts_with("198.51.100.")
        || ip.starts_with("203.0.113.")
        || ip.starts_with("2001:db8:")));
    for ip in ips {
        assert!(ip.parse::<std::net::IpAddr>().is_ok(), "{ip}");
    }
    assert!(set.transactions.iter().any(|t| t.card_number.is_none()));
    let with_tickets: HashSet<i64> = set.tickets.iter().map(|t| t.customer_id).collect();
    let share = with_tickets.len() as f64 / set.customers.len() as f64;
    assert!((0.2..0.4).contains(&share), "{share}");
    assert!(set.messages.iter().any(|m| m.internal));
    assert!(set.messages.iter().any(|m| m.author.starts_with("agent-")));
}
