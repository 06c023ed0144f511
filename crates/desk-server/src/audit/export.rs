//! The audit trail as lines for the tools security teams use: JSON lines of our own, or OCSF.
//!
//! An export is the entries in chain order from a position on, each with its `prev_hash` and
//! `hash` and every field its link covers exactly as stored (`detail` stays the JSON text it is,
//! which never holds a customer value in the clear), so whoever holds the audit key can check the
//! links of what they received; the signed checkpoints the server kept come right after the
//! entry they sign, and the last line is a checkpoint of the last entry written, signed when the
//! export ends, so whoever holds the public policy key can tell a later trail that no longer
//! holds it (`audit verify --checkpoint` reads an export file as it is). The mapping to OCSF
//! classes is [`ocsf_activity`], one arm per [`AuditAction`], documented in
//! `docs/audit-export.md`.

use std::io::Write;

use desk_core::AuditAction;
use desk_core::signed::PolicyKey;
use serde::Serialize;

use super::AuditEntry;
use super::checkpoint::{self, CheckpointLine};
use crate::store::{Store, StoreError};

/// The OCSF schema version the OCSF lines follow.
pub const OCSF_VERSION: &str = "1.3.0";

/// Entries read from the store at a time.
const PAGE: u32 = 1000;

/// How the lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON object a line: the entry's own fields or the checkpoint's, with a `type` member
    /// (`entry` or `checkpoint`) that tells them apart.
    Jsonl,
    /// One OCSF event a line ([`ocsf_activity`] says which class each action is); a checkpoint
    /// is an Event Log Activity.
    Ocsf,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exported {
    /// Entries written.
    pub entries: u64,
    /// Checkpoints written, the final one included.
    pub checkpoints: u64,
    /// The last entry written (the `since` given when there was none): the `--since` of the
    /// next export.
    pub last_seq: i64,
    /// The final checkpoint written, if one was.
    #[serde(skip)]
    pub final_checkpoint: Option<CheckpointLine>,
}

/// Why an export stopped.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The store could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The output could not be written.
    #[error("writing the export: {0}")]
    Write(#[from] std::io::Error),
}

/// A jsonl line.
#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Line<'a> {
    Entry(&'a AuditEntry),
    Checkpoint(&'a CheckpointLine),
}

/// Which entries an export writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    /// Only the entries after this one (0: from the first kept).
    pub since: i64,
    /// Only up to this one; `None`: up to the head when the export ends.
    pub until: Option<i64>,
}

impl Range {
    /// The entries after `since`, up to the head.
    pub fn after(since: i64) -> Self {
        Self { since, until: None }
    }
}

/// Writes the entries of `range` in chain order to `out`, page by page, each kept checkpoint
/// after the entry it signs, and, when `signer` is given, a final checkpoint of the last entry
/// written, signed now. Up to the head (`until` not given), entries committed while it runs are
/// written up to the head the final checkpoint signs, so that checkpoint is always of the
/// stream's last entry. When the first entry written follows an archive of older entries
/// ([`super::retention`]), that archive's final checkpoint comes first: the stream says where
/// it begins.
pub async fn export(
    store: &dyn Store,
    range: Range,
    format: Format,
    signer: Option<&PolicyKey>,
    out: &mut (dyn Write + Send),
) -> Result<Exported, ExportError> {
    let mut exported = Exported {
        entries: 0,
        checkpoints: 0,
        last_seq: range.since,
        final_checkpoint: None,
    };
    let mut next = range.since + 1;
    let mut last_hash = None;
    let mut last_checkpoint: Option<CheckpointLine> = None;
    let mut until = range.until;
    loop {
        let mut page = store.audit_from(next, PAGE).await?;
        if let Some(until) = until {
            page.retain(|e| e.seq <= until);
        }
        let (Some(first), Some(last)) = (page.first(), page.last()) else {
            match (signer, until) {
                (Some(signer), None) => {
                    let line = checkpoint::current(store, signer).await?;
                    until = Some(line.seq);
                    last_checkpoint = Some(line);
                    continue;
                }
                _ => break,
            }
        };
        if exported.entries == 0 {
            write_anchor(store, out, format, first, &mut exported).await?;
        }
        let kept = store.audit_checkpoints(first.seq, last.seq).await?;
        let mut kept = kept.iter().peekable();
        for entry in &page {
            write_entry(out, format, entry)?;
            exported.entries += 1;
            while let Some(line) = kept.next_if(|c| c.seq <= entry.seq) {
                write_checkpoint(out, format, line)?;
                exported.checkpoints += 1;
            }
        }
        exported.last_seq = last.seq;
        last_hash = Some(last.hash.clone());
        next = last.seq + 1;
    }
    // Up to a given entry, the final checkpoint signs that one.
    if let (Some(signer), Some(_), None, Some(hash)) =
        (signer, range.until, &last_checkpoint, &last_hash)
    {
        last_checkpoint = Some(CheckpointLine::sign(
            signer,
            exported.last_seq,
            hash,
            chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        ));
    }
    if let Some(line) = &last_checkpoint {
        write_checkpoint(out, format, line)?;
        exported.checkpoints += 1;
    }
    exported.final_checkpoint = last_checkpoint;
    out.flush()?;
    Ok(exported)
}

