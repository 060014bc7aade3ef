//! A real `kyc-desk serve` process, killed with SIGKILL while it works: what
//! it acknowledged is on disk after the restart, and what it was pushing
//! reaches the provider once.

use crate::helpers::{PASSWORD, TEST_AUDIT_KEY};
use kyc_desk::server::sandbox::{Sandbox, SandboxConfig};
use rand::Rng;
use reqwest::header::{ACCEPT, ORIGIN};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const REVIEWER: &str = "crash-reviewer@example.test";

/// The deployed binary.
const KYC_DESK: &str = env!("CARGO_BIN_EXE_kyc-desk");
/// The developer tools (`seed`).
const KYC_DESK_DEV: &str = env!("CARGO_BIN_EXE_kyc-desk-dev");

/// `program` with the settings every process of one test shares (one
/// database file).
fn command(program: &str, dir: &Path, sandbox: Option<SocketAddr>) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env(
            "KYC_DESK_DATABASE_URL",
            format!("sqlite://{}/desk.db", dir.display()),
        )
        .env("KYC_DESK_ADDR", "127.0.0.1:0")
        .env(
            "KYC_DESK_SECRET_KEY",
            "crash test secret key, long enough!!",
        )
        .env("KYC_DESK_AUDIT_SIGNING_KEY", TEST_AUDIT_KEY)
        .env("KYC_DESK_COOKIE_SECURE", "false")
        .env("KYC_DESK_LOGIN_ATTEMPTS_PER_MINUTE", "100000")
        .env("KYC_DESK_SITE_ROOT", dir.join("site"))
        .env("KYC_DESK_LOG", "warn");
    if let Some(addr) = sandbox {
        let cfg = SandboxConfig::default();
        let base = format!("http://{addr}");
        cmd.env("KYC_DESK_IDENT_BASE_URL", format!("{base}/api/v1"))
            .env("KYC_DESK_IDENT_TOKEN", &cfg.ident_token);
    }
    cmd
}

