//! Eclipse (Ukheshe / EFTCorp) "ratify" KYC; the contract as this adapter reads it: see
//! README.md in this folder.
//!
//! - `GET …/ratify` returns an array of `EclipseKycResult`, newest first ([`map_history`]);
//!   `POST …/ratify` returns one ([`map_result`]).
//! - A result is `{status, lastModified, <checkName>: {checked, passed, pending, score?,
//!   comment?}, …}`; the check names are open-ended.
//! - The AWS liveness sub-flow returns documents whose `extraInfo` is a JSON-in-string
//!   ([`map_liveness_document`], [`liveness_passed`], [`liveness_check`]).
//! - Errors come as a JSON array of `{type, severity, description, code, traceId, …}`
//!   ([`parse_errors`]).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::super::json;
use super::super::result::{push_reason, UpstreamResult};
use super::super::MapError;
use crate::domain::verification::{
    Check, CheckCategory, CheckOutcome, EarlierResult, ScoreScale, UpstreamStatus,
};

/// `aws.face.liveness.ConfidenceScoreMin` default (0..100 scale).
pub const DEFAULT_LIVENESS_THRESHOLD: f64 = 55.0;

/// Error codes the adapter reacts to (README.md, "What the adapter calls").
pub const CODE_ALREADY_IN_PROGRESS: &str = "KYC001";
pub const CODE_RATE_LIMITED: &str = "RLT001";

/// The fixed part of an `EclipseKycResult`; check fields are read from the object itself.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ResultWire {
    status: Option<Value>,
    #[serde(rename = "lastModified")]
    last_modified: Value,
}

/// One check field. Every leaf is a `Value` so that no upstream type drift can fail parsing.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CheckWire {
    checked: Value,
    passed: Value,
    pending: Value,
    score: Value,
    comment: Value,
}

/// Maps the `GET …/ratify` body: an array, newest first. An empty array means ratify never
/// ran ("no result yet" → NOT_STARTED is the caller's, as there is no attempt to key).
pub fn map_history(customer_id: &str, body: &Value) -> Result<Vec<UpstreamResult>, MapError> {
    let items = body
        .as_array()
        .ok_or_else(|| MapError::wrong_type("eclipse ratify history", "array", body))?;
    items
        .iter()
        .enumerate()
        .map(|(i, item)| map_one(customer_id, item, &format!("eclipse ratify history[{i}]")))
        .collect()
}

/// The newest result of a `GET …/ratify` body (none if ratify never ran), carrying the earlier
/// ones in summary. An earlier result that does not map is left out: it never holds up the
/// newest.
pub fn map_latest(customer_id: &str, body: &Value) -> Result<Option<UpstreamResult>, MapError> {
    let items = body
        .as_array()
        .ok_or_else(|| MapError::wrong_type("eclipse ratify history", "array", body))?;
    let Some((newest, earlier)) = items.split_first() else {
        return Ok(None);
    };
    let mut latest = map_one(customer_id, newest, "eclipse ratify history[0]")?;
    latest.earlier = earlier
        .iter()
        .filter_map(|item| map_one(customer_id, item, "eclipse ratify history").ok())
        .map(|r| {
            EarlierResult::of(
                r.status,
                &r.status_raw,
                r.upstream_updated_at.as_deref(),
                &r.checks,
            )
        })
        .collect();
    Ok(Some(latest))
}

/// Maps one `EclipseKycResult` (e.g. the `POST …/ratify` response).
pub fn map_result(customer_id: &str, v: &Value) -> Result<UpstreamResult, MapError> {
    map_one(customer_id, v, "eclipse ratify result")
}

fn map_one(customer_id: &str, v: &Value, what: &str) -> Result<UpstreamResult, MapError> {
    let obj = v
        .as_object()
        .ok_or_else(|| MapError::wrong_type(what, "object", v))?;
    let wire = ResultWire::deserialize(v).unwrap_or_default();
    let customer_id = customer_id.trim();
    if customer_id.is_empty() {
        return Err(MapError::missing_id(what, "customerId"));
    }
    // The only timestamp and the only thing that tells two attempts apart.
    let last_modified = json::text(&wire.last_modified)
        .ok_or_else(|| MapError::missing_id(what, "lastModified"))?;

    let status_raw = json::raw_status(wire.status.as_ref());
    let (status, terminal) = match status_raw.as_str() {
        "PENDING" => (UpstreamStatus::Processing, false),
        "PASSED" => (UpstreamStatus::Passed, true),
        "FAILED" => (UpstreamStatus::Failed, true),
        _ => (UpstreamStatus::Unknown, false),
    };

    let checks = checks_of(obj);
    let mut failure_reasons = Vec::new();
    for c in checks.iter().filter(|c| c.outcome == CheckOutcome::Failed) {
        push_reason(&mut failure_reasons, Some(c.key.clone()), c.comment.clone());
    }

    Ok(UpstreamResult {
        upstream_ref: format!("{customer_id}@{last_modified}"),
        status_raw,
        status,
        terminal,
        checks,
        failure_reasons,
        upstream_updated_at: Some(last_modified),
        snapshot: json::redacted(v),
        earlier: Vec::new(),
    })
}

