//! What every mapper produces: one upstream attempt, normalized (a verification minus our
//! own columns). Each provider's README.md says how its payloads map into it.

use serde::Serialize;

use crate::domain::verification::{Check, EarlierResult, UpstreamStatus};

/// One reason the upstream gave for a failure (or for sending the case to review).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailureReason {
    /// A reason code, e.g. a biometric.kz failure `type`, a Vouched error `type`, an Eclipse
    /// check name.
    pub code: Option<String>,
    /// Free text from the upstream.
    pub detail: Option<String>,
}

/// One upstream attempt, normalized.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UpstreamResult {
    /// Stable id of this upstream attempt: eclipse "{customerId}@{lastModified}",
    /// biometric.kz session id, ident kyc_application id, WIDTH executionId.
    pub upstream_ref: String,
    /// The exact status string received ("" when absent).
    pub status_raw: String,
    pub status: UpstreamStatus,
    /// Whether the upstream will not change it any more (each provider's README.md lists
    /// its terminal statuses); the poller stops once every attempt is terminal.
    pub terminal: bool,
    pub checks: Vec<Check>,
    pub failure_reasons: Vec<FailureReason>,
    /// As sent (e.g. Eclipse lastModified, WIDTH none).
    pub upstream_updated_at: Option<String>,
    /// The raw payload after `redact` (safe to store and show).
    pub snapshot: serde_json::Value,
    /// The provider's earlier results for the same reference, newest first, in summary (only
    /// Eclipse keeps such a history; empty for the others).
    pub earlier: Vec<EarlierResult>,
}

impl UpstreamResult {
    /// The check with this upstream key, if any.
    pub fn check(&self, key: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.key == key)
    }
}

/// Pushes `reason` unless an equal one is already there.
pub(crate) fn push_reason(
    reasons: &mut Vec<FailureReason>,
    code: Option<String>,
    detail: Option<String>,
) {
    if code.is_none() && detail.is_none() {
        return;
    }
    let r = FailureReason { code, detail };
    if !reasons.contains(&r) {
        reasons.push(r);
    }
}
