//! Fixture-driven tests of the four mappers. Every file under `fixtures/` is named by at
//! least one test below (enforced by `every_fixture_is_named_by_a_test`).

use std::fs;
use std::path::{Path, PathBuf};

use kyc_desk::domain::verification::{
    Check, CheckCategory as Cat, CheckOutcome as Out, ScoreScale, UpstreamStatus as St,
};
use kyc_desk::server::providers::json::{self, REDACTED};
use kyc_desk::server::providers::{
    biometric_kz::mapping as biometric_kz, eclipse::mapping as eclipse, ident::mapping as ident,
    width::mapping as width,
};
use kyc_desk::server::providers::{FailureReason, MapError, UpstreamResult};
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/upstream")
}

fn fixture_text(rel: &str) -> String {
    let p = fixtures_dir().join(rel);
    fs::read_to_string(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
}

fn fixture(rel: &str) -> Value {
    serde_json::from_str(&fixture_text(rel)).unwrap_or_else(|e| panic!("parse {rel}: {e}"))
}

fn eclipse_one(rel: &str) -> UpstreamResult {
    eclipse::map_result("1592544", &fixture(rel)).expect(rel)
}

fn bio(rel: &str) -> UpstreamResult {
    biometric_kz::map_session(BIO_SID, &fixture(rel)).expect(rel)
}

fn app(rel: &str) -> UpstreamResult {
    ident::map_application(&fixture(rel)).expect(rel)
}

fn exec(rel: &str) -> UpstreamResult {
    width::map_execution(&fixture(rel)).expect(rel)
}

const BIO_SID: &str = "3f0c2a5e-8a1b-4c7d-9e2f-6b5a4d3c2b1a";

#[track_caller]
fn row<'a>(r: &'a UpstreamResult, key: &str) -> &'a Check {
    r.check(key).unwrap_or_else(|| {
        let keys: Vec<&str> = r.checks.iter().map(|c| c.key.as_str()).collect();
        panic!("no check {key:?} in {keys:?}")
    })
}

/// Asserts a row's category and outcome, and returns it for further assertions.
#[track_caller]
fn expect_row<'a>(r: &'a UpstreamResult, key: &str, category: Cat, outcome: Out) -> &'a Check {
    let c = row(r, key);
    assert_eq!((c.category, c.outcome), (category, outcome), "check {key}");
    c
}

#[track_caller]
fn keys(r: &UpstreamResult) -> Vec<&str> {
    r.checks.iter().map(|c| c.key.as_str()).collect()
}

#[track_caller]
fn expect_status(r: &UpstreamResult, raw: &str, status: St, terminal: bool) {
    assert_eq!(
        (r.status_raw.as_str(), r.status, r.terminal),
        (raw, status, terminal),
        "status of {}",
        r.upstream_ref
    );
}

fn reason(code: Option<&str>, detail: Option<&str>) -> FailureReason {
    FailureReason {
        code: code.map(str::to_string),
        detail: detail.map(str::to_string),
    }
}

fn s(x: &str) -> Option<String> {
    Some(x.to_string())
}

// ---------------------------------------------------------------------------------------------
// Eclipse
// ---------------------------------------------------------------------------------------------

#[test]
fn eclipse_seed_passed_history_is_one_terminal_passed_attempt_with_three_passed_checks() {
    let body = fixture("eclipse/seed_history_passed.json");
    let all = eclipse::map_history("1592544", &body).expect("history");
    assert_eq!(all.len(), 1);
    let r = &all[0];
    assert_eq!(r.upstream_ref, "1592544@2026-05-19T08:30:20.000Z");
    assert_eq!(r.upstream_updated_at, s("2026-05-19T08:30:20.000Z"));
    expect_status(r, "PASSED", St::Passed, true);
    assert_eq!(
        keys(r),
        [
            "nationalIdentityIsLegitimate",
            "sanctionsListCheck",
            "selfieMatchesNationalIdentity"
        ]
    );
    let c = expect_row(
        r,
        "nationalIdentityIsLegitimate",
        Cat::IdentityDocument,
        Out::Passed,
    );
    assert_eq!(c.name, "National ID is legitimate");
    expect_row(r, "sanctionsListCheck", Cat::SanctionsPepAml, Out::Passed);
    let c = expect_row(
        r,
        "selfieMatchesNationalIdentity",
        Cat::FaceMatch,
        Out::Passed,
    );
    assert_eq!(
        (
            c.score,
            c.score_scale,
            c.reason.as_deref(),
            c.comment.as_deref()
        ),
        (None, None, None, None)
    );
    assert!(r.failure_reasons.is_empty());
    assert_eq!(r.snapshot, body[0], "nothing to redact");
}

#[test]
fn eclipse_sanctions_hit_is_a_failed_sanctions_check_with_its_comment() {
    let all = eclipse::map_history("1592544", &fixture("eclipse/seed_history_failed.json"))
        .expect("history");
    let r = &all[0];
    expect_status(r, "FAILED", St::Failed, true);
    let c = expect_row(r, "sanctionsListCheck", Cat::SanctionsPepAml, Out::Failed);
    assert_eq!(c.comment.as_deref(), Some("Match found on OFAC list"));
    assert_eq!(c.name, "Sanctions list");
    expect_row(
        r,
        "selfieMatchesNationalIdentity",
        Cat::FaceMatch,
        Out::Passed,
    );
    assert_eq!(
        r.checks.len(),
        2,
        "a check missing from the payload produces no row"
    );
    assert_eq!(
        r.failure_reasons,
        [reason(
            Some("sanctionsListCheck"),
            Some("Match found on OFAC list")
        )]
    );
}

#[test]
fn eclipse_empty_history_means_never_ratified_and_maps_to_no_attempts() {
    let all =
        eclipse::map_history("1592544", &fixture("eclipse/history_empty.json")).expect("history");
    assert!(all.is_empty());
}

#[test]
fn eclipse_history_is_kept_newest_first_with_one_ref_per_last_modified() {
    let all = eclipse::map_history(
        "1592544",
        &fixture("eclipse/history_pending_then_failed.json"),
    )
    .expect("history");
    assert_eq!(all.len(), 2);
    let (newest, older) = (&all[0], &all[1]);
    assert_eq!(newest.upstream_ref, "1592544@2026-05-20T10:00:00.000Z");
    assert_eq!(older.upstream_ref, "1592544@2026-05-19T08:30:20.000Z");
    expect_status(newest, "PENDING", St::Processing, false);
    expect_row(
        newest,
        "sanctionsListCheck",
        Cat::SanctionsPepAml,
        Out::Pending,
    );
    let c = expect_row(newest, "selfieIsLegitimate", Cat::Liveness, Out::Passed);
    assert_eq!(
        (c.score, c.score_scale),
        (Some(91.2), Some(ScoreScale::Raw))
    );
    expect_row(
        newest,
        "selfieMatchesNationalIdentity",
        Cat::FaceMatch,
        Out::NotRun,
    );
    expect_status(older, "FAILED", St::Failed, true);
    let c = expect_row(
        older,
        "identityNumberMatchesNationalIdentity",
        Cat::DataMatch,
        Out::Failed,
    );
    assert_eq!(
        c.comment.as_deref(),
        Some("ID number on profile differs from the document")
    );
    expect_row(
        older,
        "nationalIdentityIsLegitimate",
        Cat::IdentityDocument,
        Out::Passed,
    );
}

#[test]
fn eclipse_pending_post_response_is_processing_with_every_check_pending() {
    let r = eclipse_one("eclipse/ratify_post_pending.json");
    expect_status(&r, "PENDING", St::Processing, false);
    assert_eq!(r.upstream_ref, "1592544@2026-05-21T07:00:00.123Z");
    assert_eq!(r.checks.len(), 3);
    assert!(r.checks.iter().all(|c| c.outcome == Out::Pending));
    assert!(r.failure_reasons.is_empty());
}

#[test]
fn eclipse_contradictory_flags_follow_pending_then_checked_then_passed() {
    let r = eclipse_one("eclipse/result_contradictory_flags.json");
    // The aggregate is reported as sent, never derived from the checks.
    expect_status(&r, "PASSED", St::Passed, true);
    expect_row(&r, "sanctionsListCheck", Cat::SanctionsPepAml, Out::Pending);
    expect_row(&r, "selfieIsLegitimate", Cat::Liveness, Out::NotRun);
    let c = expect_row(
        &r,
        "nationalIdentityIsLegitimate",
        Cat::IdentityDocument,
        Out::Unknown,
    );
    assert_eq!(c.reason.as_deref(), Some("incomplete_flags"));
    expect_row(
        &r,
        "selfieMatchesNationalIdentity",
        Cat::FaceMatch,
        Out::Failed,
    );
    expect_row(&r, "ofacCheck", Cat::SanctionsPepAml, Out::Passed);
    assert_eq!(
        r.failure_reasons,
        [reason(Some("selfieMatchesNationalIdentity"), None)]
    );
}

#[test]
fn eclipse_unknown_status_is_unknown_not_terminal_and_keeps_the_raw_string() {
    let r = eclipse_one("eclipse/result_unknown_status_and_check_names.json");
    expect_status(&r, "ON_HOLD", St::Unknown, false);
}

