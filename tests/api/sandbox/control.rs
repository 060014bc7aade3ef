use std::collections::HashSet;
use std::time::{Duration, Instant};

use kyc_desk::server::sandbox::Sandbox;
use reqwest::Method;
use serde_json::{json, Value};

use crate::sandbox::common::{eclipse_error, json, start, ECLIPSE, FLOW_KEY};

const CLEAN: &str = "/tenants/100/customers/1592544/ratify";

async fn add_fault(env: &crate::sandbox::common::Env, fault: Value) -> Value {
    let response = env
        .client
        .post(env.url("/__sandbox/faults"))
        .json(&fault)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    json(response).await
}

#[tokio::test]
async fn a_rate_limit_fault_answers_rlt001_then_clears() {
    let env = start().await;
    let auth = env.eclipse_login().await;
    add_fault(
        &env,
        json!({"provider": "eclipse", "kind": "rate_limit", "count": 1}),
    )
    .await;
    let response = env
        .client
        .get(env.url(&format!("{ECLIPSE}{CLEAN}")))
        .header("Authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "1");
    eclipse_error(&json(response).await, "RLT001");
    assert_eq!(
        env.eclipse_get(&auth, CLEAN).await.0,
        200,
        "count 1 is used up"
    );

    // Without a count it stays until cleared.
    add_fault(&env, json!({"provider": "eclipse", "kind": "rate_limit"})).await;
    assert_eq!(env.eclipse_get(&auth, CLEAN).await.0, 429);
    assert_eq!(env.eclipse_get(&auth, CLEAN).await.0, 429);
    let response = env
        .client
        .delete(env.url("/__sandbox/faults"))
        .send()
        .await
        .unwrap();
    assert_eq!(json(response).await, json!({"cleared": 1}));
    assert_eq!(env.eclipse_get(&auth, CLEAN).await.0, 200);
}

#[tokio::test]
async fn rate_limit_faults_answer_in_each_providers_own_shape() {
    let env = start().await;
    add_fault(&env, json!({"provider": "*", "kind": "rate_limit"})).await;

    let response = env.ident(Method::GET, "/kyc_applications", None).await;
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "1");
    assert!(json(response).await["message"].is_string());

    let (code, body) = env
        .width(
            "workflow.execution.status",
            r#"{"executionId":"exec-sbx-clean-pass"}"#,
        )
        .await;
    assert_eq!(code, 429);
    assert_eq!(body["code"], "RESOURCE_EXHAUSTED");

    let (code, body) = env.bio_light("b10e0000-0000-4000-8000-000000000001").await;
    assert_eq!(code, 429);
    assert!(body["detail"].is_string());

    let response = env
        .client
        .post(env.url("/mcp/"))
        .header(
            "authorization",
            format!("Bearer {}", crate::sandbox::common::ORG_KEY),
        )
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
}

#[tokio::test]
async fn a_status_fault_answers_that_status_in_the_provider_shape() {
    let env = start().await;
    let auth = env.eclipse_login().await;
    add_fault(
        &env,
        json!({"provider": "eclipse", "kind": "status", "status": 503, "count": 1}),
    )
    .await;
    let (code, body) = env.eclipse_get(&auth, CLEAN).await;
    assert_eq!(code, 503);
    let error = eclipse_error(&body, "DAE001");
    assert_eq!(error["type"], "SYSTEM");

    // The per-request header does the same.
    let response = env
        .client
        .get(env.url("/api/v1/kyc_applications"))
        .header("Authorization", "bearer sandbox-ident-app-token")
        .header("x-sandbox-fault", "status=502")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 502);
    assert!(json(response).await["message"].is_string());

    // An unusable header is refused rather than ignored.
    let response = env
        .client
        .get(env.url("/api/v1/kyc_applications"))
        .header("Authorization", "bearer sandbox-ident-app-token")
        .header("x-sandbox-fault", "explode")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn a_latency_fault_delays_then_answers_normally() {
    let env = start().await;
    let started = Instant::now();
    let response = env
        .client
        .get(env.url("/api/v1/kyc_applications?rpp=1"))
        .header("Authorization", "bearer sandbox-ident-app-token")
        .header("x-sandbox-fault", "latency=300")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(json(response).await.as_array().unwrap().len(), 1);

    add_fault(
        &env,
        json!({"provider": "width", "kind": "latency", "ms": 200, "count": 1}),
    )
    .await;
    let started = Instant::now();
    let (code, _) = env
        .width(
            "workflow.execution.status",
            r#"{"executionId":"exec-sbx-clean-pass"}"#,
        )
        .await;
    assert_eq!(code, 200);
    assert!(started.elapsed() >= Duration::from_millis(200));
}

