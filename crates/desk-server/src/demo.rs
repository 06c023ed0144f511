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

use std::collections::HashSet;
use std::fmt::Write as _;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::store::{
    AccountRow, Batch, CardRow, CustomerRow, MessageRow, Store, StoreError, TicketRow,
    TransactionRow,
};

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

const DAY: i64 = 86_400;

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

fn transactions(
    rng: &mut ChaCha8Rng,
    customer_id: i64,
    window: i64,
    person: &Person<'_>,
    accounts: &[(i64, &'static str)],
    cards: &[(i64, String)],
    out: &mut Batch,
) {
    let count = if is_heavy(customer_id) {
        HEAVY_TRANSACTIONS
    } else {
        rng.gen_range(4..=56)
    };
    let mut times: Vec<i64> = (0..count)
        .map(|_| rng.gen_range(window..NOW - 60))
        .collect();
    times.sort_unstable();
    // The devices the customer shops online from; now and then a stranger's.
    let home_ips = [ip_address(rng), ip_address(rng)];
    let employer = *pick(rng, EMPLOYERS);
    out.transactions.reserve(times.len());

    for (k, &time) in times.iter().enumerate() {
        let mut kind = weighted(
            rng,
            &[
                (Kind::Purchase, 74),
                (Kind::DirectDebit, 6),
                (Kind::TransferOut, 7),
                (Kind::TransferIn, 5),
                (Kind::Salary, 3),
                (Kind::Refund, 2),
                (Kind::Atm, 3),
            ],
        );
        if cards.is_empty() && matches!(kind, Kind::Purchase | Kind::Refund | Kind::Atm) {
            kind = Kind::TransferOut;
        }
        let card = if matches!(kind, Kind::Purchase | Kind::Refund | Kind::Atm) {
            Some(pick(rng, cards))
        } else {
            None
        };
        let (account_id, currency) = match card {
            Some((account_id, _)) => *accounts
                .iter()
                .find(|(id, _)| id == account_id)
                .expect("a card's account is the customer's"),
            None => *pick(rng, accounts),
        };
        let card_number = card.map(|(_, number)| number.as_str());
        let mut ip = None;
        let (merchant, amount, description): (String, i64, String) = match kind {
            Kind::Purchase => {
                let m = merchant(rng, person.country);
                let amount = -rng.gen_range(m.low..=m.high);
                let description = if m.online {
                    ip = Some(if rng.gen_bool(0.03) {
                        ip_address(rng)
                    } else {
                        pick(rng, &home_ips).clone()
                    });
                    match rng.gen_range(0..40) {
                        0 => format!("{} receipt sent to {}", m.name, person.email),
                        1..=15 => format!(
                            "Online purchase {} order {}-{:07}",
                            m.name,
                            rng.gen_range(100..999),
                            rng.gen_range(0..10_000_000)
                        ),
                        16..=27 => format!("{} {:08X}", m.name, rng.gen_range(0..u32::MAX)),
                        _ => format!("{} web payment", m.name),
                    }
                } else {
                    let city = *pick(rng, country_cities(m.country.unwrap_or(person.country)));
                    match rng.gen_range(0..4) {
                        0 => format!("{} {}", m.name.to_uppercase(), city.to_uppercase()),
                        1 => format!("Contactless payment {}", m.name),
                        2 => format!("Card payment to {}, {city}", m.name),
                        _ => format!("{} store {:04}", m.name, rng.gen_range(1..3000)),
                    }
                };
                (m.name.to_owned(), amount, description)
            }
            Kind::DirectDebit => {
                let (biller, low, high) = *pick(rng, BILLERS);
                let amount = -rng.gen_range(low..=high);
                let description = if biller.ends_with("Mobile") && rng.gen_bool(0.3) {
                    format!("Mobile top-up {}", person.phone)
                } else {
                    format!(
                        "Direct debit {biller} ref {:010}",
                        rng.gen_range(0..10_000_000_000u64)
                    )
                };
                (biller.to_owned(), amount, description)
            }
            Kind::TransferOut => {
                let payee = counterparty(rng);
                let amount = -rng.gen_range(1_000..=150_000);
                let description = match rng.gen_range(0..12) {
                    0 => format!("Transfer ref {}", random_iban(rng)),
                    1 => format!("To {payee} {}", group4(&random_iban(rng))),
                    2 => format!("Rent {} {}", month_name(time), year(time)),
                    3 => "Savings".to_owned(),
                    4 => format!("Pocket money {}", payee.split(' ').next().unwrap_or("")),
                    _ => format!("Transfer to {payee}"),
                };
                (payee, amount, description)
            }
            Kind::TransferIn => {
                let payer = counterparty(rng);
                let amount = rng.gen_range(1_000..=100_000);
                let description = match rng.gen_range(0..12) {
                    0 => format!("Payment from {}", person.email),
                    1 => format!("From {payer}, ref {}", random_iban(rng)),
                    2 => "Repayment, thanks!".to_owned(),
                    _ => format!("Transfer from {payer}"),
                };
                (payer, amount, description)
            }
            Kind::Salary => {
                let amount = rng.gen_range(1_800..=6_500) * 100;
                let description = format!("Salary {} {} {employer}", month_name(time), year(time));
                (employer.to_owned(), amount, description)
            }
            Kind::Refund => {
                let m = merchant(rng, person.country);
                let amount = rng.gen_range(m.low..=m.high);
                let description = match rng.gen_range(0..4) {
                    0 => format!("Refund to card {}", card_number.unwrap_or_default()),
                    1 => format!(
                        "Chargeback {} ref {:06}",
                        m.name,
                        rng.gen_range(0..1_000_000)
                    ),
                    _ => format!("Refund {}", m.name),
                };
                (m.name.to_owned(), amount, description)
            }
            Kind::Atm => {
                let amount = -rng.gen_range(2..=30) * 1_000;
                let city = *pick(rng, country_cities(person.country));
                (
                    "Cash withdrawal".to_owned(),
                    amount,
                    format!("ATM withdrawal {city}"),
                )
            }
        };
        out.transactions.push(TransactionRow {
            id: customer_id * 100_000 + k as i64 + 1,
            account_id,
            customer_id,
            time: datetime(time),
            amount,
            currency: currency.to_owned(),
            merchant,
            status: transaction_status(rng, time, kind).to_owned(),
            card_number: card_number.map(str::to_owned),
            ip_address: ip,
            description,
        });
    }
}

/// A merchant a customer in `country` shops at: chains from elsewhere only now and then,
/// when travelling.
fn merchant(rng: &mut ChaCha8Rng, country: Country) -> &'static Merchant {
    loop {
        let m = pick(rng, MERCHANTS);
        if m.country.is_none_or(|c| c == country) || rng.gen_bool(0.05) {
            return m;
        }
    }
}

fn transaction_status(rng: &mut ChaCha8Rng, time: i64, kind: Kind) -> &'static str {
    if NOW - time < 4 * DAY && rng.gen_bool(0.7) {
        return "pending";
    }
    match kind {
        Kind::Purchase => weighted(
            rng,
            &[
                ("settled", 930),
                ("declined", 35),
                ("refunded", 20),
                ("disputed", 15),
            ],
        ),
        Kind::DirectDebit => weighted(rng, &[("settled", 97), ("declined", 3)]),
        _ => "settled",
    }
}

