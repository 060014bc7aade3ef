//! Builds the application (used by `main` and by the tests alike) and serves it.

use super::config::{ConfigError, Settings};
use super::db::{Checkpoints, Db};
use super::password::Passwords;
use super::providers::Providers;
use super::sandbox::RunningSandbox;
use super::services::audit::{self, AuditKeys};
use super::services::{auth, demo, demo_data, users::Deps};
use super::state::AppState;
use super::{security, session};
use crate::app::{shell, App};
use axum::http::Request;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::get;
use axum::serve::ListenerExt as _;
use axum::Router;
use leptos::config::LeptosOptions;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use secrecy::ExposeSecret;
use std::net::SocketAddr;
use std::sync::LazyLock;
use std::time::Duration;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::ServeDir;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("database {url}: {source}")]
    Database { url: String, source: sqlx::Error },
    #[error("migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0}")]
    Other(String),
}

/// A built application: its state (shared with tests) and its router.
pub struct Application {
    pub state: AppState,
    pub router: Router,
    /// The in-process sandbox of demo mode, if started.
    pub sandbox: Option<RunningSandbox>,
}

/// The identity provider's HTTP client: the upstreams' timeouts, no redirects followed.
fn sso_http_client(s: &Settings) -> Result<reqwest::Client, StartupError> {
    reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_millis(
            s.upstream_connect_timeout_ms,
        ))
        .timeout(std::time::Duration::from_millis(s.upstream_timeout_ms))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| StartupError::Other(format!("HTTP client: {e}")))
}

impl Application {
    pub async fn build(mut settings: Settings) -> Result<Application, StartupError> {
        settings.require_secret_key()?;
        let sandbox =
            if settings.demo && !settings.any_provider_configured() {
                Some(demo_data::start_sandbox(&mut settings).await.map_err(|e| {
                    StartupError::Other(format!("the demo sandbox cannot start: {e}"))
                })?)
            } else {
                None
            };
        let db = Db::connect(&settings.database_url, Checkpoints::InBackground)
            .await
            .map_err(|source| StartupError::Database {
                url: settings.database_url.clone(),
                source,
            })?;
        db.migrate().await?;
        let passwords = Passwords::new().map_err(|e| StartupError::Other(e.to_string()))?;
        let secret_key = match &settings.secret_key {
            Some(k) => k.expose_secret().as_bytes().to_vec(),
            None => {
                tracing::warn!(
                    "demo mode without KYC_DESK_SECRET_KEY: using a random key for this run"
                );
                use rand::RngCore as _;
                let mut k = vec![0u8; 32];
                rand::rngs::OsRng.fill_bytes(&mut k);
                k
            }
        };
        let leptos_options = LeptosOptions::builder()
            .output_name("kyc-desk")
            .site_root(settings.site_root.to_string_lossy().to_string())
            .site_pkg_dir("pkg")
            .site_addr(settings.addr)
            .build();
        let providers = Providers::from_settings(&settings)
            .map_err(|e| StartupError::Other(format!("HTTP client: {e}")))?;
        let audit_keys = AuditKeys::load(&settings).map_err(StartupError::Other)?;
        let oidc = super::oidc::Oidc::from_settings(&settings, sso_http_client(&settings)?)
            .map_err(StartupError::Other)?;
        let mut state = AppState::new(
            leptos_options,
            db,
            settings,
            passwords,
            secret_key,
            providers,
            audit_keys,
        );
        state.oidc = oidc.map(std::sync::Arc::new);
        if state.settings.demo {
            let deps = Deps {
                db: &state.db,
                passwords: &state.passwords,
                clock: &state.clock,
            };
            let created = demo::ensure_users(&deps, state.settings.demo_password.as_ref())
                .await
                .map_err(|e| StartupError::Other(format!("demo users: {}", e.message())))?;
            if state.settings.demo_password.is_none() {
                demo::print_created(&created);
            }
            if sandbox.is_some() {
                let n = demo_data::seed_customers(&state.db, &state.clock)
                    .await
                    .map_err(|e| StartupError::Other(format!("demo customers: {}", e.message())))?;
                if n > 0 {
                    tracing::info!(customers = n, "demo customers registered");
                }
            }
        }
        let router = router(state.clone());
        Ok(Application {
            state,
            router,
            sandbox,
        })
    }

    /// Serves until `shutdown` resolves; background workers stop with it.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let reaper = tokio::spawn(housekeeping(self.state.clone()));
        let checkpoints = tokio::spawn(sign_checkpoints(self.state.clone()));
        let wal = tokio::spawn(checkpoint_wal(self.state.clone()));
        let workers = self.state.settings.workers.then(|| {
            [
                tokio::spawn(super::workers::poller::run(self.state.clone())),
                tokio::spawn(super::workers::outbox::run(self.state.clone())),
            ]
        });
        // Responses go out in several writes (streamed HTML): without
        // TCP_NODELAY, Nagle's algorithm and delayed ACKs hold some for ~40 ms.
        let listener = listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::warn!(error = %e, "cannot set TCP_NODELAY");
            }
        });
        let result = axum::serve(
            listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await;
        reaper.abort();
        checkpoints.abort();
        wal.abort();
        for w in workers.into_iter().flatten() {
            w.abort();
        }
        drop(self.sandbox);
        self.state.db.close().await;
        result
    }
}

/// Every minute: ends expired sessions, and forgets what anonymous callers
/// leave behind (old sign-in failures, idle per-address limits), so that
/// they cannot make the server grow.
async fn housekeeping(state: AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    loop {
        tick.tick().await;
        match session::reap_expired(&state.db, &state.clock).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(sessions = n, "expired sessions ended"),
            Err(e) => tracing::error!(error = %e, "session reaper failed"),
        }
        match auth::forget_old_failures(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(accounts = n, "old sign-in failures forgotten"),
            Err(e) => tracing::error!(error = %e, "forgetting old sign-in failures failed"),
        }
        if let Err(e) = super::services::sso::forget_abandoned(&state).await {
            tracing::error!(error = %e, "forgetting abandoned single sign-ons failed");
        }
    }
}