/// Before the first entry: the final checkpoint of the archive it follows, if it follows one.
async fn write_anchor(
    store: &dyn Store,
    out: &mut (dyn Write + Send),
    format: Format,
    first: &AuditEntry,
    exported: &mut Exported,
) -> Result<(), ExportError> {
    let Some(retained) = store.audit_retained().await? else {
        return Ok(());
    };
    if retained.through_seq + 1 != first.seq {
        return Ok(());
    }
    let line: CheckpointLine = serde_json::from_str(&retained.checkpoint)
        .map_err(|e| StoreError::Corrupt(format!("an archive's checkpoint: {e}")))?;
    write_checkpoint(out, format, &line)?;
    exported.checkpoints += 1;
    Ok(())
}

/// One entry as its `jsonl` line (without the newline), as the live sink delivers it too.
pub fn jsonl_entry(entry: &AuditEntry) -> serde_json::Result<String> {
    serde_json::to_string(&Line::Entry(entry))
}

/// One checkpoint as its `jsonl` line (without the newline), as the live sink delivers it too.
pub fn jsonl_checkpoint(line: &CheckpointLine) -> serde_json::Result<String> {
    serde_json::to_string(&Line::Checkpoint(line))
}

fn write_entry(out: &mut dyn Write, format: Format, entry: &AuditEntry) -> std::io::Result<()> {
    match format {
        Format::Jsonl => serde_json::to_writer(&mut *out, &Line::Entry(entry))?,
        Format::Ocsf => serde_json::to_writer(&mut *out, &ocsf_entry(entry))?,
    }
    out.write_all(b"\n")
}

fn write_checkpoint(
    out: &mut (dyn Write + Send),
    format: Format,
    line: &CheckpointLine,
) -> std::io::Result<()> {
    match format {
        Format::Jsonl => serde_json::to_writer(&mut *out, &Line::Checkpoint(line))?,
        Format::Ocsf => serde_json::to_writer(&mut *out, &ocsf_checkpoint(line))?,
    }
    out.write_all(b"\n")
}

/// The OCSF classes the trail maps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OcsfClass {
    /// API Activity (6003, Application Activity): a call of the gateway's API.
    ApiActivity,
    /// Account Change (3001, Identity & Access Management): something done to an agent's
    /// account.
    AccountChange,
    /// Authentication (3002, Identity & Access Management): a sign-in.
    Authentication,
    /// Event Log Activity (1008, System Activity): the log's own events (a checkpoint, an
    /// archive).
    EventLogActivity,
}

impl OcsfClass {
    /// `class_uid`.
    pub fn uid(self) -> u32 {
        match self {
            Self::ApiActivity => 6003,
            Self::AccountChange => 3001,
            Self::Authentication => 3002,
            Self::EventLogActivity => 1008,
        }
    }

    /// `class_name`.
    pub fn name(self) -> &'static str {
        match self {
            Self::ApiActivity => "API Activity",
            Self::AccountChange => "Account Change",
            Self::Authentication => "Authentication",
            Self::EventLogActivity => "Event Log Activity",
        }
    }

    /// `category_uid` and `category_name`.
    pub fn category(self) -> (u32, &'static str) {
        match self {
            Self::ApiActivity => (6, "Application Activity"),
            Self::AccountChange | Self::Authentication => (3, "Identity & Access Management"),
            Self::EventLogActivity => (1, "System Activity"),
        }
    }
}

/// An OCSF class and one of its activities.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OcsfActivity {
    /// The class.
    pub class: OcsfClass,
    /// `activity_id` within the class.
    pub id: u32,
    /// `activity_name`.
    pub name: &'static str,
}

