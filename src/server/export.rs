//! Audit exports: a filtered range as CSV (RFC 4180, formula-injection safe)
//! or JSONL, streamed in batches (constant memory, no long read
//! transaction), ending with a checkpoint signed at export time. The export
//! itself is recorded first, so the checkpoint covers it. Checked offline by
//! `kyc-desk audit verify-export FILE` ([`verify_file`]).

use super::db::audit::{self as audit_db, EventFilter, EventRow, NewEvent, StoredEvent};
use super::services::audit::{self, Checkpoint};
use super::services::audit_log::Query;
use super::session::CurrentUser;
use super::state::AppState;
use crate::domain::audit::{AuditAction, AuditEntity};
use crate::domain::Permission;
use crate::error::AppError;
use axum::body::{Body, Bytes};
use axum::extract::{Query as UrlQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use ed25519_dalek::VerifyingKey;
use serde::Deserialize;
use std::borrow::Cow;

const BATCH: i64 = 2_000;

pub const CSV_HEADER: [&str; 16] = [
    "seq",
    "occurred_at",
    "actor_user_id",
    "actor_role",
    "actor_system",
    "action",
    "entity_kind",
    "entity_id",
    "customer_id",
    "verification_id",
    "changes",
    "reason",
    "request_id",
    "client_hash",
    "prev_hash",
    "hash",
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    Jsonl,
}

#[derive(Deserialize, Default)]
pub struct ExportQuery {
    actor: Option<String>,
    action: Option<String>,
    customer: Option<String>,
    verification: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

/// `GET /audit/export.csv?…` (managers and admins).
pub async fn export_csv(
    st: State<AppState>,
    me: Option<Extension<CurrentUser>>,
    origin: Option<Extension<audit_db::Origin>>,
    q: UrlQuery<ExportQuery>,
) -> Response {
    export(st, me, origin, q, Format::Csv).await
}

/// `GET /audit/export.jsonl?…` (managers and admins).
pub async fn export_jsonl(
    st: State<AppState>,
    me: Option<Extension<CurrentUser>>,
    origin: Option<Extension<audit_db::Origin>>,
    q: UrlQuery<ExportQuery>,
) -> Response {
    export(st, me, origin, q, Format::Jsonl).await
}

async fn export(
    State(st): State<AppState>,
    me: Option<Extension<CurrentUser>>,
    origin: Option<Extension<audit_db::Origin>>,
    UrlQuery(q): UrlQuery<ExportQuery>,
    format: Format,
) -> Response {
    let origin = origin.map(|Extension(o)| o).unwrap_or_default();
    let fail = |e: AppError| super::ctx::error_response(e, &origin);
    let Some(Extension(me)) = me else {
        return fail(AppError::unauthenticated());
    };
    if !me.role.can(Permission::ViewAudit) {
        tracing::warn!(user_id = me.user_id, "audit export refused");
        return fail(AppError::forbidden());
    }
    match start(&st, &me, &origin, q, format).await {
        Ok((filter, checkpoint)) => {
            let (ctype, ext) = match format {
                Format::Csv => ("text/csv; charset=utf-8", "csv"),
                Format::Jsonl => ("application/x-ndjson; charset=utf-8", "jsonl"),
            };
            let name = format!("kyc-desk-audit-{}.{ext}", checkpoint.seq);
            let body = Body::from_stream(stream(st, filter, checkpoint, format));
            let mut res = (StatusCode::OK, body).into_response();
            let h = res.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ctype));
            if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            res
        }
        Err(e) => fail(e),
    }
}

