//! The four upstream KYC providers, one folder each, behind one trait.
//! Everything outside this module sees only the normalized model
//! ([`UpstreamResult`], `domain::verification`) and [`UpstreamError`].

pub mod biometric_kz;
pub mod eclipse;
pub mod http;
pub mod ident;
pub mod job;
pub mod json;
pub mod map_error;
pub mod media;
pub mod result;
pub mod width;

pub use map_error::MapError;
pub use result::{FailureReason, UpstreamResult};

use crate::domain::case::Retrigger;
use crate::domain::customer::{ProviderRef, RefPart};
use crate::domain::decision::DecisionKind;
use crate::domain::verification::Provider;
use crate::error::{AppError, ErrorKind};
use async_trait::async_trait;
use job::{DecisionPush, Delivered, OutboxJob};
use std::sync::Arc;
use std::time::Duration;

/// What every provider can do for the poller and the refresh button.
#[async_trait]
pub trait Adapter: Send + Sync {
    fn provider(&self) -> Provider;

    /// Reads the current state of what `r` points at upstream. Empty when
    /// there is nothing yet (an Eclipse customer never ratified).
    async fn fetch(&self, r: &ProviderRef) -> Result<Vec<UpstreamResult>, UpstreamError>;

    /// How long to wait before looking again at a result that is not final.
    fn poll_every(&self) -> Duration;

    /// Whether its breaker is open (repeated failures): calls fail at once
    /// until the cool-down ends, so background work leaves it alone.
    fn resting(&self) -> bool;

    /// Its last good answer and last failure, as this instance saw them (the Operations page).
    fn health(&self) -> http::Health;

    /// Whether [`Adapter::media_source`] serves photos.
    fn serves_media(&self) -> bool {
        false
    }

    /// The provider's answer for one verification as it is now, media
    /// included, for the media proxy (never stored); its shape is the
    /// snapshot's before redaction. `None`: no media over this API.
    async fn media_source(
        &self,
        _upstream_ref: &str,
    ) -> Result<Option<serde_json::Value>, UpstreamError> {
        Ok(None)
    }

    /// Downloads a media URL found in that answer.
    async fn download(&self, _url: &str) -> Result<Vec<u8>, UpstreamError> {
        Err(UpstreamError::new(
            self.provider(),
            UpstreamErrorKind::Rejected,
            "this provider serves no media",
        ))
    }

    /// Carries out one outbox job of this provider (a decision push, a
    /// re-trigger). `key` is the job's idempotency key.
    async fn deliver(&self, job: &OutboxJob, _key: &str) -> Result<Delivered, UpstreamError> {
        Err(job::not_offered(self.provider(), job))
    }
}

/// What KYC Desk says of a provider without calling it, in its terms.
pub struct Profile {
    /// How decisions reach it (the case page says so).
    pub push_policy: &'static str,
    /// The re-triggers it offers, as the case page words them.
    pub retriggers: &'static [Wording],
    /// The parts of a reference to it, as "Add customer" asks for them.
    pub ref_fields: &'static [RefField],
}

/// One field of a provider reference in "Add customer".
pub struct RefField {
    pub part: RefPart,
    pub label: &'static str,
    pub maxlength: u32,
}

/// How a re-trigger is offered.
pub struct Wording {
    pub what: Retrigger,
    pub label: &'static str,
    /// What it costs or changes upstream, shown beside it.
    pub warning: Option<&'static str>,
}

pub fn profile(p: Provider) -> &'static Profile {
    match p {
        Provider::Eclipse => &eclipse::PROFILE,
        Provider::BiometricKz => &biometric_kz::PROFILE,
        Provider::Ident => &ident::PROFILE,
        Provider::Width => &width::PROFILE,
    }
}

/// The job that sends a final decision on the verification `upstream_ref`
/// to its provider; `None` where the provider takes no decisions.
pub fn decision_job(
    provider: Provider,
    upstream_ref: &str,
    kind: DecisionKind,
    note: &str,
) -> Option<OutboxJob> {
    match provider {
        Provider::Ident => Some(OutboxJob::Decision(DecisionPush::Ident(
            ident::push::decision(upstream_ref, kind),
        ))),
        Provider::BiometricKz => Some(OutboxJob::Decision(DecisionPush::BiometricKz(
            biometric_kz::push::decision(upstream_ref, kind, note),
        ))),
        Provider::Eclipse | Provider::Width => None,
    }
}

