//! `POST /gateway/{method}`: the signature check, then one function per
//! method over the applicants and executions.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use super::execution::{
    Execution, IDENTITY_DOCUMENT, LIVENESS, PARTICULAR, REQUIRED_DOCUMENT, REQUIRED_FORMS,
    SCREEN_CHECK, VALIDATE_EMAIL, VALIDATE_PHONE,
};
use super::signing::verify_request;
use super::state::WidthState;
use super::{error, invalid, precondition};
use crate::server::sandbox::{json_response, random_hex, uuid_v4, Sandbox};

pub(super) async fn gateway(
    State(sandbox): State<Sandbox>,
    Path(method): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(response) = verify_request(sandbox.config(), query.as_deref(), &headers, &body) {
        return response;
    }
    let body: Value = match serde_json::from_slice(&body) {
        Ok(Value::Object(map)) => Value::Object(map),
        Ok(_) => return invalid("request body must be a JSON object"),
        Err(e) => return invalid(&format!("malformed JSON body: {e}")),
    };
    let n = sandbox.config().polls_to_settle;
    let mut guard = sandbox.state();
    let state = &mut guard.width;
    let result = match method.as_str() {
        "workflow.applicant.register" => register(state, &body),
        "workflow.apply.submit" => submit(state, &body, n),
        "workflow.execution.status" => status(state, &body, n),
        "workflow.kyc.ocr" => {
            require_strings(&body, &["provider", "frontImage", "documentType", "region"])
                .and_then(|()| node_submission(state, &body, IDENTITY_DOCUMENT, "PASS", n))
        }
        "workflow.kyc.ocr.data" => ocr_data(state, &body),
        "workflow.kyc.particular.data" => json_string_field(&body, "personData")
            .and_then(|_| node_submission(state, &body, PARTICULAR, "PASS", n)),
        "workflow.kyc.liveness.data" => liveness(state, &body, n),
        "workflow.kyc.otp.send" => otp_send(state, &body),
        "workflow.kyc.otp.verify" => otp_verify(state, &body, n),
        "workflow.kyc.required.doc" => json_string_field(&body, "doc")
            .and_then(|_| json_string_field(&body, "extraData"))
            .and_then(|_| require_strings(&body, &["docType"]))
            .and_then(|()| check_waiting(state, &body, REQUIRED_DOCUMENT))
            .map(|()| {
                json!({
                    "executionId": body["executionId"],
                    "callbackKey": body["callbackKey"],
                    "uploaded": true,
                })
            }),
        "workflow.kyc.required.doc.submit" => {
            node_submission(state, &body, REQUIRED_DOCUMENT, "PASS", n)
        }
        "workflow.kyc.required.form" => json_string_field(&body, "formData")
            .and_then(|_| require_strings(&body, &["formId"]))
            .and_then(|()| node_submission(state, &body, REQUIRED_FORMS, "PASS", n)),
        other => Err(error(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            &format!("unknown method {other}"),
        )),
    };
    match result {
        Ok(value) => json_response(StatusCode::OK, &value),
        Err(response) => response,
    }
}

fn string_field<'a>(body: &'a Value, field: &str) -> Option<&'a str> {
    body.get(field)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

fn require_strings(body: &Value, fields: &[&str]) -> Result<(), Response> {
    match fields.iter().find(|f| string_field(body, f).is_none()) {
        Some(missing) => Err(invalid(&format!("{missing} is required"))),
        None => Ok(()),
    }
}

/// A field the seed sends as a JSON-encoded *string* (`personData`, `scores`, …).
fn json_string_field(body: &Value, field: &str) -> Result<Value, Response> {
    match body.get(field) {
        Some(Value::String(text)) => serde_json::from_str::<Value>(text)
            .ok()
            .filter(Value::is_object)
            .ok_or_else(|| invalid(&format!("{field} must be a JSON-encoded object string"))),
        Some(_) => Err(invalid(&format!(
            "{field} must be a JSON-encoded string, not a nested object"
        ))),
        None => Err(invalid(&format!("{field} is required"))),
    }
}

fn register(state: &mut WidthState, body: &Value) -> Result<Value, Response> {
    let customer_id = string_field(body, "customerId");
    let email = string_field(body, "email");
    let key = match (customer_id, email) {
        (Some(id), _) => id.to_string(),
        (None, Some(email)) => format!("email:{email}"),
        (None, None) => return Err(invalid("customerId or email is required")),
    };
    let applicant = state.applicants.entry(key).or_insert_with(|| {
        json!({
            "applicantId": format!("apl-{}", random_hex(6)),
            "customerId": customer_id,
            "email": email,
        })
    });
    Ok(applicant.clone())
}

