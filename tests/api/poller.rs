//! The poller, with the app's clock moved by hand instead of waiting.

use crate::helpers::{Options, TestApp};
use kyc_desk::server::sandbox::SandboxConfig;
use serde_json::json;
use std::time::Duration;

async fn register(app: &TestApp, refs: serde_json::Value) {
    let token = app.api_token("ingest").await;
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/customers"))
        .bearer_auth(token)
        .json(&json!({"external_id": "p-1", "display_name": "Polly Poll", "refs": refs}))
        .send()
        .await
        .expect("request");
    assert!(res.status().is_success());
}

async fn statuses(app: &TestApp) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT upstream_status, review_status FROM verification ORDER BY verification_id",
    )
    .fetch_all(app.state.db.reader())
    .await
    .expect("rows")
}

#[tokio::test]
async fn a_new_reference_is_read_at_once_and_then_at_the_providers_pace() {
    let app = TestApp::with_sandbox().await;
    register(
        &app,
        json!([{"provider": "eclipse", "tenant_id": "100", "customer_id": "1592550"}]),
    )
    .await;
    assert_eq!(
        kyc_desk::server::workers::poller::tick(&app.state).await,
        1,
        "due immediately"
    );
    assert_eq!(
        statuses(&app).await,
        vec![("PROCESSING".into(), "UNREVIEWED".into())]
    );

    // Not again before Eclipse's 30–60 s.
    app.state.clock.advance(Duration::from_secs(25));
    assert_eq!(kyc_desk::server::workers::poller::tick(&app.state).await, 0);
    app.state.clock.advance(Duration::from_secs(40));
    assert_eq!(kyc_desk::server::workers::poller::tick(&app.state).await, 1);
}

#[tokio::test]
async fn a_pending_result_moves_to_passed_and_then_polling_stops() {
    let app = TestApp::with_sandbox().await;
    register(
        &app,
        json!([{"provider": "eclipse", "tenant_id": "100", "customer_id": "1592550"}]),
    )
    .await;
    app.poll(4).await;
    assert_eq!(
        statuses(&app).await,
        vec![("PASSED".into(), "UNREVIEWED".into())]
    );
    let next: Option<i64> = sqlx::query_scalar("SELECT next_poll_at FROM customer_ref")
        .fetch_one(app.state.db.reader())
        .await
        .expect("row");
    assert_eq!(next, None, "a final result is not polled again");
    let changed: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_event WHERE action = 'verification.changed'",
    )
    .fetch_one(app.state.db.reader())
    .await
    .expect("count");
    assert_eq!(changed, 1, "one change recorded, not one per poll");
}

#[tokio::test]
async fn a_new_upstream_result_becomes_a_new_verification_and_supersedes_the_old() {
    let app = TestApp::with_sandbox().await;
    register(
        &app,
        json!([{"provider": "eclipse", "tenant_id": "100", "customer_id": "1592544"}]),
    )
    .await;
    app.poll(1).await;
    // Someone re-ratifies upstream: a new result appears.
    let eclipse = app.state.providers.eclipse.clone().expect("eclipse");
    eclipse.ratify("100", "1592544").await.expect("ratified");
    let id: i64 = sqlx::query_scalar("SELECT verification_id FROM verification")
        .fetch_one(app.state.db.reader())
        .await
        .expect("id");
    kyc_desk::server::services::refresh::refresh_verification(
        &app.state,
        kyc_desk::server::db::audit::Actor::System("test"),
        &Default::default(),
        id,
        true,
    )
    .await
    .expect("refreshed");
    assert_eq!(
        statuses(&app).await,
        vec![
            ("PASSED".into(), "SUPERSEDED".into()),
            ("PROCESSING".into(), "UNREVIEWED".into())
        ]
    );
    assert!(app
        .audit_actions()
        .await
        .contains(&"verification.superseded".to_string()));
}

#[tokio::test]
async fn an_upstream_outage_is_recorded_and_retried_later_with_backoff() {
    let app = TestApp::with_sandbox().await;
    register(
        &app,
        json!([{"provider": "ident", "application_id": "1de70000-0000-4000-8000-000000000006"}]),
    )
    .await;
    app.sandbox_fault(json!({"provider": "ident", "kind": "status", "status": 503}))
        .await;
    kyc_desk::server::workers::poller::tick(&app.state).await;
    let (failures, err, next): (i64, Option<String>, Option<i64>) =
        sqlx::query_as("SELECT poll_failures, last_error, next_poll_at FROM customer_ref")
            .fetch_one(app.state.db.reader())
            .await
            .expect("row");
    assert_eq!(failures, 1);
    assert!(err.expect("recorded").contains("503"));
    assert!(
        next.expect("scheduled") - app.state.clock.now_ms() >= 30_000,
        "backed off"
    );
}

#[tokio::test]
async fn a_verification_that_never_finishes_expires() {
    let app = TestApp::spawn_with(Options {
        sandbox: Some(SandboxConfig::default()),
        ..Options::default()
    })
    .await;
    register(
        &app,
        json!([{"provider": "biometric_kz", "session_id": "b10e0000-0000-4000-8000-00000000000a"}]),
    )
    .await;
    app.poll(1).await;
    assert_eq!(statuses(&app).await[0].0, "NOT_STARTED");
    app.state.clock.advance(Duration::from_secs(25 * 3600));
    app.poll(1).await;
    assert_eq!(statuses(&app).await[0].0, "EXPIRED");
    assert!(app
        .audit_actions()
        .await
        .contains(&"verification.expired".to_string()));
}

#[tokio::test]
async fn the_poller_reads_at_most_the_configured_number_at_once() {
    let app = TestApp::with_sandbox().await;
    app.sandbox_fault(json!({"provider": "*", "kind": "latency", "ms": 150}))
        .await;
    let refs: Vec<_> = ["01", "02", "03", "04", "05", "06", "07", "08"]
        .iter()
        .map(|n| {
            let session_id = format!("b10e0000-0000-4000-8000-0000000000{n}");
            json!({"provider": "biometric_kz", "session_id": session_id})
        })
        .collect();
    register(&app, json!(refs)).await;
    let started = std::time::Instant::now();
    assert_eq!(kyc_desk::server::workers::poller::tick(&app.state).await, 8);
    // 8 reads of 150 ms, 4 at a time: at least two rounds.
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
}
