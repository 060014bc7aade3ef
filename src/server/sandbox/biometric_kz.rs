//! biometric.kz "Flows" REST API, under `/api/v1/flows/session/`.
//!
//! - `POST create/` with JSON `{api_key, metadata?}` → 201 `{session_id, technologies}`.
//! - `GET result/light/?session_id&flow_api_key` (S3-style image URLs with
//!   `X-Amz-Signature`) and `GET result/?…` (base64 images inline).
//!
//! No Authorization header: the flow key travels in the body or the query.
//! Errors are Django-REST-framework style (`{"detail": …}`, field errors as
//! `{"field": ["…"]}`) — our assumption, the vendor documents none.
//! The session state here is also what the MCP tools (`mcp.rs`) read and write.
//!
//! Walk-ins: a session id in the walk-in range (`scenarios::bio_ids::is_walk_in`)
//! becomes a new moving session the first time a REST result or MCP call names
//! it (`BioState::admit_walk_in`).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Map, Value};

use super::scenarios::bio_ids as ids;
use super::{
    amz_date, b64_decode, iso_secs, json_response, now_secs, query_param, random_hex, uuid_v4,
    Sandbox, TINY_JPEG_B64,
};

pub(super) fn routes() -> Router<Sandbox> {
    Router::new()
        .route("/api/v1/flows/session/create/", post(create))
        .route("/api/v1/flows/session/result/", get(result_full))
        .route("/api/v1/flows/session/result/light/", get(result_light))
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

// ------------------------------------------------------------------ model

#[derive(Clone, Copy)]
struct Person {
    first: &'static str,
    last: &'static str,
    middle: &'static str,
    iin: &'static str,
}

/// How a session's blocks are written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Spelling {
    /// `overall_result`, `failure_reasons`, `doc_recognition_result` (the seed).
    Seed,
    /// `flow_session_result`, `flow_session_failure_reasons`, `document_recognition_result`.
    Alternative,
}

struct Session {
    status: String,
    created_at: u64,
    finished_at: Option<u64>,
    spelling: Spelling,
    technologies: Vec<&'static str>,
    /// Per-technology blocks in their final form (images as `$image:name`).
    blocks: Vec<(&'static str, Value)>,
    verdict: Option<bool>,
    failure_reasons: Vec<(&'static str, &'static str)>,
    /// `Some(polls so far)` while the session still moves towards FINISHED.
    moving_polls: Option<u32>,
    reviews: Vec<Value>,
}

pub(super) struct BioState {
    sessions: HashMap<String, Session>,
}

/// How images are rendered.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Images {
    /// Short-lived S3-style URLs (`/result/light/`, MCP light result).
    Light,
    /// Base64 inline (`/result/`).
    Inline,
    /// No media at all (MCP `get_flow_session`).
    Omit,
}

fn technology(code: &str) -> Value {
    let (name, description) = match code {
        "LIVENESS_CORE" => (
            "Liveness Core",
            "Checks that a live person is in front of the camera",
        ),
        "DOCUMENT_RECOGNITION" => (
            "Document Recognition",
            "ID document capture, OCR and anti-fraud checks",
        ),
        "FACE2FACE" => ("Face 2 Face", "Compares the selfie with the document photo"),
        "EDOCUMENT" => ("E-Document", "Electronic identity document from eGov"),
        "GBDFL" => ("GBDFL", "State database of individuals"),
        "AML" => ("AML", "Sanctions and PEP screening"),
        _ => ("Unknown", ""),
    };
    json!({"name": name, "code": code, "description": description})
}

fn reason(kind: &str, detail: &str) -> Value {
    json!({"type": kind, "detail": detail})
}

fn liveness(ok: bool, prediction: &str) -> Value {
    json!({
        "result": ok,
        "eye_closed": false,
        "prediction": prediction,
        "face_center": true,
        "face_direction": "center",
        "failure_reason": if ok { Value::Null } else { reason("CALC_RESULT", "Low prediction") },
        "image": "$image:liveness",
    })
}

