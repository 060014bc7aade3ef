//! WIDTH Identity workflow gateway: `POST /gateway/{method}` with a JSON body.
//!
//! Methods: `workflow.applicant.register` (idempotent), `workflow.apply.submit`
//! (new execution: RUNNING → WAITING particular → WAITING liveness → automatic
//! screen check → COMPLETED, one step per `polls_to_settle` status polls),
//! `workflow.execution.status`, and the node submissions (`workflow.kyc.ocr`,
//! `.ocr.data`, `.particular.data`, `.liveness.data`, `.otp.send`, `.otp.verify`,
//! `.required.doc`, `.required.doc.submit`, `.required.form`) with the seed's
//! request shapes (JSON-encoded string fields). Unknown method → 404.
//!
//! Walk-ins: an execution id in the walk-in range
//! (`scenarios::width_ids::walk_in_suffix`) becomes a new running execution the
//! first time a call names it as `executionId` (`WidthState::admit_walk_in`).
//!
//! Errors are `{"code": "<GRPC_STYLE_CODE>", "message": …}` — the vendor
//! publishes no envelope; `UNAUTHORIZED`, `INVALID_ARGUMENT`, `NOT_FOUND`,
//! `FAILED_PRECONDITION`, `RESOURCE_EXHAUSTED`, `INTERNAL` and `UNAVAILABLE`
//! are our assumption.
//!
//! | file | what |
//! |---|---|
//! | `signing.rs` | the request signature check (our documented assumption) |
//! | `execution.rs` | a workflow execution: its nodes, how polls and submissions move it |
//! | `state.rs` | applicants and executions (scenario catalogue and walk-ins) |
//! | `gateway.rs` | `POST /gateway/{method}`: one function per method |

mod execution;
mod gateway;
mod signing;
mod state;

pub(super) use self::state::WidthState;

use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use serde_json::json;

use super::{json_response, Sandbox};

pub(super) fn routes() -> Router<Sandbox> {
    Router::new().route("/gateway/{method}", post(gateway::gateway))
}

pub(super) fn error(status: StatusCode, code: &str, message: &str) -> Response {
    json_response(status, &json!({"code": code, "message": message}))
}

pub(super) fn error_for_status(status: StatusCode, message: &str) -> Response {
    let code = match status.as_u16() {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHORIZED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        409 => "ALREADY_EXISTS",
        429 => "RESOURCE_EXHAUSTED",
        503 => "UNAVAILABLE",
        504 => "DEADLINE_EXCEEDED",
        _ if status.is_client_error() => "FAILED_PRECONDITION",
        _ => "INTERNAL",
    };
    let message = if status == StatusCode::TOO_MANY_REQUESTS {
        "rate limit exceeded, retry later"
    } else {
        message
    };
    error(status, code, message)
}

fn invalid(message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, "INVALID_ARGUMENT", message)
}

fn precondition(message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, "FAILED_PRECONDITION", message)
}

fn unauthorized(message: &str) -> Response {
    error(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", message)
}
