//! Eclipse (Ukheshe/EFTCorp) "ratify": login → JWT (renewed before expiry,
//! one shared refresh, one re-login after a 401), ratify history and
//! re-ratify, and the AWS hosted liveness flow. No decision push exists
//! upstream (portal only).

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
use crate::domain::verification::{Check, Provider};
use async_trait::async_trait;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use std::time::Duration;
use tokio::sync::{Mutex, RwLock};

/// How many of a customer's ratify results one read asks for: the newest (the case) and the
/// five before it (listed in summary on the case page).
const HISTORY_READ: &str = "6";

pub use mapping::LivenessDocument;

/// Renew the JWT when it has less than this left.
const RENEW_BEFORE_SECS: i64 = 120;
/// The tenant's `aws.face.liveness.ConfidenceScoreMin` default (0..100).
pub const LIVENESS_THRESHOLD: f64 = 55.0;

pub struct EclipseConfig {
    /// The host, e.g. `https://eclipse-java-sandbox.ukheshe.rocks`.
    pub base_url: String,
    pub identity: String,
    pub password: SecretString,
    pub poll_every: Duration,
    pub policy: HttpPolicy,
}

struct Token {
    /// `headerValue` as returned, e.g. `Bearer eyJ…`.
    header: SecretString,
    expires_epoch_secs: i64,
}

pub struct Eclipse {
    http: Upstream,
    base: String,
    identity: String,
    password: SecretString,
    poll_every: Duration,
    token: RwLock<Option<Token>>,
    /// One refresh at a time, shared by every caller that needs it.
    refreshing: Mutex<()>,
}

/// What a re-ratify request led to.
#[derive(Debug)]
pub enum Ratified {
    /// A new ratification started (often already final, often PENDING).
    Started(Box<UpstreamResult>),
    /// `KYC001`: one is already running; poll it instead.
    AlreadyInProgress { trace_id: Option<String> },
}

/// A started AWS liveness session.
#[derive(Debug, Clone)]
pub struct LivenessStart {
    pub document_id: String,
    pub completion_url: String,
    /// The 201 body, echoed back by the PUT that fetches the result.
    pub document: Value,
}

impl Eclipse {
    pub fn new(cfg: EclipseConfig) -> Result<Eclipse, reqwest::Error> {
        Ok(Eclipse {
            http: Upstream::new(Provider::Eclipse, cfg.policy)?,
            base: format!(
                "{}/eclipse-conductor/rest/v1",
                cfg.base_url.trim_end_matches('/')
            ),
            identity: cfg.identity,
            password: cfg.password,
            poll_every: cfg.poll_every,
            token: RwLock::new(None),
            refreshing: Mutex::new(()),
        })
    }

    fn now() -> i64 {
        time::OffsetDateTime::now_utc().unix_timestamp()
    }

    /// A valid `Authorization` value, renewing or logging in when needed.
    /// `stale` is a value that just got a 401: it must not be reused.
    async fn authorization(&self, stale: Option<&str>) -> Result<SecretString, UpstreamError> {
        if stale.is_none() {
            if let Some(t) = self.token.read().await.as_ref() {
                if t.expires_epoch_secs - Self::now() > RENEW_BEFORE_SECS {
                    return Ok(t.header.clone());
                }
            }
        }
        let _one_at_a_time = self.refreshing.lock().await;
        // Someone else may have refreshed while we waited.
        let renewable = {
            let current = self.token.read().await;
            match current.as_ref() {
                Some(t) if stale != Some(t.header.expose_secret()) => {
                    if t.expires_epoch_secs - Self::now() > RENEW_BEFORE_SECS {
                        return Ok(t.header.clone());
                    }
                    // Close to expiry but still valid: renew it.
                    (t.expires_epoch_secs > Self::now()).then(|| t.header.clone())
                }
                _ => None,
            }
        };
        let fresh = match renewable {
            Some(old) => match self.renew(&old).await {
                Ok(t) => t,
                Err(e) => {
                    tracing::info!(error = %e, "Eclipse JWT renewal failed; logging in again");
                    self.login().await?
                }
            },
            None => self.login().await?,
        };
        let header = fresh.header.clone();
        *self.token.write().await = Some(fresh);
        Ok(header)
    }

    async fn login(&self) -> Result<Token, UpstreamError> {
        let url = format!("{}/authentication/login", self.base);
        let body = json!({ "identity": self.identity, "password": self.password.expose_secret() });
        let a = self
            .http
            .send(true, || self.http.client().post(&url).json(&body), classify)
            .await?;
        parse_token(&a)
    }

