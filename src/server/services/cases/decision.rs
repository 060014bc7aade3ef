//! Deciding a case: final decisions, four-eyes proposals and their second
//! approval, escalation, and what goes upstream.

use super::{load_seen, move_case, no_unread_note, refuse, Move, Seen};
use crate::domain::audit::{AuditAction, AuditEntity};
use crate::domain::case;
use crate::domain::decision::{self, DecideAs, DecisionKind};
use crate::domain::verification::{CheckCategory, CheckOutcome, ReviewStatus};
use crate::error::AppError;
use crate::server::db::audit::{self as audit_log, change, Actor, NewEvent, Origin};
use crate::server::db::cases::{self as db_cases, NewDecision, NewOutbox};
use crate::server::db::verifications::VerificationRow;
use crate::server::db::{self, Tx};
use crate::server::providers;
use crate::server::session::CurrentUser;
use crate::server::state::AppState;

pub(super) async fn checks_of(
    st: &AppState,
    id: i64,
) -> Result<Vec<(CheckCategory, CheckOutcome)>, AppError> {
    Ok(outcomes(
        db::verifications::checks(st.db.reader(), id).await?,
    ))
}

/// The checks a decision is made on, read inside its write transaction:
/// a refresh that lands meanwhile cannot leave four eyes decided on stale
/// evidence.
async fn checks_in(tx: &mut Tx, id: i64) -> Result<Vec<(CheckCategory, CheckOutcome)>, AppError> {
    Ok(outcomes(db::verifications::checks(&mut **tx, id).await?))
}

fn outcomes(rows: Vec<db::verifications::CheckRow>) -> Vec<(CheckCategory, CheckOutcome)> {
    rows.into_iter().map(|c| (c.category, c.outcome)).collect()
}

/// What a decision led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decided {
    Final,
    Proposed,
}

/// Approve or decline: final at once, or proposed for a second officer when
/// four eyes are needed. The person must be the assignee of a case in review.
#[allow(clippy::too_many_arguments)]
pub async fn decide(
    st: &AppState,
    me: &CurrentUser,
    origin: &Origin,
    id: i64,
    seen: Seen,
    kind: &str,
    reason: &str,
    note: &str,
) -> Result<Decided, AppError> {
    let version = seen.version;
    let kind = DecisionKind::parse(kind.trim())
        .ok_or_else(|| AppError::validation("decision", "Approve or decline."))?;
    let reason = decision::reason(reason.trim())
        .filter(|r| r.kind == kind)
        .ok_or_else(|| AppError::validation("reason", "Choose a reason that fits the decision."))?;
    let note = decision::check_note(note).map_err(|m| AppError::validation("note", m))?;
    let now = st.clock.now_ms();
    let mut tx = st.db.begin_write().await?;
    let v = load_seen(st, &mut tx, id, version).await?;
    no_unread_note(&mut tx, id, me, seen).await?;
    let checks = checks_in(&mut tx, id).await?;
    let upstream = v.upstream_status;
    let four_eyes = decision::needs_four_eyes(kind, upstream, &checks);
    let how = decision::decide_as(
        me.role,
        v.assignee_id == Some(me.user_id),
        v.review_status,
        four_eyes,
    )
    .map_err(refuse)?;
    let (to, status, action) = match (how, kind) {
        (DecideAs::Final, DecisionKind::Approve) => {
            (ReviewStatus::Approved, "FINAL", AuditAction::DecisionMade)
        }
        (DecideAs::Final, DecisionKind::Decline) => {
            (ReviewStatus::Declined, "FINAL", AuditAction::DecisionMade)
        }
        (DecideAs::Proposal, _) => (
            ReviewStatus::PendingSecondApproval,
            "PROPOSED",
            AuditAction::DecisionProposed,
        ),
    };
    let assignee = if how == DecideAs::Final {
        v.assignee_id
    } else {
        Some(me.user_id)
    };
    let moved = Move {
        to,
        assignee,
        action,
    };
    let e = move_case(st, &mut tx, (&v, version), (me, origin), moved, now).await?;
    let decision_id = db_cases::add_decision(
        &mut tx,
        &NewDecision {
            verification_id: id,
            kind: kind.as_str(),
            reason_code: reason.code,
            note: &note,
            evidence_hash: &v.snapshot_hash,
            four_eyes,
            status,
            decided_by: me.user_id,
            now,
        },
    )
    .await?;
    let e = e
        .more(serde_json::json!({
            "decision": kind.as_str(),
            "reason_code": reason.code,
            "four_eyes": four_eyes,
            "evidence_hash": v.snapshot_hash,
            "decision_id": decision_id,
        }))
        .reason(note.clone());
    audit_log::append(&mut tx, now, e).await?;
    if how == DecideAs::Final {
        enqueue_push(&mut tx, &v, decision_id, kind, &note, now).await?;
    }
    tx.commit().await?;
    if how == DecideAs::Final {
        st.outbox.wake();
    }
    Ok(if how == DecideAs::Final {
        Decided::Final
    } else {
        Decided::Proposed
    })
}

