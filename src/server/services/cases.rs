//! The reviewer workspace: the queue, the case, claims and assignment,
//! notes, decisions (with four eyes), and what they send upstream.
//!
//! Every change checks the version the person saw (optimistic locking: a
//! stale form gets a 409 naming who changed the case and when), and commits
//! with its audit event, and — for final decisions — its outbox row, in one
//! transaction. Nothing here waits on an upstream.

use crate::domain::audit::{AuditAction, AuditEntity};
use crate::domain::decision::{self, DecideAs, DecisionKind, Refusal};
use crate::domain::verification::{
    CategorySet, CheckCategory, CheckOutcome, Provider, ReviewStatus, UpstreamStatus,
};
use crate::domain::Role;
use crate::error::AppError;
use crate::server::db::audit::{self as audit_log, change, Actor, NewEvent, Origin};
use crate::server::db::cases::{
    self as db_cases, Assigned, NewDecision, NewOutbox, QueueFilter, Sort,
};
use crate::server::db::verifications::VerificationRow;
use crate::server::db::{self, Tx};
use crate::server::pii::{mask_personal, Personal};
use crate::server::session::CurrentUser;
use crate::server::state::AppState;
use crate::server::views;
use crate::view::{
    ActorOption, CaseActions, CaseView, DecisionView, NoteView, OtherVerification, Page, PushView,
    QueueItem,
};

pub const QUEUE_PAGE: i64 = 50;

/// The queue's query, as the page's GET form sends it.
#[derive(Debug, Default, Clone)]
pub struct QueueQuery {
    /// `mine` (default), `unassigned`, `all`.
    pub view: Option<String>,
    pub provider: Option<String>,
    pub upstream: Option<String>,
    /// A review status, or empty for every open case.
    pub review: Option<String>,
    /// A check category that failed.
    pub category: Option<String>,
    /// Older than this many hours.
    pub age: Option<String>,
    /// `age` (oldest first, default) or `updated`.
    pub sort: Option<String>,
    /// The officer filter: a user id.
    pub assignee: Option<String>,
}

impl QueueQuery {
    pub fn filter(&self, me: &CurrentUser, now: i64) -> Result<QueueFilter, AppError> {
        let bad = |f: &str, m: &str| AppError::validation(f, m);
        let assigned = match (
            crate::domain::filled(&self.assignee),
            crate::domain::filled(&self.view),
        ) {
            (Some(id), _) => Assigned::To(
                id.parse()
                    .map_err(|_| bad("assignee", "Choose a person."))?,
            ),
            (None, None | Some("mine")) => Assigned::To(me.user_id),
            (None, Some("unassigned")) => Assigned::Nobody,
            (None, Some("all")) => Assigned::Anyone,
            (None, Some(_)) => return Err(bad("view", "Choose mine, unassigned or all.")),
        };
        let provider = match crate::domain::filled(&self.provider) {
            None => None,
            Some(p) => Some(
                Provider::parse(p)
                    .ok_or_else(|| bad("provider", "Unknown provider."))?
                    .as_str()
                    .to_string(),
            ),
        };
        let upstream_status = match crate::domain::filled(&self.upstream) {
            None => None,
            Some(s) => Some(
                UpstreamStatus::parse(s)
                    .ok_or_else(|| bad("upstream", "Unknown status."))?
                    .as_str()
                    .to_string(),
            ),
        };
        let review_status = match crate::domain::filled(&self.review) {
            None => None,
            Some(s) => Some(
                ReviewStatus::parse(s)
                    .ok_or_else(|| bad("review", "Unknown status."))?
                    .as_str()
                    .to_string(),
            ),
        };
        let failed_bit = match crate::domain::filled(&self.category) {
            None => None,
            Some(c) => {
                let cat =
                    CheckCategory::parse(c).ok_or_else(|| bad("category", "Unknown category."))?;
                Some(CategorySet::bit(cat))
            }
        };
        let created_before = match crate::domain::filled(&self.age) {
            None => None,
            Some(h) => {
                let hours: i64 = h
                    .parse()
                    .map_err(|_| bad("age", "Enter a number of hours."))?;
                if !(0..=24 * 365).contains(&hours) {
                    return Err(bad("age", "Enter a number of hours."));
                }
                Some(now - hours * 3_600_000)
            }
        };
        let sort = match crate::domain::filled(&self.sort) {
            None | Some("age") => Sort::Age,
            Some("updated") => Sort::Updated,
            Some(_) => return Err(bad("sort", "Sort by age or by update.")),
        };
        Ok(QueueFilter {
            assigned,
            provider,
            upstream_status,
            review_status,
            failed_bit,
            created_before,
            sort,
        })
    }
}

