//! The audit trail, read by an administrator (a role with `audit.read`): online only, never
//! cached; a filtered trail exported whole as JSON lines or CSV ([`App::export_audit`]); the
//! chain checked by the server with the checkpoint this device witnessed ([`App::verify_audit`]).

use desk_api::{AuditRecord, ChainCheck, Page};
use serde::Serialize;

use crate::records::with_query;
use crate::{App, AppError};

/// Which entries of the trail to list; the parts given combine.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// Only this actor's (a subject).
    pub actor: Option<String>,
    /// Only this action's (`customer.view`, `sign_in`, …).
    pub action: Option<String>,
    /// Recorded at or after this date or RFC 3339 time.
    pub since: Option<String>,
    /// Recorded before this date or time.
    pub until: Option<String>,
    /// Only the entries that ended so (`ok`, `denied`, `not_found`).
    pub outcome: Option<String>,
    /// Only the entries about this resource, exactly (`customer:42`).
    pub resource: Option<String>,
    /// Page size (the server's default when absent).
    pub limit: Option<u32>,
    /// Where to continue: the previous page's `next_cursor`.
    pub cursor: Option<String>,
}

impl App {
    /// A page of the audit trail, newest first. The server checks the filters (a bad one is
    /// `ServerRefused`, HTTP 400, with the server's reason) and refuses a role without
    /// `audit.read` (`Forbidden`).
    pub async fn audit(&self, query: &AuditQuery) -> Result<Page<AuditRecord>, AppError> {
        let path = with_query(
            "/v1/audit",
            &[
                ("actor", query.actor.clone()),
                ("action", query.action.clone()),
                ("since", query.since.clone()),
                ("until", query.until.clone()),
                ("outcome", query.outcome.clone()),
                ("resource", query.resource.clone()),
                ("limit", query.limit.map(|l| l.to_string())),
                ("cursor", query.cursor.clone()),
            ],
        )?;
        let session = self.session().await?;
        let api = self.server_api().await?;
        self.with_token(&session, |token| {
            let api = api.clone();
            let path = path.clone();
            async move { api.get_json(&path, token).await }
        })
        .await
    }
}

/// What a check of the audit chain found: the server's verdict, and what this device saw wrong
/// with the trail on its own, if it ever did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AuditCheck {
    /// The server's check of its chain, with its newest kept checkpoint and the one this device
    /// holds for the signed-in agent.
    pub chain: ChainCheck,
    /// What this device found when a later policy carried a checkpoint behind or unlike the one
    /// it held (the trail went back, or an entry changed); `null` when it never did.
    pub witnessed_problem: Option<String>,
}

impl App {
    /// Has the server check its audit chain under the audit key (`GET /v1/audit/verify`), with
    /// the newest checkpoint this device witnessed for the signed-in agent: a checkpoint kept
    /// here, out of reach of whoever holds the server's database. Refused without `audit.read`
    /// (`Forbidden`).
    pub async fn verify_audit(&self) -> Result<AuditCheck, AppError> {
        let session = self.session().await?;
        let identity = session.identity();
        let witnessed = crate::versions::Versions::new(&self.config.data_dir)
            .witnessed(&identity.issuer, &identity.subject)?;
        let path = with_query("/v1/audit/verify", &[("checkpoint", witnessed.checkpoint)])?;
        let chain = self.get_as_agent(&path).await?;
        Ok(AuditCheck {
            chain,
            witnessed_problem: witnessed.behind,
        })
    }
}

/// How an exported trail is written; named by its file ending (`jsonl`, `csv`) in the window's
/// commands and on `desk`'s command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ExportFormat {
    /// One entry a line, as the server answers it.
    #[serde(rename = "jsonl")]
    JsonLines,
    /// A header, then one entry a line, every cell quoted (see [`csv_cell`]).
    #[serde(rename = "csv")]
    Csv,
}

/// The columns of a CSV export, in order: every member of an entry.
const CSV_COLUMNS: [&str; 9] = [
    "seq",
    "time",
    "actor",
    "action",
    "resource",
    "outcome",
    "detail",
    "prev_hash",
    "hash",
];

/// `value` as one CSV cell: quoted, its quotes doubled, and a value a spreadsheet would take for a
/// formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) led by `'`, so opening
/// the file runs nothing an agent's text put there.
pub fn csv_cell(value: &str) -> String {
    let guarded = match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}"),
        _ => value.to_owned(),
    };
    format!("\"{}\"", guarded.replace('"', "\"\""))
}

/// One entry as a CSV line (without its line end).
fn csv_line(entry: &AuditRecord) -> String {
    let seq = entry.seq.to_string();
    let cells = [
        seq.as_str(),
        &entry.time,
        &entry.actor,
        &entry.action,
        &entry.resource,
        &entry.outcome,
        &entry.detail,
        &entry.prev_hash,
        &entry.hash,
    ];
    cells.map(csv_cell).join(",")
}

