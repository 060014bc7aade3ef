//! Asking a provider to run KYC again. Who may ask, and the guards (a
//! PASSED customer is re-ratified only by a compliance officer; a paid
//! liveness check runs again only after it failed; costly or restarting
//! ones need a confirmation), are the rules of `domain::case`; what each
//! provider offers, and the job it runs, are the provider's own
//! (`providers::<provider>::retrigger`).
//!
//! Each is an outbox row written with its audit event; the worker has the
//! provider carry it out (see `workers::outbox`).

use crate::domain::audit::{AuditAction, AuditEntity};
use crate::domain::case;
pub use crate::domain::case::Retrigger;
use crate::domain::customer::ProviderRef;
use crate::domain::verification::{CheckCategory, CheckOutcome};
use crate::error::AppError;
use crate::server::db;
use crate::server::db::audit::{self as audit_log, NewEvent, Origin};
use crate::server::db::cases::{self as db_cases, NewOutbox};
use crate::server::providers::{self, RetriggerContext};
use crate::server::session::CurrentUser;
use crate::server::state::AppState;

pub async fn request(
    st: &AppState,
    me: &CurrentUser,
    origin: &Origin,
    id: i64,
    what: Retrigger,
    confirmed: bool,
    reason: &str,
) -> Result<(), AppError> {
    let reason = reason.trim();
    if reason.chars().count() < 10 {
        return Err(AppError::validation(
            "reason",
            "Say why (at least 10 characters).",
        ));
    }
    // Everything is decided inside the write transaction: two submits of
    // the same form are serialised here, and the second sees the first.
    let now = st.clock.now_ms();
    let mut tx = st.db.begin_write().await?;
    let v = db::verifications::find_in(&mut tx, id)
        .await?
        .ok_or_else(|| AppError::not_found("Case"))?;
    let status = v.review_status;
    let on_its_way = db_cases::upstream_action_on_its_way(&mut tx, id).await?;
    case::may_retrigger(
        me.role,
        v.assignee_id == Some(me.user_id),
        status,
        on_its_way,
    )
    .map_err(|r| AppError::conflict(r.0))?;
    let provider = v.provider;
    if what.provider() != provider {
        return Err(AppError::validation(
            "action",
            "This provider does not offer that.",
        ));
    }
    let r = db::customers::get_ref(&mut *tx, v.customer_ref_id)
        .await?
        .ok_or_else(|| AppError::not_found("Customer reference"))?;
    let pref: ProviderRef = serde_json::from_str(&r.details).map_err(|_| AppError::internal())?;
    let checks: Vec<(CheckCategory, CheckOutcome)> = db::verifications::checks(&mut *tx, id)
        .await?
        .into_iter()
        .map(|c| (c.category, c.outcome))
        .collect();
    let upstream = v.upstream_status;
    case::retrigger_allowed(what, me.role, upstream, &checks)
        .map_err(|r| AppError::conflict(r.0))?;
    if case::retrigger_needs_confirmation(what, upstream) && !confirmed {
        return Err(AppError::validation(
            "confirm",
            "Tick the box to confirm: this cannot be undone.",
        ));
    }
    let key = uuid::Uuid::now_v7().to_string();
    let cx = RetriggerContext {
        customer_id: v.customer_id,
        key: &key,
        public_base: &st.settings.public_base(),
    };
    let job = providers::retrigger_job(what, &pref, &cx)
        .ok_or_else(|| AppError::validation("action", "This provider does not offer that."))?;
    let outbox_id = db_cases::add_outbox(
        &mut tx,
        &NewOutbox {
            idempotency_key: &key,
            verification_id: id,
            decision_id: None,
            provider,
            kind: job.kind(),
            payload: &job.payload(),
            now,
        },
    )
    .await?;
    let mut e = NewEvent::new(
        me.actor(),
        AuditAction::RetriggerRequested,
        AuditEntity::Verification,
        origin,
    )
    .entity_id(id)
    .changes(serde_json::json!({
        "action": what.as_str(), "provider": provider.as_str(), "confirmed": confirmed,
        "outbox_id": outbox_id,
    }))
    .reason(reason);
    e.customer_id = Some(v.customer_id);
    e.verification_id = Some(id);
    audit_log::append(&mut tx, now, e).await?;
    tx.commit().await?;
    st.outbox.wake();
    Ok(())
}
