//! What provisioning says of an agent's request: refused when the agent's SCIM user is inactive
//! or deleted, or when the token was issued before the user name last lost access (so giving
//! access back lets the agent in with a new sign-in, not with a token from before); and, with
//! `roles_from = "scim"`, the displayNames of the agent's SCIM groups, which `role_map` maps to
//! roles. The link is the access token's `scim_user_claim` (`preferred_username` unless
//! configured) equal to a user's `userName`, whatever its case. A token without that claim, or
//! naming a user name never provisioned, is not provisioning's to refuse: it goes on with the
//! token's groups (`roles_from = "token"`) or with no role (`"scim"`).
//!
//! What is read is kept in memory ([`Known`]): the first request of a user name reads it (the
//! user, the name's withdrawal and its groups, in one query) and later ones find it there, until
//! a SCIM write empties what is known, so a change counts from the next agent request on. A read
//! that began before a write is never kept after it (the write's generation says so). Within
//! this process only: replicas must tell each other of SCIM writes (issue 19).

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, RwLock};

use desk_core::{AuditAction, Role};

use crate::api::{ApiError, Server};
use crate::audit::{AuditEvent, Outcome};
use crate::config::RolesFrom;
use crate::store::{ScimAccess, StoreError};
use crate::token::Claims;

/// User names known at most before what is known is emptied (only a shortcut).
const KNOWN_MAX: usize = 100_000;

/// What this process knows of user names' provisioning, as last read, and the generation of
/// SCIM writes it was read in. Kept only while it is told of every SCIM write: its own, and
/// the other replicas' while it follows them ([`Known::trust`]).
#[derive(Debug, Default)]
pub struct Known {
    inner: RwLock<KnownInner>,
}

#[derive(Debug, Default)]
struct KnownInner {
    generation: u64,
    /// Set while the announcements of other replicas cannot be followed: nothing is kept.
    distrusted: bool,
    access: HashMap<String, Arc<ScimAccess>>,
}

impl Known {
    /// What is known of `key`, and the generation to keep a fresh read under.
    fn get(&self, key: &str) -> (u64, Option<Arc<ScimAccess>>) {
        let inner = self.inner.read().unwrap_or_else(|e| e.into_inner());
        (inner.generation, inner.access.get(key).cloned())
    }

    /// Keeps `access` of `key`, read in `generation`, unless a write came since or nothing may
    /// be kept now.
    fn keep(&self, generation: u64, key: &str, access: Arc<ScimAccess>) {
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        if inner.generation != generation || inner.distrusted {
            return;
        }
        if inner.access.len() >= KNOWN_MAX {
            inner.access.clear();
        }
        inner.access.insert(key.to_owned(), access);
    }

    /// Forgets everything: a SCIM write is about to commit, or has.
    pub fn forget(&self) {
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        inner.generation += 1;
        inner.access.clear();
    }

    /// Whether what is read may be kept: not while another replica's SCIM write could go
    /// untold (`api::replicas` cannot follow them). Distrusting forgets everything.
    pub(crate) fn trust(&self, trusted: bool) {
        let mut inner = self.inner.write().unwrap_or_else(|e| e.into_inner());
        inner.distrusted = !trusted;
        if !trusted {
            inner.generation += 1;
            inner.access.clear();
        }
    }
}

/// Why provisioning refuses a request, or `None` when it does not.
pub fn refusal(access: &ScimAccess, issued_at: Option<i64>) -> Option<&'static str> {
    match (access.active, access.withdrawn_at) {
        (Some(false), _) => Some("the SCIM user is inactive"),
        (None, Some(_)) => Some("the SCIM user was deleted"),
        (_, Some(at)) if issued_at.is_none_or(|iat| iat <= at) => {
            Some("the token was issued before access was withdrawn")
        }
        _ => None,
    }
}