    async fn renew(&self, current: &SecretString) -> Result<Token, UpstreamError> {
        let url = format!("{}/authentication/renew", self.base);
        let jwt = current
            .expose_secret()
            .trim_start_matches("Bearer ")
            .to_string();
        let body = json!({ "jwt": jwt });
        let a = self
            .http
            .send(true, || self.http.client().post(&url).json(&body), classify)
            .await?;
        parse_token(&a)
    }

    /// An authenticated call answered with JSON; after a 401 it logs in
    /// again once and retries.
    async fn call(
        &self,
        idempotent: bool,
        build: impl Fn(&str) -> reqwest::RequestBuilder,
    ) -> Result<Value, UpstreamError> {
        let auth = self.authorization(None).await?;
        let first = self
            .http
            .send_json(idempotent, || build(auth.expose_secret()), classify)
            .await;
        match first {
            Err(e) if e.status == Some(401) => {
                let auth = self.authorization(Some(auth.expose_secret())).await?;
                self.http
                    .send_json(idempotent, || build(auth.expose_secret()), classify)
                    .await
                    .map(|(_, v)| v)
            }
            other => other.map(|(_, v)| v),
        }
    }

    fn malformed(e: impl std::fmt::Display) -> UpstreamError {
        UpstreamError::new(
            Provider::Eclipse,
            UpstreamErrorKind::Malformed,
            e.to_string(),
        )
    }

    /// The latest ratify result of a customer (none if never ratified), carrying the earlier
    /// ones of the same read ([`HISTORY_READ`]) in summary.
    pub async fn latest(
        &self,
        tenant_id: &str,
        customer_id: &str,
    ) -> Result<Option<UpstreamResult>, UpstreamError> {
        let url = format!(
            "{}/tenants/{tenant_id}/customers/{customer_id}/ratify",
            self.base
        );
        let a = self
            .call(true, |auth| {
                self.http
                    .client()
                    .get(&url)
                    .query(&[("offset", "0"), ("limit", HISTORY_READ)])
                    .header("Authorization", auth)
            })
            .await?;
        mapping::map_latest(customer_id, &a).map_err(Self::malformed)
    }

    /// Starts a new ratification (`POST …/ratify`). Never retried: it is not
    /// idempotent upstream.
    pub async fn ratify(
        &self,
        tenant_id: &str,
        customer_id: &str,
    ) -> Result<Ratified, UpstreamError> {
        let url = format!(
            "{}/tenants/{tenant_id}/customers/{customer_id}/ratify",
            self.base
        );
        match self
            .call(false, |auth| {
                self.http
                    .client()
                    .post(&url)
                    .header("Authorization", auth)
                    .json(&json!({}))
            })
            .await
        {
            Ok(a) => {
                let r = mapping::map_result(customer_id, &a).map_err(Self::malformed)?;
                Ok(Ratified::Started(Box::new(r)))
            }
            Err(e) if e.kind == UpstreamErrorKind::AlreadyInProgress => {
                Ok(Ratified::AlreadyInProgress {
                    trace_id: e.trace_id,
                })
            }
            Err(e) => Err(e),
        }
    }

    /// Step 1 of the hosted AWS liveness flow: a `FACIAL_PHOTO` document of
    /// media type `aws/liveness`; the customer opens `completion_url`
    /// (valid about 3 minutes) and comes back to `landing_url`.
    pub async fn start_liveness(
        &self,
        tenant_id: &str,
        customer_id: &str,
        landing_url: &str,
    ) -> Result<LivenessStart, UpstreamError> {
        let url = format!(
            "{}/tenants/{tenant_id}/customers/{customer_id}/documents",
            self.base
        );
        let body = json!({
            "documentType": "FACIAL_PHOTO",
            "mediaType": "aws/liveness",
            "extraInfo": json!({ "landingUrl": landing_url }).to_string(),
        });
        let document = self
            .call(false, |auth| {
                self.http
                    .client()
                    .post(&url)
                    .query(&[("performOcr", "false"), ("validateDocType", "false")])
                    .header("Authorization", auth)
                    .json(&body)
            })
            .await?;
        let doc = mapping::map_liveness_document(&document);
        match (doc.document_id, doc.completion_url) {
            (Some(document_id), Some(completion_url)) => Ok(LivenessStart {
                document_id,
                completion_url,
                document,
            }),
            _ => Err(Self::malformed(
                "no documentId or completionUrl in the liveness document",
            )),
        }
    }

    /// Step 3: after the landing callback (a hint, never proof), PUT the
    /// document back; Eclipse fetches the result from AWS.
    pub async fn finish_liveness(
        &self,
        tenant_id: &str,
        document_id: &str,
        document: &Value,
    ) -> Result<(LivenessDocument, Check), UpstreamError> {
        let url = format!("{}/tenants/{tenant_id}/documents/{document_id}", self.base);
        let answer = self
            .call(true, |auth| {
                self.http
                    .client()
                    .put(&url)
                    .query(&[("returnFullResult", "false")])
                    .header("Authorization", auth)
                    .json(document)
            })
            .await?;
        let doc = mapping::map_liveness_document(&answer);
        let check = mapping::liveness_check(&doc, LIVENESS_THRESHOLD);
        Ok((doc, check))
    }
}

