//! Signing in and out.
//!
//! The same answer (status, body, and work done) for an unknown account and
//! a wrong password: both verify an argon2 hash, both count a failure, both
//! write an audit event. Failures are throttled per account (keyed by a hash
//! of the e-mail, whether or not the account exists) with a growing lock, and
//! per client address.

use crate::domain::audit::{AuditAction, AuditEntity};
use crate::domain::user::Email;
use crate::error::{AppError, ErrorKind};
use crate::server::db;
use crate::server::db::audit::{self as audit_log, Actor, NewEvent, Origin};
use crate::server::password::Verdict;
use crate::server::session::CurrentUser;
use crate::server::state::AppState;
use secrecy::SecretString;
use std::net::IpAddr;

/// Failures allowed before the first lock.
const FREE_FAILURES: i64 = 4;
/// The longest lock of the growing series (2 s, 4 s, 8 s, … 15 min).
const MAX_LOCK_MS: i64 = 15 * 60 * 1000;
/// After this many consecutive failures the account locks for a day
/// (NIST SP 800-63B §5.2.2: no more than 100).
const HARD_LIMIT: i64 = 100;
const HARD_LOCK_MS: i64 = 24 * 60 * 60 * 1000;
/// Failures older than this are forgotten.
pub(crate) const FORGET_AFTER_MS: i64 = 24 * 60 * 60 * 1000;

const AUTH: Actor = Actor::System("auth");

/// How long the account stays locked after its `failures`-th failure.
pub fn lock_ms(failures: i64) -> i64 {
    if failures >= HARD_LIMIT {
        HARD_LOCK_MS
    } else if failures > FREE_FAILURES {
        let exp = (failures - FREE_FAILURES).min(20) as u32;
        (1000i64 << exp).min(MAX_LOCK_MS)
    } else {
        0
    }
}

/// The per-address limit shared by every sign-in step (password, second factor, single
/// sign-on's start).
pub fn limit_address(st: &AppState, client_ip: Option<IpAddr>) -> Result<(), AppError> {
    match client_ip {
        Some(ip) if st.login_limiter.check_key(&ip).is_err() => {
            tracing::warn!("sign-in rate limit reached for a client address");
            Err(ErrorKind::TooManyAttempts {
                retry_after_secs: 60,
            }
            .into())
        }
        _ => Ok(()),
    }
}

/// Who signed in, and their account's version as the password check saw it
/// (the session keeps it: a later change to the account ends the session).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignedIn {
    pub user_id: i64,
    pub user_version: i64,
}

pub async fn sign_in(
    st: &AppState,
    email: &str,
    password: &SecretString,
    client_ip: Option<IpAddr>,
    origin: &Origin,
) -> Result<SignedIn, AppError> {
    limit_address(st, client_ip)?;
    let email = Email::parse(email).map_err(|m| AppError::validation("email", m))?;
    let account_key = st.keyed_hash("login", email.as_str().as_bytes());
    let now = st.clock.now_ms();

    // A first look spares a locked account the password check; the lock is
    // looked at again where failures are counted.
    let locked = db::throttle::locked_until(st.db.reader(), &account_key, now).await?;
    let creds = db::users::credentials(st.db.reader(), email.as_str()).await?;
    let user_id = creds.as_ref().map(|c| c.user_id);
    if let Some(until) = locked {
        return refuse_locked(st.db.begin_write().await?, now, until, user_id, origin).await;
    }

    let verdict = st
        .passwords
        .verify(password, creds.as_ref().map(|c| c.password_hash.as_str()))
        .await;
    // An old, weaker hash is replaced at sign-in (hashed before the write
    // transaction, which would otherwise wait for it).
    let stronger_hash = match (&creds, &verdict) {
        (Some(c), Verdict::Match { needs_rehash: true }) if !c.disabled => {
            Some(st.passwords.hash(password).await?)
        }
        _ => None,
    };
    // The lock is checked and a failure counted in one write transaction
    // (write transactions take turns): of parallel attempts, each sees the
    // failures of those before it, as serial attempts would.
    let mut tx = st.db.begin_write().await?;
    if let Some(until) = db::throttle::locked_until(&mut *tx, &account_key, now).await? {
        return refuse_locked(tx, now, until, user_id, origin).await;
    }
    match (creds, verdict) {
        (Some(c), Verdict::Match { .. }) if !c.disabled => {
            db::throttle::clear(&mut tx, &account_key).await?;
            if let Some(hash) = &stronger_hash {
                db::users::upgrade_password_hash(&mut tx, c.user_id, hash, c.version).await?;
            }
            let role = c.role.parse().unwrap_or(crate::domain::Role::Reviewer);
            audit_log::append(
                &mut tx,
                now,
                NewEvent::new(
                    Actor::User {
                        user_id: c.user_id,
                        role,
                    },
                    AuditAction::SignInSucceeded,
                    AuditEntity::User,
                    origin,
                )
                .entity_id(c.user_id),
            )
            .await?;
            tx.commit().await?;
            Ok(SignedIn {
                user_id: c.user_id,
                user_version: c.version,
            })
        }
        (creds, verdict) => {
            let reason = match (&creds, verdict) {
                (None, _) => "unknown account",
                (Some(c), Verdict::Match { .. }) if c.disabled => "account disabled",
                (Some(_), _) => "wrong password",
            };
            let failures =
                db::throttle::count_failure(&mut tx, &account_key, now, now - FORGET_AFTER_MS)
                    .await?;
            let lock = lock_ms(failures);
            if lock > 0 {
                db::throttle::lock(&mut tx, &account_key, now + lock).await?;
            }
            audit_failure(&mut tx, now, user_id, reason, origin).await?;
            tx.commit().await?;
            Err(ErrorKind::InvalidCredentials.into())
        }
    }
}

