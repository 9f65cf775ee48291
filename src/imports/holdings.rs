//! Loading a library's holdings file: read and checked a thousand rows at a time outside any
//! transaction, each batch stored in a short transaction of its own, the new set made current in
//! one last short step with its audit event (see [`crate::db::models::holdings`]).

use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::{row_error, ImportError, RowError, BATCH};
use crate::db::audit::{self, AuditActor, NewEvent};
use crate::db::models::holdings as store;
use crate::db::models::libraries::LibraryRow;
use crate::db::Db;
use crate::domain::holdings::Holding;
use crate::domain::Actor;
use crate::formats::holdings::{input_of, HoldingRows, HoldingsFormat};

/// Whether a file is the library's whole holdings or more of them.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema, clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
#[clap(rename_all = "snake_case")]
pub enum HoldingsMode {
    /// The file becomes the library's whole holdings (the default).
    #[default]
    Replace,
    /// The file's titles are added to what the library holds.
    Add,
}

impl HoldingsMode {
    pub fn as_str(self) -> &'static str {
        match self {
            HoldingsMode::Replace => "replace",
            HoldingsMode::Add => "add",
        }
    }

    pub fn parse(name: &str) -> Result<Self, String> {
        match name {
            "replace" => Ok(HoldingsMode::Replace),
            "add" => Ok(HoldingsMode::Add),
            other => Err(format!("{other:?} is not one of replace, add")),
        }
    }
}

/// What a holdings load did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct HoldingsReport {
    /// Rows (or records) read.
    pub rows: u64,
    /// Titles the library holds after the load.
    pub held: u64,
    /// Titles the registry did not know, created from the file.
    pub new_titles: u64,
    pub rejected: u64,
    pub errors: Vec<RowError>,
    /// Values passed over (a bad ISBN, a merged number that does not read).
    pub warnings: Vec<RowError>,
}

/// Loads `rows` as the holdings of `library` (already checked: `actor` may load them).
pub fn load(
    db: &Db,
    actor: &Actor,
    library: &LibraryRow,
    format: HoldingsFormat,
    rows: HoldingRows,
    mode: HoldingsMode,
) -> Result<HoldingsReport, ImportError> {
    let replace = mode == HoldingsMode::Replace;
    let library_id = library.id.as_str();
    let generation = db.write_blocking(|conn| store::begin(conn, library_id, replace))?;
    let mut report = HoldingsReport::default();
    let mut rows = rows.peekable();
    while rows.peek().is_some() {
        let mut batch = Vec::with_capacity(BATCH);
        for mut row in rows.by_ref().take(BATCH) {
            report.rows += 1;
            let line = row.line;
            let read_errors = std::mem::take(&mut row.errors);
            let read_warnings = std::mem::take(&mut row.warnings);
            report
                .warnings
                .extend(read_warnings.into_iter().map(|w| row_error(line, w)));
            if !read_errors.is_empty() {
                report.rejected += 1;
                report
                    .errors
                    .extend(read_errors.into_iter().map(|e| row_error(line, e)));
                continue;
            }
            match Holding::parse(input_of(&mut row)) {
                Ok((holding, warnings)) => {
                    report
                        .warnings
                        .extend(warnings.into_iter().map(|w| row_error(line, w)));
                    batch.push(holding);
                }
                Err(errors) => {
                    report.rejected += 1;
                    report
                        .errors
                        .extend(errors.into_iter().map(|e| row_error(line, e)));
                }
            }
        }
        if batch.is_empty() {
            continue;
        }
        let stored = db.write_blocking(|conn| {
            store::store_batch(conn, library_id, generation, &batch, replace)
        })?;
        report.new_titles += stored.new_titles;
    }
    let audit_actor = AuditActor::from(actor);
    let subject = crate::db::models::parse_id(library_id)?;
    let held = db.write_blocking(|conn| {
        let held = store::publish(conn, library_id, generation, replace)?;
        audit::append(
            conn,
            &audit_actor,
            vec![NewEvent::record(
                "load_holdings",
                "library",
                subject,
                json!({
                    "library": library.oclc_symbol,
                    "format": format.as_str(),
                    "mode": mode.as_str(),
                    "rows": report.rows,
                    "held": held,
                    "new_titles": report.new_titles,
                    "rejected": report.rejected,
                }),
            )],
        )?;
        Ok(held)
    })?;
    report.held = u64::try_from(held).unwrap_or(0);
    if replace {
        match store::clear_old(db, library_id) {
            Ok(removed) => {
                tracing::debug!(library = %library.oclc_symbol, removed, "old holdings cleared")
            }
            // The rows are invisible already; the next load clears them.
            Err(error) => {
                tracing::warn!(%error, library = %library.oclc_symbol, "could not clear the old holdings")
            }
        }
    }
    Ok(report)
}

/// The library `library_id` and whether `actor` may load its holdings.
pub fn check_library(
    conn: &mut crate::db::DbConnection,
    actor: &Actor,
    library_id: Uuid,
) -> Result<LibraryRow, crate::db::DbError> {
    let library = crate::db::models::libraries::find(conn, library_id)?;
    let programs = crate::db::models::programs::programs_of_library(conn, &library.id)?;
    crate::domain::holdings::may_load(actor, library_id, &programs)?;
    Ok(library)
}