fn tickets(
    rng: &mut ChaCha8Rng,
    customer_id: i64,
    window: i64,
    person: &Person<'_>,
    fixtures: bool,
    out: &mut Batch,
) {
    let count = if fixtures {
        rng.gen_range(1..=3)
    } else if rng.gen_bool(0.3) {
        weighted(rng, &[(1, 50), (2, 30), (3, 15), (4, 5)])
    } else {
        0
    };
    for i in 1..=count {
        let ticket_id = customer_id * 10 + i;
        if fixtures && i == 1 {
            customer_one_ticket(rng, ticket_id, window, person, out);
            continue;
        }
        let status = weighted(rng, &[("open", 20), ("pending", 20), ("closed", 60)]);
        let priority = weighted(
            rng,
            &[("low", 20), ("normal", 55), ("high", 20), ("urgent", 5)],
        );
        // Open tickets are recent ones.
        let earliest = if status == "closed" {
            window
        } else {
            window.max(NOW - 21 * DAY)
        };
        let created = rng.gen_range(earliest..NOW - 3_600);
        let (subject_template, opener_template, answer) = *pick(rng, TOPICS);
        let merchant = merchant(rng, person.country).name;
        let subject = subject_template.replace("{merchant}", merchant);
        let agent = format!("agent-{}", rng.gen_range(1..=40));

        let messages = rng.gen_range(1..=6);
        let mut time = created;
        for k in 1..=messages {
            let from_customer = k % 2 == 1;
            let internal = !from_customer && rng.gen_bool(0.2);
            let mut body = if k == 1 {
                opener_template.replace("{merchant}", merchant).replace(
                    "{amount}",
                    &format!("{}.{:02}", rng.gen_range(5..400), rng.gen_range(0..100)),
                )
            } else if internal {
                pick(rng, NOTES).replace("{dob}", person.date_of_birth)
            } else if from_customer {
                (*pick(rng, FOLLOW_UPS)).to_owned()
            } else if k == 2 {
                answer.to_owned()
            } else if k == messages && status == "closed" {
                "I'm closing this ticket now. Reply any time if you need more help.".to_owned()
            } else {
                (*pick(rng, REPLIES)).to_owned()
            };
            if rng.gen_bool(0.25) {
                body.push(' ');
                sensitive_line(rng, person, from_customer, internal, &mut body);
            }
            out.messages.push(MessageRow {
                id: ticket_id * 100 + k,
                ticket_id,
                internal,
                author: if from_customer {
                    person.name.to_owned()
                } else {
                    agent.clone()
                },
                time: datetime(time),
                body,
            });
            if k < messages {
                time = (time + rng.gen_range(600..36 * 3_600)).min(NOW - 60);
            }
        }
        out.tickets.push(TicketRow {
            id: ticket_id,
            customer_id,
            subject,
            status: status.to_owned(),
            priority: priority.to_owned(),
            created_at: datetime(created),
            updated_at: datetime(time),
        });
    }
}

/// Ticket 11: the fixtures the module doc promises.
fn customer_one_ticket(
    rng: &mut ChaCha8Rng,
    ticket_id: i64,
    window: i64,
    person: &Person<'_>,
    out: &mut Batch,
) {
    let created = rng.gen_range(window.max(NOW - 14 * DAY)..NOW - 2 * DAY);
    let agent = format!("agent-{}", rng.gen_range(1..=40));
    let card = &person.cards[0];
    let bodies: [(bool, String); 6] = [
        (
            false,
            format!(
                "Hello, there is a payment on my card {card} that I don't recognise. \
                 Please reply to {} as I can't log in to the app.",
                person.email
            ),
        ),
        (
            false,
            "Thanks for getting in touch. I'm looking into this now and have paused the card \
             while we check."
                .to_owned(),
        ),
        (
            true,
            format!(
                "Customer verified by DOB {}. Checked with fraud team, card blocked.",
                person.date_of_birth
            ),
        ),
        (false, "<img src=x onerror=alert(1)>".to_owned()),
        (
            false,
            "Could you tell us what the app shows when you try to sign in?".to_owned(),
        ),
        (
            false,
            "Pasted from the app: <script>alert(\"x\")</script>".to_owned(),
        ),
    ];
    let mut time = created;
    for (k, (internal, body)) in bodies.into_iter().enumerate() {
        let k = k as i64 + 1;
        // Customer, agent, note, customer, agent, customer.
        let from_customer = matches!(k, 1 | 4 | 6);
        out.messages.push(MessageRow {
            id: ticket_id * 100 + k,
            ticket_id,
            internal,
            author: if from_customer {
                person.name.to_owned()
            } else {
                agent.clone()
            },
            time: datetime(time),
            body,
        });
        if k < 6 {
            time += rng.gen_range(600..6 * 3_600);
        }
    }
    out.tickets.push(TicketRow {
        id: ticket_id,
        customer_id: ticket_id / 10,
        subject: "Payment I don't recognise".to_owned(),
        status: "open".to_owned(),
        priority: "high".to_owned(),
        created_at: datetime(created),
        updated_at: datetime(time),
    });
}

