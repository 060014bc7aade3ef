//! What the Operations page reads from the database: each provider lane's outbox backlog.

use sqlx::{FromRow, SqlitePool};

/// One provider's undelivered outbox jobs.
#[derive(Debug, Clone, FromRow)]
pub struct Backlog {
    pub provider: String,
    /// Waiting or being sent.
    pub pending: i64,
    /// Given up on (an officer may retry them).
    pub failed: i64,
    /// When the oldest waiting job was made (unix ms).
    pub oldest_pending_at: Option<i64>,
}

pub async fn backlog(pool: &SqlitePool) -> Result<Vec<Backlog>, sqlx::Error> {
    sqlx::query_as(
        "SELECT provider, \
                SUM(CASE WHEN state IN ('PENDING', 'SENDING') THEN 1 ELSE 0 END) AS pending, \
                SUM(CASE WHEN state = 'FAILED' THEN 1 ELSE 0 END) AS failed, \
                MIN(CASE WHEN state IN ('PENDING', 'SENDING') THEN created_at END) \
                    AS oldest_pending_at \
         FROM outbox WHERE state IN ('PENDING', 'SENDING', 'FAILED') GROUP BY provider",
    )
    .fetch_all(pool)
    .await
}
