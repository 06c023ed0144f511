//! Signed updates: the updater plugin, set up only in a build that carries an update key (the
//! release configuration's `plugins.updater.pubkey`), asking the feed the settings name
//! (`update_feed`), and the window's three moves — look for a newer version, install the one
//! offered, restart into it. A package is installed only once its signature verifies against
//! the build's key and names the version the feed announced; one that fails installs nothing.
//! The plugin's own commands are not granted to the webview (capabilities/main.json): the
//! window reaches the updater through these commands only.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use desk_app::AppError;
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime};
use tauri_plugin_updater::{Error, Update, UpdaterExt};

use crate::Shell;
use crate::dto::{ErrorDto, UpdateProgressDto, UpdateStateDto};

/// How long asking the feed may take.
const CHECK_TIMEOUT: Duration = Duration::from_secs(30);

/// Whether `context`'s configuration carries an update key: without one the plugin is not set
/// up (the development configuration has none) and the window looks for no update.
pub(crate) fn keyed<R: Runtime>(context: &tauri::Context<R>) -> bool {
    context
        .config()
        .plugins
        .0
        .get("updater")
        .and_then(|updater| updater.get("pubkey"))
        .and_then(|key| key.as_str())
        .is_some_and(|key| !key.trim().is_empty())
}

/// The updater plugin, with the configuration's key.
pub(crate) fn plugin<R: Runtime>() -> tauri::plugin::TauriPlugin<R, tauri_plugin_updater::Config> {
    tauri_plugin_updater::Builder::new().build()
}

/// What the window's update commands share.
pub(crate) struct Updates {
    /// Whether the plugin is set up (see [`keyed`]).
    keyed: bool,
    /// The update last offered, until it is installed or a check replaces it.
    offered: Mutex<Option<Update>>,
    /// The version installed by this process, which the app restarts into.
    installed: Mutex<Option<String>>,
    /// Held while an update downloads and installs: one at a time.
    busy: AtomicBool,
}

impl Updates {
    pub(crate) fn new(keyed: bool) -> Self {
        Self {
            keyed,
            offered: Mutex::new(None),
            installed: Mutex::new(None),
            busy: AtomicBool::new(false),
        }
    }
}

/// Why the window does not look for updates, in the agent's words.
const NO_KEY: &str = "This build carries no update key, so it does not update itself: your organisation delivers new versions another way.";
const NO_FEED: &str = "No update feed is set (update_feed in the configuration file, or DESK_UPDATE_FEED), so Support Desk does not look for new versions: your organisation delivers them another way.";
const NOT_PACKAGED: &str = "This copy was not installed from a package (.deb, .rpm, AppImage or installer), so it cannot update itself.";

/// Asks the feed whether a newer version is offered, and keeps it for [`install_update`].
#[tauri::command]
#[tracing::instrument(skip_all)]
pub(crate) async fn check_update(
    handle: AppHandle,
    shell: tauri::State<'_, Shell>,
    updates: tauri::State<'_, Updates>,
) -> Result<UpdateStateDto, ErrorDto> {
    let app = shell.app()?;
    let current = app.version().to_owned();
    let off = |why: &str| UpdateStateDto::Off {
        current: current.clone(),
        why: why.to_owned(),
    };
    if let Some(version) = updates.installed.lock().expect("installed").clone() {
        return Ok(UpdateStateDto::Installed { current, version });
    }
    if !updates.keyed {
        return Ok(off(NO_KEY));
    }
    let Some(feed) = app.update_feed()? else {
        return Ok(off(NO_FEED));
    };
    if tauri::utils::platform::bundle_type().is_none() {
        return Ok(off(NOT_PACKAGED));
    }
    let shown = desk_app::shown_url(&feed);
    let unavailable = |cause: String| {
        ErrorDto::from(AppError::UpdateUnavailable {
            feed: shown.clone(),
            cause,
        })
    };
    let updater = handle
        .updater_builder()
        .endpoints(vec![feed.clone()])
        .and_then(|builder| builder.timeout(CHECK_TIMEOUT).build())
        .map_err(|e| unavailable(check_failure(&e)))?;
    let found = updater.check().await.map_err(|e| {
        // The phrase, not the error: a transport error names the URL, query and all.
        let cause = check_failure(&e);
        tracing::warn!(cause, "the update feed could not be read");
        unavailable(cause)
    })?;
    let mut offered = updates.offered.lock().expect("offered");
    *offered = found.clone();
    Ok(match found {
        None => UpdateStateDto::Current { current },
        Some(update) => {
            tracing::info!(version = update.version, "an update is offered");
            UpdateStateDto::Offered {
                current,
                version: update.version.clone(),
                notes: update.body.clone(),
                date: update.date.and_then(|d| {
                    d.format(&time::format_description::well_known::Rfc3339)
                        .ok()
                }),
            }
        }
    })
}

