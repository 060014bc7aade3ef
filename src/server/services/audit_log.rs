//! The managers' audit log: filtered keyset pages, event detail with
//! before/after, the chain's state. Reading the log is recorded in it.

use crate::domain::audit::{AuditAction, AuditEntity};
use crate::error::AppError;
use crate::server::db::audit::{self as audit_db, EventFilter, NewEvent, Origin, StoredEvent};
use crate::server::db::users;
use crate::server::session::CurrentUser;
use crate::server::state::AppState;
use crate::server::views;
use crate::view::{ActorOption, AuditEventView, ChainStatusView, ChangeView, Page};

/// The page's filters, parsed.
#[derive(Debug, Default, Clone)]
pub struct Query {
    pub actor_user_id: Option<i64>,
    pub actor_system: Option<String>,
    pub action: Option<AuditAction>,
    pub customer_id: Option<i64>,
    pub verification_id: Option<i64>,
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
}

fn blank(v: Option<String>) -> Option<String> {
    crate::domain::filled(&v).map(str::to_string)
}

fn id(field: &str, v: Option<String>) -> Result<Option<i64>, AppError> {
    blank(v)
        .map(|s| {
            s.parse::<i64>()
                .map_err(|_| AppError::validation(field, "Enter a number."))
        })
        .transpose()
}

/// A `YYYY-MM-DD` form field (blank is none).
pub fn date(field: &str, v: Option<String>) -> Result<Option<time::Date>, AppError> {
    let Some(s) = blank(v) else { return Ok(None) };
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(&s, &fmt)
        .map(Some)
        .map_err(|_| AppError::validation(field, "Enter a date as YYYY-MM-DD."))
}

/// `YYYY-MM-DD` (UTC) as unix ms; `end` gives the end of that day.
fn day(field: &str, v: Option<String>, end: bool) -> Result<Option<i64>, AppError> {
    let Some(date) = date(field, v)? else {
        return Ok(None);
    };
    let t = if end {
        date.with_hms_milli(23, 59, 59, 999)
    } else {
        date.with_hms(0, 0, 0)
    }
    .map_err(|_| AppError::validation(field, "Enter a date as YYYY-MM-DD."))?
    .assume_utc();
    Ok(Some(crate::server::db::unix_ms(t)))
}

impl Query {
    /// `actor` is a user id or `system:<name>`.
    pub fn parse(
        actor: Option<String>,
        action: Option<String>,
        customer: Option<String>,
        verification: Option<String>,
        from: Option<String>,
        to: Option<String>,
    ) -> Result<Query, AppError> {
        let (actor_user_id, actor_system) = match blank(actor) {
            None => (None, None),
            Some(a) => match a.strip_prefix("system:") {
                Some(name) => (None, Some(name.to_string())),
                None => (
                    Some(
                        a.parse::<i64>()
                            .map_err(|_| AppError::validation("actor", "Choose an actor."))?,
                    ),
                    None,
                ),
            },
        };
        let action = match blank(action) {
            None => None,
            Some(a) => Some(
                AuditAction::parse(&a)
                    .ok_or_else(|| AppError::validation("action", "Choose an action."))?,
            ),
        };
        let q = Query {
            actor_user_id,
            actor_system,
            action,
            customer_id: id("customer", customer)?,
            verification_id: id("verification", verification)?,
            from_ms: day("from", from, false)?,
            to_ms: day("to", to, true)?,
        };
        if let (Some(f), Some(t)) = (q.from_ms, q.to_ms) {
            if f > t {
                return Err(AppError::validation(
                    "to",
                    "The end date is before the start date.",
                ));
            }
        }
        Ok(q)
    }

    /// As index-friendly filters (the time range becomes a sequence range).
    /// Through [`crate::server::db::Db::read_blocking`].
    pub fn filter(&self, conn: &rusqlite::Connection) -> Result<EventFilter, rusqlite::Error> {
        let (min_seq, max_seq) = audit_db::seq_bounds_for_time(conn, self.from_ms, self.to_ms)?;
        Ok(EventFilter {
            actor_user_id: self.actor_user_id,
            actor_system: self.actor_system.clone(),
            action: self.action.map(|a| a.as_str().to_string()),
            customer_id: self.customer_id,
            verification_id: self.verification_id,
            min_seq,
            max_seq,
        })
    }

