//! The Operations page: each provider as this instance sees it.

use crate::helpers::TestApp;
use kyc_desk::domain::customer::ProviderRef;
use kyc_desk::domain::Role;
use kyc_desk::view::ProviderOpsView;
use serde_json::json;

#[tokio::test]
async fn an_admin_sees_a_failing_provider_paused_with_its_last_error_and_trace_id() {
    let app = TestApp::with_sandbox().await;
    let admin = app.signed_in(Role::Admin).await;
    let eclipse = app.state.providers.eclipse.clone().expect("eclipse");
    let target = ProviderRef::Eclipse {
        tenant_id: "100".into(),
        customer_id: "1600042".into(),
    };
    use kyc_desk::server::providers::Adapter;
    eclipse.fetch(&target).await.expect("a good answer");

    let sandbox = app.sandbox.as_ref().expect("sandbox");
    let res = reqwest::Client::new()
        .post(format!("{}/__sandbox/faults", sandbox.url()))
        .json(&json!({"provider": "eclipse", "kind": "status", "status": 503}))
        .send()
        .await
        .expect("fault");
    assert!(res.status().is_success());
    // 2 reads × 3 attempts: past the breaker's threshold of 5.
    for _ in 0..2 {
        eclipse.fetch(&target).await.expect_err("503");
    }

    let res = app.get(&admin, "/api/operations/providers").await;
    assert_eq!(res.status(), 200);
    let list: Vec<ProviderOpsView> = res.json().await.expect("providers");
    assert_eq!(list.len(), 4, "every provider, configured or not");
    let e = list
        .iter()
        .find(|p| p.provider == "Eclipse")
        .expect("eclipse");
    assert!(e.configured && e.breaker_open, "{e:?}");
    assert!(e.last_ok_at.is_some(), "the good answer before: {e:?}");
    assert!(
        e.last_error
            .as_deref()
            .is_some_and(|m| m.contains("Server")),
        "{e:?}"
    );
    assert!(
        e.last_error_trace_id
            .as_deref()
            .is_some_and(|t| t.len() == 32),
        "{e:?}"
    );
    let ident = list
        .iter()
        .find(|p| p.provider == "Provide ident")
        .expect("ident");
    assert!(
        !ident.breaker_open && ident.last_error.is_none(),
        "{ident:?}"
    );

    // The page, as a browser without JavaScript reads it.
    let html = admin
        .get(app.url("/admin/operations"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(html.contains("Paused after repeated failures"), "{html}");
    assert!(html.contains(e.last_error_trace_id.as_deref().unwrap_or("-")));

    // Managers do not see it.
    let manager = app.signed_in(Role::Manager).await;
    assert_eq!(
        app.get(&manager, "/api/operations/providers")
            .await
            .status(),
        403
    );
}