/// Downloads the offered `version`, checks its signature and installs it with the system's
/// installer, sending how far it has come to `on_progress`; returns the version installed.
/// Nothing is installed when the package fails its check.
#[tauri::command]
#[tracing::instrument(skip_all, fields(version = %version))]
pub(crate) async fn install_update(
    updates: tauri::State<'_, Updates>,
    version: String,
    on_progress: Channel<UpdateProgressDto>,
) -> Result<String, ErrorDto> {
    let offered = updates.offered.lock().expect("offered").clone();
    let update = offered.filter(|u| u.version == version).ok_or_else(|| {
        ErrorDto::from(AppError::InvalidInput(format!(
            "no update to {version} is offered now: look for updates again"
        )))
    })?;
    if updates.busy.swap(true, Ordering::SeqCst) {
        return Err(AppError::InvalidInput("an update is being installed already".into()).into());
    }
    // Released however this ends, a dropped command too.
    let _busy = Release(&updates.busy);
    let version = download_and_install(update, &on_progress).await?;
    tracing::info!(version, "update installed");
    *updates.offered.lock().expect("offered") = None;
    *updates.installed.lock().expect("installed") = Some(version.clone());
    Ok(version)
}

/// Clears the flag it holds when dropped.
struct Release<'a>(&'a AtomicBool);

impl Drop for Release<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

/// The download, its check and the installation, reported to `on_progress`.
async fn download_and_install(
    update: Update,
    on_progress: &Channel<UpdateProgressDto>,
) -> Result<String, ErrorDto> {
    let version = update.version.clone();
    let mut progress = Progress::default();
    let bytes = update
        .download(
            |chunk, total| {
                if let Some(sent) = progress.add(chunk as u64, total) {
                    // A window that went away just misses the progress.
                    let _ = on_progress.send(sent);
                }
            },
            || {},
        )
        .await
        .map_err(|e| install_failure(&update, &e))?;
    let _ = on_progress.send(UpdateProgressDto::Installing);
    // The system's installer (pkexec, or sudo, with dpkg or rpm) is waited for: not on the
    // async threads. The plugin's `install` checks the signature again (its only entry that
    // installs given bytes does): a hash of bytes in memory, next to the installer's run.
    let installing = update.clone();
    tauri::async_runtime::spawn_blocking(move || installing.install(&bytes))
        .await
        .map_err(|e| ErrorDto::from(AppError::Internal(format!("the installation stopped: {e}"))))?
        .map_err(|e| install_failure(&update, &e))?;
    Ok(version)
}

/// Ends the app and starts the version just installed.
#[tauri::command]
#[tracing::instrument(skip_all)]
pub(crate) fn restart_app(
    handle: AppHandle,
    updates: tauri::State<'_, Updates>,
) -> Result<(), ErrorDto> {
    let Some(version) = updates.installed.lock().expect("installed").clone() else {
        return Err(
            AppError::InvalidInput("no update was installed to restart into".into()).into(),
        );
    };
    tracing::info!(version, "restarting into the installed update");
    handle.request_restart();
    Ok(())
}

