//! Which replica does what one process does for all of them: delivering the audit trail to the
//! sink and archiving old entries. Every replica may be configured alike; the one that holds the
//! store's lead ([`Store::try_lead`]: a PostgreSQL advisory lock on a connection of its own)
//! does them, and when it goes (or loses that connection) another takes over at its next try. A
//! store one process serves needs no lead: that process does them.

use std::sync::Arc;

use tokio::sync::Mutex;

use crate::store::{Held, Lead, Store};

/// This process's hold on the lead, shared by the duties that need it.
pub struct Leader {
    store: Arc<dyn Store>,
    state: Mutex<State>,
}

enum State {
    Alone,
    Held(Box<dyn Held>),
    Not,
}

impl Leader {
    /// Not leading yet: the first [`Leader::lead`] tries.
    pub fn new(store: Arc<dyn Store>) -> Arc<Self> {
        Arc::new(Self {
            store,
            state: Mutex::new(State::Not),
        })
    }

    /// Whether this process leads now: it keeps a lead it holds while its connection answers,
    /// and tries to take one it does not hold.
    pub async fn lead(&self) -> bool {
        let mut state = self.state.lock().await;
        match &mut *state {
            State::Alone => return true,
            State::Held(held) => {
                if held.still_held().await {
                    return true;
                }
                tracing::warn!("lost the lead of the audit sink and retention with its connection");
                *state = State::Not;
            }
            State::Not => {}
        }
        match self.store.try_lead().await {
            Ok(Lead::Alone) => {
                *state = State::Alone;
                true
            }
            Ok(Lead::Held(held)) => {
                tracing::info!("this replica leads the audit sink and retention");
                *state = State::Held(held);
                true
            }
            Ok(Lead::Taken) => false,
            Err(e) => {
                tracing::warn!(error = %e, "cannot ask for the lead of the audit sink and retention");
                false
            }
        }
    }

    /// Gives the lead back (the process stops), so another replica takes it at once.
    pub async fn step_down(&self) {
        let mut state = self.state.lock().await;
        if let State::Held(held) = std::mem::replace(&mut *state, State::Not) {
            held.release().await;
        }
    }
}
