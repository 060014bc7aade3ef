use kyc_desk::server::sandbox::{Sandbox, SandboxConfig, ScenarioRef};
use serde_json::{json, Value};

use crate::sandbox::common::{json, start, start_with, width_signature, Env};

const SEED_REGISTER: &str =
    include_str!("../../fixtures/upstream/width/seed_applicant_register_request.json");
const SEED_SUBMIT: &str =
    include_str!("../../fixtures/upstream/width/seed_apply_submit_request.json");
const SEED_PARTICULAR: &str =
    include_str!("../../fixtures/upstream/width/seed_kyc_particular_data_request.json");
const SEED_LIVENESS: &str =
    include_str!("../../fixtures/upstream/width/seed_kyc_liveness_data_request.json");

fn execution(key: &str) -> (&'static str, &'static str, &'static str) {
    let scenario = Sandbox::scenarios()
        .into_iter()
        .find(|s| s.provider == "width" && s.key == key)
        .unwrap_or_else(|| panic!("no scenario {key}"));
    match scenario.refs {
        ScenarioRef::Width {
            execution_id,
            customer_id,
            reference_id,
        } => (execution_id, customer_id, reference_id),
        _ => panic!("{key}"),
    }
}

async fn status(env: &Env, execution_id: &str) -> Value {
    let (code, body) = env
        .width(
            "workflow.execution.status",
            &json!({ "executionId": execution_id }).to_string(),
        )
        .await;
    assert_eq!(code, 200, "{body}");
    body
}

/// A seed request body with our ids in place of the seed's examples.
fn from_seed(seed: &str, execution_id: &str, callback_key: &str, reference_id: &str) -> String {
    let mut body: Value = serde_json::from_str(seed).unwrap();
    body["executionId"] = json!(execution_id);
    body["callbackKey"] = json!(callback_key);
    body["referenceId"] = json!(reference_id);
    body.to_string()
}

#[tokio::test]
async fn width_refuses_a_bad_signature() {
    let env = start().await;
    let body = SEED_REGISTER;
    let send = |query: &'static str, domain: &'static str, signature: String| {
        env.client
            .post(env.url(&format!("/gateway/workflow.applicant.register{query}")))
            .header("x-domain", domain)
            .header("x-signature", signature)
            .body(body)
            .send()
    };
    let good = width_signature("sk_sandbox", body);
    let cases = [
        (
            "?apiKey=ak_sandbox",
            "dom_sandbox",
            width_signature("sk_other", body),
        ),
        ("?apiKey=ak_sandbox", "dom_sandbox", "zz".to_string()),
        (
            "?apiKey=ak_sandbox",
            "dom_sandbox",
            width_signature("sk_sandbox", body).to_uppercase(),
        ),
        ("?apiKey=ak_wrong", "dom_sandbox", good.clone()),
        ("", "dom_sandbox", good.clone()),
        ("?apiKey=ak_sandbox", "dom_other", good.clone()),
    ];
    for (query, domain, signature) in cases {
        let response = send(query, domain, signature).await.unwrap();
        assert_eq!(response.status(), 401, "{query} {domain}");
        let error = json(response).await;
        assert_eq!(error["code"], "UNAUTHORIZED");
        assert!(error["message"].is_string());
    }
    // Signed over different bytes than sent → 401.
    let response = send(
        "?apiKey=ak_sandbox",
        "dom_sandbox",
        width_signature("sk_sandbox", "{}"),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), 401);
    let response = send("?apiKey=ak_sandbox", "dom_sandbox", good)
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn width_register_is_idempotent_and_needs_customer_id_or_email() {
    let env = start().await;
    let (code, first) = env
        .width("workflow.applicant.register", SEED_REGISTER)
        .await;
    assert_eq!(code, 200);
    assert_eq!(first["customerId"], "C_abc123");
    let (_, second) = env
        .width("workflow.applicant.register", SEED_REGISTER)
        .await;
    assert_eq!(first, second);
    let (code, _) = env
        .width(
            "workflow.applicant.register",
            r#"{"email":"x@example.com"}"#,
        )
        .await;
    assert_eq!(code, 200);
    let (code, error) = env.width("workflow.applicant.register", "{}").await;
    assert_eq!(code, 400);
    assert_eq!(error["code"], "INVALID_ARGUMENT");
}

