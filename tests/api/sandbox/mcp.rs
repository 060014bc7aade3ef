use rmcp::model::{CallToolRequestParams, CallToolResult, ContentBlock};
use rmcp::service::RunningService;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{json, Value};

use crate::sandbox::common::{json, start, Env, ORG_KEY};

const IN_REVIEW: &str = "b10e0000-0000-4000-8000-000000000005";
const FINISHED_NOT_IN_REVIEW: &str = "b10e0000-0000-4000-8000-000000000007";

const INITIALIZE: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"test","version":"1.0"}}}"#;

async fn connect(env: &Env) -> RunningService<RoleClient, ()> {
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(env.url("/mcp/")).auth_header(ORG_KEY),
    );
    ().serve(transport).await.expect("MCP client connects")
}

async fn call(client: &RunningService<RoleClient, ()>, tool: &str, args: Value) -> CallToolResult {
    let arguments = args.as_object().cloned().unwrap_or_default();
    client
        .call_tool(CallToolRequestParams::new(tool.to_string()).with_arguments(arguments))
        .await
        .unwrap_or_else(|e| panic!("{tool}: {e}"))
}

fn text(result: &CallToolResult) -> String {
    match result.content.first() {
        Some(ContentBlock::Text(t)) => t.text.clone(),
        other => panic!("no text content: {other:?}"),
    }
}

fn body(result: &CallToolResult) -> Value {
    assert_ne!(result.is_error, Some(true), "{}", text(result));
    serde_json::from_str(&text(result)).unwrap()
}

#[tokio::test]
async fn mcp_rejects_a_bad_org_key_with_401_and_the_kyc_mcp_realm() {
    let env = start().await;
    for (name, value) in [
        ("authorization", "Bearer org_wrong"),
        ("x-org-api-key", "org_wrong"),
        ("x-nothing", "nothing"),
    ] {
        for path in ["/mcp/", "/mcp"] {
            let response = env
                .client
                .post(env.url(path))
                .header(name, value)
                .header("content-type", "application/json")
                .header("accept", "application/json, text/event-stream")
                .body(INITIALIZE)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 401, "{name} {path}");
            assert_eq!(
                response.headers()["www-authenticate"],
                "Bearer realm=\"kyc-mcp\""
            );
        }
    }
    // The X-Org-API-Key fallback is accepted.
    let response = env
        .client
        .post(env.url("/mcp/"))
        .header("x-org-api-key", ORG_KEY)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream")
        .body(INITIALIZE)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body = json(response).await;
    assert_eq!(body["result"]["serverInfo"]["name"], "kyc-mcp-sandbox");
}

