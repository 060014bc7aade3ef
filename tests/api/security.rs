use crate::helpers::{Options, TestApp, PASSWORD};
use kyc_desk::domain::Role;
use reqwest::header::{ACCEPT, ORIGIN};

#[tokio::test]
async fn a_cross_site_post_is_refused_before_anything_runs() {
    let app = TestApp::spawn().await;
    let before = app.audit_actions().await.len();
    let browser = app.browser();
    let res = browser
        .post(app.url("/api/auth/login"))
        .header(ORIGIN, "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .form(&[("email", app.email(Role::Admin)), ("password", PASSWORD)])
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 403);
    assert_eq!(
        app.audit_actions().await.len(),
        before,
        "nothing may have run"
    );
}

#[tokio::test]
async fn a_post_from_a_foreign_origin_without_fetch_metadata_is_refused() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in(Role::Admin).await;
    let res = admin
        .post(app.url("/api/users/create"))
        .header(ORIGIN, "http://127.0.0.1.evil.example")
        .form(&[
            ("email", "x@example.test"),
            ("name", "X"),
            ("role", "admin"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn a_post_without_origin_or_fetch_metadata_is_refused() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in(Role::Admin).await;
    let res = admin
        .post(app.url("/api/auth/logout"))
        .header(ACCEPT, "application/json")
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn a_same_site_but_not_same_origin_post_is_refused() {
    let app = TestApp::spawn().await;
    let res = app
        .browser()
        .post(app.url("/api/auth/login"))
        .header("sec-fetch-site", "same-site")
        .form(&[("email", app.email(Role::Admin)), ("password", PASSWORD)])
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn html_pages_carry_the_security_headers_and_a_fresh_nonce() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let first = browser
        .get(app.url("/login"))
        .send()
        .await
        .expect("request");
    assert_eq!(first.status(), 200);
    let h = first.headers().clone();
    let csp = h["content-security-policy"]
        .to_str()
        .expect("csp")
        .to_string();
    for directive in [
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "'nonce-",
    ] {
        assert!(csp.contains(directive), "CSP lacks {directive}: {csp}");
    }
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "same-origin");
    assert_eq!(h["cache-control"], "no-store");
    assert!(h["content-type"]
        .to_str()
        .expect("ct")
        .contains("charset=utf-8"));

    // The nonce in the header is the one on the page's scripts.
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|s| s.split('\'').next())
        .expect("nonce")
        .to_string();
    let html = first.text().await.expect("html");
    assert!(
        html.contains(&format!("nonce=\"{nonce}\"")),
        "scripts carry the nonce"
    );

    let second = browser
        .get(app.url("/login"))
        .send()
        .await
        .expect("request");
    let csp2 = second.headers()["content-security-policy"]
        .to_str()
        .expect("csp")
        .to_string();
    assert_ne!(csp, csp2, "a nonce is never reused");
}

#[tokio::test]
async fn hsts_is_sent_when_cookies_are_secure() {
    let plain = TestApp::spawn().await;
    let res = plain
        .browser()
        .get(plain.url("/login"))
        .send()
        .await
        .expect("request");
    assert!(res.headers().get("strict-transport-security").is_none());

    let secure = TestApp::spawn_with(Options {
        cookie_secure: true,
        ..Default::default()
    })
    .await;
    let res = secure
        .browser()
        .get(secure.url("/login"))
        .send()
        .await
        .expect("request");
    assert!(res.headers()["strict-transport-security"]
        .to_str()
        .expect("hsts")
        .contains("max-age=31536000"));
}

#[tokio::test]
async fn the_session_cookie_is_http_only_strict_and_secure_when_configured() {
    let app = TestApp::spawn_with(Options {
        cookie_secure: true,
        ..Default::default()
    })
    .await;
    let res = app
        .login(&app.browser(), app.email(Role::Reviewer), PASSWORD)
        .await;
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("__Host-kyc-desk="))
        .expect("a __Host- session cookie")
        .to_string();
    for attr in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
        assert!(cookie.contains(attr), "cookie lacks {attr}: {cookie}");
    }
    assert!(!cookie.contains("Domain"), "{cookie}");
}

#[tokio::test]
async fn anonymous_visitors_are_sent_to_sign_in() {
    let app = TestApp::spawn().await;
    let res = app
        .browser()
        .get(app.url("/admin/users"))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/login?next=%2Fadmin%2Fusers");
    let home = app
        .browser()
        .get(app.url("/"))
        .send()
        .await
        .expect("request");
    assert_eq!(home.headers()["location"], "/login");
}

#[tokio::test]
async fn signing_in_returns_to_the_page_asked_for_and_never_to_another_site() {
    let app = TestApp::spawn().await;
    for (next, to) in [
        ("/cases/7?done=3", "/cases/7?done=3"),
        ("//evil.example/", "/"),
        ("https://evil.example/", "/"),
        ("/api/auth/logout", "/"),
    ] {
        let browser = app.browser();
        let res = app
            .post_html_form(
                &browser,
                "/api/auth/login",
                "/login",
                &[
                    ("email", app.email(Role::Reviewer)),
                    ("password", PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(res.status(), 302, "{next}");
        assert_eq!(res.headers()["location"], to, "{next}");
    }
}

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = TestApp::spawn().await;
    let res = app
        .browser()
        .get(app.url("/healthz"))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 200);
    let res = app
        .browser()
        .get(app.url("/readyz"))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 200);
    assert!(res.headers().get("x-request-id").is_some());
}