impl App {
    /// Writes every entry `query` matches (newest first, page by page from its cursor, its
    /// `limit` the size of each page) to `out` as `format`, calling `progress` with the count
    /// after each page; answers how many were written. Nothing is kept on this machine but what
    /// `out` keeps.
    pub async fn export_audit(
        &self,
        query: &AuditQuery,
        format: ExportFormat,
        out: &mut impl std::io::Write,
        mut progress: impl FnMut(u64),
    ) -> Result<u64, AppError> {
        let write = |out: &mut dyn std::io::Write, text: &str| {
            writeln!(out, "{text}").map_err(|e| {
                AppError::InvalidInput(format!("the export could not be written: {e}"))
            })
        };
        if format == ExportFormat::Csv {
            write(out, &CSV_COLUMNS.map(csv_cell).join(","))?;
        }
        let mut query = query.clone();
        let mut written = 0;
        loop {
            let page = self.audit(&query).await?;
            for entry in &page.items {
                let line = match format {
                    ExportFormat::JsonLines => serde_json::to_string(entry)
                        .map_err(|e| AppError::Internal(e.to_string()))?,
                    ExportFormat::Csv => csv_line(entry),
                };
                write(out, &line)?;
                written += 1;
            }
            progress(written);
            match page.next_cursor {
                Some(cursor) if !page.items.is_empty() => query.cursor = Some(cursor),
                _ => break,
            }
        }
        out.flush()
            .map_err(|e| AppError::InvalidInput(format!("the export could not be written: {e}")))?;
        Ok(written)
    }
}

/// A trail exported to a file: where, and how many entries it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Exported {
    /// The file written.
    pub path: String,
    /// How many entries it holds.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub entries: u64,
}

impl ExportFormat {
    /// Every format.
    pub const ALL: [ExportFormat; 2] = [Self::JsonLines, Self::Csv];

    /// The file name ending of an export in this format, which is also its name.
    pub fn extension(self) -> &'static str {
        match self {
            Self::JsonLines => "jsonl",
            Self::Csv => "csv",
        }
    }

    /// The format named `name` (its file ending).
    pub fn named(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.extension() == name)
    }
}

impl App {
    /// Exports what `query` matches into a new file in `dir`, named
    /// `support-desk-audit-<UTC time>.<jsonl|csv>` (never over an existing file); a file left
    /// half-written by a failure is removed.
    pub async fn export_audit_to(
        &self,
        dir: &std::path::Path,
        query: &AuditQuery,
        format: ExportFormat,
    ) -> Result<Exported, AppError> {
        let name = format!(
            "support-desk-audit-{}.{}",
            chrono::Utc::now().format("%Y%m%dT%H%M%SZ"),
            format.extension()
        );
        let path = dir.join(name);
        let cannot = |e: std::io::Error| {
            AppError::InvalidInput(format!("cannot write {}: {e}", path.display()))
        };
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(cannot)?;
        let mut out = std::io::BufWriter::new(file);
        match self.export_audit(query, format, &mut out, |_| {}).await {
            Ok(entries) => Ok(Exported {
                path: path.display().to_string(),
                entries,
            }),
            Err(e) => {
                drop(out);
                // Nothing half-written is left behind; the error says what went wrong.
                let _ = std::fs::remove_file(&path);
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_format_is_named_by_its_file_ending_in_commands_and_on_the_command_line() {
        for format in ExportFormat::ALL {
            let json = serde_json::Value::String(format.extension().into());
            assert_eq!(
                serde_json::from_value::<ExportFormat>(json).unwrap(),
                format
            );
            assert_eq!(ExportFormat::named(format.extension()), Some(format));
        }
        assert_eq!(ExportFormat::named("xml"), None);
    }

    #[test]
    fn a_csv_cell_is_quoted_and_never_a_formula() {
        assert_eq!(csv_cell("agent1"), "\"agent1\"");
        assert_eq!(
            csv_cell("say \"hi\", then\nleave"),
            "\"say \"\"hi\"\", then\nleave\""
        );
        for formula in ["=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            let cell = csv_cell(formula);
            assert!(cell.starts_with("\"'"), "{formula:?} -> {cell}");
        }
        assert_eq!(csv_cell(""), "\"\"");
    }

    #[test]
    fn a_csv_line_holds_every_member_in_the_header_s_order() {
        let entry = AuditRecord {
            seq: 7,
            time: "2026-12-07T10:00:00.000Z".into(),
            actor: "agent1".into(),
            action: "customer.search".into(),
            resource: "customers".into(),
            outcome: "ok".into(),
            detail: r#"{"masked":"j•••@example.com"}"#.into(),
            prev_hash: "a".into(),
            hash: "b".into(),
        };
        assert_eq!(
            csv_line(&entry),
            r#""7","2026-12-07T10:00:00.000Z","agent1","customer.search","customers","ok","{""masked"":""j•••@example.com""}","a","b""#
        );
        // The header names every member the server writes, in the same order.
        let json = serde_json::to_value(&entry).unwrap();
        let members: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut sorted = CSV_COLUMNS.to_vec();
        sorted.sort_unstable();
        let mut members_sorted = members.clone();
        members_sorted.sort_unstable();
        assert_eq!(members_sorted, sorted);
    }
}
