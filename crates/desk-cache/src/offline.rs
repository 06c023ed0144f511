//! How long the cache may be read without the server.
//!
//! The signed policy bounds it: cached records may be read while the policy is valid and for its
//! offline grace after that ([`Offline::Allowed`]). Then the cache is locked: nothing is read, but
//! an agent who comes back online gets a fresh policy and carries on ([`Offline::Locked`]). A
//! cache nobody has unlocked for [`HARD_LIMIT_SECS`] after that is to be shredded
//! ([`Offline::Shred`]). Time is an argument: this module reads no clock.

use desk_core::policy::MAX_CACHE_SECS;
use desk_core::signed::PolicyClaims;
use serde::Serialize;

/// How long a locked cache is kept before it is to be shredded: a week.
pub const HARD_LIMIT_SECS: i64 = 7 * 24 * 3600;

/// What the cache may do at a given time, by the last policy it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum Offline {
    /// Cached records may be read until `until` (seconds since the epoch, exclusive).
    Allowed {
        /// The policy's expiry plus its offline grace.
        until: i64,
    },
    /// Nothing may be read from the cache until a fresh policy arrives.
    Locked {
        /// When the cache is to be shredded if no fresh policy arrives first.
        shred_at: i64,
    },
    /// The cache has been locked too long: delete its key, then its file.
    Shred,
}

/// The state of a cache whose last policy is `claims`, at `now` (seconds since the epoch).
///
/// Allowed while `now < exp + grace`, locked while `now < exp + grace + HARD_LIMIT_SECS`, to be
/// shredded from then on. A grace longer than [`MAX_CACHE_SECS`] (which no valid role definition
/// gives) counts as that; sums that would overflow saturate.
pub fn offline_state(claims: &PolicyClaims, now: i64) -> Offline {
    let grace = claims.policy.cache.offline_grace_secs.min(MAX_CACHE_SECS);
    let until = claims
        .exp
        .saturating_add(i64::try_from(grace).unwrap_or(i64::MAX));
    let shred_at = until.saturating_add(HARD_LIMIT_SECS);
    if now < until {
        Offline::Allowed { until }
    } else if now < shred_at {
        Offline::Locked { shred_at }
    } else {
        Offline::Shred
    }
}

#[cfg(test)]
mod tests {
    use desk_core::Policy;
    use desk_core::signed::Layout;

    use super::*;

    fn claims(exp: i64, grace: u64) -> PolicyClaims {
        let mut policy = Policy::default();
        policy.cache.offline_grace_secs = grace;
        PolicyClaims {
            iss: "https://desk.example".into(),
            sub: "agent".into(),
            aud: "desk".into(),
            iat: exp.saturating_sub(3600),
            exp,
            version: 1,
            policy,
            layout: Layout::default(),
            audit_checkpoint: None,
        }
    }

    #[test]
    fn reading_is_allowed_until_expiry_plus_grace_exclusive() {
        let c = claims(1_000_000, 600);
        let until = 1_000_600;
        for now in [0, 999_999, 1_000_000, 1_000_001, until - 1] {
            assert_eq!(offline_state(&c, now), Offline::Allowed { until }, "{now}");
        }
        let shred_at = until + HARD_LIMIT_SECS;
        for now in [until, until + 1, shred_at - 1] {
            assert_eq!(
                offline_state(&c, now),
                Offline::Locked { shred_at },
                "{now}"
            );
        }
        for now in [shred_at, shred_at + 1, i64::MAX] {
            assert_eq!(offline_state(&c, now), Offline::Shred, "{now}");
        }
    }

    #[test]
    fn without_grace_the_cache_locks_at_expiry() {
        let c = claims(5_000, 0);
        assert_eq!(offline_state(&c, 4_999), Offline::Allowed { until: 5_000 });
        assert!(matches!(offline_state(&c, 5_000), Offline::Locked { .. }));
    }

    #[test]
    fn an_oversized_grace_counts_as_the_longest_allowed() {
        let c = claims(0, u64::MAX);
        let until = i64::try_from(MAX_CACHE_SECS).unwrap();
        assert_eq!(offline_state(&c, 0), Offline::Allowed { until });
        assert!(matches!(offline_state(&c, until), Offline::Locked { .. }));
    }

    #[test]
    fn extreme_times_saturate_instead_of_wrapping() {
        let c = claims(i64::MAX - 10, 600);
        assert_eq!(
            offline_state(&c, i64::MAX - 1),
            Offline::Allowed { until: i64::MAX }
        );
        let c = claims(i64::MIN, 0);
        assert!(matches!(
            offline_state(&c, i64::MIN),
            Offline::Locked { .. }
        ));
        assert_eq!(offline_state(&c, 0), Offline::Shred);
    }
}
