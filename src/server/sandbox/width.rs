//! WIDTH Identity workflow gateway: `POST /gateway/{method}` with a JSON body.
//!
//! Methods: `workflow.applicant.register` (idempotent), `workflow.apply.submit`
//! (new execution: RUNNING → WAITING particular → WAITING liveness → automatic
//! screen check → COMPLETED, one step per `polls_to_settle` status polls),
//! `workflow.execution.status`, and the node submissions (`workflow.kyc.ocr`,
//! `.ocr.data`, `.particular.data`, `.liveness.data`, `.otp.send`, `.otp.verify`,
//! `.required.doc`, `.required.doc.submit`, `.required.form`) with the seed's
//! request shapes (JSON-encoded string fields). Unknown method → 404.
//!
//! Walk-ins: an execution id in the walk-in range
//! (`scenarios::width_ids::walk_in_suffix`) becomes a new running execution the
//! first time a call names it as `executionId` (`WidthState::admit_walk_in`).
//!
//! Errors are `{"code": "<GRPC_STYLE_CODE>", "message": …}` — the vendor
//! publishes no envelope; `UNAUTHORIZED`, `INVALID_ARGUMENT`, `NOT_FOUND`,
//! `FAILED_PRECONDITION`, `RESOURCE_EXHAUSTED`, `INTERNAL` and `UNAVAILABLE`
//! are our assumption.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use super::scenarios::width_ids as ids;
use super::{json_response, query_param, random_hex, uuid_v4, Sandbox, SandboxConfig};

pub(super) fn routes() -> Router<Sandbox> {
    Router::new().route("/gateway/{method}", post(gateway))
}

pub(super) fn error(status: StatusCode, code: &str, message: &str) -> Response {
    json_response(status, &json!({"code": code, "message": message}))
}

pub(super) fn error_for_status(status: StatusCode, message: &str) -> Response {
    let code = match status.as_u16() {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHORIZED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        409 => "ALREADY_EXISTS",
        429 => "RESOURCE_EXHAUSTED",
        503 => "UNAVAILABLE",
        504 => "DEADLINE_EXCEEDED",
        _ if status.is_client_error() => "FAILED_PRECONDITION",
        _ => "INTERNAL",
    };
    let message = if status == StatusCode::TOO_MANY_REQUESTS {
        "rate limit exceeded, retry later"
    } else {
        message
    };
    error(status, code, message)
}

fn invalid(message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, "INVALID_ARGUMENT", message)
}

fn precondition(message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, "FAILED_PRECONDITION", message)
}

fn unauthorized(message: &str) -> Response {
    error(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", message)
}

// ===========================================================================
// REQUEST SIGNING — OUR DOCUMENTED ASSUMPTION (the vendor's recipe is unpublished)
//
//   POST /gateway/{method}?apiKey=<api key>
//   x-domain:    <domain id>
//   x-signature: lowercase hex( HMAC-SHA256( key = api secret, message = raw request body ) )
//
// This is the only place the sandbox checks it; change it here when WIDTH
// confirms the real scheme.
// ===========================================================================
fn verify_request(
    config: &SandboxConfig,
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), Response> {
    match query_param(query, "apiKey") {
        None => return Err(unauthorized("missing apiKey query parameter")),
        Some(key) if key != config.width_api_key => return Err(unauthorized("unknown apiKey")),
        Some(_) => {}
    }
    match headers.get("x-domain").and_then(|v| v.to_str().ok()) {
        None => return Err(unauthorized("missing x-domain header")),
        Some(domain) if domain != config.width_domain_id => {
            return Err(unauthorized("x-domain does not belong to this apiKey"))
        }
        Some(_) => {}
    }
    let signature = headers
        .get("x-signature")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| unauthorized("missing x-signature header"))?;
    if signature.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(unauthorized("x-signature must be lowercase hex"));
    }
    let signature = hex::decode(signature).map_err(|_| unauthorized("invalid x-signature"))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(config.width_api_secret.as_bytes())
        .map_err(|_| unauthorized("invalid x-signature"))?;
    mac.update(body);
    mac.verify_slice(&signature)
        .map_err(|_| unauthorized("invalid x-signature"))
}

// ------------------------------------------------------------------ model

const PARTICULAR: &str = "flow_action_individual_particular";
const LIVENESS: &str = "flow_action_liveness_test";
const IDENTITY_DOCUMENT: &str = "flow_action_identity_document";
const SCREEN_CHECK: &str = "flow_action_screen_check";
const VALIDATE_EMAIL: &str = "flow_action_validate_email";
const VALIDATE_PHONE: &str = "flow_action_validate_phone";
const REQUIRED_DOCUMENT: &str = "flow_action_individual_required_document";
const REQUIRED_FORMS: &str = "flow_action_individual_required_forms";
/// Not in the documented list: a client has no handler for it.
const UNKNOWN_NODE: &str = "flow_action_video_interview";

