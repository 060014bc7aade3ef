//! The audit trail's storage: one append helper that every state change
//! calls inside its own transaction, and the chain arithmetic shared by the
//! writer and the verifier.
//!
//! `hash = SHA-256(prev_hash ‖ canonical(event))`, where `prev_hash` is the
//! previous event's 32-byte hash (32 zero bytes for the first event) and
//! `canonical` is the compact JSON array of the event's fields in a fixed
//! order (see [`StoredEvent::canonical`]).

use super::Tx;
use crate::domain::audit::{AuditAction, AuditEntity};
use crate::domain::Role;
use sha2::{Digest, Sha256};

pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who did it: a signed-in person (with the role they had at the time) or
/// a part of the system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    User {
        user_id: i64,
        role: Role,
    },
    System(&'static str),
    /// An API token of the onboarding app.
    Token(i64),
}

/// Where a request came from, for the audit trail.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    pub request_id: Option<String>,
    /// Keyed hash of the client address (never the address itself).
    pub client_hash: Option<String>,
}

/// An event to append.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub actor: Actor,
    pub action: AuditAction,
    pub entity: AuditEntity,
    pub entity_id: Option<String>,
    pub customer_id: Option<i64>,
    pub verification_id: Option<i64>,
    /// Only the fields that changed: `{"field": {"from": .., "to": ..}}`.
    pub changes: Option<serde_json::Value>,
    pub reason: Option<String>,
    pub origin: Origin,
}

impl NewEvent {
    pub fn new(actor: Actor, action: AuditAction, entity: AuditEntity, origin: &Origin) -> Self {
        NewEvent {
            actor,
            action,
            entity,
            entity_id: None,
            customer_id: None,
            verification_id: None,
            changes: None,
            reason: None,
            origin: origin.clone(),
        }
    }

    pub fn entity_id(mut self, id: impl ToString) -> Self {
        self.entity_id = Some(id.to_string());
        self
    }

    pub fn changes(mut self, changes: serde_json::Value) -> Self {
        self.changes = Some(changes);
        self
    }

    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    /// Adds the fields of `more` (an object) to the changes recorded so far.
    pub fn more(mut self, more: serde_json::Value) -> Self {
        match (&mut self.changes, more) {
            (Some(serde_json::Value::Object(c)), serde_json::Value::Object(m)) => c.extend(m),
            (changes, more) => *changes = Some(more),
        }
        self
    }
}

/// One field's change, for `NewEvent::changes`.
pub fn change(from: impl serde::Serialize, to: impl serde::Serialize) -> serde_json::Value {
    serde_json::json!({ "from": from, "to": to })
}

/// An event as stored (and as exported).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct StoredEvent {
    pub seq: i64,
    pub occurred_at: i64,
    pub actor_user_id: Option<i64>,
    pub actor_role: Option<String>,
    pub actor_system: Option<String>,
    pub action: String,
    pub entity_kind: String,
    pub entity_id: Option<String>,
    pub customer_id: Option<i64>,
    pub verification_id: Option<i64>,
    pub changes: Option<String>,
    pub reason: Option<String>,
    pub request_id: Option<String>,
    pub client_hash: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl StoredEvent {
    /// The hashed fields, borrowed.
    pub fn fields(&self) -> EventFields<'_> {
        EventFields {
            seq: self.seq,
            occurred_at: self.occurred_at,
            actor_user_id: self.actor_user_id,
            actor_role: self.actor_role.as_deref(),
            actor_system: self.actor_system.as_deref(),
            action: &self.action,
            entity_kind: &self.entity_kind,
            entity_id: self.entity_id.as_deref(),
            customer_id: self.customer_id,
            verification_id: self.verification_id,
            changes: self.changes.as_deref(),
            reason: self.reason.as_deref(),
            request_id: self.request_id.as_deref(),
            client_hash: self.client_hash.as_deref(),
        }
    }

    /// The canonical bytes that are hashed ([`EventFields::write_canonical`]).
    pub fn canonical(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        self.fields().write_canonical(&mut out);
        out
    }

    /// The hash this event must carry, given its `prev_hash`.
    pub fn expected_hash(&self) -> String {
        chain_hash(&self.prev_hash, &self.canonical())
    }
}

