//! The KYC Desk **sandbox**: one HTTP server that speaks the four upstream KYC
//! provider APIs on one port, imitating the contracts described in each
//! provider's README (`src/server/providers/<provider>/README.md`) — real
//! paths, auth rules, error shapes, statuses that move over polls, seeded
//! scenarios, fault injection and an MCP endpoint for biometric.kz.
//!
//! It is a test double of the upstream *contracts*. It shares no code with the
//! app's provider adapters (no wire types, no parsing helpers): every response
//! is written as JSON here, and every example payload a provider publishes (the
//! "seed" payloads) is served verbatim from `data/*.json` under its own ids.
//!
//! # Mount points (all on one router)
//!
//! | provider | base path |
//! |---|---|
//! | Eclipse | `/eclipse-conductor/rest/v1` |
//! | biometric.kz REST | `/api/v1/flows/session/` (`create/`, `result/`, `result/light/`) |
//! | biometric.kz MCP | `/mcp/` and `/mcp` (Streamable HTTP, stateless, JSON responses) |
//! | Provide ident | `/api/v1/kyc_applications` |
//! | WIDTH | `/gateway/{method}` |
//! | control | `/__sandbox/…` (faults, reset, scenarios, request log, token expiry) |
//! | OpenID Connect identity provider (single sign-on) | `/oidc` (see `oidc/mod.rs`) |
//!
//! # Default credentials ([`SandboxConfig::default`])
//!
//! - **Eclipse**: identity `sandbox-admin`, password `sandbox-password`, tenant
//!   `100` (role `TENANT_ADMIN`). A second identity `sandbox-viewer` /
//!   `sandbox-password` has role `TENANT_VIEWER` and gets 403 `SEC001` on KYC
//!   endpoints. JWT TTL 3600 s.
//! - **biometric.kz**: flow key [`DEFAULT_BIOMETRIC_FLOW_API_KEY`] (REST
//!   `api_key` / `flow_api_key`), organization key
//!   [`DEFAULT_BIOMETRIC_ORG_API_KEY`] (MCP `Authorization: Bearer …` or
//!   `X-Org-API-Key`).
//! - **Provide ident**: application token `sandbox-ident-app-token`, sent as
//!   `Authorization: bearer sandbox-ident-app-token` (lower-case `bearer ` only).
//! - **WIDTH**: `apiKey=ak_sandbox` (query), `x-domain: dom_sandbox`,
//!   `x-signature` = hex HMAC-SHA256 of the raw body with `sk_sandbox` (see
//!   `width/signing.rs`).
//!
//! # Moving statuses
//!
//! Statuses move on *polls*, never on wall-clock time, so tests are
//! deterministic. With `polls_to_settle = N` (default 3) the N-th read after the
//! trigger shows the settled state; `N = 0` settles at once.
//!
//! # Walk-in ranges
//!
//! Every scenario id above is fixed, and in demo mode each one already belongs
//! to a demo customer. So each provider also reserves a range of ids that the
//! sandbox accepts on first sight as a brand-new, clean, *moving* verification
//! (in progress at first, settled to a clean pass after `polls_to_settle`
//! polls, like the moving scenarios). Any other unknown id is still a 404, as
//! upstream; `POST /__sandbox/reset` forgets walk-ins. The ranges are defined
//! once, next to the scenario ids in `scenarios.rs` (`WALK_IN_*`, `is_walk_in`),
//! and listed by [`Sandbox::scenarios`] under the key `walk_in`.
//!
//! - **Eclipse**: tenant `100`, customer `1600000`–`1699999` (first `GET`/`POST
//!   …/ratify`, profile or document call); moves like `pending_then_passed`: one
//!   PENDING result → PASSED (seed clean-pass checks).
//! - **biometric.kz**: session `b10e9999-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (any hex
//!   UUID with that prefix; REST results and MCP); moves like
//!   `moving_to_finished`: CREATED → PROGRESS → FINISHED (empty blocks for one
//!   poll) → clean blocks.
//! - **Provide ident**: application `1de79999-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (any
//!   hex UUID with that prefix; detail GET or PUT); moves like
//!   `pending_then_accepted`: pending → submitted → accepted (vouched, clean
//!   confidences).
//! - **WIDTH**: execution `exec-sbx-new-` + 1–64 of `[A-Za-z0-9_-]` (any call
//!   naming the `executionId`); moves like `running_then_completed`: RUNNING →
//!   COMPLETED, result APPROVED.
//!
//! # Control endpoints (`/__sandbox/`)
//!
//! `POST/GET/DELETE /__sandbox/faults`, `POST /__sandbox/reset`,
//! `POST /__sandbox/eclipse/expire-tokens`, `GET /__sandbox/scenarios`,
//! `GET/DELETE /__sandbox/requests`. A request header
//! `x-sandbox-fault` (`latency=1500`, `status=503`, `rate_limit`, `malformed`,
//! `drop`, `drop_after`, `slow_answer=1500`) injects a fault into a single
//! upstream request. See `faults.rs`.
//!
//! # Layout
//!
//! One folder per provider (`eclipse/`, `biometric_kz/` with its MCP server,
//! `ident/`, `width/`): its routes and error shape in `mod.rs`, its auth,
//! state and handlers in files of their own (each `mod.rs` lists them).
//! Shared by all: `control.rs` (`/__sandbox/`), `faults.rs`, `scenarios.rs`,
//! the small helpers below, and `running.rs` ([`Sandbox::start`]).
#![deny(clippy::unwrap_used)]
// Handlers short-circuit with ready-made provider error responses
// (`Result<_, Response>`); boxing them would only add noise.
#![allow(clippy::result_large_err)]

