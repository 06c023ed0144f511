//! The commands of `desk`, one module per group: `session` (login, whoami, logout, status,
//! config, doctor), `policy`, `records` (search, customer, transactions, tickets, ticket),
//! `cache`, `admin` and its `roles`.
//!
//! Each group's `run` hands each command to its own function, which calls one `desk-app`
//! function and prints the answer as text or, with `--json`, as JSON; whatever came from
//! elsewhere is printed through [`terminal`](crate::terminal). An error is returned, for `main`
//! to print and turn into the exit code.

pub mod admin;
pub mod agents;
pub mod audit;
pub mod cache;
pub mod policy;
pub mod records;
mod roles;
pub mod session;

use crate::terminal;

/// Prints `value` as pretty JSON, every hidden character escaped ([`terminal::json`]).
fn print_json<T: serde::Serialize + ?Sized>(value: &T) -> anyhow::Result<()> {
    println!("{}", terminal::json(&serde_json::to_string_pretty(value)?));
    Ok(())
}
