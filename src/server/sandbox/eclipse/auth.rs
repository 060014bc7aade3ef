//! Login and renew, the HS256 JWTs they issue (with `exp`, and the
//! generation `POST /__sandbox/eclipse/expire-tokens` bumps), and the check
//! every tenant-scoped KYC call starts with.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use super::{customer_not_found, error, parse_body, unauthorized};
use crate::server::sandbox::scenarios::eclipse_ids as ids;
use crate::server::sandbox::{
    b64_decode, b64_encode, json_response, now_secs, random_hex, uuid_v4, Sandbox, B64_URL,
};

/// The second identity (same password) whose role lacks KYC permissions.
const VIEWER_IDENTITY: &str = "sandbox-viewer";
const ADMIN_ROLES: [&str; 1] = ["TENANT_ADMIN"];
const VIEWER_ROLES: [&str; 1] = ["TENANT_VIEWER"];

struct Claims {
    identity: String,
    roles: Vec<String>,
    tenant_id: String,
}

fn sign(sandbox: &Sandbox, signing_input: &str) -> Vec<u8> {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
    match Hmac::<Sha256>::new_from_slice(&sandbox.shared.jwt_secret) {
        Ok(mut mac) => {
            mac.update(signing_input.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

fn issue_jwt(sandbox: &Sandbox, identity: &str, roles: &[&str]) -> (String, u64, String) {
    let now = now_secs();
    let exp = now + sandbox.config().eclipse_token_ttl_secs;
    let session_id = uuid_v4();
    let header = json!({"alg": "HS256", "typ": "JWT"});
    let claims = json!({
        "sub": identity,
        "roles": roles,
        "tenantId": ids::TENANT.parse::<u64>().unwrap_or(100),
        "sessionId": session_id,
        "iat": now,
        "exp": exp,
        "gen": sandbox.token_generation(),
        "jti": random_hex(8),
    });
    let signing_input = format!(
        "{}.{}",
        b64_encode(header.to_string().as_bytes(), B64_URL, false),
        b64_encode(claims.to_string().as_bytes(), B64_URL, false)
    );
    let signature = b64_encode(&sign(sandbox, &signing_input), B64_URL, false);
    (format!("{signing_input}.{signature}"), exp, session_id)
}

/// Verifies a JWT: signature, `exp`, and the expire-tokens generation.
fn verify_jwt(sandbox: &Sandbox, jwt: &str) -> Result<Claims, Response> {
    let malformed = || unauthorized("JWT is malformed or its signature is invalid");
    let mut parts = jwt.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed());
    };
    let expected = sign(sandbox, &format!("{h}.{p}"));
    let given = b64_decode(s).ok_or_else(malformed)?;
    if expected.is_empty() || !constant_time_eq(&expected, &given) {
        return Err(malformed());
    }
    let claims: Value = b64_decode(p)
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(malformed)?;
    let exp = claims.get("exp").and_then(Value::as_u64).unwrap_or(0);
    let generation = claims.get("gen").and_then(Value::as_u64).unwrap_or(0);
    if exp <= now_secs() || generation < sandbox.token_generation() {
        return Err(unauthorized("JWT has expired"));
    }
    Ok(Claims {
        identity: claims
            .get("sub")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        roles: claims
            .get("roles")
            .and_then(Value::as_array)
            .map(|roles| {
                roles
                    .iter()
                    .filter_map(|r| r.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
        tenant_id: claims
            .get("tenantId")
            .map(|t| match t {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .unwrap_or_default(),
    })
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn bearer(headers: &HeaderMap) -> Result<String, Response> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or_else(|| unauthorized("No JWT provided"))?
        .to_str()
        .map_err(|_| unauthorized("Malformed Authorization header"))?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() => {
            Ok(token.trim().to_string())
        }
        _ => Err(unauthorized("Malformed Authorization header")),
    }
}

/// Authenticates and authorises a tenant-scoped KYC call.
pub(super) fn authorise(
    sandbox: &Sandbox,
    headers: &HeaderMap,
    tenant_id: &str,
) -> Result<(), Response> {
    let claims = verify_jwt(sandbox, &bearer(headers)?)?;
    if !claims.roles.iter().any(|r| r == "TENANT_ADMIN") {
        return Err(error(
            StatusCode::FORBIDDEN,
            "SEC001",
            "Caller role does not have KYC management permissions",
        ));
    }
    if claims.tenant_id != tenant_id {
        return Err(customer_not_found());
    }
    Ok(())
}

fn login_response(sandbox: &Sandbox, identity: &str, roles: &[&str]) -> Response {
    let (jwt, exp, session_id) = issue_jwt(sandbox, identity, roles);
    json_response(
        StatusCode::OK,
        &json!({
            "headerName": "Authorization",
            "headerValue": format!("Bearer {jwt}"),
            "sessionId": session_id,
            "roles": roles,
            "csrfHeaderName": "X-CSRF-TOKEN",
            "csrfToken": random_hex(16),
            "expiresEpochSecs": exp,
        }),
    )
}

pub(super) async fn login(State(sandbox): State<Sandbox>, body: Bytes) -> Response {
    let body = match parse_body(&body) {
        Ok(body) => body,
        Err(response) => return response,
    };
    let identity = body.get("identity").and_then(Value::as_str);
    let password = body.get("password").and_then(Value::as_str);
    let (Some(identity), Some(password)) = (identity, password) else {
        return error(
            StatusCode::BAD_REQUEST,
            "VAL001",
            "identity and password are required",
        );
    };
    let config = sandbox.config();
    if password == config.eclipse_password && identity == config.eclipse_identity {
        login_response(&sandbox, identity, &ADMIN_ROLES)
    } else if password == config.eclipse_password && identity == VIEWER_IDENTITY {
        login_response(&sandbox, identity, &VIEWER_ROLES)
    } else {
        error(
            StatusCode::UNAUTHORIZED,
            "USR002",
            "Invalid identity or password",
        )
    }
}

pub(super) async fn renew(
    State(sandbox): State<Sandbox>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body = match parse_body(&body) {
        Ok(body) => body,
        Err(response) => return response,
    };
    let jwt = match body.get("jwt").and_then(Value::as_str) {
        Some(jwt) => jwt.to_string(),
        None => match bearer(&headers) {
            Ok(jwt) => jwt,
            Err(response) => return response,
        },
    };
    let claims = match verify_jwt(&sandbox, &jwt) {
        Ok(claims) => claims,
        Err(response) => return response,
    };
    let roles: Vec<&str> = claims.roles.iter().map(String::as_str).collect();
    login_response(&sandbox, &claims.identity, &roles)
}