fn face2face(ok: bool, prediction: &str, percent: &str) -> Value {
    json!({
        "result": ok,
        "prediction": prediction,
        "prediction_percent": percent,
        "failure_reason": if ok { Value::Null } else { reason("CALC_RESULT", "Low similarity") },
        "image_1": "$image:selfie",
        "image_2": "$image:document_face",
    })
}

fn doc_recognition(person: Person, ok: bool, failure: Option<Value>) -> Value {
    json!({
        "result": ok,
        "document_type": "ID_CARD",
        "country": "KZ",
        "fields": {
            "first_name": person.first.to_uppercase(),
            "last_name": person.last.to_uppercase(),
            "document_number": "046512783",
            "date_of_birth": "1991-04-12",
            "expiry_date": if ok { "2031-08-30" } else { "2024-02-11" },
        },
        "failure_reason": failure.unwrap_or(Value::Null),
        "front_image": "$image:document_front",
        "back_image": "$image:document_back",
    })
}

fn edocument(person: Person) -> Value {
    json!({
        "result": true,
        "result_json": {"common": {"docOwner": {
            "iin": person.iin,
            "firstName": person.first.to_uppercase(),
            "lastName": person.last.to_uppercase(),
            "middleName": person.middle.to_uppercase(),
        }}},
        "phone": "+77015550123",
        "failure_reason": null,
    })
}

fn gbdfl(person: Person, status: &str) -> Value {
    json!({
        "result": status == "VALID",
        "status": status,
        "iin": person.iin,
        "result_json": if status == "VALID" {
            json!({"gbdfl_response": {
                "iin": person.iin,
                "lastName": person.last.to_uppercase(),
                "firstName": person.first.to_uppercase(),
                "middleName": person.middle.to_uppercase(),
                "birthDate": "1991-04-12",
                "gender": "FEMALE",
                "citizenship": "KAZ",
                "lifeStatus": "ALIVE",
            }})
        } else {
            json!({"gbdfl_response": null})
        },
        "failure_reason": if status == "TIMEOUT" {
            reason("TIMEOUT", "GBDFL did not answer in time")
        } else {
            Value::Null
        },
    })
}

fn aml(person: Person, ok: bool) -> Value {
    json!({
        "result": ok,
        "matches": if ok { json!([]) } else { json!([{
            "list": "OFAC SDN",
            "name": format!("{} {}", person.first.to_uppercase(), person.last.to_uppercase()),
            "score": "0.97",
        }]) },
        "failure_reason": if ok { Value::Null } else {
            reason("CALC_RESULT", "Match found on sanctions list")
        },
    })
}

fn doc_key(spelling: Spelling) -> &'static str {
    match spelling {
        Spelling::Seed => "doc_recognition_result",
        Spelling::Alternative => "document_recognition_result",
    }
}

/// The standard LIVENESS_CORE → DOCUMENT_RECOGNITION → FACE2FACE (+ e-gov) flow.
fn standard_blocks(person: Person, spelling: Spelling) -> Vec<(&'static str, Value)> {
    vec![
        ("liveness_result", liveness(true, "0.9980")),
        (doc_key(spelling), doc_recognition(person, true, None)),
        ("face2face_result", face2face(true, "0.9712", "97.12")),
        ("edocument_result", edocument(person)),
        ("gbdfl_result", gbdfl(person, "VALID")),
    ]
}

const STANDARD_TECHNOLOGIES: [&str; 5] = [
    "LIVENESS_CORE",
    "DOCUMENT_RECOGNITION",
    "FACE2FACE",
    "EDOCUMENT",
    "GBDFL",
];

