//! The database layer: the only place that writes SQL. Queries use `$n`
//! placeholders and portable SQL so the same code can move to PostgreSQL;
//! what is SQLite-specific (pragmas, `BEGIN IMMEDIATE`) stays in this file.

pub mod audit;
pub mod cases;
pub mod customers;
pub mod metrics;
pub mod seed;
pub mod sessions;
pub mod throttle;
pub mod tokens;
pub mod users;
pub mod verifications;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};
use std::str::FromStr;
use std::time::Duration;

pub type Tx = Transaction<'static, Sqlite>;

/// One writer connection (SQLite allows one writer at a time; queuing in the
/// pool beats `SQLITE_BUSY`) and a pool of readers.
#[derive(Clone, Debug)]
pub struct Db {
    read: SqlitePool,
    write: SqlitePool,
}

impl Db {
    pub async fn connect(url: &str) -> Result<Db, sqlx::Error> {
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
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options.clone())
            .await?;
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options.read_only(true).pragma("cache_size", "-8192"))
            .await?;
        Ok(Db { read, write })
    }

    /// Applies pending migrations (on the writer connection).
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        sqlx::migrate!("./migrations").run(&self.write).await
    }

    /// The database file.
    pub fn file(&self) -> std::path::PathBuf {
        self.read.connect_options().get_filename().to_path_buf()
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

    /// Is the database reachable?
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1")
            .execute(&self.read)
            .await
            .map(|_| ())
    }

    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }
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
