//! The database layer: the only place in the app that writes SQL (the
//! developer tools' dataset generator, `kyc-desk-dev seed`, brings its own
//! bulk inserts and is no part of the app). Queries use `$n`
//! placeholders and portable SQL so the same code can move to PostgreSQL;
//! what is SQLite-specific (pragmas, `BEGIN IMMEDIATE`) stays in this file.
//! The exception: the audit log's reads (its pages, the export, the chain
//! check) go through SQLite's own driver on a blocking thread
//! ([`Db::read_blocking`], [`open_read_only`]), for speed; on PostgreSQL
//! they would need their sqlx form again.

pub mod audit;
pub mod cases;
pub mod columns;
pub mod customers;
pub mod metrics;
pub mod operations;
pub mod second_factor;
pub mod sessions;
pub mod sso;
pub mod throttle;
pub mod tokens;
pub mod users;
pub mod verifications;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub type Tx = Transaction<'static, Sqlite>;

/// One writer connection (SQLite allows one writer at a time; queuing in the
/// pool beats `SQLITE_BUSY`), a pool of readers, a connection that copies
/// the write-ahead log into the database file, and read-only connections
/// for reads done in one go on a blocking thread ([`Db::read_blocking`]).
#[derive(Clone, Debug)]
pub struct Db {
    read: SqlitePool,
    write: SqlitePool,
    checkpointer: SqlitePool,
    blocking: BlockingReaders,
}

/// Idle connections kept for [`Db::read_blocking`] (opened on first use).
#[derive(Clone, Debug)]
struct BlockingReaders {
    file: PathBuf,
    idle: Arc<Mutex<Vec<rusqlite::Connection>>>,
}

/// Readers of each kind: connections in the async read pool, and blocking
/// ones kept idle for [`Db::read_blocking`].
const READERS: usize = 4;

/// Who copies committed pages from the write-ahead log into the database
/// file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checkpoints {
    /// SQLite's default: the commit that fills the log past 1,000 pages
    /// does it, and waits for it (fine for one-off commands).
    OnCommit,
    /// The server: commits never do it, so a decision never waits for a
    /// checkpoint (tens of milliseconds of random writes and an fsync of
    /// the database file); [`Db::checkpoint`] does it, called every second.
    InBackground,
}