#[test]
fn eclipse_catalogue_checks_get_their_category_and_unknown_names_become_other_readably() {
    let r = eclipse_one("eclipse/result_unknown_status_and_check_names.json");
    let c = expect_row(&r, "selfieIsASelfie", Cat::Liveness, Out::Passed);
    assert_eq!(c.name, "Selfie is a selfie");
    let c = expect_row(&r, "iprsCheck", Cat::GovernmentRegistry, Out::Failed);
    assert_eq!(c.comment.as_deref(), Some("IPRS: record not found"));
    expect_row(
        &r,
        "internalBlackListCheck",
        Cat::InternalWatchlist,
        Out::Passed,
    );
    expect_row(
        &r,
        "customListKycCheck",
        Cat::InternalWatchlist,
        Out::NotRun,
    );
    for k in ["ofacCheck", "unCheck", "ukCheck", "euCheck", "matchCheck"] {
        expect_row(&r, k, Cat::SanctionsPepAml, Out::Passed);
    }
    expect_row(
        &r,
        "firstNameMatchesNationalIdentity",
        Cat::DataMatch,
        Out::Passed,
    );
    expect_row(
        &r,
        "lastNameMatchesNationalIdentity",
        Cat::DataMatch,
        Out::Passed,
    );
    let c = expect_row(
        &r,
        "dateOfBirthMatchesNationalIdentity",
        Cat::DataMatch,
        Out::Failed,
    );
    assert_eq!(c.comment.as_deref(), Some("DOB mismatch"));
    let c = expect_row(
        &r,
        "passportMatchesNationalIdentity",
        Cat::DataMatch,
        Out::Passed,
    );
    assert_eq!(c.name, "Passport matches national identity");
    let c = expect_row(&r, "fooBarCheck", Cat::Other, Out::Passed);
    assert_eq!(c.name, "Foo bar check");
    // customerId (number), meta (no flags), selfieVideoCheck (null), addressCheck ({})
    // are not checks.
    for k in ["customerId", "meta", "selfieVideoCheck", "addressCheck"] {
        assert!(r.check(k).is_none(), "{k} is not a check");
    }
    assert_eq!(r.checks.len(), 14);
    assert_eq!(r.snapshot["nationalIdentityNumber"], json!(REDACTED));
    assert_eq!(
        r.failure_reasons,
        [
            reason(
                Some("dateOfBirthMatchesNationalIdentity"),
                Some("DOB mismatch")
            ),
            reason(Some("iprsCheck"), Some("IPRS: record not found")),
        ]
    );
}

#[test]
fn eclipse_scores_may_be_numbers_or_strings_and_junk_scores_are_dropped() {
    let r = eclipse_one("eclipse/result_scores_as_strings.json");
    let c = row(&r, "selfieIsLegitimate");
    assert_eq!(
        (c.score, c.score_scale),
        (Some(75.73), Some(ScoreScale::Raw))
    );
    assert_eq!(row(&r, "selfieMatchesNationalIdentity").score, Some(0.87));
    let c = row(&r, "nationalIdentityIsLegitimate");
    assert_eq!((c.score, c.score_scale), (None, None));
    let c = expect_row(&r, "sanctionsListCheck", Cat::SanctionsPepAml, Out::Failed);
    assert_eq!((c.score, c.comment.as_deref()), (Some(12.0), Some("42")));
}

#[test]
fn eclipse_a_result_without_last_modified_or_customer_id_cannot_be_keyed() {
    let v = fixture("eclipse/result_missing_last_modified.json");
    assert!(matches!(
        eclipse::map_result("1592544", &v),
        Err(MapError::MissingId {
            field: "lastModified",
            ..
        })
    ));
    let ok = fixture("eclipse/ratify_post_pending.json");
    assert!(matches!(
        eclipse::map_result("  ", &ok),
        Err(MapError::MissingId {
            field: "customerId",
            ..
        })
    ));
    // The `{}` ratify request body is not a result either.
    let req = fixture("eclipse/seed_ratify_post_request.json");
    assert!(matches!(
        eclipse::map_result("1592544", &req),
        Err(MapError::MissingId { .. })
    ));
}

#[test]
fn eclipse_latest_carries_the_earlier_results_and_a_bad_earlier_one_never_holds_it_up() {
    let latest = eclipse::map_latest(
        "1592544",
        &fixture("eclipse/history_pending_then_failed.json"),
    )
    .expect("history")
    .expect("a newest result");
    let all = eclipse::map_history(
        "1592544",
        &fixture("eclipse/history_pending_then_failed.json"),
    )
    .expect("history");
    assert_eq!(
        latest.upstream_ref, all[0].upstream_ref,
        "the newest is the case"
    );
    assert_eq!(
        latest.earlier.len(),
        all.len() - 1,
        "every earlier one, in summary"
    );
    let earlier = &latest.earlier[0];
    assert_eq!(earlier.status, all[1].status);
    assert_eq!(earlier.updated_at, all[1].upstream_updated_at);
    let failed: Vec<String> = all[1]
        .checks
        .iter()
        .filter(|c| c.outcome == kyc_desk::domain::verification::CheckOutcome::Failed)
        .map(|c| c.name.clone())
        .collect();
    assert_eq!(earlier.failed_checks, failed);

    let latest = eclipse::map_latest("1592544", &fixture("eclipse/history_item_not_object.json"))
        .expect("the newest maps")
        .expect("a newest result");
    assert!(latest.earlier.is_empty(), "the string item is left out");
    let none = eclipse::map_latest("1592544", &fixture("eclipse/history_empty.json"))
        .expect("an empty history");
    assert!(none.is_none(), "never ratified");
}

#[test]
fn eclipse_history_with_a_non_object_item_or_a_non_array_body_is_a_type_error() {
    let err = eclipse::map_history("1592544", &fixture("eclipse/history_item_not_object.json"))
        .expect_err("item 1 is a string");
    assert_eq!(
        err,
        MapError::WrongType {
            what: "eclipse ratify history[1]".into(),
            expected: "object",
            found: "string"
        }
    );
    assert!(matches!(
        eclipse::map_history("1592544", &fixture("eclipse/ratify_post_pending.json")),
        Err(MapError::WrongType {
            expected: "array",
            found: "object",
            ..
        })
    ));
    assert!(matches!(
        eclipse::map_result("1592544", &json!("PASSED")),
        Err(MapError::WrongType {
            expected: "object",
            found: "string",
            ..
        })
    ));
}

#[test]
fn eclipse_liveness_post_201_yields_the_completion_url_and_no_result_yet() {
    for rel in [
        "eclipse/seed_liveness_document_post_201.json",
        "eclipse/seed_liveness_document_put_request.json",
    ] {
        let d = eclipse::map_liveness_document(&fixture(rel));
        assert_eq!(
            d,
            eclipse::LivenessDocument {
                document_id: s("608561"),
                customer_id: s("1592544"),
                aws_session_id: s("e64e642b-f8db-499b-b3f1-db10f3100387"),
                completion_url: s("https://eclipsetests.backdraft.ukheshe.rocks/t/wXExW"),
                result: None,
                score: None,
            },
            "{rel}"
        );
        assert_eq!(
            eclipse::liveness_passed(d.result.as_deref(), d.score, 55.0),
            Out::Pending
        );
    }
    let req = eclipse::map_liveness_document(&fixture(
        "eclipse/seed_liveness_document_post_request.json",
    ));
    assert_eq!(
        (req.document_id, req.completion_url, req.result),
        (None, None, None)
    );
}

#[test]
fn eclipse_liveness_put_200_succeeded_at_75_73_passes_the_default_threshold_of_55() {
    let d = eclipse::map_liveness_document(&fixture("eclipse/seed_liveness_document_put_200.json"));
    assert_eq!(d.result.as_deref(), Some("SUCCEEDED"));
    assert_eq!(d.score, Some(75.73));
    assert_eq!(
        d.completion_url, None,
        "completionUrl disappears after the PUT"
    );
    assert_eq!(
        d.aws_session_id.as_deref(),
        Some("e64e642b-f8db-499b-b3f1-db10f3100387")
    );
    let c = eclipse::liveness_check(&d, eclipse::DEFAULT_LIVENESS_THRESHOLD);
    assert_eq!(
        (c.key.as_str(), c.category, c.outcome),
        ("awsFaceLiveness", Cat::Liveness, Out::Passed)
    );
    assert_eq!(
        (c.score, c.score_scale, c.threshold, c.reason),
        (Some(75.73), Some(ScoreScale::Percent), Some(55.0), None)
    );
}

#[test]
fn eclipse_liveness_failed_result_fails_whatever_the_score() {
    let d = eclipse::map_liveness_document(&fixture("eclipse/liveness_put_200_failed.json"));
    assert_eq!((d.result.as_deref(), d.score), (Some("FAILED"), Some(12.5)));
    let c = eclipse::liveness_check(&d, 55.0);
    assert_eq!(
        (c.outcome, c.reason.as_deref()),
        (Out::Failed, Some("FAILED"))
    );
}

#[test]
fn eclipse_liveness_succeeded_below_the_threshold_fails_with_reason_below_threshold() {
    let d = eclipse::map_liveness_document(&fixture(
        "eclipse/liveness_put_200_succeeded_below_threshold.json",
    ));
    assert_eq!(
        (d.result.as_deref(), d.score),
        (Some("SUCCEEDED"), Some(40.0))
    );
    let c = eclipse::liveness_check(&d, 55.0);
    assert_eq!(
        (c.outcome, c.reason.as_deref()),
        (Out::Failed, Some("below_threshold"))
    );
    assert_eq!(eclipse::liveness_check(&d, 30.0).outcome, Out::Passed);
}

#[test]
fn eclipse_liveness_invalid_empty_or_missing_extra_info_leaves_the_result_empty() {
    for (rel, id) in [
        ("eclipse/liveness_extrainfo_invalid_json.json", "608564"),
        ("eclipse/liveness_extrainfo_empty.json", "608565"),
        ("eclipse/liveness_extrainfo_missing.json", "608566"),
    ] {
        let d = eclipse::map_liveness_document(&fixture(rel));
        assert_eq!(d.document_id.as_deref(), Some(id), "{rel}");
        assert_eq!(d.customer_id.as_deref(), Some("1592544"), "{rel}");
        assert_eq!(
            (d.completion_url, d.result, d.score),
            (None, None, None),
            "{rel}"
        );
    }
    assert_eq!(
        eclipse::map_liveness_document(&json!("not a document")),
        eclipse::LivenessDocument {
            document_id: None,
            customer_id: None,
            aws_session_id: None,
            completion_url: None,
            result: None,
            score: None
        }
    );
}

