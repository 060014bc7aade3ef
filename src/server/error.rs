//! Conversions from internal failures into `AppError`. This is the one place
//! where internals are logged; the client sees only "something went wrong"
//! and the reference that finds this log line.

use crate::error::AppError;

impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        tracing::error!(error = %err, "database error");
        if cannot_write(&err) {
            AppError::not_saved("change")
        } else {
            AppError::internal()
        }
    }
}

/// Failures that mean "the database cannot take writes now" (a full disk,
/// an I/O error, the file read-only or gone, the writer busy past its
/// timeout) rather than a bug: the person is told plainly that nothing was
/// saved.
fn cannot_write(err: &sqlx::Error) -> bool {
    // SQLite's primary result codes (the low byte of an extended code).
    const BUSY: i32 = 5;
    const READONLY: i32 = 8;
    const IOERR: i32 = 10;
    const FULL: i32 = 13;
    const CANTOPEN: i32 = 14;
    match err {
        sqlx::Error::Database(e) => e
            .code()
            .and_then(|c| c.parse::<i32>().ok())
            .is_some_and(|c| matches!(c & 0xff, BUSY | READONLY | IOERR | FULL | CANTOPEN)),
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::InvalidSavePointStatement => true,
        _ => false,
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
