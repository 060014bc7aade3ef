//! Fault injection and the request log, applied by one middleware around every
//! upstream route (not around `/__sandbox/`).
//!
//! Faults come from rules (`POST /__sandbox/faults`) or from a per-request
//! header `x-sandbox-fault` (comma-separated: `latency=1500`, `status=503`,
//! `rate_limit`, `malformed`, `drop`, `drop_after`, `slow_answer=2000`). A request that
//! carries the header
//! ignores the rules.
//!
//! - `latency`: waits `ms` (default 1000), then answers normally
//! - `status`: answers `status` (default 500) in the provider's error shape;
//!   not processed
//! - `rate_limit`: 429 in the provider's error shape (Eclipse `RLT001`) +
//!   `Retry-After: 1`; not processed
//! - `malformed`: processes the request, then answers 200 with its JSON body
//!   cut in half
//! - `drop`: closes the connection without a response; not processed
//! - `drop_after`: processes the request, then closes the connection without
//!   a response
//! - `slow_answer`: processes the request, then waits `ms` (default 1000)
//!   before answering

use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::{iso_millis, json_response, now_millis, Provider, Sandbox};

/// Largest request body the sandbox buffers (bodies may carry base64 images).
const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;
/// The request log keeps this many newest entries.
const LOG_CAPACITY: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Latency(u64),
    Status(u16),
    RateLimit,
    Malformed,
    Drop,
    DropAfter,
    SlowAnswer(u64),
}

impl Action {
    fn kind(self) -> &'static str {
        match self {
            Action::Latency(_) => "latency",
            Action::Status(_) => "status",
            Action::RateLimit => "rate_limit",
            Action::Malformed => "malformed",
            Action::Drop => "drop",
            Action::DropAfter => "drop_after",
            Action::SlowAnswer(_) => "slow_answer",
        }
    }
}

struct Rule {
    id: u64,
    /// `None` = every provider (`"*"`).
    provider: Option<Provider>,
    action: Action,
    /// How many more matching requests it applies to (`None` = until cleared).
    remaining: Option<u32>,
    pattern: Option<String>,
}

impl Rule {
    fn to_json(&self) -> Value {
        let mut out = json!({
            "id": self.id,
            "provider": self.provider.map_or("*", Provider::as_str),
            "kind": self.action.kind(),
            "count": self.remaining,
            "match": self.pattern,
        });
        if let Some(object) = out.as_object_mut() {
            match self.action {
                Action::Latency(ms) | Action::SlowAnswer(ms) => {
                    object.insert("ms".into(), json!(ms));
                }
                Action::Status(status) => {
                    object.insert("status".into(), json!(status));
                }
                _ => {}
            }
        }
        out
    }
}

#[derive(Default)]
pub(super) struct FaultState {
    rules: Vec<Rule>,
    next_id: u64,
}

impl FaultState {
    /// Adds a rule from the `POST /__sandbox/faults` body.
    pub(super) fn add(&mut self, body: &Value) -> Result<Value, String> {
        let provider = match body.get("provider").and_then(Value::as_str) {
            Some("*") => None,
            Some(name) => Some(Provider::parse(name).ok_or_else(|| {
                format!("unknown provider {name:?} (eclipse, biometric_kz, ident, width or *)")
            })?),
            None => return Err("provider is required".into()),
        };
        let number = |field: &str| body.get(field).and_then(Value::as_u64);
        let action = match body.get("kind").and_then(Value::as_str) {
            Some("latency") => Action::Latency(number("ms").unwrap_or(1000)),
            Some("status") => {
                let status = number("status").unwrap_or(500);
                match u16::try_from(status) {
                    Ok(status) if (400..=599).contains(&status) => Action::Status(status),
                    _ => return Err("status must be between 400 and 599".into()),
                }
            }
            Some("rate_limit") => Action::RateLimit,
            Some("malformed") => Action::Malformed,
            Some("drop") => Action::Drop,
            Some("drop_after") => Action::DropAfter,
            Some("slow_answer") => Action::SlowAnswer(number("ms").unwrap_or(1000)),
            other => {
                return Err(format!(
                    "unknown kind {other:?} (latency, status, rate_limit, malformed, drop, \
                     drop_after or slow_answer)"
                ))
            }
        };
        let remaining = match number("count") {
            Some(0) => return Err("count must be at least 1 (omit it for 'until cleared')".into()),
            Some(count) => Some(u32::try_from(count).unwrap_or(u32::MAX)),
            None => None,
        };
        self.next_id += 1;
        let rule = Rule {
            id: self.next_id,
            provider,
            action,
            remaining,
            pattern: body
                .get("match")
                .and_then(Value::as_str)
                .map(str::to_string),
        };
        let out = rule.to_json();
        self.rules.push(rule);
        Ok(out)
    }

