use super::Tx;
use sqlx::{FromRow, SqlitePool};

#[derive(Debug, Clone, FromRow)]
pub struct TokenRow {
    pub api_token_id: i64,
    pub name: String,
    pub scope: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

const COLUMNS: &str = "api_token_id, name, scope, created_at, last_used_at, revoked_at";

pub async fn insert(
    tx: &mut Tx,
    name: &str,
    scope: &str,
    token_hash: &str,
    now: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO api_token (name, scope, token_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING api_token_id",
    )
    .bind(name)
    .bind(scope)
    .bind(token_hash)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
}

/// The live (not revoked) token with this hash.
pub async fn find_live(
    pool: &SqlitePool,
    token_hash: &str,
) -> Result<Option<TokenRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM api_token WHERE token_hash = $1 AND revoked_at IS NULL"
    ))
    .bind(token_hash)
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
