//! The reviewer workspace's storage: the queue, claims, notes, decisions and
//! the outbox.

use super::Tx;
use crate::domain::decision::DecisionKind;
use crate::domain::verification::{Provider, ReviewStatus, UpstreamStatus};
use sqlx::{FromRow, SqlitePool};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// Oldest first.
    Age,
    /// Most recently updated first.
    Updated,
}

/// Who the case is assigned to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assigned {
    Anyone,
    To(i64),
    /// Anyone but this person (the proposals another officer made).
    NotTo(i64),
    Nobody,
}

#[derive(Debug, Clone)]
pub struct QueueFilter {
    pub assigned: Assigned,
    pub provider: Option<Provider>,
    pub upstream_status: Option<UpstreamStatus>,
    /// `None`: every open case.
    pub review_status: Option<ReviewStatus>,
    /// Bit of a check category that must have failed.
    pub failed_bit: Option<i64>,
    /// Only cases created at or before this time (older than N hours).
    pub created_before: Option<i64>,
    /// Only cases whose provider has finished (`domain::case::ready_for_review`).
    pub ready_only: bool,
    pub sort: Sort,
}

#[derive(Debug, Clone, FromRow)]
pub struct QueueRow {
    pub verification_id: i64,
    pub customer_id: i64,
    pub display_name: String,
    pub provider: Provider,
    pub upstream_status: UpstreamStatus,
    pub upstream_status_raw: String,
    pub review_status: ReviewStatus,
    pub failed_checks: i64,
    pub assignee_id: Option<i64>,
    pub assignee_name: Option<String>,
    pub push_state: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

fn queue_query<'a>(
    prefix: &str,
    f: &'a QueueFilter,
    after: Option<(i64, i64)>,
    limit: i64,
) -> sqlx::QueryBuilder<'a, sqlx::Sqlite> {
    let mut q = sqlx::QueryBuilder::new(format!(
        "{prefix}SELECT v.verification_id, v.customer_id, c.display_name, v.provider, v.upstream_status, \
         v.upstream_status_raw, v.review_status, v.failed_checks, v.assignee_id, u.name AS assignee_name, \
         v.push_state, v.created_at, v.updated_at \
         FROM verification v JOIN customer c ON c.customer_id = v.customer_id \
         LEFT JOIN app_user u ON u.user_id = v.assignee_id WHERE "
    ));
    match &f.review_status {
        // Open: UNREVIEWED, IN_REVIEW, PENDING_SECOND_APPROVAL, ESCALATED
        // (the generated `is_open` column).
        None => q.push("v.is_open = 1"),
        Some(s) => q.push("v.review_status = ").push_bind(*s),
    };
    match f.assigned {
        Assigned::Anyone => {}
        Assigned::To(id) => {
            q.push(" AND v.assignee_id = ").push_bind(id);
        }
        Assigned::NotTo(id) => {
            q.push(" AND v.assignee_id IS NOT ").push_bind(id);
        }
        Assigned::Nobody => {
            q.push(" AND v.assignee_id IS NULL");
        }
    }
    if f.ready_only {
        q.push(format!(
            " AND v.upstream_status NOT IN ({})",
            waiting_on_provider()
        ));
    }
    if let Some(p) = &f.provider {
        q.push(" AND v.provider = ").push_bind(*p);
    }
    if let Some(s) = &f.upstream_status {
        q.push(" AND v.upstream_status = ").push_bind(*s);
    }
    if let Some(bit) = f.failed_bit {
        q.push(" AND (v.failed_checks & ")
            .push_bind(bit)
            .push(") <> 0");
    }
    if let Some(t) = f.created_before {
        // Sorted by update, the age filter must not pull the planner off the
        // updated_at index: a unary `+` keeps it a row filter.
        let col = if f.sort == Sort::Updated {
            "+v.created_at"
        } else {
            "v.created_at"
        };
        q.push(format!(" AND {col} <= ")).push_bind(t);
    }
    let (col, cmp, dir) = match f.sort {
        Sort::Age => ("created_at", ">", "ASC"),
        Sort::Updated => ("updated_at", "<", "DESC"),
    };
    if let Some((key, id)) = after {
        // A row value: SQLite seeks the index to it (the equivalent `OR`
        // form walks the index from its start, slow 1,000 pages deep).
        q.push(format!(" AND (v.{col}, v.verification_id) {cmp} ("))
            .push_bind(key)
            .push(", ")
            .push_bind(id)
            .push(")");
    }
    q.push(format!(
        " ORDER BY v.{col} {dir}, v.verification_id {dir} LIMIT "
    ))
    .push_bind(limit);
    q
}

