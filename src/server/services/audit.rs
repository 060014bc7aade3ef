//! Proof that nobody changed the audit trail: recomputing the hash chain,
//! and signed checkpoints `(seq, head hash)` kept both in the database and
//! in an append-only file outside it, so a truncated tail is caught too.

use crate::error::AppError;
use crate::server::config::Settings;
use crate::server::db::audit::{self as audit_db, GENESIS_HASH};
use crate::server::db::Db;
use base64::Engine as _;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

pub use crate::server::config::signing_key_from_base64;

/// A fresh key, base64 (for `kyc-desk audit keygen`).
pub fn generate_key() -> (String, String) {
    let key = SigningKey::generate(&mut rand::rngs::OsRng);
    let b64 = base64::engine::general_purpose::STANDARD;
    (
        b64.encode(key.to_bytes()),
        b64.encode(key.verifying_key().to_bytes()),
    )
}

/// The checkpoint key and where checkpoints are also written.
#[derive(Clone)]
pub struct AuditKeys {
    signing: SigningKey,
    pub key_id: String,
    pub checkpoint_file: PathBuf,
}

impl std::fmt::Debug for AuditKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditKeys")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

fn key_id(v: &VerifyingKey) -> String {
    hex::encode(&Sha256::digest(v.as_bytes())[..8])
}

impl AuditKeys {
    /// From the settings; demo mode keeps a generated key beside the
    /// database (created once, readable by the owner only).
    pub fn load(s: &Settings) -> Result<AuditKeys, String> {
        let checkpoint_file = s
            .audit_checkpoint_file
            .clone()
            .unwrap_or_else(|| s.data_dir().join("audit-checkpoints.jsonl"));
        let signing = match &s.audit_signing_key {
            Some(k) => signing_key_from_base64(k.expose_secret()).ok_or(
                "KYC_DESK_AUDIT_SIGNING_KEY (audit_signing_key) must be the base64 of 32 bytes",
            )?,
            None if s.demo => key_file(&s.data_dir().join("audit-signing.key"))?,
            None => return Err("KYC_DESK_AUDIT_SIGNING_KEY (audit_signing_key) is not set".into()),
        };
        Ok(AuditKeys {
            key_id: key_id(&signing.verifying_key()),
            signing,
            checkpoint_file,
        })
    }

    pub fn verifying_key(&self) -> VerifyingKey {
        self.signing.verifying_key()
    }

    fn sign(&self, payload: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.signing.sign(payload).to_bytes())
    }
}

/// The key kept in `path` (created once, readable by the owner only): demo
/// mode's, and the bench's for its database.
pub fn key_file(path: &Path) -> Result<SigningKey, String> {
    if let Ok(text) = std::fs::read_to_string(path) {
        return signing_key_from_base64(&text)
            .ok_or_else(|| format!("{} is not a valid key", path.display()));
    }
    let (b64, _) = generate_key();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    f.write_all(b64.as_bytes()).map_err(|e| e.to_string())?;
    signing_key_from_base64(&b64).ok_or_else(|| "generated key unreadable".into())
}

/// The outcome of recomputing the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainReport {
    /// Events read.
    pub events: i64,
    /// The last sequence number whose event (and everything before it) is intact.
    pub verified_through: i64,
    /// Its hash (the genesis hash for an empty chain).
    pub head_hash: String,
    /// The first bad event and what is wrong with it.
    pub first_bad: Option<(i64, String)>,
}

/// Recomputes the whole chain, streaming (constant memory).
pub async fn verify_chain(db: &Db) -> Result<ChainReport, AppError> {
    verify_chain_from(db, 0, GENESIS_HASH).await
}

/// Events per span of the chain check: small enough that the workers end
/// together (a span is ~0.2 s of one core's work), large enough that
/// starting one costs nothing.
const SPAN_EVENTS: i64 = 100_000;

