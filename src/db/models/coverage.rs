//! Coverage of a program's titles: for each title a member library holds or the program keeps,
//! how many libraries hold it, how many keep it (`active` and `release_requested` commitments)
//! and how many are proposed.
//!
//! Read from the counts the database keeps in the transaction of every change (the `coverage`,
//! `coverage_states` and `coverage_libraries` tables, written only by the triggers of migration
//! `2026-12-02-000006_coverage_counts`), so the next read after any action, import, expiry or
//! holdings load reflects it and a summary reads a few rows whatever the program's size. A
//! title's `state` there is the domain's rule ([`CoverageState::of`]) written in SQL; these
//! reads turn it back into the domain's type.

use std::collections::{BTreeMap, HashMap};

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use uuid::Uuid;

use super::programs::ProgramRow;
use super::staging;
use crate::db::schema::{holdings_sets, libraries, program_members};
use crate::db::{DbConnection, DbError};
use crate::domain::holdings::CoverageState;

/// `?` placeholders as the connection's backend writes them (`$1`, `$2`, … on PostgreSQL).
fn numbered(conn: &DbConnection, sql: &str) -> String {
    match conn {
        DbConnection::Sqlite(_) => sql.to_owned(),
        DbConnection::Postgres(_) => {
            let mut out = String::with_capacity(sql.len() + 16);
            let mut n = 0;
            for c in sql.chars() {
                if c == '?' {
                    n += 1;
                    out.push_str(&format!("${n}"));
                } else {
                    out.push(c);
                }
            }
            out
        }
    }
}

/// A title's state as the counts table writes it.
fn state_of(text: &str) -> Result<CoverageState, DbError> {
    CoverageState::parse(text)
        .map_err(|_| DbError::Corrupt(format!("coverage holds an unknown state {text:?}")))
}

#[derive(QueryableByName)]
struct StateCount {
    #[diesel(sql_type = Text)]
    state: String,
    #[diesel(sql_type = BigInt)]
    titles: i64,
}

#[derive(QueryableByName)]
struct LibraryCount {
    #[diesel(sql_type = Text)]
    library_id: String,
    #[diesel(sql_type = BigInt)]
    committed: i64,
}

/// One member library's part in the program's coverage.
#[derive(Debug, Clone)]
pub struct LibraryCoverage {
    pub library_id: String,
    pub oclc_symbol: String,
    pub name: String,
    /// Titles it holds (its whole holdings set).
    pub held: i64,
    /// Its commitments in the program that keep a copy.
    pub committed: i64,
}

#[derive(Debug, Clone)]
pub struct CoverageSummary {
    /// Titles in each state, every state present.
    pub by_state: BTreeMap<CoverageState, i64>,
    pub titles: i64,
    pub by_library: Vec<LibraryCoverage>,
}

/// Titles of `program` by state, and each member library's holdings and kept commitments.
pub fn summary(conn: &mut DbConnection, program: &ProgramRow) -> Result<CoverageSummary, DbError> {
    let counts: Vec<StateCount> = diesel::sql_query(numbered(
        conn,
        "SELECT state, titles FROM coverage_states WHERE program_id = ?",
    ))
    .bind::<Text, _>(&program.id)
    .load(conn)?;
    let mut by_state: BTreeMap<CoverageState, i64> =
        CoverageState::ALL.into_iter().map(|s| (s, 0)).collect();
    for count in &counts {
        *by_state.entry(state_of(&count.state)?).or_default() += count.titles;
    }
    let members: Vec<(String, String, String)> = program_members::table
        .inner_join(libraries::table)
        .filter(program_members::program_id.eq(&program.id))
        .select((libraries::id, libraries::oclc_symbol, libraries::name))
        .order(libraries::oclc_symbol)
        .load(conn)?;
    let ids: Vec<&String> = members.iter().map(|(id, _, _)| id).collect();
    let held: HashMap<String, i64> = holdings_sets::table
        .filter(holdings_sets::library_id.eq_any(&ids))
        .select((holdings_sets::library_id, holdings_sets::titles))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect();
    let committed: HashMap<String, i64> = diesel::sql_query(numbered(
        conn,
        "SELECT library_id, committed FROM coverage_libraries WHERE program_id = ?",
    ))
    .bind::<Text, _>(&program.id)
    .load::<LibraryCount>(conn)?
    .into_iter()
    .map(|row| (row.library_id, row.committed))
    .collect();
    Ok(CoverageSummary {
        titles: by_state.values().sum(),
        by_state,
        by_library: members
            .into_iter()
            .map(|(id, oclc_symbol, name)| LibraryCoverage {
                held: held.get(&id).copied().unwrap_or(0),
                committed: committed.get(&id).copied().unwrap_or(0),
                library_id: id,
                oclc_symbol,
                name,
            })
            .collect(),
    })
}