/// `'NOT_STARTED', 'IN_PROGRESS', …`: the statuses of `case::WAITING_ON_PROVIDER` (constants of
/// ours, not input).
fn waiting_on_provider() -> String {
    crate::domain::case::WAITING_ON_PROVIDER
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// How many cases wait in each of a person's inboxes, each counted up to `cap` (a count reads
/// at most `cap` index entries, whatever the size of the queue).
#[derive(Debug, Clone, Copy, FromRow)]
pub struct InboxRow {
    pub mine: i64,
    pub unassigned: i64,
    pub escalated: i64,
    pub awaiting_me: i64,
}

pub async fn inbox_counts(pool: &SqlitePool, me: i64, cap: i64) -> Result<InboxRow, sqlx::Error> {
    let waiting = waiting_on_provider();
    sqlx::query_as(&format!(
        "SELECT \
         (SELECT COUNT(*) FROM (SELECT 1 FROM verification \
            WHERE assignee_id = $1 AND is_open = 1 LIMIT $2)) AS mine, \
         (SELECT COUNT(*) FROM (SELECT 1 FROM verification WHERE assignee_id IS NULL AND is_open = 1 \
            AND upstream_status NOT IN ({waiting}) LIMIT $2)) AS unassigned, \
         (SELECT COUNT(*) FROM (SELECT 1 FROM verification \
            WHERE review_status = 'ESCALATED' LIMIT $2)) AS escalated, \
         (SELECT COUNT(*) FROM (SELECT 1 FROM verification \
            WHERE review_status = 'PENDING_SECOND_APPROVAL' AND assignee_id IS NOT $1 LIMIT $2)) \
            AS awaiting_me"
    ))
    .bind(me)
    .bind(cap)
    .fetch_one(pool)
    .await
}

pub async fn queue(
    pool: &SqlitePool,
    f: &QueueFilter,
    after: Option<(i64, i64)>,
    limit: i64,
) -> Result<Vec<QueueRow>, sqlx::Error> {
    queue_query("", f, after, limit)
        .build_query_as()
        .fetch_all(pool)
        .await
}

/// SQLite's plan of a queue page (for the index test).
pub async fn explain_queue(
    pool: &SqlitePool,
    f: &QueueFilter,
    after: Option<(i64, i64)>,
) -> Result<Vec<String>, sqlx::Error> {
    let rows: Vec<(i64, i64, i64, String)> = queue_query("EXPLAIN QUERY PLAN ", f, after, 51)
        .build_query_as()
        .fetch_all(pool)
        .await?;
    Ok(rows.into_iter().map(|r| r.3).collect())
}

/// Changes a case's review status and assignee, if it is still at
/// `version`. `false`: someone changed it first.
pub async fn set_review(
    tx: &mut Tx,
    verification_id: i64,
    version: i64,
    review_status: &str,
    assignee_id: Option<i64>,
    by: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE verification SET review_status = $1, assignee_id = $2, updated_by = $3, updated_at = $4, \
         version = version + 1 WHERE verification_id = $5 AND version = $6",
    )
    .bind(review_status)
    .bind(assignee_id)
    .bind(by)
    .bind(now)
    .bind(verification_id)
    .bind(version)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_push_state(
    tx: &mut Tx,
    verification_id: i64,
    state: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE verification SET push_state = $1 WHERE verification_id = $2")
        .bind(state)
        .bind(verification_id)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

#[derive(Debug, Clone, FromRow)]
pub struct NoteRow {
    pub note_id: i64,
    pub author_id: i64,
    pub author_name: String,
    pub body: String,
    pub created_at: i64,
}

pub async fn add_note(
    tx: &mut Tx,
    verification_id: i64,
    author_id: i64,
    body: &str,
    now: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO note (verification_id, author_id, body, created_at) VALUES ($1, $2, $3, $4) RETURNING note_id",
    )
    .bind(verification_id)
    .bind(author_id)
    .bind(body)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
}

pub async fn notes(pool: &SqlitePool, verification_id: i64) -> Result<Vec<NoteRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT n.note_id, n.author_id, u.name AS author_name, n.body, n.created_at FROM note n \
         JOIN app_user u ON u.user_id = n.author_id WHERE n.verification_id = $1 ORDER BY n.created_at, n.note_id",
    )
    .bind(verification_id)
    .fetch_all(pool)
    .await
}

