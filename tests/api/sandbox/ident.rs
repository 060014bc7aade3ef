use kyc_desk::server::sandbox::{Sandbox, SandboxConfig, ScenarioRef};
use reqwest::Method;
use serde_json::{json, Value};

use crate::sandbox::common::{json, seed, start, start_with};

const SEED_LIST: &str = include_str!("../../fixtures/upstream/ident/seed_list.json");
const SEED_DETAIL: &str =
    include_str!("../../fixtures/upstream/ident/seed_detail_vouched_submitted.json");
const SEED_PUT: &str = include_str!("../../fixtures/upstream/ident/seed_put_accepted.json");

fn application(key: &str) -> &'static str {
    let scenario = Sandbox::scenarios()
        .into_iter()
        .find(|s| s.provider == "ident" && s.key == key)
        .unwrap_or_else(|| panic!("no scenario {key}"));
    match scenario.refs {
        ScenarioRef::Ident { application_id } => application_id,
        _ => panic!("{key}"),
    }
}

async fn detail(env: &crate::sandbox::common::Env, id: &str) -> Value {
    let response = env
        .ident(Method::GET, &format!("/kyc_applications/{id}"), None)
        .await;
    assert_eq!(response.status(), 200);
    json(response).await
}

#[tokio::test]
async fn ident_rejects_a_capitalised_bearer_prefix() {
    let env = start().await;
    for auth in [
        Some("Bearer sandbox-ident-app-token"),
        Some("BEARER sandbox-ident-app-token"),
        Some("bearer wrong-token"),
        Some("sandbox-ident-app-token"),
        None,
    ] {
        let mut request = env.client.get(env.url("/api/v1/kyc_applications"));
        if let Some(auth) = auth {
            request = request.header("Authorization", auth);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401, "{auth:?}");
        assert_eq!(json(response).await, json!({"message": "unauthorized"}));
    }
    let response = env.ident(Method::GET, "/kyc_applications", None).await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn ident_detail_of_the_seed_application_is_the_seed_verbatim() {
    let env = start().await;
    let body = detail(&env, "e494ee10-bbf5-45bb-81aa-7e3561d8c729").await;
    assert_eq!(body, seed(SEED_DETAIL));
}

#[tokio::test]
async fn ident_list_holds_the_three_seed_records_verbatim_newest_first() {
    let env = start().await;
    let response = env
        .ident(Method::GET, "/kyc_applications?rpp=100", None)
        .await;
    assert_eq!(response.status(), 200);
    let total: usize = response.headers()["x-total-results-count"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let list = json(response).await;
    let items = list.as_array().unwrap();
    assert_eq!(items.len(), total);
    for record in seed(SEED_LIST).as_array().unwrap() {
        assert!(items.contains(record), "seed record missing: {record}");
        assert!(record.get("provider_representation").is_none());
    }
    // created_at DESC (compared as instants: offsets differ).
    let ids: Vec<&str> = items.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let pos = |id: &str| ids.iter().position(|x| *x == id).unwrap();
    // 13bd0b24 (2019-11-13) > e40a34d8 (2019-11-05) > e494ee10 (2019-09-15) > 72258a99 (2019-06-12)
    assert!(
        pos("13bd0b24-f0d9-4caa-89ab-259c058877ce") < pos("e40a34d8-5df9-4ab3-be79-b8b34844eb3d")
    );
    assert!(
        pos("e40a34d8-5df9-4ab3-be79-b8b34844eb3d") < pos("e494ee10-bbf5-45bb-81aa-7e3561d8c729")
    );
    assert!(
        pos("e494ee10-bbf5-45bb-81aa-7e3561d8c729") < pos("72258a99-1518-4526-a5fa-043081eee7f0")
    );
}

#[tokio::test]
async fn ident_list_paginates_with_a_one_based_page_and_filters_by_status() {
    let env = start().await;
    let response = env
        .ident(Method::GET, "/kyc_applications?rpp=4&page=1", None)
        .await;
    let total: usize = response.headers()["x-total-results-count"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(total > 8);
    let first = json(response).await;
    assert_eq!(first.as_array().unwrap().len(), 4);
    let second = json(
        env.ident(Method::GET, "/kyc_applications?rpp=4&page=2", None)
            .await,
    )
    .await;
    assert_eq!(second.as_array().unwrap().len(), 4);
    assert_ne!(first[0]["id"], second[0]["id"]);
    let all = json(env.ident(Method::GET, "/kyc_applications", None).await).await;
    assert_eq!(all.as_array().unwrap().len(), total.min(25));
    assert_eq!(all[4], second[0]);

    let response = env
        .ident(Method::GET, "/kyc_applications?status=remediate", None)
        .await;
    assert_eq!(response.headers()["x-total-results-count"], "2");
    let remediate = json(response).await;
    assert!(remediate
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["status"] == "remediate"));
}

#[tokio::test]
async fn ident_put_answers_202_and_the_seed_put_response_verbatim() {
    let env = start().await;
    assert_eq!(
        detail(&env, "205d1f45-4b45-4d85-a692-8db40d94ab89").await["status"],
        "review"
    );
    let response = env
        .ident(
            Method::PUT,
            "/kyc_applications/205d1f45-4b45-4d85-a692-8db40d94ab89",
            Some(&json!({"status": "accepted"})),
        )
        .await;
    assert_eq!(response.status(), 202);
    assert_eq!(json(response).await, seed(SEED_PUT));
    // Idempotent: the same PUT again is still 202.
    let response = env
        .ident(
            Method::PUT,
            "/kyc_applications/205d1f45-4b45-4d85-a692-8db40d94ab89",
            Some(&json!({"status": "accepted"})),
        )
        .await;
    assert_eq!(response.status(), 202);
}

#[tokio::test]
async fn ident_put_saves_any_string_and_requires_a_status() {
    let env = start().await;
    let id = application("clean_pass");
    let response = env
        .ident(
            Method::PUT,
            &format!("/kyc_applications/{id}"),
            Some(&json!({"status": "banana"})),
        )
        .await;
    assert_eq!(response.status(), 202);
    assert_eq!(detail(&env, id).await["status"], "banana");

    let response = env
        .ident(
            Method::PUT,
            &format!("/kyc_applications/{id}"),
            Some(&json!({"note": "x"})),
        )
        .await;
    assert_eq!(response.status(), 400);
    assert_eq!(
        json(response).await,
        json!({"message": "kyc application update must include status"})
    );
    let response = env
        .ident(
            Method::PUT,
            "/kyc_applications/00000000-0000-4000-8000-000000000000",
            Some(&json!({"status": "accepted"})),
        )
        .await;
    assert_eq!(response.status(), 404);
    assert_eq!(
        json(response).await,
        json!({"message": "kyc application not found"})
    );
}

#[tokio::test]
async fn ident_unknown_application_is_404_kyc_application_not_found() {
    let env = start().await;
    let response = env
        .ident(
            Method::GET,
            "/kyc_applications/00000000-0000-4000-8000-000000000000",
            None,
        )
        .await;
    assert_eq!(response.status(), 404);
    assert_eq!(
        json(response).await,
        json!({"message": "kyc application not found"})
    );
}

#[tokio::test]
async fn ident_every_scenario_shows_its_status_and_representation() {
    let env = start().await;
    let expected = [
        ("seed_list_failed", "failed"),
        ("seed_list_remediate", "remediate"),
        ("seed_list_accepted", "accepted"),
        ("seed_detail", "submitted"),
        ("seed_put", "review"),
        ("clean_pass", "accepted"),
        ("face_mismatch", "rejected"),
        ("name_mismatch", "rejected"),
        ("remediate_duplicate", "remediate"),
        ("unknown_status", "on-hold-by-ops"),
        ("pending_then_accepted", "pending"),
        ("poller_overwrites_put", "submitted"),
        ("identitymind_review", "review"),
    ];
    let env_config = SandboxConfig::default();
    assert_eq!(env_config.polls_to_settle, 3);
    for (key, status) in expected {
        // The list shows the status without moving anything.
        let list = json(
            env.ident(Method::GET, "/kyc_applications?rpp=100", None)
                .await,
        )
        .await;
        let item = list
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == application(key))
            .unwrap_or_else(|| panic!("{key} not listed"))
            .clone();
        assert_eq!(item["status"], status, "{key}");
        assert!(item.get("provider_representation").is_none());
    }
    let error_types = |body: &Value| -> Vec<String> {
        body["provider_representation"]["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["type"].as_str().unwrap().to_string())
            .collect()
    };
    let face = detail(&env, application("face_mismatch")).await;
    assert_eq!(error_types(&face), ["FaceMatchError"]);
    assert!(face["params"]["params"]["selfie"]
        .as_str()
        .unwrap()
        .starts_with("/9j/"));
    let name = detail(&env, application("name_mismatch")).await;
    assert_eq!(error_types(&name), ["NameMatchError"]);
    let duplicate = detail(&env, application("remediate_duplicate")).await;
    assert!(error_types(&duplicate).contains(&"DuplicateApplicationError".to_string()));
    assert_eq!(
        duplicate["similar_kyc_applications"][0]["id"],
        "13bd0b24-f0d9-4caa-89ab-259c058877ce"
    );
    let seed_remediate = detail(&env, application("seed_list_remediate")).await;
    assert!(error_types(&seed_remediate).contains(&"DuplicateApplicationError".to_string()));
    let failed = detail(&env, application("seed_list_failed")).await;
    assert!(failed.get("provider_representation").is_none());
    let identitymind = detail(&env, application("identitymind_review")).await;
    assert_eq!(identitymind["provider_representation"]["state"], "R");
}

#[tokio::test]
async fn ident_pending_record_moves_to_submitted_then_accepted_over_detail_polls() {
    let env = start().await;
    let id = application("pending_then_accepted");
    let mut seen = Vec::new();
    for _ in 0..4 {
        let body = detail(&env, id).await;
        seen.push((body["status"].clone(), body["identifier"].is_string()));
    }
    assert_eq!(
        seen,
        [
            (json!("submitted"), true),
            (json!("submitted"), true),
            (json!("accepted"), true),
            (json!("accepted"), true),
        ]
    );
}

#[tokio::test]
async fn ident_poller_overwrites_a_reviewer_put_on_a_submitted_record() {
    let env = start().await;
    let id = application("poller_overwrites_put");
    let response = env
        .ident(
            Method::PUT,
            &format!("/kyc_applications/{id}"),
            Some(&json!({"status": "accepted"})),
        )
        .await;
    assert_eq!(response.status(), 202);
    assert_eq!(detail(&env, id).await["status"], "accepted");
    assert_eq!(detail(&env, id).await["status"], "accepted");
    assert_eq!(detail(&env, id).await["status"], "rejected");
}

#[tokio::test]
async fn ident_post_creates_a_pending_application_that_moves_to_accepted() {
    let env = start_with(SandboxConfig {
        polls_to_settle: 2,
        ..SandboxConfig::default()
    })
    .await;
    let response = env
        .ident(
            Method::POST,
            "/kyc_applications",
            Some(&json!({
                "provider": "vouched",
                "type": "kyc",
                "user_id": "9e15791a-dbf1-4e5e-8c6b-a7253e198b4c",
                "params": {
                    "params": {"first_name": "Ada", "last_name": "Lovelace", "selfie": ""},
                    "type": "id-verification",
                },
            })),
        )
        .await;
    assert_eq!(response.status(), 201);
    let created = json(response).await;
    assert_eq!(created["status"], "pending");
    assert_eq!(created["identifier"], Value::Null);
    assert_eq!(created["name"], "Ada Lovelace");
    let id = created["id"].as_str().unwrap();
    let list = json(
        env.ident(Method::GET, "/kyc_applications?rpp=1", None)
            .await,
    )
    .await;
    assert_eq!(list[0]["id"], id, "newest first");
    assert_eq!(detail(&env, id).await["status"], "submitted");
    let settled = detail(&env, id).await;
    assert_eq!(settled["status"], "accepted");
    assert_eq!(settled["provider_representation"]["status"], "completed");
    assert_eq!(settled["params"]["params"]["first_name"], "Ada");

    let response = env
        .ident(
            Method::POST,
            "/kyc_applications",
            Some(&json!({"provider": "vouched"})),
        )
        .await;
    assert_eq!(response.status(), 404);
    let response = env
        .ident(
            Method::POST,
            "/kyc_applications",
            Some(&json!({"provider": "acme", "user_id": "u"})),
        )
        .await;
    assert_eq!(response.status(), 422);
}

// ------------------------------------------------------------- walk-ins

async fn listed_ids(env: &crate::sandbox::common::Env) -> Vec<String> {
    let list = json(
        env.ident(Method::GET, "/kyc_applications?rpp=100", None)
            .await,
    )
    .await;
    list.as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_walk_in_ident_application_moves_from_pending_to_accepted() {
    let env = start().await;
    assert_eq!(
        application("walk_in"),
        "1de79999-0000-4000-8000-000000000000"
    );
    let id = "1de79999-7a6b-4c5d-8e9f-0a1b2c3d4e5f";
    assert!(!listed_ids(&env).await.contains(&id.to_string()));
    let mut seen = Vec::new();
    for _ in 0..4 {
        seen.push(detail(&env, id).await);
    }
    let statuses: Vec<&Value> = seen.iter().map(|b| &b["status"]).collect();
    assert_eq!(statuses, ["submitted", "submitted", "accepted", "accepted"]);
    assert_eq!(seen[0]["id"], id);
    assert_eq!(seen[0]["provider"], "vouched");
    assert_eq!(seen[0]["type"], "kyc");
    assert!(seen[0]["identifier"].is_string());
    assert_eq!(seen[0]["identifier"], seen[3]["identifier"]);
    assert_eq!(seen[0]["provider_representation"]["status"], "active");
    let accepted = &seen[2]["provider_representation"];
    assert_eq!(accepted["status"], "completed");
    assert_eq!(accepted["errors"], json!([]));
    assert_eq!(accepted["result"]["success"], true);
    for (name, confidence) in accepted["result"]["confidences"].as_object().unwrap() {
        assert!(confidence.as_f64().unwrap() >= 0.9, "{name}: {confidence}");
    }
    // Once seen, the list shows it, newest first.
    assert_eq!(listed_ids(&env).await[0], id);
}

#[tokio::test]
async fn a_walk_in_ident_application_starts_pending_and_a_put_stops_it() {
    let env = start().await;
    let id = application("walk_in");
    let response = env
        .ident(
            Method::PUT,
            &format!("/kyc_applications/{id}"),
            Some(&json!({"status": "review"})),
        )
        .await;
    assert_eq!(response.status(), 202);
    let put = json(response).await;
    assert_eq!(put["id"], id);
    assert_eq!(put["status"], "review");
    assert_eq!(put["identifier"], Value::Null, "still pending upstream");
    for _ in 0..4 {
        assert_eq!(detail(&env, id).await["status"], "review");
    }
}

#[tokio::test]
async fn an_ident_id_outside_the_walk_in_range_is_still_a_404() {
    let env = start().await;
    for id in [
        "1de79998-7a6b-4c5d-8e9f-0a1b2c3d4e5f",
        "1de70000-0000-4000-8000-0000000000ff",
        "1de79999-7a6b-4c5d-8e9f-0a1b2c3d4e5",
        "1de79999-7a6b-4c5d-8e9f-0a1b2c3d4e5z",
        "1de79999-anything",
        "b10e9999-7a6b-4c5d-8e9f-0a1b2c3d4e5f",
    ] {
        for method in [Method::GET, Method::PUT] {
            let body = json!({"status": "accepted"});
            let response = env
                .ident(
                    method.clone(),
                    &format!("/kyc_applications/{id}"),
                    Some(&body).filter(|_| method == Method::PUT),
                )
                .await;
            assert_eq!(response.status(), 404, "{method} {id}");
            assert_eq!(
                json(response).await,
                json!({"message": "kyc application not found"})
            );
        }
    }
    assert!(!listed_ids(&env)
        .await
        .iter()
        .any(|id| id.starts_with("1de79999-")));
}
