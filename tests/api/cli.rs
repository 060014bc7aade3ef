//! The `kyc-desk` command line, run as a real process.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn kyc_desk(dir: &std::path::Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kyc-desk"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env(
            "KYC_DESK_DATABASE_URL",
            format!("sqlite://{}/cli.db", dir.display()),
        )
        .env("KYC_DESK_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kyc-desk runs");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("kyc-desk exits")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).to_string()
}

#[test]
fn the_first_admin_is_added_from_the_command_line_with_the_password_on_stdin() {
    let dir = tempfile::tempdir().expect("dir");
    let out = kyc_desk(
        dir.path(),
        &[
            "user",
            "add",
            "--email",
            "First@Example.com",
            "--name",
            "First Admin",
            "--role",
            "admin",
        ],
        Some("the very first password\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("first@example.com"));

    let out = kyc_desk(dir.path(), &["user", "list"], None);
    let listing = text(&out.stdout);
    assert!(
        listing.contains("first@example.com")
            && listing.contains("admin")
            && listing.contains("active"),
        "{listing}"
    );
    assert!(!listing.contains("the very first password"));

    let out = kyc_desk(
        dir.path(),
        &["user", "disable", "--email", "first@example.com"],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = kyc_desk(dir.path(), &["user", "list"], None);
    assert!(text(&out.stdout).contains("disabled"));
}

#[test]
fn a_short_password_from_stdin_is_refused_and_nobody_is_created() {
    let dir = tempfile::tempdir().expect("dir");
    let out = kyc_desk(
        dir.path(),
        &[
            "user",
            "add",
            "--email",
            "a@example.com",
            "--name",
            "A",
            "--role",
            "admin",
        ],
        Some("short\n"),
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("password"),
        "{}",
        text(&out.stderr)
    );
    let out = kyc_desk(dir.path(), &["user", "list"], None);
    assert!(!text(&out.stdout).contains("a@example.com"));
}

#[test]
fn an_unknown_role_is_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let out = kyc_desk(
        dir.path(),
        &[
            "user",
            "add",
            "--email",
            "a@example.com",
            "--name",
            "A",
            "--role",
            "root",
        ],
        Some("long enough password\n"),
    );
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("role"));
}

#[test]
fn a_bad_setting_is_named_and_exits_with_code_2() {
    let dir = tempfile::tempdir().expect("dir");
    let out = Command::new(env!("CARGO_BIN_EXE_kyc-desk"))
        .args(["migrate"])
        .current_dir(dir.path())
        .env("KYC_DESK_ADDR", "nowhere")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("KYC_DESK_ADDR"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_bad_trusted_proxy_is_named_and_exits_with_code_2() {
    let dir = tempfile::tempdir().expect("dir");
    let out = Command::new(env!("CARGO_BIN_EXE_kyc-desk"))
        .args(["migrate"])
        .current_dir(dir.path())
        .env("KYC_DESK_TRUSTED_PROXIES", "10.0.0.1,not-a-proxy")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("KYC_DESK_TRUSTED_PROXIES"), "{stderr}");
    assert!(!stderr.contains("not-a-proxy"), "{stderr}");
}

#[test]
fn serving_outside_demo_mode_without_a_secret_key_is_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let out = kyc_desk(dir.path(), &["serve"], None);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("KYC_DESK_SECRET_KEY"));
}

#[test]
fn the_deployed_binary_has_no_developer_tools() {
    let dir = tempfile::tempdir().expect("dir");
    for tool in ["seed", "bench"] {
        let out = kyc_desk(dir.path(), &[tool], None);
        assert_eq!(out.status.code(), Some(2), "{tool}");
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains(&format!("unrecognized subcommand '{tool}'")),
            "{stderr}"
        );
        assert!(
            !dir.path().join("cli.db").exists(),
            "{tool} opened the database"
        );
    }
}

