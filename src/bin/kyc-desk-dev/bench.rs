//! `kyc-desk-dev bench`: every speed and memory figure of BENCHMARKS.md in
//! one run, each next to its baseline and target.
//!
//! It starts `kyc-desk serve` — the deployed binary, found beside this one —
//! (router, workers, SQLite settings) as a child process on 127.0.0.1
//! against the configured database — normally one filled by
//! `kyc-desk-dev seed` — with the sandbox (in this process) standing
//! in for the providers, signs in bench users over HTTP and drives them with
//! an open-loop load generator (requests start on schedule whether or not
//! earlier ones finished, so a slow server cannot hide behind a slow
//! client). Each timed request carries its own request id; the server's
//! time for it (from the request read to the response ready: the targets'
//! "server time") is read from the server's log, and the client's round
//! trip over loopback is reported beside it. CPU and RSS are the server
//! process's alone.

use crate::seed;
use kyc_desk::domain::user::{Email, PersonName};
use kyc_desk::domain::verification::{Provider, ReviewStatus};
use kyc_desk::domain::Role;
use kyc_desk::server::assets;
use kyc_desk::server::config::Settings;
use kyc_desk::server::db::audit::{Actor, Origin};
use kyc_desk::server::db::cases::{Assigned, QueueFilter, Sort};
use kyc_desk::server::db::{self};
use kyc_desk::server::sandbox::{RunningSandbox, Sandbox, SandboxConfig};
use kyc_desk::server::services::audit;
use kyc_desk::server::services::demo_data::point_at_sandbox;
use kyc_desk::server::services::users::{self, Deps, NewUser};
use kyc_desk::server::startup::Application;
use kyc_desk::server::state::AppState;
use rand::Rng;
use secrecy::SecretString;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct Options {
    /// Seconds of each fixed-rate run.
    pub seconds: u64,
    /// Simulated reviewers in the mixed-load run.
    pub reviewers: usize,
    /// Seconds of the mixed-load run.
    pub load_seconds: u64,
    /// Durable decisions per provider condition.
    pub decisions: usize,
    /// The parts to run (all when empty): to look into one figure.
    pub only: Vec<Part>,
    /// Where the server's own log goes (kept, one file a run).
    pub server_log: std::path::PathBuf,
}

/// The parts of a bench run, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Part {
    Queue,
    Audit,
    Export,
    Decisions,
    Load,
    Verify,
    Assets,
}

impl Options {
    fn runs(&self, part: Part) -> bool {
        self.only.is_empty() || self.only.contains(&part)
    }
}

const BENCH_DOMAIN: &str = "bench.kyc-desk.test";

