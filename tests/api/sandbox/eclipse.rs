use kyc_desk::server::sandbox::{Sandbox, SandboxConfig, ScenarioRef};
use reqwest::Method;
use serde_json::{json, Value};

use crate::sandbox::common::{eclipse_error, is_hex, json, seed, start, start_with, ECLIPSE};

const SEED_PASSED: &str = include_str!("../../fixtures/upstream/eclipse/seed_history_passed.json");
const SEED_FAILED: &str = include_str!("../../fixtures/upstream/eclipse/seed_history_failed.json");
const SEED_KYC001: &str = include_str!("../../fixtures/upstream/eclipse/seed_error_kyc001.json");
const SEED_DOC_POST: &str =
    include_str!("../../fixtures/upstream/eclipse/seed_liveness_document_post_request.json");
const SEED_DOC_CREATED: &str =
    include_str!("../../fixtures/upstream/eclipse/seed_liveness_document_post_201.json");
const SEED_DOC_PUT: &str =
    include_str!("../../fixtures/upstream/eclipse/seed_liveness_document_put_200.json");

fn ratify(customer: &str) -> String {
    format!("/tenants/100/customers/{customer}/ratify")
}

#[tokio::test]
async fn eclipse_login_then_ratify_history_returns_the_seed_passed_result() {
    let env = start().await;
    let auth = env.eclipse_login().await;
    assert!(auth.starts_with("Bearer "));
    let (status, body) = env.eclipse_get(&auth, &ratify("1592544")).await;
    assert_eq!(status, 200);
    assert_eq!(body, seed(SEED_PASSED));
    let (status, body) = env
        .eclipse_get(&auth, &format!("{}?offset=0&limit=1", ratify("1592544")))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body, seed(SEED_PASSED));
}

#[tokio::test]
async fn eclipse_sanctions_customer_returns_the_seed_failed_result() {
    let env = start().await;
    let auth = env.eclipse_login().await;
    let (status, body) = env.eclipse_get(&auth, &ratify("1592545")).await;
    assert_eq!(status, 200);
    assert_eq!(body, seed(SEED_FAILED));
    assert_eq!(
        body[0]["sanctionsListCheck"]["comment"],
        "Match found on OFAC list"
    );
}