impl Server {
    /// The roles of the agent behind `claims`: from its token's groups or its SCIM groups, as
    /// `roles_from` says; 401 `access_withdrawn` when provisioning withdrew its access (the first
    /// refusal of each token audited as `access.refused`).
    pub(in crate::api) async fn roles_of(
        &self,
        claims: &Claims,
    ) -> Result<BTreeSet<Role>, ApiError> {
        let key = claims.user_key.as_deref();
        match self.provisioned(key, claims.issued_at).await? {
            Ok(access) => Ok(match self.config.roles_from {
                RolesFrom::Token => self.roles_for(&claims.groups),
                RolesFrom::Scim => self.roles_for(&access.groups),
            }),
            Err(why) => {
                let first = self
                    .first_use(&format!("withdrawn:{}", claims.token_id), claims.expires_at)
                    .await;
                if first {
                    let event = AuditEvent::new(
                        &claims.subject,
                        AuditAction::AccessRefused,
                        "session",
                        Outcome::Denied,
                    )
                    .with_detail(serde_json::json!({"user_name": key, "why": why}));
                    self.audit(event).await?;
                }
                Err(ApiError::AccessWithdrawn {
                    wipe_id: self.last_wipe(&claims.subject).await?,
                })
            }
        }
    }

    /// The last wipe ordered for `subject`, if any.
    async fn last_wipe(&self, subject: &str) -> Result<Option<i64>, StoreError> {
        let page = desk_api::WIPES_PAGE;
        let mut last = None;
        loop {
            let wipes = self.store.wipes(subject, last.unwrap_or(0), page).await?;
            match wipes.last() {
                Some(w) => last = Some(w.id),
                None => return Ok(last),
            }
            if wipes.len() < page as usize {
                return Ok(last);
            }
        }
    }

    /// What is known of the (lowercased) user name `key` (nothing for a token without one),
    /// or why its access is withdrawn.
    pub(in crate::api) async fn provisioned(
        &self,
        key: Option<&str>,
        issued_at: Option<i64>,
    ) -> Result<Result<Arc<ScimAccess>, &'static str>, StoreError> {
        let Some(key) = key else {
            return Ok(Ok(Arc::default()));
        };
        let access = match self.provisioning.get(key) {
            (_, Some(known)) => known,
            (generation, None) => {
                let read = Arc::new(self.store.scim_access(key).await?);
                self.provisioning.keep(generation, key, read.clone());
                read
            }
        };
        Ok(match refusal(&access, issued_at) {
            Some(why) => Err(why),
            None => Ok(access),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access(active: Option<bool>, withdrawn_at: Option<i64>) -> ScimAccess {
        ScimAccess {
            active,
            withdrawn_at,
            groups: Vec::new(),
        }
    }

    #[test]
    fn a_read_begun_before_a_write_is_not_kept_after_it() {
        let known = Known::default();
        let (generation, none) = known.get("agent1");
        assert!(none.is_none());
        known.forget();
        known.keep(generation, "agent1", Arc::new(access(Some(true), None)));
        assert!(
            known.get("agent1").1.is_none(),
            "stale: the write came between"
        );
        let (generation, _) = known.get("agent1");
        known.keep(generation, "agent1", Arc::new(access(Some(false), None)));
        assert_eq!(known.get("agent1").1.unwrap().active, Some(false));
        known.forget();
        assert!(known.get("agent1").1.is_none());
        // While the other replicas' writes cannot be followed, nothing is kept.
        let (generation, _) = known.get("agent1");
        known.keep(generation, "agent1", Arc::new(access(Some(true), None)));
        known.trust(false);
        assert!(known.get("agent1").1.is_none());
        let (generation, _) = known.get("agent1");
        known.keep(generation, "agent1", Arc::new(access(Some(true), None)));
        assert!(known.get("agent1").1.is_none(), "kept while distrusted");
        known.trust(true);
        let (generation, _) = known.get("agent1");
        known.keep(generation, "agent1", Arc::new(access(Some(true), None)));
        assert!(known.get("agent1").1.is_some());
    }

    #[test]
    fn withdrawn_names_refuse_tokens_from_before_and_inactive_users_every_token() {
        // Never provisioned: not provisioning's to refuse.
        assert_eq!(refusal(&access(None, None), Some(100)), None);
        assert_eq!(refusal(&access(Some(true), None), None), None);
        assert!(refusal(&access(Some(false), None), Some(100)).is_some());
        assert!(
            refusal(&access(None, Some(50)), Some(100)).is_some(),
            "deleted"
        );
        // Given back: a token from after the withdrawal goes on, one from before (or the same
        // second, or without `iat`) does not.
        assert_eq!(refusal(&access(Some(true), Some(50)), Some(51)), None);
        assert!(refusal(&access(Some(true), Some(50)), Some(50)).is_some());
        assert!(refusal(&access(Some(true), Some(50)), None).is_some());
    }
}
