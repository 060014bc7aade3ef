//! Conversions from internal failures into `AppError`. This is the one place
//! where internals are logged; the client sees only "something went wrong"
//! and the reference that finds this log line.

use crate::error::AppError;

impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        tracing::error!(error = %err, "database error");
        AppError::internal()
    }
}

impl From<rusqlite::Error> for AppError {
    fn from(err: rusqlite::Error) -> Self {
        tracing::error!(error = %err, "database error");
        AppError::internal()
    }
}

impl From<super::password::PasswordError> for AppError {
    fn from(err: super::password::PasswordError) -> Self {
        tracing::error!(error = %err, "password hashing error");
        AppError::internal()
    }
}

impl From<tower_sessions::session::Error> for AppError {
    fn from(err: tower_sessions::session::Error) -> Self {
        tracing::error!(error = %err, "session error");
        AppError::internal()
    }
}
