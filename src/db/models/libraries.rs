//! Member libraries.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

use crate::db::audit::{self, AuditActor, NewEvent};
use crate::db::schema::{libraries, program_members};
use crate::db::{now, DbConnection, DbError, Page};
use crate::domain::organisations::NewLibrary;
use crate::domain::ValidationErrors;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = libraries)]
pub struct LibraryRow {
    pub id: String,
    pub name: String,
    pub oclc_symbol: String,
    pub marc_org_code: String,
    #[diesel(deserialize_as = crate::db::time::StoredTime)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = crate::db::time::StoredTime)]
    pub updated_at: NaiveDateTime,
}

/// Stores a new library; its OCLC symbol must be unique.
pub fn create(
    conn: &mut DbConnection,
    actor: &AuditActor,
    library: NewLibrary,
) -> Result<LibraryRow, DbError> {
    let symbol = library.oclc_symbol.as_str();
    let taken: i64 = libraries::table
        .filter(libraries::oclc_symbol.eq(symbol))
        .count()
        .get_result(conn)?;
    if taken > 0 {
        return Err(ValidationErrors::one(
            "oclc_symbol",
            format!("a library with OCLC symbol {symbol} already exists"),
        )
        .into());
    }
    let at = now();
    let row = LibraryRow {
        id: Uuid::now_v7().to_string(),
        name: library.name,
        oclc_symbol: symbol.to_owned(),
        marc_org_code: library.marc_org_code.as_str().to_owned(),
        created_at: at,
        updated_at: at,
    };
    diesel::insert_into(libraries::table)
        .values(&row)
        .execute(conn)?;
    audit::append(
        conn,
        actor,
        vec![NewEvent::record(
            "create_library",
            "library",
            super::parse_id(&row.id)?,
            json!({"name": row.name, "oclc_symbol": row.oclc_symbol, "marc_org_code": row.marc_org_code}),
        )],
    )?;
    Ok(row)
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> Result<LibraryRow, DbError> {
    libraries::table
        .find(id.to_string())
        .select(LibraryRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(DbError::NotFound("library"))
}

/// Libraries in creation order, after the key `after`.
pub fn list(
    conn: &mut DbConnection,
    after: Option<&str>,
    limit: i64,
) -> Result<Page<LibraryRow>, DbError> {
    let mut query = libraries::table
        .select(LibraryRow::as_select())
        .order(libraries::id)
        .limit(limit + 1)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(libraries::id.gt(after.to_owned()));
    }
    Ok(Page::from_rows(query.load(conn)?, limit, |l| l.id.clone()))
}

/// The library with this OCLC symbol.
pub fn find_by_symbol(conn: &mut DbConnection, symbol: &str) -> Result<LibraryRow, DbError> {
    libraries::table
        .filter(libraries::oclc_symbol.eq(symbol))
        .select(LibraryRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(DbError::NotFound("library"))
}

/// The libraries that are members of any of `programs` (every library for `None`), by OCLC symbol.
pub fn of_programs(
    conn: &mut DbConnection,
    programs: Option<&[Uuid]>,
) -> Result<Vec<LibraryRow>, DbError> {
    let mut query = libraries::table
        .select(LibraryRow::as_select())
        .order(libraries::oclc_symbol)
        .into_boxed();
    if let Some(programs) = programs {
        let ids: Vec<String> = programs.iter().map(Uuid::to_string).collect();
        query = query.filter(
            libraries::id.eq_any(
                program_members::table
                    .filter(program_members::program_id.eq_any(ids))
                    .select(program_members::library_id),
            ),
        );
    }
    Ok(query.load(conn)?)
}
