//! One module per table group: the stored row, the insert, and the queries that use them.

pub mod actions;
pub mod bulk;
pub mod commitments;
pub mod coverage;
pub mod expiry;
pub mod holdings;
pub mod job_runs;
pub mod last_copies;
pub mod libraries;
pub mod programs;
pub mod scenarios;
pub mod staging;
pub mod summary;
pub mod titles;
pub mod users;
pub mod withdrawal_check;

use uuid::Uuid;

use super::DbError;

diesel::define_sql_function! {
    /// SQL `lower()`, the same on both backends.
    fn lower(text: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// Reads an id stored as text.
pub fn parse_id(value: &str) -> Result<Uuid, DbError> {
    Uuid::parse_str(value)
        .map_err(|_| DbError::Corrupt(format!("stored id {value:?} is not a UUID")))
}

/// Reads an optional id stored as text.
pub fn parse_opt_id(value: Option<&str>) -> Result<Option<Uuid>, DbError> {
    value.map(parse_id).transpose()
}
