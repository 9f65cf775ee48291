//! Proposals by the thousand, for bulk imports.
//!
//! Storing rows one at a time costs several round trips each (program, library, membership,
//! title, duplicate, two inserts), which on a networked PostgreSQL bounds an import at a few
//! hundred rows a second. Here the program, library and membership are checked once per import
//! ([`Target`]), titles and live duplicates are read for a whole batch with `IN` lists, and new
//! titles and commitments go in with one statement each (`insert_batch!`: a `COPY` on PostgreSQL,
//! a multi-row `INSERT` on SQLite). The rules are those of
//! [`super::commitments::propose`]; the audit events are handed back for the caller to append.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use uuid::Uuid;

use super::commitments::{self, CommitmentRow};
use super::libraries::{self, LibraryRow};
use super::programs::{self, ProgramRow};
use super::titles::{self, TitleRow};
use crate::db::audit::NewEvent;
use crate::db::schema::{commitments as commitments_table, titles as titles_table};
use crate::db::{DbConnection, DbError};
use crate::domain::commitment::{NewCommitment, Status};
use crate::domain::workflow;
use crate::domain::{Actor, FieldError, ValidationErrors};

/// The program and library an import writes to, checked for the actor: only [`Target::check`]
/// makes one.
pub struct Target {
    pub program: ProgramRow,
    pub library: LibraryRow,
    program_id: Uuid,
    library_id: Uuid,
}

impl Target {
    /// Finds the program and library and checks that `actor` may propose there and that the
    /// library is a member.
    pub fn check(
        conn: &mut DbConnection,
        actor: &Actor,
        program_id: Uuid,
        library_id: Uuid,
    ) -> Result<Target, DbError> {
        // Ids given with the file, like a proposal's fields: one naming nothing is a 422 on its field.
        let program =
            commitments::absent_as_none(programs::find(conn, program_id))?.ok_or_else(|| {
                ValidationErrors::one("program_id", format!("no program has id {program_id}"))
            })?;
        let library =
            commitments::absent_as_none(libraries::find(conn, library_id))?.ok_or_else(|| {
                ValidationErrors::one("library_id", format!("no library has id {library_id}"))
            })?;
        workflow::may_propose(actor, program_id, library_id)?;
        commitments::require_member(conn, &program, &library, "library_id")?;
        Ok(Target {
            program,
            library,
            program_id,
            library_id,
        })
    }

    pub fn program_id(&self) -> Uuid {
        self.program_id
    }

    pub fn library_id(&self) -> Uuid {
        self.library_id
    }
}

/// What became of one proposal of a batch.
pub enum Proposed {
    /// Stored; its audit event is still to be appended.
    Stored(NewEvent),
    /// A live commitment (stored before, or earlier in this batch) already holds it.
    Duplicate,
    Rejected(Vec<FieldError>),
}

/// The titles with these OCLC numbers (their own, or merged into them), by number.
pub fn titles_by_oclc(
    conn: &mut DbConnection,
    numbers: &[i64],
) -> Result<HashMap<i64, TitleRow>, DbError> {
    titles::resolve(conn, numbers)
}