#[tokio::test]
async fn a_malformed_fault_returns_truncated_json_with_200() {
    let env = start().await;
    let response = env
        .client
        .get(env.url(&format!(
            "/api/v1/flows/session/result/light/?session_id=b10e0000-0000-4000-8000-000000000001&flow_api_key={FLOW_KEY}"
        )))
        .header("x-sandbox-fault", "malformed")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let text = response.text().await.unwrap();
    assert!(text.starts_with('{'));
    assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");
}

#[tokio::test]
async fn a_drop_fault_closes_the_connection_without_a_response() {
    let env = start().await;
    add_fault(
        &env,
        json!({"provider": "ident", "kind": "drop", "count": 1, "match": "e494ee10"}),
    )
    .await;
    // Another id is not affected.
    let response = env
        .ident(
            Method::GET,
            "/kyc_applications/205d1f45-4b45-4d85-a692-8db40d94ab89",
            None,
        )
        .await;
    assert_eq!(response.status(), 200);
    let result = env
        .client
        .get(env.url("/api/v1/kyc_applications/e494ee10-bbf5-45bb-81aa-7e3561d8c729"))
        .header("Authorization", "bearer sandbox-ident-app-token")
        .send()
        .await;
    assert!(
        result.is_err(),
        "no response expected, got {:?}",
        result.map(|r| r.status())
    );
    let response = env
        .ident(
            Method::GET,
            "/kyc_applications/e494ee10-bbf5-45bb-81aa-7e3561d8c729",
            None,
        )
        .await;
    assert_eq!(response.status(), 200);

    // The per-request header drops too.
    let result = env
        .client
        .get(env.url("/gateway/workflow.execution.status"))
        .header("x-sandbox-fault", "drop")
        .send()
        .await;
    assert!(result.is_err());

    let log = env.requests().await;
    let dropped = log.iter().find(|e| e["fault"] == "drop").unwrap();
    assert_eq!(dropped["status"], Value::Null);
    assert_eq!(dropped["provider"], "ident");
}

