//! The managers' audit log: filters, keyset pages, detail, export.

use crate::helpers::{TestApp, PASSWORD};
use kyc_desk::domain::Role;
use kyc_desk::server::export::{verify_file, WithoutManifest};
use kyc_desk::server::services::audit;
use serde_json::Value;

async fn list(app: &TestApp, browser: &reqwest::Client, query: &str) -> Value {
    let res = app.get(browser, &format!("/api/audit/list?{query}")).await;
    assert_eq!(res.status(), 200, "{query}");
    res.json().await.expect("json")
}

#[tokio::test]
async fn a_manager_filters_the_log_to_one_reviewers_sign_ins_and_reading_is_recorded() {
    let app = TestApp::spawn().await;
    for _ in 0..3 {
        app.signed_in(Role::Reviewer).await;
        app.signed_in(Role::ComplianceOfficer).await;
    }
    let manager = app.signed_in(Role::Manager).await;
    let reviewer = app.user_id(Role::Reviewer);
    let page = list(
        &app,
        &manager,
        &format!("actor={reviewer}&action=auth.sign_in"),
    )
    .await;
    let items = page["items"].as_array().expect("items");
    assert_eq!(items.len(), 3);
    assert!(items
        .iter()
        .all(|e| e["actor_user_id"] == reviewer && e["action"] == "auth.sign_in"));
    assert!(
        items[0]["seq"].as_i64() > items[1]["seq"].as_i64(),
        "newest first"
    );
    let viewed: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_event WHERE action = 'audit.viewed'")
            .fetch_one(app.state.db.reader())
            .await
            .expect("count");
    assert_eq!(viewed, 1);
}

#[tokio::test]
async fn keyset_pages_reach_every_event_once_at_any_depth() {
    let app = TestApp::spawn().await;
    for _ in 0..30 {
        app.login(&app.browser(), app.email(Role::Reviewer), "wrong password!")
            .await;
        app.state.clock.advance(std::time::Duration::from_secs(3)); // past the growing lock
    }
    let manager = app.signed_in(Role::Manager).await;
    let total: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_event WHERE action = 'auth.sign_in_failed'")
            .fetch_one(app.state.db.reader())
            .await
            .expect("count");
    let mut seen = Vec::new();
    let mut before = String::new();
    loop {
        let page = list(
            &app,
            &manager,
            &format!("action=auth.sign_in_failed&before={before}"),
        )
        .await;
        seen.extend(
            page["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|e| e["seq"].as_i64().expect("seq")),
        );
        match page["next_cursor"].as_str() {
            Some(c) => before = c.to_string(),
            None => break,
        }
    }
    let n = seen.len();
    seen.dedup();
    assert_eq!(seen.len(), n);
    assert_eq!(n as i64, total);
}

#[tokio::test]
async fn a_time_range_selects_the_events_inside_it() {
    let app = TestApp::spawn().await;
    app.signed_in(Role::Reviewer).await;
    app.state
        .clock
        .advance(std::time::Duration::from_secs(3 * 86_400));
    app.signed_in(Role::ComplianceOfficer).await;
    let manager = app.signed_in(Role::Manager).await;
    let today = app.state.clock.now().date();
    let page = list(
        &app,
        &manager,
        &format!("action=auth.sign_in&from={today}&to={today}"),
    )
    .await;
    let actors: Vec<i64> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["actor_user_id"].as_i64())
        .collect();
    assert!(actors.contains(&app.user_id(Role::ComplianceOfficer)));
    assert!(
        !actors.contains(&app.user_id(Role::Reviewer)),
        "three days ago is outside the range"
    );
    let bad = app.get(&manager, "/api/audit/list?from=2026-13-45").await;
    assert_eq!(bad.status(), 422);
}

