//! Rows of `sso_flow`: single sign-on sign-ins between the redirect and the callback.

use super::Tx;
use sqlx::{FromRow, SqlitePool};

#[derive(Debug, Clone, FromRow)]
pub struct FlowRow {
    pub binding_hash: String,
    pub nonce: String,
    pub pkce_verifier: String,
    pub next: String,
    pub created_at: i64,
}

pub async fn insert(
    writer: &SqlitePool,
    state_hash: &str,
    flow: &FlowRow,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO sso_flow (state_hash, binding_hash, nonce, pkce_verifier, next, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(state_hash)
    .bind(&flow.binding_hash)
    .bind(&flow.nonce)
    .bind(&flow.pkce_verifier)
    .bind(&flow.next)
    .bind(flow.created_at)
    .execute(writer)
    .await
    .map(|_| ())
}

/// Takes the flow of `state_hash`: it is gone afterwards, whatever comes of it.
pub async fn take(tx: &mut Tx, state_hash: &str) -> Result<Option<FlowRow>, sqlx::Error> {
    sqlx::query_as(
        "DELETE FROM sso_flow WHERE state_hash = $1 \
         RETURNING binding_hash, nonce, pkce_verifier, next, created_at",
    )
    .bind(state_hash)
    .fetch_optional(&mut **tx)
    .await
}

/// Forgets flows started before `before` (abandoned at the identity provider).
pub async fn purge(writer: &SqlitePool, before: i64) -> Result<u64, sqlx::Error> {
    sqlx::query("DELETE FROM sso_flow WHERE created_at < $1")
        .bind(before)
        .execute(writer)
        .await
        .map(|r| r.rows_affected())
}