#[test]
fn eclipse_liveness_extra_info_may_already_be_an_object_or_carry_a_presigned_url() {
    let d = eclipse::map_liveness_document(&fixture(
        "eclipse/liveness_extrainfo_object_with_inline_photo.json",
    ));
    assert_eq!(
        (d.result.as_deref(), d.score),
        (Some("SUCCEEDED"), Some(88.1))
    );
    assert_eq!(
        d.aws_session_id.as_deref(),
        Some("0b7a1c7e-5d1e-4d0a-9a65-1f3b3c9d2e11")
    );
    let v = fixture("eclipse/liveness_extrainfo_string_with_presigned_url.json");
    let d = eclipse::map_liveness_document(&v);
    assert_eq!(
        (d.result.as_deref(), d.score),
        (Some("SUCCEEDED"), Some(97.2))
    );
    let red = json::redacted(&v);
    let extra = json::json_in_string(&red["extraInfo"]);
    assert_eq!(extra["referenceImageUrl"], json!(REDACTED));
    assert_eq!(extra["AwsFaceLivenessResult"], json!("SUCCEEDED"));
}

#[test]
fn eclipse_liveness_rule_passes_only_succeeded_at_or_above_the_threshold() {
    use eclipse::liveness_passed as lp;
    assert_eq!(lp(Some("SUCCEEDED"), Some(55.0), 55.0), Out::Passed);
    assert_eq!(lp(Some("SUCCEEDED"), Some(54.99), 55.0), Out::Failed);
    assert_eq!(lp(Some("SUCCEEDED"), Some(70.0), 80.0), Out::Failed);
    assert_eq!(lp(Some("SUCCEEDED"), None, 55.0), Out::Unknown);
    assert_eq!(lp(Some("IN_PROGRESS"), None, 55.0), Out::Pending);
    assert_eq!(lp(Some("CREATED"), None, 55.0), Out::Pending);
    assert_eq!(lp(None, Some(99.0), 55.0), Out::Pending);
    assert_eq!(lp(Some("EXPIRED"), Some(99.0), 55.0), Out::Failed);
    assert_eq!(
        lp(Some("succeeded"), Some(99.0), 55.0),
        Out::Failed,
        "exact spelling only"
    );
}

#[test]
fn eclipse_error_envelope_kyc001_means_already_in_progress() {
    let errors = eclipse::parse_errors(&fixture_text("eclipse/seed_error_kyc001.json"));
    assert_eq!(
        errors,
        [eclipse::EclipseError {
            code: s("KYC001"),
            description: s("KYC ratification already in progress"),
            trace_id: s("3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d"),
            span_id: s("1a2b3c4d5e6f7a8b"),
            type_: s("BUSINESS"),
            severity: s("LOW"),
            environment: s("eclipse-sandbox"),
        }]
    );
    assert!(eclipse::has_code(
        &errors,
        eclipse::CODE_ALREADY_IN_PROGRESS
    ));
    assert!(!eclipse::has_code(&errors, eclipse::CODE_RATE_LIMITED));
}

#[test]
fn eclipse_rate_limit_error_is_recognised_and_missing_fields_are_none() {
    let errors = eclipse::parse_errors(&fixture_text("eclipse/error_rate_limited.json"));
    assert_eq!(errors.len(), 2);
    assert!(eclipse::has_code(&errors, eclipse::CODE_RATE_LIMITED));
    assert_eq!(
        errors[0].trace_id.as_deref(),
        Some("9f8e7d6c5b4a39281706f5e4d3c2b1a0")
    );
    assert_eq!(
        (errors[1].trace_id.as_deref(), errors[1].span_id.as_deref()),
        (None, None)
    );
}

#[test]
fn eclipse_error_body_that_is_an_object_or_garbage_gives_no_errors() {
    assert!(eclipse::parse_errors(&fixture_text("eclipse/error_object_not_array.json")).is_empty());
    for garbage in [
        "",
        "   ",
        "null",
        "<html>502 Bad Gateway</html>",
        "[",
        "{\"code\":",
    ] {
        assert!(eclipse::parse_errors(garbage).is_empty(), "{garbage:?}");
    }
    let errors = eclipse::parse_errors(&fixture_text("eclipse/error_array_with_junk.json"));
    assert_eq!(errors.len(), 1, "non-object items are skipped");
    assert_eq!(
        (errors[0].code.as_deref(), errors[0].trace_id.as_deref()),
        (Some("VAL001"), Some("12345"))
    );
}

// ---------------------------------------------------------------------------------------------
// biometric.kz
// ---------------------------------------------------------------------------------------------

#[test]
fn biometric_kz_finished_with_every_block_true_is_passed_and_terminal() {
    let r = bio("biometric_kz/synthetic_finished_all_passed.json");
    assert_eq!(r.upstream_ref, BIO_SID);
    expect_status(&r, "FINISHED", St::Passed, true);
    assert_eq!(
        keys(&r),
        [
            "doc_recognition_result",
            "face2face_result",
            "liveness_result"
        ]
    );
    let c = expect_row(&r, "liveness_result", Cat::Liveness, Out::Passed);
    assert_eq!(
        (c.score, c.score_scale, c.threshold),
        (Some(0.998), Some(ScoreScale::Unit), None)
    );
    let c = expect_row(&r, "face2face_result", Cat::FaceMatch, Out::Passed);
    assert_eq!(
        (c.score, c.score_scale, c.threshold),
        (Some(0.9312), Some(ScoreScale::Unit), Some(0.85))
    );
    let c = expect_row(
        &r,
        "doc_recognition_result",
        Cat::IdentityDocument,
        Out::Passed,
    );
    assert_eq!(
        (c.name.as_str(), c.reason.as_deref(), c.comment.as_deref()),
        ("Document recognition", None, None)
    );
    assert!(r.failure_reasons.is_empty());
    assert_eq!(r.upstream_updated_at, s("2026-05-19T08:31:02.114Z"));
    assert_eq!(r.snapshot["liveness_result"]["photo"], json!(REDACTED));
    assert_eq!(
        r.snapshot["doc_recognition_result"]["front_image"],
        json!(REDACTED)
    );
    assert_eq!(
        r.snapshot["doc_recognition_result"]["document_number"],
        json!(REDACTED)
    );
    assert_eq!(r.snapshot["liveness_result"]["prediction"], json!("0.9980"));
}

#[test]
fn biometric_kz_face2face_below_threshold_finishes_as_needs_review_with_the_low_prediction_reason()
{
    let r = bio("biometric_kz/synthetic_finished_face2face_below_threshold.json");
    expect_status(&r, "FINISHED", St::NeedsReview, true);
    let c = expect_row(&r, "face2face_result", Cat::FaceMatch, Out::Failed);
    assert_eq!((c.score, c.threshold), (Some(0.71), Some(0.85)));
    assert_eq!(
        (c.reason.as_deref(), c.comment.as_deref()),
        (Some("CALC_RESULT"), Some("Low prediction"))
    );
    expect_row(&r, "liveness_result", Cat::Liveness, Out::Passed);
    assert_eq!(
        r.failure_reasons,
        [reason(Some("CALC_RESULT"), Some("Low prediction"))]
    );
}

#[test]
fn biometric_kz_blocks_still_empty_right_after_finished_are_unknown_and_keep_the_session_polling() {
    let r = bio("biometric_kz/synthetic_finished_blocks_still_empty.json");
    expect_status(&r, "FINISHED", St::NeedsReview, false);
    for k in ["liveness_result", "face2face_result"] {
        let c = row(&r, k);
        assert_eq!(
            (c.outcome, c.reason.as_deref()),
            (Out::Unknown, Some(biometric_kz::REASON_NO_RESULT)),
            "{k}"
        );
    }
    expect_row(
        &r,
        "doc_recognition_result",
        Cat::IdentityDocument,
        Out::Passed,
    );
}

#[test]
fn biometric_kz_empty_or_null_blocks_while_in_progress_are_pending() {
    let r = bio("biometric_kz/synthetic_progress_blocks_empty.json");
    expect_status(&r, "PROGRESS", St::InProgress, false);
    let c = expect_row(&r, "liveness_result", Cat::Liveness, Out::Pending);
    assert_eq!(c.reason, None);
    expect_row(&r, "face2face_result", Cat::FaceMatch, Out::Pending);
}

#[test]
fn biometric_kz_failed_session_is_failed_with_the_liveness_failure_type_and_detail() {
    let r = bio("biometric_kz/synthetic_failed_liveness_closed_eyes.json");
    expect_status(&r, "FAILED", St::Failed, true);
    let c = expect_row(&r, "liveness_result", Cat::Liveness, Out::Failed);
    assert_eq!(
        (c.reason.as_deref(), c.comment.as_deref(), c.score),
        (Some("CLIENT"), Some("Closed eyes"), Some(0.12))
    );
    // The session is final, so the block that never ran is UNKNOWN rather than PENDING.
    let c = expect_row(&r, "face2face_result", Cat::FaceMatch, Out::Unknown);
    assert_eq!(c.reason.as_deref(), Some("no_result"));
    assert_eq!(
        r.failure_reasons,
        [reason(Some("CLIENT"), Some("Closed eyes"))]
    );
}

