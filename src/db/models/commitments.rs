//! Commitments: the stored row, the row with its program, library and title, reading and proposing.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};
use serde_json::json;
use uuid::Uuid;

use super::libraries::LibraryRow;
use super::programs::ProgramRow;
use super::staging;
use super::titles::{self, TitleRow};
use crate::db::audit::{self, AuditActor, NewEvent};
use crate::db::schema::{
    commitments, libraries, program_members, programs, title_aliases, titles as titles_table,
};
use crate::db::{now, Backend, DbConnection, DbError, Page};
use crate::domain::commitment::{policies_to_text, NewCommitment, Status};
use crate::domain::identifiers::OclcNumber;
use crate::domain::retention::RetentionEnd;
use crate::domain::workflow::{self, Refusal, Side};
use crate::domain::{Actor, Role, ValidationErrors};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = commitments, treat_none_as_default_value = false)]
pub struct CommitmentRow {
    pub id: String,
    pub program_id: String,
    pub library_id: String,
    pub title_id: String,
    pub status: String,
    pub version: i32,
    pub proposed_by: Option<String>,
    pub proposed_by_role: String,
    pub local_bib_id: Option<String>,
    pub local_item_id: Option<String>,
    pub barcode: Option<String>,
    pub call_number: Option<String>,
    pub materials_specified: Option<String>,
    pub shelving: Option<String>,
    pub item_condition: Option<String>,
    pub validation: Option<String>,
    pub policies: String,
    #[diesel(deserialize_as = crate::db::time::StoredDay)]
    pub retention_start: NaiveDate,
    #[diesel(deserialize_as = crate::db::time::MaybeStoredDay)]
    pub retention_end: Option<NaiveDate>,
    pub renewal_proposed_end: Option<String>,
    pub public_note: Option<String>,
    pub private_note: Option<String>,
    pub end_reason: Option<String>,
    pub ended_at: Option<NaiveDateTime>,
    pub replaces: Option<String>,
    pub replaced_by: Option<String>,
    #[diesel(deserialize_as = crate::db::time::StoredTime)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = crate::db::time::StoredTime)]
    pub updated_at: NaiveDateTime,
    /// The other `$f` values of an imported 583 (a tier, a sub-collection).
    pub program_note: Option<String>,
    /// The `$i` level and `$l` terms of the imported validation 583s.
    pub validation_note: Option<String>,
    /// The import that brought it, hidden from every read while that import is staging.
    pub import_id: Option<String>,
}

impl CommitmentRow {
    pub fn status(&self) -> Result<Status, DbError> {
        Status::parse(&self.status).map_err(DbError::Corrupt)
    }

    /// What the workflow rules need.
    pub fn facts(&self) -> Result<workflow::Facts, DbError> {
        Ok(workflow::Facts {
            status: self.status()?,
            program_id: super::parse_id(&self.program_id)?,
            library_id: super::parse_id(&self.library_id)?,
            proposer: workflow::Side::of_role(&self.proposed_by_role),
            retention_end: RetentionEnd::from_date(self.retention_end),
        })
    }
}

/// A commitment with the program, library and title it refers to.
#[derive(Debug, Clone)]
pub struct CommitmentRecord {
    pub commitment: CommitmentRow,
    pub program: ProgramRow,
    pub library: LibraryRow,
    pub title: TitleRow,
}

/// The list filters of `GET /commitments`, plus the caller's scope.
#[derive(Debug, Clone, Default)]
pub struct CommitmentFilter {
    pub program_id: Option<Uuid>,
    pub library_id: Option<Uuid>,
    pub status: Option<Status>,
    pub oclc_number: Option<OclcNumber>,
    /// Title words, all of which must appear.
    pub q: Option<String>,
    pub expiring_before: Option<NaiveDate>,
    pub updated_since: Option<NaiveDateTime>,
    /// Only proposals made by this side (a library's own, or the program's allocations).
    pub proposed_by: Option<Side>,
    /// Only commitments proposed by someone in this role (how a side's query is split).
    pub proposer_role: Option<Role>,
    /// `None`: every program (admins); otherwise only these.
    pub visible_programs: Option<Vec<Uuid>>,
}

