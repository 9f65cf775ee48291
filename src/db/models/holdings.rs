//! A library's holdings set: loaded a batch at a time under a generation of its own, made current
//! in one short step, the old generation's rows then removed batch by batch. Readers join
//! `holdings_sets` to see only each library's current generation, so they never see half a load
//! and no transaction holds the writer lock for a whole file.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::titles::{self, TitleRow};
use crate::db::schema::{
    holdings, holdings_sets, libraries, program_members, titles as titles_table,
};
use crate::db::{now, Db, DbConnection, DbError};
use crate::domain::commitment::TitleFacts;
use crate::domain::holdings::Holding;

/// Rows removed per transaction when an old generation is cleared away.
const CLEAR_BATCH: i64 = 5_000;

/// A library's current holdings.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = holdings_sets)]
pub struct HoldingsSet {
    pub library_id: String,
    pub generation: i64,
    pub next_generation: i64,
    pub titles: i64,
    pub updated_at: Option<NaiveDateTime>,
}

/// The holdings set of `library_id`, if it ever had one.
pub fn set_of(conn: &mut DbConnection, library_id: &str) -> Result<Option<HoldingsSet>, DbError> {
    Ok(holdings_sets::table
        .find(library_id)
        .select(HoldingsSet::as_select())
        .first(conn)
        .optional()?)
}

/// Starts a load of `library_id`'s holdings: the generation its rows go under. Replacing writes a
/// new generation that readers do not see until [`publish`]; adding writes into the current one.
pub fn begin(conn: &mut DbConnection, library_id: &str, replace: bool) -> Result<i64, DbError> {
    let set = match set_of(conn, library_id)? {
        Some(set) => set,
        None => {
            diesel::insert_into(holdings_sets::table)
                .values((
                    holdings_sets::library_id.eq(library_id),
                    holdings_sets::generation.eq(0_i64),
                    holdings_sets::next_generation.eq(1_i64),
                    holdings_sets::titles.eq(0_i64),
                    holdings_sets::updated_at.eq(None::<NaiveDateTime>),
                ))
                .execute(conn)?;
            set_of(conn, library_id)?.ok_or(DbError::NotFound("holdings set"))?
        }
    };
    if !replace {
        return Ok(set.generation);
    }
    diesel::update(holdings_sets::table.find(library_id))
        .set(holdings_sets::next_generation.eq(set.next_generation + 1))
        .execute(conn)?;
    Ok(set.next_generation)
}

/// What storing a batch did.
#[derive(Debug, Default, Clone, Copy)]
pub struct Stored {
    pub new_titles: u64,
}

/// The title a holding names, as a new title would be described.
fn facts_of(holding: &Holding) -> TitleFacts {
    TitleFacts {
        oclc_number: holding.oclc_number,
        title: holding
            .title
            .clone()
            .unwrap_or_else(|| format!("[title not given: OCLC {}]", holding.oclc_number)),
        author: None,
        publisher: None,
        pub_year: None,
        isbn: holding.isbn.clone(),
        issn: holding.issn.clone(),
        format: holding.format_or_guess(),
        aliases: holding.aliases.clone(),
    }
}

