//! The one connection type over both backends, and the pool's recipe for opening one.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use diesel::connection::SimpleConnection;
use diesel::r2d2::{ManageConnection, R2D2Connection};
use diesel::{Connection, PgConnection, SqliteConnection};

use super::url::DatabaseUrl;

/// A connection to either backend; diesel's query builder works on it as on any connection.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// Sets SQLite's process-wide threading mode once, before its first connection is opened.
///
/// The bundled SQLite is built "serialized": every call on a connection (each column of each row
/// read) takes and releases that connection's mutex, 7% of the instructions of a CSV export. The
/// pool hands a connection to one thread at a time (diesel's `SqliteConnection` is not `Sync`),
/// which is what "multi-thread" mode asks, and it takes no such mutex. Memory statistics, which
/// take a global mutex on every allocation, are not read here and are switched off.
///
/// Once SQLite is initialised (a connection opened by another path first), `sqlite3_config`
/// refuses with `SQLITE_MISUSE` and SQLite stays serialized: slower, still correct.
fn configure_sqlite() {
    static CONFIGURED: std::sync::Once = std::sync::Once::new();
    CONFIGURED.call_once(|| {
        use libsqlite3_sys::{
            sqlite3_config, SQLITE_CONFIG_MEMSTATUS, SQLITE_CONFIG_MULTITHREAD, SQLITE_OK,
        };
        // SAFETY: sqlite3_config is documented as callable before sqlite3_initialize, from one
        // thread (the `Once` makes it one call); afterwards it only returns SQLITE_MISUSE.
        let modes = unsafe {
            [
                sqlite3_config(SQLITE_CONFIG_MULTITHREAD),
                sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0 as std::os::raw::c_int),
            ]
        };
        if modes.iter().any(|&code| code != SQLITE_OK) {
            tracing::debug!(
                ?modes,
                "SQLite was initialised already; it stays serialized"
            );
        }
    });
}

/// How long a SQLite connection waits for another writer before giving up, in milliseconds.
const SQLITE_BUSY_TIMEOUT_MS: u32 = 10_000;

/// Opens connections for the pool, choosing the backend from the URL scheme (diesel's derived
/// `establish` would try each backend in turn, and SQLite accepts any string as a file name).
#[derive(Debug, Clone)]
pub struct Manager {
    url: DatabaseUrl,
    workload: Workload,
    /// Whether the last attempt to open a connection failed: the database is down (or refusing).
    unreachable: Arc<AtomicBool>,
}

/// What the connections are for, which decides how SQLite reads its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// The server: many small reads at random places (title lookups, list pages). SQLite maps
    /// the file into memory ([`MAPPED`]) and reads its pages there, with no system call and no
    /// copy per page: title lookups +25% throughput on a 200,000-commitment registry.
    Serve,
    /// A command (import, export, expiry, backup): long runs through the file, read with
    /// ordinary reads, so that the process's resident memory stays that of its own work.
    Command,
}

/// How much of a SQLite file a server's connection maps: all of it, up to 1 TiB (the build's
/// `SQLITE_MAX_MMAP_SIZE`, in `.cargo/config.toml`). The mapped pages are the kernel's page cache,
/// shared by every connection and reclaimable; they count in the process's resident size as
/// file pages (`RssFile`), not as memory of its own (`RssAnon`).
const MAPPED: u64 = 1 << 40;

impl Manager {
    pub fn new(url: DatabaseUrl, workload: Workload) -> Self {
        Self {
            url,
            workload,
            unreachable: Arc::default(),
        }
    }

    /// A handle on whether the last attempt to open a connection failed.
    pub fn unreachable(&self) -> Arc<AtomicBool> {
        self.unreachable.clone()
    }
}

impl ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<DbConnection, Self::Error> {
        let opened = self.open();
        self.unreachable.store(opened.is_err(), Ordering::Relaxed);
        opened
    }

    /// Checked each time the pool hands a connection out. A PostgreSQL connection may have been
    /// cut while idle (a server restart) and is pinged; a SQLite connection is a file handle in
    /// this process that cannot go stale, and its `SELECT 1` was prepared anew on every checkout.
    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), Self::Error> {
        match conn {
            DbConnection::Sqlite(_) => Ok(()),
            DbConnection::Postgres(_) => conn.ping().map_err(diesel::r2d2::Error::QueryError),
        }
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        conn.is_broken()
    }
}

impl Manager {
    fn open(&self) -> Result<DbConnection, diesel::r2d2::Error> {
        match &self.url {
            DatabaseUrl::Postgres(url) => PgConnection::establish(url)
                .map(DbConnection::Postgres)
                .map_err(diesel::r2d2::Error::ConnectionError),
            DatabaseUrl::Sqlite(path) => {
                configure_sqlite();
                let path = path.to_string_lossy();
                let mut conn = SqliteConnection::establish(&path)
                    .map_err(diesel::r2d2::Error::ConnectionError)?;
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS};
                     PRAGMA journal_mode = WAL;
                     PRAGMA synchronous = NORMAL;
                     PRAGMA foreign_keys = ON;"
                ))
                .map_err(diesel::r2d2::Error::QueryError)?;
                if self.workload == Workload::Serve {
                    conn.batch_execute(&format!("PRAGMA mmap_size = {MAPPED};"))
                        .map_err(diesel::r2d2::Error::QueryError)?;
                }
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }
}
