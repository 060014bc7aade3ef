//! How a gateway request proves who sent it: the API key, the domain and
//! the body's HMAC signature.

use axum::http::HeaderMap;
use axum::response::Response;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::unauthorized;
use crate::server::sandbox::{query_param, SandboxConfig};

// ===========================================================================
// REQUEST SIGNING — OUR DOCUMENTED ASSUMPTION (the vendor's recipe is unpublished)
//
//   POST /gateway/{method}?apiKey=<api key>
//   x-domain:    <domain id>
//   x-signature: lowercase hex( HMAC-SHA256( key = api secret, message = raw request body ) )
//
// This is the only place the sandbox checks it; change it here when WIDTH
// confirms the real scheme.
// ===========================================================================
pub(super) fn verify_request(
    config: &SandboxConfig,
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(), Response> {
    match query_param(query, "apiKey") {
        None => return Err(unauthorized("missing apiKey query parameter")),
        Some(key) if key != config.width_api_key => return Err(unauthorized("unknown apiKey")),
        Some(_) => {}
    }
    match headers.get("x-domain").and_then(|v| v.to_str().ok()) {
        None => return Err(unauthorized("missing x-domain header")),
        Some(domain) if domain != config.width_domain_id => {
            return Err(unauthorized("x-domain does not belong to this apiKey"))
        }
        Some(_) => {}
    }
    let signature = headers
        .get("x-signature")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| unauthorized("missing x-signature header"))?;
    if signature.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(unauthorized("x-signature must be lowercase hex"));
    }
    let signature = hex::decode(signature).map_err(|_| unauthorized("invalid x-signature"))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(config.width_api_secret.as_bytes())
        .map_err(|_| unauthorized("invalid x-signature"))?;
    mac.update(body);
    mac.verify_slice(&signature)
        .map_err(|_| unauthorized("invalid x-signature"))
}
