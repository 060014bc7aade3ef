//! Browser security: the same-origin rule for every state-changing request,
//! and the headers on every response (CSP with a per-response nonce).

use super::config::TrustedProxies;
use super::db::audit::Origin;
use super::state::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, Extensions, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::{IpAddr, SocketAddr};

/// The nonce of this response's Content-Security-Policy.
#[derive(Debug, Clone)]
pub struct CspNonce(pub String);

/// Rejects every request that could change something (anything but GET,
/// HEAD and OPTIONS) unless the browser says it came from our own pages:
/// `Sec-Fetch-Site: same-origin` (or `none`, typed by the user), or, from
/// browsers without Fetch Metadata, an `Origin` equal to our own host.
///
/// The JSON API (`/api/v1/…`) is exempt: it authenticates by bearer token
/// only and reads no cookies, so a forged cross-site request has nothing to
/// ride on (and a client without a token gets an honest 401).
pub async fn same_origin_only(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        || is_same_origin(&req)
        || is_token_api_call(&req)
    {
        return next.run(req).await;
    }
    tracing::warn!(path = %req.uri().path(), "cross-site request refused");
    (StatusCode::FORBIDDEN, "Cross-site request refused.").into_response()
}

fn is_token_api_call(req: &Request) -> bool {
    req.uri().path().starts_with("/api/v1/")
}

fn is_same_origin(req: &Request) -> bool {
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site") {
        return site == "same-origin" || site == "none";
    }
    let (Some(origin), Some(host)) = (headers.get(header::ORIGIN), headers.get(header::HOST))
    else {
        return false;
    };
    let (Ok(origin), Ok(host)) = (origin.to_str(), host.to_str()) else {
        return false;
    };
    origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .is_some_and(|authority| authority.eq_ignore_ascii_case(host))
}

