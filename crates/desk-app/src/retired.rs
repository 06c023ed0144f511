//! A server's word that this version of the app is retired (426 `update_required`), kept on the
//! device in `update-required` in the data folder: offline, while this version is below the
//! minimum named there, nothing is read from the cache, so a retired client shows nothing when
//! the server cannot say so again. Online the server decides each time; an answer it gives this
//! version, or an app at or past the minimum, removes the file. It holds the minimum version and
//! nothing else.

use std::path::{Path, PathBuf};

use desk_api::ClientVersion;

use crate::AppError;

/// The file's name in the data folder.
pub const FILE_NAME: &str = "update-required";

fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE_NAME)
}

/// Keeps the server's minimum, `min_version`, on the device.
pub(crate) fn record(data_dir: &Path, min_version: &str) {
    if min_version.parse::<ClientVersion>().is_err() {
        return;
    }
    let written = std::fs::create_dir_all(data_dir)
        .and_then(|()| std::fs::write(path(data_dir), format!("{min_version}\n")));
    if let Err(e) = written {
        tracing::warn!(error = %e, "the server's minimum version could not be kept on the device");
    }
}

/// Forgets a minimum: the server answered this version.
pub(crate) fn forget(data_dir: &Path) {
    match std::fs::remove_file(path(data_dir)) {
        Ok(()) => tracing::info!("the server answers this version again"),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            tracing::warn!(error = %e, "the server's old minimum version could not be removed")
        }
    }
}

/// `Err(UpdateRequired)` while the app's `version` is below the minimum a server named; a
/// minimum it meets is forgotten (the app was updated). A file that does not hold a version is
/// left alone and read as no minimum (only a server's answer writes it).
pub(crate) fn check(data_dir: &Path, version: &str) -> Result<(), AppError> {
    let Ok(text) = std::fs::read_to_string(path(data_dir)) else {
        return Ok(());
    };
    let (Ok(min), Ok(now)) = (
        text.trim().parse::<ClientVersion>(),
        version.parse::<ClientVersion>(),
    ) else {
        return Ok(());
    };
    if now >= min {
        let _ = std::fs::remove_file(path(data_dir));
        return Ok(());
    }
    Err(AppError::UpdateRequired {
        current: version.to_owned(),
        min_version: min.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minimum_above_this_version_holds_until_the_app_reaches_it() {
        let dir = tempfile::tempdir().unwrap();
        let check = |dir: &Path| check(dir, "0.1.0");
        assert!(check(dir.path()).is_ok(), "nothing recorded");
        record(dir.path(), "999.0.0");
        let refused = check(dir.path()).unwrap_err();
        assert!(
            matches!(refused, AppError::UpdateRequired { ref min_version, .. } if min_version == "999.0.0")
        );
        // Met by this version: forgotten.
        record(dir.path(), "0.0.1");
        assert!(check(dir.path()).is_ok());
        assert!(!path(dir.path()).exists());
        // Only a version is kept.
        record(dir.path(), "not a version");
        assert!(!path(dir.path()).exists());
        // A server that answers again lifts it.
        record(dir.path(), "999.0.0");
        forget(dir.path());
        assert!(check(dir.path()).is_ok());
    }

    #[test]
    fn an_update_to_the_minimum_lifts_it() {
        let dir = tempfile::tempdir().unwrap();
        record(dir.path(), "0.1.1");
        assert!(
            check(dir.path(), "0.1.0").is_err(),
            "the version it retired"
        );
        assert!(
            check(dir.path(), "0.1.1").is_ok(),
            "the version it asked for"
        );
        assert!(!path(dir.path()).exists(), "forgotten once met");
    }
}
