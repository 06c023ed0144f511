//! The Support Desk window: a thin shell over `desk-app`.
//!
//! Each command extracts state, calls one `desk-app` function, and converts the result into a DTO
//! of [`dto`]; nothing else happens here. Only this crate knows the IPC format. No command returns
//! a token, a key or an unredacted record.

pub mod dto;

use desk_app::App;
use dto::{AppStatusDto, ErrorDto};

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

/// Starts the window.
pub fn run() {
    let app = App::load().map_err(|e| ErrorDto::from(&e));
    tauri::Builder::default()
        .manage(Shell { app })
        .invoke_handler(tauri::generate_handler![app_status])
        .run(tauri::generate_context!())
        .expect("the Support Desk window could not start");
}