#[test]
fn biometric_kz_client_spellings_flow_session_result_and_document_recognition_result_are_accepted()
{
    let r = bio("biometric_kz/synthetic_client_spelling_edocument_gbdfl.json");
    expect_status(&r, "FINISHED", St::Passed, true);
    expect_row(
        &r,
        "document_recognition_result",
        Cat::IdentityDocument,
        Out::Passed,
    );
    let c = expect_row(&r, "edocument_result", Cat::GovernmentRegistry, Out::Passed);
    assert_eq!(c.name, "eGov e-document");
    let c = expect_row(&r, "gbdfl_result", Cat::GovernmentRegistry, Out::Passed);
    assert_eq!(c.reason, None);
    assert_eq!(row(&r, "liveness_result").score, Some(0.95));
    assert_eq!(
        r.upstream_updated_at,
        s("2026-05-19T08:35:00Z"),
        "validated_at before finished_at"
    );
    assert_eq!(r.snapshot["gbdfl_result"]["iin"], json!(REDACTED));
    assert_eq!(
        r.snapshot["edocument_result"]["result_json"]["common"]["docOwner"]["iin"],
        json!(REDACTED)
    );
    let techs = biometric_kz::technologies(&fixture(
        "biometric_kz/synthetic_client_spelling_edocument_gbdfl.json",
    ));
    let codes: Vec<_> = techs.iter().filter_map(|t| t.code.as_deref()).collect();
    assert_eq!(codes, ["LIVENESS_CORE", "EDOCUMENT", "GBDFL"]);
}

#[test]
fn biometric_kz_gbdfl_own_status_invalid_is_failed_timeout_is_error_and_pending_is_pending() {
    let r = bio("biometric_kz/synthetic_gbdfl_invalid.json");
    expect_status(&r, "FINISHED", St::NeedsReview, true);
    let c = expect_row(&r, "gbdfl_result", Cat::GovernmentRegistry, Out::Failed);
    assert_eq!(
        (c.reason.as_deref(), c.comment.as_deref()),
        (Some("CALC_RESULT"), Some("Document is not valid"))
    );

    let r = bio("biometric_kz/synthetic_gbdfl_timeout.json");
    expect_status(&r, "FAILED", St::Failed, true);
    let c = expect_row(&r, "gbdfl_result", Cat::GovernmentRegistry, Out::Error);
    assert_eq!(c.reason.as_deref(), Some("TIMEOUT"));
    assert_eq!(
        r.failure_reasons,
        [reason(
            Some("TIMEOUT"),
            Some("GBDFL did not answer in time")
        )]
    );

    let r = bio("biometric_kz/synthetic_gbdfl_pending.json");
    expect_status(&r, "PROGRESS", St::InProgress, false);
    let c = expect_row(&r, "gbdfl_result", Cat::GovernmentRegistry, Out::Pending);
    assert_eq!(c.reason, None);
}

#[test]
fn biometric_kz_unknown_session_status_is_unknown_and_unknown_values_keep_their_raw_string() {
    let r = bio("biometric_kz/synthetic_unknown_status.json");
    expect_status(&r, "ARCHIVED", St::Unknown, false);
    let c = expect_row(&r, "gbdfl_result", Cat::GovernmentRegistry, Out::Unknown);
    assert_eq!(c.reason.as_deref(), Some("STALE"));
    let c = expect_row(&r, "liveness_result", Cat::Liveness, Out::Unknown);
    assert_eq!(c.reason.as_deref(), Some("maybe"));
    let c = expect_row(&r, "some_new_tech_result", Cat::Other, Out::Passed);
    assert_eq!(c.name, "Some new tech");
}

#[test]
fn biometric_kz_in_review_is_in_upstream_review_and_not_terminal() {
    let r = bio("biometric_kz/synthetic_in_review.json");
    expect_status(&r, "IN_REVIEW", St::InUpstreamReview, false);
    expect_row(&r, "face2face_result", Cat::FaceMatch, Out::Failed);
    expect_row(&r, "liveness_result", Cat::Liveness, Out::Passed);
}

#[test]
fn biometric_kz_approved_and_declined_are_terminal_and_checks_are_not_rewritten() {
    let r = bio("biometric_kz/synthetic_approved.json");
    expect_status(&r, "APPROVED", St::Approved, true);
    expect_row(&r, "face2face_result", Cat::FaceMatch, Out::Failed);
    assert_eq!(r.upstream_updated_at, s("2026-05-20T10:00:00Z"));
    let r = bio("biometric_kz/synthetic_declined.json");
    expect_status(&r, "DECLINED", St::Declined, true);
    let c = expect_row(&r, "liveness_result", Cat::Liveness, Out::Failed);
    assert_eq!(c.comment.as_deref(), Some("Mask Attack"));
}

#[test]
fn biometric_kz_created_is_not_started_and_qr_is_in_progress() {
    let r = bio("biometric_kz/synthetic_created.json");
    expect_status(&r, "CREATED", St::NotStarted, false);
    assert!(r.checks.is_empty());
    let r = bio("biometric_kz/synthetic_qr.json");
    expect_status(&r, "QR", St::InProgress, false);
}

#[test]
fn biometric_kz_every_block_kind_gets_its_category() {
    let r = bio("biometric_kz/synthetic_finished_all_block_kinds.json");
    expect_status(&r, "FINISHED", St::NeedsReview, true);
    let c = expect_row(
        &r,
        "ds_identifier_result",
        Cat::DigitalSignature,
        Out::Passed,
    );
    assert_eq!(c.name, "Digital signature: identifier");
    expect_row(&r, "ds_signer_result", Cat::DigitalSignature, Out::Passed);
    let c = expect_row(&r, "aml_result", Cat::SanctionsPepAml, Out::Failed);
    assert_eq!(c.comment.as_deref(), Some("PEP match"));
    expect_row(
        &r,
        "questionnaire_result",
        Cat::QuestionnaireForm,
        Out::Passed,
    );
    let c = expect_row(&r, "ip_check_results", Cat::DeviceIp, Out::Failed);
    assert_eq!(
        (c.reason.as_deref(), c.comment.as_deref()),
        (Some("CALC_RESULT"), Some("Tor exit node"))
    );
    let c = expect_row(&r, "kz_info_result", Cat::Other, Out::Passed);
    assert_eq!(c.name, "Kz info");
    expect_row(
        &r,
        "doc_recognition_result",
        Cat::IdentityDocument,
        Out::Passed,
    );
    expect_row(
        &r,
        "document_recognition_result",
        Cat::IdentityDocument,
        Out::Passed,
    );
    assert!(r.check("request_sessions").is_none());
    assert_eq!(r.checks.len(), 8);
}

#[test]
fn biometric_kz_junk_prediction_has_no_score_and_result_false_without_reason_fails_bare() {
    let r = bio("biometric_kz/synthetic_prediction_junk_and_null_reason.json");
    let c = expect_row(&r, "liveness_result", Cat::Liveness, Out::Failed);
    assert_eq!(
        (c.score, c.reason.as_deref(), c.comment.as_deref()),
        (None, None, None)
    );
    let c = expect_row(&r, "face2face_result", Cat::FaceMatch, Out::Passed);
    assert_eq!(
        (c.score, c.score_scale, c.threshold),
        (Some(91.5), Some(ScoreScale::Percent), Some(85.0))
    );
}

#[test]
fn biometric_kz_disagreeing_verdict_spellings_are_not_a_pass() {
    let r = bio("biometric_kz/synthetic_both_verdict_spellings_disagree.json");
    expect_status(&r, "FINISHED", St::NeedsReview, true);
    expect_row(&r, "liveness_result", Cat::Liveness, Out::Passed);
}

#[test]
fn biometric_kz_finished_without_any_block_is_not_a_pass() {
    let r = bio("biometric_kz/synthetic_finished_no_blocks.json");
    expect_status(&r, "FINISHED", St::NeedsReview, true);
    assert!(r.checks.is_empty());
}

#[test]
fn biometric_kz_full_result_with_inline_base64_maps_and_its_images_are_redacted() {
    let r = bio("biometric_kz/synthetic_full_result_with_base64.json");
    expect_status(&r, "FINISHED", St::Passed, true);
    assert_eq!(r.snapshot["liveness_result"]["photo"], json!(REDACTED));
    assert_eq!(r.snapshot["face2face_result"]["selfie"], json!(REDACTED));
    assert_eq!(
        r.snapshot["doc_recognition_result"]["images"],
        json!({"front": REDACTED, "back": REDACTED})
    );
}

#[test]
fn biometric_kz_session_created_yields_the_session_id_and_technologies_in_both_shapes() {
    let v = fixture("biometric_kz/synthetic_session_created_strings.json");
    assert_eq!(
        biometric_kz::parse_session_created(&v).as_deref(),
        Some(BIO_SID)
    );
    assert_eq!(
        biometric_kz::technologies(&v),
        [
            biometric_kz::Technology {
                code: s("LIVENESS_CORE"),
                name: None,
                description: None
            },
            biometric_kz::Technology {
                code: s("FACE2FACE"),
                name: None,
                description: None
            },
        ]
    );
    let v = fixture("biometric_kz/synthetic_session_created_objects.json");
    assert_eq!(
        biometric_kz::parse_session_created(&v).as_deref(),
        Some(BIO_SID)
    );
    let t = biometric_kz::technologies(&v);
    assert_eq!(t.len(), 3);
    assert_eq!(
        t[2],
        biometric_kz::Technology {
            code: s("FACE2FACE"),
            name: s("Face 2 Face"),
            description: s("Selfie vs document photo")
        }
    );
    let req = fixture("biometric_kz/seed_session_create_request.json");
    assert_eq!(biometric_kz::parse_session_created(&req), None);
    assert_eq!(req["api_key"], json!("<flow's api_key>"));
    assert_eq!(json::redacted(&req)["api_key"], json!(REDACTED));
}

