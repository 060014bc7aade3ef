//! Eclipse (Ukheshe / EFTCorp) "ratify" KYC, under `/eclipse-conductor/rest/v1`.
//!
//! - `POST /authentication/login`, `POST /authentication/renew` (HS256 JWTs that
//!   carry `exp`; `POST /__sandbox/eclipse/expire-tokens` expires all of them).
//! - `GET|POST /tenants/{t}/customers/{c}/ratify` (history newest first; POST
//!   starts a PENDING ratification that settles after `polls_to_settle` GETs).
//! - `POST /tenants/{t}/customers/{c}/documents` (AWS hosted liveness) and
//!   `PUT /tenants/{t}/documents/{id}` (liveness result).
//! - `GET /tenants/{t}/customers/{c}` (a minimal profile).
//!
//! Walk-ins: a customer id in the walk-in range of tenant `100`
//! (`scenarios::eclipse_ids::is_walk_in`) becomes a new customer the first time
//! any of these customer-scoped calls names it (`EclipseState::admit_walk_in`).
//!
//! Every error is the seed's JSON array `[{type, severity, description, code,
//! traceId, spanId, environment}]` with a fresh `traceId` ([`error`], below).
//!
//! | file | what |
//! |---|---|
//! | `auth.rs` | login and renew, the JWTs they issue, and the check of every KYC call |
//! | `results.rs` | the ratify results an outcome settles to (PENDING and settled) |
//! | `state.rs` | the customers, their ratify history and liveness documents |
//! | `ratify.rs` | the customer profile and ratify endpoints |
//! | `documents.rs` | the document endpoints (AWS hosted liveness) |

mod auth;
mod documents;
mod ratify;
mod results;
mod state;

pub(super) use self::state::EclipseState;

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post, put};
use axum::Router;
use serde_json::{json, Value};

use super::{json_response, random_hex, seed_json, Sandbox};

const BASE: &str = "/eclipse-conductor/rest/v1";
const SEED_PASSED: &str = include_str!("../data/eclipse_ratify_passed.json");
const SEED_FAILED: &str = include_str!("../data/eclipse_ratify_failed.json");
const SEED_KYC001: &str = include_str!("../data/eclipse_error_kyc001.json");
const SEED_LIVENESS_POST_REQUEST: &str = include_str!("../data/eclipse_liveness_post_request.json");
const SEED_LIVENESS_POST_RESPONSE: &str =
    include_str!("../data/eclipse_liveness_post_response.json");
const SEED_LIVENESS_PUT_RESPONSE: &str = include_str!("../data/eclipse_liveness_put_response.json");

pub(super) fn routes() -> Router<Sandbox> {
    Router::new()
        .route(&format!("{BASE}/authentication/login"), post(auth::login))
        .route(&format!("{BASE}/authentication/renew"), post(auth::renew))
        .route(
            &format!("{BASE}/tenants/{{tenant_id}}/customers/{{customer_id}}"),
            get(ratify::customer_profile),
        )
        .route(
            &format!("{BASE}/tenants/{{tenant_id}}/customers/{{customer_id}}/ratify"),
            get(ratify::history).post(ratify::start),
        )
        .route(
            &format!("{BASE}/tenants/{{tenant_id}}/customers/{{customer_id}}/documents"),
            post(documents::create),
        )
        .route(
            &format!("{BASE}/tenants/{{tenant_id}}/documents/{{document_id}}"),
            put(documents::update),
        )
}

// ------------------------------------------------- errors and request checks

/// `[{type, severity, description, code, traceId, spanId, environment}]`.
pub(super) fn error(status: StatusCode, code: &str, description: &str) -> Response {
    let (kind, severity) = if status.is_server_error() {
        ("SYSTEM", "HIGH")
    } else {
        ("BUSINESS", "LOW")
    };
    let body = json!([{
        "type": kind,
        "severity": severity,
        "description": description,
        "code": code,
        "traceId": random_hex(16),
        "spanId": random_hex(8),
        "environment": "eclipse-sandbox",
    }]);
    json_response(status, &body)
}

/// The code a status gets when no more specific one applies (faults, fallbacks).
/// `RLT001`, `SEC001`, `VAL001`, `UNK001`, `DAE001` are documented (Ukheshe's
/// application error codes); using `IAE002` ("invalid parameter") for 404 is
/// our assumption.
pub(super) fn error_for_status(status: StatusCode, message: &str) -> Response {
    let code = match status.as_u16() {
        429 => "RLT001",
        401 | 403 => "SEC001",
        404 => "IAE002",
        _ if status.is_client_error() => "VAL001",
        502..=504 => "DAE001",
        _ => "UNK001",
    };
    let description = if status == StatusCode::TOO_MANY_REQUESTS {
        "Rate limit hit. Retry in the next window"
    } else {
        message
    };
    error(status, code, description)
}

/// The seed's KYC001 array with a fresh traceId/spanId.
fn already_in_progress() -> Response {
    let mut body = seed_json(SEED_KYC001);
    if let Some(first) = body.get_mut(0).and_then(Value::as_object_mut) {
        first.insert("traceId".into(), json!(random_hex(16)));
        first.insert("spanId".into(), json!(random_hex(8)));
    }
    json_response(StatusCode::BAD_REQUEST, &body)
}

fn bad_json() -> Response {
    error(
        StatusCode::BAD_REQUEST,
        "JPE001",
        "Could not parse the JSON request body",
    )
}

fn parse_body(body: &Bytes) -> Result<Value, Response> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    serde_json::from_slice(body).map_err(|_| bad_json())
}

fn unauthorized(description: &str) -> Response {
    error(StatusCode::UNAUTHORIZED, "SEC001", description)
}

fn customer_not_found() -> Response {
    error(StatusCode::NOT_FOUND, "IAE002", "Customer not found")
}

fn valid_customer_id(customer_id: &str) -> Result<(), Response> {
    if customer_id.parse::<u64>().is_ok() {
        Ok(())
    } else {
        Err(error(
            StatusCode::BAD_REQUEST,
            "NFE001",
            &format!("Invalid customerId: {customer_id}"),
        ))
    }
}
