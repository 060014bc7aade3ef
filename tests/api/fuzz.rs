//! Property tests of the four mappings: arbitrary JSON, and each provider's real fixtures mutated
//! (fields replaced, removed, added, turned into or out of JSON-in-string) so that the mappers'
//! deep paths are reached, never panic and always give a verification or a clear error; an
//! unknown status is UNKNOWN. Also: masking personal data never leaves one unmasked. A bounded
//! number of cases each, so they run in seconds.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use kyc_desk::domain::verification::UpstreamStatus;
use kyc_desk::server::pii;
use kyc_desk::server::providers::json;
use kyc_desk::server::providers::{
    biometric_kz::mapping as biometric_kz, eclipse::mapping as eclipse, ident::mapping as ident,
    width::mapping as width, MapError, UpstreamResult,
};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::{Map, Value};

const CASES: u32 = 500;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: CASES,
        // A failure prints its minimal case; nothing is written into the tree.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Keys the mappers read (and a few they must ignore), so that generated objects reach them.
const KEYS: &[&str] = &[
    "id",
    "session_id",
    "status",
    "overall_result",
    "flow_session_result",
    "failure_reasons",
    "flow_session_failure_reasons",
    "updated_at",
    "validated_at",
    "finished_at",
    "result",
    "failure_reason",
    "prediction",
    "prediction_percent",
    "result_json",
    "liveness_result",
    "face2face_result",
    "gbdfl_result",
    "ip_check_results",
    "aml_result",
    "technologies",
    "code",
    "name",
    "description",
    "type",
    "detail",
    "lastModified",
    "checked",
    "passed",
    "pending",
    "score",
    "comment",
    "sanctionsListCheck",
    "selfieMatchesNationalIdentity",
    "documentId",
    "customerId",
    "awsFaceLivenessSessionId",
    "extraInfo",
    "completionUrl",
    "AwsFaceLivenessResult",
    "AwsFaceLivenessScore",
    "provider",
    "provider_representation",
    "similar_kyc_applications",
    "similar_users",
    "confidences",
    "errors",
    "message",
    "suggestion",
    "success",
    "state",
    "res",
    "frn",
    "frp",
    "frd",
    "erd",
    "ednaScoreCard",
    "er",
    "reportedRule",
    "ruleId",
    "resultCode",
    "etr",
    "test",
    "details",
    "executionId",
    "currentNode",
    "nodeType",
    "callbackKey",
    "nodes",
    "checks",
    "decision",
    "outcome",
    "reason",
    "reasons",
    "checkName",
    "faceMatch",
    "selfie",
    "email",
    "dob",
    "",
];

/// Strings the mappers give meaning to, and strings that are awkward.
const WORDS: &[&str] = &[
    "PENDING",
    "PASSED",
    "FAILED",
    "FINISHED",
    "CREATED",
    "QR",
    "PROGRESS",
    "IN_REVIEW",
    "APPROVED",
    "DECLINED",
    "accepted",
    "rejected",
    "remediate",
    "review",
    "submitted",
    "failed",
    "vouched",
    "identitymind",
    "completed",
    "active",
    "A",
    "D",
    "R",
    "ACCEPT",
    "DENY",
    "MANUAL_REVIEW",
    "WAITING",
    "RUNNING",
    "COMPLETED",
    "TIMEOUT",
    "CANCELLED",
    "PASS",
    "FAIL",
    "VALID",
    "INVALID",
    "SUCCEEDED",
    "flow_action_liveness_test",
    "flow_action_manual_review",
    "FaceMatchError",
    "InvalidIdPhotoError",
    "true",
    "false",
    "1",
    "0",
    "0.85",
    " 75.73 ",
    "NaN",
    "inf",
    "-1e999",
    "",
    " ",
    "{",
    "[",
    "{}",
    "[]",
    "null",
    "{\"status\":\"FINISHED\"}",
    "[{\"type\":\"CLIENT\",\"detail\":\"x\"}]",
    "data:image/png;base64,iVBORw0KGgo=",
    "https://x.s3.amazonaws.com/a.jpg?X-Amz-Signature=abc",
    "é\u{0}\u{202e}🙂",
];

fn string() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(WORDS).prop_map(str::to_string),
        1 => any::<String>(),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(KEYS).prop_map(str::to_string),
        1 => any::<String>(),
    ]
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f)
            .map(Value::Number)),
        (0u8..=100).prop_map(|n| Value::from(f64::from(n) / 100.0)),
    ]
}

/// Any JSON: scalars, then arrays, objects and JSON-in-string of them, a few levels deep.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        string().prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner.clone()), 0..8)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
            inner.prop_map(|v| Value::String(v.to_string())),
        ]
    })
}