#[test]
fn biometric_kz_a_payload_not_an_object_is_a_type_error_and_a_blank_id_falls_back() {
    let v = fixture("biometric_kz/synthetic_not_an_object.json");
    assert!(matches!(
        biometric_kz::map_session(BIO_SID, &v),
        Err(MapError::WrongType {
            expected: "object",
            found: "string",
            ..
        })
    ));
    let v = fixture("biometric_kz/synthetic_qr.json");
    assert_eq!(
        biometric_kz::map_session(" ", &v)
            .expect("body id")
            .upstream_ref,
        BIO_SID
    );
    assert!(matches!(
        biometric_kz::map_session("", &json!({"status": "QR"})),
        Err(MapError::MissingId {
            field: "session_id",
            ..
        })
    ));
}

// ---------------------------------------------------------------------------------------------
// Provide ident
// ---------------------------------------------------------------------------------------------

#[test]
fn ident_seed_list_maps_failed_to_error_remediate_to_a_failed_duplicate_accepted_to_passed() {
    let body = fixture("ident/seed_list.json");
    let items = ident::applications(&body);
    assert_eq!(items.len(), 3);
    let all: Vec<UpstreamResult> = items
        .into_iter()
        .map(|v| ident::map_application(v).expect("item"))
        .collect();

    let failed = &all[0];
    assert_eq!(failed.upstream_ref, "72258a99-1518-4526-a5fa-043081eee7f0");
    expect_status(failed, "failed", St::Error, true);
    assert!(
        failed.checks.is_empty(),
        "no provider case exists (identifier null)"
    );
    assert_eq!(
        failed.failure_reasons,
        [reason(
            None,
            Some("No national id country specified, and invalid format for US Social Security Number")
        )]
    );

    let remediate = &all[1];
    expect_status(remediate, "remediate", St::NeedsReview, false);
    let c = expect_row(
        remediate,
        ident::REMEDIATE_KEY,
        Cat::DuplicateDetection,
        Out::Failed,
    );
    assert_eq!(
        (c.reason.as_deref(), c.comment.as_deref()),
        (Some("remediate"), None)
    );
    assert_eq!(remediate.checks.len(), 1);

    let accepted = &all[2];
    expect_status(accepted, "accepted", St::Passed, true);
    assert!(accepted.checks.is_empty() && accepted.failure_reasons.is_empty());
    assert_eq!(accepted.upstream_updated_at, None);
}

#[test]
fn ident_put_response_accepted_is_passed_because_the_payload_cannot_show_it_was_manual() {
    let r = app("ident/seed_put_accepted.json");
    assert_eq!(r.upstream_ref, "205d1f45-4b45-4d85-a692-8db40d94ab89");
    expect_status(&r, "accepted", St::Passed, true);
    assert!(r.checks.is_empty());
}

#[test]
fn ident_seed_detail_vouched_errors_fail_their_rows_while_the_application_is_still_submitted() {
    let r = app("ident/seed_detail_vouched_submitted.json");
    // The application status is reported as sent; the representation only feeds the checks.
    expect_status(&r, "submitted", St::Processing, false);
    assert_eq!(
        keys(&r),
        [
            "vouched:id",
            "vouched:backId",
            "vouched:selfie",
            "vouched:faceMatch",
            "vouched:idMatch",
            "vouched:NameMatchError",
            "vouched:BirthDateMatchError"
        ]
    );
    let c = expect_row(&r, "vouched:id", Cat::IdentityDocument, Out::Failed);
    assert_eq!(
        (c.score, c.score_scale),
        (Some(0.4327), Some(ScoreScale::Unit))
    );
    assert_eq!(
        (c.reason.as_deref(), c.comment.as_deref()),
        (
            Some("InvalidIdPhotoError"),
            Some("Invalid or unsupported id")
        )
    );
    let c = expect_row(&r, "vouched:backId", Cat::IdentityDocument, Out::NotRun);
    assert_eq!((c.score, c.score_scale), (None, None));
    let c = expect_row(&r, "vouched:selfie", Cat::Liveness, Out::Failed);
    assert_eq!(
        (c.score, c.reason.as_deref()),
        (Some(0.0434), Some("InvalidUserPhotoError"))
    );
    let c = expect_row(&r, "vouched:faceMatch", Cat::FaceMatch, Out::Failed);
    assert_eq!(
        (c.score, c.reason.as_deref(), c.comment.as_deref()),
        (
            Some(0.0),
            Some("FaceMatchError"),
            Some("Id and selfie faces do not match")
        )
    );
    let c = expect_row(&r, "vouched:idMatch", Cat::DataMatch, Out::Unknown);
    assert_eq!(
        (c.score, c.reason.as_deref()),
        (Some(0.0), Some("job_not_successful"))
    );
    let c = expect_row(&r, "vouched:NameMatchError", Cat::DataMatch, Out::Failed);
    assert_eq!(
        c.comment.as_deref(),
        Some("Name is below the confidence threshold")
    );
    let c = expect_row(
        &r,
        "vouched:BirthDateMatchError",
        Cat::DataMatch,
        Out::Failed,
    );
    assert_eq!(
        c.comment.as_deref(),
        Some("Birth date is below the confidence threshold")
    );
    assert_eq!(r.failure_reasons.len(), 5);
    assert_eq!(
        r.failure_reasons[0],
        reason(
            Some("InvalidIdPhotoError"),
            Some("Invalid or unsupported id")
        )
    );
    // Empty photo strings stay empty.
    assert_eq!(r.snapshot["params"]["params"]["id_photo"], json!(""));
    assert_eq!(
        r.snapshot["provider_representation"]["request"]["parameters"]["userPhoto"],
        json!("")
    );
}

#[test]
fn ident_vouched_completed_success_passes_every_confidence_row_and_strips_photos_and_ids() {
    let r = app("ident/vouched_completed_success.json");
    expect_status(&r, "accepted", St::Passed, true);
    for (k, cat, score) in [
        ("vouched:id", Cat::IdentityDocument, 0.9812),
        ("vouched:backId", Cat::IdentityDocument, 0.95),
        ("vouched:selfie", Cat::Liveness, 0.9904),
        ("vouched:faceMatch", Cat::FaceMatch, 0.9731),
        ("vouched:idMatch", Cat::DataMatch, 0.93),
    ] {
        let c = expect_row(&r, k, cat, Out::Passed);
        assert_eq!((c.score, c.reason.as_deref()), (Some(score), None), "{k}");
    }
    assert!(r.failure_reasons.is_empty());
    let p = &r.snapshot["params"];
    for k in ["id_photo", "selfie", "ssn", "id_number"] {
        assert_eq!(p[k], json!(REDACTED), "params.{k}");
    }
    assert_eq!(p["id_photo_back"], json!(""));
    assert_eq!(p["first_name"], json!("John"));
    let rep = &r.snapshot["provider_representation"];
    assert_eq!(rep["request"]["parameters"]["idPhoto"], json!(REDACTED));
    assert_eq!(rep["request"]["parameters"]["userPhoto"], json!(REDACTED));
    assert_eq!(rep["request"]["parameters"]["idPhotoBack"], Value::Null);
    assert_eq!(
        rep["result"]["id"],
        json!(REDACTED),
        "Vouched result.id is the document number"
    );
    assert_eq!(rep["result"]["confidences"]["selfie"], json!(0.9904));
}

#[test]
fn ident_vouched_similar_application_error_is_a_failed_duplicate_check_and_the_case_needs_review() {
    let r = app("ident/vouched_remediate_similar.json");
    expect_status(&r, "remediate", St::NeedsReview, false);
    let c = expect_row(
        &r,
        "vouched:SimilarApplicationError",
        Cat::DuplicateDetection,
        Out::Failed,
    );
    assert_eq!(
        (c.reason.as_deref(), c.comment.as_deref()),
        (
            Some("SimilarApplicationError"),
            Some("1 similar KYC application exists")
        )
    );
    assert!(
        r.check(ident::REMEDIATE_KEY).is_none(),
        "the duplicate row already explains remediate"
    );
    // ident's own error says nothing about Vouched's checks, which passed.
    expect_row(&r, "vouched:id", Cat::IdentityDocument, Out::Passed);
    expect_row(&r, "vouched:backId", Cat::IdentityDocument, Out::NotRun);
    expect_row(&r, "vouched:faceMatch", Cat::FaceMatch, Out::Passed);
    assert_eq!(
        r.failure_reasons,
        [reason(
            Some("SimilarApplicationError"),
            Some("1 similar KYC application exists")
        )]
    );
}

#[test]
fn ident_vouched_duplicate_error_in_result_errors_is_a_failed_duplicate_check_with_its_suggestion()
{
    let r = app("ident/vouched_remediate_duplicate.json");
    expect_status(&r, "remediate", St::NeedsReview, false);
    let c = expect_row(
        &r,
        "vouched:DuplicateApplicationError",
        Cat::DuplicateDetection,
        Out::Failed,
    );
    assert_eq!(
        c.comment.as_deref(),
        Some("An identical application is on file (suggestion: Reject and use the existing application)")
    );
    expect_row(&r, "vouched:idMatch", Cat::DataMatch, Out::Passed);
}

#[test]
fn ident_vouched_rows_are_pending_while_the_job_is_active() {
    let r = app("ident/vouched_active_review.json");
    expect_status(&r, "review", St::InUpstreamReview, false);
    let c = expect_row(&r, "vouched:id", Cat::IdentityDocument, Out::Pending);
    assert_eq!(c.score, Some(0.91));
    let c = expect_row(&r, "vouched:selfie", Cat::Liveness, Out::Pending);
    assert_eq!(c.score, None);
    assert_eq!(r.checks.len(), 2);
}