/// Every second: copies the write-ahead log into the database file, off the
/// writer's path (see [`Checkpoints::InBackground`]).
async fn checkpoint_wal(state: AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let started = std::time::Instant::now();
        match state.db.checkpoint().await {
            Ok((log, done)) => {
                let ms = started.elapsed().as_millis() as u64;
                if ms >= 100 {
                    tracing::warn!(ms, log, done, "slow WAL checkpoint");
                }
            }
            Err(e) => tracing::error!(error = %e, "WAL checkpoint failed"),
        }
    }
}

/// Every `audit_checkpoint_minutes` (and once at start): checks what was
/// appended since the last check (the whole chain the first time; the
/// audit page shows the result), then signs the head if it moved and the
/// chain is intact.
async fn sign_checkpoints(state: AppState) {
    let every = Duration::from_secs(state.settings.audit_checkpoint_minutes * 60);
    let mut tick = tokio::time::interval(every);
    let mut last_seq = -1;
    loop {
        tick.tick().await;
        let now = state.clock.now_ms();
        match audit::refresh_status(
            &state.db,
            &state.audit_keys,
            &state.chain_status,
            now,
            false,
        )
        .await
        {
            Ok(s) if s.report.ok() => {}
            Ok(s) => {
                tracing::error!(problems = ?s.report.problems, "the audit chain does not verify; no checkpoint signed");
                continue;
            }
            Err(e) => {
                tracing::error!(error = %e, "audit chain check failed");
                continue;
            }
        }
        match super::db::audit::max_seq(state.db.reader()).await {
            Ok(seq) if seq == last_seq => {}
            Ok(_) => match audit::checkpoint(
                &state.db,
                &state.audit_keys,
                state.clock.now_ms(),
                "periodic",
            )
            .await
            {
                Ok(cp) => {
                    last_seq = cp.seq;
                    tracing::info!(seq = cp.seq, "audit checkpoint signed");
                }
                Err(e) => tracing::error!(error = %e, "audit checkpoint failed"),
            },
            Err(e) => tracing::error!(error = %e, "audit checkpoint failed"),
        }
    }
}

/// The app's pages, laid out once per process. Laying them out holds back every resource load
/// in the process while it runs (a Leptos global), and a page first rendered in that moment
/// would never finish; so it happens once, before any router can serve.
static ROUTES: LazyLock<Vec<AxumRouteListing>> = LazyLock::new(|| generate_route_list(App));

/// The whole HTTP surface: health checks, static assets, and the Leptos app
/// (pages and server functions) behind sessions and authentication; all of
/// it behind the same-origin rule, security headers, and request ids.
pub fn router(state: AppState) -> Router {
    let leptos_options = state.leptos_options.clone();
    let routes = ROUTES.clone();
    let session_layer = SessionManagerLayer::new(session::SqlSessionStore::new(
        state.db.clone(),
        state.clock.clone(),
    ))
    .with_name(if state.settings.cookie_secure {
        "__Host-kyc-desk"
    } else {
        "kyc-desk"
    })
    .with_secure(state.settings.cookie_secure)
    .with_http_only(true)
    .with_same_site(SameSite::Strict)
    .with_path("/")
    .with_expiry(Expiry::OnSessionEnd);

    let app = Router::new()
        .route("/audit/export.csv", get(super::export::export_csv))
        .route("/audit/export.jsonl", get(super::export::export_jsonl))
        .route("/cases/{id}/media", get(super::media::media))
        .route("/auth/sso/callback", get(super::sso::callback))
        .leptos_routes(&state, routes, {
            let options = leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(from_fn_with_state(state.clone(), session::authenticate))
        .layer(session_layer)
        .with_state(state.clone());

    let site_pkg =
        std::path::Path::new(&*leptos_options.site_root).join(&*leptos_options.site_pkg_dir);
    let public = Router::new()
        .nest("/api/v1", super::rest::router())
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(super::health::readyz))
        .route("/liveness/callback/{token}", get(super::liveness::callback))
        .nest_service("/pkg", ServeDir::new(site_pkg).precompressed_br())
        .with_state(state.clone());

    Router::new()
        .merge(public)
        .merge(app)
        .layer(from_fn(super::error::honest_server_fn_errors))
        .layer(from_fn(super::error::limit_body))
        // Pages and exports on the fly at a fast level (brotli's default,
        // 11, costs far more CPU than it saves bytes); `/pkg` is sent
        // precompressed at best quality (`assets`).
        .layer(CompressionLayer::new().quality(CompressionLevel::Precise(4)))
        .layer(from_fn(security::same_origin_only))
        .layer(from_fn_with_state(state, security::security_headers))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request<_>| {
                    let id = req
                        .headers()
                        .get("x-request-id")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("-");
                    let (method, path) = (req.method(), req.uri().path());
                    tracing::info_span!("request", request_id = %id, %method, %path)
                })
                // The server's time for each request, in microseconds: from
                // the request read to the response ready to write (pages are
                // rendered whole before they go out). `kyc-desk-dev bench`
                // reads these lines.
                .on_response(
                    |res: &axum::response::Response, latency: Duration, _: &tracing::Span| {
                        tracing::info!(
                            status = res.status().as_u16(),
                            latency_us = latency.as_micros() as u64,
                            "response"
                        );
                    },
                ),
        )
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        // Before the id is set: a client's own id stays only if it is plain.
        .layer(from_fn(security::only_plain_request_ids))
}