impl CommitmentFilter {
    /// The filter restricted to what `actor` may read.
    pub fn for_actor(mut self, actor: &Actor) -> Self {
        self.visible_programs = (!actor.is_admin()).then(|| actor.program_ids.clone());
        self
    }
}

type Joined = (CommitmentRow, ProgramRow, LibraryRow, TitleRow);

fn into_record((commitment, program, library, title): Joined) -> CommitmentRecord {
    CommitmentRecord {
        commitment,
        program,
        library,
        title,
    }
}

macro_rules! joined_query {
    () => {
        commitments::table
            .inner_join(programs::table)
            .inner_join(libraries::table)
            .inner_join(titles_table::table)
            .filter(crate::shown!(commitments))
            .select((
                CommitmentRow::as_select(),
                ProgramRow::as_select(),
                LibraryRow::as_select(),
                TitleRow::as_select(),
            ))
    };
}

/// The joined query of the lists, with left joins. The rows always exist (foreign keys), but
/// SQLite reorders inner joins: it puts the small `programs` table outermost, then has to sort every
/// matching commitment for `ORDER BY id LIMIT 51` (110,000 commitments: 90 ms a page). Left joins
/// keep `commitments` outermost, where an index gives the keyset order and the scan stops at the
/// limit (1 ms).
macro_rules! listed_query {
    () => {
        commitments::table
            .left_join(programs::table)
            .left_join(libraries::table)
            .left_join(titles_table::table)
            .filter(crate::shown!(commitments))
            .select((
                commitments::all_columns,
                programs::all_columns.nullable(),
                libraries::all_columns.nullable(),
                titles_table::all_columns.nullable(),
            ))
    };
}

type Listed = (
    CommitmentRow,
    Option<ProgramRow>,
    Option<LibraryRow>,
    Option<TitleRow>,
);

fn from_listed((commitment, program, library, title): Listed) -> Result<CommitmentRecord, DbError> {
    match (program, library, title) {
        (Some(program), Some(library), Some(title)) => Ok(CommitmentRecord {
            commitment,
            program,
            library,
            title,
        }),
        _ => Err(DbError::Corrupt(format!(
            "commitment {} refers to a program, library or title that does not exist",
            commitment.id
        ))),
    }
}

/// What an export reads of each commitment: the row and its title. The program and library are
/// a few hundred rows that an export looks up once each (`exports::Named`): joined, their 14
/// columns were decoded again for every commitment, and SQLite searched both tables for each.
pub type ExportRow = (CommitmentRow, TitleRow);

/// The export's query: the commitments, left-joined (as [`listed_query`] and for the same reason)
/// to their titles.
macro_rules! exported_query {
    () => {
        commitments::table
            .left_join(titles_table::table)
            .filter(crate::shown!(commitments))
            .select((
                commitments::all_columns,
                titles_table::all_columns.nullable(),
            ))
    };
}

type Exported = (CommitmentRow, Option<TitleRow>);

fn from_exported((commitment, title): Exported) -> Result<ExportRow, DbError> {
    match title {
        Some(title) => Ok((commitment, title)),
        None => Err(DbError::Corrupt(format!(
            "commitment {} refers to a title that does not exist",
            commitment.id
        ))),
    }
}

/// The rows of every partition of `filter` (see [`partitions`]), each read by `read` in id order,
/// merged in id order and cut to `keep`. One partition (the usual case) is taken as it is read.
fn merged<R>(
    filter: &CommitmentFilter,
    keep: i64,
    id_of: impl Fn(&R) -> &str,
    mut read: impl FnMut(&CommitmentFilter) -> Result<Vec<R>, DbError>,
) -> Result<Vec<R>, DbError> {
    let parts = partitions(filter);
    if let [part] = parts.as_slice() {
        return read(part);
    }
    let mut rows = Vec::new();
    for part in &parts {
        rows.extend(read(part)?);
    }
    rows.sort_by(|a, b| id_of(a).cmp(id_of(b)));
    rows.truncate(usize::try_from(keep).unwrap_or(0));
    Ok(rows)
}