/// How the case page speaks of Eclipse.
pub const PROFILE: Profile = Profile {
    push_policy: "Recorded here only: Eclipse has no decision API (use its portal's Manual KYC \
                  to mirror it).",
    retriggers: &[
        Wording {
            what: Retrigger::Reratify,
            label: "Re-ratify at Eclipse",
            warning: Some(
                "Starts a new ratification: the customer is PENDING at Eclipse until it finishes.",
            ),
        },
        Wording {
            what: Retrigger::Liveness,
            label: "New liveness check (Eclipse)",
            warning: Some("Costs a paid AWS liveness session."),
        },
    ],
    ref_fields: &[
        RefField {
            part: RefPart::TenantId,
            label: "Tenant id",
            maxlength: 20,
        },
        RefField {
            part: RefPart::CustomerId,
            label: "Customer id",
            maxlength: 20,
        },
    ],
};

#[async_trait]
impl Adapter for Eclipse {
    fn resting(&self) -> bool {
        self.http.breaker_open()
    }

    fn health(&self) -> super::http::Health {
        self.http.health()
    }

    fn provider(&self) -> Provider {
        Provider::Eclipse
    }

    async fn fetch(&self, r: &ProviderRef) -> Result<Vec<UpstreamResult>, UpstreamError> {
        match r {
            ProviderRef::Eclipse {
                tenant_id,
                customer_id,
            } => Ok(self
                .latest(tenant_id, customer_id)
                .await?
                .into_iter()
                .collect()),
            _ => Err(UpstreamError::new(
                Provider::Eclipse,
                UpstreamErrorKind::Rejected,
                "not an Eclipse reference",
            )),
        }
    }

    fn poll_every(&self) -> Duration {
        self.poll_every
    }

    async fn deliver(&self, job: &OutboxJob, _key: &str) -> Result<Delivered, UpstreamError> {
        match job {
            OutboxJob::Reratify {
                tenant_id,
                customer_id,
            } => retrigger::reratify(self, tenant_id, customer_id).await,
            OutboxJob::Liveness {
                tenant_id,
                customer_id,
                landing_url,
            } => retrigger::start_liveness(self, tenant_id, customer_id, landing_url).await,
            OutboxJob::LivenessFinish {
                tenant_id,
                customer_id,
                document_id,
                document,
            } => {
                retrigger::finish_liveness(self, tenant_id, customer_id, document_id, document)
                    .await
            }
            other => Err(not_offered(Provider::Eclipse, other)),
        }
    }
}

fn parse_token(a: &Answer) -> Result<Token, UpstreamError> {
    let v: Value = serde_json::from_slice(&a.body).unwrap_or(Value::Null);
    let header = v
        .get("headerValue")
        .and_then(Value::as_str)
        .filter(|h| !h.is_empty());
    let expires = v
        .get("expiresEpochSecs")
        .and_then(|e| e.as_i64().or_else(|| e.as_str()?.parse().ok()));
    match header {
        Some(h) => Ok(Token {
            header: SecretString::from(h.to_string()),
            // Unknown expiry: assume the documented hour.
            expires_epoch_secs: expires.unwrap_or_else(|| Eclipse::now() + 3600),
        }),
        None => Err(UpstreamError::new(
            Provider::Eclipse,
            UpstreamErrorKind::Malformed,
            "login answer without headerValue",
        )),
    }
}

/// Eclipse errors are a JSON array `[{code, description, traceId, …}]`.
/// `RLT001` means back off; `KYC001` means a ratification is already running.
fn classify(provider: Provider, a: &Answer) -> Option<UpstreamError> {
    if a.status.is_success() {
        return None;
    }
    let errors = mapping::parse_errors(&String::from_utf8_lossy(&a.body));
    let first = errors.first();
    let code = first.and_then(|e| e.code.clone());
    let trace_id = first.and_then(|e| e.trace_id.clone());
    let mut err = classify_by_status(provider, a)?;
    if mapping::has_code(&errors, "RLT001") {
        err.kind = UpstreamErrorKind::RateLimited;
        err.retry_after = err.retry_after.or(Some(Duration::from_secs(5)));
    } else if a.status.as_u16() == 400 && mapping::has_code(&errors, "KYC001") {
        err.kind = UpstreamErrorKind::AlreadyInProgress;
    }
    if let Some(d) = first.and_then(|e| e.description.clone()) {
        err.message = d;
    }
    Some(err.with_code(code, trace_id))
}
