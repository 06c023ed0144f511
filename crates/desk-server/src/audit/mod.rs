//! The audit trail: append-only, each entry linked to the one before it under a key.
//!
//! An entry's link (`hash`) is HMAC-SHA256, under the audit key ([`key`], a file outside the
//! database), of the previous entry's link and the entry's own fields encoded as a JSON array (so
//! no field can bleed into the next, whatever characters it holds). Changing, removing or
//! inserting an entry anywhere breaks the chain at that entry, and [`Verifier`] names it; without
//! the key nobody can compute the links again after such a change, so a chain whose later links
//! were recomputed by someone who can write the database (and has read this code) still breaks.
//! Someone holding the key could relink a rewritten chain, and removing entries from the end
//! leaves a shorter chain that still verifies: signed checkpoints of the head, kept outside the
//! database ([`checkpoint`]), catch both.
//!
//! Entries written before links were keyed hold plain SHA-256 over the same input. They are
//! accepted only as the chain's beginning, before its first keyed entry (whose link holds the
//! last of them in place); a chain with no keyed entry at all proves nothing and does not verify.
//!
//! No entry holds a customer's value in the clear: a search is kept as a keyed hash and a masked
//! form ([`searched`]), with the key outside the database ([`key`]), so the trail can be read by
//! roles that may not see those values and still answer "who searched for this IBAN?".

pub mod checkpoint;
pub mod export;
pub mod key;
pub mod retention;
pub mod searched;
pub mod sink;
pub mod trail;

use desk_core::AuditAction;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use key::AuditKey;

/// The hash the first entry chains to.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// How an audited attempt ended: desk-core's closed set, so the window's filter is typed by it.
pub use desk_core::audit::Outcome;

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

/// An entry of the append-only audit trail. Each entry is chained to the one before it: `hash`
/// is HMAC-SHA256, under the audit key, over `prev_hash`, a newline, and the JSON array `[seq,
/// time, actor, action, resource, outcome, detail]` (plain SHA-256 for entries written before
/// links were keyed).
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
    /// (`version`, `policy_version`) and what it changed (`changes`: each member of a definition
    /// that differs, a field's redaction before and after, the pages of a layout whose widgets
    /// differ), the `Last-Event-ID` and `Desk-Last-Wipe` of an events
    /// connection (`last_event_id`, `last_wipe`), the id of a wipe ordered (`wipe_id`), the time
    /// and idempotency key of a view made offline (`viewed_at`, RFC 3339 UTC with milliseconds,
    /// and `key`), the counts of an upload (`recorded`, `duplicates`), the filters of a read of
    /// the trail (`actor`, `action`, `since`, `until`).
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
    /// The entry that follows `prev` (seq and hash of the chain's head) for `event` at `time`,
    /// linked under `key`.
    pub fn next(
        key: &AuditKey,
        prev: Option<(i64, &str)>,
        event: &AuditEvent,
        time: String,
    ) -> Self {
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
        entry.hash = entry.link(key);
        entry
    }

    /// The link this entry's fields and `prev_hash` give under `key`.
    pub fn link(&self, key: &AuditKey) -> String {
        key.link_hex(self.linked_text().as_bytes())
    }

    /// The plain SHA-256 link of an entry written before links were keyed.
    pub fn legacy_link(&self) -> String {
        hex::encode(Sha256::digest(self.linked_text().as_bytes()))
    }

    /// What a link covers: the previous link, a newline, and the fields as a JSON array.
    fn linked_text(&self) -> String {
        let fields = serde_json::json!([
            self.seq,
            self.time,
            self.actor,
            self.action,
            self.resource,
            self.outcome,
            self.detail,
        ]);
        format!("{}\n{fields}", self.prev_hash)
    }
}

