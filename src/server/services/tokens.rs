//! API tokens for the onboarding app: `kdt_` + 32 random bytes (base64url).
//! Only the SHA-256 of a token is stored; the token is shown once.

use crate::domain::audit::{AuditAction, AuditEntity};
use crate::error::AppError;
use crate::server::clock::Clock;
use crate::server::db::audit::{self as audit_log, change, Actor, NewEvent, Origin};
use crate::server::db::{self, Db};
use secrecy::SecretString;
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Register customers and ask for refreshes; read everything.
    Ingest,
    /// Read only.
    Read,
}

impl Scope {
    pub fn parse(s: &str) -> Option<Scope> {
        match s {
            "ingest" => Some(Scope::Ingest),
            "read" => Some(Scope::Read),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Ingest => "ingest",
            Scope::Read => "read",
        }
    }
}

pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn generate() -> String {
    use base64::Engine as _;
    use rand::RngCore as _;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!(
        "kdt_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// Creates a token; returns its id and the token itself (shown once).
pub async fn create(
    db: &Db,
    clock: &Clock,
    actor: Actor,
    origin: &Origin,
    name: &str,
    scope: Scope,
) -> Result<(i64, SecretString), AppError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(AppError::validation(
            "name",
            "Give the token a name of 1 to 100 characters.",
        ));
    }
    let token = generate();
    let now = clock.now_ms();
    let mut tx = db.begin_write().await?;
    let id = db::tokens::insert(&mut tx, name, scope.as_str(), &hash(&token), now).await?;
    audit_log::append(
        &mut tx,
        now,
        NewEvent::new(actor, AuditAction::TokenCreated, AuditEntity::Token, origin)
            .entity_id(id)
            .changes(serde_json::json!({ "name": change(None::<&str>, name), "scope": change(None::<&str>, scope.as_str()) })),
    )
    .await?;
    tx.commit().await?;
    Ok((id, SecretString::from(token)))
}

pub async fn revoke(
    db: &Db,
    clock: &Clock,
    actor: Actor,
    origin: &Origin,
    id: i64,
) -> Result<(), AppError> {
    let now = clock.now_ms();
    let mut tx = db.begin_write().await?;
    let t = db::tokens::find(&mut tx, id)
        .await?
        .ok_or_else(|| AppError::not_found("Token"))?;
    if t.revoked_at.is_some() {
        return Ok(());
    }
    db::tokens::revoke(&mut tx, id, now).await?;
    audit_log::append(
        &mut tx,
        now,
        NewEvent::new(actor, AuditAction::TokenRevoked, AuditEntity::Token, origin).entity_id(id),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The live token presented, if any, with its scope.
pub async fn authenticate(
    db: &Db,
    clock: &Clock,
    token: &str,
) -> Result<Option<(i64, Scope)>, AppError> {
    let Some(row) = db::tokens::find_live(db.reader(), &hash(token)).await? else {
        return Ok(None);
    };
    let now = clock.now_ms();
    if row.last_used_at.is_none_or(|t| now - t > 60_000) {
        db::tokens::touch(db.writer(), row.api_token_id, now).await?;
    }
    Ok(Scope::parse(&row.scope).map(|s| (row.api_token_id, s)))
}