#[tokio::test]
async fn the_actor_filter_follows_account_changes_made_since_it_was_last_shown() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in(Role::Admin).await;
    let reviewer = app.user_id(Role::Reviewer);
    let label_of = |list: &Value, id: i64| {
        list.as_array()
            .expect("actors")
            .iter()
            .find(|a| a["user_id"] == id)
            .map(|a| a["label"].as_str().expect("label").to_string())
    };
    let before: Value = app
        .get(&admin, "/api/audit/actors")
        .await
        .json()
        .await
        .expect("json");
    assert!(label_of(&before, reviewer)
        .expect("listed")
        .ends_with("(reviewer)"));

    // Changes made beside the server, as `kyc-desk user …` makes them from
    // another process: one stamped with the very instant of the account's
    // last change (no timestamp tells it apart), then a new account.
    let stamped = kyc_desk::server::db::users::find(app.state.db.reader(), reviewer)
        .await
        .expect("find")
        .expect("reviewer")
        .updated_at;
    let mut tx = app.state.db.begin_write().await.expect("tx");
    kyc_desk::server::db::users::set_role(&mut tx, reviewer, Role::ComplianceOfficer, stamped)
        .await
        .expect("role");
    tx.commit().await.expect("commit");
    let changed: Value = app
        .get(&admin, "/api/audit/actors")
        .await
        .json()
        .await
        .expect("json");
    assert!(label_of(&changed, reviewer)
        .expect("listed")
        .ends_with("(compliance officer)"));

    let mut tx = app.state.db.begin_write().await.expect("tx");
    let added = kyc_desk::server::db::users::insert(
        &mut tx,
        "nora.new@example.test",
        "Nora New",
        Role::Manager,
        "not a real hash",
        app.state.clock.now_ms(),
    )
    .await
    .expect("insert");
    tx.commit().await.expect("commit");

    let after: Value = app
        .get(&admin, "/api/audit/actors")
        .await
        .json()
        .await
        .expect("json");
    assert!(label_of(&after, reviewer)
        .expect("listed")
        .ends_with("(compliance officer)"));
    assert_eq!(
        label_of(&after, added).as_deref(),
        Some("Nora New (manager)")
    );
}

#[tokio::test]
async fn an_events_detail_shows_before_and_after() {
    let app = TestApp::spawn().await;
    let admin = app.signed_in(Role::Admin).await;
    let id = app.user_id(Role::Reviewer).to_string();
    app.post(
        &admin,
        "/api/users/change-role",
        &[("user_id", &id), ("role", "manager")],
    )
    .await;
    let seq: i64 =
        sqlx::query_scalar("SELECT seq FROM audit_event WHERE action = 'user.role_changed'")
            .fetch_one(app.state.db.reader())
            .await
            .expect("seq");
    let e: Value = app
        .get(&admin, &format!("/api/audit/get?seq={seq}"))
        .await
        .json()
        .await
        .expect("json");
    let change = &e["changes"][0];
    assert_eq!(change["field"], "role");
    assert_eq!(change["before"], "reviewer");
    assert_eq!(change["after"], "manager");
    assert!(e["actor"].as_str().expect("actor").contains("(admin)"));
}

