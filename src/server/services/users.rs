//! User administration. Every change is audited in its own transaction, and
//! any change to a user's access (role, disabled, password) ends all of that
//! user's sessions in the same transaction.

use crate::domain::audit::{AuditAction, AuditEntity};
use crate::domain::user::{check_new_password, Email, PersonName};
use crate::domain::Role;
use crate::error::AppError;
use crate::server::clock::Clock;
use crate::server::db::audit::{self as audit_log, change, Actor, NewEvent, Origin};
use crate::server::db::users::UserRow;
use crate::server::db::{self, Db};
use crate::server::password::Passwords;
use crate::server::views;
use crate::view::{Page, UserView};
use secrecy::{ExposeSecret, SecretString};

/// What a new user needs; parse it with [`NewUser::parse`].
pub struct NewUser {
    pub email: Email,
    pub name: PersonName,
    pub role: Role,
    pub password: SecretString,
}

impl NewUser {
    /// Checks every field; the first bad one is named in the error.
    pub fn parse(
        email: &str,
        name: &str,
        role: &str,
        password: SecretString,
    ) -> Result<NewUser, AppError> {
        let email = Email::parse(email).map_err(|m| AppError::validation("email", m))?;
        let name = PersonName::parse(name).map_err(|m| AppError::validation("name", m))?;
        let role = parse_role(role)?;
        check_new_password(password.expose_secret())
            .map_err(|m| AppError::validation("password", m))?;
        Ok(NewUser {
            email,
            name,
            role,
            password,
        })
    }
}

/// The password of an account that signs in with single sign-on only: random, never shown,
/// so no one can use it (the sign-in answers as for any wrong password).
pub fn sso_only_password(sso_configured: bool) -> Result<SecretString, AppError> {
    if !sso_configured {
        return Err(AppError::validation(
            "password",
            "Single sign-on is not configured: give the account a password.",
        ));
    }
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    Ok(SecretString::from(hex::encode(bytes)))
}

pub fn parse_role(raw: &str) -> Result<Role, AppError> {
    raw.parse()
        .map_err(|_| AppError::validation("role", "Choose one of the four roles."))
}

pub const USERS_PAGE_SIZE: i64 = 50;

/// A page of accounts by name, after the `after` cursor.
pub async fn page(db: &Db, after: Option<&str>) -> Result<Page<UserView>, AppError> {
    let after = match crate::domain::filled(&after.map(str::to_string)) {
        None => None,
        Some(c) => Some(
            decode_cursor(c).ok_or_else(|| AppError::validation("after", "Bad page cursor."))?,
        ),
    };
    let rows = db::users::page(
        db.reader(),
        after.as_ref().map(|(n, i)| (n.as_str(), *i)),
        USERS_PAGE_SIZE + 1,
    )
    .await?;
    let (rows, next_cursor) =
        views::page_of(rows, USERS_PAGE_SIZE, |u| encode_cursor(&u.name, u.user_id));
    let items = rows.into_iter().map(view).collect();
    Ok(Page { items, next_cursor })
}

pub async fn get(db: &Db, user_id: i64) -> Result<UserView, AppError> {
    db::users::find(db.reader(), user_id)
        .await?
        .map(view)
        .ok_or_else(|| AppError::not_found("User"))
}

fn format_time(ms: i64) -> String {
    let t = db::from_unix_ms(ms);
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    t.format(&fmt).unwrap_or_default()
}

fn view(u: UserRow) -> UserView {
    UserView {
        role: u.role,
        user_id: u.user_id,
        email: u.email,
        name: u.name,
        disabled: u.disabled,
        second_factor: u.second_factor,
        created_at: format_time(u.created_at),
        updated_at: format_time(u.updated_at),
    }
}

/// Opaque cursor for the `(name, user_id)` keyset.
fn encode_cursor(name: &str, id: i64) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(serde_json::json!([name, id]).to_string())
}

fn decode_cursor(c: &str) -> Option<(String, i64)> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(c)
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The pieces user administration needs.
pub struct Deps<'a> {
    pub db: &'a Db,
    pub passwords: &'a Passwords,
    pub clock: &'a Clock,
}

