//! The outbox worker: delivers what decisions (and re-triggers) want done
//! upstream, at least once, with capped exponential backoff and full jitter,
//! behind each provider's breaker. Every attempt's result is recorded with
//! the provider's code and trace id; after 24 h of failures it gives up and
//! a compliance officer can retry.

use crate::domain::audit::{AuditAction, AuditEntity};
use crate::domain::verification::Provider;
use crate::error::AppError;
use crate::server::db::audit::{self as audit_log, Actor, NewEvent, Origin};
use crate::server::db::cases::{self as db_cases, OutboxRow};
use crate::server::providers::job::{Delivered, OutboxJob};
use crate::server::providers::{UpstreamError, UpstreamErrorKind};
use crate::server::session::CurrentUser;
use crate::server::state::AppState;
use serde_json::{json, Value};
use std::time::Duration;

pub const OUTBOX: Actor = Actor::System("outbox");
/// Retry for this long, then give up (an officer can retry by hand).
const GIVE_UP_AFTER_MS: i64 = 24 * 3_600_000;
const BACKOFF_BASE_MS: i64 = 1_000;
const BACKOFF_CAP_MS: i64 = 300_000;

/// Full jitter: a random wait up to `base × 2^attempts`, capped.
pub fn backoff_ms(attempts: i64) -> i64 {
    use rand::Rng;
    let cap = BACKOFF_BASE_MS
        .saturating_mul(1i64 << attempts.clamp(0, 20))
        .min(BACKOFF_CAP_MS);
    rand::thread_rng().gen_range(BACKOFF_BASE_MS.min(cap)..=cap)
}

/// Delivers every due row once, each provider in its own lane (a slow
/// provider holds back only its own rows). Returns how many were attempted.
pub async fn tick(st: &AppState) -> usize {
    futures::future::join_all(Provider::ALL.iter().map(|p| lane_tick(st, *p)))
        .await
        .into_iter()
        .sum()
}

/// Delivers one provider's due rows once, oldest first. While its breaker
/// is open they wait, untouched, until it half-opens: an attempt would fail
/// at once and only cost a durable write. (A provider that is not
/// configured gets its attempts: each records why it cannot go out.)
async fn lane_tick(st: &AppState, provider: Provider) -> usize {
    if let Err(e) = give_up_interrupted(st, provider).await {
        tracing::error!(error = %e, provider = provider.as_str(), "outbox could not close interrupted calls");
    }
    if st.providers.adapter(provider).is_some_and(|a| a.resting()) {
        return 0;
    }
    let now = st.clock.now_ms();
    let due = match db_cases::due_outbox(st.db.reader(), now, 20, provider).await {
        Ok(d) => d,
        Err(e) => {
            tracing::error!(error = %e, provider = provider.as_str(), "outbox could not read due rows");
            return 0;
        }
    };
    let n = due.len();
    for row in due {
        if let Err(e) = deliver(st, &row).await {
            tracing::error!(error = %e, outbox_id = row.outbox_id, "outbox could not record an attempt");
        }
    }
    n
}

/// A call out longer than this was interrupted (the process stopped while
/// it was out): far beyond every upstream timeout.
const SENDING_LEASE_MS: i64 = 5 * 60_000;

