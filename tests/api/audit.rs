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