/// Records the export, signs a checkpoint, and fixes the range to it.
async fn start(
    st: &AppState,
    me: &CurrentUser,
    origin: &audit_db::Origin,
    q: ExportQuery,
    format: Format,
) -> Result<(EventFilter, Checkpoint), AppError> {
    let query = Query::parse(q.actor, q.action, q.customer, q.verification, q.from, q.to)?;
    let mut filter = st.db.read_blocking(move |conn| query.filter(conn)).await?;
    let now = st.clock.now_ms();
    let mut tx = st.db.begin_write().await?;
    audit_db::append(
        &mut tx,
        now,
        NewEvent::new(me.actor(), AuditAction::AuditExported, AuditEntity::Export, origin).changes(serde_json::json!({
            "format": if format == Format::Csv { "csv" } else { "jsonl" },
            "filters": {
                "actor_user_id": filter.actor_user_id, "actor_system": filter.actor_system, "action": filter.action,
                "customer_id": filter.customer_id, "verification_id": filter.verification_id,
                "min_seq": filter.min_seq, "max_seq": filter.max_seq,
            },
        })),
    )
    .await?;
    tx.commit().await?;
    let checkpoint = audit::checkpoint(&st.db, &st.audit_keys, now, "export").await?;
    filter.max_seq = Some(
        filter
            .max_seq
            .map_or(checkpoint.seq, |m| m.min(checkpoint.seq)),
    );
    Ok((filter, checkpoint))
}

/// The export's body. A blocking thread reads the events through a
/// connection of its own, batch by batch (each a short read), writes each
/// row straight from SQLite's buffer into the chunk, and hands the chunk
/// over while it reads the next: at most two chunks wait for the client,
/// so memory stays bounded whatever the size. It logs where the time went.
fn stream(
    st: AppState,
    filter: EventFilter,
    checkpoint: Checkpoint,
    format: Format,
) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> {
    let (tx, mut rx) = tokio::sync::mpsc::channel(2);
    let file = st.db.file();
    tokio::task::spawn_blocking(move || produce(&file, &filter, &checkpoint, format, &tx));
    // A closed receiver keeps answering `None`: a compressing layer may poll
    // once more after the end.
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

type Chunks = tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>;

fn produce(
    file: &std::path::Path,
    filter: &EventFilter,
    checkpoint: &Checkpoint,
    format: Format,
    tx: &Chunks,
) {
    let started = std::time::Instant::now();
    let (mut events, mut bytes) = (0usize, 0usize);
    let mut waiting = std::time::Duration::ZERO;
    let mut send = |chunk: Vec<u8>| {
        let t = std::time::Instant::now();
        bytes += chunk.len();
        let sent = tx.blocking_send(Ok(Bytes::from(chunk))).is_ok();
        waiting += t.elapsed();
        sent
    };
    let fail = |e: rusqlite::Error| {
        tracing::error!(error = %e, "audit export failed mid-way");
        let _ = tx.blocking_send(Err(std::io::Error::other("export failed")));
    };
    let header = match format {
        Format::Csv => CsvOut::line(CSV_HEADER),
        Format::Jsonl => Vec::new(),
    };
    if !send(header) {
        return;
    }
    let conn = match crate::server::db::open_read_only(file) {
        Ok(conn) => conn,
        Err(e) => return fail(e),
    };
    let mut after = 0;
    loop {
        let mut out = Out::new(format, BATCH as usize * 400);
        let read = audit_db::scan_filtered_blocking(&conn, filter, after, BATCH, |e| {
            after = e.fields.seq;
            out.event(&e);
        });
        let n = match read {
            Ok(n) => n,
            Err(e) => return fail(e),
        };
        events += n;
        if n > 0 && !send(out.finish()) {
            tracing::info!(events, "audit export stopped: the client went away");
            return;
        }
        if (n as i64) < BATCH {
            break;
        }
    }
    send(trailer(checkpoint, format));
    tracing::info!(
        events,
        bytes,
        total_ms = started.elapsed().as_millis() as u64,
        waiting_for_client_ms = waiting.as_millis() as u64,
        "audit export done"
    );
}

/// One chunk of the export, in its format.
enum Out {
    Csv(Box<CsvOut>),
    Jsonl(Vec<u8>),
}

impl Out {
    fn new(format: Format, bytes: usize) -> Out {
        match format {
            Format::Csv => Out::Csv(Box::new(CsvOut::with_capacity(bytes))),
            Format::Jsonl => Out::Jsonl(Vec::with_capacity(bytes)),
        }
    }

    fn event(&mut self, e: &EventRow<'_>) {
        match self {
            Out::Csv(out) => out.event(e),
            Out::Jsonl(out) => {
                if serde_json::to_writer(&mut *out, e).is_ok() {
                    out.push(b'\n');
                }
            }
        }
    }

    fn finish(self) -> Vec<u8> {
        match self {
            Out::Csv(out) => out.finish(),
            Out::Jsonl(out) => out,
        }
    }
}

/// The signed checkpoint that ends every export.
fn trailer(checkpoint: &Checkpoint, format: Format) -> Vec<u8> {
    match format {
        Format::Csv => CsvOut::line([
            "checkpoint",
            &checkpoint.seq.to_string(),
            &checkpoint.hash,
            &checkpoint.signed_at.to_string(),
            &checkpoint.key_id,
            &checkpoint.signature,
        ]),
        Format::Jsonl => {
            let mut v = serde_json::to_vec(&serde_json::json!({ "checkpoint": checkpoint }))
                .unwrap_or_default();
            v.push(b'\n');
            v
        }
    }
}

/// A cell that a spreadsheet would run as a formula (`= + - @`, tab, CR,
/// NUL) gets a leading `'`; so does one that already starts with `'`, so the
/// escape can be undone exactly ([`unescape_cell`]).
pub fn escape_cell(s: &str) -> Cow<'_, str> {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '\0' | '\'') => Cow::Owned(format!("'{s}")),
        _ => Cow::Borrowed(s),
    }
}

