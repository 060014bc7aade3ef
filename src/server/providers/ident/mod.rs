//! Provide `ident` KYC applications (IdentityMind, Vouched), a legacy API:
//! `Authorization: bearer <token>` with a lower-case `bearer` (the server
//! splits on it exactly), application detail for the checks, the paged
//! list for imports, and `PUT {status}` for decisions.

pub mod mapping;
pub mod push;

use super::http::{classify_by_status, Answer, HttpPolicy, Upstream};
use super::job::{not_offered, DecisionPush, Delivered, OutboxJob};
use super::{Adapter, Profile, RefField, UpstreamError, UpstreamErrorKind, UpstreamResult};
use crate::domain::customer::ProviderRef;
use crate::domain::customer::RefPart;
use crate::domain::verification::Provider;
use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use std::time::Duration;

pub struct IdentConfig {
    /// Including `/api/v1`.
    pub base_url: String,
    pub token: SecretString,
    pub poll_every: Duration,
    pub policy: HttpPolicy,
}

pub struct Ident {
    http: Upstream,
    base: String,
    token: SecretString,
    poll_every: Duration,
}

/// One page of the application list.
#[derive(Debug)]
pub struct ApplicationPage {
    pub applications: Vec<Value>,
    /// `X-Total-Results-Count`.
    pub total: Option<u64>,
}

impl Ident {
    pub fn new(cfg: IdentConfig) -> Result<Ident, reqwest::Error> {
        Ok(Ident {
            http: Upstream::new(Provider::Ident, cfg.policy)?,
            base: cfg.base_url.trim_end_matches('/').to_string(),
            token: cfg.token,
            poll_every: cfg.poll_every,
        })
    }

    fn authorization(&self) -> String {
        // Lower-case on purpose: "Bearer …" gets a 401 from ident.
        format!("bearer {}", self.token.expose_secret())
    }

    pub async fn application(&self, id: &str) -> Result<UpstreamResult, UpstreamError> {
        let a = self.application_raw(id).await?;
        mapping::map_application(&a).map_err(|e| {
            UpstreamError::new(Provider::Ident, UpstreamErrorKind::Malformed, e.to_string())
        })
    }

    /// The raw application (its `params` hold base64 photos).
    async fn application_raw(&self, id: &str) -> Result<Value, UpstreamError> {
        let url = format!("{}/kyc_applications/{id}", self.base);
        let (_, a) = self
            .http
            .send_json(
                true,
                || {
                    self.http
                        .client()
                        .get(&url)
                        .header("Authorization", self.authorization())
                },
                classify,
            )
            .await?;
        Ok(a)
    }

    /// One page (1-based) of the applications visible to our token, newest first.
    pub async fn list(&self, page: u32, rpp: u32) -> Result<ApplicationPage, UpstreamError> {
        let url = format!("{}/kyc_applications", self.base);
        let (page, rpp) = (page.max(1).to_string(), rpp.clamp(1, 100).to_string());
        let (a, body) = self
            .http
            .send_json(
                true,
                || {
                    self.http
                        .client()
                        .get(&url)
                        .query(&[("page", page.as_str()), ("rpp", rpp.as_str())])
                        .header("Authorization", self.authorization())
                },
                classify,
            )
            .await?;
        let total = a
            .headers
            .get("x-total-results-count")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok());
        Ok(ApplicationPage {
            applications: mapping::applications(&body).into_iter().cloned().collect(),
            total,
        })
    }

    /// Sets the application's status (`accepted` or `rejected` are the only
    /// values we send). Sent once: when its answer is lost, whether ident
    /// applied it is read with [`Ident::application`], never guessed by
    /// sending it again.
    pub async fn put_status(
        &self,
        id: &str,
        status: &str,
    ) -> Result<UpstreamResult, UpstreamError> {
        let url = format!("{}/kyc_applications/{id}", self.base);
        let body = json!({ "status": status });
        let (_, a) = self
            .http
            .send_json(
                false,
                || {
                    self.http
                        .client()
                        .put(&url)
                        .header("Authorization", self.authorization())
                        .json(&body)
                },
                classify,
            )
            .await?;
        mapping::map_application(&a).map_err(|e| {
            UpstreamError::new(Provider::Ident, UpstreamErrorKind::Malformed, e.to_string())
        })
    }
}

/// How the case page speaks of ident.
pub const PROFILE: Profile = Profile {
    push_policy: "Decisions are sent to Provide ident (status accepted / rejected).",
    retriggers: &[],
    ref_fields: &[RefField {
        part: RefPart::ApplicationId,
        label: "Application id",
        maxlength: 36,
    }],
};

#[async_trait]
impl Adapter for Ident {
    fn resting(&self) -> bool {
        self.http.breaker_open()
    }

    fn health(&self) -> super::http::Health {
        self.http.health()
    }

    fn provider(&self) -> Provider {
        Provider::Ident
    }

    async fn fetch(&self, r: &ProviderRef) -> Result<Vec<UpstreamResult>, UpstreamError> {
        match r {
            ProviderRef::Ident { application_id } => {
                Ok(vec![self.application(application_id).await?])
            }
            _ => Err(UpstreamError::new(
                Provider::Ident,
                UpstreamErrorKind::Rejected,
                "not an ident reference",
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
        self.application_raw(upstream_ref).await.map(Some)
    }

    async fn deliver(&self, job: &OutboxJob, _key: &str) -> Result<Delivered, UpstreamError> {
        match job {
            OutboxJob::Decision(DecisionPush::Ident(d)) => {
                push::deliver(self, d).await.map(Delivered::said)
            }
            other => Err(not_offered(Provider::Ident, other)),
        }
    }
}

/// ident errors: `{"message": …}`, or `{"errors": [{"message": …}]}` on 422.
fn classify(provider: Provider, a: &Answer) -> Option<UpstreamError> {
    let mut err = classify_by_status(provider, a)?;
    let v: Value = serde_json::from_slice(&a.body).unwrap_or(Value::Null);
    let message = v
        .get("message")
        .and_then(Value::as_str)
        .or_else(|| v.get("errors")?.get(0)?.get("message")?.as_str());
    if let Some(m) = message {
        err.message = m.to_string();
    }
    Some(err)
}
