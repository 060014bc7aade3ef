//! The result blocks of a flow session, one per technology, as the seed
//! writes them (images as `$image:name`, rendered by `session.rs`), and the
//! people they are about.

use serde_json::{json, Value};

#[derive(Clone, Copy)]
pub(super) struct Person {
    pub(super) first: &'static str,
    pub(super) last: &'static str,
    pub(super) middle: &'static str,
    pub(super) iin: &'static str,
}

/// How a session's blocks are written.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Spelling {
    /// `overall_result`, `failure_reasons`, `doc_recognition_result` (the seed).
    Seed,
    /// `flow_session_result`, `flow_session_failure_reasons`, `document_recognition_result`.
    Alternative,
}

pub(super) fn technology(code: &str) -> Value {
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

pub(super) fn reason(kind: &str, detail: &str) -> Value {
    json!({"type": kind, "detail": detail})
}

pub(super) fn liveness(ok: bool, prediction: &str) -> Value {
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

pub(super) fn face2face(ok: bool, prediction: &str, percent: &str) -> Value {
    json!({
        "result": ok,
        "prediction": prediction,
        "prediction_percent": percent,
        "failure_reason": if ok { Value::Null } else { reason("CALC_RESULT", "Low similarity") },
        "image_1": "$image:selfie",
        "image_2": "$image:document_face",
    })
}

pub(super) fn doc_recognition(person: Person, ok: bool, failure: Option<Value>) -> Value {
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

pub(super) fn edocument(person: Person) -> Value {
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

pub(super) fn gbdfl(person: Person, status: &str) -> Value {
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

pub(super) fn aml(person: Person, ok: bool) -> Value {
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

pub(super) fn doc_key(spelling: Spelling) -> &'static str {
    match spelling {
        Spelling::Seed => "doc_recognition_result",
        Spelling::Alternative => "document_recognition_result",
    }
}

/// The standard LIVENESS_CORE → DOCUMENT_RECOGNITION → FACE2FACE (+ e-gov) flow.
pub(super) fn standard_blocks(person: Person, spelling: Spelling) -> Vec<(&'static str, Value)> {
    vec![
        ("liveness_result", liveness(true, "0.9980")),
        (doc_key(spelling), doc_recognition(person, true, None)),
        ("face2face_result", face2face(true, "0.9712", "97.12")),
        ("edocument_result", edocument(person)),
        ("gbdfl_result", gbdfl(person, "VALID")),
    ]
}

pub(super) const STANDARD_TECHNOLOGIES: [&str; 5] = [
    "LIVENESS_CORE",
    "DOCUMENT_RECOGNITION",
    "FACE2FACE",
    "EDOCUMENT",
    "GBDFL",
];

pub(super) fn replace_block(blocks: &mut [(&'static str, Value)], key: &str, value: Value) {
    if let Some(slot) = blocks.iter_mut().find(|(k, _)| *k == key) {
        slot.1 = value;
    }
}
