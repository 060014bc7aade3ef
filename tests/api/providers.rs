//! Contract tests: each adapter, through its real HTTP client, against the
//! sandbox (which serves the seeds' payloads verbatim — see `sandbox::`).

use kyc_desk::domain::customer::ProviderRef;
use kyc_desk::domain::verification::{CheckCategory, CheckOutcome, UpstreamStatus};
use kyc_desk::server::config::Settings;
use kyc_desk::server::providers::biometric_kz::mcp::FinalStatus;
use kyc_desk::server::providers::eclipse::Ratified;
use kyc_desk::server::providers::{Adapter, Providers, UpstreamErrorKind, UpstreamResult};
use kyc_desk::server::sandbox::{RunningSandbox, Sandbox, SandboxConfig};
use kyc_desk::server::services::demo_data::point_at_sandbox;
use serde_json::{json, Value};

struct Env {
    sandbox: RunningSandbox,
    providers: Providers,
    http: reqwest::Client,
}

async fn env() -> Env {
    env_with(SandboxConfig::default(), &[]).await
}

async fn env_with(cfg: SandboxConfig, settings: &[(&str, i64)]) -> Env {
    let sandbox = Sandbox::start(cfg, "127.0.0.1:0").await.expect("sandbox");
    let mut fig = Settings::defaults().merge(("demo", true));
    for (k, v) in settings {
        fig = fig.merge((*k, *v));
    }
    let mut s = Settings::from_figment(fig).expect("settings");
    point_at_sandbox(&mut s, &sandbox);
    Env {
        sandbox,
        providers: Providers::from_settings(&s).expect("providers"),
        http: reqwest::Client::new(),
    }
}

impl Env {
    async fn fault(&self, rule: Value) {
        let res = self
            .http
            .post(format!("{}/__sandbox/faults", self.sandbox.url()))
            .json(&rule)
            .send()
            .await
            .expect("fault");
        assert!(res.status().is_success());
    }

    async fn requests(&self) -> Vec<Value> {
        let v: Value = self
            .http
            .get(format!("{}/__sandbox/requests", self.sandbox.url()))
            .send()
            .await
            .expect("log")
            .json()
            .await
            .expect("json");
        v.as_array().cloned().unwrap_or_default()
    }

    async fn count(&self, method: &str, path_part: &str) -> usize {
        self.requests()
            .await
            .iter()
            .filter(|r| {
                r["method"] == method && r["path"].as_str().is_some_and(|p| p.contains(path_part))
            })
            .count()
    }

    async fn fetch(&self, r: ProviderRef) -> Vec<UpstreamResult> {
        self.providers
            .require(r.provider())
            .expect("configured")
            .fetch(&r)
            .await
            .expect("fetch")
    }
}

fn eclipse(customer_id: &str) -> ProviderRef {
    ProviderRef::Eclipse {
        tenant_id: "100".into(),
        customer_id: customer_id.into(),
    }
}

fn session(n: &str) -> ProviderRef {
    ProviderRef::BiometricKz {
        session_id: format!("b10e0000-0000-4000-8000-0000000000{n}"),
    }
}

fn application(id: &str) -> ProviderRef {
    ProviderRef::Ident {
        application_id: id.into(),
    }
}

fn execution(key: &str) -> ProviderRef {
    ProviderRef::Width {
        execution_id: format!("exec-sbx-{key}"),
        customer_id: None,
        reference_id: None,
    }
}

fn only(mut v: Vec<UpstreamResult>) -> UpstreamResult {
    assert_eq!(v.len(), 1, "exactly one result");
    v.remove(0)
}

// --- Eclipse -------------------------------------------------------------------------------

#[tokio::test]
async fn eclipse_clean_pass_reads_as_the_seed_passed_result() {
    let env = env().await;
    let r = only(env.fetch(eclipse("1592544")).await);
    assert_eq!(r.status, UpstreamStatus::Passed);
    assert_eq!(r.status_raw, "PASSED");
    assert!(r.terminal);
    assert_eq!(r.upstream_ref, "1592544@2026-05-19T08:30:20.000Z");
    assert!(r.checks.len() >= 3);
    assert!(r.checks.iter().all(|c| c.outcome == CheckOutcome::Passed));
}

