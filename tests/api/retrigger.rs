//! Asking providers to run KYC again, with the seeds' guards, through the outbox.

use crate::cases::claim;
use crate::helpers::TestApp;
use kyc_desk::domain::Role;
use serde_json::{json, Value};

pub async fn case(app: &TestApp, external_id: &str, r: Value) -> i64 {
    let token = app.api_token("ingest").await;
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/customers"))
        .bearer_auth(token)
        .json(&json!({"external_id": external_id, "display_name": "Rex Retrigger", "refs": [r]}))
        .send()
        .await
        .expect("request");
    assert!(res.status().is_success());
    app.poll(1).await;
    sqlx::query_scalar("SELECT MAX(verification_id) FROM verification")
        .fetch_one(app.state.db.reader())
        .await
        .expect("id")
}

pub async fn ask(
    app: &TestApp,
    who: &reqwest::Client,
    id: i64,
    action: &str,
    confirm: bool,
    reason: &str,
) -> reqwest::Response {
    let id = id.to_string();
    let mut form = vec![("id", id.as_str()), ("action", action), ("reason", reason)];
    if confirm {
        form.push(("confirm", "yes"));
    }
    app.post(who, "/api/cases/retrigger", &form).await
}

pub async fn outbox(app: &TestApp) -> Vec<(String, String, Option<String>, Option<String>)> {
    sqlx::query_as("SELECT kind, state, result, last_error FROM outbox ORDER BY outbox_id")
        .fetch_all(app.state.db.reader())
        .await
        .expect("rows")
}

async fn sandbox_posts(app: &TestApp, path_part: &str) -> usize {
    app.sandbox_requests()
        .await
        .iter()
        .filter(|r| {
            r["method"] == "POST" && r["path"].as_str().is_some_and(|p| p.contains(path_part))
        })
        .count()
}

#[tokio::test]
async fn re_ratifying_a_passed_customer_takes_an_officer_a_confirmation_and_a_reason() {
    let app = TestApp::with_sandbox().await;
    let id = case(
        &app,
        "r-1",
        json!({"provider": "eclipse", "tenant_id": "100", "customer_id": "1592544"}),
    )
    .await;
    let reviewer = app.signed_in(Role::Reviewer).await;
    assert_eq!(claim(&app, &reviewer, id).await.status(), 200);
    assert_eq!(
        ask(
            &app,
            &reviewer,
            id,
            "reratify",
            true,
            "The customer sent a new ID."
        )
        .await
        .status(),
        409
    );
    let officer = app.signed_in(Role::ComplianceOfficer).await;
    assert_eq!(
        ask(
            &app,
            &officer,
            id,
            "reratify",
            false,
            "The customer sent a new ID."
        )
        .await
        .status(),
        422
    );
    assert_eq!(
        ask(&app, &officer, id, "reratify", true, "short")
            .await
            .status(),
        422
    );
    assert!(outbox(&app).await.is_empty(), "refusals change nothing");

    assert_eq!(
        ask(
            &app,
            &officer,
            id,
            "reratify",
            true,
            "The customer sent a new ID."
        )
        .await
        .status(),
        200
    );
    kyc_desk::server::workers::outbox::tick(&app.state).await;
    let rows = outbox(&app).await;
    assert_eq!(rows[0].0, "reratify");
    assert_eq!(rows[0].1, "DONE");
    assert!(rows[0]
        .2
        .as_deref()
        .expect("result")
        .contains("a new ratification started"));
    assert_eq!(sandbox_posts(&app, "1592544/ratify").await, 1);
    let reason: String = sqlx::query_scalar(
        "SELECT reason FROM audit_event WHERE action = 'upstream.retrigger_requested'",
    )
    .fetch_one(app.state.db.reader())
    .await
    .expect("audited");
    assert_eq!(reason, "The customer sent a new ID.");
}

#[tokio::test]
async fn re_ratifying_while_one_runs_is_shown_as_already_in_progress() {
    let app = TestApp::with_sandbox().await;
    let id = case(
        &app,
        "r-2",
        json!({"provider": "eclipse", "tenant_id": "100", "customer_id": "1592550"}),
    )
    .await;
    let reviewer = app.signed_in(Role::Reviewer).await;
    assert_eq!(claim(&app, &reviewer, id).await.status(), 200);
    assert_eq!(
        ask(
            &app,
            &reviewer,
            id,
            "reratify",
            false,
            "Stuck pending for too long."
        )
        .await
        .status(),
        200
    );
    kyc_desk::server::workers::outbox::tick(&app.state).await;
    let rows = outbox(&app).await;
    assert_eq!(rows[0].1, "DONE");
    assert!(rows[0]
        .2
        .as_deref()
        .expect("result")
        .contains("already in progress"));
}

