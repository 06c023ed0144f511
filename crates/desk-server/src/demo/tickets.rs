//! A customer's tickets and their messages, customer 1's fixture ticket, and the sentences that
//! put sensitive values into free text for the redaction to meet.

use std::fmt::Write as _;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::calendar::{DAY, datetime};
use super::identifiers::{Brand, card_number};
use super::people::Country;
use super::transactions::merchant;
use super::words::{FOLLOW_UPS, NOTES, REPLIES, TOPICS};
use super::{NOW, Person, pick, weighted};
use crate::store::{Batch, MessageRow, TicketRow};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sensitive {
    Email,
    Phone,
    Card,
    Iban,
    Nino,
    Ssn,
}

pub(super) fn tickets(
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