pub fn unescape_cell(s: &str) -> &str {
    s.strip_prefix('\'').unwrap_or(s)
}

/// RFC 4180 records (CRLF) written into one buffer, every cell escaped
/// against formula injection.
struct CsvOut(csv::Writer<Vec<u8>>);

impl CsvOut {
    fn with_capacity(bytes: usize) -> CsvOut {
        CsvOut(
            csv::WriterBuilder::new()
                .terminator(csv::Terminator::CRLF)
                .from_writer(Vec::with_capacity(bytes)),
        )
    }

    /// One record on its own.
    fn line<'a>(cells: impl IntoIterator<Item = &'a str>) -> Vec<u8> {
        let mut out = CsvOut::with_capacity(256);
        out.record(cells);
        out.finish()
    }

    fn record<'a>(&mut self, cells: impl IntoIterator<Item = &'a str>) {
        let _ = self
            .0
            .write_record(cells.into_iter().map(|c| match escape_cell(c) {
                Cow::Borrowed(b) => Cow::Borrowed(b.as_bytes()),
                Cow::Owned(o) => Cow::Owned(o.into_bytes()),
            }));
    }

    /// An event in [`CSV_HEADER`] order.
    fn event(&mut self, row: &EventRow<'_>) {
        let e = &row.fields;
        let n = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
        let (seq, at) = (e.seq.to_string(), e.occurred_at.to_string());
        let (user, customer, verification) =
            (n(e.actor_user_id), n(e.customer_id), n(e.verification_id));
        fn s(v: Option<&str>) -> &str {
            v.unwrap_or("")
        }
        self.record([
            seq.as_str(),
            &at,
            &user,
            s(e.actor_role),
            s(e.actor_system),
            e.action,
            e.entity_kind,
            s(e.entity_id),
            &customer,
            &verification,
            s(e.changes),
            s(e.reason),
            s(e.request_id),
            s(e.client_hash),
            row.prev_hash,
            row.hash,
        ]);
    }

    fn finish(self) -> Vec<u8> {
        self.0.into_inner().unwrap_or_default()
    }
}

/// What `verify-export` found.
#[derive(Debug)]
pub struct ExportCheck {
    pub events: usize,
    pub first_seq: Option<i64>,
    pub last_seq: Option<i64>,
    pub checkpoint: Option<Checkpoint>,
    pub problems: Vec<String>,
}

