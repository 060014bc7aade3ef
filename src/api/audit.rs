// Server functions take one argument per form field (that is how an HTML
// form posts them), so some take many.
#![allow(clippy::too_many_arguments)]

use super::arg::Arg;
use crate::error::AppError;
use crate::view::{ActorOption, AuditEventView, ChainStatusView, Page};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

pub const AUDIT_PAGE_SIZE: i64 = 50;

/// The audit log, newest first, filtered; reading it is itself recorded.
#[server(prefix = "/api", endpoint = "audit/list", input = GetUrl)]
pub async fn list_audit_events(
    actor: Option<String>,
    action: Option<String>,
    customer: Option<String>,
    verification: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before: Option<String>,
) -> Result<Page<AuditEventView>, AppError> {
    use crate::domain::Permission;
    use crate::server::ctx;
    use crate::server::services::audit_log;
    ctx::run(async move {
        let (st, me) = ctx::require(Permission::ViewAudit)?;
        let query = audit_log::Query::parse(actor, action, customer, verification, from, to)?;
        let before = match before.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(b) => Some(
                b.parse::<i64>()
                    .map_err(|_| AppError::validation("before", "Bad page cursor."))?,
            ),
        };
        audit_log::page(&st, &me, &ctx::origin(), &query, before, AUDIT_PAGE_SIZE).await
    })
    .await
}

/// One event with its before/after (reading it is recorded).
#[server(prefix = "/api", endpoint = "audit/get", input = GetUrl)]
pub async fn get_audit_event(seq: Arg<i64>) -> Result<AuditEventView, AppError> {
    use crate::domain::Permission;
    use crate::server::ctx;
    use crate::server::services::audit_log;
    ctx::run(async move {
        let (st, me) = ctx::require(Permission::ViewAudit)?;
        let seq = seq.read("seq")?;
        audit_log::event(&st, &me, &ctx::origin(), seq).await
    })
    .await
}

/// The people who can appear as actors (for the filter).
#[server(prefix = "/api", endpoint = "audit/actors", input = GetUrl)]
pub async fn audit_actors() -> Result<Vec<ActorOption>, AppError> {
    use crate::domain::Permission;
    use crate::server::ctx;
    use crate::server::services::audit_log;
    ctx::run(async move {
        let (st, _me) = ctx::require(Permission::ViewAudit)?;
        audit_log::actors(&st).await
    })
    .await
}

/// The chain's last known state ("verified through #N at T").
#[server(prefix = "/api", endpoint = "audit/status", input = GetUrl)]
pub async fn audit_chain_status() -> Result<Option<ChainStatusView>, AppError> {
    use crate::domain::Permission;
    use crate::server::ctx;
    use crate::server::services::audit_log;
    ctx::run(async move {
        let (st, _me) = ctx::require(Permission::ViewAudit)?;
        Ok(st.chain_status.get().map(audit_log::status_view))
    })
    .await
}

/// Recomputes the whole chain now (recorded in the trail).
#[server(prefix = "/api", endpoint = "audit/verify")]
pub async fn verify_audit_chain() -> Result<(), AppError> {
    use crate::domain::Permission;
    use crate::server::ctx;
    use crate::server::services::audit_log;
    ctx::run(async move {
        let (st, me) = ctx::require(Permission::ViewAudit)?;
        audit_log::verify_now(&st, &me, &ctx::origin()).await?;
        leptos_axum::redirect("/audit");
        Ok(())
    })
    .await
}
