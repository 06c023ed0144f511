//! `desk cache status | purge`: the signed-in agent's encrypted local cache.

use std::process::ExitCode;

use clap::Subcommand;
use desk_app::{App, CacheState, Offline};

use super::print_json;
use crate::terminal::line;

#[derive(Subcommand)]
pub enum CacheCommand {
    /// Size, records per kind, oldest record, next expiry, until when it may be read offline,
    /// the offline views not yet uploaded, and those the server refused (kept on this machine).
    Status,
    /// Delete every cached record (the key and the file stay; signing out shreds both; offline
    /// views not yet uploaded stay in their own queue).
    Purge,
}

pub async fn run(command: &CacheCommand, app: &App, json: bool) -> anyhow::Result<ExitCode> {
    match command {
        CacheCommand::Status => status(app, json).await,
        CacheCommand::Purge => {
            let removed = app.cache_purge().await?;
            println!("removed {removed} cached records");
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn status(app: &App, json: bool) -> anyhow::Result<ExitCode> {
    let report = app.cache_status().await?;
    if json {
        print_json(&report)?;
        return Ok(ExitCode::SUCCESS);
    }
    match report {
        Some(report) => {
            match &report.cache {
                Some(cache) => print_cache(cache),
                None => println!("no local cache (nothing cached yet, or shredded)"),
            }
            println!("  unsent views  {}", report.pending_views);
            println!(
                "  refused views {}{}",
                report.refused_views,
                if report.refused_views > 0 {
                    " (refused by the server; kept on this machine, not sent again)"
                } else {
                    ""
                }
            );
        }
        None => println!("no local cache (nobody signed in)"),
    }
    Ok(ExitCode::SUCCESS)
}

fn print_cache(report: &CacheState) {
    println!("cache {}", line(&report.path.display().to_string()));
    println!("  size          {} bytes", report.status.file_bytes);
    for (kind, n) in &report.status.per_kind {
        println!("  {:<13} {n}", format!("{kind}s"));
    }
    println!("  expired       {}", report.status.expired);
    println!("  oldest        {}", time(report.status.oldest_fetched_at));
    println!("  next expiry   {}", time(report.status.next_expiry));
    let offline = match report.offline {
        Some(Offline::Allowed { until }) => {
            format!("readable offline until {}", time(Some(until)))
        }
        Some(Offline::Locked { shred_at }) => {
            format!("locked; shredded at {}", time(Some(shred_at)))
        }
        Some(Offline::Shred) => "to be shredded".to_owned(),
        None => "no policy cached".to_owned(),
    };
    println!("  offline       {offline}");
}

/// Seconds since the epoch as RFC 3339, or `-`.
fn time(t: Option<i64>) -> String {
    t.and_then(|t| chrono::DateTime::from_timestamp(t, 0))
        .map_or_else(|| "-".to_owned(), |t| t.to_rfc3339())
}
