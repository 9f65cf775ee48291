//! Titles, one per OCLC number, found or created when a commitment is proposed.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use uuid::Uuid;

use std::collections::HashMap;

use crate::db::schema::{title_aliases, titles};
use crate::db::{now, DbConnection, DbError};
use crate::domain::commitment::TitleFacts;
use crate::domain::identifiers::{Isbn, Issn, OclcNumber};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = titles, treat_none_as_default_value = false)]
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
    #[diesel(deserialize_as = crate::db::time::StoredTime)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = crate::db::time::StoredTime)]
    pub updated_at: NaiveDateTime,
    /// The import that created it, hidden from lookups while that import is staging.
    pub import_id: Option<String>,
}

/// The title with this OCLC number, its own or one merged into it (an alias).
pub fn find_by_oclc(
    conn: &mut DbConnection,
    oclc: OclcNumber,
) -> Result<Option<TitleRow>, DbError> {
    // One query when the number is the title's own (nearly always), with the titles a staging
    // import created left out (they are not there yet for readers).
    let own = crate::on_backend!(conn, |c| titles::table
        .filter(titles::oclc_number.eq(oclc.value()))
        .filter(crate::shown!(titles))
        .select(TitleRow::as_select())
        .first(c)
        .optional())?;
    if own.is_some() {
        return Ok(own);
    }
    Ok(crate::on_backend!(conn, |c| title_aliases::table
        .inner_join(titles::table)
        .filter(title_aliases::oclc_number.eq(oclc.value()))
        .filter(crate::shown!(titles))
        .select(TitleRow::as_select())
        .first(c)
        .optional())?)
}

/// Makes titles that staging imports created everyone's: a commitment that others see came to
/// use them.
pub fn adopt(conn: &mut DbConnection, ids: Vec<String>) -> Result<(), DbError> {
    if !ids.is_empty() {
        diesel::update(
            titles::table
                .filter(titles::id.eq_any(ids))
                .filter(titles::import_id.is_not_null()),
        )
        .set(titles::import_id.eq(None::<String>))
        .execute(conn)?;
    }
    Ok(())
}

/// The titles of these OCLC numbers, each found by its own number or an alias: number → title.
pub fn resolve(
    conn: &mut DbConnection,
    numbers: &[i64],
) -> Result<HashMap<i64, TitleRow>, DbError> {
    if numbers.is_empty() {
        return Ok(HashMap::new());
    }
    // One number (a lookup) is asked with `=`: SQLite prepares an `IN` list anew each time.
    let query = titles::table.select(TitleRow::as_select()).into_boxed();
    let query = match numbers {
        [number] => query.filter(titles::oclc_number.eq(*number)),
        _ => query.filter(titles::oclc_number.eq_any(numbers)),
    };
    let mut found: HashMap<i64, TitleRow> = query
        .load::<TitleRow>(conn)?
        .into_iter()
        .map(|title| (title.oclc_number, title))
        .collect();
    let missing: Vec<i64> = numbers
        .iter()
        .copied()
        .filter(|n| !found.contains_key(n))
        .collect();
    if !missing.is_empty() {
        let merged: Vec<(i64, TitleRow)> = title_aliases::table
            .inner_join(titles::table)
            .filter(title_aliases::oclc_number.eq_any(&missing))
            .select((title_aliases::oclc_number, TitleRow::as_select()))
            .load(conn)?;
        found.extend(merged);
    }
    Ok(found)
}

/// The aliases of these titles, by title id, in number order.
pub fn aliases_of(
    conn: &mut DbConnection,
    title_ids: &[String],
) -> Result<HashMap<String, Vec<i64>>, DbError> {
    let rows: Vec<(String, i64)> = match title_ids {
        // One title (a lookup): a query of fixed shape, its statement found by its type.
        [title_id] => crate::on_backend!(conn, |c| title_aliases::table
            .select((title_aliases::title_id, title_aliases::oclc_number))
            .filter(title_aliases::title_id.eq(title_id))
            .order(title_aliases::oclc_number)
            .load(c))?,
        _ => title_aliases::table
            .select((title_aliases::title_id, title_aliases::oclc_number))
            .filter(title_aliases::title_id.eq_any(title_ids))
            .order(title_aliases::oclc_number)
            .load(conn)?,
    };
    let mut by_title: HashMap<String, Vec<i64>> = HashMap::new();
    for (title, number) in rows {
        by_title.entry(title).or_default().push(number);
    }
    Ok(by_title)
}

