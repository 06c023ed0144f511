//! Demo data for `desk-server demo-data --customers N`: realistic, seeded and reproducible.
//!
//! # What it promises
//!
//! - **Reproducible.** The same seed and count give the same rows, byte for byte, on every
//!   machine and release: every random choice comes from a ChaCha8 stream (stable by
//!   specification), one stream per customer (`seed`, stream = customer id), and every time is
//!   measured back from a fixed "now", [`NOW`] (2026-11-01T00:00:00Z), never from the clock.
//!   Customer *k*'s records do not depend on N or on batch boundaries; the only state carried
//!   from customer to customer is the set of e-mail addresses already taken, which depends on
//!   customers 1..k only.
//! - **Stable ids that never collide** (customer ids 1..=N, at most 3 accounts, 2 cards per
//!   account, 4 tickets, 6 messages per ticket, 99,999 transactions per customer):
//!   - customer `c`: `c`
//!   - account `i` (1..=3) of customer `c`: `c * 10 + i`
//!   - card `j` (1..=2) on account `a`: `a * 10 + j`
//!   - transaction `k` (1..) of customer `c`: `c * 100_000 + k`, numbered oldest first
//!   - ticket `i` (1..=4) of customer `c`: `c * 10 + i`
//!   - message `k` (1..=6) on ticket `t`: `t * 100 + k`
//! - **Valid-looking sensitive values.** IBANs carry correct mod-97 check digits (GB, DE, FR with
//!   its RIB key, NL) and are printed in groups of four; card numbers come from the public test
//!   ranges (Visa 400000, Mastercard 555555 / 222300, Amex 3782) with a correct Luhn digit. Both
//!   are unique across the set: the account or card id, scrambled by a bijection, is the account
//!   part. Phones use fictional or example ranges, e-mail addresses the reserved `example.*`
//!   domains, IP addresses the documentation ranges.
//! - **Free text the redaction must meet.** About a quarter of ticket messages, and a few
//!   transaction descriptions, contain the customer's e-mail address or phone number, a
//!   Luhn-valid card number, an IBAN, a UK National Insurance number or a US social security
//!   number, in the forms people type them.
//! - **Heavy customers.** Every customer whose id ends in 007 (id % 1000 == 7) has 10,000
//!   transactions, for paging and performance; the others average about 30.
//!
//! # Customer 1, whatever the seed
//!
//! Tests rely on customer 1 holding:
//! - status `active`, at least one account, and on its first account (id 11) an active card
//!   (id 111);
//! - ticket 11 (`open`, `high`) with six messages: 1101 from the customer containing their own
//!   e-mail address and the number of card 111; 1102 an agent's reply; 1103 an internal note
//!   ("Customer verified by DOB …"); 1104 whose body is exactly `<img src=x onerror=alert(1)>`;
//!   1105 an agent's reply; 1106 containing `<script>alert("x")</script>`.
//! - possibly more tickets (12, 13), generated like anyone else's.
//!
//! # Where things are
//!
//! This module is the generator: [`generate`], [`batches`], and each customer with their
//! accounts and cards. `transactions` and `tickets` write the rest of a customer's records;
//! `people` (country, phone, address, names) and `identifiers` (card numbers, IBANs, IP
//! addresses) make the values in them, `calendar` the dates and times; `words` holds every list
//! they pick from.

use std::collections::HashSet;
use std::fmt::Write as _;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::store::{AccountRow, Batch, CardRow, CustomerRow, Store, StoreError};

mod calendar;
mod identifiers;
mod people;
mod tickets;
mod transactions;
mod words;

#[cfg(test)]
mod tests;

use calendar::{DAY, civil_from_days, date, datetime, days_from_civil};
use identifiers::{Brand, card_number, group4, iban};
use people::{Country, address, fold, phone};
use tickets::tickets;
use transactions::transactions;
use words::{FIRST_NAMES, LAST_NAMES};

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOptions {
    /// How many customers (ids 1..=customers).
    pub customers: u32,
    /// The seed every random choice derives from.
    pub seed: u64,
}

