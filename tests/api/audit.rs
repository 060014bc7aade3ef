use crate::helpers::{TestApp, PASSWORD};
use kyc_desk::domain::Role;
use kyc_desk::server::db::audit::StoredEvent;

async fn events(app: &TestApp) -> Vec<StoredEvent> {
    sqlx::query_as("SELECT * FROM audit_event ORDER BY seq")
        .fetch_all(app.state.db.reader())
        .await
        .expect("events")
}

#[tokio::test]
async fn sign_ins_and_failures_are_recorded_with_who_and_from_where() {
    let app = TestApp::spawn().await;
    app.login(&app.browser(), app.email(Role::Reviewer), "wrong password!")
        .await;
    app.login(&app.browser(), app.email(Role::Reviewer), PASSWORD)
        .await;
    let evs = events(&app).await;
    let failed = evs
        .iter()
        .find(|e| e.action == "auth.sign_in_failed")
        .expect("failure recorded");
    assert_eq!(failed.reason.as_deref(), Some("wrong password"));
    assert_eq!(
        failed.entity_id,
        Some(app.user_id(Role::Reviewer).to_string())
    );
    let ok = evs
        .iter()
        .find(|e| e.action == "auth.sign_in")
        .expect("success recorded");
    assert_eq!(ok.actor_user_id, Some(app.user_id(Role::Reviewer)));
    assert_eq!(ok.actor_role.as_deref(), Some("reviewer"));
    assert!(ok.request_id.is_some());
    let client = ok.client_hash.as_deref().expect("client hash");
    assert!(
        !client.contains("127.0.0.1"),
        "the address itself is never stored"
    );
}

#[tokio::test]
async fn the_chain_links_every_event_to_the_one_before() {
    let app = TestApp::spawn().await;
    app.signed_in(Role::Admin).await;
    let evs = events(&app).await;
    assert!(evs.len() >= 5);
    let mut prev = kyc_desk::server::db::audit::GENESIS_HASH.to_string();
    for (i, e) in evs.iter().enumerate() {
        assert_eq!(e.seq, i as i64 + 1, "no gaps");
        assert_eq!(e.prev_hash, prev);
        assert_eq!(e.hash, e.expected_hash());
        prev = e.hash.clone();
    }
}

#[tokio::test]
async fn the_database_refuses_to_change_or_delete_audit_events() {
    let app = TestApp::spawn().await;
    app.signed_in(Role::Admin).await;
    let mut tx = app.state.db.begin_write().await.expect("tx");
    let update = sqlx::query("UPDATE audit_event SET reason = 'edited' WHERE seq = 1")
        .execute(&mut *tx)
        .await;
    assert!(update.is_err(), "UPDATE must be refused");
    let delete = sqlx::query("DELETE FROM audit_event WHERE seq = 1")
        .execute(&mut *tx)
        .await;
    assert!(delete.is_err(), "DELETE must be refused");
}

#[tokio::test]
async fn a_change_whose_audit_write_fails_is_rolled_back() {
    use kyc_desk::domain::audit::{AuditAction, AuditEntity};
    use kyc_desk::server::db::audit::{append, Actor, NewEvent, Origin};
    let app = TestApp::spawn().await;
    let id = app.user_id(Role::Manager);
    let mut tx = app.state.db.begin_write().await.expect("tx");
    kyc_desk::server::db::users::set_disabled(&mut tx, id, true, 0)
        .await
        .expect("change");
    // A forged event that collides with an existing sequence number fails...
    sqlx::query("INSERT INTO audit_event (seq, occurred_at, actor_system, action, entity_kind, prev_hash, hash) VALUES (1, 0, 'x', 'x', 'x', '', '')")
        .execute(&mut *tx)
        .await
        .expect_err("duplicate seq");
    drop(tx); // ...and the whole transaction goes with it.
    let disabled: bool = sqlx::query_scalar("SELECT disabled FROM app_user WHERE user_id = $1")
        .bind(id)
        .fetch_one(app.state.db.reader())
        .await
        .expect("row");
    assert!(!disabled);
    // The append helper itself works inside a transaction.
    let mut tx = app.state.db.begin_write().await.expect("tx");
    let seq = append(
        &mut tx,
        1,
        NewEvent::new(
            Actor::System("test"),
            AuditAction::UserDisabled,
            AuditEntity::User,
            &Origin::default(),
        ),
    )
    .await
    .expect("append");
    tx.commit().await.expect("commit");
    assert!(seq > 1);
}