/// Every field of an event but the hashes, borrowed (the chain check reads
/// them straight from the rows, without copying).
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct EventFields<'a> {
    pub seq: i64,
    pub occurred_at: i64,
    pub actor_user_id: Option<i64>,
    pub actor_role: Option<&'a str>,
    pub actor_system: Option<&'a str>,
    pub action: &'a str,
    pub entity_kind: &'a str,
    pub entity_id: Option<&'a str>,
    pub customer_id: Option<i64>,
    pub verification_id: Option<i64>,
    pub changes: Option<&'a str>,
    pub reason: Option<&'a str>,
    pub request_id: Option<&'a str>,
    pub client_hash: Option<&'a str>,
}

impl EventFields<'_> {
    /// The canonical bytes that are hashed: these fields in this order, as
    /// compact JSON, appended to `out`.
    pub fn write_canonical(&self, out: &mut Vec<u8>) {
        let _ = serde_json::to_writer(
            out,
            &(
                self.seq,
                self.occurred_at,
                self.actor_user_id,
                self.actor_role,
                self.actor_system,
                self.action,
                self.entity_kind,
                self.entity_id,
                self.customer_id,
                self.verification_id,
                self.changes,
                self.reason,
                self.request_id,
                self.client_hash,
            ),
        );
    }
}

/// An event read in place: its hashed fields and its two hashes, borrowed
/// from the row. Serialized, it reads as a [`StoredEvent`].
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct EventRow<'a> {
    #[serde(flatten)]
    pub fields: EventFields<'a>,
    pub prev_hash: &'a str,
    pub hash: &'a str,
}

impl EventRow<'_> {
    pub fn to_stored(&self) -> StoredEvent {
        let f = &self.fields;
        let own = |v: Option<&str>| v.map(str::to_string);
        StoredEvent {
            seq: f.seq,
            occurred_at: f.occurred_at,
            actor_user_id: f.actor_user_id,
            actor_role: own(f.actor_role),
            actor_system: own(f.actor_system),
            action: f.action.to_string(),
            entity_kind: f.entity_kind.to_string(),
            entity_id: own(f.entity_id),
            customer_id: f.customer_id,
            verification_id: f.verification_id,
            changes: own(f.changes),
            reason: own(f.reason),
            request_id: own(f.request_id),
            client_hash: own(f.client_hash),
            prev_hash: self.prev_hash.to_string(),
            hash: self.hash.to_string(),
        }
    }
}

/// Reads the events with `after < seq <= through`, oldest first, on the
/// calling (blocking) thread through `conn` ([`super::open_read_only`]), handing
/// `each` every row in place.
pub fn scan_blocking(
    conn: &rusqlite::Connection,
    after: i64,
    through: i64,
    mut each: impl FnMut(EventRow<'_>),
) -> Result<(), rusqlite::Error> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {EVENT_COLUMNS} FROM audit_event WHERE seq > ?1 AND seq <= ?2 ORDER BY seq"
    ))?;
    let mut rows = stmt.query([after, through])?;
    while let Some(row) = rows.next()? {
        each(event_row(row)?);
    }
    Ok(())
}

/// Every account's name by id (for the names beside the ids of an export), on the calling
/// (blocking) thread.
pub fn actor_names_blocking(
    conn: &rusqlite::Connection,
) -> Result<std::collections::HashMap<i64, String>, rusqlite::Error> {
    let mut stmt = conn.prepare_cached("SELECT user_id, name FROM app_user")?;
    let names = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    names.collect()
}

/// Up to `limit` of the events `f` selects after the `after` sequence
/// number, oldest first, handed to `each` in place; returns how many. One
/// short read: no read transaction outlives the call, so a long export in
/// batches never holds one open.
pub fn scan_filtered_blocking(
    conn: &rusqlite::Connection,
    f: &EventFilter,
    after: i64,
    limit: i64,
    mut each: impl FnMut(EventRow<'_>),
) -> Result<usize, rusqlite::Error> {
    let lo = after.saturating_add(1);
    let lo = f.min_seq.map_or(lo, |m| m.max(lo));
    let (conditions, values) = where_clause(f, Some(lo), f.max_seq);
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {EVENT_COLUMNS} FROM audit_event{conditions} ORDER BY seq LIMIT {limit}"
    ))?;
    let mut rows = stmt.query(rusqlite::params_from_iter(values))?;
    let mut n = 0;
    while let Some(row) = rows.next()? {
        each(event_row(row)?);
        n += 1;
    }
    Ok(n)
}