/// Records `(number, title id)` pairs as aliases (brought by the staging import `import_id`, when
/// given), but for numbers that are already a title's own number or an alias (a number names one
/// title only).
pub fn add_aliases(
    conn: &mut DbConnection,
    pairs: &[(i64, String)],
    import_id: Option<&str>,
) -> Result<(), DbError> {
    if pairs.is_empty() {
        return Ok(());
    }
    let numbers: Vec<i64> = pairs.iter().map(|(n, _)| *n).collect();
    let taken: std::collections::HashSet<i64> = titles::table
        .filter(titles::oclc_number.eq_any(&numbers))
        .select(titles::oclc_number)
        .load::<i64>(conn)?
        .into_iter()
        .chain(
            title_aliases::table
                .filter(title_aliases::oclc_number.eq_any(&numbers))
                .select(title_aliases::oclc_number)
                .load::<i64>(conn)?,
        )
        .collect();
    let at = now();
    let mut seen = std::collections::HashSet::new();
    let rows: Vec<_> = pairs
        .iter()
        .filter(|(n, _)| !taken.contains(n) && seen.insert(*n))
        .map(|(n, title)| {
            (
                title_aliases::oclc_number.eq(*n),
                title_aliases::title_id.eq(title.clone()),
                title_aliases::created_at.eq(at),
                title_aliases::import_id.eq(import_id.map(str::to_owned)),
            )
        })
        .collect();
    if !rows.is_empty() {
        crate::insert_batch!(conn, title_aliases::table, &rows);
    }
    Ok(())
}

/// The alias pairs a proposal of `facts` on `title` brings: its merged numbers, and its own number
/// when the title was found by a merged one.
pub fn aliases_brought(facts: &TitleFacts, title: &TitleRow) -> Vec<(i64, String)> {
    let own = facts.oclc_number.value();
    facts
        .aliases
        .iter()
        .map(|a| a.value())
        .chain((own != title.oclc_number).then_some(own))
        .filter(|n| *n != title.oclc_number)
        .map(|n| (n, title.id.clone()))
        .collect()
}

/// The title with this OCLC number (or one of the numbers merged into it); created from `facts`
/// when new. An existing title keeps its bibliographic description: a later proposal only fills
/// fields that were empty. The proposal's merged numbers become the title's aliases.
pub fn find_or_create(conn: &mut DbConnection, facts: &TitleFacts) -> Result<TitleRow, DbError> {
    let numbers: Vec<i64> = std::iter::once(facts.oclc_number.value())
        .chain(facts.aliases.iter().map(|a| a.value()))
        .collect();
    let mut known = resolve(conn, &numbers)?;
    let existing = numbers.iter().find_map(|n| known.remove(n));
    let title = match existing {
        Some(mut existing) => {
            if fill_blanks(&mut existing, facts) {
                store_blanks(conn, &existing)?;
            }
            if existing.import_id.take().is_some() {
                adopt(conn, vec![existing.id.clone()])?;
            }
            existing
        }
        None => {
            let row = new_row(facts);
            diesel::insert_into(titles::table)
                .values(&row)
                .execute(conn)?;
            row
        }
    };
    add_aliases(conn, &aliases_brought(facts, &title), None)?;
    Ok(title)
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
        import_id: None,
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
                .filter(crate::shown!(titles))
                .select(TitleRow::as_select())
                .limit(100)
                .load(conn)?,
        );
    }
    if let Some(issn) = issn {
        found.extend(
            titles::table
                .filter(titles::issn.eq(issn.as_str()))
                .filter(crate::shown!(titles))
                .select(TitleRow::as_select())
                .limit(100)
                .load(conn)?,
        );
    }
    found.sort_by_key(|t| t.oclc_number);
    found.dedup_by(|a, b| a.id == b.id);
    Ok(found)
}