/// A reviewer hands a case to the compliance officers (one that needs four
/// eyes, or one they are not sure of).
pub async fn escalate(
    st: &AppState,
    me: &CurrentUser,
    origin: &Origin,
    id: i64,
    version: i64,
    note: &str,
) -> Result<(), AppError> {
    let note = decision::check_note(note).map_err(|m| AppError::validation("note", m))?;
    let now = st.clock.now_ms();
    let mut tx = st.db.begin_write().await?;
    let v = load_seen(st, &mut tx, id, version).await?;
    case::may_escalate(me.role, v.assignee_id == Some(me.user_id), v.review_status)
        .map_err(refuse)?;
    let to = Move {
        to: ReviewStatus::Escalated,
        assignee: None,
        action: AuditAction::CaseEscalated,
    };
    let e = move_case(st, &mut tx, (&v, version), (me, origin), to, now).await?;
    db_cases::add_note(&mut tx, id, me.user_id, &note, now).await?;
    audit_log::append(&mut tx, now, e.reason(note)).await?;
    tx.commit().await?;
    Ok(())
}

/// A second, different compliance officer confirms (`confirm`) or rejects a
/// proposal. Confirming makes it final (and sends it upstream); rejecting
/// hands the case back to the proposer, in review.
pub async fn second(
    st: &AppState,
    me: &CurrentUser,
    origin: &Origin,
    id: i64,
    seen: Seen,
    confirm: bool,
    note: &str,
) -> Result<(), AppError> {
    let version = seen.version;
    let note = decision::check_note(note).map_err(|m| AppError::validation("note", m))?;
    let now = st.clock.now_ms();
    let mut tx = st.db.begin_write().await?;
    let v = load_seen(st, &mut tx, id, version).await?;
    no_unread_note(&mut tx, id, me, seen).await?;
    let proposal = db_cases::open_proposal(&mut tx, id)
        .await?
        .ok_or_else(|| AppError::conflict("There is no proposal waiting for a second approval."))?;
    decision::may_second(me.role, proposal.decided_by == me.user_id, v.review_status)
        .map_err(refuse)?;
    let kind = proposal.kind;
    let (to, assignee, status, action) = match (confirm, kind) {
        (true, DecisionKind::Approve) => (
            ReviewStatus::Approved,
            v.assignee_id,
            "CONFIRMED",
            AuditAction::DecisionConfirmed,
        ),
        (true, DecisionKind::Decline) => (
            ReviewStatus::Declined,
            v.assignee_id,
            "CONFIRMED",
            AuditAction::DecisionConfirmed,
        ),
        (false, _) => (
            ReviewStatus::InReview,
            Some(proposal.decided_by),
            "REJECTED",
            AuditAction::DecisionRejected,
        ),
    };
    let moved = Move {
        to,
        assignee,
        action,
    };
    let e = move_case(st, &mut tx, (&v, version), (me, origin), moved, now).await?;
    db_cases::close_proposal(
        &mut tx,
        proposal.decision_id,
        status,
        Some(me.user_id),
        Some(&note),
        now,
    )
    .await?;
    let e = e
        .more(serde_json::json!({
            "decision_id": proposal.decision_id,
            "proposed_by": proposal.decided_by,
        }))
        .reason(note.clone());
    audit_log::append(&mut tx, now, e).await?;
    if confirm {
        enqueue_push(&mut tx, &v, proposal.decision_id, kind, &proposal.note, now).await?;
    }
    tx.commit().await?;
    if confirm {
        st.outbox.wake();
    }
    Ok(())
}

/// The outbox row (or the "recorded here only" state) of a final decision.
async fn enqueue_push(
    tx: &mut Tx,
    v: &VerificationRow,
    decision_id: i64,
    kind: DecisionKind,
    note: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    let Some(job) = providers::decision_job(v.provider, &v.upstream_ref, kind, note) else {
        return db_cases::set_push_state(tx, v.verification_id, Some("UNSUPPORTED")).await;
    };
    let key = uuid::Uuid::now_v7().to_string();
    db_cases::add_outbox(
        tx,
        &NewOutbox {
            idempotency_key: &key,
            verification_id: v.verification_id,
            decision_id: Some(decision_id),
            provider: job.provider(),
            kind: job.kind(),
            payload: &job.payload(),
            now,
        },
    )
    .await?;
    db_cases::set_push_state(tx, v.verification_id, Some("PENDING")).await
}

/// Voids a waiting proposal whose evidence changed upstream: the case goes
/// back to the queue. Called inside the transaction that stored the change.
pub async fn void_stale_proposal(
    tx: &mut Tx,
    v: &VerificationRow,
    actor: &Actor,
    origin: &Origin,
    now: i64,
) -> Result<(), sqlx::Error> {
    let Some(p) = db_cases::open_proposal(tx, v.verification_id).await? else {
        return Ok(());
    };
    db_cases::close_proposal(tx, p.decision_id, "VOID", None, None, now).await?;
    db::verifications::reopen(tx, v.verification_id, now).await?;
    let voided = AuditAction::DecisionVoided;
    let mut e = NewEvent::new(actor.clone(), voided, AuditEntity::Verification, origin)
        .entity_id(v.verification_id)
        .changes(serde_json::json!({
            "review_status":
                change(ReviewStatus::PendingSecondApproval, ReviewStatus::Unreviewed),
            "decision_id": p.decision_id,
            "evidence_hash": change(&p.evidence_hash, &v.snapshot_hash),
        }))
        .reason("the upstream result changed before the second approval");
    e.customer_id = Some(v.customer_id);
    e.verification_id = Some(v.verification_id);
    audit_log::append(tx, now, e).await.map(|_| ())
}