#[tokio::test]
async fn eclipse_sanctions_hit_is_a_failed_sanctions_check_with_the_ofac_comment() {
    let env = env().await;
    let r = only(env.fetch(eclipse("1592545")).await);
    assert_eq!(r.status, UpstreamStatus::Failed);
    let c = r.check("sanctionsListCheck").expect("sanctions check");
    assert_eq!(c.category, CheckCategory::SanctionsPepAml);
    assert_eq!(c.outcome, CheckOutcome::Failed);
    assert_eq!(c.comment.as_deref(), Some("Match found on OFAC list"));
}

#[tokio::test]
async fn an_eclipse_customer_never_ratified_has_no_result_yet() {
    let env = env().await;
    assert!(env.fetch(eclipse("1592551")).await.is_empty());
}

#[tokio::test]
async fn an_unknown_eclipse_status_is_unknown_and_keeps_the_raw_value() {
    let env = env().await;
    let r = only(env.fetch(eclipse("1592549")).await);
    assert_eq!(r.status, UpstreamStatus::Unknown);
    assert_eq!(r.status_raw, "ON_HOLD");
    assert!(!r.terminal);
}

#[tokio::test]
async fn a_pending_eclipse_result_settles_after_a_few_polls() {
    let env = env().await;
    let first = only(env.fetch(eclipse("1592550")).await);
    assert_eq!(first.status, UpstreamStatus::Processing);
    let mut last = first;
    for _ in 0..3 {
        last = only(env.fetch(eclipse("1592550")).await);
    }
    assert_eq!(last.status, UpstreamStatus::Passed);
}

#[tokio::test]
async fn eclipse_logs_in_once_and_shares_the_token_between_concurrent_calls() {
    let env = env().await;
    let adapter = env.providers.eclipse.clone().expect("eclipse");
    let calls = (0..8).map(|_| {
        let a = adapter.clone();
        async move { a.fetch(&eclipse("1592544")).await }
    });
    for r in futures::future::join_all(calls).await {
        r.expect("fetch");
    }
    assert_eq!(env.count("POST", "/authentication/login").await, 1);
}

#[tokio::test]
async fn an_expired_eclipse_token_gets_one_new_login_and_the_call_succeeds() {
    let env = env().await;
    env.fetch(eclipse("1592544")).await;
    env.http
        .post(format!(
            "{}/__sandbox/eclipse/expire-tokens",
            env.sandbox.url()
        ))
        .send()
        .await
        .expect("expire");
    let r = only(env.fetch(eclipse("1592544")).await);
    assert_eq!(r.status, UpstreamStatus::Passed);
    assert_eq!(env.count("POST", "/authentication/login").await, 2);
}

#[tokio::test]
async fn wrong_eclipse_credentials_are_an_authentication_error_with_the_code() {
    let env = env().await;
    let mut s =
        Settings::from_figment(Settings::defaults().merge(("demo", true))).expect("settings");
    point_at_sandbox(&mut s, &env.sandbox);
    s.eclipse_password = Some(secrecy::SecretString::from("wrong".to_string()));
    let p = Providers::from_settings(&s).expect("providers");
    let e = p
        .eclipse
        .expect("eclipse")
        .fetch(&eclipse("1592544"))
        .await
        .expect_err("refused");
    assert_eq!(e.kind, UpstreamErrorKind::Unauthorized);
    assert_eq!(e.code.as_deref(), Some("USR002"));
    assert!(e.trace_id.is_some(), "the trace id is kept");
}

#[tokio::test]
async fn re_ratifying_while_one_runs_is_already_in_progress_not_a_failure() {
    let env = env().await;
    let eclipse_client = env.providers.eclipse.clone().expect("eclipse");
    match eclipse_client
        .ratify("100", "1592550")
        .await
        .expect("answered")
    {
        Ratified::AlreadyInProgress { trace_id } => assert!(trace_id.is_some()),
        other => panic!("expected KYC001, got {other:?}"),
    }
}

#[tokio::test]
async fn re_ratifying_starts_a_new_result_and_is_sent_exactly_once_even_on_a_5xx() {
    let env = env().await;
    let e = env.providers.eclipse.clone().expect("eclipse");
    match e.ratify("100", "1592544").await.expect("started") {
        Ratified::Started(r) => assert_eq!(r.status, UpstreamStatus::Processing),
        other => panic!("expected a new ratification, got {other:?}"),
    }
    env.fault(json!({
        "provider": "eclipse", "kind": "status", "status": 503, "count": 1,
        "match": "1592545/ratify",
    }))
    .await;
    let err = e.ratify("100", "1592545").await.expect_err("503");
    assert_eq!(err.kind, UpstreamErrorKind::Server);
    assert_eq!(
        env.count("POST", "1592545/ratify").await,
        1,
        "a POST is never retried"
    );
}