/// The first note on the case after note `after` written by someone other than `reader`.
pub async fn note_after(
    tx: &mut Tx,
    verification_id: i64,
    after: i64,
    reader: i64,
) -> Result<Option<NoteRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT n.note_id, n.author_id, u.name AS author_name, n.body, n.created_at FROM note n \
         JOIN app_user u ON u.user_id = n.author_id \
         WHERE n.verification_id = $1 AND n.note_id > $2 AND n.author_id <> $3 \
         ORDER BY n.note_id LIMIT 1",
    )
    .bind(verification_id)
    .bind(after)
    .bind(reader)
    .fetch_optional(&mut **tx)
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct DecisionRow {
    pub decision_id: i64,
    pub verification_id: i64,
    pub kind: DecisionKind,
    pub reason_code: String,
    pub note: String,
    pub evidence_hash: String,
    pub four_eyes: bool,
    pub status: String,
    pub decided_by: i64,
    pub decided_by_name: String,
    pub decided_at: i64,
    pub second_by: Option<i64>,
    pub second_by_name: Option<String>,
    pub second_at: Option<i64>,
    pub second_note: Option<String>,
}

const DECISION: &str = "SELECT d.decision_id, d.verification_id, d.kind, d.reason_code, d.note, d.evidence_hash, \
    d.four_eyes, d.status, d.decided_by, a.name AS decided_by_name, d.decided_at, d.second_by, \
    b.name AS second_by_name, d.second_at, d.second_note FROM decision d JOIN app_user a ON a.user_id = d.decided_by \
    LEFT JOIN app_user b ON b.user_id = d.second_by";

pub struct NewDecision<'a> {
    pub verification_id: i64,
    pub kind: &'a str,
    pub reason_code: &'a str,
    pub note: &'a str,
    pub evidence_hash: &'a str,
    pub four_eyes: bool,
    pub status: &'a str,
    pub decided_by: i64,
    pub now: i64,
}

pub async fn add_decision(tx: &mut Tx, d: &NewDecision<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO decision (verification_id, kind, reason_code, note, evidence_hash, four_eyes, status, \
         decided_by, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING decision_id",
    )
    .bind(d.verification_id)
    .bind(d.kind)
    .bind(d.reason_code)
    .bind(d.note)
    .bind(d.evidence_hash)
    .bind(d.four_eyes)
    .bind(d.status)
    .bind(d.decided_by)
    .bind(d.now)
    .fetch_one(&mut **tx)
    .await
}

pub async fn decisions(
    pool: &SqlitePool,
    verification_id: i64,
) -> Result<Vec<DecisionRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{DECISION} WHERE d.verification_id = $1 ORDER BY d.decided_at, d.decision_id"
    ))
    .bind(verification_id)
    .fetch_all(pool)
    .await
}

/// The proposal waiting for a second officer, if any.
pub async fn open_proposal(
    tx: &mut Tx,
    verification_id: i64,
) -> Result<Option<DecisionRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{DECISION} WHERE d.verification_id = $1 AND d.status = 'PROPOSED'"
    ))
    .bind(verification_id)
    .fetch_optional(&mut **tx)
    .await
}

/// Closes a proposal: CONFIRMED or REJECTED by a second officer, or VOID.
pub async fn close_proposal(
    tx: &mut Tx,
    decision_id: i64,
    status: &str,
    second_by: Option<i64>,
    second_note: Option<&str>,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE decision SET status = $1, second_by = $2, second_at = $3, second_note = $4 \
         WHERE decision_id = $5 AND status = 'PROPOSED'",
    )
    .bind(status)
    .bind(second_by)
    .bind(now)
    .bind(second_note)
    .bind(decision_id)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

#[derive(Debug, Clone, FromRow)]
pub struct OutboxRow {
    pub outbox_id: i64,
    pub idempotency_key: String,
    pub verification_id: i64,
    pub decision_id: Option<i64>,
    pub provider: Provider,
    pub kind: String,
    pub payload: String,
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: Option<i64>,
    pub last_error: Option<String>,
    pub result: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const OUTBOX: &str = "SELECT outbox_id, idempotency_key, verification_id, decision_id, provider, kind, payload, state, \
    attempts, next_attempt_at, last_error, result, created_at, updated_at FROM outbox";

pub struct NewOutbox<'a> {
    pub idempotency_key: &'a str,
    pub verification_id: i64,
    pub decision_id: Option<i64>,
    pub provider: Provider,
    pub kind: &'a str,
    pub payload: &'a str,
    pub now: i64,
}

