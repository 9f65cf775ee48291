//! Coverage of a program's titles: for each title a member library holds or the program keeps,
//! how many libraries hold it, how many keep it (`active` and `release_requested` commitments)
//! and how many are proposed. Always read from the tables themselves, so the next read after any
//! action, import or holdings load reflects it.
//!
//! One aggregate over the program's holdings and live commitments, written in SQL (a `UNION ALL`
//! grouped by title, which diesel's builder does not express); the state of a title is the
//! domain's rule ([`CoverageState::of`]) applied to its count of committed copies.

use std::collections::{BTreeMap, HashMap};

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use uuid::Uuid;

use super::programs::ProgramRow;
use super::staging;
use crate::db::schema::{holdings, holdings_sets, libraries, program_members};
use crate::db::{DbConnection, DbError};
use crate::domain::holdings::CoverageState;

/// Each title of the program with its counts; `?` binds, in order: the library whose titles are
/// marked `mine` (holdings), the program (holdings), the same library (commitments), the program.
fn per_title(conn: &mut DbConnection) -> Result<String, DbError> {
    let shown = staging::hiding_sql(conn, "c")?
        .map(|condition| format!(" AND {condition}"))
        .unwrap_or_default();
    Ok(format!(
        "SELECT u.title_id AS title_id, SUM(u.held) AS held, SUM(u.committed) AS committed,
                SUM(u.proposed) AS proposed, SUM(u.mine) AS mine
           FROM (SELECT h.title_id AS title_id, 1 AS held, 0 AS committed, 0 AS proposed,
                        CASE WHEN h.library_id = ? THEN 1 ELSE 0 END AS mine
                   FROM holdings h
                   JOIN holdings_sets s ON s.library_id = h.library_id AND s.generation = h.generation
                   JOIN program_members m ON m.library_id = h.library_id
                  WHERE m.program_id = ?
                 UNION ALL
                 SELECT c.title_id, 0,
                        CASE WHEN c.status = 'proposed' THEN 0 ELSE 1 END,
                        CASE WHEN c.status = 'proposed' THEN 1 ELSE 0 END,
                        CASE WHEN c.library_id = ? AND c.status <> 'proposed' THEN 1 ELSE 0 END
                   FROM commitments c
                  WHERE c.program_id = ?
                    AND c.status IN ('proposed', 'active', 'release_requested'){shown}) u
          GROUP BY u.title_id
         HAVING SUM(u.held) > 0 OR SUM(u.committed) > 0"
    ))
}

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

