use crate::helpers::{app_error, TestApp, PASSWORD};
use kyc_desk::domain::Role;
use kyc_desk::error::ErrorKind;
use std::time::{Duration, Instant};

#[tokio::test]
async fn a_user_signs_in_with_the_right_password_and_is_known_afterwards() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let res = app
        .login(&browser, app.email(Role::Reviewer), PASSWORD)
        .await;
    assert_eq!(res.status(), 200);

    let me: Option<serde_json::Value> = app
        .get(&browser, "/api/auth/me")
        .await
        .json()
        .await
        .expect("json");
    let me = me.expect("signed in");
    assert_eq!(me["email"], app.email(Role::Reviewer));
    assert_eq!(me["role"], "reviewer");
}

#[tokio::test]
async fn the_email_is_matched_case_insensitively() {
    let app = TestApp::spawn().await;
    let res = app
        .login(
            &app.browser(),
            &app.email(Role::Reviewer).to_uppercase(),
            PASSWORD,
        )
        .await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_user_get_the_same_answer() {
    let app = TestApp::spawn().await;
    let wrong = app
        .login(
            &app.browser(),
            app.email(Role::Reviewer),
            "not the password",
        )
        .await;
    let unknown = app
        .login(&app.browser(), "nobody@example.test", "not the password")
        .await;
    assert_eq!(wrong.status(), 401);
    assert_eq!(unknown.status(), 401);
    let (mut wrong, mut unknown) = (app_error(wrong).await, app_error(unknown).await);
    assert_eq!(wrong.kind, ErrorKind::InvalidCredentials);
    // Only the per-request reference differs.
    wrong.reference = None;
    unknown.reference = None;
    assert_eq!(wrong, unknown);
}

#[tokio::test]
async fn an_unknown_user_costs_as_much_time_as_a_wrong_password() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let mut wrong = Vec::new();
    let mut unknown = Vec::new();
    // Interleaved; two failures per account, so no lock kicks in.
    for i in 0..8 {
        let t = Instant::now();
        app.login(&browser, app.email(Role::ALL[i % 4]), "not the password")
            .await;
        wrong.push(t.elapsed());
        let t = Instant::now();
        app.login(
            &browser,
            &format!("nobody{i}@example.test"),
            "not the password",
        )
        .await;
        unknown.push(t.elapsed());
    }
    // The fastest of each: what the work costs when nothing else runs on
    // the machine (other tests share its two cores).
    let w = wrong.iter().min().expect("samples").as_secs_f64();
    let u = unknown.iter().min().expect("samples").as_secs_f64();
    // Both verify an argon2 hash (~20 ms); without the dummy hash the
    // unknown account would answer in well under a millisecond.
    assert!(
        u > w * 0.5 && u < w * 2.0,
        "wrong password {w:.4}s vs unknown user {u:.4}s"
    );
}

#[tokio::test]
async fn repeated_failures_lock_the_account_even_for_the_right_password() {
    let app = TestApp::spawn().await;
    let email = app.email(Role::Reviewer).to_string();
    for _ in 0..5 {
        let res = app.login(&app.browser(), &email, "not the password").await;
        assert_eq!(res.status(), 401);
    }
    // Locked now: the right password from another browser is refused too.
    let res = app.login(&app.browser(), &email, PASSWORD).await;
    assert_eq!(res.status(), 429);
    assert!(matches!(
        app_error(res).await.kind,
        ErrorKind::TooManyAttempts { .. }
    ));

    // The lock runs out.
    app.state.clock.advance(Duration::from_secs(3));
    let res = app.login(&app.browser(), &email, PASSWORD).await;
    assert_eq!(res.status(), 200);
}

/// The failures counted for `email`, and how long its lock has left (ms).
async fn throttle_of(app: &TestApp, email: &str) -> (i64, i64) {
    let key = app.state.keyed_hash("login", email.as_bytes());
    sqlx::query_as("SELECT failures, locked_until - $2 FROM login_throttle WHERE account_key = $1")
        .bind(key)
        .bind(app.state.clock.now_ms())
        .fetch_one(app.state.db.reader())
        .await
        .expect("a throttle row")
}

