//! `/readyz`: can this instance do its work? The writer must begin, write a
//! row and commit it durably (a database that only reads is not ready: a
//! reviewer's decision would fail), and the disk under the database must
//! have room: below [`CRITICAL_FREE`] it is not ready, as the next commit
//! that needs a new page fails (SQLite may still fit a small write in log
//! space it already has, so the probe alone can succeed on a full disk).
//! Low disk space (below `min_free_disk_mb`) is reported and logged while
//! writes still work, so an operator hears of it before the disk is full.
//!
//! A probe is reused for a second, so a flood of probes costs one durable
//! write a second at most.

use super::clock::Clock;
use super::db::Db;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const REUSE_FOR: Duration = Duration::from_secs(1);
const MIB: u64 = 1024 * 1024;
/// Free space below which writes are about to fail.
pub const CRITICAL_FREE: u64 = 16 * MIB;

/// The last probe, shared by the requests of the next second.
#[derive(Default)]
pub struct Readiness {
    last: Mutex<Option<(Instant, Report)>>,
}

/// What a probe needs (taken from the app's state).
#[derive(Clone)]
pub struct Probe {
    pub db: Db,
    pub clock: Clock,
    pub min_free_disk_mb: u64,
    pub readiness: std::sync::Arc<Readiness>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub ready: bool,
    /// `ok`, or why a write failed.
    pub database_write: String,
    pub disk: Option<Disk>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Disk {
    pub free_mb: u64,
    pub min_free_mb: u64,
    pub low: bool,
    /// Under [`CRITICAL_FREE`]: not ready.
    pub full: bool,
}

pub async fn readyz(State(st): State<Probe>) -> Response {
    let cached = st
        .readiness
        .last
        .lock()
        .ok()
        .and_then(|last| last.clone())
        .filter(|(at, _)| at.elapsed() < REUSE_FOR)
        .map(|(_, report)| report);
    let report = match cached {
        Some(report) => report,
        None => {
            let report = probe(&st).await;
            if let Ok(mut last) = st.readiness.last.lock() {
                *last = Some((Instant::now(), report.clone()));
            }
            report
        }
    };
    let status = if report.ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let mut res = (status, serde_json::to_string(&report).unwrap_or_default()).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}

async fn probe(st: &Probe) -> Report {
    let database_write = match st.db.probe_write(st.clock.now_ms()).await {
        Ok(()) => "ok".to_string(),
        Err(e) => {
            tracing::error!(error = %e, "readiness: the database cannot be written");
            format!("failed: {e}")
        }
    };
    let disk = free_bytes(&st.db.file()).map(|free| {
        let min_free_mb = st.min_free_disk_mb;
        let disk = Disk {
            free_mb: free / MIB,
            min_free_mb,
            low: free < min_free_mb.saturating_mul(MIB),
            full: free < CRITICAL_FREE,
        };
        if disk.low {
            tracing::warn!(
                free_mb = disk.free_mb,
                min_free_mb,
                "readiness: the disk under the database is almost full"
            );
        }
        disk
    });
    Report {
        ready: database_write == "ok" && !disk.as_ref().is_some_and(|d| d.full),
        database_write,
        disk,
    }
}

/// Bytes an unprivileged process may still write on the filesystem that
/// holds `file`.
fn free_bytes(file: &Path) -> Option<u64> {
    let dir = file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let s = rustix::fs::statvfs(dir).ok()?;
    Some(s.f_bavail.saturating_mul(s.f_frsize))
}