#[tokio::test]
async fn every_filter_combination_of_the_log_uses_an_index() {
    use kyc_desk::server::db::audit::{explain_page, EventFilter};
    let app = TestApp::spawn().await;
    let base = EventFilter {
        min_seq: Some(1),
        max_seq: Some(1_000),
        ..EventFilter::default()
    };
    let mut filters = Vec::new();
    for mask in 0..32u32 {
        let mut f = if mask & 16 != 0 {
            base.clone()
        } else {
            EventFilter::default()
        };
        if mask & 1 != 0 {
            f.actor_user_id = Some(1);
        }
        if mask & 2 != 0 {
            f.action = Some("auth.sign_in".into());
        }
        if mask & 4 != 0 {
            f.customer_id = Some(1);
        }
        if mask & 8 != 0 {
            f.verification_id = Some(1);
        }
        filters.push(f);
    }
    for f in &filters {
        for before in [None, Some(500)] {
            let filter = f.clone();
            let plan = app
                .state
                .db
                .read_blocking(move |conn| explain_page(conn, &filter, before))
                .await
                .expect("plan");
            // With no filter at all, the table itself is the index: it is
            // ordered by seq (the rowid), walked from the newest event and
            // left after one page. Any filter or cursor seeks.
            let unfiltered = f.actor_user_id.is_none()
                && f.action.is_none()
                && f.customer_id.is_none()
                && f.verification_id.is_none()
                && f.min_seq.is_none()
                && f.max_seq.is_none()
                && before.is_none();
            assert!(
                plan.iter().all(|l| !l.starts_with("SCAN audit_event")
                    || l.contains("INDEX")
                    || unfiltered),
                "full scan for {f:?}: {plan:?}"
            );
            assert!(
                plan.iter().all(|l| !l.starts_with("SCAN app_user")),
                "each actor's name is read by key: {plan:?}"
            );
            assert!(
                !plan.iter().any(|l| l.contains("TEMP B-TREE")),
                "sort for {f:?}: {plan:?}"
            );
        }
    }
}

#[tokio::test]
async fn a_manager_exports_csv_that_verifies_offline_and_a_changed_byte_does_not() {
    let app = TestApp::spawn().await;
    // A token whose name a spreadsheet would run as a formula.
    let (token_id, _) = kyc_desk::server::services::tokens::create(
        &app.state.db,
        &app.state.clock,
        kyc_desk::server::db::audit::Actor::System("test"),
        &Default::default(),
        "=HYPERLINK(\"http://evil\")",
        kyc_desk::server::services::tokens::Scope::Read.into(),
        None,
    )
    .await
    .expect("token");
    assert!(token_id > 0);
    let manager = app.signed_in(Role::Manager).await;
    let res = manager
        .get(app.url("/audit/export.csv"))
        .send()
        .await
        .expect("export");
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .expect("ct")
        .starts_with("text/csv"));
    let body = res.text().await.expect("body");
    assert!(body.starts_with("seq,occurred_at,"));
    assert!(body.contains("\r\n"), "CRLF records");
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(body.as_bytes());
    for record in reader.records() {
        for cell in record.expect("record").iter() {
            assert!(
                !matches!(cell.chars().next(), Some('=' | '+' | '@')),
                "formula cell {cell:?}"
            );
        }
    }
    assert!(body
        .lines()
        .last()
        .expect("trailer")
        .starts_with("checkpoint,"));

    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("audit.csv");
    std::fs::write(&file, &body).expect("write");
    let key = app.state.audit_keys.verifying_key();
    let check = verify_file(&file, &key, WithoutManifest::Refuse).expect("read");
    assert!(check.problems.is_empty(), "{:?}", check.problems);
    let exported: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_event WHERE action = 'audit.exported'")
            .fetch_one(app.state.db.reader())
            .await
            .expect("count");
    assert_eq!(exported, 1, "the export is recorded");
    assert_eq!(
        check.last_seq,
        check.checkpoint.as_ref().map(|c| c.seq),
        "the export reaches its checkpoint"
    );

    // Change one character of one event.
    let tampered = body.replacen("auth.sign_in", "auth.sign_IN", 1);
    std::fs::write(&file, tampered).expect("write");
    let check = verify_file(&file, &key, WithoutManifest::Refuse).expect("read");
    assert!(!check.problems.is_empty());
}