/// The result of checking a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    /// The entry the check began after: 0 from the chain's beginning, else the last entry
    /// archived (or the last one before an archive file that does not begin at entry 1).
    pub after: i64,
    /// Entries checked.
    pub entries: i64,
    /// How many of them, at the beginning, were written before links were keyed.
    pub unkeyed: i64,
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
///
/// A chain whose oldest entries were archived ([`retention`]) is checked from the archive's
/// last entry on ([`Verifier::after`]), and holds only if an `audit.archive` entry, linked
/// under the key, records that archive ([`Verifier::archived_through`]): deleting the oldest
/// entries and saying they were archived needs the key too.
#[derive(Debug)]
pub struct Verifier<'k> {
    key: &'k AuditKey,
    after: i64,
    expected_seq: i64,
    head: String,
    unkeyed: i64,
    keyed_seen: bool,
    /// The archive the chain must record, and whether an entry did.
    archive: Option<((i64, String), bool)>,
    /// Positions whose links are kept as they pass (for checkpoints of archived entries).
    remember: std::collections::BTreeMap<i64, Option<String>>,
    broken: Option<Broken>,
}

impl<'k> Verifier<'k> {
    /// A verifier of links made under `key`, from the chain's first entry.
    pub fn new(key: &'k AuditKey) -> Self {
        Self::after(key, 0, GENESIS)
    }

    /// A verifier of the entries after entry `seq`, whose link was `hash`.
    pub fn after(key: &'k AuditKey, seq: i64, hash: &str) -> Self {
        Self {
            key,
            after: seq,
            expected_seq: seq + 1,
            head: hash.to_owned(),
            unkeyed: 0,
            keyed_seen: false,
            archive: None,
            remember: Default::default(),
            broken: None,
        }
    }

    /// Requires the chain to hold an `audit.archive` entry recording that the entries up to
    /// `seq` (whose link was `hash`) were archived.
    pub fn archived_through(&mut self, seq: i64, hash: &str) {
        self.archive = Some(((seq, hash.to_owned()), false));
    }

    /// Keeps the links of the entries at `seqs` as they pass: [`Verifier::link_at`].
    /// The position the check begins after counts as passed, with the link it begins from.
    pub fn remember(&mut self, seqs: impl IntoIterator<Item = i64>) {
        let (after, start) = (self.after, self.head.clone());
        self.remember.extend(
            seqs.into_iter()
                .map(|s| (s, (s == after && s > 0).then(|| start.clone()))),
        );
    }

    /// The link of a remembered entry that was checked and held, if it passed.
    pub fn link_at(&self, seq: i64) -> Option<&str> {
        self.remember.get(&seq)?.as_deref()
    }

    /// Breaks the chain at the next entry for `reason`, unless it broke already.
    pub fn refuse(&mut self, reason: String) {
        if self.broken.is_none() {
            self.broken = Some(Broken {
                seq: self.expected_seq,
                reason,
            });
        }
    }

    /// The position and link of the last good entry so far.
    pub fn head(&self) -> (i64, &str) {
        (self.expected_seq - 1, &self.head)
    }

