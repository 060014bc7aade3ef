//! Asking a provider to run KYC again, with the seeds' guards:
//! - Eclipse re-ratify: on a PASSED customer only by a compliance officer,
//!   with explicit confirmation and a reason (it resets the customer to
//!   PENDING); `KYC001` is "already in progress", not a failure.
//! - Eclipse liveness: only when the liveness check itself failed (it costs
//!   money); the customer gets a link and comes back to our landing page.
//! - biometric.kz new session: costs a paid transaction in production, so it
//!   needs confirmation.
//! - WIDTH new workflow: registers the applicant (idempotent) and submits.
//!
//! Each is an outbox row written with its audit event; the worker calls the
//! provider (see `workers::outbox`).

use crate::domain::audit::{AuditAction, AuditEntity};
use crate::domain::customer::ProviderRef;
use crate::domain::verification::{CheckCategory, CheckOutcome, Provider, UpstreamStatus};
use crate::domain::Role;
use crate::error::AppError;
use crate::server::db;
use crate::server::db::audit::{self as audit_log, NewEvent, Origin};
use crate::server::db::cases::{self as db_cases, NewOutbox};
use crate::server::session::CurrentUser;
use crate::server::state::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retrigger {
    Reratify,
    Liveness,
    NewSession,
    NewWorkflow,
}

impl Retrigger {
    pub fn parse(s: &str) -> Option<Retrigger> {
        match s {
            "reratify" => Some(Retrigger::Reratify),
            "liveness" => Some(Retrigger::Liveness),
            "new_session" => Some(Retrigger::NewSession),
            "new_workflow" => Some(Retrigger::NewWorkflow),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Retrigger::Reratify => "reratify",
            Retrigger::Liveness => "liveness",
            Retrigger::NewSession => "new_session",
            Retrigger::NewWorkflow => "new_workflow",
        }
    }

    fn provider(self) -> Provider {
        match self {
            Retrigger::Reratify | Retrigger::Liveness => Provider::Eclipse,
            Retrigger::NewSession => Provider::BiometricKz,
            Retrigger::NewWorkflow => Provider::Width,
        }
    }
}

/// Which re-triggers this case offers this person (and why not, when not).
pub fn offered(
    role: Role,
    provider: Provider,
    upstream: UpstreamStatus,
    checks: &[(CheckCategory, CheckOutcome)],
) -> Vec<(Retrigger, Result<(), &'static str>)> {
    let liveness_failed = checks
        .iter()
        .any(|(c, o)| *c == CheckCategory::Liveness && *o == CheckOutcome::Failed);
    let mut out = Vec::new();
    match provider {
        Provider::Eclipse => {
            out.push((
                Retrigger::Reratify,
                if upstream == UpstreamStatus::Passed && role != Role::ComplianceOfficer {
                    Err("This customer PASSED: only a compliance officer can re-ratify, with confirmation.")
                } else {
                    Ok(())
                },
            ));
            out.push((
                Retrigger::Liveness,
                if liveness_failed {
                    Ok(())
                } else {
                    Err("Liveness is re-run only when the liveness check itself failed.")
                },
            ));
        }
        Provider::BiometricKz => out.push((Retrigger::NewSession, Ok(()))),
        Provider::Width => out.push((Retrigger::NewWorkflow, Ok(()))),
        Provider::Ident => {}
    }
    out
}

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
    crate::domain::case::may_retrigger(
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
    let allowed = offered(me.role, provider, upstream, &checks)
        .into_iter()
        .find(|(w, _)| *w == what)
        .map(|(_, ok)| ok)
        .unwrap_or(Err("Not offered for this case."));
    if let Err(why) = allowed {
        return Err(AppError::conflict(why));
    }
    let needs_confirmation = matches!(what, Retrigger::NewSession)
        || (what == Retrigger::Reratify && upstream == UpstreamStatus::Passed);
    if needs_confirmation && !confirmed {
        return Err(AppError::validation(
            "confirm",
            "Tick the box to confirm: this cannot be undone.",
        ));
    }
    let key = uuid::Uuid::now_v7().to_string();
    let payload = match (&pref, what) {
        (
            ProviderRef::Eclipse {
                tenant_id,
                customer_id,
            },
            Retrigger::Reratify,
        ) => {
            serde_json::json!({ "tenant_id": tenant_id, "customer_id": customer_id })
        }
        (
            ProviderRef::Eclipse {
                tenant_id,
                customer_id,
            },
            Retrigger::Liveness,
        ) => serde_json::json!({
            "tenant_id": tenant_id,
            "customer_id": customer_id,
            // The token in the path: Eclipse appends `?status=…` to
            // the landing URL as it is.
            "landing_url": format!("{}/liveness/callback/{key}", st.settings.public_base()),
        }),
        (ProviderRef::BiometricKz { .. }, Retrigger::NewSession) => {
            serde_json::json!({ "customer_id": v.customer_id })
        }
        (ProviderRef::Width { customer_id, .. }, Retrigger::NewWorkflow) => serde_json::json!({
            "customer_id": v.customer_id,
            "width_customer_id": customer_id.clone().unwrap_or_else(|| format!("kyc-desk-{}", v.customer_id)),
            "reference_id": format!("kyc-desk-{key}"),
        }),
        _ => {
            return Err(AppError::validation(
                "action",
                "This provider does not offer that.",
            ))
        }
    };
    let outbox_id = db_cases::add_outbox(
        &mut tx,
        &NewOutbox {
            idempotency_key: &key,
            verification_id: id,
            decision_id: None,
            provider,
            kind: what.as_str(),
            payload: &payload.to_string(),
            now,
        },
    )
    .await?;
    let mut e = NewEvent::new(me.actor(), AuditAction::RetriggerRequested, AuditEntity::Verification, origin)
        .entity_id(id)
        .changes(serde_json::json!({ "action": what.as_str(), "provider": provider.as_str(), "confirmed": confirmed, "outbox_id": outbox_id }))
        .reason(reason);
    e.customer_id = Some(v.customer_id);
    e.verification_id = Some(id);
    audit_log::append(&mut tx, now, e).await?;
    tx.commit().await?;
    st.outbox.wake();
    Ok(())
}
