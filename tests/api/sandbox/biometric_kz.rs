use kyc_desk::server::sandbox::{Sandbox, SandboxConfig, ScenarioRef};
use serde_json::{json, Value};

use crate::sandbox::common::{json, start, start_with, FLOW_KEY};

fn session(key: &str) -> &'static str {
    let scenario = Sandbox::scenarios()
        .into_iter()
        .find(|s| s.provider == "biometric_kz" && s.key == key)
        .unwrap_or_else(|| panic!("no scenario {key}"));
    match scenario.refs {
        ScenarioRef::BiometricKz { session_id } => session_id,
        _ => panic!("{key}"),
    }
}

#[tokio::test]
async fn biometric_create_session_with_the_flow_key_returns_a_session_id_and_technologies() {
    let env = start().await;
    let url = env.url("/api/v1/flows/session/create/");
    let response = env
        .client
        .post(&url)
        .json(&json!({"api_key": FLOW_KEY, "metadata": {"customer": "c-1"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let body = json(response).await;
    let id = body["session_id"].as_str().unwrap();
    assert_eq!(id.len(), 36);
    assert!(body["technologies"]
        .as_array()
        .unwrap()
        .contains(&json!("LIVENESS_CORE")));

    let response = env
        .client
        .post(&url)
        .json(&json!({"api_key": "flow_wrong"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert!(json(response).await["detail"].is_string());

    let response = env.client.post(&url).json(&json!({})).send().await.unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(
        json(response).await,
        json!({"api_key": ["This field is required."]})
    );
}

#[tokio::test]
async fn biometric_results_need_the_flow_key_and_a_known_session() {
    let env = start().await;
    let id = session("clean_pass");
    for query in [
        format!("session_id={id}"),
        format!("session_id={id}&flow_api_key=wrong"),
    ] {
        let (status, body) = env
            .get_json(&format!("/api/v1/flows/session/result/light/?{query}"))
            .await;
        assert_eq!(status, 403, "{query}");
        assert!(body["detail"].is_string());
    }
    let (status, _) = env
        .get_json(&format!(
            "/api/v1/flows/session/result/?flow_api_key={FLOW_KEY}"
        ))
        .await;
    assert_eq!(status, 400);
    let (status, body) = env.bio_light("00000000-0000-4000-8000-000000000000").await;
    assert_eq!(status, 404);
    assert_eq!(body, json!({"detail": "Not found."}));
}

#[tokio::test]
async fn biometric_every_scenario_reports_its_status() {
    let env = start().await;
    let expected = [
        ("clean_pass", "FINISHED"),
        ("liveness_failure", "FAILED"),
        ("face_mismatch", "FINISHED"),
        ("sanctions_hit", "FINISHED"),
        ("in_review", "IN_REVIEW"),
        ("in_review_second", "IN_REVIEW"),
        ("finished_not_in_review", "FINISHED"),
        ("unknown_status", "ARCHIVED"),
        ("created", "CREATED"),
        ("qr", "QR"),
        ("progress", "PROGRESS"),
        ("approved", "APPROVED"),
        ("declined", "DECLINED"),
        ("gbdfl_timeout", "FINISHED"),
    ];
    for (key, status) in expected {
        let (code, body) = env.bio_light(session(key)).await;
        assert_eq!(code, 200, "{key}");
        assert_eq!(body["status"], status, "{key}");
        assert_eq!(body["id"], session(key));
    }
    let (_, clean) = env.bio_light(session("clean_pass")).await;
    assert_eq!(clean["overall_result"], true);
    for block in [
        "liveness_result",
        "doc_recognition_result",
        "face2face_result",
        "edocument_result",
    ] {
        assert_eq!(clean[block]["result"], true, "{block}");
    }
    assert_eq!(clean["gbdfl_result"]["status"], "VALID");
    assert!(clean["liveness_result"]["prediction"].is_string());
    assert_eq!(clean["technologies"][0]["code"], "LIVENESS_CORE");

    let (_, created) = env.bio_light(session("created")).await;
    assert!(
        created.get("liveness_result").is_none(),
        "not started: no blocks"
    );
    let (_, progress) = env.bio_light(session("progress")).await;
    assert_eq!(progress["liveness_result"]["result"], true);
    assert_eq!(progress["face2face_result"], json!({}));
}

#[tokio::test]
async fn biometric_liveness_failure_carries_calc_result_low_prediction() {
    let env = start().await;
    let (_, body) = env.bio_light(session("liveness_failure")).await;
    assert_eq!(body["status"], "FAILED");
    assert_eq!(body["overall_result"], false);
    assert_eq!(body["liveness_result"]["result"], false);
    let reason = json!({"type": "CALC_RESULT", "detail": "Low prediction"});
    assert_eq!(body["liveness_result"]["failure_reason"], reason);
    assert_eq!(body["failure_reasons"], json!([reason]));
    assert!(
        body.get("face2face_result").is_none(),
        "later technologies never ran"
    );
}

#[tokio::test]
async fn biometric_face_mismatch_uses_the_alternative_spellings() {
    let env = start().await;
    let (_, body) = env.bio_light(session("face_mismatch")).await;
    assert!(body.get("overall_result").is_none());
    assert!(body.get("doc_recognition_result").is_none());
    assert_eq!(body["flow_session_result"], false);
    assert_eq!(
        body["flow_session_failure_reasons"],
        json!(["Low similarity"])
    );
    assert_eq!(body["document_recognition_result"]["result"], true);
    assert_eq!(body["face2face_result"]["result"], false);
    assert_eq!(body["face2face_result"]["prediction"], "0.41");
}

#[tokio::test]
async fn biometric_sanctions_and_gbdfl_timeout_blocks() {
    let env = start().await;
    let (_, body) = env.bio_light(session("sanctions_hit")).await;
    assert_eq!(body["aml_result"]["result"], false);
    assert_eq!(body["aml_result"]["matches"][0]["list"], "OFAC SDN");
    let (_, body) = env.bio_light(session("gbdfl_timeout")).await;
    assert_eq!(body["gbdfl_result"]["status"], "TIMEOUT");
    assert_eq!(body["gbdfl_result"]["result"], false);
    let (_, body) = env.bio_light(session("finished_not_in_review")).await;
    assert_eq!(body["doc_recognition_result"]["result"], false);
    assert_eq!(
        body["doc_recognition_result"]["failure_reason"],
        Value::Null
    );
}

#[tokio::test]
async fn biometric_light_result_has_s3_urls_and_the_full_result_inlines_base64() {
    let env = start().await;
    let id = session("clean_pass");
    let (_, light) = env.bio_light(id).await;
    let url = light["liveness_result"]["image"].as_str().unwrap();
    assert!(url.contains("X-Amz-Signature="), "{url}");
    assert!(url.contains("X-Amz-Expires=300"));
    let image = env.client.get(url).send().await.unwrap();
    assert_eq!(image.status(), 200);
    assert_eq!(image.headers()["content-type"], "image/jpeg");

    let (status, full) = env
        .get_json(&format!(
            "/api/v1/flows/session/result/?session_id={id}&flow_api_key={FLOW_KEY}"
        ))
        .await;
    assert_eq!(status, 200);
    assert!(full["liveness_result"]["image"]
        .as_str()
        .unwrap()
        .starts_with("/9j/"));
    assert!(full["face2face_result"]["image_1"]
        .as_str()
        .unwrap()
        .starts_with("/9j/"));
}

#[tokio::test]
async fn biometric_moving_session_goes_created_progress_finished_with_one_empty_poll() {
    let env = start().await;
    let id = session("moving_to_finished");
    let mut seen = Vec::new();
    for _ in 0..4 {
        let (_, body) = env.bio_light(id).await;
        seen.push(body);
    }
    let statuses: Vec<&Value> = seen.iter().map(|b| &b["status"]).collect();
    assert_eq!(statuses, ["CREATED", "PROGRESS", "FINISHED", "FINISHED"]);
    assert_eq!(
        seen[2]["liveness_result"],
        json!({}),
        "empty right after FINISHED"
    );
    assert_eq!(seen[2]["overall_result"], Value::Null);
    assert_eq!(seen[3]["liveness_result"]["result"], true);
    assert_eq!(seen[3]["overall_result"], true);
}

#[tokio::test]
async fn biometric_created_session_finishes_after_polls() {
    let env = start_with(SandboxConfig {
        polls_to_settle: 1,
        ..SandboxConfig::default()
    })
    .await;
    let response = env
        .client
        .post(env.url("/api/v1/flows/session/create/"))
        .json(&json!({"api_key": FLOW_KEY}))
        .send()
        .await
        .unwrap();
    let id = json(response).await["session_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, first) = env.bio_light(&id).await;
    assert_eq!(first["status"], "FINISHED");
    assert_eq!(first["face2face_result"], json!({}));
    let (_, second) = env.bio_light(&id).await;
    assert_eq!(second["face2face_result"]["result"], true);
}

#[tokio::test]
async fn a_walk_in_biometric_session_moves_like_moving_to_finished() {
    let env = start().await;
    assert_eq!(session("walk_in"), "b10e9999-0000-4000-8000-000000000000");
    let id = "b10e9999-5c1d-4e2f-9a0b-1c2d3e4f5a6b";
    let mut seen = Vec::new();
    for _ in 0..4 {
        let (code, body) = env.bio_light(id).await;
        assert_eq!(code, 200, "{body}");
        assert_eq!(body["id"], id);
        seen.push(body);
    }
    let statuses: Vec<&Value> = seen.iter().map(|b| &b["status"]).collect();
    assert_eq!(statuses, ["CREATED", "PROGRESS", "FINISHED", "FINISHED"]);
    assert!(seen[0].get("liveness_result").is_none(), "not started");
    assert_eq!(seen[1]["face2face_result"], json!({}));
    assert_eq!(seen[2]["liveness_result"], json!({}), "one empty poll");
    assert_eq!(seen[2]["overall_result"], Value::Null);
    let done = &seen[3];
    assert_eq!(done["overall_result"], true);
    assert_eq!(done["failure_reasons"], json!([]));
    for block in [
        "liveness_result",
        "doc_recognition_result",
        "face2face_result",
        "edocument_result",
        "gbdfl_result",
    ] {
        assert_eq!(done[block]["result"], true, "{block}");
    }
    // The full result serves the same session, settled.
    let (code, full) = env
        .get_json(&format!(
            "/api/v1/flows/session/result/?session_id={id}&flow_api_key={FLOW_KEY}"
        ))
        .await;
    assert_eq!(code, 200);
    assert_eq!(full["status"], "FINISHED");
    assert!(full["face2face_result"]["image_1"]
        .as_str()
        .unwrap()
        .starts_with("/9j/"));
}

#[tokio::test]
async fn a_walk_in_biometric_session_with_polls_to_settle_one_finishes_on_the_first_poll() {
    let env = start_with(SandboxConfig {
        polls_to_settle: 1,
        ..SandboxConfig::default()
    })
    .await;
    let id = session("walk_in");
    let (_, first) = env.bio_light(id).await;
    assert_eq!(first["status"], "FINISHED");
    assert_eq!(first["face2face_result"], json!({}));
    let (_, second) = env.bio_light(id).await;
    assert_eq!(second["face2face_result"]["result"], true);
}

#[tokio::test]
async fn a_biometric_id_outside_the_walk_in_range_is_still_a_404() {
    let env = start().await;
    for id in [
        "b10e9998-5c1d-4e2f-9a0b-1c2d3e4f5a6b",
        "b10e0000-0000-4000-8000-0000000000ff",
        "b10e9999-5c1d-4e2f-9a0b-1c2d3e4f5a6",
        "b10e9999-5c1d-4e2f-9a0b-1c2d3e4f5a6bc",
        "b10e9999-5c1d-4e2f-9a0b-1c2d3e4f5a6g",
        "b10e9999-walk-in",
    ] {
        let (code, body) = env.bio_light(id).await;
        assert_eq!(code, 404, "{id}");
        assert_eq!(body, json!({"detail": "Not found."}));
    }
}