    /// Checks the next entries. Returns `false` once the chain is broken (no need to read on).
    pub fn check<'a>(&mut self, entries: impl IntoIterator<Item = &'a AuditEntry>) -> bool {
        for entry in entries {
            if self.broken.is_some() {
                return false;
            }
            match self.fault(entry) {
                Some(reason) => {
                    self.broken = Some(Broken {
                        seq: self.expected_seq,
                        reason,
                    })
                }
                None => self.accept(entry),
            }
        }
        self.broken.is_none()
    }

    /// What is wrong with `entry` in the next place, if anything.
    fn fault(&mut self, entry: &AuditEntry) -> Option<String> {
        if entry.seq != self.expected_seq {
            Some(format!(
                "expected entry {} here, found {} (entries removed or inserted)",
                self.expected_seq, entry.seq
            ))
        } else if entry.prev_hash != self.head {
            Some("its previous-hash does not match the entry before it".to_owned())
        } else if entry.link(self.key) == entry.hash {
            self.keyed_seen = true;
            None
        } else if !self.keyed_seen && entry.legacy_link() == entry.hash {
            self.unkeyed += 1;
            None
        } else {
            Some(
                "its contents do not match its link (the entry was altered, or linked without \
                 the audit key)"
                    .to_owned(),
            )
        }
    }

    /// Takes `entry` as the chain's next.
    fn accept(&mut self, entry: &AuditEntry) {
        if let Some(((seq, hash), recorded)) = &mut self.archive {
            // Only a keyed entry says so: an unkeyed one anybody could have written.
            *recorded |= self.keyed_seen
                && entry.action == AuditAction::AuditArchive.as_str()
                && retention::records(entry, *seq, hash);
        }
        if let Some(link) = self.remember.get_mut(&entry.seq) {
            *link = Some(entry.hash.clone());
        }
        self.expected_seq += 1;
        self.head = entry.hash.clone();
    }

    /// The verdict. A chain of entries none of which is keyed does not verify: anyone could
    /// have written it; nor does one that begins after an archive no keyed entry records.
    pub fn finish(self) -> Verification {
        let entries = self.expected_seq - 1 - self.after;
        let unrecorded = match &self.archive {
            Some(((seq, _), false)) => Some(Broken {
                seq: seq + 1,
                reason: format!(
                    "the chain begins after entry {seq} as if the entries up to it were archived, \
                     but no `audit.archive` entry linked under the key records that (entries \
                     were deleted)"
                ),
            }),
            _ => None,
        };
        let broken = self.broken.or(unrecorded).or_else(|| {
            (entries > 0 && !self.keyed_seen).then(|| Broken {
                seq: self.after + 1,
                reason: "no entry is linked under the audit key, so nothing proves the chain \
                         (it predates keyed links, or was rewritten without the key)"
                    .to_owned(),
            })
        });
        Verification {
            after: self.after,
            entries,
            unkeyed: self.unkeyed,
            head: self.head,
            broken,
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
                &key(),
                prev,
                &event,
                format!("2026-11-29T10:00:0{i}Z"),
            ));
        }
        entries
    }

    fn key() -> AuditKey {
        AuditKey::from_bytes([3; 32])
    }

    fn verify(entries: &[AuditEntry]) -> Verification {
        let key = key();
        let mut v = Verifier::new(&key);
        v.check(entries);
        v.finish()
    }

    /// `entries` with an `audit.archive` entry appended that records the archive through
    /// `through`, linked under `key`.
    fn with_archive_entry(
        mut entries: Vec<AuditEntry>,
        through: &AuditEntry,
        key: &AuditKey,
    ) -> Vec<AuditEntry> {
        let detail = retention::ArchiveDetail {
            through: through.seq,
            hash: through.hash.clone(),
            entries: through.seq,
            archive: retention::file_name(1, through.seq),
        };
        let event = AuditEvent::new(
            "desk-server",
            AuditAction::AuditArchive,
            "audit",
            Outcome::Ok,
        )
        .with_detail(serde_json::to_value(detail).unwrap());
        let prev = entries.last().map(|e| (e.seq, e.hash.as_str()));
        let entry = AuditEntry::next(key, prev, &event, "2026-11-29T11:00:00.000Z".into());
        entries.push(entry);
        entries
    }

    #[test]
    fn a_chain_after_an_archive_verifies_only_when_a_keyed_entry_records_the_archive() {
        let key = key();
        let all = with_archive_entry(chain(6), &chain(6)[2], &key);
        let kept = &all[3..];
        let check = |entries: &[AuditEntry], through: &AuditEntry| {
            let mut v = Verifier::after(&key, through.seq, &through.hash);
            v.archived_through(through.seq, &through.hash);
            v.check(entries);
            v.finish()
        };
        let result = check(kept, &all[2]);
        assert_eq!(result.broken, None);
        assert_eq!((result.after, result.entries), (3, 4));

        // Deleting more than was archived, and claiming the archive went further: no keyed
        // entry records that, so it is found.
        let result = check(&all[4..], &all[3]);
        let broken = result.broken.unwrap();
        assert_eq!(broken.seq, 5);
        assert!(broken.reason.contains("audit.archive"), "{}", broken.reason);

        // The same record written without the key does not count.
        let mut forged = all.clone();
        let last = forged.last_mut().unwrap();
        last.hash = last.legacy_link();
        let result = check(&forged[3..], &all[2]);
        assert_eq!(result.broken.unwrap().seq, 7);

        // An archive entry for another position records nothing here.
        let other = with_archive_entry(chain(6), &chain(6)[1], &key);
        assert!(check(&other[3..], &other[2]).broken.is_some());

        // Remembered links are those of entries that passed.
        let mut v = Verifier::new(&key);
        v.remember([2, 5, 40]);
        v.check(&all);
        assert_eq!(v.link_at(2), Some(all[1].hash.as_str()));
        assert_eq!(v.link_at(5), Some(all[4].hash.as_str()));
        assert_eq!(v.link_at(40), None);
        assert_eq!(v.link_at(3), None, "not asked for");
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
        entries[1].hash = entries[1].link(&key());
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
    fn a_chain_relinked_without_the_key_breaks_where_it_was_changed() {
        // What someone who can write the database (and read this code) can do without the key:
        // change an entry and compute every later link again, as plain SHA-256 or under a
        // key of their own.
        for forged_key in [None, Some(AuditKey::from_bytes([9; 32]))] {
            let mut entries = chain(5);
            entries[2].resource = "customer:999".into();
            for i in 2..entries.len() {
                if i > 2 {
                    entries[i].prev_hash = entries[i - 1].hash.clone();
                }
                entries[i].hash = match &forged_key {
                    None => entries[i].legacy_link(),
                    Some(k) => entries[i].link(k),
                };
            }
            let broken = verify(&entries).broken.expect("relinked without the key");
            assert_eq!(broken.seq, 3, "{broken:?}");
        }
    }

    #[test]
    fn unkeyed_entries_are_held_only_as_the_beginning_of_a_keyed_chain() {
        // A chain from before keyed links: plain SHA-256 links, then keyed ones after it.
        let mut entries = chain(5);
        for i in 0..3 {
            if i > 0 {
                entries[i].prev_hash = entries[i - 1].hash.clone();
            }
            entries[i].hash = entries[i].legacy_link();
        }
        for i in 3..5 {
            entries[i].prev_hash = entries[i - 1].hash.clone();
            entries[i].hash = entries[i].link(&key());
        }
        let result = verify(&entries);
        assert_eq!(result.broken, None);
        assert_eq!((result.entries, result.unkeyed), (5, 3));
        // An unkeyed entry after a keyed one is a forgery.
        let mut forged = entries.clone();
        forged[4].hash = forged[4].legacy_link();
        assert_eq!(verify(&forged).broken.unwrap().seq, 5);
        // A chain with no keyed entry at all (every keyed one removed, the rest forged) proves
        // nothing.
        let broken = verify(&entries[..3]).broken.expect("nothing keyed");
        assert!(broken.reason.contains("audit key"), "{broken:?}");
    }

    #[test]
    fn the_clients_audit_entry_reads_every_member_the_server_writes() {
        let entry = chain(1).remove(0);
        let written = serde_json::to_value(&entry).unwrap();
        let read: desk_api::AuditRecord = serde_json::from_value(written.clone()).unwrap();
        assert_eq!(serde_json::to_value(&read).unwrap(), written);
    }

    #[test]
    fn fields_cannot_bleed_into_each_other() {
        let a = AuditEntry::next(
            &key(),
            None,
            &AuditEvent::new("a\",\"b", AuditAction::SignIn, "r", Outcome::Ok),
            "t".into(),
        );
        let b = AuditEntry::next(
            &key(),
            None,
            &AuditEvent::new("a", AuditAction::SignIn, "r", Outcome::Ok),
            "t".into(),
        );
        assert_ne!(a.hash, b.hash);
    }
}