pub async fn create(
    d: &Deps<'_>,
    actor: Actor,
    origin: &Origin,
    new: NewUser,
) -> Result<i64, AppError> {
    let hash = d.passwords.hash(&new.password).await?;
    let now = d.clock.now_ms();
    let mut tx = d.db.begin_write().await?;
    let user_id = match db::users::insert(
        &mut tx,
        new.email.as_str(),
        new.name.as_str(),
        new.role,
        &hash,
        now,
    )
    .await
    {
        Ok(id) => id,
        Err(e) if db::is_unique_violation(&e) => {
            return Err(AppError::validation(
                "email",
                "A user with this e-mail address already exists.",
            ))
        }
        Err(e) => return Err(e.into()),
    };
    audit_log::append(
        &mut tx,
        now,
        NewEvent::new(actor, AuditAction::UserCreated, AuditEntity::User, origin)
            .entity_id(user_id)
            .changes(serde_json::json!({
                "role": change(None::<&str>, new.role.as_str()),
                "disabled": change(None::<bool>, false),
            })),
    )
    .await?;
    tx.commit().await?;
    Ok(user_id)
}

/// The account `actor` is about to change: never their own (another admin does that).
pub(crate) async fn load_for_change(
    tx: &mut db::Tx,
    actor: &Actor,
    user_id: i64,
    what: &str,
) -> Result<UserRow, AppError> {
    if matches!(actor, Actor::User { user_id: me, .. } if *me == user_id) {
        return Err(AppError::conflict(format!(
            "You cannot {what} your own account; ask another admin."
        )));
    }
    db::users::find_in(tx, user_id)
        .await?
        .ok_or_else(|| AppError::not_found("User"))
}

pub async fn change_role(
    d: &Deps<'_>,
    actor: Actor,
    origin: &Origin,
    user_id: i64,
    role: Role,
) -> Result<(), AppError> {
    let now = d.clock.now_ms();
    let mut tx = d.db.begin_write().await?;
    let user = load_for_change(&mut tx, &actor, user_id, "change the role of").await?;
    if user.role() == role {
        return Ok(());
    }
    db::users::set_role(&mut tx, user_id, role, now).await?;
    let ended = db::sessions::delete_for_user(&mut tx, user_id).await?;
    audit_log::append(
        &mut tx,
        now,
        NewEvent::new(
            actor,
            AuditAction::UserRoleChanged,
            AuditEntity::User,
            origin,
        )
        .entity_id(user_id)
        .changes(serde_json::json!({ "role": change(user.role, role) }))
        .reason(format!("{ended} session(s) ended")),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn set_disabled(
    d: &Deps<'_>,
    actor: Actor,
    origin: &Origin,
    user_id: i64,
    disabled: bool,
) -> Result<(), AppError> {
    let now = d.clock.now_ms();
    let mut tx = d.db.begin_write().await?;
    let user = load_for_change(
        &mut tx,
        &actor,
        user_id,
        if disabled { "disable" } else { "enable" },
    )
    .await?;
    if user.disabled == disabled {
        return Ok(());
    }
    db::users::set_disabled(&mut tx, user_id, disabled, now).await?;
    let ended = db::sessions::delete_for_user(&mut tx, user_id).await?;
    let action = if disabled {
        AuditAction::UserDisabled
    } else {
        AuditAction::UserEnabled
    };
    audit_log::append(
        &mut tx,
        now,
        NewEvent::new(actor, action, AuditEntity::User, origin)
            .entity_id(user_id)
            .changes(serde_json::json!({ "disabled": change(user.disabled, disabled) }))
            .reason(format!("{ended} session(s) ended")),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn reset_password(
    d: &Deps<'_>,
    actor: Actor,
    origin: &Origin,
    user_id: i64,
    password: SecretString,
) -> Result<(), AppError> {
    check_new_password(password.expose_secret())
        .map_err(|m| AppError::validation("password", m))?;
    let hash = d.passwords.hash(&password).await?;
    let now = d.clock.now_ms();
    let mut tx = d.db.begin_write().await?;
    load_for_change(&mut tx, &actor, user_id, "reset the password of").await?;
    db::users::set_password_hash(&mut tx, user_id, &hash, now).await?;
    let ended = db::sessions::delete_for_user(&mut tx, user_id).await?;
    audit_log::append(
        &mut tx,
        now,
        NewEvent::new(
            actor,
            AuditAction::UserPasswordReset,
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
