//! What every server function starts with: the state, the caller, and the
//! permission check; and [`run`], the one seam where errors get their
//! reference, their HTTP status and their log line.

use super::db::audit::Origin;
use super::session::CurrentUser;
use super::state::AppState;
use crate::domain::Permission;
use crate::error::{AppError, ErrorKind};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use leptos::prelude::use_context;
use std::future::Future;

pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the Leptos context");
        AppError::internal()
    })
}

fn parts() -> Option<Parts> {
    use_context::<Parts>()
}

/// The signed-in caller, if any.
pub fn current_user() -> Option<CurrentUser> {
    parts().and_then(|p| p.extensions.get::<CurrentUser>().cloned())
}

/// The request's audit origin (request id, keyed client hash).
pub fn origin() -> Origin {
    parts()
        .and_then(|p| p.extensions.get::<Origin>().cloned())
        .unwrap_or_default()
}

/// The client's address (for per-address limits), as
/// [`super::security::client_addr`] finds it.
pub fn client_ip() -> Option<std::net::IpAddr> {
    let st = use_context::<AppState>()?;
    parts().and_then(|p| {
        super::security::client_addr(&st.settings.trusted_proxies, &p.headers, &p.extensions)
    })
}

/// Deny by default: the caller must be signed in and their role must grant
/// `permission`. The first line of every server function.
pub fn require(permission: Permission) -> Result<(AppState, CurrentUser), AppError> {
    let st = state()?;
    let Some(user) = current_user() else {
        return Err(AppError::unauthenticated());
    };
    if !user.role.can(permission) {
        tracing::warn!(user_id = user.user_id, role = %user.role, ?permission, "permission denied");
        return Err(AppError::forbidden());
    }
    Ok((st, user))
}

/// Runs a server function body. On error: attaches the request id as the
/// reference, sets the honest HTTP status (except for a plain HTML form post,
/// which must stay a redirect back to the form so it can show the error),
/// and logs client errors (server errors were logged where they happened).
pub async fn run<T>(body: impl Future<Output = Result<T, AppError>>) -> Result<T, AppError> {
    match body.await {
        Ok(v) => Ok(v),
        Err(mut err) => {
            let parts = parts();
            err.reference = parts
                .as_ref()
                .and_then(|p| p.headers.get("x-request-id"))
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let form_post = parts
                .as_ref()
                .is_some_and(|p| p.method == Method::POST && accepts_html(p));
            if !form_post {
                if let (Some(opts), Ok(status)) = (
                    use_context::<leptos_axum::ResponseOptions>(),
                    StatusCode::from_u16(err.status()),
                ) {
                    opts.set_status(status);
                }
            }
            if err.status() < 500 {
                tracing::info!(code = err.code(), status = err.status(), "request refused");
            }
            Err(err)
        }
    }
}

fn accepts_html(p: &Parts) -> bool {
    p.headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
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
