//! `desk-bench`: benchmarks against a running `desk-server`.
//!
//! - `desk-bench load`: closed-loop HTTP load, customer lookups against the bare handler.
//! - `desk-bench fanout`: how fast a published layout reaches K connected agents.
//! - `desk-bench provisioning`: customer lookups with the SCIM provisioning check against
//!   lookups without it, in alternating rounds on two servers over the same data.
//!
//! Tokens come from the environment only (`DESK_BENCH_AGENT_TOKEN`, `DESK_BENCH_ADMIN_TOKEN`) and
//! are never printed. `--out DIR` (or `DESK_BENCH_OUT`) writes the results as JSON rows. The exit
//! status is 0 for a clean run, 2 when some request failed or some client was not reached (the
//! numbers are then printed and written, but are not a valid measurement), 1 when the benchmark
//! could not run at all. A missed target is a result, not a failure.
#![deny(missing_docs)]

mod cpu;
mod fanout;
mod http;
mod load;
mod provisioning;
mod report;
mod sse;
mod stats;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use nix::sys::resource::{Resource, getrlimit, setrlimit};

#[derive(Parser)]
#[command(
    name = "desk-bench",
    version,
    about = "Load and push fan-out benchmarks against a running desk-server"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Closed-loop HTTP load: customer lookups and the bare handler, at each concurrency.
    Load(load::Args),
    /// Policy push fan-out to K event-stream clients after a layout is published.
    Fanout(fanout::Args),
    /// Customer lookups with the SCIM provisioning check against lookups without it: one round
    /// at a time (`round`), then the medians compared (`summary`).
    Provisioning(provisioning::Args),
}

/// Raises the soft open-file limit to the hard one: every client is a socket.
fn raise_open_files() -> u64 {
    let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) else {
        return 0;
    };
    if soft >= hard {
        return soft;
    }
    // An unlimited hard limit is not a value the kernel takes for the soft one: cap it.
    for wanted in [hard, hard.min(1 << 20), hard.min(65_536)] {
        if setrlimit(Resource::RLIMIT_NOFILE, wanted, hard).is_ok() {
            return wanted;
        }
    }
    soft
}

/// Warns when the open-file limit is below `needed`.
fn check_open_files(needed: u64) {
    if let Ok((soft, _)) = getrlimit(Resource::RLIMIT_NOFILE)
        && soft < needed
    {
        eprintln!(
            "warning: the open-file limit is {soft}, below the {needed} this run needs; \
             raise the hard limit (ulimit -Hn) and retry"
        );
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    raise_open_files();
    let result = match cli.command {
        Command::Load(args) => load::run(args).await,
        Command::Fanout(args) => fanout::run(args).await,
        Command::Provisioning(args) => provisioning::run(args).await,
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(2),
        Err(e) => {
            eprintln!("desk-bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}
