use super::Tx;
use sqlx::{FromRow, SqlitePool};

#[derive(Debug, Clone, FromRow)]
pub struct TokenRow {
    pub api_token_id: i64,
    pub name: String,
    /// `ingest` or `read`.
    pub scope: String,
    /// Reads personal data unmasked.
    pub pii: bool,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

const COLUMNS: &str =
    "api_token_id, name, scope, pii, created_at, expires_at, last_used_at, revoked_at";

pub struct NewToken<'a> {
    pub name: &'a str,
    pub scope: &'a str,
    pub pii: bool,
    pub token_hash: &'a str,
    pub created_at: i64,
    pub expires_at: Option<i64>,
}

pub async fn insert(tx: &mut Tx, t: &NewToken<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO api_token (name, scope, pii, token_hash, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING api_token_id",
    )
    .bind(t.name)
    .bind(t.scope)
    .bind(t.pii)
    .bind(t.token_hash)
    .bind(t.created_at)
    .bind(t.expires_at)
    .fetch_one(&mut **tx)
    .await
}

/// The live token with this hash: not revoked, and not expired at `now`.
pub async fn find_live(
    pool: &SqlitePool,
    token_hash: &str,
    now: i64,
) -> Result<Option<TokenRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM api_token WHERE token_hash = $1 AND revoked_at IS NULL \
         AND (expires_at IS NULL OR expires_at > $2)"
    ))
    .bind(token_hash)
    .bind(now)
    .fetch_optional(pool)
    .await
}

pub async fn all(pool: &SqlitePool) -> Result<Vec<TokenRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM api_token ORDER BY api_token_id"
    ))
    .fetch_all(pool)
    .await
}

pub async fn find(tx: &mut Tx, api_token_id: i64) -> Result<Option<TokenRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM api_token WHERE api_token_id = $1"
    ))
    .bind(api_token_id)
    .fetch_optional(&mut **tx)
    .await
}

pub async fn revoke(tx: &mut Tx, api_token_id: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE api_token SET revoked_at = $1 WHERE api_token_id = $2 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(api_token_id)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

pub async fn touch(writer: &SqlitePool, api_token_id: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE api_token SET last_used_at = $1 WHERE api_token_id = $2")
        .bind(now)
        .bind(api_token_id)
        .execute(writer)
        .await
        .map(|_| ())
}
