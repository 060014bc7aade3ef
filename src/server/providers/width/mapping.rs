//! WIDTH Identity workflows; the contract as this adapter reads it: see README.md in this
//! folder.
//!
//! The success body of `workflow.execution.status` is not published. **Assumed shape** (the
//! one place this assumption lives):
//!
//! ```json
//! {"executionId": "...", "status": "WAITING",
//!  "currentNode": {"nodeType": "flow_action_liveness_test", "callbackKey": "..."},
//!  "result": {"decision": "APPROVED", "nodes": [{"nodeType": "...", "status": "PASS"}]}}
//! ```
//!
//! `result` (and `currentNode`) may also arrive as JSON-in-string; `result` is read
//! defensively and otherwise only stored (redacted) in the snapshot.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::super::json;
use super::super::result::{push_reason, FailureReason, UpstreamResult};
use super::super::MapError;
use crate::domain::verification::{Check, CheckCategory, CheckOutcome, ScoreScale, UpstreamStatus};

/// Reason on the row of a waiting node we have no handler for (flag it, do not loop).
pub const REASON_NO_HANDLER: &str = "no handler for this node";

/// Reason on the row of a waiting manual-review node (assumed; to be confirmed by WIDTH).
pub const REASON_UPSTREAM_REVIEW: &str = "upstream manual review";

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ExecutionWire {
    #[serde(rename = "executionId")]
    execution_id: Value,
    status: Option<Value>,
    #[serde(rename = "currentNode")]
    current_node: Value,
    result: Value,
    message: Value,
    reason: Value,
}

/// Category and display name of a documented `nodeType`; `None` when we have
/// no handler for it. The `flow_action_` prefix is optional.
pub fn node_meta(node_type: &str) -> Option<(CheckCategory, &'static str)> {
    use CheckCategory::*;
    let t = node_type.trim();
    let t = t.strip_prefix("flow_action_").unwrap_or(t);
    Some(match t {
        "identity_document" => (IdentityDocument, "Identity document (OCR)"),
        "individual_particular" => (DataMatch, "Personal particulars"),
        "liveness_test" => (Liveness, "Liveness"),
        "validate_email" => (ContactVerification, "Email OTP"),
        "validate_phone" => (ContactVerification, "Phone OTP"),
        "individual_required_document" => (Other, "Supporting documents"),
        "individual_required_forms" => (QuestionnaireForm, "Forms / questionnaires"),
        "screen_check" => (SanctionsPepAml, "AML / sanctions screening"),
        _ => return None,
    })
}

/// Whether a waiting node is a manual-review node (any `review` token in its type).
fn is_review_node(node_type: &str) -> bool {
    node_type
        .to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|t| t == "review")
}

/// Maps a `workflow.execution.status` body. `upstream_ref` is its `executionId`.
///
/// Status: CREATED → NOT_STARTED; RUNNING → PROCESSING; WAITING → AWAITING_INPUT
/// (NEEDS_REVIEW if the waiting node is a review node); COMPLETED → PASSED / FAILED /
/// NEEDS_REVIEW from `result` (missing or unrecognised → NEEDS_REVIEW); FAILED, TIMEOUT →
/// ERROR; CANCELLED → CANCELLED; anything else → UNKNOWN. The last four and COMPLETED are
/// terminal.
pub fn map_execution(v: &Value) -> Result<UpstreamResult, MapError> {
    map_execution_inner(None, v)
}

/// Like [`map_execution`], for when the body may not echo `executionId`: the id we asked
/// about is used as the fallback.
pub fn map_execution_for(execution_id: &str, v: &Value) -> Result<UpstreamResult, MapError> {
    map_execution_inner(Some(execution_id), v)
}

