//! Programs and their member libraries.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

use super::libraries::LibraryRow;
use crate::db::audit::{self, AuditActor, NewEvent};
use crate::db::schema::{libraries, program_members, programs};
use crate::db::{now, DbConnection, DbError, Page};
use crate::domain::organisations::NewProgram;
use crate::domain::ValidationErrors;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = programs)]
pub struct ProgramRow {
    pub id: String,
    pub code: String,
    pub name: String,
    pub uri: Option<String>,
    pub target_copies: i32,
    #[diesel(deserialize_as = crate::db::time::MaybeStoredDay)]
    pub default_retention_end: Option<NaiveDate>,
    #[diesel(deserialize_as = crate::db::time::StoredTime)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = crate::db::time::StoredTime)]
    pub updated_at: NaiveDateTime,
}

/// A library's membership in a program, with the library's details.
#[derive(Debug, Clone)]
pub struct Membership {
    pub program_id: String,
    pub library: LibraryRow,
    pub joined_at: NaiveDateTime,
}

/// Stores a new program; its code must be unique (ignoring case).
pub fn create(
    conn: &mut DbConnection,
    actor: &AuditActor,
    program: NewProgram,
) -> Result<ProgramRow, DbError> {
    let code = program.code.as_str();
    let taken: i64 = programs::table
        .filter(super::lower(programs::code).eq(super::lower(code)))
        .count()
        .get_result(conn)?;
    if taken > 0 {
        return Err(ValidationErrors::one(
            "code",
            format!("a program with code {code:?} already exists"),
        )
        .into());
    }
    let at = now();
    let row = ProgramRow {
        id: Uuid::now_v7().to_string(),
        code: code.to_owned(),
        name: program.name,
        uri: program.uri.map(|u| u.as_str().to_owned()),
        target_copies: program.target_copies,
        default_retention_end: program.default_retention_end,
        created_at: at,
        updated_at: at,
    };
    diesel::insert_into(programs::table)
        .values(&row)
        .execute(conn)?;
    let id = super::parse_id(&row.id)?;
    audit::append(
        conn,
        actor,
        vec![NewEvent::record(
            "create_program",
            "program",
            id,
            json!({"code": row.code, "name": row.name, "uri": row.uri,
                   "target_copies": row.target_copies, "default_retention_end": row.default_retention_end}),
        )
        .in_program(id)],
    )?;
    Ok(row)
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> Result<ProgramRow, DbError> {
    programs::table
        .find(id.to_string())
        .select(ProgramRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(DbError::NotFound("program"))
}

/// Programs in creation order, after the key `after`.
pub fn list(
    conn: &mut DbConnection,
    after: Option<&str>,
    limit: i64,
) -> Result<Page<ProgramRow>, DbError> {
    let mut query = programs::table
        .select(ProgramRow::as_select())
        .order(programs::id)
        .limit(limit + 1)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(programs::id.gt(after.to_owned()));
    }
    Ok(Page::from_rows(query.load(conn)?, limit, |p| p.id.clone()))
}

/// Which of `ids` exist.
pub fn existing_ids(conn: &mut DbConnection, ids: &[Uuid]) -> Result<Vec<Uuid>, DbError> {
    let wanted: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    let found: Vec<String> = programs::table
        .filter(programs::id.eq_any(&wanted))
        .select(programs::id)
        .load(conn)?;
    found.iter().map(|id| super::parse_id(id)).collect()
}

/// Adds a library to a program. The program must exist (else not found), the library must exist
/// and not be a member already (else invalid).
pub fn add_member(
    conn: &mut DbConnection,
    actor: &AuditActor,
    program_id: Uuid,
    library_id: Uuid,
) -> Result<Membership, DbError> {
    let program = find(conn, program_id)?;
    let library = libraries::table
        .find(library_id.to_string())
        .select(LibraryRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| {
            ValidationErrors::one("library_id", format!("no library has id {library_id}"))
        })?;
    let already: i64 = program_members::table
        .filter(program_members::program_id.eq(&program.id))
        .filter(program_members::library_id.eq(&library.id))
        .count()
        .get_result(conn)?;
    if already > 0 {
        return Err(ValidationErrors::one(
            "library_id",
            format!(
                "{} is already a member of {}",
                library.oclc_symbol, program.code
            ),
        )
        .into());
    }
    let joined_at = now();
    diesel::insert_into(program_members::table)
        .values((
            program_members::program_id.eq(&program.id),
            program_members::library_id.eq(&library.id),
            program_members::created_at.eq(joined_at),
        ))
        .execute(conn)?;
    audit::append(
        conn,
        actor,
        vec![NewEvent::record(
            "add_member",
            "program",
            program_id,
            json!({"program_code": program.code, "library_id": library.id, "oclc_symbol": library.oclc_symbol}),
        )
        .in_program(program_id)],
    )?;
    Ok(Membership {
        program_id: program.id,
        library,
        joined_at,
    })
}

/// The member libraries of a program in order of library id, after the key `after`.
pub fn members(
    conn: &mut DbConnection,
    program_id: Uuid,
    after: Option<&str>,
    limit: i64,
) -> Result<Page<Membership>, DbError> {
    let program = find(conn, program_id)?;
    let mut query = program_members::table
        .inner_join(libraries::table)
        .filter(program_members::program_id.eq(&program.id))
        .select((LibraryRow::as_select(), program_members::created_at))
        .order(program_members::library_id)
        .limit(limit + 1)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(program_members::library_id.gt(after.to_owned()));
    }
    let rows: Vec<(LibraryRow, NaiveDateTime)> = query.load(conn)?;
    let page = Page::from_rows(rows, limit, |(library, _)| library.id.clone());
    Ok(page.map(|(library, joined_at)| Membership {
        program_id: program.id.clone(),
        library,
        joined_at,
    }))
}

/// The programs a library belongs to.
pub fn programs_of_library(
    conn: &mut DbConnection,
    library_id: &str,
) -> Result<Vec<Uuid>, DbError> {
    let ids: Vec<String> = program_members::table
        .filter(program_members::library_id.eq(library_id))
        .select(program_members::program_id)
        .order(program_members::program_id)
        .load(conn)?;
    ids.iter().map(|id| super::parse_id(id)).collect()
}

/// The program with this code (ignoring case).
pub fn find_by_code(conn: &mut DbConnection, code: &str) -> Result<ProgramRow, DbError> {
    programs::table
        .filter(super::lower(programs::code).eq(super::lower(code)))
        .select(ProgramRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(DbError::NotFound("program"))
}

/// Every membership, as (program id, library), in order of program and OCLC symbol: the admin
/// pages show them all in one read.
pub fn all_memberships(conn: &mut DbConnection) -> Result<Vec<(String, LibraryRow)>, DbError> {
    Ok(program_members::table
        .inner_join(libraries::table)
        .select((program_members::program_id, LibraryRow::as_select()))
        .order((program_members::program_id, libraries::oclc_symbol))
        .load(conn)?)
}
