//! Where the application's log goes, and what may never be in it.
//!
//! A front end calls one function here once, at start: [`to_files`] (the window, and `desk` when
//! `DESK_LOG_DIR` is set) installs the process's subscriber, writing daily files
//! (`support-desk.YYYY-MM-DD.log`, the last [`KEEP_FILES`] kept) off the caller's thread;
//! [`filter`] is the same level and the same limits for a front end that writes elsewhere
//! (`desk` on stderr).
//!
//! The level comes from `DESK_LOG` (an `EnvFilter` directive list: `debug`,
//! `desk_app=trace,warn`, …), else the front end's default. Whatever it says, the targets in
//! [`CAPPED`] stay at their limit: those dependencies would otherwise write a secret into the
//! log at a level a person may well turn on. The promise, tested at `trace` through sign-in,
//! reads online and offline, and sign-out (desk-cli's `tests/it/logs.rs`): no token, key or
//! unredacted record value in any log file.

use std::path::{Path, PathBuf};

use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::AppError;

/// The environment variable with the log level (directives as `EnvFilter` reads them).
pub const LEVEL_VAR: &str = "DESK_LOG";

/// The environment variable naming a log folder that replaces the front end's own.
pub const DIR_VAR: &str = "DESK_LOG_DIR";

/// How many daily files are kept; older ones are deleted as a new day's file is opened.
pub const KEEP_FILES: usize = 7;

/// The start of every log file's name; the date and `.log` follow.
pub const FILE_PREFIX: &str = "support-desk";

/// Targets held at a level, whatever `DESK_LOG` asks, and why.
///
/// - `sqlx::query`: sqlx logs each statement's text, at `debug`, and at `warn` when one is slow.
///   The first statement of every cache connection is SQLCipher's `PRAGMA key = "x'…'"`, which
///   holds the cache key (the logs test found it there at `debug`). desk-cache now turns
///   statement logging off on its own connections; the cap stays for any statement that is not
///   one of those.
pub const CAPPED: [&str; 1] = ["sqlx::query=off"];

/// The folder named by `DESK_LOG_DIR`, when it is set and not empty.
pub fn dir_from_env() -> Option<PathBuf> {
    std::env::var_os(DIR_VAR)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// The filter of `DESK_LOG`, or `default` when it is unset or unreadable, with [`CAPPED`] on top.
pub fn filter(default: &str) -> EnvFilter {
    let chosen = EnvFilter::try_from_env(LEVEL_VAR).unwrap_or_else(|_| EnvFilter::new(default));
    CAPPED.iter().fold(chosen, |filter, cap| {
        filter.add_directive(cap.parse().expect("the caps are valid directives"))
    })
}

/// Keeps the log writer running; dropping it writes out what is still queued. Hold it for as
/// long as the process logs (until the front end returns from its main loop).
#[must_use = "dropping the guard stops the log writer"]
pub struct LogGuard {
    dir: PathBuf,
    _writer: tracing_appender::non_blocking::WorkerGuard,
}

impl LogGuard {
    /// The folder the log files are in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl std::fmt::Debug for LogGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogGuard").field("dir", &self.dir).finish()
    }
}

/// Installs the process's subscriber: [`filter`]`(default)`, written to daily files in `dir`
/// (made, for its owner only on Unix, when missing). Fails when the folder cannot be made or a
/// subscriber is already installed.
pub fn to_files(dir: &Path, default: &str) -> Result<LogGuard, AppError> {
    make_private_dir(dir)
        .map_err(|e| AppError::Internal(format!("cannot make {}: {e}", dir.display())))?;
    let files = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix(FILE_PREFIX)
        .filename_suffix("log")
        .max_log_files(KEEP_FILES)
        .build(dir)
        .map_err(|e| AppError::Internal(format!("cannot log to {}: {e}", dir.display())))?;
    let (writer, guard) = tracing_appender::non_blocking(files);
    tracing_subscriber::registry()
        .with(filter(default))
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(writer)
                .with_ansi(false),
        )
        .try_init()
        .map_err(|e| AppError::Internal(format!("cannot start the log: {e}")))?;
    Ok(LogGuard {
        dir: dir.to_owned(),
        _writer: guard,
    })
}

fn make_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_caps_hold_whatever_the_level_asks() {
        // `filter` reads the environment; this is the same thing for a level that asks for all.
        let asked = EnvFilter::new("trace,sqlx::query=trace");
        let capped = CAPPED
            .iter()
            .fold(asked, |f, cap| f.add_directive(cap.parse().unwrap()));
        let subscriber = tracing_subscriber::registry().with(capped);
        tracing::subscriber::with_default(subscriber, || {
            assert!(!tracing::enabled!(target: "sqlx::query", tracing::Level::ERROR));
            assert!(tracing::enabled!(target: "desk_app", tracing::Level::TRACE));
        });
    }

    #[test]
    fn the_log_is_a_dated_file_in_a_private_folder() {
        let top = tempfile::tempdir().unwrap();
        let dir = top.path().join("logs");
        let guard = to_files(&dir, "info").unwrap();
        assert_eq!(guard.dir(), dir);
        tracing::info!(target: "desk_app::logging::tests", "a line for the file");
        drop(guard);
        let files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(files.len(), 1, "{files:?}");
        let name = &files[0];
        assert!(
            name.starts_with("support-desk.") && name.ends_with(".log"),
            "{name}"
        );
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        assert!(text.contains("a line for the file"), "{text}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&dir).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o700);
        }
        // One subscriber per process: a second start says so rather than logging nowhere.
        assert!(to_files(&dir, "info").is_err());
    }
}