/// Rows whose call went out and never came back become FAILED, saying to
/// check upstream before retrying; never re-sent by themselves.
async fn give_up_interrupted(st: &AppState, provider: Provider) -> Result<(), AppError> {
    let now = st.clock.now_ms();
    let stale =
        db_cases::outbox_sending_since(st.db.reader(), provider, now - SENDING_LEASE_MS).await?;
    for row in stale {
        let mut tx = st.db.begin_write().await?;
        let current = db_cases::outbox_get(&mut tx, row.outbox_id).await?;
        if current
            .as_ref()
            .is_none_or(|c| c.state != "SENDING" || c.updated_at != row.updated_at)
        {
            continue;
        }
        let message = "interrupted while calling the provider: check upstream before retrying";
        let record = json!({ "message": message, "at": now }).to_string();
        db_cases::outbox_record(
            &mut tx,
            row.outbox_id,
            "FAILED",
            row.attempts + 1,
            None,
            Some(&record),
            None,
            now,
        )
        .await?;
        let e = attempt_event(AuditAction::PushFailed, &row)
            .changes(attempt_changes(
                &row,
                row.attempts + 1,
                json!({ "will_retry": false }),
            ))
            .reason(message);
        audit_log::append(&mut tx, now, e).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Runs until the task is aborted: one lane per provider, each a tick,
/// then a sleep until woken or a second passes.
pub async fn run(st: AppState) {
    futures::future::join_all(Provider::ALL.iter().map(|p| {
        let (st, provider) = (st.clone(), *p);
        async move {
            let mut woken = st.outbox.subscribe();
            loop {
                lane_tick(&st, provider).await;
                woken.woken_or(Duration::from_secs(1)).await;
            }
        }
    }))
    .await;
}

/// One attempt at one row, recorded with its audit event.
pub async fn deliver(st: &AppState, row: &OutboxRow) -> Result<(), AppError> {
    // A row this code cannot read is attempted like any other, and its
    // failure (never a guess at what it meant) is recorded.
    let job = OutboxJob::decode(&row.kind, &row.payload).map_err(|why| {
        UpstreamError::new(
            row.provider,
            UpstreamErrorKind::Rejected,
            format!("this upstream action cannot be read: {why}"),
        )
    });
    let retried_by_itself = job.as_ref().is_ok_and(OutboxJob::retried_by_itself);
    let is_decision = job.as_ref().is_ok_and(OutboxJob::is_decision);
    if !retried_by_itself {
        // Marked SENDING (with its event) before calling: meanwhile no
        // second request for the case is taken, and if we stop half-way
        // nobody sends it again blindly (a second session costs money, a
        // second ratify restarts KYC): it becomes FAILED when its lease
        // runs out, and an officer checks upstream and retries.
        let now = st.clock.now_ms();
        let mut tx = st.db.begin_write().await?;
        let current = db_cases::outbox_get(&mut tx, row.outbox_id).await?;
        if current
            .as_ref()
            .is_none_or(|c| c.state != "PENDING" || c.attempts != row.attempts)
        {
            return Ok(());
        }
        db_cases::outbox_record(
            &mut tx,
            row.outbox_id,
            "SENDING",
            row.attempts,
            None,
            None,
            None,
            now,
        )
        .await?;
        let sending = attempt_event(AuditAction::PushSending, row).changes(attempt_changes(
            row,
            row.attempts + 1,
            json!({}),
        ));
        audit_log::append(&mut tx, now, sending).await?;
        tx.commit().await?;
    }
    let outcome = match &job {
        Ok(job) => attempt(st, job, &row.idempotency_key).await,
        Err(e) => Err(e.clone()),
    };
    let now = st.clock.now_ms();
    let attempts = row.attempts + 1;
    let mut tx = st.db.begin_write().await?;
    let current = db_cases::outbox_get(&mut tx, row.outbox_id).await?;
    // A non-idempotent row was marked SENDING above; anything else means
    // someone else recorded this attempt already (or its lease ran out).
    let expected = if retried_by_itself {
        "PENDING"
    } else {
        "SENDING"
    };
    if current
        .as_ref()
        .is_none_or(|c| c.state != expected || c.attempts != row.attempts)
    {
        return Ok(());
    }
    let mut event = attempt_event(AuditAction::PushSucceeded, row);
    event.customer_id =
        crate::server::db::verifications::customer_of(&mut *tx, row.verification_id).await?;
    match outcome {
        Ok(done) => {
            let result = done.result.clone();
            db_cases::outbox_record(
                &mut tx,
                row.outbox_id,
                "DONE",
                attempts,
                None,
                None,
                Some(&result),
                now,
            )
            .await?;
            if is_decision {
                db_cases::set_push_state(&mut tx, row.verification_id, Some("PUSHED")).await?;
            }
            follow_up(&mut tx, row, &done, now).await?;
            event = event
                .changes(attempt_changes(row, attempts, json!({})))
                .reason(summary_of(&result));
        }
        Err(e) => {
            // An open breaker is the provider being down, not an answer.
            let retry = retried_by_itself
                && (e.is_transient() || e.kind == UpstreamErrorKind::CircuitOpen)
                && now - row.created_at < GIVE_UP_AFTER_MS;
            let next = retry.then(|| {
                now + e
                    .retry_after
                    .map_or(0, |d| d.as_millis() as i64)
                    .max(backoff_ms(attempts))
            });
            let state = if retry { "PENDING" } else { "FAILED" };
            db_cases::outbox_record(
                &mut tx,
                row.outbox_id,
                state,
                attempts,
                next,
                Some(&e.record(now)),
                None,
                now,
            )
            .await?;
            if is_decision {
                let push = if retry { "PENDING" } else { "FAILED" };
                db_cases::set_push_state(&mut tx, row.verification_id, Some(push)).await?;
            }
            event.action = AuditAction::PushFailed;
            let failure = json!({
                "will_retry": retry, "code": e.code, "trace_id": e.trace_id,
                "error_kind": format!("{:?}", e.kind),
            });
            event = event
                .changes(attempt_changes(row, attempts, failure))
                .reason(e.message.clone());
        }
    }
    audit_log::append(&mut tx, now, event).await?;
    tx.commit().await?;
    Ok(())
}

/// The audit event of an attempt at `row` (the outbox acting on its case).
fn attempt_event(action: AuditAction, row: &OutboxRow) -> NewEvent {
    let mut e = NewEvent::new(
        OUTBOX,
        action,
        AuditEntity::Verification,
        &Origin::default(),
    )
    .entity_id(row.verification_id);
    e.verification_id = Some(row.verification_id);
    e
}

/// What an attempt event records: the row (by id: a liveness row's key is
/// the customer's link token), the attempt, and `more`.
fn attempt_changes(row: &OutboxRow, attempt: i64, more: Value) -> Value {
    let mut changes = json!({
        "kind": row.kind, "provider": row.provider, "attempt": attempt,
        "outbox_id": row.outbox_id,
    });
    if let (Some(c), Value::Object(more)) = (changes.as_object_mut(), more) {
        c.extend(more);
    }
    changes
}

/// What the audit trail says of a result: its "summary" when it has one
/// (a liveness link is for the case page, not for the trail), else its text.
fn summary_of(result: &str) -> String {
    serde_json::from_str::<Value>(result)
        .ok()
        .and_then(|v| v.get("summary").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| message_of(result))
}

/// The text part of a result (structured results carry a "message").
pub fn message_of(result: &str) -> String {
    serde_json::from_str::<Value>(result)
        .ok()
        .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| result.to_string())
}

/// Applies what a delivery changed here: a new reference to follow, a
/// quicker poll.
async fn follow_up(
    tx: &mut crate::server::db::Tx,
    row: &OutboxRow,
    done: &Delivered,
    now: i64,
) -> Result<(), AppError> {
    use crate::server::db;
    let Some(v) = db::verifications::find_in(tx, row.verification_id).await? else {
        return Ok(());
    };
    if done.poll_soon {
        db::customers::poll_soon(tx, v.customer_ref_id, now).await?;
    }
    if let Some(then) = &done.then {
        let key = format!("{}:{}", row.idempotency_key, then.kind());
        db::cases::add_outbox_once(
            tx,
            &db::cases::NewOutbox {
                idempotency_key: &key,
                verification_id: row.verification_id,
                decision_id: None,
                provider: row.provider,
                kind: then.kind(),
                payload: &then.payload(),
                now,
            },
        )
        .await?;
    }
    if let Some(r) = &done.new_ref {
        let details = serde_json::to_string(r).unwrap_or_default();
        if db::customers::find_ref(tx, r.provider(), &r.key())
            .await?
            .is_none()
        {
            db::customers::insert_ref(tx, v.customer_id, r.provider(), &r.key(), &details, now)
                .await?;
        }
    }
    Ok(())
}

/// One delivery: the provider's adapter carries the job out.
async fn attempt(st: &AppState, job: &OutboxJob, key: &str) -> Result<Delivered, UpstreamError> {
    st.providers
        .require(job.provider())?
        .deliver(job, key)
        .await
}

/// A compliance officer asks for another try of a failed delivery.
pub async fn retry(
    st: &AppState,
    me: &CurrentUser,
    origin: &Origin,
    outbox_id: i64,
) -> Result<i64, AppError> {
    if crate::domain::case::may_retry_push(me.role).is_err() {
        return Err(AppError::forbidden());
    }
    let now = st.clock.now_ms();
    let mut tx = st.db.begin_write().await?;
    let row = db_cases::outbox_get(&mut tx, outbox_id)
        .await?
        .ok_or_else(|| AppError::not_found("Upstream action"))?;
    if row.state != "FAILED" {
        return Err(AppError::conflict(
            "Only a failed upstream action can be retried.",
        ));
    }
    db_cases::outbox_record(
        &mut tx,
        outbox_id,
        "PENDING",
        row.attempts,
        Some(now),
        row.last_error.as_deref(),
        None,
        now,
    )
    .await?;
    // A retry starts a new 24-hour window.
    db_cases::outbox_restart_window(&mut tx, outbox_id, now).await?;
    if OutboxJob::decode(&row.kind, &row.payload).is_ok_and(|j| j.is_decision()) {
        db_cases::set_push_state(&mut tx, row.verification_id, Some("PENDING")).await?;
    }
    let mut e = NewEvent::new(
        me.actor(),
        AuditAction::PushRetryRequested,
        AuditEntity::Verification,
        origin,
    )
    .entity_id(row.verification_id)
    .changes(json!({ "outbox_id": outbox_id, "kind": row.kind }));
    e.verification_id = Some(row.verification_id);
    audit_log::append(&mut tx, now, e).await?;
    tx.commit().await?;
    st.outbox.wake();
    Ok(row.verification_id)
}
