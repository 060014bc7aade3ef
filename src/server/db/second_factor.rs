//! Rows of `user_totp` and `recovery_code`: a person's second factor.

use super::Tx;
use sqlx::{FromRow, SqliteExecutor};

/// A person's TOTP enrolment, confirmed or awaiting its first code.
#[derive(Debug, Clone, FromRow)]
pub struct TotpRow {
    pub secret: String,
    pub confirmed_at: Option<i64>,
    pub last_step: i64,
    /// The recovery codes shown while the enrolment awaits its first code.
    pub pending_recovery_codes: Option<String>,
}

pub async fn totp<'e>(
    db: impl SqliteExecutor<'e>,
    user_id: i64,
) -> Result<Option<TotpRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT secret, confirmed_at, last_step, pending_recovery_codes \
         FROM user_totp WHERE user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(db)
    .await
}

/// Starts (or starts again) an enrolment awaiting its first code. Never replaces a confirmed one.
pub async fn begin(
    tx: &mut Tx,
    user_id: i64,
    secret: &str,
    recovery_codes: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO user_totp (user_id, secret, pending_recovery_codes, created_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (user_id) DO UPDATE SET \
         secret = excluded.secret, pending_recovery_codes = excluded.pending_recovery_codes, \
         created_at = excluded.created_at, last_step = 0 \
         WHERE user_totp.confirmed_at IS NULL",
    )
    .bind(user_id)
    .bind(secret)
    .bind(recovery_codes)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Accepts the code of `step` unless a code of that step or a later one was accepted before
/// (each code works once): true when it is accepted now.
pub async fn accept_step(tx: &mut Tx, user_id: i64, step: i64) -> Result<bool, sqlx::Error> {
    let done =
        sqlx::query("UPDATE user_totp SET last_step = $2 WHERE user_id = $1 AND last_step < $2")
            .bind(user_id)
            .bind(step)
            .execute(&mut **tx)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// Confirms an enrolment: from now on it counts; its recovery codes are kept hashed only.
pub async fn confirm(
    tx: &mut Tx,
    user_id: i64,
    recovery_code_hashes: &[String],
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE user_totp SET confirmed_at = $2, pending_recovery_codes = NULL \
         WHERE user_id = $1",
    )
    .bind(user_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM recovery_code WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    for hash in recovery_code_hashes {
        sqlx::query("INSERT INTO recovery_code (user_id, code_hash) VALUES ($1, $2)")
            .bind(user_id)
            .bind(hash)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Uses a recovery code once: true when it was the person's and unused.
pub async fn use_recovery_code(
    tx: &mut Tx,
    user_id: i64,
    code_hash: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE recovery_code SET used_at = $3 \
         WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
    )
    .bind(user_id)
    .bind(code_hash)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// How many of the person's recovery codes are still unused.
pub async fn recovery_codes_left<'e>(
    db: impl SqliteExecutor<'e>,
    user_id: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM recovery_code WHERE user_id = $1 AND used_at IS NULL")
        .bind(user_id)
        .fetch_one(db)
        .await
}

/// Removes a person's second factor (and recovery codes): true if there was one.
pub async fn remove(tx: &mut Tx, user_id: i64) -> Result<bool, sqlx::Error> {
    sqlx::query("DELETE FROM recovery_code WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    let done = sqlx::query("DELETE FROM user_totp WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}
