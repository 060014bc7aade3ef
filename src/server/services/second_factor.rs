//! The second factor: setting up an authenticator app (TOTP), giving a code (or a recovery
//! code) after the password, and an admin's reset. Codes are throttled per account like
//! passwords (the same growing lock, on a key of their own) and per client address; every
//! outcome is in the audit trail.

use crate::domain::audit::{AuditAction, AuditEntity};
use crate::domain::second_factor::{recovery_code, step_owed, totp_code, MfaStep};
use crate::error::{AppError, ErrorKind};
use crate::server::db::audit::{self as audit_log, Actor, NewEvent, Origin};
use crate::server::db::{self, Tx};
use crate::server::second_factor as crypto;
use crate::server::services::auth::{limit_address, lock_ms, FORGET_AFTER_MS};
use crate::server::session::CurrentUser;
use crate::server::state::AppState;
use crate::view::{PendingEnrolment, TwoFactorView};
use std::net::IpAddr;

/// How the second factor was given (kept in the session).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Given {
    Totp,
    RecoveryCode,
}

impl Given {
    pub fn as_str(self) -> &'static str {
        match self {
            Given::Totp => "totp",
            Given::RecoveryCode => "recovery_code",
        }
    }
}

/// The step a person who just gave their password owes next, if any.
pub async fn owed_after_password(st: &AppState, user_id: i64) -> Result<Option<MfaStep>, AppError> {
    let user = db::users::find(st.db.reader(), user_id)
        .await?
        .ok_or_else(|| AppError::not_found("User"))?;
    Ok(step_owed(
        st.settings.mfa_policy(),
        user.role(),
        user.second_factor,
        false,
    ))
}

/// The account page's picture of a person's second factor.
pub async fn status(st: &AppState, user: &CurrentUser) -> Result<TwoFactorView, AppError> {
    let row = db::second_factor::totp(st.db.reader(), user.user_id).await?;
    let required = st.settings.mfa_policy().requires(user.role);
    let view = match row {
        Some(r) if r.confirmed_at.is_some() => TwoFactorView {
            enrolled_at: r.confirmed_at.map(crate::server::views::time),
            recovery_codes_left: db::second_factor::recovery_codes_left(
                st.db.reader(),
                user.user_id,
            )
            .await?,
            required,
            pending: None,
        },
        Some(r) => TwoFactorView {
            enrolled_at: None,
            recovery_codes_left: 0,
            required,
            pending: Some(pending_view(
                &r.secret,
                &user.email,
                r.pending_recovery_codes,
            )?),
        },
        None => TwoFactorView {
            enrolled_at: None,
            recovery_codes_left: 0,
            required,
            pending: None,
        },
    };
    Ok(view)
}

fn pending_view(
    secret: &str,
    email: &str,
    codes: Option<String>,
) -> Result<PendingEnrolment, AppError> {
    let uri = crypto::otpauth_uri(secret, email);
    let qr = crypto::qr_data_url(&uri).ok_or_else(|| {
        tracing::error!("the enrolment QR code could not be drawn");
        AppError::internal()
    })?;
    let grouped = secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    Ok(PendingEnrolment {
        secret: grouped,
        qr,
        recovery_codes: codes
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect(),
    })
}