#[tokio::test]
async fn the_hosted_liveness_flow_scores_against_the_threshold() {
    let env = env().await;
    let e = env.providers.eclipse.clone().expect("eclipse");
    let start = e
        .start_liveness("100", "1592546", "http://127.0.0.1/liveness/callback")
        .await
        .expect("started");
    assert!(start.completion_url.starts_with("http"));
    let (doc, check) = e
        .finish_liveness("100", &start.document_id, &start.document)
        .await
        .expect("finished");
    assert_eq!(check.category, CheckCategory::Liveness);
    assert_eq!(check.threshold, Some(55.0));
    assert_eq!(doc.score.is_some(), check.score.is_some());
    assert_eq!(
        check.outcome,
        CheckOutcome::Failed,
        "this scenario fails the first time"
    );
}

#[tokio::test]
async fn a_rate_limit_answer_is_honoured_and_the_read_retried() {
    let env = env().await;
    env.fetch(eclipse("1592544")).await; // log in first
    env.fault(json!({"provider": "eclipse", "kind": "rate_limit", "count": 1, "match": "/ratify"}))
        .await;
    let r = only(env.fetch(eclipse("1592544")).await);
    assert_eq!(r.status, UpstreamStatus::Passed);
    assert_eq!(
        env.count("GET", "/ratify").await,
        3,
        "1 before, 1 limited, 1 retried"
    );
}

#[tokio::test]
async fn server_errors_malformed_json_and_dropped_connections_are_retried_for_reads() {
    let env = env().await;
    for kind in [
        json!({"kind": "status", "status": 502}),
        json!({"kind": "malformed"}),
        json!({"kind": "drop"}),
    ] {
        let mut rule = kind.clone();
        rule["provider"] = "ident".into();
        rule["count"] = 1.into();
        env.fault(rule).await;
        let r = only(
            env.fetch(application("1de70000-0000-4000-8000-000000000001"))
                .await,
        );
        assert_eq!(r.status, UpstreamStatus::Passed, "after {kind}");
    }
}

#[tokio::test]
async fn a_slow_upstream_hits_the_timeout() {
    let env = env_with(SandboxConfig::default(), &[("upstream_timeout_ms", 300)]).await;
    env.fault(json!({"provider": "width", "kind": "latency", "ms": 2000}))
        .await;
    let adapter = env.providers.width.clone().expect("width");
    let e = adapter
        .fetch(&execution("clean-pass"))
        .await
        .expect_err("too slow");
    assert_eq!(e.kind, UpstreamErrorKind::Timeout);
}

#[tokio::test]
async fn the_breaker_stops_calling_a_failing_provider() {
    let env = env().await;
    env.fault(json!({"provider": "ident", "kind": "status", "status": 503}))
        .await;
    let ident = env.providers.ident.clone().expect("ident");
    let target = application("1de70000-0000-4000-8000-000000000001");
    // 2 calls × 3 attempts = 6 failures ≥ the threshold of 5.
    for _ in 0..2 {
        ident.fetch(&target).await.expect_err("503");
    }
    let before = env.count("GET", "/kyc_applications/").await;
    let e = ident.fetch(&target).await.expect_err("open");
    assert_eq!(e.kind, UpstreamErrorKind::CircuitOpen);
    assert_eq!(
        env.count("GET", "/kyc_applications/").await,
        before,
        "no call was made"
    );
}

// --- biometric.kz --------------------------------------------------------------------------

#[tokio::test]
async fn a_clean_biometric_kz_session_passes_every_technology() {
    let env = env().await;
    let r = only(env.fetch(session("01")).await);
    assert_eq!(r.status, UpstreamStatus::Passed);
    assert!(r.terminal);
    assert!(r
        .checks
        .iter()
        .any(|c| c.category == CheckCategory::Liveness));
    assert!(r.checks.iter().all(|c| c.outcome == CheckOutcome::Passed));
}

