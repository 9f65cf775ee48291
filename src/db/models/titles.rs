//! Titles, one per OCLC number, found or created when a commitment is proposed.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use crate::db::schema::titles;
use crate::db::{now, DbConnection, DbError};
use crate::domain::commitment::TitleFacts;
use crate::domain::identifiers::{Isbn, Issn, OclcNumber};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = titles)]
pub struct TitleRow {
    pub id: String,
    pub oclc_number: i64,
    pub isbn: Option<String>,
    pub issn: Option<String>,
    pub title: String,
    pub author: Option<String>,
    pub publisher: Option<String>,
    pub pub_year: Option<i32>,
    pub format: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn find_by_oclc(
    conn: &mut DbConnection,
    oclc: OclcNumber,
) -> Result<Option<TitleRow>, DbError> {
    Ok(titles::table
        .filter(titles::oclc_number.eq(oclc.value()))
        .select(TitleRow::as_select())
        .first(conn)
        .optional()?)
}

/// The title with this OCLC number; created from `facts` when new. An existing title keeps its
/// bibliographic description: a later proposal only fills fields that were empty.
pub fn find_or_create(conn: &mut DbConnection, facts: &TitleFacts) -> Result<TitleRow, DbError> {
    if let Some(mut existing) = find_by_oclc(conn, facts.oclc_number)? {
        if fill_blanks(&mut existing, facts) {
            store_blanks(conn, &existing)?;
        }
        return Ok(existing);
    }
    let row = new_row(facts);
    diesel::insert_into(titles::table)
        .values(&row)
        .execute(conn)?;
    Ok(row)
}

/// A new title described by `facts`, not yet stored.
pub fn new_row(facts: &TitleFacts) -> TitleRow {
    let at = now();
    TitleRow {
        id: Uuid::now_v7().to_string(),
        oclc_number: facts.oclc_number.value(),
        isbn: facts.isbn.as_ref().map(|i| i.as_str().to_owned()),
        issn: facts.issn.as_ref().map(|i| i.as_str().to_owned()),
        title: facts.title.clone(),
        author: facts.author.clone(),
        publisher: facts.publisher.clone(),
        pub_year: facts.pub_year,
        format: facts.format.as_str().to_owned(),
        created_at: at,
        updated_at: at,
    }
}

/// Fills the fields of `title` that are empty and that `facts` knows; whether any was.
pub fn fill_blanks(title: &mut TitleRow, facts: &TitleFacts) -> bool {
    let mut changed = false;
    let mut fill = |slot: &mut Option<String>, value: Option<String>| {
        if slot.is_none() && value.is_some() {
            *slot = value;
            changed = true;
        }
    };
    fill(
        &mut title.isbn,
        facts.isbn.as_ref().map(|i| i.as_str().to_owned()),
    );
    fill(
        &mut title.issn,
        facts.issn.as_ref().map(|i| i.as_str().to_owned()),
    );
    fill(&mut title.author, facts.author.clone());
    fill(&mut title.publisher, facts.publisher.clone());
    if title.pub_year.is_none() && facts.pub_year.is_some() {
        title.pub_year = facts.pub_year;
        changed = true;
    }
    if changed {
        title.updated_at = now();
    }
    changed
}

/// Stores the description fields of a title that [`fill_blanks`] filled.
pub fn store_blanks(conn: &mut DbConnection, title: &TitleRow) -> Result<(), DbError> {
    diesel::update(titles::table.find(&title.id))
        .set((
            titles::isbn.eq(&title.isbn),
            titles::issn.eq(&title.issn),
            titles::author.eq(&title.author),
            titles::publisher.eq(&title.publisher),
            titles::pub_year.eq(title.pub_year),
            titles::updated_at.eq(title.updated_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The titles with any of these identifiers: an OCLC number, an ISBN (13 digits) or an ISSN; the
/// titles a lookup by a number that reads as more than one of them finds. In OCLC number order.
pub fn find_by_identifiers(
    conn: &mut DbConnection,
    oclc: Option<OclcNumber>,
    isbn: Option<&Isbn>,
    issn: Option<&Issn>,
) -> Result<Vec<TitleRow>, DbError> {
    let mut found: Vec<TitleRow> = Vec::new();
    if let Some(oclc) = oclc {
        found.extend(find_by_oclc(conn, oclc)?);
    }
    if let Some(isbn) = isbn {
        found.extend(
            titles::table
                .filter(titles::isbn.eq(isbn.as_str()))
                .select(TitleRow::as_select())
                .limit(100)
                .load(conn)?,
        );
    }
    if let Some(issn) = issn {
        found.extend(
            titles::table
                .filter(titles::issn.eq(issn.as_str()))
                .select(TitleRow::as_select())
                .limit(100)
                .load(conn)?,
        );
    }
    found.sort_by_key(|t| t.oclc_number);
    found.dedup_by(|a, b| a.id == b.id);
    Ok(found)
}
