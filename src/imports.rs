//! Bulk import: a file of commitments becomes proposals by the importer, in batches inside
//! transactions, never one transaction per row.
//!
//! Modes: `validate` checks everything (against the database too) and writes nothing;
//! `all_or_nothing` writes everything or, if any row is rejected, nothing; `valid_rows` writes
//! the good rows batch by batch. Re-importing a file imports nothing: every row is a duplicate.

use std::io::Read;

use chrono::Utc;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::audit::{self, AuditActor, NewEvent};
use crate::db::models::commitments::{self, live_duplicate};
use crate::db::models::libraries::LibraryRow;
use crate::db::models::programs::ProgramRow;
use crate::db::models::{libraries, programs, titles};
use crate::db::{Db, DbConnection, DbError};
use crate::domain::commitment::NewCommitment;
use crate::domain::workflow::{self, Refusal};
use crate::domain::{Actor, FieldError, ValidationErrors};
use crate::formats::rows::ImportedRow;
use crate::formats::FormatError;
use crate::formats::{hathitrust, marc_reader, registry_csv};

/// Rows per transaction in `valid_rows` mode.
pub const BATCH: usize = 1_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
#[clap(rename_all = "snake_case")]
pub enum ImportFormat {
    Csv,
    HathitrustTsv,
    Marc,
    Marcxml,
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

/// The program and library an import writes to, checked for the actor.
pub struct Target {
    pub program: ProgramRow,
    pub library: LibraryRow,
}

/// Finds the program and library and checks that `actor` may propose there and that the library
/// is a member.
pub fn target(
    conn: &mut DbConnection,
    actor: &Actor,
    program_id: Uuid,
    library_id: Uuid,
) -> Result<Target, DbError> {
    let program = programs::find(conn, program_id)?;
    let library = libraries::find(conn, library_id)?;
    workflow::may_propose(actor, program_id, library_id).map_err(|refusal| match refusal {
        Refusal::Forbidden(why) => DbError::Forbidden(why),
        _ => DbError::Forbidden("you may not import into this program and library".into()),
    })?;
    if !commitments::is_member(conn, &program.id, &library.id)? {
        return Err(ValidationErrors::one(
            "library_id",
            format!(
                "{} is not a member of {}",
                library.oclc_symbol, program.code
            ),
        )
        .into());
    }
    Ok(Target { program, library })
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
    })
}

/// What became of one row.
enum Outcome {
    /// Stored; its audit event is still to be appended.
    Imported(NewEvent),
    Duplicate,
    Rejected(Vec<FieldError>),
}

/// Checks a row against the target and stores it as a proposal, unless it duplicates a live commitment.
fn import_row(
    conn: &mut DbConnection,
    actor: &Actor,
    target: &Target,
    row: ImportedRow,
) -> Result<Outcome, DbError> {
    let mut errors = row.errors;
    let claims = [
        (
            "program_code",
            row.program_code.as_deref(),
            target.program.code.as_str(),
            true,
        ),
        (
            "oclc_symbol",
            row.oclc_symbol.as_deref(),
            target.library.oclc_symbol.as_str(),
            false,
        ),
        (
            "marc_org_code",
            row.marc_org_code.as_deref(),
            target.library.marc_org_code.as_str(),
            false,
        ),
    ];
    for (field, claimed, actual, ignore_case) in claims {
        if let Some(claimed) = claimed {
            let same = if ignore_case {
                claimed.eq_ignore_ascii_case(actual)
            } else {
                claimed == actual
            };
            if !same {
                errors.push(FieldError {
                    field: field.to_owned(),
                    message: format!("the row is for {claimed}, but this import is for {actual}"),
                });
            }
        }
    }
    let mut input = row.input;
    if input.title.is_none() && row.title_optional {
        input.title = Some(title_for(conn, input.oclc_number.as_deref())?);
    }
    input.program_id = Some(super_id(&target.program.id)?);
    input.library_id = Some(super_id(&target.library.id)?);
    // Fields the reader already found wrong are not checked twice.
    for error in &errors {
        match error.field.as_str() {
            "retention_start" => input.retention_start = None,
            "retention_end" => input.retention_end = None,
            _ => {}
        }
    }
    let parsed = NewCommitment::parse(input, Utc::now().date_naive());
    if let Err(invalid) = &parsed {
        errors.extend(invalid.0.iter().cloned());
    }
    let new = match parsed {
        Ok(new) if errors.is_empty() => new,
        _ => return Ok(Outcome::Rejected(errors)),
    };
    if let Some(title) = titles::find_by_oclc(conn, new.title.oclc_number)? {
        if live_duplicate(
            conn,
            &target.program.id,
            &target.library.id,
            &title.id,
            new.materials_specified.as_deref(),
        )?
        .is_some()
        {
            return Ok(Outcome::Duplicate);
        }
    }
    match commitments::propose_deferred(conn, actor, new) {
        Ok((_, event)) => Ok(Outcome::Imported(event)),
        Err(DbError::Invalid(invalid)) => Ok(Outcome::Rejected(invalid.0)),
        Err(other) => Err(other),
    }
}

/// The title of a row whose format carries none: the registry's, or a placeholder.
fn title_for(conn: &mut DbConnection, oclc: Option<&str>) -> Result<String, DbError> {
    let Some(number) = oclc.and_then(|o| crate::domain::identifiers::OclcNumber::parse(o).ok())
    else {
        return Ok(String::from("[title not given]"));
    };
    Ok(match titles::find_by_oclc(conn, number)? {
        Some(title) => title.title,
        None => format!("[title not given: OCLC {number}]"),
    })
}

fn super_id(id: &str) -> Result<Uuid, DbError> {
    Uuid::parse_str(id).map_err(|e| DbError::Corrupt(e.to_string()))
}

fn record(report: &mut ImportReport, line: u64, outcome: Outcome) -> Option<NewEvent> {
    report.rows += 1;
    match outcome {
        Outcome::Imported(event) => {
            report.imported += 1;
            return Some(event);
        }
        Outcome::Duplicate => report.skipped_duplicates += 1,
        Outcome::Rejected(errors) => {
            report.rejected += 1;
            report.errors.extend(errors.into_iter().map(|e| RowError {
                line,
                field: e.field,
                message: e.message,
            }));
        }
    }
    None
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
    match mode {
        ImportMode::ValidRows => {
            let mut rows = rows.peekable();
            while rows.peek().is_some() {
                let batch: Vec<ImportedRow> = rows.by_ref().take(BATCH).collect();
                db.write_blocking(|conn| {
                    let mut events = Vec::new();
                    for row in batch {
                        let line = row.line;
                        let outcome = import_row(conn, actor, target, row)?;
                        events.extend(record(&mut report, line, outcome));
                    }
                    audit::append(conn, &audit_actor, events)?;
                    Ok(())
                })?;
                progress(report.rows);
            }
        }
        ImportMode::AllOrNothing | ImportMode::Validate => {
            let result = db.write_blocking(|conn| {
                let mut events = Vec::new();
                for row in rows {
                    let line = row.line;
                    let outcome = import_row(conn, actor, target, row)?;
                    events.extend(record(&mut report, line, outcome));
                    if events.len() >= BATCH {
                        audit::append(conn, &audit_actor, std::mem::take(&mut events))?;
                    }
                    if report.rows % 1_000 == 0 {
                        progress(report.rows);
                    }
                }
                audit::append(conn, &audit_actor, events)?;
                progress(report.rows);
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
    Ok(report)
}
