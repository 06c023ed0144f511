//! Signed checkpoints of the audit chain's head, to be kept outside the database.
//!
//! A checkpoint says "the chain's entry `seq` had link `hash` at `time`", signed with the policy
//! signing key (Ed25519) as a JWS of its own type, so that it is never taken for a policy. The
//! server makes one at least every minute while the chain grows and one when it stops
//! ([`crate::api::Server::checkpoint`]), records it and logs it; `desk-server audit checkpoint`
//! prints the current one. Kept elsewhere (a log, a SIEM, a client), a checkpoint later shows
//! whether the chain still holds that head: a chain rewritten, relinked with the key, cut short
//! or with an entry removed or inserted before `seq` no longer does ([`held`]), while one that
//! has only grown since still does.

use desk_core::signed::{Checkpoint, PolicyKey, PublicKey, verify_checkpoint};
use serde::{Deserialize, Serialize};

use super::GENESIS;
use crate::store::{Store, StoreError};

/// A checkpoint as one JSON line: what it says, in the clear for people and tools, and the
/// signed form that proves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckpointLine {
    /// The position of the chain's last entry (0 for an empty chain).
    pub seq: i64,
    /// That entry's link.
    pub hash: String,
    /// When the checkpoint was made (RFC 3339, UTC, milliseconds).
    pub time: String,
    /// The same three, signed: a compact JWS typed `desk-audit-checkpoint+jwt`.
    pub signed: String,
}

impl CheckpointLine {
    /// Signs the head `(seq, hash)` as of `time` with `key`.
    pub fn sign(key: &PolicyKey, seq: i64, hash: &str, time: String) -> Self {
        let checkpoint = Checkpoint {
            seq,
            hash: hash.to_owned(),
            time,
        };
        Self {
            signed: key.sign_checkpoint(&checkpoint),
            seq: checkpoint.seq,
            hash: checkpoint.hash,
            time: checkpoint.time,
        }
    }

    /// Reads a line and checks its signature against `keys`; the clear fields must say what
    /// the signed ones do.
    pub fn verify(line: &str, keys: &[PublicKey]) -> Result<Checkpoint, String> {
        let parsed: Self =
            serde_json::from_str(line).map_err(|e| format!("not a checkpoint line: {e}"))?;
        parsed.check(keys)
    }

    /// Checks the signature against `keys`: what it signs, when the clear fields say the same.
    pub fn check(&self, keys: &[PublicKey]) -> Result<Checkpoint, String> {
        let checkpoint = verify_checkpoint(&self.signed, keys).map_err(|e| e.to_string())?;
        if (
            checkpoint.seq,
            checkpoint.hash.as_str(),
            checkpoint.time.as_str(),
        ) != (self.seq, self.hash.as_str(), self.time.as_str())
        {
            return Err("its fields differ from what is signed".into());
        }
        Ok(checkpoint)
    }
}

/// The checkpoint of the chain as `store` holds it now, signed with `key`.
pub async fn current(store: &dyn Store, key: &PolicyKey) -> Result<CheckpointLine, StoreError> {
    let (seq, hash) = store.audit_head().await?.unwrap_or((0, GENESIS.to_owned()));
    let time = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    Ok(CheckpointLine::sign(key, seq, &hash, time))
}

/// Whether the chain in `store` still holds `checkpoint`'s head: `Err` says how it does not.
/// Only the entry at the checkpoint's position is compared; that the chain is intact up to it
/// (and after) is [`super::Verifier`]'s to check.
pub async fn held(
    store: &dyn Store,
    checkpoint: &Checkpoint,
) -> Result<Result<(), String>, StoreError> {
    if checkpoint.seq == 0 {
        return Ok(Ok(()));
    }
    let entry = store
        .audit_from(checkpoint.seq, 1)
        .await?
        .into_iter()
        .next();
    Ok(match entry {
        Some(entry) if entry.seq == checkpoint.seq && entry.hash == checkpoint.hash => Ok(()),
        Some(entry) if entry.seq == checkpoint.seq => Err(format!(
            "entry {} is not the one checkpointed at {} (the chain was rewritten up to it)",
            checkpoint.seq, checkpoint.time
        )),
        _ => Err(format!(
            "the chain no longer reaches entry {}, checkpointed at {} (entries were removed)",
            checkpoint.seq, checkpoint.time
        )),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> PolicyKey {
        PolicyKey::from_seed("policy-test", &[7; 32])
    }

    #[test]
    fn a_line_verifies_with_its_key_and_nothing_else() {
        let line = CheckpointLine::sign(
            &key(),
            42,
            &"a".repeat(64),
            "2026-12-04T10:00:00.000Z".into(),
        );
        let text = serde_json::to_string(&line).unwrap();
        let checkpoint = CheckpointLine::verify(&text, &[key().public()]).unwrap();
        assert_eq!(
            (checkpoint.seq, checkpoint.hash.as_str()),
            (42, "a".repeat(64).as_str())
        );
        let other = PolicyKey::from_seed("policy-test", &[8; 32]);
        assert!(CheckpointLine::verify(&text, &[other.public()]).is_err());
        // The clear fields cannot say something else than the signature.
        let mut forged = line.clone();
        forged.seq = 41;
        let forged = serde_json::to_string(&forged).unwrap();
        assert!(
            CheckpointLine::verify(&forged, &[key().public()])
                .unwrap_err()
                .contains("differ")
        );
    }

    #[test]
    fn a_checkpoint_is_never_a_policy_nor_a_policy_a_checkpoint() {
        let line = CheckpointLine::sign(&key(), 1, &"b".repeat(64), "t".into());
        let expect = desk_core::signed::Expect {
            subject: "agent1",
            audience: "support-desk",
            now: 0,
            skew: 60,
            last_version: None,
        };
        assert!(desk_core::signed::verify(&line.signed, &[key().public()], &expect).is_err());
        let policy = key().sign(&desk_core::signed::PolicyClaims {
            iss: "desk-server".into(),
            sub: "agent1".into(),
            aud: "support-desk".into(),
            iat: 0,
            exp: 60,
            version: 1,
            policy: desk_core::Policy::default(),
            layout: desk_core::signed::Layout::default(),
            audit_checkpoint: None,
        });
        assert!(verify_checkpoint(&policy, &[key().public()]).is_err());
    }
}