/// Progress as sent: at each further percent (each 256 KiB when the size is not known).
#[derive(Default)]
struct Progress {
    received: u64,
    reported: u64,
}

impl Progress {
    fn add(&mut self, chunk: u64, total: Option<u64>) -> Option<UpdateProgressDto> {
        self.received += chunk;
        let step = total.map_or(256 * 1024, |t| (t / 100).max(1));
        (self.received - self.reported >= step || total == Some(self.received)).then(|| {
            self.reported = self.received;
            UpdateProgressDto::Downloading {
                received: self.received,
                total,
            }
        })
    }
}

/// Why asking the feed failed, as a phrase following "the update feed at URL".
fn check_failure(e: &Error) -> String {
    match e {
        Error::Reqwest(_) => "could not be reached, or did not answer in time".into(),
        Error::Network(status) => format!("refused: {status}"),
        Error::Serialization(_) | Error::Semver(_) | Error::ReleaseNotFound => {
            "answered something that is not an update feed".into()
        }
        Error::TargetNotFound(target) => format!("offers no package for this system ({target})"),
        Error::TargetsNotFound(targets) => {
            format!(
                "offers no package for this system ({})",
                targets.join(" or ")
            )
        }
        Error::InsecureTransportProtocol => "is not https, which a release build requires".into(),
        other => other.to_string(),
    }
}

/// What went wrong downloading, checking or installing `update`.
fn install_failure(update: &Update, e: &Error) -> ErrorDto {
    let version = update.version.clone();
    let refused = |reason: &str| AppError::UpdateRefused {
        version: version.clone(),
        reason: reason.to_owned(),
    };
    let error = match e {
        Error::Minisign(minisign_verify::Error::UnexpectedKeyId) => {
            refused("it is signed with a key this build does not trust")
        }
        Error::Minisign(minisign_verify::Error::InvalidSignature) => {
            refused("its content does not match its signature, so it was altered after signing")
        }
        Error::Minisign(_) | Error::Base64(_) | Error::SignatureUtf8(_) => {
            refused("its signature cannot be read")
        }
        Error::SignedVersionMismatch { signed, .. } => refused(&format!(
            "its signature is for version {signed}, not the one the feed announced"
        )),
        Error::MissingSignedVersion => refused("its signature does not name the version it is for"),
        Error::InvalidUpdaterFormat => {
            refused("it is not a package of the kind this copy was installed from")
        }
        Error::Reqwest(_) | Error::Network(_) => AppError::UpdateUnavailable {
            feed: desk_app::shown_url(&update.download_url),
            cause: match e {
                Error::Network(status) => format!("did not send the package: {status}"),
                _ => "did not send the package (unreachable, or cut off)".into(),
            },
        },
        Error::AuthenticationFailed => AppError::UpdateFailed {
            version,
            cause: "nobody confirmed as an administrator".into(),
        },
        Error::PackageInstallFailed | Error::DebInstallFailed => AppError::UpdateFailed {
            version,
            cause: "the system's package installer refused it (see the system's log)".into(),
        },
        other => AppError::UpdateFailed {
            version,
            cause: other.to_string(),
        },
    };
    // The sentence, not the error: a transport error names the package's URL, query and all.
    tracing::warn!(version = update.version, error = %error, "the update was not installed");
    error.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_is_sent_at_each_percent_and_at_the_end() {
        let mut progress = Progress::default();
        let sent: Vec<_> = (0..200)
            .filter_map(|_| progress.add(5, Some(1000)))
            .collect();
        assert_eq!(sent.len(), 100, "one per 10 bytes of 1000");
        assert_eq!(
            sent.last(),
            Some(&UpdateProgressDto::Downloading {
                received: 1000,
                total: Some(1000)
            })
        );
        let mut unknown = Progress::default();
        assert_eq!(unknown.add(100 * 1024, None), None);
        assert!(unknown.add(200 * 1024, None).is_some(), "past 256 KiB");
    }
}