/// Adds the security headers. HTML gets a CSP whose script nonce is made
/// fresh for this response and handed to Leptos through [`CspNonce`].
pub async fn security_headers(
    State(st): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let nonce = new_nonce();
    req.extensions_mut().insert(CspNonce(nonce.clone()));
    let is_asset = req.uri().path().starts_with("/pkg/");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let is_html = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html {
        // Single sign-on's form goes on (a redirect) to the identity provider.
        let sso = st
            .oidc
            .as_ref()
            .map(|o| format!(" {}", o.form_action_origins()))
            .unwrap_or_default();
        let csp = format!(
            "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; \
             style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
             object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'{sso}"
        );
        if let Ok(v) = HeaderValue::from_str(&csp) {
            h.insert(header::CONTENT_SECURITY_POLICY, v);
        }
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    if !is_asset {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if st.settings.cookie_secure {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    res
}

fn new_nonce() -> String {
    use base64::Engine as _;
    use rand::RngCore as _;
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Hands this response's nonce to Leptos (called while rendering the shell),
/// so the hydration scripts carry it.
pub fn provide_nonce() {
    use leptos::prelude::{provide_context, use_context};
    let nonce = use_context::<axum::http::request::Parts>()
        .and_then(|p| p.extensions.get::<CspNonce>().cloned());
    if let Some(CspNonce(n)) = nonce {
        provide_context(leptos::nonce::Nonce::from_value(n));
    }
}

/// The request's id and the keyed hash of its client address.
pub fn request_origin(st: &AppState, headers: &HeaderMap, extensions: &Extensions) -> Origin {
    let request_id = headers
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let client_hash = client_addr(&st.settings.trusted_proxies, headers, extensions)
        .map(|ip| st.keyed_hash("client", ip.to_string().as_bytes()));
    Origin {
        request_id,
        client_hash,
    }
}

/// The client's address: the connection's peer, unless the peer is a
/// trusted proxy; then the right-most address of `X-Forwarded-For` that is
/// not a trusted proxy (addresses to its left are the client's own claims).
/// An entry that is not an address ends the walk at the last trusted hop.
pub fn client_addr(
    trusted: &TrustedProxies,
    headers: &HeaderMap,
    extensions: &Extensions,
) -> Option<IpAddr> {
    let ConnectInfo(peer) = extensions.get::<ConnectInfo<SocketAddr>>()?;
    let mut client = peer.ip().to_canonical();
    if !trusted.contains(client) {
        return Some(client);
    }
    let forwarded: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    for entry in forwarded.into_iter().rev() {
        let entry = entry.trim();
        let Some(ip) = entry
            .parse::<IpAddr>()
            .or_else(|_| entry.parse::<SocketAddr>().map(|a| a.ip()))
            .ok()
        else {
            break;
        };
        client = ip.to_canonical();
        if !trusted.contains(client) {
            break;
        }
    }
    Some(client)
}

const REQUEST_ID: &str = "x-request-id";

/// Is a client's request id short and plain enough to keep (it reaches the
/// logs, the audit trail and error answers)? 1 to 64 of `A-Z a-z 0-9 . _ -`.
fn is_plain_request_id(id: &[u8]) -> bool {
    (1..=64).contains(&id.len())
        && id
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Keeps a client's `x-request-id` only when it is one plain id; drops any
/// other, so the request gets a fresh one (the next layer makes it).
pub async fn only_plain_request_ids(mut req: Request, next: Next) -> Response {
    let mut ids = req.headers().get_all(REQUEST_ID).iter();
    let keep = match (ids.next(), ids.next()) {
        (None, _) => true,
        (Some(id), None) => is_plain_request_id(id.as_bytes()),
        (Some(_), Some(_)) => false,
    };
    if !keep {
        req.headers_mut().remove(REQUEST_ID);
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_short_plain_request_ids_are_kept() {
        for id in [
            "a",
            "req-1_2.3",
            "550e8400-e29b-41d4-a716-446655440000",
            &"x".repeat(64),
        ] {
            assert!(is_plain_request_id(id.as_bytes()), "{id}");
        }
        for id in [
            "",
            "has space",
            "semi;colon",
            "quote\"",
            "<b>",
            "ü",
            &"x".repeat(65),
        ] {
            assert!(!is_plain_request_id(id.as_bytes()), "{id}");
        }
    }

    fn client(trusted: &str, peer: &str, forwarded: &[&str]) -> Option<IpAddr> {
        let trusted = TrustedProxies::from_list(trusted);
        let mut headers = HeaderMap::new();
        for f in forwarded {
            headers.append("x-forwarded-for", HeaderValue::from_str(f).expect("header"));
        }
        let mut extensions = Extensions::new();
        extensions.insert(ConnectInfo(peer.parse::<SocketAddr>().expect("peer")));
        client_addr(&trusted, &headers, &extensions)
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().expect("ip"))
    }

    #[test]
    fn the_client_is_the_peer_unless_the_peer_is_a_trusted_proxy() {
        let p = "10.0.0.5:4000";
        // No proxy trusted, or another one: the header is ignored.
        assert_eq!(client("", p, &["203.0.113.1"]), ip("10.0.0.5"));
        assert_eq!(client("10.0.1.0/24", p, &["203.0.113.1"]), ip("10.0.0.5"));
        // A trusted proxy: the right-most address it did not add itself.
        assert_eq!(
            client("10.0.0.0/24", p, &["203.0.113.1"]),
            ip("203.0.113.1")
        );
        assert_eq!(
            client("10.0.0.0/24", p, &["198.51.100.9, 203.0.113.1"]),
            ip("203.0.113.1"),
            "what the client claims to the left is not believed"
        );
        assert_eq!(
            client("10.0.0.0/24", p, &["198.51.100.9", "203.0.113.1, 10.0.0.7"]),
            ip("203.0.113.1"),
            "a chain of trusted proxies, over two headers"
        );
        assert_eq!(client("10.0.0.0/24", p, &[]), ip("10.0.0.5"));
        assert_eq!(
            client("10.0.0.0/24", p, &["nonsense, 10.0.0.7"]),
            ip("10.0.0.7"),
            "an unreadable entry stops at the last trusted hop"
        );
        assert_eq!(
            client("10.0.0.0/24", p, &["[2001:db8::1]:443"]),
            ip("2001:db8::1")
        );
        assert_eq!(
            client("10.0.0.0/24", "[::ffff:10.0.0.5]:4000", &["203.0.113.1"]),
            ip("203.0.113.1"),
            "an IPv4 peer on an IPv6 socket"
        );
    }
}
