//! Read budgets: how fast each agent reads, and how many customers' data leave the server to it
//! within an hour, kept in this process's memory.
//!
//! Each agent has a token bucket of reads (`ReadBudget::burst` at once, refilling at
//! `reads_per_minute`): an audited read takes one before anything is read, or is refused with how
//! long until one is there. Each agent also has the customers shown to it within the last hour
//! ([`WINDOW`]), each with when it was last shown: a read that would take them beyond
//! `bulk_customers_per_hour` raises an alert (at most once per window) and, when the budget
//! blocks, is refused; customers already in the window may be read again.
//!
//! Refusals are counted, not each recorded: per agent and kind, the first refusal in a
//! [`RECORD_EVERY`] is to be recorded, with the number refused since the previous record, and a
//! count left over is handed out at the agent's next admitted read once that much time has
//! passed. So a flood of refusals is at most one audit entry a minute per agent and kind.
//!
//! Bounded: an agent remembers at most its limit of customers (new ones beyond it are not
//! remembered, and are refused when the budget blocks); expired customers are swept at most once
//! per [`SWEEP_EVERY`], so a customer counts for an hour and at most a minute more. Agents at
//! rest (a full bucket, no customer in the window, no alert in it, nothing left to record) are
//! forgotten when [`AGENTS_MAX`] are held. The buckets are per process: with several replicas each
//! holds the agent to its part of the budget (`ReadBudget::part_of` the replicas serving), so
//! reads spread over them add up to the budget, and reads sent to one replica meet its part.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use desk_core::ReadBudget;

/// The window over which distinct customers are counted.
pub(super) const WINDOW: Duration = Duration::from_secs(3600);

/// Least time between two records of one agent's refusals of one kind.
pub(super) const RECORD_EVERY: Duration = Duration::from_secs(60);

/// Least time between two sweeps of one agent's expired customers.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// Agents kept before those at rest are forgotten.
const AGENTS_MAX: usize = 10_000;

/// Every agent's reads.
#[derive(Default)]
pub(super) struct Budgets {
    agents: Mutex<HashMap<String, Reader>>,
}

/// One agent's reads.
struct Reader {
    /// Reads in the bucket as of `at`.
    reads: f64,
    at: Instant,
    /// The bucket's size as of the last read, for telling a bucket at rest.
    burst: f64,
    /// The customers shown within the window, with when each was last shown.
    seen: HashMap<i64, Instant>,
    swept_at: Instant,
    alerted_at: Option<Instant>,
    rate: Refusals,
    bulk: Refusals,
}

/// The refusals of one kind not yet recorded.
#[derive(Default)]
struct Refusals {
    recorded_at: Option<Instant>,
    unrecorded: u64,
}

impl Refusals {
    fn due(&self, now: Instant) -> bool {
        self.recorded_at
            .is_none_or(|t| now.saturating_duration_since(t) >= RECORD_EVERY)
    }

    /// Counts a refusal; `Some(refused before it, unrecorded)` when this one is to be recorded.
    fn refuse(&mut self, now: Instant) -> Option<u64> {
        if self.due(now) {
            self.recorded_at = Some(now);
            Some(std::mem::take(&mut self.unrecorded))
        } else {
            self.unrecorded += 1;
            None
        }
    }

    /// The refusals left to record, when there are some and a record is due.
    fn left_over(&mut self, now: Instant) -> Option<u64> {
        if self.unrecorded > 0 && self.due(now) {
            self.recorded_at = Some(now);
            Some(std::mem::take(&mut self.unrecorded))
        } else {
            None
        }
    }

    /// A record that could not be written: its refusals are counted again.
    fn unrecorded(&mut self, refusals: u64) {
        self.unrecorded += refusals;
        self.recorded_at = None;
    }
}

/// An agent's distinct customers going beyond its budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Alert {
    /// Customers shown within the window, with those of this read.
    pub distinct: usize,
}

/// Whether a read may go ahead.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Admit {
    /// It may; `left_over` refusals are to be recorded first.
    Yes { left_over: Option<u64> },
    /// It may not until `retry_after`; `record` is `Some(refused before it)` when this refusal
    /// is to be recorded.
    No {
        retry_after: Duration,
        record: Option<u64>,
    },
}

/// Whether a read may show its customers.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Reveal {
    /// It may; an alert and `left_over` refusals are to be recorded.
    Yes {
        alert: Option<Alert>,
        left_over: Option<u64>,
    },
    /// It may not until `retry_after` (the budget blocks); an alert and this refusal are to be
    /// recorded as said.
    No {
        retry_after: Duration,
        alert: Option<Alert>,
        record: Option<u64>,
    },
}

