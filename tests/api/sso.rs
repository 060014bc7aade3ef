//! Single sign-on through an OpenID Connect identity provider: the sandbox's issuer double on
//! loopback (discovery, keys, authorize, token), answering well or going wrong as asked.

use crate::helpers::{Options, TestApp, PASSWORD};
use kyc_desk::domain::Role;
use kyc_desk::server::sandbox::SandboxConfig;
use reqwest::{Client, Response, Url};

async fn with_issuer(settings: Vec<(&'static str, String)>) -> TestApp {
    TestApp::spawn_with(Options {
        sandbox: Some(SandboxConfig::default()),
        settings,
        ..Options::default()
    })
    .await
}

impl TestApp {
    /// Signs in through the identity provider as `email`, the provider answering as `answer`
    /// asks (`ok`, `mfa`, `bad_signature`, …): the answer of KYC Desk's callback.
    async fn sso(&self, browser: &Client, email: &str, answer: &str) -> Response {
        self.sso_to(browser, email, answer, "/customers").await
    }

    /// [`TestApp::sso`], started from the sign-in page of `next`.
    async fn sso_to(&self, browser: &Client, email: &str, answer: &str, next: &str) -> Response {
        let started = self
            .post_html_form(browser, "/api/auth/sso", "/login", &[("next", next)])
            .await;
        assert_eq!(
            started.status(),
            302,
            "{}",
            started.text().await.unwrap_or_default()
        );
        let authorize = Url::parse(started.headers()["location"].to_str().expect("location"))
            .expect("the identity provider's address");
        // The identity provider's page is a form; this is what it sends.
        let page = browser
            .get(authorize.clone())
            .send()
            .await
            .expect("authorize page");
        assert_eq!(page.status(), 200);
        let mut approve = authorize.clone();
        approve.set_path("/oidc/approve");
        approve
            .query_pairs_mut()
            .append_pair("email", email)
            .append_pair("answer", answer);
        let back = browser.get(approve).send().await.expect("approve");
        assert_eq!(back.status(), 303);
        let callback = back.headers()["location"]
            .to_str()
            .expect("callback")
            .to_string();
        assert!(
            callback.starts_with(&self.url("/auth/sso/callback?")),
            "{callback}"
        );
        browser.get(callback).send().await.expect("callback")
    }

    async fn who(&self, browser: &Client) -> Option<kyc_desk::view::Me> {
        self.get(browser, "/api/auth/me")
            .await
            .json()
            .await
            .expect("me")
    }

    async fn failures(&self) -> usize {
        self.audit_actions()
            .await
            .iter()
            .filter(|a| *a == "auth.sign_in_failed")
            .count()
    }
}

fn refused_with(res: &Response, code: &str) {
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"],
        format!("/login?sso={code}").as_str()
    );
}

