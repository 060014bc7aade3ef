//! WIDTH workflow KYC: applicant register, workflow submit and execution
//! status over the signed gateway (see [`gateway`] for the assumption).
//! Decisions stay local (no decision API is published).

pub mod gateway;
pub mod mapping;
pub mod retrigger;

use super::http::{classify_by_status, Answer, HttpPolicy, Upstream};
use super::job::{not_offered, Delivered, OutboxJob};
use super::{
    Adapter, Profile, RefField, UpstreamError, UpstreamErrorKind, UpstreamResult, Wording,
};
use crate::domain::case::Retrigger;
use crate::domain::customer::ProviderRef;
use crate::domain::customer::RefPart;
use crate::domain::verification::Provider;
use async_trait::async_trait;
use serde_json::{json, Value};
use std::time::Duration;

pub struct WidthConfig {
    pub base_url: String,
    pub credentials: gateway::Credentials,
    pub poll_every: Duration,
    pub policy: HttpPolicy,
}

pub struct Width {
    http: Upstream,
    base: String,
    creds: gateway::Credentials,
    poll_every: Duration,
}

impl Width {
    pub fn new(cfg: WidthConfig) -> Result<Width, reqwest::Error> {
        Ok(Width {
            http: Upstream::new(Provider::Width, cfg.policy)?,
            base: cfg.base_url.trim_end_matches('/').to_string(),
            creds: cfg.credentials,
            poll_every: cfg.poll_every,
        })
    }

    async fn call(
        &self,
        idempotent: bool,
        method: &str,
        body: &Value,
    ) -> Result<Value, UpstreamError> {
        let raw = serde_json::to_vec(body).unwrap_or_default();
        self.http
            .send_json(
                idempotent,
                || gateway::request(self.http.client(), &self.base, &self.creds, method, &raw),
                classify,
            )
            .await
            .map(|(_, v)| v)
    }

    pub async fn execution(&self, execution_id: &str) -> Result<UpstreamResult, UpstreamError> {
        let v = self
            .call(
                true,
                "workflow.execution.status",
                &json!({ "executionId": execution_id }),
            )
            .await?;
        mapping::map_execution_for(execution_id, &v).map_err(|e| {
            UpstreamError::new(Provider::Width, UpstreamErrorKind::Malformed, e.to_string())
        })
    }

    /// Registers an applicant (idempotent upstream). Sent once; its answer
    /// carries nothing we need, so any 2xx is success.
    pub async fn register(
        &self,
        customer_id: Option<&str>,
        email: Option<&str>,
    ) -> Result<(), UpstreamError> {
        let mut body = serde_json::Map::new();
        if let Some(c) = customer_id {
            body.insert("customerId".into(), c.into());
        }
        if let Some(e) = email {
            body.insert("email".into(), e.into());
        }
        let raw = serde_json::to_vec(&Value::Object(body)).unwrap_or_default();
        let method = "workflow.applicant.register";
        self.http
            .send(
                false,
                || gateway::request(self.http.client(), &self.base, &self.creds, method, &raw),
                classify,
            )
            .await
            .map(|_| ())
    }

    /// Starts a new KYC workflow execution; returns its `executionId`.
    pub async fn submit(
        &self,
        customer_id: &str,
        reference_id: &str,
    ) -> Result<String, UpstreamError> {
        let body = json!({
            "eventType": "KYC_EVENT",
            "source": "API",
            "data": { "customerId": customer_id, "referenceId": reference_id },
        });
        let v = self.call(false, "workflow.apply.submit", &body).await?;
        v.get("executionId")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .ok_or_else(|| {
                UpstreamError::new(
                    Provider::Width,
                    UpstreamErrorKind::Malformed,
                    "no executionId in the answer",
                )
            })
    }
}

/// How the case page speaks of WIDTH.
pub const PROFILE: Profile = Profile {
    push_policy: "Recorded here only: WIDTH publishes no decision API.",
    retriggers: &[Wording {
        what: Retrigger::NewWorkflow,
        label: "New WIDTH workflow",
        warning: None,
    }],
    ref_fields: &[
        RefField {
            part: RefPart::ExecutionId,
            label: "Execution id",
            maxlength: 128,
        },
        RefField {
            part: RefPart::CustomerId,
            label: "WIDTH customer id (optional)",
            maxlength: 128,
        },
        RefField {
            part: RefPart::ReferenceId,
            label: "Reference id (optional)",
            maxlength: 128,
        },
    ],
};

#[async_trait]
impl Adapter for Width {
    fn resting(&self) -> bool {
        self.http.breaker_open()
    }

    fn health(&self) -> super::http::Health {
        self.http.health()
    }

    fn provider(&self) -> Provider {
        Provider::Width
    }

    async fn fetch(&self, r: &ProviderRef) -> Result<Vec<UpstreamResult>, UpstreamError> {
        match r {
            ProviderRef::Width { execution_id, .. } => {
                Ok(vec![self.execution(execution_id).await?])
            }
            _ => Err(UpstreamError::new(
                Provider::Width,
                UpstreamErrorKind::Rejected,
                "not a WIDTH reference",
            )),
        }
    }

    fn poll_every(&self) -> Duration {
        self.poll_every
    }

    async fn deliver(&self, job: &OutboxJob, _key: &str) -> Result<Delivered, UpstreamError> {
        match job {
            OutboxJob::NewWorkflow {
                width_customer_id,
                reference_id,
                ..
            } => retrigger::new_workflow(self, width_customer_id, reference_id).await,
            other => Err(not_offered(Provider::Width, other)),
        }
    }
}

fn classify(provider: Provider, a: &Answer) -> Option<UpstreamError> {
    let mut err = classify_by_status(provider, a)?;
    let v: Value = serde_json::from_slice(&a.body).unwrap_or(Value::Null);
    let (code, message) = mapping::parse_error(&v);
    if let Some(m) = message {
        err.message = m;
    }
    Some(err.with_code(code, None))
}