/// The filter split into queries that each walk one index range in keyset order, merged by id
/// afterwards: one per program for a reader of several programs (a program the caller may not read
/// gives nothing), and one per proposer role for a side (the program's side is coordinators' and
/// admins' proposals), so that a side's few proposals are not looked for among the other's many.
fn partitions(filter: &CommitmentFilter) -> Vec<CommitmentFilter> {
    let by_program = match (&filter.visible_programs, filter.program_id) {
        (None, _) => vec![filter.clone()],
        (Some(visible), Some(program)) if visible.contains(&program) => vec![CommitmentFilter {
            visible_programs: None,
            ..filter.clone()
        }],
        (Some(_), Some(_)) => Vec::new(),
        (Some(visible), None) => visible
            .iter()
            .map(|program| CommitmentFilter {
                program_id: Some(*program),
                visible_programs: None,
                ..filter.clone()
            })
            .collect(),
    };
    let roles: &[Role] = match filter.proposed_by {
        None => return by_program,
        Some(Side::Library) => &[Role::CollectionManager],
        Some(Side::Program) => &[Role::Coordinator, Role::Admin],
    };
    by_program
        .into_iter()
        .flat_map(|part| {
            roles.iter().map(move |role| CommitmentFilter {
                proposed_by: None,
                proposer_role: Some(*role),
                ..part.clone()
            })
        })
        .collect()
}

/// One commitment with its program, library and title.
pub fn find(conn: &mut DbConnection, id: Uuid) -> Result<CommitmentRecord, DbError> {
    joined_query!()
        .filter(commitments::id.eq(id.to_string()))
        .first::<Joined>(conn)
        .optional()?
        .map(into_record)
        .ok_or(DbError::NotFound("commitment"))
}

/// One commitment that `actor` may see (else not found).
pub fn find_visible(
    conn: &mut DbConnection,
    actor: &Actor,
    id: Uuid,
) -> Result<CommitmentRecord, DbError> {
    let record = find(conn, id)?;
    if workflow::can_see(actor, super::parse_id(&record.commitment.program_id)?) {
        Ok(record)
    } else {
        Err(DbError::NotFound("commitment"))
    }
}

