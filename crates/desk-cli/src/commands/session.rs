//! The session and the installation: `desk login`, `whoami`, `logout`, `status`, `config` and
//! `doctor`.

use std::process::ExitCode;

use clap::Subcommand;
use desk_app::{App, Identity};

use super::print_json;
use crate::terminal::line;

#[derive(Subcommand)]
pub enum SessionCommand {
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

pub async fn run(command: &SessionCommand, app: &App, json: bool) -> anyhow::Result<ExitCode> {
    match command {
        SessionCommand::Login => print_identity(json, &app.sign_in().await?),
        SessionCommand::Whoami => print_identity(json, &app.whoami().await?),
        &SessionCommand::Logout {
            end_provider_session,
        } => logout(app, json, end_provider_session).await,
        SessionCommand::Status => status(app, json).await,
        SessionCommand::Config => config(app, json),
        SessionCommand::Doctor => doctor(app, json).await,
    }
}

fn print_identity(json: bool, identity: &Identity) -> anyhow::Result<ExitCode> {
    if json {
        print_json(identity)?;
        return Ok(ExitCode::SUCCESS);
    }
    let name = identity.name.as_deref().unwrap_or(&identity.subject);
    println!(
        "Signed in as {} (subject {}) at {}",
        line(name),
        line(&identity.subject),
        line(&identity.issuer)
    );
    let roles = if identity.roles.is_empty() {
        "(none)".to_owned()
    } else {
        identity.roles.join(", ")
    };
    println!("roles: {}", line(&roles));
    Ok(ExitCode::SUCCESS)
}

async fn logout(app: &App, json: bool, end_provider_session: bool) -> anyhow::Result<ExitCode> {
    let out = app.sign_out().await?;
    if json {
        print_json(&out)?;
    } else if !out.was_signed_in {
        println!("Nobody was signed in.");
    } else if out.revoked {
        println!("Signed out; the provider revoked the session's refresh token.");
    } else {
        println!("Signed out on this machine; the provider did not confirm revocation.");
    }
    if !json && out.pending_views > 0 {
        println!(
            "{} not uploaded: the server did not take them now. They stay queued on this \
             machine and are uploaded at your next sign-in.",
            views(out.pending_views)
        );
    }
    if !json && out.refused_views > 0 {
        println!(
            "{} refused by the server, so not on the audit trail: kept on this machine, and not \
             sent again.",
            views(out.refused_views)
        );
    }
    if end_provider_session {
        match &out.end_session_url {
            Some(url) => desk_app::open_in_browser(url)?,
            None => eprintln!("desk: the provider offers no logout endpoint"),
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn status(app: &App, json: bool) -> anyhow::Result<ExitCode> {
    let status = app.status().await;
    if json {
        print_json(&status)?;
        return Ok(ExitCode::SUCCESS);
    }
    let issuer = status.issuer.as_deref().unwrap_or("(none configured)");
    let who = if status.signed_in {
        "signed in"
    } else {
        "signed out"
    };
    println!(
        "Support Desk {}: {who}; provider {}",
        status.version,
        line(issuer)
    );
    match status.pending_views {
        Some(0) => {}
        Some(n) => println!("{} waiting to be uploaded", views(n)),
        None => println!("offline views waiting: unknown (the keychain did not answer)"),
    }
    if let Some(n @ 1..) = status.refused_views {
        println!(
            "{} refused by the server, kept on this machine and not sent again",
            views(n)
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// "1 offline view", "3 offline views".
pub fn views(n: usize) -> String {
    if n == 1 {
        "1 offline view".to_owned()
    } else {
        format!("{n} offline views")
    }
}

fn config(app: &App, json: bool) -> anyhow::Result<ExitCode> {
    if json {
        print_json(app.config())?;
    } else {
        // The agent's own configuration, as TOML to paste back into the file: TOML strings
        // escape control characters themselves, and an escape of ours would not be TOML.
        print!("{}", toml::to_string(app.config())?);
    }
    Ok(ExitCode::SUCCESS)
}

/// Exits 1 when any check failed.
async fn doctor(app: &App, json: bool) -> anyhow::Result<ExitCode> {
    let report = app.doctor().await;
    if json {
        print_json(&report)?;
    } else {
        for check in &report.checks {
            let mark = if check.ok { "ok  " } else { "FAIL" };
            // The detail may quote the provider's or the keychain's answer.
            println!("{mark} {:<18} {}", check.name, line(&check.detail));
        }
    }
    Ok(if report.all_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
