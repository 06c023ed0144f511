//! The per-agent rate of offline uploads, and the per-client rate of SCIM requests (each request
//! one unit): a token bucket for each agent or client, kept in this process's memory.
//!
//! Each agent's bucket holds up to `burst` views and refills at `per_minute` views a minute; an
//! upload takes as many as it sends (an empty one takes one, since it still writes its own
//! entry), or nothing when the bucket holds fewer, and then says how long until it will. A full
//! bucket is the same as none, so buckets that have refilled are dropped when the map grows.
//! The rate is per process: with several replicas an agent may reach each one's rate.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Buckets kept before full ones are dropped.
const BUCKETS_MAX: usize = 10_000;

/// How fast each agent may upload offline views.
pub(super) struct UploadRate {
    per_sec: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    views: f64,
    at: Instant,
}

impl UploadRate {
    /// `per_minute` views a minute, up to `burst` at once (both above 0).
    pub(super) fn new(per_minute: u32, burst: u32) -> Self {
        Self {
            per_sec: f64::from(per_minute.max(1)) / 60.0,
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn level(&self, bucket: Option<&Bucket>, now: Instant) -> f64 {
        match bucket {
            None => self.burst,
            Some(b) => {
                let refilled = now.saturating_duration_since(b.at).as_secs_f64() * self.per_sec;
                (b.views + refilled).min(self.burst)
            }
        }
    }

    /// Takes `views` (at least one) from `agent`'s bucket at `now`; when it holds fewer, takes
    /// nothing and answers how long until it holds enough.
    pub(super) fn take(&self, agent: &str, views: usize, now: Instant) -> Result<(), Duration> {
        let cost = (views.max(1) as f64).min(self.burst);
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let level = self.level(buckets.get(agent), now);
        if level < cost {
            return Err(Duration::from_secs_f64((cost - level) / self.per_sec));
        }
        if buckets.len() >= BUCKETS_MAX && !buckets.contains_key(agent) {
            buckets.retain(|_, b| {
                let b = *b;
                self.level(Some(&b), now) < self.burst
            });
        }
        buckets.insert(
            agent.to_owned(),
            Bucket {
                views: level - cost,
                at: now,
            },
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_passes_then_the_rate_applies_and_a_refusal_takes_nothing() {
        // 60 a minute: one a second.
        let rate = UploadRate::new(60, 500);
        let t0 = Instant::now();
        assert!(rate.take("a", 500, t0).is_ok());
        let wait = rate.take("a", 10, t0).unwrap_err();
        assert_eq!(wait.as_secs_f64().ceil(), 10.0);
        // Refused uploads took nothing: after five seconds, five views pass, not fewer.
        assert!(rate.take("a", 10, t0 + Duration::from_secs(5)).is_err());
        assert!(rate.take("a", 5, t0 + Duration::from_secs(5)).is_ok());
        assert!(rate.take("a", 1, t0 + Duration::from_secs(5)).is_err());
        assert!(rate.take("a", 10, t0 + Duration::from_secs(15)).is_ok());
    }

    #[test]
    fn agents_have_their_own_buckets_and_empty_uploads_count() {
        let rate = UploadRate::new(60, 500);
        let t0 = Instant::now();
        assert!(rate.take("a", 500, t0).is_ok());
        assert!(
            rate.take("a", 0, t0).is_err(),
            "an empty upload still writes"
        );
        assert!(rate.take("b", 500, t0).is_ok());
    }

    #[test]
    fn the_bucket_never_holds_more_than_the_burst() {
        let rate = UploadRate::new(60_000, 500);
        let t0 = Instant::now();
        assert!(rate.take("a", 500, t0).is_ok());
        let later = t0 + Duration::from_secs(3600);
        assert!(rate.take("a", 500, later).is_ok());
        assert!(rate.take("a", 10, later).is_err());
    }

    #[test]
    fn full_buckets_are_dropped_when_the_map_is_full() {
        let rate = UploadRate::new(60, 500);
        let t0 = Instant::now();
        for i in 0..BUCKETS_MAX {
            rate.take(&format!("agent{i}"), 1, t0).unwrap();
        }
        rate.take("late", 1, t0 + Duration::from_secs(60)).unwrap();
        let kept = rate.buckets.lock().unwrap().len();
        assert_eq!(kept, 1, "every refilled bucket was dropped");
    }
}
