// Server functions take one argument per form field (that is how an HTML
// form posts them), so some take many.
#![allow(clippy::too_many_arguments)]

use super::arg::Arg;
use crate::error::AppError;
use crate::view::{CaseView, InboxView, Page, QueueItem};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

/// The verification queue (filters as in the page's GET form).
#[server(prefix = "/api", endpoint = "cases/queue", input = GetUrl)]
pub async fn list_queue(
    view: Option<String>,
    provider: Option<String>,
    upstream: Option<String>,
    review: Option<String>,
    category: Option<String>,
    age: Option<String>,
    sort: Option<String>,
    assignee: Option<String>,
    after: Option<String>,
) -> Result<Page<QueueItem>, AppError> {
    use crate::domain::Permission;
    use crate::server::ctx;
    use crate::server::services::cases::{self, QueueQuery};
    ctx::run(async move {
        let (st, me) = ctx::require(Permission::ViewCases)?;
        let q = QueueQuery {
            view,
            provider,
            upstream,
            review,
            category,
            age,
            sort,
            assignee,
        };
        cases::queue(&st, &me, &q, after.as_deref()).await
    })
    .await
}

/// How many cases wait in each of the caller's inboxes.
#[server(prefix = "/api", endpoint = "cases/inbox", input = GetUrl)]
pub async fn inbox_counts() -> Result<InboxView, AppError> {
    use crate::domain::Permission;
    use crate::server::ctx;
    use crate::server::services::cases;
    ctx::run(async move {
        let (st, me) = ctx::require(Permission::ViewCases)?;
        cases::inbox(&st, &me).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "cases/get", input = GetUrl)]
pub async fn get_case(id: Arg<i64>) -> Result<CaseView, AppError> {
    use crate::domain::Permission;
    use crate::server::ctx;
    use crate::server::services::{cases, customers};
    ctx::run(async move {
        let (st, me) = ctx::require(Permission::ViewCases)?;
        let id = id.read("id")?;
        let customer_id = cases::customer_of(&st, id).await?;
        let session: tower_sessions::Session = leptos_axum::extract()
            .await
            .map_err(|_| AppError::internal())?;
        let revealed = customers::pii_revealed(&session, customer_id, st.clock.now_ms()).await?;
        let mut case = cases::case(&st, &me, id, revealed).await?;
        case.draft = crate::server::session::take_draft(&session, &format!("/cases/{id}")).await?;
        Ok(case)
    })
    .await
}

#[server(prefix = "/api", endpoint = "cases/claim")]
pub async fn claim_case(id: Arg<i64>, version: Arg<i64>) -> Result<(), AppError> {
    use crate::domain::Permission;
    use crate::server::ctx;
    use crate::server::services::cases;
    ctx::run(async move {
        let (st, me) = ctx::require(Permission::WorkCases)?;
        let id = id.read("id")?;
        let version = version.read("version")?;
        cases::claim(&st, &me, &ctx::origin(), id, version)
            .await
            .map_err(|e| e.unsaved("claim"))?;
        leptos_axum::redirect(&format!("/cases/{id}"));
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "cases/release")]
pub async fn release_case(id: Arg<i64>, version: Arg<i64>) -> Result<(), AppError> {
    use crate::domain::Permission;
    use crate::server::ctx;
    use crate::server::services::cases;
    ctx::run(async move {
        let (st, me) = ctx::require(Permission::WorkCases)?;
        let id = id.read("id")?;
        let version = version.read("version")?;
        cases::release(&st, &me, &ctx::origin(), id, version)
            .await
            .map_err(|e| e.unsaved("release"))?;
        leptos_axum::redirect(&format!("/cases/{id}"));
        Ok(())
    })
    .await
}

/// Compliance officers assign a case to someone.
#[server(prefix = "/api", endpoint = "cases/assign")]
pub async fn assign_case(
    id: Arg<i64>,
    version: Arg<i64>,
    assignee: String,
) -> Result<(), AppError> {
    use crate::domain::Permission;
    use crate::server::ctx;
    use crate::server::services::cases;
    ctx::run(async move {
        let (st, me) = ctx::require(Permission::SuperviseCases)?;
        let id = id.read("id")?;
        let version = version.read("version")?;
        let to = assignee
            .trim()
            .parse::<i64>()
            .map_err(|_| AppError::validation("assignee", "Choose a person."))?;
        cases::assign(&st, &me, &ctx::origin(), id, version, to)
            .await
            .map_err(|e| e.unsaved("assignment"))?;
        leptos_axum::redirect(&format!("/cases/{id}"));
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "cases/note")]
pub async fn add_case_note(id: Arg<i64>, body: String) -> Result<(), AppError> {
    use crate::domain::Permission;
    use crate::server::ctx;
    use crate::server::services::cases;
    ctx::run(async move {
        let (st, me) = ctx::require(Permission::ViewCases)?;
        let id = id.read("id")?;
        let added = cases::add_note(&st, &me, &ctx::origin(), id, &body).await;
        ctx::keeping_draft(&format!("/cases/{id}"), "note", &[("body", &body)], added)
            .await
            .map_err(|e| e.unsaved("note"))?;
        leptos_axum::redirect(&format!("/cases/{id}#notes"));
        Ok(())
    })
    .await
}

/// Approve or decline (final, or a proposal when four eyes are needed);
/// then on to the next case.
#[server(prefix = "/api", endpoint = "cases/decide")]
pub async fn decide_case(
    id: Arg<i64>,
    version: Arg<i64>,
    decision: String,
    reason: String,
    note: String,
    last_note: Option<Arg<i64>>,
) -> Result<(), AppError> {
    use crate::domain::Permission;
    use crate::server::ctx;
    use crate::server::services::cases::{self, Decided};
    ctx::run(async move {
        let (st, me) = ctx::require(Permission::WorkCases)?;
        let id = id.read("id")?;
        let seen = cases::Seen {
            version: version.read("version")?,
            last_note: last_note.map(|n| n.read("last_note")).transpose()?,
        };
        let done = cases::decide(
            &st,
            &me,
            &ctx::origin(),
            id,
            seen,
            &decision,
            &reason,
            &note,
        )
        .await;
        let typed = [
            ("decision", &*decision),
            ("reason", &reason),
            ("note", &note),
        ];
        let done = ctx::keeping_draft(&format!("/cases/{id}"), "decide", &typed, done)
            .await
            .map_err(|e| e.unsaved("decision"))?;
        let next = match done {
            Decided::Final => cases::next_case(&st, &me, id).await?,
            Decided::Proposed => None,
        };
        match next {
            Some(n) => leptos_axum::redirect(&format!("/cases/{n}?done={id}")),
            None => leptos_axum::redirect(&format!("/cases/{id}")),
        }
        Ok(())
    })
    .await
}

/// A reviewer hands a four-eyes case to the compliance officers.
#[server(prefix = "/api", endpoint = "cases/escalate")]
pub async fn escalate_case(id: Arg<i64>, version: Arg<i64>, note: String) -> Result<(), AppError> {
    use crate::domain::Permission;
    use crate::server::ctx;
    use crate::server::services::cases;
    ctx::run(async move {
        let (st, me) = ctx::require(Permission::WorkCases)?;
        let id = id.read("id")?;
        let version = version.read("version")?;
        let escalated = cases::escalate(&st, &me, &ctx::origin(), id, version, &note).await;
        ctx::keeping_draft(
            &format!("/cases/{id}"),
            "escalate",
            &[("note", &note)],
            escalated,
        )
        .await
        .map_err(|e| e.unsaved("escalation"))?;
        leptos_axum::redirect(&format!("/cases/{id}"));
        Ok(())
    })
    .await
}

/// A second compliance officer confirms or rejects a proposal.
#[server(prefix = "/api", endpoint = "cases/second")]
pub async fn second_decision(
    id: Arg<i64>,
    version: Arg<i64>,
    verdict: String,
    note: String,
    last_note: Option<Arg<i64>>,
) -> Result<(), AppError> {
    use crate::domain::Permission;
    use crate::server::ctx;
    use crate::server::services::cases;
    ctx::run(async move {
        let (st, me) = ctx::require(Permission::SuperviseCases)?;
        let id = id.read("id")?;
        let seen = cases::Seen {
            version: version.read("version")?,
            last_note: last_note.map(|n| n.read("last_note")).transpose()?,
        };
        let confirm = match verdict.trim() {
            "confirm" => true,
            "reject" => false,
            _ => return Err(AppError::validation("verdict", "Confirm or reject.")),
        };
        let seconded = cases::second(&st, &me, &ctx::origin(), id, seen, confirm, &note).await;
        ctx::keeping_draft(
            &format!("/cases/{id}"),
            "second",
            &[("note", &note)],
            seconded,
        )
        .await
        .map_err(|e| e.unsaved("decision"))?;
        leptos_axum::redirect(&format!("/cases/{id}"));
        Ok(())
    })
    .await
}

/// A compliance officer retries a failed upstream push.
#[server(prefix = "/api", endpoint = "cases/retry-push")]
pub async fn retry_push(outbox_id: Arg<i64>) -> Result<(), AppError> {
    use crate::domain::Permission;
    use crate::server::ctx;
    use crate::server::workers::outbox;
    ctx::run(async move {
        let (st, me) = ctx::require(Permission::SuperviseCases)?;
        let outbox_id = outbox_id.read("outbox_id")?;
        let id = outbox::retry(&st, &me, &ctx::origin(), outbox_id).await?;
        leptos_axum::redirect(&format!("/cases/{id}"));
        Ok(())
    })
    .await
}

/// Asks the provider to run KYC again (re-ratify, liveness, new session,
/// new workflow), with the seeds' guards.
#[server(prefix = "/api", endpoint = "cases/retrigger")]
pub async fn retrigger_case(
    id: Arg<i64>,
    action: String,
    confirm: Option<String>,
    reason: String,
) -> Result<(), AppError> {
    use crate::domain::Permission;
    use crate::server::ctx;
    use crate::server::services::retrigger::{self, Retrigger};
    ctx::run(async move {
        let (st, me) = ctx::require(Permission::WorkCases)?;
        let id = id.read("id")?;
        let what = Retrigger::parse(action.trim())
            .ok_or_else(|| AppError::validation("action", "Choose what to ask for."))?;
        let confirmed = confirm.as_deref().is_some_and(|c| c == "yes");
        retrigger::request(&st, &me, &ctx::origin(), id, what, confirmed, &reason)
            .await
            .map_err(|e| e.unsaved("request"))?;
        leptos_axum::redirect(&format!("/cases/{id}#upstream-title"));
        Ok(())
    })
    .await
}
