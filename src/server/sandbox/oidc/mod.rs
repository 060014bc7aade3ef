//! A stand-in **OpenID Connect identity provider** under `/oidc` (the issuer is
//! `http://<sandbox>/oidc`), for single sign-on in demo mode and tests. Not an upstream KYC
//! contract: written from OpenID Connect Core 1.0 and Discovery 1.0, by hand, like the rest of
//! the sandbox.
//!
//! - `GET /oidc/.well-known/openid-configuration`: discovery (code flow, S256 PKCE, EdDSA)
//! - `GET /oidc/jwks`: the signing key (Ed25519, random per sandbox)
//! - `GET /oidc/authorize`: the sign-in page of the identity provider: whom to sign in as, and
//!   how the answer should go wrong, for tests (`answer`)
//! - `GET /oidc/approve`: that page's form; redirects to the client's `redirect_uri` with a
//!   one-time `code` and the `state`
//! - `POST /oidc/token`: client authentication (HTTP Basic, or `client_secret_post`), the code
//!   (once), PKCE, the redirect URI; answers with a signed ID token
//!
//! `answer` is one of `ok` (default), `mfa` (`amr: ["pwd", "mfa"]`), `bad_signature`,
//! `wrong_issuer`, `wrong_audience`, `expired`, `replayed_nonce` (the nonce of the sign-in
//! before this one), `wrong_state`, `unverified_email`. The e-mail typed is the token's `email`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use ed25519_dalek::{Signer, SigningKey};
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::{json_response, Sandbox};

const KEY_ID: &str = "sandbox-ed25519";
const CODE_TTL_SECS: u64 = 60;
const TOKEN_TTL_SECS: u64 = 300;

/// The identity provider's state: its key, the codes it handed out, the last nonce.
pub(super) struct Issuer {
    key: SigningKey,
    codes: Mutex<HashMap<String, Grant>>,
    last_nonce: Mutex<Option<String>>,
}

impl Issuer {
    pub(super) fn new() -> Issuer {
        Issuer {
            key: SigningKey::generate(&mut rand::rngs::OsRng),
            codes: Mutex::default(),
            last_nonce: Mutex::default(),
        }
    }
}

/// What a code stands for until the client redeems it.
#[derive(Clone)]
struct Grant {
    email: String,
    answer: String,
    nonce: Option<String>,
    client_id: String,
    redirect_uri: String,
    code_challenge: Option<String>,
    issued_at: u64,
}

