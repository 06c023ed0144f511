//! The Support Desk window: a thin shell over `desk-app`.
//!
//! Each command extracts state, calls one `desk-app` function, and converts the result into a DTO
//! of [`dto`]; nothing else happens here. Only this crate knows the IPC format. No command returns
//! a token, a key or an unredacted record.

pub mod dto;

use desk_app::App;
use dto::{AgentDto, AppStatusDto, ErrorDto};

/// What the window's commands share.
struct Shell {
    /// The application, or the reason it could not start (shown in the window).
    app: Result<App, ErrorDto>,
}

#[tauri::command]
async fn app_status(shell: tauri::State<'_, Shell>) -> Result<AppStatusDto, ErrorDto> {
    let app = shell.app.as_ref().map_err(Clone::clone)?;
    Ok(app.status().await.into())
}

/// The agent signed in, restoring the session from the keychain without a browser; `None` when
/// nobody is.
#[tauri::command]
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
async fn sign_in(shell: tauri::State<'_, Shell>) -> Result<AgentDto, ErrorDto> {
    let app = shell.app.as_ref().map_err(Clone::clone)?;
    Ok(app.sign_in().await?.into())
}

/// Signs out: revokes and deletes the refresh token.
#[tauri::command]
async fn sign_out(shell: tauri::State<'_, Shell>) -> Result<(), ErrorDto> {
    let app = shell.app.as_ref().map_err(Clone::clone)?;
    app.sign_out().await?;
    Ok(())
}

/// Starts the window.
pub fn run() {
    let app = App::load().map_err(|e| ErrorDto::from(&e));
    tauri::Builder::default()
        .manage(Shell { app })
        .invoke_handler(tauri::generate_handler![
            app_status,
            current_agent,
            sign_in,
            sign_out
        ])
        .run(tauri::generate_context!())
        .expect("the Support Desk window could not start");
}