    pub(super) fn list(&self) -> Value {
        Value::Array(self.rules.iter().map(Rule::to_json).collect())
    }

    pub(super) fn clear(&mut self) -> usize {
        std::mem::take(&mut self.rules).len()
    }

    /// Every rule matching this request, each consuming one of its `count`.
    fn take_matching(&mut self, provider: Provider, text: &str) -> Vec<Action> {
        let mut actions = Vec::new();
        for rule in &mut self.rules {
            let provider_ok = rule.provider.is_none_or(|p| p == provider);
            let pattern_ok = rule.pattern.as_deref().is_none_or(|p| text.contains(p));
            if provider_ok && pattern_ok {
                actions.push(rule.action);
                if let Some(remaining) = &mut rule.remaining {
                    *remaining = remaining.saturating_sub(1);
                }
            }
        }
        self.rules.retain(|rule| rule.remaining != Some(0));
        actions
    }
}

fn parse_header(value: &str) -> Result<Vec<Action>, String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (name, arg) = part.split_once('=').unwrap_or((part, ""));
            let number = || {
                arg.trim()
                    .parse::<u64>()
                    .map_err(|_| format!("{name} needs a number: {part}"))
            };
            match name.trim() {
                "latency" => Ok(Action::Latency(number()?)),
                "status" => match u16::try_from(number()?) {
                    Ok(status) if (400..=599).contains(&status) => Ok(Action::Status(status)),
                    _ => Err(format!("status must be between 400 and 599: {part}")),
                },
                "rate_limit" => Ok(Action::RateLimit),
                "malformed" => Ok(Action::Malformed),
                "drop" => Ok(Action::Drop),
                "drop_after" => Ok(Action::DropAfter),
                "slow_answer" => Ok(Action::SlowAnswer(number()?)),
                _ => Err(format!("unknown fault {part:?}")),
            }
        })
        .collect()
}

// ----------------------------------------------------------- request log

#[derive(Default)]
pub(super) struct RequestLog {
    entries: VecDeque<Value>,
    next_seq: u64,
}

impl RequestLog {
    fn start(&mut self, mut entry: Value) -> u64 {
        self.next_seq += 1;
        let seq = self.next_seq;
        if let Some(object) = entry.as_object_mut() {
            object.insert("seq".into(), json!(seq));
        }
        self.entries.push_back(entry);
        while self.entries.len() > LOG_CAPACITY {
            self.entries.pop_front();
        }
        seq
    }

    fn finish(&mut self, seq: u64, fields: Value) {
        let first = self
            .entries
            .front()
            .and_then(|e| e.get("seq"))
            .and_then(Value::as_u64)
            .unwrap_or(0);
        let Some(index) = seq.checked_sub(first) else {
            return;
        };
        let entry = usize::try_from(index)
            .ok()
            .and_then(|i| self.entries.get_mut(i));
        if let (Some(Value::Object(entry)), Value::Object(fields)) = (entry, fields) {
            entry.extend(fields);
        }
    }

    pub(super) fn list(&self) -> Value {
        Value::Array(self.entries.iter().cloned().collect())
    }

    pub(super) fn clear(&mut self) {
        self.entries.clear();
    }
}

/// The query string without the secrets (`flow_api_key`, `apiKey`).
fn scrub_query(query: &str) -> String {
    query
        .split('&')
        .filter(|pair| {
            let key = pair.split_once('=').map_or(*pair, |(k, _)| k);
            !matches!(key, "flow_api_key" | "apiKey" | "api_key")
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// (JSON-RPC method, tool name, tool `session_id`) of an MCP request body.
fn mcp_call(body: &[u8]) -> (Option<String>, Option<String>, Option<String>) {
    let Ok(message) = serde_json::from_slice::<Value>(body) else {
        return (None, None, None);
    };
    let message = match message {
        Value::Array(mut batch) if !batch.is_empty() => batch.swap_remove(0),
        other => other,
    };
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
    let params = message.get("params");
    let is_call = message.get("method").and_then(Value::as_str) == Some("tools/call");
    (
        text(message.get("method")),
        if is_call {
            text(params.and_then(|p| p.get("name")))
        } else {
            None
        },
        if is_call {
            text(
                params
                    .and_then(|p| p.get("arguments"))
                    .and_then(|a| a.get("session_id")),
            )
        } else {
            None
        },
    )
}

// ------------------------------------------------------------- middleware

/// A body whose first poll fails: hyper then closes the connection without
/// writing the response head.
struct DroppedBody;

impl axum::body::HttpBody for DroppedBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, std::io::Error>>> {
        Poll::Ready(Some(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "sandbox drop fault",
        ))))
    }
}

