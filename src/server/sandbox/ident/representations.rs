//! What the providers behind ident answer, as its detail call embeds them
//! (`provider_representation`): Vouched jobs and an IdentityMind review.

use serde_json::{json, Value};

use crate::server::sandbox::{now_micros, rfc3339_micros};

/// A Vouched job as ident's detail call embeds it.
pub(super) fn vouched(
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

pub(super) fn vouched_active(job: &str) -> Value {
    json!({
        "errors": [],
        "id": job,
        "result": null,
        "status": "active",
        "submitted": rfc3339_micros(now_micros()),
    })
}

pub(super) fn identitymind_review() -> Value {
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