/// Every object-valued field with a `checked`, `passed` or `pending` key, in key order.
fn checks_of(obj: &Map<String, Value>) -> Vec<Check> {
    obj.iter()
        .filter_map(|(key, val)| {
            let o = val.as_object()?;
            let is_check = ["checked", "passed", "pending"]
                .iter()
                .any(|k| o.contains_key(*k));
            is_check.then(|| map_check(key, val))
        })
        .collect()
}

fn map_check(key: &str, v: &Value) -> Check {
    let w = CheckWire::deserialize(v).unwrap_or_default();
    let (category, name) = check_meta(key);
    let checked = json::flag(&w.checked);
    let passed = json::flag(&w.passed);
    let pending = json::flag(&w.pending);
    let mut reason = None;
    // Pending wins over contradictions, then !checked, then passed.
    let outcome = if pending == Some(true) {
        CheckOutcome::Pending
    } else {
        match (checked, passed) {
            (Some(false), _) => CheckOutcome::NotRun,
            (Some(true), Some(true)) => CheckOutcome::Passed,
            (Some(true), Some(false)) => CheckOutcome::Failed,
            // `checked` or `passed` absent, null or junk: the rule cannot be applied.
            _ => {
                reason = Some("incomplete_flags".to_string());
                CheckOutcome::Unknown
            }
        }
    };
    let mut c = Check::new(key, name, category, outcome);
    c.score = json::number(&w.score);
    c.score_scale = c.score.map(|_| ScoreScale::Raw);
    c.comment = json::text(&w.comment);
    c.reason = reason;
    c
}

/// Category and display name of a check field (the table in README.md).
pub fn check_meta(key: &str) -> (CheckCategory, String) {
    use CheckCategory::*;
    let known = match key {
        "nationalIdentityIsLegitimate" => Some((IdentityDocument, "National ID is legitimate")),
        "selfieMatchesNationalIdentity" => Some((FaceMatch, "Selfie matches national ID")),
        "identityNumberMatchesNationalIdentity" => {
            Some((DataMatch, "ID number matches national ID"))
        }
        "firstNameMatchesNationalIdentity" => Some((DataMatch, "First name matches national ID")),
        "lastNameMatchesNationalIdentity" => Some((DataMatch, "Last name matches national ID")),
        "dateOfBirthMatchesNationalIdentity" => {
            Some((DataMatch, "Date of birth matches national ID"))
        }
        "selfieIsLegitimate" => Some((Liveness, "Selfie is legitimate (liveness)")),
        "selfieIsASelfie" => Some((Liveness, "Selfie is a selfie")),
        "sanctionsListCheck" => Some((SanctionsPepAml, "Sanctions list")),
        "ofacCheck" => Some((SanctionsPepAml, "OFAC list")),
        "unCheck" => Some((SanctionsPepAml, "UN list")),
        "ukCheck" => Some((SanctionsPepAml, "UK list")),
        "euCheck" => Some((SanctionsPepAml, "EU list")),
        "matchCheck" => Some((SanctionsPepAml, "Screening match")),
        "internalBlackListCheck" => Some((InternalWatchlist, "Internal blacklist")),
        "customListKycCheck" => Some((InternalWatchlist, "Custom list")),
        "iprsCheck" => Some((GovernmentRegistry, "IPRS population registry")),
        _ => None,
    };
    match known {
        Some((cat, name)) => (cat, name.to_string()),
        // The `*MatchesNationalIdentity` family is open-ended.
        None if key.ends_with("MatchesNationalIdentity") => (DataMatch, json::humanize(key)),
        None => (Other, json::humanize(key)),
    }
}

// ---------------------------------------------------------------------------------------------
// AWS liveness documents
// ---------------------------------------------------------------------------------------------