fn dropped() -> Response {
    Response::new(Body::new(DroppedBody))
}

/// Cuts a response body in half and answers it with 200 (the `malformed` fault).
async fn truncate(response: Response) -> Response {
    let bytes = axum::body::to_bytes(response.into_body(), MAX_BODY_BYTES)
        .await
        .unwrap_or_default();
    let cut = if bytes.len() > 1 {
        bytes.slice(..bytes.len() / 2)
    } else {
        Bytes::from_static(b"{\"")
    };
    let mut response = (StatusCode::OK, cut).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// Reads `result.isError` out of a JSON MCP response (and rebuilds it).
async fn mcp_tool_error(response: Response) -> (Response, Option<bool>) {
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !is_json {
        return (response, None);
    }
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BODY_BYTES).await else {
        return (Response::from_parts(parts, Body::empty()), None);
    };
    let tool_error = serde_json::from_slice::<Value>(&bytes).ok().map(|message| {
        message.get("error").is_some()
            || message
                .pointer("/result/isError")
                .and_then(Value::as_bool)
                .unwrap_or(false)
    });
    (Response::from_parts(parts, Body::from(bytes)), tool_error)
}

pub(super) async fn upstream_middleware(
    State(sandbox): State<Sandbox>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let path = request.uri().path().to_string();
    let Some(provider) = Provider::of_path(&path) else {
        return next.run(request).await;
    };
    let raw_query = request.uri().query().unwrap_or("").to_string();
    let query = scrub_query(&raw_query);
    let logged_path = if query.is_empty() {
        path.clone()
    } else {
        format!("{path}?{query}")
    };
    let method = request.method().to_string();
    let idempotency_key = request
        .headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let header_fault = request
        .headers()
        .get("x-sandbox-fault")
        .map(|v| parse_header(v.to_str().unwrap_or("?")));
    let is_mcp = path == "/mcp" || path.starts_with("/mcp/");

    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => bytes,
        Err(_) => return provider.error(StatusCode::PAYLOAD_TOO_LARGE, "request body too large"),
    };
    let (rpc_method, tool, session_id) = if is_mcp {
        mcp_call(&bytes)
    } else {
        (None, None, None)
    };

    let actions = match header_fault {
        Some(Ok(actions)) => actions,
        Some(Err(message)) => {
            return provider.error(
                StatusCode::BAD_REQUEST,
                &format!("invalid x-sandbox-fault header: {message}"),
            )
        }
        None => {
            let body_text = String::from_utf8_lossy(&bytes[..bytes.len().min(64 * 1024)]);
            let text = format!("{path}?{raw_query} {body_text}");
            sandbox.state().faults.take_matching(provider, &text)
        }
    };
    let faults: Vec<&str> = actions.iter().map(|a| a.kind()).collect();
    if !faults.is_empty() {
        tracing::debug!(
            provider = provider.as_str(),
            path = %path,
            faults = %faults.join(","),
            "sandbox fault injected"
        );
    }
    let seq = sandbox.state().log.start(json!({
        "at": iso_millis(now_millis()),
        "provider": provider.as_str(),
        "method": method,
        "path": logged_path,
        "idempotency_key": idempotency_key,
        "rpc_method": rpc_method,
        "tool": tool,
        "session_id": session_id,
        "status": null,
        "tool_error": null,
        "fault": if faults.is_empty() { Value::Null } else { json!(faults.join(",")) },
    }));
    let finish = |status: Option<u16>, tool_error: Option<bool>| {
        sandbox.state().log.finish(
            seq,
            json!({
                "status": status,
                "tool_error": tool_error,
                "duration_ms": started.elapsed().as_millis() as u64,
            }),
        );
    };

    let mut malformed = false;
    let mut drop_after = false;
    let mut slow_answer = None;
    for action in actions {
        match action {
            Action::Latency(ms) => tokio::time::sleep(Duration::from_millis(ms)).await,
            Action::Status(status) => {
                let status =
                    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                let response = provider.error(status, "sandbox injected fault");
                finish(Some(status.as_u16()), None);
                return response;
            }
            Action::RateLimit => {
                let mut response = provider.error(StatusCode::TOO_MANY_REQUESTS, "rate limited");
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
                finish(Some(429), None);
                return response;
            }
            Action::Malformed => malformed = true,
            Action::DropAfter => drop_after = true,
            Action::SlowAnswer(ms) => slow_answer = Some(ms),
            Action::Drop => {
                finish(None, None);
                return dropped();
            }
        }
    }

    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let (response, tool_error) = if tool.is_some() {
        mcp_tool_error(response).await
    } else {
        (response, None)
    };
    if let Some(ms) = slow_answer {
        // Processed and logged now; the answer comes later (or never, if
        // the client goes away meanwhile).
        finish(Some(response.status().as_u16()), tool_error);
        tokio::time::sleep(Duration::from_millis(ms)).await;
        return response;
    }
    if drop_after {
        // Processed: the log keeps the status the client never received.
        finish(Some(response.status().as_u16()), tool_error);
        return dropped();
    }
    if malformed {
        finish(Some(200), tool_error);
        return truncate(response).await;
    }
    finish(Some(response.status().as_u16()), tool_error);
    response
}