#[tokio::test]
async fn a_burst_of_parallel_wrong_passwords_locks_the_account_as_the_same_attempts_one_by_one_do()
{
    let app = TestApp::spawn().await;
    // No lock runs out while the attempts are made, however long they take.
    app.state.clock.stop();
    let one_by_one = app.email(Role::Reviewer).to_string();
    let at_once = app.email(Role::Manager).to_string();

    let mut serial = Vec::new();
    for _ in 0..30 {
        let res = app
            .login(&app.browser(), &one_by_one, "not the password")
            .await;
        serial.push(res.status().as_u16());
    }
    let burst = (0..30).map(|_| async {
        let res = app
            .login(&app.browser(), &at_once, "not the password")
            .await;
        res.status().as_u16()
    });
    let mut parallel = futures::future::join_all(burst).await;

    parallel.sort_unstable();
    serial.sort_unstable();
    assert_eq!(parallel, serial, "the same answers (401s, then 429s)");
    assert_eq!(
        throttle_of(&app, &at_once).await,
        throttle_of(&app, &one_by_one).await,
        "the same failures counted and the same lock"
    );
    // The right password is refused alike, for as long.
    let mut answers = Vec::new();
    for email in [&one_by_one, &at_once] {
        let res = app.login(&app.browser(), email, PASSWORD).await;
        assert_eq!(res.status(), 429, "{email} is locked");
        answers.push(app_error(res).await.kind);
    }
    assert_eq!(answers[0], answers[1]);
}

#[tokio::test]
async fn unknown_accounts_are_throttled_like_real_ones() {
    let app = TestApp::spawn().await;
    for _ in 0..5 {
        app.login(&app.browser(), "nobody@example.test", "not the password")
            .await;
    }
    let res = app
        .login(&app.browser(), "nobody@example.test", "not the password")
        .await;
    assert_eq!(res.status(), 429);
}

#[tokio::test]
async fn the_lock_grows_with_further_failures() {
    let app = TestApp::spawn().await;
    let email = app.email(Role::Manager).to_string();
    let retry_after = |kind: ErrorKind| match kind {
        ErrorKind::TooManyAttempts { retry_after_secs } => retry_after_secs,
        other => panic!("expected a lock, got {other:?}"),
    };
    for _ in 0..5 {
        app.login(&app.browser(), &email, "not the password").await;
    }
    let first = retry_after(
        app_error(app.login(&app.browser(), &email, "x").await)
            .await
            .kind,
    );
    app.state.clock.advance(Duration::from_secs(first + 1));
    app.login(&app.browser(), &email, "not the password").await; // 6th failure
    let second = retry_after(
        app_error(app.login(&app.browser(), &email, "x").await)
            .await
            .kind,
    );
    assert!(
        second > first,
        "lock {second}s should be longer than {first}s"
    );
}

#[tokio::test]
async fn sign_in_attempts_are_limited_per_client_address() {
    let app = TestApp::spawn_with(crate::helpers::Options {
        login_attempts_per_minute: 3,
        ..Default::default()
    })
    .await;
    for i in 0..3 {
        let res = app
            .login(
                &app.browser(),
                &format!("someone{i}@example.test"),
                "wrong password",
            )
            .await;
        assert_eq!(res.status(), 401);
    }
    let res = app
        .login(&app.browser(), app.email(Role::Admin), PASSWORD)
        .await;
    assert_eq!(res.status(), 429);
}

fn session_cookie(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("kyc-desk="))
        .map(|c| c.split(';').next().unwrap_or_default().to_string())
}

async fn me_with_cookie(app: &TestApp, cookie: &str) -> Option<serde_json::Value> {
    let res = reqwest::Client::new()
        .get(app.url("/api/auth/me"))
        .header(reqwest::header::COOKIE, cookie)
        .send()
        .await
        .expect("request");
    res.json().await.expect("json")
}

#[tokio::test]
async fn signing_in_issues_a_new_session_id_and_the_old_one_stops_working() {
    let app = TestApp::spawn().await;
    let first = app
        .login(&app.browser(), app.email(Role::Reviewer), PASSWORD)
        .await;
    let first_cookie = session_cookie(&first).expect("session cookie");

    // Signing in again from the same browser (cookie sent) rotates the id.
    let res = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .post(app.url("/api/auth/login"))
        .header(reqwest::header::COOKIE, &first_cookie)
        .header(reqwest::header::ORIGIN, app.origin())
        .header(reqwest::header::ACCEPT, "application/json")
        .form(&[("email", app.email(Role::Reviewer)), ("password", PASSWORD)])
        .send()
        .await
        .expect("request");
    let second_cookie = session_cookie(&res).expect("new session cookie");
    assert_ne!(first_cookie, second_cookie);
    assert!(
        me_with_cookie(&app, &first_cookie).await.is_none(),
        "old id must be dead"
    );
    assert!(me_with_cookie(&app, &second_cookie).await.is_some());
}