#[test]
fn ident_vouched_unknown_error_types_are_failed_other_rows_and_system_errors_are_error_rows() {
    let r = app("ident/vouched_unknown_and_system_errors.json");
    expect_status(&r, "rejected", St::Failed, true);
    assert_eq!(
        keys(&r),
        [
            "vouched:id",
            "vouched:faceMatch",
            "vouched:extraScore",
            "vouched:SpoofDetectedError",
            "vouched:ConnectionError"
        ]
    );
    let c = expect_row(&r, "vouched:id", Cat::IdentityDocument, Out::Unknown);
    assert_eq!(c.reason.as_deref(), Some("job_not_successful"));
    // The FaceMatchError nested under ConnectionError still fails the face-match row.
    let c = expect_row(&r, "vouched:faceMatch", Cat::FaceMatch, Out::Failed);
    assert_eq!(
        (c.score, c.reason.as_deref()),
        (Some(0.12), Some("FaceMatchError"))
    );
    let c = expect_row(&r, "vouched:extraScore", Cat::Other, Out::Unknown);
    assert_eq!((c.name.as_str(), c.score), ("Extra score", Some(0.5)));
    let c = expect_row(&r, "vouched:SpoofDetectedError", Cat::Other, Out::Failed);
    assert_eq!(
        c.comment.as_deref(),
        Some("Possible screen replay"),
        "the duplicate in result.errors is dropped"
    );
    let c = expect_row(&r, "vouched:ConnectionError", Cat::Other, Out::Error);
    assert_eq!(c.comment.as_deref(), Some("Upstream timed out"));
    assert_eq!(
        r.failure_reasons,
        [
            reason(None, Some("Vouched rejected the job")),
            reason(Some("SpoofDetectedError"), Some("Possible screen replay")),
            reason(Some("ConnectionError"), Some("Upstream timed out")),
            reason(
                Some("FaceMatchError"),
                Some("Id and selfie faces do not match")
            ),
        ]
    );
}

#[test]
fn ident_several_vouched_errors_on_one_row_list_each_type_once_and_join_their_messages() {
    let v = json!({
        "id": "0b8f3c1e-5555-4a5b-8c9d-000000000001",
        "provider": "vouched",
        "status": "rejected",
        "provider_representation": {
            "status": "completed",
            "errors": [
                {"type": "InvalidIdPhotoError", "message": "Blurry"},
                {"type": "InvalidIdError", "message": "Unsupported document"},
                {"type": "InvalidIdPhotoError", "message": "Glare"},
                {"type": "NameMatchError"}
            ],
            "result": {"success": false, "confidences": {"id": 0.2}}
        }
    });
    let r = ident::map_application(&v).expect("maps");
    assert_eq!(keys(&r), ["vouched:id", "vouched:NameMatchError"]);
    let c = expect_row(&r, "vouched:id", Cat::IdentityDocument, Out::Failed);
    assert_eq!(
        c.reason.as_deref(),
        Some("InvalidIdPhotoError,InvalidIdError")
    );
    assert_eq!(
        c.comment.as_deref(),
        Some("Blurry; Unsupported document; Glare")
    );
    let c = expect_row(&r, "vouched:NameMatchError", Cat::DataMatch, Out::Failed);
    assert_eq!(
        (c.name.as_str(), c.comment.as_deref()),
        ("Name match error", None)
    );
    // Without a confidence row to fail, an InvalidId* error gets its own IDENTITY_DOCUMENT row.
    let mut v2 = v.clone();
    v2["provider_representation"]["result"] = json!({"success": false});
    let r = ident::map_application(&v2).expect("maps");
    expect_row(
        &r,
        "vouched:InvalidIdPhotoError",
        Cat::IdentityDocument,
        Out::Failed,
    );
    expect_row(
        &r,
        "vouched:InvalidIdError",
        Cat::IdentityDocument,
        Out::Failed,
    );
}

#[test]
fn ident_identitymind_rejection_fails_decision_and_fired_rule_leaves_etr_tests_unread() {
    let r = app("ident/identitymind_rejected_fired_rules.json");
    expect_status(&r, "rejected", St::Failed, true);
    assert_eq!(
        keys(&r),
        [
            "identitymind:state",
            "identitymind:rule:Sanctions Screening",
            "identitymind:etr:ed:9",
            "identitymind:etr:ed:14"
        ]
    );
    let c = expect_row(&r, "identitymind:state", Cat::Other, Out::Failed);
    assert_eq!(
        (c.reason.as_deref(), c.comment.as_deref()),
        (Some("DENY"), Some("Bad User"))
    );
    let c = expect_row(
        &r,
        "identitymind:rule:Sanctions Screening",
        Cat::Other,
        Out::Failed,
    );
    assert_eq!(
        (c.name.as_str(), c.reason.as_deref(), c.comment.as_deref()),
        (
            "Fired rule: Sanctions Screening",
            Some("DENY"),
            Some("[Fired] OFAC SDN list match")
        )
    );
    let c = expect_row(&r, "identitymind:etr:ed:9", Cat::Other, Out::Unknown);
    assert_eq!(
        (c.reason.as_deref(), c.comment.as_deref()),
        (None, Some("false"))
    );
    let c = expect_row(&r, "identitymind:etr:ed:14", Cat::Other, Out::Unknown);
    assert_eq!(c.comment.as_deref(), Some("true"));
    assert_eq!(
        r.failure_reasons,
        [reason(
            Some("Sanctions Screening"),
            Some("[Fired] OFAC SDN list match")
        )]
    );
    assert_eq!(r.snapshot["params"]["ssn"], json!(REDACTED));
}

#[test]
fn ident_identitymind_p2_example_passes_its_decision_row_while_the_application_is_still_submitted()
{
    let r = app("ident/identitymind_p2_submitted_state_a.json");
    expect_status(&r, "submitted", St::Processing, false);
    let c = expect_row(&r, "identitymind:state", Cat::Other, Out::Passed);
    assert_eq!(
        (c.reason.as_deref(), c.comment.as_deref()),
        (Some("ACCEPT"), Some("Unknown User"))
    );
    let c = expect_row(
        &r,
        "identitymind:rule:Sandbox Rule",
        Cat::Other,
        Out::Passed,
    );
    assert_eq!(c.comment.as_deref(), Some("[Fired] details"));
    let etr: Vec<&str> = keys(&r)
        .into_iter()
        .filter(|k| k.starts_with("identitymind:etr:"))
        .collect();
    assert_eq!(
        etr,
        [
            "identitymind:etr:ed:20",
            "identitymind:etr:ed:31",
            "identitymind:etr:ed:2",
            "identitymind:etr:ed:1",
            "identitymind:etr:ed:28"
        ]
    );
    assert!(r.failure_reasons.is_empty());
}

#[test]
fn ident_identitymind_review_uses_the_reported_rule_without_frn_and_redacts_nested_params() {
    let r = app("ident/identitymind_review_nested_params.json");
    expect_status(&r, "review", St::InUpstreamReview, false);
    let c = expect_row(&r, "identitymind:state", Cat::Other, Out::Pending);
    assert_eq!(c.reason.as_deref(), Some("MANUAL_REVIEW"));
    let c = expect_row(
        &r,
        "identitymind:rule:Manual review rule",
        Cat::Other,
        Out::Pending,
    );
    assert_eq!(
        (c.reason.as_deref(), c.comment.as_deref()),
        (
            Some("MANUAL_REVIEW"),
            Some("Send to manual review when the address cannot be verified")
        )
    );
    expect_row(&r, "identitymind:etr:ed:28", Cat::Other, Out::Unknown);
    let p = &r.snapshot["params"]["params"];
    for k in ["id_photo", "selfie", "id_number"] {
        assert_eq!(p[k], json!(REDACTED), "params.params.{k}");
    }
    assert_eq!(p["man"], json!("Ann Lee"));
}

#[test]
fn ident_garbage_status_is_unknown_not_terminal_and_keeps_the_raw_string() {
    let r = app("ident/garbage_status.json");
    expect_status(&r, "ACCEPTED!!", St::Unknown, false);
    let c = expect_row(&r, "identitymind:state", Cat::Other, Out::Unknown);
    assert_eq!(c.reason.as_deref(), Some("Z"));
}

#[test]
fn ident_null_or_empty_representation_produces_no_checks() {
    for rel in [
        "ident/representation_null.json",
        "ident/representation_empty_object.json",
    ] {
        let r = app(rel);
        expect_status(&r, "submitted", St::Processing, false);
        assert!(r.checks.is_empty(), "{rel}");
    }
}

#[test]
fn ident_new_pending_application_is_not_started() {
    let r = app("ident/pending_new_application.json");
    expect_status(&r, "pending", St::NotStarted, false);
    assert!(r.checks.is_empty() && r.failure_reasons.is_empty());
}

#[test]
fn ident_odd_list_items_map_to_unknown_or_errors_and_a_non_array_list_is_empty() {
    let body = fixture("ident/list_odd_items.json");
    let items = ident::applications(&body);
    assert_eq!(items.len(), 4, "non-objects are passed on, not dropped");
    let r = ident::map_application(items[0]).expect("numeric status");
    expect_status(&r, "3", St::Unknown, false);
    let r = ident::map_application(items[1]).expect("no status");
    expect_status(&r, "", St::Unknown, false);
    assert!(matches!(
        ident::map_application(items[2]),
        Err(MapError::WrongType { .. })
    ));
    assert!(matches!(
        ident::map_application(items[3]),
        Err(MapError::MissingId { field: "id", .. })
    ));
    assert!(ident::applications(&json!({"data": []})).is_empty());
}

// ---------------------------------------------------------------------------------------------
// WIDTH
// ---------------------------------------------------------------------------------------------

const EXEC_ID: &str = "exec-abc123def456";

#[test]
fn width_created_is_not_started_and_running_is_processing() {
    let r = exec("width/status_created.json");
    assert_eq!(r.upstream_ref, EXEC_ID);
    expect_status(&r, "CREATED", St::NotStarted, false);
    assert_eq!(r.upstream_updated_at, None);
    let r = exec("width/status_running.json");
    expect_status(&r, "RUNNING", St::Processing, false);
    assert!(r.checks.is_empty());
}

