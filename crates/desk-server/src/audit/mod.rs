//! The audit trail: append-only, each entry hash-chained to the one before it.
//!
//! An entry's hash is SHA-256 over the previous entry's hash and the entry's own fields encoded
//! as a JSON array (so no field can bleed into the next, whatever characters it holds). Changing,
//! removing or inserting an entry anywhere breaks the chain at that entry, and [`verify`] names
//! it. Removing entries from the end leaves a shorter chain that still verifies: compare
//! [`Verification::head`] with a copy kept elsewhere to catch that.
//!
//! No entry holds a customer's value in the clear: a search is kept as a keyed hash and a masked
//! form ([`searched`]), with the key outside the database ([`key`]), so the trail can be read by
//! roles that may not see those values and still answer "who searched for this IBAN?".

pub mod key;
pub mod searched;

use desk_core::AuditAction;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The hash the first entry chains to.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// How an audited attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// It happened.
    Ok,
    /// The agent's policy does not allow it.
    Denied,
    /// The record does not exist.
    NotFound,
}

impl Outcome {
    /// The outcome's stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Denied => "denied",
            Self::NotFound => "not_found",
        }
    }
}

/// Something to record: who did what to which resource, and how it ended.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    /// The agent's subject at the provider, or `desk-server` for the server's own acts.
    pub actor: String,
    /// What was done: `customer.search`, `customer.view`, `ticket.reply`, `sign_in`, …
    pub action: AuditAction,
    /// What it was done to: `customer:42`, `ticket:7`, `role:agent_l1`.
    pub resource: String,
    /// How it ended.
    pub outcome: Outcome,
    /// Anything else worth keeping, as JSON (a search's keyed hash and masked form, the roles
    /// at sign-in). Never a customer's value, a message body or a token.
    pub detail: serde_json::Value,
}

impl AuditEvent {
    /// An event with no detail.
    pub fn new(
        actor: impl Into<String>,
        action: AuditAction,
        resource: impl Into<String>,
        outcome: Outcome,
    ) -> Self {
        Self {
            actor: actor.into(),
            action,
            resource: resource.into(),
            outcome,
            detail: serde_json::Value::Null,
        }
    }

    /// The same event with `detail`.
    pub fn with_detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = detail;
        self
    }
}

/// An entry of the append-only audit trail. Each entry is hash-chained to the one before it:
/// `hash` is SHA-256 over `prev_hash`, a newline, and the JSON array `[seq, time, actor, action,
/// resource, outcome, detail]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditEntry {
    /// Position in the chain, from 1.
    #[schema(minimum = 1)]
    pub seq: i64,
    /// When it was recorded: RFC 3339, UTC, milliseconds.
    #[schema(format = DateTime, examples("2026-11-29T10:00:00.123Z"))]
    pub time: String,
    /// The agent's subject at the identity provider, or `desk-server` for the server's own acts.
    pub actor: String,
    /// What was done: one of `AuditAction`. Read as text, so that an entry written by a newer
    /// server still reads.
    #[schema(value_type = desk_core::AuditAction, examples("customer.view"))]
    pub action: String,
    /// What it was done to: `customer:42`, `ticket:7`, `role:agent_l1`, `layout:agent_l1`,
    /// `subject:agent1` (a wipe order), `customers`, `session`, `me`, `audit`, `roles`,
    /// `layouts`, `events`, `offline_views`.
    #[schema(examples("customer:42"))]
    pub resource: String,
    /// How it ended: it happened, the policy refused it, or the record does not exist.
    #[schema(value_type = Outcome)]
    pub outcome: String,
    /// Anything else worth keeping, as JSON text (`null` when there is nothing); never a
    /// customer value in the clear: a search's kind (`by`), a keyed hash of what was searched
    /// (`q_hmac`, HMAC-SHA256 with a server secret kept outside the database; `desk-server audit
    /// find` names the searches for a value), a form of it masked by kind (`q_masked`) and the
    /// result count, the roles and groups at sign-in, whether a reply was an internal note, the
    /// version of a policy viewed, the new versions after a definition or layout change
    /// (`version`, `policy_version`), the `Last-Event-ID` and `Desk-Last-Wipe` of an events
    /// connection (`last_event_id`, `last_wipe`), the id of a wipe ordered (`wipe_id`), the time
    /// and idempotency key of a view made offline (`viewed_at`, RFC 3339 UTC with milliseconds,
    /// and `key`), the counts of an upload (`recorded`, `duplicates`).
    #[schema(
        content_media_type = "application/json",
        examples(
            "null",
            r#"{"by":"email","q_hmac":"5f0c…","q_masked":"j•••@example.com","results":1}"#,
            r#"{"key":"q7Zk2c9fYw1xR4bN","viewed_at":"2026-11-29T08:14:03.250Z"}"#
        )
    )]
    pub detail: String,
    /// The previous entry's hash (64 zeros for the first entry).
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub prev_hash: String,
    /// This entry's hash.
    #[schema(pattern = "^[0-9a-f]{64}$")]
    pub hash: String,
}

impl AuditEntry {
    /// The entry that follows `prev` (seq and hash of the chain's head) for `event` at `time`.
    pub fn next(prev: Option<(i64, &str)>, event: &AuditEvent, time: String) -> Self {
        let (prev_seq, prev_hash) = prev.unwrap_or((0, GENESIS));
        let mut entry = AuditEntry {
            seq: prev_seq + 1,
            time,
            actor: event.actor.clone(),
            action: event.action.as_str().to_owned(),
            resource: event.resource.clone(),
            outcome: event.outcome.as_str().to_owned(),
            detail: event.detail.to_string(),
            prev_hash: prev_hash.to_owned(),
            hash: String::new(),
        };
        entry.hash = entry.compute_hash();
        entry
    }

