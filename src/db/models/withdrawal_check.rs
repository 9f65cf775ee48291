//! The reads of a withdrawal check, a batch of candidates at a time: titles by OCLC number (own or
//! merged), ISBN or ISSN, and the commitments keeping a copy of them.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;

use super::titles::TitleRow;
use crate::db::schema::{commitments, libraries, programs, titles};
use crate::db::{DbConnection, DbError};

/// One commitment keeping a copy of a title (fields in the order of [`kept_on`]'s select).
#[derive(Debug, Clone, Queryable)]
pub struct Kept {
    pub title_id: String,
    pub library_id: String,
    pub oclc_symbol: String,
    pub program_id: String,
    pub program_code: String,
    pub target_copies: i32,
    /// `None`: permanent.
    pub retention_end: Option<NaiveDate>,
    pub status: String,
}

/// The commitments keeping a copy (`active`, `release_requested`) of any of `title_ids`, in the
/// programs `programs` (every program for `None`).
///
/// Only `title_id` is asked of the database, so that its index is used: SQLite, without statistics,
/// would rather walk the index on `status` (every active commitment, for every batch). A title has
/// few commitments; the status and program are checked here.
pub fn kept_on(
    conn: &mut DbConnection,
    title_ids: &[String],
    programs_read: Option<&[String]>,
) -> Result<Vec<Kept>, DbError> {
    if title_ids.is_empty() {
        return Ok(Vec::new());
    }
    let query = commitments::table
        .inner_join(libraries::table)
        .inner_join(programs::table)
        .filter(commitments::title_id.eq_any(title_ids))
        .filter(crate::shown!(commitments))
        .select((
            commitments::title_id,
            commitments::library_id,
            libraries::oclc_symbol,
            commitments::program_id,
            programs::code,
            programs::target_copies,
            commitments::retention_end,
            commitments::status,
        ));
    Ok(query
        .load::<Kept>(conn)?
        .into_iter()
        .filter(|k| matches!(k.status.as_str(), "active" | "release_requested"))
        .filter(|k| programs_read.is_none_or(|read| read.contains(&k.program_id)))
        .collect())
}

/// Which identifier a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identifier {
    Isbn,
    Issn,
}

/// The titles with these ISBNs (or ISSNs), by identifier; where several titles share one, the one
/// with the lowest OCLC number.
pub fn by_identifier(
    conn: &mut DbConnection,
    kind: Identifier,
    values: &[String],
) -> Result<HashMap<String, TitleRow>, DbError> {
    if values.is_empty() {
        return Ok(HashMap::new());
    }
    let query = titles::table
        .select(TitleRow::as_select())
        .filter(crate::shown!(titles))
        .order(titles::oclc_number)
        .into_boxed();
    let rows: Vec<TitleRow> = match kind {
        Identifier::Isbn => query.filter(titles::isbn.eq_any(values)).load(conn)?,
        Identifier::Issn => query.filter(titles::issn.eq_any(values)).load(conn)?,
    };
    let mut found = HashMap::new();
    for row in rows {
        let key = match kind {
            Identifier::Isbn => row.isbn.clone(),
            Identifier::Issn => row.issn.clone(),
        };
        if let Some(key) = key {
            found.entry(key).or_insert(row);
        }
    }
    Ok(found)
}