/// Recomputes the chain after `from_seq`, whose hash is known good
/// (`from_seq` 0 and the genesis hash: the whole chain), up to the head as
/// it is now. Every event carries its predecessor's hash, so the range is
/// cut into spans, checked by one worker per core, and joined in order.
pub async fn verify_chain_from(
    db: &Db,
    from_seq: i64,
    from_hash: &str,
) -> Result<ChainReport, AppError> {
    let through = audit_db::max_seq(db.reader()).await?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let spans = ((through - from_seq).max(0) / SPAN_EVENTS + 1).max(cores as i64) as usize;
    check_in_spans(db, from_seq, from_hash, through, spans).await
}

/// [`verify_chain_from`] with a chosen number of spans (the answer is the
/// same for any number; tests check that).
pub async fn verify_chain_in_spans(
    db: &Db,
    from_seq: i64,
    from_hash: &str,
    spans: usize,
) -> Result<ChainReport, AppError> {
    let through = audit_db::max_seq(db.reader()).await?;
    check_in_spans(db, from_seq, from_hash, through, spans).await
}

async fn check_in_spans(
    db: &Db,
    from_seq: i64,
    from_hash: &str,
    through: i64,
    spans: usize,
) -> Result<ChainReport, AppError> {
    let total = (through - from_seq).max(0);
    let spans = (spans.max(1) as i64).min(total.max(1));
    let bounds: Arc<Vec<(i64, i64)>> = Arc::new(
        (0..spans)
            .map(|i| {
                (
                    from_seq + total * i / spans,
                    from_seq + total * (i + 1) / spans,
                )
            })
            .collect(),
    );
    // Each worker takes the next span until none is left.
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let next = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..cores.min(bounds.len()) {
        let (file, bounds, next) = (db.file(), bounds.clone(), next.clone());
        workers.push(tokio::task::spawn_blocking(move || {
            let conn = crate::server::db::open_read_only(&file)?;
            let mut done = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(&(after, upto)) = bounds.get(i) else {
                    return Ok::<_, rusqlite::Error>(done);
                };
                done.push((i, check_span(&conn, after, upto)?));
            }
        }));
    }
    let mut checked = Vec::with_capacity(bounds.len());
    for worker in workers {
        let done = worker
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r.map_err(|e| e.to_string()))
            .map_err(|e| {
                tracing::error!(error = %e, "audit chain check stopped");
                AppError::internal()
            })?;
        checked.extend(done);
    }
    checked.sort_unstable_by_key(|(i, _)| *i);
    let mut report = ChainReport {
        events: 0,
        verified_through: from_seq,
        head_hash: from_hash.to_string(),
        first_bad: None,
    };
    for (_, span) in checked {
        report.events += span.events;
        if report.first_bad.is_some() {
            continue;
        }
        let Some((first_seq, first_prev)) = span.first else {
            continue; // an empty span: a gap shows at the next event
        };
        let expected_seq = report.verified_through + 1;
        if first_seq != expected_seq {
            report.first_bad = Some((expected_seq, missing(expected_seq, first_seq)));
        } else if first_prev != report.head_hash {
            report.first_bad = Some((first_seq, unlinked(first_seq)));
        } else {
            report.first_bad = span.first_bad;
            if let Some((seq, hash)) = span.last_good {
                report.verified_through = seq;
                report.head_hash = hash;
            }
        }
    }
    Ok(report)
}

fn missing(seq: i64, found: i64) -> String {
    format!("event #{seq} is missing (found #{found} next): deleted or reordered")
}

fn unlinked(seq: i64) -> String {
    format!(
        "event #{seq} does not link to #{}: prev_hash differs",
        seq - 1
    )
}

/// One span of the chain, checked on its own: its first event's place and
/// link are checked when the spans are joined.
#[derive(Default)]
struct Span {
    events: i64,
    /// The first event's sequence number and `prev_hash`.
    first: Option<(i64, String)>,
    /// The last event that is intact, with everything before it in the span.
    last_good: Option<(i64, String)>,
    first_bad: Option<(i64, String)>,
}