/// The parts of a liveness document response (POST 201 / PUT 200) the adapter needs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LivenessDocument {
    /// `documentId` (a number upstream, kept as a string).
    pub document_id: Option<String>,
    /// `customerId` (a number upstream, kept as a string).
    pub customer_id: Option<String>,
    /// `awsFaceLivenessSessionId`, or `extraInfo.awsLivenessSessionId`.
    pub aws_session_id: Option<String>,
    /// `extraInfo.completionUrl` (POST 201 only; expires ~3 min after issue).
    pub completion_url: Option<String>,
    /// `extraInfo.AwsFaceLivenessResult` (PUT 200 only), e.g. `SUCCEEDED`.
    pub result: Option<String>,
    /// `extraInfo.AwsFaceLivenessScore`, a string such as `"75.73"` on a 0..100 scale.
    pub score: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DocumentWire {
    #[serde(rename = "documentId")]
    document_id: Value,
    #[serde(rename = "customerId")]
    customer_id: Value,
    #[serde(rename = "awsFaceLivenessSessionId")]
    aws_session_id: Value,
    #[serde(rename = "extraInfo")]
    extra_info: Value,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ExtraInfoWire {
    #[serde(rename = "completionUrl")]
    completion_url: Value,
    #[serde(rename = "awsLivenessSessionId")]
    aws_session_id: Value,
    #[serde(rename = "AwsFaceLivenessResult")]
    result: Value,
    #[serde(rename = "AwsFaceLivenessScore")]
    score: Value,
}

/// Reads a liveness document. Never fails: a missing, empty or invalid `extraInfo` (or a body
/// that is not an object) just leaves the fields `None`.
pub fn map_liveness_document(v: &Value) -> LivenessDocument {
    let doc = if v.is_object() {
        DocumentWire::deserialize(v).unwrap_or_default()
    } else {
        DocumentWire::default()
    };
    let extra = json::json_in_string(&doc.extra_info);
    let extra = if extra.is_object() {
        ExtraInfoWire::deserialize(&extra).unwrap_or_default()
    } else {
        ExtraInfoWire::default()
    };
    LivenessDocument {
        document_id: json::id_string(&doc.document_id),
        customer_id: json::id_string(&doc.customer_id),
        aws_session_id: json::id_string(&doc.aws_session_id)
            .or_else(|| json::id_string(&extra.aws_session_id)),
        completion_url: json::text(&extra.completion_url),
        result: json::text(&extra.result),
        score: json::number(&extra.score),
    }
}

/// AWS liveness outcome: only `SUCCEEDED` with a score at or above `threshold` (0..100)
/// passes. No result yet, or the AWS session states `CREATED`/`IN_PROGRESS` → PENDING;
/// `SUCCEEDED` without a readable score → UNKNOWN (cannot be confirmed); any other result
/// (`FAILED`, `EXPIRED`, `CANCELLED`, junk) or a score below the threshold → FAILED.
pub fn liveness_passed(result: Option<&str>, score: Option<f64>, threshold: f64) -> CheckOutcome {
    match result.map(str::trim) {
        None | Some("") | Some("CREATED") | Some("IN_PROGRESS") => CheckOutcome::Pending,
        Some("SUCCEEDED") => match score {
            Some(s) if s >= threshold => CheckOutcome::Passed,
            Some(_) => CheckOutcome::Failed,
            None => CheckOutcome::Unknown,
        },
        Some(_) => CheckOutcome::Failed,
    }
}

/// The liveness document as a check row (key `awsFaceLiveness`, LIVENESS, 0..100 score).
pub fn liveness_check(doc: &LivenessDocument, threshold: f64) -> Check {
    let outcome = liveness_passed(doc.result.as_deref(), doc.score, threshold);
    let mut c = Check::new(
        "awsFaceLiveness",
        "AWS face liveness",
        CheckCategory::Liveness,
        outcome,
    );
    c.score = doc.score;
    c.score_scale = doc.score.map(|_| ScoreScale::Percent);
    c.threshold = Some(threshold);
    c.reason = match (outcome, doc.result.as_deref()) {
        (CheckOutcome::Failed, Some("SUCCEEDED")) => Some("below_threshold".to_string()),
        (CheckOutcome::Unknown, _) => Some("score_missing".to_string()),
        (CheckOutcome::Failed, r) => r.map(str::to_string),
        _ => None,
    };
    c
}

// ---------------------------------------------------------------------------------------------
// Error envelope
// ---------------------------------------------------------------------------------------------

/// One entry of the Eclipse error array.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EclipseError {
    pub code: Option<String>,
    pub description: Option<String>,
    /// Record it for support.
    pub trace_id: Option<String>,
    pub span_id: Option<String>,
    /// `BUSINESS`, …
    pub type_: Option<String>,
    pub severity: Option<String>,
    pub environment: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ErrorWire {
    code: Value,
    description: Value,
    #[serde(rename = "traceId")]
    trace_id: Value,
    #[serde(rename = "spanId")]
    span_id: Value,
    #[serde(rename = "type")]
    type_: Value,
    severity: Value,
    environment: Value,
}

/// Parses an error body (any HTTP status ≥ 400). The body is a JSON array; an object, an
/// empty body or garbage gives an empty vec, and non-object array items are skipped.
pub fn parse_errors(body: &str) -> Vec<EclipseError> {
    let Ok(Value::Array(items)) = serde_json::from_str::<Value>(body.trim()) else {
        return Vec::new();
    };
    items
        .iter()
        .filter(|i| i.is_object())
        .map(|i| {
            let w = ErrorWire::deserialize(i).unwrap_or_default();
            EclipseError {
                code: json::text(&w.code),
                description: json::text(&w.description),
                trace_id: json::text(&w.trace_id),
                span_id: json::text(&w.span_id),
                type_: json::text(&w.type_),
                severity: json::text(&w.severity),
                environment: json::text(&w.environment),
            }
        })
        .collect()
}

/// Whether any error carries `code` (e.g. [`CODE_ALREADY_IN_PROGRESS`]).
pub fn has_code(errors: &[EclipseError], code: &str) -> bool {
    errors.iter().any(|e| e.code.as_deref() == Some(code))
}
