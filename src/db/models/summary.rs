//! Counts for a program's dashboard: by status, by library and status, and the coming expiry wave.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use diesel::dsl::count_star;
use diesel::prelude::*;
use uuid::Uuid;

use super::staging;
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

/// Whose commitments a count covers: some programs (`None`: all), and perhaps one library.
#[derive(Debug, Clone, Default)]
pub struct CountScope {
    pub programs: Option<Vec<Uuid>>,
    pub library: Option<Uuid>,
}

impl CountScope {
    pub fn program(program_id: Uuid) -> Self {
        Self {
            programs: Some(vec![program_id]),
            library: None,
        }
    }
}

/// Narrows a boxed query on `commitments` to `scope`, leaving out what staging imports hide.
macro_rules! in_scope {
    ($conn:expr, $query:expr, $scope:expr) => {{
        let mut query = $query;
        if let Some(shown) = staging::hiding($conn, "commitments")? {
            query = query.filter(shown);
        }
        if let Some(programs) = &$scope.programs {
            let ids: Vec<String> = programs.iter().map(Uuid::to_string).collect();
            query = query.filter(commitments::program_id.eq_any(ids));
        }
        if let Some(library) = $scope.library {
            query = query.filter(commitments::library_id.eq(library.to_string()));
        }
        query
    }};
}

/// Commitments in `scope` by status, every status present (0 when none).
pub fn by_status(
    conn: &mut DbConnection,
    scope: &CountScope,
) -> Result<BTreeMap<String, i64>, DbError> {
    let mut by_status: BTreeMap<String, i64> = Status::ALL
        .iter()
        .map(|s| (s.as_str().to_owned(), 0))
        .collect();
    let query = in_scope!(
        conn,
        commitments::table
            .group_by(commitments::status)
            .select((commitments::status, count_star()))
            .into_boxed(),
        scope
    );
    for (status, count) in query.load::<(String, i64)>(conn)? {
        by_status.insert(status, count);
    }
    Ok(by_status)
}

/// Active commitments in `scope` ending in each of this year and the next 29 (from `today`).
pub fn ending_by_year(
    conn: &mut DbConnection,
    scope: &CountScope,
    today: NaiveDate,
) -> Result<Vec<(i32, i64)>, DbError> {
    // Programs allocate in batches with few distinct end dates, so grouping by date stays small.
    let first_year = today.year();
    let horizon = NaiveDate::from_ymd_opt(first_year + YEARS_AHEAD, 1, 1).unwrap_or(NaiveDate::MAX);
    let query = in_scope!(
        conn,
        commitments::table
            .filter(commitments::status.eq(Status::Active.as_str()))
            .filter(commitments::retention_end.ge(today))
            .filter(commitments::retention_end.lt(horizon))
            .group_by(commitments::retention_end)
            .select((commitments::retention_end, count_star()))
            .into_boxed(),
        scope
    );
    let ends: Vec<(Option<NaiveDate>, i64)> = query.load(conn)?;
    let mut per_year: BTreeMap<i32, i64> = (first_year..first_year + YEARS_AHEAD)
        .map(|y| (y, 0))
        .collect();
    for (end, count) in ends {
        if let Some(end) = end {
            *per_year.entry(end.year()).or_default() += count;
        }
    }
    Ok(per_year.into_iter().collect())
}

pub fn program_summary(
    conn: &mut DbConnection,
    program_id: Uuid,
    today: NaiveDate,
) -> Result<ProgramSummary, DbError> {
    let program = program_id.to_string();
    let scope = CountScope::program(program_id);
    let by_status = by_status(conn, &scope)?;
    let mut query = commitments::table
        .filter(commitments::program_id.eq(&program))
        .group_by((commitments::library_id, commitments::status))
        .select((commitments::library_id, commitments::status, count_star()))
        .into_boxed();
    if let Some(shown) = staging::hiding(conn, "commitments")? {
        query = query.filter(shown);
    }
    let rows: Vec<(String, String, i64)> = query.load(conn)?;
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
    Ok(ProgramSummary {
        by_status,
        by_library: per_library.into_values().collect(),
        ending_by_year: ending_by_year(conn, &scope, today)?,
    })
}
