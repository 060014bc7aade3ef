//! Photos: never stored, fetched fresh from the provider through the media
//! proxy, only after a recorded reveal, only as images.

use crate::cases::cases_for;
use crate::helpers::TestApp;
use kyc_desk::domain::Role;
use serde_json::{json, Value};

const BKZ_FINISHED: &str = "b10e0000-0000-4000-8000-000000000007";

async fn case(app: &TestApp, who: &reqwest::Client, id: i64) -> Value {
    let res = app.get(who, &format!("/api/cases/get?id={id}")).await;
    assert_eq!(res.status(), 200);
    res.json().await.expect("json")
}

#[tokio::test]
async fn a_photo_is_fetched_fresh_from_the_provider_only_after_a_recorded_reveal() {
    let app = TestApp::with_sandbox().await;
    let id = cases_for(
        &app,
        "p-1",
        json!([{"provider": "biometric_kz", "session_id": BKZ_FINISHED}]),
    )
    .await[0];
    let stored: String =
        sqlx::query_scalar("SELECT snapshot FROM verification WHERE verification_id = $1")
            .bind(id)
            .fetch_one(app.state.db.reader())
            .await
            .expect("snapshot");
    assert!(
        !stored.contains("X-Amz-Signature") && !stored.contains("__sandbox/media"),
        "no image URL is stored"
    );

    let reviewer = app.signed_in(Role::Reviewer).await;
    let c = case(&app, &reviewer, id).await;
    let media = c["media"].as_array().expect("media").clone();
    assert!(
        !media.is_empty(),
        "the photos the provider holds are listed: {c}"
    );
    assert!(
        media.iter().all(|m| m["url"].is_null()),
        "hidden until revealed"
    );
    let path = media[0]["path"].as_str().expect("path").to_string();
    let proxy = format!("/cases/{id}/media?path={}", path.replace('/', "%2F"));
    assert_eq!(
        app.get(&reviewer, &proxy).await.status(),
        409,
        "not before a reveal"
    );

    let customer_id = c["customer"]["id"]
        .as_i64()
        .expect("customer id")
        .to_string();
    let res = app
        .post(
            &reviewer,
            "/api/customers/reveal",
            &[
                ("customer_id", &customer_id),
                ("reason", "comparing the selfie with the ID"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let c = case(&app, &reviewer, id).await;
    let url = c["media"][0]["url"]
        .as_str()
        .expect("a proxy URL once revealed")
        .to_string();
    let before = app.audit_actions().await.len();
    let res = app.get(&reviewer, &url).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    assert_eq!(res.headers()["cache-control"], "no-store");
    let bytes = res.bytes().await.expect("bytes");
    assert_eq!(&bytes[..3], &[0xFF, 0xD8, 0xFF]);
    let actions = app.audit_actions().await;
    assert_eq!(
        &actions[before..],
        ["pii.media_viewed"],
        "each view is recorded"
    );

    assert_eq!(
        app.get(&reviewer, &format!("/cases/{id}/media?path=%2Fstatus"))
            .await
            .status(),
        404,
        "only photo paths"
    );
    assert_eq!(
        app.get(
            &reviewer,
            &format!("/cases/{id}/media?path=http%3A%2F%2Fexample.com")
        )
        .await
        .status(),
        404
    );
    let admin = app.signed_in(Role::Admin).await;
    assert_eq!(
        app.get(&admin, &url).await.status(),
        403,
        "admins do not see cases"
    );
    let anonymous = app.get(&app.browser(), &url).await;
    assert_eq!(
        anonymous.status(),
        303,
        "signed-out people are sent to sign in"
    );
    assert!(anonymous.headers()["location"]
        .to_str()
        .expect("location")
        .starts_with("/login"));
}