/// The (title, run of volumes) pairs of `target` that live commitments hold, among `title_ids`.
///
/// Only `title_id` is asked of the database, so that the one index on it is used: SQLite, without
/// statistics, would rather walk the program's index for `program_id = ?` (every commitment of the
/// program, for every batch) than look up a thousand titles. A title has few commitments; the
/// program, library and status are checked here.
fn live_holdings(
    conn: &mut DbConnection,
    target: &Target,
    title_ids: Vec<String>,
) -> Result<HashSet<(String, Option<String>)>, DbError> {
    if title_ids.is_empty() {
        return Ok(HashSet::new());
    }
    let rows: Vec<(String, String, String, Option<String>, String)> = commitments_table::table
        .filter(commitments_table::title_id.eq_any(title_ids))
        .select((
            commitments_table::program_id,
            commitments_table::library_id,
            commitments_table::title_id,
            commitments_table::materials_specified,
            commitments_table::status,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter(|(program, library, _, _, status)| {
            *program == target.program.id
                && *library == target.library.id
                && Status::parse(status).is_ok_and(Status::is_live)
        })
        .map(|(_, _, title, materials, _)| (title, materials))
        .collect())
}

/// How [`propose_many`] treats a batch.
pub enum Store<'a> {
    /// Store it: hidden under the staging import `import_id` until that import is published, or
    /// at once when `None`.
    Write { import_id: Option<&'a str> },
    /// Store nothing and only decide each row, as if the earlier batches of this dry run had
    /// been stored: what they would have created and held is kept in the [`DryRun`].
    Dry(&'a mut DryRun),
}

/// What the earlier batches of a dry run would have stored: the titles they would have created
/// (by every number that finds them) and the (title, run of volumes) pairs they would hold.
#[derive(Default)]
pub struct DryRun {
    titles: HashMap<i64, Uuid>,
    held: HashSet<(Uuid, Option<String>)>,
}

impl DryRun {
    fn title(
        &self,
        number: i64,
        facts: &crate::domain::commitment::TitleFacts,
    ) -> Option<TitleRow> {
        self.titles.get(&number).map(|id| TitleRow {
            id: id.to_string(),
            ..titles::new_row(facts)
        })
    }

    fn holds(&self, title_id: &str, materials: &Option<String>) -> bool {
        Uuid::parse_str(title_id).is_ok_and(|id| self.held.contains(&(id, materials.clone())))
    }
}

/// Decides `batch` (at most a thousand) as proposals by `actor` in `target`, one outcome per
/// proposal in order, and stores the proposals or only remembers them (`store`). Run a write
/// inside the batch's transaction.
pub fn propose_many(
    conn: &mut DbConnection,
    actor: &Actor,
    target: &Target,
    batch: Vec<NewCommitment>,
    mut store: Store<'_>,
) -> Result<Vec<Proposed>, DbError> {
    let numbers: Vec<i64> = batch
        .iter()
        .flat_map(|n| {
            std::iter::once(n.title.oclc_number.value())
                .chain(n.title.aliases.iter().map(|a| a.value()))
        })
        .collect();
    let mut known = titles_by_oclc(conn, &numbers)?;
    let mut aliases: Vec<(i64, String)> = Vec::new();
    let mut held = live_holdings(conn, target, known.values().map(|t| t.id.clone()).collect())?;
    let mut created: HashSet<i64> = HashSet::new();
    let mut stored: Vec<CommitmentRow> = Vec::new();
    let mut outcomes = Vec::with_capacity(batch.len());
    for new in batch {
        // A title is found by the row's number or by a number merged into it; the row joins it.
        let numbers: Vec<i64> = std::iter::once(new.title.oclc_number.value())
            .chain(new.title.aliases.iter().map(|a| a.value()))
            .collect();
        if let Store::Dry(dry) = &store {
            for number in &numbers {
                if !known.contains_key(number) {
                    if let Some(title) = dry.title(*number, &new.title) {
                        known.insert(*number, title);
                    }
                }
            }
        }
        let number = numbers
            .iter()
            .copied()
            .find(|n| known.contains_key(n))
            .unwrap_or(new.title.oclc_number.value());
        if let Some(title) = known.get(&number) {
            let pair = (title.id.clone(), new.materials_specified.clone());
            let dry_held = matches!(&store, Store::Dry(dry) if dry.holds(&pair.0, &pair.1));
            if held.contains(&pair) || dry_held {
                outcomes.push(Proposed::Duplicate);
                continue;
            }
        }
        let retention_end = match new.resolve_end(target.program.default_retention_end) {
            Ok(end) => end,
            Err(invalid) => {
                outcomes.push(Proposed::Rejected(invalid.0));
                continue;
            }
        };
        let title = known.entry(number).or_insert_with(|| {
            created.insert(number);
            titles::new_row(&new.title)
        });
        held.insert((title.id.clone(), new.materials_specified.clone()));
        let title_row = title.clone();
        aliases.extend(titles::aliases_brought(&new.title, &title_row));
        // A title created in this batch is stored below with its blanks already filled.
        if titles::fill_blanks(title, &new.title)
            && !created.contains(&number)
            && matches!(store, Store::Write { .. })
        {
            titles::store_blanks(conn, title)?;
        }
        let title = title.clone();
        // Later rows of the batch that bring a merged number find this title too.
        for (alias, _) in titles::aliases_brought(&new.title, &title) {
            known.entry(alias).or_insert_with(|| title.clone());
        }
        let (row, event) = commitments::proposal(
            actor,
            &target.program,
            &target.library,
            &title,
            new,
            retention_end,
        );
        stored.push(row);
        outcomes.push(Proposed::Stored(event));
    }
    match &mut store {
        Store::Write { import_id } => {
            if import_id.is_none() {
                // Rows others see now make the titles they use everyone's.
                let staged: Vec<String> = known
                    .values()
                    .filter(|t| t.import_id.is_some())
                    .map(|t| t.id.clone())
                    .collect();
                titles::adopt(conn, staged)?;
            }
            let import_id = import_id.map(str::to_owned);
            if !created.is_empty() {
                let new_titles: Vec<TitleRow> = created
                    .iter()
                    .filter_map(|n| known.get(n).cloned())
                    .map(|title| TitleRow {
                        import_id: import_id.clone(),
                        ..title
                    })
                    .collect();
                for rows in new_titles.chunks(crate::db::ROWS_PER_INSERT) {
                    crate::insert_batch!(conn, titles_table::table, rows);
                }
            }
            if !stored.is_empty() {
                for row in &mut stored {
                    row.import_id.clone_from(&import_id);
                }
                for rows in stored.chunks(crate::db::ROWS_PER_INSERT) {
                    crate::insert_batch!(conn, commitments_table::table, rows);
                }
            }
            titles::add_aliases(conn, &aliases, import_id.as_deref())?;
        }
        Store::Dry(dry) => {
            let id_of = |title: &TitleRow| Uuid::parse_str(&title.id).ok();
            for number in &created {
                if let Some(id) = known.get(number).and_then(id_of) {
                    dry.titles.insert(*number, id);
                }
            }
            for (alias, title_id) in &aliases {
                if let Ok(id) = Uuid::parse_str(title_id) {
                    dry.titles.entry(*alias).or_insert(id);
                }
            }
            for row in stored {
                if let Ok(id) = Uuid::parse_str(&row.title_id) {
                    dry.held.insert((id, row.materials_specified));
                }
            }
        }
    }
    Ok(outcomes)
}
