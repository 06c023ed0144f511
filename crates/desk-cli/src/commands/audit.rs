//! `desk admin audit [filters] [--export jsonl|csv] | desk admin audit verify`: the audit
//! trail as an administrator (a role with `audit.read`) reads, exports and checks it.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use desk_app::{App, AppError, AuditCheck, AuditQuery, CheckpointCheck, ExportFormat};

use super::print_json;
use crate::terminal::line;

/// List the audit trail, newest first (needs a role with `audit.read`); the filters combine.
/// Prints one entry a line; `--json` prints the page as the server answers it.
#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct AuditArgs {
    #[command(subcommand)]
    command: Option<AuditCommand>,
    /// Only this agent's entries (their subject), or `desk-server`'s.
    #[arg(long)]
    actor: Option<String>,
    /// Only this action's (`customer.view`, `sign_in`, `role.update`, …).
    #[arg(long)]
    action: Option<String>,
    /// Recorded at or after this date (2026-11-29) or RFC 3339 time.
    #[arg(long)]
    since: Option<String>,
    /// Recorded before this date or time.
    #[arg(long)]
    until: Option<String>,
    /// Only the entries that ended so: ok, denied or not_found.
    #[arg(long)]
    outcome: Option<String>,
    /// Only the entries about this resource, exactly (`customer:42`, `role:agent_l1`).
    #[arg(long)]
    resource: Option<String>,
    /// How many entries, 1 to 1000 (the server's default is 100).
    #[arg(long)]
    limit: Option<u32>,
    /// Continue after a previous page: the cursor it printed.
    #[arg(long)]
    cursor: Option<String>,
    /// Write every matching entry (all pages) to standard output as `jsonl` (one entry a
    /// line) or `csv` (a header, every cell quoted, none read as a formula); how many on
    /// standard error.
    #[arg(long, value_name = "FORMAT", value_parser = ["jsonl", "csv"])]
    export: Option<String>,
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Have the server check its audit chain under the audit key, with its newest checkpoint
    /// and the one this device witnessed; exits 1 when the chain or a checkpoint does not hold.
    Verify,
}

/// Runs `desk admin audit`.
pub async fn run(args: &AuditArgs, app: &App, json: bool) -> anyhow::Result<ExitCode> {
    if let Some(AuditCommand::Verify) = args.command {
        return verify(app, json).await;
    }
    let query = AuditQuery {
        actor: args.actor.clone(),
        action: args.action.clone(),
        since: args.since.clone(),
        until: args.until.clone(),
        outcome: args.outcome.clone(),
        resource: args.resource.clone(),
        limit: args.limit,
        cursor: args.cursor.clone(),
    };
    match args.export.as_deref() {
        Some(format) => export_audit(app, &query, format).await,
        None => audit(app, json, &query).await,
    }
}

async fn audit(app: &App, json: bool, query: &AuditQuery) -> anyhow::Result<ExitCode> {
    let page = app.audit(query).await?;
    if json {
        print_json(&page)?;
        return Ok(ExitCode::SUCCESS);
    }
    if page.items.is_empty() {
        println!("No audit entry matches");
    }
    for entry in &page.items {
        let detail = if entry.detail == "null" {
            String::new()
        } else {
            format!("  {}", line(&entry.detail))
        };
        println!(
            "{}  {}  {}  {}  {}  {}{detail}",
            entry.seq,
            line(&entry.time),
            line(&entry.actor),
            line(&entry.action),
            line(&entry.resource),
            line(&entry.outcome),
        );
    }
    if let Some(cursor) = &page.next_cursor {
        eprintln!("More entries: add --cursor {}", line(cursor));
    }
    Ok(ExitCode::SUCCESS)
}

async fn export_audit(app: &App, query: &AuditQuery, format: &str) -> anyhow::Result<ExitCode> {
    let format = ExportFormat::named(format)
        .ok_or_else(|| AppError::InvalidInput(format!("no export format `{format}`")))?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let written = app
        .export_audit(query, format, &mut out, |n| {
            eprint!("\r{n} entries exported");
        })
        .await?;
    eprintln!("\r{written} entries exported");
    Ok(ExitCode::SUCCESS)
}

async fn verify(app: &App, json: bool) -> anyhow::Result<ExitCode> {
    let check = app.verify_audit().await?;
    if json {
        print_json(&check)?;
    } else {
        print_check(&check);
    }
    Ok(if check.chain.holds && check.witnessed_problem.is_none() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The verdict of `audit verify`, for a person.
fn print_check(check: &AuditCheck) {
    let chain = &check.chain;
    let from = match (&chain.archive, chain.after) {
        (_, 0) => "from its first entry".to_owned(),
        (Some(archive), after) => format!("after entry {after} (archived in {})", line(archive)),
        (None, after) => format!("after entry {after}"),
    };
    match &chain.broken {
        None => println!(
            "The audit chain holds: {} entries checked {from}, up to entry {}",
            chain.entries, chain.head_seq
        ),
        Some(broken) => println!(
            "The audit chain is BROKEN at entry {}: {} ({} entries before it hold)",
            broken.seq,
            line(&broken.reason),
            chain.entries
        ),
    }
    let checkpoint = |name: &str, c: &Option<CheckpointCheck>| match c {
        None => println!("{name}: none"),
        Some(c) => match &c.problem {
            None => println!("{name} (entry {}, {}): held", c.seq, line(&c.time)),
            Some(problem) => println!(
                "{name} (entry {}, {}): NOT HELD: {}",
                c.seq,
                line(&c.time),
                line(problem)
            ),
        },
    };
    checkpoint("The server's newest checkpoint", &chain.server_checkpoint);
    checkpoint("This device's checkpoint", &chain.given_checkpoint);
    if let Some(problem) = &check.witnessed_problem {
        println!(
            "This device saw the trail go wrong earlier: {}",
            line(problem)
        );
    }
}