#[tokio::test]
async fn signing_out_deletes_the_session_on_the_server() {
    let app = TestApp::spawn().await;
    let res = app
        .login(&app.browser(), app.email(Role::Reviewer), PASSWORD)
        .await;
    let cookie = session_cookie(&res).expect("cookie");
    let res = reqwest::Client::new()
        .post(app.url("/api/auth/logout"))
        .header(reqwest::header::COOKIE, &cookie)
        .header(reqwest::header::ORIGIN, app.origin())
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .expect("request");
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()
            .get("clear-site-data")
            .and_then(|v| v.to_str().ok()),
        Some("\"cookies\"")
    );
    // Replaying the old cookie gets nothing.
    assert!(me_with_cookie(&app, &cookie).await.is_none());
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM session WHERE user_id IS NOT NULL")
        .fetch_one(app.state.db.reader())
        .await
        .expect("count");
    assert_eq!(left, 0);
}

#[tokio::test]
async fn a_session_ends_after_fifteen_idle_minutes() {
    let app = TestApp::spawn().await;
    let browser = app.signed_in(Role::Reviewer).await;
    app.state.clock.advance(Duration::from_secs(14 * 60));
    assert_eq!(
        app.get(&browser, "/api/users/list").await.status(),
        403,
        "still signed in after 14 min"
    );
    app.state.clock.advance(Duration::from_secs(14 * 60));
    assert_eq!(
        app.get(&browser, "/api/users/list").await.status(),
        403,
        "activity keeps it alive"
    );
    app.state.clock.advance(Duration::from_secs(16 * 60));
    assert_eq!(
        app.get(&browser, "/api/users/list").await.status(),
        401,
        "idle for 16 min"
    );
}

#[tokio::test]
async fn a_session_ends_after_eight_hours_however_active() {
    let app = TestApp::spawn().await;
    let browser = app.signed_in(Role::Reviewer).await;
    for _ in 0..(8 * 6 - 1) {
        app.state.clock.advance(Duration::from_secs(10 * 60));
        assert_eq!(app.get(&browser, "/api/users/list").await.status(), 403);
    }
    app.state.clock.advance(Duration::from_secs(10 * 60));
    assert_eq!(app.get(&browser, "/api/users/list").await.status(), 401);
    assert!(app
        .audit_actions()
        .await
        .contains(&"auth.session_expired".to_string()));
}

#[tokio::test]
async fn expired_sessions_are_reaped_and_their_end_is_audited() {
    let app = TestApp::spawn().await;
    let _browser = app.signed_in(Role::Reviewer).await;
    app.state.clock.advance(Duration::from_secs(16 * 60));
    let ended = kyc_desk::server::session::reap_expired(&app.state.db, &app.state.clock)
        .await
        .expect("reap");
    assert_eq!(ended, 1);
    assert_eq!(
        app.audit_actions().await.last().map(String::as_str),
        Some("auth.session_expired")
    );
}

#[tokio::test]
async fn a_weak_old_password_hash_is_upgraded_at_sign_in() {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let app = TestApp::spawn().await;
    let id = app.user_id(Role::Reviewer);
    let weak = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon2::Params::new(4096, 1, 1, None).expect("params"),
    )
    .hash_password(
        PASSWORD.as_bytes(),
        &SaltString::generate(&mut rand::rngs::OsRng),
    )
    .expect("hash")
    .to_string();
    let mut tx = app.state.db.begin_write().await.expect("tx");
    kyc_desk::server::db::users::set_password_hash(&mut tx, id, &weak, 0)
        .await
        .expect("set");
    tx.commit().await.expect("commit");

    app.signed_in(Role::Reviewer).await;
    let stored: String =
        sqlx::query_scalar("SELECT password_hash FROM app_user WHERE user_id = $1")
            .bind(id)
            .fetch_one(app.state.db.reader())
            .await
            .expect("hash");
    assert!(
        stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{stored}"
    );
}

/// The sessions stored for `user_id`.
async fn sessions_of(app: &TestApp, user_id: i64) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM session WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(app.state.db.reader())
        .await
        .expect("count")
}

async fn is_signed_in(app: &TestApp, browser: &reqwest::Client) -> bool {
    let me: Option<serde_json::Value> = app
        .get(browser, "/api/auth/me")
        .await
        .json()
        .await
        .expect("json");
    me.is_some()
}