#[tokio::test]
async fn a_csv_export_names_the_people_and_gives_iso_times_beside_the_signed_fields() {
    let app = TestApp::spawn().await;
    let _reviewer = app.signed_in(Role::Reviewer).await;
    let manager = app.signed_in(Role::Manager).await;
    let body = export(&app, &manager, "/audit/export.csv").await;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(body.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_string)
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    let (at, iso, who, name) = (
        col("occurred_at"),
        col("occurred_at_utc"),
        col("actor_user_id"),
        col("actor_name"),
    );
    let mut named = 0;
    for record in reader.records() {
        let record = record.expect("record");
        if record.get(0) == Some("checkpoint") {
            continue;
        }
        let ms: i64 = record[at].parse().expect("ms");
        let seconds = kyc_desk::server::views::time(ms - ms % 1000);
        let expected = format!("{}.{:03}Z", seconds.trim_end_matches('Z'), ms % 1000);
        assert_eq!(record[iso], expected, "ISO 8601 in UTC, to the millisecond");
        if !record[who].is_empty() {
            assert!(!record[name].is_empty(), "a person has a name: {record:?}");
            named += 1;
        }
    }
    assert!(named >= 2, "both sign-ins name their person");
    assert!(body.contains(",Test reviewer\r\n"), "the reviewer by name");
    // The names and times are beside the signed fields, not in them.
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("audit.csv");
    std::fs::write(&file, &body).expect("write");
    let key = app.state.audit_keys.verifying_key();
    let check = verify_file(&file, &key, WithoutManifest::Refuse).expect("read");
    assert!(check.problems.is_empty(), "{:?}", check.problems);
}

#[tokio::test]
async fn a_filtered_jsonl_export_verifies_each_event() {
    let app = TestApp::spawn().await;
    for _ in 0..3 {
        app.signed_in(Role::Reviewer).await;
    }
    let manager = app.signed_in(Role::Manager).await;
    let reviewer = app.user_id(Role::Reviewer);
    let res = manager
        .get(app.url(&format!("/audit/export.jsonl?actor={reviewer}")))
        .send()
        .await
        .expect("export");
    assert_eq!(res.status(), 200);
    let body = res.text().await.expect("body");
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(lines.len(), 4, "three events and the checkpoint");
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("audit.jsonl");
    std::fs::write(&file, &body).expect("write");
    let check = verify_file(
        &file,
        &app.state.audit_keys.verifying_key(),
        WithoutManifest::Refuse,
    )
    .expect("read");
    assert!(check.problems.is_empty(), "{:?}", check.problems);
    // A different key does not accept it.
    let (_, other_public) = audit::generate_key();
    let other = {
        use base64::Engine as _;
        let bytes: [u8; 32] = base64::engine::general_purpose::STANDARD
            .decode(other_public)
            .expect("b64")
            .try_into()
            .expect("32");
        ed25519_dalek::VerifyingKey::from_bytes(&bytes).expect("key")
    };
    let check = verify_file(&file, &other, WithoutManifest::Refuse).expect("read");
    assert!(check.problems.iter().any(|p| p.contains("signature")));
}

#[tokio::test]
async fn an_export_longer_than_a_batch_holds_every_matching_event_once_in_order() {
    let app = TestApp::spawn().await;
    app.seed(&[
        "--customers",
        "100",
        "--verifications",
        "300",
        "--audit-events",
        "15000",
        "--seed",
        "3",
    ])
    .await;
    let manager = app.signed_in(Role::Manager).await;
    let key = app.state.audit_keys.verifying_key();
    let dir = tempfile::tempdir().expect("dir");
    for (query, sql) in [
        ("", "SELECT seq FROM audit_event ORDER BY seq"),
        (
            "?action=case.claimed",
            "SELECT seq FROM audit_event WHERE action = 'case.claimed' ORDER BY seq",
        ),
    ] {
        let res = manager
            .get(app.url(&format!("/audit/export.csv{query}")))
            .send()
            .await
            .expect("export");
        assert_eq!(res.status(), 200);
        let body = res.text().await.expect("body");
        let file = dir.path().join("audit.csv");
        std::fs::write(&file, &body).expect("write");
        let check = verify_file(&file, &key, WithoutManifest::Refuse).expect("read");
        assert!(check.problems.is_empty(), "{query}: {:?}", check.problems);

        let expected: Vec<i64> = sqlx::query_scalar(sql)
            .fetch_all(app.state.db.reader())
            .await
            .expect(sql);
        let exported: Vec<i64> = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(body.as_bytes())
            .records()
            .map(|r| r.expect("record")[0].to_string())
            .filter(|seq| seq != "checkpoint")
            .map(|seq| seq.parse().expect("a number"))
            .collect();
        // The export reaches its signed checkpoint (which covers its own
        // event): every matching event up to it is in it, each once, oldest
        // first.
        let through = check.checkpoint.as_ref().expect("checkpoint").seq;
        let expected: Vec<i64> = expected.into_iter().filter(|s| *s <= through).collect();
        assert!(expected.len() > 2_000, "{query}: more than one batch");
        assert_eq!(exported, expected, "{query}");
    }
}