    /// The hash this entry's fields and `prev_hash` give.
    pub fn compute_hash(&self) -> String {
        let fields = serde_json::json!([
            self.seq,
            self.time,
            self.actor,
            self.action,
            self.resource,
            self.outcome,
            self.detail,
        ]);
        let mut hasher = Sha256::new();
        hasher.update(self.prev_hash.as_bytes());
        hasher.update(b"\n");
        hasher.update(fields.to_string().as_bytes());
        hex::encode(hasher.finalize())
    }
}

/// The result of checking a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    /// Entries checked.
    pub entries: i64,
    /// The last good entry's hash ([`GENESIS`] for an empty chain).
    pub head: String,
    /// The first entry that breaks the chain, if any.
    pub broken: Option<Broken>,
}

/// Where and how a chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Broken {
    /// The position where the chain breaks: the first entry that is altered, missing or out of
    /// place.
    pub seq: i64,
    /// What is wrong with it.
    pub reason: String,
}

/// Checks entries in chain order, a page at a time: feed every page to [`Verifier::check`],
/// then call [`Verifier::finish`].
#[derive(Debug)]
pub struct Verifier {
    expected_seq: i64,
    head: String,
    broken: Option<Broken>,
}

impl Default for Verifier {
    fn default() -> Self {
        Self {
            expected_seq: 1,
            head: GENESIS.to_owned(),
            broken: None,
        }
    }
}

impl Verifier {
    /// Checks the next entries. Returns `false` once the chain is broken (no need to read on).
    pub fn check<'a>(&mut self, entries: impl IntoIterator<Item = &'a AuditEntry>) -> bool {
        for entry in entries {
            if self.broken.is_some() {
                return false;
            }
            let reason = if entry.seq != self.expected_seq {
                Some(format!(
                    "expected entry {} here, found {} (entries removed or inserted)",
                    self.expected_seq, entry.seq
                ))
            } else if entry.prev_hash != self.head {
                Some("its previous-hash does not match the entry before it".to_owned())
            } else if entry.compute_hash() != entry.hash {
                Some("its contents do not match its hash (the entry was altered)".to_owned())
            } else {
                None
            };
            match reason {
                Some(reason) => {
                    self.broken = Some(Broken {
                        seq: self.expected_seq,
                        reason,
                    })
                }
                None => {
                    self.expected_seq += 1;
                    self.head = entry.hash.clone();
                }
            }
        }
        self.broken.is_none()
    }

    /// The verdict.
    pub fn finish(self) -> Verification {
        Verification {
            entries: self.expected_seq - 1,
            head: self.head,
            broken: self.broken,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: usize) -> Vec<AuditEntry> {
        let mut entries: Vec<AuditEntry> = Vec::new();
        for i in 0..n {
            let event = AuditEvent::new(
                "agent1",
                AuditAction::CustomerView,
                format!("customer:{i}"),
                Outcome::Ok,
            )
            .with_detail(serde_json::json!({"i": i}));
            let prev = entries.last().map(|e| (e.seq, e.hash.as_str()));
            entries.push(AuditEntry::next(
                prev,
                &event,
                format!("2026-11-29T10:00:0{i}Z"),
            ));
        }
        entries
    }

    fn verify(entries: &[AuditEntry]) -> Verification {
        let mut v = Verifier::default();
        v.check(entries);
        v.finish()
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let entries = chain(5);
        let result = verify(&entries);
        assert_eq!(result.broken, None);
        assert_eq!(result.entries, 5);
        assert_eq!(result.head, entries[4].hash);
        assert_eq!(entries[0].prev_hash, GENESIS);
        assert_eq!(verify(&[]).head, GENESIS);
    }

    #[test]
    fn an_altered_field_is_found_at_its_entry() {
        for field in 0..5 {
            let mut entries = chain(5);
            let e = &mut entries[2];
            match field {
                0 => e.actor = "someone-else".into(),
                1 => e.resource = "customer:999".into(),
                2 => e.outcome = "denied".into(),
                3 => e.detail = "{}".into(),
                _ => e.time = "2020-01-01T00:00:00Z".into(),
            }
            let broken = verify(&entries).broken.expect("altered");
            assert_eq!(broken.seq, 3, "{broken:?}");
            assert!(broken.reason.contains("altered"), "{broken:?}");
        }
    }

    #[test]
    fn a_rehashed_entry_breaks_the_next_link() {
        let mut entries = chain(5);
        entries[1].actor = "forger".into();
        entries[1].hash = entries[1].compute_hash();
        let broken = verify(&entries).broken.unwrap();
        assert_eq!(broken.seq, 3);
    }

    #[test]
    fn removed_and_inserted_entries_are_found() {
        let mut entries = chain(5);
        entries.remove(1);
        assert_eq!(verify(&entries).broken.unwrap().seq, 2);

        let mut entries = chain(5);
        let extra = entries[1].clone();
        entries.insert(2, extra);
        assert_eq!(verify(&entries).broken.unwrap().seq, 3);
    }

    #[test]
    fn fields_cannot_bleed_into_each_other() {
        let a = AuditEntry::next(
            None,
            &AuditEvent::new("a\",\"b", AuditAction::SignIn, "r", Outcome::Ok),
            "t".into(),
        );
        let b = AuditEntry::next(
            None,
            &AuditEvent::new("a", AuditAction::SignIn, "r", Outcome::Ok),
            "t".into(),
        );
        assert_ne!(a.hash, b.hash);
    }
}
