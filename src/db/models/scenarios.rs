//! Allocation scenarios as stored: the rules and counts, and the allocations themselves, read in
//! keyset pages by (OCLC number, library). What a scenario computes is in `crate::analysis`.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;
use uuid::Uuid;

use super::staging;
use crate::db::schema::{
    commitments, holdings_sets, libraries, scenario_allocations, scenarios, titles,
};
use crate::db::{DbConnection, DbError};

pub const DRAFT: &str = "draft";
pub const APPLIED: &str = "applied";

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = scenarios)]
pub struct ScenarioRow {
    pub id: String,
    pub program_id: String,
    pub name: String,
    pub status: String,
    /// The rules as the request gave them (JSON).
    pub rules: String,
    pub allocations: i64,
    pub titles_left_short: i64,
    pub created_by: Option<String>,
    pub created_at: NaiveDateTime,
    pub applied_at: Option<NaiveDateTime>,
    /// False while its allocations are being written: nobody sees it yet.
    pub ready: bool,
}

/// The libraries with a live commitment (proposed, active, release requested) on each title in the
/// program.
pub fn live_libraries(
    conn: &mut DbConnection,
    program_id: &str,
    title_ids: &[String],
) -> Result<HashMap<String, HashSet<String>>, DbError> {
    // Only `title_id` is asked of the database (its index); status and program are checked here.
    let mut query = commitments::table
        .filter(commitments::title_id.eq_any(title_ids))
        .select((
            commitments::title_id,
            commitments::program_id,
            commitments::library_id,
            commitments::status,
        ))
        .into_boxed();
    if let Some(shown) = staging::hiding(conn, "commitments")? {
        query = query.filter(shown);
    }
    let mut live: HashMap<String, HashSet<String>> = HashMap::new();
    for (title, program, library, status) in query.load::<(String, String, String, String)>(conn)? {
        let is_live = matches!(status.as_str(), "proposed" | "active" | "release_requested");
        if is_live && program == program_id {
            live.entry(title).or_default().insert(library);
        }
    }
    Ok(live)
}

/// How many titles each library holds.
pub fn holdings_counts(conn: &mut DbConnection) -> Result<HashMap<String, i64>, DbError> {
    Ok(holdings_sets::table
        .select((holdings_sets::library_id, holdings_sets::titles))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect())
}

/// One allocation: (OCLC number, title id, library id).
pub type Allocation = (i64, String, String);

/// Stores a scenario (hidden until [`reveal`] when `row.ready` is false).
pub fn insert(conn: &mut DbConnection, row: &ScenarioRow) -> Result<(), DbError> {
    diesel::insert_into(scenarios::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Stores allocations of scenario `scenario_id`.
pub fn insert_allocations(
    conn: &mut DbConnection,
    scenario_id: &str,
    allocations: &[Allocation],
) -> Result<(), DbError> {
    for chunk in allocations.chunks(1_000) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|(oclc, title, library)| {
                (
                    scenario_allocations::scenario_id.eq(scenario_id),
                    scenario_allocations::oclc_number.eq(*oclc),
                    scenario_allocations::title_id.eq(title.as_str()),
                    scenario_allocations::library_id.eq(library.as_str()),
                )
            })
            .collect();
        crate::insert_batch!(conn, scenario_allocations::table, &rows);
    }
    Ok(())
}

/// Shows a scenario whose allocations are all written.
pub fn reveal(conn: &mut DbConnection, id: &str) -> Result<(), DbError> {
    diesel::update(scenarios::table.find(id))
        .set(scenarios::ready.eq(true))
        .execute(conn)?;
    Ok(())
}

/// Scenarios of `program_id` still unready since before `before`: runs that died.
pub fn abandoned(
    conn: &mut DbConnection,
    program_id: &str,
    before: NaiveDateTime,
) -> Result<Vec<String>, DbError> {
    Ok(scenarios::table
        .filter(scenarios::program_id.eq(program_id))
        .filter(scenarios::ready.eq(false))
        .filter(scenarios::created_at.lt(before))
        .select(scenarios::id)
        .load(conn)?)
}

/// Deletes up to `limit` allocations of scenario `id`; how many went.
pub fn delete_allocations(conn: &mut DbConnection, id: &str, limit: i64) -> Result<usize, DbError> {
    let batch: Vec<(i64, String)> = scenario_allocations::table
        .filter(scenario_allocations::scenario_id.eq(id))
        .select((
            scenario_allocations::oclc_number,
            scenario_allocations::library_id,
        ))
        .order((
            scenario_allocations::oclc_number,
            scenario_allocations::library_id,
        ))
        .limit(limit)
        .load(conn)?;
    let Some((last_oclc, last_library)) = batch.last().cloned() else {
        return Ok(0);
    };
    let in_batch =
        scenario_allocations::oclc_number
            .lt(last_oclc)
            .or(scenario_allocations::oclc_number
                .eq(last_oclc)
                .and(scenario_allocations::library_id.le(last_library)));
    Ok(diesel::delete(
        scenario_allocations::table
            .filter(scenario_allocations::scenario_id.eq(id))
            .filter(in_batch),
    )
    .execute(conn)?)
}