/// Appends a sentence quoting something the redaction must catch.
fn sensitive_line(
    rng: &mut ChaCha8Rng,
    person: &Person<'_>,
    from_customer: bool,
    internal: bool,
    body: &mut String,
) {
    let national_id = match person.country {
        Country::Us => Sensitive::Ssn,
        Country::Gb => Sensitive::Nino,
        _ if rng.gen_bool(0.5) => Sensitive::Ssn,
        _ => Sensitive::Nino,
    };
    let kind = weighted(
        rng,
        &[
            (Sensitive::Email, 25),
            (Sensitive::Phone, 25),
            (Sensitive::Card, 22),
            (Sensitive::Iban, 16),
            (national_id, 12),
        ],
    );
    let _ = match kind {
        Sensitive::Email => match (from_customer, internal) {
            (true, _) => write!(body, "You can reach me at {}.", person.email),
            (_, true) => write!(body, "Confirmation sent to {}.", person.email),
            _ => write!(
                body,
                "I have updated your e-mail address to {}.",
                person.email
            ),
        },
        Sensitive::Phone => {
            let phone = if rng.gen_bool(0.3) {
                national_phone(person.phone)
            } else {
                person.phone.to_owned()
            };
            match (from_customer, internal) {
                (true, _) => write!(body, "Please call me back on {phone}."),
                (_, true) => write!(body, "Called customer back on {phone}, no answer."),
                _ => write!(body, "We will call you on {phone} tomorrow morning."),
            }
        }
        Sensitive::Card => {
            let grouped = if person.cards.is_empty() || rng.gen_bool(0.2) {
                card_number(Brand::Visa, rng.gen_range(0..1_000_000_000))
            } else {
                pick(rng, person.cards).clone()
            };
            let number = if rng.gen_bool(0.3) {
                grouped.replace(' ', "")
            } else {
                grouped
            };
            match (from_customer, internal) {
                (true, _) => write!(body, "The card number is {number}."),
                (_, true) => write!(body, "Replacement requested for {number}."),
                _ => write!(body, "The refund will go to card {number}."),
            }
        }
        Sensitive::Iban => {
            let grouped = pick(rng, person.ibans).clone();
            let iban = if rng.gen_bool(0.4) {
                grouped.replace(' ', "")
            } else {
                grouped
            };
            if from_customer {
                write!(body, "I sent it from my account {iban}.")
            } else {
                write!(body, "The transfer from {iban} has been returned.")
            }
        }
        Sensitive::Nino => {
            let nino = nino(rng);
            if from_customer {
                write!(body, "My National Insurance number is {nino}.")
            } else {
                write!(body, "Verified with NI number {nino}.")
            }
        }
        Sensitive::Ssn => {
            // Never area 000, 666 or 900 and above, which are not issued.
            let area = if rng.gen_bool(0.5) {
                rng.gen_range(1..666)
            } else {
                rng.gen_range(667..900)
            };
            let ssn = format!(
                "{area:03}-{:02}-{:04}",
                rng.gen_range(1..100),
                rng.gen_range(1..10_000)
            );
            if from_customer {
                write!(body, "My SSN is {ssn} if you need to verify me.")
            } else {
                write!(body, "Verified with SSN {ssn}.")
            }
        }
    };
}

/// `+44 7700 900123` as the customer would type it at home: `07700 900123`.
fn national_phone(phone: &str) -> String {
    match phone.split_once(' ') {
        Some(("+1", rest)) => format!("({}", rest.replacen(' ', ") ", 1)),
        Some((_, rest)) => format!("0{rest}"),
        None => phone.to_owned(),
    }
}

/// A UK National Insurance number in a valid format, spaced or not.
fn nino(rng: &mut ChaCha8Rng) -> String {
    const FIRST: &[u8] = b"ABCEGHJKLMNOPRSTWXYZ";
    const SECOND: &[u8] = b"ABCEGHJKLMNPRSTWXYZ";
    let (a, b) = loop {
        let pair = (*pick(rng, FIRST), *pick(rng, SECOND));
        if !matches!(
            &[pair.0, pair.1],
            b"BG" | b"GB" | b"NK" | b"KN" | b"TN" | b"NT" | b"ZZ"
        ) {
            break (pair.0 as char, pair.1 as char);
        }
    };
    let digits = rng.gen_range(0..1_000_000);
    let suffix = *pick(rng, &['A', 'B', 'C', 'D']);
    if rng.gen_bool(0.5) {
        format!(
            "{a}{b} {:02} {:02} {:02} {suffix}",
            digits / 10_000,
            digits / 100 % 100,
            digits % 100
        )
    } else {
        format!("{a}{b}{digits:06}{suffix}")
    }
}

// --- Identifiers ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Brand {
    Visa,
    Mastercard,
    Amex,
}

