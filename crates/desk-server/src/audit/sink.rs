//! The live sink: every committed audit entry delivered, in chain order, at least once, to a
//! file, standard output or syslog (`audit_sink`), as the JSON lines of `audit export`, and every
//! checkpoint the server keeps, after the entry it signs (a checkpoint of entries delivered
//! earlier goes out when it is made).
//!
//! Delivery reads the chain from the database after what was last delivered, so it sees only
//! committed entries, in order, and never stands in a request's way: requests commit their
//! entries whether the sink keeps up or not, and a slow or failing sink only falls behind and
//! catches up. After each batch is written (and, for a file, synced), the position of its last
//! entry and the number of its last checkpoint are stored in a cursor file beside the database
//! (written whole, then renamed), so a restart resumes after them; a crash between the two
//! delivers that batch again, never skips it.
//! The cursor names its sink: pointed at another one, delivery starts from the beginning.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::AuditEntry;
use super::checkpoint::CheckpointLine;
use super::export;
use crate::store::{Store, StoreError};

/// The cursor file's name in the data directory.
pub const CURSOR_FILE: &str = "audit-sink.cursor";

/// Entries delivered in one batch at most.
const BATCH: u32 = 500;

/// How often the sink looks for new entries.
pub const POLL: Duration = Duration::from_millis(500);

/// The longest wait between tries of a failing sink.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Where entries go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `file:PATH`: appended to PATH, reopened for every batch (so a rotated file is followed)
    /// and synced before the cursor moves.
    File(PathBuf),
    /// `stdout`: the server's standard output, after its `listening` line.
    Stdout,
    /// `syslog` (or `syslog:SOCKET`): one datagram per entry to the local syslog socket
    /// (`/dev/log`), facility authpriv, severity info, tag `desk-server`.
    Syslog(PathBuf),
}

impl FromStr for Target {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once(':') {
            None if s == "stdout" => Ok(Self::Stdout),
            None if s == "syslog" => Ok(Self::Syslog("/dev/log".into())),
            Some(("file", path)) if !path.is_empty() => Ok(Self::File(path.into())),
            Some(("syslog", path)) if !path.is_empty() => Ok(Self::Syslog(path.into())),
            _ => Err(format!(
                "audit_sink `{s}`: expected `file:PATH`, `stdout`, `syslog` or `syslog:SOCKET`"
            )),
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::File(path) => write!(f, "file:{}", path.display()),
            Self::Stdout => f.write_str("stdout"),
            Self::Syslog(path) => write!(f, "syslog:{}", path.display()),
        }
    }
}

/// Why a batch was not delivered.
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    /// The chain could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The sink or the cursor could not be written.
    #[error("{0}")]
    Io(String),
}

/// What the cursor file holds.
#[derive(Debug, Serialize, Deserialize)]
struct Cursor {
    sink: String,
    seq: i64,
    /// The number of the last checkpoint delivered (a cursor written before checkpoints were
    /// delivered has none: they all go out once).
    #[serde(default)]
    checkpoint: i64,
}

/// Where delivery stands: the last entry and the last checkpoint delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    /// The last entry delivered (0: none).
    pub seq: i64,
    /// The number of the last kept checkpoint delivered (0: none).
    pub checkpoint: i64,
}

/// A sink and its cursor.
#[derive(Debug, Clone)]
pub struct Sink {
    target: Target,
    cursor_file: PathBuf,
}

impl Sink {
    /// The sink `target`, its cursor kept in `data_dir`.
    pub fn new(target: Target, data_dir: &Path) -> Self {
        Self {
            target,
            cursor_file: data_dir.join(CURSOR_FILE),
        }
    }