impl Reader {
    fn new(budget: &ReadBudget, now: Instant) -> Self {
        Self {
            reads: f64::from(budget.burst),
            at: now,
            burst: f64::from(budget.burst),
            seen: HashMap::new(),
            swept_at: now,
            alerted_at: None,
            rate: Refusals::default(),
            bulk: Refusals::default(),
        }
    }

    fn level(&self, per_sec: f64, burst: f64, now: Instant) -> f64 {
        let refilled = now.saturating_duration_since(self.at).as_secs_f64() * per_sec;
        (self.reads + refilled).min(burst)
    }

    fn live(&self, at: Instant, now: Instant) -> bool {
        now.saturating_duration_since(at) < WINDOW
    }

    fn sweep(&mut self, now: Instant) {
        if now.saturating_duration_since(self.swept_at) >= SWEEP_EVERY {
            self.seen
                .retain(|_, &mut at| now.saturating_duration_since(at) < WINDOW);
            self.swept_at = now;
        }
    }

    /// Nothing to lose by forgetting it.
    fn at_rest(&self, now: Instant) -> bool {
        // The refill rate is not kept; a bucket that has not been touched for a window is full
        // for any rate that refills it within one, and a fuller one shows as full here.
        let full = self.reads >= self.burst || now.saturating_duration_since(self.at) >= WINDOW;
        full && self.rate.unrecorded == 0
            && self.bulk.unrecorded == 0
            && self.alerted_at.is_none_or(|t| !self.live(t, now))
            && self.seen.values().all(|&t| !self.live(t, now))
    }
}

impl Budgets {
    fn with<T>(
        &self,
        agent: &str,
        budget: &ReadBudget,
        now: Instant,
        f: impl FnOnce(&mut Reader) -> T,
    ) -> T {
        let mut agents = self.agents.lock().unwrap_or_else(|e| e.into_inner());
        if agents.len() >= AGENTS_MAX && !agents.contains_key(agent) {
            agents.retain(|_, r| !r.at_rest(now));
        }
        let reader = agents
            .entry(agent.to_owned())
            .or_insert_with(|| Reader::new(budget, now));
        f(reader)
    }

    /// Takes one read from `agent`'s bucket at `now`, or says how long until there is one.
    pub(super) fn admit(&self, agent: &str, budget: &ReadBudget, now: Instant) -> Admit {
        let per_sec = f64::from(budget.reads_per_minute.max(1)) / 60.0;
        let burst = f64::from(budget.burst.max(1));
        self.with(agent, budget, now, |r| {
            let level = r.level(per_sec, burst, now);
            r.at = now;
            r.burst = burst;
            if level >= 1.0 {
                r.reads = level - 1.0;
                Admit::Yes {
                    left_over: r.rate.left_over(now),
                }
            } else {
                r.reads = level;
                Admit::No {
                    retry_after: Duration::from_secs_f64((1.0 - level) / per_sec),
                    record: r.rate.refuse(now),
                }
            }
        })
    }

    /// Whether a read may show `customers` to `agent` at `now`, remembering those it shows.
    pub(super) fn reveal(
        &self,
        agent: &str,
        budget: &ReadBudget,
        customers: &[i64],
        now: Instant,
    ) -> Reveal {
        let limit = budget.bulk_customers_per_hour.max(1) as usize;
        self.with(agent, budget, now, |r| {
            let mut new: Vec<i64> = customers
                .iter()
                .copied()
                .filter(|id| !r.seen.get(id).is_some_and(|&t| r.live(t, now)))
                .collect();
            new.sort_unstable();
            new.dedup();
            if !new.is_empty() && r.seen.len() + new.len() > limit {
                r.sweep(now);
            }
            let distinct = r.seen.len() + new.len();
            let over = !new.is_empty() && distinct > limit;
            let alert = (over && r.alerted_at.is_none_or(|t| !r.live(t, now))).then(|| {
                r.alerted_at = Some(now);
                Alert { distinct }
            });
            if over && budget.block_bulk {
                // Room comes back when the customer shown longest ago leaves the window.
                let oldest = r.seen.values().min().copied().unwrap_or(now);
                return Reveal::No {
                    retry_after: (oldest + WINDOW).saturating_duration_since(now),
                    alert,
                    record: r.bulk.refuse(now),
                };
            }
            for id in customers {
                if let Some(at) = r.seen.get_mut(id) {
                    *at = now;
                }
            }
            for id in new {
                if r.seen.len() >= limit {
                    break;
                }
                r.seen.insert(id, now);
            }
            Reveal::Yes {
                alert,
                left_over: r.bulk.left_over(now),
            }
        })
    }