/// Answers an attempt on a locked account (recorded; the attempt does not
/// count as a failure).
async fn refuse_locked<T>(
    mut tx: db::Tx,
    now: i64,
    locked_until: i64,
    user_id: Option<i64>,
    origin: &Origin,
) -> Result<T, AppError> {
    audit_failure(
        &mut tx,
        now,
        user_id,
        "account locked after repeated failures",
        origin,
    )
    .await?;
    tx.commit().await?;
    let retry_after_secs = ((locked_until - now) as u64).div_ceil(1000);
    Err(ErrorKind::TooManyAttempts { retry_after_secs }.into())
}

/// Forgets what failed sign-ins leave behind: the failure counts of
/// accounts with no failure for a day and no lock (returns how many), and
/// the per-address limits of addresses back to their full allowance. Not
/// a change anyone made: nothing is recorded.
pub async fn forget_old_failures(st: &AppState) -> Result<u64, AppError> {
    st.login_limiter.retain_recent();
    st.login_limiter.shrink_to_fit();
    let now = st.clock.now_ms();
    Ok(db::throttle::purge(st.db.writer(), now - FORGET_AFTER_MS, now).await?)
}

async fn audit_failure(
    tx: &mut db::Tx,
    now: i64,
    user_id: Option<i64>,
    reason: &str,
    origin: &Origin,
) -> Result<(), sqlx::Error> {
    let mut event =
        NewEvent::new(AUTH, AuditAction::SignInFailed, AuditEntity::User, origin).reason(reason);
    if let Some(id) = user_id {
        event = event.entity_id(id);
    }
    audit_log::append(tx, now, event).await.map(|_| ())
}

/// Records a sign-out (the caller deletes the session).
pub async fn signed_out(
    st: &AppState,
    user: &CurrentUser,
    origin: &Origin,
) -> Result<(), AppError> {
    let now = st.clock.now_ms();
    let mut tx = st.db.begin_write().await?;
    audit_log::append(
        &mut tx,
        now,
        NewEvent::new(
            user.actor(),
            AuditAction::SignedOut,
            AuditEntity::User,
            origin,
        )
        .entity_id(user.user_id),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_grows_with_each_failure_and_is_capped() {
        assert_eq!(lock_ms(1), 0);
        assert_eq!(lock_ms(4), 0);
        assert_eq!(lock_ms(5), 2_000);
        assert_eq!(lock_ms(6), 4_000);
        assert!(lock_ms(7) > lock_ms(6));
        assert_eq!(lock_ms(30), MAX_LOCK_MS);
        assert_eq!(lock_ms(99), MAX_LOCK_MS);
        assert_eq!(lock_ms(100), HARD_LOCK_MS);
    }
}