/// Unknown upstream paths answer 404 in the provider's error shape.
pub(super) async fn upstream_fallback(uri: Uri) -> Response {
    match Provider::of_path(uri.path()) {
        Some(provider) => provider.error(StatusCode::NOT_FOUND, "no such endpoint"),
        None => json_response(StatusCode::NOT_FOUND, &json!({"message": "not found"})),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn header_faults_parse() {
        assert_eq!(
            parse_header("latency=1500"),
            Ok(vec![Action::Latency(1500)])
        );
        assert_eq!(
            parse_header("latency=5, status=503"),
            Ok(vec![Action::Latency(5), Action::Status(503)])
        );
        assert_eq!(parse_header("rate_limit"), Ok(vec![Action::RateLimit]));
        assert_eq!(parse_header("malformed"), Ok(vec![Action::Malformed]));
        assert_eq!(parse_header("drop"), Ok(vec![Action::Drop]));
        assert_eq!(parse_header("drop_after"), Ok(vec![Action::DropAfter]));
        assert_eq!(
            parse_header("slow_answer=20"),
            Ok(vec![Action::SlowAnswer(20)])
        );
        assert!(parse_header("status=200").is_err());
        assert!(parse_header("explode").is_err());
    }

    #[test]
    fn secrets_are_scrubbed_from_queries() {
        assert_eq!(
            scrub_query("session_id=abc&flow_api_key=flow_secret"),
            "session_id=abc"
        );
        assert_eq!(scrub_query("apiKey=ak_sandbox"), "");
        assert_eq!(scrub_query("offset=0&limit=1"), "offset=0&limit=1");
    }

    #[test]
    fn counted_rules_expire() {
        let mut faults = FaultState::default();
        faults
            .add(&json!({"provider": "ident", "kind": "status", "status": 503, "count": 2}))
            .unwrap();
        assert!(faults.take_matching(Provider::Eclipse, "/x").is_empty());
        assert_eq!(faults.take_matching(Provider::Ident, "/x").len(), 1);
        assert_eq!(faults.take_matching(Provider::Ident, "/x").len(), 1);
        assert!(faults.take_matching(Provider::Ident, "/x").is_empty());
    }

    #[test]
    fn rules_match_on_substrings() {
        let mut faults = FaultState::default();
        faults
            .add(&json!({"provider": "*", "kind": "drop", "match": "1592545"}))
            .unwrap();
        assert!(faults
            .take_matching(Provider::Eclipse, "/c/1592544")
            .is_empty());
        assert_eq!(
            faults.take_matching(Provider::Eclipse, "/c/1592545/ratify"),
            vec![Action::Drop]
        );
        assert!(faults
            .add(&json!({"provider": "nope", "kind": "drop"}))
            .is_err());
        assert!(faults
            .add(&json!({"provider": "*", "kind": "nope"}))
            .is_err());
    }
}
