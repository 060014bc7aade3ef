//! The Operations page: each provider as this instance sees it — configured or not, its
//! breaker, its outbox backlog, its last good answer and its last failure (with the
//! provider's trace id) — so that "Eclipse is down" is visible before reviewers ask.

use crate::domain::metrics::duration_label;
use crate::domain::verification::Provider;
use crate::error::AppError;
use crate::server::db;
use crate::server::state::AppState;
use crate::server::views::time;
use crate::view::ProviderOpsView;

pub async fn providers(st: &AppState) -> Result<Vec<ProviderOpsView>, AppError> {
    let backlog = db::operations::backlog(st.db.reader()).await?;
    let now = st.clock.now_ms();
    Ok(Provider::ALL
        .iter()
        .map(|&p| {
            let lane = backlog.iter().find(|b| b.provider == p.as_str());
            let adapter = st.providers.adapter(p);
            let health = adapter.as_ref().map(|a| a.health()).unwrap_or_default();
            let last_error = health.last_error;
            ProviderOpsView {
                provider: p.label().to_string(),
                configured: adapter.is_some(),
                breaker_open: adapter.as_ref().is_some_and(|a| a.resting()),
                pending: lane.map_or(0, |l| l.pending),
                failed: lane.map_or(0, |l| l.failed),
                oldest_pending: lane
                    .and_then(|l| l.oldest_pending_at)
                    .map(|at| duration_label(now - at)),
                last_ok_at: health.last_ok_at.map(time),
                last_error_at: last_error.as_ref().map(|e| time(e.at)),
                last_error: last_error
                    .as_ref()
                    .map(|e| format!("{}: {}", e.kind, e.message)),
                last_error_trace_id: last_error.and_then(|e| e.trace_id),
            }
        })
        .collect())
}