impl Brand {
    fn name(self) -> &'static str {
        match self {
            Self::Visa => "Visa",
            Self::Mastercard => "Mastercard",
            Self::Amex => "American Express",
        }
    }
}

/// A Luhn-valid number in the brand's test range, unique per `seq` (below 10^9, or 10^10 for
/// Amex), printed as on the card: 4-4-4-4, or 4-6-5 for Amex.
fn card_number(brand: Brand, seq: u64) -> String {
    let mut digits = String::with_capacity(19);
    match brand {
        Brand::Visa => {
            let _ = write!(digits, "400000{:09}", scramble(seq, 1_000_000_000));
        }
        Brand::Mastercard => {
            let prefix = if seq.is_multiple_of(2) {
                "555555"
            } else {
                "222300"
            };
            let _ = write!(digits, "{prefix}{:09}", scramble(seq, 1_000_000_000));
        }
        Brand::Amex => {
            let _ = write!(digits, "3782{:010}", scramble(seq, 10_000_000_000));
        }
    }
    digits.push(luhn_check_digit(&digits));
    let groups: &[usize] = if brand == Brand::Amex {
        &[4, 6, 5]
    } else {
        &[4, 4, 4, 4]
    };
    let mut printed = String::with_capacity(19);
    let mut at = 0;
    for (n, len) in groups.iter().enumerate() {
        if n > 0 {
            printed.push(' ');
        }
        printed.push_str(&digits[at..at + len]);
        at += len;
    }
    printed
}

/// The digit that makes `payload` followed by it pass the Luhn check.
fn luhn_check_digit(payload: &str) -> char {
    let sum: u32 = payload
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let d = d * 2;
                if d > 9 { d - 9 } else { d }
            } else {
                d
            }
        })
        .sum();
    char::from(b'0' + ((10 - sum % 10) % 10) as u8)
}

/// A bijection on `0..modulus` (a power of ten) that makes consecutive ids look random.
fn scramble(x: u64, modulus: u64) -> u64 {
    // Odd and not a multiple of 5, so invertible modulo any power of ten.
    const MULTIPLIER: u128 = 6_364_136_223_846_793;
    ((u128::from(x % modulus) * MULTIPLIER + 1_442_695_041) % u128::from(modulus)) as u64
}

/// The IBAN of account `account_id` in `country`, compact; unique per account id.
fn iban(rng: &mut ChaCha8Rng, country: Country, account_id: i64) -> String {
    let seq = account_id as u64;
    let mut bban = String::with_capacity(30);
    let _ = match country {
        Country::Gb | Country::Us => write!(
            bban,
            "{}{:06}{:08}",
            pick(rng, GB_BANKS),
            rng.gen_range(0..1_000_000),
            scramble(seq, 100_000_000)
        ),
        Country::De => write!(
            bban,
            "{}{:010}",
            pick(rng, DE_BANKS),
            scramble(seq, 10_000_000_000)
        ),
        Country::Fr => {
            let bank: u64 = pick(rng, FR_BANKS).parse().expect("digits");
            let branch = rng.gen_range(0..100_000);
            let account = scramble(seq, 100_000_000_000);
            let key = 97 - (89 * bank + 15 * branch + 3 * account) % 97;
            write!(bban, "{bank:05}{branch:05}{account:011}{key:02}")
        }
        Country::Nl => write!(
            bban,
            "{}{:010}",
            pick(rng, NL_BANKS),
            scramble(seq, 10_000_000_000)
        ),
    };
    let country_code = match country {
        Country::Gb | Country::Us => "GB",
        Country::De => "DE",
        Country::Fr => "FR",
        Country::Nl => "NL",
    };
    with_check_digits(country_code, &bban)
}

/// Someone else's IBAN, as quoted in a transfer reference.
fn random_iban(rng: &mut ChaCha8Rng) -> String {
    let country = *pick(rng, &[Country::Gb, Country::De, Country::Fr, Country::Nl]);
    let seq = rng.gen_range(0..100_000_000);
    iban(rng, country, seq)
}

fn with_check_digits(country: &str, bban: &str) -> String {
    let check = 98 - iban_remainder(bban.bytes().chain(country.bytes()).chain(*b"00"));
    format!("{country}{check:02}{bban}")
}

/// The rearranged IBAN modulo 97, letters counting as 10..=35.
fn iban_remainder(chars: impl Iterator<Item = u8>) -> u32 {
    chars.fold(0, |rem, c| match c {
        b'0'..=b'9' => (rem * 10 + u32::from(c - b'0')) % 97,
        _ => (rem * 100 + u32::from(c.to_ascii_uppercase() - b'A') + 10) % 97,
    })
}

/// Groups of four, as IBANs are printed.
fn group4(compact: &str) -> String {
    let mut printed = String::with_capacity(compact.len() + compact.len() / 4);
    for (i, c) in compact.chars().enumerate() {
        if i > 0 && i % 4 == 0 {
            printed.push(' ');
        }
        printed.push(c);
    }
    printed
}

fn ip_address(rng: &mut ChaCha8Rng) -> String {
    match rng.gen_range(0..20) {
        0..=5 => format!("192.0.2.{}", rng.gen_range(1..255)),
        6..=11 => format!("198.51.100.{}", rng.gen_range(1..255)),
        12..=16 => format!("203.0.113.{}", rng.gen_range(1..255)),
        _ => format!(
            "2001:db8::{:x}:{:x}",
            rng.gen_range(1..0xffff),
            rng.gen_range(1..0xffff)
        ),
    }
}

// --- People and places -----------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Country {
    Gb,
    De,
    Fr,
    Nl,
    Us,
}

