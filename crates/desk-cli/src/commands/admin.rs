//! `desk admin layout show|history|preview|push|restore | admin role show|set|changes|approve|reject |
//! admin agents [SUBJECT] | admin wipe SUBJECT |
//! admin audit [filters] [--export jsonl|csv] | admin audit verify`: what an administrator's role
//! allows.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;
use desk_app::{App, AppError, Role, StoredLayout};
use desk_core::record::{Fields, Value};

use super::print_json;
use super::roles;
use crate::terminal::line;

#[derive(Subcommand)]
pub enum AdminCommand {
    /// Role layouts: which widgets each page shows, in which order.
    Layout {
        #[command(subcommand)]
        command: LayoutCommand,
    },
    /// Role definitions: what each role sees and may do, and the changes waiting for a second
    /// administrator.
    Role {
        #[command(subcommand)]
        command: RoleCommand,
    },
    /// The agents the server knows (those that signed in, then those only provisioned), with
    /// their roles, last sign-in, devices and pending wipes; with SUBJECT, that agent's wipes and
    /// each of its devices.
    Agents {
        /// One agent's subject: its wipes and devices.
        subject: Option<String>,
        /// How many agents, 1 to 500 (the server's default is 100).
        #[arg(long)]
        limit: Option<u32>,
        /// Continue after a previous page: the cursor it printed.
        #[arg(long)]
        cursor: Option<String>,
    },
    /// Order every device of an agent (by subject) to shred its local cache; devices that are
    /// offline do it at their next connection, before showing anything.
    Wipe {
        /// The agent's subject at the identity provider.
        subject: String,
    },
    /// The audit trail: list it (the filters combine), export it, or have the server check its
    /// chain (`audit verify`).
    Audit(super::audit::AuditArgs),
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
    /// Print ROLE's published layout (`--json`: as a file `push` takes is its `layout`).
    Show {
        /// The role: agent_l1, agent_l2, supervisor or admin.
        role: Role,
    },
    /// List ROLE's published layouts, newest first (at most 100): version, who, when, and the
    /// widgets of each page.
    History {
        /// The role: agent_l1, agent_l2, supervisor or admin.
        role: Role,
    },
    /// Show what ROLE's definition grants and the server's demo customer as ROLE sees them
    /// (redacted by the server for that role): what a layout for it can show.
    Preview {
        /// The role: agent_l1, agent_l2, supervisor or admin.
        role: Role,
    },
    /// Publish again the layout ROLE had at VERSION (as a new version, checked against the role's
    /// definition as it is now); the server pushes it like any other.
    Restore {
        /// The role: agent_l1, agent_l2, supervisor or admin.
        role: Role,
        /// The version to publish again (see `history`).
        version: i64,
    },
}

#[derive(Subcommand)]
pub enum RoleCommand {
    /// Print ROLE's definition: version, fields and how each is redacted, actions, search keys
    /// (`--json`: the definition, as a file `set` takes).
    Show {
        /// The role: agent_l1, agent_l2, supervisor or admin.
        role: Role,
    },
    /// Set a role's definition from a JSON file (the role it names). A change that shows more
    /// personal or restricted data waits for a second administrator (see `changes`).
    Set {
        /// The definition file.
        file: PathBuf,
    },
    /// List the role changes waiting for a second administrator, newest first.
    Changes,
    /// Approve another administrator's waiting change ID: it is in force at once.
    Approve {
        /// The change's id (see `changes`).
        id: i64,
    },
    /// Reject a waiting change ID (its proposer withdraws it so).
    Reject {
        /// The change's id (see `changes`).
        id: i64,
    },
}