#[tokio::test]
async fn the_request_log_records_calls_without_query_secrets() {
    let env = start().await;
    env.bio_light("b10e0000-0000-4000-8000-000000000001").await;
    env.width(
        "workflow.execution.status",
        r#"{"executionId":"exec-sbx-clean-pass"}"#,
    )
    .await;
    let response = env
        .client
        .put(env.url("/api/v1/kyc_applications/205d1f45-4b45-4d85-a692-8db40d94ab89"))
        .header("Authorization", "bearer sandbox-ident-app-token")
        .header("Idempotency-Key", "decision-42")
        .json(&json!({"status": "accepted"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    // Control calls are not logged.
    env.client
        .get(env.url("/__sandbox/scenarios"))
        .send()
        .await
        .unwrap();

    let log = env.requests().await;
    assert_eq!(log.len(), 3, "{log:?}");
    let text = serde_json::to_string(&log).unwrap();
    assert!(!text.contains(FLOW_KEY), "flow key leaked");
    assert!(!text.contains("ak_sandbox"), "WIDTH apiKey leaked");
    assert_eq!(log[0]["provider"], "biometric_kz");
    assert_eq!(log[0]["method"], "GET");
    assert_eq!(
        log[0]["path"],
        "/api/v1/flows/session/result/light/?session_id=b10e0000-0000-4000-8000-000000000001"
    );
    assert_eq!(log[0]["status"], 200);
    assert_eq!(log[1]["provider"], "width");
    assert_eq!(log[1]["path"], "/gateway/workflow.execution.status");
    assert_eq!(log[2]["provider"], "ident");
    assert_eq!(log[2]["method"], "PUT");
    assert_eq!(log[2]["idempotency_key"], "decision-42");
    assert_eq!(log[2]["status"], 202);
    assert!(log[0]["seq"].as_u64() < log[1]["seq"].as_u64());
}

#[tokio::test]
async fn reset_puts_state_faults_and_log_back_to_the_catalogue() {
    let env = start().await;
    let auth = env.eclipse_login().await;
    let (code, _) = env
        .eclipse_send(Method::POST, &auth, CLEAN, &json!({}))
        .await;
    assert_eq!(code, 200);
    env.ident(
        Method::PUT,
        "/kyc_applications/205d1f45-4b45-4d85-a692-8db40d94ab89",
        Some(&json!({"status": "rejected"})),
    )
    .await;
    add_fault(&env, json!({"provider": "width", "kind": "drop"})).await;

    let response = env
        .client
        .post(env.url("/__sandbox/reset"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let (code, history) = env.eclipse_get(&auth, CLEAN).await;
    assert_eq!(code, 200, "JWTs survive a reset");
    assert_eq!(history[0]["status"], "PASSED");
    assert_eq!(history.as_array().unwrap().len(), 1);
    let detail = json(
        env.ident(
            Method::GET,
            "/kyc_applications/205d1f45-4b45-4d85-a692-8db40d94ab89",
            None,
        )
        .await,
    )
    .await;
    assert_eq!(detail["status"], "review");
    let (_, faults) = env.get_json("/__sandbox/faults").await;
    assert_eq!(faults, json!([]));
    let log = env.requests().await;
    assert_eq!(log.len(), 2, "only the calls made after the reset");
}

#[tokio::test]
async fn the_scenarios_endpoint_lists_the_static_catalogue() {
    let env = start().await;
    let (code, listed) = env.get_json("/__sandbox/scenarios").await;
    assert_eq!(code, 200);
    let catalogue = Sandbox::scenarios();
    assert_eq!(listed.as_array().unwrap().len(), catalogue.len());
    let mut keys = HashSet::new();
    for (item, scenario) in listed.as_array().unwrap().iter().zip(&catalogue) {
        assert_eq!(item["provider"], scenario.provider);
        assert_eq!(item["key"], scenario.key);
        assert!(!scenario.description.is_empty());
        assert!(
            keys.insert((scenario.provider, scenario.key)),
            "duplicate {}",
            scenario.key
        );
    }
    for provider in ["eclipse", "biometric_kz", "ident", "width"] {
        for key in ["clean_pass", "unknown_status"] {
            assert!(keys.contains(&(provider, key)), "{provider} {key}");
        }
    }
    assert_eq!(
        listed[0]["refs"],
        json!({"tenant_id": "100", "customer_id": "1592544"})
    );
}

#[tokio::test]
async fn invalid_fault_rules_are_refused() {
    let env = start().await;
    for fault in [
        json!({"provider": "acme", "kind": "drop"}),
        json!({"provider": "*", "kind": "explode"}),
        json!({"kind": "drop"}),
        json!({"provider": "ident", "kind": "status", "status": 200}),
        json!({"provider": "ident", "kind": "drop", "count": 0}),
    ] {
        let response = env
            .client
            .post(env.url("/__sandbox/faults"))
            .json(&fault)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{fault}");
    }
}

// ------------------------------------------------------------- walk-ins

const ECLIPSE_WALK_IN: &str = "/tenants/100/customers/1612340/ratify";
const BIO_WALK_IN: &str = "b10e9999-aaaa-4bbb-8ccc-dddddddddddd";
const IDENT_WALK_IN: &str = "/kyc_applications/1de79999-aaaa-4bbb-8ccc-dddddddddddd";
const WIDTH_WALK_IN: &str = r#"{"executionId":"exec-sbx-new-reset"}"#;

/// One poll of each walk-in; returns the four statuses it shows.
async fn poll_walk_ins(env: &crate::sandbox::common::Env, auth: &str) -> [Value; 4] {
    let (code, eclipse) = env.eclipse_get(auth, ECLIPSE_WALK_IN).await;
    assert_eq!(code, 200);
    let (code, bio) = env.bio_light(BIO_WALK_IN).await;
    assert_eq!(code, 200);
    let response = env.ident(Method::GET, IDENT_WALK_IN, None).await;
    assert_eq!(response.status(), 200);
    let ident = json(response).await;
    let (code, width) = env.width("workflow.execution.status", WIDTH_WALK_IN).await;
    assert_eq!(code, 200);
    [
        eclipse[0]["status"].clone(),
        bio["status"].clone(),
        ident["status"].clone(),
        width["status"].clone(),
    ]
}

#[tokio::test]
async fn reset_forgets_walk_ins() {
    let env = start().await;
    let auth = env.eclipse_login().await;
    let first = poll_walk_ins(&env, &auth).await;
    assert_eq!(first, ["PENDING", "CREATED", "submitted", "RUNNING"]);
    poll_walk_ins(&env, &auth).await;
    let settled = poll_walk_ins(&env, &auth).await;
    assert_eq!(settled, ["PASSED", "FINISHED", "accepted", "COMPLETED"]);
    let list = json(
        env.ident(Method::GET, "/kyc_applications?rpp=100", None)
            .await,
    )
    .await;
    assert_eq!(
        list.as_array().unwrap().len(),
        14,
        "13 scenarios + the walk-in"
    );

    let response = env
        .client
        .post(env.url("/__sandbox/reset"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let list = json(
        env.ident(Method::GET, "/kyc_applications?rpp=100", None)
            .await,
    )
    .await;
    assert_eq!(
        list.as_array().unwrap().len(),
        13,
        "the walk-in is forgotten"
    );
    let again = poll_walk_ins(&env, &auth).await;
    assert_eq!(again, first, "brand new again after the reset");
}

#[tokio::test]
async fn the_scenarios_endpoint_lists_one_walk_in_range_per_provider() {
    let env = start().await;
    let (code, listed) = env.get_json("/__sandbox/scenarios").await;
    assert_eq!(code, 200);
    let walk_ins: Vec<&Value> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["key"] == "walk_in")
        .collect();
    let expected = [
        (
            "eclipse",
            json!({"tenant_id": "100", "customer_id": "1600000"}),
            "1600000–1699999",
        ),
        (
            "biometric_kz",
            json!({"session_id": "b10e9999-0000-4000-8000-000000000000"}),
            "b10e9999-",
        ),
        (
            "ident",
            json!({"application_id": "1de79999-0000-4000-8000-000000000000"}),
            "1de79999-",
        ),
        (
            "width",
            json!({
                "execution_id": "exec-sbx-new-1",
                "customer_id": "C_sbx_new_1",
                "reference_id": "ref-sbx-new-1",
            }),
            "exec-sbx-new-",
        ),
    ];
    assert_eq!(walk_ins.len(), expected.len());
    for (item, (provider, refs, range)) in walk_ins.iter().zip(expected) {
        assert_eq!(item["provider"], provider);
        assert_eq!(item["refs"], refs, "{provider}");
        let description = item["description"].as_str().unwrap();
        assert!(description.contains(range), "{provider}: {description}");
    }
    // The example refs are live walk-ins.
    let auth = env.eclipse_login().await;
    let (code, _) = env
        .eclipse_get(&auth, "/tenants/100/customers/1600000/ratify")
        .await;
    assert_eq!(code, 200);
    let (code, _) = env.bio_light("b10e9999-0000-4000-8000-000000000000").await;
    assert_eq!(code, 200);
    let response = env
        .ident(
            Method::GET,
            "/kyc_applications/1de79999-0000-4000-8000-000000000000",
            None,
        )
        .await;
    assert_eq!(response.status(), 200);
    let (code, _) = env
        .width(
            "workflow.execution.status",
            r#"{"executionId":"exec-sbx-new-1"}"#,
        )
        .await;
    assert_eq!(code, 200);
}

#[tokio::test]
async fn a_started_sandbox_answers_on_its_own_port_until_its_handle_is_dropped() {
    use kyc_desk::server::sandbox::SandboxConfig;
    let sandbox = Sandbox::start(SandboxConfig::default(), "127.0.0.1:0")
        .await
        .unwrap();
    let scenarios = format!("{}/__sandbox/scenarios", sandbox.url());
    assert_ne!(sandbox.addr().port(), 0);
    assert_eq!(reqwest::get(&scenarios).await.unwrap().status(), 200);

    drop(sandbox);
    let deadline = Instant::now() + Duration::from_secs(5);
    while reqwest::get(&scenarios).await.is_ok() {
        assert!(Instant::now() < deadline, "still answering after 5 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