/// The last intact event of a span: its number and hash, as stored (hex)
/// and as bytes (the next event's hash input).
struct Head {
    seq: i64,
    hex: [u8; 64],
    bytes: [u8; 32],
}

fn check_span(conn: &rusqlite::Connection, after: i64, upto: i64) -> Result<Span, rusqlite::Error> {
    let mut span = Span::default();
    let mut canonical = Vec::with_capacity(512);
    let mut head: Option<Head> = None;
    audit_db::scan_blocking(conn, after, upto, |row| {
        let (fields, prev_hash, hash) = (row.fields, row.prev_hash, row.hash);
        span.events += 1;
        if span.first_bad.is_some() {
            return;
        }
        let seq = fields.seq;
        let problem = match &head {
            None => {
                span.first = Some((seq, prev_hash.to_string()));
                None
            }
            Some(h) if seq != h.seq + 1 => Some((h.seq + 1, missing(h.seq + 1, seq))),
            Some(h) if prev_hash.as_bytes() != h.hex => Some((seq, unlinked(seq))),
            Some(_) => None,
        };
        let checked = problem.map(Err).unwrap_or_else(|| {
            canonical.clear();
            fields.write_canonical(&mut canonical);
            // After the first event, prev_hash is the previous event's hash
            // (just compared): its bytes are at hand.
            let digest = match &head {
                Some(h) => Sha256::new()
                    .chain_update(h.bytes)
                    .chain_update(&canonical)
                    .finalize()
                    .into(),
                None => first_digest(prev_hash, &canonical),
            };
            let mut hex = [0u8; 64];
            let _ = hex::encode_to_slice(digest, &mut hex);
            if hash.as_bytes() == hex {
                Ok(Head {
                    seq,
                    hex,
                    bytes: digest,
                })
            } else {
                Err((
                    seq,
                    format!("event #{seq} was altered: its contents do not match its hash"),
                ))
            }
        });
        match checked {
            Ok(h) => head = Some(h),
            Err(p) => span.first_bad = Some(p),
        }
    })?;
    span.last_good = head.map(|h| (h.seq, String::from_utf8_lossy(&h.hex).into_owned()));
    Ok(span)
}

/// `SHA-256(prev ‖ canonical)` from a hex `prev` ([`audit_db::chain_hash`]
/// computes the same, as hex).
fn first_digest(prev_hash_hex: &str, canonical: &[u8]) -> [u8; 32] {
    let mut prev = [0u8; 32];
    if hex::decode_to_slice(prev_hash_hex, &mut prev).is_ok() {
        Sha256::new()
            .chain_update(prev)
            .chain_update(canonical)
            .finalize()
            .into()
    } else {
        // A malformed prev_hash: hashed the way the writer would have.
        let mut out = [0u8; 32];
        let _ = hex::decode_to_slice(audit_db::chain_hash(prev_hash_hex, canonical), &mut out);
        out
    }
}

pub use crate::server::db::audit::Checkpoint;

impl Checkpoint {
    /// What is signed.
    pub fn payload(seq: i64, hash: &str, signed_at: i64) -> Vec<u8> {
        format!("kyc-desk-audit-checkpoint:v1:{seq}:{hash}:{signed_at}").into_bytes()
    }

    pub fn signature_valid(&self, key: &VerifyingKey) -> bool {
        signature_valid(
            key,
            &Self::payload(self.seq, &self.hash, self.signed_at),
            &self.signature,
        )
    }
}

fn signature_valid(key: &VerifyingKey, payload: &[u8], signature_b64: &str) -> bool {
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(signature_b64) else {
        return false;
    };
    let Ok(sig) = Signature::from_slice(&bytes) else {
        return false;
    };
    key.verify(payload, &sig).is_ok()
}

