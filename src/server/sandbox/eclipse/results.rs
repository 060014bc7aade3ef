//! The ratify results an [`Outcome`] settles to, and the PENDING result
//! before it: the seed's check objects, one per check the outcome runs.

use serde_json::{json, Map, Value};

/// What a customer's (re-)ratifications settle to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    Passed,
    SanctionsHit,
    LivenessFailure,
    FaceMismatch,
    NameMismatch,
    OnHold,
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
pub(super) fn settled(outcome: Outcome, liveness_passed: bool, last_modified: &str) -> Value {
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
pub(super) fn pending(outcome: Outcome, last_modified: &str) -> Value {
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
