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

pub fn parse_role(raw: &str) -> Result<Role, AppError> {
    raw.parse()
        .map_err(|_| AppError::validation("role", "Choose one of the four roles."))
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

async fn load_for_change(
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