#[tokio::test]
async fn a_biometric_kz_liveness_failure_keeps_its_failure_type() {
    let env = env().await;
    let r = only(env.fetch(session("02")).await);
    assert_eq!(r.status, UpstreamStatus::Failed);
    let c = r
        .checks
        .iter()
        .find(|c| c.category == CheckCategory::Liveness)
        .expect("liveness");
    assert_eq!(c.outcome, CheckOutcome::Failed);
    assert_eq!(c.reason.as_deref(), Some("CALC_RESULT"));
}

#[tokio::test]
async fn the_other_biometric_kz_spellings_are_read_too() {
    let env = env().await;
    let r = only(env.fetch(session("03")).await);
    let face = r
        .checks
        .iter()
        .find(|c| c.category == CheckCategory::FaceMatch)
        .expect("face match");
    assert_eq!(face.outcome, CheckOutcome::Failed);
    assert_eq!(face.score, Some(0.41));
    assert!(
        r.checks
            .iter()
            .any(|c| c.category == CheckCategory::IdentityDocument),
        "document_recognition_result"
    );
}

#[tokio::test]
async fn an_unknown_biometric_kz_status_is_unknown() {
    let env = env().await;
    let r = only(env.fetch(session("08")).await);
    assert_eq!(
        (r.status, r.status_raw.as_str()),
        (UpstreamStatus::Unknown, "ARCHIVED")
    );
}

#[tokio::test]
async fn a_biometric_kz_session_is_created_once_and_the_flow_key_never_appears_in_a_path() {
    let env = env().await;
    let id = env
        .providers
        .biometric_kz
        .clone()
        .expect("bkz")
        .create_session()
        .await
        .expect("created");
    assert_eq!(id.len(), 36);
    let log = env.requests().await;
    assert_eq!(
        log.iter()
            .filter(|r| r["path"]
                .as_str()
                .is_some_and(|p| p.contains("session/create")))
            .count(),
        1
    );
    let key = kyc_desk::server::sandbox::DEFAULT_BIOMETRIC_FLOW_API_KEY;
    assert!(log.iter().all(|r| !r.to_string().contains(key)));
}

#[tokio::test]
async fn mcp_finalises_a_session_in_review_and_records_a_review() {
    let env = env().await;
    let bkz = env.providers.biometric_kz.clone().expect("bkz");
    let mcp = bkz.mcp().expect("mcp configured");
    let sid = "b10e0000-0000-4000-8000-000000000005";
    mcp.update_status(sid, FinalStatus::Approved, "verified manually")
        .await
        .expect("finalised");
    mcp.create_review(sid, "Approved in KYC Desk")
        .await
        .expect("review");
    let reviews = mcp.list_reviews(sid).await.expect("reviews").to_string();
    assert!(reviews.contains("Approved in KYC Desk"), "{reviews}");
    let r = only(env.fetch(session("05")).await);
    assert_eq!(r.status, UpstreamStatus::Approved);
}

#[tokio::test]
async fn mcp_refuses_to_finalise_a_session_that_is_not_in_review() {
    let env = env().await;
    let bkz = env.providers.biometric_kz.clone().expect("bkz");
    let e = bkz
        .mcp()
        .expect("mcp")
        .update_status(
            "b10e0000-0000-4000-8000-000000000007",
            FinalStatus::Declined,
            "no",
        )
        .await
        .expect_err("not in review");
    assert_eq!(e.kind, UpstreamErrorKind::Rejected);
}

#[tokio::test]
async fn mcp_with_a_wrong_org_key_is_unauthorized() {
    let env = env().await;
    let mut s =
        Settings::from_figment(Settings::defaults().merge(("demo", true))).expect("settings");
    point_at_sandbox(&mut s, &env.sandbox);
    s.biometric_kz_org_api_key = Some(secrecy::SecretString::from("org_wrong".to_string()));
    let p = Providers::from_settings(&s).expect("providers");
    let e = p
        .biometric_kz
        .expect("bkz")
        .mcp()
        .expect("mcp")
        .list_reviews("b10e0000-0000-4000-8000-000000000005")
        .await
        .expect_err("401");
    assert_eq!(e.kind, UpstreamErrorKind::Unauthorized);
}

// --- Provide ident -------------------------------------------------------------------------

