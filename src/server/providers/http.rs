//! How we talk to every upstream: timeouts on every call (connect and
//! total), a per-provider rate limit, a circuit breaker, and retries with
//! capped exponential backoff and full jitter — for idempotent calls only,
//! honouring `Retry-After` and rate-limit answers. Nothing here logs a query
//! string, a header or a body: only provider, method, path and status.

use super::{UpstreamError, UpstreamErrorKind};
use crate::domain::verification::Provider;
use backon::{ExponentialBuilder, Retryable};
use bytes::Bytes;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use reqwest::header::HeaderMap;
use reqwest::{RequestBuilder, StatusCode};
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Timeouts and limits of one provider's client.
#[derive(Debug, Clone)]
pub struct HttpPolicy {
    pub connect_timeout: Duration,
    pub timeout: Duration,
    pub requests_per_second: u32,
    /// Attempts after the first, for idempotent calls.
    pub retries: usize,
    pub backoff_min: Duration,
    pub backoff_max: Duration,
    /// Consecutive failures that open the breaker, and for how long.
    pub breaker_threshold: u32,
    pub breaker_cooldown: Duration,
}

impl Default for HttpPolicy {
    fn default() -> Self {
        HttpPolicy {
            connect_timeout: Duration::from_secs(2),
            timeout: Duration::from_secs(10),
            requests_per_second: 10,
            retries: 2,
            backoff_min: Duration::from_millis(200),
            backoff_max: Duration::from_secs(5),
            breaker_threshold: 5,
            breaker_cooldown: Duration::from_secs(30),
        }
    }
}

/// A response as far as the caller needs it.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// Decides whether an answer is an error, in the provider's own terms
/// (e.g. Eclipse's `RLT001` in an error array).
pub type Classify = fn(Provider, &Answer) -> Option<UpstreamError>;

/// Responses larger than this are refused (a KYC result is kilobytes).
const MAX_BODY: usize = 8 * 1024 * 1024;

pub struct Upstream {
    provider: Provider,
    client: reqwest::Client,
    limiter: DefaultDirectRateLimiter,
    breaker: Breaker,
    policy: HttpPolicy,
    health: Mutex<Health>,
}

/// What this instance last saw of a provider: its last good answer, and its last failure (one
/// that counts against the breaker: the provider's fault, not a wrong reference).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Health {
    /// Unix ms.
    pub last_ok_at: Option<i64>,
    pub last_error: Option<LastError>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastError {
    /// Unix ms.
    pub at: i64,
    pub kind: String,
    pub message: String,
    /// The provider's own trace id of the failed call, to quote to its support.
    pub trace_id: Option<String>,
}

