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
