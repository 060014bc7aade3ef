//! The endpoints, each behind the bearer check of the real middleware.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use super::error;
use super::record::{base, Moving, Record};
use crate::server::sandbox::{
    json_response, now_micros, query_param, rfc3339_micros, uuid_v4, Sandbox,
};

fn authorise(sandbox: &Sandbox, headers: &HeaderMap) -> Result<(), Response> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("bearer "));
    if token == Some(sandbox.config().ident_token.as_str()) {
        Ok(())
    } else {
        Err(error(StatusCode::UNAUTHORIZED, "unauthorized"))
    }
}

fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "kyc application not found")
}

pub(super) async fn list(
    State(sandbox): State<Sandbox>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    if let Err(response) = authorise(&sandbox, &headers) {
        return response;
    }
    let query = query.as_deref();
    let status = query_param(query, "status").filter(|s| !s.is_empty());
    let page = query_param(query, "page")
        .and_then(|p| p.parse::<usize>().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let rpp = query_param(query, "rpp")
        .and_then(|r| r.parse::<usize>().ok())
        .filter(|r| *r >= 1)
        .unwrap_or(25);
    let state = sandbox.state();
    let mut matching: Vec<&Record> = state
        .ident
        .records
        .iter()
        .filter(|r| status.as_deref().is_none_or(|s| r.status() == s))
        .collect();
    matching.sort_by_key(|r| std::cmp::Reverse(r.created_us));
    let total = matching.len();
    let items: Vec<Value> = matching
        .into_iter()
        .skip((page - 1).saturating_mul(rpp))
        .take(rpp)
        .map(|r| Value::Object(r.base.clone()))
        .collect();
    let mut response = json_response(StatusCode::OK, &Value::Array(items));
    if let Ok(value) = HeaderValue::from_str(&total.to_string()) {
        response
            .headers_mut()
            .insert("x-total-results-count", value);
    }
    response
}

pub(super) async fn detail(
    State(sandbox): State<Sandbox>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(response) = authorise(&sandbox, &headers) {
        return response;
    }
    let polls_to_settle = sandbox.config().polls_to_settle;
    let mut state = sandbox.state();
    state.ident.admit_walk_in(&id);
    let Some(record) = state.ident.records.iter_mut().find(|r| r.id() == id) else {
        return not_found();
    };
    record.poll(polls_to_settle);
    json_response(StatusCode::OK, &record.detail())
}

pub(super) async fn update(
    State(sandbox): State<Sandbox>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(response) = authorise(&sandbox, &headers) {
        return response;
    }
    let body: Value = match serde_json::from_slice(&body) {
        Ok(body) => body,
        Err(e) => return error(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    let Some(status) = body.get("status").and_then(Value::as_str) else {
        return error(
            StatusCode::BAD_REQUEST,
            "kyc application update must include status",
        );
    };
    let mut state = sandbox.state();
    state.ident.admit_walk_in(&id);
    let Some(record) = state.ident.records.iter_mut().find(|r| r.id() == id) else {
        return not_found();
    };
    record.set("status", json!(status));
    if matches!(record.moving, Some((Moving::PendingThenAccepted, _))) {
        record.moving = None;
    }
    json_response(StatusCode::ACCEPTED, &Value::Object(record.base.clone()))
}

pub(super) async fn create(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(response) = authorise(&sandbox, &headers) {
        return response;
    }
    let body: Value = match serde_json::from_slice(&body) {
        Ok(body) => body,
        Err(e) => return error(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    let provider = body
        .get("provider")
        .and_then(Value::as_str)
        .unwrap_or("vouched");
    if provider != "vouched" && provider != "identitymind" {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("Failed to create KYC application; unsupported provider: {provider}"),
        );
    }
    // An application token must name the user the application is about.
    let Some(user_id) = body.get("user_id").and_then(Value::as_str) else {
        return error(StatusCode::NOT_FOUND, "user does not exist");
    };
    let kind = body.get("type").and_then(Value::as_str).unwrap_or("kyc");
    let params = body.get("params").cloned();
    let name = body
        .get("name")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| {
            let p = params.as_ref()?;
            let p = p.get("params").unwrap_or(p);
            if let Some(name) = p.get("name").and_then(Value::as_str) {
                return Some(name.to_string());
            }
            let first = p.get("first_name").and_then(Value::as_str)?;
            let last = p.get("last_name").and_then(Value::as_str).unwrap_or("");
            Some(format!("{first} {last}").trim().to_string())
        });
    let now = now_micros();
    let mut created = base(
        &uuid_v4(),
        &rfc3339_micros(now),
        user_id,
        provider,
        None,
        "pending",
        name.as_deref().unwrap_or(""),
    );
    if let Some(object) = created.as_object_mut() {
        object.insert("type".into(), json!(kind));
        if name.is_none() {
            object.insert("name".into(), Value::Null);
        }
    }
    let mut record = Record::from_base(created);
    record.created_us = now as i64;
    record.params = params;
    record.moving = Some((Moving::PendingThenAccepted, 0));
    let response = Value::Object(record.base.clone());
    sandbox.state().ident.records.push(record);
    json_response(StatusCode::CREATED, &response)
}