#[tokio::test]
async fn a_compressed_export_arrives_whole_as_a_browser_asks_for_it() {
    let app = TestApp::spawn().await;
    let manager = app.signed_in(Role::Manager).await;
    for encoding in ["br", "gzip"] {
        let res = manager
            .get(app.url("/audit/export.csv"))
            .header("accept-encoding", encoding)
            .send()
            .await
            .expect("export");
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-encoding"], encoding);
        let body = res
            .bytes()
            .await
            .expect("the whole body, not a reset connection");
        assert!(!body.is_empty());
    }
    // The server is still there for the next request.
    assert_eq!(app.get(&manager, "/healthz").await.status(), 200);
}

#[tokio::test]
async fn a_reviewer_cannot_read_or_export_the_log() {
    let app = TestApp::spawn().await;
    let reviewer = app.signed_in(Role::Reviewer).await;
    assert_eq!(app.get(&reviewer, "/api/audit/list").await.status(), 403);
    assert_eq!(
        reviewer
            .get(app.url("/audit/export.csv"))
            .send()
            .await
            .expect("req")
            .status(),
        403
    );
    assert_eq!(
        app.browser()
            .get(app.url("/audit/export.csv"))
            .send()
            .await
            .expect("req")
            .status(),
        401
    );
    let _ = PASSWORD;
}

#[tokio::test]
async fn verifying_from_the_page_is_recorded_and_reports_the_state() {
    let app = TestApp::spawn().await;
    let manager = app.signed_in(Role::Manager).await;
    let res = app.post(&manager, "/api/audit/verify", &[]).await;
    assert_eq!(res.status(), 200);
    let status: Value = app
        .get(&manager, "/api/audit/status")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(status["ok"], true);
    assert!(status["verified_through"].as_i64().expect("n") > 0);
    assert!(app
        .audit_actions()
        .await
        .contains(&"audit.verified".to_string()));
}

/// An export's body, by `manager`.
async fn export(app: &TestApp, manager: &reqwest::Client, path: &str) -> String {
    let res = manager.get(app.url(path)).send().await.expect("export");
    assert_eq!(res.status(), 200, "{path}");
    res.text().await.expect("body")
}

/// The sequence number of an export's row.
fn seq_of(row: &str) -> i64 {
    match serde_json::from_str::<Value>(row) {
        Ok(v) => v["seq"].as_i64().expect("seq"),
        Err(_) => row
            .split(',')
            .next()
            .and_then(|s| s.parse().ok())
            .expect("seq"),
    }
}

/// Writes `lines` as `name` and verifies it.
fn verify_lines(
    dir: &std::path::Path,
    name: &str,
    lines: &[&str],
    how: WithoutManifest,
) -> kyc_desk::server::export::ExportCheck {
    let file = dir.join(name);
    std::fs::write(&file, lines.concat()).expect("write");
    let key =
        kyc_desk::server::services::audit::signing_key_from_base64(crate::helpers::TEST_AUDIT_KEY)
            .expect("key")
            .verifying_key();
    verify_file(&file, &key, how).expect("read")
}