/// A row of [`EVENT_COLUMNS`], borrowed.
fn event_row<'r>(row: &'r rusqlite::Row<'_>) -> Result<EventRow<'r>, rusqlite::Error> {
    let int = |i: usize| row.get_ref(i).and_then(|v| Ok(v.as_i64()?));
    let opt_int = |i: usize| row.get_ref(i).and_then(|v| Ok(v.as_i64_or_null()?));
    let text = |i: usize| row.get_ref(i).and_then(|v| Ok(v.as_str()?));
    let opt_text = |i: usize| row.get_ref(i).and_then(|v| Ok(v.as_str_or_null()?));
    Ok(EventRow {
        fields: EventFields {
            seq: int(0)?,
            occurred_at: int(1)?,
            actor_user_id: opt_int(2)?,
            actor_role: opt_text(3)?,
            actor_system: opt_text(4)?,
            action: text(5)?,
            entity_kind: text(6)?,
            entity_id: opt_text(7)?,
            customer_id: opt_int(8)?,
            verification_id: opt_int(9)?,
            changes: opt_text(10)?,
            reason: opt_text(11)?,
            request_id: opt_text(12)?,
            client_hash: opt_text(13)?,
        },
        prev_hash: text(14)?,
        hash: text(15)?,
    })
}

/// The newest sequence number (0 for an empty trail).
pub async fn max_seq(pool: &sqlx::SqlitePool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(seq) FROM audit_event")
        .fetch_one(pool)
        .await
        .map(|m| m.unwrap_or(0))
}

/// The chain's head `(seq, hash)` as `tx` sees it; `(0, genesis)` when empty.
pub async fn head(tx: &mut Tx) -> Result<(i64, String), sqlx::Error> {
    let head: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut **tx)
            .await?;
    Ok(head.unwrap_or((0, GENESIS_HASH.to_string())))
}

/// The hash of event `seq`, if there is one.
pub async fn hash_at(pool: &sqlx::SqlitePool, seq: i64) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT hash FROM audit_event WHERE seq = $1")
        .bind(seq)
        .fetch_optional(pool)
        .await
}

/// A signed `(seq, hash)`: the chain's head at `signed_at`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, sqlx::FromRow)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: String,
    pub signed_at: i64,
    pub key_id: String,
    pub signature: String,
}

/// Stores a checkpoint; `reason`: "periodic", "export", …
pub async fn add_checkpoint(tx: &mut Tx, cp: &Checkpoint, reason: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_checkpoint (seq, hash, signed_at, key_id, signature, reason) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(cp.seq)
    .bind(&cp.hash)
    .bind(cp.signed_at)
    .bind(&cp.key_id)
    .bind(&cp.signature)
    .bind(reason)
    .execute(&mut **tx)
    .await
    .map(|_| ())
}

/// The newest stored checkpoint.
pub async fn latest_checkpoint(pool: &sqlx::SqlitePool) -> Result<Option<Checkpoint>, sqlx::Error> {
    sqlx::query_as(
        "SELECT seq, hash, signed_at, key_id, signature FROM audit_checkpoint ORDER BY audit_checkpoint_id DESC LIMIT 1",
    )
    .fetch_optional(pool)
    .await
}

/// `SHA-256(prev ‖ canonical)`, hex-encoded.
pub fn chain_hash(prev_hash_hex: &str, canonical: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(hex::decode(prev_hash_hex).unwrap_or_default());
    h.update(canonical);
    hex::encode(h.finalize())
}

