//! Who has a case: claiming, releasing, assigning; and notes.

use super::{event, load, load_seen, move_case, refuse, Move};
use crate::domain::audit::AuditAction;
use crate::domain::case;
use crate::domain::decision;
use crate::domain::verification::ReviewStatus;
use crate::domain::Role;
use crate::error::AppError;
use crate::server::db;
use crate::server::db::audit::{self as audit_log, Origin};
use crate::server::db::cases as db_cases;
use crate::server::session::CurrentUser;
use crate::server::state::AppState;

pub async fn claim(
    st: &AppState,
    me: &CurrentUser,
    origin: &Origin,
    id: i64,
    version: i64,
) -> Result<(), AppError> {
    let now = st.clock.now_ms();
    let mut tx = st.db.begin_write().await?;
    let v = load_seen(st, &mut tx, id, version).await?;
    case::may_claim(me.role, v.review_status).map_err(refuse)?;
    let to = Move {
        to: ReviewStatus::InReview,
        assignee: Some(me.user_id),
        action: AuditAction::CaseClaimed,
    };
    let e = move_case(st, &mut tx, (&v, version), (me, origin), to, now).await?;
    audit_log::append(&mut tx, now, e).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn release(
    st: &AppState,
    me: &CurrentUser,
    origin: &Origin,
    id: i64,
    version: i64,
) -> Result<(), AppError> {
    let now = st.clock.now_ms();
    let mut tx = st.db.begin_write().await?;
    let v = load_seen(st, &mut tx, id, version).await?;
    let mine = v.assignee_id == Some(me.user_id);
    case::may_release(me.role, mine, v.review_status).map_err(refuse)?;
    let to = Move {
        to: ReviewStatus::Unreviewed,
        assignee: None,
        action: AuditAction::CaseReleased,
    };
    let e = move_case(st, &mut tx, (&v, version), (me, origin), to, now).await?;
    audit_log::append(&mut tx, now, e).await?;
    tx.commit().await?;
    Ok(())
}

/// Officers assign an open case to a reviewer or officer.
pub async fn assign(
    st: &AppState,
    me: &CurrentUser,
    origin: &Origin,
    id: i64,
    version: i64,
    to: i64,
) -> Result<(), AppError> {
    if me.role != Role::ComplianceOfficer {
        return Err(AppError::forbidden());
    }
    let target = db::users::find(st.db.reader(), to)
        .await?
        .filter(|u| !u.disabled)
        .ok_or_else(|| {
            AppError::validation(
                "assignee",
                "Choose an active reviewer or compliance officer.",
            )
        })?;
    let now = st.clock.now_ms();
    let mut tx = st.db.begin_write().await?;
    let v = load_seen(st, &mut tx, id, version).await?;
    case::may_assign(me.role, v.review_status).map_err(refuse)?;
    case::may_assign_to(v.review_status, target.role)
        .map_err(|r| AppError::validation("assignee", r.0))?;
    let to = Move {
        to: ReviewStatus::InReview,
        assignee: Some(target.user_id),
        action: AuditAction::CaseAssigned,
    };
    let e = move_case(st, &mut tx, (&v, version), (me, origin), to, now).await?;
    audit_log::append(&mut tx, now, e).await?;
    tx.commit().await?;
    Ok(())
}

/// Anyone who can see the case adds a note (plain text).
pub async fn add_note(
    st: &AppState,
    me: &CurrentUser,
    origin: &Origin,
    id: i64,
    body: &str,
) -> Result<(), AppError> {
    let body = decision::check_case_note(body).map_err(|m| AppError::validation("body", m))?;
    let now = st.clock.now_ms();
    let mut tx = st.db.begin_write().await?;
    let v = load(&mut tx, id).await?;
    let note_id = db_cases::add_note(&mut tx, id, me.user_id, &body, now).await?;
    audit_log::append(
        &mut tx,
        now,
        event(me, AuditAction::NoteAdded, &v, origin)
            .changes(serde_json::json!({ "note_id": note_id, "chars": body.chars().count() })),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
