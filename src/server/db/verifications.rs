use super::Tx;
use crate::domain::verification::{
    CheckCategory, CheckOutcome, Provider, ReviewStatus, UpstreamStatus,
};
use sqlx::{FromRow, SqlitePool};

#[derive(Debug, Clone, FromRow)]
pub struct VerificationRow {
    pub verification_id: i64,
    pub customer_id: i64,
    pub customer_ref_id: i64,
    pub provider: Provider,
    pub upstream_ref: String,
    pub upstream_status_raw: String,
    pub upstream_status: UpstreamStatus,
    pub terminal: bool,
    pub review_status: ReviewStatus,
    pub assignee_id: Option<i64>,
    pub version: i64,
    pub failed_checks: i64,
    pub failure_reasons: String,
    pub snapshot: String,
    pub snapshot_hash: String,
    pub upstream_updated_at: Option<String>,
    pub upstream_changed_at: i64,
    pub last_polled_at: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub updated_by: Option<i64>,
    pub push_state: Option<String>,
    /// JSON: the provider's earlier results for the same reference (`EarlierResult`s).
    pub earlier_results: String,
}

#[derive(Debug, Clone, FromRow)]
pub struct CheckRow {
    pub verification_id: i64,
    pub position: i64,
    pub check_key: String,
    pub name: String,
    pub category: CheckCategory,
    pub outcome: CheckOutcome,
    pub score: Option<f64>,
    pub score_scale: Option<String>,
    pub threshold: Option<f64>,
    pub reason: Option<String>,
    pub comment: Option<String>,
}

pub const COLUMNS: &str = "verification_id, customer_id, customer_ref_id, provider, upstream_ref, \
    upstream_status_raw, upstream_status, terminal, review_status, assignee_id, version, failed_checks, \
    failure_reasons, snapshot, snapshot_hash, upstream_updated_at, upstream_changed_at, last_polled_at, last_error, \
    created_at, updated_at, updated_by, push_state, earlier_results";

const CHECK_COLUMNS: &str =
    "verification_id, position, check_key, name, category, outcome, score, score_scale, \
    threshold, reason, comment";

pub async fn find(
    pool: &SqlitePool,
    verification_id: i64,
) -> Result<Option<VerificationRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM verification WHERE verification_id = $1"
    ))
    .bind(verification_id)
    .fetch_optional(pool)
    .await
}

pub async fn find_in(
    tx: &mut Tx,
    verification_id: i64,
) -> Result<Option<VerificationRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM verification WHERE verification_id = $1"
    ))
    .bind(verification_id)
    .fetch_optional(&mut **tx)
    .await
}

pub async fn find_by_upstream_ref(
    tx: &mut Tx,
    provider: Provider,
    upstream_ref: &str,
) -> Result<Option<VerificationRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM verification WHERE provider = $1 AND upstream_ref = $2"
    ))
    .bind(provider)
    .bind(upstream_ref)
    .fetch_optional(&mut **tx)
    .await
}

/// The verifications of a ref that are still current (not superseded).
pub async fn current_for_ref(
    tx: &mut Tx,
    customer_ref_id: i64,
) -> Result<Vec<VerificationRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM verification WHERE customer_ref_id = $1 AND review_status <> 'SUPERSEDED' \
         ORDER BY created_at, verification_id"
    ))
    .bind(customer_ref_id)
    .fetch_all(&mut **tx)
    .await
}

pub async fn for_customer(
    pool: &SqlitePool,
    customer_id: i64,
) -> Result<Vec<VerificationRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM verification WHERE customer_id = $1 ORDER BY created_at DESC, verification_id DESC"
    ))
    .bind(customer_id)
    .fetch_all(pool)
    .await
}

/// The checks of one verification, in their upstream order; inside a
/// write transaction when a decision depends on them.
pub async fn checks<'e>(
    ex: impl sqlx::Executor<'e, Database = sqlx::Sqlite>,
    verification_id: i64,
) -> Result<Vec<CheckRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {CHECK_COLUMNS} FROM verification_check WHERE verification_id = $1 ORDER BY position"
    ))
    .bind(verification_id)
    .fetch_all(ex)
    .await
}

/// The checks of several verifications at once (one query for a page).
pub async fn checks_of(pool: &SqlitePool, ids: &[i64]) -> Result<Vec<CheckRow>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = sqlx::QueryBuilder::new(format!(
        "SELECT {CHECK_COLUMNS} FROM verification_check WHERE verification_id IN ("
    ));
    let mut sep = q.separated(", ");
    for id in ids {
        sep.push_bind(*id);
    }
    q.push(") ORDER BY verification_id, position");
    q.build_query_as().fetch_all(pool).await
}

/// A new verification, as read from upstream.
pub struct NewVerification<'a> {
    pub customer_id: i64,
    pub customer_ref_id: i64,
    pub provider: Provider,
    pub upstream_ref: &'a str,
    pub upstream_status_raw: &'a str,
    pub upstream_status: &'a str,
    pub terminal: bool,
    pub failed_checks: i64,
    pub failure_reasons: &'a str,
    pub snapshot: &'a str,
    pub snapshot_hash: &'a str,
    pub upstream_updated_at: Option<&'a str>,
    /// JSON of the provider's earlier results (`[]` for most).
    pub earlier_results: &'a str,
    pub now: i64,
}

