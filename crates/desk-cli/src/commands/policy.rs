//! `desk policy [--watch]`: the agent's verified policy, once or as the server pushes it.

use std::process::ExitCode;

use desk_app::{App, EffectivePolicy};

use super::print_json;
use crate::terminal::{self, line};

pub async fn run(app: &App, json: bool, watch: bool) -> anyhow::Result<ExitCode> {
    if watch {
        return self::watch(app, json).await;
    }
    let policy = app.policy().await?;
    print_policy(json, false, &policy)?;
    Ok(ExitCode::SUCCESS)
}

/// Prints each policy accepted until interrupted (exit 0) or until the watch ends (an error).
async fn watch(app: &App, json: bool) -> anyhow::Result<ExitCode> {
    let watching = app.watch_policy(|policy| {
        // Serializing our own type does not fail; say so if it ever does.
        if let Err(e) = print_policy(json, true, policy) {
            eprintln!(
                "desk: cannot print policy version {}: {}",
                policy.version,
                line(&format!("{e:#}"))
            );
        }
    });
    tokio::select! {
        ended = watching => match ended {
            Ok(never) => match never {},
            Err(e) => Err(e.into()),
        },
        _ = tokio::signal::ctrl_c() => Ok(ExitCode::SUCCESS),
    }
}

/// Prints a policy as text, or as JSON: pretty, or on one line (`watching`) so that a watcher's
/// output can be read line by line.
fn print_policy(json: bool, watching: bool, policy: &EffectivePolicy) -> anyhow::Result<()> {
    if json && watching {
        println!("{}", terminal::json(&serde_json::to_string(policy)?));
        return Ok(());
    }
    if json {
        return print_json(policy);
    }
    print_policy_text(policy);
    Ok(())
}

fn print_policy_text(policy: &EffectivePolicy) {
    let expires = chrono::DateTime::from_timestamp(policy.expires_at, 0)
        .map_or_else(|| policy.expires_at.to_string(), |t| t.to_rfc3339());
    println!(
        "Policy version {} for {}, issued by {}, expires {expires}",
        policy.version,
        line(&policy.subject),
        line(&policy.issuer)
    );
    // Roles, actions, pages and widgets are the policy's own names, checked when it was
    // verified; escaped all the same, as everything the server sent.
    let granted = &policy.policy;
    println!("roles: {}", list(granted.roles.iter()));
    println!("actions: {}", list(granted.actions.iter()));
    println!("search by: {}", list(granted.search_by.iter()));
    if policy.layout.pages.is_empty() {
        println!("pages: (none)");
    }
    // Pages in the app's order (the map's order), widgets in the layout's.
    for (page, widgets) in &policy.layout.pages {
        println!("{}: {}", line(&page.to_string()), list(widgets.iter()));
    }
}

/// Names joined by commas, as one line, or `(none)`.
fn list<T: ToString>(items: impl Iterator<Item = T>) -> String {
    let items: Vec<String> = items.map(|item| item.to_string()).collect();
    if items.is_empty() {
        "(none)".to_owned()
    } else {
        line(&items.join(", ")).into_owned()
    }
}
