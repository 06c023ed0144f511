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
    /// Sign in through the system browser (or the command in BROWSER); prints subject and roles.
    Login,
    /// Show the signed-in agent, restoring the session from the keychain without a browser.
    Whoami,
    /// Sign out: revoke the refresh token and delete it from the keychain.
    Logout {
        /// Also end the session at the provider (opens its logout page in the browser).
        #[arg(long)]
        end_provider_session: bool,
    },
    /// Show the configured provider and whether this process holds a session.
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
            // One line, with the stable code first, for people and scripts alike.
            match e.downcast_ref::<desk_app::AppError>() {
                Some(app_error) => eprintln!("desk: {}: {app_error}", app_error.code().as_str()),
                None => eprintln!("desk: {e:#}"),
            }
            ExitCode::FAILURE
        }
    }
}

fn print_identity(json: bool, identity: &desk_app::Identity) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(identity)?);
    } else {
        let name = identity.name.as_deref().unwrap_or(&identity.subject);
        println!(
            "Signed in as {name} (subject {}) at {}",
            identity.subject, identity.issuer
        );
        let roles = if identity.roles.is_empty() {
            "(none)".to_owned()
        } else {
            identity.roles.join(", ")
        };
        println!("roles: {roles}");
    }
    Ok(())
}

async fn run(cli: &Cli, app: &App) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Login => {
            let identity = app.sign_in().await?;
            print_identity(cli.json, &identity)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Whoami => {
            let identity = app.whoami().await?;
            print_identity(cli.json, &identity)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Logout {
            end_provider_session,
        } => {
            let out = app.sign_out().await?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&out)?);
            } else if !out.was_signed_in {
                println!("Nobody was signed in.");
            } else if out.revoked {
                println!("Signed out; the provider revoked the session's refresh token.");
            } else {
                println!("Signed out on this machine; the provider did not confirm revocation.");
            }
            if end_provider_session {
                match &out.end_session_url {
                    Some(url) => {
                        desk_app::open_in_browser(url)?;
                    }
                    None => eprintln!("desk: the provider offers no logout endpoint"),
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Status => {
            let status = app.status().await;
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