#[tokio::test]
async fn a_reviewer_signs_in_through_the_identity_provider() {
    let app = with_issuer(vec![]).await;
    let login = app
        .browser()
        .get(app.url("/login"))
        .send()
        .await
        .expect("page");
    let html = login.text().await.expect("html");
    assert!(
        html.contains("Sign in with the sandbox identity provider"),
        "{html}"
    );

    let browser = app.browser();
    let res = app.sso(&browser, app.email(Role::Reviewer), "ok").await;
    assert_eq!(res.status(), 200);
    let body = res.text().await.expect("body");
    assert!(
        body.contains("url=/customers"),
        "on to the page asked for: {body}"
    );
    let me = app.who(&browser).await.expect("signed in");
    assert_eq!((me.role, me.second_factor_due), (Role::Reviewer, None));
    assert_eq!(app.get(&browser, "/api/customers/list").await.status(), 200);
    let reasons: Vec<String> = sqlx::query_scalar(
        "SELECT reason FROM audit_event WHERE action = 'auth.sign_in' ORDER BY seq",
    )
    .fetch_all(app.state.db.reader())
    .await
    .expect("audit");
    assert_eq!(reasons, vec!["single sign-on".to_string()]);
    // The session records how its person signed in.
    let sessions: Vec<String> = sqlx::query_scalar("SELECT data FROM session")
        .fetch_all(app.state.db.reader())
        .await
        .expect("sessions");
    assert!(
        sessions
            .iter()
            .any(|d| d.contains(r#""signed_in_with":"sso""#)),
        "{sessions:?}"
    );
}

#[tokio::test]
async fn every_answer_that_does_not_verify_is_refused_with_a_clear_message_and_recorded() {
    let app = with_issuer(vec![]).await;
    // One good sign-in first: its nonce is what "replayed_nonce" sends again.
    app.sso(&app.browser(), app.email(Role::Reviewer), "ok")
        .await;
    for (answer, code) in [
        ("bad_signature", "failed"),
        ("wrong_issuer", "failed"),
        ("wrong_audience", "failed"),
        ("expired", "failed"),
        ("replayed_nonce", "failed"),
        ("wrong_state", "failed"),
        ("unverified_email", "unverified"),
    ] {
        let before = app.failures().await;
        let browser = app.browser();
        let res = app.sso(&browser, app.email(Role::Reviewer), answer).await;
        refused_with(&res, code);
        assert!(
            app.who(&browser).await.is_none(),
            "{answer}: nobody signed in"
        );
        assert_eq!(app.failures().await, before + 1, "{answer}: recorded");
    }
    // Nobody has this e-mail: no account is made unless configured.
    let browser = app.browser();
    refused_with(
        &app.sso(&browser, "stranger@example.test", "ok").await,
        "unknown",
    );
    let page = browser
        .get(app.url("/login?sso=unknown"))
        .send()
        .await
        .expect("page");
    assert!(page
        .text()
        .await
        .expect("html")
        .contains("No KYC Desk account has this e-mail address."));
}

#[tokio::test]
async fn a_disabled_account_is_refused_whatever_the_identity_provider_says() {
    let app = with_issuer(vec![]).await;
    let admin = app.signed_in(Role::Admin).await;
    let id = app.user_id(Role::Reviewer).to_string();
    let res = app
        .post(
            &admin,
            "/api/users/set-disabled",
            &[("user_id", &id), ("disabled", "true")],
        )
        .await;
    assert!(res.status().is_success() || res.status().is_redirection());
    let browser = app.browser();
    refused_with(
        &app.sso(&browser, app.email(Role::Reviewer), "ok").await,
        "disabled",
    );
    assert!(app.who(&browser).await.is_none());
}

#[tokio::test]
async fn the_identity_providers_mfa_counts_as_the_second_factor() {
    let app = with_issuer(vec![("mfa_required", "privileged".into())]).await;
    let with_mfa = app.browser();
    let res = app
        .sso(&with_mfa, app.email(Role::ComplianceOfficer), "mfa")
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        app.get(&with_mfa, "/api/customers/list").await.status(),
        200
    );

    // Without it, the officer sets up an authenticator app first.
    let without = app.browser();
    let res = app
        .sso(&without, app.email(Role::ComplianceOfficer), "ok")
        .await;
    assert!(res
        .text()
        .await
        .expect("body")
        .contains("url=/account/two-factor"));
    assert_eq!(app.get(&without, "/api/customers/list").await.status(), 401);
}

#[tokio::test]
async fn accounts_are_made_at_first_sign_on_only_when_configured_and_have_no_password() {
    let app = with_issuer(vec![("oidc_new_account_role", "reviewer".into())]).await;
    let browser = app.browser();
    let res = app.sso(&browser, "newcomer@example.test", "ok").await;
    assert_eq!(res.status(), 200);
    let me = app.who(&browser).await.expect("signed in");
    assert_eq!(me.role, Role::Reviewer);
    assert_eq!(me.name, "newcomer");
    assert!(app
        .audit_actions()
        .await
        .iter()
        .any(|a| a == "user.created"));
    let res = app
        .login(&app.browser(), "newcomer@example.test", PASSWORD)
        .await;
    assert_eq!(res.status(), 401, "no usable password");
}

#[tokio::test]
async fn a_sign_in_is_bound_to_the_browser_that_started_it_and_works_once() {
    let app = with_issuer(vec![]).await;
    let starter = app.browser();
    let started = app
        .post_html_form(&starter, "/api/auth/sso", "/login", &[])
        .await;
    let mut approve =
        Url::parse(started.headers()["location"].to_str().expect("location")).expect("url");
    approve.set_path("/oidc/approve");
    approve
        .query_pairs_mut()
        .append_pair("email", app.email(Role::Reviewer));
    let back = starter.get(approve).send().await.expect("approve");
    let callback = back.headers()["location"]
        .to_str()
        .expect("callback")
        .to_string();

    // Another browser (a link sent to a victim: login CSRF) is refused, and the sign-in is gone.
    let other = app.browser();
    refused_with(
        &other.get(&callback).send().await.expect("callback"),
        "expired",
    );
    assert!(app.who(&other).await.is_none());
    refused_with(
        &starter.get(&callback).send().await.expect("callback"),
        "failed",
    );
    assert!(app.who(&starter).await.is_none());
}

#[tokio::test]
async fn an_admin_makes_an_account_that_signs_in_with_single_sign_on_only() {
    let app = with_issuer(vec![]).await;
    let admin = app.signed_in(Role::Admin).await;
    let res = app
        .post(
            &admin,
            "/api/users/create",
            &[
                ("email", "sso.only@example.test"),
                ("name", "Sam Single"),
                ("role", "manager"),
                ("password", ""),
                ("sso_only", "true"),
            ],
        )
        .await;
    assert_eq!(
        res.status(),
        200,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let res = app.login(&app.browser(), "sso.only@example.test", "").await;
    assert_ne!(res.status(), 200, "no password signs in");
    let browser = app.browser();
    assert_eq!(
        app.sso(&browser, "sso.only@example.test", "ok")
            .await
            .status(),
        200
    );
    assert_eq!(
        app.who(&browser).await.expect("signed in").role,
        Role::Manager
    );

    // Without single sign-on there is no such account: it needs a password.
    let plain = TestApp::spawn().await;
    let admin = plain.signed_in(Role::Admin).await;
    let res = plain
        .post(
            &admin,
            "/api/users/create",
            &[
                ("email", "sso.only@example.test"),
                ("name", "Sam Single"),
                ("role", "manager"),
                ("password", ""),
                ("sso_only", "true"),
            ],
        )
        .await;
    let err = crate::helpers::app_error(res).await;
    assert!(err.field_message("password").is_some(), "{err:?}");
}

#[tokio::test]
async fn the_page_asked_for_goes_back_into_the_callbacks_page_as_text_only() {
    let app = with_issuer(vec![]).await;
    let browser = app.browser();
    let next = "/customers?q=\"><form action=//evil.example><button>x</button></form>";
    let res = app
        .sso_to(&browser, app.email(Role::Reviewer), "ok", next)
        .await;
    assert_eq!(res.status(), 200);
    let body = res.text().await.expect("body");
    assert!(!body.contains("<form"), "markup from the URL: {body}");
    assert!(
        body.contains("url=/customers?q=&quot;&gt;&lt;form"),
        "{body}"
    );
}
