//! One window per data folder, and the window where it was left: the single-instance plugin,
//! keyed by the data folder (a second launch with the same folder focuses the running window and
//! exits; another folder, as the tests' several agents have, is another instance), and the
//! window-state plugin keeping only the window's size, position and whether it is maximized (in
//! `.window-state.json` in the app's configuration folder) — nothing else is persisted.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sha2::{Digest, Sha256};
use tauri::{Manager, Runtime, WindowEvent};
use tauri_plugin_window_state::{AppHandleExt, StateFlags};

/// What the window-state plugin keeps: where the window is and how big, nothing else.
pub(crate) const KEPT: StateFlags = StateFlags::SIZE
    .union(StateFlags::POSITION)
    .union(StateFlags::MAXIMIZED);

/// The D-Bus name (under the app's identifier) that one running window per `data_dir` holds.
pub(crate) fn instance_id(identifier: &str, data_dir: &Path) -> String {
    let digest = Sha256::digest(data_dir.as_os_str().as_encoded_bytes());
    // A D-Bus name element may not begin with a digit.
    format!("{identifier}.d{}", &hex::encode(digest)[..16])
}

/// The single-instance plugin for `data_dir`: a second launch brings the running window to the
/// front (shown, unminimized, focused) and ends itself.
pub(crate) fn single<R: Runtime>(
    identifier: &str,
    data_dir: &Path,
) -> tauri::plugin::TauriPlugin<R> {
    tauri_plugin_single_instance::Builder::new()
        .dbus_id(instance_id(identifier, data_dir))
        .callback(|app, _args, _cwd| {
            tracing::info!("a second launch: the running window comes to the front");
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.show();
                let _ = window.unminimize();
                let _ = window.set_focus();
            }
        })
        .build()
}

/// The window-state plugin, keeping [`KEPT`].
pub(crate) fn window_state<R: Runtime>() -> tauri::plugin::TauriPlugin<R> {
    tauri_plugin_window_state::Builder::new()
        .with_state_flags(KEPT)
        .build()
}

/// How long the window stays still before where it is gets written.
const SETTLED: Duration = Duration::from_millis(500);

/// Writes where the main window is once it has stayed still for [`SETTLED`] after a move or a
/// resize, so that an app that does not exit cleanly (killed, or its session ended) still comes
/// back where it was left; the plugin itself writes only at a clean exit.
pub(crate) fn keep_when_settled<R: Runtime>(app: &tauri::App<R>) {
    let Some(window) = app.get_webview_window("main") else {
        tracing::warn!("no main window to keep the place of");
        return;
    };
    let handle = app.handle().clone();
    let changes = Arc::new(AtomicU64::new(0));
    window.on_window_event(move |event| {
        if !matches!(event, WindowEvent::Moved(_) | WindowEvent::Resized(_)) {
            return;
        }
        let mine = changes.fetch_add(1, Ordering::SeqCst) + 1;
        let (handle, changes) = (handle.clone(), changes.clone());
        tauri::async_runtime::spawn(async move {
            tokio::time::sleep(SETTLED).await;
            if changes.load(Ordering::SeqCst) == mine
                && let Err(e) = handle.save_window_state(KEPT)
            {
                tracing::warn!(error = %e, "where the window is could not be written");
            }
        });
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_instance_is_a_data_folder_and_its_name_is_a_dbus_name() {
        let a = instance_id(
            "com.supportdesk.client",
            Path::new("/home/a/.local/share/x"),
        );
        let b = instance_id(
            "com.supportdesk.client",
            Path::new("/home/b/.local/share/x"),
        );
        assert_ne!(a, b);
        assert_eq!(
            a,
            instance_id(
                "com.supportdesk.client",
                Path::new("/home/a/.local/share/x")
            )
        );
        let last = a.rsplit('.').next().unwrap();
        assert!(last.starts_with('d') && last.len() == 17, "{a}");
        assert!(
            a.chars().all(|c| c.is_ascii_alphanumeric() || c == '.'),
            "{a}"
        );
    }

    #[test]
    fn only_where_the_window_is_is_kept() {
        assert!(!KEPT.contains(StateFlags::VISIBLE));
        assert!(!KEPT.contains(StateFlags::DECORATIONS));
        assert!(!KEPT.contains(StateFlags::FULLSCREEN));
    }
}
