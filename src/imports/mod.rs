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
use crate::db::models::bulk::{self, DryRun, Proposed, Store};
use crate::db::models::staging;
use crate::db::{Db, DbConnection, DbError};
use crate::domain::commitment::NewCommitment;
use crate::domain::identifiers::OclcNumber;
use crate::domain::{Actor, FieldError};
use crate::formats::rows::ImportedRow;
use crate::formats::FormatError;
use crate::formats::{hathitrust, marc_reader, oclc_csv, registry_csv};

pub use crate::db::models::bulk::Target;

mod check;
mod deprecations;
pub mod holdings;
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

/// A batch's rows checked alone, before any lock is taken: the proposals to decide against the
/// registry, with their lines and warnings, and what was rejected or passed over already.
struct CheckedBatch {
    lines: Vec<u64>,
    proposals: Vec<NewCommitment>,
    warned: Vec<Vec<FieldError>>,
    rows: u64,
    rejected: u64,
    errors: Vec<RowError>,
    passed_over: Vec<RowError>,
}

/// Checks each row of `batch` alone against `target` (reading the registry's titles for the rows
/// that may carry none).
fn check_batch(
    conn: &mut DbConnection,
    target: &Target,
    batch: Vec<ImportedRow>,
) -> Result<CheckedBatch, DbError> {
    let untitled: Vec<i64> = batch
        .iter()
        .filter(|row| row.input.title.is_none() && row.title_optional)
        .filter_map(|row| oclc_of(row.input.oclc_number.as_deref()))
        .map(OclcNumber::value)
        .collect();
    let known = bulk::titles_by_oclc(conn, &untitled)?;
    let today = Utc::now().date_naive();
    let mut checked = CheckedBatch {
        lines: Vec::with_capacity(batch.len()),
        proposals: Vec::with_capacity(batch.len()),
        warned: Vec::with_capacity(batch.len()),
        rows: 0,
        rejected: 0,
        errors: Vec::new(),
        passed_over: Vec::new(),
    };
    for row in batch {
        let line = row.line;
        match check_row(target, row, &known, today) {
            Checked::Propose(new, warnings) => {
                checked.rows += 1;
                checked.lines.push(line);
                checked.proposals.push(*new);
                checked.warned.push(warnings);
            }
            Checked::Rejected(fields) => {
                checked.rows += 1;
                checked.rejected += 1;
                checked
                    .errors
                    .extend(fields.into_iter().map(|e| row_error(line, e)));
            }
            // Another program's 583 is not a row of this import: said, not counted.
            Checked::NotOurs(warning) => checked.passed_over.push(row_error(line, warning)),
        }
    }
    Ok(checked)
}

/// Decides the checked proposals against the registry and stores them as `store` says; adds the
/// outcome to `report` and hands back the audit events of those stored.
fn store_batch(
    conn: &mut DbConnection,
    actor: &Actor,
    target: &Target,
    checked: CheckedBatch,
    store: Store<'_>,
    report: &mut ImportReport,
) -> Result<Vec<NewEvent>, DbError> {
    let CheckedBatch {
        lines,
        proposals,
        warned,
        rows,
        rejected,
        mut errors,
        passed_over,
    } = checked;
    report.rejected += rejected;
    let mut warnings = passed_over;
    let mut events = Vec::new();
    report.rows += rows;
    for ((line, outcome), row_warnings) in lines
        .into_iter()
        .zip(bulk::propose_many(conn, actor, target, proposals, store)?)
        .zip(warned)
    {
        match outcome {
            Proposed::Stored(event) => {
                report.imported += 1;
                events.push(event);
                warnings.extend(row_warnings.into_iter().map(|w| row_error(line, w)));
            }
            Proposed::Duplicate => report.skipped_duplicates += 1,
            Proposed::Rejected(fields) => {
                report.rejected += 1;
                errors.extend(fields.into_iter().map(|e| row_error(line, e)));
            }
        }
    }
    warnings.sort_by_key(|w| w.line);
    report.warnings.extend(warnings);
    // Rows the database refused come after the others: the report lists them in file order.
    errors.sort_by_key(|e| e.line);
    report.errors.extend(errors);
    Ok(events)
}

/// Where an import's rows come from: opened once to check the file, and again to write it.
pub type Source<'a> = dyn FnMut() -> Result<Rows, ImportError> + 'a;

