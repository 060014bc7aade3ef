//! Audit exports: a filtered range as CSV (RFC 4180, formula-injection safe)
//! or JSONL, streamed in batches (constant memory, no long read
//! transaction), ending with a checkpoint signed at export time. The export
//! itself is recorded first, so the checkpoint covers it. Checked offline by
//! `kyc-desk audit verify-export FILE` ([`verify_file`]).
//!
//! A filtered export skips sequence numbers by nature, so the chain's links
//! alone cannot show a missing row. Each row therefore carries a running
//! hash, `running_hash = SHA-256(previous row's running_hash ‖ this row's
//! hash)` (the hash as its 64 hex characters; 32 zero bytes before the first
//! row), and the last record signs, with the checkpoint, the export's
//! manifest: the filter as given, the number of rows and the last running
//! hash ([`ExportManifest`]). A row removed, added, moved or changed breaks
//! the running hash at its line, and the manifest.

use super::db::audit::{self as audit_db, EventFilter, EventRow, NewEvent, StoredEvent};
use super::services::audit::{self, AuditKeys, Checkpoint, ExportManifest};
use super::services::audit_log::Query;
use super::session::CurrentUser;
use super::state::AppState;
use crate::domain::audit::{AuditAction, AuditEntity};
use crate::domain::Permission;
use crate::error::AppError;
use axum::body::{Body, Bytes};
use axum::extract::{Query as UrlQuery, RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use ed25519_dalek::VerifyingKey;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::borrow::Cow;

const BATCH: i64 = 2_000;

/// The signed fields as stored, the running hash, then two columns for people (the time in
/// ISO 8601 and the actor's name): those two are not signed, and `verify-export` ignores them.
pub const CSV_HEADER: [&str; 19] = [
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
    "running_hash",
    "occurred_at_utc",
    "actor_name",
];

/// The columns of exports made before they carried the ISO time and the actor's name.
const SIGNED_CSV_COLUMNS: usize = 17;

/// The columns of exports made before rows carried a running hash.
const OLD_CSV_COLUMNS: usize = 16;

/// The running hash before the first row.
const RUNNING_HASH_START: [u8; 32] = [0; 32];

/// The running hash after one more row: `SHA-256(previous ‖ row_hash)`,
/// `row_hash` as written (64 hex characters).
pub fn next_running_hash(previous: &[u8; 32], row_hash: &str) -> [u8; 32] {
    Sha256::new()
        .chain_update(previous)
        .chain_update(row_hash.as_bytes())
        .finalize()
        .into()
}

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
    given: RawQuery,
    q: UrlQuery<ExportQuery>,
) -> Response {
    export(st, me, origin, given, q, Format::Csv).await
}

/// `GET /audit/export.jsonl?…` (managers and admins).
pub async fn export_jsonl(
    st: State<AppState>,
    me: Option<Extension<CurrentUser>>,
    origin: Option<Extension<audit_db::Origin>>,
    given: RawQuery,
    q: UrlQuery<ExportQuery>,
) -> Response {
    export(st, me, origin, given, q, Format::Jsonl).await
}

async fn export(
    State(st): State<AppState>,
    me: Option<Extension<CurrentUser>>,
    origin: Option<Extension<audit_db::Origin>>,
    RawQuery(given): RawQuery,
    UrlQuery(q): UrlQuery<ExportQuery>,
    format: Format,
) -> Response {
    let origin = origin.map(|Extension(o)| o).unwrap_or_default();
    let fail = |e: AppError| super::error::error_response(e, &origin);
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
            let signed = Signed {
                keys: st.audit_keys.clone(),
                checkpoint,
                filter: given.unwrap_or_default(),
            };
            let body = Body::from_stream(stream(st, filter, signed, format));
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
    let exported = serde_json::json!({
        "format": if format == Format::Csv { "csv" } else { "jsonl" },
        "filters": {
            "actor_user_id": filter.actor_user_id, "actor_system": filter.actor_system,
            "action": filter.action, "customer_id": filter.customer_id,
            "verification_id": filter.verification_id,
            "min_seq": filter.min_seq, "max_seq": filter.max_seq,
        },
    });
    let event = NewEvent::new(
        me.actor(),
        AuditAction::AuditExported,
        AuditEntity::Export,
        origin,
    )
    .changes(exported);
    audit_db::append(&mut tx, now, event).await?;
    tx.commit().await?;
    let checkpoint = audit::checkpoint(&st.db, &st.audit_keys, now, "export").await?;
    filter.max_seq = Some(
        filter
            .max_seq
            .map_or(checkpoint.seq, |m| m.min(checkpoint.seq)),
    );
    Ok((filter, checkpoint))
}

