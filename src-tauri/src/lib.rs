//! The Support Desk window: a thin shell over `desk-app`.
//!
//! Each command extracts state, calls one `desk-app` function, and converts the result into a DTO
//! of [`dto`]; nothing else happens here. Only this crate knows the IPC format. Records cross as
//! desk-core's redacted types, as desk-app returns them: the server's view for the agent's role,
//! or the cache's guarded copy of one. No command returns a token, a key or an unredacted record.

mod admin;
pub mod dto;
mod instance;
mod update;
include!("../commands.rs");

use desk_app::App;
use desk_core::record::{Customer, Message, Ticket, Transaction};
use dto::{AgentDto, AppStatusDto, ErrorDto, PageOf, PolicyDto, SignOutDto, SourcedDto};
use tauri::Manager;
use tauri::ipc::Channel;
use tokio::sync::Notify;

/// What the window's commands share.
struct Shell {
    /// The application, or the reason it could not start (shown in the window).
    app: Result<App, ErrorDto>,
    /// Ends the running policy watch (at sign-out, or when a new watch starts).
    stop_watch: Notify,
}

impl Shell {
    /// The application, or why it could not start.
    fn app(&self) -> Result<&App, ErrorDto> {
        self.app.as_ref().map_err(Clone::clone)
    }
}

#[tauri::command]
#[tracing::instrument(skip_all)]
async fn app_status(shell: tauri::State<'_, Shell>) -> Result<AppStatusDto, ErrorDto> {
    let app = shell.app.as_ref().map_err(Clone::clone)?;
    Ok(app.status().await.into())
}

