//! The metrics page's reads: decisions that took effect in a window (through
//! `decision_effective_idx`) and the open queue by age (through
//! `verification_open_created_idx`).

use crate::domain::verification::{Provider, ReviewStatus};
use futures::stream::BoxStream;
use sqlx::{FromRow, SqlitePool};

/// One decision that took effect, with what the page groups it by.
#[derive(Debug, Clone, FromRow)]
pub struct DecisionFact {
    pub effective_at: i64,
    pub kind: String,
    pub reason_code: String,
    pub provider: Provider,
    pub decided_by: i64,
    pub decided_by_name: String,
    pub second_by: Option<i64>,
    pub second_by_name: Option<String>,
    /// When KYC Desk received the case.
    pub received_at: i64,
}

const DECISIONS_BETWEEN: &str =
    "SELECT d.effective_at, d.kind, d.reason_code, v.provider, d.decided_by, \
     a.name AS decided_by_name, d.second_by, b.name AS second_by_name, v.created_at AS received_at \
     FROM decision d \
     JOIN verification v ON v.verification_id = d.verification_id \
     JOIN app_user a ON a.user_id = d.decided_by \
     LEFT JOIN app_user b ON b.user_id = d.second_by \
     WHERE d.effective_at >= $1 AND d.effective_at < $2";

const OPEN_RECEIVED_BETWEEN: &str =
    "SELECT COUNT(*) FROM verification WHERE is_open = 1 AND created_at > $1 AND created_at <= $2";

const OLDEST_OPEN: &str =
    "SELECT v.verification_id, v.provider, v.review_status, u.name AS assignee, v.created_at \
     FROM verification v LEFT JOIN app_user u ON u.user_id = v.assignee_id \
     WHERE v.is_open = 1 AND v.created_at <= $1 \
     ORDER BY v.created_at, v.verification_id LIMIT $2";

const RECEIVED_PER_DAY: &str =
    "SELECT (created_at - $1) / 86400000 AS day, COUNT(*) AS received FROM verification \
     WHERE created_at >= $1 AND created_at < $2 GROUP BY day";

const OPEN_NOW: &str = "SELECT provider, review_status, COUNT(*) AS open FROM verification \
     WHERE is_open = 1 GROUP BY provider, review_status";

const FAILED_PUSHES: &str = "SELECT COUNT(*) FROM outbox WHERE state = 'FAILED'";

/// How many cases were received on each day of `[from_ms, to_ms)` (days counted from
/// `from_ms`; days without any are left out).
pub async fn received_per_day(
    db: &SqlitePool,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    sqlx::query_as(RECEIVED_PER_DAY)
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(db)
        .await
}

/// The open cases now, by provider and review status.
pub async fn open_now(db: &SqlitePool) -> Result<Vec<(Provider, ReviewStatus, i64)>, sqlx::Error> {
    sqlx::query_as(OPEN_NOW).fetch_all(db).await
}

/// Decisions whose push upstream failed for good (until someone retries).
pub async fn failed_pushes(db: &SqlitePool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(FAILED_PUSHES).fetch_one(db).await
}

/// Decisions that took effect in `[from_ms, to_ms)`, streamed.
pub fn decisions_between(
    db: &SqlitePool,
    from_ms: i64,
    to_ms: i64,
) -> BoxStream<'_, Result<DecisionFact, sqlx::Error>> {
    sqlx::query_as(DECISIONS_BETWEEN)
        .bind(from_ms)
        .bind(to_ms)
        .fetch(db)
}

/// How many open cases were received in `(after, up_to]` (either bound open).
pub async fn open_received_between(
    db: &SqlitePool,
    after: Option<i64>,
    up_to: Option<i64>,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(OPEN_RECEIVED_BETWEEN)
        .bind(after.unwrap_or(i64::MIN))
        .bind(up_to.unwrap_or(i64::MAX))
        .fetch_one(db)
        .await
}

#[derive(Debug, Clone, FromRow)]
pub struct OldCaseRow {
    pub verification_id: i64,
    pub provider: Provider,
    pub review_status: ReviewStatus,
    pub assignee: Option<String>,
    pub created_at: i64,
}

/// The oldest open cases received at or before `up_to`, oldest first.
pub async fn oldest_open(
    db: &SqlitePool,
    up_to: i64,
    limit: i64,
) -> Result<Vec<OldCaseRow>, sqlx::Error> {
    sqlx::query_as(OLDEST_OPEN)
        .bind(up_to)
        .bind(limit)
        .fetch_all(db)
        .await
}

/// `EXPLAIN QUERY PLAN` of each metrics read (tests assert they search an index).
pub async fn explain(db: &SqlitePool) -> Result<Vec<String>, sqlx::Error> {
    let mut plans = Vec::new();
    for sql in [
        DECISIONS_BETWEEN,
        OPEN_RECEIVED_BETWEEN,
        OLDEST_OPEN,
        RECEIVED_PER_DAY,
    ] {
        let rows: Vec<(i64, i64, i64, String)> =
            sqlx::query_as(&format!("EXPLAIN QUERY PLAN {sql}"))
                .bind(0_i64)
                .bind(1_i64)
                .fetch_all(db)
                .await?;
        plans.push(
            rows.into_iter()
                .map(|r| r.3)
                .collect::<Vec<_>>()
                .join(" / "),
        );
    }
    for sql in [OPEN_NOW, FAILED_PUSHES] {
        let rows: Vec<(i64, i64, i64, String)> =
            sqlx::query_as(&format!("EXPLAIN QUERY PLAN {sql}"))
                .fetch_all(db)
                .await?;
        plans.push(
            rows.into_iter()
                .map(|r| r.3)
                .collect::<Vec<_>>()
                .join(" / "),
        );
    }
    Ok(plans)
}