/// Which of a program's titles a list shows.
#[derive(Debug, Clone, Default)]
pub struct CoverageFilter {
    pub state: Option<CoverageState>,
    /// Only titles this library holds or keeps.
    pub library_id: Option<Uuid>,
    /// Titles after this OCLC number (the keyset).
    pub after: Option<i64>,
}

/// One title of a coverage list.
#[derive(Debug, Clone)]
pub struct CoverageItem {
    pub title_id: String,
    pub oclc_number: i64,
    pub title: String,
    pub format: String,
    /// OCLC symbols of the member libraries holding it, in order.
    pub held_by: Vec<String>,
    pub committed: i64,
    pub proposed: i64,
    pub state: CoverageState,
}

#[derive(QueryableByName)]
struct ItemRow {
    #[diesel(sql_type = Text)]
    title_id: String,
    #[diesel(sql_type = BigInt)]
    oclc_number: i64,
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = Text)]
    format: String,
    #[diesel(sql_type = BigInt)]
    committed: i64,
    #[diesel(sql_type = BigInt)]
    proposed: i64,
    #[diesel(sql_type = Text)]
    state: String,
}

/// The condition that keeps a title `c` the library bound twice (`?`) holds as a member of the
/// program, or keeps a copy of in it. The live statuses are spelled as the partial unique index
/// on live commitments states them, so that SQLite, without statistics, finds the commitment by
/// (program, library, title) rather than walking all the library's commitments.
fn library_condition(conn: &mut DbConnection) -> Result<String, DbError> {
    let shown = staging::hiding_sql(conn, "k")?
        .map(|condition| format!(" AND {condition}"))
        .unwrap_or_default();
    Ok(format!(
        " AND (EXISTS (SELECT 1 FROM holdings h
                         JOIN holdings_sets s
                           ON s.library_id = h.library_id AND s.generation = h.generation
                         JOIN program_members m
                           ON m.library_id = h.library_id AND m.program_id = c.program_id
                        WHERE h.library_id = ? AND h.title_id = c.title_id)
               OR EXISTS (SELECT 1 FROM commitments k
                           WHERE k.program_id = c.program_id AND k.library_id = ?
                             AND k.title_id = c.title_id
                             AND k.status IN ('proposed', 'active', 'release_requested')
                             AND k.status <> 'proposed'{shown}))"
    ))
}