fn submit(state: &mut WidthState, body: &Value, n: u32) -> Result<Value, Response> {
    let event_type = string_field(body, "eventType").unwrap_or("");
    if !matches!(
        event_type,
        "KYC_EVENT" | "KYB_EVENT" | "TRANSACTION_EVENT" | "PERIODIC_FLOW_EVENT"
    ) {
        return Err(invalid(
            "eventType must be KYC_EVENT, KYB_EVENT, TRANSACTION_EVENT or PERIODIC_FLOW_EVENT",
        ));
    }
    let data = body.get("data").cloned().unwrap_or(Value::Null);
    let (Some(customer_id), Some(reference_id)) = (
        string_field(&data, "customerId"),
        string_field(&data, "referenceId"),
    ) else {
        return Err(invalid("data.customerId and data.referenceId are required"));
    };
    if !state.applicants.contains_key(customer_id) {
        return Err(precondition(&format!(
            "applicant {customer_id} is not registered; call workflow.applicant.register first"
        )));
    }
    let execution_id = format!("exec-{}", random_hex(6));
    let mut execution = Execution::new(reference_id, "RUNNING");
    execution.pipeline = vec![PARTICULAR, LIVENESS, SCREEN_CHECK];
    execution.start_running(&execution_id, n);
    state.executions.insert(execution_id.clone(), execution);
    Ok(json!({ "executionId": execution_id }))
}

fn execution_id(body: &Value) -> Result<&str, Response> {
    string_field(body, "executionId").ok_or_else(|| invalid("executionId is required"))
}

fn execution_not_found(id: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        &format!("execution {id} not found"),
    )
}

fn status(state: &mut WidthState, body: &Value, n: u32) -> Result<Value, Response> {
    let id = execution_id(body)?;
    state.admit_walk_in(id);
    let execution = state
        .executions
        .get_mut(id)
        .ok_or_else(|| execution_not_found(id))?;
    execution.poll(id, n);
    Ok(execution.view(id))
}

/// Checks ids and that the execution waits on `node_type` with this callbackKey.
fn check_waiting(state: &mut WidthState, body: &Value, node_type: &str) -> Result<(), Response> {
    let id = execution_id(body)?;
    require_strings(body, &["callbackKey", "referenceId"])?;
    state.admit_walk_in(id);
    let execution = state
        .executions
        .get(id)
        .ok_or_else(|| execution_not_found(id))?;
    let key = string_field(body, "callbackKey").unwrap_or("");
    if string_field(body, "referenceId") != Some(execution.reference_id.as_str()) {
        return Err(invalid("referenceId does not match the execution"));
    }
    if execution.used_callbacks.iter().any(|k| k == key) {
        return Ok(());
    }
    match &execution.current {
        Some((waiting, _)) if waiting != node_type => Err(precondition(&format!(
            "execution {id} is waiting on {waiting}, not {node_type}"
        ))),
        Some((_, expected)) if expected != key => {
            Err(invalid("callbackKey does not match the waiting node"))
        }
        Some(_) => Ok(()),
        None => Err(precondition(&format!(
            "execution {id} is not waiting for input (status {})",
            execution.status
        ))),
    }
}

/// Records the waiting node's outcome and moves the execution on. Re-sending
/// a used callbackKey is acknowledged again without any change.
fn node_submission(
    state: &mut WidthState,
    body: &Value,
    node_type: &str,
    outcome: &'static str,
    n: u32,
) -> Result<Value, Response> {
    check_waiting(state, body, node_type)?;
    let id = execution_id(body)?.to_string();
    let key = string_field(body, "callbackKey").unwrap_or("").to_string();
    let ack = json!({"executionId": id, "callbackKey": key, "accepted": true});
    let Some(execution) = state.executions.get_mut(&id) else {
        return Err(execution_not_found(&id));
    };
    if execution.used_callbacks.contains(&key) {
        return Ok(ack);
    }
    execution.used_callbacks.push(key);
    execution.nodes.push((node_type.to_string(), outcome));
    execution.start_running(&id, n);
    Ok(ack)
}

fn liveness(state: &mut WidthState, body: &Value, n: u32) -> Result<Value, Response> {
    require_strings(body, &["provider", "status"])?;
    json_string_field(body, "scores")?;
    json_string_field(body, "images")?;
    let outcome = if string_field(body, "status") == Some("PASS") {
        "PASS"
    } else {
        "FAIL"
    };
    node_submission(state, body, LIVENESS, outcome, n)
}

fn ocr_data(state: &mut WidthState, body: &Value) -> Result<Value, Response> {
    let id = execution_id(body)?;
    state.admit_walk_in(id);
    if !state.executions.contains_key(id) {
        return Err(execution_not_found(id));
    }
    Ok(json!({
        "executionId": id,
        "status": "COMPLETED",
        "ocrResult": {
            "documentType": "INTERNATIONAL_PASSPORT",
            "region": "SG",
            "name": "JOHN SMITH",
            "dateOfBirth": "1990-01-15",
            "documentNumber": "E1234567X",
            "expiryDate": "2031-01-14",
        },
    }))
}

fn otp_node(body: &Value) -> Result<&'static str, Response> {
    match string_field(body, "type") {
        Some("email") => Ok(VALIDATE_EMAIL),
        Some("phone") => Ok(VALIDATE_PHONE),
        _ => Err(invalid("type must be email or phone")),
    }
}

fn otp_send(state: &mut WidthState, body: &Value) -> Result<Value, Response> {
    let node = otp_node(body)?;
    require_strings(body, &["identity"])?;
    check_waiting(state, body, node)?;
    Ok(json!({"requestId": uuid_v4(), "expiresIn": 300}))
}

fn otp_verify(state: &mut WidthState, body: &Value, n: u32) -> Result<Value, Response> {
    let node = otp_node(body)?;
    require_strings(body, &["identity", "code", "requestId"])?;
    node_submission(state, body, node, "PASS", n)
}