/// The rows of an opened file, in order.
pub type Rows = Box<dyn Iterator<Item = ImportedRow> + Send>;

/// Imports the spooled upload `file` into `target`: what the HTTP API and the import page do with
/// a file they received.
pub fn run_file(
    db: &Db,
    actor: &Actor,
    target: &Target,
    file: &std::fs::File,
    format: ImportFormat,
    mode: ImportMode,
) -> Result<ImportReport, ImportError> {
    use std::io::Seek;
    let mut source = || {
        let mut reader = file
            .try_clone()
            .map_err(|e| ImportError::File(FormatError::Header(e.to_string())))?;
        reader
            .rewind()
            .map_err(|e| ImportError::File(FormatError::Header(e.to_string())))?;
        rows(Box::new(std::io::BufReader::new(reader)), format)
    };
    run(db, actor, target, format, &mut source, mode)
}

/// The batches of `rows`, a thousand rows each.
fn batches(rows: Rows) -> impl Iterator<Item = Vec<ImportedRow>> {
    let mut rows = rows.peekable();
    std::iter::from_fn(move || {
        rows.peek()
            .is_some()
            .then(|| rows.by_ref().take(BATCH).collect::<Vec<ImportedRow>>())
    })
}

/// Imports the rows of `source` into `target` as proposals by `actor` (or, for a deprecation
/// file, ends the commitments it names).
///
/// No transaction is held while the file is read and checked. `validate` only reads. `valid_rows`
/// stores each batch in a transaction of its own. `all_or_nothing` first checks every row (a
/// rejected one ends it, nothing written), then stores the file batch by batch under a staging
/// import that hides it from every reader, and publishes it in one short last step: others
/// write between its batches, and readers see all of it or none.
pub fn run(
    db: &Db,
    actor: &Actor,
    target: &Target,
    format: ImportFormat,
    source: &mut Source<'_>,
    mode: ImportMode,
) -> Result<ImportReport, ImportError> {
    let report = if format == ImportFormat::HathitrustDeprecation {
        deprecations::run(db, actor, target, batches(source()?), mode)?
    } else {
        match mode {
            ImportMode::Validate => dry_run(db, actor, target, source()?)?,
            ImportMode::ValidRows => write_each_batch(db, actor, target, source()?)?,
            ImportMode::AllOrNothing => {
                let checked = dry_run(db, actor, target, source()?)?;
                if checked.rejected > 0 {
                    ImportReport {
                        imported: 0,
                        ..checked
                    }
                } else {
                    write_staged(db, actor, target, format, source()?)?
                }
            }
        }
    };
    // Planner statistics lag behind a large import until the database refreshes them on its own;
    // queries right after it (a filtered export) should not be planned for the empty tables.
    if report.imported >= BATCH as u64 {
        if let Err(error) = db.refresh_statistics() {
            tracing::warn!(%error, "could not refresh the planner statistics after an import");
        }
    }
    Ok(report)
}

/// What importing `rows` would do, decided against the registry without writing or locking.
fn dry_run(
    db: &Db,
    actor: &Actor,
    target: &Target,
    rows: Rows,
) -> Result<ImportReport, ImportError> {
    let mut report = ImportReport::default();
    let mut dry = DryRun::default();
    for batch in batches(rows) {
        let mut conn = db.conn()?;
        let checked = check_batch(&mut conn, target, batch)?;
        store_batch(
            &mut conn,
            actor,
            target,
            checked,
            Store::Dry(&mut dry),
            &mut report,
        )?;
    }
    Ok(report)
}

/// Stores each batch's good rows in a transaction of its own (`valid_rows`).
fn write_each_batch(
    db: &Db,
    actor: &Actor,
    target: &Target,
    rows: Rows,
) -> Result<ImportReport, ImportError> {
    let mut report = ImportReport::default();
    let audit_actor = AuditActor::from(actor);
    let mut statistics = Statistics::default();
    for batch in batches(rows) {
        statistics.keep_fresh(db, report.imported);
        let checked = check_batch(&mut *db.conn()?, target, batch)?;
        let mut batch_report = ImportReport::default();
        db.write_blocking(|conn| {
            let store = Store::Write { import_id: None };
            let events = store_batch(conn, actor, target, checked, store, &mut batch_report)?;
            audit::append(conn, &audit_actor, events)?;
            Ok(())
        })?;
        report.add(batch_report);
    }
    Ok(report)
}