impl Default for DemoOptions {
    fn default() -> Self {
        Self {
            customers: 500,
            seed: 7,
        }
    }
}

/// How far [`generate`] has come; reported after each imported batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// Customers imported so far.
    pub customers: u32,
    /// Customers to import in all.
    pub of: u32,
    /// Transactions imported so far.
    pub transactions: u64,
}

/// How many records [`generate`] imported, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// Customers.
    pub customers: u64,
    /// Accounts.
    pub accounts: u64,
    /// Payment cards.
    pub cards: u64,
    /// Transactions.
    pub transactions: u64,
    /// Tickets.
    pub tickets: u64,
    /// Ticket messages, internal notes included.
    pub messages: u64,
}

impl Summary {
    fn add(&mut self, batch: &Batch) {
        self.customers += batch.customers.len() as u64;
        self.accounts += batch.accounts.len() as u64;
        self.cards += batch.cards.len() as u64;
        self.transactions += batch.transactions.len() as u64;
        self.tickets += batch.tickets.len() as u64;
        self.messages += batch.messages.len() as u64;
    }
}

/// The fixed "now" all demo times count back from: 2026-11-01T00:00:00Z, in Unix seconds.
pub const NOW: i64 = days_from_civil(2026, 11, 1) * DAY;

/// Customers per [`Batch`] from [`batches`].
pub const BATCH_CUSTOMERS: u32 = 1_000;

/// Transactions of a heavy customer (see [`is_heavy`]).
pub const HEAVY_TRANSACTIONS: u32 = 10_000;

/// Whether customer `id` is one of the heavy ones, with [`HEAVY_TRANSACTIONS`] transactions.
pub fn is_heavy(id: i64) -> bool {
    id % 1000 == 7
}

/// Replaces every customer record in `store` with a generated set: clears, imports
/// [`batches`] one by one (calling `progress` after each), then [`Store::finish_import`].
///
/// Batches are generated on a separate thread while the previous one is written, so the
/// database rarely waits for the generator.
pub async fn generate(
    store: &dyn Store,
    options: &DemoOptions,
    mut progress: impl FnMut(&Progress),
) -> Result<Summary, StoreError> {
    store.clear_records().await?;
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Batch>(1);
    let generator = {
        let options = options.clone();
        tokio::task::spawn_blocking(move || {
            for batch in batches(&options) {
                // The receiver is gone only when an import failed: stop quietly.
                if sender.blocking_send(batch).is_err() {
                    break;
                }
            }
        })
    };
    let mut summary = Summary::default();
    while let Some(batch) = receiver.recv().await {
        store.import(&batch).await?;
        summary.add(&batch);
        progress(&Progress {
            customers: summary.customers as u32,
            of: options.customers,
            transactions: summary.transactions,
        });
    }
    if let Err(e) = generator.await
        && e.is_panic()
    {
        std::panic::resume_unwind(e.into_panic());
    }
    store.finish_import().await?;
    Ok(summary)
}

/// The demo set as batches of [`BATCH_CUSTOMERS`] customers with all their records, in id
/// order. Pure: no I/O, no clock.
pub fn batches(options: &DemoOptions) -> impl Iterator<Item = Batch> + Send + 'static {
    let mut generator = Generator::new(options.seed);
    let last = u64::from(options.customers);
    let mut next: u64 = 1;
    std::iter::from_fn(move || {
        if next > last {
            return None;
        }
        let end = (next + u64::from(BATCH_CUSTOMERS) - 1).min(last);
        let mut batch = Batch::default();
        for id in next..=end {
            generator.customer(id as i64, &mut batch);
        }
        next = end + 1;
        Some(batch)
    })
}

