use crate::helpers::TestApp;

#[tokio::test]
async fn the_database_is_durable_wal_with_foreign_keys() {
    let app = TestApp::spawn().await;
    let mut tx = app.state.db.begin_write().await.expect("tx");
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut *tx)
        .await
        .expect("mode");
    let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
        .fetch_one(&mut *tx)
        .await
        .expect("sync");
    let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(&mut *tx)
        .await
        .expect("fk");
    let busy: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
        .fetch_one(&mut *tx)
        .await
        .expect("busy");
    assert_eq!(mode, "wal");
    assert_eq!(sync, 2, "synchronous=FULL");
    assert_eq!(fk, 1);
    assert!(busy >= 1000);
}

#[tokio::test]
async fn readers_cannot_write() {
    let app = TestApp::spawn().await;
    let res = sqlx::query("DELETE FROM app_user")
        .execute(app.state.db.reader())
        .await;
    assert!(res.is_err(), "the read pool is read-only");
}

#[tokio::test]
async fn blocking_readers_cannot_write_and_a_kept_one_sees_each_later_commit() {
    let app = TestApp::spawn().await;
    let db = &app.state.db;
    let refused = db
        .read_blocking(|conn| conn.execute("DELETE FROM app_user", []))
        .await;
    assert!(refused.is_err(), "blocking readers are read-only");

    sqlx::query("CREATE TABLE scratch (n INTEGER)")
        .execute(db.writer())
        .await
        .expect("create");
    let count = || {
        db.read_blocking(|conn| {
            conn.prepare_cached("SELECT COUNT(*) FROM scratch")?
                .query_row([], |row| row.get::<_, i64>(0))
        })
    };
    for n in 1..=3 {
        sqlx::query("INSERT INTO scratch VALUES (1)")
            .execute(db.writer())
            .await
            .expect("insert");
        assert_eq!(count().await.expect("count"), n, "no stale snapshot");
    }
}

#[tokio::test]
async fn commits_never_checkpoint_the_log_the_server_does_in_the_background() {
    let app = TestApp::spawn().await;
    let every: i64 = sqlx::query_scalar("PRAGMA wal_autocheckpoint")
        .fetch_one(app.state.db.writer())
        .await
        .expect("pragma");
    assert_eq!(every, 0, "a commit never waits for a checkpoint");

    let file = app.state.db.file();
    let before = std::fs::metadata(&file).expect("db file").len();
    let mut tx = app.state.db.begin_write().await.expect("tx");
    sqlx::query("CREATE TABLE scratch (b BLOB)")
        .execute(&mut *tx)
        .await
        .expect("create");
    sqlx::query("INSERT INTO scratch VALUES (zeroblob(4000000))")
        .execute(&mut *tx)
        .await
        .expect("insert");
    tx.commit().await.expect("commit");

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    // (Most of the 4 MB: pages freed by earlier migrations are reused.)
    while std::fs::metadata(&file).expect("db file").len() < before + 3_800_000 {
        assert!(
            std::time::Instant::now() < deadline,
            "the committed pages never reached the database file"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_backup_taken_while_people_sign_in_is_a_consistent_copy_whose_chain_verifies() {
    use kyc_desk::domain::Role;
    use kyc_desk::server::db::{Checkpoints, Db};
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().expect("dir");
    let copy = dir.path().join("backup.db");
    // Sign-ins write the audit trail while the copy is taken.
    let writes = async {
        for _ in 0..20 {
            app.signed_in(Role::Reviewer).await;
        }
    };
    let (backup, ()) = tokio::join!(app.state.db.backup(&copy), writes);
    backup.expect("backup");
    let restored = Db::connect(
        &format!("sqlite://{}", copy.display()),
        Checkpoints::OnCommit,
    )
    .await
    .expect("the copy opens");
    assert_eq!(restored.integrity().await.expect("check"), "ok");
    let chain = kyc_desk::server::services::audit::verify_chain(&restored)
        .await
        .expect("verify");
    assert!(chain.first_bad.is_none(), "{:?}", chain.first_bad);
    assert!(chain.events > 0);
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM app_user")
        .fetch_one(restored.reader())
        .await
        .expect("count");
    assert!(users >= 4, "the accounts are in the copy");
    // SQLite never writes over an existing file.
    let again = app.state.db.backup(&copy).await;
    assert!(
        again.is_err(),
        "a second backup to the same file is refused"
    );
}