mod biometric_kz;
mod control;
mod eclipse;
mod faults;
mod ident;
mod images;
mod oidc;
mod running;
mod scenarios;
mod width;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use rand::Rng;
use serde_json::Value;

pub use self::running::RunningSandbox;
pub use self::scenarios::{Scenario, ScenarioRef};

/// Default biometric.kz flow API key (47 characters, like a real one).
pub const DEFAULT_BIOMETRIC_FLOW_API_KEY: &str = "flow_sandbox_5f0c1e2d3a4b5c6d7e8f90a1b2c3d4e5f6";
/// Default biometric.kz organization API key (used by the MCP endpoint).
pub const DEFAULT_BIOMETRIC_ORG_API_KEY: &str = "org_sandbox_9a8b7c6d5e4f30211203f4e5d6c7b8a9f01";

/// Credentials and knobs of a sandbox instance.
#[derive(Clone)]
pub struct SandboxConfig {
    /// Eclipse login identity (tenant admin with KYC permissions).
    pub eclipse_identity: String,
    /// Eclipse login password.
    pub eclipse_password: String,
    /// Lifetime of the JWTs the Eclipse login/renew endpoints issue.
    pub eclipse_token_ttl_secs: u64,
    /// biometric.kz flow key (REST `api_key` / `flow_api_key`).
    pub biometric_flow_api_key: String,
    /// biometric.kz organization key (MCP bearer / `X-Org-API-Key`).
    pub biometric_org_api_key: String,
    /// Provide ident application token (sent with a lower-case `bearer ` prefix).
    pub ident_token: String,
    /// WIDTH public api key (`apiKey` query parameter).
    pub width_api_key: String,
    /// WIDTH api secret (HMAC-SHA256 key of `x-signature`).
    pub width_api_secret: String,
    /// WIDTH domain id (`x-domain` header).
    pub width_domain_id: String,
    /// How many polls a moving status takes to settle (default 3; 0 = at once).
    pub polls_to_settle: u32,
    /// The identity provider's one client (`/oidc`): its id and secret.
    pub oidc_client_id: String,
    pub oidc_client_secret: String,
}