#[tokio::test]
async fn passwords_never_reach_the_audit_trail() {
    let app = TestApp::spawn().await;
    let canary = "canary-password-7f3a9c";
    app.login(&app.browser(), app.email(Role::Reviewer), canary)
        .await;
    let admin = app.signed_in(Role::Admin).await;
    let id = app.user_id(Role::Reviewer).to_string();
    app.post(
        &admin,
        "/api/users/reset-password",
        &[("user_id", &id), ("password", canary)],
    )
    .await;
    app.post(
        &admin,
        "/api/users/create",
        &[
            ("email", "c@example.test"),
            ("name", "C"),
            ("role", "reviewer"),
            ("password", canary),
        ],
    )
    .await;
    let all: Vec<String> = sqlx::query_scalar(
        "SELECT COALESCE(changes, '') || COALESCE(reason, '') || COALESCE(entity_id, '') FROM audit_event",
    )
    .fetch_all(app.state.db.reader())
    .await
    .expect("events");
    assert!(all.len() > 3);
    assert!(all.iter().all(|e| !e.contains(canary)));
}

mod chain {
    use crate::helpers::{TestApp, PASSWORD};
    use kyc_desk::domain::Role;
    use kyc_desk::server::db::audit::GENESIS_HASH;
    use kyc_desk::server::services::audit;

    /// Writes a few dozen events through real actions.
    async fn busy_app() -> TestApp {
        let app = TestApp::spawn().await;
        for _ in 0..6 {
            app.login(&app.browser(), app.email(Role::Reviewer), "wrong password!")
                .await;
            app.login(&app.browser(), app.email(Role::Manager), PASSWORD)
                .await;
        }
        app
    }

    /// What an attacker with write access to the file does first.
    async fn drop_guards(app: &TestApp) {
        for t in [
            "audit_event_is_append_only_update",
            "audit_event_is_append_only_delete",
        ] {
            sqlx::query(&format!("DROP TRIGGER {t}"))
                .execute(app.state.db.writer())
                .await
                .expect("drop trigger");
        }
    }

    async fn max_seq(app: &TestApp) -> i64 {
        sqlx::query_scalar("SELECT MAX(seq) FROM audit_event")
            .fetch_one(app.state.db.reader())
            .await
            .expect("max")
    }

    #[tokio::test]
    async fn the_chain_is_checked_in_the_background_from_the_start() {
        let app = TestApp::spawn().await;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let (status, signed) = loop {
            let status = app.state.chain_status.get();
            let signed = audit::latest_checkpoint(&app.state.db).await.expect("read");
            if let (Some(status), Some(signed)) = (status, signed) {
                break (status, signed);
            }
            assert!(std::time::Instant::now() < deadline, "no background check");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        };
        assert!(status.report.ok(), "{:?}", status.report.problems);
        assert!(
            signed.seq >= status.report.chain.verified_through,
            "the checked head is signed"
        );
    }

    #[tokio::test]
    async fn an_untouched_chain_verifies_against_its_signed_checkpoint() {
        let app = busy_app().await;
        let cp = audit::checkpoint(&app.state.db, &app.state.audit_keys, 1, "test")
            .await
            .expect("checkpoint");
        let report = audit::verify(&app.state.db, &app.state.audit_keys)
            .await
            .expect("verify");
        assert!(report.ok(), "{:?}", report.problems);
        assert_eq!(report.chain.verified_through, max_seq(&app).await);
        assert_eq!(report.checkpoint.expect("checkpoint").seq, cp.seq);
        let in_file = audit::latest_checkpoint_in_file(&app.state.audit_keys.checkpoint_file)
            .expect("written outside the database");
        assert_eq!(in_file, cp);
    }

    #[tokio::test]
    async fn altering_any_field_of_any_event_is_caught_at_that_event() {
        let app = busy_app().await;
        drop_guards(&app).await;
        let n = max_seq(&app).await;
        let columns = [
            "occurred_at = occurred_at + 1",
            "action = 'user.created'",
            "reason = 'x'",
            "actor_role = 'admin'",
            "entity_id = '999'",
        ];
        for (i, set) in columns.iter().enumerate() {
            let seq = 1 + (i as i64 * 7) % n;
            let mut tx = app.state.db.begin_write().await.expect("tx");
            sqlx::query(&format!("UPDATE audit_event SET {set} WHERE seq = $1"))
                .bind(seq)
                .execute(&mut *tx)
                .await
                .expect("tamper");
            let report = {
                tx.commit().await.expect("commit");
                audit::verify_chain(&app.state.db).await.expect("verify")
            };
            let (bad, why) = report.first_bad.clone().expect("caught");
            assert!(bad <= seq, "caught at #{bad}, tampered #{seq}: {why}");
            assert_eq!(report.verified_through, bad - 1);
        }
    }

