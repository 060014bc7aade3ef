//! Provide `ident` KYC applications; the contract as this adapter reads it: see README.md in
//! this folder.
//!
//! [`map_application`] maps one `KYCApplication` (a list item, or the detail with its
//! `provider_representation`). Per-check rows come from the representation: Vouched
//! (`result.confidences`, `errors`) or IdentityMind (`state`, fired rule, `etr` tests).
//!
//! `accepted`/`rejected` map to PASSED/FAILED: the payload cannot tell an automated decision
//! from a manual `PUT` (which the normalized model would show as APPROVED/DECLINED), so the
//! adapter must use its own record of the PUTs it made to tell them apart.

use std::collections::HashSet;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::super::json;
use super::super::result::{push_reason, FailureReason, UpstreamResult};
use super::super::MapError;
use crate::domain::verification::{Check, CheckCategory, CheckOutcome, ScoreScale, UpstreamStatus};

/// Key of the synthetic row added for `remediate` when no duplicate row came from the
/// representation.
pub const REMEDIATE_KEY: &str = "ident:remediate";

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ApplicationWire {
    id: Value,
    status: Option<Value>,
    provider: Value,
    description: Value,
    updated_at: Value,
    provider_representation: Value,
    similar_kyc_applications: Value,
    similar_users: Value,
}

/// The items of a `GET /kyc_applications` body (an array). Anything else gives an empty vec.
/// Items are returned as they are (non-objects included) so that [`map_application`]
/// reports them instead of silently dropping them.
pub fn applications(body: &Value) -> Vec<&Value> {
    body.as_array()
        .map(|items| items.iter().collect())
        .unwrap_or_default()
}

/// Maps one KYC application. `upstream_ref` is its `id`.
///
/// Status: pending → NOT_STARTED, submitted → PROCESSING, review →
/// IN_UPSTREAM_REVIEW, remediate → NEEDS_REVIEW (not terminal), accepted → PASSED, rejected
/// → FAILED, failed → ERROR (with `description` as a failure reason); anything else,
/// including any other string an app PUT, → UNKNOWN. Matching is exact.
pub fn map_application(v: &Value) -> Result<UpstreamResult, MapError> {
    const WHAT: &str = "ident kyc application";
    if !v.is_object() {
        return Err(MapError::wrong_type(WHAT, "object", v));
    }
    let w = ApplicationWire::deserialize(v).unwrap_or_default();
    let upstream_ref = json::id_string(&w.id).ok_or_else(|| MapError::missing_id(WHAT, "id"))?;

    let status_raw = json::raw_status(w.status.as_ref());
    let (status, terminal) = match status_raw.as_str() {
        "pending" => (UpstreamStatus::NotStarted, false),
        "submitted" => (UpstreamStatus::Processing, false),
        "review" => (UpstreamStatus::InUpstreamReview, false),
        "remediate" => (UpstreamStatus::NeedsReview, false),
        "accepted" => (UpstreamStatus::Passed, true),
        "rejected" => (UpstreamStatus::Failed, true),
        "failed" => (UpstreamStatus::Error, true),
        _ => (UpstreamStatus::Unknown, false),
    };

    let mut failure_reasons = Vec::new();
    // The provider's failure message; kept whatever the status.
    push_reason(&mut failure_reasons, None, json::text(&w.description));

    let mut checks = Vec::new();
    if let Value::Object(rep) = json::json_in_string(&w.provider_representation) {
        if !rep.is_empty() {
            let provider = json::text(&w.provider).map(|p| p.trim().to_ascii_lowercase());
            match provider.as_deref() {
                Some("vouched") => checks = vouched_checks(&rep, &mut failure_reasons),
                Some("identitymind") => checks = identitymind_checks(&rep, &mut failure_reasons),
                _ if looks_like_identitymind(&rep) => {
                    checks = identitymind_checks(&rep, &mut failure_reasons)
                }
                _ if looks_like_vouched(&rep) => {
                    checks = vouched_checks(&rep, &mut failure_reasons)
                }
                _ => {}
            }
        }
    }

    if status_raw == "remediate"
        && !checks
            .iter()
            .any(|c| c.category == CheckCategory::DuplicateDetection)
    {
        checks.push(remediate_check(&w));
    }

    Ok(UpstreamResult {
        upstream_ref,
        status_raw,
        status,
        terminal,
        checks,
        failure_reasons,
        upstream_updated_at: json::text(&w.updated_at),
        snapshot: snapshot(v),
        earlier: Vec::new(),
    })
}