fn phone(rng: &mut ChaCha8Rng, country: Country) -> String {
    match country {
        // Ofcom's range for drama; NANP's 555 exchange; the others merely well-formed.
        Country::Gb => format!("+44 7700 9{:05}", rng.gen_range(0..100_000)),
        Country::Us => format!("+1 202 555 {:04}", rng.gen_range(0..10_000)),
        Country::De if rng.gen_bool(0.5) => format!("+49 30 {:07}", rng.gen_range(0..10_000_000)),
        Country::De => format!("+49 151 {:08}", rng.gen_range(0..100_000_000)),
        Country::Fr => {
            let n: u32 = rng.gen_range(0..100_000_000);
            format!(
                "+33 6 {:02} {:02} {:02} {:02}",
                n / 1_000_000,
                n / 10_000 % 100,
                n / 100 % 100,
                n % 100
            )
        }
        Country::Nl => {
            let n: u32 = rng.gen_range(0..100_000_000);
            format!("+31 6 {:04} {:04}", n / 10_000, n % 10_000)
        }
    }
}

fn country_cities(country: Country) -> &'static [&'static str] {
    match country {
        Country::Gb => &[
            "London",
            "Manchester",
            "Bristol",
            "Leeds",
            "Edinburgh",
            "Cardiff",
        ],
        Country::De => &[
            "Berlin",
            "München",
            "Hamburg",
            "Köln",
            "Frankfurt",
            "Leipzig",
        ],
        Country::Fr => &["Paris", "Lyon", "Marseille", "Toulouse", "Nantes", "Lille"],
        Country::Nl => &["Amsterdam", "Rotterdam", "Utrecht", "Den Haag", "Eindhoven"],
        Country::Us => &[
            "Austin", "Boston", "Denver", "Seattle", "Chicago", "Portland",
        ],
    }
}

fn address(rng: &mut ChaCha8Rng, country: Country) -> String {
    let number = rng.gen_range(1..240);
    match country {
        Country::Gb => {
            let (city, area) = *pick(
                rng,
                &[
                    ("London", "SE1"),
                    ("London", "N16"),
                    ("Manchester", "M14"),
                    ("Bristol", "BS6"),
                    ("Leeds", "LS6"),
                    ("Edinburgh", "EH9"),
                    ("Cardiff", "CF24"),
                    ("Glasgow", "G12"),
                ],
            );
            const LETTERS: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";
            format!(
                "{number} {}, {city} {area} {}{}{}",
                pick(rng, GB_STREETS),
                rng.gen_range(1..10),
                *pick(rng, LETTERS) as char,
                *pick(rng, LETTERS) as char
            )
        }
        Country::De => {
            let (city, postcode) = *pick(
                rng,
                &[
                    ("Berlin", 10115),
                    ("München", 80331),
                    ("Hamburg", 20095),
                    ("Köln", 50667),
                    ("Frankfurt am Main", 60311),
                    ("Leipzig", 4109),
                ],
            );
            format!(
                "{} {number}, {:05} {city}",
                pick(rng, DE_STREETS),
                postcode + rng.gen_range(0..40)
            )
        }
        Country::Fr => {
            let (city, postcode) = *pick(
                rng,
                &[
                    ("Paris", 75001),
                    ("Lyon", 69001),
                    ("Marseille", 13001),
                    ("Toulouse", 31000),
                    ("Nantes", 44000),
                    ("Lille", 59000),
                ],
            );
            format!(
                "{number} {}, {:05} {city}",
                pick(rng, FR_STREETS),
                postcode + rng.gen_range(0..9)
            )
        }
        Country::Nl => {
            let (city, postcode) = *pick(
                rng,
                &[
                    ("Amsterdam", 1015),
                    ("Rotterdam", 3011),
                    ("Utrecht", 3511),
                    ("Den Haag", 2511),
                    ("Eindhoven", 5611),
                ],
            );
            const LETTERS: &[u8] = b"ABCDEGHJKLMNPRSTVWXZ";
            format!(
                "{} {number}, {} {}{} {city}",
                pick(rng, NL_STREETS),
                postcode + rng.gen_range(0..20),
                *pick(rng, LETTERS) as char,
                *pick(rng, LETTERS) as char
            )
        }
        Country::Us => {
            let (city, state, zip) = *pick(
                rng,
                &[
                    ("Austin", "TX", 78701),
                    ("Boston", "MA", 2108),
                    ("Denver", "CO", 80202),
                    ("Seattle", "WA", 98101),
                    ("Chicago", "IL", 60601),
                    ("Portland", "OR", 97201),
                ],
            );
            format!(
                "{} {}, {city}, {state} {:05}",
                number * 10 + rng.gen_range(0..10),
                pick(rng, US_STREETS),
                zip + rng.gen_range(0..20)
            )
        }
    }
}

fn counterparty(rng: &mut ChaCha8Rng) -> String {
    let first = pick(rng, FIRST_NAMES);
    let last = pick(rng, LAST_NAMES);
    if rng.gen_bool(0.5) {
        format!("{} {last}", first.chars().next().unwrap_or('X'))
    } else {
        format!("{first} {last}")
    }
}

/// A name as an e-mail address's local part: lower-case ASCII letters and digits only.
fn fold(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars().flat_map(char::to_lowercase) {
        let ascii = match c {
            'a'..='z' | '0'..='9' => {
                out.push(c);
                continue;
            }
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ą' | 'ạ' | 'ả' | 'ă' | 'ầ' => "a",
            'æ' => "ae",
            'ç' | 'ć' | 'č' => "c",
            'đ' => "d",
            'è' | 'é' | 'ê' | 'ë' | 'ę' | 'ě' | 'ễ' | 'ế' => "e",
            'ğ' => "g",
            'ì' | 'í' | 'î' | 'ï' | 'ı' => "i",
            'ł' => "l",
            'ñ' | 'ń' => "n",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ő' => "o",
            'œ' => "oe",
            'ř' => "r",
            'ś' | 'š' | 'ş' => "s",
            'ß' => "ss",
            'ù' | 'ú' | 'û' | 'ü' | 'ű' => "u",
            'ý' | 'ÿ' => "y",
            'ź' | 'ż' | 'ž' => "z",
            // Spaces, apostrophes, hyphens, combining marks.
            _ => "",
        };
        out.push_str(ascii);
    }
    if out.is_empty() {
        out.push('x');
    }
    out
}

