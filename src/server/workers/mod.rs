//! Background work: the poller keeps upstream results fresh; the outbox
//! delivers decisions and other side effects upstream.

pub mod outbox;
pub mod poller;

use std::sync::Arc;
use tokio::sync::Notify;

/// Wakes a worker early (after a commit that gave it work).
#[derive(Clone, Default)]
pub struct Wake {
    notify: Arc<Notify>,
}

impl Wake {
    pub fn wake(&self) {
        self.notify.notify_one();
    }

    pub async fn notified(&self) {
        self.notify.notified().await
    }
}
