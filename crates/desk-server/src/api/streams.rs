//! The event streams open, per agent and in all, so one token cannot hold any number of them.
//!
//! Each `GET /v1/events` takes a [`StreamSlot`] before it answers: beyond the server's total
//! (`max_event_streams`) the new stream is refused (503 `too_many_streams`, `Retry-After`); beyond
//! the agent's own (`max_event_streams_per_agent`) the agent's oldest stream is told to end, so a
//! client that lost track of a stream (a laptop that slept, a window that crashed) is never
//! locked out by its own leftovers. A stream gives its place back when it ends or its connection
//! drops.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use tokio::sync::watch;

/// The streams open.
#[derive(Debug)]
pub struct Streams {
    per_agent: usize,
    total_max: usize,
    open: Mutex<Open>,
}

#[derive(Debug, Default)]
struct Open {
    next_id: u64,
    total: usize,
    /// Each agent's streams, oldest first, with the sender that ends each.
    by_agent: HashMap<String, VecDeque<(u64, watch::Sender<bool>)>>,
}

impl Streams {
    /// At most `per_agent` streams per agent and `total` in all.
    pub fn new(per_agent: usize, total: usize) -> Arc<Self> {
        Arc::new(Self {
            per_agent,
            total_max: total,
            open: Mutex::new(Open::default()),
        })
    }

    /// A place for one more stream of `subject`, ending its oldest when it has as many as it may;
    /// `None` when the server holds as many as it may.
    pub fn open(self: &Arc<Self>, subject: &str) -> Option<StreamSlot> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let held = open.by_agent.get(subject).map_or(0, VecDeque::len);
        if held < self.per_agent && open.total >= self.total_max {
            return None;
        }
        let id = open.next_id;
        open.next_id += 1;
        let (end, ended) = watch::channel(false);
        let mine = open.by_agent.entry(subject.to_owned()).or_default();
        let mut ending = Vec::new();
        while mine.len() >= self.per_agent {
            if let Some(oldest) = mine.pop_front() {
                ending.push(oldest.1);
            }
        }
        mine.push_back((id, end));
        open.total = open.total + 1 - ending.len();
        drop(open);
        for oldest in ending {
            let _ = oldest.send(true);
        }
        Some(StreamSlot {
            streams: self.clone(),
            subject: subject.to_owned(),
            id,
            ended,
        })
    }

    /// Ends every stream of `subject` at once (provisioning withdrew the agent's access); how
    /// many there were.
    pub fn end_all(&self, subject: &str) -> usize {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let ending = open.by_agent.remove(subject).unwrap_or_default();
        open.total -= ending.len();
        drop(open);
        let count = ending.len();
        for (_, end) in ending {
            let _ = end.send(true);
        }
        count
    }

    /// How many streams are open.
    #[cfg(test)]
    fn total(&self) -> usize {
        self.open.lock().unwrap_or_else(|e| e.into_inner()).total
    }
}

/// One open stream's place; given back when dropped.
#[derive(Debug)]
pub struct StreamSlot {
    streams: Arc<Streams>,
    subject: String,
    id: u64,
    /// Turns `true` when a newer stream of the same agent took this one's place.
    pub ended: watch::Receiver<bool>,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut open = self.streams.open.lock().unwrap_or_else(|e| e.into_inner());
        let Some(mine) = open.by_agent.get_mut(&self.subject) else {
            return;
        };
        let before = mine.len();
        mine.retain(|(id, _)| *id != self.id);
        let removed = before - mine.len();
        if mine.is_empty() {
            open.by_agent.remove(&self.subject);
        }
        open.total -= removed;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_agent_s_oldest_stream_ends_and_the_total_is_a_cap() {
        let streams = Streams::new(2, 3);
        let a1 = streams.open("a").unwrap();
        let a2 = streams.open("a").unwrap();
        assert!(!*a1.ended.borrow());
        let a3 = streams.open("a").unwrap();
        assert!(*a1.ended.borrow(), "the oldest is told to end");
        assert!(!*a2.ended.borrow());
        assert_eq!(streams.total(), 2);
        // Dropping the ended one gives nothing back twice.
        drop(a1);
        assert_eq!(streams.total(), 2);
        let b1 = streams.open("b").unwrap();
        assert_eq!(streams.total(), 3);
        // Full: a new agent is refused, an agent at its own limit still replaces its oldest.
        assert!(streams.open("c").is_none());
        let a4 = streams.open("a").unwrap();
        assert!(*a2.ended.borrow());
        assert_eq!(streams.total(), 3);
        drop((a2, a3, a4, b1));
        assert_eq!(streams.total(), 0);
        assert!(streams.open("c").is_some());
    }

    #[test]
    fn ending_an_agent_s_streams_ends_each_and_gives_their_places_back() {
        let streams = Streams::new(3, 3);
        let (a1, a2, b1) = (
            streams.open("a").unwrap(),
            streams.open("a").unwrap(),
            streams.open("b").unwrap(),
        );
        assert_eq!(streams.end_all("a"), 2);
        assert!(*a1.ended.borrow() && *a2.ended.borrow() && !*b1.ended.borrow());
        assert_eq!(streams.total(), 1);
        drop((a1, a2));
        assert_eq!(
            streams.total(),
            1,
            "an ended stream gives nothing back twice"
        );
        assert_eq!(streams.end_all("nobody"), 0);
    }
}