/// Narrows a boxed joined query to what `$filter` (a [`CommitmentFilter`]) asks for.
///
/// With `walk_titles`, a query read in (title, id) order keeps SQLite on the title index: without
/// statistics SQLite takes `program_id = ?` (or library, status, updated_at) to match a handful of
/// rows, reads the program's index and sorts all of it for every batch of an export, which grows
/// with the square of the export. The unary `+` (a no-op on the value) hides those columns from
/// its index choice; the filters still apply. PostgreSQL chooses by its statistics.
macro_rules! apply_filter {
    ($query:ident, $filter:expr, $backend:expr) => {
        apply_filter!($query, $filter, $backend, false)
    };
    ($query:ident, $filter:expr, $backend:expr, $walk_titles:expr) => {
        let filter: &CommitmentFilter = $filter;
        let unindexed = $walk_titles && $backend == Backend::Sqlite;
        if let Some(programs) = &filter.visible_programs {
            let ids: Vec<String> = programs.iter().map(Uuid::to_string).collect();
            if unindexed {
                // Typed UUIDs: only hex digits and dashes reach the SQL text.
                let list: Vec<String> = ids.iter().map(|id| format!("'{id}'")).collect();
                $query = $query.filter(diesel::dsl::sql::<Bool>(&format!(
                    "+commitments.program_id IN ({})",
                    if list.is_empty() {
                        "NULL".to_owned()
                    } else {
                        list.join(",")
                    }
                )));
            } else {
                $query = $query.filter(commitments::program_id.eq_any(ids));
            }
        }
        for (column, value) in [
            ("program_id", filter.program_id.map(|p| p.to_string())),
            ("library_id", filter.library_id.map(|l| l.to_string())),
            ("status", filter.status.map(|s| s.as_str().to_owned())),
        ] {
            let Some(value) = value else { continue };
            if unindexed {
                $query = $query.filter(
                    diesel::dsl::sql::<Bool>(&format!("+commitments.{column} = "))
                        .bind::<Text, _>(value),
                );
            } else {
                $query = match column {
                    "program_id" => $query.filter(commitments::program_id.eq(value)),
                    "library_id" => $query.filter(commitments::library_id.eq(value)),
                    _ => $query.filter(commitments::status.eq(value)),
                };
            }
        }
        if let Some(oclc) = filter.oclc_number {
            // The title's own number, or one merged into it.
            let merged = title_aliases::table
                .filter(title_aliases::oclc_number.eq(oclc.value()))
                .select(title_aliases::title_id);
            $query = $query.filter(
                titles_table::oclc_number
                    .eq(oclc.value())
                    .or(titles_table::id.eq_any(merged)),
            );
        }
        if let Some(role) = filter.proposer_role {
            $query = $query.filter(commitments::proposed_by_role.eq(role.as_str()));
        }
        if let Some(side) = filter.proposed_by {
            let library_role = Role::CollectionManager.as_str();
            $query = match side {
                Side::Library => $query.filter(commitments::proposed_by_role.eq(library_role)),
                Side::Program => $query.filter(commitments::proposed_by_role.ne(library_role)),
            };
        }
        if let Some(before) = filter.expiring_before {
            $query = $query.filter(commitments::retention_end.lt(before));
        }
        if let Some(since) = filter.updated_since {
            if unindexed {
                $query = $query.filter(
                    diesel::dsl::sql::<Bool>("+commitments.updated_at >= ")
                        .bind::<diesel::sql_types::Timestamp, _>(since),
                );
            } else {
                $query = $query.filter(commitments::updated_at.ge(since));
            }
        }
        if let Some((head, words)) = filter
            .q
            .as_deref()
            .and_then(|q| title_words_sql($backend, q))
        {
            $query = $query.filter(
                diesel::dsl::sql::<Bool>(head)
                    .bind::<Text, _>(words)
                    .sql(")"),
            );
        }
    };
}

fn backend_of(conn: &DbConnection) -> Backend {
    match conn {
        DbConnection::Postgres(_) => Backend::Postgres,
        DbConnection::Sqlite(_) => Backend::Sqlite,
    }
}

/// The first `$limit` rows of the query `$query!()` matching the partition `$part` in id order
/// after the key `$after`, as `$row`s. On the backend's own connection: rows decoded without the
/// multi-backend wrapper's dispatch on every one of their values.
macro_rules! keyset_part {
    ($conn:expr, $query:ident, $row:ty, $part:expr, $after:expr, $limit:expr, $backend:expr) => {
        crate::on_backend!($conn, |c| {
            let mut query = $query!().order(commitments::id).limit($limit).into_boxed();
            if let Some(after) = $after {
                query = query.filter(commitments::id.gt(after.to_owned()));
            }
            apply_filter!(query, $part, $backend);
            query.load::<$row>(c)
        })
    };
}

/// Commitments matching `filter` in id order, after the key `after`.
pub fn list(
    conn: &mut DbConnection,
    filter: &CommitmentFilter,
    after: Option<&str>,
    limit: i64,
) -> Result<Page<CommitmentRecord>, DbError> {
    let backend = backend_of(conn);
    let rows = merged(
        filter,
        limit + 1,
        |row: &Listed| &row.0.id,
        |part| {
            Ok(keyset_part!(
                conn,
                listed_query,
                Listed,
                part,
                after,
                limit + 1,
                backend
            )?)
        },
    )?;
    let page = Page::from_rows(rows, limit, |row| row.0.id.clone());
    Ok(Page {
        items: page
            .items
            .into_iter()
            .map(from_listed)
            .collect::<Result<_, _>>()?,
        next_after: page.next_after,
    })
}

