//! What the outbox carries to a provider: one typed job per upstream action
//! (stored as the row's `kind` and a JSON payload), and what a delivered job
//! did. Each provider's folder builds its jobs and delivers them
//! ([`super::Adapter::deliver`]).

use super::{biometric_kz, ident, UpstreamError, UpstreamErrorKind};
use crate::domain::customer::ProviderRef;
use crate::domain::verification::Provider;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OutboxJob {
    /// A final decision, where the provider takes decisions.
    Decision(DecisionPush),
    /// Eclipse: ratify the customer again.
    Reratify {
        tenant_id: String,
        customer_id: String,
    },
    /// Eclipse: start a hosted AWS liveness check; the customer comes back
    /// to `landing_url`.
    Liveness {
        tenant_id: String,
        customer_id: String,
        landing_url: String,
    },
    /// Eclipse: read the result of a finished liveness check.
    LivenessFinish {
        tenant_id: String,
        customer_id: String,
        document_id: String,
        /// The liveness document as Eclipse created it (echoed back).
        document: Value,
    },
    /// biometric.kz: a new verification session for the customer.
    NewSession { customer_id: i64 },
    /// WIDTH: register the applicant and submit a new workflow.
    NewWorkflow {
        customer_id: i64,
        width_customer_id: String,
        reference_id: String,
    },
}

/// A decision as the provider takes it (told apart by their fields).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum DecisionPush {
    BiometricKz(biometric_kz::push::Decision),
    Ident(ident::push::Decision),
}

impl OutboxJob {
    /// The row's `kind`.
    pub fn kind(&self) -> &'static str {
        match self {
            OutboxJob::Decision(_) => "decision",
            OutboxJob::Reratify { .. } => "reratify",
            OutboxJob::Liveness { .. } => "liveness",
            OutboxJob::LivenessFinish { .. } => "liveness_finish",
            OutboxJob::NewSession { .. } => "new_session",
            OutboxJob::NewWorkflow { .. } => "new_workflow",
        }
    }

    pub fn provider(&self) -> Provider {
        match self {
            OutboxJob::Decision(DecisionPush::BiometricKz(_)) | OutboxJob::NewSession { .. } => {
                Provider::BiometricKz
            }
            OutboxJob::Decision(DecisionPush::Ident(_)) => Provider::Ident,
            OutboxJob::Reratify { .. }
            | OutboxJob::Liveness { .. }
            | OutboxJob::LivenessFinish { .. } => Provider::Eclipse,
            OutboxJob::NewWorkflow { .. } => Provider::Width,
        }
    }

    /// May the outbox try again by itself after a failure? A decision may:
    /// each delivery reads the provider's state first and sends only what
    /// is not there. Reading a finished liveness result may: it starts
    /// nothing. The others start something upstream (a ratification, a paid
    /// session): they are sent once, and a person retries after checking.
    pub fn retried_by_itself(&self) -> bool {
        match self {
            OutboxJob::Decision(_) | OutboxJob::LivenessFinish { .. } => true,
            OutboxJob::Reratify { .. }
            | OutboxJob::Liveness { .. }
            | OutboxJob::NewSession { .. }
            | OutboxJob::NewWorkflow { .. } => false,
        }
    }

    pub fn is_decision(&self) -> bool {
        matches!(self, OutboxJob::Decision(_))
    }

    /// The row's `payload`: the job without its kind.
    pub fn payload(&self) -> String {
        let mut v = serde_json::to_value(self).unwrap_or(Value::Null);
        if let Some(o) = v.as_object_mut() {
            o.remove("kind");
        }
        v.to_string()
    }

    /// A stored row back into its job. A kind or payload this code does not
    /// know is an error, never a guess.
    pub fn decode(kind: &str, payload: &str) -> Result<OutboxJob, String> {
        let mut v: Value =
            serde_json::from_str(payload).map_err(|e| format!("unreadable payload: {e}"))?;
        match v.as_object_mut() {
            Some(o) => o.insert("kind".into(), Value::String(kind.to_string())),
            None => return Err("the payload is not an object".into()),
        };
        serde_json::from_value(v).map_err(|e| format!("not a {kind} job: {e}"))
    }
}

/// What a delivered job did upstream, and what follows here.
#[derive(Debug, Clone, PartialEq)]
pub struct Delivered {
    /// Shown on the case page (JSON with a "message" for structured results).
    pub result: String,
    /// A new upstream attempt to follow (new session, new workflow).
    pub new_ref: Option<ProviderRef>,
    /// Read the case's reference again soon.
    pub poll_soon: bool,
    /// A further upstream action, queued as its own row.
    pub then: Option<OutboxJob>,
}

impl Delivered {
    pub fn said(result: impl Into<String>) -> Delivered {
        Delivered {
            result: result.into(),
            new_ref: None,
            poll_soon: false,
            then: None,
        }
    }
}

/// A job sent to a provider that does not run it.
pub fn not_offered(provider: Provider, job: &OutboxJob) -> UpstreamError {
    UpstreamError::new(
        provider,
        UpstreamErrorKind::Rejected,
        format!("{} does not run {} actions", provider.label(), job.kind()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rows_written_before_jobs_were_typed_still_decode() {
        let cases = [
            (
                "decision",
                json!({"application_id": "1de7", "status": "rejected"}),
                Provider::Ident,
            ),
            (
                "decision",
                json!({"session_id": "b10e", "status": "APPROVED", "note": "ok"}),
                Provider::BiometricKz,
            ),
            (
                "reratify",
                json!({"tenant_id": "100", "customer_id": "15"}),
                Provider::Eclipse,
            ),
            (
                "liveness",
                json!({"tenant_id": "100", "customer_id": "15", "landing_url": "https://x/l/t"}),
                Provider::Eclipse,
            ),
            (
                "liveness_finish",
                json!({"tenant_id": "100", "customer_id": "15", "document_id": "9",
                       "document": {"documentId": 9}}),
                Provider::Eclipse,
            ),
            (
                "new_session",
                json!({"customer_id": 7}),
                Provider::BiometricKz,
            ),
            (
                "new_workflow",
                json!({"customer_id": 7, "width_customer_id": "C7", "reference_id": "r"}),
                Provider::Width,
            ),
        ];
        for (kind, payload, provider) in cases {
            let job = OutboxJob::decode(kind, &payload.to_string()).expect(kind);
            assert_eq!(job.kind(), kind);
            assert_eq!(job.provider(), provider, "{kind}");
            let again = OutboxJob::decode(job.kind(), &job.payload()).expect("round trip");
            assert_eq!(again, job);
        }
    }

    #[test]
    fn an_unknown_kind_or_payload_is_an_error() {
        assert!(OutboxJob::decode("teleport", "{}").is_err());
        assert!(OutboxJob::decode("decision", r#"{"status": "APPROVED"}"#).is_err());
        assert!(OutboxJob::decode("reratify", "[1]").is_err());
        assert!(OutboxJob::decode("reratify", "not json").is_err());
    }
}