/// Runs every benchmark; returns the report as Markdown.
pub async fn run(mut settings: Settings, opts: Options) -> Result<String, String> {
    let mut out = Report::default();
    let sandbox = Sandbox::start(SandboxConfig::default(), "127.0.0.1:0")
        .await
        .map_err(|e| format!("the sandbox cannot start: {e}"))?;
    settings.addr = "127.0.0.1:0".parse().map_err(|_| "addr")?;
    settings.demo = false;
    settings.cookie_secure = false;
    settings.workers = true;
    settings.login_attempts_per_minute = 1_000_000;
    if settings.secret_key.is_none() {
        settings.secret_key = Some(SecretString::from(random_secret()));
    }
    if settings.audit_signing_key.is_none() {
        // One key per bench database, so one run's checkpoints verify in
        // the next (a fresh key would make them look forged).
        use base64::Engine as _;
        let key = audit::key_file(&settings.data_dir().join("audit-signing.key"))?;
        settings.audit_signing_key = Some(SecretString::from(
            base64::engine::general_purpose::STANDARD.encode(key.to_bytes()),
        ));
    }
    let site_root = settings.site_root.clone();
    point_at_sandbox(&mut settings, &sandbox);
    // The server runs as its own process, so its CPU and memory are its
    // own; this process keeps a connection to the same database for the
    // baselines (SQL alone) and for setting up users and cases.
    let server = Server::start(&settings, &opts.server_log).await?;
    println!("server log: {}", opts.server_log.display());
    let base = server.base.clone();
    let app = Application::build(settings)
        .await
        .map_err(|e| e.to_string())?;
    let state = app.state.clone();

    let size: (i64, i64) = seed::sizes(state.db.reader())
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "database: {} verifications, {} audit events",
        size.0, size.1
    );
    out.line(format!(
        "Dataset: {} verifications, {} audit events (`kyc-desk-dev seed`).",
        size.0, size.1
    ));

    let warmed = warm_page_cache(&state.db.file())?;
    out.line(format!("Page cache warmed before measuring: {warmed}."));

    let password = random_secret();
    let manager = sign_in_all(&state, &base, &password, Role::Manager, 1)
        .await?
        .remove(0);
    let reviewers = sign_in_all(&state, &base, &password, Role::Reviewer, opts.reviewers).await?;
    server.settle().await;
    let idle_rss = server.rss_kib();
    println!(
        "signed in {} reviewers; idle RSS {} MiB",
        reviewers.len(),
        idle_rss / 1024
    );

    let mut stolen = Vec::new();
    if opts.runs(Part::Queue) {
        let steal = Steal::now();
        queue_bench(&state, &server, &reviewers[0], &opts, &mut out).await?;
        stolen.push(("queue pages", steal.percent()));
    }
    if opts.runs(Part::Audit) {
        let steal = Steal::now();
        audit_page_bench(&state, &server, &manager, &opts, &mut out).await?;
        stolen.push(("audit log pages", steal.percent()));
    }
    if opts.runs(Part::Export) {
        export_bench(&state, &server, &manager, &mut out).await?;
    }
    if opts.runs(Part::Decisions) {
        let steal = Steal::now();
        decision_bench(&state, &server, &reviewers[0], &sandbox, &opts, &mut out).await?;
        stolen.push(("decisions", steal.percent()));
    }
    if opts.runs(Part::Load) {
        let steal = Steal::now();
        load_bench(&state, &server, &reviewers, &opts, idle_rss, &mut out).await?;
        stolen.push(("reviewers' load", steal.percent()));
    }
    if opts.runs(Part::Verify) {
        // As a nightly `kyc-desk audit verify` would: with the server idle
        // (the load's last pushes and checkpoints done), not beside it.
        server.settle().await;
        // This machine's kernel drops page cache left unread for a minute
        // (DAMON `pageout`), so the events the parts above did not touch
        // are read again, as for the other figures.
        let warmed = warm_page_cache(&state.db.file())?;
        out.line(format!(
            "Page cache warmed again before `audit verify`: {warmed}."
        ));
        let steal = Steal::now();
        verify_bench(&state, &mut out).await?;
        stolen.push(("`audit verify`", steal.percent()));
    }
    if !stolen.is_empty() {
        let each: Vec<String> = stolen
            .iter()
            .map(|(part, p)| format!("{part} {p:.1} %"))
            .collect();
        out.row(
            "CPU time the hypervisor gave to other machines (steal), by part",
            each.join(", "),
            "reported",
            None,
        );
    }
    if opts.runs(Part::Assets) {
        asset_sizes(&site_root, &mut out)?;
    }

    drop(server);
    Ok(out.finish())
}

/// The report: a table of figures plus notes.
#[derive(Default)]
struct Report {
    rows: Vec<[String; 4]>,
    notes: Vec<String>,
}

impl Report {
    fn row(&mut self, what: &str, measured: String, target: &str, ok: Option<bool>) {
        let verdict = match ok {
            Some(true) => "met",
            Some(false) => "**missed**",
            None => "—",
        };
        println!("{what}: {measured} (target {target}: {verdict})");
        self.rows
            .push([what.into(), measured, target.into(), verdict.into()]);
    }

    fn line(&mut self, s: String) {
        self.notes.push(s);
    }

    fn finish(self) -> String {
        let mut s = String::new();
        for n in &self.notes {
            let _ = writeln!(s, "{n}\n");
        }
        s.push_str("| Figure | Measured | Target | Verdict |\n|---|---|---|---|\n");
        for r in self.rows {
            let _ = writeln!(s, "| {} | {} | {} | {} |", r[0], r[1], r[2], r[3]);
        }
        s
    }
}

/// Latency samples in microseconds.
#[derive(Default, Clone)]
struct Samples(Vec<u64>);

/// Timed requests: each one's round trip, and its request id, by which
/// the server's own time for it is found in the server's log.
#[derive(Default, Clone)]
struct Timed {
    round_trips: Samples,
    ids: Vec<String>,
}

impl Timed {
    fn push(&mut self, (round_trip, id): (Duration, String)) {
        self.round_trips.push(round_trip);
        self.ids.push(id);
    }

    fn extend(&mut self, other: &Timed) {
        self.round_trips.0.extend(&other.round_trips.0);
        self.ids.extend(other.ids.iter().cloned());
    }
}

/// The server's time (the figure the target is about) and the round trip
/// beside it: "p50 …, p95 …, max … (n); round trip p50 …, p95 …".
fn server_and_round_trip(server: &Samples, timed: &Timed) -> String {
    format!(
        "{}; round trip p50 {:.2} ms, p95 {:.2} ms",
        server.summary(),
        timed.round_trips.pct(50.0),
        timed.round_trips.pct(95.0)
    )
}

/// A request id of the bench's own (the server keeps one it is sent).
fn request_id() -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    format!(
        "bench-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    )
}

impl Samples {
    fn push(&mut self, d: Duration) {
        self.0.push(d.as_micros() as u64);
    }

    fn pct(&self, p: f64) -> f64 {
        let mut v = self.0.clone();
        v.sort_unstable();
        if v.is_empty() {
            return f64::NAN;
        }
        let rank = ((p / 100.0) * v.len() as f64).ceil().max(1.0) as usize - 1;
        v[rank.min(v.len() - 1)] as f64 / 1000.0
    }

