//! The single sign-on callback (`GET /auth/sso/callback`): the identity provider sends the
//! browser back here with a code and the state. The session cookie is `SameSite=Strict`, so a
//! browser coming back from another site does not send it: the sign-in is found by its state
//! and bound to the browser by a cookie of its own (`SameSite=Lax`, ten minutes, this path
//! only). A new session starts here; the answer then moves on with a page of this site (a
//! same-site navigation, which carries the new session cookie).

use super::services::{second_factor, sso};
use super::state::AppState;
use super::{db::audit::Origin, session};
use crate::domain::second_factor::MfaStep;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Extension;
use serde::Deserialize;
use tower_sessions::Session;

/// The cookie that binds a sign-in in flight to the browser that started it.
pub fn binding_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-kyc-desk-sso"
    } else {
        "kyc-desk-sso"
    }
}

/// `Set-Cookie` for the binding (`value`), or to remove it (`None`).
pub fn binding_cookie(secure: bool, value: Option<&str>) -> String {
    let name = binding_cookie_name(secure);
    let secure_attr = if secure { "; Secure" } else { "" };
    match value {
        Some(v) => format!("{name}={v}; Path=/; Max-Age=600; HttpOnly; SameSite=Lax{secure_attr}"),
        None => format!("{name}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{secure_attr}"),
    }
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// `s` for an HTML attribute value in double quotes.
fn attribute(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    /// The identity provider's own refusal (`access_denied`, …).
    error: Option<String>,
}

pub async fn callback(
    State(st): State<AppState>,
    session: Session,
    Extension(origin): Extension<Origin>,
    headers: HeaderMap,
    Query(q): Query<CallbackQuery>,
) -> Response {
    let secure = st.settings.cookie_secure;
    let clear = binding_cookie(secure, None);
    let binding = cookie(&headers, binding_cookie_name(secure));
    let refused = |r: crate::domain::user::SsoRefusal| {
        let to = format!("/login?sso={}", r.as_str());
        ([(header::SET_COOKIE, clear.clone())], Redirect::to(&to)).into_response()
    };
    let (Some(code), Some(state)) = (q.code.as_deref(), q.state.as_deref()) else {
        tracing::info!(error = ?q.error, "the identity provider sent no code");
        return refused(crate::domain::user::SsoRefusal::Failed);
    };
    let finished = match sso::finish(&st, state, code, binding, &origin).await {
        Ok(Ok(f)) => f,
        Ok(Err(refusal)) => return refused(refusal),
        Err(e) => return super::error::error_response(e, &origin),
    };
    let now = st.clock.now_ms();
    let started = async {
        let s = finished.signed_in;
        session::start(&session, s.user_id, s.user_version, "sso", now).await?;
        if finished.mfa {
            session::second_factor_given(&session, "sso_mfa").await?;
        }
        Ok::<_, tower_sessions::session::Error>(())
    };
    if let Err(e) = started.await {
        tracing::error!(error = %e, "could not start the session of a single sign-on");
        return super::error::error_response(crate::error::AppError::internal(), &origin);
    }
    let next = if finished.mfa {
        None
    } else {
        match second_factor::owed_after_password(&st, finished.signed_in.user_id).await {
            Ok(step) => step,
            Err(e) => return super::error::error_response(e, &origin),
        }
    };
    let to = match next {
        None => finished.next,
        Some(step @ MfaStep::Enrol) => step.path().to_string(),
        Some(MfaStep::Code) => format!(
            "{}?next={}",
            MfaStep::Code.path(),
            crate::domain::query_value(&finished.next)
        ),
    };
    // `to` is a path of this site (return_path, or a step's page), but `next` came from a URL
    // anyone can write: escaped for the attribute it goes into.
    let to = attribute(&to);
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"refresh\" content=\"0;url={to}\"><title>Signed in</title></head>\
         <body><p><a href=\"{to}\">Continue to KYC Desk</a></p></body></html>"
    );
    let mut res = Html(html).into_response();
    if let Ok(v) = HeaderValue::from_str(&clear) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
}
