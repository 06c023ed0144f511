//! `desk admin role show ROLE | set FILE | changes | approve ID | reject ID`: role definitions and
//! the changes that wait for a second administrator.

use std::path::Path;
use std::process::ExitCode;

use desk_app::{App, AppError, Role, RoleChange, RoleSet, StoredRole};
use desk_core::RoleDefinition;

use super::admin::RoleCommand;
use super::print_json;
use crate::terminal::line;

pub async fn run(command: &RoleCommand, app: &App, json: bool) -> anyhow::Result<ExitCode> {
    match command {
        RoleCommand::Show { role } => show(app, json, *role).await,
        RoleCommand::Set { file } => {
            let definition = read_definition(file)?;
            match app.set_role(&definition).await? {
                RoleSet::Applied(stored) if !json => println!(
                    "The definition of {} is in force: version {}",
                    line(&stored.definition.role.to_string()),
                    stored.version
                ),
                RoleSet::Proposed(change) if !json => println!(
                    "The change to {} shows more of {}: it waits for a second administrator \
                     (change {}; `desk admin role approve {}`)",
                    line(&change.role.to_string()),
                    fields(&change),
                    change.id,
                    change.id
                ),
                set => print_json(&set)?,
            }
            Ok(ExitCode::SUCCESS)
        }
        RoleCommand::Changes => {
            let changes = app.role_changes().await?;
            if json {
                print_json(&changes)?;
            } else if changes.is_empty() {
                println!("No role change waits for approval");
            }
            for change in changes.iter().filter(|_| !json) {
                println!(
                    "change {}  {}  by {} at {}  shows more of: {}",
                    change.id,
                    line(&change.role.to_string()),
                    line(&change.proposed_by),
                    line(&change.proposed_at),
                    fields(change)
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        RoleCommand::Approve { id } => {
            let stored = app.approve_role_change(*id).await?;
            if json {
                print_json(&stored)?;
            } else {
                println!(
                    "Approved change {id}: the definition of {} is in force, version {}",
                    line(&stored.definition.role.to_string()),
                    stored.version
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        RoleCommand::Reject { id } => {
            let change = app.reject_role_change(*id).await?;
            if json {
                print_json(&change)?;
            } else {
                println!(
                    "Rejected change {id} to {}: nothing changed",
                    line(&change.role.to_string())
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The personal and restricted fields a change shows more of.
fn fields(change: &RoleChange) -> String {
    let names: Vec<String> = change.widened.iter().map(ToString::to_string).collect();
    line(&names.join(", ")).into_owned()
}

async fn show(app: &App, json: bool, role: Role) -> anyhow::Result<ExitCode> {
    let roles = app.roles().await?;
    let stored: &StoredRole = roles
        .iter()
        .find(|r| r.definition.role == role)
        .ok_or_else(|| {
            AppError::InvalidInput(format!("the server holds no definition of {role}"))
        })?;
    if json {
        print_json(&stored.definition)?;
        return Ok(ExitCode::SUCCESS);
    }
    let d = &stored.definition;
    let list = |items: Vec<String>| line(&items.join(", ")).into_owned();
    println!(
        "{}: version {} (by {} at {})",
        line(&role.to_string()),
        stored.version,
        line(&stored.updated_by),
        line(&stored.updated_at)
    );
    println!("  {}", line(&d.description));
    let shown: Vec<String> = d.fields.iter().map(|(f, r)| format!("{f} ({r})")).collect();
    println!("  fields: {}", list(shown));
    println!(
        "  actions: {}",
        list(d.actions.iter().map(ToString::to_string).collect())
    );
    println!(
        "  search by: {}",
        list(d.search_by.iter().map(ToString::to_string).collect())
    );
    Ok(ExitCode::SUCCESS)
}

/// A definition file, checked as the server checks it before it is sent.
fn read_definition(file: &Path) -> Result<RoleDefinition, AppError> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| AppError::InvalidInput(format!("cannot read {}: {e}", file.display())))?;
    let definition: RoleDefinition = serde_json::from_str(&text)
        .map_err(|e| AppError::InvalidInput(format!("{}: {e}", file.display())))?;
    definition
        .validate()
        .map_err(|e| AppError::InvalidInput(format!("{}: {e}", file.display())))?;
    Ok(definition)
}
