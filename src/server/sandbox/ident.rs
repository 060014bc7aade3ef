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

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde_json::{json, Map, Value};

use super::scenarios::ident_ids as ids;
use super::{
    civil_days, json_response, now_micros, query_param, random_hex, rfc3339_micros, seed_json,
    uuid_v4, Sandbox, TINY_JPEG_B64,
};

const SEED_LIST: &str = include_str!("data/ident_list.json");
const SEED_DETAIL: &str = include_str!("data/ident_detail_e494ee10.json");
const SEED_PUT: &str = include_str!("data/ident_put_205d1f45.json");

pub(super) fn routes() -> Router<Sandbox> {
    Router::new()
        .route("/api/v1/kyc_applications", get(list).post(create))
        .route("/api/v1/kyc_applications/{id}", get(detail).put(update))
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

// ------------------------------------------------------------------ model

#[derive(Clone, Copy, PartialEq, Eq)]
enum Moving {
    /// pending → submitted (1st poll) → accepted (N-th poll); a PUT stops it.
    PendingThenAccepted,
    /// submitted → rejected on the N-th poll, even after a PUT (the race).
    PollerOverwrites,
}

struct Record {
    /// The list representation (what list, PUT and POST return).
    base: Map<String, Value>,
    params: Option<Value>,
    representation: Option<Value>,
    similar_applications: Option<Value>,
    similar_users: Option<Value>,
    /// Microseconds since the epoch of `created_at` (sort key).
    created_us: i64,
    moving: Option<(Moving, u32)>,
}

pub(super) struct IdentState {
    records: Vec<Record>,
}

/// Parses `2019-11-13T03:55:02.687098-05:00` (or `Z`) into epoch microseconds.
fn parse_rfc3339_micros(text: &str) -> Option<i64> {
    let num = |s: &str| s.parse::<i64>().ok();
    let (date, rest) = text.split_once('T')?;
    let mut date_parts = date.split('-');
    let (y, m, d) = (
        num(date_parts.next()?)?,
        num(date_parts.next()?)?,
        num(date_parts.next()?)?,
    );
    let (time, offset_secs) = if let Some(time) = rest.strip_suffix('Z') {
        (time, 0)
    } else {
        let split = rest.rfind(['+', '-'])?;
        let (time, offset) = rest.split_at(split);
        let sign = if offset.starts_with('-') { -1 } else { 1 };
        let (oh, om) = offset[1..].split_once(':')?;
        (time, sign * (num(oh)? * 3600 + num(om)? * 60))
    };
    let (hms, fraction) = time.split_once('.').unwrap_or((time, "0"));
    let mut hms_parts = hms.split(':');
    let (h, mi, s) = (
        num(hms_parts.next()?)?,
        num(hms_parts.next()?)?,
        num(hms_parts.next()?)?,
    );
    let micros = num(&format!("{fraction:0<6}")[..6])?;
    let secs = civil_days(y, m, d) * 86_400 + h * 3600 + mi * 60 + s - offset_secs;
    Some(secs * 1_000_000 + micros)
}

impl Record {
    fn from_base(base: Value) -> Record {
        let base = match base {
            Value::Object(map) => map,
            _ => Map::new(),
        };
        let created_us = base
            .get("created_at")
            .and_then(Value::as_str)
            .and_then(parse_rfc3339_micros)
            .unwrap_or(0);
        Record {
            base,
            params: None,
            representation: None,
            similar_applications: None,
            similar_users: None,
            created_us,
            moving: None,
        }
    }

    fn id(&self) -> &str {
        self.base.get("id").and_then(Value::as_str).unwrap_or("")
    }

    fn status(&self) -> &str {
        self.base
            .get("status")
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    fn set(&mut self, key: &str, value: Value) {
        self.base.insert(key.into(), value);
    }

    fn detail(&self) -> Value {
        let mut out = self.base.clone();
        if let Some(params) = &self.params {
            out.insert("params".into(), params.clone());
        }
        if let Some(representation) = &self.representation {
            out.insert("provider_representation".into(), representation.clone());
        }
        if let Some(similar) = &self.similar_applications {
            out.insert("similar_kyc_applications".into(), similar.clone());
        }
        if let Some(users) = &self.similar_users {
            out.insert("similar_users".into(), users.clone());
        }
        Value::Object(out)
    }

    /// One detail poll of a moving record.
    fn poll(&mut self, polls_to_settle: u32) {
        let Some((kind, polls)) = self.moving else {
            return;
        };
        let polls = polls + 1;
        let settled = polls >= polls_to_settle;
        self.moving = (!settled).then_some((kind, polls));
        let job = self
            .base
            .get("identifier")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| random_hex(4));
        self.set("identifier", json!(job));
        let (first, last) = name_parts(&self.base);
        match (kind, settled) {
            (Moving::PendingThenAccepted, true) => {
                self.set("status", json!("accepted"));
                self.representation = Some(vouched(
                    &job,
                    "completed",
                    true,
                    &[],
                    [Some(0.96), Some(0.93), Some(0.95), Some(0.97), Some(0.91)],
                    (&first, &last),
                ));
            }
            (Moving::PendingThenAccepted, false) => {
                self.set("status", json!("submitted"));
                self.representation = Some(vouched_active(&job));
            }
            (Moving::PollerOverwrites, true) => {
                self.set("status", json!("rejected"));
                self.representation = Some(vouched(
                    &job,
                    "completed",
                    false,
                    &[(
                        "BirthDateMatchError",
                        "Birth date is below the confidence threshold",
                    )],
                    [Some(0.91), None, Some(0.88), Some(0.31), Some(0.9)],
                    (&first, &last),
                ));
            }
            (Moving::PollerOverwrites, false) => {}
        }
    }
}

fn name_parts(base: &Map<String, Value>) -> (String, String) {
    let name = base.get("name").and_then(Value::as_str).unwrap_or("");
    let (first, last) = name.split_once(' ').unwrap_or((name, ""));
    (first.to_string(), last.to_string())
}

/// A Vouched job as ident's detail call embeds it.
fn vouched(
    job: &str,
    status: &str,
    success: bool,
    errors: &[(&str, &str)],
    confidences: [Option<f64>; 5],
    (first, last): (&str, &str),
) -> Value {
    let [id, back_id, face_match, id_match, selfie] = confidences;
    let errors: Vec<Value> = errors
        .iter()
        .map(|(kind, message)| json!({"message": message, "suggestion": null, "type": kind}))
        .collect();
    json!({
        "errors": errors,
        "id": job,
        "result": {
            "confidences": {
                "backId": back_id, "faceMatch": face_match, "id": id,
                "idMatch": id_match, "selfie": selfie,
            },
            "country": "US",
            "dob": "06/22/1990",
            "errors": null,
            "firstName": first.to_uppercase(),
            "id": "D1234567",
            "lastName": last.to_uppercase(),
            "state": "WI",
            "success": success,
            "type": "drivers-license",
        },
        "status": status,
        "submitted": "2020-06-12T15:20:11+00:00",
    })
}

fn vouched_active(job: &str) -> Value {
    json!({
        "errors": [],
        "id": job,
        "result": null,
        "status": "active",
        "submitted": rfc3339_micros(now_micros()),
    })
}

fn identitymind_review() -> Value {
    json!({
        "mtid": "6fd2b7a1c0e94f6b8a3d5e1f2c4b7a90",
        "tid": "6fd2b7a1c0e94f6b8a3d5e1f2c4b7a90",
        "state": "R",
        "res": "MANUAL_REVIEW",
        "rcd": "131,101,1002",
        "frn": "Manual review: address mismatch",
        "frp": "MANUAL_REVIEW",
        "frd": "Billing and residential addresses are in different countries",
        "erd": "Unknown User",
        "upr": "UNKNOWN",
        "user": "UNKNOWN",
        "ednaScoreCard": {"er": {
            "profile": "DEFAULT",
            "reportedRule": {
                "name": "Manual review: address mismatch",
                "ruleId": 1002,
                "resultCode": "MANUAL_REVIEW",
                "description": "Route to manual review when addresses disagree",
                "details": "[Fired] details",
                "testResults": [{
                    "test": "ed:31",
                    "fired": true,
                    "condition": {"left": "ed:31", "operator": "eq", "right": true},
                    "details": "Billing country differs from residence country",
                    "stage": "1",
                    "ts": 1_591_974_011_000_i64,
                }],
            },
        }},
        "etr": [
            {"test": "ed:1", "details": "true"},
            {"test": "ed:31", "details": "true"},
        ],
        "sc": [],
    })
}

fn base(
    id: &str,
    created_at: &str,
    user_id: &str,
    provider: &str,
    identifier: Option<&str>,
    status: &str,
    name: &str,
) -> Value {
    json!({
        "id": id,
        "created_at": created_at,
        "application_id": ids::APPLICATION,
        "user_id": user_id,
        "provider": provider,
        "identifier": identifier,
        "type": "kyc",
        "status": status,
        "name": name,
        "description": null,
    })
}

impl IdentState {
    pub(super) fn seeded() -> IdentState {
        let mut records = Vec::new();

        // The three seed list records, verbatim.
        if let Value::Array(items) = seed_json(SEED_LIST) {
            for item in items {
                let mut record = Record::from_base(item);
                match record.id() {
                    ids::SEED_LIST_REMEDIATE => {
                        record.representation = Some(vouched(
                            "OsccQPWf",
                            "completed",
                            true,
                            &[(
                                "DuplicateApplicationError",
                                "A KYC application with the same identity already exists",
                            )],
                            [Some(0.95), Some(0.9), Some(0.94), Some(0.97), Some(0.92)],
                            ("John", "Smith"),
                        ));
                    }
                    ids::SEED_LIST_ACCEPTED => {
                        record.representation = Some(vouched(
                            "oRM3YnSy",
                            "completed",
                            true,
                            &[],
                            [Some(0.97), Some(0.95), Some(0.96), Some(0.98), Some(0.93)],
                            ("Joe", "Lubin"),
                        ));
                    }
                    _ => {}
                }
                records.push(record);
            }
        }

        // The seed detail, verbatim (params and representation split off).
        let mut detail = seed_json(SEED_DETAIL);
        let params = detail.as_object_mut().and_then(|d| d.remove("params"));
        let representation = detail
            .as_object_mut()
            .and_then(|d| d.remove("provider_representation"));
        let mut record = Record::from_base(detail);
        record.params = params;
        record.representation = representation;
        records.push(record);

        // The seed PUT record: in review until someone PUTs a status.
        let mut put = Record::from_base(seed_json(SEED_PUT));
        put.set("status", json!("review"));
        records.push(put);

        let user = "6c1a3e6f-8d0b-4b8e-9f2a-3c4d5e6f7a8b";
        let mut add = |base_value: Value,
                       params: Option<Value>,
                       representation: Option<Value>,
                       moving: Option<Moving>| {
            let mut record = Record::from_base(base_value);
            record.params = params;
            record.representation = representation;
            record.moving = moving.map(|kind| (kind, 0));
            records.push(record);
        };

        add(
            base(
                ids::CLEAN_PASS,
                "2020-06-01T10:15:30.120045-04:00",
                user,
                "vouched",
                Some("Cp7Qx2Lm"),
                "accepted",
                "Maria Garcia",
            ),
            Some(
                json!({"first_name": "Maria", "last_name": "Garcia", "date_of_birth": "03/14/1988",
                        "id_photo": "", "selfie": "", "type": "id-verification"}),
            ),
            Some(vouched(
                "Cp7Qx2Lm",
                "completed",
                true,
                &[],
                [Some(0.97), Some(0.94), Some(0.96), Some(0.98), Some(0.95)],
                ("Maria", "Garcia"),
            )),
            None,
        );
        add(
            base(
                ids::FACE_MISMATCH,
                "2020-06-02T11:05:00.500000-04:00",
                user,
                "vouched",
                Some("Fm3Zr8Kd"),
                "rejected",
                "Kevin Osei",
            ),
            Some(
                json!({"params": {"date_of_birth": "11/02/1993", "first_name": "Kevin", "last_name": "Osei",
                        "id_photo": TINY_JPEG_B64, "id_photo_back": "", "selfie": TINY_JPEG_B64,
                        "type": "id-verification", "webhook_url": null},
                        "type": "id-verification"}),
            ),
            Some(vouched(
                "Fm3Zr8Kd",
                "completed",
                false,
                &[("FaceMatchError", "Id and selfie faces do not match")],
                [Some(0.91), Some(0.88), Some(0.12), Some(0.9), Some(0.86)],
                ("Kevin", "Osei"),
            )),
            None,
        );
        add(
            base(
                ids::NAME_MISMATCH,
                "2020-06-03T09:45:12.000001-04:00",
                user,
                "vouched",
                Some("Nm9Wq4Te"),
                "rejected",
                "Jonathan Price",
            ),
            Some(
                json!({"first_name": "Jonathan", "last_name": "Price", "date_of_birth": "07/30/1979",
                        "id_photo": "", "selfie": "", "type": "id-verification"}),
            ),
            Some(vouched(
                "Nm9Wq4Te",
                "completed",
                false,
                &[("NameMatchError", "Name is below the confidence threshold")],
                [Some(0.93), Some(0.9), Some(0.94), Some(0.42), Some(0.9)],
                ("Jon", "Pryce"),
            )),
            None,
        );
        add(
            base(
                ids::UNKNOWN_STATUS,
                "2020-06-05T08:00:00.000000-04:00",
                user,
                "vouched",
                Some("Uh2Ys6Pa"),
                "on-hold-by-ops",
                "Grace Liu",
            ),
            None,
            Some(vouched(
                "Uh2Ys6Pa",
                "completed",
                true,
                &[],
                [Some(0.95), Some(0.92), Some(0.93), Some(0.96), Some(0.9)],
                ("Grace", "Liu"),
            )),
            None,
        );
        add(
            base(
                ids::PENDING_THEN_ACCEPTED,
                "2020-06-08T14:30:00.000000-04:00",
                user,
                "vouched",
                None,
                "pending",
                "Ahmed Khan",
            ),
            Some(
                json!({"first_name": "Ahmed", "last_name": "Khan", "date_of_birth": "01/09/1990",
                        "type": "id-verification"}),
            ),
            None,
            Some(Moving::PendingThenAccepted),
        );
        add(
            base(
                ids::POLLER_OVERWRITES_PUT,
                "2020-06-09T16:45:00.000000-04:00",
                user,
                "vouched",
                Some("Rc5Tb1Vn"),
                "submitted",
                "Olga Ivanova",
            ),
            None,
            Some(vouched_active("Rc5Tb1Vn")),
            Some(Moving::PollerOverwrites),
        );
        add(
            base(
                ids::IDENTITYMIND_REVIEW,
                "2020-06-10T12:00:00.000000-04:00",
                user,
                "identitymind",
                Some("6fd2b7a1c0e94f6b8a3d5e1f2c4b7a90"),
                "review",
                "Samuel Adeyemi",
            ),
            Some(
                json!({"first_name": "Samuel", "last_name": "Adeyemi", "email": "samuel@example.com"}),
            ),
            Some(identitymind_review()),
            None,
        );

        // The duplicate pair: our remediate record and the seed remediate one.
        let seed_remediate = records
            .iter()
            .find(|r| r.id() == ids::SEED_LIST_REMEDIATE)
            .map(|r| Value::Object(r.base.clone()));
        let mut remediate = Record::from_base(base(
            ids::REMEDIATE_DUPLICATE,
            "2020-06-04T13:20:45.250000-04:00",
            "0d5b4c3a-2e1f-4a9b-8c7d-6e5f4a3b2c1d",
            "vouched",
            Some("Dp4Hs7Jx"),
            "remediate",
            "John Smith",
        ));
        remediate.params = Some(json!({"first_name": "John", "last_name": "Smith",
            "date_of_birth": "02/17/1985", "id_number": "S5301234", "type": "id-verification"}));
        remediate.representation = Some(vouched(
            "Dp4Hs7Jx",
            "completed",
            true,
            &[
                (
                    "SimilarApplicationError",
                    "A similar KYC application exists",
                ),
                (
                    "DuplicateApplicationError",
                    "A KYC application with the same identity already exists",
                ),
            ],
            [Some(0.95), Some(0.91), Some(0.93), Some(0.96), Some(0.92)],
            ("John", "Smith"),
        ));
        remediate.similar_applications = seed_remediate.map(|r| json!([r]));
        remediate.similar_users = Some(json!([{
            "id": "9a253758-197a-4308-8d2d-61cfe9317644",
            "created_at": "2019-11-13T03:50:41.118734-05:00",
            "name": "John Smith",
            "first_name": "John",
            "last_name": "Smith",
            "email": "john.smith@example.com",
        }]));
        records.push(remediate);

        IdentState { records }
    }
}

impl IdentState {
    /// Admits a walk-in application (`ident_ids::is_walk_in`) the first time a
    /// detail GET or a PUT names it: a brand-new vouched application, pending
    /// with `identifier: null`, that moves like `pending_then_accepted`
    /// (submitted on the 1st detail poll, accepted with clean confidences on
    /// the `polls_to_settle`-th). Anything else is left alone (and stays 404).
    fn admit_walk_in(&mut self, id: &str) {
        if !ids::is_walk_in(id) || self.records.iter().any(|r| r.id() == id) {
            return;
        }
        let now = now_micros();
        let mut record = Record::from_base(base(
            id,
            &rfc3339_micros(now),
            "5a1d0e9f-7c3b-4e2a-9d8c-1b0a9f8e7d6c",
            "vouched",
            None,
            "pending",
            "Walk-in Customer",
        ));
        record.created_us = now as i64;
        record.params = Some(json!({"first_name": "Walk-in", "last_name": "Customer",
            "date_of_birth": "01/01/1990", "type": "id-verification"}));
        record.moving = Some((Moving::PendingThenAccepted, 0));
        self.records.push(record);
        tracing::debug!(
            application_id = id,
            "sandbox: new ident walk-in application"
        );
    }
}

// --------------------------------------------------------------- handlers

fn authorise(sandbox: &Sandbox, headers: &HeaderMap) -> Result<(), Response> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("bearer "));
    if token == Some(sandbox.config().ident_token.as_str()) {
        Ok(())
    } else {
        Err(error(StatusCode::UNAUTHORIZED, "unauthorized"))
    }
}

fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "kyc application not found")
}

async fn list(
    State(sandbox): State<Sandbox>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    if let Err(response) = authorise(&sandbox, &headers) {
        return response;
    }
    let query = query.as_deref();
    let status = query_param(query, "status").filter(|s| !s.is_empty());
    let page = query_param(query, "page")
        .and_then(|p| p.parse::<usize>().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let rpp = query_param(query, "rpp")
        .and_then(|r| r.parse::<usize>().ok())
        .filter(|r| *r >= 1)
        .unwrap_or(25);
    let state = sandbox.state();
    let mut matching: Vec<&Record> = state
        .ident
        .records
        .iter()
        .filter(|r| status.as_deref().is_none_or(|s| r.status() == s))
        .collect();
    matching.sort_by_key(|r| std::cmp::Reverse(r.created_us));
    let total = matching.len();
    let items: Vec<Value> = matching
        .into_iter()
        .skip((page - 1).saturating_mul(rpp))
        .take(rpp)
        .map(|r| Value::Object(r.base.clone()))
        .collect();
    let mut response = json_response(StatusCode::OK, &Value::Array(items));
    if let Ok(value) = HeaderValue::from_str(&total.to_string()) {
        response
            .headers_mut()
            .insert("x-total-results-count", value);
    }
    response
}

async fn detail(
    State(sandbox): State<Sandbox>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(response) = authorise(&sandbox, &headers) {
        return response;
    }
    let polls_to_settle = sandbox.config().polls_to_settle;
    let mut state = sandbox.state();
    state.ident.admit_walk_in(&id);
    let Some(record) = state.ident.records.iter_mut().find(|r| r.id() == id) else {
        return not_found();
    };
    record.poll(polls_to_settle);
    json_response(StatusCode::OK, &record.detail())
}

async fn update(
    State(sandbox): State<Sandbox>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(response) = authorise(&sandbox, &headers) {
        return response;
    }
    let body: Value = match serde_json::from_slice(&body) {
        Ok(body) => body,
        Err(e) => return error(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    let Some(status) = body.get("status").and_then(Value::as_str) else {
        return error(
            StatusCode::BAD_REQUEST,
            "kyc application update must include status",
        );
    };
    let mut state = sandbox.state();
    state.ident.admit_walk_in(&id);
    let Some(record) = state.ident.records.iter_mut().find(|r| r.id() == id) else {
        return not_found();
    };
    record.set("status", json!(status));
    if matches!(record.moving, Some((Moving::PendingThenAccepted, _))) {
        record.moving = None;
    }
    json_response(StatusCode::ACCEPTED, &Value::Object(record.base.clone()))
}

async fn create(State(sandbox): State<Sandbox>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(response) = authorise(&sandbox, &headers) {
        return response;
    }
    let body: Value = match serde_json::from_slice(&body) {
        Ok(body) => body,
        Err(e) => return error(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    let provider = body
        .get("provider")
        .and_then(Value::as_str)
        .unwrap_or("vouched");
    if provider != "vouched" && provider != "identitymind" {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!("Failed to create KYC application; unsupported provider: {provider}"),
        );
    }
    // An application token must name the user the application is about.
    let Some(user_id) = body.get("user_id").and_then(Value::as_str) else {
        return error(StatusCode::NOT_FOUND, "user does not exist");
    };
    let kind = body.get("type").and_then(Value::as_str).unwrap_or("kyc");
    let params = body.get("params").cloned();
    let name = body
        .get("name")
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| {
            let p = params.as_ref()?;
            let p = p.get("params").unwrap_or(p);
            if let Some(name) = p.get("name").and_then(Value::as_str) {
                return Some(name.to_string());
            }
            let first = p.get("first_name").and_then(Value::as_str)?;
            let last = p.get("last_name").and_then(Value::as_str).unwrap_or("");
            Some(format!("{first} {last}").trim().to_string())
        });
    let now = now_micros();
    let mut created = base(
        &uuid_v4(),
        &rfc3339_micros(now),
        user_id,
        provider,
        None,
        "pending",
        name.as_deref().unwrap_or(""),
    );
    if let Some(object) = created.as_object_mut() {
        object.insert("type".into(), json!(kind));
        if name.is_none() {
            object.insert("name".into(), Value::Null);
        }
    }
    let mut record = Record::from_base(created);
    record.created_us = now as i64;
    record.params = params;
    record.moving = Some((Moving::PendingThenAccepted, 0));
    let response = Value::Object(record.base.clone());
    sandbox.state().ident.records.push(record);
    json_response(StatusCode::CREATED, &response)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_with_offsets_orders_correctly() {
        let a = parse_rfc3339_micros("2019-11-13T03:55:02.687098-05:00").unwrap();
        let b = parse_rfc3339_micros("2019-11-13T08:55:02.687098Z").unwrap();
        assert_eq!(a, b);
        let c = parse_rfc3339_micros("2019-06-12T02:31:33.613098-04:00").unwrap();
        assert!(c < a);
        assert_eq!(
            parse_rfc3339_micros("1970-01-01T00:00:01.5+00:00"),
            Some(1_500_000)
        );
    }
}