pub async fn add_outbox(tx: &mut Tx, o: &NewOutbox<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO outbox (idempotency_key, verification_id, decision_id, provider, kind, payload, state, \
         next_attempt_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'PENDING', $7, $7, $7) \
         RETURNING outbox_id",
    )
    .bind(o.idempotency_key)
    .bind(o.verification_id)
    .bind(o.decision_id)
    .bind(o.provider)
    .bind(o.kind)
    .bind(o.payload)
    .bind(o.now)
    .fetch_one(&mut **tx)
    .await
}

pub async fn due_outbox(
    pool: &SqlitePool,
    now: i64,
    limit: i64,
    provider: Provider,
) -> Result<Vec<OutboxRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{OUTBOX} WHERE state = 'PENDING' AND provider = $1 AND next_attempt_at <= $2 \
         ORDER BY next_attempt_at LIMIT $3"
    ))
    .bind(provider)
    .bind(now)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Is an upstream action other than a decision push (a re-trigger) still
/// on its way for the case: waiting to go out, or out now?
pub async fn upstream_action_on_its_way(
    tx: &mut Tx,
    verification_id: i64,
) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM outbox WHERE verification_id = $1 AND kind <> 'decision' \
         AND state IN ('PENDING', 'SENDING'))",
    )
    .bind(verification_id)
    .fetch_one(&mut **tx)
    .await
}

/// A provider's rows whose call went out before `before` and never came
/// back (the process stopped meanwhile).
pub async fn outbox_sending_since(
    pool: &SqlitePool,
    provider: Provider,
    before: i64,
) -> Result<Vec<OutboxRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{OUTBOX} WHERE state = 'SENDING' AND provider = $1 AND updated_at < $2"
    ))
    .bind(provider)
    .bind(before)
    .fetch_all(pool)
    .await
}

pub async fn outbox_of(
    pool: &SqlitePool,
    verification_id: i64,
) -> Result<Vec<OutboxRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "{OUTBOX} WHERE verification_id = $1 ORDER BY created_at, outbox_id"
    ))
    .bind(verification_id)
    .fetch_all(pool)
    .await
}

pub async fn outbox_get(tx: &mut Tx, outbox_id: i64) -> Result<Option<OutboxRow>, sqlx::Error> {
    sqlx::query_as(&format!("{OUTBOX} WHERE outbox_id = $1"))
        .bind(outbox_id)
        .fetch_optional(&mut **tx)
        .await
}

/// Records an attempt's outcome: `state` PENDING (retry at `next`), DONE or FAILED.
#[allow(clippy::too_many_arguments)]
pub async fn outbox_record(
    tx: &mut Tx,
    outbox_id: i64,
    state: &str,
    attempts: i64,
    next_attempt_at: Option<i64>,
    last_error: Option<&str>,
    result: Option<&str>,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE outbox SET state = $1, attempts = $2, next_attempt_at = $3, last_error = $4, result = $5, \
         updated_at = $6 WHERE outbox_id = $7",
    )
    .bind(state)
    .bind(attempts)
    .bind(next_attempt_at)
    .bind(last_error)
    .bind(result)
    .bind(now)
    .bind(outbox_id)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

/// Starts a row's delivery window again (an officer's retry).
pub async fn outbox_restart_window(
    tx: &mut Tx,
    outbox_id: i64,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE outbox SET created_at = $1 WHERE outbox_id = $2")
        .bind(now)
        .bind(outbox_id)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

/// Adds a row unless one with this idempotency key exists; its id if added.
pub async fn add_outbox_once(tx: &mut Tx, o: &NewOutbox<'_>) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO outbox (idempotency_key, verification_id, decision_id, provider, kind, payload, state, \
         next_attempt_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'PENDING', $7, $7, $7) \
         ON CONFLICT (idempotency_key) DO NOTHING RETURNING outbox_id",
    )
    .bind(o.idempotency_key)
    .bind(o.verification_id)
    .bind(o.decision_id)
    .bind(o.provider)
    .bind(o.kind)
    .bind(o.payload)
    .bind(o.now)
    .fetch_optional(&mut **tx)
    .await
}

pub async fn outbox_by_key(pool: &SqlitePool, key: &str) -> Result<Option<OutboxRow>, sqlx::Error> {
    sqlx::query_as(&format!("{OUTBOX} WHERE idempotency_key = $1"))
        .bind(key)
        .fetch_optional(pool)
        .await
}