fn run(program: &str, dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = command(program, dir, None)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("it runs");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin");
        pipe.write_all(input.as_bytes()).expect("write");
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().expect("it exits");
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A running `kyc-desk serve`.
struct Server {
    child: Mutex<Child>,
    base: String,
}

impl Server {
    fn start(dir: &Path, sandbox: Option<SocketAddr>) -> Server {
        let mut child = command(KYC_DESK, dir, sandbox)
            .arg("serve")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("kyc-desk serve runs");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(base) = line.strip_prefix("KYC Desk: ") {
                    let _ = tx.send(base.trim_end_matches('/').to_string());
                }
            }
        });
        let base = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the server says where it listens");
        Server {
            child: Mutex::new(child),
            base,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// SIGKILL: no shutdown, no flush, no goodbye.
    fn kill(&self) {
        let mut child = self.child.lock().expect("child");
        child.kill().expect("SIGKILL");
        let _ = child.wait();
    }

    async fn signed_in(&self) -> reqwest::Client {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        let res = self
            .post(
                &client,
                "/api/auth/login",
                &[("email", REVIEWER), ("password", PASSWORD)],
            )
            .await
            .expect("sign in");
        assert_eq!(res.status(), 200);
        client
    }

    async fn post(
        &self,
        client: &reqwest::Client,
        path: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Result<reqwest::Response> {
        client
            .post(self.url(path))
            .header(ORIGIN, &self.base)
            .header(ACCEPT, "application/json")
            .form(form)
            .send()
            .await
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(child) = self.child.get_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

async fn open(dir: &Path) -> sqlx::SqlitePool {
    let url = format!("sqlite://{}/desk.db?mode=ro", dir.display());
    sqlx::SqlitePool::connect(&url).await.expect("database")
}

/// Makes a fresh database with a reviewer who can sign in.
fn prepare(dir: &Path) {
    run(
        KYC_DESK,
        dir,
        &[
            "user", "add", "--email", REVIEWER, "--name", "Crash", "--role", "reviewer",
        ],
        Some(&format!("{PASSWORD}\n")),
    );
}

enum Outcome {
    /// The server acknowledged the decision (with this note).
    Acknowledged(String),
    /// It refused (someone else's case, four eyes needed, …).
    Refused,
    /// No answer: the server is gone.
    Gone,
}

/// Claims and declines `id`.
async fn claim_and_decline(
    server: &Server,
    client: &reqwest::Client,
    db: &sqlx::SqlitePool,
    id: i64,
) -> Outcome {
    let Some(attempt) = try_claim_and_decline(server, client, db, id).await else {
        return Outcome::Gone;
    };
    match attempt {
        Some(note) => Outcome::Acknowledged(note),
        None => Outcome::Refused,
    }
}

/// `None`: no answer; `Some(None)`: refused; `Some(Some(note))`: decided.
async fn try_claim_and_decline(
    server: &Server,
    client: &reqwest::Client,
    db: &sqlx::SqlitePool,
    id: i64,
) -> Option<Option<String>> {
    let version = || async {
        sqlx::query_scalar::<_, i64>("SELECT version FROM verification WHERE verification_id = $1")
            .bind(id)
            .fetch_one(db)
            .await
            .ok()
            .map(|v| v.to_string())
    };
    let Some(v) = version().await else {
        return Some(None);
    };
    let id_s = id.to_string();
    let res = server
        .post(
            client,
            "/api/cases/claim",
            &[("id", &id_s), ("version", &v)],
        )
        .await
        .ok()?;
    if res.status() != 200 {
        return Some(None);
    }
    let Some(v) = version().await else {
        return Some(None);
    };
    let note = format!("Crash test decision on case {id}.");
    let res = server
        .post(
            client,
            "/api/cases/decide",
            &[
                ("id", &id_s),
                ("version", &v),
                ("decision", "decline"),
                ("reason", "SUSPECTED_FRAUD"),
                ("note", &note),
            ],
        )
        .await
        .ok()?;
    Some((res.status() == 200).then_some(note))
}

fn chain_verifies(dir: &Path) {
    let out = run(KYC_DESK, dir, &["audit", "verify"], None);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("PROBLEM"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_decision_acknowledged_before_a_sigkill_is_there_after_the_restart() {
    const ROUNDS: usize = 4;
    const WORKERS: usize = 6;
    let dir = tempfile::tempdir().expect("dir");
    let dir = dir.path().to_path_buf();
    prepare(&dir);
    run(
        KYC_DESK_DEV,
        &dir,
        &[
            "seed",
            "--customers",
            "2000",
            "--verifications",
            "20000",
            "--audit-events",
            "0",
        ],
        None,
    );
    let db = open(&dir).await;
    let open_cases: Vec<i64> = sqlx::query_scalar(
        "SELECT verification_id FROM verification WHERE review_status = 'UNREVIEWED' \
         ORDER BY verification_id",
    )
    .fetch_all(&db)
    .await
    .expect("open cases");
    assert!(open_cases.len() >= 200, "{} open cases", open_cases.len());
    let queue = Arc::new(Mutex::new(open_cases));
    let acknowledged: Arc<Mutex<Vec<(i64, String)>>> = Arc::default();
    for round in 0..ROUNDS {
        let server = Arc::new(Server::start(&dir, None));
        let mut tasks = Vec::new();
        for _ in 0..WORKERS {
            let (server, queue, acknowledged, db) = (
                server.clone(),
                queue.clone(),
                acknowledged.clone(),
                db.clone(),
            );
            tasks.push(tokio::spawn(async move {
                let client = server.signed_in().await;
                loop {
                    let next = queue.lock().expect("queue").pop();
                    let Some(id) = next else { break };
                    match claim_and_decline(&server, &client, &db, id).await {
                        Outcome::Acknowledged(note) => {
                            acknowledged.lock().expect("acks").push((id, note))
                        }
                        Outcome::Refused => continue,
                        Outcome::Gone => break,
                    }
                }
            }));
        }
        let after = Duration::from_millis(rand::thread_rng().gen_range(400..1_500));
        tokio::time::sleep(after).await;
        server.kill();
        for t in tasks {
            let _ = t.await;
        }
        assert_every_acknowledged_decision_is_there(&dir, &acknowledged, round).await;
    }
    let n = acknowledged.lock().expect("acks").len();
    assert!(n >= 20, "the load made decisions: {n}");
}

async fn assert_every_acknowledged_decision_is_there(
    dir: &Path,
    acknowledged: &Arc<Mutex<Vec<(i64, String)>>>,
    round: usize,
) {
    // The restart itself: recovery of the log happens on open.
    let server = Server::start(dir, None);
    let db = open(dir).await;
    let acks = acknowledged.lock().expect("acks").clone();
    let decided: BTreeSet<(i64, String)> =
        sqlx::query_as("SELECT verification_id, note FROM decision WHERE status = 'FINAL'")
            .fetch_all(&db)
            .await
            .expect("decisions")
            .into_iter()
            .collect();
    let events: BTreeSet<i64> = sqlx::query_scalar(
        "SELECT verification_id FROM audit_event WHERE action = 'decision.made'",
    )
    .fetch_all(&db)
    .await
    .expect("events")
    .into_iter()
    .collect();
    let pushed: BTreeSet<i64> = sqlx::query_scalar("SELECT verification_id FROM outbox")
        .fetch_all(&db)
        .await
        .expect("outbox")
        .into_iter()
        .collect();
    for (id, note) in &acks {
        assert!(
            decided.contains(&(*id, note.clone())),
            "round {round}: acknowledged decision on case {id} lost"
        );
        assert!(
            events.contains(id),
            "round {round}: case {id} has no audit event"
        );
        let provider: String =
            sqlx::query_scalar("SELECT provider FROM verification WHERE verification_id = $1")
                .bind(id)
                .fetch_one(&db)
                .await
                .expect("provider");
        if provider == "ident" || provider == "biometric_kz" {
            assert!(
                pushed.contains(id),
                "round {round}: case {id} has no outbox row"
            );
        }
    }
    db.close().await;
    server.kill();
    chain_verifies(dir);
}

/// What the sandbox received: the PUTs it processed, per application.
async fn processed_puts(sandbox: SocketAddr) -> Vec<String> {
    let log: Vec<Value> = reqwest::get(format!("http://{sandbox}/__sandbox/requests"))
        .await
        .expect("log")
        .json()
        .await
        .expect("json");
    log.iter()
        .filter(|r| r["method"] == "PUT" && !r["status"].is_null())
        .filter_map(|r| r["path"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushes_pending_and_in_flight_at_a_sigkill_each_reach_the_provider_once_after_restart() {
    let dir = tempfile::tempdir().expect("dir");
    let dir: PathBuf = dir.path().to_path_buf();
    let running = Sandbox::start(SandboxConfig::default(), "127.0.0.1:0")
        .await
        .expect("sandbox");
    let sandbox = running.addr();
    prepare(&dir);
    let server = Server::start(&dir, Some(sandbox));
    let out = run(
        KYC_DESK,
        &dir,
        &["token", "add", "--name", "crash", "--scope", "ingest"],
        None,
    );
    let token = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::trim)
        .find(|l| l.len() > 20 && !l.contains(' '))
        .expect("the token is printed")
        .to_string();
    let applications: Vec<String> = (0..4)
        .map(|n| format!("1de79999-0000-4000-8000-0000000c0a5{n}"))
        .collect();
    let refs: Vec<Value> = applications
        .iter()
        .map(|a| json!({"provider": "ident", "application_id": a}))
        .collect();
    let res = reqwest::Client::new()
        .post(server.url("/api/v1/customers"))
        .bearer_auth(&token)
        .json(&json!({"external_id": "crash-push", "display_name": "Push Person", "refs": refs}))
        .send()
        .await
        .expect("ingest");
    assert!(res.status().is_success());
    let db = open(&dir).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    let cases: Vec<i64> = loop {
        let ids: Vec<i64> = sqlx::query_scalar("SELECT verification_id FROM verification")
            .fetch_all(&db)
            .await
            .expect("cases");
        if ids.len() == applications.len() {
            break ids;
        }
        assert!(
            Instant::now() < deadline,
            "the poller reads the new applications"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    // ident applies each PUT at once and answers 3 s later.
    reqwest::Client::new()
        .post(format!("http://{sandbox}/__sandbox/faults"))
        .json(
            &json!({"provider": "ident", "kind": "slow_answer", "ms": 3000, "match": "\"status\""}),
        )
        .send()
        .await
        .expect("fault");
    let client = server.signed_in().await;
    for &id in &cases {
        assert!(
            matches!(
                claim_and_decline(&server, &client, &db, id).await,
                Outcome::Acknowledged(_)
            ),
            "decided {id}"
        );
    }
    // The first push is applied upstream and waiting for its answer; the
    // others are pending behind it in ident's lane.
    let deadline = Instant::now() + Duration::from_secs(10);
    while processed_puts(sandbox).await.is_empty() {
        assert!(Instant::now() < deadline, "a push goes out");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.kill();
    let before_restart = processed_puts(sandbox).await.len();
    assert!(
        before_restart < applications.len(),
        "some were still pending"
    );
    reqwest::Client::new()
        .delete(format!("http://{sandbox}/__sandbox/faults"))
        .send()
        .await
        .expect("clear faults");

    let server = Server::start(&dir, Some(sandbox));
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let states: Vec<String> = sqlx::query_scalar("SELECT state FROM outbox")
            .fetch_all(&db)
            .await
            .expect("outbox");
        if states.len() == applications.len() && states.iter().all(|s| s == "DONE") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "every push delivered: {states:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let puts = processed_puts(sandbox).await;
    for a in &applications {
        assert_eq!(
            puts.iter().filter(|p| p.ends_with(a.as_str())).count(),
            1,
            "{a} reached ident once: {puts:?}"
        );
    }
    server.kill();
    chain_verifies(&dir);
}