fn callback_prefix(node_type: &str) -> &'static str {
    match node_type {
        IDENTITY_DOCUMENT => "ocr",
        PARTICULAR => "particular",
        LIVENESS => "liveness",
        VALIDATE_EMAIL => "email",
        VALIDATE_PHONE => "phone",
        REQUIRED_DOCUMENT => "required_doc",
        REQUIRED_FORMS => "required_form",
        _ => "node",
    }
}

struct Execution {
    reference_id: String,
    status: String,
    /// Nodes still to run, in order.
    pipeline: Vec<&'static str>,
    /// The waiting node: (nodeType, callbackKey).
    current: Option<(String, String)>,
    /// Finished nodes: (nodeType, PASS | FAIL).
    nodes: Vec<(String, &'static str)>,
    /// `Some(polls so far)` while RUNNING towards the next node.
    running_polls: Option<u32>,
    /// The automatic screen check fails (sanctions hit).
    screen_hit: bool,
    callback_seq: u32,
    used_callbacks: Vec<String>,
}

impl Execution {
    fn new(reference_id: &str, status: &str) -> Execution {
        Execution {
            reference_id: reference_id.into(),
            status: status.into(),
            pipeline: Vec::new(),
            current: None,
            nodes: Vec::new(),
            running_polls: None,
            screen_hit: false,
            callback_seq: 0,
            used_callbacks: Vec::new(),
        }
    }

