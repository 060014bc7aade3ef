//! The REST endpoints: a new session, its result (each read a poll that
//! moves a moving session on), and the image behind every S3-style URL.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::blocks::{Person, Spelling};
use super::error;
use super::session::{Images, Session};
use crate::server::sandbox::{json_response, now_secs, query_param, uuid_v4, Sandbox};

fn invalid_flow_key() -> Response {
    error(StatusCode::FORBIDDEN, "Invalid flow api key.")
}

fn field_required(field: &str) -> Response {
    json_response(
        StatusCode::BAD_REQUEST,
        &json!({ field: ["This field is required."] }),
    )
}

pub(super) async fn create(State(sandbox): State<Sandbox>, body: Bytes) -> Response {
    let body: Value = match serde_json::from_slice(&body) {
        Ok(body) => body,
        Err(e) => {
            return error(StatusCode::BAD_REQUEST, &format!("JSON parse error - {e}"));
        }
    };
    let Some(api_key) = body.get("api_key").and_then(Value::as_str) else {
        return field_required("api_key");
    };
    if api_key != sandbox.config().biometric_flow_api_key {
        return invalid_flow_key();
    }
    let person = Person {
        first: "Aliya",
        last: "Bekova",
        middle: "Nurlanovna",
        iin: "000101400321",
    };
    let mut session = Session::new("CREATED", now_secs(), person, Spelling::Seed);
    session.moving_polls = Some(0);
    let technologies = session.technologies.clone();
    let id = uuid_v4();
    sandbox.state().bio.sessions.insert(id.clone(), session);
    json_response(
        StatusCode::CREATED,
        &json!({"session_id": id, "technologies": technologies}),
    )
}

fn host(headers: &HeaderMap) -> String {
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost")
        .to_string()
}

fn result(sandbox: &Sandbox, query: Option<&str>, headers: &HeaderMap, images: Images) -> Response {
    let Some(session_id) = query_param(query, "session_id").filter(|s| !s.is_empty()) else {
        return field_required("session_id");
    };
    match query_param(query, "flow_api_key") {
        Some(key) if key == sandbox.config().biometric_flow_api_key => {}
        _ => return invalid_flow_key(),
    }
    let polls_to_settle = sandbox.config().polls_to_settle;
    let mut state = sandbox.state();
    state.bio.admit_walk_in(&session_id);
    let Some(session) = state.bio.sessions.get_mut(&session_id) else {
        return error(StatusCode::NOT_FOUND, "Not found.");
    };
    let empty = session.poll(polls_to_settle);
    let body = session.render(&session_id, images, &host(headers), empty);
    json_response(StatusCode::OK, &body)
}

pub(super) async fn result_full(
    State(sandbox): State<Sandbox>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    result(&sandbox, query.as_deref(), &headers, Images::Inline)
}

pub(super) async fn result_light(
    State(sandbox): State<Sandbox>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    result(&sandbox, query.as_deref(), &headers, Images::Light)
}

/// The sandbox's photo behind an S3-style URL: the document for `document_*`, else the face.
pub(in crate::server::sandbox) async fn media(
    Path((_session, name)): Path<(String, String)>,
) -> Response {
    let bytes = crate::server::sandbox::images::named(&name).to_vec();
    let mut response = (StatusCode::OK, bytes).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg"));
    response
}