    /// "p50 1.2 ms, p95 2.3 ms, max 9.1 ms (n)".
    fn summary(&self) -> String {
        format!(
            "p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms (n={})",
            self.pct(50.0),
            self.pct(95.0),
            self.pct(100.0),
            self.0.len()
        )
    }
}

fn random_secret() -> String {
    let bytes: [u8; 24] = rand::thread_rng().gen();
    hex::encode(bytes)
}

/// A signed-in browser: a client with the session cookie and the headers a
/// same-origin form post carries.
#[derive(Clone)]
struct Browser {
    client: reqwest::Client,
}

async fn sign_in_all(
    st: &AppState,
    base: &str,
    password: &str,
    role: Role,
    n: usize,
) -> Result<Vec<Browser>, String> {
    let deps = Deps {
        db: &st.db,
        passwords: &st.passwords,
        clock: &st.clock,
    };
    let actor = Actor::System("bench");
    let origin = Origin::default();
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let email = format!("bench-{}-{:03}@{BENCH_DOMAIN}", role.as_str(), i + 1);
        let secret = SecretString::from(password.to_string());
        match db::users::find_by_email(st.db.reader(), &email)
            .await
            .map_err(|e| e.to_string())?
        {
            Some(u) => {
                users::reset_password(&deps, actor.clone(), &origin, u.user_id, secret)
                    .await
                    .map_err(|e| e.message())?;
            }
            None => users::create(
                &deps,
                actor.clone(),
                &origin,
                NewUser {
                    email: Email::parse(&email).map_err(str::to_string)?,
                    name: PersonName::parse(&format!("Bench {} {}", role.as_str(), i + 1))
                        .map_err(str::to_string)?,
                    role,
                    password: SecretString::from(password.to_string()),
                },
            )
            .await
            .map(|_| ())
            .map_err(|e| e.message())?,
        }
        let login = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| e.to_string())?;
        let res = login
            .post(format!("{base}/api/auth/login"))
            .header("origin", base)
            .header("sec-fetch-site", "same-origin")
            .form(&[("email", email.as_str()), ("password", password)])
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let cookie = res
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .collect::<Vec<_>>()
            .join("; ");
        if cookie.is_empty() {
            return Err(format!("bench sign-in of {email} failed: {}", res.status()));
        }
        let mut headers = reqwest::header::HeaderMap::new();
        let value = |s: &str| reqwest::header::HeaderValue::from_str(s).map_err(|e| e.to_string());
        headers.insert("cookie", value(&cookie)?);
        headers.insert("origin", value(base)?);
        headers.insert("sec-fetch-site", value("same-origin")?);
        let client = reqwest::Client::builder()
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(4)
            .build()
            .map_err(|e| e.to_string())?;
        out.push(Browser { client });
    }
    Ok(out)
}

/// GETs `url` and reads the whole body; the round trip and the request id.
async fn timed_get(b: &Browser, url: &str) -> Result<(Duration, String), String> {
    let id = request_id();
    let started = Instant::now();
    let res = b
        .client
        .get(url)
        .header("x-request-id", &id)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = res.status();
    res.bytes().await.map_err(|e| e.to_string())?;
    if !status.is_success() {
        return Err(format!("GET {url}: {status}"));
    }
    Ok((started.elapsed(), id))
}