pub async fn insert(tx: &mut Tx, v: &NewVerification<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO verification (customer_id, customer_ref_id, provider, upstream_ref, upstream_status_raw, \
         upstream_status, terminal, failed_checks, failure_reasons, snapshot, snapshot_hash, upstream_updated_at, \
         upstream_changed_at, last_polled_at, created_at, updated_at, earlier_results) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $13, $13, $14) \
         RETURNING verification_id",
    )
    .bind(v.customer_id)
    .bind(v.customer_ref_id)
    .bind(v.provider)
    .bind(v.upstream_ref)
    .bind(v.upstream_status_raw)
    .bind(v.upstream_status)
    .bind(v.terminal)
    .bind(v.failed_checks)
    .bind(v.failure_reasons)
    .bind(v.snapshot)
    .bind(v.snapshot_hash)
    .bind(v.upstream_updated_at)
    .bind(v.now)
    .bind(v.earlier_results)
    .fetch_one(&mut **tx)
    .await
}

/// Stores a changed upstream result on an existing verification (its
/// version moves on, so anything decided on the old evidence is stale).
pub async fn update_upstream(
    tx: &mut Tx,
    verification_id: i64,
    v: &NewVerification<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE verification SET upstream_ref = $11, upstream_status_raw = $1, upstream_status = $2, terminal = $3, \
         failed_checks = $4, \
         failure_reasons = $5, snapshot = $6, snapshot_hash = $7, upstream_updated_at = $8, last_polled_at = $9, \
         upstream_changed_at = $9, last_error = NULL, version = version + 1, updated_at = $9, \
         earlier_results = $12 WHERE verification_id = $10",
    )
    .bind(v.upstream_status_raw)
    .bind(v.upstream_status)
    .bind(v.terminal)
    .bind(v.failed_checks)
    .bind(v.failure_reasons)
    .bind(v.snapshot)
    .bind(v.snapshot_hash)
    .bind(v.upstream_updated_at)
    .bind(v.now)
    .bind(verification_id)
    .bind(v.upstream_ref)
    .bind(v.earlier_results)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

/// Keeps the provider's earlier results of a verification whose own result did not change
/// (they are a summary beside the evidence, not the evidence: the version stays).
pub async fn set_earlier_results(
    tx: &mut Tx,
    verification_id: i64,
    earlier_results: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE verification SET earlier_results = $1 WHERE verification_id = $2")
        .bind(earlier_results)
        .bind(verification_id)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

/// Records a poll that found nothing new (or failed) on a verification.
pub async fn record_poll(
    tx: &mut Tx,
    verification_id: i64,
    now: i64,
    last_error: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE verification SET last_polled_at = $1, last_error = $2 WHERE verification_id = $3",
    )
    .bind(now)
    .bind(last_error)
    .bind(verification_id)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

pub async fn set_review_status(
    tx: &mut Tx,
    verification_id: i64,
    review_status: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE verification SET review_status = $1, version = version + 1, updated_at = $2 WHERE verification_id = $3",
    )
    .bind(review_status)
    .bind(now)
    .bind(verification_id)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

/// Back to the queue: unreviewed and unassigned (a voided proposal).
pub async fn reopen(tx: &mut Tx, verification_id: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE verification SET review_status = 'UNREVIEWED', assignee_id = NULL, updated_by = NULL, \
         version = version + 1, updated_at = $1 WHERE verification_id = $2",
    )
    .bind(now)
    .bind(verification_id)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

/// The customer a verification belongs to.
pub async fn customer_of<'e>(
    db: impl sqlx::SqliteExecutor<'e>,
    verification_id: i64,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT customer_id FROM verification WHERE verification_id = $1")
        .bind(verification_id)
        .fetch_optional(db)
        .await
}

/// Marks a non-terminal verification `EXPIRED` (raw status kept).
pub async fn expire(tx: &mut Tx, verification_id: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE verification SET upstream_status = 'EXPIRED', terminal = TRUE, version = version + 1, updated_at = $1 \
         WHERE verification_id = $2",
    )
    .bind(now)
    .bind(verification_id)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

pub async fn replace_checks(
    tx: &mut Tx,
    verification_id: i64,
    checks: &[crate::domain::verification::Check],
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM verification_check WHERE verification_id = $1")
        .bind(verification_id)
        .execute(&mut **tx)
        .await?;
    for (i, c) in checks.iter().enumerate() {
        sqlx::query(
            "INSERT INTO verification_check (verification_id, position, check_key, name, category, outcome, score, \
             score_scale, threshold, reason, comment) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(verification_id)
        .bind(i as i64)
        .bind(&c.key)
        .bind(&c.name)
        .bind(c.category.as_str())
        .bind(c.outcome.as_str())
        .bind(c.score)
        .bind(c.score_scale.map(|s| s.as_str()))
        .bind(c.threshold)
        .bind(&c.reason)
        .bind(&c.comment)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Filters of the JSON API's verification list.
#[derive(Debug, Default, Clone)]
pub struct ApiFilter {
    pub customer_id: Option<i64>,
    pub provider: Option<Provider>,
    pub upstream_status: Option<UpstreamStatus>,
    pub review_status: Option<ReviewStatus>,
}

/// A keyset page, newest first, after the `before` id.
pub async fn api_page(
    pool: &SqlitePool,
    f: &ApiFilter,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<VerificationRow>, sqlx::Error> {
    let mut q = sqlx::QueryBuilder::new(format!("SELECT {COLUMNS} FROM verification WHERE 1 = 1"));
    if let Some(c) = f.customer_id {
        q.push(" AND customer_id = ").push_bind(c);
    }
    if let Some(p) = &f.provider {
        q.push(" AND provider = ").push_bind(*p);
    }
    if let Some(s) = &f.upstream_status {
        q.push(" AND upstream_status = ").push_bind(*s);
    }
    if let Some(s) = &f.review_status {
        q.push(" AND review_status = ").push_bind(*s);
    }
    if let Some(b) = before {
        q.push(" AND verification_id < ").push_bind(b);
    }
    q.push(" ORDER BY verification_id DESC LIMIT ")
        .push_bind(limit);
    q.build_query_as().fetch_all(pool).await
}