/// Stores a batch of holdings of `library_id` under `generation`: titles found by their number or
/// a merged one, the unknown created, and each title held once.
///
/// A batch of a new generation (`unpublished`) is not seen by anyone until [`publish`]: on
/// PostgreSQL its commit does not wait for the WAL to reach the disk (a crash loses only a load that
/// was not made current; the publish commit, which waits, flushes every batch before it).
pub fn store_batch(
    conn: &mut DbConnection,
    library_id: &str,
    generation: i64,
    batch: &[Holding],
    unpublished: bool,
) -> Result<Stored, DbError> {
    if let (DbConnection::Postgres(_), true) = (&*conn, unpublished) {
        diesel::sql_query("SET LOCAL synchronous_commit TO OFF").execute(conn)?;
    }
    let numbers: Vec<i64> = batch
        .iter()
        .flat_map(|h| std::iter::once(h.oclc_number).chain(h.aliases.iter().copied()))
        .map(|n| n.value())
        .collect::<HashSet<i64>>()
        .into_iter()
        .collect();
    let mut known: HashMap<i64, TitleRow> = titles::resolve(conn, &numbers)?;
    let mut staged: Vec<String> = Vec::new();
    let mut created: Vec<TitleRow> = Vec::new();
    let mut aliases: Vec<(i64, String)> = Vec::new();
    let mut held: Vec<(String, &Holding)> = Vec::with_capacity(batch.len());
    for holding in batch {
        let found = std::iter::once(holding.oclc_number)
            .chain(holding.aliases.iter().copied())
            .find_map(|n| known.get(&n.value()).cloned());
        let facts = facts_of(holding);
        let title = match found {
            Some(title) => {
                if title.import_id.is_some() {
                    staged.push(title.id.clone());
                }
                title
            }
            None => {
                let row = titles::new_row(&facts);
                created.push(row.clone());
                row
            }
        };
        aliases.extend(titles::aliases_brought(&facts, &title));
        for n in std::iter::once(holding.oclc_number).chain(holding.aliases.iter().copied()) {
            known.entry(n.value()).or_insert_with(|| title.clone());
        }
        held.push((title.id, holding));
    }
    // A title a staging import created stays when the import is abandoned: a library holds it.
    titles::adopt(conn, staged)?;
    for chunk in created.chunks(crate::db::ROWS_PER_INSERT) {
        crate::insert_batch!(conn, titles_table::table, chunk);
    }
    titles::add_aliases(conn, &aliases, None)?;
    let ids: Vec<&String> = held.iter().map(|(id, _)| id).collect();
    let mut present: HashSet<String> = holdings::table
        .filter(holdings::library_id.eq(library_id))
        .filter(holdings::generation.eq(generation))
        .filter(holdings::title_id.eq_any(ids))
        .select(holdings::title_id)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    let rows: Vec<_> = held
        .into_iter()
        .filter(|(id, _)| present.insert(id.clone()))
        .map(|(id, h)| {
            (
                holdings::library_id.eq(library_id.to_owned()),
                holdings::generation.eq(generation),
                holdings::title_id.eq(id),
                holdings::shelving.eq(h.shelving.map(|s| s.as_str().to_owned())),
                holdings::local_bib_id.eq(h.local_bib_id.clone()),
            )
        })
        .collect();
    if !rows.is_empty() {
        crate::insert_batch!(conn, holdings::table, &rows);
    }
    Ok(Stored {
        new_titles: created.len() as u64,
    })
}

/// Makes `generation` the library's current holdings (a replacing load) or recounts the current
/// one (an adding load): the number of titles it holds now. A replacing load overtaken by a later
/// one that finished first is refused rather than put back over it.
pub fn publish(
    conn: &mut DbConnection,
    library_id: &str,
    generation: i64,
    replace: bool,
) -> Result<i64, DbError> {
    let titles: i64 = holdings::table
        .filter(holdings::library_id.eq(library_id))
        .filter(holdings::generation.eq(generation))
        .count()
        .get_result(conn)?;
    let set = holdings_sets::table.filter(holdings_sets::library_id.eq(library_id));
    let changed = if replace {
        diesel::update(set.filter(holdings_sets::generation.lt(generation)))
            .set((
                holdings_sets::generation.eq(generation),
                holdings_sets::titles.eq(titles),
                holdings_sets::updated_at.eq(Some(now())),
            ))
            .execute(conn)?
    } else {
        diesel::update(set.filter(holdings_sets::generation.eq(generation)))
            .set((
                holdings_sets::titles.eq(titles),
                holdings_sets::updated_at.eq(Some(now())),
            ))
            .execute(conn)?
    };
    if changed == 0 {
        return Err(DbError::Conflict {
            message: "another holdings load of this library finished first; load the file again"
                .into(),
            status: None,
            version: None,
        });
    }
    Ok(titles)
}