/// One change to a fixture, at the node `at` (an index into its nodes, modulo their number).
#[derive(Debug, Clone)]
enum Mutation {
    Replace(usize, Value),
    Remove(usize),
    Insert(usize, String, Value),
    /// The node becomes the JSON text of itself (JSON-in-string).
    Stringify(usize),
    /// A JSON-in-string node becomes the JSON it holds, so that later changes reach inside.
    Parse(usize),
    /// The node is wrapped in an array.
    Wrap(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let at = any::<usize>();
    prop_oneof![
        3 => (at, any_json()).prop_map(|(i, v)| Mutation::Replace(i, v)),
        2 => at.prop_map(Mutation::Remove),
        2 => (at, key(), any_json()).prop_map(|(i, k, v)| Mutation::Insert(i, k, v)),
        1 => at.prop_map(Mutation::Stringify),
        2 => at.prop_map(Mutation::Parse),
        1 => at.prop_map(Mutation::Wrap),
    ]
}

#[derive(Debug, Clone)]
enum Seg {
    Key(String),
    Index(usize),
}

/// Every node's path, the root's (empty) first.
fn paths(v: &Value, here: &mut Vec<Seg>, out: &mut Vec<Vec<Seg>>) {
    out.push(here.clone());
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                here.push(Seg::Key(k.clone()));
                paths(x, here, out);
                here.pop();
            }
        }
        Value::Array(items) => {
            for (i, x) in items.iter().enumerate() {
                here.push(Seg::Index(i));
                paths(x, here, out);
                here.pop();
            }
        }
        _ => {}
    }
}

fn node_mut<'a>(v: &'a mut Value, path: &[Seg]) -> Option<&'a mut Value> {
    path.iter().try_fold(v, |node, seg| match seg {
        Seg::Key(k) => node.get_mut(k.as_str()),
        Seg::Index(i) => node.get_mut(*i),
    })
}

fn apply(v: &mut Value, m: &Mutation) {
    let mut all = Vec::new();
    paths(v, &mut Vec::new(), &mut all);
    let at = |i: &usize| all[*i % all.len()].clone();
    match m {
        Mutation::Replace(i, new) => {
            if let Some(node) = node_mut(v, &at(i)) {
                *node = new.clone();
            }
        }
        Mutation::Remove(i) => {
            let path = at(i);
            let Some((last, parent)) = path.split_last() else {
                return;
            };
            match (node_mut(v, parent), last) {
                (Some(Value::Object(map)), Seg::Key(k)) => {
                    map.remove(k);
                }
                (Some(Value::Array(items)), Seg::Index(n)) if *n < items.len() => {
                    items.remove(*n);
                }
                _ => {}
            }
        }
        Mutation::Insert(i, k, new) => match node_mut(v, &at(i)) {
            Some(Value::Object(map)) => {
                map.insert(k.clone(), new.clone());
            }
            Some(Value::Array(items)) => items.push(new.clone()),
            _ => {}
        },
        Mutation::Stringify(i) => {
            if let Some(node) = node_mut(v, &at(i)) {
                *node = Value::String(node.to_string());
            }
        }
        Mutation::Parse(i) => {
            if let Some(node) = node_mut(v, &at(i)) {
                *node = json::json_in_string(node);
            }
        }
        Mutation::Wrap(i) => {
            if let Some(node) = node_mut(v, &at(i)) {
                *node = Value::Array(vec![node.take()]);
            }
        }
    }
}

/// Each provider's fixtures.
fn fixtures_of(provider: &str) -> &'static [Value] {
    static ALL: OnceLock<Vec<(String, Vec<Value>)>> = OnceLock::new();
    let all = ALL.get_or_init(|| {
        let mut by: Vec<(String, Vec<Value>)> = Vec::new();
        for (p, _, v) in crate::personal_data::fixtures() {
            match by.iter_mut().find(|(q, _)| *q == p) {
                Some((_, list)) => list.push(v),
                None => by.push((p, vec![v])),
            }
        }
        by
    });
    all.iter()
        .find(|(p, _)| p == provider)
        .map(|(_, list)| list.as_slice())
        .unwrap_or_else(|| panic!("no fixtures for {provider}"))
}

/// A payload for `provider`: one of its fixtures changed a few times, or any JSON at all.
fn payload(provider: &'static str) -> impl Strategy<Value = Value> {
    let n = fixtures_of(provider).len();
    let mutated = (0..n, prop::collection::vec(mutation(), 1..6)).prop_map(move |(i, ms)| {
        let mut v = fixtures_of(provider)[i].clone();
        for m in &ms {
            apply(&mut v, m);
        }
        v
    });
    prop_oneof![3 => mutated, 1 => any_json()]
}

