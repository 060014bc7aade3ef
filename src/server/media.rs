//! `GET /cases/{id}/media?path=…`: one photo of a case, fetched fresh from
//! the provider (KYC Desk never stores images) for someone who may see the
//! case and has revealed the customer's personal data. Only the media paths
//! the stored snapshot shows are served, only bytes that are images, and
//! every view is recorded.

use super::db::audit::{self as audit_log, NewEvent, Origin};
use super::db::verifications;
use super::providers::media::{self, MediaValue};
use super::services::customers;
use super::session::CurrentUser;
use super::state::AppState;
use crate::domain::audit::{AuditAction, AuditEntity};
use crate::domain::Permission;
use crate::error::AppError;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize)]
pub struct MediaQuery {
    path: String,
}

pub async fn media(
    State(st): State<AppState>,
    me: Option<Extension<CurrentUser>>,
    origin: Option<Extension<Origin>>,
    session: tower_sessions::Session,
    Path(id): Path<i64>,
    Query(q): Query<MediaQuery>,
) -> Response {
    let origin = origin.map(|Extension(o)| o).unwrap_or_default();
    let fail = |e: AppError| super::error::error_response(e, &origin);
    let Some(Extension(me)) = me else {
        return fail(AppError::unauthenticated());
    };
    if !me.role.can(Permission::ViewCases) {
        return fail(AppError::forbidden());
    }
    match serve(&st, &me, &origin, &session, id, &q.path).await {
        Ok((content_type, bytes)) => {
            let mut res = (StatusCode::OK, bytes).into_response();
            let h = res.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            h.insert(
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("inline"),
            );
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            res
        }
        Err(e) => fail(e),
    }
}

async fn serve(
    st: &AppState,
    me: &CurrentUser,
    origin: &Origin,
    session: &tower_sessions::Session,
    id: i64,
    path: &str,
) -> Result<(&'static str, Vec<u8>), AppError> {
    let v = verifications::find(st.db.reader(), id)
        .await?
        .ok_or_else(|| AppError::not_found("Case"))?;
    let now = st.clock.now_ms();
    if !customers::pii_revealed(session, v.customer_id, now).await? {
        return Err(AppError::conflict(
            "Reveal the customer's personal data (with a reason) to see photos.",
        ));
    }
    let snapshot: Value = serde_json::from_str(&v.snapshot).unwrap_or(Value::Null);
    if !media::media_paths(&snapshot).iter().any(|p| p == path) {
        return Err(AppError::not_found("Photo"));
    }
    let provider = v.provider;
    let adapter = st.providers.require(provider)?;
    let source = adapter
        .media_source(&v.upstream_ref)
        .await?
        .ok_or_else(|| AppError::not_found("Photo"))?;
    let value = source
        .pointer(path)
        .and_then(Value::as_str)
        .and_then(media::read_value)
        .ok_or_else(|| AppError::not_found("Photo"))?;
    let bytes = match value {
        MediaValue::Url(url) => adapter.download(&url).await?,
        MediaValue::Inline(bytes) => bytes,
    };
    let content_type = media::sniff(&bytes).ok_or_else(|| AppError::not_found("Photo"))?;

    let mut tx = st.db.begin_write().await?;
    let mut event = NewEvent::new(
        me.actor(),
        AuditAction::MediaViewed,
        AuditEntity::Verification,
        origin,
    )
    .entity_id(v.verification_id)
    .changes(serde_json::json!({ "media": path }));
    event.customer_id = Some(v.customer_id);
    event.verification_id = Some(v.verification_id);
    audit_log::append(&mut tx, now, event).await?;
    tx.commit().await?;
    Ok((content_type, bytes))
}