const fn api(id: u32, name: &'static str) -> OcsfActivity {
    OcsfActivity {
        class: OcsfClass::ApiActivity,
        id,
        name,
    }
}

const API_CREATE: OcsfActivity = api(1, "Create");
const API_READ: OcsfActivity = api(2, "Read");
const API_UPDATE: OcsfActivity = api(3, "Update");

/// The OCSF class and activity of each action. Exhaustive: a new action does not compile
/// without its line here (and in `docs/audit-export.md`).
pub fn ocsf_activity(action: AuditAction) -> OcsfActivity {
    use AuditAction as A;
    match action {
        A::SignIn => OcsfActivity {
            class: OcsfClass::Authentication,
            id: 1,
            name: "Logon",
        },
        A::DeviceWipe => OcsfActivity {
            class: OcsfClass::AccountChange,
            id: 99,
            name: "Wipe devices",
        },
        A::CustomerSearch
        | A::CustomerView
        | A::TransactionsView
        | A::TicketsView
        | A::TicketView
        | A::EventsConnect
        | A::PolicyView
        | A::WipesCheck
        | A::AgentList
        | A::AuditRead
        | A::AuditVerify
        | A::RoleList
        | A::RoleHistory
        | A::LayoutHistory
        | A::RoleChanges
        | A::LayoutList
        | A::LayoutPreview
        | A::OfflineCustomerSearch
        | A::OfflineCustomerView
        | A::OfflineTransactionsView
        | A::OfflineTicketsView
        | A::OfflineTicketView => API_READ,
        A::TicketReply | A::AuditUpload | A::RolePropose => API_CREATE,
        A::WipeAcknowledge => API_UPDATE,
        A::ScimTokenCreate | A::ScimUserCreate | A::ScimGroupCreate => API_CREATE,
        A::ScimUserUpdate | A::ScimGroupUpdate => API_UPDATE,
        A::ScimUserDelete | A::ScimGroupDelete => api(4, "Delete"),
        A::AccessRefused => api(99, "Access withdrawn"),
        A::EventsEnd => api(99, "Streams ended"),
        A::ScimTokenRevoke => api(4, "Delete"),
        A::RoleUpdate | A::RoleApprove | A::RoleReject | A::LayoutPublish => API_UPDATE,
        // Not reads themselves: what the read budget refused, and the alert of reading in bulk.
        A::ReadLimit => api(99, "Read limited"),
        A::ReadBulk => api(99, "Bulk read"),
        A::AuditArchive => OcsfActivity {
            class: OcsfClass::EventLogActivity,
            id: 4,
            name: "Archive",
        },
    }
}

/// An action this server does not know (written by a newer one): API Activity, Other.
const UNKNOWN_ACTION: OcsfActivity = api(99, "Other");

fn epoch_ms(time: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(time)
        .ok()
        .map(|t| t.timestamp_millis())
}

fn metadata(uid: String, original_time: &str, event_code: &str) -> serde_json::Value {
    serde_json::json!({
        "version": OCSF_VERSION,
        "product": {
            "name": "Support Desk",
            "vendor_name": "Support Desk",
            "feature": { "name": "desk-server audit trail" },
            "version": env!("CARGO_PKG_VERSION"),
        },
        "uid": uid,
        "original_time": original_time,
        "event_code": event_code,
        "log_name": "audit",
    })
}

