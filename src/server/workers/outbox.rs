//! The outbox worker: delivers what decisions (and re-triggers) want done
//! upstream, at least once, with capped exponential backoff and full jitter,
//! behind each provider's breaker. Every attempt's result is recorded with
//! the provider's code and trace id; after 24 h of failures it gives up and
//! a compliance officer can retry.

use crate::domain::audit::{AuditAction, AuditEntity};
use crate::domain::customer::ProviderRef;
use crate::domain::verification::Provider;
use crate::error::AppError;
use crate::server::db::audit::{self as audit_log, Actor, NewEvent, Origin};
use crate::server::db::cases::{self as db_cases, OutboxRow};
use crate::server::providers::biometric_kz::mcp::FinalStatus;
use crate::server::providers::eclipse::Ratified;
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

fn payload_str<'a>(p: &'a Value, k: &str) -> &'a str {
    p.get(k).and_then(Value::as_str).unwrap_or_default()
}

/// What a successful attempt did upstream, and what to do about it here.
pub struct Delivered {
    /// Shown on the case page (JSON with a "message" for structured results).
    pub result: String,
    /// A new upstream attempt to follow (new session, new workflow).
    pub new_ref: Option<ProviderRef>,
    /// Read the case's reference again soon.
    pub poll_soon: bool,
    /// A further upstream action, queued as its own row (kind, payload).
    pub then: Option<(&'static str, Value)>,
}

impl Delivered {
    fn said(result: impl Into<String>) -> Delivered {
        Delivered {
            result: result.into(),
            new_ref: None,
            poll_soon: false,
            then: None,
        }
    }
}

/// Kinds whose upstream call is not idempotent: never retried by itself.
fn idempotent(kind: &str) -> bool {
    matches!(kind, "decision" | "liveness_finish")
}

/// One attempt at one row, recorded with its audit event.
pub async fn deliver(st: &AppState, row: &OutboxRow) -> Result<(), AppError> {
    let provider = row.provider;
    let payload: Value = serde_json::from_str(&row.payload).unwrap_or(Value::Null);
    if !idempotent(&row.kind) {
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
    let outcome = attempt(st, provider, row, &payload).await;
    let now = st.clock.now_ms();
    let attempts = row.attempts + 1;
    let mut tx = st.db.begin_write().await?;
    let current = db_cases::outbox_get(&mut tx, row.outbox_id).await?;
    // A non-idempotent row was marked SENDING above; anything else means
    // someone else recorded this attempt already (or its lease ran out).
    let expected = if idempotent(&row.kind) {
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
            if row.kind == "decision" {
                db_cases::set_push_state(&mut tx, row.verification_id, Some("PUSHED")).await?;
            }
            follow_up(&mut tx, row, &done, now).await?;
            event = event
                .changes(attempt_changes(row, attempts, json!({})))
                .reason(summary_of(&result));
        }
        Err(e) => {
            // An open breaker is the provider being down, not an answer.
            let retry = idempotent(&row.kind)
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
            if row.kind == "decision" {
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
    if let Some((kind, payload)) = &done.then {
        let key = format!("{}:{kind}", row.idempotency_key);
        db::cases::add_outbox_once(
            tx,
            &db::cases::NewOutbox {
                idempotency_key: &key,
                verification_id: row.verification_id,
                decision_id: None,
                provider: row.provider,
                kind,
                payload: &payload.to_string(),
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

async fn attempt(
    st: &AppState,
    provider: Provider,
    row: &OutboxRow,
    payload: &Value,
) -> Result<Delivered, UpstreamError> {
    let missing = |what: &str| {
        UpstreamError::new(
            provider,
            UpstreamErrorKind::Disabled,
            format!("{what} is not configured"),
        )
    };
    match (provider, row.kind.as_str()) {
        (Provider::Ident, "decision") => {
            let ident = st
                .providers
                .ident
                .clone()
                .ok_or_else(|| missing("Provide ident"))?;
            push_ident(
                &ident,
                payload_str(payload, "application_id"),
                payload_str(payload, "status"),
            )
            .await
            .map(Delivered::said)
        }
        (Provider::BiometricKz, "decision") => push_biometric(st, payload, &row.idempotency_key)
            .await
            .map(Delivered::said),
        (Provider::Eclipse, "reratify") => {
            let eclipse = st
                .providers
                .eclipse
                .clone()
                .ok_or_else(|| missing("Eclipse"))?;
            let said = match eclipse.ratify(payload_str(payload, "tenant_id"), payload_str(payload, "customer_id")).await? {
                Ratified::Started(r) => format!("a new ratification started ({})", r.status_raw),
                Ratified::AlreadyInProgress { trace_id } => format!(
                    "already in progress at Eclipse (KYC001{}): the running ratification will be read",
                    trace_id.map(|t| format!(", trace {t}")).unwrap_or_default()
                ),
            };
            Ok(Delivered {
                result: said,
                new_ref: None,
                poll_soon: true,
                then: None,
            })
        }
        (Provider::Eclipse, "liveness") => {
            let eclipse = st
                .providers
                .eclipse
                .clone()
                .ok_or_else(|| missing("Eclipse"))?;
            let start = eclipse
                .start_liveness(
                    payload_str(payload, "tenant_id"),
                    payload_str(payload, "customer_id"),
                    payload_str(payload, "landing_url"),
                )
                .await?;
            Ok(Delivered::said(
                json!({
                    "message": format!("send the customer this liveness link (valid about 3 minutes): {}", start.completion_url),
                    "summary": "a liveness link was created for the customer (valid about 3 minutes; shown on the case page)",
                    "completion_url": start.completion_url,
                    "document_id": start.document_id,
                    "document": start.document,
                    "tenant_id": payload_str(payload, "tenant_id"),
                    "customer_id": payload_str(payload, "customer_id"),
                })
                .to_string(),
            ))
        }
        (Provider::Eclipse, "liveness_finish") => {
            let eclipse = st
                .providers
                .eclipse
                .clone()
                .ok_or_else(|| missing("Eclipse"))?;
            let tenant = payload_str(payload, "tenant_id");
            let (doc, check) = eclipse
                .finish_liveness(
                    tenant,
                    payload_str(payload, "document_id"),
                    payload.get("document").unwrap_or(&Value::Null),
                )
                .await?;
            let passed = check.outcome == crate::domain::verification::CheckOutcome::Passed;
            let said = format!(
                "liveness {} (score {} against {})",
                doc.result
                    .clone()
                    .unwrap_or_else(|| "without a result".into()),
                doc.score
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "—".into()),
                crate::server::providers::eclipse::LIVENESS_THRESHOLD
            );
            // A passed liveness asks Eclipse to ratify again: its own row,
            // sent once like every re-ratify, so that retrying this read
            // never starts a second ratification.
            let then = passed.then(|| {
                (
                    "reratify",
                    json!({
                        "tenant_id": tenant,
                        "customer_id": payload_str(payload, "customer_id"),
                    }),
                )
            });
            Ok(Delivered {
                result: if passed {
                    format!("{said}; re-ratification queued")
                } else {
                    said
                },
                new_ref: None,
                poll_soon: true,
                then,
            })
        }
        (Provider::BiometricKz, "new_session") => {
            let bkz = st
                .providers
                .biometric_kz
                .clone()
                .ok_or_else(|| missing("biometric.kz"))?;
            let session_id = bkz.create_session().await?;
            Ok(Delivered {
                result: format!("new biometric.kz session {session_id}; the customer completes it at biometric.kz"),
                new_ref: Some(ProviderRef::BiometricKz { session_id }),
                poll_soon: false,
                then: None,
            })
        }
        (Provider::Width, "new_workflow") => {
            let width = st.providers.width.clone().ok_or_else(|| missing("WIDTH"))?;
            let customer = payload_str(payload, "width_customer_id");
            let reference = payload_str(payload, "reference_id");
            width.register(Some(customer), None).await?;
            let execution_id = width.submit(customer, reference).await?;
            Ok(Delivered {
                result: format!("new WIDTH workflow execution {execution_id}"),
                new_ref: Some(ProviderRef::Width {
                    execution_id,
                    customer_id: Some(customer.to_string()),
                    reference_id: Some(reference.to_string()),
                }),
                poll_soon: false,
                then: None,
            })
        }
        _ => Err(UpstreamError::new(
            provider,
            UpstreamErrorKind::Disabled,
            format!("no {} action for {}", row.kind, provider.label()),
        )),
    }
}

/// ident: the status is sent only while ident does not show it. A `PUT`
/// whose answer is lost may have been applied, so the application is read
/// first (a delivery interrupted by a crash, or retried after an unreadable
/// answer, finds its decision there and sends nothing) and read again after
/// an unreadable answer.
async fn push_ident(
    ident: &crate::server::providers::ident::Ident,
    application_id: &str,
    target: &str,
) -> Result<String, UpstreamError> {
    if ident.application(application_id).await?.status_raw == target {
        return Ok(format!("ident already shows {target}; nothing sent"));
    }
    match ident.put_status(application_id, target).await {
        // ident's own poller may overwrite a manual status: say so.
        Ok(r) if r.status_raw != target => Ok(format!(
            "sent {target}; ident now says {} (changed again upstream)",
            r.status_raw
        )),
        Ok(_) => Ok(format!("ident status is now {target}")),
        Err(e) if e.may_have_been_applied() => match ident.application(application_id).await {
            Ok(now) if now.status_raw == target => Ok(format!(
                "ident status is now {target} (read back: its answer to the update was lost)"
            )),
            _ => Err(e),
        },
        Err(e) => Err(e),
    }
}

/// biometric.kz: only a session a Cabinet reviewer took into review can be
/// finalised. The session and its reviews are read first, and again after
/// a call whose answer was lost, so a repeated delivery sends nothing twice;
/// the review carries our idempotency key to be found.
async fn push_biometric(
    st: &AppState,
    payload: &Value,
    key: &str,
) -> Result<String, UpstreamError> {
    let p = Provider::BiometricKz;
    let bkz = st.providers.biometric_kz.clone().ok_or_else(|| {
        UpstreamError::new(
            p,
            UpstreamErrorKind::Disabled,
            "biometric.kz is not configured",
        )
    })?;
    let mcp = bkz.mcp().ok_or_else(|| {
        UpstreamError::new(
            p,
            UpstreamErrorKind::Disabled,
            "the biometric.kz MCP URL and org key are not configured",
        )
    })?;
    let session_id = payload_str(payload, "session_id");
    let target = payload_str(payload, "status");
    let note = payload_str(payload, "note");
    let status = if target == "APPROVED" {
        FinalStatus::Approved
    } else {
        FinalStatus::Declined
    };
    let now = bkz.session(session_id).await?;
    if now.status_raw != target {
        if now.status_raw != "IN_REVIEW" {
            return Err(UpstreamError::new(
                p,
                UpstreamErrorKind::Rejected,
                format!(
                    "the session is {} at biometric.kz: a Cabinet reviewer must take it into review (IN_REVIEW) before it can be finalised; then retry",
                    now.status_raw
                ),
            ));
        }
        if let Err(e) = mcp.update_status(session_id, status, note).await {
            let applied = e.may_have_been_applied()
                && bkz
                    .session(session_id)
                    .await
                    .is_ok_and(|s| s.status_raw == target);
            if !applied {
                return Err(e);
            }
        }
    }
    let tag = format!("[kyc-desk:{key}]");
    let has_review = || async {
        mcp.list_reviews(session_id)
            .await
            .map(|reviews| reviews.to_string().contains(&tag))
    };
    if !has_review().await? {
        let text = format!("KYC Desk decision {target} {tag}: {note}");
        if let Err(e) = mcp.create_review(session_id, &text).await {
            if !(e.may_have_been_applied() && has_review().await.unwrap_or(false)) {
                return Err(e);
            }
        }
    }
    Ok(format!("biometric.kz session is {target}; review recorded"))
}

/// A compliance officer asks for another try of a failed delivery.
pub async fn retry(
    st: &AppState,
    me: &CurrentUser,
    origin: &Origin,
    outbox_id: i64,
) -> Result<i64, AppError> {
    if me.role != crate::domain::Role::ComplianceOfficer {
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
    if row.kind == "decision" {
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
