//! The role definitions in force, and the effective policy of each set of roles agents hold:
//! every request needs its agent's policy, and deriving one walks every field, widget and action
//! of each role, so a policy is derived once per role set and kept until a definition changes.
//!
//! What holds: a kept policy is always the one the definitions in force give. Every change goes
//! through a write guard ([`RoleWrite`]), which lets go of every kept policy when it ends, while
//! it still holds the write lock; a policy is derived and kept under the read lock, so never from
//! definitions that a change is replacing.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use desk_core::{Policy, Role};
use tokio::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::store::StoredRole;

/// The definitions by role.
pub(super) type Definitions = BTreeMap<Role, StoredRole>;

/// The role definitions in force, with the policies derived from them: at most one per subset of
/// `Role::ALL`, so the kept ones need no bound of their own.
pub(super) struct RoleTable {
    definitions: RwLock<Definitions>,
    policies: Mutex<HashMap<BTreeSet<Role>, Arc<Policy>>>,
}

impl RoleTable {
    pub(super) fn new(definitions: Definitions) -> Self {
        Self {
            definitions: RwLock::new(definitions),
            policies: Mutex::new(HashMap::new()),
        }
    }

    /// The definitions, to read.
    pub(super) async fn read(&self) -> RwLockReadGuard<'_, Definitions> {
        self.definitions.read().await
    }

    /// The definitions, to change; the kept policies go when the guard does.
    pub(super) async fn write(&self) -> RoleWrite<'_> {
        RoleWrite {
            definitions: self.definitions.write().await,
            policies: &self.policies,
        }
    }

    /// The effective policy of an agent holding `roles`: the union of their definitions (roles
    /// with none add nothing).
    pub(super) async fn policy(&self, roles: &BTreeSet<Role>) -> Arc<Policy> {
        let definitions = self.definitions.read().await;
        if let Some(kept) = kept(&self.policies).get(roles) {
            return kept.clone();
        }
        let policy = Arc::new(Policy::of(
            roles
                .iter()
                .filter_map(|r| definitions.get(r))
                .map(|s| &s.definition),
        ));
        kept(&self.policies).insert(roles.clone(), policy.clone());
        // Kept before the read lock goes: a change waits for it, then lets this one go too.
        drop(definitions);
        policy
    }
}

fn kept(
    policies: &Mutex<HashMap<BTreeSet<Role>, Arc<Policy>>>,
) -> MutexGuard<'_, HashMap<BTreeSet<Role>, Arc<Policy>>> {
    policies.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The definitions held for a change. When it ends, every kept policy goes with it.
pub(super) struct RoleWrite<'a> {
    definitions: RwLockWriteGuard<'a, Definitions>,
    policies: &'a Mutex<HashMap<BTreeSet<Role>, Arc<Policy>>>,
}

impl Deref for RoleWrite<'_> {
    type Target = Definitions;

    fn deref(&self) -> &Definitions {
        &self.definitions
    }
}

impl DerefMut for RoleWrite<'_> {
    fn deref_mut(&mut self) -> &mut Definitions {
        &mut self.definitions
    }
}

impl Drop for RoleWrite<'_> {
    fn drop(&mut self) {
        // Runs before the write lock (a field) is released.
        kept(self.policies).clear();
    }
}

#[cfg(test)]
mod tests {
    use desk_core::{Field, Redaction};

    use super::*;
    use crate::api::server::parse_role_definitions;

    fn table() -> RoleTable {
        let definitions = parse_role_definitions(crate::api::server::DEFAULT_ROLES).unwrap();
        RoleTable::new(
            definitions
                .into_iter()
                .map(|definition| {
                    let stored = StoredRole {
                        definition,
                        version: 1,
                        updated_at: "2026-12-07T00:00:00.000Z".into(),
                        updated_by: "defaults".into(),
                    };
                    (stored.definition.role, stored)
                })
                .collect(),
        )
    }

    #[tokio::test]
    async fn a_role_set_s_policy_is_derived_once_and_again_after_any_change() {
        let table = table();
        let agent: BTreeSet<Role> = [Role::AgentL1].into();
        let first = table.policy(&agent).await;
        assert!(Arc::ptr_eq(&first, &table.policy(&agent).await), "kept");
        let derived = Policy::of([&table.read().await[&Role::AgentL1].definition]);
        assert_eq!(*first, derived);

        // A change hides the e-mail field from first-line agents: the next policy says so.
        assert!(first.fields.contains_key(&Field::CustomerEmail));
        table
            .write()
            .await
            .get_mut(&Role::AgentL1)
            .unwrap()
            .definition
            .fields
            .insert(Field::CustomerEmail, Redaction::Hidden);
        let after = table.policy(&agent).await;
        assert!(
            !after.fields.contains_key(&Field::CustomerEmail),
            "{after:?}"
        );

        // A write guard that changed nothing still lets the kept policies go.
        drop(table.write().await);
        assert!(!Arc::ptr_eq(&after, &table.policy(&agent).await));
    }

    #[tokio::test]
    async fn every_role_set_gets_the_union_of_its_definitions() {
        let table = table();
        let sets = 1usize << Role::ALL.len();
        for bits in 0..sets {
            let roles: BTreeSet<Role> = (Role::ALL.iter().enumerate())
                .filter(|(n, _)| bits & (1 << n) != 0)
                .map(|(_, r)| *r)
                .collect();
            let definitions = table.read().await;
            let union = Policy::of(roles.iter().map(|r| &definitions[r].definition));
            drop(definitions);
            assert_eq!(*table.policy(&roles).await, union, "{roles:?}");
        }
        assert_eq!(kept(&table.policies).len(), sets, "one kept per role set");
        assert_eq!(*table.policy(&BTreeSet::new()).await, Policy::default());
    }
}
