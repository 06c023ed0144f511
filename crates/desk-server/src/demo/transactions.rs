//! A customer's transactions over their activity window: purchases, direct debits, transfers,
//! salary, refunds and cash, with the descriptions banks print (some quoting the customer's
//! e-mail address, phone, card or someone's IBAN).

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::calendar::{DAY, datetime, month_name, year};
use super::identifiers::{group4, ip_address, random_iban};
use super::people::{Country, counterparty};
use super::words::{BILLERS, EMPLOYERS, MERCHANTS, Merchant, country_cities};
use super::{HEAVY_TRANSACTIONS, NOW, Person, is_heavy, pick, weighted};
use crate::store::{Batch, TransactionRow};

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

pub(super) fn transactions(
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
pub(super) fn merchant(rng: &mut ChaCha8Rng, country: Country) -> &'static Merchant {
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
