//! Eclipse (Ukheshe / EFTCorp) "ratify" KYC, under `/eclipse-conductor/rest/v1`.
//!
//! - `POST /authentication/login`, `POST /authentication/renew` (HS256 JWTs that
//!   carry `exp`; `POST /__sandbox/eclipse/expire-tokens` expires all of them).
//! - `GET|POST /tenants/{t}/customers/{c}/ratify` (history newest first; POST
//!   starts a PENDING ratification that settles after `polls_to_settle` GETs).
//! - `POST /tenants/{t}/customers/{c}/documents` (AWS hosted liveness) and
//!   `PUT /tenants/{t}/documents/{id}` (liveness result).
//! - `GET /tenants/{t}/customers/{c}` (a minimal profile).
//!
//! Walk-ins: a customer id in the walk-in range of tenant `100`
//! (`scenarios::eclipse_ids::is_walk_in`) becomes a new customer the first time
//! any of these customer-scoped calls names it (`EclipseState::admit_walk_in`).
//!
//! Every error is the seed's JSON array `[{type, severity, description, code,
//! traceId, spanId, environment}]` with a fresh `traceId`.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post, put};
use axum::Router;
use hmac::{Hmac, Mac};
use serde_json::{json, Map, Value};
use sha2::Sha256;

use super::scenarios::eclipse_ids as ids;
use super::{
    b64_decode, b64_encode, iso_millis, json_response, now_millis, now_secs, query_param,
    random_hex, seed_json, uuid_v4, Sandbox, B64_URL,
};

const BASE: &str = "/eclipse-conductor/rest/v1";
const SEED_PASSED: &str = include_str!("data/eclipse_ratify_passed.json");
const SEED_FAILED: &str = include_str!("data/eclipse_ratify_failed.json");
const SEED_KYC001: &str = include_str!("data/eclipse_error_kyc001.json");
const SEED_LIVENESS_POST_REQUEST: &str = include_str!("data/eclipse_liveness_post_request.json");
const SEED_LIVENESS_POST_RESPONSE: &str = include_str!("data/eclipse_liveness_post_response.json");
const SEED_LIVENESS_PUT_RESPONSE: &str = include_str!("data/eclipse_liveness_put_response.json");

/// The second identity (same password) whose role lacks KYC permissions.
const VIEWER_IDENTITY: &str = "sandbox-viewer";
const ADMIN_ROLES: [&str; 1] = ["TENANT_ADMIN"];
const VIEWER_ROLES: [&str; 1] = ["TENANT_VIEWER"];

pub(super) fn routes() -> Router<Sandbox> {
    Router::new()
        .route(&format!("{BASE}/authentication/login"), post(login))
        .route(&format!("{BASE}/authentication/renew"), post(renew))
        .route(
            &format!("{BASE}/tenants/{{tenant_id}}/customers/{{customer_id}}"),
            get(customer_profile),
        )
        .route(
            &format!("{BASE}/tenants/{{tenant_id}}/customers/{{customer_id}}/ratify"),
            get(ratify_history).post(ratify_start),
        )
        .route(
            &format!("{BASE}/tenants/{{tenant_id}}/customers/{{customer_id}}/documents"),
            post(document_create),
        )
        .route(
            &format!("{BASE}/tenants/{{tenant_id}}/documents/{{document_id}}"),
            put(document_update),
        )
}

// ------------------------------------------------------------------ errors

/// `[{type, severity, description, code, traceId, spanId, environment}]`.
pub(super) fn error(status: StatusCode, code: &str, description: &str) -> Response {
    let (kind, severity) = if status.is_server_error() {
        ("SYSTEM", "HIGH")
    } else {
        ("BUSINESS", "LOW")
    };
    let body = json!([{
        "type": kind,
        "severity": severity,
        "description": description,
        "code": code,
        "traceId": random_hex(16),
        "spanId": random_hex(8),
        "environment": "eclipse-sandbox",
    }]);
    json_response(status, &body)
}

