use super::Tx;
use sqlx::{FromRow, SqlitePool};

#[derive(Debug, Clone, Copy, FromRow, Default)]
pub struct Throttle {
    pub failures: i64,
    pub last_failure_at: i64,
    pub locked_until: i64,
}

pub async fn get(pool: &SqlitePool, account_key: &str) -> Result<Option<Throttle>, sqlx::Error> {
    sqlx::query_as(
        "SELECT failures, last_failure_at, locked_until FROM login_throttle WHERE account_key = $1",
    )
    .bind(account_key)
    .fetch_optional(pool)
    .await
}

pub async fn put(tx: &mut Tx, account_key: &str, t: Throttle) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO login_throttle (account_key, failures, last_failure_at, locked_until) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (account_key) DO UPDATE SET \
         failures = excluded.failures, last_failure_at = excluded.last_failure_at, \
         locked_until = excluded.locked_until",
    )
    .bind(account_key)
    .bind(t.failures)
    .bind(t.last_failure_at)
    .bind(t.locked_until)
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