#[tokio::test]
async fn a_row_removed_added_moved_or_changed_in_a_filtered_export_fails_at_its_line() {
    let app = TestApp::spawn().await;
    // Sign-ins with failed attempts between them: the sign-ins' numbers
    // have gaps, as a filtered export's do.
    for _ in 0..4 {
        app.signed_in(Role::Reviewer).await;
        app.login(
            &app.browser(),
            app.email(Role::Reviewer),
            "not the password",
        )
        .await;
    }
    let manager = app.signed_in(Role::Manager).await;
    let dir = tempfile::tempdir().expect("dir");
    for format in ["csv", "jsonl"] {
        let name = format!("audit.{format}");
        let filtered = export(
            &app,
            &manager,
            &format!("/audit/export.{format}?action=auth.sign_in"),
        )
        .await;
        let everything = export(&app, &manager, &format!("/audit/export.{format}")).await;
        let lines: Vec<&str> = filtered.split_inclusive('\n').collect();
        // The rows are between the CSV header (or the start) and the signed end.
        let first = usize::from(format == "csv");
        let rows = &lines[first..lines.len() - 1];
        assert!(rows.len() >= 4, "{format}: {filtered}");
        // Line numbers are 1-based: the row at `lines[i]` is on line i + 1.
        let line_of = |i: usize| i + 1;

        let check = verify_lines(dir.path(), &name, &lines, WithoutManifest::Refuse);
        assert!(check.problems.is_empty(), "{format}: {:?}", check.problems);
        let manifest = check.manifest.expect("a signed manifest");
        assert_eq!(manifest.filter, "action=auth.sign_in");
        assert_eq!(manifest.rows, rows.len() as u64);
        assert!(
            seq_of(rows[2]) > seq_of(rows[1]) + 1,
            "{format}: a gap between the second and third rows"
        );

        // Removed: the second row.
        let mut removed = lines.clone();
        removed.remove(first + 1);
        // Added: an event the filter left out, in its place by number,
        // taken whole from the unfiltered export.
        let (after, before) = (seq_of(rows[1]), seq_of(rows[2]));
        let extra = everything
            .split_inclusive('\n')
            .find(|l| {
                !l.starts_with("seq,") && !l.contains("checkpoint") && {
                    let seq = seq_of(l);
                    after < seq && seq < before
                }
            })
            .expect("an event between the second and third rows");
        let mut added = lines.clone();
        added.insert(first + 2, extra);
        // Moved: the second and third rows swapped.
        let mut moved = lines.clone();
        moved.swap(first + 1, first + 2);
        // Changed: the third row's action.
        let changed_row = rows[2].replacen("auth.sign_in", "auth.sign_out", 1);
        let mut changed = lines.clone();
        changed[first + 2] = &changed_row;

        for (edit, edited, bad_line) in [
            ("removed", removed, line_of(first + 1)),
            ("added", added, line_of(first + 2)),
            ("moved", moved, line_of(first + 1)),
            ("changed", changed, line_of(first + 2)),
        ] {
            let check = verify_lines(dir.path(), &name, &edited, WithoutManifest::Refuse);
            assert_eq!(
                check.first_bad_line,
                Some(bad_line),
                "{format}, a row {edit}: {:?}",
                check.problems
            );
            assert!(
                check.problems[0].starts_with(&format!("line {bad_line}: ")),
                "{format}, a row {edit}: {:?}",
                check.problems
            );
        }
    }
}

