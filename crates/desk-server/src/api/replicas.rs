//! Replicas: several `serve` processes on one database, each answering any request. What one of
//! them changes that the others hold in memory or push to their event streams — role definitions
//! and layouts, the policy version, wipes, what provisioning allows — it announces through the
//! store ([`Store::announce`]) once the change committed; every other one follows the
//! announcements ([`follow`]) and does what the announcing one did for its own clients.
//!
//! Following is a listener (PostgreSQL's LISTEN/NOTIFY) that wakes a read of the announcements
//! after the last one handled, so a notification lost with a connection loses nothing: after a
//! reconnect the read catches up, and role definitions, layouts and the policy version are read
//! again whole. While the listener is down, announcements are polled every
//! [`POLL_WHILE_DOWN`], and what is known of provisioning is not kept between requests (each
//! request reads it), so a withdrawal on another replica is never missed for longer than a poll.
//! A store only one process serves (SQLite) has no listener, and following ends at once.
//!
//! [`Store::announce`]: crate::store::Store::announce

use std::collections::BTreeSet;
use std::sync::{Arc, Weak};
use std::time::Duration;

use desk_core::Role;
use serde::{Deserialize, Serialize};

use super::server::{Change, Server};
use crate::store::{Store, StoreError};

/// How often announcements are read while the listener is down.
pub const POLL_WHILE_DOWN: Duration = Duration::from_millis(500);

/// Most announcements read at once.
const PAGE: u32 = 200;

/// What a replica tells the others; each is also what it does for its own clients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum Announcement {
    /// Role definitions or layouts of these roles changed; the policy version is `version`.
    Policy {
        /// The roles concerned.
        roles: BTreeSet<Role>,
        /// The policy version after the change.
        version: u64,
    },
    /// These agents' roles from provisioning may have changed.
    Agents {
        /// The agents concerned.
        subjects: BTreeSet<String>,
        /// The policy version after the change.
        version: u64,
    },
    /// A wipe of every device of `subject` was ordered.
    Wipe {
        /// The agent.
        subject: String,
        /// The stored order's id.
        wipe_id: i64,
    },
    /// Provisioning changed: what is known of it is stale. The agents in `ended` lost their
    /// access: their streams end.
    Provisioning {
        /// The agents whose access was withdrawn.
        ended: BTreeSet<String>,
        /// The policy version after the change, when it raised it.
        version: Option<u64>,
    },
}

impl Server {
    /// Does for this process's clients what `announcement` says, and announces it to the other
    /// replicas. A change that cannot be announced is logged: it committed, this process's
    /// clients have it, and the others see it when they next read the store.
    pub(crate) async fn tell(&self, announcement: Announcement) {
        self.apply(&announcement);
        let body = serde_json::to_string(&announcement).expect("an announcement serializes");
        if let Err(e) = self.store.announce(&self.replica_id, &body).await {
            tracing::error!(
                error = %e,
                "a change could not be announced to the other replicas; their clients get it on \
                 their next policy or wipe check"
            );
        }
    }

    /// Does what `announcement` says for this process's clients: state in memory was brought up
    /// to date by whoever calls this.
    fn apply(&self, announcement: &Announcement) {
        // Nobody listening is fine throughout.
        match announcement {
            Announcement::Policy { roles, version } => {
                self.raise_policy_version(*version);
                let _ = self.changes.send(Change::Policy {
                    roles: roles.clone(),
                    version: *version,
                });
            }
            Announcement::Agents { subjects, version } => {
                self.raise_policy_version(*version);
                let _ = self.changes.send(Change::Agents {
                    subjects: subjects.clone(),
                    version: *version,
                });
            }
            Announcement::Wipe { subject, wipe_id } => {
                let _ = self.changes.send(Change::Wipe {
                    subject: subject.clone(),
                    wipe_id: *wipe_id,
                });
            }
            Announcement::Provisioning { ended, version } => {
                self.provisioning.forget();
                if let Some(version) = version {
                    self.raise_policy_version(*version);
                }
                for subject in ended {
                    self.streams.end_all(subject);
                }
            }
        }
    }

    /// Brings this process's copy of another replica's change up to date, then does what it
    /// says for this process's clients.
    async fn receive(&self, announcement: Announcement) -> Result<(), StoreError> {
        if let Announcement::Policy { .. } = announcement {
            self.reload_policy().await?;
        }
        self.apply(&announcement);
        Ok(())
    }

    /// Reads role definitions, layouts and the policy version again from the store.
    async fn reload_policy(&self) -> Result<(), StoreError> {
        let definitions = self.store.role_definitions().await?;
        let layouts = self.store.layouts().await?;
        let version = self.store.policy_version().await?;
        {
            let mut held = self.roles.write().await;
            held.clear();
            held.extend(definitions.into_iter().map(|r| (r.definition.role, r)));
        }
        {
            let mut held = self.layouts.write().await;
            held.clear();
            held.extend(layouts.into_iter().map(|l| (l.role, l)));
        }
        self.raise_policy_version(version);
        Ok(())
    }

