//! The reviewer workspace, through the real server functions: queue, claims,
//! decisions with four eyes, concurrency, and the outbox to the sandbox.

use crate::helpers::TestApp;
use kyc_desk::domain::verification::{Provider, ReviewStatus, UpstreamStatus};
use kyc_desk::domain::Role;
use kyc_desk::error::ErrorKind;
use kyc_desk::server::db::cases::{explain_queue, Assigned, QueueFilter, Sort};
use serde_json::{json, Value};
use std::time::Duration;

const SANCTIONS_HIT: (&str, &str) = ("100", "1592545");
const NAME_MISMATCH: (&str, &str) = ("100", "1592548");
const IDENT_DUPLICATE: &str = "1de70000-0000-4000-8000-000000000004";
const BKZ_IN_REVIEW: &str = "b10e0000-0000-4000-8000-000000000005";
const BKZ_FINISHED: &str = "b10e0000-0000-4000-8000-000000000007";

/// Registers a customer with `refs`, polls once, returns the new case ids.
pub async fn cases_for(app: &TestApp, external_id: &str, refs: Value) -> Vec<i64> {
    let token = app.api_token("ingest").await;
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/customers"))
        .bearer_auth(token)
        .json(&json!({"external_id": external_id, "display_name": "Case Person", "refs": refs}))
        .send()
        .await
        .expect("request");
    assert!(
        res.status().is_success(),
        "{}",
        res.text().await.unwrap_or_default()
    );
    app.poll(1).await;
    sqlx::query_scalar(
        "SELECT v.verification_id FROM verification v JOIN customer c ON c.customer_id = v.customer_id \
         WHERE c.external_id = $1 ORDER BY v.verification_id",
    )
    .bind(external_id)
    .fetch_all(app.state.db.reader())
    .await
    .expect("ids")
}

pub fn eclipse(r: (&str, &str)) -> Value {
    json!({"provider": "eclipse", "tenant_id": r.0, "customer_id": r.1})
}

pub async fn version(app: &TestApp, id: i64) -> String {
    let v: i64 = sqlx::query_scalar("SELECT version FROM verification WHERE verification_id = $1")
        .bind(id)
        .fetch_one(app.state.db.reader())
        .await
        .expect("version");
    v.to_string()
}

async fn review_status(app: &TestApp, id: i64) -> String {
    sqlx::query_scalar("SELECT review_status FROM verification WHERE verification_id = $1")
        .bind(id)
        .fetch_one(app.state.db.reader())
        .await
        .expect("status")
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(app.state.db.reader())
        .await
        .expect("count")
}

pub async fn claim(app: &TestApp, who: &reqwest::Client, id: i64) -> reqwest::Response {
    let v = version(app, id).await;
    app.post(
        who,
        "/api/cases/claim",
        &[("id", &id.to_string()), ("version", &v)],
    )
    .await
}

pub async fn decide(
    app: &TestApp,
    who: &reqwest::Client,
    id: i64,
    decision: &str,
    reason: &str,
    note: &str,
) -> reqwest::Response {
    let v = version(app, id).await;
    app.post(
        who,
        "/api/cases/decide",
        &[
            ("id", &id.to_string()),
            ("version", &v),
            ("decision", decision),
            ("reason", reason),
            ("note", note),
        ],
    )
    .await
}

async fn error_kind(res: reqwest::Response) -> ErrorKind {
    crate::helpers::app_error(res).await.kind
}