/// Appends `event` to the chain inside `tx`. The caller's change and this
/// event commit together or not at all. Returns the new sequence number.
pub async fn append(tx: &mut Tx, now_ms: i64, event: NewEvent) -> Result<i64, sqlx::Error> {
    let (prev_seq, prev_hash) = head(tx).await?;
    let (actor_user_id, actor_role, actor_system) = match event.actor {
        Actor::User { user_id, role } => (Some(user_id), Some(role.as_str().to_string()), None),
        Actor::System(name) => (None, None, Some(name.to_string())),
        Actor::Token(id) => (None, None, Some(format!("api_token:{id}"))),
    };
    let mut row = StoredEvent {
        seq: prev_seq + 1,
        occurred_at: now_ms,
        actor_user_id,
        actor_role,
        actor_system,
        action: event.action.as_str().to_string(),
        entity_kind: event.entity.as_str().to_string(),
        entity_id: event.entity_id,
        customer_id: event.customer_id,
        verification_id: event.verification_id,
        changes: event.changes.map(|c| c.to_string()),
        reason: event.reason,
        request_id: event.origin.request_id,
        client_hash: event.origin.client_hash,
        prev_hash,
        hash: String::new(),
    };
    row.hash = row.expected_hash();
    sqlx::query(
        "INSERT INTO audit_event (seq, occurred_at, actor_user_id, actor_role, actor_system, \
         action, entity_kind, entity_id, customer_id, verification_id, changes, reason, \
         request_id, client_hash, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
    )
    .bind(row.seq)
    .bind(row.occurred_at)
    .bind(row.actor_user_id)
    .bind(&row.actor_role)
    .bind(&row.actor_system)
    .bind(&row.action)
    .bind(&row.entity_kind)
    .bind(&row.entity_id)
    .bind(row.customer_id)
    .bind(row.verification_id)
    .bind(&row.changes)
    .bind(&row.reason)
    .bind(&row.request_id)
    .bind(&row.client_hash)
    .bind(&row.prev_hash)
    .bind(&row.hash)
    .execute(&mut **tx)
    .await?;
    Ok(row.seq)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(seq: i64, prev: &str) -> StoredEvent {
        let mut e = StoredEvent {
            seq,
            occurred_at: 1_700_000_000_000 + seq,
            actor_user_id: Some(1),
            actor_role: Some("admin".into()),
            actor_system: None,
            action: "user.created".into(),
            entity_kind: "user".into(),
            entity_id: Some("2".into()),
            customer_id: None,
            verification_id: None,
            changes: Some(r#"{"role":{"from":null,"to":"reviewer"}}"#.into()),
            reason: None,
            request_id: Some("r-1".into()),
            client_hash: None,
            prev_hash: prev.into(),
            hash: String::new(),
        };
        e.hash = e.expected_hash();
        e
    }

    #[test]
    fn every_field_is_covered_by_the_hash() {
        let e = event(1, GENESIS_HASH);
        let mut tampered = e.clone();
        tampered.actor_role = Some("manager".into());
        assert_ne!(tampered.expected_hash(), e.hash);
        let mut tampered = e.clone();
        tampered.occurred_at += 1;
        assert_ne!(tampered.expected_hash(), e.hash);
    }

    #[test]
    fn each_hash_depends_on_the_previous_one() {
        let a = event(1, GENESIS_HASH);
        let b = event(2, &a.hash);
        let b_elsewhere = event(2, GENESIS_HASH);
        assert_ne!(b.hash, b_elsewhere.hash);
    }
}

/// Filters of the audit log page (all optional). A time range is turned into
/// a range of sequence numbers first, so every combination is index-backed.
#[derive(Debug, Default, Clone)]
pub struct EventFilter {
    pub actor_user_id: Option<i64>,
    pub actor_system: Option<String>,
    pub action: Option<String>,
    pub customer_id: Option<i64>,
    pub verification_id: Option<i64>,
    /// Inclusive sequence bounds.
    pub min_seq: Option<i64>,
    pub max_seq: Option<i64>,
}

const EVENT_COLUMNS: &str = "seq, occurred_at, actor_user_id, actor_role, actor_system, action, entity_kind, \
    entity_id, customer_id, verification_id, changes, reason, request_id, client_hash, prev_hash, hash";
const EVENT_COLUMN_COUNT: usize = 16;
/// The acting person's name, read beside [`EVENT_COLUMNS`].
const ACTOR_NAME: &str = "(SELECT name FROM app_user WHERE user_id = actor_user_id)";

/// A value a filter condition compares with.
#[derive(Debug, Clone, Copy)]
enum Bound<'a> {
    Int(i64),
    Text(&'a str),
}

impl rusqlite::ToSql for Bound<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(match *self {
            Bound::Int(v) => v.into(),
            Bound::Text(v) => v.into(),
        })
    }
}

/// The filter's conditions (`column = `, `seq >= ` …, each followed by its
/// value), with the sequence range `lo..=hi`: the filter's own bounds
/// already narrowed by the page cursor (given two lower or two upper bounds
/// SQLite seeks on one and walks past the other, which made each page of a
/// long export slower than the one before). One list for both drivers.
fn conditions(f: &EventFilter, lo: Option<i64>, hi: Option<i64>) -> Vec<(&'static str, Bound<'_>)> {
    let mut c = Vec::new();
    if let Some(v) = f.actor_user_id {
        c.push(("actor_user_id = ", Bound::Int(v)));
    }
    if let Some(v) = &f.actor_system {
        c.push(("actor_system = ", Bound::Text(v)));
    }
    if let Some(v) = &f.action {
        c.push(("action = ", Bound::Text(v)));
    }
    if let Some(v) = f.customer_id {
        c.push(("customer_id = ", Bound::Int(v)));
    }
    if let Some(v) = f.verification_id {
        c.push(("verification_id = ", Bound::Int(v)));
    }
    if let Some(v) = lo {
        c.push(("seq >= ", Bound::Int(v)));
    }
    if let Some(v) = hi {
        c.push(("seq <= ", Bound::Int(v)));
    }
    c
}