#[test]
fn width_waiting_on_each_documented_node_is_awaiting_input_with_one_pending_row_of_its_category() {
    for (node, cat) in [
        ("identity_document", Cat::IdentityDocument),
        ("individual_particular", Cat::DataMatch),
        ("liveness_test", Cat::Liveness),
        ("validate_email", Cat::ContactVerification),
        ("validate_phone", Cat::ContactVerification),
        ("individual_required_document", Cat::Other),
        ("individual_required_forms", Cat::QuestionnaireForm),
        ("screen_check", Cat::SanctionsPepAml),
    ] {
        let r = exec(&format!("width/waiting_{node}.json"));
        expect_status(&r, "WAITING", St::AwaitingInput, false);
        assert_eq!(r.checks.len(), 1, "{node}");
        let c = expect_row(&r, &format!("node:flow_action_{node}"), cat, Out::Pending);
        assert_eq!(c.reason, None, "{node}");
        assert_eq!(
            width::node_meta(node).map(|m| m.0),
            Some(cat),
            "prefix is optional"
        );
    }
}

#[test]
fn width_waiting_on_an_unknown_node_is_flagged_unknown_with_no_handler_reason() {
    let r = exec("width/waiting_unknown_node.json");
    expect_status(&r, "WAITING", St::AwaitingInput, false);
    let c = expect_row(&r, "node:flow_action_video_call", Cat::Other, Out::Unknown);
    assert_eq!(c.reason.as_deref(), Some(width::REASON_NO_HANDLER));
    assert_eq!(c.name, "Video call");
    assert_eq!(width::node_meta("flow_action_video_call"), None);
}

#[test]
fn width_waiting_on_a_review_node_needs_review() {
    let r = exec("width/waiting_manual_review_node.json");
    expect_status(&r, "WAITING", St::NeedsReview, false);
    let c = expect_row(
        &r,
        "node:flow_action_manual_review",
        Cat::Other,
        Out::Pending,
    );
    assert_eq!(c.reason.as_deref(), Some(width::REASON_UPSTREAM_REVIEW));
    assert_eq!(c.name, "Manual review");
}

#[test]
fn width_waiting_without_a_current_node_has_no_rows() {
    let r = exec("width/waiting_current_node_null.json");
    expect_status(&r, "WAITING", St::AwaitingInput, false);
    assert!(r.checks.is_empty());
}

#[test]
fn width_completed_approved_passes_and_maps_node_outcomes() {
    let r = exec("width/completed_approved.json");
    expect_status(&r, "COMPLETED", St::Passed, true);
    assert_eq!(
        keys(&r),
        [
            "node:flow_action_identity_document",
            "node:flow_action_liveness_test",
            "node:flow_action_screen_check"
        ]
    );
    expect_row(
        &r,
        "node:flow_action_identity_document",
        Cat::IdentityDocument,
        Out::Passed,
    );
    let c = expect_row(
        &r,
        "node:flow_action_liveness_test",
        Cat::Liveness,
        Out::Passed,
    );
    assert_eq!(
        (c.score, c.score_scale),
        (Some(0.97), Some(ScoreScale::Raw))
    );
    expect_row(
        &r,
        "node:flow_action_screen_check",
        Cat::SanctionsPepAml,
        Out::Passed,
    );
    assert!(r.failure_reasons.is_empty());
    let nodes = &r.snapshot["result"]["nodes"];
    assert_eq!(nodes[0]["data"]["frontImage"], json!(REDACTED));
    assert_eq!(nodes[1]["data"]["images"], json!(REDACTED));
    assert_eq!(
        json::json_in_string(&nodes[1]["data"]["scores"])["brightnessStatus"],
        json!("normal")
    );
}

#[test]
fn width_completed_rejected_fails_with_its_reasons_and_a_failed_screening_row() {
    let r = exec("width/completed_rejected_with_nodes.json");
    expect_status(&r, "COMPLETED", St::Failed, true);
    assert_eq!(
        r.failure_reasons,
        [
            reason(Some("SCREENING_HIT"), Some("Potential sanctions match")),
            reason(None, Some("Manual note"))
        ]
    );
    let c = expect_row(
        &r,
        "node:flow_action_screen_check",
        Cat::SanctionsPepAml,
        Out::Failed,
    );
    assert_eq!(
        (c.reason.as_deref(), c.comment.as_deref()),
        (
            Some("SANCTIONS_HIT"),
            Some("Potential match on the UN consolidated list")
        )
    );
    let c = expect_row(
        &r,
        "node:flow_action_liveness_test",
        Cat::Liveness,
        Out::Passed,
    );
    assert_eq!(c.score, Some(0.97));
    let c = expect_row(&r, "node:flow_action_new_thing", Cat::Other, Out::Unknown);
    assert_eq!(
        (c.name.as_str(), c.reason.as_deref()),
        ("New thing", Some("SKIPPED"))
    );
}

#[test]
fn width_completed_manual_review_outcome_needs_review_and_reads_a_check_map() {
    let r = exec("width/completed_review_with_check_map.json");
    expect_status(&r, "COMPLETED", St::NeedsReview, true);
    assert_eq!(
        keys(&r),
        ["check:adverseMedia", "check:pep", "check:watchlist"]
    );
    expect_row(&r, "check:adverseMedia", Cat::Other, Out::Passed);
    expect_row(&r, "check:pep", Cat::Other, Out::Failed);
    let c = expect_row(&r, "check:watchlist", Cat::Other, Out::Unknown);
    assert_eq!(c.reason.as_deref(), Some("HIT"));
    assert!(r.failure_reasons.is_empty());
}

#[test]
fn width_completed_without_a_result_needs_review() {
    let r = exec("width/completed_no_result.json");
    expect_status(&r, "COMPLETED", St::NeedsReview, true);
    assert!(r.checks.is_empty() && r.failure_reasons.is_empty());
}

#[test]
fn width_completed_result_may_be_a_json_string_and_its_presigned_urls_are_redacted() {
    let r = exec("width/completed_result_as_json_string.json");
    expect_status(&r, "COMPLETED", St::Passed, true);
    expect_row(
        &r,
        "node:flow_action_identity_document",
        Cat::IdentityDocument,
        Out::Passed,
    );
    let inner = json::json_in_string(&r.snapshot["result"]);
    assert_eq!(inner["nodes"][0]["documentUrl"], json!(REDACTED));
    assert_eq!(inner["decision"], json!("PASS"));
}

#[test]
fn width_completed_result_of_invalid_json_needs_review_is_flagged_and_keeps_the_raw_string() {
    let v = fixture("width/completed_result_invalid_json_string.json");
    let r = width::map_execution(&v).expect("maps");
    expect_status(&r, "COMPLETED", St::NeedsReview, true);
    assert_eq!(r.snapshot["result"], v["result"]);
    assert_eq!(r.failure_reasons, [reason(Some("unreadable_result"), None)]);
}

#[test]
fn width_completed_unknown_decision_needs_review_with_an_unrecognised_decision_reason() {
    let r = exec("width/completed_unknown_decision.json");
    expect_status(&r, "COMPLETED", St::NeedsReview, true);
    assert_eq!(
        r.failure_reasons,
        [reason(
            Some("unrecognised_decision"),
            Some("result.decision = MAYBE")
        )]
    );
}

#[test]
fn width_completed_plain_string_result_declined_is_failed() {
    let r = exec("width/completed_result_plain_string.json");
    expect_status(&r, "COMPLETED", St::Failed, true);
}

#[test]
fn width_failed_and_timeout_are_terminal_errors_and_cancelled_is_cancelled() {
    let r = exec("width/failed.json");
    expect_status(&r, "FAILED", St::Error, true);
    assert_eq!(
        r.failure_reasons,
        [reason(
            Some("FAILED"),
            Some("Execution failed, contact support")
        )]
    );
    let r = exec("width/timeout.json");
    expect_status(&r, "TIMEOUT", St::Error, true);
    assert_eq!(r.failure_reasons, [reason(Some("TIMEOUT"), None)]);
    let r = exec("width/cancelled.json");
    expect_status(&r, "CANCELLED", St::Cancelled, true);
    assert!(r.failure_reasons.is_empty());
}

#[test]
fn width_unknown_status_is_unknown_not_terminal() {
    let r = exec("width/unknown_status.json");
    expect_status(&r, "PAUSED", St::Unknown, false);
}

#[test]
fn width_missing_execution_id_is_an_error_unless_the_caller_supplies_it() {
    let v = fixture("width/missing_execution_id.json");
    assert!(matches!(
        width::map_execution(&v),
        Err(MapError::MissingId {
            field: "executionId",
            ..
        })
    ));
    let r = width::map_execution_for(EXEC_ID, &v).expect("fallback id");
    assert_eq!(r.upstream_ref, EXEC_ID);
    expect_status(&r, "RUNNING", St::Processing, false);
    let body_id =
        width::map_execution_for("other", &fixture("width/status_running.json")).expect("maps");
    assert_eq!(body_id.upstream_ref, EXEC_ID, "the body's own id wins");
    assert!(matches!(
        width::map_execution(&json!([])),
        Err(MapError::WrongType { .. })
    ));
}

#[test]
fn width_error_body_gives_code_and_message() {
    assert_eq!(
        width::parse_error(&fixture("width/error_body.json")),
        (s("40001"), s("invalid signature"))
    );
    assert_eq!(
        width::parse_error(&fixture("width/error_body_numeric_code.json")),
        (s("40101"), s("apiKey is not valid"))
    );
    assert_eq!(
        width::parse_error(&json!("{\"code\":\"E1\",\"message\":\"m\"}")),
        (s("E1"), s("m"))
    );
    assert_eq!(width::parse_error(&json!("<html>")), (None, None));
    assert_eq!(width::parse_error(&json!([1])), (None, None));
}

