//! Conversions from internal failures into `AppError` (the one place where
//! internals are logged; the client sees only "something went wrong" and the
//! reference that finds this log line), and the HTTP layer's error answers:
//! an `AppError` as JSON, the body limit, and honest statuses for server
//! functions whose arguments could not be read.

use super::db::audit::Origin;
use crate::error::{AppError, ErrorKind};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

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

/// An `AppError` as a JSON response, for middleware and the JSON API.
pub fn error_response(mut err: AppError, origin: &Origin) -> Response {
    err.reference = origin.request_id.clone();
    let status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_string(&err).unwrap_or_default();
    let mut res = (status, body).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}

/// The largest request body accepted (forms, JSON): 1 MiB.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// An `AppError` answered before any handler ran (no audit origin yet):
/// referenced by the request id alone.
fn early_error(err: AppError, request_id: Option<String>) -> Response {
    error_response(
        err,
        &Origin {
            request_id,
            ..Origin::default()
        },
    )
}

fn request_id(req: &axum::extract::Request) -> Option<String> {
    req.headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// Reads the request body whole, up to [`MAX_BODY_BYTES`]: a larger body is
/// refused with 413 whether its size was announced (`Content-Length`) or
/// only found out while reading (chunked), before any handler sees it.
pub async fn limit_body(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    use axum::body::Body;
    let too_large = || early_error(AppError::new(ErrorKind::TooLarge), request_id(&req));
    let announced = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return too_large();
    }
    let id = request_id(&req);
    let (parts, body) = req.into_parts();
    match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => {
            next.run(axum::extract::Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(e) => {
            let over = e
                .into_inner()
                .downcast::<http_body_util::LengthLimitError>()
                .is_ok();
            let err = if over {
                AppError::new(ErrorKind::TooLarge)
            } else {
                AppError::new(ErrorKind::BadRequest {
                    message: "The request body could not be read.".into(),
                    field: None,
                })
            };
            tracing::info!(code = err.code(), "request refused before reading it");
            early_error(err, id)
        }
    }
}

/// A server function whose arguments cannot be decoded never runs its body,
/// so [`run`] cannot give its error a status or a reference: server_fn
/// answers 500. This layer puts the error's own status (400 for a decode
/// error) and the request id on such answers.
pub async fn honest_server_fn_errors(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let id = request_id(&req);
    let res = next.run(req).await;
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !res.headers().contains_key("serverfnerror")
    {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .unwrap_or_default();
    let Ok(mut err) = serde_json::from_slice::<AppError>(&bytes) else {
        return Response::from_parts(parts, axum::body::Body::from(bytes));
    };
    if err.reference.is_none() {
        err.reference = id;
    }
    if err.status() < 500 {
        tracing::info!(code = err.code(), status = err.status(), "request refused");
    }
    parts.status = StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    parts.headers.remove(header::CONTENT_LENGTH);
    let body = serde_json::to_vec(&err).unwrap_or_default();
    Response::from_parts(parts, axum::body::Body::from(body))
}