// --- Transactions ----------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Purchase,
    DirectDebit,
    TransferOut,
    TransferIn,
    Salary,
    Refund,
    Atm,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sensitive {
    Email,
    Phone,
    Card,
    Iban,
    Nino,
    Ssn,
}

struct Merchant {
    name: &'static str,
    online: bool,
    /// A local chain's country; `None` for those found everywhere.
    country: Option<Country>,
    /// Smallest amount, minor units.
    low: i64,
    /// Largest amount, minor units.
    high: i64,
}

const fn shop(name: &'static str, low: i64, high: i64) -> Merchant {
    Merchant {
        name,
        online: false,
        country: None,
        low,
        high,
    }
}

const fn local(country: Country, name: &'static str, low: i64, high: i64) -> Merchant {
    Merchant {
        name,
        online: false,
        country: Some(country),
        low,
        high,
    }
}

const fn web(name: &'static str, low: i64, high: i64) -> Merchant {
    Merchant {
        name,
        online: true,
        country: None,
        low,
        high,
    }
}

const MERCHANTS: &[Merchant] = &[
    local(Country::Gb, "Tesco", 350, 12_000),
    local(Country::Gb, "Sainsbury's", 400, 11_000),
    shop("Lidl", 300, 9_000),
    shop("Aldi", 300, 9_000),
    local(Country::Fr, "Carrefour", 500, 14_000),
    local(Country::Nl, "Albert Heijn", 300, 8_000),
    local(Country::De, "REWE", 400, 10_000),
    local(Country::Us, "Whole Foods Market", 800, 16_000),
    shop("Starbucks", 250, 1_200),
    local(Country::Gb, "Pret A Manger", 300, 1_500),
    local(Country::Gb, "Costa Coffee", 250, 900),
    local(Country::Gb, "Boots", 200, 4_500),
    local(Country::De, "dm-drogerie markt", 150, 3_500),
    shop("IKEA", 1_500, 60_000),
    shop("Decathlon", 1_000, 25_000),
    shop("H&M", 900, 12_000),
    shop("Zara", 1_500, 15_000),
    shop("MediaMarkt", 1_500, 120_000),
    shop("Shell", 2_500, 11_000),
    shop("BP", 2_500, 11_000),
    shop("TotalEnergies", 2_500, 11_000),
    local(Country::Gb, "Transport for London", 150, 900),
    local(Country::De, "Deutsche Bahn", 1_500, 14_000),
    local(Country::Fr, "SNCF", 1_500, 16_000),
    local(Country::Nl, "NS Reizigers", 300, 4_000),
    local(Country::Fr, "Le Petit Bistro", 1_800, 12_000),
    shop("Trattoria da Mario", 2_000, 14_000),
    local(Country::Gb, "Wagamama", 1_200, 6_500),
    local(Country::De, "Café Müller", 350, 2_500),
    web("Amazon", 599, 25_000),
    web("eBay", 800, 30_000),
    web("Zalando", 1_999, 18_000),
    web("bol.com", 999, 15_000),
    web("Apple", 99, 150_000),
    web("Google Play", 99, 2_999),
    web("Netflix", 799, 1_799),
    web("Spotify", 999, 1_799),
    web("Steam", 499, 6_999),
    web("Booking.com", 6_000, 90_000),
    web("Airbnb", 8_000, 120_000),
    web("Ryanair", 2_500, 30_000),
    web("easyJet", 3_000, 32_000),
    web("Lufthansa", 9_000, 120_000),
    web("KLM", 9_000, 110_000),
    web("Uber", 600, 6_000),
    web("Deliveroo", 1_200, 5_500),
];

const BILLERS: &[(&str, i64, i64)] = &[
    ("British Gas", 4_000, 22_000),
    ("Vattenfall", 4_000, 20_000),
    ("EDF", 3_500, 19_000),
    ("Eneco", 4_000, 18_000),
    ("Vodafone Mobile", 1_500, 6_000),
    ("O2 Mobile", 1_200, 5_500),
    ("Council Tax", 9_000, 24_000),
    ("Allianz Insurance", 2_500, 14_000),
    ("Gym Membership", 1_999, 6_999),
];

const EMPLOYERS: &[&str] = &[
    "Northwind Traders Ltd",
    "Contoso GmbH",
    "Fabrikam SARL",
    "Initech BV",
    "Globex Corporation",
    "Umbrella Health NHS Trust",
    "Tailspin Toys",
    "Wide World Importers",
];

fn year(time: i64) -> i64 {
    civil_from_days(time.div_euclid(DAY)).0
}

fn month_name(time: i64) -> &'static str {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    MONTHS[(civil_from_days(time.div_euclid(DAY)).1 - 1) as usize]
}

// --- Tickets ---------------------------------------------------------------------------------