impl std::fmt::Debug for SandboxConfig {
    /// Secrets are redacted.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxConfig")
            .field("eclipse_identity", &self.eclipse_identity)
            .field("eclipse_password", &"<redacted>")
            .field("eclipse_token_ttl_secs", &self.eclipse_token_ttl_secs)
            .field("biometric_flow_api_key", &"<redacted>")
            .field("biometric_org_api_key", &"<redacted>")
            .field("ident_token", &"<redacted>")
            .field("width_api_key", &self.width_api_key)
            .field("width_api_secret", &"<redacted>")
            .field("width_domain_id", &self.width_domain_id)
            .field("polls_to_settle", &self.polls_to_settle)
            .field("oidc_client_id", &self.oidc_client_id)
            .field("oidc_client_secret", &"<redacted>")
            .finish()
    }
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            eclipse_identity: "sandbox-admin".into(),
            eclipse_password: "sandbox-password".into(),
            eclipse_token_ttl_secs: 3600,
            biometric_flow_api_key: DEFAULT_BIOMETRIC_FLOW_API_KEY.into(),
            biometric_org_api_key: DEFAULT_BIOMETRIC_ORG_API_KEY.into(),
            ident_token: "sandbox-ident-app-token".into(),
            width_api_key: "ak_sandbox".into(),
            width_api_secret: "sk_sandbox".into(),
            width_domain_id: "dom_sandbox".into(),
            polls_to_settle: 3,
            oidc_client_id: "kyc-desk".into(),
            oidc_client_secret: "sandbox-oidc-client-secret".into(),
        }
    }
}

/// One sandbox instance. Cheap to clone; all clones share the same state.
#[derive(Clone)]
pub struct Sandbox {
    shared: Arc<Shared>,
}

struct Shared {
    config: SandboxConfig,
    /// HS256 key of the Eclipse JWTs (random per instance).
    jwt_secret: [u8; 32],
    /// Bumped by `POST /__sandbox/eclipse/expire-tokens`; older JWTs are expired.
    token_generation: AtomicU64,
    state: Mutex<State>,
    /// The identity provider (`/oidc`).
    oidc: oidc::Issuer,
}

/// Everything that `POST /__sandbox/reset` puts back to the catalogue.
struct State {
    eclipse: eclipse::EclipseState,
    bio: biometric_kz::BioState,
    ident: ident::IdentState,
    width: width::WidthState,
    faults: faults::FaultState,
    log: faults::RequestLog,
}

impl State {
    fn from_catalogue() -> State {
        State {
            eclipse: eclipse::EclipseState::seeded(),
            bio: biometric_kz::BioState::seeded(),
            ident: ident::IdentState::seeded(),
            width: width::WidthState::seeded(),
            faults: faults::FaultState::default(),
            log: faults::RequestLog::default(),
        }
    }
}

impl Sandbox {
    /// A fresh sandbox holding the scenario catalogue.
    pub fn new(config: SandboxConfig) -> Sandbox {
        let mut jwt_secret = [0u8; 32];
        rand::thread_rng().fill(&mut jwt_secret);
        Sandbox {
            shared: Arc::new(Shared {
                config,
                jwt_secret,
                token_generation: AtomicU64::new(1),
                state: Mutex::new(State::from_catalogue()),
                oidc: oidc::Issuer::new(),
            }),
        }
    }

    /// Every route: the four upstream APIs, `/mcp/` and `/__sandbox/`.
    pub fn router(&self) -> Router {
        let upstream: Router<Sandbox> = Router::new()
            .merge(eclipse::routes())
            .merge(biometric_kz::routes(self))
            .merge(ident::routes())
            .merge(width::routes())
            .fallback(faults::upstream_fallback)
            .layer(axum::middleware::from_fn_with_state(
                self.clone(),
                faults::upstream_middleware,
            ));
        upstream
            .merge(control::routes())
            .merge(oidc::routes())
            .with_state(self.clone())
    }

    /// The seeded scenario catalogue (static), ending with one `walk_in`
    /// entry per provider that names its walk-in range (see the module doc).
    pub fn scenarios() -> Vec<Scenario> {
        scenarios::catalogue()
    }

    fn config(&self) -> &SandboxConfig {
        &self.shared.config
    }

