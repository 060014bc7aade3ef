//! The poller: reads every due provider reference at its provider's pace
//! (jittered), a bounded number at a time. Woken early when a customer is
//! registered or a re-trigger asks for a quick look.

use crate::server::db::{self, audit::Origin};
use crate::server::services::refresh::{self, POLLER};
use crate::server::state::AppState;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// Polls every ref that is due now, at most `poll_concurrency` at once.
/// Returns how many refs were read.
pub async fn tick(st: &AppState) -> usize {
    let now = st.clock.now_ms();
    let due = match db::customers::due_refs(st.db.reader(), now, 200).await {
        Ok(d) => d,
        Err(e) => {
            tracing::error!(error = %e, "poller could not read due refs");
            return 0;
        }
    };
    let permits = Arc::new(Semaphore::new(st.settings.poll_concurrency as usize));
    let mut tasks = tokio::task::JoinSet::new();
    for r in due {
        let (st, permits) = (st.clone(), permits.clone());
        tasks.spawn(async move {
            let Ok(_permit) = permits.acquire_owned().await else {
                return;
            };
            match refresh::poll_ref(&st, &r, &POLLER, &Origin::default(), None).await {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::info!(
                    provider = %e.provider, kind = ?e.kind, code = ?e.code,
                    trace_id = ?e.trace_id, "poll failed; will retry later"
                ),
                Err(e) => tracing::error!(error = %e, "poll could not be stored"),
            }
        });
    }
    let n = tasks.len();
    while tasks.join_next().await.is_some() {}
    n
}

/// Runs until the task is aborted: a tick, then sleep until woken or a second passes.
pub async fn run(st: AppState) {
    let mut woken = st.poller.subscribe();
    loop {
        tick(&st).await;
        woken.woken_or(Duration::from_secs(1)).await;
    }
}
