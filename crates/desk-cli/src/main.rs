//! `desk`: everything the Support Desk window does, without a window.
//!
//! Exit codes: 0 success, 1 a check or operation failed, 2 bad usage or configuration.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use desk_app::App;

#[derive(Parser)]
#[command(name = "desk", version, about = "Support Desk from the command line")]
struct Cli {
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Show who is signed in and against which provider.
    Status,
    /// Print the configuration in force (defaults, file, then DESK_ variables).
    Config,
    /// Check that the keychain, encrypted storage and identity provider answer.
    Doctor,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let app = match App::load() {
        Ok(app) => app,
        Err(e) => {
            eprintln!("desk: {e}");
            return ExitCode::from(2);
        }
    };
    match run(&cli, &app).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("desk: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: &Cli, app: &App) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Status => {
            let status = app.status();
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&status)?);
            } else {
                let issuer = status.issuer.as_deref().unwrap_or("(none configured)");
                let who = if status.signed_in {
                    "signed in"
                } else {
                    "signed out"
                };
                println!("Support Desk {}: {who}; provider {issuer}", status.version);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Config => {
            if cli.json {
                println!("{}", serde_json::to_string_pretty(app.config())?);
            } else {
                print!("{}", toml::to_string(app.config())?);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Doctor => {
            let report = app.doctor().await;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                for check in &report.checks {
                    let mark = if check.ok { "ok  " } else { "FAIL" };
                    println!("{mark} {:<18} {}", check.name, check.detail);
                }
            }
            Ok(if report.all_ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
    }
}