/// Up to `limit` titles of `program` passing `filter`, in OCLC number order: a walk of the
/// counts table's index on (program, state, OCLC number) from the keyset on.
pub fn list(
    conn: &mut DbConnection,
    program: &ProgramRow,
    filter: &CoverageFilter,
    limit: i64,
) -> Result<Vec<CoverageItem>, DbError> {
    let state = match filter.state {
        Some(_) => "c.state = ?",
        None => "c.state IS NOT NULL",
    };
    let library = match filter.library_id {
        Some(_) => library_condition(conn)?,
        None => String::new(),
    };
    let sql = format!(
        "SELECT c.title_id AS title_id, c.oclc_number AS oclc_number, t.title AS title,
                t.format AS format, CAST(c.committed AS BIGINT) AS committed,
                CAST(c.proposed AS BIGINT) AS proposed, c.state AS state
           FROM coverage c
           JOIN titles t ON t.id = c.title_id
          WHERE c.program_id = ? AND {state} AND c.oclc_number > ?{library}
          ORDER BY c.oclc_number
          LIMIT ?"
    );
    let sql = numbered(conn, &sql);
    let after = filter.after.unwrap_or(0);
    let rows: Vec<ItemRow> = match (filter.state, filter.library_id) {
        (Some(s), Some(l)) => diesel::sql_query(sql)
            .bind::<Text, _>(&program.id)
            .bind::<Text, _>(s.as_str())
            .bind::<BigInt, _>(after)
            .bind::<Text, _>(l.to_string())
            .bind::<Text, _>(l.to_string())
            .bind::<BigInt, _>(limit)
            .load(conn)?,
        (Some(s), None) => diesel::sql_query(sql)
            .bind::<Text, _>(&program.id)
            .bind::<Text, _>(s.as_str())
            .bind::<BigInt, _>(after)
            .bind::<BigInt, _>(limit)
            .load(conn)?,
        (None, Some(l)) => diesel::sql_query(sql)
            .bind::<Text, _>(&program.id)
            .bind::<BigInt, _>(after)
            .bind::<Text, _>(l.to_string())
            .bind::<Text, _>(l.to_string())
            .bind::<BigInt, _>(limit)
            .load(conn)?,
        (None, None) => diesel::sql_query(sql)
            .bind::<Text, _>(&program.id)
            .bind::<BigInt, _>(after)
            .bind::<BigInt, _>(limit)
            .load(conn)?,
    };
    let mut held_by = holders(conn, &program.id, rows.iter().map(|r| r.title_id.as_str()))?;
    rows.into_iter()
        .map(|row| {
            Ok(CoverageItem {
                held_by: held_by.remove(&row.title_id).unwrap_or_default(),
                state: state_of(&row.state)?,
                title_id: row.title_id,
                oclc_number: row.oclc_number,
                title: row.title,
                format: row.format,
                committed: row.committed,
                proposed: row.proposed,
            })
        })
        .collect()
}

#[derive(QueryableByName)]
struct ShortRow {
    #[diesel(sql_type = Text)]
    title_id: String,
    #[diesel(sql_type = BigInt)]
    oclc_number: i64,
    #[diesel(sql_type = BigInt)]
    committed: i64,
}

/// A title of the program with fewer kept copies than its target.
#[derive(Debug, Clone)]
pub struct Short {
    pub title_id: String,
    pub oclc_number: i64,
    pub committed: i64,
}

/// The program's titles in `states` (unretained and/or at risk), in OCLC number order.
pub fn short_titles(
    conn: &mut DbConnection,
    program: &ProgramRow,
    unretained: bool,
    at_risk: bool,
) -> Result<Vec<Short>, DbError> {
    let states = [
        (unretained, CoverageState::Unretained),
        (at_risk, CoverageState::AtRisk),
    ];
    let mut rows: Vec<ShortRow> = Vec::new();
    for (wanted, state) in states {
        if wanted {
            rows.extend(
                diesel::sql_query(numbered(
                    conn,
                    "SELECT title_id, oclc_number, CAST(committed AS BIGINT) AS committed
                       FROM coverage
                      WHERE program_id = ? AND state = ?
                      ORDER BY oclc_number",
                ))
                .bind::<Text, _>(&program.id)
                .bind::<Text, _>(state.as_str())
                .load::<ShortRow>(conn)?,
            );
        }
    }
    rows.sort_by_key(|r| r.oclc_number);
    Ok(rows
        .into_iter()
        .map(|r| Short {
            title_id: r.title_id,
            oclc_number: r.oclc_number,
            committed: r.committed,
        })
        .collect())
}

/// The member libraries of `program_id` that hold each of `title_ids` now: title → OCLC symbols.
pub fn holders<'a>(
    conn: &mut DbConnection,
    program_id: &str,
    title_ids: impl Iterator<Item = &'a str>,
) -> Result<HashMap<String, Vec<String>>, DbError> {
    let ids: Vec<String> = title_ids.map(str::to_owned).collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let current = super::holdings::current_generations(conn, program_id)?;
    Ok(super::holdings::holders(conn, &current, &ids)?
        .into_iter()
        .map(|(title, holders)| {
            let mut symbols: Vec<String> =
                holders.into_iter().map(|(_, symbol, _)| symbol).collect();
            symbols.sort();
            (title, symbols)
        })
        .collect())
}
