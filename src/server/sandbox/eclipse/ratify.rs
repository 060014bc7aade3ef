//! The customer profile and the ratify endpoints: the history (each read
//! is a poll that may settle a PENDING result) and a new ratification.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use super::auth::authorise;
use super::results::pending;
use super::state::settle_if_due;
use super::{already_in_progress, customer_not_found, error, parse_body, valid_customer_id};
use crate::server::sandbox::{iso_millis, json_response, now_millis, query_param, Sandbox};

pub(super) async fn customer_profile(
    State(sandbox): State<Sandbox>,
    Path((tenant_id, customer_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Err(response) =
        authorise(&sandbox, &headers, &tenant_id).and_then(|()| valid_customer_id(&customer_id))
    {
        return response;
    }
    let mut state = sandbox.state();
    state.eclipse.admit_walk_in(&tenant_id, &customer_id);
    let Some(customer) = state
        .eclipse
        .customers
        .get(&(tenant_id.clone(), customer_id.clone()))
    else {
        return customer_not_found();
    };
    json_response(
        StatusCode::OK,
        &json!({
            "customerId": customer_id.parse::<u64>().unwrap_or(0),
            "tenantId": tenant_id.parse::<u64>().unwrap_or(0),
            "firstName": customer.first_name,
            "lastName": customer.last_name,
            "status": "ACTIVE",
        }),
    )
}

pub(super) async fn history(
    State(sandbox): State<Sandbox>,
    Path((tenant_id, customer_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    if let Err(response) =
        authorise(&sandbox, &headers, &tenant_id).and_then(|()| valid_customer_id(&customer_id))
    {
        return response;
    }
    let offset = query_param(query.as_deref(), "offset")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0);
    let limit = query_param(query.as_deref(), "limit")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(100);
    let polls_to_settle = sandbox.config().polls_to_settle;
    let mut state = sandbox.state();
    state.eclipse.admit_walk_in(&tenant_id, &customer_id);
    let Some(customer) = state.eclipse.customers.get_mut(&(tenant_id, customer_id)) else {
        return customer_not_found();
    };
    settle_if_due(customer, polls_to_settle, true);
    let page: Vec<Value> = customer
        .history
        .iter()
        .skip(offset)
        .take(limit)
        .cloned()
        .collect();
    json_response(StatusCode::OK, &Value::Array(page))
}

pub(super) async fn start(
    State(sandbox): State<Sandbox>,
    Path((tenant_id, customer_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(response) =
        authorise(&sandbox, &headers, &tenant_id).and_then(|()| valid_customer_id(&customer_id))
    {
        return response;
    }
    let body = match parse_body(&body) {
        Ok(body) => body,
        Err(response) => return response,
    };
    if !body.is_object() {
        return error(
            StatusCode::BAD_REQUEST,
            "VAL001",
            "Request body must be a JSON object",
        );
    }
    if let Some(kind) = body.get("type") {
        if kind != "NORMAL" && kind != "COMPARISON" {
            return error(
                StatusCode::BAD_REQUEST,
                "VAL001",
                "type must be NORMAL or COMPARISON",
            );
        }
    }
    let polls_to_settle = sandbox.config().polls_to_settle;
    let mut state = sandbox.state();
    // A walk-in seen for the first time: this POST is its one PENDING result.
    let walked_in = state.eclipse.admit_walk_in(&tenant_id, &customer_id);
    let Some(customer) = state.eclipse.customers.get_mut(&(tenant_id, customer_id)) else {
        return customer_not_found();
    };
    if !walked_in {
        if customer.pending_polls.is_some() {
            return already_in_progress();
        }
        let result = pending(customer.outcome, &iso_millis(now_millis()));
        customer.history.insert(0, result);
        customer.pending_polls = Some(0);
    }
    settle_if_due(customer, polls_to_settle, false);
    let latest = customer.history.first().cloned().unwrap_or(Value::Null);
    json_response(StatusCode::OK, &latest)
}