/// What the end of an export signs along with its checkpoint: the export
/// itself, so that a row removed, added, moved or changed shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportManifest {
    /// The export's query string as it was given (`action=case.claimed&…`;
    /// empty for everything).
    pub filter: String,
    /// How many events the export holds.
    pub rows: u64,
    /// The running hash after its last event (`crate::server::export`).
    pub running_hash: String,
    /// Ed25519, by the checkpoint's key, over [`ExportManifest::payload`].
    pub signature: String,
}

impl ExportManifest {
    /// What is signed: the export's checkpoint and the manifest (the filter
    /// last, so that any text it holds cannot shift the other fields).
    pub fn payload(cp: &Checkpoint, filter: &str, rows: u64, running_hash: &str) -> Vec<u8> {
        format!(
            "kyc-desk-audit-export:v1:{}:{}:{}:{rows}:{running_hash}:{filter}",
            cp.seq, cp.hash, cp.signed_at
        )
        .into_bytes()
    }

    /// Is this manifest signed, with `cp`, by `key`?
    pub fn signature_valid(&self, cp: &Checkpoint, key: &VerifyingKey) -> bool {
        signature_valid(
            key,
            &Self::payload(cp, &self.filter, self.rows, &self.running_hash),
            &self.signature,
        )
    }
}

impl AuditKeys {
    /// Signs the manifest of an export that ends with `cp`.
    pub fn sign_export(
        &self,
        cp: &Checkpoint,
        filter: String,
        rows: u64,
        running_hash: String,
    ) -> ExportManifest {
        ExportManifest {
            signature: self.sign(&ExportManifest::payload(cp, &filter, rows, &running_hash)),
            filter,
            rows,
            running_hash,
        }
    }
}

/// Signs the current head, stores the checkpoint and appends it to the
/// file outside the database (fsynced). `reason`: "periodic", "export", …
pub async fn checkpoint(
    db: &Db,
    keys: &AuditKeys,
    now: i64,
    reason: &str,
) -> Result<Checkpoint, AppError> {
    let mut tx = db.begin_write().await?;
    let (seq, hash) = audit_db::head(&mut tx).await?;
    let cp = Checkpoint {
        signature: keys.sign(&Checkpoint::payload(seq, &hash, now)),
        seq,
        hash,
        signed_at: now,
        key_id: keys.key_id.clone(),
    };
    audit_db::add_checkpoint(&mut tx, &cp, reason).await?;
    append_to_file(&keys.checkpoint_file, &cp).map_err(|e| {
        tracing::error!(error = %e, file = %keys.checkpoint_file.display(), "cannot write the checkpoint file");
        AppError::internal()
    })?;
    tx.commit().await?;
    Ok(cp)
}

fn append_to_file(path: &Path, cp: &Checkpoint) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    let mut line = serde_json::to_vec(cp).map_err(std::io::Error::other)?;
    line.push(b'\n');
    f.write_all(&line)?;
    f.sync_all()
}

/// The newest checkpoint in the database.
pub async fn latest_checkpoint(db: &Db) -> Result<Option<Checkpoint>, AppError> {
    Ok(audit_db::latest_checkpoint(db.reader()).await?)
}

/// The newest checkpoint in the file (the last well-formed line).
pub fn latest_checkpoint_in_file(path: &Path) -> Option<Checkpoint> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok())
}

/// Everything `audit verify` reports.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub chain: ChainReport,
    /// The newest checkpoint that was checked (from the file or the database, the later one).
    pub checkpoint: Option<Checkpoint>,
    /// Problems: a broken chain, a bad signature, a truncated tail.
    pub problems: Vec<String>,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Recomputes the chain and checks it against the newest signed checkpoint
/// (in the database and in the file outside it).
pub async fn verify(db: &Db, keys: &AuditKeys) -> Result<VerifyReport, AppError> {
    let chain = verify_chain(db).await?;
    check_checkpoints(db, keys, chain).await
}