#[test]
fn migrate_creates_the_database_file() {
    let dir = tempfile::tempdir().expect("dir");
    let out = kyc_desk(dir.path(), &["migrate"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(dir.path().join("cli.db").exists());
}

#[test]
fn audit_verify_passes_on_a_fresh_trail_and_fails_once_it_is_tampered_with() {
    let dir = tempfile::tempdir().expect("dir");
    let key = crate::helpers::TEST_AUDIT_KEY;
    let run = |args: &[&str], stdin: Option<&str>| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kyc-desk"))
            .args(args)
            .current_dir(dir.path())
            .env(
                "KYC_DESK_DATABASE_URL",
                format!("sqlite://{}/cli.db", dir.path().display()),
            )
            .env("KYC_DESK_AUDIT_SIGNING_KEY", key)
            .env("KYC_DESK_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("runs");
        if let Some(input) = stdin {
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(input.as_bytes())
                .expect("write");
        }
        drop(child.stdin.take());
        child.wait_with_output().expect("exits")
    };
    let out = run(
        &[
            "user",
            "add",
            "--email",
            "a@example.com",
            "--name",
            "A",
            "--role",
            "admin",
        ],
        Some("long enough password\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run(&["audit", "checkpoint"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run(&["audit", "verify"], None);
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(text(&out.stdout).contains("audit chain verified"));

    // Tamper with the file directly, as someone with disk access would.
    let db = dir.path().join("cli.db");
    let status = Command::new("python3")
        .args([
            "-c",
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('DROP TRIGGER audit_event_is_append_only_update'); c.execute(\"UPDATE audit_event SET reason='edited' WHERE seq=1\"); c.commit()",
            db.to_str().expect("path"),
        ])
        .status()
        .expect("python3");
    assert!(status.success());
    let out = run(&["audit", "verify"], None);
    assert!(!out.status.success());
    assert!(text(&out.stdout).contains("#1"), "{}", text(&out.stdout));
}

#[test]
fn audit_keygen_prints_a_usable_key() {
    let dir = tempfile::tempdir().expect("dir");
    let out = kyc_desk(dir.path(), &["audit", "keygen"], None);
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    let key = stdout
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("KYC_DESK_AUDIT_SIGNING_KEY="))
        .expect("key line");
    assert!(kyc_desk::server::services::audit::signing_key_from_base64(key).is_some());
}

#[test]
fn a_token_with_a_bad_lifetime_or_scope_is_refused_with_exit_code_2_and_nothing_is_created() {
    let dir = tempfile::tempdir().expect("dir");
    let add = ["token", "add", "--name", "reports"];
    for (more, named) in [
        (
            &["--scope", "read", "--expires-in", "30"][..],
            "--expires-in",
        ),
        (&["--scope", "read", "--expires-in", "soon"], "--expires-in"),
        (&["--scope", "read", "--expires-in", "0d"], "--expires-in"),
        (&["--scope", "read", "--expires-in", "-3d"], "--expires-in"),
        (
            &["--scope", "read", "--expires-in", "99999w"],
            "--expires-in",
        ),
        (&["--scope", "pii"], "--scope"),
        (&["--scope", "read,admin"], "--scope"),
    ] {
        let args: Vec<&str> = add.iter().chain(more).copied().collect();
        let out = kyc_desk(dir.path(), &args, None);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(named), "{args:?} names {named}: {err}");
        assert!(!text(&out.stdout).contains("kdt_"), "no token printed");
    }
    let out = kyc_desk(dir.path(), &["token", "list"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).lines().count(), 1, "only the header");
}

#[test]
fn token_list_shows_each_tokens_scopes_and_expiry() {
    let dir = tempfile::tempdir().expect("dir");
    let out = kyc_desk(
        dir.path(),
        &[
            "token",
            "add",
            "--name",
            "reports",
            "--scope",
            "read",
            "--scope",
            "pii",
            "--expires-in",
            "30d",
        ],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let printed = text(&out.stdout);
    assert!(
        printed.contains("read,pii") && printed.contains("expires 20"),
        "{printed}"
    );
    assert!(printed.contains("kdt_"), "the token is shown once");
    let out = kyc_desk(
        dir.path(),
        &["token", "add", "--name", "onboarding", "--scope", "ingest"],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("no expiry"));

    let out = kyc_desk(dir.path(), &["token", "list"], None);
    let listing = text(&out.stdout);
    let line = |name: &str| {
        listing
            .lines()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("{name} listed: {listing}"))
            .to_string()
    };
    let reports = line("reports");
    assert!(
        reports.contains("read,pii") && reports.contains("active"),
        "{reports}"
    );
    assert_eq!(
        reports.matches("never").count(),
        1,
        "expires, never used: {reports}"
    );
    let onboarding = line("onboarding");
    assert!(
        onboarding.contains("ingest ") && !onboarding.contains("pii"),
        "{onboarding}"
    );
    assert_eq!(
        onboarding.matches("never").count(),
        2,
        "no expiry, never used"
    );
    assert!(!listing.contains("kdt_"), "never the tokens themselves");
}

#[test]
fn a_backup_is_checked_restores_by_copying_the_file_and_never_overwrites() {
    let dir = tempfile::tempdir().expect("dir");
    let out = kyc_desk(
        dir.path(),
        &[
            "user",
            "add",
            "--email",
            "backup@example.com",
            "--name",
            "Bea Backup",
            "--role",
            "admin",
        ],
        Some("a long enough password\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = kyc_desk(dir.path(), &["backup", "copy.db"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(
        said.contains("integrity ok, audit chain verified through #"),
        "{said}"
    );
    // The copy is recorded in the trail of the database it was taken from.
    let out = kyc_desk(dir.path(), &["backup", "second.db"], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let events = std::process::Command::new("python3")
        .args([
            "-c",
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute(\"SELECT changes FROM audit_event WHERE action='database.backed_up' ORDER BY seq\").fetchall())",
            dir.path().join("cli.db").to_str().expect("path"),
        ])
        .output()
        .expect("python3");
    let recorded = text(&events.stdout);
    assert!(
        recorded.contains("copy.db") && recorded.contains("second.db"),
        "{recorded}"
    );

    // Restoring is putting the copy where the database goes.
    let restored = tempfile::tempdir().expect("dir");
    std::fs::copy(dir.path().join("copy.db"), restored.path().join("cli.db")).expect("copy");
    let out = kyc_desk(restored.path(), &["user", "list"], None);
    assert!(
        text(&out.stdout).contains("backup@example.com"),
        "{}",
        text(&out.stderr)
    );

    let before = std::fs::read(dir.path().join("copy.db")).expect("read");
    let out = kyc_desk(dir.path(), &["backup", "copy.db"], None);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("exists"),
        "{}",
        text(&out.stderr)
    );
    let after = std::fs::read(dir.path().join("copy.db")).expect("read");
    assert!(before == after, "the existing file is untouched");
}