#[tokio::test]
async fn the_seed_ident_detail_maps_every_vouched_error() {
    let env = env().await;
    let r = only(
        env.fetch(application("e494ee10-bbf5-45bb-81aa-7e3561d8c729"))
            .await,
    );
    assert_eq!(r.status, UpstreamStatus::Processing);
    assert!(r
        .checks
        .iter()
        .any(|c| c.category == CheckCategory::FaceMatch && c.outcome == CheckOutcome::Failed));
    assert!(r.checks.iter().any(|c| c.key.contains("NameMatchError")));
}

#[tokio::test]
async fn an_ident_duplicate_needs_review_with_a_failed_duplicate_check() {
    let env = env().await;
    let r = only(
        env.fetch(application("1de70000-0000-4000-8000-000000000004"))
            .await,
    );
    assert_eq!(r.status, UpstreamStatus::NeedsReview);
    assert!(r
        .checks
        .iter()
        .any(|c| c.category == CheckCategory::DuplicateDetection
            && c.outcome == CheckOutcome::Failed));
}

#[tokio::test]
async fn ident_pages_through_its_list_with_the_total() {
    let env = env().await;
    let ident = env.providers.ident.clone().expect("ident");
    let first = ident.list(1, 5).await.expect("page 1");
    let total = first.total.expect("X-Total-Results-Count") as usize;
    assert!(total > 5);
    let mut seen = first.applications.len();
    let mut page = 2;
    while seen < total {
        let next = ident.list(page, 5).await.expect("page");
        assert!(!next.applications.is_empty());
        seen += next.applications.len();
        page += 1;
    }
    assert_eq!(seen, total);
}

#[tokio::test]
async fn an_ident_status_put_is_accepted_and_read_back() {
    let env = env().await;
    let ident = env.providers.ident.clone().expect("ident");
    let r = ident
        .put_status("205d1f45-4b45-4d85-a692-8db40d94ab89", "accepted")
        .await
        .expect("202");
    assert_eq!(r.status, UpstreamStatus::Passed);
}

// --- WIDTH ---------------------------------------------------------------------------------

#[tokio::test]
async fn a_width_execution_waiting_for_liveness_awaits_input() {
    let env = env().await;
    let r = only(env.fetch(execution("waiting-liveness")).await);
    assert_eq!(r.status, UpstreamStatus::AwaitingInput);
    let node = r
        .check("node:flow_action_liveness_test")
        .expect("waiting node");
    assert_eq!(node.outcome, CheckOutcome::Pending);
}

#[tokio::test]
async fn a_width_screening_hit_fails_the_sanctions_check() {
    let env = env().await;
    let r = only(env.fetch(execution("sanctions-hit")).await);
    assert_eq!(r.status, UpstreamStatus::Failed);
    assert!(
        r.checks
            .iter()
            .any(|c| c.category == CheckCategory::SanctionsPepAml
                && c.outcome == CheckOutcome::Failed)
    );
}

#[tokio::test]
async fn a_width_node_we_have_no_handler_for_is_flagged() {
    let env = env().await;
    let r = only(env.fetch(execution("waiting-unknown-node")).await);
    assert!(r
        .checks
        .iter()
        .any(|c| c.outcome == CheckOutcome::Unknown && c.category == CheckCategory::Other));
}

#[tokio::test]
async fn a_new_width_workflow_is_registered_submitted_and_read() {
    let env = env().await;
    let width = env.providers.width.clone().expect("width");
    width
        .register(Some("C_new"), None)
        .await
        .expect("registered");
    let id = width.submit("C_new", "ref-new-1").await.expect("submitted");
    let r = width.execution(&id).await.expect("status");
    assert_eq!(r.upstream_ref, id);
    assert!(!r.terminal);
}

#[tokio::test]
async fn a_width_call_with_a_wrong_secret_is_unauthorized() {
    let env = env().await;
    let mut s =
        Settings::from_figment(Settings::defaults().merge(("demo", true))).expect("settings");
    point_at_sandbox(&mut s, &env.sandbox);
    s.width_api_secret = Some(secrecy::SecretString::from("sk_wrong".to_string()));
    let p = Providers::from_settings(&s).expect("providers");
    let e = p
        .width
        .expect("width")
        .fetch(&execution("clean-pass"))
        .await
        .expect_err("401");
    assert_eq!(e.kind, UpstreamErrorKind::Unauthorized);
    assert_eq!(e.code.as_deref(), Some("UNAUTHORIZED"));
}
