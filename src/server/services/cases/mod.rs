//! The reviewer workspace: the queue, the case, claims and assignment,
//! notes, decisions (with four eyes), and what they send upstream.
//!
//! Every change checks the version the person saw (optimistic locking: a
//! stale form gets a 409 naming who changed the case and when), and commits
//! with its audit event, and — for final decisions — its outbox row, in one
//! transaction. Nothing here waits on an upstream. Who may do what is
//! decided by the rules in `domain::case` and `domain::decision`, the same
//! ones the case page builds its buttons from.

mod assignment;
mod decision;
mod queue;
mod view;

pub use assignment::{add_note, assign, claim, release};
pub use decision::{decide, escalate, second, void_stale_proposal, Decided};
pub use queue::{age, inbox, next_case, queue, QueueQuery, INBOX_CAP, QUEUE_PAGE};
pub use view::{case, customer_of};

use crate::domain::audit::{AuditAction, AuditEntity};
use crate::domain::decision::Refusal;
use crate::domain::verification::ReviewStatus;
use crate::error::AppError;
use crate::server::db::audit::{change, NewEvent, Origin};
use crate::server::db::cases as db_cases;
use crate::server::db::verifications::VerificationRow;
use crate::server::db::{self, Tx};
use crate::server::session::CurrentUser;
use crate::server::state::AppState;
use crate::server::views;

pub(super) async fn load(tx: &mut Tx, id: i64) -> Result<VerificationRow, AppError> {
    db::verifications::find_in(tx, id)
        .await?
        .ok_or_else(|| AppError::not_found("Case"))
}

/// The case as the person saw it: at `version`, else the 409 naming who changed it (before any
/// rule is asked, so a stale form hears that it is stale).
pub(super) async fn load_seen(
    st: &AppState,
    tx: &mut Tx,
    id: i64,
    version: i64,
) -> Result<VerificationRow, AppError> {
    let v = load(tx, id).await?;
    if v.version != version {
        return Err(stale(st, &v).await);
    }
    Ok(v)
}

/// What the person saw when they opened the case: its version and the last note on it (a
/// decision form says both; an API client may leave the note out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    pub version: i64,
    pub last_note: Option<i64>,
}

/// Notes are evidence: a note a colleague added after the person opened the case refuses their
/// decision with the note quoted, like any other change they have not seen.
pub(super) async fn no_unread_note(
    tx: &mut Tx,
    id: i64,
    me: &CurrentUser,
    seen: Seen,
) -> Result<(), AppError> {
    let Some(after) = seen.last_note else {
        return Ok(());
    };
    match db_cases::note_after(tx, id, after, me.user_id).await? {
        None => Ok(()),
        Some(n) => {
            let body: String = n.body.chars().take(300).collect();
            let more = if n.body.chars().count() > 300 {
                "…"
            } else {
                ""
            };
            Err(AppError::conflict(format!(
                "{} added a note since you opened this case: “{body}{more}” Read it, then decide again.",
                n.author_name
            )))
        }
    }
}

/// The 409 for a form rendered from an older version.
pub(super) async fn stale(st: &AppState, v: &VerificationRow) -> AppError {
    let who = match v.updated_by {
        Some(id) => db::users::find(st.db.reader(), id)
            .await
            .ok()
            .flatten()
            .map(|u| u.name),
        None => None,
    };
    let when = views::time(v.updated_at)
        .replace('T', " ")
        .replace('Z', " UTC");
    AppError::conflict(match who {
        Some(name) => {
            format!("This case was changed by {name} at {when}. Reload it to see what changed.")
        }
        None => format!(
            "This case was changed at {when} (by the provider). Reload it to see what changed."
        ),
    })
}

pub(super) fn refuse(r: Refusal) -> AppError {
    AppError::conflict(r.0)
}

pub(super) fn event(
    me: &CurrentUser,
    action: AuditAction,
    v: &VerificationRow,
    origin: &Origin,
) -> NewEvent {
    let mut e = NewEvent::new(me.actor(), action, AuditEntity::Verification, origin)
        .entity_id(v.verification_id);
    e.customer_id = Some(v.customer_id);
    e.verification_id = Some(v.verification_id);
    e
}

/// Where a case moves: its review status and assignee, recorded as `action`.
pub(super) struct Move {
    pub to: ReviewStatus,
    pub assignee: Option<i64>,
    pub action: AuditAction,
}

/// Moves the case at the version the person saw (else a 409 naming who
/// changed it), and returns the move's audit event: the status change, and
/// the assignee's when it changes. The caller adds what else happened and
/// appends it in the same transaction.
pub(super) async fn move_case(
    st: &AppState,
    tx: &mut Tx,
    (v, version): (&VerificationRow, i64),
    (me, origin): (&CurrentUser, &Origin),
    m: Move,
    now: i64,
) -> Result<NewEvent, AppError> {
    let moved = v.version == version
        && db_cases::set_review(
            tx,
            v.verification_id,
            version,
            m.to.as_str(),
            m.assignee,
            me.user_id,
            now,
        )
        .await?;
    if !moved {
        return Err(stale(st, v).await);
    }
    let mut changes = serde_json::json!({ "review_status": change(v.review_status, m.to) });
    if m.assignee != v.assignee_id {
        changes["assignee_id"] = change(v.assignee_id, m.assignee);
    }
    Ok(event(me, m.action, v, origin).changes(changes))
}
