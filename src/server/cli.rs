//! The `kyc-desk` command line.

use super::config::Settings;
use super::db::audit::{Actor, Origin};
use super::db::{self, Checkpoints, Db};
use super::password::Passwords;
use super::services::users::{self, Deps, NewUser};
use super::startup::Application;
use super::{clock::Clock, telemetry};
use clap::{Parser, Subcommand};
use secrecy::SecretString;
use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "kyc-desk",
    version,
    about = "KYC Desk: the back office for KYC compliance reviewers"
)]
struct Cli {
    /// A TOML configuration file (default: ./kyc-desk.toml when present).
    #[arg(long, env = "KYC_DESK_CONFIG", global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web app (the default).
    Serve,
    /// Create or upgrade the database schema, then exit.
    Migrate,
    /// Manage the people who sign in.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage the onboarding app's API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Check and sign the audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Write a consistent copy of the database to FILE while KYC Desk runs (SQLite's
    /// `VACUUM INTO`), then check the copy: SQLite's integrity check and the audit chain.
    /// Never overwrites a file.
    Backup { file: std::path::PathBuf },
    /// Serve the sandbox: a test double of the four upstream APIs (Eclipse,
    /// biometric.kz with MCP, Provide ident, WIDTH) with seeded scenarios and
    /// fault injection under /__sandbox/. For development and tests only.
    Sandbox {
        #[arg(long, default_value = "127.0.0.1:3100")]
        addr: std::net::SocketAddr,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the hash chain and check it against the newest signed
    /// checkpoint; exit code 1 if anything is wrong.
    Verify,
    /// Sign a checkpoint of the current head now.
    Checkpoint,
    /// Check an exported file (CSV or JSONL) offline: event hashes, links,
    /// the running hash at every row, and its signed end (checkpoint and
    /// manifest: row count, running hash, filter); names the first bad line.
    VerifyExport {
        file: PathBuf,
        /// The checkpoint public key (base64); default: derived from the configured signing key.
        #[arg(long)]
        public_key: Option<String>,
        /// Accept an export without a signed manifest (made before exports
        /// signed their rows) after checking its chain and checkpoint only:
        /// a missing row would not show.
        #[arg(long)]
        chain_only: bool,
    },
    /// Print a new Ed25519 signing key (for KYC_DESK_AUDIT_SIGNING_KEY) and its public key.
    Keygen,
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token; it is printed once and only its hash is kept.
    Add {
        #[arg(long)]
        name: String,
        /// ingest (register customers, refresh, read) or read; add pii to read
        /// personal data unmasked: `--scope read --scope pii` or `--scope read,pii`
        #[arg(long, required = true, value_delimiter = ',', value_parser = scope_name)]
        scope: Vec<String>,
        /// The token stops working after this long: 90m, 12h, 30d, 8w (default: never)
        #[arg(
            long,
            value_name = "DURATION",
            allow_hyphen_values = true,
            value_parser = super::services::tokens::parse_expires_in
        )]
        expires_in: Option<std::time::Duration>,
    },
    /// List tokens (never the tokens themselves).
    List,
    /// Revoke a token by id.
    Revoke {
        #[arg(long)]
        id: i64,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user; the password is read from standard input (or prompted for).
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// reviewer, compliance_officer, manager or admin
        #[arg(long)]
        role: String,
    },
    /// List users.
    List,
    /// Disable a user and end their sessions.
    Disable {
        #[arg(long)]
        email: String,
    },
    /// Enable a disabled user.
    Enable {
        #[arg(long)]
        email: String,
    },
    /// Set a new password (read like `add`) and end the user's sessions.
    ResetPassword {
        #[arg(long)]
        email: String,
    },
    /// Remove the user's second factor (a lost phone) and end their sessions; they set it up
    /// again at their next sign-in.
    ResetMfa {
        #[arg(long)]
        email: String,
    },
}

