use crate::helpers::{app_error, TestApp, PASSWORD};
use kyc_desk::domain::Role;
use kyc_desk::error::ErrorKind;

#[tokio::test]
async fn an_admin_creates_a_reviewer_who_can_then_sign_in() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in(Role::Admin).await;
    let res = app
        .post(
            &admin,
            "/api/users/create",
            &[
                ("email", " New.Person@Example.test "),
                ("name", "New Person"),
                ("role", "reviewer"),
                ("password", "twelve chars ok"),
            ],
        )
        .await;
    assert_eq!(
        res.status(),
        200,
        "{}",
        res.text().await.unwrap_or_default()
    );

    let list: serde_json::Value = app
        .get(&admin, "/api/users/list")
        .await
        .json()
        .await
        .expect("json");
    let created = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|u| u["email"] == "new.person@example.test")
        .expect("listed");
    assert_eq!(created["role"], "reviewer");

    let res = app
        .login(&app.browser(), "new.person@example.test", "twelve chars ok")
        .await;
    assert_eq!(res.status(), 200);
    assert!(app
        .audit_actions()
        .await
        .contains(&"user.created".to_string()));
}

async fn create_error(app: &TestApp, form: &[(&str, &str)]) -> (u16, ErrorKind) {
    let admin = app.signed_in(Role::Admin).await;
    let res = app.post(&admin, "/api/users/create", form).await;
    let status = res.status().as_u16();
    (status, app_error(res).await.kind)
}

#[tokio::test]
async fn bad_input_is_named_by_field_and_creates_nobody() {
    let app = TestApp::spawn().await;
    let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM app_user")
        .fetch_one(app.state.db.reader())
        .await
        .expect("count");
    let cases: [(&[(&str, &str)], &str); 5] = [
        (
            &[
                ("email", "not an email"),
                ("name", "A"),
                ("role", "reviewer"),
                ("password", PASSWORD),
            ],
            "email",
        ),
        (
            &[
                ("email", "a@example.test"),
                ("name", "  "),
                ("role", "reviewer"),
                ("password", PASSWORD),
            ],
            "name",
        ),
        (
            &[
                ("email", "a@example.test"),
                ("name", "A"),
                ("role", "root"),
                ("password", PASSWORD),
            ],
            "role",
        ),
        (
            &[
                ("email", "a@example.test"),
                ("name", "A"),
                ("role", "reviewer"),
                ("password", "too short"),
            ],
            "password",
        ),
        (
            &[
                ("email", "reviewer@example.test"),
                ("name", "A"),
                ("role", "reviewer"),
                ("password", PASSWORD),
            ],
            "email",
        ),
    ];
    for (form, field) in cases {
        let (status, kind) = create_error(&app, form).await;
        assert_eq!(status, 422);
        assert!(
            matches!(&kind, ErrorKind::Validation { field: f, .. } if f == field),
            "{kind:?} should name {field}"
        );
    }
    let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM app_user")
        .fetch_one(app.state.db.reader())
        .await
        .expect("count");
    assert_eq!(before, after);
}

