//! The JSON API for the onboarding app (`/api/v1`), authenticated by bearer
//! API tokens (`kyc-desk token add`). No cookies are read here, so the
//! same-origin rule does not apply to it.
//!
//! Errors: `{"error": {"code", "message", "field"?, "reference"?}}` with an
//! honest status; bad input changes nothing.
//!
//! Personal data (names, e-mail addresses, and check texts that repeat the
//! provider's personal values) is masked for tokens without the `pii` scope.
//! Every read of customers or verifications is recorded in the audit trail as
//! one `api.read` event per request, with the ids read, before it is answered.
//! Each token has its own rate limit (`KYC_DESK_API_REQUESTS_PER_MINUTE`).

use super::db::audit::{Actor, Origin};
use super::db::verifications::ApiFilter;
use super::services::customers::ApiRead;
use super::services::tokens::{Scope, Scopes};
use super::services::{customers, tokens};
use super::state::AppState;
use crate::domain::audit::AuditEntity;
use crate::domain::customer::CustomerInput;
use crate::domain::verification::{Provider, ReviewStatus, UpstreamStatus};
use crate::error::{AppError, ErrorKind};
use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/customers", post(upsert_customer))
        .route("/customers/{id}", get(get_customer))
        .route("/verifications", get(list_verifications))
        .route("/verifications/{id}", get(get_verification))
        .route("/verifications/{id}/refresh", post(refresh_verification))
}

/// An error answered by the JSON API.
pub struct ApiError(Box<(AppError, Origin)>);

impl ApiError {
    fn new(err: AppError, origin: Origin) -> ApiError {
        ApiError(Box::new((err, origin)))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (err, origin) = *self.0;
        let status =
            StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let field = match &err.kind {
            ErrorKind::Validation { field, .. } => Some(field.clone()),
            _ => None,
        };
        let mut body =
            serde_json::json!({ "error": { "code": err.code(), "message": err.message() } });
        if let Some(f) = field {
            body["error"]["field"] = f.into();
        }
        if let ErrorKind::Upstream {
            code,
            trace_id,
            provider,
            ..
        } = &err.kind
        {
            body["error"]["provider"] = provider.clone().into();
            body["error"]["upstream_code"] = code.clone().into();
            body["error"]["trace_id"] = trace_id.clone().into();
        }
        if let Some(r) = origin.request_id {
            body["error"]["reference"] = r.into();
        }
        let retry_after = match err.kind {
            ErrorKind::TooManyAttempts { retry_after_secs } => Some(retry_after_secs.max(1)),
            _ => None,
        };
        if status.is_client_error() {
            tracing::info!(
                code = err.code(),
                status = status.as_u16(),
                "API request refused"
            );
        }
        let mut res = (status, Json(body)).into_response();
        if let Some(secs) = retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(secs));
        }
        res
    }
}

/// The authenticated API caller: a live token, within its rate limit, and its scopes.
pub struct ApiCaller {
    pub token_id: i64,
    pub scopes: Scopes,
    pub origin: Origin,
}

impl ApiCaller {
    fn actor(&self) -> Actor {
        Actor::Token(self.token_id)
    }

    fn require_ingest(&self) -> Result<(), ApiError> {
        match self.scopes.access {
            Scope::Ingest => Ok(()),
            Scope::Read => Err(ApiError::new(AppError::forbidden(), self.origin.clone())),
        }
    }

    /// Whether this token reads personal data unmasked.
    fn pii(&self) -> bool {
        self.scopes.pii
    }

    fn fail(&self, e: AppError) -> ApiError {
        ApiError::new(e, self.origin.clone())
    }

    /// Records what this request read (one event), before it is answered.
    async fn record(&self, st: &AppState, read: ApiRead) -> Result<(), ApiError> {
        customers::record_api_read(&st.db, &st.clock, self.actor(), &self.origin, read)
            .await
            .map_err(|e| self.fail(e))
    }
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Self::Rejection> {
        let origin = super::security::request_origin(st, &parts.headers, &parts.extensions);
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim);
        let Some(token) = token else {
            return Err(ApiError::new(AppError::unauthenticated(), origin));
        };
        let (token_id, scopes) = match tokens::authenticate(&st.db, &st.clock, token).await {
            Ok(Some(found)) => found,
            Ok(None) => return Err(ApiError::new(AppError::unauthenticated(), origin)),
            Err(e) => return Err(ApiError::new(e, origin)),
        };
        if let Err(not_until) = st.api_limiter.check_key(&token_id) {
            use governor::clock::{Clock as _, DefaultClock};
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            let retry_after_secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            return Err(ApiError::new(
                ErrorKind::TooManyAttempts { retry_after_secs }.into(),
                origin,
            ));
        }
        Ok(ApiCaller {
            token_id,
            scopes,
            origin,
        })
    }
}