    /// Split into spans checked at once, the chain gets the same verdict as
    /// read in one pass, wherever the damage falls relative to the spans.
    #[tokio::test]
    async fn the_verdict_is_the_same_however_the_chain_is_split() {
        let app = busy_app().await;
        drop_guards(&app).await;
        let whole = |spans| audit::verify_chain_in_spans(&app.state.db, 0, GENESIS_HASH, spans);
        let n = max_seq(&app).await;
        for spans in 1..=8 {
            let report = whole(spans).await.expect("verify");
            assert_eq!(
                (report.events, report.verified_through, report.first_bad),
                (n, n, None)
            );
        }
        let damage = [
            "UPDATE audit_event SET reason = 'x' WHERE seq = 9",
            "DELETE FROM audit_event WHERE seq = 6",
            "DELETE FROM audit_event WHERE seq IN (12, 13, 14)",
        ];
        for tamper in damage {
            sqlx::query(tamper)
                .execute(app.state.db.writer())
                .await
                .expect("tamper");
            let one_pass = whole(1).await.expect("verify");
            assert!(one_pass.first_bad.is_some(), "{tamper}");
            for spans in 2..=8 {
                assert_eq!(
                    whole(spans).await.expect("verify"),
                    one_pass,
                    "{tamper}, {spans} spans"
                );
            }
        }
        let from_the_middle = {
            let mid: (i64, String) =
                sqlx::query_as("SELECT seq, hash FROM audit_event WHERE seq = 3")
                    .fetch_one(app.state.db.reader())
                    .await
                    .expect("event 3");
            audit::verify_chain_in_spans(&app.state.db, mid.0, &mid.1, 3)
                .await
                .expect("verify")
        };
        assert_eq!(
            from_the_middle.first_bad.expect("caught").0,
            6,
            "the first damage after #3"
        );
    }

    #[tokio::test]
    async fn deleting_a_row_is_caught_as_a_gap() {
        let app = busy_app().await;
        drop_guards(&app).await;
        sqlx::query("DELETE FROM audit_event WHERE seq = 5")
            .execute(app.state.db.writer())
            .await
            .expect("delete");
        let report = audit::verify_chain(&app.state.db).await.expect("verify");
        let (bad, why) = report.first_bad.expect("caught");
        assert_eq!(bad, 5, "{why}");
        assert!(why.contains("missing"), "{why}");
    }

    #[tokio::test]
    async fn reordering_rows_is_caught() {
        let app = busy_app().await;
        drop_guards(&app).await;
        // Swap the contents of #7 and #8 (keeping their sequence numbers).
        sqlx::query("UPDATE audit_event SET seq = -7 WHERE seq = 7")
            .execute(app.state.db.writer())
            .await
            .expect("swap");
        sqlx::query("UPDATE audit_event SET seq = 7 WHERE seq = 8")
            .execute(app.state.db.writer())
            .await
            .expect("swap");
        sqlx::query("UPDATE audit_event SET seq = 8 WHERE seq = -7")
            .execute(app.state.db.writer())
            .await
            .expect("swap");
        let report = audit::verify_chain(&app.state.db).await.expect("verify");
        assert_eq!(report.first_bad.expect("caught").0, 7);
    }

    #[tokio::test]
    async fn a_truncated_tail_is_caught_by_the_checkpoint() {
        let app = busy_app().await;
        audit::checkpoint(&app.state.db, &app.state.audit_keys, 1, "test")
            .await
            .expect("checkpoint");
        drop_guards(&app).await;
        let n = max_seq(&app).await;
        sqlx::query("DELETE FROM audit_event WHERE seq > $1")
            .bind(n - 3)
            .execute(app.state.db.writer())
            .await
            .expect("truncate");
        let report = audit::verify(&app.state.db, &app.state.audit_keys)
            .await
            .expect("verify");
        assert!(
            report.chain.first_bad.is_none(),
            "the chain alone looks fine"
        );
        assert!(
            report.problems.iter().any(|p| p.contains("truncated")),
            "{:?}",
            report.problems
        );
    }

    #[tokio::test]
    async fn a_rewritten_tail_with_a_consistent_chain_is_caught_by_the_file_outside_the_database() {
        let app = busy_app().await;
        audit::checkpoint(&app.state.db, &app.state.audit_keys, 1, "test")
            .await
            .expect("checkpoint");
        let n = max_seq(&app).await;
        // The attacker deletes the tail and the database's checkpoints alike.
        drop_guards(&app).await;
        sqlx::query("DROP TRIGGER audit_checkpoint_is_append_only_delete")
            .execute(app.state.db.writer())
            .await
            .expect("drop");
        sqlx::query("DELETE FROM audit_checkpoint")
            .execute(app.state.db.writer())
            .await
            .expect("delete");
        sqlx::query("DELETE FROM audit_event WHERE seq > $1")
            .bind(n - 2)
            .execute(app.state.db.writer())
            .await
            .expect("truncate");
        let report = audit::verify(&app.state.db, &app.state.audit_keys)
            .await
            .expect("verify");
        assert!(
            report
                .problems
                .iter()
                .any(|p| p.contains("file") && p.contains("truncated")),
            "{:?}",
            report.problems
        );
    }

