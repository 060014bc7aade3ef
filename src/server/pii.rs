//! Personal data in the providers' payloads, before a reveal.
//!
//! A stored payload has been through `providers::json::redact` (media, document numbers and
//! secrets are gone for good), but it still holds personal data: names, e-mail addresses, dates
//! of birth, addresses, phone numbers, and free text that may quote any of them. Before a
//! recorded reveal, [`mask_personal`] shows every string and number of a payload as [`MASK`],
//! except the values of the non-personal fields in [`ALLOWED`]: statuses and verdicts, check
//! flags, scores and thresholds, codes, timestamps and the providers' own record ids. Booleans,
//! nulls, empty strings and `[redacted]` stay as they are, and so do the keys (the shape of the
//! payload is not personal).
//!
//! Text built from a payload (a check's reason or comment, a failure reason) is masked too when it
//! repeats a value that the payload view masks: see [`Personal`].

use std::collections::BTreeSet;

use serde_json::Value;

use super::providers::json::{json_in_string, norm_key, REDACTED};

/// What a personal value is shown as before a reveal.
pub const MASK: &str = "•••";

/// Where an allowlisted key's values are shown.
enum Within {
    Anywhere,
    /// Only directly inside one of these keys (normalized; `""` is the top of the payload).
    /// Arrays and JSON-in-string fields are looked through: the items of `"nodes": [{…}]` are
    /// inside `nodes`.
    Parents(&'static [&'static str]),
}

use Within::{Anywhere, Parents};

/// The non-personal fields, by key, normalized: lower case, `_` and `-` left out
/// (`date_of_birth` is `dateofbirth`). `*` stands for any key. Free text (`comment`,
/// `description`, `message`, `detail`, `suggestion`), names, contact details, dates of birth,
/// document data and addresses are deliberately not here.
const ALLOWED: &[(&str, Within)] = &[
    // Statuses, verdicts and check flags (Eclipse's `checked`/`passed`/`pending` can be
    // strings); keys ending in `result` or `results` are listed in `is_verdict_key`.
    ("status", Anywhere),
    ("outcome", Anywhere),
    ("decision", Anywhere),
    ("checked", Anywhere),
    ("passed", Anywhere),
    ("pending", Anywhere),
    ("success", Anywhere),
    ("severity", Anywhere),
    // IdentityMind's decision fields: state (A/D/R), result, fired rule, rule codes, user
    // reputation. A `state` elsewhere is an address (Vouched's `result.state`).
    ("state", Parents(&["providerrepresentation"])),
    ("res", Parents(&["providerrepresentation"])),
    ("frp", Parents(&["providerrepresentation"])),
    ("frn", Parents(&["providerrepresentation"])),
    ("rcd", Parents(&["providerrepresentation"])),
    ("upr", Parents(&["providerrepresentation"])),
    ("user", Parents(&["providerrepresentation"])),
    // Codes and kinds. A top-level `code` can be a one-time password (WIDTH's OTP body).
    (
        "code",
        Parents(&["technologies", "reasons", "errors", "failurereason"]),
    ),
    ("type", Anywhere),
    ("reason", Anywhere),
    ("resultcode", Anywhere),
    ("test", Anywhere),
    ("ruleid", Anywhere),
    ("nodetype", Anywhere),
    ("eventtype", Anywhere),
    ("documenttype", Anywhere),
    ("doctype", Anywhere),
    ("mediatype", Anywhere),
    ("technologies", Anywhere),
    ("provider", Anywhere),
    // Names of checks, rules and technologies (a `name` elsewhere is a person's).
    (
        "name",
        Parents(&["technologies", "reportedrule", "nodes", "checks"]),
    ),
    ("checkname", Parents(&["nodes", "checks"])),
    // The lists a sanctions check's words name (KYC Desk's own reading: "OFAC (US)").
    ("watchlists", Parents(&["checks"])),
    // Scores and thresholds; Vouched's `confidences` and WIDTH's `checks` map names to them.
    ("score", Anywhere),
    ("prediction", Anywhere),
    ("predictionpercent", Anywhere),
    ("threshold", Anywhere),
    ("confidence", Anywhere),
    ("awsfacelivenessscore", Anywhere),
    ("qualityscore", Anywhere),
    ("brightnessscore", Anywhere),
    ("brightnessstatus", Anywhere),
    ("*", Parents(&["confidences", "checks"])),
    // Timestamps; keys ending in `_at` or `At` are listed in `is_timestamp_key`.
    ("lastmodified", Anywhere),
    ("submitted", Anywhere),
    ("ts", Anywhere),
    ("timestamp", Anywhere),
    // The providers' own record ids (an `id` elsewhere may be a document's number).
    (
        "id",
        Parents(&[
            "",
            "providerrepresentation",
            "similarkycapplications",
            "similarusers",
        ]),
    ),
    ("applicationid", Anywhere),
    ("userid", Anywhere),
    ("customerid", Anywhere),
    ("executionid", Anywhere),
    ("sessionid", Anywhere),
    ("documentid", Anywhere),
    ("requestid", Anywhere),
    ("traceid", Anywhere),
    ("spanid", Anywhere),
    ("awsfacelivenesssessionid", Anywhere),
    ("awslivenesssessionid", Anywhere),
    ("referenceid", Anywhere),
    ("identifier", Anywhere),
    ("mtid", Anywhere),
    ("tid", Anywhere),
];

