//! Rows of the `login_throttle` table: failed sign-ins per account key.

use super::Tx;
use sqlx::{SqliteExecutor, SqlitePool};

/// When the account's lock ends, if it is locked at `now`.
pub async fn locked_until<'e>(
    db: impl SqliteExecutor<'e>,
    account_key: &str,
    now: i64,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT locked_until FROM login_throttle WHERE account_key = $1 AND locked_until > $2",
    )
    .bind(account_key)
    .bind(now)
    .fetch_optional(db)
    .await
}

/// Counts one failure in one statement and returns the account's count:
/// one more than before, or 1 when the last failure was at or before
/// `forget_before` (or there was none). Parallel failures each count.
pub async fn count_failure(
    tx: &mut Tx,
    account_key: &str,
    now: i64,
    forget_before: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO login_throttle (account_key, failures, last_failure_at, locked_until) \
         VALUES ($1, 1, $2, 0) ON CONFLICT (account_key) DO UPDATE SET \
         failures = CASE WHEN login_throttle.last_failure_at > $3 \
                         THEN login_throttle.failures + 1 ELSE 1 END, \
         last_failure_at = excluded.last_failure_at \
         RETURNING failures",
    )
    .bind(account_key)
    .bind(now)
    .bind(forget_before)
    .fetch_one(&mut **tx)
    .await
}

/// Locks the account until `until` (after [`count_failure`], in its transaction).
pub async fn lock(tx: &mut Tx, account_key: &str, until: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE login_throttle SET locked_until = $2 WHERE account_key = $1")
        .bind(account_key)
        .bind(until)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

pub async fn clear(tx: &mut Tx, account_key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_throttle WHERE account_key = $1")
        .bind(account_key)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

/// Deletes what is forgotten: no failure after `forget_before` and no lock
/// at `now`. Returns how many.
pub async fn purge(writer: &SqlitePool, forget_before: i64, now: i64) -> Result<u64, sqlx::Error> {
    sqlx::query("DELETE FROM login_throttle WHERE last_failure_at <= $1 AND locked_until <= $2")
        .bind(forget_before)
        .bind(now)
        .execute(writer)
        .await
        .map(|r| r.rows_affected())
}