#[tokio::test]
async fn a_reviewer_claims_and_declines_with_a_reason_and_the_case_leaves_the_open_queue() {
    let app = TestApp::with_sandbox().await;
    let ids = cases_for(&app, "c-1", json!([eclipse(NAME_MISMATCH)])).await;
    let id = ids[0];
    let reviewer = app.signed_in(Role::Reviewer).await;

    let open: Value = app
        .get(&reviewer, "/api/cases/queue?view=unassigned")
        .await
        .json()
        .await
        .expect("json");
    assert!(open["items"]
        .as_array()
        .expect("items")
        .iter()
        .any(|c| c["id"] == id));

    assert_eq!(claim(&app, &reviewer, id).await.status(), 200);
    let mine: Value = app
        .get(&reviewer, "/api/cases/queue")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(mine["items"][0]["id"], id, "a claimed case is in my queue");

    let res = decide(
        &app,
        &reviewer,
        id,
        "decline",
        "NAME_MISMATCH",
        "Names differ between the ID and the application.",
    )
    .await;
    assert_eq!(
        res.status(),
        200,
        "{}",
        res.text().await.unwrap_or_default()
    );
    assert_eq!(review_status(&app, id).await, "DECLINED");
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM decision WHERE status = 'FINAL'").await,
        1
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_event WHERE action = 'decision.made'"
        )
        .await,
        1
    );
    // Eclipse takes no decisions over its API: recorded here only.
    let push: Option<String> =
        sqlx::query_scalar("SELECT push_state FROM verification WHERE verification_id = $1")
            .bind(id)
            .fetch_one(app.state.db.reader())
            .await
            .expect("push");
    assert_eq!(push.as_deref(), Some("UNSUPPORTED"));
    let mine: Value = app
        .get(&reviewer, "/api/cases/queue")
        .await
        .json()
        .await
        .expect("json");
    assert!(
        mine["items"].as_array().expect("items").is_empty(),
        "decided cases leave the open queue"
    );
}

#[tokio::test]
async fn a_decision_without_a_proper_note_or_reason_changes_nothing() {
    let app = TestApp::with_sandbox().await;
    let id = cases_for(&app, "c-2", json!([eclipse(NAME_MISMATCH)])).await[0];
    let reviewer = app.signed_in(Role::Reviewer).await;
    claim(&app, &reviewer, id).await;
    let before = count(&app, "SELECT COUNT(*) FROM audit_event").await;
    for (reason, note, field) in [
        ("NAME_MISMATCH", "", "note"),
        ("NAME_MISMATCH", "too short", "note"),
        (
            "VERIFIED_MANUALLY",
            "Approve reason on a decline.",
            "reason",
        ),
        ("NO_SUCH_REASON", "A long enough note here.", "reason"),
    ] {
        let res = decide(&app, &reviewer, id, "decline", reason, note).await;
        assert_eq!(res.status(), 422);
        assert!(
            matches!(error_kind(res).await, ErrorKind::Validation { field: f, .. } if f == field)
        );
    }
    assert_eq!(review_status(&app, id).await, "IN_REVIEW");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM decision").await, 0);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM audit_event").await,
        before
    );
}

