use crate::error::AppError;
use crate::view::MetricsView;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

/// Managers: the metrics for a window of UTC days (`YYYY-MM-DD`; blank is
/// the last 30 days).
#[server(prefix = "/api", endpoint = "metrics/summary", input = GetUrl)]
pub async fn metrics_summary(
    from: Option<String>,
    to: Option<String>,
) -> Result<MetricsView, AppError> {
    use crate::domain::Permission;
    use crate::server::ctx;
    use crate::server::services::metrics::{self, Window};
    ctx::run(async move {
        let (st, _me) = ctx::require(Permission::ViewMetrics)?;
        let window = Window::parse(from, to, st.clock.now().date())?;
        metrics::summary(&st, window).await
    })
    .await
}
