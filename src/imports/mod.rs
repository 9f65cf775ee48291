//! Bulk import: a file of commitments becomes proposals by the importer, in batches inside
//! transactions, never one transaction per row.
//!
//! Modes: `validate` checks everything (against the database too) and writes nothing;
//! `all_or_nothing` writes everything or, if any row is rejected, nothing; `valid_rows` writes
//! the good rows batch by batch. Re-importing a file imports nothing: every row is a duplicate.

use std::io::Read;

use chrono::Utc;
use serde::{Deserialize, Serialize};

use crate::db::audit::{self, AuditActor, NewEvent};
use crate::db::models::bulk::{self, Proposed};
use crate::db::{Db, DbConnection, DbError};
use crate::domain::identifiers::OclcNumber;
use crate::domain::{Actor, FieldError};
use crate::formats::rows::ImportedRow;
use crate::formats::FormatError;
use crate::formats::{hathitrust, marc_reader, oclc_csv, registry_csv};

pub use crate::db::models::bulk::Target;

mod check;
mod deprecations;
use check::{check_row, oclc_of, Checked};

/// Rows checked and stored together; in `valid_rows` mode, rows per transaction.
pub const BATCH: usize = 1_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
#[clap(rename_all = "snake_case")]
pub enum ImportFormat {
    Csv,
    HathitrustTsv,
    Marc,
    Marcxml,
    OclcCsv,
    HathitrustDeprecation,
}

impl ImportFormat {
    pub const ALL: [ImportFormat; 6] = [
        ImportFormat::Csv,
        ImportFormat::HathitrustTsv,
        ImportFormat::Marc,
        ImportFormat::Marcxml,
        ImportFormat::OclcCsv,
        ImportFormat::HathitrustDeprecation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ImportFormat::Csv => "csv",
            ImportFormat::HathitrustTsv => "hathitrust_tsv",
            ImportFormat::Marc => "marc",
            ImportFormat::Marcxml => "marcxml",
            ImportFormat::OclcCsv => "oclc_csv",
            ImportFormat::HathitrustDeprecation => "hathitrust_deprecation",
        }
    }

    /// What people call it.
    pub fn label(self) -> &'static str {
        match self {
            ImportFormat::Csv => "Registry CSV",
            ImportFormat::HathitrustTsv => "HathiTrust shared print TSV",
            ImportFormat::Marc => "MARC 21 (ISO 2709) with 583 fields",
            ImportFormat::Marcxml => "MARCXML with 583 fields",
            ImportFormat::OclcCsv => "OCLC shared print registration CSV",
            ImportFormat::HathitrustDeprecation => {
                "HathiTrust deprecations (ends the named commitments)"
            }
        }
    }

    pub fn parse(name: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|f| f.as_str() == name)
            .ok_or_else(|| {
                format!("{name:?} is not one of csv, hathitrust_tsv, marc, marcxml, oclc_csv, hathitrust_deprecation")
            })
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, utoipa::ToSchema, clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
#[clap(rename_all = "snake_case")]
pub enum ImportMode {
    Validate,
    #[default]
    AllOrNothing,
    ValidRows,
}

impl ImportMode {
    pub const ALL: [ImportMode; 3] = [
        ImportMode::Validate,
        ImportMode::AllOrNothing,
        ImportMode::ValidRows,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ImportMode::Validate => "validate",
            ImportMode::AllOrNothing => "all_or_nothing",
            ImportMode::ValidRows => "valid_rows",
        }
    }

    /// What it does, in words.
    pub fn label(self) -> &'static str {
        match self {
            ImportMode::Validate => "Check the file only (write nothing)",
            ImportMode::AllOrNothing => "Import everything, or nothing if any row is rejected",
            ImportMode::ValidRows => "Import the good rows, report the others",
        }
    }

    pub fn parse(name: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|m| m.as_str() == name)
            .ok_or_else(|| format!("{name:?} is not one of validate, all_or_nothing, valid_rows"))
    }
}

/// One rejected row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RowError {
    pub line: u64,
    pub field: String,
    pub message: String,
}

