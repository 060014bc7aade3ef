//! One harness for every integration test: the real router on a random port,
//! a fresh SQLite file, and one user per role.

use kyc_desk::domain::Role;
use kyc_desk::server::config::Settings;
use kyc_desk::server::db::audit::{Actor, Origin};
use kyc_desk::server::sandbox::{RunningSandbox, Sandbox, SandboxConfig};
use kyc_desk::server::services::demo_data::point_at_sandbox;
use kyc_desk::server::services::users::{self, Deps, NewUser};
use kyc_desk::server::startup::Application;
use kyc_desk::server::state::AppState;
use reqwest::header::{ACCEPT, ORIGIN};
use reqwest::{Client, Response};
use secrecy::SecretString;
use std::collections::HashMap;

pub const PASSWORD: &str = "a long enough password";
/// A fixed Ed25519 seed (base64) for the tests' audit checkpoints.
pub const TEST_AUDIT_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

pub struct TestApp {
    pub addr: String,
    /// The sandbox standing in for the providers, when asked for.
    pub sandbox: Option<RunningSandbox>,
    pub state: AppState,
    pub users: HashMap<Role, (i64, String)>,
    _dir: tempfile::TempDir,
}

pub struct Options {
    pub login_attempts_per_minute: u32,
    /// JSON API requests per token per minute.
    pub api_requests_per_minute: u32,
    pub cookie_secure: bool,
    /// Start a sandbox and point every provider at it.
    pub sandbox: Option<SandboxConfig>,
    /// Run the background workers (tests tick them by hand).
    pub workers: bool,
    /// Further settings `(TOML key, value)`, applied last.
    pub settings: Vec<(&'static str, String)>,
    /// Where the database file lives (a fresh temporary folder if not set).
    pub database_dir: Option<std::path::PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            login_attempts_per_minute: 10_000,
            api_requests_per_minute: 10_000,
            cookie_secure: false,
            sandbox: None,
            workers: false,
            settings: Vec::new(),
            database_dir: None,
        }
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(Options::default()).await
    }

    pub async fn spawn_with(opts: Options) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let db_dir = opts.database_dir.as_deref().unwrap_or(dir.path());
        let db_url = format!("sqlite://{}", db_dir.join("test.db").display());
        // The port first: links the app makes (single sign-on's redirect URI) name it.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = format!("127.0.0.1:{}", listener.local_addr().expect("addr").port());
        let mut figment = Settings::defaults()
            .merge(("database_url", db_url))
            .merge(("addr", "127.0.0.1:0"))
            .merge(("public_url", format!("http://{addr}")))
            .merge(("cookie_secure", opts.cookie_secure))
            .merge(("login_attempts_per_minute", opts.login_attempts_per_minute))
            .merge(("api_requests_per_minute", opts.api_requests_per_minute))
            .merge(("secret_key", "test secret key that is long enough!!"))
            .merge(("audit_signing_key", TEST_AUDIT_KEY))
            .merge(("log_format", "pretty"))
            .merge(("workers", opts.workers))
            // Tests of other things sign admins and officers in with a password alone;
            // tests/api/two_factor.rs turns the policy back on.
            .merge(("mfa_required", "off"));
        for (key, value) in opts.settings {
            figment = figment.merge((key, value));
        }
        let mut settings = Settings::from_figment(figment).expect("test settings");
        let mut sandbox = None;
        if let Some(cfg) = opts.sandbox {
            let running = Sandbox::start(cfg, "127.0.0.1:0").await.expect("sandbox");
            point_at_sandbox(&mut settings, &running);
            sandbox = Some(running);
        }
        let app = Application::build(settings).await.expect("app builds");
        let state = app.state.clone();
        tokio::spawn(app.serve(listener, std::future::pending()));

        let mut users = HashMap::new();
        for role in Role::ALL {
            let email = format!("{}@example.test", role.as_str());
            let id = create_user(&state, &email, role).await;
            users.insert(role, (id, email));
        }
        TestApp {
            addr,
            sandbox,
            state,
            users,
            _dir: dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn email(&self, role: Role) -> &str {
        &self.users[&role].1
    }

    pub fn user_id(&self, role: Role) -> i64 {
        self.users[&role].0
    }

    /// A fresh browser: its own cookie jar, redirects not followed.
    pub fn browser(&self) -> Client {
        Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }

    /// A same-origin POST of a form to a server function, as the hydrated app
    /// sends it (JSON answer).
    pub async fn post(&self, client: &Client, path: &str, form: &[(&str, &str)]) -> Response {
        client
            .post(self.url(path))
            .header(ORIGIN, self.origin())
            .header(ACCEPT, "application/json")
            .form(form)
            .send()
            .await
            .expect("request")
    }

    /// A same-origin form post as a browser without JavaScript sends it.
    pub async fn post_html_form(
        &self,
        client: &Client,
        path: &str,
        referer: &str,
        form: &[(&str, &str)],
    ) -> Response {
        client
            .post(self.url(path))
            .header(ORIGIN, self.origin())
            .header("sec-fetch-site", "same-origin")
            .header(ACCEPT, "text/html,application/xhtml+xml")
            .header(reqwest::header::REFERER, self.url(referer))
            .form(form)
            .send()
            .await
            .expect("request")
    }

    pub async fn get(&self, client: &Client, path: &str) -> Response {
        client
            .get(self.url(path))
            .header(ACCEPT, "application/json")
            .send()
            .await
            .expect("request")
    }

    pub async fn login(&self, client: &Client, email: &str, password: &str) -> Response {
        self.post(
            client,
            "/api/auth/login",
            &[("email", email), ("password", password)],
        )
        .await
    }

    /// A browser signed in as `role`.
    pub async fn signed_in(&self, role: Role) -> Client {
        let client = self.browser();
        let res = self.login(&client, self.email(role), PASSWORD).await;
        assert_eq!(
            res.status(),
            200,
            "sign-in as {role} failed: {}",
            res.text().await.unwrap_or_default()
        );
        client
    }

    /// A browser signed in as a second compliance officer (four eyes).
    pub async fn second_officer(&self) -> Client {
        let email = "officer2@example.test";
        create_user(&self.state, email, Role::ComplianceOfficer).await;
        let b = self.browser();
        assert_eq!(self.login(&b, email, PASSWORD).await.status(), 200);
        b
    }

    /// Runs `kyc-desk-dev` (the developer tools, a binary of their own)
    /// with `args` against this app's database, as a developer would.
    pub async fn dev_tool(&self, args: &[&str]) -> std::process::Output {
        let database = self.state.db.file();
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_kyc-desk-dev"));
        cmd.args(args)
            .current_dir(database.parent().expect("the database's folder"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env(
                "KYC_DESK_DATABASE_URL",
                format!("sqlite://{}", database.display()),
            )
            .env("KYC_DESK_LOG", "warn");
        tokio::task::spawn_blocking(move || cmd.output())
            .await
            .expect("joined")
            .expect("kyc-desk-dev runs")
    }

    /// `kyc-desk-dev seed` with `args`: its summary; fails the test unless
    /// it succeeds.
    pub async fn seed(&self, args: &[&str]) -> String {
        let out = self.dev_tool(&[&["seed"], args].concat()).await;
        assert!(
            out.status.success(),
            "kyc-desk-dev seed {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The audit actions recorded so far, oldest first.
    pub async fn audit_actions(&self) -> Vec<String> {
        sqlx::query_scalar("SELECT action FROM audit_event ORDER BY seq")
            .fetch_all(self.state.db.reader())
            .await
            .expect("audit query")
    }
}

pub async fn create_user(state: &AppState, email: &str, role: Role) -> i64 {
    let deps = Deps {
        db: &state.db,
        passwords: &state.passwords,
        clock: &state.clock,
    };
    // "reviewer@example.test" is "Test reviewer".
    let name = format!("Test {}", email.split('@').next().unwrap_or(email));
    let new = NewUser::parse(
        email,
        &name,
        role.as_str(),
        SecretString::from(PASSWORD.to_string()),
    )
    .expect("valid user");
    users::create(&deps, Actor::System("test"), &Origin::default(), new)
        .await
        .expect("user created")
}

/// The `AppError` in a server function's JSON answer.
pub async fn app_error(res: Response) -> kyc_desk::error::AppError {
    let text = res.text().await.expect("body");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not an AppError ({e}): {text}"))
}

impl TestApp {
    /// A test app whose providers all talk to a fresh sandbox.
    pub async fn with_sandbox() -> TestApp {
        Self::spawn_with(Options {
            sandbox: Some(SandboxConfig::default()),
            ..Options::default()
        })
        .await
    }

    /// A live API token of `scopes` ("ingest", "read", "read,pii", …), without expiry.
    pub async fn api_token(&self, scopes: &str) -> String {
        self.api_token_with(scopes, None).await.1
    }

    /// A live API token of `scopes` that expires after `expires_in`: its id and the token.
    pub async fn api_token_with(
        &self,
        scopes: &str,
        expires_in: Option<std::time::Duration>,
    ) -> (i64, String) {
        use kyc_desk::server::services::tokens::{self, Scopes};
        use secrecy::ExposeSecret;
        let (id, token) = tokens::create(
            &self.state.db,
            &self.state.clock,
            Actor::System("test"),
            &Origin::default(),
            "test",
            Scopes::parse(&[scopes]).expect("scopes"),
            expires_in,
        )
        .await
        .expect("token");
        (id, token.expose_secret().to_string())
    }

    /// Polls everything due now (as the poller would), `n` times, moving the
    /// clock past every schedule in between.
    pub async fn poll(&self, n: usize) {
        for _ in 0..n {
            kyc_desk::server::workers::poller::tick(&self.state).await;
            self.state
                .clock
                .advance(std::time::Duration::from_secs(3 * 3600));
        }
    }

    /// Runs the outbox `rounds` times, ten minutes apart: every retry due
    /// by then goes out.
    pub async fn deliver(&self, rounds: usize) {
        for _ in 0..rounds {
            kyc_desk::server::workers::outbox::tick(&self.state).await;
            self.state
                .clock
                .advance(std::time::Duration::from_secs(600));
        }
    }

    /// Every request the sandbox received, oldest first.
    pub async fn sandbox_requests(&self) -> Vec<serde_json::Value> {
        let url = format!(
            "{}/__sandbox/requests",
            self.sandbox.as_ref().expect("a sandbox").url()
        );
        reqwest::get(url)
            .await
            .expect("log")
            .json()
            .await
            .expect("json")
    }

    /// Adds a fault rule to the sandbox.
    pub async fn sandbox_fault(&self, rule: serde_json::Value) {
        let url = format!(
            "{}/__sandbox/faults",
            self.sandbox.as_ref().expect("a sandbox").url()
        );
        let res = reqwest::Client::new()
            .post(url)
            .json(&rule)
            .send()
            .await
            .expect("fault");
        assert!(
            res.status().is_success(),
            "fault rule refused: {}",
            res.text().await.unwrap_or_default()
        );
    }
}

/// An upstream that holds every request until the test lets it go: the
/// way to keep a request of ours in flight for exactly as long as needed.
/// Once let go, it answers each request `200 []`.
pub struct HeldUpstream {
    pub url: String,
    arrived: tokio::sync::mpsc::Receiver<()>,
    release: tokio::sync::watch::Sender<bool>,
}

impl HeldUpstream {
    pub async fn start() -> HeldUpstream {
        let (arrived_tx, arrived) = tokio::sync::mpsc::channel(16);
        let (release, released) = tokio::sync::watch::channel(false);
        let router = axum::Router::new().fallback(move || {
            let (arrived_tx, mut released) = (arrived_tx.clone(), released.clone());
            async move {
                let _ = arrived_tx.try_send(());
                let _ = released.wait_for(|go| *go).await;
                ([(reqwest::header::CONTENT_TYPE, "application/json")], "[]")
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, router).await.expect("serves") });
        HeldUpstream {
            url: format!("http://{addr}"),
            arrived,
            release,
        }
    }

    /// Waits until a request has arrived (and is being held).
    pub async fn arrived(&mut self) {
        tokio::time::timeout(std::time::Duration::from_secs(30), self.arrived.recv())
            .await
            .expect("a request reaches the upstream within 30 s")
            .expect("the upstream runs");
    }

    /// Lets every held request, and every later one, through.
    pub fn release(&self) {
        let _ = self.release.send(true);
    }
}
