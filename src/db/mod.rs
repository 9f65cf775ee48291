//! Persistence: one code path over SQLite and PostgreSQL with diesel.
//!
//! `Db` hands out pooled connections on blocking threads (diesel is synchronous, so it never runs on
//! actix's async workers) and wraps every change in one transaction together with its audit event.
//! Queries live with their tables in `models/`; the few statements that differ by backend match on
//! [`DbConnection`].

pub mod audit;
mod connection;
mod error;
mod migrations;
pub mod models;
mod pool;
pub mod replay;
pub mod schema;
pub mod time;
mod url;

pub use connection::{DbConnection, Workload};
pub use error::DbError;
pub use pool::Db;
pub use url::{Backend, DatabaseUrl};

use chrono::{NaiveDateTime, SubsecRound, Utc};

/// The current instant in UTC, at the microsecond precision both backends keep.
pub fn now() -> NaiveDateTime {
    Utc::now().naive_utc().trunc_subsecs(6)
}

/// Runs `$body` with `$c` bound to the connection of the backend in use. A query of a fixed shape run
/// this way finds its prepared statement by its type; run through [`DbConnection`], whose wrapper
/// gives no query a type of its own, diesel rebuilt the statement's SQL text on every run to look it
/// up (quoting each of a joined query's 60 column names: 40% of a title lookup's instructions).
/// For the hot paths (every signed-in request, the title lookup); a boxed query gains nothing.
#[macro_export]
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Postgres($c) => $body,
            $crate::db::DbConnection::Sqlite($c) => $body,
        }
    };
}

/// Inserts many rows in one statement: on PostgreSQL a binary `COPY … FROM STDIN`, on SQLite one
/// multi-row `INSERT`. diesel offers both on the concrete connections only; this picks the one in
/// use. The rows' structs say `treat_none_as_default_value = false`: a `None` is written as NULL
/// rather than as `DEFAULT`, which COPY has no word for and which made diesel insert SQLite's
/// rows one statement (and one savepoint) each. A 100,000-row import took 14.7 s on PostgreSQL
/// (a new 1,000-row `INSERT` parsed for every batch) and 10.8 s on SQLite; with these, 11.0 s and
/// 5.9 s.
/// Most rows one [`insert_batch!`] statement takes: SQLite binds at most 32,766 values a statement,
/// and the widest row, a commitment, has 31 columns.
pub const ROWS_PER_INSERT: usize = 1_000;

#[macro_export]
macro_rules! insert_batch {
    ($conn:expr, $table:expr, $rows:expr) => {{
        use diesel::RunQueryDsl as _;
        match $conn {
            $crate::db::DbConnection::Postgres(c) => diesel::copy_from($table)
                .from_insertable($rows)
                .execute(c)?,
            $crate::db::DbConnection::Sqlite(c) => {
                diesel::insert_into($table).values($rows).execute(c)?
            }
        }
    }};
}

/// Most rows one list request may return.
pub const MAX_PAGE: i64 = 1000;

/// One page of a keyset-paginated list: `next_after` is the key to continue after, if there is more.
#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_after: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` rows fetched in key order.
    pub fn from_rows(mut rows: Vec<T>, limit: i64, key: impl Fn(&T) -> String) -> Self {
        let limit = usize::try_from(limit).unwrap_or(0);
        let next_after = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(&key)
        } else {
            None
        };
        Page {
            items: rows,
            next_after,
        }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_after: self.next_after,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_keeps_limit_and_points_past_last_item() {
        let page = Page::from_rows(vec![1, 2, 3], 2, |n| n.to_string());
        assert_eq!(page.items, vec![1, 2]);
        assert_eq!(page.next_after.as_deref(), Some("2"));
        let last = Page::from_rows(vec![1, 2], 2, |n| n.to_string());
        assert_eq!(last.next_after, None);
    }
}