/// What an import did (or, validating, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub rows: u64,
    pub imported: u64,
    pub skipped_duplicates: u64,
    pub rejected: u64,
    pub errors: Vec<RowError>,
    /// Rows imported with a default applied or a value kept as a note, and 583s of other programs
    /// passed over.
    pub warnings: Vec<RowError>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("{0}")]
    File(#[from] FormatError),
    #[error("this import format is not available yet: {0}")]
    Unsupported(&'static str),
}

/// Opens `input` as `format`: a stream of rows.
pub fn rows(
    input: Box<dyn Read + Send>,
    format: ImportFormat,
) -> Result<Box<dyn Iterator<Item = ImportedRow> + Send>, ImportError> {
    Ok(match format {
        ImportFormat::Csv => Box::new(registry_csv::reader::open(input, b',')?),
        ImportFormat::HathitrustTsv => Box::new(hathitrust::reader::open(input)?),
        ImportFormat::Marc => Box::new(marc_reader::binary_rows(input)),
        ImportFormat::Marcxml => {
            let mut input = std::io::BufReader::new(input);
            marc_reader::check_xml_start(
                std::io::BufRead::fill_buf(&mut input)
                    .map_err(|e| FormatError::Header(e.to_string()))?,
            )?;
            Box::new(marc_reader::xml_rows(input))
        }
        ImportFormat::OclcCsv => Box::new(oclc_csv::reader::open(input)?),
        ImportFormat::HathitrustDeprecation => Box::new(hathitrust::deprecations::open(input)?),
    })
}

fn row_error(line: u64, error: FieldError) -> RowError {
    RowError {
        line,
        field: error.field,
        message: error.message,
    }
}

/// Checks a batch of rows and stores the good ones as proposals; the audit events of those stored.
fn import_batch(
    conn: &mut DbConnection,
    actor: &Actor,
    target: &Target,
    batch: Vec<ImportedRow>,
    report: &mut ImportReport,
) -> Result<Vec<NewEvent>, DbError> {
    if batch.first().is_some_and(|row| row.ends) {
        // Each ending is a workflow action that appends its own audit event.
        deprecations::apply_batch(conn, actor, target, batch, report)?;
        return Ok(Vec::new());
    }
    let untitled: Vec<i64> = batch
        .iter()
        .filter(|row| row.input.title.is_none() && row.title_optional)
        .filter_map(|row| oclc_of(row.input.oclc_number.as_deref()))
        .map(OclcNumber::value)
        .collect();
    let known = bulk::titles_by_oclc(conn, &untitled)?;
    let today = Utc::now().date_naive();
    let mut errors = Vec::new();
    let mut reject = |report: &mut ImportReport, line: u64, fields: Vec<FieldError>| {
        report.rejected += 1;
        errors.extend(fields.into_iter().map(|e| RowError {
            line,
            field: e.field,
            message: e.message,
        }));
    };
    let mut lines = Vec::with_capacity(batch.len());
    let mut checked = Vec::with_capacity(batch.len());
    let mut warned = Vec::with_capacity(batch.len());
    let mut passed_over = Vec::new();
    for row in batch {
        let line = row.line;
        match check_row(target, row, &known, today) {
            Checked::Propose(new, warnings) => {
                report.rows += 1;
                lines.push(line);
                checked.push(*new);
                warned.push(warnings);
            }
            Checked::Rejected(fields) => {
                report.rows += 1;
                reject(report, line, fields);
            }
            // Another program's 583 is not a row of this import: said, not counted.
            Checked::NotOurs(warning) => passed_over.push(row_error(line, warning)),
        }
    }
    let mut warnings = passed_over;
    let mut events = Vec::new();
    for ((line, outcome), row_warnings) in lines
        .into_iter()
        .zip(bulk::propose_many(conn, actor, target, checked)?)
        .zip(warned)
    {
        match outcome {
            Proposed::Stored(event) => {
                report.imported += 1;
                events.push(event);
                warnings.extend(row_warnings.into_iter().map(|w| row_error(line, w)));
            }
            Proposed::Duplicate => report.skipped_duplicates += 1,
            Proposed::Rejected(fields) => reject(report, line, fields),
        }
    }
    warnings.sort_by_key(|w| w.line);
    report.warnings.extend(warnings);
    // Rows the database refused come after the others: the report lists them in file order.
    errors.sort_by_key(|e| e.line);
    report.errors.extend(errors);
    Ok(events)
}

/// Imports the spooled upload `file` (read from its start) into `target`: what the HTTP API and the
/// import page do with a file they received.
pub fn run_file(
    db: &Db,
    actor: &Actor,
    target: &Target,
    file: &mut std::fs::File,
    format: ImportFormat,
    mode: ImportMode,
) -> Result<ImportReport, ImportError> {
    use std::io::Seek;
    file.rewind()
        .map_err(|e| ImportError::File(FormatError::Header(e.to_string())))?;
    let reader = file
        .try_clone()
        .map_err(|e| ImportError::File(FormatError::Header(e.to_string())))?;
    let rows = rows(Box::new(std::io::BufReader::new(reader)), format)?;
    run(db, actor, target, rows, mode, &mut |_| {})
}

/// Imports `rows` into `target` as proposals by `actor`; `progress` hears the rows read so far.
pub fn run(
    db: &Db,
    actor: &Actor,
    target: &Target,
    rows: Box<dyn Iterator<Item = ImportedRow> + Send>,
    mode: ImportMode,
    progress: &mut dyn FnMut(u64),
) -> Result<ImportReport, ImportError> {
    let mut report = ImportReport::default();
    let audit_actor = AuditActor::from(actor);
    let mut rows = rows.peekable();
    let mut next_batch = move || {
        rows.peek()
            .is_some()
            .then(|| rows.by_ref().take(BATCH).collect::<Vec<ImportedRow>>())
    };
    match mode {
        ImportMode::ValidRows => {
            while let Some(batch) = next_batch() {
                db.write_blocking(|conn| {
                    let events = import_batch(conn, actor, target, batch, &mut report)?;
                    audit::append(conn, &audit_actor, events)?;
                    Ok(())
                })?;
                progress(report.rows);
            }
        }
        ImportMode::AllOrNothing | ImportMode::Validate => {
            let result = db.write_blocking(|conn| {
                while let Some(batch) = next_batch() {
                    let events = import_batch(conn, actor, target, batch, &mut report)?;
                    audit::append(conn, &audit_actor, events)?;
                    progress(report.rows);
                }
                if mode == ImportMode::Validate || report.rejected > 0 {
                    Err(DbError::RolledBack)
                } else {
                    Ok(())
                }
            });
            match result {
                Ok(()) => {}
                Err(DbError::RolledBack) if mode == ImportMode::AllOrNothing => report.imported = 0,
                Err(DbError::RolledBack) => {}
                Err(other) => return Err(other.into()),
            }
        }
    }
    // Planner statistics lag behind a large import until the database refreshes them on its own;
    // queries right after it (a filtered export) should not be planned for the empty tables.
    if report.imported >= BATCH as u64 {
        if let Err(error) = db.refresh_statistics() {
            tracing::warn!(%error, "could not refresh the planner statistics after an import");
        }
    }
    Ok(report)
}