#[test]
fn width_seed_node_submissions_are_not_execution_statuses() {
    // The status request only carries the id: no status, so UNKNOWN.
    let r = exec("width/seed_execution_status_request.json");
    expect_status(&r, "", St::Unknown, false);
    // The liveness submission's `status` is the liveness result, not an execution status.
    let r = exec("width/seed_kyc_liveness_data_request.json");
    expect_status(&r, "PASS", St::Unknown, false);
    for rel in [
        "width/seed_applicant_register_request.json",
        "width/seed_apply_submit_request.json",
    ] {
        assert!(
            matches!(
                width::map_execution(&fixture(rel)),
                Err(MapError::MissingId { .. })
            ),
            "{rel}"
        );
    }
}

#[test]
fn width_json_in_string_fields_of_the_seed_bodies_parse_and_broken_ones_come_back_as_is() {
    let person =
        json::json_in_string(&fixture("width/seed_kyc_particular_data_request.json")["personData"]);
    assert_eq!(person["name"], json!("John Smith"));
    assert_eq!(person["dateOfBirth"], json!("1990-01-15"));
    let liveness = fixture("width/seed_kyc_liveness_data_request.json");
    assert_eq!(
        json::json_in_string(&liveness["scores"])["qualityScore"],
        json!(1.0)
    );
    assert_eq!(
        json::json_in_string(&liveness["images"])["faceFull"],
        json!("s3://workflow-kyc/.../selfie.jpg")
    );
    let doc_req = fixture("width/seed_kyc_required_doc_request.json");
    assert_eq!(
        json::json_in_string(&doc_req["doc"])["front"]["size"],
        json!(85618)
    );
    assert_eq!(
        json::json_in_string(&doc_req["extraData"])["issueDate"],
        json!("2026-03-01")
    );
    let form = fixture("width/seed_kyc_required_form_request.json");
    assert_eq!(
        json::json_in_string(&form["formData"])["field_source_of_funds"],
        json!("EMPLOYMENT")
    );
    let bad = fixture("width/particular_data_invalid_person_data.json");
    assert_eq!(json::json_in_string(&bad["personData"]), bad["personData"]);
    let bad = fixture("width/required_form_invalid_form_data.json");
    assert_eq!(
        json::json_in_string(&bad["formData"]),
        json!("field_source_of_funds=EMPLOYMENT")
    );
    // The other seed bodies (OCR, OTP) have no JSON-in-string field and need no redaction
    // beyond the image keys.
    let ocr = json::redacted(&fixture("width/seed_kyc_ocr_request.json"));
    assert_eq!(
        (ocr["frontImage"].clone(), ocr["backImage"].clone()),
        (json!(REDACTED), json!(REDACTED))
    );
    for rel in [
        "width/seed_kyc_otp_send_request.json",
        "width/seed_kyc_otp_verify_request.json",
    ] {
        let v = fixture(rel);
        assert_eq!(json::redacted(&v), v, "{rel}");
    }
}

#[test]
fn width_presigned_urls_and_inline_images_inside_json_string_fields_are_redacted() {
    let red = json::redacted(&fixture("width/required_doc_with_presigned_url.json"));
    let doc = json::json_in_string(&red["doc"]);
    assert_eq!(doc["front"]["url"], json!(REDACTED));
    assert_eq!(doc["front"]["filename"], json!("bill.pdf"));
    assert_eq!(
        red["extraData"],
        json!("{\"issueDate\":\"2026-03-01\"}"),
        "untouched strings keep their bytes"
    );
    let red = json::redacted(&fixture("width/liveness_data_with_inline_image.json"));
    assert_eq!(red["images"], json!(REDACTED));
    assert_eq!(
        json::json_in_string(&red["scores"])["brightnessScore"],
        json!(100)
    );
}

// ---------------------------------------------------------------------------------------------
// Every fixture
// ---------------------------------------------------------------------------------------------

const PROVIDERS: &[&str] = &["eclipse", "biometric_kz", "ident", "width"];

fn all_fixtures() -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for p in PROVIDERS {
        let dir = fixtures_dir().join(p);
        let entries = fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for e in entries {
            let path = e.expect("dir entry").path();
            if path.extension().is_some_and(|x| x == "json") {
                let name = path
                    .file_name()
                    .expect("name")
                    .to_string_lossy()
                    .to_string();
                out.push((format!("{p}/{name}"), path));
            }
        }
    }
    out.sort();
    assert!(out.len() > 100, "fixtures found: {}", out.len());
    out
}

/// Markers of the secrets planted in the fixtures.
const PLANTED: &[&str] = &[
    "/9j/4AAQ",         // base64 JPEG
    "iVBORw0KGgo",      // base64 PNG
    "data:image",       // data URIs
    "X-Amz-Signature",  // pre-signed URLs
    "X-Amz-Credential", // pre-signed URLs
    "900101300123",     // IIN
    "123-45-6789",      // SSN
    "8001015009087",    // Eclipse nationalIdentityNumber
    "N12345678",        // biometric.kz document number
];

/// Planted values only the provider's own snapshot removes (not the generic `redact`).
const PLANTED_SNAPSHOT_ONLY: &[&str] = &[
    "D1234567", // Vouched result.id (the document number) and params.id_number
];

/// Every string below `v`, JSON-in-string fields expanded.
fn strings(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(x) => {
            out.push(x.clone());
            let inner = json::json_in_string(v);
            if !inner.is_string() {
                strings(&inner, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|i| strings(i, out)),
        Value::Object(o) => o.values().for_each(|i| strings(i, out)),
        _ => {}
    }
}

fn map_everything(rel: &str, v: &Value, text: &str) -> Vec<Value> {
    let provider = rel.split('/').next().unwrap_or_default();
    let mut snapshots = Vec::new();
    let mut keep = |r: Result<UpstreamResult, MapError>| {
        if let Ok(r) = r {
            let _ = serde_json::to_string(&r).expect("results serialize");
            snapshots.push(r.snapshot);
        }
    };
    match provider {
        "eclipse" => {
            for r in eclipse::map_history("1592544", v).into_iter().flatten() {
                keep(Ok(r));
            }
            keep(eclipse::map_result("1592544", v));
            let d = eclipse::map_liveness_document(v);
            let _ = eclipse::liveness_check(&d, eclipse::DEFAULT_LIVENESS_THRESHOLD);
            let _ = eclipse::parse_errors(text);
        }
        "biometric_kz" => {
            keep(biometric_kz::map_session("sid", v));
            let _ = biometric_kz::parse_session_created(v);
            let _ = biometric_kz::technologies(v);
        }
        "ident" => {
            for item in ident::applications(v) {
                keep(ident::map_application(item));
            }
            keep(ident::map_application(v));
        }
        "width" => {
            keep(width::map_execution(v));
            keep(width::map_execution_for("exec-x", v));
            let _ = width::parse_error(v);
        }
        other => panic!("unexpected provider dir {other}"),
    }
    snapshots
}

#[test]
fn every_fixture_maps_without_panicking_and_redaction_removes_every_planted_secret() {
    let mut planted_files = 0;
    for (rel, path) in all_fixtures() {
        let text = fs::read_to_string(&path).expect("read");
        let v: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{rel} is not JSON: {e}"));
        let raw = v.to_string();
        if PLANTED
            .iter()
            .chain(PLANTED_SNAPSHOT_ONLY)
            .any(|m| raw.contains(m))
        {
            planted_files += 1;
        }

        let snapshots = map_everything(&rel, &v, &text);
        let mut red = v.clone();
        json::redact(&mut red);
        let mut again = red.clone();
        json::redact(&mut again);
        assert_eq!(again, red, "{rel}: redaction is idempotent");

        for (what, doc) in
            std::iter::once(("redact", &red)).chain(snapshots.iter().map(|s| ("snapshot", s)))
        {
            let text = doc.to_string();
            let extra = if what == "snapshot" {
                PLANTED_SNAPSHOT_ONLY
            } else {
                &[]
            };
            for m in PLANTED.iter().chain(extra) {
                assert!(!text.contains(m), "{rel} ({what}) still contains {m}");
            }
            let mut all = Vec::new();
            strings(doc, &mut all);
            for x in &all {
                assert!(
                    !json::is_sensitive_string(x),
                    "{rel} ({what}) still holds a sensitive string: {}",
                    &x[..x.len().min(80)]
                );
            }
        }
    }
    assert!(
        planted_files >= 10,
        "only {planted_files} fixtures plant secrets"
    );
}

#[test]
fn every_fixture_is_named_by_a_test() {
    let me = include_str!("mapping.rs");
    for (rel, _) in all_fixtures() {
        let stem = rel.trim_end_matches(".json");
        let named = me.contains(&format!("\"{rel}\"")) || me.contains(&format!("\"{stem}\"")) || {
            // Table-driven: width/waiting_{node}.json
            let file = stem.rsplit('/').next().unwrap_or_default();
            file.strip_prefix("waiting_")
                .is_some_and(|node| me.contains(&format!("(\"{node}\", Cat::")))
        };
        assert!(named, "fixture {rel} is not named by any test");
    }
}

#[test]
fn every_fixture_is_valid_json_and_the_readme_describes_the_synthetic_ones() {
    let readme = fixture_text("README.md");
    for (rel, path) in all_fixtures() {
        let text = fs::read_to_string(&path).expect("read");
        assert!(serde_json::from_str::<Value>(&text).is_ok(), "{rel}");
        assert!(
            !text.contains("_comment"),
            "{rel}: notes belong in README.md"
        );
    }
    for needle in ["synthetic_", "seed_"] {
        assert!(readme.contains(needle), "README mentions {needle}");
    }
}