fn replace_block(blocks: &mut [(&'static str, Value)], key: &str, value: Value) {
    if let Some(slot) = blocks.iter_mut().find(|(k, _)| *k == key) {
        slot.1 = value;
    }
}

impl Session {
    fn new(status: &str, created_at: u64, person: Person, spelling: Spelling) -> Session {
        let finished = !matches!(status, "CREATED" | "QR" | "PROGRESS");
        Session {
            status: status.to_string(),
            created_at,
            finished_at: finished.then_some(created_at + 185),
            spelling,
            technologies: STANDARD_TECHNOLOGIES.to_vec(),
            blocks: standard_blocks(person, spelling),
            verdict: Some(true),
            failure_reasons: Vec::new(),
            moving_polls: None,
            reviews: Vec::new(),
        }
    }

    fn failing(mut self, reasons: &[(&'static str, &'static str)]) -> Session {
        self.verdict = Some(false);
        self.failure_reasons = reasons.to_vec();
        self
    }

    /// One REST result read. Returns true when this read must show the empty
    /// `{}` blocks that follow FINISHED for one poll.
    fn poll(&mut self, polls_to_settle: u32) -> bool {
        let Some(polls) = self.moving_polls else {
            return false;
        };
        let polls = polls + 1;
        if polls >= polls_to_settle {
            self.moving_polls = None;
            self.status = "FINISHED".into();
            self.finished_at = Some(now_secs());
            polls_to_settle > 0
        } else {
            self.moving_polls = Some(polls);
            self.status = if polls == 1 { "CREATED" } else { "PROGRESS" }.into();
            false
        }
    }

    fn render(&self, id: &str, images: Images, host: &str, empty_blocks: bool) -> Value {
        let mut out = Map::new();
        out.insert("id".into(), json!(id));
        out.insert("status".into(), json!(self.status));
        out.insert("created_at".into(), json!(iso_secs(self.created_at)));
        let finished_at = self.finished_at.map(iso_secs);
        out.insert("validated_at".into(), json!(finished_at));
        out.insert("finished_at".into(), json!(finished_at));
        out.insert(
            "technologies".into(),
            Value::Array(self.technologies.iter().map(|c| technology(c)).collect()),
        );
        let stage = match self.status.as_str() {
            "CREATED" | "QR" => Stage::NotStarted,
            "PROGRESS" => Stage::InProgress,
            _ if empty_blocks => Stage::JustFinished,
            _ => Stage::Done,
        };
        let verdict = match stage {
            Stage::Done => json!(self.verdict),
            _ => Value::Null,
        };
        let reasons: Vec<(&str, &str)> = match stage {
            Stage::Done => self.failure_reasons.clone(),
            _ => Vec::new(),
        };
        match self.spelling {
            Spelling::Seed => {
                out.insert("overall_result".into(), verdict);
                out.insert(
                    "failure_reasons".into(),
                    Value::Array(reasons.iter().map(|(t, d)| reason(t, d)).collect()),
                );
            }
            Spelling::Alternative => {
                out.insert("flow_session_result".into(), verdict);
                out.insert(
                    "flow_session_failure_reasons".into(),
                    Value::Array(reasons.iter().map(|(_, d)| json!(d)).collect()),
                );
            }
        }
        for (index, (key, block)) in self.blocks.iter().enumerate() {
            let block = match stage {
                Stage::NotStarted => continue,
                Stage::InProgress if index > 0 => json!({}),
                Stage::JustFinished => json!({}),
                _ => render_images(block, id, images, host),
            };
            out.insert((*key).into(), block);
        }
        Value::Object(out)
    }
}

enum Stage {
    NotStarted,
    InProgress,
    JustFinished,
    Done,
}

fn render_images(value: &Value, session_id: &str, images: Images, host: &str) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            for (key, item) in map {
                if let Some(name) = item.as_str().and_then(|s| s.strip_prefix("$image:")) {
                    match images {
                        Images::Omit => {}
                        Images::Inline => {
                            out.insert(key.clone(), json!(TINY_JPEG_B64));
                        }
                        Images::Light => {
                            out.insert(key.clone(), json!(s3_url(host, session_id, name)));
                        }
                    }
                } else {
                    out.insert(key.clone(), render_images(item, session_id, images, host));
                }
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

/// A presigned-looking URL (served by `/__sandbox/media/…`, expires in 300 s).
fn s3_url(host: &str, session_id: &str, name: &str) -> String {
    let now = now_secs();
    let date = amz_date(now);
    format!(
        "http://{host}/__sandbox/media/{session_id}/{name}.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256\
         &X-Amz-Credential=AKIASANDBOX%2F{}%2Feu-central-1%2Fs3%2Faws4_request\
         &X-Amz-Date={date}&X-Amz-Expires=300&X-Amz-SignedHeaders=host&X-Amz-Signature={}",
        &date[..8],
        random_hex(32)
    )
}

/// The sandbox "photo" behind every S3-style URL.
pub(super) async fn media(Path((_session, _name)): Path<(String, String)>) -> Response {
    let bytes = b64_decode(TINY_JPEG_B64).unwrap_or_default();
    let mut response = (StatusCode::OK, bytes).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg"));
    response
}

const SEEDED_AT: u64 = 1_779_170_000; // 2026-05-19T05:53:20Z

/// The person behind a walk-in session.
const WALK_IN_PERSON: Person = Person {
    first: "Walk-in",
    last: "Customer",
    middle: "Sandboxovna",
    iin: "000101400999",
};

impl BioState {
    /// Admits a walk-in session (`bio_ids::is_walk_in`) the first time a REST
    /// result or MCP call names it: a brand-new clean session that moves like
    /// `moving_to_finished` (CREATED → PROGRESS → FINISHED with one poll of
    /// empty blocks, then the full clean-pass blocks). Anything else is left
    /// alone (and stays 404).
    fn admit_walk_in(&mut self, session_id: &str) {
        if !ids::is_walk_in(session_id) || self.sessions.contains_key(session_id) {
            return;
        }
        let mut session = Session::new("CREATED", now_secs(), WALK_IN_PERSON, Spelling::Seed);
        session.moving_polls = Some(0);
        self.sessions.insert(session_id.to_string(), session);
        tracing::debug!(session_id, "sandbox: new biometric.kz walk-in session");
    }
}

impl BioState {
    pub(super) fn seeded() -> BioState {
        let aigerim = Person {
            first: "Aigerim",
            last: "Nurlanovna",
            middle: "Serikkyzy",
            iin: "910412450123",
        };
        let daniyar = Person {
            first: "Daniyar",
            last: "Akhmetov",
            middle: "Bolatuly",
            iin: "880203350456",
        };
        let madina = Person {
            first: "Madina",
            last: "Omarova",
            middle: "Kairatkyzy",
            iin: "950717400789",
        };
        let yerlan = Person {
            first: "Yerlan",
            last: "Sadykov",
            middle: "Maratuly",
            iin: "790930300112",
        };
        let seed = Spelling::Seed;
        let alt = Spelling::Alternative;
        let mut sessions = HashMap::new();
        let mut at = SEEDED_AT;
        let mut add = |id: &str, session: Session| {
            sessions.insert(id.to_string(), session);
        };
        let mut next = || {
            at += 600;
            at
        };

        add(
            ids::CLEAN_PASS,
            Session::new("FINISHED", next(), aigerim, seed),
        );

        let mut s = Session::new("FAILED", next(), daniyar, seed)
            .failing(&[("CALC_RESULT", "Low prediction")]);
        replace_block(&mut s.blocks, "liveness_result", liveness(false, "0.3120"));
        // The flow stops at the failed liveness: later technologies never ran.
        s.blocks.truncate(1);
        add(ids::LIVENESS_FAILURE, s);

        let mut s = Session::new("FINISHED", next(), madina, alt)
            .failing(&[("CALC_RESULT", "Low similarity")]);
        replace_block(
            &mut s.blocks,
            "face2face_result",
            face2face(false, "0.41", "41.00"),
        );
        add(ids::FACE_MISMATCH, s);

        let mut s = Session::new("FINISHED", next(), yerlan, seed)
            .failing(&[("CALC_RESULT", "Match found on sanctions list")]);
        s.technologies.push("AML");
        s.blocks.push(("aml_result", aml(yerlan, false)));
        add(ids::SANCTIONS_HIT, s);

        let mut s = Session::new("IN_REVIEW", next(), madina, seed)
            .failing(&[("CALC_RESULT", "Low similarity")]);
        replace_block(
            &mut s.blocks,
            "face2face_result",
            face2face(false, "0.8300", "83.00"),
        );
        add(ids::IN_REVIEW, s);

        let mut s = Session::new("IN_REVIEW", next(), daniyar, alt)
            .failing(&[("CALC_RESULT", "Document expired")]);
        replace_block(
            &mut s.blocks,
            doc_key(alt),
            doc_recognition(
                daniyar,
                false,
                Some(reason("CALC_RESULT", "Document expired")),
            ),
        );
        add(ids::IN_REVIEW_SECOND, s);

        let mut s = Session::new("FINISHED", next(), yerlan, seed).failing(&[]);
        replace_block(
            &mut s.blocks,
            doc_key(seed),
            doc_recognition(yerlan, false, None),
        );
        add(ids::FINISHED_NOT_IN_REVIEW, s);

        add(
            ids::UNKNOWN_STATUS,
            Session::new("ARCHIVED", next(), aigerim, seed),
        );

        let mut s = Session::new("CREATED", next(), aigerim, seed);
        s.moving_polls = Some(0);
        add(ids::MOVING_TO_FINISHED, s);

        add(ids::CREATED, Session::new("CREATED", next(), daniyar, seed));
        add(ids::QR, Session::new("QR", next(), madina, seed));
        add(
            ids::PROGRESS,
            Session::new("PROGRESS", next(), yerlan, seed),
        );
        add(
            ids::APPROVED,
            Session::new("APPROVED", next(), aigerim, seed),
        );

        let mut s = Session::new("DECLINED", next(), daniyar, seed)
            .failing(&[("CALC_RESULT", "Low similarity")]);
        replace_block(
            &mut s.blocks,
            "face2face_result",
            face2face(false, "0.5200", "52.00"),
        );
        add(ids::DECLINED, s);

        let mut s = Session::new("FINISHED", next(), madina, seed)
            .failing(&[("TIMEOUT", "GBDFL did not answer in time")]);
        replace_block(&mut s.blocks, "gbdfl_result", gbdfl(madina, "TIMEOUT"));
        add(ids::GBDFL_TIMEOUT, s);

        BioState { sessions }
    }
}

// ------------------------------------------------------- REST handlers

fn invalid_flow_key() -> Response {
    error(StatusCode::FORBIDDEN, "Invalid flow api key.")
}

fn field_required(field: &str) -> Response {
    json_response(
        StatusCode::BAD_REQUEST,
        &json!({ field: ["This field is required."] }),
    )
}

async fn create(State(sandbox): State<Sandbox>, body: Bytes) -> Response {
    let body: Value = match serde_json::from_slice(&body) {
        Ok(body) => body,
        Err(e) => {
            return error(StatusCode::BAD_REQUEST, &format!("JSON parse error - {e}"));
        }
    };
    let Some(api_key) = body.get("api_key").and_then(Value::as_str) else {
        return field_required("api_key");
    };
    if api_key != sandbox.config().biometric_flow_api_key {
        return invalid_flow_key();
    }
    let person = Person {
        first: "Aliya",
        last: "Bekova",
        middle: "Nurlanovna",
        iin: "000101400321",
    };
    let mut session = Session::new("CREATED", now_secs(), person, Spelling::Seed);
    session.moving_polls = Some(0);
    let technologies = session.technologies.clone();
    let id = uuid_v4();
    sandbox.state().bio.sessions.insert(id.clone(), session);
    json_response(
        StatusCode::CREATED,
        &json!({"session_id": id, "technologies": technologies}),
    )
}

fn host(headers: &HeaderMap) -> String {
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost")
        .to_string()
}

fn result(sandbox: &Sandbox, query: Option<&str>, headers: &HeaderMap, images: Images) -> Response {
    let Some(session_id) = query_param(query, "session_id").filter(|s| !s.is_empty()) else {
        return field_required("session_id");
    };
    match query_param(query, "flow_api_key") {
        Some(key) if key == sandbox.config().biometric_flow_api_key => {}
        _ => return invalid_flow_key(),
    }
    let polls_to_settle = sandbox.config().polls_to_settle;
    let mut state = sandbox.state();
    state.bio.admit_walk_in(&session_id);
    let Some(session) = state.bio.sessions.get_mut(&session_id) else {
        return error(StatusCode::NOT_FOUND, "Not found.");
    };
    let empty = session.poll(polls_to_settle);
    let body = session.render(&session_id, images, &host(headers), empty);
    json_response(StatusCode::OK, &body)
}

async fn result_full(
    State(sandbox): State<Sandbox>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    result(&sandbox, query.as_deref(), &headers, Images::Inline)
}

async fn result_light(
    State(sandbox): State<Sandbox>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    result(&sandbox, query.as_deref(), &headers, Images::Light)
}

// ------------------------------------------------- used by the MCP tools

impl BioState {
    /// A session as MCP shows it (MCP reads never advance a moving session).
    pub(super) fn view(&mut self, session_id: &str, images: Images, host: &str) -> Option<Value> {
        self.admit_walk_in(session_id);
        self.sessions
            .get(session_id)
            .map(|s| s.render(session_id, images, host, false))
    }

    /// `update_flow_session_status`: only IN_REVIEW → APPROVED | DECLINED.
    pub(super) fn finalise(
        &mut self,
        session_id: &str,
        status: &str,
        content: Option<&str>,
    ) -> Result<Value, String> {
        self.admit_walk_in(session_id);
        let session = self
            .sessions
            .get_mut(session_id)
            .ok_or_else(|| format!("Flow session {session_id} not found"))?;
        if status != "APPROVED" && status != "DECLINED" {
            return Err(format!(
                "Invalid status {status:?}: update_flow_session_status only accepts APPROVED or DECLINED"
            ));
        }
        if session.status != "IN_REVIEW" {
            return Err(format!(
                "Flow session {session_id} is not in review (current status: {}). \
                 Only a session in IN_REVIEW can be finalised; take it in the Cabinet first.",
                session.status
            ));
        }
        session.status = status.to_string();
        session.finished_at = session.finished_at.or(Some(now_secs()));
        let now = iso_secs(now_secs());
        session.reviews.push(json!({
            "id": uuid_v4(),
            "session_id": session_id,
            "type": "STATUS_CHANGE",
            "status": status,
            "text_content": content,
            "created_at": now,
        }));
        Ok(json!({
            "id": session_id,
            "status": status,
            "content": content,
            "updated_at": now,
        }))
    }

    /// `create_flow_session_review`: a MESSAGE review.
    pub(super) fn add_review(&mut self, session_id: &str, text: &str) -> Result<Value, String> {
        self.admit_walk_in(session_id);
        let session = self
            .sessions
            .get_mut(session_id)
            .ok_or_else(|| format!("Flow session {session_id} not found"))?;
        let review = json!({
            "id": uuid_v4(),
            "session_id": session_id,
            "type": "MESSAGE",
            "text_content": text,
            "created_at": iso_secs(now_secs()),
        });
        session.reviews.push(review.clone());
        Ok(review)
    }

    /// `list_flow_session_reviews`.
    pub(super) fn reviews(&mut self, session_id: &str) -> Result<Value, String> {
        self.admit_walk_in(session_id);
        self.sessions
            .get(session_id)
            .map(|s| Value::Array(s.reviews.clone()))
            .ok_or_else(|| format!("Flow session {session_id} not found"))
    }
}