#[tokio::test]
async fn disabling_a_user_ends_their_sessions_at_once() {
    let app = TestApp::spawn().await;
    let reviewer = app.signed_in(Role::Reviewer).await;
    let admin = app.signed_in(Role::Admin).await;
    let id = app.user_id(Role::Reviewer).to_string();
    let res = app
        .post(
            &admin,
            "/api/users/set-disabled",
            &[("user_id", &id), ("disabled", "true")],
        )
        .await;
    assert_eq!(res.status(), 200);

    let me: Option<serde_json::Value> = app
        .get(&reviewer, "/api/auth/me")
        .await
        .json()
        .await
        .expect("json");
    assert!(me.is_none(), "the disabled reviewer is signed out");
    let res = app
        .login(&app.browser(), app.email(Role::Reviewer), PASSWORD)
        .await;
    assert_eq!(res.status(), 401, "and cannot sign in");

    let res = app
        .post(
            &admin,
            "/api/users/set-disabled",
            &[("user_id", &id), ("disabled", "false")],
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = app
        .login(&app.browser(), app.email(Role::Reviewer), PASSWORD)
        .await;
    assert_eq!(res.status(), 200, "enabled again");
}

#[tokio::test]
async fn a_role_change_takes_effect_on_the_next_request() {
    let app = TestApp::spawn().await;
    let manager = app.signed_in(Role::Manager).await;
    assert_eq!(app.get(&manager, "/api/users/list").await.status(), 403);

    let admin = app.signed_in(Role::Admin).await;
    let id = app.user_id(Role::Manager).to_string();
    let res = app
        .post(
            &admin,
            "/api/users/change-role",
            &[("user_id", &id), ("role", "admin")],
        )
        .await;
    assert_eq!(res.status(), 200);

    // Their old session has ended; a new one carries the new role.
    assert_eq!(app.get(&manager, "/api/users/list").await.status(), 401);
    let again = app.signed_in(Role::Manager).await;
    assert_eq!(app.get(&again, "/api/users/list").await.status(), 200);

    let changes: String =
        sqlx::query_scalar("SELECT changes FROM audit_event WHERE action = 'user.role_changed'")
            .fetch_one(app.state.db.reader())
            .await
            .expect("event");
    let changes: serde_json::Value = serde_json::from_str(&changes).expect("json");
    assert_eq!(changes["role"]["from"], "manager");
    assert_eq!(changes["role"]["to"], "admin");
}

#[tokio::test]
async fn a_password_reset_ends_sessions_and_the_new_password_works() {
    let app = TestApp::spawn().await;
    let officer = app.signed_in(Role::ComplianceOfficer).await;
    let admin = app.signed_in(Role::Admin).await;
    let id = app.user_id(Role::ComplianceOfficer).to_string();
    let res = app
        .post(
            &admin,
            "/api/users/reset-password",
            &[("user_id", &id), ("password", "a brand new password")],
        )
        .await;
    assert_eq!(res.status(), 200);
    let me: Option<serde_json::Value> = app
        .get(&officer, "/api/auth/me")
        .await
        .json()
        .await
        .expect("json");
    assert!(me.is_none());
    assert_eq!(
        app.login(&app.browser(), app.email(Role::ComplianceOfficer), PASSWORD)
            .await
            .status(),
        401
    );
    assert_eq!(
        app.login(
            &app.browser(),
            app.email(Role::ComplianceOfficer),
            "a brand new password"
        )
        .await
        .status(),
        200
    );
}

#[tokio::test]
async fn admins_cannot_lock_themselves_out() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in(Role::Admin).await;
    let me = app.user_id(Role::Admin).to_string();
    let res = app
        .post(
            &admin,
            "/api/users/set-disabled",
            &[("user_id", &me), ("disabled", "true")],
        )
        .await;
    assert_eq!(res.status(), 409);
    let res = app
        .post(
            &admin,
            "/api/users/change-role",
            &[("user_id", &me), ("role", "reviewer")],
        )
        .await;
    assert_eq!(res.status(), 409);
}

#[tokio::test]
async fn an_unknown_user_is_a_404() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in(Role::Admin).await;
    let res = app.get(&admin, "/api/users/get?user_id=424242").await;
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn without_javascript_a_valid_form_redirects_to_the_new_user() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in(Role::Admin).await;
    let res = app
        .post_html_form(
            &admin,
            "/api/users/create",
            "/admin/users",
            &[
                ("email", "nojs@example.test"),
                ("name", "No Script"),
                ("role", "manager"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status(), 302);
    let location = res.headers()["location"]
        .to_str()
        .expect("location")
        .to_string();
    assert!(location.starts_with("/admin/users/"), "{location}");
    let page = admin.get(app.url(&location)).send().await.expect("page");
    assert_eq!(page.status(), 200);
    assert!(page
        .text()
        .await
        .expect("html")
        .contains("nojs@example.test"));
}

#[tokio::test]
async fn without_javascript_an_invalid_form_comes_back_with_the_error_next_to_the_field() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in(Role::Admin).await;
    let res = app
        .post_html_form(
            &admin,
            "/api/users/create",
            "/admin/users",
            &[
                ("email", "nojs@example.test"),
                ("name", "No Script"),
                ("role", "manager"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(res.status(), 302);
    let location = res.headers()["location"]
        .to_str()
        .expect("location")
        .to_string();
    assert!(location.contains("__err="), "{location}");
    let page = admin.get(&location).send().await.expect("page");
    let html = page.text().await.expect("html");
    let field = html
        .split("id=\"new-password\"")
        .nth(1)
        .expect("password field");
    let error = field.split("</div>").next().expect("field block");
    assert!(
        error.contains("id=\"password-error\""),
        "the error sits by the password field"
    );
    assert!(error.contains("Use at least 12 characters."));
    assert!(field.contains("aria-invalid=\"true\"") || html.contains("aria-invalid=\"true\""));
}