/// `overall_result`, `liveness_result`, `AwsFaceLivenessResult`, `ip_check_results`, …: verdicts.
fn is_verdict_key(normalized: &str) -> bool {
    normalized.ends_with("result") || normalized.ends_with("results")
}

/// `created_at`, `finished_at`, `updatedAt`, …
fn is_timestamp_key(key: &str) -> bool {
    key.ends_with("_at") || key.ends_with("At")
}

/// Whether the values of `key`, directly inside `parent` (`None`: at the top of the payload),
/// are shown before a reveal.
pub fn allowlisted(parent: Option<&str>, key: &str) -> bool {
    let k = norm_key(key);
    if is_verdict_key(&k) || is_timestamp_key(key) {
        return true;
    }
    let p = parent.map(norm_key).unwrap_or_default();
    ALLOWED.iter().any(|(name, within)| {
        (*name == "*" || *name == k)
            && match within {
                Anywhere => true,
                Parents(parents) => parents.contains(&p.as_str()),
            }
    })
}

/// A copy of `payload` with every personal value shown as [`MASK`].
pub fn mask_personal(payload: &Value) -> Value {
    let mut copy = payload.clone();
    mask_in(&mut copy, None, None, &mut BTreeSet::new());
    copy
}

/// Masks, in place, what is below `v` (the value of `key`, inside `parent`), and collects what
/// it masked. Returns whether anything changed.
fn mask_in(
    v: &mut Value,
    key: Option<&str>,
    parent: Option<&str>,
    hidden: &mut BTreeSet<String>,
) -> bool {
    match v {
        Value::Object(map) => map.iter_mut().fold(false, |changed, (k, x)| {
            mask_in(x, Some(k), key, hidden) | changed
        }),
        Value::Array(items) => items.iter_mut().fold(false, |changed, x| {
            mask_in(x, key, parent, hidden) | changed
        }),
        Value::String(s) => {
            let inner = json_in_string(&Value::String(s.clone()));
            if !inner.is_string() {
                let mut inner = inner;
                if !mask_in(&mut inner, key, parent, hidden) {
                    return false;
                }
                *s = serde_json::to_string(&inner).unwrap_or_else(|_| MASK.to_string());
                return true;
            }
            let kept = s.is_empty() || s == REDACTED || s == MASK;
            if kept || key.is_some_and(|k| allowlisted(parent, k)) {
                return false;
            }
            remember(hidden, s);
            *s = MASK.to_string();
            true
        }
        Value::Number(n) => {
            if key.is_some_and(|k| allowlisted(parent, k)) {
                return false;
            }
            remember(hidden, &n.to_string());
            *v = Value::String(MASK.to_string());
            true
        }
        Value::Bool(_) | Value::Null => false,
    }
}

fn remember(hidden: &mut BTreeSet<String>, s: &str) {
    hidden.insert(s.to_string());
    let t = s.trim();
    if t.len() != s.len() && !t.is_empty() {
        hidden.insert(t.to_string());
    }
}

/// The values a payload's masked view hides, to mask text that repeats them: a mapper copies a
/// check's comment, a failure's detail or an error's message from the payload as sent.
#[derive(Debug, Default)]
pub struct Personal {
    values: BTreeSet<String>,
}

impl Personal {
    /// The personal values of `payload` (what [`mask_personal`] masks).
    pub fn of(payload: &Value) -> Personal {
        let mut values = BTreeSet::new();
        mask_in(&mut payload.clone(), None, None, &mut values);
        Personal { values }
    }

    /// Whether `text` repeats a personal value: equals one, or contains one of 3 characters or
    /// more (ignoring case from 5: display names are built by changing case).
    pub fn repeated_in(&self, text: &str) -> bool {
        let lower = text.to_lowercase();
        self.values.iter().any(|v| {
            let n = v.chars().count();
            text == v
                || (n >= 3 && text.contains(v.as_str()))
                || (n >= 5 && lower.contains(&v.to_lowercase()))
        })
    }