/// Removes the rows of generations older than the library's current one, a batch per transaction;
/// the rows removed. Rows of a newer generation belong to a load still running (or one that
/// died, cleared once a later load is published).
///
/// Each old generation is walked in title order from where the last batch stopped, so that no
/// batch reads again the index entries of the rows already removed (on PostgreSQL they stay in the
/// index until vacuumed, and a walk from the start of the range grew with every batch).
pub fn clear_old(db: &Db, library_id: &str) -> Result<u64, DbError> {
    let mut removed = 0;
    let mut at: Option<(i64, String)> = None;
    loop {
        let (n, next) = db.write_blocking(|conn| {
            let Some(set) = set_of(conn, library_id)? else {
                return Ok((0, None));
            };
            let old = holdings::table
                .filter(holdings::library_id.eq(library_id))
                .filter(holdings::generation.lt(set.generation));
            let (generation, after) = match &at {
                Some((generation, after)) => (*generation, after.clone()),
                None => match old
                    .select(diesel::dsl::min(holdings::generation))
                    .first::<Option<i64>>(conn)?
                {
                    Some(generation) => (generation, String::new()),
                    None => return Ok((0, None)),
                },
            };
            let titles: Vec<String> = old
                .filter(holdings::generation.eq(generation))
                .filter(holdings::title_id.gt(&after))
                .select(holdings::title_id)
                .order(holdings::title_id)
                .limit(CLEAR_BATCH)
                .load(conn)?;
            let Some(last) = titles.last().cloned() else {
                // This generation is gone; the next call starts on the oldest one left.
                return Ok((0, Some(None)));
            };
            let mut n = 0;
            for chunk in titles.chunks(1_000) {
                n += diesel::delete(
                    holdings::table
                        .filter(holdings::library_id.eq(library_id))
                        .filter(holdings::generation.eq(generation))
                        .filter(holdings::title_id.eq_any(chunk)),
                )
                .execute(conn)?;
            }
            Ok((n, Some(Some((generation, last)))))
        })?;
        match next {
            None => return Ok(removed),
            Some(next) => at = next,
        }
        removed += n as u64;
    }
}

/// A library holding a title: (library id, OCLC symbol, shelving).
pub type HolderRow = (String, String, Option<String>);

/// The current holdings generation of each member library of `program_id`.
pub fn current_generations(
    conn: &mut DbConnection,
    program_id: &str,
) -> Result<HashMap<String, i64>, DbError> {
    Ok(holdings_sets::table
        .inner_join(
            program_members::table.on(program_members::library_id.eq(holdings_sets::library_id)),
        )
        .filter(program_members::program_id.eq(program_id))
        .select((holdings_sets::library_id, holdings_sets::generation))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect())
}

/// The member libraries holding each of `title_ids` now, with their shelving; `current` is
/// [`current_generations`] of the program.
pub fn holders(
    conn: &mut DbConnection,
    current: &HashMap<String, i64>,
    title_ids: &[String],
) -> Result<HashMap<String, Vec<HolderRow>>, DbError> {
    let rows: Vec<(String, String, i64, String, Option<String>)> = holdings::table
        .inner_join(libraries::table)
        .filter(holdings::title_id.eq_any(title_ids))
        .select((
            holdings::title_id,
            holdings::library_id,
            holdings::generation,
            libraries::oclc_symbol,
            holdings::shelving,
        ))
        .load(conn)?;
    let mut by_title: HashMap<String, Vec<HolderRow>> = HashMap::new();
    for (title, library, generation, symbol, shelving) in rows {
        if current.get(&library) == Some(&generation) {
            by_title
                .entry(title)
                .or_default()
                .push((library, symbol, shelving));
        }
    }
    Ok(by_title)
}
