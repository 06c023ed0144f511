//! Customer records: `desk search`, `customer`, `transactions`, `tickets` and `ticket`, each
//! printed with where it came from (the server, or the local cache when offline).

use std::process::ExitCode;

use clap::Subcommand;
use desk_app::{App, RecordPage as Page, Source, Sourced};
use desk_core::record::{Customer, Ticket, Transaction};

use super::print_json;
use crate::terminal::{self, line};

#[derive(Subcommand)]
pub enum RecordsCommand {
    /// Find customers by name, e-mail address, phone or account number.
    Search {
        /// What to look for.
        text: String,
        /// Continue after a previous page (its `next_cursor`).
        #[arg(long)]
        cursor: Option<String>,
    },
    /// Show one customer with the accounts and cards your role may see.
    Customer {
        /// The customer's id.
        id: i64,
    },
    /// List a customer's transactions, newest first.
    Transactions {
        /// The customer's id.
        id: i64,
        /// From this date (2026-03-14) or RFC 3339 time on.
        #[arg(long)]
        from: Option<String>,
        /// Before this date or time.
        #[arg(long)]
        to: Option<String>,
        /// Only this status: pending, settled, declined, refunded or disputed.
        #[arg(long)]
        status: Option<String>,
        /// How many (1 to 200; default 50).
        #[arg(long)]
        limit: Option<u32>,
        /// Continue after a previous page (its `next_cursor`).
        #[arg(long)]
        cursor: Option<String>,
    },
    /// List a customer's tickets.
    Tickets {
        /// The customer's id.
        id: i64,
        /// Continue after a previous page (its `next_cursor`).
        #[arg(long)]
        cursor: Option<String>,
    },
    /// Show one ticket with its messages.
    Ticket {
        /// The ticket's id.
        id: i64,
    },
}

pub async fn run(command: &RecordsCommand, app: &App, json: bool) -> anyhow::Result<ExitCode> {
    match command {
        RecordsCommand::Search { text, cursor } => {
            let page = app.search(text, cursor.as_deref()).await?;
            print_sourced(json, &page, print_search)
        }
        RecordsCommand::Customer { id } => {
            print_sourced(json, &app.customer(*id).await?, print_customer)
        }
        RecordsCommand::Transactions {
            id,
            from,
            to,
            status,
            limit,
            cursor,
        } => {
            let query = desk_app::TransactionQuery {
                from: from.clone(),
                to: to.clone(),
                status: status.clone(),
                limit: *limit,
                cursor: cursor.clone(),
            };
            let page = app.transactions(*id, &query).await?;
            print_sourced(json, &page, print_transactions)
        }
        RecordsCommand::Tickets { id, cursor } => {
            let page = app.tickets(*id, cursor.as_deref()).await?;
            print_sourced(json, &page, print_tickets)
        }
        RecordsCommand::Ticket { id } => print_sourced(json, &app.ticket(*id).await?, print_ticket),
    }
}

/// A value as one line of text ([`terminal::line`]), or `-`.
fn or_dash<T: std::fmt::Display>(value: &Option<T>) -> String {
    value
        .as_ref()
        .map_or_else(|| "-".to_owned(), |v| line(&v.to_string()).into_owned())
}

/// Prints a record with where it came from: JSON with `source` and `as_of`, or text with a last
/// line saying so.
fn print_sourced<T: serde::Serialize>(
    json: bool,
    sourced: &Sourced<T>,
    text: impl FnOnce(&T),
) -> anyhow::Result<ExitCode> {
    if json {
        print_json(sourced)?;
        return Ok(ExitCode::SUCCESS);
    }
    text(&sourced.value);
    let as_of = chrono::DateTime::from_timestamp(sourced.as_of, 0)
        .map_or_else(|| sourced.as_of.to_string(), |t| t.to_rfc3339());
    match sourced.source {
        Source::Server => println!("(from the server, {as_of})"),
        Source::Cache => println!("(OFFLINE: from the local cache, as of {as_of})"),
    }
    Ok(ExitCode::SUCCESS)
}

/// The line that continues a page, if there is more.
fn print_next<T>(page: &Page<T>) {
    if let Some(next) = &page.next_cursor {
        println!("more: --cursor {}", line(next));
    }
}

fn print_search(page: &Page<Customer>) {
    for c in &page.items {
        println!(
            "{:>8}  {}  {}  {}  {}",
            c.id,
            or_dash(&c.name),
            or_dash(&c.email),
            or_dash(&c.phone),
            or_dash(&c.status)
        );
    }
    if page.items.is_empty() {
        println!("no customer matches");
    }
    print_next(page);
}

fn print_customer(c: &Customer) {
    println!("customer {}: {}", c.id, or_dash(&c.name));
    for (label, value) in [
        ("e-mail", &c.email),
        ("phone", &c.phone),
        ("born", &c.date_of_birth),
        ("address", &c.address),
        ("tier", &c.tier),
        ("status", &c.status),
        ("since", &c.created_at),
    ] {
        if let Some(value) = value {
            println!("  {label:<8} {}", line(value));
        }
    }
    for a in c.accounts.iter().flatten() {
        let balance = a.balance.map(|b| format!("{:.2}", b as f64 / 100.0));
        println!(
            "  account {} {} {} {}",
            or_dash(&a.number),
            or_dash(&a.currency),
            or_dash(&balance),
            or_dash(&a.status)
        );
        for card in a.cards.iter().flatten() {
            println!(
                "    card {} {} {}",
                or_dash(&card.number),
                or_dash(&card.brand),
                or_dash(&card.status)
            );
        }
    }
}

fn print_transactions(page: &Page<Transaction>) {
    for t in &page.items {
        let amount = t.amount.map(|a| format!("{:.2}", a as f64 / 100.0));
        println!(
            "{}  {:>10} {}  {}  {}  {}",
            or_dash(&t.time),
            or_dash(&amount),
            or_dash(&t.currency),
            or_dash(&t.status),
            or_dash(&t.merchant),
            or_dash(&t.description)
        );
    }
    print_next(page);
}

fn print_tickets(page: &Page<Ticket>) {
    for t in &page.items {
        println!(
            "{:>8}  {}  {}  {}",
            t.id,
            or_dash(&t.status),
            or_dash(&t.priority),
            or_dash(&t.subject)
        );
    }
    print_next(page);
}

/// The indent of a message body's lines in `desk ticket`.
const BODY: &str = "    ";

fn print_ticket(t: &Ticket) {
    println!(
        "ticket {}: {} ({}, {})",
        t.id,
        or_dash(&t.subject),
        or_dash(&t.status),
        or_dash(&t.priority)
    );
    for m in t.messages.iter().flatten() {
        let kind = if m.internal {
            "internal note"
        } else {
            "message"
        };
        println!("  [{}] {kind} by {}:", or_dash(&m.time), or_dash(&m.author));
        // A body keeps its line breaks, each line indented like the first, so no line of it
        // can pass for a header like the one above.
        let body = m
            .body
            .as_deref()
            .map_or("-".into(), |b| terminal::block(b, BODY));
        println!("{BODY}{body}");
    }
}