    /// `text` itself, or [`MASK`] when it repeats a personal value.
    pub fn mask(&self, text: String) -> String {
        if self.repeated_in(&text) {
            MASK.to_string()
        } else {
            text
        }
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn personal_values_are_masked_and_non_personal_ones_stay() {
        let payload = json!({
            "id": "app-1",
            "status": "rejected",
            "name": "John Smith",
            "email": "john@example.com",
            "description": "Vouched rejected the job",
            "created_at": "2019-11-13T03:55:02Z",
            "params": {"date_of_birth": "01/15/1990", "first_name": "John", "phone": 77011234567u64},
            "provider_representation": {
                "state": "D",
                "result": {"id": REDACTED, "state": "WI", "dob": "01/15/1990",
                           "confidences": {"faceMatch": 0.12}},
                "errors": [{"type": "FaceMatchError", "message": "faces do not match"}]
            },
            "technologies": ["LIVENESS", {"code": "GBDFL", "name": "GBDFL", "description": "x"}],
            "personData": "{\"name\":\"John Smith\",\"address\":\"123 Main St\"}",
            "flags": {"checked": "true", "empty": "", "none": null, "yes": true}
        });
        let m = mask_personal(&payload);
        for (path, shown) in [
            ("/id", json!("app-1")),
            ("/status", json!("rejected")),
            ("/created_at", json!("2019-11-13T03:55:02Z")),
            ("/provider_representation/state", json!("D")),
            ("/provider_representation/result/id", json!(REDACTED)),
            (
                "/provider_representation/result/confidences/faceMatch",
                json!(0.12),
            ),
            (
                "/provider_representation/errors/0/type",
                json!("FaceMatchError"),
            ),
            ("/technologies/0", json!("LIVENESS")),
            ("/technologies/1/code", json!("GBDFL")),
            ("/technologies/1/name", json!("GBDFL")),
            ("/flags/checked", json!("true")),
            ("/flags/empty", json!("")),
            ("/flags/none", Value::Null),
            ("/flags/yes", json!(true)),
        ] {
            assert_eq!(m.pointer(path), Some(&shown), "{path} stays");
        }
        for path in [
            "/name",
            "/email",
            "/description",
            "/params/date_of_birth",
            "/params/first_name",
            "/params/phone",
            "/provider_representation/result/state",
            "/provider_representation/result/dob",
            "/provider_representation/errors/0/message",
            "/technologies/1/description",
        ] {
            assert_eq!(m.pointer(path), Some(&json!(MASK)), "{path} is masked");
        }
        let person = json_in_string(&m["personData"]);
        assert_eq!(person, json!({"name": MASK, "address": MASK}));
    }

    #[test]
    fn masking_twice_changes_nothing_more() {
        let payload = json!({"email": "a@b.c", "nested": "[{\"dob\": \"1990-01-01\"}]"});
        let once = mask_personal(&payload);
        assert_eq!(mask_personal(&once), once);
        assert!(Personal::of(&once).is_empty());
    }

    #[test]
    fn text_that_repeats_a_personal_value_is_masked() {
        let p = Personal::of(&json!({
            "message": "Name John Smith does not match",
            "comment": 42,
            "first_name": "Jo",
            "status": "FAILED"
        }));
        assert_eq!(p.mask("Name John Smith does not match".into()), MASK);
        assert_eq!(
            p.mask("Name John Smith does not match (suggestion: retry)".into()),
            MASK
        );
        assert_eq!(p.mask("Name john smith does not match".into()), MASK);
        assert_eq!(p.mask("42".into()), MASK, "an equal number");
        assert_eq!(p.mask("Jo".into()), MASK, "an equal short value");
        assert_eq!(
            p.mask("Joint check".into()),
            "Joint check",
            "short values only when equal"
        );
        assert_eq!(p.mask("FAILED".into()), "FAILED", "allowlisted values stay");
    }

    #[test]
    fn an_allowlisted_key_counts_only_in_its_parent() {
        assert!(allowlisted(None, "status"));
        assert!(allowlisted(Some("gbdfl_result"), "status"));
        assert!(allowlisted(Some("provider_representation"), "state"));
        assert!(!allowlisted(Some("result"), "state"));
        assert!(allowlisted(Some("technologies"), "name"));
        assert!(!allowlisted(None, "name"));
        assert!(!allowlisted(Some("similar_users"), "name"));
        assert!(allowlisted(Some("confidences"), "anything"));
        assert!(allowlisted(None, "liveness_result"));
        assert!(allowlisted(None, "finished_at"));
        assert!(allowlisted(None, "updatedAt"));
        assert!(!allowlisted(None, "code"), "a top-level code may be an OTP");
        for personal in [
            "email",
            "phone",
            "dob",
            "date_of_birth",
            "dateOfBirth",
            "first_name",
            "firstName",
            "lastName",
            "address",
            "comment",
            "description",
            "message",
            "detail",
            "ip",
            "identity",
        ] {
            assert!(!allowlisted(None, personal), "{personal}");
            assert!(!allowlisted(Some("params"), personal), "{personal}");
        }
    }
}