#[tokio::test]
async fn a_non_idempotent_call_that_fails_is_not_sent_again_by_itself() {
    let app = TestApp::with_sandbox().await;
    let id = case(
        &app,
        "r-3",
        json!({"provider": "eclipse", "tenant_id": "100", "customer_id": "1592548"}),
    )
    .await;
    app.sandbox_fault(
        json!({"provider": "eclipse", "kind": "status", "status": 503, "match": "1592548/ratify"}),
    )
    .await;
    let reviewer = app.signed_in(Role::Reviewer).await;
    assert_eq!(claim(&app, &reviewer, id).await.status(), 200);
    assert_eq!(
        ask(
            &app,
            &reviewer,
            id,
            "reratify",
            false,
            "Name fixed at the provider."
        )
        .await
        .status(),
        200
    );
    app.deliver(3).await;
    assert_eq!(outbox(&app).await[0].1, "FAILED");
    assert_eq!(
        sandbox_posts(&app, "1592548/ratify").await,
        1,
        "sent once, never retried on its own"
    );
}

#[tokio::test]
async fn liveness_is_re_run_only_when_it_failed_and_the_landing_page_is_a_signal_not_proof() {
    let app = TestApp::with_sandbox().await;
    let clean = case(
        &app,
        "r-4",
        json!({"provider": "eclipse", "tenant_id": "100", "customer_id": "1592544"}),
    )
    .await;
    let failed = case(
        &app,
        "r-5",
        json!({"provider": "eclipse", "tenant_id": "100", "customer_id": "1592546"}),
    )
    .await;
    let reviewer = app.signed_in(Role::Reviewer).await;
    for id in [clean, failed] {
        assert_eq!(claim(&app, &reviewer, id).await.status(), 200);
    }
    assert_eq!(
        ask(
            &app,
            &reviewer,
            clean,
            "liveness",
            false,
            "Selfie looked odd to me."
        )
        .await
        .status(),
        409
    );
    assert_eq!(
        ask(
            &app,
            &reviewer,
            failed,
            "liveness",
            false,
            "The liveness check failed."
        )
        .await
        .status(),
        200
    );
    kyc_desk::server::workers::outbox::tick(&app.state).await;
    let rows = outbox(&app).await;
    assert_eq!(rows[0].1, "DONE");
    assert!(rows[0]
        .2
        .as_deref()
        .expect("result")
        .contains("completion_url"));
    let key: String = sqlx::query_scalar("SELECT idempotency_key FROM outbox")
        .fetch_one(app.state.db.reader())
        .await
        .expect("key");

    // A made-up token finds nothing.
    let res = reqwest::get(
        app.url("/liveness/callback/00000000-0000-0000-0000-000000000000?status=COMPLETED"),
    )
    .await
    .expect("get");
    assert_eq!(res.status(), 404);
    // The landing URL we gave Eclipse, with `?status=COMPLETED` appended as
    // Eclipse documents it (whatever the URL already holds).
    let payload: String = sqlx::query_scalar("SELECT payload FROM outbox")
        .fetch_one(app.state.db.reader())
        .await
        .expect("payload");
    let landing = serde_json::from_str::<Value>(&payload).expect("json")["landing_url"]
        .as_str()
        .expect("landing url")
        .to_string();
    let path = &landing[landing.find("/liveness/").expect("our path")..];
    assert!(path.contains(&key));
    // The customer comes back (twice, as browsers do): one read of the result.
    for _ in 0..2 {
        let res = reqwest::get(app.url(&format!("{path}?status=COMPLETED")))
            .await
            .expect("get");
        assert_eq!(res.status(), 200);
        assert!(
            !res.text().await.expect("html").contains("1592546"),
            "nothing about the customer on the page"
        );
    }
    kyc_desk::server::workers::outbox::tick(&app.state).await;
    let rows = outbox(&app).await;
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].0, "liveness_finish");
    // The link and its token are for the customer: the trail holds a
    // reference to the outbox row, never them.
    let link: Value = serde_json::from_str(rows[0].2.as_deref().expect("result")).expect("json");
    let url = link["completion_url"].as_str().expect("url").to_string();
    for secret in [key.as_str(), url.as_str()] {
        let found: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_event \
             WHERE instr(COALESCE(changes, '') || COALESCE(reason, ''), $1) > 0",
        )
        .bind(secret)
        .fetch_one(app.state.db.reader())
        .await
        .expect("search");
        assert_eq!(found, 0, "{secret} is in the audit trail");
    }
    assert_eq!(rows[1].1, "DONE", "{:?}", rows[1].3);
    assert!(rows[1].2.as_deref().expect("result").contains("liveness"));
}