/// Checks an export offline: every event's hash from its contents and
/// `prev_hash`, the links between consecutive events, and the trailing
/// checkpoint's signature (and, when the export reaches it, its hash).
pub fn verify_file(path: &std::path::Path, key: &VerifyingKey) -> Result<ExportCheck, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let is_jsonl =
        path.extension().is_some_and(|e| e == "jsonl") || text.trim_start().starts_with('{');
    let mut events: Vec<StoredEvent> = Vec::new();
    let mut checkpoint: Option<Checkpoint> = None;
    if is_jsonl {
        for (i, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let v: serde_json::Value =
                serde_json::from_str(line).map_err(|e| format!("line {}: {e}", i + 1))?;
            if let Some(cp) = v.get("checkpoint") {
                checkpoint = Some(
                    serde_json::from_value(cp.clone())
                        .map_err(|e| format!("line {}: {e}", i + 1))?,
                );
            } else {
                events.push(serde_json::from_value(v).map_err(|e| format!("line {}: {e}", i + 1))?);
            }
        }
    } else {
        let mut r = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(text.as_bytes());
        for (i, rec) in r.records().enumerate() {
            let rec = rec.map_err(|e| format!("record {}: {e}", i + 1))?;
            let cell = |n: usize| {
                rec.get(n)
                    .map(unescape_cell)
                    .unwrap_or_default()
                    .to_string()
            };
            let some = |n: usize| Some(cell(n)).filter(|s| !s.is_empty());
            let num = |n: usize| some(n).and_then(|s| s.parse::<i64>().ok());
            if cell(0) == "checkpoint" {
                checkpoint = Some(Checkpoint {
                    seq: num(1).unwrap_or(-1),
                    hash: cell(2),
                    signed_at: num(3).unwrap_or(-1),
                    key_id: cell(4),
                    signature: cell(5),
                });
                continue;
            }
            events.push(StoredEvent {
                seq: num(0).ok_or_else(|| format!("record {}: no sequence number", i + 1))?,
                occurred_at: num(1).unwrap_or_default(),
                actor_user_id: num(2),
                actor_role: some(3),
                actor_system: some(4),
                action: cell(5),
                entity_kind: cell(6),
                entity_id: some(7),
                customer_id: num(8),
                verification_id: num(9),
                changes: some(10),
                reason: some(11),
                request_id: some(12),
                client_hash: some(13),
                prev_hash: cell(14),
                hash: cell(15),
            });
        }
    }
    let mut problems = Vec::new();
    let mut previous: Option<&StoredEvent> = None;
    for e in &events {
        if e.hash != e.expected_hash() {
            problems.push(format!(
                "event #{} does not match its hash (altered)",
                e.seq
            ));
        }
        if let Some(p) = previous {
            if e.seq <= p.seq {
                problems.push(format!(
                    "event #{} comes after #{} (reordered)",
                    e.seq, p.seq
                ));
            } else if e.seq == p.seq + 1 && e.prev_hash != p.hash {
                problems.push(format!("event #{} does not link to #{}", e.seq, p.seq));
            }
        }
        previous = Some(e);
    }
    match &checkpoint {
        None => problems.push("no signed checkpoint at the end (truncated?)".into()),
        Some(cp) => {
            if !cp.signature_valid(key) {
                problems.push(format!("the checkpoint #{} has a bad signature", cp.seq));
            }
            if let Some(last) = events.last() {
                if last.seq > cp.seq {
                    problems.push(format!(
                        "event #{} is after the checkpoint #{}",
                        last.seq, cp.seq
                    ));
                }
                if last.seq == cp.seq && last.hash != cp.hash {
                    problems.push(format!(
                        "the last event #{} does not match the signed checkpoint",
                        last.seq
                    ));
                }
            }
        }
    }
    Ok(ExportCheck {
        events: events.len(),
        first_seq: events.first().map(|e| e.seq),
        last_seq: events.last().map(|e| e.seq),
        checkpoint,
        problems,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_escaped_and_the_escape_undoes_exactly() {
        for raw in ["=SUM(A1)", "+1", "-2", "@x", "\tx", "'quoted", "plain", ""] {
            let escaped = escape_cell(raw);
            assert!(
                !matches!(escaped.chars().next(), Some('=' | '+' | '-' | '@' | '\t')),
                "{escaped:?}"
            );
            assert_eq!(unescape_cell(&escaped), raw);
        }
    }

    #[test]
    fn csv_records_follow_rfc_4180() {
        let line = String::from_utf8(CsvOut::line(["a,b", "say \"hi\"", "x\ny"])).expect("utf8");
        assert_eq!(line, "\"a,b\",\"say \"\"hi\"\"\",\"x\ny\"\r\n");
    }
}