/// Subjects, the customer's opening message and the agent's answer.
const TOPICS: &[(&str, &str, &str)] = &[
    (
        "Card declined at {merchant}",
        "Hi, my card was declined at {merchant} this morning even though there is money in \
         the account. Can you tell me why?",
        "The payment was stopped by our fraud checks. I've confirmed it was you, so it will go \
         through if you try again.",
    ),
    (
        "Unrecognised payment",
        "There is a payment of {amount} to {merchant} on my statement that I did not make.",
        "I've blocked the card and raised a dispute for that payment. A replacement card will \
         arrive within 5 working days.",
    ),
    (
        "Charged twice by {merchant}",
        "I was charged twice for the same order at {merchant}, {amount} each time.",
        "I can see both payments. I've disputed the second one; we'll update you within 10 \
         working days.",
    ),
    (
        "Lost card",
        "I lost my wallet on the train, please block my card straight away.",
        "I have blocked the card and ordered a replacement; it should arrive within 5 working \
         days.",
    ),
    (
        "Salary not received",
        "My salary should have arrived yesterday and I can't see it in my account.",
        "Incoming payments can take until the end of the day to appear. If it's still missing \
         tomorrow, please ask your employer for the payment reference.",
    ),
    (
        "Change of address",
        "I have moved house. How do I change the address on my account?",
        "You can change it in the app under Profile, Address, or reply with the new address \
         and a proof of residence.",
    ),
    (
        "App keeps logging me out",
        "The app logs me out every time I try to open my statements.",
        "Please update the app to the latest version and sign in again. If it keeps happening, \
         tell us your phone model.",
    ),
    (
        "Statement request",
        "Could you send me statements for the last three months please? I need them for a \
         mortgage application.",
        "Your statements have been sent to the address we hold for you.",
    ),
    (
        "Refund from {merchant} missing",
        "{merchant} says they refunded {amount} two weeks ago but it is not in my account.",
        "Refunds usually take 5 to 7 working days to reach the account. I'll check with the \
         merchant's bank.",
    ),
    (
        "Overdraft fee",
        "Why was I charged an overdraft fee? I was only overdrawn for a day.",
        "The fee applies when the account is overdrawn at the end of a day. As a one-off, I've \
         refunded it.",
    ),
    (
        "Direct debit cancelled by mistake",
        "I cancelled a direct debit by mistake, can it be restored?",
        "I've reinstated the direct debit; no payment was missed.",
    ),
    (
        "Suspicious text message",
        "I got a text saying my account is locked and asking me to click a link. Is it you?",
        "That message was not from us. Please don't click the link; I've reported it.",
    ),
    (
        "Close my account",
        "I would like to close my account and move the balance elsewhere. Tschüss!",
        "I'm sorry to see you go. Please confirm where the remaining balance should be sent.",
    ),
    (
        "Limite de carte",
        "Bonjour, je voudrais augmenter la limite de ma carte pour un achat de {amount} \
         chez {merchant}. Merci d'avance, Émilie",
        "Bonjour, la limite de votre carte est augmentée pour 30 jours. Bonne journée !",
    ),
];

/// Later messages from the customer, whatever the topic.
const FOLLOW_UPS: &[&str] = &[
    "Thanks, that worked.",
    "Still not resolved, any update?",
    "OK, I'll wait to hear from you.",
    "Here are the details you asked for.",
    "I have attached a screenshot of the error.",
    "Can someone call me? This is urgent.",
    "It happened again today.",
    "Great, thank you for your help.",
];

/// Later replies from the agent, whatever the topic.
const REPLIES: &[&str] = &[
    "Thanks for getting in touch. I'm looking into this now.",
    "Could you confirm the last four digits of the card, please?",
    "Sorry for the wait. I've passed this to the team that handles it and will update you \
     tomorrow.",
    "Thanks for confirming. Is there anything else I can help with?",
    "I've added a note to your account so my colleagues can see the history.",
];

const NOTES: &[&str] = &[
    "Checked with fraud team, card blocked.",
    "Customer verified by DOB {dob}.",
    "Escalated to payments operations.",
    "Merchant confirmed duplicate charge; refund approved.",
    "Possible account takeover, opened a fraud case.",
    "Fee refunded as a goodwill gesture.",
    "Customer sounded distressed; offered a call back.",
];

// --- Names and places ------------------------------------------------------------------------

const FIRST_NAMES: &[&str] = &[
    "José",
    "Zoë",
    "Łukasz",
    "Søren",
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Amelia",
    "Oliver",
    "Sophie",
    "Lucas",
    "Mia",
    "Elias",
    "Hannah",
    "Jonas",
    "Léa",
    "Hugo",
    "Chloé",
    "Louis",
    "Camille",
    "Jules",
    "Inès",
    "Mateo",
    "Lucía",
    "Pablo",
    "Sofía",
    "Alejandro",
    "Valentina",
    "Diego",
    "Giulia",
    "Marco",
    "Francesca",
    "Luca",
    "Aoife",
    "Siobhán",
    "Cian",
    "Niamh",
    "Seán",
    "Fionn",
    "Björn",
    "Astrid",
    "Lars",
    "Ingrid",
    "Magnus",
    "Freja",
    "Mikkel",
    "Sigrid",
    "Anna",
    "Jan",
    "Małgorzata",
    "Katarzyna",
    "Piotr",
    "Zofia",
    "Tomáš",
    "Petra",
    "Zoltán",
    "Réka",
    "Dmitri",
    "Olga",
    "Ayşe",
    "Mehmet",
    "Elif",
    "Emre",
    "Fatima",
    "Omar",
    "Layla",
    "Yusuf",
    "Amira",
    "Karim",
    "Priya",
    "Arjun",
    "Ananya",
    "Rohan",
    "Deepika",
    "Vikram",
    "Mei",
    "Wei",
    "Jun",
    "Hana",
    "Yuki",
    "Haruto",
    "Min-jun",
    "Seo-yeon",
    "Linh",
    "Minh",
    "Thảo",
    "Kwame",
    "Ama",
    "Chidi",
    "Ngozi",
    "Tunde",
    "Zainab",
    "Thabo",
    "Lerato",
    "Aroha",
    "Tane",
    "Kai",
    "Leilani",
    "Beatriz",
    "João",
    "Gabriel",
    "Émilie",
    "Jürgen",
];