impl Db {
    pub async fn connect(url: &str, checkpoints: Checkpoints) -> Result<Db, sqlx::Error> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5))
            // Pages kept per connection: 16 MiB for the writer (a decision
            // touches a dozen indexes), 8 MiB for each of the four readers;
            // the OS page cache holds the rest of the file.
            .pragma("cache_size", "-16384")
            .pragma("journal_size_limit", "67108864")
            .pragma("temp_store", "memory");
        if let Some(parent) = options.get_filename().parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent).map_err(sqlx::Error::Io)?;
            }
        }
        // No ping before each use (sqlx's default): a connection to a file
        // in this process does not go stale, and the ping was one more
        // round trip to the connection's thread for every query.
        let pool = || {
            SqlitePoolOptions::new()
                .test_before_acquire(false)
                .acquire_timeout(Duration::from_secs(10))
        };
        let one = || pool().max_connections(1).min_connections(1);
        let write_options = match checkpoints {
            Checkpoints::OnCommit => options.clone(),
            Checkpoints::InBackground => options.clone().pragma("wal_autocheckpoint", "0"),
        };
        let write = one()
            // A write whose COMMIT failed (a full disk, an I/O error) can
            // leave sqlx counting an open transaction that SQLite already
            // rolled back; every later `BEGIN` on that connection would then
            // fail until a restart. Such a connection is closed when it is
            // returned, and the pool opens a fresh one for the next write.
            .after_release(|conn, _| {
                Box::pin(async move {
                    use sqlx::Connection as _;
                    // Runs what a dropped transaction queued (its rollback) first.
                    conn.ping().await?;
                    let usable = !conn.is_in_transaction();
                    if !usable {
                        tracing::warn!("the writer connection is replaced after a failed commit");
                    }
                    Ok(usable)
                })
            })
            .connect_with(write_options)
            .await?;
        // Opened on first use: one-off commands never use it.
        let checkpointer = pool()
            .max_connections(1)
            .connect_lazy_with(options.clone().pragma("cache_size", "-512"));
        let blocking = BlockingReaders {
            file: options.get_filename().to_path_buf(),
            idle: Arc::default(),
        };
        let read = pool()
            .max_connections(READERS as u32)
            .min_connections(1)
            .connect_with(options.read_only(true).pragma("cache_size", "-8192"))
            .await?;
        Ok(Db {
            read,
            write,
            checkpointer,
            blocking,
        })
    }

    /// Applies pending migrations (on the writer connection).
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        sqlx::migrate!("./migrations").run(&self.write).await
    }

    /// The database file.
    pub fn file(&self) -> PathBuf {
        self.blocking.file.clone()
    }

    /// Runs `read` on a blocking thread with a read-only connection of
    /// SQLite's own driver, kept between calls. For a read of many rows or
    /// several statements: it is one hop between threads, and rows are
    /// handed over in place. Through the async pool every statement is a
    /// round trip to the connection's thread and every row a copy and a
    /// wake-up (the audit page's 51 rows: 0.5-0.8 ms there, 0.15 ms here).
    pub async fn read_blocking<T, F>(&self, read: F) -> Result<T, rusqlite::Error>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Connection) -> Result<T, rusqlite::Error> + Send + 'static,
    {
        let readers = self.blocking.clone();
        let task = tokio::task::spawn_blocking(move || {
            let idle = readers.idle.lock().ok().and_then(|mut idle| idle.pop());
            let conn = match idle {
                Some(conn) => conn,
                None => open_read_only(&readers.file)?,
            };
            let out = read(&conn);
            if let Ok(mut idle) = readers.idle.lock() {
                if idle.len() < READERS {
                    idle.push(conn);
                }
            }
            out
        });
        match task.await {
            Ok(out) => out,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            // The runtime is shutting down.
            Err(_) => Err(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_INTERRUPT),
                Some("the read was cancelled".into()),
            )),
        }
    }

    /// The read pool: every query that changes nothing.
    pub fn reader(&self) -> &SqlitePool {
        &self.read
    }

    /// The writer, for single self-contained statements (session rows).
    /// Anything that touches two rows goes through [`Db::begin_write`].
    pub fn writer(&self) -> &SqlitePool {
        &self.write
    }

    /// Starts a write transaction that takes the write lock up front
    /// (`BEGIN IMMEDIATE`), so it never fails half-way with `SQLITE_BUSY`.
    pub async fn begin_write(&self) -> Result<Tx, sqlx::Error> {
        self.write.begin_with("BEGIN IMMEDIATE").await
    }

    /// Copies what it can of the write-ahead log into the database file
    /// without blocking the writer or readers (`PASSIVE`). Returns the
    /// pages in the log and how many of them are now in the database file.
    pub async fn checkpoint(&self) -> Result<(i64, i64), sqlx::Error> {
        let (_busy, log, done): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(&self.checkpointer)
            .await?;
        Ok((log, done))
    }

    /// Proves the writer can write: begins, writes one row and commits it
    /// durably (what `/readyz` checks).
    pub async fn probe_write(&self, now_ms: i64) -> Result<(), sqlx::Error> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO readiness_probe (id, probed_at) VALUES (1, $1) \
             ON CONFLICT (id) DO UPDATE SET probed_at = excluded.probed_at",
        )
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        tx.commit().await
    }

    /// Writes a consistent copy of the whole database to `file` while writers go on: SQLite's
    /// `VACUUM INTO` reads one snapshot (a read transaction) and writes it compacted, with no
    /// write-ahead log of its own. SQLite refuses a file that already exists.
    pub async fn backup(&self, file: &Path) -> Result<(), sqlx::Error> {
        let path = file.to_string_lossy().into_owned();
        sqlx::query("VACUUM INTO $1")
            .bind(path)
            .execute(&self.read)
            .await
            .map(|_| ())
    }

    /// SQLite's own check of every page and index (`PRAGMA integrity_check`): `ok`, or what is
    /// wrong.
    pub async fn integrity(&self) -> Result<String, sqlx::Error> {
        let lines: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(&self.read)
            .await?;
        Ok(lines.join("; "))
    }

    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
        self.checkpointer.close().await;
    }
}

/// A read-only connection of SQLite's own driver, for a blocking thread:
/// for [`Db::read_blocking`] and for scans that read millions of rows
/// (`audit verify`, the export), which through the async pool cost 8.5 µs
/// a row against ~1 µs here.
pub fn open_read_only(file: &Path) -> Result<rusqlite::Connection, rusqlite::Error> {
    use rusqlite::OpenFlags;
    let conn = rusqlite::Connection::open_with_flags(
        file,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(5))?;
    Ok(conn)
}

/// Milliseconds since the Unix epoch: how every timestamp is stored.
pub fn unix_ms(t: time::OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

pub fn from_unix_ms(ms: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

/// Was this error a UNIQUE constraint violation?
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(e) if e.is_unique_violation())
}