#[tokio::test]
async fn a_request_in_flight_across_a_reset_a_disable_or_a_role_change_leaves_no_usable_session() {
    use kyc_desk::server::db::audit::{Actor, Origin};
    use kyc_desk::server::services::users::{self, Deps};
    for change in ["password reset", "disable", "role change"] {
        // The reviewer's import asks Provide ident for its list, which
        // waits until the account has changed.
        let mut upstream = crate::helpers::HeldUpstream::start().await;
        let app = TestApp::spawn_with(crate::helpers::Options {
            settings: vec![
                ("ident_base_url", upstream.url.clone()),
                ("ident_token", "test-token".into()),
            ],
            ..Default::default()
        })
        .await;
        let reviewer = app.signed_in(Role::Reviewer).await;
        let id = app.user_id(Role::Reviewer);
        // A minute on, a request refreshes its session, so it saves the
        // session when it ends.
        app.state.clock.advance(Duration::from_secs(61));

        let slow = app.post(&reviewer, "/api/customers/import-ident", &[]);
        let meanwhile = async {
            upstream.arrived().await;
            let deps = Deps {
                db: &app.state.db,
                passwords: &app.state.passwords,
                clock: &app.state.clock,
            };
            let (admin, origin) = (Actor::System("test"), Origin::default());
            match change {
                "password reset" => {
                    let new = secrecy::SecretString::from("a new long password".to_string());
                    users::reset_password(&deps, admin, &origin, id, new).await
                }
                "disable" => users::set_disabled(&deps, admin, &origin, id, true).await,
                _ => users::change_role(&deps, admin, &origin, id, Role::ComplianceOfficer).await,
            }
            .expect("the account changes");
            assert_eq!(sessions_of(&app, id).await, 0, "{change} ends the session");
            upstream.release();
        };
        let (res, ()) = tokio::time::timeout(Duration::from_secs(60), async {
            tokio::join!(slow, meanwhile)
        })
        .await
        .expect("the request ends within 60 s");
        assert!(res.status().as_u16() < 500, "{change}: {}", res.status());

        assert_eq!(
            sessions_of(&app, id).await,
            0,
            "the request in flight across a {change} did not bring its session back"
        );
        assert!(
            !is_signed_in(&app, &reviewer).await,
            "the old cookie is refused after a {change}"
        );
    }
}

#[tokio::test]
async fn a_session_whose_account_changed_after_its_password_check_is_refused() {
    // What a sign-in in flight across a password reset would leave: its
    // password was checked before the reset, its session stored after it.
    let app = TestApp::spawn().await;
    let reviewer = app.signed_in(Role::Reviewer).await;
    let id = app.user_id(Role::Reviewer);
    assert!(is_signed_in(&app, &reviewer).await);
    sqlx::query("UPDATE app_user SET version = version + 1 WHERE user_id = $1")
        .bind(id)
        .execute(app.state.db.writer())
        .await
        .expect("the account changes");

    assert!(
        !is_signed_in(&app, &reviewer).await,
        "the session is refused"
    );
    assert_eq!(sessions_of(&app, id).await, 0, "and deleted");
    // Signing in again works.
    let res = app
        .login(&reviewer, app.email(Role::Reviewer), PASSWORD)
        .await;
    assert_eq!(res.status(), 200);
    assert!(is_signed_in(&app, &reviewer).await);
}

#[tokio::test]
async fn failures_a_day_old_and_idle_address_limits_are_forgotten() {
    let app = TestApp::spawn().await;
    let old = "old@example.test";
    app.login(&app.browser(), old, "not the password").await;
    app.state.clock.advance(Duration::from_secs(24 * 3600 + 1));
    let recent = app.email(Role::Reviewer).to_string();
    app.login(&app.browser(), &recent, "not the password").await;
    assert!(!app.state.login_limiter.is_empty());
    // An address is back to its full allowance once its attempts are
    // further apart than the limit allows (10,000 a minute: 6 ms each).
    tokio::time::sleep(Duration::from_millis(100)).await;

    let forgotten = kyc_desk::server::services::auth::forget_old_failures(&app.state)
        .await
        .expect("forget");
    assert_eq!(forgotten, 1, "the day-old failure");
    let key = |email: &str| app.state.keyed_hash("login", email.as_bytes());
    let left: Vec<String> = sqlx::query_scalar("SELECT account_key FROM login_throttle")
        .fetch_all(app.state.db.reader())
        .await
        .expect("rows");
    assert_eq!(left, vec![key(&recent)], "the recent failure stays");
    assert!(
        app.state.login_limiter.is_empty(),
        "no per-address state is kept for idle addresses"
    );
}