const LAST_NAMES: &[&str] = &[
    "Smith",
    "Jones",
    "Williams",
    "Taylor",
    "Brown",
    "Davies",
    "Evans",
    "Wilson",
    "Thomas",
    "Johnson",
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Schäfer",
    "Becker",
    "Hoffmann",
    "Martin",
    "Bernard",
    "Dubois",
    "Lefèvre",
    "Moreau",
    "Laurent",
    "Girard",
    "Fontaine",
    "García",
    "Fernández",
    "López",
    "Martínez",
    "Rodríguez",
    "Sánchez",
    "Pérez",
    "Rossi",
    "Russo",
    "Ferrari",
    "Esposito",
    "Bianchi",
    "Romano",
    "Silva",
    "Santos",
    "Oliveira",
    "Costa",
    "Pereira",
    "de Vries",
    "van den Berg",
    "Jansen",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "Sørensen",
    "Nielsen",
    "Hansen",
    "Andersson",
    "Johansson",
    "Lindqvist",
    "Kowalski",
    "Nowak",
    "Wiśniewski",
    "Wójcik",
    "Novák",
    "Dvořák",
    "Horváth",
    "Nagy",
    "Ivanov",
    "Petrova",
    "Yılmaz",
    "Öztürk",
    "Kaya",
    "Demir",
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Kim",
    "Lee",
    "Park",
    "Choi",
    "Wang",
    "Li",
    "Zhang",
    "Chen",
    "Liu",
    "Tanaka",
    "Suzuki",
    "Sato",
    "Patel",
    "Sharma",
    "Singh",
    "Gupta",
    "Khan",
    "Ahmed",
    "Hussain",
    "Okafor",
    "Adeyemi",
    "Mensah",
    "Mwangi",
    "Ndlovu",
    "O'Brien",
    "O'Connor",
    "Murphy",
    "Kelly",
    "MacDonald",
    "Al-Sayed",
    "Haddad",
    "Cohen",
];

const GB_STREETS: &[&str] = &[
    "High Street",
    "Station Road",
    "Church Lane",
    "Victoria Road",
    "Mill Lane",
    "Park Avenue",
    "Queen's Road",
    "Acacia Avenue",
];
const DE_STREETS: &[&str] = &[
    "Hauptstraße",
    "Bahnhofstraße",
    "Schillerstraße",
    "Goethestraße",
    "Gartenweg",
    "Lindenallee",
];
const FR_STREETS: &[&str] = &[
    "rue de la Paix",
    "avenue Victor Hugo",
    "boulevard Saint-Michel",
    "rue du Faubourg Saint-Honoré",
    "place Bellecour",
    "rue des Écoles",
];
const NL_STREETS: &[&str] = &[
    "Keizersgracht",
    "Damrak",
    "Stationsplein",
    "Coolsingel",
    "Oudegracht",
    "Kerkstraat",
];
const US_STREETS: &[&str] = &[
    "Main Street",
    "Oak Avenue",
    "Maple Drive",
    "Elm Street",
    "Washington Boulevard",
    "Lakeview Terrace",
];

const GB_BANKS: &[&str] = &[
    "NWBK", "BARC", "LOYD", "HBUK", "MIDL", "BUKB", "SRLG", "MONZ",
];
const DE_BANKS: &[&str] = &[
    "37040044", "10070000", "50010517", "20041133", "70020270", "12030000",
];
const FR_BANKS: &[&str] = &["30004", "30003", "20041", "10278", "30002", "18206"];
const NL_BANKS: &[&str] = &["ABNA", "INGB", "RABO", "SNSB", "TRIO", "BUNQ", "KNAB"];

// --- Small helpers ---------------------------------------------------------------------------

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

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
const fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = if year >= 0 { year } else { year - 399 } / 400;
    let year_of_era = year - era * 400;
    let month_from_march = if month > 2 { month - 3 } else { month + 9 } as i64;
    let day_of_year = (153 * month_from_march + 2) / 5 + day as i64 - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date `days` after 1970-01-01, as (year, month, day).
const fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    } as u32;
    let year = year_of_era + era * 400;
    (if month <= 2 { year + 1 } else { year }, month, day)
}

fn push_digits(out: &mut String, value: u32, width: u32) {
    for place in (0..width).rev() {
        out.push(char::from(b'0' + (value / 10u32.pow(place) % 10) as u8));
    }
}

/// `YYYY-MM-DD`.
fn date(days: i64) -> String {
    let mut out = String::with_capacity(10);
    push_date(&mut out, days);
    out
}

fn push_date(out: &mut String, days: i64) {
    let (year, month, day) = civil_from_days(days);
    push_digits(out, year as u32, 4);
    out.push('-');
    push_digits(out, month, 2);
    out.push('-');
    push_digits(out, day, 2);
}

/// `YYYY-MM-DDTHH:MM:SSZ` for Unix seconds; hand-rolled because it runs millions of times.
fn datetime(secs: i64) -> String {
    let mut out = String::with_capacity(20);
    push_date(&mut out, secs.div_euclid(DAY));
    let second = secs.rem_euclid(DAY) as u32;
    out.push('T');
    push_digits(&mut out, second / 3_600, 2);
    out.push(':');
    push_digits(&mut out, second / 60 % 60, 2);
    out.push(':');
    push_digits(&mut out, second % 60, 2);
    out.push('Z');
    out
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

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
                        || (bytes[j] == b' '
                            && j + 1 < bytes.len()
                            && bytes[j + 1].is_ascii_digit()))
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
}
