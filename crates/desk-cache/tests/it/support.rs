//! What the tests share: policies from the server's default role definitions, customers with
//! every field filled in (as the server holds them), the views the server makes of them for a
//! role, and caches in temporary folders.

use std::path::PathBuf;

use desk_cache::{Cache, CacheKey, Records};
use desk_core::Field as F;
use desk_core::record::{Account, Card, Customer, Message, Record, Ticket, Transaction};
use desk_core::{Known, Policy, Role, RoleDefinition};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

/// The time every test stores at, unless it says otherwise.
pub const FETCHED_AT: i64 = 1_750_000_000;

/// This package's folder as cargo names it when running the tests, not where the binary was
/// compiled: a build shared between two checkouts would read the other one's files (or, once that
/// checkout is gone, none).
pub fn package_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| env!("CARGO_MANIFEST_DIR").into())
}

/// The role definitions desk-server ships, read from its defaults.
pub fn default_roles() -> Vec<RoleDefinition> {
    let path = package_dir().join("../desk-server/defaults/roles.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let roles: Vec<RoleDefinition> = serde_json::from_str(&text).unwrap();
    for def in &roles {
        def.validate().unwrap();
    }
    roles
}

/// The policy of an agent holding `roles`, from the default definitions.
pub fn policy(roles: &[Role]) -> Policy {
    let defs = default_roles();
    Policy::of(defs.iter().filter(|d| roles.contains(&d.role)))
}

/// Every default role alone, and a few combinations.
pub fn role_sets() -> Vec<Vec<Role>> {
    let mut sets: Vec<Vec<Role>> = Role::ALL.iter().map(|&r| vec![r]).collect();
    sets.push(vec![Role::AgentL1, Role::AgentL2]);
    sets.push(vec![Role::AgentL1, Role::Admin]);
    sets.push(vec![Role::Supervisor, Role::Admin]);
    sets.push(Role::ALL.to_vec());
    sets
}

/// A cache in its own temporary folder.
pub struct TestCache {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
    pub key: CacheKey,
    pub cache: Cache,
}

pub async fn cache() -> TestCache {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cache.db");
    let key = CacheKey::generate();
    let cache = Cache::open(&path, &key).await.unwrap();
    TestCache {
        dir,
        path,
        key,
        cache,
    }
}

/// A customer as the server stores them, with their transactions and tickets.
#[derive(Debug, Clone)]
pub struct Person {
    pub customer: Customer,
    pub transactions: Vec<Transaction>,
    pub tickets: Vec<Ticket>,
}

impl Person {
    /// Every sensitive value of this person that the cache must never hold as it is.
    pub fn secrets(&self) -> Vec<String> {
        let c = &self.customer;
        let dob = c.date_of_birth.clone().unwrap();
        let (y, m, d) = (&dob[..4], &dob[5..7], &dob[8..10]);
        let phone = c.phone.clone().unwrap();
        let mut secrets = vec![
            c.email.clone().unwrap(),
            phone.clone(),
            phone.chars().filter(char::is_ascii_digit).collect(),
            dob.clone(),
            format!("{d}/{m}/{y}"),
            c.address.clone().unwrap(),
            NINO.to_owned(),
        ];
        for account in c.accounts.iter().flatten() {
            secrets.push(account.number.clone().unwrap());
            for card in account.cards.iter().flatten() {
                secrets.push(card.number.clone().unwrap());
            }
        }
        for t in &self.transactions {
            secrets.push(t.ip_address.clone().unwrap());
        }
        secrets
    }
}

const FIRST: &[&str] = &[
    "Zoë",
    "Ada",
    "José",
    "Ingrid",
    "Oluwaseun",
    "Łucja",
    "Mírzá",
    "Chloé",
    "Søren",
    "Aoife",
];
const LAST: &[&str] = &[
    "Quennell-Haworth",
    "Lovelace",
    "García Márquez",
    "Bergström",
    "Adeyemi",
    "Wiśniewska",
    "O'Donnell",
    "Nguyễn",
];
const DOMAINS: &[&str] = &[
    "harbourpost.example",
    "mail.fjordline.example",
    "post.exämple.de",
];
const MERCHANTS: &[&str] = &[
    "Lindqvist Hardware Emporium",
    "Café Rhubarb & Sons",
    "Northwind Rail",
    "Pixelfjord Games",
];
const IBANS: &[&str] = &[
    "GB33 BUKB 2020 1555 5555 55",
    "DE89370400440532013000",
    "FR1420041010050500013M02606",
    "BE68539007547034",
];
/// A UK National Insurance number the scrubber recognises.
pub const NINO: &str = "AB 12 34 56 C";

/// A Luhn-valid 16-digit card number, grouped in fours.
fn card_number(rng: &mut StdRng) -> String {
    let mut digits: Vec<u32> = std::iter::once(4)
        .chain((0..14).map(|_| rng.gen_range(0..10)))
        .collect();
    // The check digit: the Luhn sum over the payload, doubling every second digit from the right.
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    digits.push((10 - sum % 10) % 10);
    let s: String = digits
        .iter()
        .map(|d| char::from_digit(*d, 10).unwrap())
        .collect();
    assert!(desk_core::scrub::luhn_valid(&s), "{s}");
    s.as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A person whose every field is filled in, and whose free text repeats their e-mail address,
/// phone number, date of birth, address, card numbers, IBANs and national id.
pub fn person(rng: &mut StdRng, id: i64) -> Person {
    let first = *FIRST.choose(rng).unwrap();
    let last = *LAST.choose(rng).unwrap();
    let domain = *DOMAINS.choose(rng).unwrap();
    let local: String = first
        .chars()
        .filter(char::is_ascii_alphabetic)
        .collect::<String>()
        .to_lowercase();
    let email = format!(
        "{}.{id}@{domain}",
        if local.is_empty() { "x" } else { &local }
    );
    let phone = format!("+44 7700 {:06}", rng.gen_range(100_000..999_999));
    let dob = format!(
        "{}-{:02}-{:02}",
        rng.gen_range(1940..2005),
        rng.gen_range(1..13),
        rng.gen_range(10..29)
    );
    let address = format!("{} Harbour Lane, Tollbridge", rng.gen_range(10..99));
    let accounts: Vec<Account> = (0..2)
        .map(|a| Account {
            id: id * 10 + a,
            number: Some(IBANS[rng.gen_range(0..IBANS.len())].to_owned()),
            currency: Some("GBP".into()),
            balance: Some(rng.gen_range(-50_000..5_000_000)),
            status: Some("open".into()),
            opened_at: Some("2015-06-01".into()),
            cards: Some(
                (0..2)
                    .map(|k| Card {
                        id: id * 100 + a * 10 + k,
                        number: Some(card_number(rng)),
                        brand: Some("Visa".into()),
                        expiry: Some("04/29".into()),
                        status: Some("active".into()),
                    })
                    .collect(),
            ),
        })
        .collect();
    let card = accounts[0].cards.as_ref().unwrap()[0]
        .number
        .clone()
        .unwrap();
    let iban = accounts[1].number.clone().unwrap();
    let (y, m, d) = (&dob[..4], &dob[5..7], &dob[8..10]);
    let lines = [
        format!("You can reach me at {email}."),
        format!("Please call me back on {phone}."),
        format!("The card number is {card}."),
        format!("I sent it from my account {iban}."),
        format!("My National Insurance number is {NINO}."),
        format!("Verified by DOB {dob} ({d}/{m}/{y})."),
        format!("Customer lives at {address}."),
        "Thanks, all sorted.".to_owned(),
    ];
    let mut line = {
        let mut k = rng.gen_range(0..lines.len());
        move || {
            k = (k + 1) % lines.len();
            lines[k].clone()
        }
    };
    let transactions = (0..6)
        .map(|t| Transaction {
            id: id * 1000 + t,
            account_id: accounts[0].id,
            time: Some(format!("2025-03-{:02}T10:30:00Z", t + 1)),
            amount: Some(-rng.gen_range(100..100_000)),
            currency: Some("GBP".into()),
            merchant: Some(MERCHANTS[rng.gen_range(0..MERCHANTS.len())].to_owned()),
            status: Some("settled".into()),
            card_number: Some(card.clone()),
            ip_address: Some(format!("203.0.113.{}", rng.gen_range(1..255))),
            description: Some(format!("Payment ref {t}. {}", line())),
        })
        .collect();
    let tickets = (0..2)
        .map(|t| Ticket {
            id: id * 100 + t,
            customer_id: id,
            subject: Some(format!("Refund question: {}", line())),
            status: Some("open".into()),
            priority: Some("normal".into()),
            created_at: Some("2025-03-02T09:00:00Z".into()),
            updated_at: Some("2025-03-03T09:00:00Z".into()),
            messages: Some(
                (0..4)
                    .map(|k| Message {
                        id: id * 1000 + t * 10 + k,
                        internal: k % 2 == 1,
                        author: Some(if k % 2 == 0 { "customer" } else { "agent" }.into()),
                        time: Some("2025-03-02T09:00:00Z".into()),
                        body: Some(format!("{} {}", line(), line())),
                    })
                    .collect(),
            ),
        })
        .collect();
    Person {
        customer: Customer {
            id,
            name: Some(format!("{first} {last}")),
            email: Some(email),
            phone: Some(phone),
            date_of_birth: Some(dob),
            address: Some(address),
            tier: Some("plus".into()),
            status: Some("active".into()),
            created_at: Some("2019-05-04".into()),
            accounts: Some(accounts),
        },
        transactions,
        tickets,
    }
}

pub fn people(seed: u64, n: i64) -> Vec<Person> {
    let mut rng = StdRng::seed_from_u64(seed);
    (1..=n).map(|id| person(&mut rng, id)).collect()
}

// What the server makes of a person for a role: the same steps as desk-server's `views`, through
// desk-core's policy (redacted, scrubbed, cleared of the customer's hidden values, or dropped).

fn known(c: &Customer) -> Known<'_> {
    Known::of(c, |_, _| true)
}

/// `r`'s keys and fields as the server shows them to `p` (the same walk as the server's views).
fn view<R: Record>(p: &Policy, r: &R, about: &Known<'_>) -> R {
    let mut out = r.keys();
    r.visit(|field, value| out.set(field, p.view(field, value, about)).unwrap());
    out
}

/// A nested list as the server sends it: only when the role reads its kind.
fn nested<T: Record>(
    p: &Policy,
    list: &Option<Vec<T>>,
    each: impl FnMut(&T) -> Option<T>,
) -> Option<Vec<T>> {
    p.can_read(T::KIND)
        .then(|| list.iter().flatten().filter_map(each).collect())
}

pub fn server_customer(p: &Policy, r: &Customer) -> Customer {
    let none = Known::default();
    Customer {
        accounts: nested(p, &r.accounts, |a| {
            Some(Account {
                cards: nested(p, &a.cards, |c| Some(view(p, c, &none))),
                ..view(p, a, &none)
            })
        }),
        ..view(p, r, &none)
    }
}

pub fn server_transaction(p: &Policy, r: &Transaction, about: &Customer) -> Transaction {
    view(p, r, &known(about))
}

pub fn server_ticket(p: &Policy, r: &Ticket, about: &Customer) -> Ticket {
    let about = known(about);
    Ticket {
        messages: nested(p, &r.messages, |m| {
            (!m.internal || p.shows(F::MessageInternalNotes)).then(|| view(p, m, &about))
        }),
        ..view(p, r, &about)
    }
}

/// Everything the server would send an agent with `policy` about these people.
pub fn server_records(policy: &Policy, people: &[Person]) -> Records {
    let mut records = Records::default();
    for person in people {
        let raw = &person.customer;
        records.customers.push(server_customer(policy, raw));
        for t in &person.transactions {
            records
                .transactions
                .push((raw.id, server_transaction(policy, t, raw)));
        }
        for t in &person.tickets {
            records.tickets.push(server_ticket(policy, t, raw));
        }
    }
    records
}

/// Whether `needle` occurs in `haystack`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}