    fn done(mut self, nodes: &[(&str, &'static str)]) -> Execution {
        self.nodes = nodes.iter().map(|(t, s)| (t.to_string(), *s)).collect();
        self
    }

    fn wait_on(&mut self, execution_id: &str, node_type: &str) {
        self.callback_seq += 1;
        let key = format!(
            "kyc:{}:{execution_id}:{}",
            callback_prefix(node_type),
            self.callback_seq
        );
        self.status = "WAITING".into();
        self.current = Some((node_type.to_string(), key));
    }

    /// Runs automatic nodes until the next input node or the end.
    fn advance(&mut self, execution_id: &str) {
        while !self.pipeline.is_empty() {
            let node = self.pipeline.remove(0);
            if node == SCREEN_CHECK {
                let outcome = if self.screen_hit { "FAIL" } else { "PASS" };
                self.nodes.push((node.to_string(), outcome));
            } else {
                self.wait_on(execution_id, node);
                return;
            }
        }
        self.status = "COMPLETED".into();
        self.current = None;
    }

    /// One `workflow.execution.status` poll.
    fn poll(&mut self, execution_id: &str, polls_to_settle: u32) {
        let Some(polls) = self.running_polls else {
            return;
        };
        let polls = polls + 1;
        if polls >= polls_to_settle {
            self.running_polls = None;
            self.advance(execution_id);
        } else {
            self.running_polls = Some(polls);
        }
    }

    fn start_running(&mut self, execution_id: &str, polls_to_settle: u32) {
        self.status = "RUNNING".into();
        self.current = None;
        self.running_polls = Some(0);
        if polls_to_settle == 0 {
            self.running_polls = None;
            self.advance(execution_id);
        }
    }

    fn result(&self) -> Value {
        let screen_failed = self
            .nodes
            .iter()
            .any(|(t, s)| t == SCREEN_CHECK && *s == "FAIL");
        let any_failed = self.nodes.iter().any(|(_, s)| *s == "FAIL");
        let decision = if screen_failed {
            "REJECTED"
        } else if any_failed {
            "REVIEW"
        } else {
            "APPROVED"
        };
        let nodes: Vec<Value> = self
            .nodes
            .iter()
            .map(|(t, s)| json!({"nodeType": t, "status": s}))
            .collect();
        json!({"decision": decision, "nodes": nodes})
    }

    fn view(&self, execution_id: &str) -> Value {
        let mut out = json!({"executionId": execution_id, "status": self.status});
        if let Some(object) = out.as_object_mut() {
            if self.status == "WAITING" {
                if let Some((node_type, key)) = &self.current {
                    object.insert(
                        "currentNode".into(),
                        json!({"nodeType": node_type, "callbackKey": key}),
                    );
                }
            }
            if self.status == "COMPLETED" {
                object.insert("result".into(), self.result());
            }
        }
        out
    }
}

pub(super) struct WidthState {
    /// Keyed by `customerId` (or `email:<email>` when only an email was sent).
    applicants: HashMap<String, Value>,
    executions: HashMap<String, Execution>,
}

impl WidthState {
    pub(super) fn seeded() -> WidthState {
        let mut applicants = HashMap::new();
        for (n, (_, customer_id, _)) in ids::ALL.iter().enumerate() {
            applicants.insert(
                customer_id.to_string(),
                json!({"applicantId": format!("apl-sbx-{:04}", n + 1), "customerId": customer_id, "email": null}),
            );
        }
        let all_pass = [
            (IDENTITY_DOCUMENT, "PASS"),
            (PARTICULAR, "PASS"),
            (LIVENESS, "PASS"),
            (SCREEN_CHECK, "PASS"),
        ];
        let mut executions = HashMap::new();
        let mut add = |ids: ids::Ids, execution: Execution| {
            executions.insert(ids.0.to_string(), execution);
        };
        add(
            ids::CLEAN_PASS,
            Execution::new(ids::CLEAN_PASS.2, "COMPLETED").done(&all_pass),
        );
        add(
            ids::SANCTIONS_HIT,
            Execution::new(ids::SANCTIONS_HIT.2, "COMPLETED").done(&[
                (IDENTITY_DOCUMENT, "PASS"),
                (PARTICULAR, "PASS"),
                (LIVENESS, "PASS"),
                (SCREEN_CHECK, "FAIL"),
            ]),
        );
        add(
            ids::MANUAL_REVIEW,
            Execution::new(ids::MANUAL_REVIEW.2, "COMPLETED").done(&[
                (IDENTITY_DOCUMENT, "PASS"),
                (PARTICULAR, "PASS"),
                (LIVENESS, "FAIL"),
                (SCREEN_CHECK, "PASS"),
            ]),
        );
        let mut waiting = Execution::new(ids::WAITING_LIVENESS.2, "RUNNING")
            .done(&[(IDENTITY_DOCUMENT, "PASS"), (PARTICULAR, "PASS")]);
        waiting.pipeline = vec![SCREEN_CHECK];
        waiting.wait_on(ids::WAITING_LIVENESS.0, LIVENESS);
        add(ids::WAITING_LIVENESS, waiting);

        let mut unknown_node = Execution::new(ids::WAITING_UNKNOWN_NODE.2, "RUNNING")
            .done(&[(IDENTITY_DOCUMENT, "PASS"), (PARTICULAR, "PASS")]);
        unknown_node.wait_on(ids::WAITING_UNKNOWN_NODE.0, UNKNOWN_NODE);
        add(ids::WAITING_UNKNOWN_NODE, unknown_node);

        add(
            ids::UNKNOWN_STATUS,
            Execution::new(ids::UNKNOWN_STATUS.2, "PAUSED").done(&[(IDENTITY_DOCUMENT, "PASS")]),
        );
        let mut running = Execution::new(ids::RUNNING_THEN_COMPLETED.2, "RUNNING").done(&[
            (IDENTITY_DOCUMENT, "PASS"),
            (PARTICULAR, "PASS"),
            (LIVENESS, "PASS"),
        ]);
        running.pipeline = vec![SCREEN_CHECK];
        running.running_polls = Some(0);
        add(ids::RUNNING_THEN_COMPLETED, running);

        add(ids::FAILED, Execution::new(ids::FAILED.2, "FAILED"));
        add(ids::TIMEOUT, Execution::new(ids::TIMEOUT.2, "TIMEOUT"));
        add(
            ids::CANCELLED,
            Execution::new(ids::CANCELLED.2, "CANCELLED"),
        );
        WidthState {
            applicants,
            executions,
        }
    }
}

impl WidthState {
    /// Admits a walk-in execution (`width_ids::walk_in_suffix`) the first time
    /// a call names its `executionId`: a brand-new clean execution that moves
    /// like `running_then_completed` (RUNNING; the automatic screen check
    /// completes it APPROVED on the `polls_to_settle`-th status poll), with
    /// applicant `C_sbx_new_<suffix>` and reference `ref-sbx-new-<suffix>`.
    /// Anything else is left alone (and stays 404).
    fn admit_walk_in(&mut self, execution_id: &str) {
        let Some(suffix) = ids::walk_in_suffix(execution_id) else {
            return;
        };
        if self.executions.contains_key(execution_id) {
            return;
        }
        let customer_id = format!("C_sbx_new_{suffix}");
        self.applicants.entry(customer_id.clone()).or_insert_with(|| {
            json!({"applicantId": format!("apl-{}", random_hex(6)), "customerId": customer_id, "email": null})
        });
        let mut execution = Execution::new(&format!("ref-sbx-new-{suffix}"), "RUNNING").done(&[
            (IDENTITY_DOCUMENT, "PASS"),
            (PARTICULAR, "PASS"),
            (LIVENESS, "PASS"),
        ]);
        execution.pipeline = vec![SCREEN_CHECK];
        execution.running_polls = Some(0);
        self.executions.insert(execution_id.to_string(), execution);
        tracing::debug!(execution_id, "sandbox: new WIDTH walk-in execution");
    }
}

// --------------------------------------------------------------- handler

async fn gateway(
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
            .map(|()| json!({"executionId": body["executionId"], "callbackKey": body["callbackKey"], "uploaded": true})),
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
