//! What every server function starts with: the state, the caller, and the
//! permission check; and [`run`], the one seam where errors get their
//! reference, their HTTP status and their log line.

use super::db::audit::Origin;
use super::session::CurrentUser;
use super::state::AppState;
use crate::domain::Permission;
use crate::error::AppError;
use axum::http::request::Parts;
use axum::http::{header, Method, StatusCode};
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

/// A person who gave their password and still owes a second-factor step, if that is the
/// caller.
pub fn halfway() -> Option<super::session::Halfway> {
    parts().and_then(|p| p.extensions.get::<super::session::Halfway>().cloned())
}

/// The caller's own account, signed in or still owing the second-factor step `owing` (any
/// step when `None`): only for those steps and for signing out. Everything else starts with
/// [`require`], which a person owing a step does not pass.
pub fn own_account(
    owing: Option<crate::domain::second_factor::MfaStep>,
) -> Result<(AppState, CurrentUser), AppError> {
    let st = state()?;
    if let Some(user) = current_user() {
        return Ok((st, user));
    }
    match halfway() {
        Some(h) if owing.is_none_or(|step| step == h.step) => Ok((st, h.user)),
        _ => Err(AppError::unauthenticated()),
    }
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

/// When `result` is a refusal, keeps what was typed (`fields` of form `form`) for `page`, which
/// shows it again beside the error: nothing typed is lost, with or without JavaScript.
pub async fn keeping_draft<T>(
    page: &str,
    form: &str,
    fields: &[(&str, &str)],
    result: Result<T, AppError>,
) -> Result<T, AppError> {
    if result.is_err() {
        let draft = crate::view::FormDraft {
            page: page.to_string(),
            form: form.to_string(),
            fields: fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        };
        match leptos_axum::extract::<tower_sessions::Session>().await {
            Ok(session) => {
                if let Err(e) = super::session::keep_draft(&session, &draft).await {
                    tracing::warn!(error = %e, "could not keep the draft of a refused form");
                }
            }
            Err(_) => tracing::warn!("no session to keep the draft of a refused form in"),
        }
    }
    result
}
