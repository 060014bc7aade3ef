//! Rows of the `session` table (see `server::session` for the store).

use super::Tx;
use sqlx::SqlitePool;

pub async fn load(
    pool: &SqlitePool,
    session_hash: &str,
    now: i64,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT data FROM session WHERE session_hash = $1 AND expires_at > $2")
        .bind(session_hash)
        .bind(now)
        .fetch_optional(pool)
        .await
}

/// Inserts a new session; `false` if the id is taken.
pub async fn create(
    writer: &SqlitePool,
    session_hash: &str,
    user_id: Option<i64>,
    data: &str,
    expires_at: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO session (session_hash, user_id, data, expires_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (session_hash) DO NOTHING",
    )
    .bind(session_hash)
    .bind(user_id)
    .bind(data)
    .bind(expires_at)
    .execute(writer)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Updates a session that still exists; `false` if it is gone (signed out,
/// expired, or ended by a change to its account). Never re-creates one: a
/// request in flight when its session was deleted cannot bring it back.
pub async fn update(
    writer: &SqlitePool,
    session_hash: &str,
    user_id: Option<i64>,
    data: &str,
    expires_at: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE session SET user_id = $2, data = $3, expires_at = $4 WHERE session_hash = $1",
    )
    .bind(session_hash)
    .bind(user_id)
    .bind(data)
    .bind(expires_at)
    .execute(writer)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn delete(writer: &SqlitePool, session_hash: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM session WHERE session_hash = $1")
        .bind(session_hash)
        .execute(writer)
        .await
        .map(|_| ())
}

/// Ends every session of a user (on disable, role change, password reset).
pub async fn delete_for_user(tx: &mut Tx, user_id: i64) -> Result<u64, sqlx::Error> {
    sqlx::query("DELETE FROM session WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await
        .map(|r| r.rows_affected())
}

/// Removes expired sessions, returning the users whose session ended.
pub async fn delete_expired(tx: &mut Tx, now: i64) -> Result<Vec<Option<i64>>, sqlx::Error> {
    sqlx::query_scalar("DELETE FROM session WHERE expires_at <= $1 RETURNING user_id")
        .bind(now)
        .fetch_all(&mut **tx)
        .await
}