impl Upstream {
    pub fn new(provider: Provider, policy: HttpPolicy) -> Result<Upstream, reqwest::Error> {
        let client = reqwest::Client::builder()
            .connect_timeout(policy.connect_timeout)
            .timeout(policy.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .pool_idle_timeout(Duration::from_secs(60))
            .user_agent(concat!("kyc-desk/", env!("CARGO_PKG_VERSION")))
            .build()?;
        let rps = NonZeroU32::new(policy.requests_per_second).unwrap_or(NonZeroU32::MIN);
        Ok(Upstream {
            provider,
            client,
            limiter: RateLimiter::direct(Quota::per_second(rps)),
            breaker: Breaker::new(policy.breaker_threshold, policy.breaker_cooldown),
            policy,
            health: Mutex::default(),
        })
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    pub fn provider(&self) -> Provider {
        self.provider
    }

    /// Whether the breaker is open (calls fail at once).
    pub fn breaker_open(&self) -> bool {
        self.breaker.is_open()
    }

    /// Its last good answer and last failure, as this instance saw them.
    pub fn health(&self) -> Health {
        self.health.lock().map(|h| h.clone()).unwrap_or_default()
    }

    fn note(&self, result: Result<(), &UpstreamError>) {
        let now = crate::server::db::unix_ms(time::OffsetDateTime::now_utc());
        let Ok(mut h) = self.health.lock() else {
            return;
        };
        match result {
            Ok(()) => h.last_ok_at = Some(now),
            Err(e) if e.counts_against_breaker() => {
                h.last_error = Some(LastError {
                    at: now,
                    kind: format!("{:?}", e.kind),
                    message: e.message.clone(),
                    trace_id: e.trace_id.clone(),
                })
            }
            Err(_) => {}
        }
    }

    /// Like [`Upstream::send`], and the body must be JSON: an unreadable
    /// body counts as a failed attempt (retried for idempotent calls).
    pub async fn send_json(
        &self,
        idempotent: bool,
        build: impl Fn() -> RequestBuilder,
        classify: Classify,
    ) -> Result<(Answer, serde_json::Value), UpstreamError> {
        self.with_retries(idempotent, || async {
            let answer = self.attempt(&build, classify).await?;
            match serde_json::from_slice(&answer.body) {
                Ok(v) => Ok((answer, v)),
                Err(_) => {
                    self.breaker.record(false);
                    tracing::warn!(provider = %self.provider, "upstream answer is not JSON");
                    Err(UpstreamError::new(
                        self.provider,
                        UpstreamErrorKind::Malformed,
                        "the answer is not JSON",
                    ))
                }
            }
        })
        .await
    }

    /// Sends the request that `build` makes (once per attempt). Idempotent
    /// calls are retried on timeouts, connection failures, 5xx and rate
    /// limits; others are sent exactly once.
    pub async fn send(
        &self,
        idempotent: bool,
        build: impl Fn() -> RequestBuilder,
        classify: Classify,
    ) -> Result<Answer, UpstreamError> {
        self.with_retries(idempotent, || self.attempt(&build, classify))
            .await
    }

    async fn with_retries<T, F, Fut>(
        &self,
        idempotent: bool,
        attempt: F,
    ) -> Result<T, UpstreamError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, UpstreamError>>,
    {
        let backoff = ExponentialBuilder::default()
            .with_jitter()
            .with_min_delay(self.policy.backoff_min)
            .with_max_delay(self.policy.backoff_max)
            .with_max_times(if idempotent { self.policy.retries } else { 0 });
        attempt
            .retry(backoff)
            .when(|e: &UpstreamError| idempotent && e.is_transient())
            .adjust(|e: &UpstreamError, next| match (e.retry_after, next) {
                (Some(wait), Some(_)) => Some(wait.min(self.policy.backoff_max * 6)),
                (_, next) => next,
            })
            .await
    }

    async fn attempt(
        &self,
        build: &impl Fn() -> RequestBuilder,
        classify: Classify,
    ) -> Result<Answer, UpstreamError> {
        if !self.breaker.allow() {
            return Err(UpstreamError::new(
                self.provider,
                UpstreamErrorKind::CircuitOpen,
                "temporarily not called after repeated failures",
            ));
        }
        self.limiter.until_ready().await;
        let request = build().build().map_err(|e| {
            UpstreamError::new(
                self.provider,
                UpstreamErrorKind::Malformed,
                format!("bad request: {}", e.without_url()),
            )
        })?;
        let (method, path) = (request.method().clone(), request.url().path().to_string());
        let started = Instant::now();
        let result = self.exchange(request).await;
        let ms = started.elapsed().as_millis() as u64;
        let result = result.and_then(|answer| match classify(self.provider, &answer) {
            Some(err) => Err(err),
            None => Ok(answer),
        });
        match &result {
            Ok(a) => {
                self.breaker.record(true);
                self.note(Ok(()));
                tracing::info!(
                    provider = %self.provider, %method, %path, status = a.status.as_u16(), ms,
                    "upstream call"
                );
            }
            Err(e) => {
                self.breaker.record(!e.counts_against_breaker());
                self.note(Err(e));
                tracing::warn!(
                    provider = %self.provider, %method, %path, kind = ?e.kind, code = ?e.code,
                    trace_id = ?e.trace_id, ms, "upstream call failed"
                );
            }
        }
        result
    }

    async fn exchange(&self, request: reqwest::Request) -> Result<Answer, UpstreamError> {
        let transport = |e: reqwest::Error| {
            let kind = if e.is_timeout() {
                UpstreamErrorKind::Timeout
            } else {
                UpstreamErrorKind::Unreachable
            };
            UpstreamError::new(self.provider, kind, e.without_url().to_string())
        };
        let mut res = self.client.execute(request).await.map_err(transport)?;
        let status = res.status();
        let headers = res.headers().clone();
        let mut body = Vec::new();
        while let Some(chunk) = res.chunk().await.map_err(transport)? {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(UpstreamError::new(
                    self.provider,
                    UpstreamErrorKind::Malformed,
                    "response too large",
                ));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Answer {
            status,
            headers,
            body: Bytes::from(body),
        })
    }
}

/// The default reading of an answer: 2xx is fine; 401/403/404/429/5xx and
/// other 4xx become the matching error kinds, with `Retry-After` kept.
pub fn classify_by_status(provider: Provider, a: &Answer) -> Option<UpstreamError> {
    let status = a.status;
    if status.is_success() {
        return None;
    }
    let kind = match status {
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => UpstreamErrorKind::Unauthorized,
        StatusCode::NOT_FOUND => UpstreamErrorKind::NotFound,
        StatusCode::TOO_MANY_REQUESTS => UpstreamErrorKind::RateLimited,
        s if s.is_server_error() => UpstreamErrorKind::Server,
        _ => UpstreamErrorKind::Rejected,
    };
    let mut e = UpstreamError::new(provider, kind, format!("answered HTTP {}", status.as_u16()));
    e.status = Some(status.as_u16());
    e.retry_after = retry_after(&a.headers);
    Some(e)
}

pub fn retry_after(h: &HeaderMap) -> Option<Duration> {
    h.get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

/// Stops calling a provider after `threshold` consecutive failures, for
/// `cooldown`; then lets one call through (half-open) to probe.
pub struct Breaker {
    threshold: u32,
    cooldown: Duration,
    state: Mutex<BreakerState>,
}

#[derive(Default)]
struct BreakerState {
    failures: u32,
    open_until: Option<Instant>,
    probing: bool,
}

impl Breaker {
    pub fn new(threshold: u32, cooldown: Duration) -> Breaker {
        Breaker {
            threshold: threshold.max(1),
            cooldown,
            state: Mutex::new(BreakerState::default()),
        }
    }

    pub fn allow(&self) -> bool {
        let Ok(mut s) = self.state.lock() else {
            return true;
        };
        match s.open_until {
            None => true,
            Some(until) if Instant::now() < until => false,
            Some(_) if s.probing => false,
            Some(_) => {
                s.probing = true;
                true
            }
        }
    }

    pub fn record(&self, ok: bool) {
        let Ok(mut s) = self.state.lock() else { return };
        if ok {
            *s = BreakerState::default();
            return;
        }
        s.failures += 1;
        s.probing = false;
        if s.failures >= self.threshold {
            s.open_until = Some(Instant::now() + self.cooldown);
        }
    }

    pub fn is_open(&self) -> bool {
        self.state
            .lock()
            .map(|s| s.open_until.is_some_and(|u| Instant::now() < u))
            .unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_breaker_opens_after_consecutive_failures_and_half_opens_after_the_cooldown() {
        let b = Breaker::new(3, Duration::from_millis(30));
        for _ in 0..2 {
            assert!(b.allow());
            b.record(false);
        }
        assert!(b.allow());
        b.record(false);
        assert!(!b.allow(), "open after 3 failures");
        std::thread::sleep(Duration::from_millis(40));
        assert!(b.allow(), "one probe after the cooldown");
        assert!(!b.allow(), "only one probe at a time");
        b.record(true);
        assert!(b.allow(), "closed again after a success");
    }

    #[test]
    fn a_success_resets_the_count() {
        let b = Breaker::new(2, Duration::from_secs(60));
        b.record(false);
        b.record(true);
        b.record(false);
        assert!(b.allow());
    }
}
