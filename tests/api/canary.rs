//! Secrets never reach the logs or the audit trail: run the real server,
//! feed it canary values, and search everything it wrote.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CANARY_PASSWORD: &str = "canary-password-9f8e7d6c5b";
const CANARY_WRONG_PASSWORD: &str = "canary-wrong-password-1a2b3c";

#[tokio::test]
async fn no_password_token_key_or_session_id_reaches_the_logs_or_the_audit_trail() {
    let dir = tempfile::tempdir().expect("dir");
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
        l.local_addr().expect("addr").port()
    };
    let log_path = dir.path().join("server.log");
    let log = std::fs::File::create(&log_path).expect("log file");
    let mut server = Command::new(env!("CARGO_BIN_EXE_kyc-desk"))
        .arg("serve")
        .current_dir(dir.path())
        .env("KYC_DESK_ADDR", format!("127.0.0.1:{port}"))
        .env(
            "KYC_DESK_DATABASE_URL",
            format!("sqlite://{}/kyc.db", dir.path().display()),
        )
        .env("KYC_DESK_DEMO", "true")
        .env("KYC_DESK_DEMO_PASSWORD", CANARY_PASSWORD)
        .env("KYC_DESK_COOKIE_SECURE", "false")
        .env(
            "KYC_DESK_LOG",
            "debug,sqlx=warn,hyper=info,h2=info,rustls=info,tower_sessions=debug",
        )
        .env("KYC_DESK_POLL_SECS", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::from(log))
        .spawn()
        .expect("server starts");
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    while reqwest::get(format!("{base}/healthz")).await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "server did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("client");
    let login = |password: &'static str| {
        let browser = browser.clone();
        let base = base.clone();
        async move {
            browser
                .post(format!("{base}/api/auth/login"))
                .header("origin", &base)
                .header("accept", "application/json")
                .form(&[("email", "admin@kyc-desk.test"), ("password", password)])
                .send()
                .await
                .expect("login")
        }
    };
    login(CANARY_WRONG_PASSWORD).await;
    let ok = login(CANARY_PASSWORD).await;
    assert_eq!(ok.status(), 200);
    let cookie = ok
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| {
            c.strip_prefix("kyc-desk=")
                .map(|v| v.split(';').next().unwrap_or_default().to_string())
        })
        .expect("session cookie");
    // A password reset with a canary, and pages that read upstream data.
    browser
        .post(format!("{base}/api/users/reset-password"))
        .header("origin", &base)
        .header("accept", "application/json")
        .form(&[("user_id", "1"), ("password", CANARY_PASSWORD)])
        .send()
        .await
        .expect("reset");
    // A page with its own request id, and a query string that is not logged.
    let page = browser
        .get(format!("{base}/login?next=canary-query-7c6b5a"))
        .header("x-request-id", "timing-probe-1")
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 200);
    // A request id that is not short and plain is replaced, in the answer
    // and in the log.
    const ODD_ID: &str = "odd request id, with spaces; and <markup> - replaced-canary-5e4d";
    let page = browser
        .get(format!("{base}/login"))
        .header("x-request-id", ODD_ID)
        .send()
        .await
        .expect("page");
    let replacement = page.headers()["x-request-id"]
        .to_str()
        .expect("id")
        .to_string();
    assert_ne!(replacement, ODD_ID);
    // Let the poller read every demo reference (through the sandbox's keys).
    tokio::time::sleep(Duration::from_secs(4)).await;
    let _ = server.kill();
    let _ = server.wait();

    let mut logs = String::new();
    std::fs::File::open(&log_path)
        .expect("log")
        .read_to_string(&mut logs)
        .expect("read");
    assert!(
        logs.contains("upstream call"),
        "the poller did talk to the providers"
    );
    // Each response is logged with its request id and the server's time
    // for it (what `kyc-desk-dev bench` measures), the path without its query.
    let timing = logs
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["message"] == "response" && v["span"]["request_id"] == "timing-probe-1")
        .expect("the page's response line");
    assert_eq!(timing["status"], 200);
    assert_eq!(timing["span"]["path"], "/login");
    assert!(timing["latency_us"].as_u64().is_some(), "{timing}");
    assert!(
        !logs.contains("canary-query-7c6b5a"),
        "a query string is in the log"
    );
    assert!(
        logs.lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .any(|v| v["message"] == "response" && v["span"]["request_id"] == replacement),
        "the replaced request id is logged"
    );
    assert!(
        !logs.contains("replaced-canary-5e4d"),
        "an odd request id is in the log"
    );
    let db = sqlx::SqlitePool::connect(&format!("sqlite://{}/kyc.db", dir.path().display()))
        .await
        .expect("db");
    let audit: Vec<String> = sqlx::query_scalar(
        "SELECT COALESCE(changes,'') || ' ' || COALESCE(reason,'') || ' ' || COALESCE(entity_id,'') FROM audit_event",
    )
    .fetch_all(&db)
    .await
    .expect("audit");
    let audit = audit.join("\n");
    let cfg = kyc_desk::server::sandbox::SandboxConfig::default();
    let canaries = [
        ("the password", CANARY_PASSWORD.to_string()),
        ("a wrong password", CANARY_WRONG_PASSWORD.to_string()),
        ("the session id", cookie),
        ("the Eclipse password", cfg.eclipse_password.clone()),
        (
            "the biometric.kz flow key",
            cfg.biometric_flow_api_key.clone(),
        ),
        (
            "the biometric.kz org key",
            cfg.biometric_org_api_key.clone(),
        ),
        ("the ident token", cfg.ident_token.clone()),
        ("the WIDTH secret", cfg.width_api_secret.clone()),
    ];
    for (what, secret) in canaries {
        assert!(!logs.contains(&secret), "{what} is in the log");
        assert!(!audit.contains(&secret), "{what} is in the audit trail");
    }
}