#[tokio::test]
async fn eclipse_login_response_has_the_documented_shape() {
    let env = start().await;
    let response = env
        .client
        .post(env.url(&format!("{ECLIPSE}/authentication/login")))
        .json(&json!({"identity": "sandbox-admin", "password": "sandbox-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body = json(response).await;
    assert_eq!(body["headerName"], "Authorization");
    assert!(body["headerValue"].as_str().unwrap().starts_with("Bearer "));
    assert!(body["sessionId"].is_string());
    assert_eq!(body["roles"], json!(["TENANT_ADMIN"]));
    assert!(body["csrfHeaderName"].is_string());
    assert!(body["csrfToken"].is_string());
    let expires = body["expiresEpochSecs"].as_u64().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(expires > now + 3500 && expires <= now + 3601);
    // The JWT carries its expiry.
    let jwt = body["headerValue"]
        .as_str()
        .unwrap()
        .trim_start_matches("Bearer ");
    assert_eq!(jwt.split('.').count(), 3);
}

#[tokio::test]
async fn eclipse_rejects_bad_credentials_with_usr002_and_a_fresh_trace_id() {
    let env = start().await;
    let mut traces = Vec::new();
    for _ in 0..2 {
        let response = env
            .client
            .post(env.url(&format!("{ECLIPSE}/authentication/login")))
            .json(&json!({"identity": "sandbox-admin", "password": "wrong"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
        let error = eclipse_error(&json(response).await, "USR002");
        traces.push(error["traceId"].as_str().unwrap().to_string());
    }
    assert_ne!(traces[0], traces[1]);
}

#[tokio::test]
async fn eclipse_answers_401_for_a_missing_malformed_or_tampered_jwt() {
    let env = start().await;
    let url = env.url(&format!("{ECLIPSE}{}", ratify("1592544")));
    let response = env.client.get(&url).send().await.unwrap();
    assert_eq!(response.status(), 401);
    eclipse_error(&json(response).await, "SEC001");

    for auth in ["Bearer not-a-jwt", "Basic abc", "Bearer a.b.c"] {
        let (status, body) = env.eclipse_get(auth, &ratify("1592544")).await;
        assert_eq!(status, 401, "{auth}");
        eclipse_error(&body, "SEC001");
    }

    // A token signed by another sandbox instance is rejected too.
    let other = start().await;
    let foreign = other.eclipse_login().await;
    let (status, _) = env.eclipse_get(&foreign, &ratify("1592544")).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn eclipse_expire_tokens_control_makes_the_next_call_401_until_a_new_login() {
    let env = start().await;
    let auth = env.eclipse_login().await;
    assert_eq!(env.eclipse_get(&auth, &ratify("1592544")).await.0, 200);

    let response = env
        .client
        .post(env.url("/__sandbox/eclipse/expire-tokens"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let (status, body) = env.eclipse_get(&auth, &ratify("1592544")).await;
    assert_eq!(status, 401);
    let error = eclipse_error(&body, "SEC001");
    assert_eq!(error["description"], "JWT has expired");

    // Renewing the expired JWT fails; logging in again works.
    let jwt = auth.trim_start_matches("Bearer ");
    let response = env
        .client
        .post(env.url(&format!("{ECLIPSE}/authentication/renew")))
        .json(&json!({ "jwt": jwt }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let fresh = env.eclipse_login().await;
    assert_eq!(env.eclipse_get(&fresh, &ratify("1592544")).await.0, 200);
}

#[tokio::test]
async fn eclipse_tokens_with_a_zero_ttl_are_expired_at_once() {
    let env = start_with(SandboxConfig {
        eclipse_token_ttl_secs: 0,
        ..SandboxConfig::default()
    })
    .await;
    let auth = env.eclipse_login().await;
    let (status, body) = env.eclipse_get(&auth, &ratify("1592544")).await;
    assert_eq!(status, 401);
    assert_eq!(
        eclipse_error(&body, "SEC001")["description"],
        "JWT has expired"
    );
}

#[tokio::test]
async fn eclipse_renew_returns_a_new_login_shaped_token() {
    let env = start().await;
    let auth = env.eclipse_login().await;
    let response = env
        .client
        .post(env.url(&format!("{ECLIPSE}/authentication/renew")))
        .json(&json!({ "jwt": auth.trim_start_matches("Bearer ") }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body = json(response).await;
    let renewed = body["headerValue"].as_str().unwrap();
    assert_ne!(renewed, auth);
    assert!(body["expiresEpochSecs"].as_u64().is_some());
    assert_eq!(env.eclipse_get(renewed, &ratify("1592544")).await.0, 200);
}

#[tokio::test]
async fn eclipse_viewer_role_gets_403_sec001() {
    let env = start().await;
    let auth = env.eclipse_login_as("sandbox-viewer").await;
    let (status, body) = env.eclipse_get(&auth, &ratify("1592544")).await;
    assert_eq!(status, 403);
    let error = eclipse_error(&body, "SEC001");
    assert_eq!(
        error["description"],
        "Caller role does not have KYC management permissions"
    );
}

#[tokio::test]
async fn eclipse_unknown_customers_and_other_tenants_are_404() {
    let env = start().await;
    let auth = env.eclipse_login().await;
    let (status, body) = env.eclipse_get(&auth, &ratify("9999999")).await;
    assert_eq!(status, 404);
    eclipse_error(&body, "IAE002");
    let (status, _) = env
        .eclipse_get(&auth, "/tenants/200/customers/1592544/ratify")
        .await;
    assert_eq!(status, 404);
    let (status, body) = env.eclipse_get(&auth, &ratify("abc")).await;
    assert_eq!(status, 400);
    eclipse_error(&body, "NFE001");
}

#[tokio::test]
async fn eclipse_post_ratify_goes_pending_refuses_a_second_post_with_kyc001_then_settles() {
    let env = start().await;
    let auth = env.eclipse_login().await;
    let (status, started) = env
        .eclipse_send(Method::POST, &auth, &ratify("1592544"), &json!({}))
        .await;
    assert_eq!(status, 200);
    assert!(started.is_object(), "POST returns a single result");
    assert_eq!(started["status"], "PENDING");
    assert_eq!(started["sanctionsListCheck"]["pending"], true);

    let (status, body) = env
        .eclipse_send(Method::POST, &auth, &ratify("1592544"), &json!({}))
        .await;
    assert_eq!(status, 400);
    let error = eclipse_error(&body, "KYC001");
    let mut expected = seed(SEED_KYC001)[0].clone();
    expected["traceId"] = error["traceId"].clone();
    expected["spanId"] = error["spanId"].clone();
    assert_eq!(error, expected, "the seed error, with a fresh traceId");
    assert_ne!(error["traceId"], seed(SEED_KYC001)[0]["traceId"]);

    let latest = format!("{}?offset=0&limit=1", ratify("1592544"));
    for _ in 0..2 {
        let (_, body) = env.eclipse_get(&auth, &latest).await;
        assert_eq!(body[0]["status"], "PENDING");
    }
    let (_, body) = env.eclipse_get(&auth, &latest).await;
    assert_eq!(body[0]["status"], "PASSED");
    assert_eq!(body.as_array().unwrap().len(), 1);
    let (_, history) = env.eclipse_get(&auth, &ratify("1592544")).await;
    assert_eq!(history.as_array().unwrap().len(), 2);
    assert_eq!(history[1], seed(SEED_PASSED)[0], "older result kept");

    // Settled: a new POST is accepted again.
    let (status, _) = env
        .eclipse_send(
            Method::POST,
            &auth,
            &ratify("1592544"),
            &json!({"type": "NORMAL"}),
        )
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn eclipse_post_ratify_rejects_bad_json_with_jpe001() {
    let env = start().await;
    let auth = env.eclipse_login().await;
    let response = env
        .client
        .post(env.url(&format!("{ECLIPSE}{}", ratify("1592544"))))
        .header("Authorization", &auth)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    eclipse_error(&json(response).await, "JPE001");
}

#[tokio::test]
async fn eclipse_pending_customer_settles_passed_on_the_third_poll() {
    let env = start().await;
    let auth = env.eclipse_login().await;
    let statuses: Vec<Value> = {
        let mut out = Vec::new();
        for _ in 0..4 {
            let (_, body) = env.eclipse_get(&auth, &ratify("1592550")).await;
            out.push(body[0]["status"].clone());
        }
        out
    };
    assert_eq!(statuses, vec!["PENDING", "PENDING", "PASSED", "PASSED"]);
}

#[tokio::test]
async fn eclipse_polls_to_settle_zero_makes_post_ratify_final_at_once() {
    let env = start_with(SandboxConfig {
        polls_to_settle: 0,
        ..SandboxConfig::default()
    })
    .await;
    let auth = env.eclipse_login().await;
    let (status, body) = env
        .eclipse_send(Method::POST, &auth, &ratify("1592551"), &json!({}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "PASSED");
}

#[tokio::test]
async fn eclipse_history_supports_offset_and_limit() {
    let env = start().await;
    let auth = env.eclipse_login().await;
    let (_, all) = env.eclipse_get(&auth, &ratify("1592548")).await;
    assert_eq!(all.as_array().unwrap().len(), 2);
    assert!(all[0]["lastModified"].as_str() > all[1]["lastModified"].as_str());
    let (_, second) = env
        .eclipse_get(&auth, &format!("{}?offset=1&limit=1", ratify("1592548")))
        .await;
    assert_eq!(second, json!([all[1]]));
    let (_, none) = env
        .eclipse_get(&auth, &format!("{}?offset=5", ratify("1592548")))
        .await;
    assert_eq!(none, json!([]));
}

#[tokio::test]
async fn eclipse_every_scenario_shows_its_documented_result() {
    let env = start().await;
    let auth = env.eclipse_login().await;
    let expected = [
        ("clean_pass", Some("PASSED")),
        ("sanctions_hit", Some("FAILED")),
        ("liveness_failure", Some("FAILED")),
        ("face_mismatch", Some("FAILED")),
        ("name_mismatch", Some("FAILED")),
        ("unknown_status", Some("ON_HOLD")),
        ("pending_then_passed", Some("PENDING")),
        ("never_ratified", None),
    ];
    for (key, status) in expected {
        let scenario = Sandbox::scenarios()
            .into_iter()
            .find(|s| s.provider == "eclipse" && s.key == key)
            .unwrap();
        let ScenarioRef::Eclipse {
            tenant_id,
            customer_id,
        } = scenario.refs
        else {
            panic!("{key}")
        };
        let (code, body) = env
            .eclipse_get(
                &auth,
                &format!("/tenants/{tenant_id}/customers/{customer_id}/ratify?offset=0&limit=1"),
            )
            .await;
        assert_eq!(code, 200, "{key}");
        match status {
            Some(status) => assert_eq!(body[0]["status"], status, "{key}"),
            None => assert_eq!(body, json!([]), "{key}"),
        }
        let latest = &body[0];
        match key {
            "liveness_failure" => {
                assert_eq!(latest["selfieIsLegitimate"]["passed"], false);
                assert_eq!(latest["selfieIsLegitimate"]["checked"], true);
            }
            "face_mismatch" => {
                assert_eq!(latest["selfieMatchesNationalIdentity"]["passed"], false);
                assert_eq!(latest["selfieMatchesNationalIdentity"]["score"], 0.41);
            }
            "name_mismatch" => {
                assert_eq!(latest["firstNameMatchesNationalIdentity"]["passed"], false);
                assert_eq!(latest["lastNameMatchesNationalIdentity"]["passed"], false);
            }
            "pending_then_passed" => assert_eq!(latest["sanctionsListCheck"]["pending"], true),
            _ => {}
        }
    }
}

#[tokio::test]
async fn eclipse_seed_liveness_document_round_trip_is_served_verbatim() {
    let env = start().await;
    let auth = env.eclipse_login().await;
    let (status, created) = env
        .eclipse_send(
            Method::POST,
            &auth,
            "/tenants/100/customers/1592544/documents?performOcr=false&validateDocType=false",
            &seed(SEED_DOC_POST),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(created, seed(SEED_DOC_CREATED));
    let (status, updated) = env
        .eclipse_send(
            Method::PUT,
            &auth,
            "/tenants/100/documents/608561?returnFullResult=false",
            &created,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(updated, seed(SEED_DOC_PUT));
}

fn extra_info(document: &Value) -> Value {
    serde_json::from_str(
        document["extraInfo"]
            .as_str()
            .expect("extraInfo is a string"),
    )
    .unwrap()
}

#[tokio::test]
async fn eclipse_liveness_failure_customer_fails_its_first_liveness_then_passes_and_ratifies() {
    let env = start_with(SandboxConfig {
        polls_to_settle: 0,
        ..SandboxConfig::default()
    })
    .await;
    let auth = env.eclipse_login().await;
    let body = json!({
        "documentType": "FACIAL_PHOTO",
        "mediaType": "aws/liveness",
        "extraInfo": "{\"landingUrl\":\"https://desk.example/liveness/callback\"}",
    });
    let docs = "/tenants/100/customers/1592546/documents?performOcr=false&validateDocType=false";
    let mut outcomes = Vec::new();
    for _ in 0..2 {
        let (status, created) = env.eclipse_send(Method::POST, &auth, docs, &body).await;
        assert_eq!(status, 201);
        let extra = extra_info(&created);
        assert_eq!(
            extra["landingUrl"],
            "https://desk.example/liveness/callback"
        );
        assert!(extra["completionUrl"].is_string());
        assert_eq!(
            extra["awsLivenessSessionId"],
            created["awsFaceLivenessSessionId"]
        );
        let id = created["documentId"].as_u64().unwrap();
        let (status, updated) = env
            .eclipse_send(
                Method::PUT,
                &auth,
                &format!("/tenants/100/documents/{id}?returnFullResult=false"),
                &created,
            )
            .await;
        assert_eq!(status, 200);
        assert_eq!(updated["mediaType"], "image/jpeg");
        let extra = extra_info(&updated);
        assert!(extra.get("completionUrl").is_none());
        assert!(extra["AwsFaceLivenessScore"].is_string());
        outcomes.push(extra["AwsFaceLivenessResult"].as_str().unwrap().to_string());
    }
    assert_eq!(outcomes, ["FAILED", "SUCCEEDED"]);

    let (status, result) = env
        .eclipse_send(Method::POST, &auth, &ratify("1592546"), &json!({}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(result["status"], "PASSED");
    assert_eq!(result["selfieIsLegitimate"]["passed"], true);
}

#[tokio::test]
async fn eclipse_pass_customer_liveness_succeeds() {
    let env = start().await;
    let auth = env.eclipse_login().await;
    let body = json!({
        "documentType": "FACIAL_PHOTO",
        "mediaType": "aws/liveness",
        "extraInfo": "{\"landingUrl\":\"https://desk.example/cb\"}",
    });
    let (_, created) = env
        .eclipse_send(
            Method::POST,
            &auth,
            "/tenants/100/customers/1592547/documents",
            &body,
        )
        .await;
    let id = created["documentId"].as_u64().unwrap();
    let (_, updated) = env
        .eclipse_send(
            Method::PUT,
            &auth,
            &format!("/tenants/100/documents/{id}"),
            &created,
        )
        .await;
    assert_eq!(extra_info(&updated)["AwsFaceLivenessResult"], "SUCCEEDED");
    // Unknown documents are 404.
    let (status, _) = env
        .eclipse_send(Method::PUT, &auth, "/tenants/100/documents/1", &json!({}))
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn eclipse_liveness_document_needs_a_landing_url() {
    let env = start().await;
    let auth = env.eclipse_login().await;
    let (status, body) = env
        .eclipse_send(
            Method::POST,
            &auth,
            "/tenants/100/customers/1592544/documents",
            &json!({"documentType": "FACIAL_PHOTO", "mediaType": "aws/liveness", "extraInfo": "{}"}),
        )
        .await;
    assert_eq!(status, 400);
    eclipse_error(&body, "VAL001");
}

#[tokio::test]
async fn eclipse_completion_url_redirects_to_the_landing_url_with_completed() {
    let env = start().await;
    let auth = env.eclipse_login().await;
    let response = env
        .client
        .post(env.url(&format!(
            "{ECLIPSE}/tenants/100/customers/1592544/documents?performOcr=false&validateDocType=false"
        )))
        .header("Authorization", &auth)
        .header("completionUrlParams", "case=42")
        .json(&json!({
            "documentType": "FACIAL_PHOTO",
            "mediaType": "aws/liveness",
            "extraInfo": "{\"landingUrl\":\"https://desk.example/cb\"}",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let created = json(response).await;
    let completion = extra_info(&created)["completionUrl"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(completion.ends_with("&case=42"), "{completion}");
    let response = env.client.get(&completion).send().await.unwrap();
    assert_eq!(response.status(), 302);
    assert_eq!(
        response.headers()["location"],
        "https://desk.example/cb?status=COMPLETED&case=42"
    );
}

#[tokio::test]
async fn eclipse_errors_carry_32_hex_trace_ids() {
    let env = start().await;
    let response = env
        .client
        .get(env.url(&format!("{ECLIPSE}/no/such/endpoint")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let body = json(response).await;
    assert!(is_hex(body[0]["traceId"].as_str().unwrap(), 32));
}

// ------------------------------------------------------------- walk-ins

fn walk_in_customer() -> &'static str {
    let scenario = Sandbox::scenarios()
        .into_iter()
        .find(|s| s.provider == "eclipse" && s.key == "walk_in")
        .unwrap();
    match scenario.refs {
        ScenarioRef::Eclipse {
            tenant_id: "100",
            customer_id,
        } => customer_id,
        other => panic!("{other:?}"),
    }
}

fn check_names(result: &Value) -> Vec<String> {
    let mut names: Vec<String> = result
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, v)| v.is_object())
        .map(|(k, _)| k.clone())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn a_walk_in_eclipse_customer_starts_pending_and_settles_to_passed() {
    let env = start().await;
    let auth = env.eclipse_login().await;
    assert_eq!(
        walk_in_customer(),
        "1600000",
        "the catalogue shows the first id"
    );
    let (_, model) = env.eclipse_get(&auth, &ratify("1592550")).await;
    let id = "1654321";
    let mut seen = Vec::new();
    for _ in 0..4 {
        let (code, body) = env
            .eclipse_get(&auth, &format!("{}?offset=0&limit=1", ratify(id)))
            .await;
        assert_eq!(code, 200, "{body}");
        assert_eq!(body.as_array().unwrap().len(), 1, "{body}");
        seen.push(body[0].clone());
    }
    let statuses: Vec<&Value> = seen.iter().map(|r| &r["status"]).collect();
    assert_eq!(statuses, ["PENDING", "PENDING", "PASSED", "PASSED"]);
    // PENDING: the pending_then_passed shape, every check pending.
    assert_eq!(check_names(&seen[0]), check_names(&model[0]));
    for name in check_names(&seen[0]) {
        assert_eq!(
            seen[0][&name],
            json!({"checked": false, "passed": false, "pending": true})
        );
    }
    // PASSED: the seed's clean-pass check set.
    let mut expected = seed(SEED_PASSED)[0].clone();
    expected["lastModified"] = seen[2]["lastModified"].clone();
    assert_eq!(seen[2], expected);
    let (_, history) = env.eclipse_get(&auth, &ratify(id)).await;
    assert_eq!(history.as_array().unwrap().len(), 1, "one ratification");
    let (code, profile) = env
        .eclipse_get(&auth, &format!("/tenants/100/customers/{id}"))
        .await;
    assert_eq!(code, 200);
    assert_eq!(profile["customerId"], 1_654_321);
}

#[tokio::test]
async fn a_walk_in_eclipse_customer_can_start_with_a_post_ratify() {
    let env = start().await;
    let auth = env.eclipse_login().await;
    let id = walk_in_customer();
    let (code, started) = env
        .eclipse_send(Method::POST, &auth, &ratify(id), &json!({}))
        .await;
    assert_eq!(code, 200, "{started}");
    assert_eq!(started["status"], "PENDING");
    let (code, body) = env
        .eclipse_send(Method::POST, &auth, &ratify(id), &json!({}))
        .await;
    assert_eq!(code, 400, "still pending");
    eclipse_error(&body, "KYC001");
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let (_, body) = env.eclipse_get(&auth, &ratify(id)).await;
        assert_eq!(body.as_array().unwrap().len(), 1, "{body}");
        statuses.push(body[0]["status"].clone());
    }
    assert_eq!(statuses, ["PENDING", "PENDING", "PASSED"]);

    // With polls_to_settle = 0 a walk-in is PASSED on first sight.
    let env = start_with(SandboxConfig {
        polls_to_settle: 0,
        ..SandboxConfig::default()
    })
    .await;
    let auth = env.eclipse_login().await;
    let (_, started) = env
        .eclipse_send(Method::POST, &auth, &ratify("1699999"), &json!({}))
        .await;
    assert_eq!(started["status"], "PASSED");
    let (_, body) = env.eclipse_get(&auth, &ratify("1600001")).await;
    assert_eq!(body[0]["status"], "PASSED");
}

#[tokio::test]
async fn an_eclipse_id_outside_the_walk_in_range_is_still_a_404() {
    let env = start().await;
    let auth = env.eclipse_login().await;
    for id in ["1599999", "1700000", "01600000", "16000000"] {
        let (code, body) = env.eclipse_get(&auth, &ratify(id)).await;
        assert_eq!(code, 404, "{id}");
        eclipse_error(&body, "IAE002");
        let (code, _) = env
            .eclipse_send(Method::POST, &auth, &ratify(id), &json!({}))
            .await;
        assert_eq!(code, 404, "{id}");
    }
    // Other tenants have no walk-ins.
    let (code, _) = env
        .eclipse_get(&auth, "/tenants/200/customers/1600000/ratify")
        .await;
    assert_eq!(code, 404);
}

#[tokio::test]
async fn a_walk_in_eclipse_customer_ending_in_5_settles_to_a_sanctions_hit() {
    let env = start().await;
    let auth = env.eclipse_login().await;
    let mut last = Value::Null;
    for _ in 0..4 {
        let (_, body) = env.eclipse_get(&auth, &ratify("1600015")).await;
        last = body[0].clone();
    }
    assert_eq!(last["status"], "FAILED");
    assert_eq!(last["sanctionsListCheck"]["passed"], false);
    assert_eq!(
        last["sanctionsListCheck"]["comment"],
        "Match found on OFAC list"
    );
}