/// The redacted payload; Vouched's `result.id` is the document number, so it goes too.
fn snapshot(v: &Value) -> Value {
    let mut s = json::redacted(v);
    if let Some(Value::String(id)) = s
        .get_mut("provider_representation")
        .and_then(|r| r.get_mut("result"))
        .and_then(|r| r.get_mut("id"))
    {
        if !id.is_empty() {
            *id = json::REDACTED.to_string();
        }
    }
    s
}

fn remediate_check(w: &ApplicationWire) -> Check {
    let mut c = Check::new(
        REMEDIATE_KEY,
        "Similar or duplicate application",
        CheckCategory::DuplicateDetection,
        CheckOutcome::Failed,
    );
    c.reason = Some("remediate".to_string());
    let count = |v: &Value| v.as_array().map_or(0, Vec::len);
    let apps = count(&w.similar_kyc_applications);
    let users = count(&w.similar_users);
    c.comment = match (apps, users) {
        (0, 0) => None,
        (a, 0) => Some(format!("{a} similar KYC application(s) on file")),
        (0, u) => Some(format!("{u} similar user(s) on file")),
        (a, u) => Some(format!(
            "{a} similar KYC application(s) and {u} similar user(s) on file"
        )),
    };
    c
}

fn looks_like_identitymind(rep: &Map<String, Value>) -> bool {
    ["state", "mtid", "ednaScoreCard", "frn"]
        .iter()
        .any(|k| rep.contains_key(*k))
}

fn looks_like_vouched(rep: &Map<String, Value>) -> bool {
    rep.get("result")
        .is_some_and(|r| r.get("confidences").is_some())
        || rep.contains_key("errors")
        || rep.contains_key("submitted")
}

// ---------------------------------------------------------------------------------------------
// Vouched
// ---------------------------------------------------------------------------------------------

/// `result.confidences` keys, in display order, with their category and name.
const CONFIDENCES: &[(&str, CheckCategory, &str)] = &[
    ("id", CheckCategory::IdentityDocument, "ID document (front)"),
    (
        "backId",
        CheckCategory::IdentityDocument,
        "ID document (back)",
    ),
    ("selfie", CheckCategory::Liveness, "Selfie"),
    (
        "faceMatch",
        CheckCategory::FaceMatch,
        "Face match (ID photo vs selfie)",
    ),
    ("idMatch", CheckCategory::DataMatch, "ID data match"),
];

struct VouchedError {
    type_: String,
    message: Option<String>,
    suggestion: Option<String>,
}

impl VouchedError {
    fn comment(&self) -> Option<String> {
        match (&self.message, &self.suggestion) {
            (Some(m), Some(s)) => Some(format!("{m} (suggestion: {s})")),
            (m, s) => m.clone().or_else(|| s.clone()),
        }
    }
}

/// Errors from `errors` and `result.errors`, nested `errors` flattened, duplicates dropped.
fn collect_errors(v: &Value, out: &mut Vec<VouchedError>) {
    let Value::Array(items) = json::json_in_string(v) else {
        return;
    };
    for item in &items {
        let e = match item {
            Value::Object(o) => VouchedError {
                type_: o
                    .get("type")
                    .and_then(json::text)
                    .unwrap_or_else(|| "untyped_error".to_string()),
                message: o.get("message").and_then(json::text),
                suggestion: o.get("suggestion").and_then(json::text),
            },
            other => match json::text(other) {
                Some(t) => VouchedError {
                    type_: t,
                    message: None,
                    suggestion: None,
                },
                None => continue,
            },
        };
        if !out
            .iter()
            .any(|x| x.type_ == e.type_ && x.message == e.message)
        {
            out.push(e);
        }
        if let Some(nested) = item.get("errors") {
            collect_errors(nested, out);
        }
    }
}

