//! The landing page of Eclipse's hosted liveness flow: the customer's
//! browser comes back to `/liveness/callback/{token}?status=COMPLETED|CANCELLED`
//! (Eclipse appends `?status=…` to the landing URL as given, so the token
//! is in the path).
//! That is a signal, never proof: on COMPLETED we ask Eclipse for the
//! result ourselves (the outbox PUTs the document), and the token only
//! finds the liveness session we started. Public: the customer is not a
//! user of KYC Desk; the page shows nothing about them.

use super::db::audit::{self as audit_log, Actor, NewEvent, Origin};
use super::db::cases::{self as db_cases, NewOutbox};
use super::providers::eclipse::retrigger::finish_job;
use super::providers::job::OutboxJob;
use super::state::AppState;
use crate::domain::audit::{AuditAction, AuditEntity};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
pub struct Landing {
    status: Option<String>,
}

fn page(status: StatusCode, message: &str) -> Response {
    let body = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Liveness check</title></head>\
         <body><main><h1>Liveness check</h1><p>{message}</p></main></body></html>"
    );
    (status, Html(body)).into_response()
}

pub async fn callback(
    State(st): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<Landing>,
) -> Response {
    let found = if token.len() == 36 {
        db_cases::outbox_by_key(st.db.reader(), &token)
            .await
            .ok()
            .flatten()
    } else {
        None
    };
    let started_liveness = |r: &db_cases::OutboxRow| {
        r.state == "DONE"
            && matches!(
                OutboxJob::decode(&r.kind, &r.payload),
                Ok(OutboxJob::Liveness { .. })
            )
    };
    let Some(row) = found.filter(started_liveness) else {
        return page(
            StatusCode::NOT_FOUND,
            "This link is not valid, or it has expired.",
        );
    };
    let started: Value = row
        .result
        .as_deref()
        .and_then(|r| serde_json::from_str(r).ok())
        .unwrap_or(Value::Null);
    let completed = q.status.as_deref() == Some("COMPLETED");
    let now = st.clock.now_ms();
    let outcome = async {
        let mut tx = st.db.begin_write().await?;
        let mut event = NewEvent::new(
            Actor::System("liveness"),
            AuditAction::RetriggerRequested,
            AuditEntity::Verification,
            &Origin::default(),
        )
        .entity_id(row.verification_id);
        event.verification_id = Some(row.verification_id);
        if completed {
            // What starting the check answered says which document to read.
            let Some(finish) = finish_job(&started) else {
                tracing::error!(
                    outbox_id = row.outbox_id,
                    "liveness start without a document"
                );
                return Ok::<(), sqlx::Error>(());
            };
            let key = format!("{token}:finish");
            let added = db_cases::add_outbox_once(
                &mut tx,
                &NewOutbox {
                    idempotency_key: &key,
                    verification_id: row.verification_id,
                    decision_id: None,
                    provider: row.provider,
                    kind: finish.kind(),
                    payload: &finish.payload(),
                    now,
                },
            )
            .await?;
            if added.is_none() {
                return Ok::<(), sqlx::Error>(());
            }
            event = event
                .changes(serde_json::json!({ "action": "liveness_finish" }))
                .reason(
                    "the customer finished the liveness check; reading the result from Eclipse",
                );
        } else {
            event = event
                .changes(serde_json::json!({ "action": "liveness_cancelled" }))
                .reason("the customer cancelled the liveness check");
        }
        audit_log::append(&mut tx, now, event).await?;
        tx.commit().await
    }
    .await;
    match outcome {
        Ok(()) => {
            st.outbox.wake();
            page(
                StatusCode::OK,
                if completed {
                    "Thank you. You can close this window."
                } else {
                    "The check was cancelled. You can close this window."
                },
            )
        }
        Err(e) => {
            tracing::error!(error = %e, "liveness landing failed");
            page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong; please try again in a moment.",
            )
        }
    }
}