    /// A record of `refusals` refusals of the rate (`bulk` false) or of customers that could
    /// not be written: they are counted again, and the next refusal is recorded.
    pub(super) fn unrecorded(&self, agent: &str, bulk: bool, refusals: u64) {
        let mut agents = self.agents.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(r) = agents.get_mut(agent) {
            if bulk {
                r.bulk.unrecorded(refusals);
            } else {
                r.rate.unrecorded(refusals);
            }
        }
    }

    /// An alert that could not be written: the next read beyond the limit alerts again.
    pub(super) fn alert_unrecorded(&self, agent: &str) {
        let mut agents = self.agents.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(r) = agents.get_mut(agent) {
            r.alerted_at = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(reads_per_minute: u32, burst: u32, customers: u32, block: bool) -> ReadBudget {
        ReadBudget {
            reads_per_minute,
            burst,
            bulk_customers_per_hour: customers,
            block_bulk: block,
        }
    }

    fn admitted(a: Admit) -> bool {
        matches!(a, Admit::Yes { .. })
    }

    #[test]
    fn a_burst_passes_then_the_rate_applies_and_a_refusal_takes_nothing() {
        // 60 a minute: one a second.
        let b = budget(60, 5, 1000, false);
        let budgets = Budgets::default();
        let t0 = Instant::now();
        for _ in 0..5 {
            assert!(admitted(budgets.admit("a", &b, t0)));
        }
        let Admit::No { retry_after, .. } = budgets.admit("a", &b, t0) else {
            panic!("the sixth at once is refused");
        };
        assert_eq!(retry_after.as_secs_f64().ceil(), 1.0);
        // Refusals took nothing: after 2.5 s, two reads pass, not fewer.
        let later = t0 + Duration::from_millis(2500);
        assert!(admitted(budgets.admit("a", &b, later)));
        assert!(admitted(budgets.admit("a", &b, later)));
        assert!(!admitted(budgets.admit("a", &b, later)));
        // Never more than the burst, however long the wait.
        let much_later = t0 + Duration::from_secs(3600);
        for _ in 0..5 {
            assert!(admitted(budgets.admit("a", &b, much_later)));
        }
        assert!(!admitted(budgets.admit("a", &b, much_later)));
    }

    #[test]
    fn agents_have_their_own_buckets_and_a_smaller_budget_applies_at_once() {
        let budgets = Budgets::default();
        let t0 = Instant::now();
        let b = budget(60, 2, 1000, false);
        assert!(admitted(budgets.admit("a", &b, t0)));
        assert!(admitted(budgets.admit("a", &b, t0)));
        assert!(!admitted(budgets.admit("a", &b, t0)));
        assert!(admitted(budgets.admit("b", &b, t0)));
        let big = budget(60, 100, 1000, false);
        let c = "c";
        assert!(admitted(budgets.admit(c, &big, t0)));
        // 99 left of 100, cut to 2.
        assert!(admitted(budgets.admit(c, &b, t0)));
        assert!(admitted(budgets.admit(c, &b, t0)));
        assert!(!admitted(budgets.admit(c, &b, t0)));
    }

    #[test]
    fn a_flood_of_refusals_is_recorded_once_a_minute_with_its_count() {
        let b = budget(60, 1, 1000, false);
        let budgets = Budgets::default();
        let t0 = Instant::now();
        assert!(admitted(budgets.admit("a", &b, t0)));
        let record = |a: Admit| match a {
            Admit::No { record, .. } => record,
            Admit::Yes { .. } => panic!("admitted"),
        };
        assert_eq!(record(budgets.admit("a", &b, t0)), Some(0), "the first");
        for _ in 0..99 {
            assert_eq!(record(budgets.admit("a", &b, t0)), None);
        }
        // A read admitted within the minute records nothing; one after it, the rest.
        let t1 = t0 + Duration::from_secs(2);
        assert_eq!(budgets.admit("a", &b, t1), Admit::Yes { left_over: None });
        assert_eq!(record(budgets.admit("a", &b, t1)), None);
        let t2 = t0 + RECORD_EVERY;
        assert_eq!(
            budgets.admit("a", &b, t2),
            Admit::Yes {
                left_over: Some(100)
            }
        );
        // The refusals since are handed out a minute on; a record that failed counts its
        // refusals again, and the next refusal is recorded with them.
        assert_eq!(record(budgets.admit("a", &b, t2)), None);
        let t3 = t2 + RECORD_EVERY;
        assert_eq!(
            budgets.admit("a", &b, t3),
            Admit::Yes { left_over: Some(1) }
        );
        assert_eq!(record(budgets.admit("a", &b, t3)), None);
        budgets.unrecorded("a", false, 1);
        assert_eq!(record(budgets.admit("a", &b, t3)), Some(2));
    }

    fn reveal(budgets: &Budgets, b: &ReadBudget, ids: &[i64], now: Instant) -> Reveal {
        budgets.reveal("a", b, ids, now)
    }

    #[test]
    fn going_beyond_the_customers_of_an_hour_alerts_once_per_window() {
        let b = budget(60, 10, 10, false);
        let budgets = Budgets::default();
        let t0 = Instant::now();
        let ids: Vec<i64> = (1..=10).collect();
        assert_eq!(
            reveal(&budgets, &b, &ids, t0),
            Reveal::Yes {
                alert: None,
                left_over: None
            }
        );
        // The same customers again are not new.
        assert_eq!(
            reveal(&budgets, &b, &[3, 3, 4], t0),
            Reveal::Yes {
                alert: None,
                left_over: None
            }
        );
        assert_eq!(
            reveal(&budgets, &b, &[11, 12], t0),
            Reveal::Yes {
                alert: Some(Alert { distinct: 12 }),
                left_over: None
            }
        );
        for id in 13..100 {
            assert_eq!(
                reveal(&budgets, &b, &[id], t0 + Duration::from_secs(60)),
                Reveal::Yes {
                    alert: None,
                    left_over: None
                },
                "one alert per window"
            );
        }
        // Memory stays at the limit whatever is read.
        assert_eq!(budgets.agents.lock().unwrap()["a"].seen.len(), 10);
        // An hour later the window has emptied; going beyond again alerts again.
        let t1 = t0 + WINDOW;
        let ids: Vec<i64> = (200..=210).collect();
        assert_eq!(
            reveal(&budgets, &b, &ids, t1),
            Reveal::Yes {
                alert: Some(Alert { distinct: 11 }),
                left_over: None
            }
        );
    }

    #[test]
    fn a_blocking_budget_refuses_new_customers_but_not_those_seen_until_the_window_slides() {
        let b = budget(60, 10, 3, true);
        let budgets = Budgets::default();
        let t0 = Instant::now();
        assert!(matches!(
            reveal(&budgets, &b, &[1, 2], t0),
            Reveal::Yes { .. }
        ));
        assert!(matches!(
            reveal(&budgets, &b, &[3], t0 + Duration::from_secs(600)),
            Reveal::Yes { .. }
        ));
        // A page of one seen and two new customers is refused whole.
        let t1 = t0 + Duration::from_secs(900);
        let Reveal::No {
            retry_after,
            alert,
            record,
        } = reveal(&budgets, &b, &[1, 4, 5], t1)
        else {
            panic!("beyond the limit");
        };
        assert_eq!(alert, Some(Alert { distinct: 5 }));
        assert_eq!(record, Some(0));
        // Customer 1 or 2, shown first, leaves the window 45 minutes on.
        assert_eq!(retry_after, Duration::from_secs(2700));
        // Customers already shown are shown again, and that keeps them in the window.
        assert!(matches!(
            reveal(&budgets, &b, &[1, 3], t1),
            Reveal::Yes { .. }
        ));
        let Reveal::No { alert, record, .. } = reveal(&budgets, &b, &[6], t1) else {
            panic!("still beyond");
        };
        assert_eq!(
            (alert, record),
            (None, None),
            "alerted and recorded already"
        );
        // When customer 2 leaves the window, there is room for one more.
        let t2 = t0 + WINDOW;
        assert_eq!(
            reveal(&budgets, &b, &[6], t2),
            Reveal::Yes {
                alert: None,
                left_over: Some(1)
            }
        );
        assert!(matches!(reveal(&budgets, &b, &[7], t2), Reveal::No { .. }));
    }

    #[test]
    fn agents_at_rest_are_forgotten_when_the_map_is_full() {
        let b = budget(60, 10, 10, false);
        let budgets = Budgets::default();
        let t0 = Instant::now();
        for i in 0..AGENTS_MAX {
            budgets.admit(&format!("agent{i}"), &b, t0);
        }
        // One agent still has a customer in its window an hour later.
        budgets.reveal("agent0", &b, &[1], t0 + Duration::from_secs(1800));
        budgets.admit("late", &b, t0 + WINDOW);
        let agents = budgets.agents.lock().unwrap();
        assert_eq!(agents.len(), 2, "every agent at rest was forgotten");
        assert!(agents.contains_key("agent0") && agents.contains_key("late"));
    }
}
