//! Counts for a program's dashboard: by status, by library and status, and the coming expiry wave.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use diesel::dsl::count_star;
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::schema::{commitments, libraries};
use crate::db::{DbConnection, DbError};
use crate::domain::commitment::Status;

/// How far ahead `ending_by_year` looks.
pub const YEARS_AHEAD: i32 = 30;

#[derive(Debug, Clone)]
pub struct LibraryCounts {
    pub library_id: String,
    pub oclc_symbol: String,
    pub name: String,
    pub by_status: BTreeMap<String, i64>,
}

#[derive(Debug, Clone)]
pub struct ProgramSummary {
    pub by_status: BTreeMap<String, i64>,
    pub by_library: Vec<LibraryCounts>,
    /// (year, active commitments ending that year) for this year and the next 29.
    pub ending_by_year: Vec<(i32, i64)>,
}

pub fn program_summary(
    conn: &mut DbConnection,
    program_id: Uuid,
    today: NaiveDate,
) -> Result<ProgramSummary, DbError> {
    let program = program_id.to_string();
    let mut by_status: BTreeMap<String, i64> = Status::ALL
        .iter()
        .map(|s| (s.as_str().to_owned(), 0))
        .collect();
    let rows: Vec<(String, i64)> = commitments::table
        .filter(commitments::program_id.eq(&program))
        .group_by(commitments::status)
        .select((commitments::status, count_star()))
        .load(conn)?;
    for (status, count) in rows {
        by_status.insert(status, count);
    }
    let rows: Vec<(String, String, i64)> = commitments::table
        .filter(commitments::program_id.eq(&program))
        .group_by((commitments::library_id, commitments::status))
        .select((commitments::library_id, commitments::status, count_star()))
        .load(conn)?;
    let library_ids: Vec<&String> = rows.iter().map(|(id, _, _)| id).collect();
    let names: BTreeMap<String, (String, String)> = libraries::table
        .filter(libraries::id.eq_any(&library_ids))
        .select((libraries::id, libraries::oclc_symbol, libraries::name))
        .load::<(String, String, String)>(conn)?
        .into_iter()
        .map(|(id, symbol, name)| (id, (symbol, name)))
        .collect();
    let mut per_library: BTreeMap<(String, String), LibraryCounts> = BTreeMap::new();
    for (library_id, status, count) in rows {
        let (oclc_symbol, name) = names.get(&library_id).cloned().unwrap_or_default();
        per_library
            .entry((oclc_symbol.clone(), library_id.clone()))
            .or_insert_with(|| LibraryCounts {
                library_id,
                oclc_symbol,
                name,
                by_status: Status::ALL
                    .iter()
                    .map(|s| (s.as_str().to_owned(), 0))
                    .collect(),
            })
            .by_status
            .insert(status, count);
    }
    let by_library: Vec<LibraryCounts> = per_library.into_values().collect();
    // Programs allocate in batches with few distinct end dates, so grouping by date stays small.
    let first_year = today.year();
    let horizon = NaiveDate::from_ymd_opt(first_year + YEARS_AHEAD, 1, 1).unwrap_or(NaiveDate::MAX);
    let ends: Vec<(Option<NaiveDate>, i64)> = commitments::table
        .filter(commitments::program_id.eq(&program))
        .filter(commitments::status.eq(Status::Active.as_str()))
        .filter(commitments::retention_end.ge(today))
        .filter(commitments::retention_end.lt(horizon))
        .group_by(commitments::retention_end)
        .select((commitments::retention_end, count_star()))
        .load(conn)?;
    let mut per_year: BTreeMap<i32, i64> = (first_year..first_year + YEARS_AHEAD)
        .map(|y| (y, 0))
        .collect();
    for (end, count) in ends {
        if let Some(end) = end {
            *per_year.entry(end.year()).or_default() += count;
        }
    }
    Ok(ProgramSummary {
        by_status,
        by_library,
        ending_by_year: per_year.into_iter().collect(),
    })
}