#[tokio::test]
async fn only_the_assignee_decides_and_a_stale_form_names_who_changed_the_case() {
    let app = TestApp::with_sandbox().await;
    let id = cases_for(&app, "c-3", json!([eclipse(NAME_MISMATCH)])).await[0];
    let reviewer = app.signed_in(Role::Reviewer).await;
    let officer = app.signed_in(Role::ComplianceOfficer).await;
    let stale = version(&app, id).await;
    claim(&app, &reviewer, id).await;

    let res = decide(
        &app,
        &officer,
        id,
        "decline",
        "NAME_MISMATCH",
        "Someone else's case, not mine.",
    )
    .await;
    assert_eq!(res.status(), 409);

    // A form rendered before the claim.
    let res = app
        .post(
            &officer,
            "/api/cases/claim",
            &[("id", &id.to_string()), ("version", &stale)],
        )
        .await;
    assert_eq!(res.status(), 409);
    match error_kind(res).await {
        ErrorKind::Conflict { message } => {
            assert!(message.contains("changed by Test reviewer"), "{message}")
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn racing_decisions_have_exactly_one_winner_one_audit_event_and_one_outbox_row() {
    let app = TestApp::with_sandbox().await;
    let id = cases_for(
        &app,
        "c-4",
        json!([{"provider": "ident", "application_id": IDENT_DUPLICATE}]),
    )
    .await[0];
    let reviewer = app.signed_in(Role::Reviewer).await;
    claim(&app, &reviewer, id).await;
    let v = version(&app, id).await;
    let calls = (0..8).map(|i| {
        let (app, reviewer, v) = (&app, reviewer.clone(), v.clone());
        async move {
            let note = format!("Duplicate confirmed, attempt {i}.");
            app.post(
                &reviewer,
                "/api/cases/decide",
                &[
                    ("id", &id.to_string()),
                    ("version", &v),
                    ("decision", "decline"),
                    ("reason", "SUSPECTED_FRAUD"),
                    ("note", &note),
                ],
            )
            .await
            .status()
            .as_u16()
        }
    });
    let statuses = futures::future::join_all(calls).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 409),
        "{statuses:?}"
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM decision").await, 1);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_event WHERE action = 'decision.made'"
        )
        .await,
        1
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM outbox").await, 1);
}

#[tokio::test]
async fn a_sanctions_hit_needs_two_different_compliance_officers() {
    let app = TestApp::with_sandbox().await;
    let id = cases_for(&app, "c-5", json!([eclipse(SANCTIONS_HIT)])).await[0];
    let reviewer = app.signed_in(Role::Reviewer).await;
    claim(&app, &reviewer, id).await;
    let res = decide(
        &app,
        &reviewer,
        id,
        "decline",
        "SANCTIONS_MATCH_CONFIRMED",
        "OFAC match confirmed by me.",
    )
    .await;
    assert_eq!(
        res.status(),
        409,
        "a reviewer cannot decide a sanctions hit"
    );
    let v = version(&app, id).await;
    let res = app
        .post(
            &reviewer,
            "/api/cases/escalate",
            &[
                ("id", &id.to_string()),
                ("version", &v),
                ("note", "Sanctions hit, for the officers."),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(review_status(&app, id).await, "ESCALATED");
    assert_eq!(
        claim(&app, &reviewer, id).await.status(),
        409,
        "escalated cases are for officers"
    );

    let first = app.signed_in(Role::ComplianceOfficer).await;
    assert_eq!(claim(&app, &first, id).await.status(), 200);
    let res = decide(
        &app,
        &first,
        id,
        "decline",
        "SANCTIONS_MATCH_CONFIRMED",
        "OFAC match on name and date of birth.",
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(review_status(&app, id).await, "PENDING_SECOND_APPROVAL");

    let second = |who: &reqwest::Client, verdict: &str| {
        let (app, who, verdict) = (&app, who.clone(), verdict.to_string());
        async move {
            let v = version(app, id).await;
            app.post(
                &who,
                "/api/cases/second",
                &[
                    ("id", &id.to_string()),
                    ("version", &v),
                    ("verdict", &verdict),
                    ("note", "Checked the list entry myself."),
                ],
            )
            .await
        }
    };
    assert_eq!(
        second(&first, "confirm").await.status(),
        409,
        "not by the proposer"
    );
    let other_officer = app.second_officer().await;
    assert_eq!(second(&other_officer, "confirm").await.status(), 200);
    assert_eq!(review_status(&app, id).await, "DECLINED");
    let d: (String, i64, Option<i64>) =
        sqlx::query_as("SELECT status, decided_by, second_by FROM decision")
            .fetch_one(app.state.db.reader())
            .await
            .expect("decision");
    assert_eq!(d.0, "CONFIRMED");
    assert_ne!(Some(d.1), d.2);
}

#[tokio::test]
async fn approving_over_a_failed_result_needs_four_eyes_but_declining_does_not() {
    let app = TestApp::with_sandbox().await;
    let ids = cases_for(&app, "c-6", json!([eclipse(NAME_MISMATCH)])).await;
    let reviewer = app.signed_in(Role::Reviewer).await;
    claim(&app, &reviewer, ids[0]).await;
    let res = decide(
        &app,
        &reviewer,
        ids[0],
        "approve",
        "PROVIDER_FALSE_POSITIVE",
        "The names are the same person.",
    )
    .await;
    assert_eq!(res.status(), 409);
    assert_eq!(review_status(&app, ids[0]).await, "IN_REVIEW");
}

#[tokio::test]
async fn a_proposal_is_void_when_the_upstream_result_changes_and_the_case_returns_to_the_queue() {
    use kyc_desk::server::db::audit::Origin;
    use kyc_desk::server::services::refresh;
    let app = TestApp::with_sandbox().await;
    let id = cases_for(&app, "c-7", json!([eclipse(SANCTIONS_HIT)])).await[0];
    let officer = app.signed_in(Role::ComplianceOfficer).await;
    claim(&app, &officer, id).await;
    decide(
        &app,
        &officer,
        id,
        "decline",
        "SANCTIONS_MATCH_CONFIRMED",
        "OFAC match on name and date of birth.",
    )
    .await;
    assert_eq!(review_status(&app, id).await, "PENDING_SECOND_APPROVAL");

    // The provider changes its result (same attempt, new evidence).
    let ref_id: i64 =
        sqlx::query_scalar("SELECT customer_ref_id FROM verification WHERE verification_id = $1")
            .bind(id)
            .fetch_one(app.state.db.reader())
            .await
            .expect("ref id");
    let r = kyc_desk::server::db::customers::get_ref(app.state.db.reader(), ref_id)
        .await
        .expect("read")
        .expect("ref");
    let mut result = app
        .state
        .providers
        .eclipse
        .clone()
        .expect("e")
        .latest("100", "1592545")
        .await
        .expect("read")
        .expect("one");
    result.snapshot["comment"] = "re-screened".into();
    let mut tx = app.state.db.begin_write().await.expect("tx");
    refresh::store(
        &mut tx,
        app.state.clock.now_ms(),
        &r,
        &[result],
        &refresh::POLLER,
        &Origin::default(),
    )
    .await
    .expect("store");
    tx.commit().await.expect("commit");

    assert_eq!(review_status(&app, id).await, "UNREVIEWED");
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM decision WHERE status = 'VOID'").await,
        1
    );
    assert!(app
        .audit_actions()
        .await
        .contains(&"decision.voided".to_string()));
}

#[tokio::test]
async fn an_ident_decision_reaches_ident_once_even_if_ident_is_down_at_first() {
    let app = TestApp::with_sandbox().await;
    let id = cases_for(
        &app,
        "c-8",
        json!([{"provider": "ident", "application_id": IDENT_DUPLICATE}]),
    )
    .await[0];
    let reviewer = app.signed_in(Role::Reviewer).await;
    claim(&app, &reviewer, id).await;
    // ident refuses the first four updates (503, not applied); reads work,
    // so each refused update is sent again only after a read showed it had
    // not arrived.
    app.sandbox_fault(json!({
        "provider": "ident", "kind": "status", "status": 503, "count": 4, "match": "\"status\"",
    }))
    .await;
    // The reviewer's request does not wait for ident.
    let res = decide(
        &app,
        &reviewer,
        id,
        "decline",
        "SUSPECTED_FRAUD",
        "Duplicate of an earlier application.",
    )
    .await;
    assert_eq!(res.status(), 200);
    app.deliver(8).await;
    let (state, attempts): (String, i64) = sqlx::query_as("SELECT state, attempts FROM outbox")
        .fetch_one(app.state.db.reader())
        .await
        .expect("row");
    let log = app.sandbox_requests().await;
    assert_eq!(log.iter().filter(|r| r["method"] == "PUT").count(), 5);
    assert_eq!(state, "DONE");
    assert!(
        attempts >= 2,
        "it failed first: {attempts} attempts, {:?}",
        app.audit_actions().await
    );
    let log = app.sandbox_requests().await;
    let puts_ok = log
        .iter()
        .filter(|r| r["method"] == "PUT" && r["status"] == 202)
        .count();
    assert_eq!(puts_ok, 1, "exactly one push landed");
    assert!(app
        .audit_actions()
        .await
        .contains(&"outbox.push_failed".to_string()));
    assert!(app
        .audit_actions()
        .await
        .contains(&"outbox.pushed".to_string()));
}

#[tokio::test]
async fn a_push_to_a_provider_no_longer_configured_is_attempted_and_says_why() {
    let app = TestApp::with_sandbox().await;
    let case = cases_for(
        &app,
        "c-15",
        json!([{"provider": "ident", "application_id": IDENT_DUPLICATE}]),
    )
    .await[0];
    let reviewer = app.signed_in(Role::Reviewer).await;
    claim(&app, &reviewer, case).await;
    let res = decide(
        &app,
        &reviewer,
        case,
        "decline",
        "SUSPECTED_FRAUD",
        "Checked by hand.",
    )
    .await;
    assert_eq!(res.status(), 200);

    let mut without_ident = app.state.clone();
    without_ident.providers.ident = None;
    kyc_desk::server::workers::outbox::tick(&without_ident).await;
    let (attempts, last_error): (i64, Option<String>) =
        sqlx::query_as("SELECT attempts, last_error FROM outbox")
            .fetch_one(app.state.db.reader())
            .await
            .expect("row");
    assert_eq!(attempts, 1, "not left waiting in silence");
    assert!(
        last_error
            .as_deref()
            .unwrap_or_default()
            .contains("not configured"),
        "{last_error:?}"
    );
}

#[tokio::test]
async fn a_slow_provider_holds_back_only_its_own_pushes() {
    let app = TestApp::with_sandbox().await;
    let ident_case = cases_for(
        &app,
        "c-13",
        json!([{"provider": "ident", "application_id": IDENT_DUPLICATE}]),
    )
    .await[0];
    let bkz_case = cases_for(
        &app,
        "c-14",
        json!([{"provider": "biometric_kz", "session_id": BKZ_IN_REVIEW}]),
    )
    .await[0];
    app.sandbox_fault(json!({"provider": "ident", "kind": "latency", "ms": 2000}))
        .await;
    let reviewer = app.signed_in(Role::Reviewer).await;
    for (case, kind, reason) in [
        (ident_case, "decline", "SUSPECTED_FRAUD"),
        (bkz_case, "approve", "VERIFIED_MANUALLY"),
    ] {
        claim(&app, &reviewer, case).await;
        let res = decide(&app, &reviewer, case, kind, reason, "Checked by hand.").await;
        assert_eq!(res.status(), 200);
    }
    let rows = || async {
        sqlx::query_as::<_, (String, String, i64)>(
            "SELECT provider, state, attempts FROM outbox ORDER BY outbox_id",
        )
        .fetch_all(app.state.db.reader())
        .await
        .expect("rows")
    };

    let state = app.state.clone();
    let delivering =
        tokio::spawn(async move { kyc_desk::server::workers::outbox::tick(&state).await });
    let started = std::time::Instant::now();
    let while_ident_is_slow = loop {
        let now = rows().await;
        if now[1].1 == "DONE" {
            break now;
        }
        assert!(
            started.elapsed() < Duration::from_millis(1500),
            "the biometric push waited for the slow provider: {now:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(while_ident_is_slow[1].0, "biometric_kz");
    assert_eq!(
        while_ident_is_slow[0],
        ("ident".to_string(), "PENDING".to_string(), 0),
        "the ident push, decided first, is still on its way"
    );
    assert_eq!(delivering.await.expect("tick"), 2);
    assert_eq!(rows().await[0].1, "DONE", "the slow push landed too");
}

#[tokio::test]
async fn pushes_to_a_provider_whose_breaker_is_open_wait_untouched_while_others_go_out() {
    let app = TestApp::with_sandbox().await;
    let ident_case = cases_for(
        &app,
        "c-11",
        json!([{"provider": "ident", "application_id": IDENT_DUPLICATE}]),
    )
    .await[0];
    let bkz_case = cases_for(
        &app,
        "c-12",
        json!([{"provider": "biometric_kz", "session_id": BKZ_IN_REVIEW}]),
    )
    .await[0];
    let reviewer = app.signed_in(Role::Reviewer).await;
    app.sandbox_fault(json!({"provider": "ident", "kind": "status", "status": 503}))
        .await;
    claim(&app, &reviewer, ident_case).await;
    let res = decide(
        &app,
        &reviewer,
        ident_case,
        "decline",
        "SUSPECTED_FRAUD",
        "Duplicate of an earlier application.",
    )
    .await;
    assert_eq!(res.status(), 200);
    // Two attempts of three calls each: six failures open ident's breaker.
    app.deliver(2).await;
    let ident = app.state.providers.ident.clone().expect("ident");
    assert!(kyc_desk::server::providers::Adapter::resting(&*ident));
    let row = || async {
        sqlx::query_as::<_, (String, String, i64, i64)>(
            "SELECT provider, state, attempts, updated_at FROM outbox ORDER BY outbox_id",
        )
        .fetch_all(app.state.db.reader())
        .await
        .expect("rows")
    };
    let before = row().await;
    let events = app.audit_actions().await.len();
    assert_eq!(before[0].1, "PENDING", "an open breaker is retried later");
    assert_eq!(before[0].2, 2);

    // The clock moved past the idle timeout: a fresh session.
    let reviewer = app.signed_in(Role::Reviewer).await;
    claim(&app, &reviewer, bkz_case).await;
    let res = decide(
        &app,
        &reviewer,
        bkz_case,
        "approve",
        "VERIFIED_MANUALLY",
        "Looked at the liveness video and documents.",
    )
    .await;
    assert_eq!(res.status(), 200);
    let decided = app.audit_actions().await.len();
    kyc_desk::server::workers::outbox::tick(&app.state).await;

    let after = row().await;
    assert_eq!(after[0], before[0], "the ident push was not attempted");
    assert_eq!(after[1].0, "biometric_kz");
    assert_eq!(after[1].1, "DONE", "the other provider's push went out");
    assert!(decided > events);
    assert_eq!(
        app.audit_actions().await.len(),
        decided + 1,
        "one event: the biometric push, none for the resting provider"
    );
}

#[tokio::test]
async fn a_biometric_decision_on_a_session_in_review_is_finalised_through_mcp_once() {
    let app = TestApp::with_sandbox().await;
    let id = cases_for(
        &app,
        "c-9",
        json!([{"provider": "biometric_kz", "session_id": BKZ_IN_REVIEW}]),
    )
    .await[0];
    let reviewer = app.signed_in(Role::Reviewer).await;
    claim(&app, &reviewer, id).await;
    let res = decide(
        &app,
        &reviewer,
        id,
        "approve",
        "VERIFIED_MANUALLY",
        "Looked at the liveness video and documents.",
    )
    .await;
    assert_eq!(
        res.status(),
        200,
        "{}",
        res.text().await.unwrap_or_default()
    );
    kyc_desk::server::workers::outbox::tick(&app.state).await;
    let (state, err): (String, Option<String>) =
        sqlx::query_as("SELECT state, last_error FROM outbox")
            .fetch_one(app.state.db.reader())
            .await
            .expect("row");
    assert_eq!(state, "DONE", "{err:?}");
    // Delivering again (as after a crash before recording) pushes nothing twice.
    sqlx::query("UPDATE outbox SET state = 'PENDING', attempts = 0")
        .execute(app.state.db.writer())
        .await
        .expect("reset");
    kyc_desk::server::workers::outbox::tick(&app.state).await;
    let bkz = app.state.providers.biometric_kz.clone().expect("bkz");
    let reviews = bkz
        .mcp()
        .expect("mcp")
        .list_reviews(BKZ_IN_REVIEW)
        .await
        .expect("reviews")
        .to_string();
    assert_eq!(reviews.matches("[kyc-desk:").count(), 1, "{reviews}");
    assert_eq!(
        bkz.session(BKZ_IN_REVIEW)
            .await
            .expect("session")
            .status_raw,
        "APPROVED"
    );
}

#[tokio::test]
async fn a_biometric_session_not_in_review_fails_with_instructions_and_an_officer_retries() {
    let app = TestApp::with_sandbox().await;
    let id = cases_for(
        &app,
        "c-10",
        json!([{"provider": "biometric_kz", "session_id": BKZ_FINISHED}]),
    )
    .await[0];
    let officer = app.signed_in(Role::ComplianceOfficer).await;
    claim(&app, &officer, id).await;
    let res = decide(
        &app,
        &officer,
        id,
        "decline",
        "DOCUMENT_UNREADABLE",
        "The document photo is blurred.",
    )
    .await;
    assert_eq!(
        res.status(),
        200,
        "{}",
        res.text().await.unwrap_or_default()
    );
    kyc_desk::server::workers::outbox::tick(&app.state).await;
    let (state, err): (String, Option<String>) =
        sqlx::query_as("SELECT state, last_error FROM outbox")
            .fetch_one(app.state.db.reader())
            .await
            .expect("row");
    assert_eq!(state, "FAILED");
    assert!(err.expect("error").contains("Cabinet"));
    let case: Value = app
        .get(&officer, &format!("/api/cases/get?id={id}"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(case["can"]["retry_push"], true);
    let outbox_id = case["pushes"][0]["id"].to_string();
    let res = app
        .post(
            &officer,
            "/api/cases/retry-push",
            &[("outbox_id", &outbox_id)],
        )
        .await;
    assert_eq!(res.status(), 200);
    let state: String = sqlx::query_scalar("SELECT state FROM outbox")
        .fetch_one(app.state.db.reader())
        .await
        .expect("row");
    assert_eq!(state, "PENDING");
}

#[tokio::test]
async fn notes_are_plain_text_and_shown_escaped() {
    let app = TestApp::with_sandbox().await;
    let id = cases_for(&app, "c-11", json!([eclipse(NAME_MISMATCH)])).await[0];
    let manager = app.signed_in(Role::Manager).await;
    let res = app
        .post(
            &manager,
            "/api/cases/note",
            &[
                ("id", &id.to_string()),
                ("body", "<script>alert(1)</script> looks odd"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200, "anyone who sees the case can add a note");
    let page = manager
        .get(app.url(&format!("/cases/{id}")))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; looks odd"));
    assert!(!html.contains("<script>alert(1)"));
    assert!(
        html.contains("nationalIdentityIsLegitimate")
            || html.contains("firstNameMatchesNationalIdentity")
    );
    assert!(
        !html.contains("Record decision"),
        "managers read, they do not decide"
    );
}

#[tokio::test]
async fn an_unknown_case_is_a_404_page() {
    let app = TestApp::with_sandbox().await;
    let reviewer = app.signed_in(Role::Reviewer).await;
    let res = reviewer
        .get(app.url("/cases/999999"))
        .send()
        .await
        .expect("page");
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn every_filter_combination_of_the_queue_walks_an_index() {
    let app = TestApp::spawn().await;
    let mut plans = 0;
    for mask in 0..64u32 {
        for sort in [Sort::Age, Sort::Updated] {
            for after in [None, Some((1_700_000_000_000, 10))] {
                let f = QueueFilter {
                    assigned: match mask & 3 {
                        0 => Assigned::Anyone,
                        1 => Assigned::To(1),
                        2 => Assigned::Nobody,
                        _ => Assigned::NotTo(1),
                    },
                    provider: (mask & 4 != 0).then_some(Provider::Eclipse),
                    upstream_status: (mask & 8 != 0).then_some(UpstreamStatus::Failed),
                    review_status: (mask & 16 != 0).then_some(ReviewStatus::Approved),
                    failed_bit: (mask & 32 != 0).then_some(16),
                    created_before: (mask & 1 != 0 && mask & 2 != 0).then_some(1_700_000_000_000),
                    // The unassigned inbox's "ready for review" filter.
                    ready_only: mask & 3 == 2,
                    sort,
                };
                let plan = explain_queue(app.state.db.reader(), &f, after)
                    .await
                    .expect("plan");
                plans += 1;
                assert!(
                    plan.iter()
                        .all(|l| !l.starts_with("SCAN v") || l.contains("INDEX")),
                    "full scan for {f:?}: {plan:?}"
                );
                assert!(
                    !plan.iter().any(|l| l.contains("TEMP B-TREE")),
                    "sort for {f:?}: {plan:?}"
                );
            }
        }
    }
    assert_eq!(plans, 256);
}

#[tokio::test]
async fn four_eyes_is_judged_on_the_checks_as_they_are_when_the_decision_is_written() {
    let app = TestApp::with_sandbox().await;
    let id = cases_for(&app, "c-stale", json!([eclipse(("100", "1592544"))])).await[0];
    let reviewer = app.signed_in(Role::Reviewer).await;
    claim(&app, &reviewer, id).await;
    // A refresh lands while the decision is on its way: it holds the writer
    // and turns a check into a sanctions hit.
    let mut refresh = app.state.db.begin_write().await.expect("writer");
    let landed = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        sqlx::query(
            "UPDATE verification_check SET category = 'SANCTIONS_PEP_AML', outcome = 'FAILED' \
             WHERE verification_id = $1 AND position = 0",
        )
        .bind(id)
        .execute(&mut *refresh)
        .await
        .expect("update");
        refresh.commit().await.expect("commit");
    };
    let (res, ()) = tokio::join!(
        decide(
            &app,
            &reviewer,
            id,
            "decline",
            "SUSPECTED_FRAUD",
            "Declined on what I saw.",
        ),
        landed
    );
    assert_eq!(
        res.status(),
        409,
        "a sanctions hit needs two compliance officers, also when it arrived a moment ago"
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM decision").await, 0);
    assert_eq!(review_status(&app, id).await, "IN_REVIEW");
}
