//! The managers' metrics page, from real decisions taken through the
//! server functions against the sandbox, with the clock moved forward.

use crate::cases::{cases_for, claim, decide, eclipse, version};
use crate::helpers::{app_error, create_user, TestApp, PASSWORD};
use kyc_desk::domain::Role;
use kyc_desk::error::ErrorKind;
use serde_json::{json, Value};
use std::time::Duration;

const HOUR_MS: i64 = 3_600_000;

async fn metrics(app: &TestApp, who: &reqwest::Client, query: &str) -> Value {
    let res = app.get(who, &format!("/api/metrics/summary{query}")).await;
    assert_eq!(
        res.status(),
        200,
        "{}",
        res.text().await.unwrap_or_default()
    );
    res.json().await.expect("json")
}

fn total(m: &Value, kind: &str) -> i64 {
    m["days"]
        .as_array()
        .expect("days")
        .iter()
        .map(|d| d[kind].as_i64().expect("count"))
        .sum()
}

fn row<'a>(rows: &'a Value, key: &str, value: &str) -> &'a Value {
    rows.as_array()
        .expect("rows")
        .iter()
        .find(|r| r[key] == value)
        .unwrap_or_else(|| panic!("no row with {key} = {value} in {rows}"))
}

fn about(ms: &Value, hours: i64) -> bool {
    let ms = ms.as_i64().expect("a duration");
    // Requests take real milliseconds on top of the moved clock.
    (hours * HOUR_MS..hours * HOUR_MS + 60_000).contains(&ms)
}