#[tokio::test]
async fn width_unknown_method_is_404_not_found() {
    let env = start().await;
    let (code, error) = env.width("workflow.kyc.teleport", "{}").await;
    assert_eq!(code, 404);
    assert_eq!(error["code"], "NOT_FOUND");
    let (code, error) = env
        .width(
            "workflow.execution.status",
            r#"{"executionId":"exec-nope"}"#,
        )
        .await;
    assert_eq!(code, 404);
    assert_eq!(error["code"], "NOT_FOUND");
}

#[tokio::test]
async fn width_every_scenario_reports_its_status() {
    let env = start().await;
    for (key, expected) in [
        ("clean_pass", "COMPLETED"),
        ("sanctions_hit", "COMPLETED"),
        ("manual_review", "COMPLETED"),
        ("waiting_liveness", "WAITING"),
        ("waiting_unknown_node", "WAITING"),
        ("unknown_status", "PAUSED"),
        ("running_then_completed", "RUNNING"),
        ("failed", "FAILED"),
        ("timeout", "TIMEOUT"),
        ("cancelled", "CANCELLED"),
    ] {
        let (id, _, _) = execution(key);
        let body = status(&env, id).await;
        assert_eq!(body["status"], expected, "{key}");
        assert_eq!(body["executionId"], id);
        assert_eq!(
            body.get("result").is_some(),
            expected == "COMPLETED",
            "{key}"
        );
        assert_eq!(
            body.get("currentNode").is_some(),
            expected == "WAITING",
            "{key}"
        );
    }
    let decision = |body: &Value| body["result"]["decision"].clone();
    assert_eq!(
        decision(&status(&env, execution("clean_pass").0).await),
        "APPROVED"
    );
    let sanctions = status(&env, execution("sanctions_hit").0).await;
    assert_eq!(decision(&sanctions), "REJECTED");
    assert!(sanctions["result"]["nodes"]
        .as_array()
        .unwrap()
        .contains(&json!({"nodeType": "flow_action_screen_check", "status": "FAIL"})));
    assert_eq!(
        decision(&status(&env, execution("manual_review").0).await),
        "REVIEW"
    );
    let unknown = status(&env, execution("waiting_unknown_node").0).await;
    assert_eq!(
        unknown["currentNode"]["nodeType"],
        "flow_action_video_interview"
    );
}

#[tokio::test]
async fn width_running_execution_completes_after_polls() {
    let env = start().await;
    let (id, _, _) = execution("running_then_completed");
    let seen: Vec<Value> = {
        let mut out = Vec::new();
        for _ in 0..3 {
            out.push(status(&env, id).await["status"].clone());
        }
        out
    };
    assert_eq!(seen, ["RUNNING", "RUNNING", "COMPLETED"]);
}

#[tokio::test]
async fn width_waiting_liveness_advances_with_the_seed_liveness_submission() {
    let env = start_with(SandboxConfig {
        polls_to_settle: 1,
        ..SandboxConfig::default()
    })
    .await;
    let (id, _, reference) = execution("waiting_liveness");
    let waiting = status(&env, id).await;
    assert_eq!(
        waiting["currentNode"]["nodeType"],
        "flow_action_liveness_test"
    );
    let key = waiting["currentNode"]["callbackKey"]
        .as_str()
        .unwrap()
        .to_string();

    // A nested object where the seed sends a JSON-encoded string is refused.
    let mut nested: Value =
        serde_json::from_str(&from_seed(SEED_LIVENESS, id, &key, reference)).unwrap();
    nested["scores"] = json!({"qualityScore": 1.0});
    let (code, error) = env
        .width("workflow.kyc.liveness.data", &nested.to_string())
        .await;
    assert_eq!(code, 400);
    assert_eq!(error["code"], "INVALID_ARGUMENT");
    // A wrong callbackKey is refused.
    let (code, _) = env
        .width(
            "workflow.kyc.liveness.data",
            &from_seed(SEED_LIVENESS, id, "kyc:liveness:other", reference),
        )
        .await;
    assert_eq!(code, 400);

    let body = from_seed(SEED_LIVENESS, id, &key, reference);
    let (code, ack) = env.width("workflow.kyc.liveness.data", &body).await;
    assert_eq!(code, 200, "{ack}");
    // Re-sending the same callbackKey is acknowledged without a change.
    let (code, _) = env.width("workflow.kyc.liveness.data", &body).await;
    assert_eq!(code, 200);
    assert_eq!(status(&env, id).await["status"], "COMPLETED");
    let done = status(&env, id).await;
    assert_eq!(done["result"]["decision"], "APPROVED");
}