/// One entry as an OCSF event. Everything the link covers is kept as stored under
/// `unmapped.desk` (`detail` as its JSON text), so the hashes can be checked from these lines
/// too.
pub fn ocsf_entry(entry: &AuditEntry) -> serde_json::Value {
    let action = entry.action.parse::<AuditAction>().ok();
    let activity = action.map(ocsf_activity).unwrap_or(UNKNOWN_ACTION);
    let class = activity.class;
    let (category_uid, category_name) = class.category();
    let logged = epoch_ms(&entry.time);
    // A view made offline happened when the client says it did; it was logged when uploaded.
    let detail: serde_json::Value = serde_json::from_str(&entry.detail).unwrap_or_default();
    let viewed_at = action
        .filter(|a| a.as_str().starts_with("offline."))
        .and_then(|_| detail["viewed_at"].as_str())
        .and_then(epoch_ms);
    let (status_id, status) = match entry.outcome.as_str() {
        "ok" => (1, "Success"),
        _ => (2, "Failure"),
    };
    let mut metadata = metadata(entry.seq.to_string(), &entry.time, &entry.action);
    metadata["sequence"] = entry.seq.into();
    metadata["logged_time"] = logged.into();
    let user_type = if entry.actor == "desk-server" {
        (3, "System")
    } else {
        (1, "User")
    };
    let actor_user = serde_json::json!({
        "uid": entry.actor,
        "type_id": user_type.0,
        "type": user_type.1,
    });
    let resource = match entry.resource.split_once(':') {
        Some((kind, id)) => serde_json::json!({ "type": kind, "uid": id }),
        None => serde_json::json!({ "name": entry.resource }),
    };
    let mut event = serde_json::json!({
        "class_uid": class.uid(),
        "class_name": class.name(),
        "category_uid": category_uid,
        "category_name": category_name,
        "activity_id": activity.id,
        "activity_name": activity.name,
        "type_uid": class.uid() * 100 + activity.id,
        "type_name": format!("{}: {}", class.name(), activity.name),
        "severity_id": 1,
        "severity": "Informational",
        "time": viewed_at.or(logged),
        "status_id": status_id,
        "status": status,
        "status_detail": entry.outcome,
        "metadata": metadata,
        "actor": { "user": actor_user },
        "unmapped": {
            "desk": {
                "seq": entry.seq,
                "time": entry.time,
                "actor": entry.actor,
                "action": entry.action,
                "resource": entry.resource,
                "outcome": entry.outcome,
                "detail": entry.detail,
                "prev_hash": entry.prev_hash,
                "hash": entry.hash,
            }
        },
    });
    match class {
        OcsfClass::ApiActivity => {
            event["api"] = serde_json::json!({
                "operation": entry.action,
                "service": { "name": "desk-server" },
            });
            event["resources"] = serde_json::json!([resource]);
        }
        OcsfClass::Authentication => {
            event["user"] = actor_user;
            event["service"] = serde_json::json!({ "name": "desk-server" });
        }
        OcsfClass::AccountChange => {
            // A wipe's resource is `subject:SUB`: the agent whose devices shred their caches.
            let subject = entry
                .resource
                .strip_prefix("subject:")
                .unwrap_or(&entry.resource);
            event["user"] = serde_json::json!({ "uid": subject, "type_id": 1, "type": "User" });
        }
        OcsfClass::EventLogActivity => {}
    }
    event
}

/// A checkpoint as an OCSF Event Log Activity (activity Other, named `Checkpoint`), the line
/// itself under `unmapped.checkpoint`.
pub fn ocsf_checkpoint(line: &CheckpointLine) -> serde_json::Value {
    let class = OcsfClass::EventLogActivity;
    let (category_uid, category_name) = class.category();
    serde_json::json!({
        "class_uid": class.uid(),
        "class_name": class.name(),
        "category_uid": category_uid,
        "category_name": category_name,
        "activity_id": 99,
        "activity_name": "Checkpoint",
        "type_uid": class.uid() * 100 + 99,
        "type_name": format!("{}: Checkpoint", class.name()),
        "severity_id": 1,
        "severity": "Informational",
        "time": epoch_ms(&line.time),
        "status_id": 1,
        "status": "Success",
        "message": format!("audit chain head signed: entry {} with link {}", line.seq, line.hash),
        "metadata": metadata(format!("checkpoint:{}", line.seq), &line.time, "checkpoint"),
        "actor": { "user": { "uid": "desk-server", "type_id": 3, "type": "System" } },
        "unmapped": { "checkpoint": line },
    })
}