/// The code a status gets when no more specific one applies (faults, fallbacks).
/// `RLT001`, `SEC001`, `VAL001`, `UNK001`, `DAE001` are documented (Ukheshe's
/// application error codes); using `IAE002` ("invalid parameter") for 404 is
/// our assumption.
pub(super) fn error_for_status(status: StatusCode, message: &str) -> Response {
    let code = match status.as_u16() {
        429 => "RLT001",
        401 | 403 => "SEC001",
        404 => "IAE002",
        _ if status.is_client_error() => "VAL001",
        502..=504 => "DAE001",
        _ => "UNK001",
    };
    let description = if status == StatusCode::TOO_MANY_REQUESTS {
        "Rate limit hit. Retry in the next window"
    } else {
        message
    };
    error(status, code, description)
}

/// The seed's KYC001 array with a fresh traceId/spanId.
fn already_in_progress() -> Response {
    let mut body = seed_json(SEED_KYC001);
    if let Some(first) = body.get_mut(0).and_then(Value::as_object_mut) {
        first.insert("traceId".into(), json!(random_hex(16)));
        first.insert("spanId".into(), json!(random_hex(8)));
    }
    json_response(StatusCode::BAD_REQUEST, &body)
}

fn bad_json() -> Response {
    error(
        StatusCode::BAD_REQUEST,
        "JPE001",
        "Could not parse the JSON request body",
    )
}

fn parse_body(body: &Bytes) -> Result<Value, Response> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    serde_json::from_slice(body).map_err(|_| bad_json())
}

// -------------------------------------------------------------------- JWTs

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

