//! biometric.kz flows: REST for sessions and results (the flow key travels
//! in the body or the query string — never logged: only paths are), and the
//! MCP server (org key) for decisions and reviews, see [`mcp`].

pub mod mapping;
pub mod mcp;
pub mod push;
pub mod retrigger;

use super::http::{classify_by_status, Answer, HttpPolicy, Upstream};
use super::job::{not_offered, DecisionPush, Delivered, OutboxJob};
use super::{
    Adapter, Profile, RefField, UpstreamError, UpstreamErrorKind, UpstreamResult, Wording,
};
use crate::domain::case::Retrigger;
use crate::domain::customer::ProviderRef;
use crate::domain::customer::RefPart;
use crate::domain::verification::Provider;
use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use std::time::Duration;

pub struct BiometricKzConfig {
    /// The REST host, e.g. `https://kyc.biometric.kz`.
    pub base_url: String,
    pub flow_api_key: SecretString,
    /// The MCP endpoint and the organization key, for decision pushes.
    pub mcp: Option<mcp::McpConfig>,
    pub poll_every: Duration,
    pub policy: HttpPolicy,
}

pub struct BiometricKz {
    http: Upstream,
    base: String,
    flow_api_key: SecretString,
    mcp: Option<mcp::Mcp>,
    poll_every: Duration,
}

impl BiometricKz {
    pub fn new(cfg: BiometricKzConfig) -> Result<BiometricKz, reqwest::Error> {
        let timeout = cfg.policy.timeout;
        Ok(BiometricKz {
            http: Upstream::new(Provider::BiometricKz, cfg.policy)?,
            base: cfg.base_url.trim_end_matches('/').to_string(),
            flow_api_key: cfg.flow_api_key,
            mcp: cfg.mcp.map(|c| mcp::Mcp::new(c, timeout)),
            poll_every: cfg.poll_every,
        })
    }

    /// The authoritative result (`/result/light/`: images as short-lived
    /// URLs, which we never store).
    pub async fn session(&self, session_id: &str) -> Result<UpstreamResult, UpstreamError> {
        let body = self.light(session_id).await?;
        mapping::map_session(session_id, &body).map_err(|e| {
            UpstreamError::new(
                Provider::BiometricKz,
                UpstreamErrorKind::Malformed,
                e.to_string(),
            )
        })
    }

    /// The raw `/result/light/` answer (with its short-lived image URLs).
    async fn light(&self, session_id: &str) -> Result<Value, UpstreamError> {
        let url = format!("{}/api/v1/flows/session/result/light/", self.base);
        let (_, body) = self
            .http
            .send_json(
                true,
                || {
                    self.http.client().get(&url).query(&[
                        ("session_id", session_id),
                        ("flow_api_key", self.flow_api_key.expose_secret()),
                    ])
                },
                classify,
            )
            .await?;
        Ok(body)
    }

    /// Creates a new verification session. Not idempotent, and in production
    /// organisations it spends a paid transaction: sent exactly once.
    pub async fn create_session(&self) -> Result<String, UpstreamError> {
        let url = format!("{}/api/v1/flows/session/create/", self.base);
        let body = json!({ "api_key": self.flow_api_key.expose_secret() });
        let (_, a) = self
            .http
            .send_json(
                false,
                || self.http.client().post(&url).json(&body),
                classify,
            )
            .await?;
        mapping::parse_session_created(&a).ok_or_else(|| {
            UpstreamError::new(
                Provider::BiometricKz,
                UpstreamErrorKind::Malformed,
                "no session_id in the answer",
            )
        })
    }

    /// The MCP client, when an MCP URL and org key are configured.
    pub fn mcp(&self) -> Option<&mcp::Mcp> {
        self.mcp.as_ref()
    }
}

/// How the case page speaks of biometric.kz.
pub const PROFILE: Profile = Profile {
    push_policy: "Decisions are sent to biometric.kz through its MCP server, which finalises \
                  only sessions a Cabinet reviewer has taken into review (IN_REVIEW); otherwise \
                  take the case in the Cabinet first.",
    retriggers: &[Wording {
        what: Retrigger::NewSession,
        label: "New biometric.kz session",
        warning: Some("Uses a paid transaction in production organisations."),
    }],
    ref_fields: &[RefField {
        part: RefPart::SessionId,
        label: "Session id",
        maxlength: 36,
    }],
};

#[async_trait]
impl Adapter for BiometricKz {
    fn resting(&self) -> bool {
        self.http.breaker_open()
    }

    fn health(&self) -> super::http::Health {
        self.http.health()
    }

    fn provider(&self) -> Provider {
        Provider::BiometricKz
    }

    async fn fetch(&self, r: &ProviderRef) -> Result<Vec<UpstreamResult>, UpstreamError> {
        match r {
            ProviderRef::BiometricKz { session_id } => Ok(vec![self.session(session_id).await?]),
            _ => Err(UpstreamError::new(
                Provider::BiometricKz,
                UpstreamErrorKind::Rejected,
                "not a biometric.kz reference",
            )),
        }
    }

    fn poll_every(&self) -> Duration {
        self.poll_every
    }

    fn serves_media(&self) -> bool {
        true
    }

    async fn media_source(&self, upstream_ref: &str) -> Result<Option<Value>, UpstreamError> {
        self.light(upstream_ref).await.map(Some)
    }

    async fn download(&self, url: &str) -> Result<Vec<u8>, UpstreamError> {
        super::media::download(&self.http, &self.base, url).await
    }

    async fn deliver(&self, job: &OutboxJob, key: &str) -> Result<Delivered, UpstreamError> {
        match job {
            OutboxJob::Decision(DecisionPush::BiometricKz(d)) => {
                push::deliver(self, d, key).await.map(Delivered::said)
            }
            OutboxJob::NewSession { .. } => retrigger::new_session(self).await,
            other => Err(not_offered(Provider::BiometricKz, other)),
        }
    }
}

fn classify(provider: Provider, a: &Answer) -> Option<UpstreamError> {
    let mut err = classify_by_status(provider, a)?;
    let v: Value = serde_json::from_slice(&a.body).unwrap_or(Value::Null);
    if let Some(m) = ["detail", "message", "error"]
        .iter()
        .find_map(|k| v.get(*k)?.as_str())
    {
        err.message = m.to_string();
    }
    Some(err)
}