async fn upsert_customer(
    State(st): State<AppState>,
    caller: ApiCaller,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require_ingest()?;
    let input: CustomerInput = serde_json::from_slice(&body).map_err(|e| {
        caller.fail(AppError::new(ErrorKind::Validation {
            field: String::new(),
            message: format!("The body is not the expected JSON: {e}"),
        }))
    })?;
    let new = input
        .validate()
        .map_err(|e| caller.fail(AppError::validation(e.field, e.message)))?;
    let mut up = customers::upsert(&st.db, &st.clock, caller.actor(), &caller.origin, new)
        .await
        .map_err(|e| caller.fail(e))?;
    st.poller.wake();
    if !caller.pii() {
        customers::mask_for_api(&mut up.customer);
    }
    let status = if up.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(up.customer)).into_response())
}

async fn get_customer(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let mut customer = customers::get(&st.db, id)
        .await
        .map_err(|e| caller.fail(e))?;
    if !caller.pii() {
        customers::mask_for_api(&mut customer);
    }
    let verifications = customers::verifications(&st.db, id, caller.pii())
        .await
        .map_err(|e| caller.fail(e))?;
    caller
        .record(
            &st,
            ApiRead {
                entity: AuditEntity::Customer,
                entity_id: Some(id),
                customer_ids: vec![id],
                verification_ids: verifications.iter().map(|v| v.id).collect(),
                pii: caller.pii(),
            },
        )
        .await?;
    let mut body = serde_json::to_value(customer).unwrap_or_default();
    body["verifications"] = serde_json::to_value(verifications).unwrap_or_default();
    Ok(Json(body).into_response())
}

#[derive(Deserialize)]
struct ListQuery {
    customer_id: Option<String>,
    provider: Option<String>,
    upstream_status: Option<String>,
    review_status: Option<String>,
    cursor: Option<String>,
    limit: Option<String>,
}

async fn list_verifications(
    State(st): State<AppState>,
    caller: ApiCaller,
    Query(q): Query<ListQuery>,
) -> Result<Response, ApiError> {
    let bad = |field: &str, message: &str| caller.fail(AppError::validation(field, message));
    let int = |field: &str, v: &Option<String>| -> Result<Option<i64>, ApiError> {
        crate::domain::filled(v)
            .map(|s| {
                s.parse::<i64>()
                    .map_err(|_| bad(field, "Expected a whole number."))
            })
            .transpose()
    };
    let filter = ApiFilter {
        customer_id: int("customer_id", &q.customer_id)?,
        provider: crate::domain::choice(&q.provider, Provider::parse)
            .map_err(|_| bad("provider", "One of eclipse, biometric_kz, ident, width."))?,
        upstream_status: crate::domain::choice(&q.upstream_status, UpstreamStatus::parse)
            .map_err(|_| bad("upstream_status", "Unknown status."))?,
        review_status: crate::domain::choice(&q.review_status, ReviewStatus::parse)
            .map_err(|_| bad("review_status", "Unknown status."))?,
    };
    let before = int("cursor", &q.cursor)?;
    let limit = int("limit", &q.limit)?.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(bad("limit", "Between 1 and 200."));
    }
    let rows = super::db::verifications::api_page(st.db.reader(), &filter, before, limit + 1)
        .await
        .map_err(|e| caller.fail(e.into()))?;
    let (rows, next_cursor) = super::views::page_of(rows, limit, |r| r.verification_id.to_string());
    let items = customers::with_checks(&st.db, rows, caller.pii())
        .await
        .map_err(|e| caller.fail(e))?;
    caller
        .record(
            &st,
            ApiRead {
                entity: AuditEntity::Verification,
                entity_id: None,
                customer_ids: items.iter().map(|v| v.customer_id).collect(),
                verification_ids: items.iter().map(|v| v.id).collect(),
                pii: caller.pii(),
            },
        )
        .await?;
    Ok(Json(serde_json::json!({ "items": items, "next_cursor": next_cursor })).into_response())
}

async fn get_verification(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let row = super::db::verifications::find(st.db.reader(), id)
        .await
        .map_err(|e| caller.fail(e.into()))?
        .ok_or_else(|| caller.fail(AppError::not_found("Verification")))?;
    let view = customers::with_checks(&st.db, vec![row], caller.pii())
        .await
        .map_err(|e| caller.fail(e))?
        .pop()
        .ok_or_else(|| caller.fail(AppError::internal()))?;
    caller
        .record(
            &st,
            ApiRead {
                entity: AuditEntity::Verification,
                entity_id: Some(id),
                customer_ids: vec![view.customer_id],
                verification_ids: vec![id],
                pii: caller.pii(),
            },
        )
        .await?;
    Ok(Json(view).into_response())
}

async fn refresh_verification(
    State(st): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    caller.require_ingest()?;
    let view = super::services::refresh::refresh_verification(
        &st,
        caller.actor(),
        &caller.origin,
        id,
        caller.pii(),
    )
    .await
    .map_err(|e| caller.fail(e))?;
    Ok(Json(view).into_response())
}