pub async fn run(command: &AdminCommand, app: &App, json: bool) -> anyhow::Result<ExitCode> {
    match command {
        AdminCommand::Wipe { subject } => wipe(app, json, subject).await,
        AdminCommand::Agents {
            subject,
            limit,
            cursor,
        } => super::agents::run(app, json, subject.as_deref(), *limit, cursor.clone()).await,
        AdminCommand::Audit(args) => super::audit::run(args, app, json).await,
        AdminCommand::Layout { command } => match command {
            LayoutCommand::Push { role, file } => {
                let layout = read_layout(file)?;
                published(json, &app.publish_layout(*role, &layout).await?)
            }
            LayoutCommand::Restore { role, version } => {
                published(json, &app.restore_layout(*role, *version).await?)
            }
            LayoutCommand::Show { role } => show_layout(app, json, *role).await,
            LayoutCommand::History { role } => layout_history(app, json, *role).await,
            LayoutCommand::Preview { role } => preview(app, json, *role).await,
        },
        AdminCommand::Role { command } => roles::run(command, app, json).await,
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

/// What `push` and `restore` print: the layout as now published.
fn published(json: bool, published: &StoredLayout) -> anyhow::Result<ExitCode> {
    if json {
        print_json(published)?;
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

async fn show_layout(app: &App, json: bool, role: Role) -> anyhow::Result<ExitCode> {
    let layouts = app.layouts().await?;
    let Some(current) = layouts.iter().find(|l| l.role == role) else {
        if json {
            println!("null");
        } else {
            println!(
                "No layout published for {}: its agents get the default layout (the widgets its \
                 definition grants, page by page)",
                line(&role.to_string())
            );
        }
        return Ok(ExitCode::SUCCESS);
    };
    if json {
        print_json(&current.layout)?;
    } else {
        println!(
            "{}: version {} (by {} at {})",
            line(&role.to_string()),
            current.version,
            line(&current.updated_by),
            line(&current.updated_at)
        );
        print_pages(current);
    }
    Ok(ExitCode::SUCCESS)
}

async fn layout_history(app: &App, json: bool, role: Role) -> anyhow::Result<ExitCode> {
    let history = app.layout_history(role).await?;
    if json {
        print_json(&history)?;
        return Ok(ExitCode::SUCCESS);
    }
    if history.is_empty() {
        println!(
            "No layout published for {}: its agents get the default layout",
            line(&role.to_string())
        );
    }
    for published in &history {
        println!(
            "version {}  by {} at {}",
            published.version,
            line(&published.updated_by),
            line(&published.updated_at)
        );
        print_pages(published);
    }
    Ok(ExitCode::SUCCESS)
}

async fn preview(app: &App, json: bool, role: Role) -> anyhow::Result<ExitCode> {
    let preview = app.layout_preview(role).await?;
    if json {
        print_json(&preview)?;
        return Ok(ExitCode::SUCCESS);
    }
    let role = preview.role.to_string();
    let role = line(&role);
    match preview.version {
        0 => println!("{role}: the default layout (none published)"),
        v => println!("{role}: layout version {v}"),
    }
    let widgets: Vec<String> = preview
        .policy
        .widgets
        .iter()
        .map(|w| w.to_string())
        .collect();
    println!(
        "Widgets its definition grants: {}",
        line(&widgets.join(", "))
    );
    println!("The demo customer as {role} sees them:");
    preview.customer.visit(|field, value| {
        let shown = match value {
            Value::Text(Some(text)) => text.to_owned(),
            Value::Number(Some(n)) => n.to_string(),
            Value::Text(None) | Value::Number(None) => return,
        };
        println!("  {}: {}", line(&field.to_string()), line(&shown));
    });
    let accounts = preview.customer.accounts.as_ref().map_or(0, Vec::len);
    println!(
        "  {accounts} accounts, {} recent transactions, {} tickets",
        preview.transactions.len(),
        preview.tickets.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// Each page of a layout with its widgets in order, a line a page.
fn print_pages(published: &StoredLayout) {
    for (page, widgets) in &published.layout.pages {
        let widgets: Vec<String> = widgets.iter().map(ToString::to_string).collect();
        println!(
            "  {}: {}",
            line(&page.to_string()),
            line(&widgets.join(", "))
        );
    }
}

fn read_layout(file: &Path) -> Result<desk_app::Layout, AppError> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| AppError::InvalidInput(format!("cannot read {}: {e}", file.display())))?;
    desk_app::parse_layout(&text)
        .map_err(|e| AppError::InvalidInput(format!("{}: {e}", file.display())))
}