/// Starts setting up an authenticator app (again, if a set-up was left unfinished): a new
/// secret and ten recovery codes, which count once the first code confirms them.
pub async fn begin(st: &AppState, user: &CurrentUser, origin: &Origin) -> Result<(), AppError> {
    let secret = crypto::new_secret();
    let codes = crypto::new_recovery_codes().join("\n");
    let now = st.clock.now_ms();
    let mut tx = st.db.begin_write().await?;
    if !db::second_factor::begin(&mut tx, user.user_id, &secret, &codes, now).await? {
        return Err(AppError::conflict(
            "Two-factor sign-in is already set up. An admin can reset it.",
        ));
    }
    audit(
        &mut tx,
        now,
        user,
        AuditAction::SecondFactorEnrolmentStarted,
        None,
        origin,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Confirms the set-up with the first code from the app: from now on the account signs in
/// with a second factor. Returns how it was given (this session has now given it).
pub async fn confirm(
    st: &AppState,
    user: &CurrentUser,
    code: &str,
    client_ip: Option<IpAddr>,
    origin: &Origin,
) -> Result<Given, AppError> {
    limit_address(st, client_ip)?;
    let code = totp_code(code)
        .ok_or_else(|| AppError::validation("code", "Type the six digits your app shows."))?;
    let now = st.clock.now_ms();
    let key = throttle_key(st, user.user_id);
    let mut tx = st.db.begin_write().await?;
    refuse_if_locked(&mut tx, &key, now).await?;
    let row = db::second_factor::totp(&mut *tx, user.user_id)
        .await?
        .filter(|r| r.confirmed_at.is_none())
        .ok_or_else(|| AppError::conflict("Start setting up two-factor sign-in first."))?;
    if !accept_code(&mut tx, user.user_id, &row.secret, &code, now).await? {
        return fail(tx, &key, now, user, "set-up code did not match", origin).await;
    }
    let hashes: Vec<String> = row
        .pending_recovery_codes
        .unwrap_or_default()
        .lines()
        .filter_map(recovery_code)
        .map(|c| crypto::recovery_code_hash(&c))
        .collect();
    db::second_factor::confirm(&mut tx, user.user_id, &hashes, now).await?;
    db::throttle::clear(&mut tx, &key).await?;
    let reason = format!("{} recovery codes", hashes.len());
    audit(
        &mut tx,
        now,
        user,
        AuditAction::SecondFactorEnrolled,
        Some(&reason),
        origin,
    )
    .await?;
    tx.commit().await?;
    Ok(Given::Totp)
}

/// The second step of signing in: a code from the app (each accepted once) or a recovery
/// code (each works once).
pub async fn give(
    st: &AppState,
    user: &CurrentUser,
    typed: &str,
    client_ip: Option<IpAddr>,
    origin: &Origin,
) -> Result<Given, AppError> {
    limit_address(st, client_ip)?;
    let (totp, recovery) = (totp_code(typed), recovery_code(typed));
    if totp.is_none() && recovery.is_none() {
        return Err(AppError::validation(
            "code",
            "Type the six digits your app shows, or one of your recovery codes.",
        ));
    }
    let now = st.clock.now_ms();
    let key = throttle_key(st, user.user_id);
    let mut tx = st.db.begin_write().await?;
    refuse_if_locked(&mut tx, &key, now).await?;
    let row = db::second_factor::totp(&mut *tx, user.user_id)
        .await?
        .filter(|r| r.confirmed_at.is_some())
        .ok_or_else(|| AppError::conflict("This account has no second factor to give."))?;
    let given = if let Some(code) = totp {
        accept_code(&mut tx, user.user_id, &row.secret, &code, now)
            .await?
            .then_some(Given::Totp)
    } else {
        let hash = crypto::recovery_code_hash(recovery.as_deref().unwrap_or_default());
        db::second_factor::use_recovery_code(&mut tx, user.user_id, &hash, now)
            .await?
            .then_some(Given::RecoveryCode)
    };
    let Some(given) = given else {
        return fail(
            tx,
            &key,
            now,
            user,
            "code did not match or was used before",
            origin,
        )
        .await;
    };
    db::throttle::clear(&mut tx, &key).await?;
    let (action, reason) = match given {
        Given::Totp => (AuditAction::SecondFactorUsed, None),
        Given::RecoveryCode => {
            let left = db::second_factor::recovery_codes_left(&mut *tx, user.user_id).await?;
            (
                AuditAction::RecoveryCodeUsed,
                Some(format!("{left} recovery codes left")),
            )
        }
    };
    audit(&mut tx, now, user, action, reason.as_deref(), origin).await?;
    tx.commit().await?;
    Ok(given)
}

/// Removes a person's second factor (an admin, or `kyc-desk user reset-mfa`): their sessions
/// end, and they set it up again at their next sign-in (where the policy requires one).
pub async fn reset(
    d: &crate::server::services::users::Deps<'_>,
    actor: Actor,
    origin: &Origin,
    user_id: i64,
) -> Result<(), AppError> {
    let now = d.clock.now_ms();
    let mut tx = d.db.begin_write().await?;
    crate::server::services::users::load_for_change(
        &mut tx,
        &actor,
        user_id,
        "reset the second factor of",
    )
    .await?;
    if !db::second_factor::remove(&mut tx, user_id).await? {
        return Err(AppError::conflict(
            "This account has no second factor to reset.",
        ));
    }
    db::users::touch(&mut tx, user_id, now).await?;
    let ended = db::sessions::delete_for_user(&mut tx, user_id).await?;
    audit_log::append(
        &mut tx,
        now,
        NewEvent::new(
            actor,
            AuditAction::UserSecondFactorReset,
            AuditEntity::User,
            origin,
        )
        .entity_id(user_id)
        .reason(format!("{ended} session(s) ended")),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Whether `code` is the app's code near `now` for `secret`, and not used before (it is used
/// now).
async fn accept_code(
    tx: &mut Tx,
    user_id: i64,
    secret: &str,
    code: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let now_secs = (now / 1000).max(0) as u64;
    match crypto::Totp::from_base32(secret).and_then(|t| t.matching_step(code, now_secs)) {
        Some(step) => db::second_factor::accept_step(tx, user_id, step as i64).await,
        None => Ok(false),
    }
}

fn throttle_key(st: &AppState, user_id: i64) -> String {
    st.keyed_hash("second-factor", &user_id.to_be_bytes())
}

async fn refuse_if_locked(tx: &mut Tx, key: &str, now: i64) -> Result<(), AppError> {
    match db::throttle::locked_until(&mut **tx, key, now).await? {
        Some(until) => Err(ErrorKind::TooManyAttempts {
            retry_after_secs: ((until - now) as u64).div_ceil(1000),
        }
        .into()),
        None => Ok(()),
    }
}

/// Counts a failed code (with the same growing lock as passwords) and records it.
async fn fail<T>(
    mut tx: Tx,
    key: &str,
    now: i64,
    user: &CurrentUser,
    reason: &str,
    origin: &Origin,
) -> Result<T, AppError> {
    let failures = db::throttle::count_failure(&mut tx, key, now, now - FORGET_AFTER_MS).await?;
    let lock = lock_ms(failures);
    if lock > 0 {
        db::throttle::lock(&mut tx, key, now + lock).await?;
    }
    audit(
        &mut tx,
        now,
        user,
        AuditAction::SecondFactorFailed,
        Some(reason),
        origin,
    )
    .await?;
    tx.commit().await?;
    Err(AppError::validation(
        "code",
        "That code did not work. Codes change every 30 seconds and each works once.",
    ))
}

async fn audit(
    tx: &mut Tx,
    now: i64,
    user: &CurrentUser,
    action: AuditAction,
    reason: Option<&str>,
    origin: &Origin,
) -> Result<(), AppError> {
    let mut event =
        NewEvent::new(user.actor(), action, AuditEntity::User, origin).entity_id(user.user_id);
    if let Some(r) = reason {
        event = event.reason(r);
    }
    audit_log::append(tx, now, event).await?;
    Ok(())
}
