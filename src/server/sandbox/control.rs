//! The control API under `/__sandbox/` (JSON). Not part of any upstream
//! contract; never subject to faults and never in the request log.
//!
//! - `POST /__sandbox/faults`: add a fault rule
//!   `{provider, kind, ms?, status?, count?, match?}` → 201
//! - `GET /__sandbox/faults`: the active rules
//! - `DELETE /__sandbox/faults`: remove every rule → `{"cleared": n}`
//! - `POST /__sandbox/reset`: state, faults and log back to the catalogue
//!   (issued JWTs stay valid)
//! - `POST /__sandbox/eclipse/expire-tokens`: every JWT issued so far is expired
//! - `GET /__sandbox/scenarios`: the scenario catalogue
//! - `GET /__sandbox/requests`: the upstream request log (oldest first)
//! - `DELETE /__sandbox/requests`: empty the log
//! - `GET /__sandbox/eclipse/liveness/{code}`: the Eclipse "hosted liveness"
//!   page: redirects to `landingUrl?status=COMPLETED`
//! - `GET /__sandbox/media/{session}/{name}`: the image behind biometric.kz
//!   S3-style URLs

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};

use super::{biometric_kz, json_response, scenarios, Sandbox};

pub(super) fn routes() -> Router<Sandbox> {
    Router::new()
        .route(
            "/__sandbox/faults",
            post(add_fault).get(list_faults).delete(clear_faults),
        )
        .route("/__sandbox/reset", post(reset))
        .route("/__sandbox/eclipse/expire-tokens", post(expire_tokens))
        .route("/__sandbox/scenarios", get(list_scenarios))
        .route("/__sandbox/requests", get(requests).delete(clear_requests))
        .route("/__sandbox/eclipse/liveness/{code}", get(liveness_page))
        .route(
            "/__sandbox/media/{session}/{name}",
            get(biometric_kz::media),
        )
}

fn bad_request(message: &str) -> Response {
    json_response(StatusCode::BAD_REQUEST, &json!({"error": message}))
}

async fn add_fault(State(sandbox): State<Sandbox>, body: Bytes) -> Response {
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return bad_request("body must be JSON");
    };
    match sandbox.state().faults.add(&body) {
        Ok(rule) => json_response(StatusCode::CREATED, &rule),
        Err(message) => bad_request(&message),
    }
}

async fn list_faults(State(sandbox): State<Sandbox>) -> Response {
    json_response(StatusCode::OK, &sandbox.state().faults.list())
}

async fn clear_faults(State(sandbox): State<Sandbox>) -> Response {
    let cleared = sandbox.state().faults.clear();
    json_response(StatusCode::OK, &json!({ "cleared": cleared }))
}

async fn reset(State(sandbox): State<Sandbox>) -> Response {
    sandbox.reset();
    json_response(StatusCode::OK, &json!({"reset": true}))
}

async fn expire_tokens(State(sandbox): State<Sandbox>) -> Response {
    let generation = sandbox.expire_tokens();
    json_response(
        StatusCode::OK,
        &json!({"expired": true, "token_generation": generation}),
    )
}

async fn list_scenarios() -> Response {
    let all: Vec<Value> = scenarios::catalogue().iter().map(|s| s.to_json()).collect();
    json_response(StatusCode::OK, &Value::Array(all))
}

async fn requests(State(sandbox): State<Sandbox>) -> Response {
    json_response(StatusCode::OK, &sandbox.state().log.list())
}

async fn clear_requests(State(sandbox): State<Sandbox>) -> Response {
    sandbox.state().log.clear();
    json_response(StatusCode::OK, &json!({"cleared": true}))
}

/// Eclipse appends `completionUrlParams` after an `&`, so the code may carry them.
async fn liveness_page(State(sandbox): State<Sandbox>, Path(code): Path<String>) -> Response {
    let (code, extra) = code.split_once('&').unwrap_or((&code, ""));
    let landing = sandbox.state().eclipse.landing_for_completion(code);
    let Some(landing) = landing else {
        return json_response(
            StatusCode::NOT_FOUND,
            &json!({"error": "unknown or expired liveness session"}),
        );
    };
    // As Eclipse documents it: `{landingUrl}?status=COMPLETED`, whatever
    // the landing URL already holds.
    let mut location = format!("{landing}?status=COMPLETED");
    if !extra.is_empty() {
        location.push('&');
        location.push_str(extra);
    }
    match HeaderValue::from_str(&location) {
        Ok(value) => {
            let mut response = StatusCode::FOUND.into_response();
            response.headers_mut().insert(header::LOCATION, value);
            response
        }
        Err(_) => bad_request("landing URL cannot be used in a Location header"),
    }
}
