//! The onboarding app's JSON API: bearer tokens, validation, idempotent upsert.

use crate::helpers::TestApp;
use serde_json::{json, Value};

fn all_four() -> Value {
    json!({
        "external_id": "onb-42",
        "display_name": "Aigerim Sarsenova",
        "email": "aigerim@example.com",
        "country": "kz",
        "refs": [
            {"provider": "eclipse", "tenant_id": 100, "customer_id": "1592545"},
            {"provider": "biometric_kz", "session_id": "b10e0000-0000-4000-8000-000000000001"},
            {"provider": "ident", "application_id": "1de70000-0000-4000-8000-000000000004"},
            {
                "provider": "width",
                "execution_id": "exec-sbx-waiting-liveness",
                "customer_id": "C_sbx_waiting-liveness"
            }
        ]
    })
}

async fn post(app: &TestApp, token: Option<&str>, body: &Value) -> reqwest::Response {
    let mut req = reqwest::Client::new()
        .post(app.url("/api/v1/customers"))
        .json(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.expect("request")
}

async fn get(app: &TestApp, token: &str, path: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("request")
}

async fn count(app: &TestApp, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(app.state.db.reader())
        .await
        .expect("count")
}

#[tokio::test]
async fn registering_a_customer_creates_it_once_and_updates_it_after() {
    let app = TestApp::with_sandbox().await;
    // With `pii`, the answer shows the stored name (see the masking tests below).
    let token = app.api_token("ingest,pii").await;
    let res = post(&app, Some(&token), &all_four()).await;
    assert_eq!(res.status(), 201);
    let c: Value = res.json().await.expect("json");
    assert_eq!(c["external_id"], "onb-42");
    assert_eq!(c["country"], "KZ");
    assert_eq!(c["refs"].as_array().expect("refs").len(), 4);

    // The same body again: 200, nothing duplicated.
    let res = post(&app, Some(&token), &all_four()).await;
    assert_eq!(res.status(), 200);
    assert_eq!(count(&app, "customer").await, 1);
    assert_eq!(count(&app, "customer_ref").await, 4);

    // A changed name and a fifth ref: updated, the ref added.
    let mut changed = all_four();
    changed["display_name"] = "Aigerim S.".into();
    changed["refs"].as_array_mut().expect("refs").push(
        json!({"provider": "ident", "application_id": "1de70000-0000-4000-8000-000000000001"}),
    );
    let res = post(&app, Some(&token), &changed).await;
    assert_eq!(res.status(), 200);
    let c: Value = res.json().await.expect("json");
    assert_eq!(c["display_name"], "Aigerim S.");
    assert_eq!(count(&app, "customer_ref").await, 5);

    // The trail records that personal data changed, not its values.
    let changes: Vec<String> =
        sqlx::query_scalar("SELECT changes FROM audit_event WHERE action = 'customer.updated'")
            .fetch_all(app.state.db.reader())
            .await
            .expect("events");
    assert_eq!(changes.len(), 1);
    assert!(changes[0].contains("\"display_name\":\"changed\""));
    assert!(!changes[0].contains("Aigerim"));
}

#[tokio::test]
async fn bad_input_is_a_422_naming_the_field_and_stores_nothing() {
    let app = TestApp::with_sandbox().await;
    let token = app.api_token("ingest").await;
    let cases = [
        (json!({"display_name": "A"}), "external_id"),
        (
            json!({
                "external_id": "x", "display_name": "A",
                "refs": [{"provider": "biometric_kz", "session_id": "nope"}],
            }),
            "refs[0].session_id",
        ),
        (
            json!({"external_id": "x", "display_name": "A", "refs": [{"provider": "acme"}]}),
            "refs[0].provider",
        ),
        (
            json!({"external_id": "x", "display_name": "A", "country": "Kazakhstan"}),
            "country",
        ),
    ];
    for (body, field) in cases {
        let res = post(&app, Some(&token), &body).await;
        assert_eq!(res.status(), 422, "{body}");
        let e: Value = res.json().await.expect("json");
        assert_eq!(e["error"]["code"], "validation");
        assert_eq!(e["error"]["field"], field, "{body}");
        assert!(e["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()));
    }
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/customers"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 422);
    assert_eq!(count(&app, "customer").await, 0);
}

#[tokio::test]
async fn a_reference_of_another_customer_is_refused() {
    let app = TestApp::with_sandbox().await;
    let token = app.api_token("ingest").await;
    assert_eq!(post(&app, Some(&token), &all_four()).await.status(), 201);
    let mut other = all_four();
    other["external_id"] = "onb-43".into();
    let res = post(&app, Some(&token), &other).await;
    assert_eq!(res.status(), 422);
    assert_eq!(
        count(&app, "customer").await,
        1,
        "the whole request changed nothing"
    );
}

#[tokio::test]
async fn the_api_wants_a_live_token_with_the_right_scope() {
    let app = TestApp::with_sandbox().await;
    assert_eq!(post(&app, None, &all_four()).await.status(), 401);
    assert_eq!(
        post(&app, Some("kdt_forged"), &all_four()).await.status(),
        401
    );
    let read = app.api_token("read").await;
    assert_eq!(post(&app, Some(&read), &all_four()).await.status(), 403);
    assert_eq!(
        get(&app, &read, "/api/v1/verifications").await.status(),
        200
    );

    // A session cookie is not a way in.
    let browser = app.signed_in(kyc_desk::domain::Role::Admin).await;
    let res = browser
        .get(app.url("/api/v1/verifications"))
        .send()
        .await
        .expect("request");
    let status = res.status();
    assert_eq!(status, 401, "{}", res.text().await.unwrap_or_default());

    // A revoked token stops working at once.
    let ingest = app.api_token("ingest").await;
    let id: i64 = sqlx::query_scalar("SELECT MAX(api_token_id) FROM api_token")
        .fetch_one(app.state.db.reader())
        .await
        .expect("id");
    kyc_desk::server::services::tokens::revoke(
        &app.state.db,
        &app.state.clock,
        kyc_desk::server::db::audit::Actor::System("test"),
        &Default::default(),
        id,
    )
    .await
    .expect("revoked");
    assert_eq!(post(&app, Some(&ingest), &all_four()).await.status(), 401);
}

#[tokio::test]
async fn tokens_are_stored_hashed() {
    let app = TestApp::with_sandbox().await;
    let token = app.api_token("ingest").await;
    let stored: Vec<String> = sqlx::query_scalar("SELECT token_hash FROM api_token")
        .fetch_all(app.state.db.reader())
        .await
        .expect("rows");
    assert!(stored.iter().all(|h| h.len() == 64 && !h.contains(&token)));
}

#[tokio::test]
async fn verifications_appear_after_a_poll_and_page_by_keyset() {
    let app = TestApp::with_sandbox().await;
    let token = app.api_token("ingest").await;
    let c: Value = post(&app, Some(&token), &all_four())
        .await
        .json()
        .await
        .expect("json");
    app.poll(1).await;

    let detail: Value = get(&app, &token, &format!("/api/v1/customers/{}", c["id"]))
        .await
        .json()
        .await
        .expect("json");
    let vs = detail["verifications"].as_array().expect("verifications");
    assert_eq!(vs.len(), 4, "{detail}");
    let eclipse = vs
        .iter()
        .find(|v| v["provider"] == "eclipse")
        .expect("eclipse");
    assert_eq!(eclipse["upstream_status"], "FAILED");
    assert_eq!(eclipse["review_status"], "UNREVIEWED");
    let sanctions = eclipse["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["key"] == "sanctionsListCheck")
        .expect("check");
    assert_eq!(sanctions["category"], "SANCTIONS_PEP_AML");
    assert_eq!(sanctions["outcome"], "FAILED");
    for v in vs {
        for key in [
            "id",
            "customer_id",
            "provider",
            "upstream_ref",
            "upstream_status_raw",
            "upstream_status",
            "review_status",
            "updated_at",
            "last_polled_at",
            "last_error",
            "checks",
        ] {
            assert!(v.get(key).is_some(), "missing {key}");
        }
    }

    // Keyset pages of 3: every verification exactly once.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/verifications?limit=3&cursor={c}"),
            None => "/api/v1/verifications?limit=3".into(),
        };
        let page: Value = get(&app, &token, &path).await.json().await.expect("json");
        seen.extend(
            page["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|v| v["id"].as_i64().expect("id")),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 4);

    let failed: Value = get(
        &app,
        &token,
        "/api/v1/verifications?provider=eclipse&upstream_status=FAILED",
    )
    .await
    .json()
    .await
    .expect("json");
    assert_eq!(failed["items"].as_array().expect("items").len(), 1);
    let bad = get(
        &app,
        &token,
        "/api/v1/verifications?upstream_status=SOMETHING",
    )
    .await;
    assert_eq!(bad.status(), 422);
}

#[tokio::test]
async fn a_refresh_that_fails_upstream_is_a_502_with_the_providers_code_and_trace_id() {
    let app = TestApp::with_sandbox().await;
    let token = app.api_token("ingest").await;
    post(&app, Some(&token), &all_four()).await;
    app.poll(1).await;
    let id: i64 =
        sqlx::query_scalar("SELECT verification_id FROM verification WHERE provider = 'eclipse'")
            .fetch_one(app.state.db.reader())
            .await
            .expect("id");
    app.sandbox_fault(
        json!({"provider": "eclipse", "kind": "status", "status": 404, "match": "/ratify"}),
    )
    .await;
    let res = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/verifications/{id}/refresh")))
        .bearer_auth(&token)
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 502);
    let e: Value = res.json().await.expect("json");
    assert_eq!(e["error"]["code"], "upstream");
    assert!(e["error"]["upstream_code"].is_string(), "{e}");
    assert!(e["error"]["trace_id"].is_string(), "{e}");

    // Recorded on the verification, and in the audit trail.
    let v: Value = get(&app, &token, &format!("/api/v1/verifications/{id}"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(v["last_error"]["trace_id"], e["error"]["trace_id"]);
    assert!(app
        .audit_actions()
        .await
        .contains(&"upstream.call_failed".to_string()));
}

#[tokio::test]
async fn a_refresh_reads_the_provider_now() {
    let app = TestApp::with_sandbox().await;
    let token = app.api_token("ingest").await;
    let mut body = all_four();
    body["refs"] = json!([{"provider": "eclipse", "tenant_id": "100", "customer_id": "1592550"}]);
    post(&app, Some(&token), &body).await;
    app.poll(1).await;
    let id: i64 = sqlx::query_scalar("SELECT verification_id FROM verification")
        .fetch_one(app.state.db.reader())
        .await
        .expect("id");
    let mut status = String::new();
    for _ in 0..3 {
        let res = reqwest::Client::new()
            .post(app.url(&format!("/api/v1/verifications/{id}/refresh")))
            .bearer_auth(&token)
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), 200);
        let v: Value = res.json().await.expect("json");
        status = v["upstream_status"]
            .as_str()
            .unwrap_or_default()
            .to_string();
    }
    assert_eq!(status, "PASSED");
}

#[tokio::test]
async fn importing_ident_applications_registers_one_customer_per_user_and_twice_adds_nothing() {
    use kyc_desk::server::services::import;
    let app = TestApp::with_sandbox().await;
    let ident = app.state.providers.ident.clone().expect("ident");
    let total = ident
        .list(1, 100)
        .await
        .expect("list")
        .total
        .expect("total") as usize;
    let users: std::collections::HashSet<String> = ident
        .list(1, 100)
        .await
        .expect("list")
        .applications
        .iter()
        .map(|a| {
            a["user_id"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| a["id"].to_string())
        })
        .collect();

    let actor = kyc_desk::server::db::audit::Actor::System("test");
    let first = import::ident_applications(&app.state, actor.clone(), &Default::default())
        .await
        .expect("import");
    assert_eq!(first.applications, total);
    assert_eq!(first.customers_created, users.len());
    assert_eq!(count(&app, "customer_ref").await as usize, total);

    let again = import::ident_applications(&app.state, actor, &Default::default())
        .await
        .expect("import");
    assert_eq!(again.customers_created, 0);
    assert_eq!(count(&app, "customer_ref").await as usize, total);
}

#[tokio::test]
async fn personal_data_is_masked_until_revealed_with_a_reason_for_ten_minutes() {
    use kyc_desk::domain::Role;
    let app = TestApp::with_sandbox().await;
    let token = app.api_token("ingest").await;
    let c: Value = post(&app, Some(&token), &all_four())
        .await
        .json()
        .await
        .expect("json");
    let id = c["id"].to_string();
    let reviewer = app.signed_in(Role::Reviewer).await;
    let detail = |b: reqwest::Client| {
        let url = format!("/api/customers/get?customer_id={id}");
        let app = &app;
        async move { app.get(&b, &url).await.json::<Value>().await.expect("json") }
    };
    let d = detail(reviewer.clone()).await;
    assert_eq!(d["customer"]["email"], "a•••@example.com");
    assert_eq!(d["pii_revealed"], false);

    let res = app
        .post(
            &reviewer,
            "/api/customers/reveal",
            &[("customer_id", &id), ("reason", "why")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let res = app
        .post(
            &reviewer,
            "/api/customers/reveal",
            &[
                ("customer_id", &id),
                ("reason", "calling the customer back"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let d = detail(reviewer.clone()).await;
    assert_eq!(d["customer"]["email"], "aigerim@example.com");
    let reason: String =
        sqlx::query_scalar("SELECT reason FROM audit_event WHERE action = 'pii.revealed'")
            .fetch_one(app.state.db.reader())
            .await
            .expect("recorded");
    assert_eq!(reason, "calling the customer back");

    // Only for this person, and only for a while.
    let officer = app.signed_in(Role::ComplianceOfficer).await;
    assert_eq!(
        detail(officer).await["customer"]["email"],
        "a•••@example.com"
    );
    app.state
        .clock
        .advance(std::time::Duration::from_secs(11 * 60));
    assert_eq!(
        detail(reviewer).await["customer"]["email"],
        "a•••@example.com"
    );
}

/// An `api.read` event.
#[derive(sqlx::FromRow)]
struct Read {
    actor_system: String,
    entity_id: Option<String>,
    customer_id: Option<i64>,
    verification_id: Option<i64>,
    changes: String,
}

impl Read {
    fn changes(&self) -> Value {
        serde_json::from_str(&self.changes).expect("changes")
    }
}

/// The `api.read` events so far, oldest first.
async fn api_reads(app: &TestApp) -> Vec<Read> {
    sqlx::query_as(
        "SELECT actor_system, entity_id, customer_id, verification_id, changes \
         FROM audit_event WHERE action = 'api.read' ORDER BY seq",
    )
    .fetch_all(app.state.db.reader())
    .await
    .expect("events")
}

fn sanctions_comment(customer: &Value) -> Value {
    customer["verifications"]
        .as_array()
        .expect("verifications")
        .iter()
        .flat_map(|v| v["checks"].as_array().expect("checks"))
        .find(|c| c["key"] == "sanctionsListCheck")
        .expect("the sanctions check")["comment"]
        .clone()
}

#[tokio::test]
async fn a_read_token_sees_masked_personal_data_and_each_read_is_audited_once_with_its_ids() {
    let app = TestApp::with_sandbox().await;
    let ingest = app.api_token("ingest").await;
    let c: Value = post(&app, Some(&ingest), &all_four())
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        c["email"], "a•••@example.com",
        "an ingest token without pii"
    );
    app.poll(1).await;
    let (read_id, read) = app.api_token_with("read", None).await;
    let id = c["id"].as_i64().expect("id");

    let res = get(&app, &read, &format!("/api/v1/customers/{id}")).await;
    assert_eq!(res.status(), 200);
    let customer: Value = res.json().await.expect("json");
    assert_eq!(customer["email"], "a•••@example.com");
    assert_eq!(customer["display_name"], "A••• S•••");
    assert_eq!(
        sanctions_comment(&customer),
        "•••",
        "the provider's text, as it may quote the person"
    );
    let text = customer.to_string();
    assert!(!text.contains("aigerim") && !text.contains("Aigerim"));
    assert!(
        !text.contains("on OFAC list"),
        "the provider's words are masked"
    );
    // The list those words name is KYC Desk's own reading, from a closed vocabulary.
    assert!(text.contains(r#""watch_lists":["OFAC (US)"]"#), "{text}");

    let verification_ids: Vec<i64> = customer["verifications"]
        .as_array()
        .expect("verifications")
        .iter()
        .map(|v| v["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(verification_ids.len(), 4);
    let reads = api_reads(&app).await;
    assert_eq!(reads.len(), 1, "one event for the request");
    let read_event = &reads[0];
    assert_eq!(read_event.actor_system, format!("api_token:{read_id}"));
    assert_eq!(read_event.entity_id, Some(id.to_string()));
    assert_eq!(read_event.customer_id, Some(id));
    let changes = read_event.changes();
    assert_eq!(changes["customer_ids"], json!([id]));
    assert_eq!(changes["verification_ids"], json!(verification_ids));
    assert_eq!(changes["personal_data"], "masked");

    let page: Value = get(&app, &read, "/api/v1/verifications?limit=3")
        .await
        .json()
        .await
        .expect("json");
    let listed: Vec<i64> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|v| v["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(listed.len(), 3);
    let one = verification_ids[0];
    let v: Value = get(&app, &read, &format!("/api/v1/verifications/{one}"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(v["id"], one);
    assert_eq!(
        get(&app, &read, "/api/v1/verifications/999999")
            .await
            .status(),
        404
    );

    let reads = api_reads(&app).await;
    assert_eq!(reads.len(), 3, "one per answered read, none for a 404");
    assert_eq!(reads[1].changes()["verification_ids"], json!(listed));
    assert_eq!(reads[1].changes()["customer_ids"], json!([id]));
    assert_eq!(reads[1].entity_id, None, "a list names no single entity");
    assert_eq!(reads[2].entity_id, Some(one.to_string()));
    assert_eq!(
        (reads[2].customer_id, reads[2].verification_id),
        (Some(id), Some(one))
    );
}

#[tokio::test]
async fn a_pii_token_reads_personal_data_in_full_and_its_reads_say_so() {
    let app = TestApp::with_sandbox().await;
    let ingest = app.api_token("ingest,pii").await;
    let c: Value = post(&app, Some(&ingest), &all_four())
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(c["email"], "aigerim@example.com");
    app.poll(1).await;
    let read = app.api_token("read,pii").await;
    let customer: Value = get(&app, &read, &format!("/api/v1/customers/{}", c["id"]))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(customer["email"], "aigerim@example.com");
    assert_eq!(customer["display_name"], "Aigerim Sarsenova");
    assert_eq!(sanctions_comment(&customer), "Match found on OFAC list");
    let reads = api_reads(&app).await;
    assert_eq!(reads.len(), 1);
    assert_eq!(reads[0].changes()["personal_data"], "shown");
}

#[tokio::test]
async fn an_expired_token_is_refused_and_an_unexpired_one_is_not() {
    let app = TestApp::with_sandbox().await;
    let hour = std::time::Duration::from_secs(3600);
    let (_, short) = app.api_token_with("read", Some(hour)).await;
    let (_, long) = app.api_token_with("read", Some(24 * hour)).await;
    assert_eq!(
        get(&app, &short, "/api/v1/verifications").await.status(),
        200
    );
    app.state.clock.advance(hour);
    let res = get(&app, &short, "/api/v1/verifications").await;
    assert_eq!(res.status(), 401, "expired at the hour");
    let e: Value = res.json().await.expect("json");
    assert_eq!(e["error"]["code"], "unauthenticated");
    assert_eq!(
        get(&app, &long, "/api/v1/verifications").await.status(),
        200
    );
}

#[tokio::test]
async fn each_token_has_its_own_rate_limit_answered_429_with_retry_after() {
    let app = TestApp::spawn_with(crate::helpers::Options {
        api_requests_per_minute: 3,
        ..Default::default()
    })
    .await;
    let busy = app.api_token("read").await;
    let other = app.api_token("read").await;
    for _ in 0..3 {
        assert_eq!(
            get(&app, &busy, "/api/v1/verifications").await.status(),
            200
        );
    }
    let before = api_reads(&app).await.len();
    let res = get(&app, &busy, "/api/v1/verifications").await;
    assert_eq!(res.status(), 429);
    let wait: u64 = res.headers()["retry-after"]
        .to_str()
        .expect("header")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&wait), "{wait}");
    let e: Value = res.json().await.expect("json");
    assert_eq!(e["error"]["code"], "too_many_attempts");
    assert_eq!(
        api_reads(&app).await.len(),
        before,
        "a refused request reads nothing"
    );
    assert_eq!(
        get(&app, &other, "/api/v1/verifications").await.status(),
        200,
        "another token is not slowed down"
    );
}

#[tokio::test]
async fn the_add_customer_form_asks_each_provider_for_its_fields_and_names_a_bad_one() {
    use kyc_desk::domain::Role;
    let app = crate::helpers::TestApp::with_sandbox().await;
    let reviewer = app.signed_in(Role::Reviewer).await;
    let form: serde_json::Value = app
        .get(&reviewer, "/api/customers/form")
        .await
        .json()
        .await
        .expect("fieldsets");
    let names: Vec<&str> = form
        .as_array()
        .expect("fieldsets")
        .iter()
        .flat_map(|set| set["fields"].as_array().expect("fields"))
        .map(|f| f["name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        names,
        [
            "eclipse_tenant_id",
            "eclipse_customer_id",
            "biometric_kz_session_id",
            "ident_application_id",
            "width_execution_id",
            "width_customer_id",
            "width_reference_id",
        ]
    );
    let bad = app
        .post(
            &reviewer,
            "/api/customers/add",
            &[
                ("external_id", "form-1"),
                ("display_name", "Fiona Form"),
                ("refs[eclipse_tenant_id]", ""),
                ("refs[biometric_kz_session_id]", "not-a-uuid"),
            ],
        )
        .await;
    assert_eq!(bad.status(), 422);
    assert!(crate::helpers::app_error(bad)
        .await
        .field_message("biometric_kz_session_id")
        .is_some());
    let good = app
        .post(
            &reviewer,
            "/api/customers/add",
            &[
                ("external_id", "form-1"),
                ("display_name", "Fiona Form"),
                ("refs[eclipse_tenant_id]", "100"),
                ("refs[eclipse_customer_id]", "1592544"),
                (
                    "refs[ident_application_id]",
                    "1de70000-0000-4000-8000-000000000001",
                ),
                ("refs[width_execution_id]", ""),
            ],
        )
        .await;
    assert_eq!(
        good.status(),
        200,
        "{}",
        good.text().await.unwrap_or_default()
    );
    let refs: Vec<(String, String)> =
        sqlx::query_as("SELECT provider, ref FROM customer_ref ORDER BY customer_ref_id")
            .fetch_all(app.state.db.reader())
            .await
            .expect("refs");
    assert_eq!(
        refs,
        vec![
            ("eclipse".to_string(), "100/1592544".to_string()),
            (
                "ident".to_string(),
                "1de70000-0000-4000-8000-000000000001".to_string()
            ),
        ]
    );
}