#[tokio::test]
async fn width_submitted_execution_runs_waits_for_particular_and_liveness_then_completes() {
    let env = start_with(SandboxConfig {
        polls_to_settle: 2,
        ..SandboxConfig::default()
    })
    .await;
    let (code, _) = env
        .width("workflow.applicant.register", SEED_REGISTER)
        .await;
    assert_eq!(code, 200);
    let (code, submitted) = env.width("workflow.apply.submit", SEED_SUBMIT).await;
    assert_eq!(code, 200);
    let id = submitted["executionId"].as_str().unwrap().to_string();
    assert!(id.starts_with("exec-"));
    let reference = "onboarding-uuid-001";

    assert_eq!(status(&env, &id).await["status"], "RUNNING");
    let waiting = status(&env, &id).await;
    assert_eq!(waiting["status"], "WAITING");
    assert_eq!(
        waiting["currentNode"]["nodeType"],
        "flow_action_individual_particular"
    );
    let key = waiting["currentNode"]["callbackKey"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(key.starts_with(&format!("kyc:particular:{id}:")));

    // Submitting the wrong node type is a precondition failure.
    let (code, error) = env
        .width(
            "workflow.kyc.liveness.data",
            &from_seed(SEED_LIVENESS, &id, &key, reference),
        )
        .await;
    assert_eq!(code, 400);
    assert_eq!(error["code"], "FAILED_PRECONDITION");

    let (code, _) = env
        .width(
            "workflow.kyc.particular.data",
            &from_seed(SEED_PARTICULAR, &id, &key, reference),
        )
        .await;
    assert_eq!(code, 200);
    assert_eq!(status(&env, &id).await["status"], "RUNNING");
    let waiting = status(&env, &id).await;
    assert_eq!(
        waiting["currentNode"]["nodeType"],
        "flow_action_liveness_test"
    );
    let key = waiting["currentNode"]["callbackKey"]
        .as_str()
        .unwrap()
        .to_string();
    let (code, _) = env
        .width(
            "workflow.kyc.liveness.data",
            &from_seed(SEED_LIVENESS, &id, &key, reference),
        )
        .await;
    assert_eq!(code, 200);
    assert_eq!(status(&env, &id).await["status"], "RUNNING");
    let done = status(&env, &id).await;
    assert_eq!(done["status"], "COMPLETED");
    assert_eq!(
        done["result"],
        json!({"decision": "APPROVED", "nodes": [
            {"nodeType": "flow_action_individual_particular", "status": "PASS"},
            {"nodeType": "flow_action_liveness_test", "status": "PASS"},
            {"nodeType": "flow_action_screen_check", "status": "PASS"},
        ]})
    );
}

#[tokio::test]
async fn width_submit_needs_a_registered_applicant() {
    let env = start().await;
    let (code, error) = env.width("workflow.apply.submit", SEED_SUBMIT).await;
    assert_eq!(code, 400);
    assert_eq!(error["code"], "FAILED_PRECONDITION");
    let (code, error) = env.width("workflow.apply.submit", "not json").await;
    assert_eq!(code, 400);
    assert_eq!(error["code"], "INVALID_ARGUMENT");
}

#[tokio::test]
async fn width_accepts_the_seed_shapes_of_every_node_submission() {
    let env = start().await;
    let (id, _, reference) = execution("waiting_liveness");
    let cases = [
        (
            "workflow.kyc.ocr",
            include_str!("../../fixtures/upstream/width/seed_kyc_ocr_request.json"),
        ),
        (
            "workflow.kyc.otp.send",
            include_str!("../../fixtures/upstream/width/seed_kyc_otp_send_request.json"),
        ),
        (
            "workflow.kyc.otp.verify",
            include_str!("../../fixtures/upstream/width/seed_kyc_otp_verify_request.json"),
        ),
        (
            "workflow.kyc.required.doc",
            include_str!("../../fixtures/upstream/width/seed_kyc_required_doc_request.json"),
        ),
        (
            "workflow.kyc.required.doc.submit",
            include_str!("../../fixtures/upstream/width/seed_kyc_required_doc_request.json"),
        ),
        (
            "workflow.kyc.required.form",
            include_str!("../../fixtures/upstream/width/seed_kyc_required_form_request.json"),
        ),
    ];
    for (method, seed) in cases {
        // The shape is valid, but the execution waits on liveness, not this node.
        let body = from_seed(seed, id, "kyc:x:1", reference);
        let (code, error) = env.width(method, &body).await;
        assert_eq!(code, 400, "{method}");
        assert_eq!(error["code"], "FAILED_PRECONDITION", "{method}: {error}");
        assert!(error["message"]
            .as_str()
            .unwrap()
            .contains("flow_action_liveness_test"));
    }
    // JSON-encoded string fields must be strings.
    let mut form: Value = serde_json::from_str(include_str!(
        "../../fixtures/upstream/width/seed_kyc_required_form_request.json"
    ))
    .unwrap();
    form["formData"] = json!({"field_source_of_funds": "EMPLOYMENT"});
    let (code, error) = env
        .width("workflow.kyc.required.form", &form.to_string())
        .await;
    assert_eq!(code, 400);
    assert_eq!(error["code"], "INVALID_ARGUMENT");
    // The status seed body is a valid status request.
    let (code, error) = env
        .width(
            "workflow.execution.status",
            include_str!("../../fixtures/upstream/width/seed_execution_status_request.json"),
        )
        .await;
    assert_eq!(code, 404, "the seed's example id is unknown: {error}");
}

// ------------------------------------------------------------- walk-ins

#[tokio::test]
async fn a_walk_in_width_execution_runs_then_completes_approved() {
    let env = start().await;
    let (example, customer, reference) = execution("walk_in");
    assert_eq!(
        (example, customer, reference),
        ("exec-sbx-new-1", "C_sbx_new_1", "ref-sbx-new-1")
    );
    let id = "exec-sbx-new-e2e_Run-42";
    let mut seen = Vec::new();
    for _ in 0..4 {
        seen.push(status(&env, id).await);
    }
    let statuses: Vec<&Value> = seen.iter().map(|b| &b["status"]).collect();
    assert_eq!(statuses, ["RUNNING", "RUNNING", "COMPLETED", "COMPLETED"]);
    assert_eq!(seen[0]["executionId"], id);
    assert!(seen[0].get("result").is_none());
    assert!(seen[0].get("currentNode").is_none());
    assert_eq!(
        seen[2]["result"],
        json!({"decision": "APPROVED", "nodes": [
            {"nodeType": "flow_action_identity_document", "status": "PASS"},
            {"nodeType": "flow_action_individual_particular", "status": "PASS"},
            {"nodeType": "flow_action_liveness_test", "status": "PASS"},
            {"nodeType": "flow_action_screen_check", "status": "PASS"},
        ]})
    );
    // Its applicant is registered under the documented customer id.
    let (code, submitted) = env
        .width(
            "workflow.apply.submit",
            &json!({"eventType": "KYC_EVENT",
                    "data": {"customerId": "C_sbx_new_e2e_Run-42", "referenceId": "ref-again"}})
            .to_string(),
        )
        .await;
    assert_eq!(code, 200, "{submitted}");

    let env = start_with(SandboxConfig {
        polls_to_settle: 0,
        ..SandboxConfig::default()
    })
    .await;
    assert_eq!(status(&env, example).await["status"], "COMPLETED");
}

#[tokio::test]
async fn a_width_id_outside_the_walk_in_range_is_still_a_404() {
    let env = start().await;
    let too_long = format!("exec-sbx-new-{}", "a".repeat(65));
    for id in [
        "exec-sbx-new-",
        "exec-sbx-new-a.b",
        "exec-sbx-new-a:b",
        "exec-sbx-newbie",
        "exec-sbx-nope",
        too_long.as_str(),
    ] {
        let (code, error) = env
            .width(
                "workflow.execution.status",
                &json!({ "executionId": id }).to_string(),
            )
            .await;
        assert_eq!(code, 404, "{id}");
        assert_eq!(error["code"], "NOT_FOUND");
    }
    let longest = format!("exec-sbx-new-{}", "a".repeat(64));
    assert_eq!(status(&env, &longest).await["status"], "RUNNING");
}