/// The agent signed in, restoring the session from the keychain without a browser; `None` when
/// nobody is.
#[tauri::command]
#[tracing::instrument(skip_all)]
async fn current_agent(shell: tauri::State<'_, Shell>) -> Result<Option<AgentDto>, ErrorDto> {
    let app = shell.app.as_ref().map_err(Clone::clone)?;
    match app.whoami().await {
        Ok(identity) => Ok(Some(identity.into())),
        Err(e) if e.code() == desk_app::ErrorCode::NotSignedIn => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Signs in through the system browser.
#[tauri::command]
#[tracing::instrument(skip_all)]
async fn sign_in(shell: tauri::State<'_, Shell>) -> Result<AgentDto, ErrorDto> {
    let app = shell.app.as_ref().map_err(Clone::clone)?;
    Ok(app.sign_in().await?.into())
}

/// Signs out: ends the policy watch, uploads the queued offline views when the server answers,
/// revokes and deletes the refresh token; says how many views wait for the next sign-in and how
/// many the server refused (kept on this machine).
#[tauri::command]
#[tracing::instrument(skip_all)]
async fn sign_out(shell: tauri::State<'_, Shell>) -> Result<SignOutDto, ErrorDto> {
    let app = shell.app.as_ref().map_err(Clone::clone)?;
    shell.stop_watch.notify_waiters();
    Ok(app.sign_out().await?.into())
}

/// The agent's policy, fetched from the server and verified against the pinned keys.
#[tauri::command]
#[tracing::instrument(skip_all)]
async fn current_policy(shell: tauri::State<'_, Shell>) -> Result<PolicyDto, ErrorDto> {
    let app = shell.app.as_ref().map_err(Clone::clone)?;
    Ok(PolicyDto::from(&app.policy().await?))
}

/// Sends every newly verified policy pushed by the server to `on_policy`, until sign-out, a new
/// watch, or an error a retry cannot fix (which is returned).
#[tauri::command]
#[tracing::instrument(skip_all)]
async fn watch_policy(
    shell: tauri::State<'_, Shell>,
    on_policy: Channel<PolicyDto>,
) -> Result<(), ErrorDto> {
    let app = shell.app.as_ref().map_err(Clone::clone)?;
    shell.stop_watch.notify_waiters();
    let stopped = shell.stop_watch.notified();
    let watch = app.watch_policy(move |policy| {
        // A window that went away just misses the update.
        let _ = on_policy.send(PolicyDto::from(policy));
    });
    tokio::select! {
        _ = stopped => Ok(()),
        ended = watch => match ended {
            Err(e) => Err(e.into()),
        },
    }
}

/// Customers matching `text`, from the server or, offline, from the cache.
#[tauri::command]
#[tracing::instrument(skip_all)]
async fn search_customers(
    shell: tauri::State<'_, Shell>,
    text: String,
    cursor: Option<String>,
) -> Result<SourcedDto<PageOf<Customer>>, ErrorDto> {
    let app = shell.app.as_ref().map_err(Clone::clone)?;
    Ok(app.search(&text, cursor.as_deref()).await?.into())
}

/// One customer with the accounts and cards the agent may see.
#[tauri::command]
#[tracing::instrument(skip_all)]
async fn open_customer(
    shell: tauri::State<'_, Shell>,
    id: i64,
) -> Result<SourcedDto<Customer>, ErrorDto> {
    let app = shell.app.as_ref().map_err(Clone::clone)?;
    Ok(app.customer(id).await?.into())
}

/// A page of a customer's transactions, newest first.
#[tauri::command]
#[tracing::instrument(skip_all)]
#[allow(clippy::too_many_arguments)]
async fn list_transactions(
    shell: tauri::State<'_, Shell>,
    customer_id: i64,
    from: Option<String>,
    to: Option<String>,
    status: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
) -> Result<SourcedDto<PageOf<Transaction>>, ErrorDto> {
    let app = shell.app.as_ref().map_err(Clone::clone)?;
    let query = desk_app::TransactionQuery {
        from,
        to,
        status,
        limit,
        cursor,
    };
    Ok(app.transactions(customer_id, &query).await?.into())
}

/// A page of a customer's tickets, most recently updated first.
#[tauri::command]
#[tracing::instrument(skip_all)]
async fn list_tickets(
    shell: tauri::State<'_, Shell>,
    customer_id: i64,
    cursor: Option<String>,
) -> Result<SourcedDto<PageOf<Ticket>>, ErrorDto> {
    let app = shell.app.as_ref().map_err(Clone::clone)?;
    Ok(app.tickets(customer_id, cursor.as_deref()).await?.into())
}

/// One ticket with the messages the agent may see.
#[tauri::command]
#[tracing::instrument(skip_all)]
async fn open_ticket(
    shell: tauri::State<'_, Shell>,
    id: i64,
) -> Result<SourcedDto<Ticket>, ErrorDto> {
    let app = shell.app.as_ref().map_err(Clone::clone)?;
    Ok(app.ticket(id).await?.into())
}

/// Sends a reply (or, with `internal`, an agents' note) on ticket `id`.
#[tauri::command]
#[tracing::instrument(skip_all)]
async fn reply_to_ticket(
    shell: tauri::State<'_, Shell>,
    id: i64,
    body: String,
    internal: bool,
) -> Result<Message, ErrorDto> {
    let app = shell.app.as_ref().map_err(Clone::clone)?;
    Ok(app.reply(id, &body, internal).await?)
}

/// Whether desk-server answers; the window asks while it shows cached data, to refresh once
/// the server is back.
#[tauri::command]
#[tracing::instrument(skip_all)]
async fn server_reachable(shell: tauri::State<'_, Shell>) -> Result<bool, ErrorDto> {
    let app = shell.app.as_ref().map_err(Clone::clone)?;
    Ok(app.server_reachable().await)
}

/// Starts the window: the log first, then the application, then the event loop, which returns
/// only when the window is closed. The log's guard is held until then, so its last lines reach
/// the file.
pub fn run() {
    let context = tauri::generate_context!();
    // The configuration first: its data folder names the instance. The app is the package's
    // version, the one the updater compares, to the server too.
    let version = context.package_info().version.to_string();
    let app = App::load().map(|app| app.with_version(version));
    let data_dir = app.as_ref().ok().map(|a| a.config().data_dir.clone());
    let mut builder = tauri::Builder::default();
    if let Some(dir) = &data_dir {
        // First among the plugins, so a second launch ends before anything else starts.
        builder = builder.plugin(instance::single(&context.config().identifier, dir));
    }
    let keyed = update::keyed(&context);
    if keyed {
        builder = builder.plugin(update::plugin());
    }
    let tauri_app = builder
        .plugin(instance::window_state())
        .setup(|app| {
            instance::keep_when_settled(app);
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            app_status,
            current_agent,
            sign_in,
            sign_out,
            current_policy,
            watch_policy,
            search_customers,
            open_customer,
            list_transactions,
            list_tickets,
            open_ticket,
            reply_to_ticket,
            server_reachable,
            admin::layout_preview,
            admin::publish_layout,
            admin::layout_history,
            admin::restore_layout,
            admin::list_roles,
            admin::role_changes,
            admin::approve_role_change,
            admin::reject_role_change,
            admin::role_catalogue,
            admin::check_role,
            admin::set_role,
            admin::audit_trail,
            admin::export_audit,
            admin::verify_audit,
            admin::list_agents,
            admin::agent_wipes,
            admin::wipe_agent,
            update::check_update,
            update::install_update,
            update::restart_app,
        ])
        .build(context)
        .expect("the Support Desk window could not start");
    let mut log = start_log(&tauri_app);
    let app = app.map_err(|e| {
        tracing::error!(error = %e, "the configuration could not be loaded");
        ErrorDto::from(&e)
    });
    tauri_app.manage(Shell {
        app,
        stop_watch: Notify::new(),
    });
    tauri_app.manage(update::Updates::new(keyed));
    // The log's last lines written at the end, which a restart into an update reaches without
    // returning here.
    let code = tauri_app.run_return(move |_, event| {
        if let tauri::RunEvent::Exit = event {
            tracing::info!("the app is ending");
            drop(log.take());
        }
    });
    std::process::exit(code);
}

/// The log: daily files in `DESK_LOG_DIR`, or else in Tauri's log folder for the app
/// (`app_log_dir`: `~/.local/share/<identifier>/logs` on Linux, `~/Library/Logs/<identifier>` on
/// macOS, `%LOCALAPPDATA%\<identifier>\logs` on Windows), at `DESK_LOG`'s level or `info`.
/// Without a folder the window still opens, with nothing logged.
fn start_log(tauri_app: &tauri::App) -> Option<desk_app::logging::LogGuard> {
    let dir = desk_app::logging::dir_from_env().or_else(|| tauri_app.path().app_log_dir().ok())?;
    match desk_app::logging::to_files(&dir, "info") {
        Ok(guard) => {
            tracing::info!(
                version = %tauri_app.package_info().version,
                "Support Desk started"
            );
            Some(guard)
        }
        Err(e) => {
            // No log to say it in: the console, for whoever started the window from one.
            eprintln!("support-desk: {e}");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::COMMANDS;

    /// The names between `generate_handler![` and its `]` in this file, without their module.
    fn handled() -> Vec<String> {
        let source = include_str!("lib.rs");
        let start = source
            .find("generate_handler![")
            .expect("the invoke handler")
            + 18;
        let end = start + source[start..].find(']').expect("its end");
        source[start..end]
            .split(',')
            .map(|name| name.trim().rsplit("::").next().unwrap_or("").to_owned())
            .filter(|name| !name.is_empty())
            .collect()
    }

    #[test]
    fn the_invoke_handler_and_the_capability_grant_exactly_the_named_commands() {
        assert_eq!(handled(), COMMANDS, "the invoke handler");
        let capability: serde_json::Value =
            serde_json::from_str(include_str!("../capabilities/main.json")).unwrap();
        let granted: Vec<String> = capability["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                p.as_str()
                    .unwrap()
                    .trim_start_matches("allow-")
                    .replace('-', "_")
            })
            .collect();
        assert_eq!(granted, COMMANDS, "capabilities/main.json");
    }
}
