//! biometric.kz: the "Flows" REST API under `/api/v1/flows/session/` and
//! the MCP server at `/mcp/`, over one set of flow sessions.
//!
//! - `POST create/` with JSON `{api_key, metadata?}` → 201 `{session_id, technologies}`.
//! - `GET result/light/?session_id&flow_api_key` (S3-style image URLs with
//!   `X-Amz-Signature`) and `GET result/?…` (base64 images inline).
//! - MCP tools over the same sessions (`mcp.rs`).
//!
//! No Authorization header on REST: the flow key travels in the body or the
//! query. Errors are Django-REST-framework style (`{"detail": …}`, field
//! errors as `{"field": ["…"]}`) — our assumption, the vendor documents none.
//!
//! Walk-ins: a session id in the walk-in range (`scenarios::bio_ids::is_walk_in`)
//! becomes a new moving session the first time a REST result or MCP call names
//! it (`BioState::admit_walk_in`).
//!
//! | file | what |
//! |---|---|
//! | `blocks.rs` | the result blocks, one per technology (liveness, document, face, e-gov, AML) |
//! | `session.rs` | a flow session: its status over polls, and how it renders |
//! | `state.rs` | the sessions (scenario catalogue and walk-ins) and what the MCP tools change |
//! | `rest.rs` | the REST endpoints and the images behind their URLs |
//! | `mcp.rs` | the MCP server (organization key, tools) |

mod blocks;
mod mcp;
mod rest;
mod session;
mod state;

pub(super) use self::rest::media;
pub(super) use self::state::BioState;

use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde_json::json;

use super::{json_response, Sandbox};

/// The REST endpoints and the MCP server.
pub(super) fn routes(sandbox: &Sandbox) -> Router<Sandbox> {
    Router::new()
        .route("/api/v1/flows/session/create/", post(rest::create))
        .route("/api/v1/flows/session/result/", get(rest::result_full))
        .route(
            "/api/v1/flows/session/result/light/",
            get(rest::result_light),
        )
        .merge(mcp::routes(sandbox.clone()))
}

/// `{"detail": message}` with the given status.
pub(super) fn error(status: StatusCode, message: &str) -> Response {
    let detail = if status == StatusCode::TOO_MANY_REQUESTS {
        "Request was throttled. Expected available in 1 second."
    } else {
        message
    };
    json_response(status, &json!({ "detail": detail }))
}