/// What a re-trigger's job needs besides the provider reference.
pub struct RetriggerContext<'a> {
    /// Our customer.
    pub customer_id: i64,
    /// The job's idempotency key (a liveness link's token).
    pub key: &'a str,
    /// Where people reach KYC Desk (a liveness landing page).
    pub public_base: &'a str,
}

/// The job of re-trigger `what` on the reference `r`; `None` when its
/// provider does not offer it.
pub fn retrigger_job(
    what: Retrigger,
    r: &ProviderRef,
    cx: &RetriggerContext<'_>,
) -> Option<OutboxJob> {
    match r {
        ProviderRef::Eclipse {
            tenant_id,
            customer_id,
        } => eclipse::retrigger::job(what, tenant_id, customer_id, cx),
        ProviderRef::BiometricKz { .. } => biometric_kz::retrigger::job(what, cx),
        ProviderRef::Width { customer_id, .. } => {
            width::retrigger::job(what, customer_id.as_deref(), cx)
        }
        ProviderRef::Ident { .. } => None,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpstreamErrorKind {
    Timeout,
    Unreachable,
    RateLimited,
    Unauthorized,
    NotFound,
    /// A 4xx other than the above: the upstream refused the request.
    Rejected,
    /// Eclipse `KYC001`: a ratification is already running (not a failure).
    AlreadyInProgress,
    Server,
    /// The answer could not be read.
    Malformed,
    /// Our breaker is open: the call was not made.
    CircuitOpen,
    /// The provider is not configured.
    Disabled,
}

/// A failed upstream call, in our terms, with the provider's own error code
/// and trace id kept for support.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{provider}: {message}")]
pub struct UpstreamError {
    pub provider: Provider,
    pub kind: UpstreamErrorKind,
    pub message: String,
    pub code: Option<String>,
    pub trace_id: Option<String>,
    pub status: Option<u16>,
    pub retry_after: Option<Duration>,
}

impl UpstreamError {
    pub fn new(
        provider: Provider,
        kind: UpstreamErrorKind,
        message: impl Into<String>,
    ) -> UpstreamError {
        UpstreamError {
            provider,
            kind,
            message: message.into(),
            code: None,
            trace_id: None,
            status: None,
            retry_after: None,
        }
    }

    pub fn with_code(mut self, code: Option<String>, trace_id: Option<String>) -> Self {
        self.code = code;
        self.trace_id = trace_id;
        self
    }

    /// Worth another try (for idempotent calls).
    pub fn is_transient(&self) -> bool {
        matches!(
            self.kind,
            UpstreamErrorKind::Timeout
                | UpstreamErrorKind::Unreachable
                | UpstreamErrorKind::RateLimited
                | UpstreamErrorKind::Server
                | UpstreamErrorKind::Malformed
        )
    }

    /// For a write: the request may have reached the provider and been
    /// applied although no usable answer came back (a timeout, a connection
    /// lost after sending, an unreadable answer, a 5xx from a proxy in
    /// front of it). Such a write is never sent again blindly: the
    /// provider's state is read first.
    pub fn may_have_been_applied(&self) -> bool {
        self.no_usable_answer()
    }

    /// Failures that say the provider is unwell (not "you asked wrongly").
    pub fn counts_against_breaker(&self) -> bool {
        self.no_usable_answer()
    }

    /// No answer, or none we could read: the provider is unwell, and what
    /// was sent may or may not have been processed.
    fn no_usable_answer(&self) -> bool {
        matches!(
            self.kind,
            UpstreamErrorKind::Timeout
                | UpstreamErrorKind::Unreachable
                | UpstreamErrorKind::Server
                | UpstreamErrorKind::Malformed
        )
    }

    /// The JSON kept in `last_error` columns.
    pub fn record(&self, at_ms: i64) -> String {
        serde_json::json!({
            "message": self.message,
            "kind": format!("{:?}", self.kind),
            "code": self.code,
            "trace_id": self.trace_id,
            "status": self.status,
            "at": at_ms,
        })
        .to_string()
    }
}

impl From<UpstreamError> for AppError {
    fn from(e: UpstreamError) -> Self {
        // Not an upstream failure: this server has no such provider.
        if e.kind == UpstreamErrorKind::Disabled {
            return AppError::conflict(format!("{}: {}", e.provider.label(), e.message));
        }
        AppError::new(ErrorKind::Upstream {
            provider: e.provider.label().to_string(),
            message: e.message,
            code: e.code,
            trace_id: e.trace_id,
        })
    }
}

/// The configured providers. A provider without a base URL is disabled.
#[derive(Clone, Default)]
pub struct Providers {
    pub eclipse: Option<Arc<eclipse::Eclipse>>,
    pub biometric_kz: Option<Arc<biometric_kz::BiometricKz>>,
    pub ident: Option<Arc<ident::Ident>>,
    pub width: Option<Arc<width::Width>>,
}

impl Providers {
    pub fn adapter(&self, p: Provider) -> Option<Arc<dyn Adapter>> {
        match p {
            Provider::Eclipse => self.eclipse.clone().map(|a| a as Arc<dyn Adapter>),
            Provider::BiometricKz => self.biometric_kz.clone().map(|a| a as Arc<dyn Adapter>),
            Provider::Ident => self.ident.clone().map(|a| a as Arc<dyn Adapter>),
            Provider::Width => self.width.clone().map(|a| a as Arc<dyn Adapter>),
        }
    }

    /// The adapter, or a "not configured" error.
    pub fn require(&self, p: Provider) -> Result<Arc<dyn Adapter>, UpstreamError> {
        self.adapter(p).ok_or_else(|| {
            UpstreamError::new(
                p,
                UpstreamErrorKind::Disabled,
                "this provider is not configured",
            )
        })
    }
}

impl Providers {
    /// Builds every provider that has a base URL in the settings.
    pub fn from_settings(s: &crate::server::config::Settings) -> Result<Providers, reqwest::Error> {
        use secrecy::SecretString;
        let policy = http::HttpPolicy {
            connect_timeout: Duration::from_millis(s.upstream_connect_timeout_ms),
            timeout: Duration::from_millis(s.upstream_timeout_ms),
            requests_per_second: s.upstream_requests_per_second,
            ..http::HttpPolicy::default()
        };
        let poll_every = Duration::from_secs(s.poll_secs);
        let secret = |v: &Option<SecretString>| {
            v.clone()
                .unwrap_or_else(|| SecretString::from(String::new()))
        };
        let mut p = Providers::default();
        if let Some(base_url) = &s.eclipse_base_url {
            p.eclipse = Some(Arc::new(eclipse::Eclipse::new(eclipse::EclipseConfig {
                base_url: base_url.clone(),
                identity: s.eclipse_identity.clone().unwrap_or_default(),
                password: secret(&s.eclipse_password),
                poll_every: Duration::from_secs(s.eclipse_poll_secs),
                policy: policy.clone(),
            })?));
        }
        if let Some(base_url) = &s.biometric_kz_base_url {
            p.biometric_kz = Some(Arc::new(biometric_kz::BiometricKz::new(
                biometric_kz::BiometricKzConfig {
                    base_url: base_url.clone(),
                    flow_api_key: secret(&s.biometric_kz_flow_api_key),
                    mcp: s
                        .biometric_kz_mcp_url
                        .as_ref()
                        .map(|url| biometric_kz::mcp::McpConfig {
                            url: url.clone(),
                            org_api_key: secret(&s.biometric_kz_org_api_key),
                        }),
                    poll_every,
                    policy: policy.clone(),
                },
            )?));
        }
        if let Some(base_url) = &s.ident_base_url {
            p.ident = Some(Arc::new(ident::Ident::new(ident::IdentConfig {
                base_url: base_url.clone(),
                token: secret(&s.ident_token),
                poll_every,
                policy: policy.clone(),
            })?));
        }
        if let Some(base_url) = &s.width_base_url {
            p.width = Some(Arc::new(width::Width::new(width::WidthConfig {
                base_url: base_url.clone(),
                credentials: width::gateway::Credentials {
                    api_key: secret(&s.width_api_key),
                    api_secret: secret(&s.width_api_secret),
                    domain_id: s.width_domain_id.clone().unwrap_or_default(),
                },
                poll_every,
                policy,
            })?));
        }
        Ok(p)
    }
}