#[tokio::test]
async fn errors_carry_the_request_id_as_their_reference() {
    let app = TestApp::spawn().await;
    let res = app.get(&app.browser(), "/api/users/list").await;
    let id = res.headers()["x-request-id"]
        .to_str()
        .expect("id")
        .to_string();
    let err = crate::helpers::app_error(res).await;
    assert_eq!(err.reference.as_deref(), Some(id.as_str()));
}

#[tokio::test]
async fn an_unknown_page_is_a_404_for_a_signed_in_user() {
    let app = TestApp::spawn().await;
    let browser = app.signed_in(Role::Reviewer).await;
    let res = browser
        .get(app.url("/no/such/page"))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 404);
}

/// A wrong-password sign-in as `forwarded_for` says (through a proxy).
async fn sign_in_from(app: &TestApp, forwarded_for: &str) -> u16 {
    app.browser()
        .post(app.url("/api/auth/login"))
        .header(ORIGIN, app.origin())
        .header(ACCEPT, "application/json")
        .header("x-forwarded-for", forwarded_for)
        .form(&[("email", "someone@example.test"), ("password", "wrong")])
        .send()
        .await
        .expect("request")
        .status()
        .as_u16()
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_sign_in_limit() {
    let app = TestApp::spawn_with(Options {
        login_attempts_per_minute: 3,
        settings: vec![("trusted_proxies", "127.0.0.1".into())],
        ..Default::default()
    })
    .await;
    for _ in 0..3 {
        assert_eq!(sign_in_from(&app, "203.0.113.1").await, 401);
    }
    assert_eq!(sign_in_from(&app, "203.0.113.1").await, 429);
    assert_eq!(
        sign_in_from(&app, "198.51.100.7, 203.0.113.1").await,
        429,
        "an address the client adds on the left is not believed"
    );
    assert_eq!(
        sign_in_from(&app, "203.0.113.2").await,
        401,
        "another client behind the same proxy"
    );
    // The audit trail tells the two clients apart.
    let clients: i64 = sqlx::query_scalar(
        "SELECT COUNT(DISTINCT client_hash) FROM audit_event WHERE action = 'auth.sign_in_failed'",
    )
    .fetch_one(app.state.db.reader())
    .await
    .expect("count");
    assert_eq!(clients, 2);
}

#[tokio::test]
async fn from_a_peer_that_is_not_a_trusted_proxy_x_forwarded_for_is_ignored() {
    let app = TestApp::spawn_with(Options {
        login_attempts_per_minute: 3,
        settings: vec![("trusted_proxies", "10.0.0.0/8".into())],
        ..Default::default()
    })
    .await;
    for i in 0..3 {
        assert_eq!(sign_in_from(&app, &format!("203.0.113.{i}")).await, 401);
    }
    assert_eq!(
        sign_in_from(&app, "203.0.113.9").await,
        429,
        "one peer, one limit, whatever it claims"
    );
    let clients: i64 = sqlx::query_scalar(
        "SELECT COUNT(DISTINCT client_hash) FROM audit_event WHERE action = 'auth.sign_in_failed'",
    )
    .fetch_one(app.state.db.reader())
    .await
    .expect("count");
    assert_eq!(clients, 1);
}

#[tokio::test]
async fn a_clients_request_id_is_kept_only_when_it_is_short_and_plain() {
    let app = TestApp::spawn().await;
    let long = "a".repeat(65);
    let longest = "b".repeat(64);
    for (sent, kept) in [
        ("req-42_a.B", true),
        (longest.as_str(), true),
        (long.as_str(), false),
        ("has space", false),
        ("semi;colon", false),
        ("<script>", false),
        ("", false),
    ] {
        let res = app
            .browser()
            .post(app.url("/api/auth/login"))
            .header(ORIGIN, app.origin())
            .header(ACCEPT, "application/json")
            .header("x-request-id", sent)
            .form(&[("email", "nobody@example.test"), ("password", "wrong")])
            .send()
            .await
            .expect("request");
        let answered = res.headers()["x-request-id"]
            .to_str()
            .expect("id")
            .to_string();
        let err = crate::helpers::app_error(res).await;
        // The id the audit trail recorded for the failed sign-in.
        let recorded: Option<String> = sqlx::query_scalar(
            "SELECT request_id FROM audit_event WHERE action = 'auth.sign_in_failed' \
             ORDER BY seq DESC LIMIT 1",
        )
        .fetch_one(app.state.db.reader())
        .await
        .expect("event");
        if kept {
            assert_eq!(answered, sent);
        } else {
            assert_ne!(answered, sent);
            assert!(
                uuid::Uuid::parse_str(&answered).is_ok(),
                "{sent:?} is replaced by a fresh id, not {answered:?}"
            );
        }
        assert_eq!(err.reference.as_deref(), Some(answered.as_str()));
        assert_eq!(recorded.as_deref(), Some(answered.as_str()));
    }
}