#[derive(QueryableByName)]
struct CommittedCount {
    #[diesel(sql_type = BigInt)]
    committed: i64,
    #[diesel(sql_type = BigInt)]
    titles: i64,
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
    let target = i64::from(program.target_copies);
    let sql = format!(
        "SELECT x.committed AS committed, COUNT(*) AS titles FROM ({}) x GROUP BY x.committed",
        per_title(conn)?
    );
    let counts: Vec<CommittedCount> = diesel::sql_query(numbered(conn, &sql))
        .bind::<Text, _>("")
        .bind::<Text, _>(&program.id)
        .bind::<Text, _>("")
        .bind::<Text, _>(&program.id)
        .load(conn)?;
    let mut by_state: BTreeMap<CoverageState, i64> =
        CoverageState::ALL.into_iter().map(|s| (s, 0)).collect();
    for count in &counts {
        *by_state
            .entry(CoverageState::of(count.committed, target))
            .or_default() += count.titles;
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
    let committed = committed_by_library(conn, &program.id)?;
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

/// Kept commitments of the program by library.
fn committed_by_library(
    conn: &mut DbConnection,
    program_id: &str,
) -> Result<HashMap<String, i64>, DbError> {
    use crate::db::schema::commitments;
    use diesel::dsl::count_star;
    let mut query = commitments::table
        .filter(commitments::program_id.eq(program_id))
        .filter(commitments::status.eq_any(["active", "release_requested"]))
        .group_by(commitments::library_id)
        .select((commitments::library_id, count_star()))
        .into_boxed();
    if let Some(shown) = staging::hiding(conn, "commitments")? {
        query = query.filter(shown);
    }
    Ok(query.load::<(String, i64)>(conn)?.into_iter().collect())
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
}

/// The committed counts a state covers, as an inclusive range.
fn committed_range(state: Option<CoverageState>, target: i64) -> (i64, i64) {
    match state {
        None => (0, i64::MAX),
        Some(CoverageState::Unretained) => (0, 0),
        Some(CoverageState::AtRisk) => (1, target - 1),
        Some(CoverageState::Met) => (target, target),
        Some(CoverageState::OverRetained) => (target + 1, i64::MAX),
    }
}

/// Up to `limit` titles of `program` passing `filter`, in OCLC number order.
pub fn list(
    conn: &mut DbConnection,
    program: &ProgramRow,
    filter: &CoverageFilter,
    limit: i64,
) -> Result<Vec<CoverageItem>, DbError> {
    let target = i64::from(program.target_copies);
    let (low, high) = committed_range(filter.state, target);
    let library = filter.library_id.map(|l| l.to_string()).unwrap_or_default();
    let sql = format!(
        "SELECT x.title_id AS title_id, t.oclc_number AS oclc_number, t.title AS title,
                t.format AS format, x.committed AS committed, x.proposed AS proposed
           FROM ({}) x
           JOIN titles t ON t.id = x.title_id
          WHERE x.committed BETWEEN ? AND ? AND (? = '' OR x.mine > 0) AND t.oclc_number > ?
          ORDER BY t.oclc_number
          LIMIT ?",
        per_title(conn)?
    );
    let rows: Vec<ItemRow> = diesel::sql_query(numbered(conn, &sql))
        .bind::<Text, _>(&library)
        .bind::<Text, _>(&program.id)
        .bind::<Text, _>(&library)
        .bind::<Text, _>(&program.id)
        .bind::<BigInt, _>(low)
        .bind::<BigInt, _>(high)
        .bind::<Text, _>(&library)
        .bind::<BigInt, _>(filter.after.unwrap_or(0))
        .bind::<BigInt, _>(limit)
        .load(conn)?;
    let mut held_by = holders(conn, &program.id, rows.iter().map(|r| r.title_id.as_str()))?;
    Ok(rows
        .into_iter()
        .map(|row| CoverageItem {
            held_by: held_by.remove(&row.title_id).unwrap_or_default(),
            state: CoverageState::of(row.committed, target),
            title_id: row.title_id,
            oclc_number: row.oclc_number,
            title: row.title,
            format: row.format,
            committed: row.committed,
            proposed: row.proposed,
        })
        .collect())
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
    let target = i64::from(program.target_copies);
    let low = if unretained { 0 } else { 1 };
    let high = if at_risk { target - 1 } else { 0 };
    let sql = format!(
        "SELECT x.title_id AS title_id, t.oclc_number AS oclc_number, x.committed AS committed
           FROM ({}) x
           JOIN titles t ON t.id = x.title_id
          WHERE x.committed BETWEEN ? AND ?
          ORDER BY t.oclc_number",
        per_title(conn)?
    );
    let rows: Vec<ShortRow> = diesel::sql_query(numbered(conn, &sql))
        .bind::<Text, _>("")
        .bind::<Text, _>(&program.id)
        .bind::<Text, _>("")
        .bind::<Text, _>(&program.id)
        .bind::<BigInt, _>(low)
        .bind::<BigInt, _>(high)
        .load(conn)?;
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
    let ids: Vec<&str> = title_ids.collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let current: HashMap<String, i64> = holdings_sets::table
        .inner_join(
            program_members::table.on(program_members::library_id.eq(holdings_sets::library_id)),
        )
        .filter(program_members::program_id.eq(program_id))
        .select((holdings_sets::library_id, holdings_sets::generation))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect();
    let rows: Vec<(String, String, i64, String)> = holdings::table
        .inner_join(libraries::table)
        .filter(holdings::title_id.eq_any(&ids))
        .select((
            holdings::title_id,
            holdings::library_id,
            holdings::generation,
            libraries::oclc_symbol,
        ))
        .load(conn)?;
    let mut by_title: HashMap<String, Vec<String>> = HashMap::new();
    for (title, library, generation, symbol) in rows {
        if current.get(&library) == Some(&generation) {
            by_title.entry(title).or_default().push(symbol);
        }
    }
    for symbols in by_title.values_mut() {
        symbols.sort();
    }
    Ok(by_title)
}
