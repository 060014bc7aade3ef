use super::Tx;
use crate::domain::Role;
use sqlx::{FromRow, SqlitePool};

/// A user as stored, without the password hash.
#[derive(Debug, Clone, FromRow)]
pub struct UserRow {
    pub user_id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: i64,
    pub updated_at: i64,
    /// Counts up with every change to the account (role, access, password).
    pub version: i64,
    /// A confirmed second factor (TOTP) is on the account.
    pub second_factor: bool,
}

impl UserRow {
    pub fn role(&self) -> Role {
        self.role
    }
}

/// What sign-in needs to know about an account.
#[derive(FromRow)]
pub struct Credentials {
    pub user_id: i64,
    pub role: String,
    pub password_hash: String,
    pub disabled: bool,
    /// The account's version along with this password hash.
    pub version: i64,
}

const COLUMNS: &str = "user_id, email, name, role, disabled, created_at, updated_at, version, \
     EXISTS (SELECT 1 FROM user_totp t WHERE t.user_id = app_user.user_id \
             AND t.confirmed_at IS NOT NULL) AS second_factor";

pub async fn find(pool: &SqlitePool, user_id: i64) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM app_user WHERE user_id = $1"
    ))
    .bind(user_id)
    .fetch_optional(pool)
    .await
}

pub async fn find_in(tx: &mut Tx, user_id: i64) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM app_user WHERE user_id = $1"
    ))
    .bind(user_id)
    .fetch_optional(&mut **tx)
    .await
}

pub async fn find_by_email(pool: &SqlitePool, email: &str) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM app_user WHERE email = $1"))
        .bind(email)
        .fetch_optional(pool)
        .await
}

pub async fn credentials(
    pool: &SqlitePool,
    email: &str,
) -> Result<Option<Credentials>, sqlx::Error> {
    sqlx::query_as(
        "SELECT user_id, role, password_hash, disabled, version FROM app_user WHERE email = $1",
    )
    .bind(email)
    .fetch_optional(pool)
    .await
}

/// One page of users ordered by name, after the `(name, user_id)` cursor.
pub async fn page(
    pool: &SqlitePool,
    after: Option<(&str, i64)>,
    limit: i64,
) -> Result<Vec<UserRow>, sqlx::Error> {
    match after {
        None => {
            sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM app_user ORDER BY name, user_id LIMIT $1"
            ))
            .bind(limit)
            .fetch_all(pool)
            .await
        }
        Some((name, id)) => {
            sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM app_user WHERE (name > $1 OR (name = $1 AND user_id > $2)) \
             ORDER BY name, user_id LIMIT $3"
            ))
            .bind(name)
            .bind(id)
            .bind(limit)
            .fetch_all(pool)
            .await
        }
    }
}

pub async fn insert(
    tx: &mut Tx,
    email: &str,
    name: &str,
    role: Role,
    password_hash: &str,
    now: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO app_user (email, name, role, password_hash, disabled, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, FALSE, $5, $5) RETURNING user_id",
    )
    .bind(email)
    .bind(name)
    .bind(role.as_str())
    .bind(password_hash)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
}

pub async fn set_role(tx: &mut Tx, user_id: i64, role: Role, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE app_user SET role = $1, updated_at = $2, version = version + 1 WHERE user_id = $3",
    )
    .bind(role.as_str())
    .bind(now)
    .bind(user_id)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

pub async fn set_disabled(
    tx: &mut Tx,
    user_id: i64,
    disabled: bool,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE app_user SET disabled = $1, updated_at = $2, version = version + 1 WHERE user_id = $3")
        .bind(disabled)
        .bind(now)
        .bind(user_id)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

/// Counts a change to the account that has no column of its own (a second factor removed):
/// sessions that kept the old version end.
pub async fn touch(tx: &mut Tx, user_id: i64, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE app_user SET updated_at = $1, version = version + 1 WHERE user_id = $2")
        .bind(now)
        .bind(user_id)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

pub async fn set_password_hash(
    tx: &mut Tx,
    user_id: i64,
    hash: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE app_user SET password_hash = $1, updated_at = $2, version = version + 1 WHERE user_id = $3")
        .bind(hash)
        .bind(now)
        .bind(user_id)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

/// Replaces a password hash with a stronger hash of the same password
/// (at sign-in), unless the account changed since `version` was read.
/// Not a change to the account: its version stays.
pub async fn upgrade_password_hash(
    tx: &mut Tx,
    user_id: i64,
    hash: &str,
    version: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE app_user SET password_hash = $1 WHERE user_id = $2 AND version = $3")
        .bind(hash)
        .bind(user_id)
        .bind(version)
        .execute(&mut **tx)
        .await
        .map(|_| ())
}

pub async fn count(pool: &SqlitePool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM app_user")
        .fetch_one(pool)
        .await
}

/// Changes whenever an account is added or changed (every change counts
/// up the account's `version`): `(accounts, sum of versions)`.
pub async fn fingerprint(pool: &SqlitePool) -> Result<(i64, i64), sqlx::Error> {
    sqlx::query_as("SELECT COUNT(*), COALESCE(SUM(version), 0) FROM app_user")
        .fetch_one(pool)
        .await
}

/// Every account's `(user_id, name, role)`, by name (the audit log's actor filter).
pub async fn everyone(pool: &SqlitePool) -> Result<Vec<(i64, String, String)>, sqlx::Error> {
    sqlx::query_as("SELECT user_id, name, role FROM app_user ORDER BY name, user_id")
        .fetch_all(pool)
        .await
}

/// Enabled reviewers and officers `(user_id, name, role)`, by name: who a case can be assigned to.
pub async fn assignable(pool: &SqlitePool) -> Result<Vec<(i64, String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT user_id, name, role FROM app_user WHERE disabled = FALSE AND role IN ('reviewer', 'compliance_officer') \
         ORDER BY name, user_id",
    )
    .fetch_all(pool)
    .await
}