/// The checkpoint a line of an export (either format) or a bare checkpoint line holds, as the
/// text [`CheckpointLine::verify`] reads; `None` for an entry's line.
pub fn checkpoint_in(line: &str) -> Result<Option<String>, String> {
    let mut value: serde_json::Value =
        serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    let Some(object) = value.as_object_mut() else {
        return Err("not a JSON object".into());
    };
    if let Some(kind) = object.remove("type") {
        return match kind.as_str() {
            Some("entry") => Ok(None),
            Some("checkpoint") => Ok(Some(value.to_string())),
            _ => Err(format!("unknown line type {kind}")),
        };
    }
    if object.contains_key("class_uid") {
        return Ok(object
            .get("unmapped")
            .and_then(|u| u.get("checkpoint"))
            .map(|c| c.to_string()));
    }
    Ok(Some(line.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_maps_to_one_of_the_classes_it_fits() {
        for &action in AuditAction::ALL {
            let activity = ocsf_activity(action);
            // Only the log's own acts are the log's activity.
            assert_eq!(
                activity.class == OcsfClass::EventLogActivity,
                action == AuditAction::AuditArchive,
                "{action}"
            );
            if activity.class == OcsfClass::ApiActivity {
                // What the read budget refuses or notices, a refusal for withdrawn access and streams
                // the server ended are no call of their own: Other.
                let other = [
                    AuditAction::ReadLimit,
                    AuditAction::ReadBulk,
                    AuditAction::AccessRefused,
                    AuditAction::EventsEnd,
                ]
                .contains(&action);
                let ids: &[u32] = if other { &[99] } else { &[1, 2, 3, 4] };
                assert!(ids.contains(&activity.id), "{action}");
            }
            // Offline views read like the views they were.
            if let Some(offline) = action.offline() {
                assert_eq!(ocsf_activity(offline), activity, "{action}");
            }
        }
        assert_eq!(
            ocsf_activity(AuditAction::SignIn).class,
            OcsfClass::Authentication
        );
    }

    #[test]
    fn the_documented_mapping_is_the_code_s() {
        let doc = include_str!("../../../../docs/audit-export.md");
        assert!(doc.contains(&format!("OCSF {OCSF_VERSION} event")));
        let (_, table) = doc.split_once("| Action |").expect("the table of actions");
        let rows: Vec<&str> = table
            .lines()
            .skip(1)
            .take_while(|l| l.starts_with('|'))
            .filter(|l| l.starts_with("| `"))
            .collect();
        assert_eq!(rows.len(), AuditAction::ALL.len(), "one row per action");
        for &action in AuditAction::ALL {
            let a = ocsf_activity(action);
            let row = format!(
                "| `{action}` | {} ({}) | {} ({}) |",
                a.class.name(),
                a.class.uid(),
                a.name,
                a.id
            );
            assert!(
                rows.contains(&row.as_str()),
                "docs/audit-export.md lacks {row}"
            );
        }
    }

    #[test]
    fn an_offline_view_happened_when_the_client_says_and_was_logged_when_uploaded() {
        let entry = AuditEntry {
            seq: 4,
            time: "2026-11-29T10:00:00.000Z".into(),
            actor: "agent1".into(),
            action: "offline.customer.view".into(),
            resource: "customer:42".into(),
            outcome: "ok".into(),
            detail: r#"{"key":"k","viewed_at":"2026-11-29T08:00:00.000Z"}"#.into(),
            prev_hash: "0".repeat(64),
            hash: "1".repeat(64),
        };
        let event = ocsf_entry(&entry);
        assert_eq!(event["class_uid"], 6003);
        assert_eq!(event["type_uid"], 600302);
        let logged = epoch_ms(&entry.time).unwrap();
        assert_eq!(event["metadata"]["logged_time"], logged);
        assert_eq!(event["time"], logged - 2 * 3600 * 1000);
        assert_eq!(event["resources"][0]["uid"], "42");
        assert_eq!(event["unmapped"]["desk"]["detail"], entry.detail);
        // An action from a newer server still reads, as API Activity: Other.
        let newer = AuditEntry {
            action: "something.new".into(),
            ..entry
        };
        assert_eq!(ocsf_entry(&newer)["type_uid"], 600399);
    }

    #[test]
    fn checkpoints_are_found_in_lines_of_either_format_and_entries_are_not() {
        let key = PolicyKey::from_seed("policy-test", &[7; 32]);
        let line = CheckpointLine::sign(&key, 3, &"a".repeat(64), "t".into());
        let bare = serde_json::to_string(&line).unwrap();
        let jsonl = serde_json::to_string(&Line::Checkpoint(&line)).unwrap();
        let ocsf = ocsf_checkpoint(&line).to_string();
        for text in [&bare, &jsonl, &ocsf] {
            let found = checkpoint_in(text).unwrap().expect("a checkpoint");
            CheckpointLine::verify(&found, &[key.public()]).unwrap();
        }
        let entry = AuditEntry {
            seq: 1,
            time: "t".into(),
            actor: "a".into(),
            action: "sign_in".into(),
            resource: "session".into(),
            outcome: "ok".into(),
            detail: "null".into(),
            prev_hash: "0".repeat(64),
            hash: "1".repeat(64),
        };
        let jsonl = serde_json::to_string(&Line::Entry(&entry)).unwrap();
        assert_eq!(checkpoint_in(&jsonl).unwrap(), None);
        assert_eq!(
            checkpoint_in(&ocsf_entry(&entry).to_string()).unwrap(),
            None
        );
        assert!(checkpoint_in("[1]").is_err());
    }
}