#[tokio::test]
async fn an_export_without_its_signed_manifest_fails_unless_only_its_chain_is_asked_for() {
    let app = TestApp::spawn().await;
    for _ in 0..3 {
        app.signed_in(Role::Reviewer).await;
    }
    let manager = app.signed_in(Role::Manager).await;
    let body = export(&app, &manager, "/audit/export.csv?action=auth.sign_in").await;
    // The export as versions before manifests wrote it: no running hash
    // column (nor the names and ISO times after it), and a checkpoint alone at the end.
    let lines: Vec<String> = body
        .split_inclusive('\n')
        .map(|l| {
            if l.starts_with("checkpoint,") {
                let cells: Vec<&str> = l.trim_end().splitn(7, ',').take(6).collect();
                format!("{}\r\n", cells.join(","))
            } else {
                let kept = l
                    .trim_end()
                    .rsplitn(4, ',')
                    .last()
                    .expect("the signed cells");
                format!("{kept}\r\n")
            }
        })
        .collect();
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    assert!(lines[0].ends_with(",hash\r\n"), "{}", lines[0]);
    let dir = tempfile::tempdir().expect("dir");
    let end = lines.len();

    let check = verify_lines(dir.path(), "old.csv", &lines, WithoutManifest::Refuse);
    assert_eq!(check.first_bad_line, Some(end), "{:?}", check.problems);
    let check = verify_lines(
        dir.path(),
        "old.csv",
        &lines,
        WithoutManifest::CheckChainOnly,
    );
    assert!(check.problems.is_empty(), "{:?}", check.problems);
    assert!(check.manifest.is_none());
}

#[tokio::test]
async fn verify_export_on_the_command_line_names_the_first_bad_line() {
    use base64::Engine as _;
    let app = TestApp::spawn().await;
    for _ in 0..3 {
        app.signed_in(Role::Reviewer).await;
        app.login(
            &app.browser(),
            app.email(Role::Reviewer),
            "not the password",
        )
        .await;
    }
    let manager = app.signed_in(Role::Manager).await;
    let body = export(&app, &manager, "/audit/export.jsonl?action=auth.sign_in").await;
    let mut lines: Vec<&str> = body.split_inclusive('\n').collect();
    let dir = tempfile::tempdir().expect("dir");
    let public_key = base64::engine::general_purpose::STANDARD
        .encode(app.state.audit_keys.verifying_key().as_bytes());
    let run = |lines: &[&str]| {
        let file = dir.path().join("audit.jsonl");
        std::fs::write(&file, lines.concat()).expect("write");
        std::process::Command::new(env!("CARGO_BIN_EXE_kyc-desk"))
            .args(["audit", "verify-export"])
            .arg(&file)
            .args(["--public-key", &public_key])
            .current_dir(dir.path())
            .env("KYC_DESK_LOG", "warn")
            .output()
            .expect("kyc-desk runs")
    };
    let out = run(&lines);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{stdout}");
    assert!(stdout.contains("export verified"), "{stdout}");

    lines.remove(1);
    let out = run(&lines);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("first bad line: 2"), "{stdout}");
}

#[tokio::test]
async fn page_cursors_at_the_ends_of_the_number_range_read_nothing_and_break_nothing() {
    let app = TestApp::spawn().await;
    let manager = app.signed_in(Role::Manager).await;
    for cursor in [i64::MIN, i64::MIN + 1, 0, i64::MAX] {
        let page = list(&app, &manager, &format!("before={cursor}")).await;
        let items = page["items"].as_array().expect("items");
        if cursor <= 0 {
            assert!(items.is_empty(), "{cursor}");
        } else {
            assert!(!items.is_empty(), "{cursor}");
        }
    }
}

#[tokio::test]
async fn only_one_full_check_of_the_trail_runs_at_a_time() {
    let app = TestApp::spawn().await;
    let manager = app.signed_in(Role::Manager).await;
    let running = app
        .state
        .chain_status
        .try_full_check()
        .expect("nobody checks yet");
    let res = app.post(&manager, "/api/audit/verify", &[]).await;
    assert_eq!(res.status(), 409, "another one runs");
    drop(running);
    let res = app.post(&manager, "/api/audit/verify", &[]).await;
    assert_eq!(res.status(), 200);
}
