//! Provide `ident` KYC applications, under `/api/v1` (legacy `kyc/` package
//! at commit 9bda849).
//!
//! - `GET /kyc_applications?status=&page=&rpp=` (1-based page, rpp 25,
//!   `created_at` DESC, `X-Total-Results-Count`).
//! - `GET /kyc_applications/{id}` (detail with `params` and `provider_representation`).
//! - `PUT /kyc_applications/{id}` `{status}` → 202 (any string is saved, as the
//!   real handler does).
//! - `POST /kyc_applications` → 201 `pending`, `identifier: null`, then
//!   `submitted` → `accepted` over detail polls.
//!
//! Walk-ins: an application id in the walk-in range
//! (`scenarios::ident_ids::is_walk_in`) becomes a new pending application the
//! first time a detail GET or a PUT names it (`IdentState::admit_walk_in`); the
//! list shows it from then on.
//!
//! Auth mirrors the real middleware, which splits the header on the exact
//! lower-case `"bearer "`: `Authorization: Bearer …` → 401 `{"message":"unauthorized"}`.
//!
//! | file | what |
//! |---|---|
//! | `record.rs` | an application: its list form, its detail, how it moves over polls |
//! | `representations.rs` | what the providers behind ident answer (Vouched jobs, IdentityMind) |
//! | `state.rs` | the applications (seeds, scenario catalogue, walk-ins) |
//! | `handlers.rs` | the endpoints and their bearer check |

mod handlers;
mod record;
mod representations;
mod state;

pub(super) use self::state::IdentState;

use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde_json::json;

use super::{json_response, Sandbox};

const SEED_LIST: &str = include_str!("../data/ident_list.json");
const SEED_DETAIL: &str = include_str!("../data/ident_detail_e494ee10.json");
const SEED_PUT: &str = include_str!("../data/ident_put_205d1f45.json");

pub(super) fn routes() -> Router<Sandbox> {
    Router::new()
        .route(
            "/api/v1/kyc_applications",
            get(handlers::list).post(handlers::create),
        )
        .route(
            "/api/v1/kyc_applications/{id}",
            get(handlers::detail).put(handlers::update),
        )
}

/// `{"message": …}`.
pub(super) fn error(status: StatusCode, message: &str) -> Response {
    let message = if status == StatusCode::TOO_MANY_REQUESTS {
        "too many requests"
    } else {
        message
    };
    json_response(status, &json!({ "message": message }))
}
