//! biometric.kz's MCP server (Streamable HTTP, `Authorization: Bearer <org
//! key>`), used for the manual decision and the review trail:
//! `update_flow_session_status` (only from IN_REVIEW), `create_flow_session_review`,
//! `list_flow_session_reviews`. One short MCP session per call: decisions
//! are rare, and nothing stays connected to an upstream.

use super::super::{UpstreamError, UpstreamErrorKind};
use crate::domain::verification::Provider;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::ServiceExt;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use std::time::Duration;

pub struct McpConfig {
    /// The full URL, e.g. `https://kyc.biometric.kz/mcp/`.
    pub url: String,
    pub org_api_key: SecretString,
}

pub struct Mcp {
    url: String,
    org_api_key: SecretString,
    timeout: Duration,
    client: reqwest::Client,
}

/// The final decision sent with `update_flow_session_status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FinalStatus {
    Approved,
    Declined,
}

impl FinalStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FinalStatus::Approved => "APPROVED",
            FinalStatus::Declined => "DECLINED",
        }
    }
}

fn error(kind: UpstreamErrorKind, message: impl Into<String>) -> UpstreamError {
    UpstreamError::new(Provider::BiometricKz, kind, message)
}

impl Mcp {
    pub fn new(cfg: McpConfig, timeout: Duration) -> Mcp {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(2))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Mcp {
            url: cfg.url,
            org_api_key: cfg.org_api_key,
            timeout,
            client,
        }
    }

    /// Calls one tool and returns its JSON result. A tool-level error (e.g.
    /// "session is not in review") comes back as `Rejected` with its text.
    pub async fn call(&self, tool: &'static str, arguments: Value) -> Result<Value, UpstreamError> {
        let Value::Object(arguments) = arguments else {
            return Err(error(
                UpstreamErrorKind::Malformed,
                "tool arguments must be an object",
            ));
        };
        let mut cfg = StreamableHttpClientTransportConfig::with_uri(self.url.clone());
        cfg.auth_header = Some(self.org_api_key.expose_secret().to_string());
        let transport = StreamableHttpClientTransport::with_client(self.client.clone(), cfg);
        let timed_out = || error(UpstreamErrorKind::Timeout, format!("MCP {tool} timed out"));
        let started = std::time::Instant::now();
        let client = tokio::time::timeout(self.timeout, ().serve(transport))
            .await
            .map_err(|_| timed_out())?
            .map_err(|e| connect_error(&e.to_string()))?;
        let result = tokio::time::timeout(
            self.timeout,
            client.call_tool(CallToolRequestParams::new(tool).with_arguments(arguments)),
        )
        .await;
        let _ = client.cancel().await;
        let result = result
            .map_err(|_| timed_out())?
            .map_err(|e| connect_error(&e.to_string()))?;
        let text: String = result
            .content
            .iter()
            .filter_map(|c| c.as_text().map(|t| t.text.clone()))
            .collect::<Vec<_>>()
            .join("\n");
        let ms = started.elapsed().as_millis() as u64;
        if result.is_error == Some(true) {
            tracing::warn!(provider = "biometric_kz", tool, ms, "MCP tool refused");
            return Err(error(
                UpstreamErrorKind::Rejected,
                if text.is_empty() {
                    "the tool failed".into()
                } else {
                    text
                },
            ));
        }
        tracing::info!(provider = "biometric_kz", tool, ms, "MCP tool called");
        Ok(result
            .structured_content
            .or_else(|| serde_json::from_str(&text).ok())
            .unwrap_or(Value::String(text)))
    }

    /// Finalises a session that a Cabinet reviewer took into IN_REVIEW.
    pub async fn update_status(
        &self,
        session_id: &str,
        status: FinalStatus,
        note: &str,
    ) -> Result<Value, UpstreamError> {
        self.call(
            "update_flow_session_status",
            json!({
                "session_id": session_id,
                "request_data": { "status": status.as_str(), "content": note },
            }),
        )
        .await
    }

    /// Adds a MESSAGE review (the audit trail upstream).
    pub async fn create_review(
        &self,
        session_id: &str,
        text: &str,
    ) -> Result<Value, UpstreamError> {
        self.call(
            "create_flow_session_review",
            json!({ "session_id": session_id, "request_data": { "text_content": text } }),
        )
        .await
    }

    pub async fn list_reviews(&self, session_id: &str) -> Result<Value, UpstreamError> {
        self.call(
            "list_flow_session_reviews",
            json!({ "session_id": session_id }),
        )
        .await
    }
}

fn connect_error(message: &str) -> UpstreamError {
    // rmcp reports an HTTP 401 as an auth error; anything else is reachability.
    let lower = message.to_ascii_lowercase();
    if lower.contains("401") || lower.contains("unauthorized") || lower.contains("auth") {
        error(
            UpstreamErrorKind::Unauthorized,
            "the MCP server refused the organization key",
        )
    } else {
        error(
            UpstreamErrorKind::Unreachable,
            "the MCP server could not be reached",
        )
    }
}