    /// The state lock. Never held across an `.await`.
    fn state(&self) -> MutexGuard<'_, State> {
        self.shared
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn reset(&self) {
        *self.state() = State::from_catalogue();
        tracing::info!("sandbox state reset to the scenario catalogue");
    }

    fn token_generation(&self) -> u64 {
        self.shared.token_generation.load(Ordering::SeqCst)
    }

    fn expire_tokens(&self) -> u64 {
        self.shared.token_generation.fetch_add(1, Ordering::SeqCst) + 1
    }
}

/// The four upstreams (biometric.kz covers both its REST API and its MCP server).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Provider {
    Eclipse,
    BiometricKz,
    Ident,
    Width,
}

impl Provider {
    fn as_str(self) -> &'static str {
        match self {
            Provider::Eclipse => "eclipse",
            Provider::BiometricKz => "biometric_kz",
            Provider::Ident => "ident",
            Provider::Width => "width",
        }
    }

    fn parse(s: &str) -> Option<Provider> {
        match s {
            "eclipse" => Some(Provider::Eclipse),
            "biometric_kz" => Some(Provider::BiometricKz),
            "ident" => Some(Provider::Ident),
            "width" => Some(Provider::Width),
            _ => None,
        }
    }

    /// Which upstream a request path belongs to.
    fn of_path(path: &str) -> Option<Provider> {
        if path.starts_with("/eclipse-conductor/") {
            Some(Provider::Eclipse)
        } else if path.starts_with("/api/v1/flows/") || path == "/mcp" || path.starts_with("/mcp/")
        {
            Some(Provider::BiometricKz)
        } else if path.starts_with("/api/v1/") {
            Some(Provider::Ident)
        } else if path.starts_with("/gateway/") {
            Some(Provider::Width)
        } else {
            None
        }
    }

    /// The provider's own error body for `status` (used by faults and fallbacks).
    fn error(self, status: StatusCode, message: &str) -> Response {
        match self {
            Provider::Eclipse => eclipse::error_for_status(status, message),
            Provider::BiometricKz => biometric_kz::error(status, message),
            Provider::Ident => ident::error(status, message),
            Provider::Width => width::error_for_status(status, message),
        }
    }
}

// ---------------------------------------------------------------------------
// Small helpers shared by the provider modules (time, ids, JSON responses).
// ---------------------------------------------------------------------------

fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn now_micros() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

fn now_secs() -> u64 {
    now_millis() / 1000
}

/// (year, month, day) of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Days since 1970-01-01 of a (year, month, day) date.
fn civil_days(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn split_secs(secs: u64) -> (i64, u32, u32, u64, u64, u64) {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    (y, m, d, rem / 3600, (rem % 3600) / 60, rem % 60)
}

/// `2026-05-19T08:30:20.000Z` (Eclipse `lastModified` style).
fn iso_millis(ms: u64) -> String {
    let (y, mo, d, h, mi, s) = split_secs(ms / 1000);
    format!(
        "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{:03}Z",
        ms % 1000
    )
}

/// `2019-11-13T03:55:02.687098+00:00` (ident `created_at` style, UTC).
fn rfc3339_micros(us: u64) -> String {
    let (y, mo, d, h, mi, s) = split_secs(us / 1_000_000);
    format!(
        "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{:06}+00:00",
        us % 1_000_000
    )
}

/// `2026-05-19T08:30:20Z` (biometric.kz timestamps).
fn iso_secs(secs: u64) -> String {
    let (y, mo, d, h, mi, s) = split_secs(secs);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// `20260519T083020Z` (AWS SigV4 `X-Amz-Date`).
fn amz_date(secs: u64) -> String {
    let (y, mo, d, h, mi, s) = split_secs(secs);
    format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}Z")
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::thread_rng().fill(buf.as_mut_slice());
    hex::encode(buf)
}

fn uuid_v4() -> String {
    let mut b = [0u8; 16];
    rand::thread_rng().fill(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// A JSON response with an explicit status.
fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// Parses a seed payload embedded with `include_str!` (checked by the tests).
fn seed_json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

/// The value of a query parameter (percent-decoded, `+` as space).
fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    query?.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (percent_decode(key) == name).then(|| percent_decode(value))
    })
}