/// Stores every row of a file checked clean under a staging import, batch by batch, and publishes
/// it (`all_or_nothing`). A row refused now after all (the registry changed since the check)
/// abandons the import: nothing of it is kept.
fn write_staged(
    db: &Db,
    actor: &Actor,
    target: &Target,
    format: ImportFormat,
    rows: Rows,
) -> Result<ImportReport, ImportError> {
    let audit_actor = AuditActor::from(actor);
    let by = (!actor.is_system()).then_some(actor.user_id);
    let import_id = db.write_blocking(|conn| staging::begin(conn, target, by, format.as_str()))?;
    let give_up = |why: &str| {
        if let Err(error) = staging::abandon(db, Some(&import_id), chrono::Duration::zero(), why) {
            tracing::error!(%error, import = %import_id, "could not abandon a failed import; the sweep will");
        }
    };
    let mut report = ImportReport::default();
    let mut statistics = Statistics::default();
    for batch in batches(rows) {
        statistics.keep_fresh(db, report.imported);
        let written = check_batch(&mut *db.conn()?, target, batch).and_then(|checked| {
            let mut batch_report = ImportReport::default();
            db.write_blocking(|conn| {
                let store = Store::Write {
                    import_id: Some(&import_id),
                };
                let events = store_batch(conn, actor, target, checked, store, &mut batch_report)?;
                staging::beat(conn, &import_id, events.len() as i64)?;
                audit::append_staged(conn, &audit_actor, events, &import_id)?;
                Ok(())
            })?;
            Ok(batch_report)
        });
        match written {
            Ok(batch_report) => report.add(batch_report),
            Err(error) => {
                give_up(&format!("writing a batch failed: {error}"));
                return Err(error.into());
            }
        }
        if report.rejected > 0 {
            give_up("a row was refused while writing");
            report.imported = 0;
            return Ok(report);
        }
    }
    let details = serde_json::json!({
        "format": format.as_str(),
        "rows": report.rows,
        "imported": report.imported,
        "skipped_duplicates": report.skipped_duplicates,
        "library": target.library.oclc_symbol,
        "program": target.program.code,
    });
    let publishing = std::time::Instant::now();
    if let Err(error) =
        db.write_blocking(|conn| staging::publish(conn, &audit_actor, target, &import_id, details))
    {
        give_up(&format!("publishing failed: {error}"));
        return Err(error.into());
    }
    tracing::info!(
        import = %import_id,
        rows = report.imported,
        publish_ms = publishing.elapsed().as_millis() as u64,
        "import published"
    );
    Ok(report)
}

/// When a long import next refreshes the planner's statistics on PostgreSQL.
///
/// A batch looks up its titles and live commitments with `= ANY($1)`. PostgreSQL plans a prepared
/// statement generically after a few runs, from statistics that (without autovacuum, or before it
/// comes round) still describe the tables as they were before the import: a million-row import
/// slowed from thousands of rows a second to a few hundred, each look-up a sequential scan of a
/// table grown to 900,000 rows. ANALYZE each time the rows stored double keeps plans on the indexes
/// (a sample, fast, and it does not block writers); SQLite plans each statement afresh.
struct Statistics {
    next: u64,
}

impl Default for Statistics {
    fn default() -> Self {
        Self {
            next: 4 * BATCH as u64,
        }
    }
}

impl Statistics {
    fn keep_fresh(&mut self, db: &Db, stored: u64) {
        if db.backend() != crate::db::Backend::Postgres || stored < self.next {
            return;
        }
        self.next = stored * 2;
        if let Err(error) = db.refresh_statistics() {
            tracing::warn!(%error, "could not refresh the planner statistics during an import");
        }
    }
}

impl ImportReport {
    /// Adds the counts, errors and warnings of a later part of the same file.
    fn add(&mut self, part: ImportReport) {
        self.rows += part.rows;
        self.imported += part.imported;
        self.skipped_duplicates += part.skipped_duplicates;
        self.rejected += part.rejected;
        self.errors.extend(part.errors);
        self.warnings.extend(part.warnings);
    }
}