/// Which row a Vouched error fails.
enum Target {
    /// The confidence row with this key (created as `vouched:<type>` if absent).
    Row(&'static str),
    /// A row of its own, keyed `vouched:<type>`.
    Own(CheckCategory, CheckOutcome),
}

fn error_target(t: &str) -> Target {
    use CheckCategory::*;
    match t {
        "FaceMatchError" => Target::Row("faceMatch"),
        "InvalidIdBackPhotoError" => Target::Row("backId"),
        t if t.starts_with("InvalidId") => Target::Row("id"),
        "InvalidUserPhotoError" => Target::Row("selfie"),
        "NameMatchError" | "BirthDateMatchError" => Target::Own(DataMatch, CheckOutcome::Failed),
        "SimilarApplicationError" | "DuplicateApplicationError" => {
            Target::Own(DuplicateDetection, CheckOutcome::Failed)
        }
        // Vouched could not run the job: an error, not a verdict on the person.
        "InvalidRequestError"
        | "UnknownSystemError"
        | "ConnectionError"
        | "AuthenticationError"
        | "UNAUTHENTICATED" => Target::Own(Other, CheckOutcome::Error),
        _ => Target::Own(Other, CheckOutcome::Failed),
    }
}

fn confidence_category(row: &str) -> CheckCategory {
    CONFIDENCES
        .iter()
        .find(|(k, _, _)| *k == row)
        .map_or(CheckCategory::Other, |(_, c, _)| *c)
}

fn vouched_checks(rep: &Map<String, Value>, reasons: &mut Vec<FailureReason>) -> Vec<Check> {
    let job_status = rep.get("status").and_then(json::text);
    let result = rep
        .get("result")
        .map(json::json_in_string)
        .unwrap_or(Value::Null);
    let success = result.get("success").and_then(json::flag);
    let mut errors = Vec::new();
    if let Some(e) = rep.get("errors") {
        collect_errors(e, &mut errors);
    }
    if let Some(e) = result.get("errors") {
        collect_errors(e, &mut errors);
    }

    // ident's own Similar/Duplicate errors say nothing about Vouched's checks.
    let vouched_errors = errors
        .iter()
        .filter(|e| {
            !matches!(
                error_target(&e.type_),
                Target::Own(CheckCategory::DuplicateDetection, _)
            )
        })
        .count();
    let clean = success == Some(true) && vouched_errors == 0;

    // Outcome of a confidence row before errors are applied.
    let base = |score: Option<f64>| -> (CheckOutcome, Option<String>) {
        match job_status.as_deref() {
            None | Some("active") => (CheckOutcome::Pending, None),
            Some("completed") => match (score, clean) {
                (None, _) => (CheckOutcome::NotRun, None),
                (Some(_), true) => (CheckOutcome::Passed, None),
                // Job not successful and no error names this row: not confirmed either way.
                (Some(_), false) => (CheckOutcome::Unknown, Some("job_not_successful".into())),
            },
            Some(other) => (CheckOutcome::Unknown, Some(format!("job_status:{other}"))),
        }
    };

    let mut checks: Vec<Check> = Vec::new();
    if let Some(conf) = result.get("confidences").and_then(Value::as_object) {
        let known = CONFIDENCES
            .iter()
            .filter(|(k, _, _)| conf.contains_key(*k))
            .map(|(k, cat, name)| (k.to_string(), *cat, name.to_string()));
        let unknown = conf
            .keys()
            .filter(|k| !CONFIDENCES.iter().any(|(c, _, _)| c == k))
            .map(|k| (k.clone(), CheckCategory::Other, json::humanize(k)));
        for (k, cat, name) in known.chain(unknown) {
            let score = conf.get(&k).and_then(json::number);
            let (outcome, reason) = base(score);
            let mut c = Check::new(format!("vouched:{k}"), name, cat, outcome);
            c.score = score;
            c.score_scale = score.map(|_| ScoreScale::Unit);
            c.reason = reason;
            checks.push(c);
        }
    }

    // Errors win over everything, including PENDING (an error is a definite answer).
    let mut errored: HashSet<String> = HashSet::new();
    for e in &errors {
        push_reason(reasons, Some(e.type_.clone()), e.message.clone());
        let own_key = format!("vouched:{}", e.type_);
        // The row this error fails, and how to create it if it is not there.
        let (key, category, outcome) = match error_target(&e.type_) {
            Target::Row(row) => {
                let row_key = format!("vouched:{row}");
                if checks.iter().any(|c| c.key == row_key) {
                    (row_key, confidence_category(row), CheckOutcome::Failed)
                } else {
                    (own_key, confidence_category(row), CheckOutcome::Failed)
                }
            }
            Target::Own(cat, outcome) => (own_key, cat, outcome),
        };
        let idx = match checks.iter().position(|c| c.key == key) {
            Some(i) => i,
            None => {
                let name = json::humanize(&e.type_);
                checks.push(Check::new(key.clone(), name, category, outcome));
                checks.len() - 1
            }
        };
        let c = &mut checks[idx];
        if errored.insert(key) {
            c.outcome = outcome;
            c.reason = Some(e.type_.clone());
            c.comment = e.comment();
        } else {
            // A second error on the same row: list every type once, join the messages.
            let known = c
                .reason
                .as_deref()
                .is_some_and(|r| r.split(',').any(|t| t == e.type_));
            if !known {
                c.reason = Some(match c.reason.take() {
                    Some(r) => format!("{r},{}", e.type_),
                    None => e.type_.clone(),
                });
            }
            if let Some(more) = e.comment() {
                c.comment = Some(match c.comment.take() {
                    Some(prev) => format!("{prev}; {more}"),
                    None => more,
                });
            }
        }
    }
    checks
}

// ---------------------------------------------------------------------------------------------
// IdentityMind
// ---------------------------------------------------------------------------------------------

/// `res` / `frp` / `resultCode` vocabulary.
fn idm_result_outcome(s: Option<&str>) -> CheckOutcome {
    match s {
        Some("ACCEPT") => CheckOutcome::Passed,
        Some("DENY") => CheckOutcome::Failed,
        Some("MANUAL_REVIEW") => CheckOutcome::Pending,
        _ => CheckOutcome::Unknown,
    }
}

fn identitymind_checks(rep: &Map<String, Value>, reasons: &mut Vec<FailureReason>) -> Vec<Check> {
    let get = |k: &str| rep.get(k).and_then(json::text);
    let scorecard = rep
        .get("ednaScoreCard")
        .map(json::json_in_string)
        .unwrap_or(Value::Null);
    let mut checks = Vec::new();

    // Aggregate row: `state` (A/D/R), falling back to `res`.
    let state = get("state");
    let res = get("res");
    if state.is_some() || res.is_some() {
        let outcome = match state.as_deref() {
            Some("A") => CheckOutcome::Passed,
            Some("D") => CheckOutcome::Failed,
            Some("R") => CheckOutcome::Pending,
            Some(_) => CheckOutcome::Unknown,
            None => idm_result_outcome(res.as_deref()),
        };
        let mut c = Check::new(
            "identitymind:state",
            "IdentityMind decision",
            CheckCategory::Other,
            outcome,
        );
        c.reason = res.clone().or_else(|| state.clone());
        c.comment = get("erd");
        if outcome == CheckOutcome::Failed {
            push_reason(
                reasons,
                get("frn").or_else(|| res.clone()),
                get("frd").or_else(|| get("erd")),
            );
        }
        checks.push(c);
    }

    // Fired rule: `frn`/`frp`/`frd`, else `ednaScoreCard.er.reportedRule`.
    if let Some(name) = get("frn") {
        let frp = get("frp");
        let mut c = Check::new(
            format!("identitymind:rule:{name}"),
            format!("Fired rule: {name}"),
            CheckCategory::Other,
            idm_result_outcome(frp.as_deref()),
        );
        c.reason = frp;
        c.comment = get("frd");
        checks.push(c);
    } else if let Some(rule) = scorecard
        .get("er")
        .and_then(|er| er.get("reportedRule"))
        .and_then(Value::as_object)
    {
        let rget = |k: &str| rule.get(k).and_then(json::text);
        if let Some(name) = rget("name").or_else(|| rget("ruleId")) {
            let code = rget("resultCode");
            let mut c = Check::new(
                format!("identitymind:rule:{name}"),
                format!("Fired rule: {name}"),
                CheckCategory::Other,
                idm_result_outcome(code.as_deref()),
            );
            c.reason = code;
            c.comment = rget("description").or_else(|| rget("details"));
            checks.push(c);
        }
    }

    // Evaluated tests: `etr` at the top, or inside `ednaScoreCard` (Provide's published
    // IdentityMind example).
    // Their polarity depends on each `ed:NN` code, which needs IdentityMind's lookup table:
    // until it exists they are UNKNOWN with the raw `details` as the comment.
    let etr = rep
        .get("etr")
        .filter(|v| v.is_array())
        .or_else(|| scorecard.get("etr"))
        .and_then(Value::as_array);
    let mut seen = HashSet::new();
    for t in etr.into_iter().flatten() {
        let Some(test) = t.get("test").and_then(json::text) else {
            continue;
        };
        if !seen.insert(test.clone()) {
            continue;
        }
        let mut c = Check::new(
            format!("identitymind:etr:{test}"),
            format!("IdentityMind test {test}"),
            CheckCategory::Other,
            CheckOutcome::Unknown,
        );
        c.comment = t.get("details").and_then(json::text);
        checks.push(c);
    }
    checks
}