    fn describe(&self) -> serde_json::Value {
        serde_json::json!({
            "actor_user_id": self.actor_user_id,
            "actor_system": self.actor_system,
            "action": self.action.map(|a| a.as_str()),
            "customer_id": self.customer_id,
            "verification_id": self.verification_id,
            "from": self.from_ms.map(views::time),
            "to": self.to_ms.map(views::time),
        })
    }
}

/// Records that `me` read the log.
async fn record_view(
    st: &AppState,
    me: &CurrentUser,
    origin: &Origin,
    what: serde_json::Value,
    seq: Option<i64>,
) -> Result<(), AppError> {
    let now = st.clock.now_ms();
    let mut tx = st.db.begin_write().await?;
    let mut event = NewEvent::new(
        me.actor(),
        AuditAction::AuditViewed,
        AuditEntity::AuditLog,
        origin,
    )
    .changes(what);
    if let Some(seq) = seq {
        event = event.entity_id(seq);
    }
    audit_db::append(&mut tx, now, event).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn page(
    st: &AppState,
    me: &CurrentUser,
    origin: &Origin,
    q: &Query,
    before: Option<i64>,
    limit: i64,
) -> Result<Page<AuditEventView>, AppError> {
    // The reading is recorded while the page is read: the manager sees
    // nothing until both have succeeded (the view event is durable before
    // the response leaves), and the writer's commit does not add to the
    // page's time. The page shows the log as it stood when the request came
    // in; their own reading appears from the next page on.
    let recorded = record_view(
        st,
        me,
        origin,
        serde_json::json!({ "filters": q.describe(), "before": before }),
        None,
    );
    let admin = me.role.can(crate::domain::Permission::ManageUsers);
    // The filter's bounds and the page (with the actors' names) in one read.
    let q = q.clone();
    let read = st.db.read_blocking(move |conn| {
        let filter = q.filter(conn)?;
        audit_db::page(conn, &filter, before, limit + 1)
    });
    let read = async {
        let (rows, next_cursor) =
            crate::server::views::page_of(read.await?, limit, |(e, _)| e.seq.to_string());
        Ok::<_, AppError>(Page {
            items: rows
                .into_iter()
                .map(|(e, name)| view(e, name.as_deref(), admin))
                .collect(),
            next_cursor,
        })
    };
    let ((), page) = tokio::try_join!(recorded, read)?;
    Ok(page)
}

pub async fn event(
    st: &AppState,
    me: &CurrentUser,
    origin: &Origin,
    seq: i64,
) -> Result<AuditEventView, AppError> {
    let (e, name) = st
        .db
        .read_blocking(move |conn| audit_db::event(conn, seq))
        .await?
        .ok_or_else(|| AppError::not_found("Audit event"))?;
    record_view(
        st,
        me,
        origin,
        serde_json::json!({ "event": seq }),
        Some(seq),
    )
    .await?;
    Ok(view(
        e,
        name.as_deref(),
        me.role.can(crate::domain::Permission::ManageUsers),
    ))
}

/// The actor filter's options, kept while the accounts stay as they were.
/// Every audit log page shows them, and they change only when an account
/// is added or changed (here or by the CLI: the key is read from the
/// database each time: one aggregate instead of the whole list).
pub async fn actors(st: &AppState) -> Result<Vec<ActorOption>, AppError> {
    let key = users::fingerprint(st.db.reader()).await?;
    if let Some(list) = st.actors.get(key) {
        return Ok(list);
    }
    let list: Vec<ActorOption> = users::everyone(st.db.reader())
        .await?
        .into_iter()
        .map(|(user_id, name, role)| ActorOption {
            user_id,
            label: format!("{name} ({})", role.replace('_', " ")),
        })
        .collect();
    st.actors.set(key, list.clone());
    Ok(list)
}

fn show(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// `{"field": {"from": a, "to": b}}` → rows; other values → "after" only.
pub fn changes(raw: Option<&str>) -> Vec<ChangeView> {
    let Some(serde_json::Value::Object(map)) = raw.and_then(|r| serde_json::from_str(r).ok())
    else {
        return Vec::new();
    };
    map.into_iter()
        .map(|(field, v)| match v {
            serde_json::Value::Object(o) if o.contains_key("from") || o.contains_key("to") => {
                ChangeView {
                    field,
                    before: o.get("from").and_then(show),
                    after: o.get("to").and_then(show),
                }
            }
            other => ChangeView {
                field,
                before: None,
                after: show(&other),
            },
        })
        .collect()
}

/// `name`: the acting person's name, if they are known.
/// `admin`: the reader opens accounts (their entities link to the account's page).
pub fn view(e: StoredEvent, name: Option<&str>, admin: bool) -> AuditEventView {
    let entity_kind = AuditEntity::parse(&e.entity_kind);
    let entity = match entity_kind {
        Some(kind) => kind.label(e.entity_id.as_deref()),
        None => match &e.entity_id {
            Some(id) => format!("{} {id}", e.entity_kind),
            None => e.entity_kind.clone(),
        },
    };
    let entity_href = entity_kind
        .zip(e.entity_id.as_deref())
        .and_then(|(kind, id)| kind.href(id, admin));
    let action_label =
        AuditAction::parse(&e.action).map_or_else(|| e.action.clone(), |a| a.label().to_string());
    let actor = match (&e.actor_user_id, &e.actor_system) {
        (Some(id), _) => {
            let name = name.map_or_else(|| format!("user {id}"), str::to_string);
            match &e.actor_role {
                Some(role) => format!("{name} ({})", role.replace('_', " ")),
                None => name,
            }
        }
        (None, Some(system)) => match system.strip_prefix("api_token:") {
            Some(t) => format!("API token {t}"),
            None => format!("system: {system}"),
        },
        (None, None) => "unknown".into(),
    };
    AuditEventView {
        changes: changes(e.changes.as_deref()),
        seq: e.seq,
        occurred_at: views::time(e.occurred_at),
        actor,
        actor_user_id: e.actor_user_id,
        entity,
        entity_href,
        action_label,
        action: e.action,
        customer_id: e.customer_id,
        verification_id: e.verification_id,
        reason: e.reason,
        request_id: e.request_id,
        client_hash: e.client_hash,
        prev_hash: e.prev_hash,
        hash: e.hash,
    }
}

pub fn status_view(s: super::audit::ChainStatus) -> ChainStatusView {
    ChainStatusView {
        ok: s.report.ok(),
        verified_through: s.report.chain.verified_through,
        head_hash: s.report.chain.head_hash.clone(),
        events: s.report.chain.events,
        at: views::time(s.at),
        full: s.full,
        checkpoint_seq: s.report.checkpoint.as_ref().map(|c| c.seq),
        checkpoint_at: s
            .report
            .checkpoint
            .as_ref()
            .map(|c| views::time(c.signed_at)),
        problems: s.report.problems,
    }
}

/// A full recomputation, recorded in the trail.
pub async fn verify_now(
    st: &AppState,
    me: &CurrentUser,
    origin: &Origin,
) -> Result<ChainStatusView, AppError> {
    let Some(_only_one) = st.chain_status.try_full_check() else {
        return Err(AppError::conflict(
            "A full check of the audit trail is already running; its result shows here when it ends.",
        ));
    };
    let now = st.clock.now_ms();
    let status =
        super::audit::refresh_status(&st.db, &st.audit_keys, &st.chain_status, now, true).await?;
    let mut tx = st.db.begin_write().await?;
    let verified = serde_json::json!({
        "verified_through": status.report.chain.verified_through,
        "ok": status.report.ok(),
    });
    let mut event = NewEvent::new(
        me.actor(),
        AuditAction::AuditVerified,
        AuditEntity::AuditLog,
        origin,
    )
    .changes(verified);
    if !status.report.ok() {
        event = event.reason(status.report.problems.join("; "));
    }
    audit_db::append(&mut tx, now, event).await?;
    tx.commit().await?;
    Ok(status_view(status))
}