#[tokio::test]
async fn a_new_biometric_session_needs_confirmation_and_becomes_a_new_reference() {
    let app = TestApp::with_sandbox().await;
    let id = case(
        &app,
        "r-6",
        json!({"provider": "biometric_kz", "session_id": "b10e0000-0000-4000-8000-000000000002"}),
    )
    .await;
    let reviewer = app.signed_in(Role::Reviewer).await;
    assert_eq!(claim(&app, &reviewer, id).await.status(), 200);
    assert_eq!(
        ask(
            &app,
            &reviewer,
            id,
            "new_session",
            false,
            "Liveness failed, retry with a new session."
        )
        .await
        .status(),
        422
    );
    assert_eq!(
        ask(
            &app,
            &reviewer,
            id,
            "new_session",
            true,
            "Liveness failed, retry with a new session."
        )
        .await
        .status(),
        200
    );
    kyc_desk::server::workers::outbox::tick(&app.state).await;
    let refs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM customer_ref")
        .fetch_one(app.state.db.reader())
        .await
        .expect("refs");
    assert_eq!(refs, 2, "the new session is followed");
    app.poll(1).await;
    let verifications: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM verification")
        .fetch_one(app.state.db.reader())
        .await
        .expect("n");
    assert_eq!(verifications, 2);
}

#[tokio::test]
async fn a_new_width_workflow_is_registered_submitted_and_followed() {
    let app = TestApp::with_sandbox().await;
    let id = case(
        &app,
        "r-7",
        json!({
            "provider": "width", "execution_id": "exec-sbx-failed", "customer_id": "C_sbx_failed",
        }),
    )
    .await;
    let officer = app.signed_in(Role::ComplianceOfficer).await;
    assert_eq!(
        ask(
            &app,
            &officer,
            id,
            "new_workflow",
            false,
            "The workflow failed upstream."
        )
        .await
        .status(),
        200
    );
    kyc_desk::server::workers::outbox::tick(&app.state).await;
    let rows = outbox(&app).await;
    assert_eq!(rows[0].1, "DONE", "{:?}", rows[0].3);
    let refs: Vec<String> =
        sqlx::query_scalar("SELECT ref FROM customer_ref ORDER BY customer_ref_id")
            .fetch_all(app.state.db.reader())
            .await
            .expect("refs");
    assert_eq!(refs.len(), 2);
    assert_ne!(refs[1], "exec-sbx-failed");
}

#[tokio::test]
async fn a_re_trigger_needs_the_claim_and_a_double_submit_reaches_the_provider_once() {
    let app = TestApp::with_sandbox().await;
    let id = case(
        &app,
        "r-8",
        json!({"provider": "biometric_kz", "session_id": "b10e0000-0000-4000-8000-000000000002"}),
    )
    .await;
    let reviewer = app.signed_in(Role::Reviewer).await;
    let reason = "Liveness failed, retry with a new session.";
    let res = ask(&app, &reviewer, id, "new_session", true, reason).await;
    assert_eq!(res.status(), 409, "not without the claim");
    assert!(outbox(&app).await.is_empty());

    assert_eq!(claim(&app, &reviewer, id).await.status(), 200);
    // The same form sent twice at once (a double click).
    let (first, second) = tokio::join!(
        ask(&app, &reviewer, id, "new_session", true, reason),
        ask(&app, &reviewer, id, "new_session", true, reason)
    );
    let mut statuses = [first.status().as_u16(), second.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 409]);
    app.deliver(3).await;
    assert_eq!(
        sandbox_posts(&app, "session/create").await,
        1,
        "one paid session"
    );
    // Answered: the next one may be asked for (in a new session: the clock
    // moved on).
    let reviewer = app.signed_in(Role::Reviewer).await;
    let res = ask(&app, &reviewer, id, "new_session", true, reason).await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn a_re_trigger_cut_off_by_a_stop_becomes_failed_after_its_lease_and_is_not_sent_again() {
    let app = TestApp::with_sandbox().await;
    let id = case(
        &app,
        "r-9",
        json!({"provider": "eclipse", "tenant_id": "100", "customer_id": "1592548"}),
    )
    .await;
    let officer = app.signed_in(Role::ComplianceOfficer).await;
    let res = ask(
        &app,
        &officer,
        id,
        "reratify",
        false,
        "Name fixed at the provider.",
    )
    .await;
    assert_eq!(res.status(), 200);
    // The process stopped while the call was out: the row is left SENDING.
    sqlx::query("UPDATE outbox SET state = 'SENDING', updated_at = $1")
        .bind(app.state.clock.now_ms())
        .execute(app.state.db.writer())
        .await
        .expect("sending");
    let res = ask(
        &app,
        &officer,
        id,
        "reratify",
        false,
        "Name fixed at the provider.",
    )
    .await;
    assert_eq!(res.status(), 409, "one is on its way");
    kyc_desk::server::workers::outbox::tick(&app.state).await;
    assert_eq!(outbox(&app).await[0].1, "SENDING", "within its lease");
    app.state
        .clock
        .advance(std::time::Duration::from_secs(6 * 60));
    app.deliver(3).await;
    let rows = outbox(&app).await;
    assert_eq!(rows[0].1, "FAILED");
    assert!(rows[0]
        .3
        .as_deref()
        .is_some_and(|e| e.contains("check upstream before retrying")));
    assert_eq!(
        sandbox_posts(&app, "1592548/ratify").await,
        0,
        "never sent by itself"
    );
    assert!(app
        .audit_actions()
        .await
        .contains(&"outbox.push_failed".to_string()));
}