/// What the end of an export signs: its checkpoint, and (with the
/// checkpoint's key) its manifest, once every row is out.
struct Signed {
    keys: AuditKeys,
    checkpoint: Checkpoint,
    /// The query string as given.
    filter: String,
}

/// The export's body. A blocking thread reads the events through a
/// connection of its own, batch by batch (each a short read), writes each
/// row straight from SQLite's buffer into the chunk, and hands the chunk
/// over while it reads the next: at most two chunks wait for the client,
/// so memory stays bounded whatever the size. It logs where the time went.
fn stream(
    st: AppState,
    filter: EventFilter,
    signed: Signed,
    format: Format,
) -> impl futures::Stream<Item = Result<Bytes, std::io::Error>> {
    let (tx, mut rx) = tokio::sync::mpsc::channel(2);
    let file = st.db.file();
    tokio::task::spawn_blocking(move || produce(&file, &filter, signed, format, &tx));
    // A closed receiver keeps answering `None`: a compressing layer may poll
    // once more after the end.
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

type Chunks = tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>;

fn produce(
    file: &std::path::Path,
    filter: &EventFilter,
    signed: Signed,
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
    let names = match audit_db::actor_names_blocking(&conn) {
        Ok(names) => names,
        Err(e) => return fail(e),
    };
    let mut after = 0;
    let mut running = RUNNING_HASH_START;
    let mut running_hex = [0u8; 64];
    loop {
        let mut out = Out::new(format, BATCH as usize * 480);
        let read = audit_db::scan_filtered_blocking(&conn, filter, after, BATCH, |e| {
            after = e.fields.seq;
            running = next_running_hash(&running, e.hash);
            let _ = hex::encode_to_slice(running, &mut running_hex);
            let name = e.fields.actor_user_id.and_then(|id| names.get(&id));
            let running_hash = std::str::from_utf8(&running_hex).unwrap_or_default();
            out.event(&e, running_hash, name.map_or("", String::as_str));
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
    let manifest = signed.keys.sign_export(
        &signed.checkpoint,
        signed.filter,
        events as u64,
        hex::encode(running),
    );
    send(trailer(&signed.checkpoint, &manifest, format));
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

    /// `actor_name`: the acting account's name (CSV only; not part of the signed event).
    fn event(&mut self, e: &EventRow<'_>, running_hash: &str, actor_name: &str) {
        match self {
            Out::Csv(out) => out.event(e, running_hash, actor_name),
            Out::Jsonl(out) => {
                let row = JsonlRow {
                    event: e,
                    running_hash,
                };
                if serde_json::to_writer(&mut *out, &row).is_ok() {
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

/// A JSONL row: the event as stored, and the running hash through it.
#[derive(serde::Serialize)]
struct JsonlRow<'a> {
    #[serde(flatten)]
    event: &'a EventRow<'a>,
    running_hash: &'a str,
}

/// The signed record that ends every export: its checkpoint and its manifest.
fn trailer(checkpoint: &Checkpoint, manifest: &ExportManifest, format: Format) -> Vec<u8> {
    match format {
        Format::Csv => CsvOut::line([
            "checkpoint",
            &checkpoint.seq.to_string(),
            &checkpoint.hash,
            &checkpoint.signed_at.to_string(),
            &checkpoint.key_id,
            &checkpoint.signature,
            &manifest.rows.to_string(),
            &manifest.running_hash,
            &manifest.filter,
            &manifest.signature,
        ]),
        Format::Jsonl => {
            let mut v = serde_json::to_vec(
                &serde_json::json!({ "checkpoint": checkpoint, "export": manifest }),
            )
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
    fn event(&mut self, row: &EventRow<'_>, running_hash: &str, actor_name: &str) {
        let e = &row.fields;
        let iso = iso_time(e.occurred_at);
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
            running_hash,
            &iso,
            actor_name,
        ]);
    }

    fn finish(self) -> Vec<u8> {
        self.0.into_inner().unwrap_or_default()
    }
}

/// `ms` since the epoch in ISO 8601 with milliseconds, UTC (`2026-12-07T14:23:27.123Z`).
fn iso_time(ms: i64) -> String {
    let seconds = crate::server::views::time(ms.div_euclid(1000) * 1000);
    match seconds.strip_suffix('Z') {
        Some(s) => format!("{s}.{:03}Z", ms.rem_euclid(1000)),
        None => seconds,
    }
}

/// What `verify-export` found.
#[derive(Debug)]
pub struct ExportCheck {
    pub events: usize,
    pub first_seq: Option<i64>,
    pub last_seq: Option<i64>,
    pub checkpoint: Option<Checkpoint>,
    /// The signed manifest (exports made before manifests have none).
    pub manifest: Option<ExportManifest>,
    /// The first wrong line of the file (1-based), if any.
    pub first_bad_line: Option<usize>,
    /// What is wrong, each starting with its line, first line first.
    pub problems: Vec<String>,
}

/// What to make of an export without a manifest (made before exports
/// signed their rows, or with its manifest cut off).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WithoutManifest {
    /// A problem: nothing shows whether a row is missing.
    Refuse,
    /// Check its chain and checkpoint only (`--chain-only`).
    CheckChainOnly,
}

/// One event of the file, with its line.
struct Row {
    line: usize,
    event: StoredEvent,
    running_hash: Option<String>,
}

/// The signed record that ends the file, with its line.
struct Trailer {
    line: usize,
    checkpoint: Checkpoint,
    manifest: Option<ExportManifest>,
}

enum Record {
    Row(Row),
    End(Trailer),
}

/// The file, read.
#[derive(Default)]
struct Parsed {
    rows: Vec<Row>,
    trailer: Option<Trailer>,
    /// Lines of the file (for a missing trailer: the line after the last).
    lines: usize,
    problems: Vec<(usize, String)>,
}

impl Parsed {
    fn record(&mut self, line: usize, record: Record) {
        if let Some(t) = &self.trailer {
            self.problems.push((
                line,
                format!(
                    "a record after the signed end of the export (line {})",
                    t.line
                ),
            ));
            return;
        }
        match record {
            Record::Row(row) => self.rows.push(row),
            Record::End(trailer) => self.trailer = Some(trailer),
        }
    }
}

/// Checks an export offline: every event's hash from its contents and
/// `prev_hash`, the links between consecutive events, the running hash at
/// every row, and the signed end: its checkpoint (and, when the export
/// reaches it, its hash) and its manifest (the row count, the last running
/// hash, the filter). Every problem names its line.
pub fn verify_file(
    path: &std::path::Path,
    key: &VerifyingKey,
    without_manifest: WithoutManifest,
) -> Result<ExportCheck, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let is_jsonl =
        path.extension().is_some_and(|e| e == "jsonl") || text.trim_start().starts_with('{');
    let mut file = if is_jsonl {
        parse_jsonl(&text)?
    } else {
        parse_csv(&text)?
    };
    let mut problems = std::mem::take(&mut file.problems);
    let mut previous: Option<&StoredEvent> = None;
    let mut running = RUNNING_HASH_START;
    let mut running_broken = false;
    let (mut first_with, mut first_without) = (None, None);
    for Row {
        line,
        event: e,
        running_hash,
    } in &file.rows
    {
        let line = *line;
        if e.hash != e.expected_hash() {
            problems.push((
                line,
                format!("event #{} does not match its hash (altered)", e.seq),
            ));
        }
        if let Some(p) = previous {
            if e.seq <= p.seq {
                problems.push((
                    line,
                    format!("event #{} comes after #{} (moved)", e.seq, p.seq),
                ));
            } else if e.seq == p.seq + 1 && e.prev_hash != p.hash {
                problems.push((
                    line,
                    format!("event #{} does not link to #{}", e.seq, p.seq),
                ));
            }
        }
        previous = Some(e);
        running = next_running_hash(&running, &e.hash);
        match running_hash {
            Some(written) => {
                first_with.get_or_insert(line);
                if !running_broken && *written != hex::encode(running) {
                    running_broken = true;
                    problems.push((
                        line,
                        format!(
                            "the running hash breaks at event #{}: a row before it was \
                             removed, or this row was added, moved or changed",
                            e.seq
                        ),
                    ));
                }
            }
            None => {
                first_without.get_or_insert(line);
            }
        }
    }
    let rows = file.rows.len();
    match &file.trailer {
        None => problems.push((
            file.lines + 1,
            "no signed checkpoint at the end (truncated?)".into(),
        )),
        Some(Trailer {
            line,
            checkpoint: cp,
            manifest,
        }) => {
            let line = *line;
            if !cp.signature_valid(key) {
                problems.push((
                    line,
                    format!("the checkpoint #{} has a bad signature", cp.seq),
                ));
            }
            if let Some(last) = file.rows.last() {
                let e = &last.event;
                if e.seq > cp.seq {
                    problems.push((
                        last.line,
                        format!("event #{} is after the checkpoint #{}", e.seq, cp.seq),
                    ));
                }
                if e.seq == cp.seq && e.hash != cp.hash {
                    problems.push((
                        last.line,
                        format!(
                            "the last event #{} does not match the signed checkpoint",
                            e.seq
                        ),
                    ));
                }
            }
            match manifest {
                Some(m) => {
                    if !m.signature_valid(cp, key) {
                        problems.push((line, "the export's manifest has a bad signature".into()));
                    } else {
                        if m.rows != rows as u64 {
                            problems.push((
                                line,
                                format!(
                                    "the export holds {rows} events; its signed manifest says {}",
                                    m.rows
                                ),
                            ));
                        }
                        if m.running_hash != hex::encode(running) {
                            problems.push((
                                line,
                                "the events do not hash to the signed running hash: one was \
                                 removed, added, moved or changed"
                                    .into(),
                            ));
                        }
                    }
                    if let Some(without) = first_without {
                        problems.push((without, "the row has no running hash".into()));
                    }
                }
                None if first_with.is_some() => problems.push((
                    line,
                    "the rows carry running hashes but the end signs no manifest (cut off?)".into(),
                )),
                None if without_manifest == WithoutManifest::Refuse => problems.push((
                    line,
                    "the end signs no manifest (rows, running hash, filter), so a missing \
                     row would not show: an export made before KYC Desk signed them? \
                     `--chain-only` checks only its chain"
                        .into(),
                )),
                None => {}
            }
        }
    }
    problems.sort_by_key(|(line, _)| *line);
    let (checkpoint, manifest) = match file.trailer {
        Some(t) => (Some(t.checkpoint), t.manifest),
        None => (None, None),
    };
    Ok(ExportCheck {
        events: rows,
        first_seq: file.rows.first().map(|r| r.event.seq),
        last_seq: file.rows.last().map(|r| r.event.seq),
        checkpoint,
        manifest,
        first_bad_line: problems.first().map(|(line, _)| *line),
        problems: problems
            .into_iter()
            .map(|(line, what)| format!("line {line}: {what}"))
            .collect(),
    })
}

fn parse_jsonl(text: &str) -> Result<Parsed, String> {
    let mut file = Parsed::default();
    for (i, line) in text.lines().enumerate() {
        file.lines = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let bad = |e: serde_json::Error| format!("line {}: {e}", i + 1);
        let mut v: serde_json::Value = serde_json::from_str(line).map_err(bad)?;
        let record = match v.get_mut("checkpoint").map(serde_json::Value::take) {
            Some(cp) => Record::End(Trailer {
                line: i + 1,
                checkpoint: serde_json::from_value(cp).map_err(bad)?,
                manifest: v
                    .get_mut("export")
                    .map(|m| serde_json::from_value(m.take()))
                    .transpose()
                    .map_err(bad)?,
            }),
            None => Record::Row(Row {
                line: i + 1,
                running_hash: v
                    .get("running_hash")
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_string),
                event: serde_json::from_value(v).map_err(bad)?,
            }),
        };
        file.record(i + 1, record);
    }
    Ok(file)
}

/// The line (1-based) of a record from its byte offset; offsets come in
/// increasing order. (The csv reader's own line numbers run one behind
/// after CRLF records: a record "starts" at the LF that ends the last one.)
struct LineCounter<'a> {
    text: &'a [u8],
    at: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a [u8]) -> Self {
        LineCounter {
            text,
            at: 0,
            line: 1,
        }
    }

    fn line_at(&mut self, mut byte: usize) -> usize {
        while matches!(self.text.get(byte), Some(b'\r' | b'\n')) {
            byte += 1;
        }
        let byte = byte.min(self.text.len());
        if byte > self.at {
            self.line += self.text[self.at..byte]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            self.at = byte;
        }
        self.line
    }
}

fn parse_csv(text: &str) -> Result<Parsed, String> {
    let mut file = Parsed {
        lines: text.lines().count(),
        ..Parsed::default()
    };
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = r.headers().map_err(|e| format!("line 1: {e}"))?;
    let columns: Vec<&str> = header.iter().collect();
    let known = [CSV_HEADER.len(), SIGNED_CSV_COLUMNS, OLD_CSV_COLUMNS];
    if !known.iter().any(|n| columns == CSV_HEADER[..*n]) {
        file.problems
            .push((1, "not the header of an audit export".into()));
    }
    let mut lines = LineCounter::new(text.as_bytes());
    for rec in r.records() {
        let rec = rec.map_err(|e| match e.position() {
            Some(p) => format!("line {}: {e}", lines.line_at(p.byte() as usize)),
            None => e.to_string(),
        })?;
        let line = rec
            .position()
            .map_or(0, |p| lines.line_at(p.byte() as usize));
        let cell = |n: usize| {
            rec.get(n)
                .map(unescape_cell)
                .unwrap_or_default()
                .to_string()
        };
        let some = |n: usize| Some(cell(n)).filter(|s| !s.is_empty());
        let num = |n: usize| some(n).and_then(|s| s.parse::<i64>().ok());
        let record = if cell(0) == "checkpoint" {
            Record::End(Trailer {
                line,
                checkpoint: Checkpoint {
                    seq: num(1).unwrap_or(-1),
                    hash: cell(2),
                    signed_at: num(3).unwrap_or(-1),
                    key_id: cell(4),
                    signature: cell(5),
                },
                // An unreadable count signs nothing: the signature check fails.
                manifest: (rec.len() > 6).then(|| ExportManifest {
                    rows: cell(6).parse().unwrap_or(u64::MAX),
                    running_hash: cell(7),
                    filter: cell(8),
                    signature: cell(9),
                }),
            })
        } else {
            Record::Row(Row {
                line,
                event: StoredEvent {
                    seq: num(0).ok_or_else(|| format!("line {line}: no sequence number"))?,
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
                },
                running_hash: (rec.len() > OLD_CSV_COLUMNS).then(|| cell(16)),
            })
        };
        file.record(line, record);
    }
    Ok(file)
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
    fn export_times_read_as_iso_8601_with_milliseconds() {
        assert_eq!(iso_time(1_796_653_407_123), "2026-12-07T14:23:27.123Z");
        assert_eq!(iso_time(0), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn csv_records_follow_rfc_4180() {
        let line = String::from_utf8(CsvOut::line(["a,b", "say \"hi\"", "x\ny"])).expect("utf8");
        assert_eq!(line, "\"a,b\",\"say \"\"hi\"\"\",\"x\ny\"\r\n");
    }
}
