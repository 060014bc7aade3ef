use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use time::OffsetDateTime;

/// The time, as the app sees it. Tests move it forward to expire sessions
/// and throttles without waiting, and may stop it.
#[derive(Clone, Default, Debug)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
    /// When the clock was stopped (unix ms); 0 while it runs.
    stopped_at_ms: Arc<AtomicI64>,
}

impl Clock {
    pub fn now(&self) -> OffsetDateTime {
        let base = match self.stopped_at_ms.load(Ordering::Relaxed) {
            0 => OffsetDateTime::now_utc(),
            ms => super::db::from_unix_ms(ms),
        };
        base + time::Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed))
    }

    pub fn now_ms(&self) -> i64 {
        super::db::unix_ms(self.now())
    }

    /// Moves this clock forward (tests only change time this way).
    pub fn advance(&self, by: std::time::Duration) {
        self.offset_ms
            .fetch_add(by.as_millis() as i64, Ordering::Relaxed);
    }

    /// Stops this clock where it is: from now on only [`Clock::advance`]
    /// moves it (tests whose outcome must not depend on how long they take).
    pub fn stop(&self) {
        let now = super::db::unix_ms(OffsetDateTime::now_utc());
        let _ = self
            .stopped_at_ms
            .compare_exchange(0, now, Ordering::Relaxed, Ordering::Relaxed);
    }
}