#[tokio::test]
async fn mcp_lists_the_six_tools_and_gets_the_organization() {
    let env = start().await;
    let client = connect(&env).await;
    let mut names: Vec<String> = client
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name.to_string())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "create_flow_session_review",
            "get_flow_session",
            "get_flow_session_light_result",
            "get_organization",
            "list_flow_session_reviews",
            "update_flow_session_status",
        ]
    );
    let org = body(&call(&client, "get_organization", json!({})).await);
    assert_eq!(org["status"], "TEST");
    let wrong = call(&client, "get_organization", json!({"api_key": "org_wrong"})).await;
    assert_eq!(wrong.is_error, Some(true));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn mcp_finalises_an_in_review_session_and_rest_shows_the_decision() {
    let env = start().await;
    let client = connect(&env).await;
    let session = body(
        &call(
            &client,
            "get_flow_session",
            json!({"session_id": IN_REVIEW}),
        )
        .await,
    );
    assert_eq!(session["status"], "IN_REVIEW");

    let updated = body(
        &call(
            &client,
            "update_flow_session_status",
            json!({
                "session_id": IN_REVIEW,
                "request_data": {"status": "APPROVED", "content": "Checked by hand"},
            }),
        )
        .await,
    );
    assert_eq!(updated["status"], "APPROVED");
    let review = body(
        &call(
            &client,
            "create_flow_session_review",
            json!({
                "session_id": IN_REVIEW,
                "request_data": {"text_content": "Approved: borderline face match"},
            }),
        )
        .await,
    );
    assert_eq!(review["type"], "MESSAGE");
    let reviews = body(
        &call(
            &client,
            "list_flow_session_reviews",
            json!({"session_id": IN_REVIEW}),
        )
        .await,
    );
    let types: Vec<&Value> = reviews
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["type"])
        .collect();
    assert_eq!(types, ["STATUS_CHANGE", "MESSAGE"]);

    let (_, rest) = env.bio_light(IN_REVIEW).await;
    assert_eq!(rest["status"], "APPROVED");

    // A second push finds it no longer in review.
    let again = call(
        &client,
        "update_flow_session_status",
        json!({"session_id": IN_REVIEW, "request_data": {"status": "APPROVED", "content": "again"}}),
    )
    .await;
    assert_eq!(again.is_error, Some(true));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn mcp_refuses_to_finalise_a_session_that_is_not_in_review() {
    let env = start().await;
    let client = connect(&env).await;
    let result = call(
        &client,
        "update_flow_session_status",
        json!({
            "session_id": FINISHED_NOT_IN_REVIEW,
            "request_data": {"status": "DECLINED", "content": "no"},
        }),
    )
    .await;
    assert_eq!(result.is_error, Some(true));
    assert!(text(&result).contains("not in review"), "{}", text(&result));
    let (_, rest) = env.bio_light(FINISHED_NOT_IN_REVIEW).await;
    assert_eq!(rest["status"], "FINISHED");

    let log = env.requests().await;
    let entry = log
        .iter()
        .rfind(|e| e["tool"] == "update_flow_session_status")
        .expect("the tool call is logged");
    assert_eq!(entry["session_id"], FINISHED_NOT_IN_REVIEW);
    assert_eq!(entry["provider"], "biometric_kz");
    assert_eq!(entry["status"], 200);
    assert_eq!(entry["tool_error"], true);
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn mcp_refuses_statuses_other_than_approved_or_declined_and_unknown_sessions() {
    let env = start().await;
    let client = connect(&env).await;
    let result = call(
        &client,
        "update_flow_session_status",
        json!({"session_id": IN_REVIEW, "request_data": {"status": "FINISHED"}}),
    )
    .await;
    assert_eq!(result.is_error, Some(true));
    assert!(text(&result).contains("APPROVED or DECLINED"));
    let result = call(
        &client,
        "get_flow_session",
        json!({"session_id": "00000000-0000-4000-8000-000000000000"}),
    )
    .await;
    assert_eq!(result.is_error, Some(true));
    let (_, rest) = env.bio_light(IN_REVIEW).await;
    assert_eq!(rest["status"], "IN_REVIEW");
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn mcp_session_view_has_no_media_and_the_light_result_has_urls() {
    let env = start().await;
    let client = connect(&env).await;
    let id = "b10e0000-0000-4000-8000-000000000001";
    let view = body(&call(&client, "get_flow_session", json!({"session_id": id})).await);
    assert_eq!(view["liveness_result"]["result"], true);
    assert!(view["liveness_result"].get("image").is_none());
    let light = body(
        &call(
            &client,
            "get_flow_session_light_result",
            json!({"session_id": id}),
        )
        .await,
    );
    assert!(light["liveness_result"]["image"]
        .as_str()
        .unwrap()
        .contains("X-Amz-Signature="));
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn a_walk_in_session_is_known_to_the_mcp_tools_without_moving() {
    let env = start().await;
    let client = connect(&env).await;
    let id = "b10e9999-0123-4567-89ab-cdef01234567";
    let view = body(&call(&client, "get_flow_session", json!({"session_id": id})).await);
    assert_eq!(view["id"], id);
    assert_eq!(view["status"], "CREATED");
    let again = body(&call(&client, "get_flow_session", json!({"session_id": id})).await);
    assert_eq!(again["status"], "CREATED", "MCP reads never advance it");
    let reviews = body(
        &call(
            &client,
            "list_flow_session_reviews",
            json!({"session_id": id}),
        )
        .await,
    );
    assert_eq!(reviews, json!([]));
    // The REST poll continues the same session.
    let (_, rest) = env.bio_light(id).await;
    assert_eq!(rest["status"], "CREATED");
    let (_, rest) = env.bio_light(id).await;
    assert_eq!(rest["status"], "PROGRESS");

    let outside = call(
        &client,
        "get_flow_session",
        json!({"session_id": "b10e9998-0123-4567-89ab-cdef01234567"}),
    )
    .await;
    assert_eq!(outside.is_error, Some(true));
    client.cancel().await.unwrap();
}
