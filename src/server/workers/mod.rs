//! Background work: the poller keeps upstream results fresh; the outbox
//! delivers decisions and other side effects upstream.

pub mod outbox;
pub mod poller;

use std::sync::Arc;
use tokio::sync::watch;

/// Wakes workers early (after a commit that gave them work). Every
/// subscriber sees every wake, including one that came while it was busy.
#[derive(Clone)]
pub struct Wake {
    wakes: Arc<watch::Sender<u64>>,
}

impl Default for Wake {
    fn default() -> Wake {
        Wake {
            wakes: Arc::new(watch::Sender::new(0)),
        }
    }
}

impl Wake {
    pub fn wake(&self) {
        self.wakes.send_modify(|n| *n = n.wrapping_add(1));
    }

    pub fn subscribe(&self) -> Waker {
        Waker(self.wakes.subscribe())
    }
}

/// One worker's side of a [`Wake`].
pub struct Waker(watch::Receiver<u64>);

impl Waker {
    /// Returns at the next wake since the last call, or after `at_most`.
    pub async fn woken_or(&mut self, at_most: std::time::Duration) {
        tokio::select! {
            Ok(()) = self.0.changed() => {}
            _ = tokio::time::sleep(at_most) => {}
        }
    }
}
