//! The connection pool and the two ways to use it: a read, or a write in one transaction.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use diesel::{Connection, RunQueryDsl};
use parking_lot::Mutex;

use super::connection::{Manager, Workload};
use super::url::{Backend, DatabaseUrl};
use super::{migrations, DbConnection, DbError};

type Pool = r2d2::Pool<Manager>;

/// Longest wait for a pooled connection when every one is in use.
const WAIT_FOR_CONNECTION: Duration = Duration::from_secs(15);
/// How long to wait before asking whether the database is down rather than busy.
const FIRST_WAIT: Duration = Duration::from_secs(1);
pub type PooledConnection = r2d2::PooledConnection<Manager>;

/// A handle on the database, cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    backend: Backend,
    /// Set while the database refuses new connections (see [`Db::conn`]).
    unreachable: Arc<AtomicBool>,
    /// SQLite allows one writer at a time; taking this lock before `BEGIN` makes writers of this
    /// process queue instead of failing with SQLITE_BUSY when two deferred transactions upgrade.
    sqlite_writer: Arc<Mutex<()>>,
}

impl Db {
    /// Opens a pool of at most `max_connections` for a command (creating a SQLite file and its
    /// folder when missing).
    pub fn connect(url: &DatabaseUrl, max_connections: u32) -> Result<Self, DbError> {
        Self::connect_for(url, max_connections, Workload::Command)
    }

    /// Opens a pool of at most `max_connections` for `workload`.
    pub fn connect_for(
        url: &DatabaseUrl,
        max_connections: u32,
        workload: Workload,
    ) -> Result<Self, DbError> {
        if let DatabaseUrl::Sqlite(path) = url {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| {
                    DbError::Unavailable(format!("cannot create {}: {e}", dir.display()))
                })?;
            }
        }
        if url.backend() == Backend::Postgres {
            // libpq's TLS is OpenSSL, which by default frees its state in an exit handler: a pooled
            // connection closed by another thread while the process exits then used freed memory
            // (SIGSEGV after the work was done, seen at the end of CLI runs and test processes).
            // Initialised first here, OpenSSL registers no such handler.
            openssl_sys::init();
        }
        let manager = Manager::new(url.clone(), workload);
        let unreachable = manager.unreachable();
        let pool = r2d2::Pool::builder()
            .max_size(max_connections)
            // No idle minimum: the pool never opens connections in the background, which at
            // process exit would race libpq against OpenSSL's teardown (a crash seen on CLI exit).
            .min_idle(Some(0))
            .connection_timeout(WAIT_FOR_CONNECTION)
            .build(manager)?;
        Ok(Self {
            pool,
            backend: url.backend(),
            unreachable,
            sqlite_writer: Arc::new(Mutex::new(())),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A connection for work on this thread (the CLI); async code uses [`Db::read`] and [`Db::write`].
    ///
    /// A busy pool is waited for (up to 15 s); a database that refuses connections is not: when
    /// none came within a second and the last attempt to open one failed, the answer is at once
    /// "unavailable" (503 with Retry-After), not after 15 s.
    pub fn conn(&self) -> Result<PooledConnection, DbError> {
        match self.pool.get_timeout(FIRST_WAIT) {
            Ok(conn) => Ok(conn),
            Err(error) if self.unreachable.load(Ordering::Relaxed) => Err(error.into()),
            Err(_) => Ok(self.pool.get_timeout(WAIT_FOR_CONNECTION - FIRST_WAIT)?),
        }
    }

    /// Refreshes PostgreSQL's planner statistics on the tables bulk imports fill: it plans from
    /// them (an export filtered by library read right after a large import, before autovacuum's
    /// ANALYZE, sorted the library's rows for every batch: 100,000 rows, 41 s instead of 4 s).
    ///
    /// SQLite is left without statistics, which its queries are written for (see `apply_filter!`):
    /// its ANALYZE is a write transaction, and after a million-row import it held the one write
    /// lock, and every other writer, for 4 s even with `analysis_limit`.
    pub fn refresh_statistics(&self) -> Result<(), DbError> {
        if self.backend != Backend::Postgres {
            return Ok(());
        }
        let started = std::time::Instant::now();
        diesel::sql_query("ANALYZE titles, commitments, audit_events")
            .execute(&mut *self.conn()?)?;
        tracing::info!(
            took_ms = started.elapsed().as_millis() as u64,
            "planner statistics refreshed"
        );
        Ok(())
    }

    /// Applies pending migrations; returns the names of those applied.
    pub fn migrate(&self) -> Result<Vec<String>, DbError> {
        migrations::run_pending(&mut *self.conn()?)
    }

    /// Runs `work` in one transaction on this thread, holding the SQLite writer lock, or on
    /// PostgreSQL the audit chain's head first (one lock order for every writer).
    pub fn write_blocking<T>(
        &self,
        work: impl FnOnce(&mut DbConnection) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        let mut conn = self.conn()?;
        let _writer = (self.backend == Backend::Sqlite).then(|| self.sqlite_writer.lock());
        (*conn).transaction(|conn| {
            super::audit::take_head(conn)?;
            work(conn)
        })
    }

    /// Runs read-only `work` on a blocking thread.
    pub async fn read<T, F>(&self, work: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, DbError> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || work(&mut *db.conn()?))
            .await
            .map_err(|e| DbError::Unavailable(format!("database task failed: {e}")))?
    }

    /// Runs a read of a few indexed rows (who a token stands for, a title and its commitments) at
    /// once on this thread when the database is SQLite and a connection is free now: it takes
    /// microseconds, less than handing it to a blocking thread and back. Otherwise (PostgreSQL's
    /// network round trip, a busy pool) it goes to a blocking thread like [`Db::read`].
    pub async fn read_quick<T, F>(&self, work: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, DbError> + Send + 'static,
    {
        if self.backend == Backend::Sqlite {
            if let Some(mut conn) = self.pool.try_get() {
                return work(&mut conn);
            }
        }
        self.read(work).await
    }

    /// Runs `work` in one transaction on a blocking thread: all of it is stored, or none.
    pub async fn write<T, F>(&self, work: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, DbError> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.write_blocking(work))
            .await
            .map_err(|e| DbError::Unavailable(format!("database task failed: {e}")))?
    }
}
