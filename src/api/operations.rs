use crate::error::AppError;
use crate::view::ProviderOpsView;
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

/// Admins: each provider as this instance sees it (breaker, backlog, last answer and failure).
#[server(prefix = "/api", endpoint = "operations/providers", input = GetUrl)]
pub async fn provider_operations() -> Result<Vec<ProviderOpsView>, AppError> {
    use crate::domain::Permission;
    use crate::server::{ctx, services};
    ctx::run(async move {
        let (st, _) = ctx::require(Permission::ViewOperations)?;
        services::operations::providers(&st).await
    })
    .await
}