/// Deletes an unready scenario whose allocations are gone.
pub fn delete_unready(conn: &mut DbConnection, id: &str) -> Result<(), DbError> {
    diesel::delete(scenarios::table.find(id).filter(scenarios::ready.eq(false))).execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> Result<ScenarioRow, DbError> {
    scenarios::table
        .find(id.to_string())
        .filter(scenarios::ready.eq(true))
        .select(ScenarioRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(DbError::NotFound("scenario"))
}

/// The scenarios of a program, newest first.
pub fn of_program(conn: &mut DbConnection, program_id: &str) -> Result<Vec<ScenarioRow>, DbError> {
    Ok(scenarios::table
        .filter(scenarios::program_id.eq(program_id))
        .filter(scenarios::ready.eq(true))
        .select(ScenarioRow::as_select())
        .order(scenarios::id.desc())
        .limit(200)
        .load(conn)?)
}

/// Allocations per library: (library id, OCLC symbol, count), by symbol.
pub fn by_library(
    conn: &mut DbConnection,
    scenario_id: &str,
) -> Result<Vec<(String, String, i64)>, DbError> {
    Ok(scenario_allocations::table
        .inner_join(libraries::table)
        .filter(scenario_allocations::scenario_id.eq(scenario_id))
        .group_by((libraries::id, libraries::oclc_symbol))
        .select((libraries::id, libraries::oclc_symbol, count_star()))
        .order(libraries::oclc_symbol)
        .load(conn)?)
}

/// One allocation as listed.
#[derive(Debug, Clone, Queryable)]
pub struct AllocationRow {
    pub oclc_number: i64,
    pub title_id: String,
    pub title: String,
    pub library_id: String,
    pub oclc_symbol: String,
}

/// Up to `limit` allocations after the key (OCLC number, library id), in that order.
pub fn allocations(
    conn: &mut DbConnection,
    scenario_id: &str,
    after: Option<(i64, String)>,
    limit: i64,
) -> Result<Vec<AllocationRow>, DbError> {
    let mut query = scenario_allocations::table
        .inner_join(titles::table)
        .inner_join(libraries::table)
        .filter(scenario_allocations::scenario_id.eq(scenario_id))
        .select((
            scenario_allocations::oclc_number,
            scenario_allocations::title_id,
            titles::title,
            scenario_allocations::library_id,
            libraries::oclc_symbol,
        ))
        .order((
            scenario_allocations::oclc_number,
            scenario_allocations::library_id,
        ))
        .limit(limit)
        .into_boxed();
    if let Some((oclc, library)) = after {
        query = query.filter(
            scenario_allocations::oclc_number
                .gt(oclc)
                .or(scenario_allocations::oclc_number
                    .eq(oclc)
                    .and(scenario_allocations::library_id.gt(library))),
        );
    }
    Ok(query.load(conn)?)
}

/// Hides a draft scenario, to be removed by [`delete_allocations`] and [`delete_unready`]; a
/// scenario already applied is kept (409).
pub fn hide_draft(conn: &mut DbConnection, id: &str) -> Result<(), DbError> {
    let status: String = scenarios::table
        .find(id)
        .filter(scenarios::ready.eq(true))
        .select(scenarios::status)
        .first(conn)
        .optional()?
        .ok_or(DbError::NotFound("scenario"))?;
    if status != DRAFT {
        return Err(not_draft(&status));
    }
    diesel::update(scenarios::table.find(id))
        .set(scenarios::ready.eq(false))
        .execute(conn)?;
    Ok(())
}

pub fn not_draft(status: &str) -> DbError {
    DbError::Conflict {
        message: format!("the scenario is {status}: only a draft may be deleted or applied"),
        status: Some(status.to_owned()),
        version: None,
    }
}

/// Marks a draft applied; false when it was no longer a draft.
pub fn mark_applied(conn: &mut DbConnection, id: &str, at: NaiveDateTime) -> Result<bool, DbError> {
    Ok(diesel::update(
        scenarios::table
            .find(id)
            .filter(scenarios::status.eq(DRAFT))
            .filter(scenarios::ready.eq(true)),
    )
    .set((
        scenarios::status.eq(APPLIED),
        scenarios::applied_at.eq(Some(at)),
    ))
    .execute(conn)?
        == 1)
}
