//! `kyc-desk seed`: a realistic dataset that the app reads like its own.

use crate::helpers::TestApp;
use kyc_desk::domain::Role;
use kyc_desk::server::db::seed::{self, Plan};
use kyc_desk::server::services::audit;

fn plan(seed: u64) -> Plan {
    Plan {
        customers: 400,
        verifications: 1_000,
        audit_events: 5_000,
        seed,
        now_ms: 1_796_000_000_000,
    }
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
    let report = seed::run(&app.state.db, &plan(7), "$argon2id$unusable", |_| {})
        .await
        .expect("seed");
    assert_eq!(report.customers, 400);
    assert_eq!(report.verifications, 1_000);
    assert_eq!(report.audit_events, 5_000);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM customer").await, 400);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM verification").await,
        1_000
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM verification_check").await,
        report.checks as i64
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
    seed::run(&app.state.db, &plan(11), "$argon2id$unusable", |_| {})
        .await
        .expect("seed");
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
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM verification v WHERE review_status IN ('APPROVED', 'DECLINED') \
                     AND (SELECT COUNT(*) FROM decision d WHERE d.verification_id = v.verification_id) <> 1").await,
        0
    );
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
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM verification WHERE review_status = 'IN_REVIEW' AND assignee_id IS NULL").await,
        0
    );

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
    seed::run(&app.state.db, &plan(1), "$argon2id$unusable", |_| {})
        .await
        .expect("first");
    let second = seed::run(&app.state.db, &plan(2), "$argon2id$unusable", |_| {})
        .await
        .expect("second");
    assert_eq!(second.staff, 0, "the seeded staff exist already");
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
    let mut p = plan(3);
    p.customers = 0;
    assert!(seed::run(&app.state.db, &p, "x", |_| {}).await.is_err());
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
