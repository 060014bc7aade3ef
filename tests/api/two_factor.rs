//! Two-factor sign-in: setting up an authenticator app, a code after the password, recovery
//! codes, throttling, the policy, and an admin's reset — through the real router, as a browser
//! with and without JavaScript sends it.

use crate::helpers::{app_error, Options, TestApp, PASSWORD};
use kyc_desk::domain::Role;
use kyc_desk::error::ErrorKind;
use kyc_desk::server::second_factor::Totp;
use kyc_desk::view::TwoFactorView;
use reqwest::Client;

/// A test app under the default policy: admins and compliance officers need a second factor.
async fn privileged() -> TestApp {
    TestApp::spawn_with(Options {
        settings: vec![("mfa_required", "privileged".into())],
        ..Options::default()
    })
    .await
}

impl TestApp {
    fn unix_secs(&self) -> u64 {
        (self.state.clock.now_ms() / 1000) as u64
    }

    /// Signs in with the password as a browser without JavaScript: where it is sent next.
    async fn password_step(&self, browser: &Client, role: Role) -> String {
        let res = self
            .post_html_form(
                browser,
                "/api/auth/login",
                "/login",
                &[("email", self.email(role)), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(res.status(), 302);
        res.headers()["location"]
            .to_str()
            .expect("location")
            .to_string()
    }

    async fn two_factor_view(&self, browser: &Client) -> TwoFactorView {
        let res = self.get(browser, "/api/account/two-factor").await;
        assert_eq!(res.status(), 200);
        res.json().await.expect("two-factor view")
    }

    /// Sets up an authenticator app for the signed-in `browser`: the app's generator and the
    /// recovery codes shown.
    async fn set_up_app(&self, browser: &Client) -> (Totp, Vec<String>) {
        let begun = self
            .post(browser, "/api/account/two-factor/begin", &[])
            .await;
        assert_eq!(
            begun.status(),
            200,
            "{}",
            begun.text().await.unwrap_or_default()
        );
        let pending = self
            .two_factor_view(browser)
            .await
            .pending
            .expect("pending");
        let totp = Totp::from_base32(&pending.secret.replace(' ', "")).expect("a base32 key");
        let code = totp.code_at(self.unix_secs());
        let res = self
            .post(
                browser,
                "/api/account/two-factor/confirm",
                &[("code", &code)],
            )
            .await;
        assert_eq!(
            res.status(),
            200,
            "{}",
            res.text().await.unwrap_or_default()
        );
        (totp, pending.recovery_codes)
    }

    async fn can_read_cases(&self, browser: &Client) -> u16 {
        self.get(browser, "/api/customers/list")
            .await
            .status()
            .as_u16()
    }

    async fn give(&self, browser: &Client, code: &str) -> reqwest::Response {
        self.post_html_form(
            browser,
            "/api/auth/second-factor",
            "/login/second-factor",
            &[("code", code), ("next", "/customers")],
        )
        .await
    }
}

#[tokio::test]
async fn an_officer_sets_up_an_authenticator_app_before_doing_anything_else() {
    let app = privileged().await;
    let officer = app.browser();
    assert_eq!(
        app.password_step(&officer, Role::ComplianceOfficer).await,
        "/account/two-factor"
    );
    // Nothing else opens: pages lead to the set-up, server functions refuse.
    let page = officer
        .get(app.url("/customers"))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 303);
    assert_eq!(page.headers()["location"], "/account/two-factor");
    let res = app.get(&officer, "/api/customers/list").await;
    assert_eq!(app_error(res).await.kind, ErrorKind::Unauthenticated);

    // The set-up page works without JavaScript: the QR code is an image drawn on the server.
    let begun = app
        .post_html_form(
            &officer,
            "/api/account/two-factor/begin",
            "/account/two-factor",
            &[],
        )
        .await;
    assert_eq!(begun.status(), 302);
    let html = officer
        .get(app.url("/account/two-factor"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(html.contains("src=\"data:image/svg+xml;base64,"), "{html}");
    let pending = app
        .two_factor_view(&officer)
        .await
        .pending
        .expect("pending");
    assert_eq!(pending.recovery_codes.len(), 10);
    assert!(
        html.contains(&pending.secret),
        "the key is shown as text too"
    );
    assert!(html.contains(&pending.recovery_codes[0]));

    // A wrong first code does not turn it on.
    let wrong = app
        .post(
            &officer,
            "/api/account/two-factor/confirm",
            &[("code", "000000")],
        )
        .await;
    assert!(app_error(wrong).await.field_message("code").is_some());
    assert_eq!(app.can_read_cases(&officer).await, 401);

    let totp = Totp::from_base32(&pending.secret.replace(' ', "")).expect("key");
    let code = totp.code_at(app.unix_secs());
    let res = app
        .post(
            &officer,
            "/api/account/two-factor/confirm",
            &[("code", &code)],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        app.can_read_cases(&officer).await,
        200,
        "the session has both factors"
    );
    // The session records how it signed in, and how it gave its second factor.
    let sessions: Vec<String> = sqlx::query_scalar("SELECT data FROM session")
        .fetch_all(app.state.db.reader())
        .await
        .expect("sessions");
    assert!(
        sessions
            .iter()
            .any(|d| d.contains(r#""signed_in_with":"password""#)
                && d.contains(r#""second_factor":"totp""#)),
        "{sessions:?}"
    );
    let on = app.two_factor_view(&officer).await;
    assert!(on.enrolled_at.is_some());
    assert_eq!(on.recovery_codes_left, 10);
    assert!(
        on.pending.is_none(),
        "the key and codes are not shown again"
    );

    // Neither the key nor a recovery code is written anywhere but their own rows.
    let trail: Vec<String> = sqlx::query_scalar(
        "SELECT COALESCE(reason, '') || ' ' || COALESCE(changes, '') FROM audit_event",
    )
    .fetch_all(app.state.db.reader())
    .await
    .expect("audit");
    let key = pending.secret.replace(' ', "");
    for text in &trail {
        assert!(!text.contains(&key), "the key leaked: {text}");
        assert!(!pending
            .recovery_codes
            .iter()
            .any(|c| text.contains(c.as_str())));
    }

    let actions = app.audit_actions().await;
    for a in [
        "auth.second_factor_enrolment_started",
        "auth.second_factor_failed",
        "auth.second_factor_enrolled",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
    }
}

#[tokio::test]
async fn reviewers_and_managers_sign_in_with_a_password_under_the_default_policy() {
    let app = privileged().await;
    for role in [Role::Reviewer, Role::Manager] {
        let browser = app.browser();
        assert_eq!(app.password_step(&browser, role).await, "/");
    }
    let reviewer = app.browser();
    app.password_step(&reviewer, Role::Reviewer).await;
    assert_eq!(app.can_read_cases(&reviewer).await, 200);
}

#[tokio::test]
async fn with_an_app_set_up_the_password_alone_opens_nothing_and_each_code_works_once() {
    let app = privileged().await;
    app.state.clock.stop();
    let first = app.browser();
    app.password_step(&first, Role::ComplianceOfficer).await;
    let (totp, _) = app.set_up_app(&first).await;

    // A new sign-in: the password first, then the code.
    let officer = app.browser();
    let to = app
        .post_html_form(
            &officer,
            "/api/auth/login",
            "/login",
            &[
                ("email", app.email(Role::ComplianceOfficer)),
                ("password", PASSWORD),
                ("next", "/customers"),
            ],
        )
        .await;
    assert_eq!(
        to.headers()["location"],
        "/login/second-factor?next=%2Fcustomers"
    );
    assert_eq!(app.can_read_cases(&officer).await, 401);
    let page = officer.get(app.url("/audit")).send().await.expect("page");
    assert_eq!(
        page.headers()["location"],
        "/login/second-factor?next=%2Faudit"
    );

    // The code the set-up used was accepted once: it does not work again.
    let used = totp.code_at(app.unix_secs());
    let back = app.give(&officer, &used).await;
    let back = back.headers()["location"].to_str().expect("location");
    assert!(
        back.contains("/login/second-factor?") && back.contains("__err="),
        "{back}"
    );
    assert_eq!(app.can_read_cases(&officer).await, 401);

    // The next step's code (one step ahead is accepted) does.
    let next = totp.code_at(app.unix_secs() + 30);
    let res = app.give(&officer, &next).await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], "/customers");
    assert_eq!(app.can_read_cases(&officer).await, 200);

    // And only once: another browser with the same code is refused.
    let other = app.browser();
    app.password_step(&other, Role::ComplianceOfficer).await;
    app.give(&other, &next).await;
    assert_eq!(app.can_read_cases(&other).await, 401);

    let actions = app.audit_actions().await;
    assert!(actions.iter().any(|a| a == "auth.second_factor"));
    assert!(
        actions
            .iter()
            .filter(|a| *a == "auth.second_factor_failed")
            .count()
            >= 2
    );
}

#[tokio::test]
async fn a_recovery_code_signs_in_once() {
    let app = privileged().await;
    let first = app.browser();
    app.password_step(&first, Role::Admin).await;
    let (_, codes) = app.set_up_app(&first).await;

    let admin = app.browser();
    app.password_step(&admin, Role::Admin).await;
    // As people type it: upper case, no dashes.
    let typed = codes[3].replace('-', "").to_uppercase();
    assert_eq!(
        app.give(&admin, &typed).await.headers()["location"],
        "/customers"
    );
    assert_eq!(
        app.get(&admin, "/api/users/list").await.status(),
        200,
        "signed in as admin"
    );
    assert_eq!(app.two_factor_view(&admin).await.recovery_codes_left, 9);

    let again = app.browser();
    app.password_step(&again, Role::Admin).await;
    app.give(&again, &codes[3]).await;
    assert_eq!(app.get(&again, "/api/users/list").await.status(), 401);
    let res = app
        .post(&again, "/api/auth/second-factor", &[("code", &codes[3])])
        .await;
    let err = app_error(res).await;
    assert!(err.field_message("code").is_some(), "{err:?}");

    let actions = app.audit_actions().await;
    assert!(actions.iter().any(|a| a == "auth.recovery_code_used"));
}

#[tokio::test]
async fn wrong_codes_lock_the_second_step_like_wrong_passwords() {
    let app = privileged().await;
    app.state.clock.stop();
    let first = app.browser();
    app.password_step(&first, Role::ComplianceOfficer).await;
    let (totp, _) = app.set_up_app(&first).await;

    let officer = app.browser();
    app.password_step(&officer, Role::ComplianceOfficer).await;
    for _ in 0..5 {
        let res = app
            .post(&officer, "/api/auth/second-factor", &[("code", "000000")])
            .await;
        assert_eq!(res.status(), 422);
    }
    // Locked: even the right code waits.
    let right = totp.code_at(app.unix_secs() + 30);
    let res = app
        .post(&officer, "/api/auth/second-factor", &[("code", &right)])
        .await;
    assert_eq!(res.status(), 429);
    assert!(matches!(
        app_error(res).await.kind,
        ErrorKind::TooManyAttempts { .. }
    ));
    app.state.clock.advance(std::time::Duration::from_secs(3));
    let res = app
        .post(&officer, "/api/auth/second-factor", &[("code", &right)])
        .await;
    assert_eq!(
        res.status(),
        200,
        "{}",
        res.text().await.unwrap_or_default()
    );
    assert_eq!(app.can_read_cases(&officer).await, 200);
}

#[tokio::test]
async fn an_admin_resets_a_lost_second_factor_and_the_persons_sessions_end() {
    let app = privileged().await;
    let officer = app.browser();
    app.password_step(&officer, Role::ComplianceOfficer).await;
    app.set_up_app(&officer).await;
    assert_eq!(app.can_read_cases(&officer).await, 200);

    let admin = app.browser();
    app.password_step(&admin, Role::Admin).await;
    app.set_up_app(&admin).await;
    let officer_id = app.user_id(Role::ComplianceOfficer).to_string();
    let res = app
        .post_html_form(
            &admin,
            "/api/users/reset-second-factor",
            &format!("/admin/users/{officer_id}"),
            &[("user_id", &officer_id)],
        )
        .await;
    assert_eq!(res.status(), 302);

    assert_eq!(app.can_read_cases(&officer).await, 401, "the session ended");
    // At the next sign-in, the officer sets up an app again.
    let again = app.browser();
    assert_eq!(
        app.password_step(&again, Role::ComplianceOfficer).await,
        "/account/two-factor"
    );
    // An admin cannot reset their own (another admin does).
    let admin_id = app.user_id(Role::Admin).to_string();
    let res = app
        .post(
            &admin,
            "/api/users/reset-second-factor",
            &[("user_id", &admin_id)],
        )
        .await;
    assert_eq!(res.status(), 409);
    let actions = app.audit_actions().await;
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "user.second_factor_reset")
            .count(),
        1
    );
}

#[tokio::test]
async fn signing_out_works_halfway_through_signing_in() {
    let app = privileged().await;
    let officer = app.browser();
    app.password_step(&officer, Role::ComplianceOfficer).await;
    let me: Option<kyc_desk::view::Me> = app
        .get(&officer, "/api/auth/me")
        .await
        .json()
        .await
        .expect("me");
    assert_eq!(
        me.expect("halfway").second_factor_due,
        Some(kyc_desk::domain::second_factor::MfaStep::Enrol)
    );
    let res = app.post(&officer, "/api/auth/logout", &[]).await;
    assert_eq!(res.status(), 200);
    let res = app.get(&officer, "/api/account/two-factor").await;
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn the_command_line_resets_a_second_factor_for_a_lost_phone() {
    let app = privileged().await;
    let officer = app.browser();
    app.password_step(&officer, Role::ComplianceOfficer).await;
    app.set_up_app(&officer).await;

    let reset = |email: &str| {
        let database = app.state.db.file();
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_kyc-desk"));
        cmd.args(["user", "reset-mfa", "--email", email])
            .current_dir(database.parent().expect("folder"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env(
                "KYC_DESK_DATABASE_URL",
                format!("sqlite://{}", database.display()),
            )
            .env("KYC_DESK_LOG", "warn");
        cmd
    };
    let email = app.email(Role::ComplianceOfficer).to_string();
    let mut cmd = reset(&email);
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .expect("joined")
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("second factor of"));
    assert_eq!(app.can_read_cases(&officer).await, 401, "the session ended");

    // Nothing left to reset: a clear refusal, and nothing recorded.
    let mut cmd = reset(&email);
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .expect("joined")
        .expect("runs");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no second factor"));
    let actions = app.audit_actions().await;
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "user.second_factor_reset")
            .count(),
        1
    );
}
