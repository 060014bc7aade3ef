//! biometric.kz MCP server at `/mcp/` (and `/mcp`): MCP over Streamable HTTP,
//! built with rmcp (`StreamableHttpService`, `#[tool_router]`). It runs
//! stateless with plain JSON responses, which the Streamable HTTP transport
//! allows and which keeps the sandbox free of per-client sessions.
//!
//! Auth: `Authorization: Bearer <organization key>` or `X-Org-API-Key: <key>`;
//! anything else → HTTP 401 with `WWW-Authenticate: Bearer realm="kyc-mcp"`.
//!
//! Tools (results are JSON text content; refusals are tool errors, `isError`):
//! `get_organization`, `get_flow_session`, `get_flow_session_light_result`,
//! `update_flow_session_status` (only IN_REVIEW → APPROVED | DECLINED),
//! `create_flow_session_review`, `list_flow_session_reviews`.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use axum::Router;
use rmcp::handler::server::common::Extension;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{CallToolResult, ContentBlock, Implementation, ServerCapabilities, ServerConfig};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{schemars, tool, tool_handler, tool_router, ErrorData, ServerHandler};
use serde::Deserialize;
use serde_json::{json, Value};

use super::session::Images;
use crate::server::sandbox::Sandbox;

pub(super) fn routes(sandbox: Sandbox) -> Router<Sandbox> {
    let factory_sandbox = sandbox.clone();
    let service = StreamableHttpService::new(
        move || Ok(KycMcp::new(factory_sandbox.clone())),
        Arc::new(LocalSessionManager::default()),
        StreamableHttpServerConfig::default()
            .with_legacy_session_mode(false)
            .with_json_response(true)
            .with_sse_keep_alive(None)
            // The sandbox is reached under whatever host name the app uses.
            .disable_allowed_hosts(),
    );
    Router::new()
        .route_service("/mcp", service.clone())
        .route_service("/mcp/", service)
        .route_layer(axum::middleware::from_fn_with_state(
            sandbox,
            require_org_key,
        ))
}

/// 401 + `WWW-Authenticate: Bearer realm="kyc-mcp"` unless the org key is sent.
async fn require_org_key(State(sandbox): State<Sandbox>, request: Request, next: Next) -> Response {
    let expected = sandbox.config().biometric_org_api_key.as_str();
    let headers = request.headers();
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, key)| key.trim());
    let fallback = headers.get("x-org-api-key").and_then(|v| v.to_str().ok());
    if bearer == Some(expected) || (bearer.is_none() && fallback == Some(expected)) {
        return next.run(request).await;
    }
    let mut response = super::error(
        StatusCode::UNAUTHORIZED,
        "Invalid or missing organization API key.",
    );
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"kyc-mcp\""),
    );
    response
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
pub struct OrganizationArgs {
    /// The organization API key (optional; the connection is already authenticated).
    #[serde(default)]
    pub api_key: Option<String>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
pub struct SessionArgs {
    /// The flow session id (uuid).
    pub session_id: String,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
pub struct StatusRequest {
    /// `APPROVED` or `DECLINED`.
    pub status: String,
    /// The reviewer's note.
    #[serde(default)]
    pub content: Option<String>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
pub struct UpdateStatusArgs {
    /// The flow session id (uuid).
    pub session_id: String,
    /// The decision.
    pub request_data: StatusRequest,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
pub struct ReviewRequest {
    /// The review message.
    pub text_content: String,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
pub struct CreateReviewArgs {
    /// The flow session id (uuid).
    pub session_id: String,
    /// The review.
    pub request_data: ReviewRequest,
}

/// The MCP server; one per request (stateless), all sharing the sandbox state.
#[derive(Clone)]
pub struct KycMcp {
    sandbox: Sandbox,
}

fn ok_json(value: &Value) -> Result<CallToolResult, ErrorData> {
    Ok(CallToolResult::success(vec![ContentBlock::text(
        value.to_string(),
    )]))
}

fn tool_error(message: impl Into<String>) -> Result<CallToolResult, ErrorData> {
    Ok(CallToolResult::error(vec![ContentBlock::text(
        message.into(),
    )]))
}

fn host(parts: &Parts) -> String {
    parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost")
        .to_string()
}

#[tool_router]
impl KycMcp {
    fn new(sandbox: Sandbox) -> KycMcp {
        KycMcp { sandbox }
    }

    #[tool(description = "Organization identity and status (TEST / DEMO / PRODUCTION).")]
    async fn get_organization(
        &self,
        Parameters(args): Parameters<OrganizationArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        if let Some(key) = args.api_key {
            if key != self.sandbox.config().biometric_org_api_key {
                return tool_error("Invalid organization API key");
            }
        }
        ok_json(&json!({
            "id": "0b9e5a8c-1d2f-4e3a-9b7c-5d6e7f8a9b0c",
            "name": "KYC Desk Sandbox",
            "status": "TEST",
            "created_at": "2026-01-15T09:00:00Z",
        }))
    }

    #[tool(description = "LLM-friendly view of a flow session, without media URLs.")]
    async fn get_flow_session(
        &self,
        Parameters(args): Parameters<SessionArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        let view = self
            .sandbox
            .state()
            .bio
            .view(&args.session_id, Images::Omit, "");
        match view {
            Some(view) => ok_json(&view),
            None => tool_error(format!("Flow session {} not found", args.session_id)),
        }
    }

    #[tool(description = "Flow session result with short-lived S3 image URLs.")]
    async fn get_flow_session_light_result(
        &self,
        Parameters(args): Parameters<SessionArgs>,
        Extension(parts): Extension<Parts>,
    ) -> Result<CallToolResult, ErrorData> {
        let view = self
            .sandbox
            .state()
            .bio
            .view(&args.session_id, Images::Light, &host(&parts));
        match view {
            Some(view) => ok_json(&view),
            None => tool_error(format!("Flow session {} not found", args.session_id)),
        }
    }

    #[tool(
        description = "Manually finalise a flow session that is IN_REVIEW: request_data = {status: APPROVED | DECLINED, content: note}."
    )]
    async fn update_flow_session_status(
        &self,
        Parameters(args): Parameters<UpdateStatusArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        let outcome = self.sandbox.state().bio.finalise(
            &args.session_id,
            &args.request_data.status,
            args.request_data.content.as_deref(),
        );
        match outcome {
            Ok(value) => ok_json(&value),
            Err(message) => tool_error(message),
        }
    }

    #[tool(description = "Add a MESSAGE review to a flow session: request_data = {text_content}.")]
    async fn create_flow_session_review(
        &self,
        Parameters(args): Parameters<CreateReviewArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        let outcome = self
            .sandbox
            .state()
            .bio
            .add_review(&args.session_id, &args.request_data.text_content);
        match outcome {
            Ok(value) => ok_json(&value),
            Err(message) => tool_error(message),
        }
    }

    #[tool(description = "The reviews (audit trail) of a flow session.")]
    async fn list_flow_session_reviews(
        &self,
        Parameters(args): Parameters<SessionArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        let outcome = self.sandbox.state().bio.reviews(&args.session_id);
        match outcome {
            Ok(value) => ok_json(&value),
            Err(message) => tool_error(message),
        }
    }
}

#[tool_handler]
impl ServerHandler for KycMcp {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("kyc-mcp-sandbox", env!("CARGO_PKG_VERSION")))
            .with_instructions(
                "biometric.kz KYC platform (sandbox). Finalise IN_REVIEW sessions with update_flow_session_status.",
            )
    }
}
