//! `kyc-desk-dev seed`: a realistic dataset that the app reads like its own.

use crate::helpers::TestApp;
use kyc_desk::domain::Role;
use kyc_desk::server::services::audit;

/// Seeds 400 customers, 1,000 verifications and 5,000 audit events from the
/// generator seed `seed`; the summary `kyc-desk-dev seed` prints.
async fn seed(app: &TestApp, seed: u64) -> String {
    let seed = seed.to_string();
    app.seed(&[
        "--customers",
        "400",
        "--verifications",
        "1000",
        "--audit-events",
        "5000",
        "--seed",
        &seed,
    ])
    .await
}

/// How many of `what` the summary ("seeded in 1.2 s: 71 staff, …") says
/// were written.
fn seeded(summary: &str, what: &str) -> i64 {
    let line = summary
        .lines()
        .find(|l| l.starts_with("seeded in"))
        .unwrap_or_else(|| panic!("no summary: {summary}"));
    let (_, counts) = line.split_once(": ").expect("counts");
    counts
        .split(", ")
        .find_map(|c| c.strip_suffix(what)?.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {what} in {line}"))
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(app.state.db.reader())
        .await
        .expect(sql)
}

#[tokio::test]
async fn a_seeded_database_holds_what_was_asked_for_and_its_audit_chain_verifies() {
    let app = TestApp::spawn().await;
    let events_before = count(&app, "SELECT COUNT(*) FROM audit_event").await;
    let summary = seed(&app, 7).await;
    assert_eq!(seeded(&summary, "customers"), 400);
    assert_eq!(seeded(&summary, "verifications"), 1_000);
    assert_eq!(seeded(&summary, "audit events"), 5_000);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM customer").await, 400);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM verification").await,
        1_000
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM verification_check").await,
        seeded(&summary, "checks")
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM audit_event").await,
        events_before + 5_000
    );

    let chain = audit::verify(&app.state.db, &app.state.audit_keys)
        .await
        .expect("verify");
    assert!(chain.problems.is_empty(), "{:?}", chain.problems);
    assert_eq!(chain.chain.events, events_before + 5_000);
}

#[tokio::test]
async fn seeded_cases_are_consistent_the_way_the_workspace_makes_them() {
    let app = TestApp::spawn().await;
    seed(&app, 11).await;
    // Every provider and a realistic spread of review states.
    for provider in ["eclipse", "biometric_kz", "ident", "width"] {
        let n = count(
            &app,
            &format!("SELECT COUNT(*) FROM verification WHERE provider = '{provider}'"),
        )
        .await;
        assert!(n > 50, "{provider}: {n}");
    }
    for status in [
        "UNREVIEWED",
        "IN_REVIEW",
        "APPROVED",
        "DECLINED",
        "SUPERSEDED",
    ] {
        let n = count(
            &app,
            &format!("SELECT COUNT(*) FROM verification WHERE review_status = '{status}'"),
        )
        .await;
        assert!(n > 0, "no {status} cases");
    }
    // Decided cases have exactly their decision; open ones none.
    let undecided = "SELECT COUNT(*) FROM verification v \
                     WHERE review_status IN ('APPROVED', 'DECLINED') \
                     AND (SELECT COUNT(*) FROM decision d \
                          WHERE d.verification_id = v.verification_id) <> 1";
    assert_eq!(count(&app, undecided).await, 0);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM decision d JOIN verification v USING (verification_id) \
                     WHERE v.review_status NOT IN ('APPROVED', 'DECLINED')"
        )
        .await,
        0
    );
    // Four eyes: a confirmed decision was confirmed by someone else.
    assert!(
        count(
            &app,
            "SELECT COUNT(*) FROM decision WHERE status = 'CONFIRMED'"
        )
        .await
            > 0
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM decision WHERE status = 'CONFIRMED' AND second_by = decided_by"
        )
        .await,
        0
    );
    // The failed-check bits agree with the failed checks.
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM verification v WHERE (v.failed_checks <> 0) <> \
                     EXISTS (SELECT 1 FROM verification_check c WHERE c.verification_id = v.verification_id \
                     AND c.outcome = 'FAILED')").await,
        0
    );
    // Only the assignee of an open case holds it.
    let unheld =
        "SELECT COUNT(*) FROM verification WHERE review_status = 'IN_REVIEW' AND assignee_id IS NULL";
    assert_eq!(count(&app, unheld).await, 0);

    // And the app reads it: the queue and a case page.
    let officer = app.signed_in(Role::ComplianceOfficer).await;
    let page = app.get(&officer, "/?view=all").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    assert!(html.contains("/cases/"), "the queue lists seeded cases");
    let id: i64 = count(
        &app,
        "SELECT MIN(verification_id) FROM verification WHERE review_status = 'DECLINED'",
    )
    .await;
    let case = app.get(&officer, &format!("/cases/{id}")).await;
    assert_eq!(case.status(), 200);
}

#[tokio::test]
async fn seeding_again_adds_to_what_is_there_and_the_chain_still_verifies() {
    let app = TestApp::spawn().await;
    seed(&app, 1).await;
    let second = seed(&app, 2).await;
    assert_eq!(
        seeded(&second, "staff"),
        0,
        "the seeded staff exist already"
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM verification").await,
        2_000
    );
    let chain = audit::verify_chain(&app.state.db).await.expect("verify");
    assert!(chain.first_bad.is_none(), "{:?}", chain.first_bad);
}

#[tokio::test]
async fn verifications_without_customers_are_refused_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let refused = app
        .dev_tool(&["seed", "--customers", "0", "--verifications", "1000"])
        .await;
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("at least one customer"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM verification").await, 0);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM app_user WHERE email LIKE '%@seed.kyc-desk.test'"
        )
        .await,
        0
    );
}
