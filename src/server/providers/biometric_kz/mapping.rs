//! biometric.kz "Flows"; the contract as this adapter reads it: see README.md in this folder.
//!
//! [`map_session`] maps a `GET /api/v1/flows/session/result/light/` body (or the MCP
//! `get_flow_session_light_result` one): `{id, status, overall_result | flow_session_result,
//! failure_reasons[] | flow_session_failure_reasons[], technologies, <tech>_result: {…}, …}`.
//! Both vendor spellings are accepted.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::super::json;
use super::super::result::{push_reason, FailureReason, UpstreamResult};
use super::super::MapError;
use crate::domain::verification::{Check, CheckCategory, CheckOutcome, ScoreScale, UpstreamStatus};

/// Standard FACE2FACE similarity threshold (0..1).
pub const FACE2FACE_THRESHOLD: f64 = 0.85;

/// Reason on a block that is empty (`{}`/null/no `result`) in a session that is already
/// final; the check is UNKNOWN.
pub const REASON_NO_RESULT: &str = "no_result";

/// Keys ending in `_result` that are the overall verdict, not a technology block.
const VERDICT_KEYS: &[&str] = &["overall_result", "flow_session_result"];

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SessionWire {
    id: Value,
    session_id: Value,
    status: Option<Value>,
    overall_result: Value,
    flow_session_result: Value,
    failure_reasons: Value,
    flow_session_failure_reasons: Value,
    updated_at: Value,
    validated_at: Value,
    finished_at: Value,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct BlockWire {
    result: Value,
    status: Value,
    failure_reason: Value,
    failure_reasons: Value,
    prediction: Value,
    prediction_percent: Value,
    result_json: Value,
}

/// Maps one session result. `session_id` is our binding's id (the body's `id` is used only
/// when `session_id` is blank).
///
/// Status: CREATED → NOT_STARTED; QR, PROGRESS → IN_PROGRESS; FINISHED → PASSED when
/// there is at least one block, every block PASSED and the overall verdict is not `false`,
/// otherwise NEEDS_REVIEW; FAILED → FAILED; IN_REVIEW → IN_UPSTREAM_REVIEW; APPROVED,
/// DECLINED as such; anything else → UNKNOWN (not terminal).
///
/// A FINISHED session whose blocks are still empty is reported as *not* terminal: the
/// vendor fills blocks a few seconds after FINISHED, so the poller must fetch again.
pub fn map_session(session_id: &str, v: &Value) -> Result<UpstreamResult, MapError> {
    const WHAT: &str = "biometric.kz session result";
    let obj = v
        .as_object()
        .ok_or_else(|| MapError::wrong_type(WHAT, "object", v))?;
    let w = SessionWire::deserialize(v).unwrap_or_default();
    let upstream_ref = Some(session_id.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| json::id_string(&w.id))
        .or_else(|| json::id_string(&w.session_id))
        .ok_or_else(|| MapError::missing_id(WHAT, "session_id"))?;

    let status_raw = json::raw_status(w.status.as_ref());
    // Technologies are done once the session is FINISHED/FAILED (or reviewed after that).
    let is_final = matches!(
        status_raw.as_str(),
        "FINISHED" | "FAILED" | "IN_REVIEW" | "APPROVED" | "DECLINED"
    );

    let checks = blocks(obj, is_final);
    let settling = checks
        .iter()
        .any(|c| c.reason.as_deref() == Some(REASON_NO_RESULT));

    // Both spellings; if both are present and disagree, the verdict is not a pass.
    let overall = match (
        json::flag(&w.overall_result),
        json::flag(&w.flow_session_result),
    ) {
        (Some(a), Some(b)) => Some(a && b),
        (a, b) => a.or(b),
    };

    let (status, terminal) = match status_raw.as_str() {
        "CREATED" => (UpstreamStatus::NotStarted, false),
        "QR" | "PROGRESS" => (UpstreamStatus::InProgress, false),
        "FINISHED" => {
            let all_passed = !checks.is_empty()
                && checks.iter().all(|c| c.outcome == CheckOutcome::Passed)
                && overall != Some(false);
            let status = if all_passed {
                UpstreamStatus::Passed
            } else {
                UpstreamStatus::NeedsReview
            };
            (status, !settling)
        }
        "FAILED" => (UpstreamStatus::Failed, true),
        "IN_REVIEW" => (UpstreamStatus::InUpstreamReview, false),
        "APPROVED" => (UpstreamStatus::Approved, true),
        "DECLINED" => (UpstreamStatus::Declined, true),
        _ => (UpstreamStatus::Unknown, false),
    };

    let mut failure_reasons = Vec::new();
    collect_reasons(&mut failure_reasons, &w.failure_reasons);
    collect_reasons(&mut failure_reasons, &w.flow_session_failure_reasons);

    let upstream_updated_at = json::text(&w.updated_at)
        .or_else(|| json::text(&w.validated_at))
        .or_else(|| json::text(&w.finished_at));

    Ok(UpstreamResult {
        upstream_ref,
        status_raw,
        status,
        terminal,
        checks,
        failure_reasons,
        upstream_updated_at,
        snapshot: json::redacted(v),
        earlier: Vec::new(),
    })
}

/// `failure_reasons[]` of `{type, detail}` or of strings.
fn collect_reasons(out: &mut Vec<FailureReason>, v: &Value) {
    let Value::Array(items) = json::json_in_string(v) else {
        return;
    };
    for item in &items {
        match item {
            Value::Object(o) => push_reason(
                out,
                o.get("type").and_then(json::text),
                o.get("detail").and_then(json::text),
            ),
            other => push_reason(out, None, json::text(other)),
        }
    }
}

/// Whether `key` names a per-technology block.
fn is_block_key(key: &str) -> bool {
    (key.ends_with("_result") || key.ends_with("_results")) && !VERDICT_KEYS.contains(&key)
}

/// One check per block present, in key order.
fn blocks(obj: &Map<String, Value>, is_final: bool) -> Vec<Check> {
    obj.iter()
        .filter(|(k, _)| is_block_key(k))
        .map(|(k, v)| block_check(k, v, is_final))
        .collect()
}

/// Category and display name of a block (the list in README.md).
pub fn block_meta(key: &str) -> (CheckCategory, String) {
    use CheckCategory::*;
    let stem = key
        .strip_suffix("_results")
        .or_else(|| key.strip_suffix("_result"))
        .unwrap_or(key);
    let tokens: Vec<&str> = stem.split('_').collect();
    let has = |t: &str| tokens.contains(&t);
    let (cat, name): (CheckCategory, Option<&str>) = match stem {
        "liveness" => (Liveness, Some("Liveness")),
        "face2face" => (FaceMatch, Some("Face to face match")),
        "doc_recognition" | "document_recognition" => {
            (IdentityDocument, Some("Document recognition"))
        }
        "edocument" => (GovernmentRegistry, Some("eGov e-document")),
        "gbdfl" => (GovernmentRegistry, Some("GBDFL state registry")),
        "ds_identifier" => (DigitalSignature, Some("Digital signature: identifier")),
        "ds_signer" => (DigitalSignature, Some("Digital signature: signer")),
        "ip_check" => (DeviceIp, Some("IP check")),
        "questionnaire" => (QuestionnaireForm, Some("Questionnaire")),
        "aml" => (SanctionsPepAml, Some("AML screening")),
        _ if stem.starts_with("liveness") => (Liveness, None),
        _ if stem.starts_with("ds_") => (DigitalSignature, None),
        _ if has("aml") || has("sanctions") || has("pep") => (SanctionsPepAml, None),
        _ if has("questionnaire") => (QuestionnaireForm, None),
        _ => (Other, None),
    };
    (
        cat,
        name.map_or_else(|| json::humanize(stem), str::to_string),
    )
}

fn empty_outcome(c: &mut Check, is_final: bool) {
    if is_final {
        c.outcome = CheckOutcome::Unknown;
        c.reason = Some(REASON_NO_RESULT.to_string());
    } else {
        c.outcome = CheckOutcome::Pending;
    }
}

fn block_check(key: &str, v: &Value, is_final: bool) -> Check {
    let (category, name) = block_meta(key);
    let mut c = Check::new(key, name, category, CheckOutcome::Unknown);
    match v {
        Value::Null => empty_outcome(&mut c, is_final),
        Value::Object(o) if o.is_empty() => empty_outcome(&mut c, is_final),
        Value::Object(_) => fill_from_object(&mut c, key, v, is_final),
        Value::Array(items) => fill_from_array(&mut c, key, items, is_final),
        Value::Bool(b) => c.outcome = outcome_of(*b),
        other => {
            c.outcome = CheckOutcome::Unknown;
            c.reason = json::text(other);
        }
    }
    c
}

fn outcome_of(b: bool) -> CheckOutcome {
    if b {
        CheckOutcome::Passed
    } else {
        CheckOutcome::Failed
    }
}

/// An array block (`ip_check_results`): one row, the worst of its items.
fn fill_from_array(c: &mut Check, key: &str, items: &[Value], is_final: bool) {
    if items.is_empty() {
        return empty_outcome(c, is_final);
    }
    let rows: Vec<Check> = items
        .iter()
        .map(|i| block_check(key, i, is_final))
        .collect();
    let rank = |o: CheckOutcome| match o {
        CheckOutcome::Failed => 0,
        CheckOutcome::Error => 1,
        CheckOutcome::Unknown => 2,
        CheckOutcome::Pending => 3,
        CheckOutcome::NotRun => 4,
        CheckOutcome::Passed => 5,
    };
    if let Some(worst) = rows.iter().min_by_key(|r| rank(r.outcome)) {
        c.outcome = worst.outcome;
        c.reason = worst.reason.clone();
        c.comment = worst.comment.clone();
    }
}

fn fill_from_object(c: &mut Check, key: &str, v: &Value, is_final: bool) {
    let b = BlockWire::deserialize(v).unwrap_or_default();

    // GBDFL carries its own 4-value status.
    let gbdfl_status = if key.starts_with("gbdfl") {
        json::text(&b.status).or_else(|| b.result_json.get("status").and_then(json::text))
    } else {
        None
    };
    if let Some(st) = gbdfl_status {
        c.outcome = match st.as_str() {
            "VALID" => CheckOutcome::Passed,
            "INVALID" => CheckOutcome::Failed,
            "PENDING" => CheckOutcome::Pending,
            "TIMEOUT" => CheckOutcome::Error,
            _ => CheckOutcome::Unknown,
        };
        if c.outcome != CheckOutcome::Passed && c.outcome != CheckOutcome::Pending {
            c.reason = Some(st);
        }
    } else {
        match (&b.result, json::flag(&b.result)) {
            (_, Some(r)) => c.outcome = outcome_of(r),
            (Value::Null, None) => empty_outcome(c, is_final),
            (other, None) => {
                c.outcome = CheckOutcome::Unknown;
                c.reason = json::text(other);
            }
        }
    }

    if matches!(c.outcome, CheckOutcome::Failed | CheckOutcome::Error) {
        let fr = match (&b.failure_reason, &b.failure_reasons) {
            (Value::Null, Value::Array(list)) => list.first().cloned().unwrap_or(Value::Null),
            (fr, _) => fr.clone(),
        };
        match json::json_in_string(&fr) {
            Value::Object(o) => {
                if let Some(t) = o.get("type").and_then(json::text) {
                    c.reason = Some(t);
                }
                c.comment = o.get("detail").and_then(json::text);
            }
            other => c.comment = json::text(&other),
        }
    }

    if let Some(p) = json::number(&b.prediction) {
        c.score = Some(p);
        c.score_scale = Some(ScoreScale::Unit);
    } else if let Some(p) = json::number(&b.prediction_percent) {
        c.score = Some(p);
        c.score_scale = Some(ScoreScale::Percent);
    }
    if key == "face2face_result" {
        c.threshold = Some(match c.score_scale {
            Some(ScoreScale::Percent) => FACE2FACE_THRESHOLD * 100.0,
            _ => FACE2FACE_THRESHOLD,
        });
    }
}

/// `session_id` of a `POST /api/v1/flows/session/create/` (or MCP `create_flow_session`)
/// response.
pub fn parse_session_created(v: &Value) -> Option<String> {
    v.get("session_id").and_then(json::id_string)
}

/// One entry of `technologies`, which comes as `string[]` or `[{name, code, description}]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Technology {
    pub code: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
}

/// The `technologies` of a session (create response or result), in either shape. A plain
/// string is taken as the code. Raw codes are kept as sent (`LIVENESS_CORE`, `LD`, `LDHP`…).
pub fn technologies(v: &Value) -> Vec<Technology> {
    let Some(Value::Array(items)) = v.get("technologies") else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|i| match i {
            Value::Object(o) => Some(Technology {
                code: o.get("code").and_then(json::text),
                name: o.get("name").and_then(json::text),
                description: o.get("description").and_then(json::text),
            }),
            other => json::text(other).map(|code| Technology {
                code: Some(code),
                name: None,
                description: None,
            }),
        })
        .collect()
}