/// A verification (keyed, serializable, an unknown status UNKNOWN, a snapshot without planted
/// secrets), or a clear error naming what was wrong.
fn verification_or_clear_error(
    r: Result<UpstreamResult, MapError>,
    known: &[&str],
) -> Result<(), TestCaseError> {
    match r {
        Ok(r) => {
            prop_assert!(!r.upstream_ref.trim().is_empty(), "unkeyed: {r:?}");
            prop_assert!(serde_json::to_string(&r).is_ok());
            if !known.contains(&r.status_raw.as_str()) {
                prop_assert_eq!(r.status, UpstreamStatus::Unknown, "{}", r.status_raw);
                prop_assert!(!r.terminal);
            }
            let mut texts = Vec::new();
            strings(&r.snapshot, &mut texts);
            for t in texts {
                prop_assert!(!json::is_sensitive_string(&t), "stored: {t}");
            }
        }
        Err(e) => {
            let m = e.to_string();
            prop_assert!(
                m.contains(": expected ") || m.contains("is missing or blank"),
                "{m}"
            );
        }
    }
    Ok(())
}

fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => {
            out.push(s.clone());
            let inner = json::json_in_string(v);
            if !inner.is_string() {
                strings(&inner, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(o) => o.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

const ECLIPSE_STATUSES: &[&str] = &["PENDING", "PASSED", "FAILED"];
const BIOMETRIC_KZ_STATUSES: &[&str] = &[
    "CREATED",
    "QR",
    "PROGRESS",
    "FINISHED",
    "FAILED",
    "IN_REVIEW",
    "APPROVED",
    "DECLINED",
];
const IDENT_STATUSES: &[&str] = &[
    "pending",
    "submitted",
    "review",
    "remediate",
    "accepted",
    "rejected",
    "failed",
];
const WIDTH_STATUSES: &[&str] = &[
    "CREATED",
    "RUNNING",
    "WAITING",
    "COMPLETED",
    "FAILED",
    "TIMEOUT",
    "CANCELLED",
];

proptest! {
    #![proptest_config(config())]

    #[test]
    fn the_eclipse_mapping_turns_any_json_into_verifications_or_a_clear_error(
        v in payload("eclipse")
    ) {
        verification_or_clear_error(eclipse::map_result("1592544", &v), ECLIPSE_STATUSES)?;
        match eclipse::map_history("1592544", &v) {
            Ok(all) => {
                for r in all {
                    verification_or_clear_error(Ok(r), ECLIPSE_STATUSES)?;
                }
            }
            Err(e) => verification_or_clear_error(Err(e), ECLIPSE_STATUSES)?,
        }
        let doc = eclipse::map_liveness_document(&v);
        let _ = eclipse::liveness_check(&doc, eclipse::DEFAULT_LIVENESS_THRESHOLD);
        let _ = eclipse::parse_errors(&v.to_string());
    }

    #[test]
    fn the_biometric_kz_mapping_turns_any_json_into_a_verification_or_a_clear_error(
        v in payload("biometric_kz")
    ) {
        for sid in ["3f0c2a5e-8a1b-4c7d-9e2f-6b5a4d3c2b1a", " "] {
            verification_or_clear_error(
                biometric_kz::map_session(sid, &v),
                BIOMETRIC_KZ_STATUSES,
            )?;
        }
        let _ = biometric_kz::parse_session_created(&v);
        let _ = biometric_kz::technologies(&v);
    }

    #[test]
    fn the_ident_mapping_turns_any_json_into_a_verification_or_a_clear_error(
        v in payload("ident")
    ) {
        verification_or_clear_error(ident::map_application(&v), IDENT_STATUSES)?;
        for item in ident::applications(&v) {
            verification_or_clear_error(ident::map_application(item), IDENT_STATUSES)?;
        }
    }

    #[test]
    fn the_width_mapping_turns_any_json_into_a_verification_or_a_clear_error(
        v in payload("width")
    ) {
        verification_or_clear_error(width::map_execution(&v), WIDTH_STATUSES)?;
        verification_or_clear_error(width::map_execution_for("exec-x", &v), WIDTH_STATUSES)?;
        let _ = width::parse_error(&v);
    }

    #[test]
    fn masking_leaves_no_personal_value_and_masking_again_changes_nothing(
        v in prop_oneof![
            payload("eclipse"), payload("biometric_kz"), payload("ident"), payload("width")
        ]
    ) {
        let masked = pii::mask_personal(&v);
        prop_assert_eq!(&pii::mask_personal(&masked), &masked);
        let (mut personal, mut shown) = (BTreeSet::new(), BTreeSet::new());
        crate::personal_data::leaves(&masked, None, None, &mut personal, &mut shown);
        personal.retain(|p| ![pii::MASK, json::REDACTED, ""].contains(&p.as_str()));
        prop_assert!(personal.is_empty(), "unmasked: {personal:?}");
        prop_assert!(pii::Personal::of(&masked).is_empty());
    }
}