/// "45 min", "3 h", "2 d".
pub fn age(now: i64, then: i64) -> String {
    let mins = ((now - then).max(0)) / 60_000;
    match mins {
        0..=59 => format!("{mins} min"),
        60..=2879 => format!("{} h", mins / 60),
        _ => format!("{} d", mins / 1440),
    }
}

pub async fn queue(
    st: &AppState,
    me: &CurrentUser,
    q: &QueueQuery,
    after: Option<&str>,
) -> Result<Page<QueueItem>, AppError> {
    let now = st.clock.now_ms();
    let filter = q.filter(me, now)?;
    let after = match after.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(c) => {
            let (a, b) = c
                .split_once('.')
                .ok_or_else(|| AppError::validation("after", "Bad page cursor."))?;
            Some((
                a.parse()
                    .map_err(|_| AppError::validation("after", "Bad page cursor."))?,
                b.parse()
                    .map_err(|_| AppError::validation("after", "Bad page cursor."))?,
            ))
        }
    };
    let rows = db_cases::queue(st.db.reader(), &filter, after, QUEUE_PAGE + 1).await?;
    let (rows, next_cursor) = views::page_of(rows, QUEUE_PAGE, |r| {
        let key = if filter.sort == Sort::Age {
            r.created_at
        } else {
            r.updated_at
        };
        format!("{key}.{}", r.verification_id)
    });
    let items = rows
        .into_iter()
        .map(|r| QueueItem {
            id: r.verification_id,
            customer_id: r.customer_id,
            customer: r.display_name,
            provider: r.provider,
            upstream_status: r.upstream_status,
            upstream_status_raw: r.upstream_status_raw,
            review_status: r.review_status,
            failed: CategorySet(r.failed_checks).categories(),
            assignee: r.assignee_name,
            push_state: r.push_state,
            created_at: views::time(r.created_at),
            updated_at: views::time(r.updated_at),
            age: age(now, r.created_at),
        })
        .collect();
    Ok(Page { items, next_cursor })
}

/// How a provider takes our decisions.
pub fn push_policy(p: Provider) -> &'static str {
    match p {
        Provider::Ident => "Decisions are sent to Provide ident (status accepted / rejected).",
        Provider::BiometricKz => {
            "Decisions are sent to biometric.kz through its MCP server, which finalises only sessions a Cabinet \
             reviewer has taken into review (IN_REVIEW); otherwise take the case in the Cabinet first."
        }
        Provider::Eclipse => "Recorded here only: Eclipse has no decision API (use its portal's Manual KYC to mirror it).",
        Provider::Width => "Recorded here only: WIDTH publishes no decision API.",
    }
}

async fn load(tx: &mut Tx, id: i64) -> Result<VerificationRow, AppError> {
    db::verifications::find_in(tx, id)
        .await?
        .ok_or_else(|| AppError::not_found("Case"))
}

/// The 409 for a form rendered from an older version.
async fn stale(st: &AppState, v: &VerificationRow) -> AppError {
    let who = match v.updated_by {
        Some(id) => db::users::find(st.db.reader(), id)
            .await
            .ok()
            .flatten()
            .map(|u| u.name),
        None => None,
    };
    let when = views::time(v.updated_at)
        .replace('T', " ")
        .replace('Z', " UTC");
    AppError::conflict(match who {
        Some(name) => {
            format!("This case was changed by {name} at {when}. Reload it to see what changed.")
        }
        None => format!(
            "This case was changed at {when} (by the provider). Reload it to see what changed."
        ),
    })
}

fn refuse(r: Refusal) -> AppError {
    AppError::conflict(r.0)
}

fn status_of(v: &VerificationRow) -> ReviewStatus {
    v.review_status
}