fn percent_decode(s: &str) -> String {
    fn hex_val(b: u8) -> Option<u8> {
        (b as char).to_digit(16).map(|d| d as u8)
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex_val(bytes[i + 1]), hex_val(bytes[i + 2])) {
                (Some(hi), Some(lo)) => {
                    out.push(hi * 16 + lo);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
const B64_STD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn b64_encode(data: &[u8], alphabet: &[u8; 64], pad: bool) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let n = match chunk.len() {
            3 => (u32::from(chunk[0]) << 16) | (u32::from(chunk[1]) << 8) | u32::from(chunk[2]),
            2 => (u32::from(chunk[0]) << 16) | (u32::from(chunk[1]) << 8),
            _ => u32::from(chunk[0]) << 16,
        };
        let chars = chunk.len() + 1;
        for i in 0..4 {
            if i < chars {
                out.push(alphabet[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else if pad {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes standard or URL-safe base64, with or without padding.
fn b64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in text.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => continue,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn dates_format_like_the_seeds() {
        // 2026-05-19T08:30:20Z
        let secs = 1_779_179_420;
        assert_eq!(iso_millis(secs * 1000), "2026-05-19T08:30:20.000Z");
        assert_eq!(iso_secs(secs), "2026-05-19T08:30:20Z");
        assert_eq!(
            rfc3339_micros(secs * 1_000_000 + 7),
            "2026-05-19T08:30:20.000007+00:00"
        );
        assert_eq!(amz_date(secs), "20260519T083020Z");
    }

    #[test]
    fn civil_days_inverts_civil_from_days() {
        for days in [-1000, 0, 1, 59, 60, 365, 10_957, 20_592, 100_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(civil_days(y, i64::from(m), i64::from(d)), days);
        }
    }

    #[test]
    fn base64_round_trips() {
        for data in [&b""[..], b"f", b"fo", b"foo", b"foob", b"fooba", b"foobar"] {
            let std = b64_encode(data, B64_STD, true);
            let url = b64_encode(data, B64_URL, false);
            assert_eq!(b64_decode(&std).unwrap(), data);
            assert_eq!(b64_decode(&url).unwrap(), data);
        }
        assert_eq!(b64_encode(b"foobar", B64_STD, true), "Zm9vYmFy");
        assert_eq!(b64_encode(b"fo", B64_STD, true), "Zm8=");
    }

    #[test]
    fn query_params_are_decoded() {
        let q = Some("session_id=a%2Db&flow_api_key=x+y&flag");
        assert_eq!(query_param(q, "session_id").as_deref(), Some("a-b"));
        assert_eq!(query_param(q, "flow_api_key").as_deref(), Some("x y"));
        assert_eq!(query_param(q, "flag").as_deref(), Some(""));
        assert_eq!(query_param(q, "missing"), None);
    }

    #[test]
    fn every_seed_payload_parses() {
        for text in [
            include_str!("data/eclipse_ratify_passed.json"),
            include_str!("data/eclipse_ratify_failed.json"),
            include_str!("data/eclipse_error_kyc001.json"),
            include_str!("data/eclipse_liveness_post_request.json"),
            include_str!("data/eclipse_liveness_post_response.json"),
            include_str!("data/eclipse_liveness_put_response.json"),
            include_str!("data/ident_list.json"),
            include_str!("data/ident_detail_e494ee10.json"),
            include_str!("data/ident_put_205d1f45.json"),
        ] {
            assert!(!seed_json(text).is_null(), "{text}");
        }
    }

    #[test]
    fn the_default_flow_key_is_long_enough() {
        assert!(DEFAULT_BIOMETRIC_FLOW_API_KEY.len() >= 47);
        assert!(DEFAULT_BIOMETRIC_FLOW_API_KEY.starts_with("flow_sandbox_"));
        assert!(DEFAULT_BIOMETRIC_ORG_API_KEY.starts_with("org_sandbox_"));
    }
}