/// Requests `url` at `rate` per second for `seconds`, open loop.
async fn at_rate(b: &Browser, url: &str, rate: u64, seconds: u64) -> Result<Timed, String> {
    let samples = Arc::new(Mutex::new(Timed::default()));
    let errors = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / rate.max(1)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut tasks = Vec::new();
    for _ in 0..rate * seconds {
        tick.tick().await;
        let (b, url, samples, errors) =
            (b.clone(), url.to_string(), samples.clone(), errors.clone());
        tasks.push(tokio::spawn(async move {
            match timed_get(&b, &url).await {
                Ok(d) => lock(&samples).push(d),
                Err(e) => lock(&errors).push(e),
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    if let Some(e) = lock(&errors).first() {
        return Err(e.clone());
    }
    let s = lock(&samples).clone();
    Ok(s)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The queue: the page against its SQL alone, first page and 1,000 deep.
async fn queue_bench(
    st: &AppState,
    server: &Server,
    reviewer: &Browser,
    opts: &Options,
    out: &mut Report,
) -> Result<(), String> {
    // "All approved Eclipse cases, oldest first": a filter with enough rows
    // to page 1,000 deep at 50 a page.
    let filter = QueueFilter {
        assigned: Assigned::Anyone,
        provider: Some(Provider::Eclipse),
        upstream_status: None,
        review_status: Some(ReviewStatus::Approved),
        failed_bit: None,
        created_before: None,
        ready_only: false,
        sort: Sort::Age,
    };
    let query = "view=all&provider=eclipse&review=APPROVED&sort=age";
    let mut cursor = None;
    let mut depth = 1;
    for _ in 1..1_000 {
        let rows = db::cases::queue(st.db.reader(), &filter, cursor, 51)
            .await
            .map_err(|e| e.to_string())?;
        if rows.len() < 51 {
            break;
        }
        cursor = rows.get(49).map(|r| (r.created_at, r.verification_id));
        depth += 1;
    }
    let deep = cursor.ok_or("the dataset is too small for a deep queue page")?;
    let sql = |after| {
        let filter = filter.clone();
        async move {
            let mut s = Samples::default();
            for _ in 0..300 {
                let t = Instant::now();
                db::cases::queue(st.db.reader(), &filter, after, 51)
                    .await
                    .map_err(|e| e.to_string())?;
                s.push(t.elapsed());
            }
            Ok::<_, String>(s)
        }
    };
    let sql_first = sql(None).await?;
    let sql_deep = sql(Some(deep)).await?;
    let base = &server.base;
    let first_url = format!("{base}/?{query}");
    let deep_url = format!("{base}/?{query}&after={}.{}", deep.0, deep.1);
    // Warm up, then 100 requests a second.
    at_rate(reviewer, &first_url, 50, 1).await?;
    let first = at_rate(reviewer, &first_url, 100, opts.seconds).await?;
    let deep = at_rate(reviewer, &deep_url, 100, opts.seconds).await?;
    let (page_first, page_deep) = (server.times(&first)?, server.times(&deep)?);
    out.line(format!(
        "Queue filter: `{query}`, deep page = page {depth} (keyset cursor), 50 rows a page."
    ));
    out.row(
        "Queue SQL alone, first page",
        sql_first.summary(),
        "baseline",
        None,
    );
    out.row(
        "Queue SQL alone, deep page",
        sql_deep.summary(),
        "baseline",
        None,
    );
    let p95 = page_first.pct(95.0);
    out.row(
        "Queue page at 100 req/s, first page: server time",
        server_and_round_trip(&page_first, &first),
        "p95 ≤ 10 ms",
        Some(p95 <= 10.0),
    );
    let deep95 = page_deep.pct(95.0);
    out.row(
        "Queue page at 100 req/s, deep page: server time",
        server_and_round_trip(&page_deep, &deep),
        "p95 ≤ 10 ms",
        Some(deep95 <= 10.0),
    );
    let ratio = page_first.pct(50.0) / sql_first.pct(50.0).max(0.001);
    out.row(
        "Queue page / its SQL (medians)",
        format!("{ratio:.1}×"),
        "≤ 8×",
        Some(ratio <= 8.0),
    );
    let deep_ratio = page_deep.pct(50.0) / page_first.pct(50.0).max(0.001);
    out.row(
        "Queue deep / first page (medians)",
        format!("{deep_ratio:.2}×"),
        "≤ 1.5×",
        Some(deep_ratio <= 1.5),
    );
    Ok(())
}

/// The audit log page, newest first and deep in the chain.
async fn audit_page_bench(
    st: &AppState,
    server: &Server,
    manager: &Browser,
    opts: &Options,
    out: &mut Report,
) -> Result<(), String> {
    let head: i64 = seed::sizes(st.db.reader())
        .await
        .map_err(|e| e.to_string())?
        .1;
    let base = &server.base;
    for (label, url) in [
        ("newest", format!("{base}/audit?action=decision.made")),
        (
            "middle",
            format!("{base}/audit?action=decision.made&before={}", head / 2),
        ),
        ("oldest", format!("{base}/audit?before={}", 1_000.min(head))),
    ] {
        let timed = at_rate(manager, &url, 50, opts.seconds.min(5)).await?;
        let s = server.times(&timed)?;
        out.row(
            &format!("Audit log page ({label}) at 50 req/s: server time"),
            server_and_round_trip(&s, &timed),
            "p95 ≤ 5 ms",
            Some(s.pct(95.0) <= 5.0),
        );
    }
    Ok(())
}

/// A CSV export of the newest million events (or all, if fewer).
async fn export_bench(
    st: &AppState,
    server: &Server,
    manager: &Browser,
    out: &mut Report,
) -> Result<(), String> {
    let first_day = seed::day_of_nth_newest(st.db.reader(), 1_000_000)
        .await
        .map_err(|e| e.to_string())?;
    let url = format!("{}/audit/export.csv?from={first_day}", server.base);
    let before = server.rss_kib();
    let peak = Arc::new(std::sync::atomic::AtomicU64::new(before));
    let sampling = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let (peak, sampling, pid) = (peak.clone(), sampling.clone(), server.pid);
        tokio::spawn(async move {
            while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                peak.fetch_max(rss_kib(pid), std::sync::atomic::Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };
    let started = Instant::now();
    let mut res = manager
        .client
        .get(&url)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !res.status().is_success() {
        return Err(format!("export: {}", res.status()));
    }
    let (mut bytes, mut lines) = (0u64, 0u64);
    while let Some(chunk) = res.chunk().await.map_err(|e| e.to_string())? {
        bytes += chunk.len() as u64;
        lines += chunk.iter().filter(|b| **b == b'\n').count() as u64;
    }
    let took = started.elapsed();
    sampling.store(false, std::sync::atomic::Ordering::Relaxed);
    let _ = sampler.await;
    let growth = peak
        .load(std::sync::atomic::Ordering::Relaxed)
        .saturating_sub(before)
        / 1024;
    let events = lines.saturating_sub(2);
    out.row(
        "CSV export",
        format!(
            "{events} events, {} MiB in {:.1} s",
            bytes / (1 << 20),
            took.as_secs_f64()
        ),
        "1M events ≤ 20 s",
        Some(took.as_secs_f64() * 1_000_000.0 / events.max(1) as f64 <= 20.0),
    );
    out.row(
        "RSS growth during the export",
        format!("{growth} MiB"),
        "≤ 50 MiB",
        Some(growth <= 50),
    );
    Ok(())
}

/// Durable decisions (claim, then decide) while the providers are healthy,
/// slow and down: the reviewer's request never waits on an upstream.
async fn decision_bench(
    st: &AppState,
    server: &Server,
    reviewer: &Browser,
    sandbox: &RunningSandbox,
    opts: &Options,
    out: &mut Report,
) -> Result<(), String> {
    let control = reqwest::Client::new();
    let conditions = [
        ("providers healthy", None),
        (
            "providers slow (3 s)",
            Some(serde_json::json!({"provider": "*", "kind": "latency", "ms": 3000})),
        ),
        (
            "providers down (connection dropped)",
            Some(serde_json::json!({"provider": "*", "kind": "drop"})),
        ),
    ];
    // The conditions take turns in rounds, each round in a rotated order
    // (healthy-slow-down, slow-down-healthy, down-healthy-slow, …), so a
    // change in the machine's speed during the run, and what one condition
    // leaves behind for the next (a backlog of pushes, an open breaker),
    // weigh on all three alike.
    const ROUNDS: usize = 6;
    let per_round = (opts.decisions / ROUNDS).max(1);
    let mut timed = vec![Timed::default(); conditions.len()];
    for round in 0..ROUNDS {
        for k in 0..conditions.len() {
            let i = (round + k) % conditions.len();
            let _ = control
                .delete(format!("{}/__sandbox/faults", sandbox.url()))
                .send()
                .await;
            if let Some(f) = &conditions[i].1 {
                control
                    .post(format!("{}/__sandbox/faults", sandbox.url()))
                    .json(f)
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
            }
            for _ in 0..per_round {
                timed[i].push(decide_one(st, &server.base, reviewer).await?);
            }
        }
    }
    let _ = control
        .delete(format!("{}/__sandbox/faults", sandbox.url()))
        .send()
        .await;
    let samples = timed
        .iter()
        .map(|t| server.times(t))
        .collect::<Result<Vec<_>, _>>()?;
    let healthy = samples[0].pct(95.0);
    for (((label, fault), s), t) in conditions.iter().zip(&samples).zip(&timed) {
        let p95 = s.pct(95.0);
        if fault.is_none() {
            out.row(
                &format!("Durable decision, {label}: server time"),
                server_and_round_trip(s, t),
                "p95 ≤ 25 ms",
                Some(p95 <= 25.0),
            );
        } else {
            let ratio = p95 / healthy.max(0.001);
            out.row(
                &format!("Durable decision, {label}: server time"),
                format!("{} — {ratio:.2}× healthy", server_and_round_trip(s, t)),
                "p95 ≤ 1.1× healthy",
                Some(ratio <= 1.1),
            );
        }
    }
    Ok(())
}

/// Claims an open case and declines it; returns the decision's round trip
/// and request id.
async fn decide_one(st: &AppState, base: &str, b: &Browser) -> Result<(Duration, String), String> {
    let skip = rand::thread_rng().gen_range(0..1_000);
    let (id, version) = seed::open_case_for_bench(st.db.reader(), skip)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("no open case left to decide: add some with `kyc-desk-dev seed` (it tops up)")?;
    post(
        b,
        &format!("{base}/api/cases/claim"),
        &[("id", id.to_string()), ("version", version.to_string())],
    )
    .await?;
    post(
        b,
        &format!("{base}/api/cases/decide"),
        &[
            ("id", id.to_string()),
            ("version", (version + 1).to_string()),
            ("decision", "decline".into()),
            ("reason", "DOCUMENT_UNREADABLE".into()),
            (
                "note",
                "Glare hides the document number; asked for a new photo.".into(),
            ),
        ],
    )
    .await
}

/// Posts a form; the round trip and the request id.
async fn post(
    b: &Browser,
    url: &str,
    form: &[(&str, String)],
) -> Result<(Duration, String), String> {
    let id = request_id();
    let started = Instant::now();
    let res = b
        .client
        .post(url)
        .header("x-request-id", &id)
        .form(form)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = res.status();
    let body = res.text().await.unwrap_or_default();
    if status.is_client_error() || status.is_server_error() {
        return Err(format!("POST {url}: {status} {body}"));
    }
    Ok((started.elapsed(), id))
}

/// Many reviewers at once: each opens a queue page every 5 s and decides a
/// case a minute.
async fn load_bench(
    st: &AppState,
    server: &Server,
    reviewers: &[Browser],
    opts: &Options,
    idle_rss: u64,
    out: &mut Report,
) -> Result<(), String> {
    const VIEWS: [&str; 4] = [
        "view=mine",
        "view=unassigned",
        "view=all&provider=ident",
        "view=all&category=SANCTIONS_PEP_AML",
    ];
    let pages = Arc::new(Mutex::new(vec![Timed::default(); VIEWS.len()]));
    let decisions = Arc::new(Mutex::new(Timed::default()));
    let errors = Arc::new(Mutex::new(0u64));
    let (base, pid) = (server.base.as_str(), server.pid);
    let peak = Arc::new(std::sync::atomic::AtomicU64::new(server.rss_kib()));
    let cpu_before = cpu_seconds(pid);
    let started = Instant::now();
    let until = started + Duration::from_secs(opts.load_seconds);
    let mut tasks = Vec::new();
    for (i, b) in reviewers.iter().enumerate() {
        let (b, base, st) = (b.clone(), base.to_string(), st.clone());
        let (pages, decisions, errors, peak) = (
            pages.clone(),
            decisions.clone(),
            errors.clone(),
            peak.clone(),
        );
        tasks.push(tokio::spawn(async move {
            // Spread the reviewers over the first interval.
            tokio::time::sleep(Duration::from_millis((i as u64 * 5_000) / 200)).await;
            let mut next_decision =
                Instant::now() + Duration::from_millis(rand::thread_rng().gen_range(0..60_000));
            let mut n = i;
            while Instant::now() < until {
                let tick = Instant::now();
                let view = n % VIEWS.len();
                let url = format!("{base}/?{}", VIEWS[view]);
                n += 1;
                match timed_get(&b, &url).await {
                    Ok(d) => lock(&pages)[view].push(d),
                    Err(_) => *lock(&errors) += 1,
                }
                if Instant::now() >= next_decision {
                    match decide_one(&st, &base, &b).await {
                        Ok(d) => lock(&decisions).push(d),
                        Err(_) => *lock(&errors) += 1,
                    }
                    next_decision += Duration::from_secs(60);
                }
                peak.fetch_max(rss_kib(pid), std::sync::atomic::Ordering::Relaxed);
                tokio::time::sleep_until((tick + Duration::from_secs(5)).into()).await;
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let wall = started.elapsed().as_secs_f64();
    let cpu = (cpu_seconds(pid) - cpu_before) / wall * 100.0;
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1) as f64;
    let by_view = lock(&pages).clone();
    let mut all_pages = Timed::default();
    for t in &by_view {
        all_pages.extend(t);
    }
    let pages = server.times(&all_pages)?;
    let decided = lock(&decisions).clone();
    let decisions = server.times(&decided)?;
    let errors = *lock(&errors);
    let n = reviewers.len();
    out.row(
        &format!("{n} reviewers: queue pages, server time"),
        server_and_round_trip(&pages, &all_pages),
        "p95 ≤ 10 ms",
        Some(pages.pct(95.0) <= 10.0),
    );
    for (view, timed) in VIEWS.iter().zip(&by_view) {
        out.row(
            &format!("{n} reviewers: queue pages `{view}`, server time"),
            server_and_round_trip(&server.times(timed)?, timed),
            "reported",
            None,
        );
    }
    out.row(
        &format!("{n} reviewers: decisions, server time"),
        server_and_round_trip(&decisions, &decided),
        "p95 ≤ 25 ms",
        Some(decisions.pct(95.0) <= 25.0),
    );
    out.row(
        &format!("{n} reviewers: CPU of the server process"),
        format!(
            "{:.0} % of the machine ({cpu:.0} % of one core)",
            cpu / cores
        ),
        "≤ 30 %",
        Some(cpu / cores <= 30.0),
    );
    out.row(
        &format!("{n} reviewers: failed requests (two reviewers claiming one case get 409)"),
        errors.to_string(),
        "reported",
        None,
    );
    out.row(
        "RSS idle, server process (after sign-in of all bench users)",
        format!("{} MiB", idle_rss / 1024),
        "≤ 64 MiB",
        Some(idle_rss / 1024 <= 64),
    );
    let peak = peak.load(std::sync::atomic::Ordering::Relaxed);
    out.row(
        &format!("RSS of the server process under the {n}-reviewer load (peak)"),
        format!("{} MiB", peak / 1024),
        "reported",
        None,
    );
    Ok(())
}

async fn verify_bench(st: &AppState, out: &mut Report) -> Result<(), String> {
    let started = Instant::now();
    let chain = audit::verify_chain(&st.db).await.map_err(|e| e.message())?;
    let took = started.elapsed().as_secs_f64();
    let ok = chain.first_bad.is_none();
    out.row(
        "`audit verify` (whole chain)",
        format!(
            "{} events in {took:.1} s{}",
            chain.events,
            if ok { "" } else { " — CHAIN BROKEN" }
        ),
        "10M events ≤ 10 s",
        Some(ok && took * 10_000_000.0 / chain.events.max(1) as f64 <= 10.0),
    );
    Ok(())
}

/// The shipped browser assets, compressed as the server sends them.
fn asset_sizes(site_root: &std::path::Path, out: &mut Report) -> Result<(), String> {
    let pkg = site_root.join("pkg");
    for (file, target, limit) in [
        ("kyc-desk.wasm", "≤ 250 KB brotli", Some(250_000)),
        ("kyc-desk.js", "reported", None),
        ("kyc-desk.css", "reported", None),
    ] {
        let path = pkg.join(file);
        let Ok(raw) = std::fs::read(&path) else {
            out.row(
                &format!("`{file}`"),
                "not built (run `cargo leptos build --release`)".into(),
                target,
                None,
            );
            continue;
        };
        let br = assets::brotli_best(&raw).map_err(|e| e.to_string())?.len();
        out.row(
            &format!("`{file}` (brotli q11)"),
            format!(
                "{:.0} KB ({:.0} KB raw)",
                br as f64 / 1000.0,
                raw.len() as f64 / 1000.0
            ),
            target,
            limit.map(|l| br <= l),
        );
    }
    Ok(())
}

/// Reads the database file (and its write-ahead log) once, so the OS page
/// cache holds it as it does for a server that has been running a while:
/// the figures are the steady state, not the first minutes after a boot
/// (cold reads from disk, BENCHMARKS.md). Says how much it read how fast.
fn warm_page_cache(db: &std::path::Path) -> Result<String, String> {
    use std::io::Read as _;
    let started = Instant::now();
    let mut buf = vec![0u8; 8 << 20];
    let mut total = 0u64;
    let mut wal = db.as_os_str().to_owned();
    wal.push("-wal");
    for path in [db.to_path_buf(), wal.into()] {
        let Ok(mut f) = std::fs::File::open(&path) else {
            continue;
        };
        loop {
            let n = f
                .read(&mut buf)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            if n == 0 {
                break;
            }
            total += n as u64;
        }
    }
    let line = format!(
        "the database file read once ({} MiB in {:.1} s)",
        total >> 20,
        started.elapsed().as_secs_f64()
    );
    println!("page cache warmed: {line}");
    Ok(line)
}

/// The machine's CPU time taken by the hypervisor for other machines
/// ("steal", `/proc/stat`) since [`Steal::now`]: on a shared VM, the figures of
/// a part with much of it say more about the neighbours than the code.
struct Steal {
    steal: u64,
    total: u64,
}

impl Steal {
    fn now() -> Steal {
        let line = std::fs::read_to_string("/proc/stat").unwrap_or_default();
        let ticks: Vec<u64> = line
            .lines()
            .next()
            .unwrap_or_default()
            .split_whitespace()
            .skip(1)
            .filter_map(|n| n.parse().ok())
            .collect();
        Steal {
            steal: ticks.get(7).copied().unwrap_or(0),
            total: ticks.iter().take(8).sum(),
        }
    }

    fn percent(&self) -> f64 {
        let now = Steal::now();
        now.steal.saturating_sub(self.steal) as f64 * 100.0
            / now.total.saturating_sub(self.total).max(1) as f64
    }
}

/// A process's resident set, KiB (Linux).
fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

/// CPU seconds a process has used (user + system; Linux, 100 Hz ticks).
fn cpu_seconds(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            // Fields after the command name (which may hold spaces).
            let rest = s.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            let utime: f64 = f.get(11)?.parse().ok()?;
            let stime: f64 = f.get(12)?.parse().ok()?;
            Some((utime + stime) / 100.0)
        })
        .unwrap_or(0.0)
}

/// The deployed binary, `kyc-desk`, from the folder this one is in (cargo
/// builds both into one): what is measured is what operators run.
fn server_binary() -> Result<std::path::PathBuf, String> {
    let me = std::env::current_exe().map_err(|e| e.to_string())?;
    let server = me.with_file_name(format!("kyc-desk{}", std::env::consts::EXE_SUFFIX));
    if server.is_file() {
        Ok(server)
    } else {
        Err(format!(
            "{} is missing: build it beside this tool (`cargo build --release --bins`)",
            server.display()
        ))
    }
}

/// `kyc-desk serve` started as a child process, configured through its
/// environment like any deployment, on a free loopback port.
struct Server {
    child: std::process::Child,
    pid: u32,
    base: String,
    /// Its log (JSON lines), where each request's time is.
    log: std::path::PathBuf,
}

impl Server {
    async fn start(s: &Settings, log_path: &std::path::Path) -> Result<Server, String> {
        use secrecy::ExposeSecret;
        let addr = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?;
        let secret = |v: &Option<SecretString>| {
            v.as_ref()
                .map(|v| v.expose_secret().to_string())
                .unwrap_or_default()
        };
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let env = [
            ("DATABASE_URL", s.database_url.clone()),
            ("ADDR", addr.to_string()),
            ("DEMO", "false".into()),
            ("COOKIE_SECURE", "false".into()),
            ("WORKERS", "true".into()),
            (
                "LOGIN_ATTEMPTS_PER_MINUTE",
                s.login_attempts_per_minute.to_string(),
            ),
            // JSON lines, with each request's time (`Server::times`).
            ("LOG_FORMAT", "json".into()),
            ("LOG", format!("{},kyc_desk::server::startup=info", s.log)),
            ("SECRET_KEY", secret(&s.secret_key)),
            ("AUDIT_SIGNING_KEY", secret(&s.audit_signing_key)),
            ("SITE_ROOT", s.site_root.display().to_string()),
            ("ECLIPSE_BASE_URL", text(&s.eclipse_base_url)),
            ("ECLIPSE_IDENTITY", text(&s.eclipse_identity)),
            ("ECLIPSE_PASSWORD", secret(&s.eclipse_password)),
            ("BIOMETRIC_KZ_BASE_URL", text(&s.biometric_kz_base_url)),
            (
                "BIOMETRIC_KZ_FLOW_API_KEY",
                secret(&s.biometric_kz_flow_api_key),
            ),
            ("BIOMETRIC_KZ_MCP_URL", text(&s.biometric_kz_mcp_url)),
            (
                "BIOMETRIC_KZ_ORG_API_KEY",
                secret(&s.biometric_kz_org_api_key),
            ),
            ("IDENT_BASE_URL", text(&s.ident_base_url)),
            ("IDENT_TOKEN", secret(&s.ident_token)),
            ("WIDTH_BASE_URL", text(&s.width_base_url)),
            ("WIDTH_API_KEY", secret(&s.width_api_key)),
            ("WIDTH_API_SECRET", secret(&s.width_api_secret)),
            ("WIDTH_DOMAIN_ID", text(&s.width_domain_id)),
        ];
        let exe = server_binary()?;
        let log =
            std::fs::File::create(log_path).map_err(|e| format!("{}: {e}", log_path.display()))?;
        let mut cmd = std::process::Command::new(exe);
        cmd.arg("serve")
            .stdin(std::process::Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log);
        if let Some(file) = &s.audit_checkpoint_file {
            cmd.env("KYC_DESK_AUDIT_CHECKPOINT_FILE", file);
        }
        for (k, v) in env {
            cmd.env(format!("KYC_DESK_{k}"), v);
        }
        let child = cmd
            .spawn()
            .map_err(|e| format!("cannot start the server: {e}"))?;
        let server = Server {
            pid: child.id(),
            child,
            base: format!("http://{addr}"),
            log: log_path.to_path_buf(),
        };
        let ready = format!("{}/readyz", server.base);
        let probe = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if probe
                .get(&ready)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                println!(
                    "server: pid {} on {} (log {})",
                    server.pid,
                    server.base,
                    log_path.display()
                );
                return Ok(server);
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        drop(server);
        Err(format!(
            "the server did not become ready; see {}",
            log_path.display()
        ))
    }

    /// Waits until the server is idle (after its start-up check of the
    /// audit chain, which reads every event on both cores, or after a
    /// load), at most a minute.
    async fn settle(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let before = cpu_seconds(self.pid);
            tokio::time::sleep(Duration::from_secs(1)).await;
            if cpu_seconds(self.pid) - before < 0.05 || Instant::now() >= deadline {
                return;
            }
        }
    }

    fn rss_kib(&self) -> u64 {
        rss_kib(self.pid)
    }

    /// The server's own time for each of `timed`'s requests: the
    /// `latency_us` of its `response` log line, found by request id.
    fn times(&self, timed: &Timed) -> Result<Samples, String> {
        let log = std::fs::read_to_string(&self.log)
            .map_err(|e| format!("{}: {e}", self.log.display()))?;
        let mut by_id = std::collections::HashMap::new();
        for line in log.lines().filter(|l| l.contains("\"latency_us\"")) {
            let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            if let (Some(id), Some(us)) =
                (v["span"]["request_id"].as_str(), v["latency_us"].as_u64())
            {
                by_id.insert(id.to_string(), us);
            }
        }
        let mut s = Samples::default();
        for id in &timed.ids {
            let us = by_id.get(id).ok_or_else(|| {
                format!(
                    "request {id} is not in the server's log {}",
                    self.log.display()
                )
            })?;
            s.0.push(*us);
        }
        Ok(s)
    }
}

impl Drop for Server {
    /// Also on an early return: no server is left behind.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