fn event(me: &CurrentUser, action: AuditAction, v: &VerificationRow, origin: &Origin) -> NewEvent {
    let mut e = NewEvent::new(me.actor(), action, AuditEntity::Verification, origin)
        .entity_id(v.verification_id);
    e.customer_id = Some(v.customer_id);
    e.verification_id = Some(v.verification_id);
    e
}

/// Changes status/assignee at the version seen, or answers 409.
#[allow(clippy::too_many_arguments)]
async fn move_case(
    st: &AppState,
    tx: &mut Tx,
    v: &VerificationRow,
    version: i64,
    me: &CurrentUser,
    to: ReviewStatus,
    assignee: Option<i64>,
    now: i64,
) -> Result<(), AppError> {
    if v.version != version
        || !db_cases::set_review(
            tx,
            v.verification_id,
            version,
            to.as_str(),
            assignee,
            me.user_id,
            now,
        )
        .await?
    {
        return Err(stale(st, v).await);
    }
    Ok(())
}

pub async fn claim(
    st: &AppState,
    me: &CurrentUser,
    origin: &Origin,
    id: i64,
    version: i64,
) -> Result<(), AppError> {
    let now = st.clock.now_ms();
    let mut tx = st.db.begin_write().await?;
    let v = load(&mut tx, id).await?;
    if v.version != version {
        return Err(stale(st, &v).await);
    }
    decision::may_claim(me.role, status_of(&v)).map_err(refuse)?;
    move_case(
        st,
        &mut tx,
        &v,
        version,
        me,
        ReviewStatus::InReview,
        Some(me.user_id),
        now,
    )
    .await?;
    audit_log::append(
        &mut tx,
        now,
        event(me, AuditAction::CaseClaimed, &v, origin).changes(serde_json::json!({
            "review_status": change(&v.review_status, ReviewStatus::InReview.as_str()),
            "assignee_id": change(v.assignee_id, me.user_id),
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn release(
    st: &AppState,
    me: &CurrentUser,
    origin: &Origin,
    id: i64,
    version: i64,
) -> Result<(), AppError> {
    let now = st.clock.now_ms();
    let mut tx = st.db.begin_write().await?;
    let v = load(&mut tx, id).await?;
    if v.version != version {
        return Err(stale(st, &v).await);
    }
    let mine = v.assignee_id == Some(me.user_id);
    if status_of(&v) != ReviewStatus::InReview || !(mine || me.role == Role::ComplianceOfficer) {
        return Err(AppError::conflict(
            "Only the assignee (or a compliance officer) releases a case in review.",
        ));
    }
    move_case(
        st,
        &mut tx,
        &v,
        version,
        me,
        ReviewStatus::Unreviewed,
        None,
        now,
    )
    .await?;
    audit_log::append(
        &mut tx,
        now,
        event(me, AuditAction::CaseReleased, &v, origin).changes(serde_json::json!({
            "review_status": change(&v.review_status, ReviewStatus::Unreviewed.as_str()),
            "assignee_id": change(v.assignee_id, None::<i64>),
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Officers assign an open case to a reviewer or officer.
pub async fn assign(
    st: &AppState,
    me: &CurrentUser,
    origin: &Origin,
    id: i64,
    version: i64,
    to: i64,
) -> Result<(), AppError> {
    if me.role != Role::ComplianceOfficer {
        return Err(AppError::forbidden());
    }
    let target = db::users::find(st.db.reader(), to)
        .await?
        .filter(|u| !u.disabled && matches!(u.role(), Role::Reviewer | Role::ComplianceOfficer))
        .ok_or_else(|| {
            AppError::validation(
                "assignee",
                "Choose an active reviewer or compliance officer.",
            )
        })?;
    let now = st.clock.now_ms();
    let mut tx = st.db.begin_write().await?;
    let v = load(&mut tx, id).await?;
    let status = status_of(&v);
    if !matches!(
        status,
        ReviewStatus::Unreviewed | ReviewStatus::InReview | ReviewStatus::Escalated
    ) {
        return Err(AppError::conflict(
            "Only open cases that are not waiting for a second approval can be assigned.",
        ));
    }
    if status == ReviewStatus::Escalated && target.role() != Role::ComplianceOfficer {
        return Err(AppError::validation(
            "assignee",
            "An escalated case goes to a compliance officer.",
        ));
    }
    move_case(
        st,
        &mut tx,
        &v,
        version,
        me,
        ReviewStatus::InReview,
        Some(target.user_id),
        now,
    )
    .await?;
    audit_log::append(
        &mut tx,
        now,
        event(me, AuditAction::CaseAssigned, &v, origin).changes(serde_json::json!({
            "review_status": change(&v.review_status, ReviewStatus::InReview.as_str()),
            "assignee_id": change(v.assignee_id, target.user_id),
        })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Anyone who can see the case adds a note (plain text).
pub async fn add_note(
    st: &AppState,
    me: &CurrentUser,
    origin: &Origin,
    id: i64,
    body: &str,
) -> Result<(), AppError> {
    let body = decision::check_case_note(body).map_err(|m| AppError::validation("body", m))?;
    let now = st.clock.now_ms();
    let mut tx = st.db.begin_write().await?;
    let v = load(&mut tx, id).await?;
    let note_id = db_cases::add_note(&mut tx, id, me.user_id, &body, now).await?;
    audit_log::append(
        &mut tx,
        now,
        event(me, AuditAction::NoteAdded, &v, origin)
            .changes(serde_json::json!({ "note_id": note_id, "chars": body.chars().count() })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn checks_of(st: &AppState, id: i64) -> Result<Vec<(CheckCategory, CheckOutcome)>, AppError> {
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
    version: i64,
    kind: &str,
    reason: &str,
    note: &str,
) -> Result<Decided, AppError> {
    let kind = DecisionKind::parse(kind.trim())
        .ok_or_else(|| AppError::validation("decision", "Approve or decline."))?;
    let reason = decision::reason(reason.trim())
        .filter(|r| r.kind == kind)
        .ok_or_else(|| AppError::validation("reason", "Choose a reason that fits the decision."))?;
    let note = decision::check_note(note).map_err(|m| AppError::validation("note", m))?;
    let now = st.clock.now_ms();
    let mut tx = st.db.begin_write().await?;
    let v = load(&mut tx, id).await?;
    if v.version != version {
        return Err(stale(st, &v).await);
    }
    let checks = checks_in(&mut tx, id).await?;
    let upstream = v.upstream_status;
    let four_eyes = decision::needs_four_eyes(kind, upstream, &checks);
    let how = decision::decide_as(
        me.role,
        v.assignee_id == Some(me.user_id),
        status_of(&v),
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
    move_case(st, &mut tx, &v, version, me, to, assignee, now).await?;
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
    audit_log::append(
        &mut tx,
        now,
        event(me, action, &v, origin)
            .changes(serde_json::json!({
                "review_status": change(&v.review_status, to.as_str()),
                "decision": kind.as_str(),
                "reason_code": reason.code,
                "four_eyes": four_eyes,
                "evidence_hash": v.snapshot_hash,
                "decision_id": decision_id,
            }))
            .reason(note.clone()),
    )
    .await?;
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

/// A reviewer hands a four-eyes case to the compliance officers.
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
    let v = load(&mut tx, id).await?;
    if v.version != version {
        return Err(stale(st, &v).await);
    }
    if status_of(&v) != ReviewStatus::InReview || v.assignee_id != Some(me.user_id) {
        return Err(AppError::conflict("Claim the case before escalating it."));
    }
    move_case(
        st,
        &mut tx,
        &v,
        version,
        me,
        ReviewStatus::Escalated,
        None,
        now,
    )
    .await?;
    db_cases::add_note(&mut tx, id, me.user_id, &note, now).await?;
    audit_log::append(
        &mut tx,
        now,
        event(me, AuditAction::CaseEscalated, &v, origin)
            .changes(serde_json::json!({ "review_status": change(&v.review_status, ReviewStatus::Escalated.as_str()) }))
            .reason(note),
    )
    .await?;
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
    version: i64,
    confirm: bool,
    note: &str,
) -> Result<(), AppError> {
    let note = decision::check_note(note).map_err(|m| AppError::validation("note", m))?;
    let now = st.clock.now_ms();
    let mut tx = st.db.begin_write().await?;
    let v = load(&mut tx, id).await?;
    if v.version != version {
        return Err(stale(st, &v).await);
    }
    let proposal = db_cases::open_proposal(&mut tx, id)
        .await?
        .ok_or_else(|| AppError::conflict("There is no proposal waiting for a second approval."))?;
    decision::may_second(me.role, proposal.decided_by == me.user_id, status_of(&v))
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
    move_case(st, &mut tx, &v, version, me, to, assignee, now).await?;
    db_cases::close_proposal(
        &mut tx,
        proposal.decision_id,
        status,
        Some(me.user_id),
        Some(&note),
        now,
    )
    .await?;
    audit_log::append(
        &mut tx,
        now,
        event(me, action, &v, origin)
            .changes(serde_json::json!({
                "review_status": change(&v.review_status, to.as_str()),
                "decision_id": proposal.decision_id,
                "proposed_by": proposal.decided_by,
            }))
            .reason(note.clone()),
    )
    .await?;
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
    let provider = v.provider;
    let payload = match provider {
        Provider::Ident => serde_json::json!({
            "application_id": upstream_key(v),
            "status": if kind == DecisionKind::Approve { "accepted" } else { "rejected" },
        }),
        Provider::BiometricKz => serde_json::json!({
            "session_id": upstream_key(v),
            "status": if kind == DecisionKind::Approve { "APPROVED" } else { "DECLINED" },
            "note": note,
        }),
        Provider::Eclipse | Provider::Width => {
            return db_cases::set_push_state(tx, v.verification_id, Some("UNSUPPORTED")).await;
        }
    };
    let key = uuid::Uuid::now_v7().to_string();
    db_cases::add_outbox(
        tx,
        &NewOutbox {
            idempotency_key: &key,
            verification_id: v.verification_id,
            decision_id: Some(decision_id),
            provider,
            kind: "decision",
            payload: &payload.to_string(),
            now,
        },
    )
    .await?;
    db_cases::set_push_state(tx, v.verification_id, Some("PENDING")).await
}

/// The upstream id of a one-attempt ref (session, application, execution).
fn upstream_key(v: &VerificationRow) -> String {
    v.upstream_ref.clone()
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
    let mut e = NewEvent::new(actor.clone(), AuditAction::DecisionVoided, AuditEntity::Verification, origin)
        .entity_id(v.verification_id)
        .changes(serde_json::json!({
            "review_status": change(ReviewStatus::PendingSecondApproval.as_str(), ReviewStatus::Unreviewed.as_str()),
            "decision_id": p.decision_id,
            "evidence_hash": change(&p.evidence_hash, &v.snapshot_hash),
        }))
        .reason("the upstream result changed before the second approval");
    e.customer_id = Some(v.customer_id);
    e.verification_id = Some(v.verification_id);
    audit_log::append(tx, now, e).await.map(|_| ())
}

/// The customer case `id` belongs to (not found: no such case).
pub async fn customer_of(st: &AppState, id: i64) -> Result<i64, AppError> {
    db::verifications::customer_of(st.db.reader(), id)
        .await?
        .ok_or_else(|| AppError::not_found("Case"))
}

/// The case page.
pub async fn case(
    st: &AppState,
    me: &CurrentUser,
    id: i64,
    pii_revealed: bool,
) -> Result<CaseView, AppError> {
    let v = db::verifications::find(st.db.reader(), id)
        .await?
        .ok_or_else(|| AppError::not_found("Case"))?;
    let mut customer = super::customers::get(&st.db, v.customer_id).await?;
    if !pii_revealed {
        super::customers::mask(&mut customer);
    }
    let assignee = match v.assignee_id {
        Some(a) => db::users::find(st.db.reader(), a).await?.map(|u| u.name),
        None => None,
    };
    let notes = db_cases::notes(st.db.reader(), id)
        .await?
        .into_iter()
        .map(|n| NoteView {
            author: n.author_name,
            body: n.body,
            at: views::time(n.created_at),
        })
        .collect();
    let decisions: Vec<DecisionView> = db_cases::decisions(st.db.reader(), id)
        .await?
        .into_iter()
        .map(decision_view)
        .collect();
    let proposal = decisions.iter().find(|d| d.status == "PROPOSED").cloned();
    let pushes = db_cases::outbox_of(st.db.reader(), id)
        .await?
        .into_iter()
        .map(|o| PushView {
            id: o.outbox_id,
            kind: o.kind,
            state: o.state,
            attempts: o.attempts,
            next_attempt_at: o.next_attempt_at.map(views::time),
            last_error: views::upstream_error(o.last_error.as_deref()),
            result: o
                .result
                .as_deref()
                .map(crate::server::workers::outbox::message_of),
        })
        .collect::<Vec<_>>();
    let others = db::verifications::for_customer(st.db.reader(), v.customer_id)
        .await?
        .into_iter()
        .filter(|o| o.verification_id != id)
        .map(|o| OtherVerification {
            id: o.verification_id,
            provider: o.provider,
            upstream_status: o.upstream_status,
            review_status: o.review_status,
            created_at: views::time(o.created_at),
        })
        .collect();
    let checks = checks_of(st, id).await?;
    let status = status_of(&v);
    let upstream = v.upstream_status;
    let sanctions_hit = checks
        .iter()
        .any(|(c, o)| *c == CheckCategory::SanctionsPepAml && *o == CheckOutcome::Failed);
    let upstream_failed = matches!(upstream, UpstreamStatus::Failed | UpstreamStatus::Declined);
    let is_assignee = v.assignee_id == Some(me.user_id);
    let works = me.role.can(crate::domain::Permission::WorkCases);
    // Deciding by approving is the strictest case; declines need four eyes only on a sanctions hit.
    let four_eyes_any = sanctions_hit;
    let decide = decision::decide_as(me.role, is_assignee, status, four_eyes_any);
    let can = CaseActions {
        claim: works && decision::may_claim(me.role, status).is_ok(),
        release: status == ReviewStatus::InReview
            && (is_assignee || me.role == Role::ComplianceOfficer),
        assign: me.role == Role::ComplianceOfficer
            && matches!(
                status,
                ReviewStatus::Unreviewed | ReviewStatus::InReview | ReviewStatus::Escalated
            ),
        note: true,
        decide: decide.is_ok(),
        propose: matches!(decide, Ok(DecideAs::Proposal))
            || (me.role == Role::ComplianceOfficer
                && is_assignee
                && status == ReviewStatus::InReview
                && upstream_failed),
        escalate: status == ReviewStatus::InReview
            && is_assignee
            && me.role == Role::Reviewer
            && (sanctions_hit || upstream_failed),
        second: proposal
            .as_ref()
            .is_some_and(|p| decision::may_second(me.role, p.by_id == me.user_id, status).is_ok()),
        retry_push: me.role == Role::ComplianceOfficer
            && pushes.iter().any(|p| p.state == "FAILED"),
        decide_blocked: match (&decide, works) {
            (_, false) => None,
            (Err(r), true) => Some(r.0.to_string()),
            (Ok(_), true) => None,
        },
    };
    let assignable = if can.assign {
        db::users::assignable(st.db.reader())
            .await?
            .into_iter()
            .map(|(user_id, name, role)| ActorOption {
                user_id,
                label: format!("{name} ({})", role.replace('_', " ")),
            })
            .collect()
    } else {
        Vec::new()
    };
    // Before a reveal, the payload shows no personal value, and neither does text copied from
    // it (failure reasons here, checks in `with_checks`).
    let personal = if pii_revealed {
        Personal::default()
    } else {
        super::customers::personal_of(&v)
    };
    let failure_reasons = serde_json::from_str::<Vec<serde_json::Value>>(&v.failure_reasons)
        .unwrap_or_default()
        .iter()
        .map(|r| {
            let part = |k: &str| {
                let text = r.get(k).and_then(|c| c.as_str()).unwrap_or("");
                personal.mask(text.to_string())
            };
            let (code, detail) = (part("code"), part("detail"));
            match (code.is_empty(), detail.is_empty()) {
                (false, false) => format!("{code}: {detail}"),
                (false, true) => code,
                _ => detail,
            }
        })
        .filter(|s| !s.is_empty())
        .collect();
    let raw_snapshot = serde_json::from_str::<serde_json::Value>(&v.snapshot).ok();
    let snapshot = raw_snapshot
        .as_ref()
        .map(|s| {
            if pii_revealed {
                s.clone()
            } else {
                mask_personal(s)
            }
        })
        .and_then(|s| serde_json::to_string_pretty(&s).ok())
        .unwrap_or_default();
    let provider = v.provider;
    // Photos are listed from where the snapshot redacted them, and fetched
    // through the media proxy only once personal data is revealed.
    let serves_media = st
        .providers
        .adapter(provider)
        .is_some_and(|a| a.serves_media());
    let media = match (&raw_snapshot, serves_media) {
        (Some(s), true) => crate::server::providers::media::media_paths(s)
            .into_iter()
            .map(|path| crate::view::MediaView {
                label: crate::server::providers::media::label(&path),
                url: pii_revealed.then(|| {
                    format!(
                        "/cases/{}/media?path={}",
                        v.verification_id,
                        urlencoding_component(&path)
                    )
                }),
                path,
            })
            .collect(),
        _ => Vec::new(),
    };
    let on_its_way = pushes
        .iter()
        .any(|p| p.kind != "decision" && matches!(p.state.as_str(), "PENDING" | "SENDING"));
    let may_retrigger = decision::may_retrigger(me.role, is_assignee, status, on_its_way);
    let retriggers = if works {
        super::retrigger::offered(me.role, provider, upstream, &checks)
            .into_iter()
            .map(|(what, ok)| {
                let ok = match &may_retrigger {
                    Err(r) => Err(r.0),
                    Ok(()) => ok,
                };
                use super::retrigger::Retrigger;
                let (label, warning) = match what {
                    Retrigger::Reratify => (
                        "Re-ratify at Eclipse",
                        Some("Starts a new ratification: the customer is PENDING at Eclipse until it finishes."),
                    ),
                    Retrigger::Liveness => ("New liveness check (Eclipse)", Some("Costs a paid AWS liveness session.")),
                    Retrigger::NewSession => (
                        "New biometric.kz session",
                        Some("Uses a paid transaction in production organisations."),
                    ),
                    Retrigger::NewWorkflow => ("New WIDTH workflow", None),
                };
                crate::view::RetriggerOption {
                    action: what.as_str().to_string(),
                    label: label.to_string(),
                    blocked: ok.err().map(str::to_string),
                    confirm: matches!(what, Retrigger::NewSession)
                        || (what == Retrigger::Reratify && upstream == UpstreamStatus::Passed),
                    warning: warning.map(str::to_string),
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    let verification = super::customers::with_checks(&st.db, vec![v.clone()], pii_revealed)
        .await?
        .pop()
        .ok_or_else(AppError::internal)?;
    Ok(CaseView {
        verification,
        customer,
        pii_revealed,
        assignee,
        assignee_id: v.assignee_id,
        notes,
        decisions,
        proposal,
        pushes,
        push_policy: push_policy(provider).to_string(),
        others,
        snapshot,
        media,
        sanctions_hit,
        upstream_failed,
        can,
        assignable,
        failure_reasons,
        retriggers,
    })
}

fn decision_view(d: db_cases::DecisionRow) -> DecisionView {
    DecisionView {
        id: d.decision_id,
        kind: d.kind,
        reason: decision::reason(&d.reason_code)
            .map(|r| r.label.to_string())
            .unwrap_or(d.reason_code),
        note: d.note,
        status: d.status,
        four_eyes: d.four_eyes,
        by: d.decided_by_name,
        by_id: d.decided_by,
        at: views::time(d.decided_at),
        second_by: d.second_by_name,
        second_at: d.second_at.map(views::time),
        second_note: d.second_note,
    }
}

/// The next open case for this person after `id`: their own first, then an
/// unassigned one they may claim.
pub async fn next_case(
    st: &AppState,
    me: &CurrentUser,
    after_id: i64,
) -> Result<Option<i64>, AppError> {
    let now = st.clock.now_ms();
    for view in ["mine", "unassigned"] {
        let q = QueueQuery {
            view: Some(view.into()),
            ..QueueQuery::default()
        };
        let filter = q.filter(me, now)?;
        let rows = db_cases::queue(st.db.reader(), &filter, None, 50).await?;
        if let Some(r) = rows.into_iter().find(|r| {
            r.verification_id != after_id
                && (r.review_status == ReviewStatus::InReview
                    || decision::may_claim(me.role, r.review_status).is_ok())
        }) {
            return Ok(Some(r.verification_id));
        }
    }
    Ok(None)
}

/// Percent-encodes a query value (a JSON pointer: `/`, `~`, letters, digits).
fn urlencoding_component(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
