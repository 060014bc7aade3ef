//! API tokens for the onboarding app: `kdt_` + 32 random bytes (base64url).
//! Only the SHA-256 of a token is stored; the token is shown once.

use crate::domain::audit::{AuditAction, AuditEntity};
use crate::error::AppError;
use crate::server::clock::Clock;
use crate::server::db::audit::{self as audit_log, change, Actor, NewEvent, Origin};
use crate::server::db::{self, Db};
use secrecy::SecretString;
use sha2::{Digest, Sha256};
use std::time::Duration;

/// What a token may do with customers and verifications.
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

/// A token's scopes: `ingest` or `read`, and `pii` to read personal data
/// unmasked (names, e-mail addresses, the checks' texts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scopes {
    pub access: Scope,
    pub pii: bool,
}

/// Every scope name, as `token add --scope` takes them.
pub const SCOPE_NAMES: &[&str] = &["ingest", "read", "pii"];

impl From<Scope> for Scopes {
    fn from(access: Scope) -> Scopes {
        Scopes { access, pii: false }
    }
}

impl Scopes {
    /// From scope names, each `ingest`, `read` or `pii` (commas also separate them:
    /// `read,pii`). `ingest` includes `read`; `pii` needs one of them.
    pub fn parse<S: AsRef<str>>(names: &[S]) -> Result<Scopes, String> {
        let mut access = None;
        let mut pii = false;
        for name in names.iter().flat_map(|n| n.as_ref().split(',')) {
            match name.trim() {
                "ingest" => access = Some(Scope::Ingest),
                "read" if access.is_none() => access = Some(Scope::Read),
                "read" => {}
                "pii" => pii = true,
                other => {
                    return Err(format!(
                        "unknown scope '{other}': use ingest or read, and pii to read personal data"
                    ))
                }
            }
        }
        match access {
            Some(access) => Ok(Scopes { access, pii }),
            None => Err("give the token ingest or read (pii adds personal data to either)".into()),
        }
    }

    /// `ingest`, `read`, `ingest,pii` or `read,pii`.
    pub fn describe(self) -> String {
        if self.pii {
            format!("{},pii", self.access.as_str())
        } else {
            self.access.as_str().to_string()
        }
    }
}

/// The longest `--expires-in`: ten years.
const MAX_EXPIRES_IN: Duration = Duration::from_secs(3650 * 86_400);

/// A token's lifetime, as `token add --expires-in` takes it: a whole number and a unit, `m`
/// (minutes), `h` (hours), `d` (days) or `w` (weeks): `90m`, `12h`, `30d`, `8w`.
pub fn parse_expires_in(s: &str) -> Result<Duration, String> {
    let bad =
        || format!("'{s}' is not a lifetime: a whole number and a unit, e.g. 90m, 12h, 30d or 8w");
    let t = s.trim();
    let unit = t.chars().last().ok_or_else(bad)?;
    let secs: u64 = match unit {
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        'w' => 7 * 86_400,
        _ => return Err(bad()),
    };
    let digits = &t[..t.len() - 1];
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let n: u64 = digits.parse().map_err(|_| bad())?;
    let d = n
        .checked_mul(secs)
        .map(Duration::from_secs)
        .filter(|d| *d <= MAX_EXPIRES_IN)
        .ok_or_else(|| format!("'{s}' is too long: at most 3650d (ten years)"))?;
    if d.is_zero() {
        return Err(format!("'{s}' has already passed: give at least 1m"));
    }
    Ok(d)
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

/// Creates a token, valid for `expires_in` (for ever when `None`); returns its id and the
/// token itself (shown once).
pub async fn create(
    db: &Db,
    clock: &Clock,
    actor: Actor,
    origin: &Origin,
    name: &str,
    scopes: Scopes,
    expires_in: Option<Duration>,
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
    let expires_at = expires_in.map(|d| now.saturating_add(d.as_millis() as i64));
    let mut tx = db.begin_write().await?;
    let new = db::tokens::NewToken {
        name,
        scope: scopes.access.as_str(),
        pii: scopes.pii,
        token_hash: &hash(&token),
        created_at: now,
        expires_at,
    };
    let id = db::tokens::insert(&mut tx, &new).await?;
    audit_log::append(
        &mut tx,
        now,
        NewEvent::new(actor, AuditAction::TokenCreated, AuditEntity::Token, origin)
            .entity_id(id)
            .changes(serde_json::json!({
                "name": change(None::<&str>, name),
                "scope": change(None::<&str>, scopes.describe()),
                "expires_at": change(None::<&str>, expires_at.map(crate::server::views::time)),
            })),
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

/// The live (neither revoked nor expired) token presented, if any, with its scopes.
pub async fn authenticate(
    db: &Db,
    clock: &Clock,
    token: &str,
) -> Result<Option<(i64, Scopes)>, AppError> {
    let now = clock.now_ms();
    let Some(row) = db::tokens::find_live(db.reader(), &hash(token), now).await? else {
        return Ok(None);
    };
    if row.last_used_at.is_none_or(|t| now - t > 60_000) {
        db::tokens::touch(db.writer(), row.api_token_id, now).await?;
    }
    Ok(Scope::parse(&row.scope).map(|access| {
        let scopes = Scopes {
            access,
            pii: row.pii,
        };
        (row.api_token_id, scopes)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_combine_ingest_or_read_with_pii() {
        let read = Scopes::parse(&["read"]).expect("read");
        assert_eq!((read.access, read.pii), (Scope::Read, false));
        for names in [
            &["read", "pii"][..],
            &["read,pii"],
            &["pii", "read"],
            &[" read , pii "],
        ] {
            let s = Scopes::parse(names).expect("read and pii");
            assert_eq!((s.access, s.pii), (Scope::Read, true), "{names:?}");
            assert_eq!(s.describe(), "read,pii");
        }
        let s = Scopes::parse(&["read", "ingest"]).expect("ingest includes read");
        assert_eq!(s.describe(), "ingest");
        assert!(Scopes::parse(&["pii"]).is_err(), "pii alone reads nothing");
        assert!(Scopes::parse::<&str>(&[]).is_err());
        let e = Scopes::parse(&["read", "admin"]).expect_err("unknown");
        assert!(e.contains("admin"), "{e}");
    }

    #[test]
    fn a_lifetime_is_a_whole_number_and_a_unit() {
        assert_eq!(parse_expires_in("90m"), Ok(Duration::from_secs(90 * 60)));
        assert_eq!(parse_expires_in("12h"), Ok(Duration::from_secs(12 * 3600)));
        assert_eq!(
            parse_expires_in(" 30d "),
            Ok(Duration::from_secs(30 * 86_400))
        );
        assert_eq!(parse_expires_in("8w"), Ok(Duration::from_secs(56 * 86_400)));
        assert_eq!(parse_expires_in("3650d"), Ok(MAX_EXPIRES_IN));
        for bad in [
            "",
            "30",
            "d",
            "30x",
            "-5d",
            "+5d",
            "1.5h",
            "30 d",
            "0d",
            "3651d",
            "99999999999999999w",
            "３0d",
        ] {
            let e = parse_expires_in(bad).expect_err(bad);
            assert!(
                e.contains(bad.trim()) || bad.trim().is_empty(),
                "{bad}: {e}"
            );
        }
    }
}