    /// Migration 9 rebuilt the table with `seq` as SQLite's rowid. A trail
    /// written before it keeps every event as it was: the chain verifies,
    /// appending continues it, and the table is still append-only.
    #[tokio::test]
    async fn a_trail_written_before_seq_became_the_rowid_still_verifies_after() {
        use kyc_desk::domain::audit::{AuditAction, AuditEntity};
        use kyc_desk::server::db::audit::{append, Actor, NewEvent, Origin, StoredEvent};
        use kyc_desk::server::db::{Checkpoints, Db};
        const REBUILD: &str = "20261207000009";

        // The migrations as they stood before the rebuild.
        let earlier = tempfile::tempdir().expect("dir");
        for entry in std::fs::read_dir("migrations").expect("migrations") {
            let path = entry.expect("entry").path();
            let name = path
                .file_name()
                .expect("name")
                .to_string_lossy()
                .to_string();
            if name.as_str() < REBUILD {
                std::fs::copy(&path, earlier.path().join(&name)).expect("copy");
            }
        }
        let dir = tempfile::tempdir().expect("dir");
        let url = format!("sqlite://{}", dir.path().join("old.db").display());
        let db = Db::connect(&url, Checkpoints::OnCommit).await.expect("db");
        sqlx::migrate::Migrator::new(earlier.path())
            .await
            .expect("earlier migrations")
            .run(db.writer())
            .await
            .expect("migrate to before the rebuild");

        let add = |reason: &'static str| {
            let db = db.clone();
            async move {
                let mut tx = db.begin_write().await.expect("tx");
                let event = NewEvent::new(
                    Actor::System("test"),
                    AuditAction::UserDisabled,
                    AuditEntity::User,
                    &Origin::default(),
                )
                .entity_id(7)
                .reason(reason)
                .changes(serde_json::json!({"disabled": {"from": false, "to": true}}));
                let seq = append(&mut tx, 1_700_000_000_000, event)
                    .await
                    .expect("append");
                tx.commit().await.expect("commit");
                seq
            }
        };
        for i in 0..40 {
            add(if i % 2 == 0 {
                "left the company"
            } else {
                "a \"quoted\"\nreason"
            })
            .await;
        }
        let all = |db: Db| async move {
            sqlx::query_as::<_, StoredEvent>("SELECT * FROM audit_event ORDER BY seq")
                .fetch_all(db.reader())
                .await
                .expect("events")
        };
        let before = all(db.clone()).await;

        db.migrate().await.expect("the rebuild");

        assert_eq!(all(db.clone()).await, before, "every event as it was");
        let autoindex: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM sqlite_master WHERE tbl_name = 'audit_event' AND name LIKE 'sqlite_autoindex%'",
        )
        .fetch_one(db.reader())
        .await
        .expect("schema");
        assert_eq!(autoindex, 0, "seq is the rowid: no second index maps it");
        assert_eq!(add("after the rebuild").await, 41, "the chain goes on");
        let report = audit::verify_chain(&db).await.expect("verify");
        assert_eq!((report.events, report.first_bad), (41, None));
        let refused = sqlx::query("DELETE FROM audit_event WHERE seq = 1")
            .execute(db.writer())
            .await;
        assert!(refused.is_err(), "still append-only");
    }

    #[tokio::test]
    async fn a_checkpoint_signed_with_another_key_is_refused() {
        let app = busy_app().await;
        audit::checkpoint(&app.state.db, &app.state.audit_keys, 1, "test")
            .await
            .expect("checkpoint");
        let mut settings = (*app.state.settings).clone();
        let (other, _) = audit::generate_key();
        settings.audit_signing_key = Some(secrecy::SecretString::from(other));
        settings.audit_checkpoint_file = Some(app.state.audit_keys.checkpoint_file.clone());
        let other_keys = audit::AuditKeys::load(&settings).expect("keys");
        let report = audit::verify(&app.state.db, &other_keys)
            .await
            .expect("verify");
        assert!(
            report.problems.iter().any(|p| p.contains("bad signature")),
            "{:?}",
            report.problems
        );
    }
}
