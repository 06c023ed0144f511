//! `desk admin agents [SUBJECT]`: the agents the server knows, and one agent's devices and
//! wipes, as an administrator who orders wipes (a role with `device.wipe`) reads them.

use std::process::ExitCode;

use desk_app::{AgentSummary, AgentWipes, App};

use super::print_json;
use crate::terminal::line;

/// Runs `desk admin agents`: the list, or with `subject` that agent's devices and wipes.
pub async fn run(
    app: &App,
    json: bool,
    subject: Option<&str>,
    limit: Option<u32>,
    cursor: Option<String>,
) -> anyhow::Result<ExitCode> {
    if let Some(subject) = subject {
        let wipes = app.agent_wipes(subject).await?;
        if json {
            print_json(&wipes)?;
        } else {
            print_wipes(&wipes);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let page = app.agents(limit, cursor).await?;
    if json {
        print_json(&page)?;
        return Ok(ExitCode::SUCCESS);
    }
    if page.items.is_empty() {
        println!("No agent has signed in or been provisioned yet");
    }
    for agent in &page.items {
        println!("{}", agent_line(agent));
    }
    if let Some(cursor) = &page.next_cursor {
        eprintln!("More agents: add --cursor {}", line(cursor));
    }
    Ok(ExitCode::SUCCESS)
}

/// One agent a line: who, whether active, roles, last sign-in, devices and pending wipes.
fn agent_line(agent: &AgentSummary) -> String {
    let who = match (&agent.subject, &agent.user_name) {
        (Some(subject), Some(user)) if subject != user => {
            format!("{} ({})", line(subject), line(user))
        }
        (Some(subject), _) => line(subject).to_string(),
        (None, Some(user)) => format!("{} (provisioned, never signed in)", line(user)),
        (None, None) => "?".to_owned(),
    };
    let state = if agent.active {
        "active"
    } else {
        "DEPROVISIONED"
    };
    let roles: Vec<String> = agent.roles.iter().map(ToString::to_string).collect();
    let seen = agent
        .last_sign_in
        .as_deref()
        .map_or("never signed in".to_owned(), |t| {
            format!("last signed in {}", line(t))
        });
    let wipes = match agent.last_wipe {
        None => String::new(),
        Some(id) if agent.pending_devices > 0 => {
            format!(", wipe {id} pending on {} of them", agent.pending_devices)
        }
        Some(id) => format!(", wipe {id} carried out"),
    };
    format!(
        "{who}  {state}  roles: {}  {seen}  {} devices{wipes}",
        if roles.is_empty() {
            "none".to_owned()
        } else {
            roles.join(", ")
        },
        agent.devices
    )
}

/// An agent's wipes, then its devices with where each stands.
fn print_wipes(wipes: &AgentWipes) {
    println!("{}", line(&wipes.subject));
    if wipes.wipes.is_empty() {
        println!("  no wipe ordered");
    }
    for wipe in &wipes.wipes {
        let by = if wipe.provisioning {
            " by provisioning"
        } else {
            ""
        };
        println!(
            "  wipe {} ordered {}{by}",
            wipe.wipe_id,
            line(&wipe.ordered_at)
        );
    }
    if wipes.seen.is_empty() {
        println!("  no device seen");
    }
    for device in &wipes.seen {
        let done = match (device.acknowledged, &device.acknowledged_at) {
            (Some(id), Some(at)) => format!("carried out wipe {id} at {}", line(at)),
            _ => "carried out no wipe".to_owned(),
        };
        let pending = if device.pending {
            "; a wipe is PENDING"
        } else {
            ""
        };
        println!(
            "  device {} first seen {}: {done}{pending}",
            line(&device.device),
            line(&device.first_seen)
        );
    }
}