pub(super) fn routes() -> Router<Sandbox> {
    Router::new()
        .route("/oidc/.well-known/openid-configuration", get(discovery))
        .route("/oidc/jwks", get(jwks))
        .route("/oidc/authorize", get(authorize))
        .route("/oidc/approve", get(approve))
        .route("/oidc/token", post(token))
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// This issuer's identifier, as the client reached it.
fn issuer(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("http://{host}/oidc")
}

async fn discovery(headers: HeaderMap) -> Response {
    let iss = issuer(&headers);
    json_response(
        StatusCode::OK,
        &json!({
            "issuer": iss,
            "authorization_endpoint": format!("{iss}/authorize"),
            "token_endpoint": format!("{iss}/token"),
            "jwks_uri": format!("{iss}/jwks"),
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["EdDSA"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["sub", "email", "email_verified", "name", "amr", "nonce"],
        }),
    )
}

async fn jwks(State(sandbox): State<Sandbox>) -> Response {
    let public = sandbox.shared.oidc.key.verifying_key();
    json_response(
        StatusCode::OK,
        &json!({"keys": [{
            "kty": "OKP",
            "crv": "Ed25519",
            "use": "sig",
            "alg": "EdDSA",
            "kid": KEY_ID,
            "x": URL_SAFE_NO_PAD.encode(public.as_bytes()),
        }]}),
    )
}

#[derive(Deserialize)]
struct AuthorizeQuery {
    client_id: Option<String>,
    redirect_uri: Option<String>,
    state: Option<String>,
    nonce: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
}

/// The identity provider's sign-in page: a form that carries the request on to `approve`.
async fn authorize(Query(q): Query<AuthorizeQuery>) -> Response {
    let (Some(client_id), Some(redirect_uri)) = (q.client_id, q.redirect_uri) else {
        return (
            StatusCode::BAD_REQUEST,
            "client_id and redirect_uri are required",
        )
            .into_response();
    };
    if q.code_challenge.is_some() && q.code_challenge_method.as_deref() != Some("S256") {
        return (StatusCode::BAD_REQUEST, "only S256 PKCE").into_response();
    }
    let hidden = [
        ("client_id", Some(client_id)),
        ("redirect_uri", Some(redirect_uri)),
        ("state", q.state),
        ("nonce", q.nonce),
        ("code_challenge", q.code_challenge),
    ]
    .into_iter()
    .filter_map(|(k, v)| {
        v.map(|v| format!(r#"<input type="hidden" name="{k}" value="{}">"#, escape(&v)))
    })
    .collect::<String>();
    let answers = [
        ("ok", "A good answer"),
        ("mfa", "A good answer, signed in with MFA"),
        ("bad_signature", "A bad signature"),
        ("wrong_issuer", "Another issuer"),
        ("wrong_audience", "Another audience"),
        ("expired", "An expired token"),
        ("replayed_nonce", "The nonce of the sign-in before"),
        ("wrong_state", "Another state"),
        ("unverified_email", "An unverified e-mail"),
    ]
    .iter()
    .map(|(v, label)| format!(r#"<option value="{v}">{label}</option>"#))
    .collect::<String>();
    Html(format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Sandbox identity provider</title></head>
<body><main><h1>Sandbox identity provider</h1>
<form method="get" action="approve">{hidden}
<p><label for="email">E-mail</label> <input id="email" name="email" type="email" required></p>
<p><label for="answer">Answer</label> <select id="answer" name="answer">{answers}</select></p>
<p><button type="submit">Sign in to the sandbox</button></p>
</form></main></body></html>"#
    ))
    .into_response()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[derive(Deserialize)]
struct Approval {
    client_id: String,
    redirect_uri: String,
    state: Option<String>,
    nonce: Option<String>,
    code_challenge: Option<String>,
    email: String,
    answer: Option<String>,
}

/// Hands out a one-time code and sends the browser back to the client.
async fn approve(State(sandbox): State<Sandbox>, Query(a): Query<Approval>) -> Response {
    let Ok(mut back) = reqwest::Url::parse(&a.redirect_uri) else {
        return (StatusCode::BAD_REQUEST, "redirect_uri is not a URL").into_response();
    };
    let answer = a.answer.unwrap_or_else(|| "ok".into());
    let issuer = &sandbox.shared.oidc;
    let nonce = if answer == "replayed_nonce" {
        lock(&issuer.last_nonce).clone()
    } else {
        a.nonce.clone()
    };
    if a.nonce.is_some() {
        *lock(&issuer.last_nonce) = a.nonce.clone();
    }
    let code = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 24]>());
    let state = if answer == "wrong_state" {
        Some("not-the-state-the-client-sent".to_string())
    } else {
        a.state
    };
    lock(&issuer.codes).insert(
        code.clone(),
        Grant {
            email: a.email,
            answer,
            nonce,
            client_id: a.client_id,
            redirect_uri: a.redirect_uri,
            code_challenge: a.code_challenge,
            issued_at: now(),
        },
    );
    {
        let mut q = back.query_pairs_mut();
        q.append_pair("code", &code);
        if let Some(s) = &state {
            q.append_pair("state", s);
        }
    }
    Redirect::to(back.as_str()).into_response()
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[derive(Deserialize)]
struct TokenRequest {
    grant_type: String,
    code: String,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

fn token_error(status: StatusCode, error: &str, description: &str) -> Response {
    json_response(
        status,
        &json!({"error": error, "error_description": description}),
    )
}

/// Redeems a code (once) for a signed ID token.
async fn token(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    Form(t): Form<TokenRequest>,
) -> Response {
    let cfg = sandbox.config();
    let (client_id, secret) = match basic_auth(&headers) {
        Some(pair) => pair,
        None => (
            t.client_id.clone().unwrap_or_default(),
            t.client_secret.clone().unwrap_or_default(),
        ),
    };
    if client_id != cfg.oidc_client_id || secret != cfg.oidc_client_secret {
        return token_error(StatusCode::UNAUTHORIZED, "invalid_client", "unknown client");
    }
    if t.grant_type != "authorization_code" {
        return token_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "code only",
        );
    }
    let Some(grant) = lock(&sandbox.shared.oidc.codes).remove(&t.code) else {
        return token_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "unknown or used code",
        );
    };
    let challenge = t
        .code_verifier
        .as_deref()
        .map(|v| URL_SAFE_NO_PAD.encode(Sha256::digest(v.as_bytes())));
    if grant.client_id != client_id
        || now() > grant.issued_at + CODE_TTL_SECS
        || t.redirect_uri.as_deref() != Some(grant.redirect_uri.as_str())
        || challenge != grant.code_challenge
    {
        return token_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "code does not match",
        );
    }
    let id_token = id_token(&sandbox, &issuer(&headers), &grant);
    json_response(
        StatusCode::OK,
        &json!({
            "access_token": URL_SAFE_NO_PAD.encode(rand::random::<[u8; 24]>()),
            "token_type": "Bearer",
            "expires_in": TOKEN_TTL_SECS,
            "id_token": id_token,
        }),
    )
}

fn basic_auth(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let decoded = STANDARD.decode(value.strip_prefix("Basic ")?).ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    // RFC 6749 §2.3.1: both are form-urlencoded before joining.
    let unescape = |s: &str| url_decode(s);
    Some((unescape(id), unescape(secret)))
}

fn url_decode(s: &str) -> String {
    reqwest::Url::parse(&format!("http://x/?v={s}"))
        .ok()
        .and_then(|u| u.query_pairs().next().map(|(_, v)| v.into_owned()))
        .unwrap_or_default()
}

/// The ID token for `grant`, going wrong as its `answer` asks.
fn id_token(sandbox: &Sandbox, iss: &str, grant: &Grant) -> String {
    let now = now();
    let answer = grant.answer.as_str();
    let mut claims = json!({
        "iss": if answer == "wrong_issuer" { "http://elsewhere.example/oidc" } else { iss },
        "sub": hex::encode(Sha256::digest(grant.email.as_bytes())),
        "aud": if answer == "wrong_audience" { "another-client" } else { grant.client_id.as_str() },
        "iat": if answer == "expired" { now - 3600 } else { now },
        "exp": if answer == "expired" { now - 1800 } else { now + TOKEN_TTL_SECS },
        "email": grant.email,
        "email_verified": answer != "unverified_email",
        "amr": if answer == "mfa" { json!(["pwd", "mfa"]) } else { json!(["pwd"]) },
    });
    if let (Some(nonce), Value::Object(map)) = (&grant.nonce, &mut claims) {
        map.insert("nonce".into(), json!(nonce));
    }
    let header = json!({"alg": "EdDSA", "typ": "JWT", "kid": KEY_ID});
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let mut signature = sandbox
        .shared
        .oidc
        .key
        .sign(signing_input.as_bytes())
        .to_bytes();
    if answer == "bad_signature" {
        signature[0] ^= 0x01;
    }
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
}