    /// Where delivery to this sink stands (nothing delivered when the cursor is another
    /// sink's).
    pub fn cursor(&self) -> Result<Position, SinkError> {
        let text = match std::fs::read_to_string(&self.cursor_file) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Position::default()),
            Err(e) => return Err(io(&self.cursor_file, e)),
        };
        let cursor: Cursor = serde_json::from_str(&text)
            .map_err(|e| SinkError::Io(format!("{}: {e}", self.cursor_file.display())))?;
        Ok(if cursor.sink == self.target.to_string() {
            Position {
                seq: cursor.seq,
                checkpoint: cursor.checkpoint,
            }
        } else {
            Position::default()
        })
    }

    fn store_cursor(&self, at: Position) -> Result<(), SinkError> {
        let text = serde_json::to_string(&Cursor {
            sink: self.target.to_string(),
            seq: at.seq,
            checkpoint: at.checkpoint,
        })
        .map_err(|e| SinkError::Io(e.to_string()))?;
        let temporary = self.cursor_file.with_extension("cursor.tmp");
        let write = || -> std::io::Result<()> {
            let mut file = std::fs::File::create(&temporary)?;
            file.write_all(text.as_bytes())?;
            file.sync_all()?;
            std::fs::rename(&temporary, &self.cursor_file)
        };
        write().map_err(|e| io(&self.cursor_file, e))
    }

    /// Delivers every entry and kept checkpoint after the cursor, a batch at a time, moving the
    /// cursor after each. Returns how many lines were delivered.
    pub async fn deliver(&self, store: &dyn Store) -> Result<u64, SinkError> {
        let mut delivered = 0;
        let mut at = self.cursor()?;
        loop {
            let entries = store.audit_from(at.seq + 1, BATCH).await?;
            let to = entries.last().map_or(at.seq, |e| e.seq);
            let checkpoints = store.checkpoints_after(at.checkpoint, to, BATCH).await?;
            if entries.is_empty() && checkpoints.is_empty() {
                return Ok(delivered);
            }
            let lines =
                interleave(&entries, &checkpoints).map_err(|e| SinkError::Io(e.to_string()))?;
            let sink = self.clone();
            let count = lines.len() as u64;
            tokio::task::spawn_blocking(move || sink.write(&lines))
                .await
                .map_err(|e| SinkError::Io(e.to_string()))??;
            at = Position {
                seq: to,
                checkpoint: checkpoints.last().map_or(at.checkpoint, |(id, _)| *id),
            };
            self.store_cursor(at)?;
            delivered += count;
        }
    }

    /// Writes `lines` (each without its newline) to the target; returns once they are there.
    fn write(&self, lines: &[String]) -> Result<(), SinkError> {
        match &self.target {
            Target::File(path) => {
                let mut file = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|e| io(path, e))?;
                let mut text = String::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
                for line in lines {
                    text.push_str(line);
                    text.push('\n');
                }
                file.write_all(text.as_bytes())
                    .and_then(|()| file.sync_data())
                    .map_err(|e| io(path, e))
            }
            Target::Stdout => {
                let mut out = std::io::stdout().lock();
                for line in lines {
                    writeln!(out, "{line}").map_err(|e| SinkError::Io(format!("stdout: {e}")))?;
                }
                out.flush()
                    .map_err(|e| SinkError::Io(format!("stdout: {e}")))
            }
            Target::Syslog(socket) => syslog(socket, lines),
        }
    }
}

