//! `desk`: everything the Support Desk window does, without a window.
//!
//! Exit codes: 0 success, 1 a check or operation failed, 2 bad usage or configuration.
//! Warnings (such as a pushed policy that was refused) go to stderr, or to daily files in
//! `DESK_LOG_DIR` when that is set; `DESK_LOG` sets the level (`warn` by default, `debug` for
//! more).
//!
//! Everything it prints that did not come from `desk` itself (record text, names, server and
//! provider answers, error reasons) goes through [`terminal`], text and JSON alike, so that no
//! text can run in the terminal or print differently from what it says.
//!
//! This file parses the command line, sets up logging, dispatches to one function per command
//! group in [`commands`], and turns an error into its line on stderr and its exit code.

mod commands;
mod terminal;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use desk_app::{App, AppError, ErrorCode};
use terminal::line;

use commands::{admin, cache, policy, records, session};

#[derive(Parser)]
#[command(
    name = "desk",
    version,
    about = "Support Desk from the command line",
    after_help = "Exit codes: 0 success; 1 the operation failed, with one line on stderr, \
                  `desk: CODE: reason`; 2 bad usage or configuration.\n\
                  Settings: DESK_* variables or the file in DESK_CONFIG (see `desk config`). \
                  DESK_LOG sets the log level (warn by default); the log goes to stderr, or \
                  to daily files in the folder DESK_LOG_DIR names."
)]
struct Cli {
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

/// The commands, by group; the flattened groups' commands are top-level commands of `desk`.
#[derive(Subcommand)]
enum Command {
    #[command(flatten)]
    Session(session::SessionCommand),
    /// Fetch this agent's signed policy from the server, verify it against the keys pinned in
    /// DESK_POLICY_KEYS_FILE, and show its version, roles and each page's widgets.
    Policy {
        /// Keep following the server's pushed policies and show each one accepted, until
        /// interrupted or the session ends (one JSON line per policy with --json).
        #[arg(long)]
        watch: bool,
    },
    #[command(flatten)]
    Records(records::RecordsCommand),
    /// The encrypted local cache of the signed-in agent.
    Cache {
        #[command(subcommand)]
        command: cache::CacheCommand,
    },
    /// Administration: needs an administrator's role.
    Admin {
        #[command(subcommand)]
        command: admin::AdminCommand,
    },
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    // Held until `main` returns, so the files get every line.
    let _log = match start_log() {
        Ok(guard) => guard,
        Err(e) => {
            eprintln!("desk: {}", terminal::line(&e.to_string()));
            return ExitCode::from(2);
        }
    };
    let app = match App::load() {
        Ok(app) => app,
        Err(e) => {
            eprintln!("desk: {}", line(&e.to_string()));
            return ExitCode::from(2);
        }
    };
    match run(&cli, &app).await {
        Ok(code) => code,
        Err(e) => report(&e),
    }
}

/// The log: daily files in `DESK_LOG_DIR` when it is set, otherwise stderr, every line escaped
/// ([`terminal::LogWriter`]); `DESK_LOG` sets the level (`warn` by default) and desk-app's limits
/// hold either way ([`desk_app::logging`]).
fn start_log() -> Result<Option<desk_app::logging::LogGuard>, AppError> {
    const DEFAULT: &str = "warn";
    if let Some(dir) = desk_app::logging::dir_from_env() {
        return desk_app::logging::to_files(&dir, DEFAULT).map(Some);
    }
    tracing_subscriber::fmt()
        .with_env_filter(desk_app::logging::filter(DEFAULT))
        .with_writer(|| terminal::LogWriter(std::io::stderr()))
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .without_time()
        .init();
    Ok(None)
}

async fn run(cli: &Cli, app: &App) -> anyhow::Result<ExitCode> {
    let json = cli.json;
    match &cli.command {
        Command::Session(command) => session::run(command, app, json).await,
        &Command::Policy { watch } => policy::run(app, json, watch).await,
        Command::Records(command) => records::run(command, app, json).await,
        Command::Cache { command } => cache::run(command, app, json).await,
        Command::Admin { command } => admin::run(command, app, json).await,
    }
}

/// Prints a failed command's one line on stderr and gives its exit code: 2 for a configuration
/// error, 1 for any other.
fn report(e: &anyhow::Error) -> ExitCode {
    // One line, with the stable code first, for people and scripts alike (the reason may quote
    // the server: escaped, it stays one line and cannot act on the terminal).
    match e.downcast_ref::<AppError>() {
        Some(app_error) => {
            let reason = line(&app_error.to_string()).into_owned();
            eprintln!("desk: {}: {reason}", app_error.code().as_str());
            if app_error.code() == ErrorCode::Config {
                return ExitCode::from(2);
            }
        }
        None => eprintln!("desk: {}", line(&format!("{e:#}"))),
    }
    ExitCode::FAILURE
}