fn map_execution_inner(asked: Option<&str>, v: &Value) -> Result<UpstreamResult, MapError> {
    const WHAT: &str = "WIDTH workflow.execution.status";
    if !v.is_object() {
        return Err(MapError::wrong_type(WHAT, "object", v));
    }
    let w = ExecutionWire::deserialize(v).unwrap_or_default();
    let upstream_ref = json::id_string(&w.execution_id)
        .or_else(|| {
            asked
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        })
        .ok_or_else(|| MapError::missing_id(WHAT, "executionId"))?;

    let status_raw = json::raw_status(w.status.as_ref());
    let result = json::json_in_string(&w.result);
    let mut failure_reasons = Vec::new();
    let mut checks = Vec::new();

    let waiting = waiting_node(&w.current_node);
    if status_raw == "WAITING" {
        if let Some((_, c)) = &waiting {
            checks.push(c.clone());
        }
    }
    result_checks(&result, &mut checks);

    let (status, terminal) = match status_raw.as_str() {
        "CREATED" => (UpstreamStatus::NotStarted, false),
        "RUNNING" => (UpstreamStatus::Processing, false),
        "WAITING" => match &waiting {
            Some((node_type, _)) if is_review_node(node_type) => {
                (UpstreamStatus::NeedsReview, false)
            }
            _ => (UpstreamStatus::AwaitingInput, false),
        },
        "COMPLETED" => (decision(&result, &mut failure_reasons), true),
        "FAILED" | "TIMEOUT" => {
            push_reason(
                &mut failure_reasons,
                Some(status_raw.clone()),
                json::text(&w.message).or_else(|| json::text(&w.reason)),
            );
            (UpstreamStatus::Error, true)
        }
        "CANCELLED" => (UpstreamStatus::Cancelled, true),
        _ => (UpstreamStatus::Unknown, false),
    };

    Ok(UpstreamResult {
        upstream_ref,
        status_raw,
        status,
        terminal,
        checks,
        failure_reasons,
        upstream_updated_at: None,
        snapshot: json::redacted(v),
        earlier: Vec::new(),
    })
}

/// The row of the waiting node, with its raw `nodeType`.
fn waiting_node(current: &Value) -> Option<(String, Check)> {
    let node = json::json_in_string(current);
    let node_type = node.get("nodeType").and_then(json::text)?;
    let key = format!("node:{node_type}");
    let display = json::humanize(node_type.trim().trim_start_matches("flow_action_"));
    let c = match node_meta(&node_type) {
        Some((cat, name)) => Check::new(key, name, cat, CheckOutcome::Pending),
        None if is_review_node(&node_type) => {
            let mut c = Check::new(key, display, CheckCategory::Other, CheckOutcome::Pending);
            c.reason = Some(REASON_UPSTREAM_REVIEW.to_string());
            c
        }
        // An unknown nodeType is UNKNOWN (so the case reaches a human), raw kept in key.
        None => {
            let mut c = Check::new(key, display, CheckCategory::Other, CheckOutcome::Unknown);
            c.reason = Some(REASON_NO_HANDLER.to_string());
            c
        }
    };
    Some((node_type, c))
}

/// The verdict of a COMPLETED execution, read from `result.decision`, `result.status`,
/// `result.outcome` (or `result` itself when it is a plain string). Missing → NEEDS_REVIEW;
/// unparseable JSON-in-string or an unrecognised value → NEEDS_REVIEW with a reason.
fn decision(result: &Value, reasons: &mut Vec<FailureReason>) -> UpstreamStatus {
    let (field, raw) = match result {
        Value::Object(o) => match ["decision", "status", "outcome"]
            .iter()
            .find_map(|f| o.get(*f).and_then(json::text).map(|t| (*f, t)))
        {
            Some(found) => found,
            None => return UpstreamStatus::NeedsReview,
        },
        // A string that should have held JSON but does not parse.
        Value::String(s) if s.trim_start().starts_with(['{', '[']) => {
            push_reason(reasons, Some("unreadable_result".to_string()), None);
            return UpstreamStatus::NeedsReview;
        }
        Value::String(s) if !s.trim().is_empty() => ("result", s.clone()),
        _ => return UpstreamStatus::NeedsReview,
    };
    if let Value::Object(o) = result {
        collect_result_reasons(o, reasons);
    }
    match raw.trim().to_ascii_uppercase().as_str() {
        "APPROVED" | "APPROVE" | "ACCEPTED" | "ACCEPT" | "PASS" | "PASSED" => {
            UpstreamStatus::Passed
        }
        "REJECTED" | "REJECT" | "FAIL" | "FAILED" | "DECLINED" | "DECLINE" | "DENIED" => {
            UpstreamStatus::Failed
        }
        "REVIEW" | "MANUAL_REVIEW" | "NEEDS_REVIEW" | "PENDING_REVIEW" => {
            UpstreamStatus::NeedsReview
        }
        _ => {
            push_reason(
                reasons,
                Some("unrecognised_decision".to_string()),
                Some(format!("result.{field} = {raw}")),
            );
            UpstreamStatus::NeedsReview
        }
    }
}