/// The demo set's first customer (id 1, of the default seed) with everything they own, as every
/// demo database holds them: what the layout editor previews, generated once and kept.
pub fn first_customer() -> &'static Batch {
    static FIRST: std::sync::OnceLock<Batch> = std::sync::OnceLock::new();
    FIRST.get_or_init(|| {
        let options = DemoOptions {
            customers: 1,
            ..DemoOptions::default()
        };
        batches(&options)
            .next()
            .expect("one customer makes one batch")
    })
}

/// Carries the one thing that crosses customers: e-mail addresses already given out.
struct Generator {
    seed: u64,
    emails: HashSet<String>,
}

/// What a customer's free text may quote.
struct Person<'a> {
    name: &'a str,
    email: &'a str,
    phone: &'a str,
    date_of_birth: &'a str,
    country: Country,
    cards: &'a [String],
    ibans: &'a [String],
}

impl Generator {
    fn new(seed: u64) -> Self {
        Self {
            seed,
            emails: HashSet::new(),
        }
    }

    /// Appends customer `id` and everything they own to `out`.
    fn customer(&mut self, id: i64, out: &mut Batch) {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(id as u64);
        let rng = &mut rng;
        let fixtures = id == 1;

        let country = weighted(
            rng,
            &[
                (Country::Gb, 35),
                (Country::De, 20),
                (Country::Fr, 15),
                (Country::Nl, 15),
                (Country::Us, 15),
            ],
        );
        let first = pick(rng, FIRST_NAMES);
        let last = pick(rng, LAST_NAMES);
        let name = format!("{first} {last}");
        let born = rng.gen_range(days_from_civil(1940, 1, 1)..=days_from_civil(2005, 12, 31));
        let email = self.email(rng, first, last, civil_from_days(born).0);
        let phone = phone(rng, country);
        let address = address(rng, country);
        let tier = weighted(rng, &[("standard", 70), ("plus", 22), ("premium", 8)]);
        let mut status = weighted(rng, &[("active", 92), ("suspended", 5), ("closed", 3)]);
        if fixtures {
            status = "active";
        }
        let latest_join = if is_heavy(id) {
            NOW - 800 * DAY
        } else {
            NOW - 30 * DAY
        };
        let created = rng.gen_range(days_from_civil(2012, 1, 1) * DAY..latest_join);
        // Activity starts when the customer joined, at most two years back.
        let window = created.max(NOW - 730 * DAY);

        let account_count = if fixtures {
            rng.gen_range(1..=3)
        } else {
            weighted(rng, &[(1, 60), (2, 30), (3, 10)])
        };
        let mut accounts: Vec<(i64, &'static str)> = Vec::with_capacity(account_count);
        let mut cards: Vec<(i64, String)> = Vec::new();
        for i in 1..=account_count as i64 {
            let account_id = id * 10 + i;
            let bank_country = match country {
                Country::Us => weighted(rng, &[(Country::Gb, 1), (Country::Nl, 1)]),
                home if rng.gen_bool(0.05) => {
                    let other = pick(rng, &[Country::Gb, Country::De, Country::Fr, Country::Nl]);
                    if *other == home { home } else { *other }
                }
                home => home,
            };
            let currency = match (country, bank_country) {
                (Country::Us, _) => weighted(rng, &[("USD", 80), ("EUR", 10), ("GBP", 10)]),
                (_, Country::Gb) => weighted(rng, &[("GBP", 90), ("EUR", 6), ("USD", 4)]),
                _ => weighted(rng, &[("EUR", 92), ("USD", 5), ("GBP", 3)]),
            };
            let account_status = if status == "closed" {
                "closed"
            } else if fixtures && i == 1 {
                "open"
            } else {
                weighted(rng, &[("open", 90), ("frozen", 4), ("closed", 6)])
            };
            let opened = if i == 1 {
                created
            } else {
                rng.gen_range(created..NOW - DAY)
            };
            let scale = match tier {
                "premium" => 20,
                "plus" => 4,
                _ => 1,
            };
            let balance = if account_status == "closed" {
                0
            } else {
                rng.gen_range(-25_000..600_000) * scale
            };
            out.accounts.push(AccountRow {
                id: account_id,
                customer_id: id,
                number: group4(&iban(rng, bank_country, account_id)),
                currency: currency.to_owned(),
                balance,
                status: account_status.to_owned(),
                opened_at: date(opened.div_euclid(DAY)),
            });
            accounts.push((account_id, currency));

            let card_count = if fixtures && i == 1 {
                rng.gen_range(1..=2)
            } else {
                weighted(rng, &[(0, 35), (1, 50), (2, 15)])
            };
            for j in 1..=card_count {
                let card_id = account_id * 10 + j;
                let card = card(rng, card_id, account_status, fixtures && card_id == 111);
                cards.push((account_id, card.number.clone()));
                out.cards.push(card);
            }
        }

        let card_numbers: Vec<String> = cards.iter().map(|(_, n)| n.clone()).collect();
        let ibans: Vec<String> = out.accounts[out.accounts.len() - accounts.len()..]
            .iter()
            .map(|a| a.number.clone())
            .collect();
        let date_of_birth = date(born);
        let person = Person {
            name: &name,
            email: &email,
            phone: &phone,
            date_of_birth: &date_of_birth,
            country,
            cards: &card_numbers,
            ibans: &ibans,
        };

        tickets(rng, id, window, &person, fixtures, out);
        transactions(rng, id, window, &person, &accounts, &cards, out);

        out.customers.push(CustomerRow {
            id,
            name,
            email,
            phone,
            date_of_birth,
            address,
            tier: tier.to_owned(),
            status: status.to_owned(),
            created_at: datetime(created),
        });
    }

    /// A plausible address from the name, unique across the set: on a clash, the first free
    /// numbered variant (`jose.garcia2@…`).
    fn email(&mut self, rng: &mut ChaCha8Rng, first: &str, last: &str, born: i64) -> String {
        let (first, last) = (fold(first), fold(last));
        let local = match rng.gen_range(0..6) {
            0 => format!("{first}.{last}"),
            1 => format!("{first}{last}"),
            2 => format!("{}.{last}", &first[..1]),
            3 => format!("{first}_{last}"),
            4 => format!("{first}.{last}{:02}", born % 100),
            _ => format!("{last}.{first}"),
        };
        let domain = weighted(
            rng,
            &[("example.com", 2), ("example.org", 1), ("example.net", 1)],
        );
        let mut email = format!("{local}@{domain}");
        let mut n = 2;
        while self.emails.contains(&email) {
            email.clear();
            let _ = write!(email, "{local}{n}@{domain}");
            n += 1;
        }
        self.emails.insert(email.clone());
        email
    }
}

fn card(rng: &mut ChaCha8Rng, card_id: i64, account_status: &str, fixture: bool) -> CardRow {
    let brand = if fixture {
        Brand::Visa
    } else {
        weighted(
            rng,
            &[
                (Brand::Visa, 55),
                (Brand::Mastercard, 35),
                (Brand::Amex, 10),
            ],
        )
    };
    let status = if fixture {
        "active"
    } else if account_status == "closed" {
        "blocked"
    } else {
        weighted(rng, &[("active", 85), ("blocked", 7), ("expired", 8)])
    };
    // Expiry months count from 2020-01: expired cards before now, the others after.
    let month = if status == "expired" {
        rng.gen_range(36..82) // 2023-01 ..= 2026-10
    } else {
        rng.gen_range(83..144) // 2026-12 ..= 2031-12
    };
    CardRow {
        id: card_id,
        account_id: card_id / 10,
        number: card_number(brand, card_id as u64),
        brand: brand.name().to_owned(),
        expiry: format!("{:02}/{:02}", month % 12 + 1, 20 + month / 12),
        status: status.to_owned(),
    }
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.gen_range(0..items.len())]
}

fn weighted<T: Copy>(rng: &mut ChaCha8Rng, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut x = rng.gen_range(0..total);
    for &(item, weight) in items {
        if x < weight {
            return item;
        }
        x -= weight;
    }
    unreachable!("x < total")
}