/// Checks a recomputed chain against the newest checkpoints.
async fn check_checkpoints(
    db: &Db,
    keys: &AuditKeys,
    chain: ChainReport,
) -> Result<VerifyReport, AppError> {
    let mut problems = Vec::new();
    if let Some((seq, why)) = &chain.first_bad {
        problems.push(format!("chain broken at #{seq}: {why}"));
    }
    let key = keys.verifying_key();
    let from_db = latest_checkpoint(db).await?;
    let from_file = latest_checkpoint_in_file(&keys.checkpoint_file);
    let mut newest: Option<Checkpoint> = None;
    for (where_, cp) in [("database", from_db), ("file", from_file)] {
        let Some(cp) = cp else { continue };
        if !cp.signature_valid(&key) {
            problems.push(format!(
                "the {where_} checkpoint #{} has a bad signature (key {})",
                cp.seq, cp.key_id
            ));
            continue;
        }
        if chain.first_bad.is_none() {
            if cp.seq > chain.verified_through {
                problems.push(format!(
                    "truncated: the {where_} checkpoint covers #{} but the chain ends at #{}",
                    cp.seq, chain.verified_through
                ));
            } else if let Some(actual) = audit_db::hash_at(db.reader(), cp.seq).await? {
                if actual != cp.hash {
                    problems.push(format!(
                        "the chain was rewritten: #{} differs from its signed checkpoint",
                        cp.seq
                    ));
                }
            } else if cp.seq > 0 {
                problems.push(format!(
                    "event #{} of the {where_} checkpoint is missing",
                    cp.seq
                ));
            }
        }
        if newest.as_ref().is_none_or(|n| cp.seq > n.seq) {
            newest = Some(cp);
        }
    }
    Ok(VerifyReport {
        chain,
        checkpoint: newest,
        problems,
    })
}

/// The last known state of the chain, shown on the audit page.
#[derive(Debug, Clone, Serialize)]
pub struct ChainStatus {
    pub report: VerifyReport,
    /// When it was computed (unix ms).
    pub at: i64,
    /// `true` for a full recomputation, `false` for an incremental one.
    pub full: bool,
}

/// Shared between the background checker and the audit page.
#[derive(Clone, Default)]
pub struct ChainStatusCell {
    last: std::sync::Arc<std::sync::RwLock<Option<ChainStatus>>>,
    /// Held by the one full check a person may run at a time (it keeps
    /// every core busy for seconds on a large trail).
    full_check: std::sync::Arc<tokio::sync::Mutex<()>>,
}

impl ChainStatusCell {
    pub fn get(&self) -> Option<ChainStatus> {
        self.last.read().ok().and_then(|g| g.clone())
    }

    pub fn set(&self, s: ChainStatus) {
        if let Ok(mut g) = self.last.write() {
            *g = Some(s);
        }
    }

    /// The right to run a full check now; `None` while one runs.
    pub fn try_full_check(&self) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        self.full_check.clone().try_lock_owned().ok()
    }
}

/// Checks what was appended since the last good state (or everything, the
/// first time), and the newest checkpoint; remembers the result.
pub async fn refresh_status(
    db: &Db,
    keys: &AuditKeys,
    cell: &ChainStatusCell,
    now: i64,
    full: bool,
) -> Result<ChainStatus, AppError> {
    let previous = cell.get().filter(|s| s.report.ok() && !full);
    let report = match previous {
        Some(prev) => {
            let from = &prev.report.chain;
            let mut chain = verify_chain_from(db, from.verified_through, &from.head_hash).await?;
            chain.events += from.events;
            check_checkpoints(db, keys, chain).await?
        }
        None => verify(db, keys).await?,
    };
    let status = ChainStatus {
        report,
        at: now,
        full: full || cell.get().is_none(),
    };
    cell.set(status.clone());
    Ok(status)
}