/// The next `limit` commitments matching `filter` in id order after `after`, as an export reads
/// them (the keyset batches of [`list`], without the program and library).
pub fn export_batch(
    conn: &mut DbConnection,
    filter: &CommitmentFilter,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<ExportRow>, DbError> {
    let backend = backend_of(conn);
    let rows = merged(
        filter,
        limit,
        |row: &Exported| &row.0.id,
        |part| {
            Ok(keyset_part!(
                conn,
                exported_query,
                Exported,
                part,
                after,
                limit,
                backend
            )?)
        },
    )?;
    rows.into_iter().map(from_exported).collect()
}

/// The `limit` commitments matching `filter` just before the key `before`, in id order: the
/// previous page of a list. `next_after` of the answer is set when there are more before it (it is
/// the key of its first item, to page back from).
pub fn list_before(
    conn: &mut DbConnection,
    filter: &CommitmentFilter,
    before: &str,
    limit: i64,
) -> Result<Page<CommitmentRecord>, DbError> {
    let backend = backend_of(conn);
    let mut rows: Vec<Listed> = Vec::new();
    for part in partitions(filter) {
        let mut query = listed_query!()
            .order(commitments::id.desc())
            .limit(limit + 1)
            .filter(commitments::id.lt(before.to_owned()))
            .into_boxed();
        apply_filter!(query, &part, backend);
        rows.extend(query.load::<Listed>(conn)?);
    }
    rows.sort_by(|a, b| b.0.id.cmp(&a.0.id));
    let more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    rows.reverse();
    let next_after = more.then(|| rows.first().map(|r| r.0.id.clone())).flatten();
    Ok(Page {
        items: rows
            .into_iter()
            .map(from_listed)
            .collect::<Result<_, _>>()?,
        next_after,
    })
}

/// Where an export batch continues: after this (title id, commitment id).
pub type TitleKey = (String, String);

/// The next `limit` commitments matching `filter` in (title, id) order, after `after`: exports
/// that group by title read with this.
pub fn by_title(
    conn: &mut DbConnection,
    filter: &CommitmentFilter,
    after: Option<&TitleKey>,
    limit: i64,
) -> Result<Vec<ExportRow>, DbError> {
    let backend = backend_of(conn);
    let mut query = commitments::table
        .inner_join(titles_table::table)
        .filter(crate::shown!(commitments))
        .select((CommitmentRow::as_select(), TitleRow::as_select()))
        .order((commitments::title_id, commitments::id))
        .limit(limit)
        .into_boxed();
    if let Some((title, id)) = after {
        // The `>=` bounds let the planner start both index scans at the key (PostgreSQL would
        // otherwise read every earlier row for each batch); the OR then drops the key's own rows.
        query = query
            .filter(commitments::title_id.ge(title.clone()))
            .filter(titles_table::id.ge(title.clone()));
        query = query.filter(
            commitments::title_id
                .gt(title.clone())
                .or(commitments::title_id
                    .eq(title.clone())
                    .and(commitments::id.gt(id.clone()))),
        );
    }
    apply_filter!(query, filter, backend, true);
    Ok(query.load::<ExportRow>(conn)?)
}

mod stream;
pub use stream::read_streamed;

/// How many commitments match `filter`, and how many of those are permanent.
pub fn count(conn: &mut DbConnection, filter: &CommitmentFilter) -> Result<(i64, i64), DbError> {
    let backend = backend_of(conn);
    let mut permanent_query = commitments::table
        .inner_join(titles_table::table)
        .filter(commitments::retention_end.is_null())
        .count()
        .into_boxed();
    apply_filter!(permanent_query, filter, backend);
    let mut all_query = commitments::table
        .inner_join(titles_table::table)
        .count()
        .into_boxed();
    apply_filter!(all_query, filter, backend);
    if let Some(shown) = staging::hiding(conn, "commitments")? {
        permanent_query = permanent_query.filter(shown.clone());
        all_query = all_query.filter(shown);
    }
    Ok((
        all_query.get_result(conn)?,
        permanent_query.get_result(conn)?,
    ))
}

/// The full-text condition (up to its bound query) and the query matching titles that contain every
/// word of `q`; `None` when `q` has no words.
fn title_words_sql(backend: Backend, q: &str) -> Option<(&'static str, String)> {
    let words: Vec<String> = q
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    if words.is_empty() {
        return None;
    }
    let (head, query) = match backend {
        // Each word quoted, so that FTS5 reads none of them as an operator; juxtaposition means AND.
        Backend::Sqlite => (
            "titles.id IN (SELECT title_id FROM titles_search WHERE titles_search MATCH ",
            words
                .iter()
                .map(|w| format!("\"{w}\""))
                .collect::<Vec<_>>()
                .join(" "),
        ),
        Backend::Postgres => (
            "to_tsvector('simple', titles.title) @@ plainto_tsquery('simple', ",
            words.join(" "),
        ),
    };
    Some((head, query))
}

/// Everything `actor` may see on one title.
pub fn on_title(
    conn: &mut DbConnection,
    actor: &Actor,
    title_id: &str,
) -> Result<Vec<CommitmentRecord>, DbError> {
    let rows: Vec<Joined> = crate::on_backend!(conn, |c| joined_query!()
        .filter(commitments::title_id.eq(title_id))
        .order(commitments::id)
        .load(c))?;
    Ok(visible_to(actor, rows, |row| &row.0)
        .into_iter()
        .map(into_record)
        .collect())
}

/// What a commitment's view shows of its program and library (a title lookup reads these four
/// columns rather than the two tables' fourteen).
#[derive(Debug, Clone, Queryable)]
pub struct Labels {
    pub program_code: String,
    pub program_uri: Option<String>,
    pub oclc_symbol: String,
    pub marc_org_code: String,
}

impl Labels {
    pub fn of(program: &ProgramRow, library: &LibraryRow) -> Self {
        Self {
            program_code: program.code.clone(),
            program_uri: program.uri.clone(),
            oclc_symbol: library.oclc_symbol.clone(),
            marc_org_code: library.marc_org_code.clone(),
        }
    }
}

/// The title whose own OCLC number is `oclc`, with every commitment on it that `actor` may see
/// and the numbers merged into it, in one query (a title lookup's usual case: on PostgreSQL each
/// query is a round trip). `None` when no commitment is on such a title: the caller then looks the
/// number up among titles and merged numbers ([`titles::find_by_oclc`]).
pub fn on_numbered_title(
    conn: &mut DbConnection,
    actor: &Actor,
    oclc: OclcNumber,
) -> Result<Option<NumberedTitle>, DbError> {
    // A row per commitment and merged number (nearly always none: one row per commitment).
    type Row = (CommitmentRow, Labels, TitleRow, Option<i64>);
    let rows: Vec<Row> = crate::on_backend!(conn, |c| commitments::table
        .inner_join(programs::table)
        .inner_join(libraries::table)
        .inner_join(titles_table::table.left_join(title_aliases::table))
        .filter(crate::shown!(commitments))
        .filter(titles_table::oclc_number.eq(oclc.value()))
        .filter(crate::shown!(titles_table))
        .select((
            CommitmentRow::as_select(),
            (
                programs::code,
                programs::uri,
                libraries::oclc_symbol,
                libraries::marc_org_code,
            ),
            TitleRow::as_select(),
            title_aliases::oclc_number.nullable(),
        ))
        // By id alone: the title index gives that order, where adding the merged number made
        // SQLite sort every wide row.
        .order(commitments::id)
        .load(c))?;
    let Some((first, _, title, _)) = rows.first() else {
        return Ok(None);
    };
    let (first, title) = (first.id.clone(), title.clone());
    let mut aliases: Vec<i64> = rows
        .iter()
        .filter(|(commitment, ..)| commitment.id == first)
        .filter_map(|(.., alias)| *alias)
        .collect();
    aliases.sort_unstable();
    let mut labelled: Vec<(CommitmentRow, Labels)> = rows
        .into_iter()
        .map(|(commitment, labels, _, _)| (commitment, labels))
        .collect();
    labelled.dedup_by(|a, b| a.0.id == b.0.id);
    Ok(Some(NumberedTitle {
        title,
        commitments: visible_to(actor, labelled, |row| &row.0),
        aliases,
    }))
}

/// A title found by its own number, with what a lookup shows of it.
pub struct NumberedTitle {
    pub title: TitleRow,
    /// The commitments on it the reader may see, in id order, with their labels.
    pub commitments: Vec<(CommitmentRow, Labels)>,
    /// The numbers merged into it, ascending.
    pub aliases: Vec<i64>,
}

/// The rows of programs `actor` may read. A title has a handful of commitments, so they are
/// picked here rather than with an `IN` list, which would make SQLite prepare the statement anew
/// for every lookup.
fn visible_to<R>(actor: &Actor, rows: Vec<R>, commitment: impl Fn(&R) -> &CommitmentRow) -> Vec<R> {
    rows.into_iter()
        .filter(|row| {
            Uuid::parse_str(&commitment(row).program_id).is_ok_and(|id| actor.can_read_program(id))
        })
        .collect()
}

/// Maps a workflow refusal onto the persistence error, with the row's current version for conflicts.
pub fn refusal(refusal: Refusal, row: &CommitmentRow) -> DbError {
    match DbError::from(refusal) {
        DbError::Conflict {
            message, status, ..
        } => DbError::Conflict {
            message,
            status,
            version: Some(row.version),
        },
        other => other,
    }
}

/// Whether a live commitment already holds this program, library, title and run of volumes.
pub fn live_duplicate(
    conn: &mut DbConnection,
    program_id: &str,
    library_id: &str,
    title_id: &str,
    materials_specified: Option<&str>,
) -> Result<Option<CommitmentRow>, DbError> {
    let live: Vec<&str> = Status::ALL
        .iter()
        .filter(|s| s.is_live())
        .map(|s| s.as_str())
        .collect();
    let mut query = commitments::table
        .filter(commitments::program_id.eq(program_id))
        .filter(commitments::library_id.eq(library_id))
        .filter(commitments::title_id.eq(title_id))
        .filter(commitments::status.eq_any(live))
        .select(CommitmentRow::as_select())
        .into_boxed();
    query = match materials_specified {
        Some(materials) => query.filter(commitments::materials_specified.eq(materials.to_owned())),
        None => query.filter(commitments::materials_specified.is_null()),
    };
    Ok(query.first(conn).optional()?)
}

/// Whether `library_id` is a member of `program_id`.
fn is_member(conn: &mut DbConnection, program_id: &str, library_id: &str) -> Result<bool, DbError> {
    let count: i64 = program_members::table
        .filter(program_members::program_id.eq(program_id))
        .filter(program_members::library_id.eq(library_id))
        .count()
        .get_result(conn)?;
    Ok(count > 0)
}

/// Refuses (422 on `field`) a library that is not a member of the program.
pub fn require_member(
    conn: &mut DbConnection,
    program: &ProgramRow,
    library: &LibraryRow,
    field: &str,
) -> Result<(), DbError> {
    if is_member(conn, &program.id, &library.id)? {
        return Ok(());
    }
    Err(ValidationErrors::one(
        field,
        format!(
            "{} is not a member of {}",
            library.oclc_symbol, program.code
        ),
    )
    .into())
}

/// `Ok(None)` for a row that does not exist; other failures as they are.
pub(super) fn absent_as_none<T>(found: Result<T, DbError>) -> Result<Option<T>, DbError> {
    match found {
        Ok(row) => Ok(Some(row)),
        Err(DbError::NotFound(_)) => Ok(None),
        Err(other) => Err(other),
    }
}

/// Stores a proposal by `actor`: a library's own (collection manager) or an allocation (coordinator, admin).
pub fn propose(
    conn: &mut DbConnection,
    actor: &Actor,
    new: NewCommitment,
) -> Result<CommitmentRecord, DbError> {
    workflow::may_propose(actor, new.program_id, new.library_id)?;
    let mut errors = ValidationErrors::new();
    // Only "no such row" is the caller's mistake; an outage stays an outage (503).
    let program = absent_as_none(super::programs::find(conn, new.program_id))?;
    let library = absent_as_none(super::libraries::find(conn, new.library_id))?;
    if program.is_none() {
        errors.add(
            "program_id",
            format!("no program has id {}", new.program_id),
        );
    }
    if library.is_none() {
        errors.add(
            "library_id",
            format!("no library has id {}", new.library_id),
        );
    }
    errors.into_result()?;
    let (program, library) = (program.expect("checked"), library.expect("checked"));
    require_member(conn, &program, &library, "library_id")?;
    let retention_end = new.resolve_end(program.default_retention_end)?;
    let title = titles::find_or_create(conn, &new.title)?;
    if let Some(existing) = live_duplicate(
        conn,
        &program.id,
        &library.id,
        &title.id,
        new.materials_specified.as_deref(),
    )? {
        return Err(ValidationErrors::one(
            "oclc_number",
            format!(
                "{} already has a {} commitment on OCLC {}{} in {}",
                library.oclc_symbol,
                existing.status.replace('_', " "),
                title.oclc_number,
                new.materials_specified
                    .as_deref()
                    .map(|m| format!(" ({m})"))
                    .unwrap_or_default(),
                program.code
            ),
        )
        .into());
    }
    let (row, event) = proposal(actor, &program, &library, &title, new, retention_end);
    diesel::insert_into(commitments::table)
        .values(&row)
        .execute(conn)?;
    audit::append(conn, &AuditActor::from(actor), vec![event])?;
    Ok(CommitmentRecord {
        commitment: row,
        program,
        library,
        title,
    })
}

/// The row and audit event of a new proposal by `actor`, not yet stored: [`propose`] stores one,
/// bulk imports store a thousand in one statement and append their events together.
pub(super) fn proposal(
    actor: &Actor,
    program: &ProgramRow,
    library: &LibraryRow,
    title: &TitleRow,
    new: NewCommitment,
    retention_end: RetentionEnd,
) -> (CommitmentRow, NewEvent) {
    let at = now();
    let id = Uuid::now_v7();
    let row = CommitmentRow {
        id: id.to_string(),
        program_id: program.id.clone(),
        library_id: library.id.clone(),
        title_id: title.id.clone(),
        status: Status::Proposed.as_str().to_owned(),
        version: 1,
        proposed_by: (!actor.is_system()).then(|| actor.user_id.to_string()),
        proposed_by_role: actor.role.as_str().to_owned(),
        local_bib_id: new.local_bib_id,
        local_item_id: new.local_item_id,
        barcode: new.barcode,
        call_number: new.call_number,
        materials_specified: new.materials_specified,
        shelving: new.shelving.map(|s| s.as_str().to_owned()),
        item_condition: new.condition.map(|c| c.as_str().to_owned()),
        validation: new.validation.map(|v| v.as_str().to_owned()),
        policies: policies_to_text(&new.policies),
        retention_start: new.retention_start,
        retention_end: retention_end.date(),
        renewal_proposed_end: None,
        public_note: new.public_note,
        private_note: new.private_note,
        end_reason: None,
        ended_at: None,
        replaces: None,
        replaced_by: None,
        created_at: at,
        updated_at: at,
        program_note: new.program_note,
        validation_note: new.validation_note,
        import_id: None,
    };
    let event = NewEvent {
        action: "propose",
        subject_type: "commitment",
        subject_id: id,
        program_id: Some(new.program_id),
        commitment_id: Some(id),
        from_status: None,
        to_status: Some(Status::Proposed.as_str().to_owned()),
        details: json!({
            "version": 1,
            "oclc_number": title.oclc_number,
            "library": library.oclc_symbol,
            "program": program.code,
            "materials_specified": row.materials_specified,
            "retention_start": row.retention_start,
            "retention_end": retention_end.to_string(),
        }),
    };
    (row, event)
}

/// A line naming each of these commitments ("Title · OCLC 123 · EYM"), for lists of events.
pub fn subjects(
    conn: &mut DbConnection,
    ids: &[String],
) -> Result<std::collections::HashMap<String, String>, DbError> {
    let rows: Vec<(String, String, i64, String)> = commitments::table
        .inner_join(titles_table::table)
        .inner_join(libraries::table)
        .filter(commitments::id.eq_any(ids))
        .select((
            commitments::id,
            titles_table::title,
            titles_table::oclc_number,
            libraries::oclc_symbol,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, title, oclc, symbol)| (id, format!("{title} · OCLC {oclc} · {symbol}")))
        .collect())
}