/// `WHERE` with [`conditions`] as `?n` parameters, and their values.
fn where_clause(f: &EventFilter, lo: Option<i64>, hi: Option<i64>) -> (String, Vec<Bound<'_>>) {
    let mut sql = String::new();
    let mut values = Vec::new();
    for (i, (condition, value)) in conditions(f, lo, hi).into_iter().enumerate() {
        sql.push_str(if i == 0 { " WHERE " } else { " AND " });
        sql.push_str(condition);
        sql.push_str(&format!("?{}", i + 1));
        values.push(value);
    }
    (sql, values)
}

/// The page's statement: newest first, before `before`, each event with
/// its actor's name.
fn page_sql(f: &EventFilter, before: Option<i64>, limit: i64) -> (String, Vec<Bound<'_>>) {
    let hi = match (f.max_seq, before) {
        (Some(m), Some(b)) => Some(m.min(b.saturating_sub(1))),
        (m, b) => m.or(b.map(|b| b.saturating_sub(1))),
    };
    let (conditions, values) = where_clause(f, f.min_seq, hi);
    let sql = format!(
        "SELECT {EVENT_COLUMNS}, {ACTOR_NAME} FROM audit_event{conditions} ORDER BY seq DESC LIMIT {limit}"
    );
    (sql, values)
}

/// One page of events, newest first, before the `before` sequence number,
/// each with the name of the person who acted (if one did). Through
/// [`super::Db::read_blocking`].
pub fn page(
    conn: &rusqlite::Connection,
    f: &EventFilter,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<(StoredEvent, Option<String>)>, rusqlite::Error> {
    let (sql, values) = page_sql(f, before, limit);
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query(rusqlite::params_from_iter(values))?;
    let mut page = Vec::with_capacity(limit.clamp(0, 1_000) as usize);
    while let Some(row) = rows.next()? {
        let event = event_row(row)?.to_stored();
        page.push((event, row.get(EVENT_COLUMN_COUNT)?));
    }
    Ok(page)
}

/// SQLite's plan for a page (the index test asserts no full scan, no sort).
pub fn explain_page(
    conn: &rusqlite::Connection,
    f: &EventFilter,
    before: Option<i64>,
) -> Result<Vec<String>, rusqlite::Error> {
    let (sql, values) = page_sql(f, before, 51);
    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
    let plan = stmt
        .query_map(rusqlite::params_from_iter(values), |row| row.get(3))?
        .collect();
    plan
}

/// One event, with the name of the person who acted (if one did).
/// Through [`super::Db::read_blocking`].
pub fn event(
    conn: &rusqlite::Connection,
    seq: i64,
) -> Result<Option<(StoredEvent, Option<String>)>, rusqlite::Error> {
    use rusqlite::OptionalExtension;
    conn.prepare_cached(&format!(
        "SELECT {EVENT_COLUMNS}, {ACTOR_NAME} FROM audit_event WHERE seq = ?1"
    ))?
    .query_row([seq], |row| {
        Ok((event_row(row)?.to_stored(), row.get(EVENT_COLUMN_COUNT)?))
    })
    .optional()
}

/// The sequence number of the first event at or after `from_ms`, and of the
/// last at or before `to_ms`: one seek each on the `occurred_at` index
/// (`MIN(seq) … WHERE occurred_at >= ?` walked every later entry: 1.7 s a
/// million events). Events are numbered as they happen, so the range
/// between them is the time range.
pub fn seq_bounds_for_time(
    conn: &rusqlite::Connection,
    from_ms: Option<i64>,
    to_ms: Option<i64>,
) -> Result<(Option<i64>, Option<i64>), rusqlite::Error> {
    use rusqlite::OptionalExtension;
    let first = |sql: &str, t: i64| {
        conn.prepare_cached(sql)?
            .query_row([t], |row| row.get::<_, i64>(0))
            .optional()
    };
    let min = match from_ms {
        Some(t) => Some(
            first(
                "SELECT seq FROM audit_event WHERE occurred_at >= ?1 ORDER BY occurred_at, seq LIMIT 1",
                t,
            )?
            .unwrap_or(i64::MAX),
        ),
        None => None,
    };
    let max = match to_ms {
        Some(t) => Some(
            first(
                "SELECT seq FROM audit_event WHERE occurred_at <= ?1 ORDER BY occurred_at DESC, seq DESC LIMIT 1",
                t,
            )?
            .unwrap_or(0),
        ),
        None => None,
    };
    Ok((min, max))
}
