//! `desk admin layout push ROLE FILE | admin wipe SUBJECT`: what an administrator's role allows.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;
use desk_app::{App, AppError, Role};

use super::print_json;
use crate::terminal::line;

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Role layouts: which widgets each page shows, in which order.
    Layout {
        #[command(subcommand)]
        command: LayoutCommand,
    },
    /// Order every device of an agent (by subject) to shred its local cache; devices that are
    /// offline do it at their next connection, before showing anything.
    Wipe {
        /// The agent's subject at the identity provider.
        subject: String,
    },
}

#[derive(Subcommand)]
pub enum LayoutCommand {
    /// Publish ROLE's layout from a JSON file (`{"pages": {"customer": ["customer.summary", ...]}}`);
    /// the server pushes the new policy to the role's connected agents.
    Push {
        /// The role: agent_l1, agent_l2, supervisor or admin.
        role: Role,
        /// The layout file.
        file: PathBuf,
    },
}

pub async fn run(command: &AdminCommand, app: &App, json: bool) -> anyhow::Result<ExitCode> {
    match command {
        AdminCommand::Wipe { subject } => wipe(app, json, subject).await,
        AdminCommand::Layout {
            command: LayoutCommand::Push { role, file },
        } => push_layout(app, json, *role, file).await,
    }
}

async fn wipe(app: &App, json: bool, subject: &str) -> anyhow::Result<ExitCode> {
    let order = app.wipe(subject).await?;
    if json {
        print_json(&order)?;
    } else {
        println!(
            "Wipe {} ordered for {} at {}; their devices shred their caches at their next \
             connection",
            order.wipe_id,
            line(&order.subject),
            line(&order.ordered_at)
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn push_layout(app: &App, json: bool, role: Role, file: &Path) -> anyhow::Result<ExitCode> {
    let layout = read_layout(file)?;
    let published = app.publish_layout(role, &layout).await?;
    if json {
        print_json(&published)?;
    } else {
        println!(
            "Published the layout of {}: version {} (by {} at {})",
            line(&published.role.to_string()),
            published.version,
            line(&published.updated_by),
            line(&published.updated_at)
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn read_layout(file: &Path) -> Result<desk_app::Layout, AppError> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| AppError::InvalidInput(format!("cannot read {}: {e}", file.display())))?;
    desk_app::parse_layout(&text)
        .map_err(|e| AppError::InvalidInput(format!("{}: {e}", file.display())))
}