#[cfg(unix)]
fn syslog(socket: &Path, lines: &[String]) -> Result<(), SinkError> {
    let out = std::os::unix::net::UnixDatagram::unbound().map_err(|e| io(socket, e))?;
    out.connect(socket).map_err(|e| io(socket, e))?;
    // RFC 3164 as local syslog daemons read it: <PRI>TAG[PID]: MSG, facility authpriv (10),
    // severity informational (6).
    let pid = std::process::id();
    for line in lines {
        out.send(format!("<86>desk-server[{pid}]: {line}").as_bytes())
            .map_err(|e| io(socket, e))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn syslog(socket: &Path, _lines: &[String]) -> Result<(), SinkError> {
    Err(SinkError::Io(format!(
        "{}: syslog is a Unix socket; use file:PATH or stdout here",
        socket.display()
    )))
}

fn io(path: &Path, e: std::io::Error) -> SinkError {
    SinkError::Io(format!("{}: {e}", path.display()))
}

/// The lines of a batch: each checkpoint after the entry it signs, those of entries delivered
/// before first.
fn interleave(
    entries: &[AuditEntry],
    checkpoints: &[(i64, CheckpointLine)],
) -> serde_json::Result<Vec<String>> {
    let mut lines = Vec::with_capacity(entries.len() + checkpoints.len());
    let mut checkpoints = checkpoints.iter().map(|(_, c)| c).peekable();
    let first = entries.first().map_or(i64::MAX, |e| e.seq);
    while let Some(line) = checkpoints.next_if(|c| c.seq < first) {
        lines.push(export::jsonl_checkpoint(line)?);
    }
    for entry in entries {
        lines.push(export::jsonl_entry(entry)?);
        while let Some(line) = checkpoints.next_if(|c| c.seq <= entry.seq) {
            lines.push(export::jsonl_checkpoint(line)?);
        }
    }
    Ok(lines)
}

/// Delivers to `sink` until `stop` turns `true`, while this process leads the audit trail's duties
/// (`leader`; another replica delivers meanwhile): every [`POLL`], and after a failure again
/// with a growing pause (up to 30 s), logging the failure once until a delivery succeeds. It stops
/// only between deliveries, never inside one: a batch written but not yet recorded in the cursor
/// would be written again by the next delivery.
pub async fn run(
    sink: Sink,
    store: Arc<dyn Store>,
    leader: Arc<crate::lead::Leader>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut pause = POLL;
    let mut failing = false;
    while !*stop.borrow() {
        // Another replica delivers while it leads; this one asks again after a pause.
        if !leader.lead().await {
            tokio::select! {
                _ = tokio::time::sleep(POLL) => {}
                _ = stop.changed() => {}
            }
            continue;
        }
        match sink.deliver(store.as_ref()).await {
            Ok(_) => {
                if failing {
                    tracing::info!(sink = %sink.target, "the audit sink is delivering again");
                }
                failing = false;
                pause = POLL;
            }
            Err(e) => {
                if !failing {
                    tracing::error!(sink = %sink.target, error = %e,
                        "the audit sink failed; entries wait in the database and are delivered when it works again");
                }
                failing = true;
                pause = (pause * 2).min(MAX_BACKOFF);
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = stop.changed() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_read_as_written_and_nothing_else_does() {
        for (text, target) in [
            ("stdout", Target::Stdout),
            ("syslog", Target::Syslog("/dev/log".into())),
            (
                "syslog:/run/log.sock",
                Target::Syslog("/run/log.sock".into()),
            ),
            (
                "file:/var/log/desk/audit.jsonl",
                Target::File("/var/log/desk/audit.jsonl".into()),
            ),
        ] {
            assert_eq!(text.parse::<Target>(), Ok(target.clone()), "{text}");
            assert_eq!(target.to_string().parse::<Target>(), Ok(target));
        }
        for bad in ["", "file:", "stderr", "http://siem", "syslog:"] {
            assert!(bad.parse::<Target>().is_err(), "{bad}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn syslog_gets_one_datagram_per_entry() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log.sock");
        let listener = std::os::unix::net::UnixDatagram::bind(&path).unwrap();
        syslog(&path, &["{\"seq\":1}".into(), "{\"seq\":2}".into()]).unwrap();
        let mut buffer = [0u8; 256];
        for seq in 1..=2 {
            let n = listener.recv(&mut buffer).unwrap();
            let text = std::str::from_utf8(&buffer[..n]).unwrap();
            assert!(text.starts_with("<86>desk-server["), "{text}");
            assert!(text.ends_with(&format!("]: {{\"seq\":{seq}}}")), "{text}");
        }
    }
}