    /// Handles every announcement after `last` (other processes' ones; this one's own it did
    /// already) and returns the number of the last one read.
    async fn catch_up(&self, mut last: i64) -> Result<i64, StoreError> {
        loop {
            let page = self.store.announcements(last, PAGE).await?;
            for announced in &page {
                last = announced.id;
                if announced.origin == self.replica_id {
                    continue;
                }
                match serde_json::from_str::<Announcement>(&announced.body) {
                    Ok(announcement) => self.receive(announcement).await?,
                    // A newer replica's kind of announcement: the whole state is read again.
                    Err(e) => {
                        tracing::warn!(error = %e, id = announced.id, "an announcement this version does not read; reading the state again");
                        self.provisioning.forget();
                        self.reload_policy().await?;
                    }
                }
            }
            if page.len() < PAGE as usize {
                return Ok(last);
            }
        }
    }
}

/// How often a replica says it serves ([`crate::store::Store::heartbeat`]).
pub const HEARTBEAT: Duration = Duration::from_secs(2);

impl Server {
    /// How many replicas serve the store, as last heard (1 for a store one process serves).
    pub(crate) fn replicas_serving(&self) -> u32 {
        self.replicas_serving
            .load(std::sync::atomic::Ordering::Relaxed)
            .max(1)
    }

    /// Says this replica stops serving, so the others count it out at once.
    pub async fn leave(&self) {
        if let Err(e) = self.store.heartbeat(&self.replica_id, true).await {
            tracing::warn!(error = %e, "could not tell the other replicas that this one stops");
        }
    }
}

/// Says every [`HEARTBEAT`] that this replica serves and keeps how many do, for as long as the
/// server lives. While the store cannot be reached, the last count stays.
pub(super) async fn beat(server: Weak<Server>) {
    let mut every = tokio::time::interval(HEARTBEAT);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let Some(held) = server.upgrade() else { return };
        match held.store.heartbeat(&held.replica_id, false).await {
            Ok(serving) => held
                .replicas_serving
                .store(serving, std::sync::atomic::Ordering::Relaxed),
            Err(e) => tracing::debug!(error = %e, "no heartbeat"),
        }
    }
}

/// Follows the other replicas' announcements after the one numbered `last` (read before the
/// server read its state), for as long as the server lives. Returns at once for a store only
/// one process serves.
pub(super) async fn follow(server: Weak<Server>, store: Arc<dyn Store>, mut last: i64) {
    let mut down_since: Option<std::time::Instant> = None;
    loop {
        match store.listen().await {
            Ok(None) => return,
            Ok(Some(mut listener)) => {
                let Some(held) = server.upgrade() else { return };
                // Listening from here on: what came before it is read now.
                if down_since.take().is_some() {
                    tracing::info!("following the other replicas again");
                    held.provisioning.forget();
                    if let Err(e) = held.reload_policy().await {
                        tracing::warn!(error = %e, "could not read the state again after reconnecting");
                    }
                }
                match held.catch_up(last).await {
                    Ok(read) => last = read,
                    Err(e) => tracing::warn!(error = %e, "could not read the announcements"),
                }
                held.provisioning.trust(true);
                drop(held);
                loop {
                    if let Err(e) = listener.wait().await {
                        tracing::warn!(error = %e, "lost the connection that follows the other replicas; polling until it is back");
                        break;
                    }
                    let Some(held) = server.upgrade() else { return };
                    match held.catch_up(last).await {
                        Ok(read) => last = read,
                        Err(e) => tracing::warn!(error = %e, "could not read the announcements"),
                    }
                }
            }
            Err(e) => {
                if down_since.is_none() {
                    tracing::warn!(error = %e, "cannot follow the other replicas; polling until it can");
                }
            }
        }
        let Some(held) = server.upgrade() else { return };
        held.provisioning.trust(false);
        down_since.get_or_insert_with(std::time::Instant::now);
        if let Ok(read) = held.catch_up(last).await {
            last = read;
        }
        drop(held);
        tokio::time::sleep(POLL_WHILE_DOWN).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn announcements_read_back_as_written_and_refuse_what_they_do_not_know() {
        let all = [
            Announcement::Policy {
                roles: [Role::AgentL1, Role::Admin].into(),
                version: 7,
            },
            Announcement::Agents {
                subjects: ["agent1".to_owned()].into(),
                version: 8,
            },
            Announcement::Wipe {
                subject: "agent2".into(),
                wipe_id: 3,
            },
            Announcement::Provisioning {
                ended: ["agent2".to_owned()].into(),
                version: None,
            },
        ];
        for a in all {
            let text = serde_json::to_string(&a).unwrap();
            assert_eq!(serde_json::from_str::<Announcement>(&text).unwrap(), a);
        }
        let text = r#"{"kind":"policy","roles":["agent_l1"],"version":1,"more":true}"#;
        assert!(serde_json::from_str::<Announcement>(text).is_err());
        assert!(serde_json::from_str::<Announcement>(r#"{"kind":"later"}"#).is_err());
    }
}