#[tokio::test]
async fn a_manager_sees_rates_time_to_decision_sla_breaches_and_each_reviewers_throughput() {
    let app = TestApp::with_sandbox().await;
    // Each registration polls once and moves the clock 3 hours on.
    let sanctions = cases_for(&app, "m-1", json!([eclipse(("100", "1600005"))])).await[0];
    let passed = cases_for(&app, "m-2", json!([eclipse(("100", "1600000"))])).await[0];
    let mismatch = cases_for(&app, "m-3", json!([eclipse(("100", "1600008"))])).await[0];
    let waiting = cases_for(&app, "m-4", json!([eclipse(("100", "1600001"))])).await[0];

    let reviewer = app.signed_in(Role::Reviewer).await;
    let officer = app.signed_in(Role::ComplianceOfficer).await;
    claim(&app, &reviewer, mismatch).await;
    let res = decide(
        &app,
        &reviewer,
        mismatch,
        "decline",
        "NAME_MISMATCH",
        "Names differ on the ID.",
    )
    .await;
    assert_eq!(res.status(), 200);
    claim(&app, &officer, sanctions).await;
    let res = decide(
        &app,
        &officer,
        sanctions,
        "decline",
        "SANCTIONS_MATCH_CONFIRMED",
        "OFAC match on name and birth date.",
    )
    .await;
    assert_eq!(res.status(), 200);

    let manager = app.signed_in(Role::Manager).await;
    let m = metrics(&app, &manager, "").await;
    assert_eq!(
        (total(&m, "approved"), total(&m, "declined")),
        (0, 1),
        "a proposal counts only once confirmed"
    );
    // Are we keeping up: four received, one declined; the sanctions proposal awaits a second
    // officer, two wait to be reviewed.
    assert_eq!(total(&m, "received"), 4);
    assert_eq!(
        (
            &m["open_now"],
            &m["escalated"],
            &m["awaiting_second"],
            &m["failed_pushes"]
        ),
        (&json!(3), &json!(0), &json!(1), &json!(0))
    );
    assert_eq!(
        m["open_by_provider"],
        json!([{"label": "Eclipse", "count": 3, "queue_href": "/?view=all&provider=eclipse"}])
    );

    app.state.clock.advance(Duration::from_secs(24 * 3600));
    let reviewer = app.signed_in(Role::Reviewer).await;
    claim(&app, &reviewer, passed).await;
    let res = decide(
        &app,
        &reviewer,
        passed,
        "approve",
        "UPSTREAM_CHECKS_PASSED",
        "All checks passed upstream.",
    )
    .await;
    assert_eq!(res.status(), 200);
    create_user(&app.state, "officer2@example.test", Role::ComplianceOfficer).await;
    let second = app.browser();
    app.login(&second, "officer2@example.test", PASSWORD).await;
    let res = app
        .post(
            &second,
            "/api/cases/second",
            &[
                ("id", &sanctions.to_string()),
                ("version", &version(&app, sanctions).await),
                ("verdict", "confirm"),
                ("note", "Checked the list entry myself."),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);

    let manager = app.signed_in(Role::Manager).await;
    let m = metrics(&app, &manager, "").await;
    assert_eq!(
        m["days"].as_array().expect("days").len(),
        30,
        "the last 30 days, with no gaps"
    );
    assert_eq!((total(&m, "approved"), total(&m, "declined")), (1, 2));
    assert_eq!(
        m["by_provider"],
        json!([{"label": "Eclipse", "approved": 1, "declined": 2, "approval_rate": 33}])
    );
    let reasons = &m["by_reason"];
    assert_eq!(row(reasons, "code", "NAME_MISMATCH")["count"], 1);
    assert_eq!(row(reasons, "code", "NAME_MISMATCH")["share"], 50);
    assert_eq!(row(reasons, "code", "UPSTREAM_CHECKS_PASSED")["share"], 100);
    assert_eq!(
        row(reasons, "code", "FACE_MISMATCH")["count"],
        0,
        "every reason is listed"
    );

    // Received at 0, 3, 6 and 9 hours; decided at 12 h (the mismatch) and
    // 36 h (the approval, and the sanctions decline once confirmed).
    let all = row(&m["time_to_decision"], "label", "All providers");
    assert_eq!(all["decisions"], 3);
    assert!(about(&all["p50_ms"], 33), "{all}");
    assert!(about(&all["p90_ms"], 36), "{all}");
    assert_eq!(all["over_sla"], 2, "two took longer than the 24 h SLA");

    // The open case was received 27 hours ago.
    let aging: Vec<(String, i64, bool)> = m["aging"]
        .as_array()
        .expect("aging")
        .iter()
        .map(|a| {
            (
                a["label"].as_str().expect("label").to_string(),
                a["count"].as_i64().expect("count"),
                a["past_sla"] == true,
            )
        })
        .collect();
    assert_eq!(aging.iter().map(|a| a.1).sum::<i64>(), 1);
    assert_eq!(aging[2], ("1 to 3 days".to_string(), 1, true));
    assert_eq!(
        m["aging"][2]["queue_href"], "/?view=all&age=24",
        "each bucket opens the queue of cases at least that old"
    );
    assert_eq!(m["open_now"], 1);
    let presets: Vec<&str> = m["presets"]
        .as_array()
        .expect("presets")
        .iter()
        .map(|p| p["label"].as_str().expect("label"))
        .collect();
    assert_eq!(presets, ["Last 7 days", "Last 30 days", "Last 90 days"]);
    assert_eq!(
        m["presets"][1]["from"], m["from"],
        "the default window is the 30-day preset"
    );
    assert_eq!(m["open_over_sla"], 1);
    assert_eq!(m["oldest_open"][0]["id"], waiting);
    assert!(about(&m["oldest_open"][0]["age_ms"], 27));

    let reviewers = &m["reviewers"];
    let r = row(reviewers, "name", "Test reviewer");
    assert_eq!(
        (
            r["decisions"].as_i64(),
            r["approved"].as_i64(),
            r["declined"].as_i64()
        ),
        (Some(2), Some(1), Some(1))
    );
    let first = row(reviewers, "name", "Test compliance_officer");
    assert_eq!(
        (first["decisions"].as_i64(), first["confirmations"].as_i64()),
        (Some(1), Some(0))
    );
    let confirmer = row(reviewers, "name", "Test officer2");
    assert_eq!(
        (
            confirmer["decisions"].as_i64(),
            confirmer["confirmations"].as_i64()
        ),
        (Some(0), Some(1))
    );
}

#[tokio::test]
async fn a_window_that_is_not_whole_days_in_order_is_refused_with_the_reason() {
    let app = TestApp::spawn().await;
    let manager = app.signed_in(Role::Manager).await;
    for (query, field) in [
        ("?from=2026-11-02&to=2026-11-01", "from"),
        ("?from=2024-01-01&to=2026-11-01", "from"),
        ("?to=yesterday", "to"),
    ] {
        let res = app
            .get(&manager, &format!("/api/metrics/summary{query}"))
            .await;
        assert_eq!(res.status(), 422, "{query}");
        match app_error(res).await.kind {
            ErrorKind::Validation { field: f, .. } => assert_eq!(f, field, "{query}"),
            other => panic!("{query}: {other:?}"),
        }
    }
    let m = metrics(&app, &manager, "?from=2026-11-01&to=2026-11-07").await;
    assert_eq!(m["days"][0]["day"], "2026-11-01");
    assert_eq!(m["days"].as_array().expect("days").len(), 7);
}

#[tokio::test]
async fn the_metrics_page_draws_charts_with_tables_for_managers_only() {
    let app = TestApp::spawn().await;
    let manager = app.signed_in(Role::Manager).await;
    let html = app
        .get(&manager, "/metrics")
        .await
        .text()
        .await
        .expect("html");
    assert!(
        html.contains("<svg ") && html.contains(r#"class="chart""#),
        "a server-rendered chart"
    );
    assert!(
        html.contains(r#"role="img""#) && html.contains("aria-label=\"Chart of"),
        "charts are labelled"
    );
    assert!(html.contains("<caption"), "each chart has a table");
    assert!(
        html.contains(r#"href="/metrics""#),
        "managers find it in the navigation"
    );

    let reviewer = app.signed_in(Role::Reviewer).await;
    let html = app
        .get(&reviewer, "/metrics")
        .await
        .text()
        .await
        .expect("html");
    assert!(!html.contains(r#"class="chart""#));
    assert!(
        !html.contains(r#"href="/metrics""#),
        "not offered to reviewers"
    );
}

#[tokio::test]
async fn every_metrics_read_searches_an_index() {
    let app = TestApp::spawn().await;
    let plans = kyc_desk::server::db::metrics::explain(app.state.db.reader())
        .await
        .expect("plans");
    assert!(
        plans[0].contains("USING INDEX decision_effective_idx"),
        "{}",
        plans[0]
    );
    assert!(
        plans[1].contains("verification_open_created_idx"),
        "{}",
        plans[1]
    );
    assert!(
        plans[2].contains("verification_open_created_idx"),
        "{}",
        plans[2]
    );
    assert!(
        plans[3].contains("verification_created_idx"),
        "{}",
        plans[3]
    );
    assert!(
        plans[4].contains("verification_open_status_idx"),
        "{}",
        plans[4]
    );
    assert!(plans[5].contains("outbox_"), "{}", plans[5]);
    for plan in plans {
        assert!(!plan.contains("SCAN"), "{plan}");
    }
}