/// `result.reason` (text) and `result.reasons[]` (text or `{code, message}`), if any.
fn collect_result_reasons(o: &Map<String, Value>, reasons: &mut Vec<FailureReason>) {
    if let Some(r) = o.get("reason").and_then(json::text) {
        push_reason(reasons, None, Some(r));
    }
    for r in o
        .get("reasons")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        match r {
            Value::Object(ro) => push_reason(
                reasons,
                ro.get("code").and_then(json::text),
                ro.get("message")
                    .or_else(|| ro.get("detail"))
                    .and_then(json::text),
            ),
            other => push_reason(reasons, None, json::text(other)),
        }
    }
}

/// Per-node / per-check outcomes carried by `result.nodes` or `result.checks` (an array of
/// objects, or an object of name → status). Rows whose key is already present (the
/// waiting node) are not duplicated.
fn result_checks(result: &Value, checks: &mut Vec<Check>) {
    let Value::Object(o) = result else {
        return;
    };
    for field in ["nodes", "checks"] {
        match o.get(field).map(json::json_in_string) {
            Some(Value::Array(items)) => {
                for item in &items {
                    if let Some(c) = item_check(None, item) {
                        push_unique(checks, c);
                    }
                }
            }
            Some(Value::Object(map)) => {
                for (name, item) in &map {
                    if let Some(c) = item_check(Some(name), item) {
                        push_unique(checks, c);
                    }
                }
            }
            _ => {}
        }
    }
}

fn push_unique(checks: &mut Vec<Check>, c: Check) {
    if !checks.iter().any(|x| x.key == c.key) {
        checks.push(c);
    }
}

/// One result item: `{nodeType | name | type, status | result | outcome, score?, reason?,
/// message?}`, or a bare status when `name` comes from an object key.
fn item_check(name: Option<&str>, item: &Value) -> Option<Check> {
    let field = |k: &str| item.get(k).and_then(json::text);
    let node_type = field("nodeType");
    let label = node_type
        .clone()
        .or_else(|| name.map(str::to_string))
        .or_else(|| field("name"))
        .or_else(|| field("checkName"))
        .or_else(|| field("type"))?;
    let (key, category, display) = match node_meta(&label) {
        Some((cat, n)) => (format!("node:{label}"), cat, n.to_string()),
        None if node_type.is_some() => (
            format!("node:{label}"),
            CheckCategory::Other,
            json::humanize(label.trim_start_matches("flow_action_")),
        ),
        None => (
            format!("check:{label}"),
            CheckCategory::Other,
            json::humanize(&label),
        ),
    };
    let verdict = if item.is_object() {
        ["status", "result", "outcome"]
            .iter()
            .find_map(|f| item.get(*f).filter(|v| !v.is_null()))
            .cloned()
            .unwrap_or(Value::Null)
    } else {
        item.clone()
    };
    let (outcome, raw) = match &verdict {
        Value::Bool(true) => (CheckOutcome::Passed, None),
        Value::Bool(false) => (CheckOutcome::Failed, None),
        other => match json::text(other) {
            Some(s) => match s.trim().to_ascii_uppercase().as_str() {
                "PASS" | "PASSED" => (CheckOutcome::Passed, None),
                "FAIL" | "FAILED" => (CheckOutcome::Failed, None),
                _ => (CheckOutcome::Unknown, Some(s)),
            },
            None => (CheckOutcome::Unknown, None),
        },
    };
    let mut c = Check::new(key, display, category, outcome);
    c.reason = field("reason").or(raw);
    c.comment = field("message").or_else(|| field("comment"));
    c.score = item.get("score").and_then(json::number);
    c.score_scale = c.score.map(|_| ScoreScale::Raw);
    Some(c)
}

/// `{code, message}` of a WIDTH error body (also accepted as a JSON-in-string).
pub fn parse_error(body: &Value) -> (Option<String>, Option<String>) {
    let b = json::json_in_string(body);
    (
        b.get("code").and_then(json::text),
        b.get("message").and_then(json::text),
    )
}