pub fn main() -> ExitCode {
    super::password::return_large_blocks_to_the_system();
    let cli = Cli::parse();
    launch("kyc-desk", cli.config.as_deref(), |settings| async move {
        match cli.command.unwrap_or(Command::Serve) {
            Command::Serve => serve(settings).await,
            Command::Migrate => migrate(&settings).await,
            Command::User(cmd) => user(&settings, cmd).await,
            Command::Token(cmd) => token(&settings, cmd).await,
            Command::Audit(cmd) => audit(&settings, cmd).await,
            Command::Backup { file } => backup(&settings, &file).await,
            Command::Sandbox { addr } => sandbox(addr).await,
        }
    })
}

/// How a `kyc-desk` binary runs a command: the settings (a bad one names
/// itself and exits 2), logging, the async runtime, then `command`; its
/// error is printed after `name:` with exit code 1.
pub fn launch<F, Fut>(name: &str, config: Option<&std::path::Path>, command: F) -> ExitCode
where
    F: FnOnce(Settings) -> Fut,
    Fut: std::future::Future<Output = Result<(), String>>,
{
    let settings = match Settings::load(config) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{name}: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(settings.log_format, &settings.log);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("{name}: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(command(settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("{name}: {msg}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(settings: Settings) -> Result<(), String> {
    let addr = settings.addr;
    let pkg = settings.site_root.join("pkg");
    tokio::task::spawn_blocking(move || match super::assets::precompress(&pkg) {
        Ok(written) if !written.is_empty() => {
            tracing::info!(files = written.len(), "browser assets compressed")
        }
        Ok(_) => {}
        Err(e) => {
            tracing::warn!(error = %e, dir = %pkg.display(), "browser assets not precompressed")
        }
    });
    let app = Application::build(settings)
        .await
        .map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr} (KYC_DESK_ADDR): {e}"))?;
    // The port the system chose, when asked for port 0.
    let addr = listener.local_addr().unwrap_or(addr);
    tracing::info!(%addr, "KYC Desk is listening");
    println!("KYC Desk: http://{addr}/");
    app.serve(listener, shutdown_signal())
        .await
        .map_err(|e| e.to_string())
}

async fn sandbox(addr: std::net::SocketAddr) -> Result<(), String> {
    use super::sandbox::{Sandbox, SandboxConfig};
    let sandbox = Sandbox::start(SandboxConfig::default(), addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let url = sandbox.url();
    println!("KYC Desk sandbox: {url}/ (scenarios: {url}/__sandbox/scenarios)");
    shutdown_signal().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
    tracing::info!("shutting down");
}

/// The configured database, its schema brought up to date (one-off
/// commands: commits checkpoint as SQLite does by default).
pub async fn open_db(settings: &Settings) -> Result<Db, String> {
    let db = Db::connect(&settings.database_url, Checkpoints::OnCommit)
        .await
        .map_err(|e| format!("database {}: {e}", settings.database_url))?;
    db.migrate().await.map_err(|e| format!("migrations: {e}"))?;
    Ok(db)
}

async fn backup(settings: &Settings, file: &std::path::Path) -> Result<(), String> {
    if file.exists() {
        return Err(format!(
            "{}: the file exists; a backup never overwrites one, choose a new name",
            file.display()
        ));
    }
    // The schema as it is: a backup changes nothing, not even by migrating.
    let db = Db::connect(&settings.database_url, Checkpoints::OnCommit)
        .await
        .map_err(|e| format!("database {}: {e}", settings.database_url))?;
    db.backup(file)
        .await
        .map_err(|e| format!("backup to {}: {e}", file.display()))?;
    let copy_url = format!("sqlite://{}", file.display());
    let copy = Db::connect(&copy_url, Checkpoints::OnCommit)
        .await
        .map_err(|e| format!("reading the copy {}: {e}", file.display()))?;
    let integrity = copy.integrity().await.map_err(|e| e.to_string())?;
    let chain = super::services::audit::verify_chain(&copy)
        .await
        .map_err(|e| e.to_string())?;
    copy.close().await;
    if integrity != "ok" {
        return Err(format!(
            "the copy {} is damaged: {integrity}",
            file.display()
        ));
    }
    if let Some((seq, why)) = chain.first_bad {
        return Err(format!(
            "the copy {}: its audit chain breaks at #{seq}: {why} (so does the database's: run \
             `kyc-desk audit verify`)",
            file.display()
        ));
    }
    // A copy of every person's data now exists outside the server: the trail says where.
    let mut tx = db.begin_write().await.map_err(|e| e.to_string())?;
    let event = super::db::audit::NewEvent::new(
        CLI,
        crate::domain::audit::AuditAction::DatabaseBackedUp,
        crate::domain::audit::AuditEntity::Export,
        &Origin::default(),
    )
    .changes(serde_json::json!({
        "file": file.display().to_string(),
        "verified_through": chain.verified_through,
    }));
    super::db::audit::append(&mut tx, Clock::default().now_ms(), event)
        .await
        .map_err(|e| e.to_string())?;
    tx.commit().await.map_err(|e| e.to_string())?;
    db.close().await;
    println!(
        "backup written to {}: integrity ok, audit chain verified through #{} ({} events)",
        file.display(),
        chain.verified_through,
        chain.events
    );
    Ok(())
}

async fn migrate(settings: &Settings) -> Result<(), String> {
    open_db(settings).await?;
    println!("database is up to date");
    Ok(())
}

const CLI: Actor = Actor::System("cli");

async fn user(settings: &Settings, cmd: UserCommand) -> Result<(), String> {
    let db = open_db(settings).await?;
    let passwords = Passwords::new().map_err(|e| e.to_string())?;
    let clock = Clock::default();
    let deps = Deps {
        db: &db,
        passwords: &passwords,
        clock: &clock,
    };
    let origin = Origin::default();
    let find = |email: String| {
        let db = db.clone();
        async move {
            let email = crate::domain::user::Email::parse(&email).map_err(str::to_string)?;
            db::users::find_by_email(db.reader(), email.as_str())
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("no user with e-mail {}", email.as_str()))
        }
    };
    let fail = |e: crate::error::AppError| match &e.kind {
        crate::error::ErrorKind::Validation { field, message } => format!("{field}: {message}"),
        _ => e.message(),
    };
    match cmd {
        UserCommand::Add { email, name, role } => {
            let password = read_password()?;
            let new = NewUser::parse(&email, &name, &role, password).map_err(fail)?;
            let id = users::create(&deps, CLI, &origin, new)
                .await
                .map_err(fail)?;
            println!(
                "user {id} created: {} ({role})",
                email.trim().to_lowercase()
            );
        }
        UserCommand::List => {
            let mut after: Option<(String, i64)> = None;
            println!(
                "{:>5}  {:<32} {:<24} {:<20} status",
                "id", "email", "name", "role"
            );
            loop {
                let page = db::users::page(
                    db.reader(),
                    after.as_ref().map(|(n, i)| (n.as_str(), *i)),
                    200,
                )
                .await
                .map_err(|e| e.to_string())?;
                for u in &page {
                    let status = if u.disabled { "disabled" } else { "active" };
                    println!(
                        "{:>5}  {:<32} {:<24} {:<20} {status}",
                        u.user_id, u.email, u.name, u.role
                    );
                }
                match page.last() {
                    Some(u) if page.len() == 200 => after = Some((u.name.clone(), u.user_id)),
                    _ => break,
                }
            }
        }
        UserCommand::Disable { email } => {
            let u = find(email).await?;
            users::set_disabled(&deps, CLI, &origin, u.user_id, true)
                .await
                .map_err(fail)?;
            println!("user {} disabled; their sessions have ended", u.email);
        }
        UserCommand::Enable { email } => {
            let u = find(email).await?;
            users::set_disabled(&deps, CLI, &origin, u.user_id, false)
                .await
                .map_err(fail)?;
            println!("user {} enabled", u.email);
        }
        UserCommand::ResetPassword { email } => {
            let u = find(email).await?;
            let password = read_password()?;
            users::reset_password(&deps, CLI, &origin, u.user_id, password)
                .await
                .map_err(fail)?;
            println!("password of {} reset; their sessions have ended", u.email);
        }
        UserCommand::ResetMfa { email } => {
            let u = find(email).await?;
            super::services::second_factor::reset(&deps, CLI, &origin, u.user_id)
                .await
                .map_err(fail)?;
            println!(
                "second factor of {} removed; their sessions have ended",
                u.email
            );
        }
    }
    db.close().await;
    Ok(())
}

async fn audit(settings: &Settings, cmd: AuditCommand) -> Result<(), String> {
    use super::db::audit::NewEvent;
    use super::services::audit;
    use crate::domain::audit::{AuditAction, AuditEntity};
    if let AuditCommand::Keygen = cmd {
        let (private, public) = audit::generate_key();
        println!("KYC_DESK_AUDIT_SIGNING_KEY={private}");
        println!("# public key (give it to whoever checks exports): {public}");
        return Ok(());
    }
    if let AuditCommand::VerifyExport {
        file,
        public_key,
        chain_only,
    } = &cmd
    {
        use base64::Engine as _;
        let key = match public_key {
            Some(b64) => {
                let bytes: [u8; 32] = base64::engine::general_purpose::STANDARD
                    .decode(b64.trim())
                    .ok()
                    .and_then(|b| b.try_into().ok())
                    .ok_or("--public-key must be the base64 of 32 bytes")?;
                ed25519_dalek::VerifyingKey::from_bytes(&bytes).map_err(|e| e.to_string())?
            }
            None => audit::AuditKeys::load(settings)?.verifying_key(),
        };
        use super::export::WithoutManifest;
        let without_manifest = if *chain_only {
            WithoutManifest::CheckChainOnly
        } else {
            WithoutManifest::Refuse
        };
        let check = super::export::verify_file(file, &key, without_manifest)?;
        println!(
            "{} events (#{} to #{}), checkpoint {}",
            check.events,
            check.first_seq.unwrap_or(0),
            check.last_seq.unwrap_or(0),
            check
                .checkpoint
                .as_ref()
                .map(|c| format!("#{} signed by key {}", c.seq, c.key_id))
                .unwrap_or_else(|| "missing".into())
        );
        match &check.manifest {
            Some(m) if m.filter.is_empty() => println!("manifest: {} rows, no filter", m.rows),
            Some(m) => println!("manifest: {} rows, filter {:?}", m.rows, m.filter),
            None => println!("no manifest: only the chain and its checkpoint were checked"),
        }
        if let Some(line) = check.first_bad_line {
            println!("first bad line: {line}");
            for p in &check.problems {
                println!("PROBLEM: {p}");
            }
            return Err(format!("the export does not verify (line {line})"));
        }
        println!("export verified");
        return Ok(());
    }
    let keys = audit::AuditKeys::load(settings)?;
    let db = open_db(settings).await?;
    let clock = Clock::default();
    let result = match cmd {
        AuditCommand::Verify => {
            let report = audit::verify(&db, &keys).await.map_err(|e| e.message())?;
            let now = clock.now_ms();
            let mut tx = db.begin_write().await.map_err(|e| e.to_string())?;
            let mut event = NewEvent::new(
                CLI,
                AuditAction::AuditVerified,
                AuditEntity::AuditLog,
                &Origin::default(),
            )
            .changes(serde_json::json!({
                "verified_through": report.chain.verified_through,
                "ok": report.ok(),
            }));
            if !report.ok() {
                event = event.reason(report.problems.join("; "));
            }
            super::db::audit::append(&mut tx, now, event)
                .await
                .map_err(|e| e.to_string())?;
            tx.commit().await.map_err(|e| e.to_string())?;
            match report.checkpoint.as_ref() {
                Some(cp) => println!(
                    "newest signed checkpoint: #{} ({})",
                    cp.seq,
                    super::views::time(cp.signed_at)
                ),
                None => println!("no signed checkpoint yet"),
            }
            if report.ok() {
                println!(
                    "audit chain verified: {} events, through #{}, head hash {}",
                    report.chain.events, report.chain.verified_through, report.chain.head_hash
                );
                Ok(())
            } else {
                println!(
                    "last good event: #{} (head hash {})",
                    report.chain.verified_through, report.chain.head_hash
                );
                for p in &report.problems {
                    println!("PROBLEM: {p}");
                }
                Err("the audit trail does not verify".to_string())
            }
        }
        AuditCommand::Checkpoint => {
            let cp = audit::checkpoint(&db, &keys, clock.now_ms(), "cli")
                .await
                .map_err(|e| e.message())?;
            println!(
                "checkpoint signed: #{} {} (key {})",
                cp.seq, cp.hash, cp.key_id
            );
            Ok(())
        }
        AuditCommand::Keygen | AuditCommand::VerifyExport { .. } => Ok(()),
    };
    db.close().await;
    result
}

/// One `--scope` name, checked as clap reads it (a bad one exits with code 2).
fn scope_name(s: &str) -> Result<String, String> {
    use super::services::tokens::SCOPE_NAMES;
    let name = s.trim();
    if SCOPE_NAMES.contains(&name) {
        Ok(name.to_string())
    } else {
        Err(format!("use {}", SCOPE_NAMES.join(", ")))
    }
}

/// Refuses bad command-line input as clap does: the message, the usage, exit code 2.
fn usage_error(message: impl std::fmt::Display) -> ! {
    use clap::CommandFactory;
    Cli::command()
        .error(clap::error::ErrorKind::ValueValidation, message)
        .exit()
}

async fn token(settings: &Settings, cmd: TokenCommand) -> Result<(), String> {
    use super::services::tokens::{self, Scope, Scopes};
    use secrecy::ExposeSecret;
    // Bad input is refused before anything is opened.
    if let TokenCommand::Add { scope, .. } = &cmd {
        if let Err(e) = Scopes::parse(scope) {
            usage_error(format!("--scope: {e}"));
        }
    }
    let db = open_db(settings).await?;
    let clock = Clock::default();
    let origin = Origin::default();
    match cmd {
        TokenCommand::Add {
            name,
            scope,
            expires_in,
        } => {
            let scopes = Scopes::parse(&scope)?;
            let (id, token) = tokens::create(&db, &clock, CLI, &origin, &name, scopes, expires_in)
                .await
                .map_err(|e| e.message())?;
            let until = expires_in
                .map(|d| super::views::time(clock.now_ms() + d.as_millis() as i64))
                .map_or_else(|| "no expiry".to_string(), |t| format!("expires {t}"));
            println!(
                "token {id} ({}, {until}) created. Store it now; it is not shown again:",
                scopes.describe()
            );
            println!("{}", token.expose_secret());
        }
        TokenCommand::List => {
            println!(
                "{:>5}  {:<30} {:<10} {:<22} {:<22} status",
                "id", "name", "scopes", "expires", "last used"
            );
            let now = clock.now_ms();
            for t in db::tokens::all(db.reader())
                .await
                .map_err(|e| e.to_string())?
            {
                let used = t
                    .last_used_at
                    .map(super::views::time)
                    .unwrap_or_else(|| "never".into());
                let expires = t
                    .expires_at
                    .map(super::views::time)
                    .unwrap_or_else(|| "never".into());
                let scopes = Scope::parse(&t.scope).map_or_else(
                    || t.scope.clone(),
                    |access| Scopes { access, pii: t.pii }.describe(),
                );
                let status = if t.revoked_at.is_some() {
                    "revoked"
                } else if t.expires_at.is_some_and(|e| e <= now) {
                    "expired"
                } else {
                    "active"
                };
                println!(
                    "{:>5}  {:<30} {:<10} {:<22} {:<22} {status}",
                    t.api_token_id, t.name, scopes, expires, used
                );
            }
        }
        TokenCommand::Revoke { id } => {
            tokens::revoke(&db, &clock, CLI, &origin, id)
                .await
                .map_err(|e| e.message())?;
            println!("token {id} revoked");
        }
    }
    db.close().await;
    Ok(())
}

/// Reads a password: prompted twice without echo on a terminal, otherwise
/// the first line of standard input (only the line ending is removed).
fn read_password() -> Result<SecretString, String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ").map_err(|e| e.to_string())?;
        let again = rpassword::prompt_password("Again: ").map_err(|e| e.to_string())?;
        if first != again {
            return Err("the passwords differ".into());
        }
        return Ok(SecretString::from(first));
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
    let line = line.strip_suffix('\n').unwrap_or(&line);
    let line = line.strip_suffix('\r').unwrap_or(line);
    Ok(SecretString::from(line.to_string()))
}