fn unauthorized(description: &str) -> Response {
    error(StatusCode::UNAUTHORIZED, "SEC001", description)
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
fn authorise(sandbox: &Sandbox, headers: &HeaderMap, tenant_id: &str) -> Result<(), Response> {
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

fn customer_not_found() -> Response {
    error(StatusCode::NOT_FOUND, "IAE002", "Customer not found")
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

async fn login(State(sandbox): State<Sandbox>, body: Bytes) -> Response {
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

async fn renew(State(sandbox): State<Sandbox>, headers: HeaderMap, body: Bytes) -> Response {
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

// -------------------------------------------------------------- state

/// What a customer's (re-)ratifications settle to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Passed,
    SanctionsHit,
    LivenessFailure,
    FaceMismatch,
    NameMismatch,
    OnHold,
}

struct Customer {
    first_name: &'static str,
    last_name: &'static str,
    outcome: Outcome,
    /// Newest first.
    history: Vec<Value>,
    /// `Some(polls so far)` while the newest result is PENDING.
    pending_polls: Option<u32>,
    liveness_results: u32,
    liveness_passed: bool,
}

struct Document {
    tenant_id: String,
    customer_id: String,
    document_type: String,
    media_type: String,
    landing_url: Option<String>,
    aws_session_id: Option<String>,
    /// The PUT answer once the liveness result was fetched.
    result: Option<Value>,
    /// The seed document answers with the seed's own PUT response.
    seed: bool,
}

pub(super) struct EclipseState {
    customers: HashMap<(String, String), Customer>,
    documents: HashMap<u64, Document>,
    next_document_id: u64,
    /// completion code → landing URL, for the demo redirect page.
    completions: HashMap<String, String>,
}

fn check(passed: bool) -> Value {
    json!({"checked": true, "passed": passed, "pending": false})
}

fn check_with(passed: bool, score: Option<f64>, comment: Option<&str>) -> Value {
    let mut value = check(passed);
    if let Some(object) = value.as_object_mut() {
        if let Some(score) = score {
            object.insert("score".into(), json!(score));
        }
        if let Some(comment) = comment {
            object.insert("comment".into(), json!(comment));
        }
    }
    value
}

fn pending_check() -> Value {
    json!({"checked": false, "passed": false, "pending": true})
}

/// The settled result of an outcome.
fn settled(outcome: Outcome, liveness_passed: bool, last_modified: &str) -> Value {
    let mut checks = Map::new();
    let mut status = "PASSED";
    checks.insert("sanctionsListCheck".into(), check(true));
    checks.insert("selfieMatchesNationalIdentity".into(), check(true));
    checks.insert("nationalIdentityIsLegitimate".into(), check(true));
    match outcome {
        Outcome::Passed => {}
        Outcome::SanctionsHit => {
            // The seed FAILED shape.
            checks.remove("nationalIdentityIsLegitimate");
            checks.insert(
                "sanctionsListCheck".into(),
                check_with(false, None, Some("Match found on OFAC list")),
            );
            status = "FAILED";
        }
        Outcome::LivenessFailure => {
            checks.insert("identityNumberMatchesNationalIdentity".into(), check(true));
            if liveness_passed {
                checks.insert(
                    "selfieIsLegitimate".into(),
                    check_with(true, Some(88.41), None),
                );
            } else {
                checks.insert(
                    "selfieIsLegitimate".into(),
                    check_with(
                        false,
                        Some(31.2),
                        Some("AWS Face Liveness confidence 31.20 is below the threshold 55"),
                    ),
                );
                status = "FAILED";
            }
        }
        Outcome::FaceMismatch => {
            checks.insert(
                "selfieIsLegitimate".into(),
                check_with(true, Some(91.3), None),
            );
            checks.insert(
                "selfieMatchesNationalIdentity".into(),
                check_with(
                    false,
                    Some(0.41),
                    Some("Selfie does not match the national identity photo"),
                ),
            );
            status = "FAILED";
        }
        Outcome::NameMismatch => {
            checks.insert("identityNumberMatchesNationalIdentity".into(), check(true));
            checks.insert(
                "firstNameMatchesNationalIdentity".into(),
                check_with(
                    false,
                    Some(0.38),
                    Some("First name 'Jon' does not match 'JOHANNES' on the national identity"),
                ),
            );
            checks.insert(
                "lastNameMatchesNationalIdentity".into(),
                check_with(
                    false,
                    Some(0.52),
                    Some("Last name 'Smit' does not match 'SMITH' on the national identity"),
                ),
            );
            checks.insert("dateOfBirthMatchesNationalIdentity".into(), check(true));
            status = "FAILED";
        }
        Outcome::OnHold => {
            checks.insert(
                "sanctionsListCheck".into(),
                json!({"checked": true, "passed": false, "pending": true,
                       "comment": "Potential match held for manual screening"}),
            );
            status = "ON_HOLD";
        }
    }
    let mut result = Map::new();
    result.insert("status".into(), json!(status));
    result.insert("lastModified".into(), json!(last_modified));
    result.extend(checks);
    Value::Object(result)
}

/// A PENDING result carrying the outcome's check names, every one pending.
fn pending(outcome: Outcome, last_modified: &str) -> Value {
    let mut result = settled(outcome, false, last_modified);
    if let Some(object) = result.as_object_mut() {
        for (key, value) in object.iter_mut() {
            if value.is_object() {
                *value = pending_check();
            } else if key == "status" {
                *value = json!("PENDING");
            }
        }
    }
    result
}

fn seed_array(text: &str) -> Vec<Value> {
    match seed_json(text) {
        Value::Array(items) => items,
        _ => Vec::new(),
    }
}

impl EclipseState {
    pub(super) fn seeded() -> EclipseState {
        let mut customers = HashMap::new();
        let mut add = |id: &str,
                       first_name: &'static str,
                       last_name: &'static str,
                       outcome: Outcome,
                       history: Vec<Value>,
                       pending_polls: Option<u32>| {
            customers.insert(
                (ids::TENANT.to_string(), id.to_string()),
                Customer {
                    first_name,
                    last_name,
                    outcome,
                    history,
                    pending_polls,
                    liveness_results: 0,
                    liveness_passed: false,
                },
            );
        };
        add(
            ids::CLEAN_PASS,
            "Thandi",
            "Mokoena",
            Outcome::Passed,
            seed_array(SEED_PASSED),
            None,
        );
        add(
            ids::SANCTIONS_HIT,
            "Viktor",
            "Petrov",
            Outcome::SanctionsHit,
            seed_array(SEED_FAILED),
            None,
        );
        add(
            ids::LIVENESS_FAILURE,
            "Amara",
            "Okafor",
            Outcome::LivenessFailure,
            vec![settled(
                Outcome::LivenessFailure,
                false,
                "2026-05-18T14:02:11.000Z",
            )],
            None,
        );
        add(
            ids::FACE_MISMATCH,
            "Lebo",
            "Dlamini",
            Outcome::FaceMismatch,
            vec![settled(
                Outcome::FaceMismatch,
                false,
                "2026-05-17T09:45:00.000Z",
            )],
            None,
        );
        add(
            ids::NAME_MISMATCH,
            "Jon",
            "Smit",
            Outcome::NameMismatch,
            vec![
                settled(Outcome::NameMismatch, false, "2026-05-16T11:20:05.000Z"),
                settled(Outcome::NameMismatch, false, "2026-05-02T07:13:44.000Z"),
            ],
            None,
        );
        add(
            ids::UNKNOWN_STATUS,
            "Pieter",
            "van Wyk",
            Outcome::OnHold,
            vec![settled(Outcome::OnHold, false, "2026-05-15T16:00:00.000Z")],
            None,
        );
        add(
            ids::PENDING_THEN_PASSED,
            "Naledi",
            "Khumalo",
            Outcome::Passed,
            vec![pending(Outcome::Passed, "2026-05-19T08:29:55.000Z")],
            Some(0),
        );
        add(
            ids::NEVER_RATIFIED,
            "Sipho",
            "Ndlovu",
            Outcome::Passed,
            Vec::new(),
            None,
        );

        let mut documents = HashMap::new();
        let seed = seed_json(SEED_LIVENESS_POST_RESPONSE);
        documents.insert(
            ids::SEED_DOCUMENT_ID,
            Document {
                tenant_id: ids::TENANT.into(),
                customer_id: ids::CLEAN_PASS.into(),
                document_type: "FACIAL_PHOTO".into(),
                media_type: "aws/liveness".into(),
                landing_url: seed_landing_url(),
                aws_session_id: seed
                    .get("awsFaceLivenessSessionId")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                result: None,
                seed: true,
            },
        );
        EclipseState {
            customers,
            documents,
            next_document_id: 700_001,
            completions: HashMap::new(),
        }
    }

    /// The landing URL behind a completion code (demo redirect page).
    pub(super) fn landing_for_completion(&self, code: &str) -> Option<String> {
        self.completions.get(code).cloned()
    }
}

impl EclipseState {
    /// Admits a walk-in customer (`eclipse_ids::is_walk_in`) the first time any
    /// customer-scoped call names it: a brand-new customer whose one ratify
    /// result is PENDING (the `pending_then_passed` shape) and then settles:
    /// by the id's last digit, 5 a sanctions hit, 6 a liveness failure, 7 a
    /// face mismatch, 8 a name mismatch, anything else PASSED with the seed's
    /// clean-pass checks. Returns true when it was
    /// created just now. Anything else is left alone (and stays 404).
    fn admit_walk_in(&mut self, tenant_id: &str, customer_id: &str) -> bool {
        if !ids::is_walk_in(tenant_id, customer_id) {
            return false;
        }
        let key = (tenant_id.to_string(), customer_id.to_string());
        if self.customers.contains_key(&key) {
            return false;
        }
        // The last digit picks what the ratification finds, so people (and
        // end-to-end tests) can make the cases they need.
        let outcome = match customer_id.chars().last() {
            Some('5') => Outcome::SanctionsHit,
            Some('6') => Outcome::LivenessFailure,
            Some('7') => Outcome::FaceMismatch,
            Some('8') => Outcome::NameMismatch,
            _ => Outcome::Passed,
        };
        self.customers.insert(
            key,
            Customer {
                first_name: "Walk-in",
                last_name: "Customer",
                outcome,
                history: vec![pending(outcome, &iso_millis(now_millis()))],
                pending_polls: Some(0),
                liveness_results: 0,
                liveness_passed: false,
            },
        );
        tracing::debug!(
            tenant_id,
            customer_id,
            "sandbox: new Eclipse walk-in customer"
        );
        true
    }
}

fn seed_landing_url() -> Option<String> {
    let request = seed_json(SEED_LIVENESS_POST_REQUEST);
    let extra = request.get("extraInfo")?.as_str()?;
    let extra: Value = serde_json::from_str(extra).ok()?;
    extra.get("landingUrl")?.as_str().map(str::to_string)
}

fn settle_if_due(customer: &mut Customer, polls_to_settle: u32, count_poll: bool) {
    let Some(polls) = customer.pending_polls else {
        return;
    };
    let polls = if count_poll { polls + 1 } else { polls };
    if polls >= polls_to_settle {
        let result = settled(
            customer.outcome,
            customer.liveness_passed,
            &iso_millis(now_millis()),
        );
        if let Some(first) = customer.history.first_mut() {
            *first = result;
        } else {
            customer.history.push(result);
        }
        customer.pending_polls = None;
    } else {
        customer.pending_polls = Some(polls);
    }
}

// ------------------------------------------------------------- handlers

fn valid_customer_id(customer_id: &str) -> Result<(), Response> {
    if customer_id.parse::<u64>().is_ok() {
        Ok(())
    } else {
        Err(error(
            StatusCode::BAD_REQUEST,
            "NFE001",
            &format!("Invalid customerId: {customer_id}"),
        ))
    }
}

async fn customer_profile(
    State(sandbox): State<Sandbox>,
    Path((tenant_id, customer_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if let Err(response) =
        authorise(&sandbox, &headers, &tenant_id).and_then(|()| valid_customer_id(&customer_id))
    {
        return response;
    }
    let mut state = sandbox.state();
    state.eclipse.admit_walk_in(&tenant_id, &customer_id);
    let Some(customer) = state
        .eclipse
        .customers
        .get(&(tenant_id.clone(), customer_id.clone()))
    else {
        return customer_not_found();
    };
    json_response(
        StatusCode::OK,
        &json!({
            "customerId": customer_id.parse::<u64>().unwrap_or(0),
            "tenantId": tenant_id.parse::<u64>().unwrap_or(0),
            "firstName": customer.first_name,
            "lastName": customer.last_name,
            "status": "ACTIVE",
        }),
    )
}

async fn ratify_history(
    State(sandbox): State<Sandbox>,
    Path((tenant_id, customer_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    if let Err(response) =
        authorise(&sandbox, &headers, &tenant_id).and_then(|()| valid_customer_id(&customer_id))
    {
        return response;
    }
    let offset = query_param(query.as_deref(), "offset")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0);
    let limit = query_param(query.as_deref(), "limit")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(100);
    let polls_to_settle = sandbox.config().polls_to_settle;
    let mut state = sandbox.state();
    state.eclipse.admit_walk_in(&tenant_id, &customer_id);
    let Some(customer) = state.eclipse.customers.get_mut(&(tenant_id, customer_id)) else {
        return customer_not_found();
    };
    settle_if_due(customer, polls_to_settle, true);
    let page: Vec<Value> = customer
        .history
        .iter()
        .skip(offset)
        .take(limit)
        .cloned()
        .collect();
    json_response(StatusCode::OK, &Value::Array(page))
}

async fn ratify_start(
    State(sandbox): State<Sandbox>,
    Path((tenant_id, customer_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(response) =
        authorise(&sandbox, &headers, &tenant_id).and_then(|()| valid_customer_id(&customer_id))
    {
        return response;
    }
    let body = match parse_body(&body) {
        Ok(body) => body,
        Err(response) => return response,
    };
    if !body.is_object() {
        return error(
            StatusCode::BAD_REQUEST,
            "VAL001",
            "Request body must be a JSON object",
        );
    }
    if let Some(kind) = body.get("type") {
        if kind != "NORMAL" && kind != "COMPARISON" {
            return error(
                StatusCode::BAD_REQUEST,
                "VAL001",
                "type must be NORMAL or COMPARISON",
            );
        }
    }
    let polls_to_settle = sandbox.config().polls_to_settle;
    let mut state = sandbox.state();
    // A walk-in seen for the first time: this POST is its one PENDING result.
    let walked_in = state.eclipse.admit_walk_in(&tenant_id, &customer_id);
    let Some(customer) = state.eclipse.customers.get_mut(&(tenant_id, customer_id)) else {
        return customer_not_found();
    };
    if !walked_in {
        if customer.pending_polls.is_some() {
            return already_in_progress();
        }
        let result = pending(customer.outcome, &iso_millis(now_millis()));
        customer.history.insert(0, result);
        customer.pending_polls = Some(0);
    }
    settle_if_due(customer, polls_to_settle, false);
    let latest = customer.history.first().cloned().unwrap_or(Value::Null);
    json_response(StatusCode::OK, &latest)
}

fn host(headers: &HeaderMap) -> String {
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost")
        .to_string()
}

/// Builds a JSON-encoded string with keys in the given order (as Eclipse does).
fn ordered_json_string(pairs: &[(&str, &str)]) -> String {
    let fields: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}:{}", json!(k), json!(v)))
        .collect();
    format!("{{{}}}", fields.join(","))
}

async fn document_create(
    State(sandbox): State<Sandbox>,
    Path((tenant_id, customer_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(response) =
        authorise(&sandbox, &headers, &tenant_id).and_then(|()| valid_customer_id(&customer_id))
    {
        return response;
    }
    let body = match parse_body(&body) {
        Ok(body) => body,
        Err(response) => return response,
    };
    let document_type = body.get("documentType").and_then(Value::as_str);
    let media_type = body.get("mediaType").and_then(Value::as_str);
    let (Some(document_type), Some(media_type)) = (document_type, media_type) else {
        return error(
            StatusCode::BAD_REQUEST,
            "VAL001",
            "documentType and mediaType are required",
        );
    };
    let completion_params = headers
        .get("completionUrlParams")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let host = host(&headers);
    let mut state = sandbox.state();
    state.eclipse.admit_walk_in(&tenant_id, &customer_id);
    if !state
        .eclipse
        .customers
        .contains_key(&(tenant_id.clone(), customer_id.clone()))
    {
        return customer_not_found();
    }
    let customer_number = customer_id.parse::<u64>().unwrap_or(0);

    if media_type != "aws/liveness" {
        let document_id = state.eclipse.next_document_id;
        state.eclipse.next_document_id += 1;
        state.eclipse.documents.insert(
            document_id,
            Document {
                tenant_id,
                customer_id,
                document_type: document_type.into(),
                media_type: media_type.into(),
                landing_url: None,
                aws_session_id: None,
                result: None,
                seed: false,
            },
        );
        let mut response = json!({
            "documentId": document_id,
            "documentType": document_type,
            "customerId": customer_number,
            "mediaType": media_type,
        });
        if let (Some(object), Some(extra)) = (response.as_object_mut(), body.get("extraInfo")) {
            object.insert("extraInfo".into(), extra.clone());
        }
        return json_response(StatusCode::CREATED, &response);
    }

    if document_type != "FACIAL_PHOTO" {
        return error(
            StatusCode::BAD_REQUEST,
            "VAL001",
            "aws/liveness requires documentType FACIAL_PHOTO",
        );
    }
    let landing_url = body
        .get("extraInfo")
        .and_then(Value::as_str)
        .and_then(|extra| serde_json::from_str::<Value>(extra).ok())
        .and_then(|extra| {
            extra
                .get("landingUrl")
                .and_then(Value::as_str)
                .map(str::to_string)
        });
    let Some(landing_url) = landing_url else {
        return error(
            StatusCode::BAD_REQUEST,
            "VAL001",
            "extraInfo must be a JSON string holding landingUrl",
        );
    };

    // The seed's own request for the seed customer gets the seed's own answer.
    if tenant_id == ids::TENANT
        && customer_id == ids::CLEAN_PASS
        && Some(&landing_url) == seed_landing_url().as_ref()
    {
        let mut response = seed_json(SEED_LIVENESS_POST_RESPONSE);
        if let Some(params) = completion_params {
            append_completion_params(&mut response, &params);
        }
        return json_response(StatusCode::CREATED, &response);
    }

    let document_id = state.eclipse.next_document_id;
    state.eclipse.next_document_id += 1;
    let aws_session_id = uuid_v4();
    let code = random_hex(4);
    let mut completion_url = format!("http://{host}/__sandbox/eclipse/liveness/{code}");
    if let Some(params) = &completion_params {
        completion_url.push('&');
        completion_url.push_str(params);
    }
    state.eclipse.completions.insert(code, landing_url.clone());
    state.eclipse.documents.insert(
        document_id,
        Document {
            tenant_id,
            customer_id,
            document_type: document_type.into(),
            media_type: media_type.into(),
            landing_url: Some(landing_url.clone()),
            aws_session_id: Some(aws_session_id.clone()),
            result: None,
            seed: false,
        },
    );
    let extra_info = ordered_json_string(&[
        ("landingUrl", &landing_url),
        ("awsLivenessSessionId", &aws_session_id),
        ("completionUrl", &completion_url),
    ]);
    json_response(
        StatusCode::CREATED,
        &json!({
            "documentId": document_id,
            "documentType": "FACIAL_PHOTO",
            "customerId": customer_number,
            "mediaType": "aws/liveness",
            "extraInfo": extra_info,
            "awsFaceLivenessSessionId": aws_session_id,
        }),
    )
}

/// Eclipse appends the `completionUrlParams` header after an `&`.
fn append_completion_params(response: &mut Value, params: &str) {
    let Some(extra) = response.get("extraInfo").and_then(Value::as_str) else {
        return;
    };
    let Ok(mut extra) = serde_json::from_str::<Map<String, Value>>(extra) else {
        return;
    };
    if let Some(Value::String(url)) = extra.get_mut("completionUrl") {
        url.push('&');
        url.push_str(params);
    }
    let landing = extra
        .get("landingUrl")
        .and_then(Value::as_str)
        .unwrap_or("");
    let session = extra
        .get("awsLivenessSessionId")
        .and_then(Value::as_str)
        .unwrap_or("");
    let completion = extra
        .get("completionUrl")
        .and_then(Value::as_str)
        .unwrap_or("");
    let encoded = ordered_json_string(&[
        ("landingUrl", landing),
        ("awsLivenessSessionId", session),
        ("completionUrl", completion),
    ]);
    if let Some(object) = response.as_object_mut() {
        object.insert("extraInfo".into(), json!(encoded));
    }
}

async fn document_update(
    State(sandbox): State<Sandbox>,
    Path((tenant_id, document_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(response) = authorise(&sandbox, &headers, &tenant_id) {
        return response;
    }
    let Ok(document_id) = document_id.parse::<u64>() else {
        return error(
            StatusCode::BAD_REQUEST,
            "NFE001",
            &format!("Invalid documentId: {document_id}"),
        );
    };
    let body = match parse_body(&body) {
        Ok(body) => body,
        Err(response) => return response,
    };
    if let Some(given) = body.get("documentId").and_then(Value::as_u64) {
        if given != document_id {
            return error(
                StatusCode::BAD_REQUEST,
                "VAL001",
                "documentId in the body does not match the path",
            );
        }
    }
    let mut guard = sandbox.state();
    let state = &mut guard.eclipse;
    let not_found = || error(StatusCode::NOT_FOUND, "IAE002", "Document not found");
    let Some(document) = state.documents.get_mut(&document_id) else {
        return not_found();
    };
    if document.tenant_id != tenant_id {
        return not_found();
    }
    if let Some(result) = &document.result {
        return json_response(StatusCode::OK, result);
    }
    let customer_number = document.customer_id.parse::<u64>().unwrap_or(0);
    if document.media_type != "aws/liveness" {
        let result = json!({
            "documentId": document_id,
            "documentType": document.document_type,
            "customerId": customer_number,
            "mediaType": document.media_type,
        });
        return json_response(StatusCode::OK, &result);
    }
    let result = if document.seed {
        seed_json(SEED_LIVENESS_PUT_RESPONSE)
    } else {
        let customer = state
            .customers
            .get_mut(&(document.tenant_id.clone(), document.customer_id.clone()));
        // A liveness-failure customer fails its first liveness, then passes.
        let (outcome, score) = match customer {
            Some(customer) => {
                let fail =
                    customer.outcome == Outcome::LivenessFailure && customer.liveness_results == 0;
                customer.liveness_results += 1;
                if fail {
                    ("FAILED", "31.20")
                } else {
                    customer.liveness_passed = true;
                    ("SUCCEEDED", "88.41")
                }
            }
            None => ("SUCCEEDED", "75.73"),
        };
        let extra_info = ordered_json_string(&[
            ("AwsFaceLivenessResult", outcome),
            ("AwsFaceLivenessScore", score),
            ("landingUrl", document.landing_url.as_deref().unwrap_or("")),
            (
                "awsLivenessSessionId",
                document.aws_session_id.as_deref().unwrap_or(""),
            ),
        ]);
        json!({
            "documentId": document_id,
            "documentType": document.document_type,
            "customerId": customer_number,
            "mediaType": "image/jpeg",
            "extraInfo": extra_info,
        })
    };
    document.result = Some(result.clone());
    json_response(StatusCode::OK, &result)
}
