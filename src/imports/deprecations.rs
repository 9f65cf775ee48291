//! A HathiTrust deprecation file ends commitments instead of proposing them: each row names the
//! importing library's active commitment on a title (by OCLC number, then by `local_id` when the
//! library has several), which ends through the workflow as `report_loss` — lost, damaged,
//! missing, a duplicate copy or committed in error — with its own version check and audit event.
//! A row whose commitment already ended for that reason is a duplicate (re-importing the file ends
//! nothing twice).

use std::collections::HashMap;

use diesel::prelude::*;
use uuid::Uuid;

use super::{row_error, ImportMode, ImportReport, Target};
use crate::db::models::actions;
use crate::db::models::commitments::CommitmentRow;
use crate::db::models::titles;
use crate::db::schema::commitments;
use crate::db::{Db, DbConnection, DbError};
use crate::domain::commitment::Status;
use crate::domain::identifiers::OclcNumber;
use crate::domain::workflow::Action;
use crate::domain::{Actor, FieldError};
use crate::formats::rows::ImportedRow;

fn problem(field: &str, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.to_owned(),
        message: message.into(),
    }
}

/// The commitments of `target` on these titles, by title id.
fn commitments_on(
    conn: &mut DbConnection,
    target: &Target,
    title_ids: Vec<String>,
) -> Result<HashMap<String, Vec<CommitmentRow>>, DbError> {
    let rows: Vec<CommitmentRow> = commitments::table
        .filter(commitments::title_id.eq_any(title_ids))
        .select(CommitmentRow::as_select())
        .load(conn)?;
    let mut by_title: HashMap<String, Vec<CommitmentRow>> = HashMap::new();
    for row in rows
        .into_iter()
        .filter(|r| r.program_id == target.program.id && r.library_id == target.library.id)
    {
        by_title.entry(row.title_id.clone()).or_default().push(row);
    }
    Ok(by_title)
}

/// Ends the commitments `batches` name. A deprecation file is a list of endings of existing
/// commitments that must all happen or none: `all_or_nothing` (and `validate`, which then rolls
/// back) applies it in one transaction; such files are a library's losses, hundreds of rows, not
/// the hundred thousands of a commitment file. `valid_rows` commits batch by batch.
pub fn run(
    db: &Db,
    actor: &Actor,
    target: &Target,
    mut batches: impl Iterator<Item = Vec<ImportedRow>>,
    mode: ImportMode,
) -> Result<ImportReport, DbError> {
    let mut report = ImportReport::default();
    if mode == ImportMode::ValidRows {
        for batch in batches {
            db.write_blocking(|conn| apply_batch(conn, actor, target, batch, &mut report))?;
        }
        return Ok(report);
    }
    let result = db.write_blocking(|conn| {
        for batch in batches.by_ref() {
            apply_batch(conn, actor, target, batch, &mut report)?;
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
        Err(other) => return Err(other),
    }
    Ok(report)
}

/// Applies a batch of deprecation rows in the caller's transaction.
fn apply_batch(
    conn: &mut DbConnection,
    actor: &Actor,
    target: &Target,
    batch: Vec<ImportedRow>,
    report: &mut ImportReport,
) -> Result<(), DbError> {
    let numbers: Vec<i64> = batch
        .iter()
        .filter_map(|r| r.input.oclc_number.as_deref())
        .filter_map(|n| OclcNumber::parse(n).ok())
        .map(OclcNumber::value)
        .collect();
    let known = titles::resolve(conn, &numbers)?;
    let mut on_title =
        commitments_on(conn, target, known.values().map(|t| t.id.clone()).collect())?;
    let (program, symbol) = (&target.program.code, &target.library.oclc_symbol);
    for row in batch {
        report.rows += 1;
        let line = row.line;
        let reject = |report: &mut ImportReport, errors: Vec<FieldError>| {
            report.rejected += 1;
            report
                .errors
                .extend(errors.into_iter().map(|e| row_error(line, e)));
        };
        if !row.errors.is_empty() {
            reject(report, row.errors);
            continue;
        }
        let Some(deprecation) = row.deprecation else {
            reject(
                report,
                vec![problem(
                    "deprecation_status",
                    "deprecation_status is required",
                )],
            );
            continue;
        };
        let oclc = match row.input.oclc_number.as_deref().map(OclcNumber::parse) {
            Some(Ok(oclc)) => oclc,
            Some(Err(message)) => {
                reject(report, vec![problem("ocn", message)]);
                continue;
            }
            None => {
                reject(report, vec![problem("ocn", "ocn is required")]);
                continue;
            }
        };
        let Some(title) = known.get(&oclc.value()) else {
            reject(
                report,
                vec![problem("ocn", format!("no commitment of {symbol} on OCLC {oclc} in {program}: the title is not in the registry"))],
            );
            continue;
        };
        let rows = on_title.entry(title.id.clone()).or_default();
        let local = row.input.local_item_id.as_deref();
        let matches = |c: &&mut CommitmentRow| {
            local.is_none() || c.local_item_id.is_none() || c.local_item_id.as_deref() == local
        };
        let active: Vec<usize> = rows
            .iter_mut()
            .enumerate()
            .filter(|(_, c)| c.status == Status::Active.as_str())
            .filter(|(_, c)| matches(c))
            .map(|(i, _)| i)
            .collect();
        let chosen = match active.as_slice() {
            [one] => *one,
            [] => {
                let ended = rows.iter_mut().any(|c| {
                    matches(&c)
                        && c.status == Status::Released.as_str()
                        && c.end_reason.as_deref() == Some(deprecation.reason.as_str())
                });
                if ended {
                    report.skipped_duplicates += 1;
                } else {
                    reject(
                        report,
                        vec![problem(
                            "ocn",
                            format!("{symbol} has no active commitment on OCLC {oclc} in {program}{} to end",
                                local.map(|l| format!(" with local_id {l}")).unwrap_or_default()),
                        )],
                    );
                }
                continue;
            }
            _ => {
                reject(
                    report,
                    vec![problem(
                        "local_id",
                        format!("{symbol} has several active commitments on OCLC {oclc} in {program}: give the item's local_id"),
                    )],
                );
                continue;
            }
        };
        let commitment = &rows[chosen];
        let id = Uuid::parse_str(&commitment.id).map_err(|_| {
            DbError::Corrupt(format!("stored id {:?} is not a UUID", commitment.id))
        })?;
        let action = Action::ReportLoss {
            reason: deprecation.reason,
        };
        match actions::act(conn, actor, id, commitment.version, action) {
            Ok(acted) => {
                report.imported += 1;
                rows[chosen] = acted.record.commitment;
            }
            Err(
                error @ (DbError::Forbidden(_)
                | DbError::Conflict { .. }
                | DbError::Invalid(_)
                | DbError::NotFound(_)),
            ) => reject(
                report,
                vec![problem("deprecation_status", error.to_string())],
            ),
            Err(other) => return Err(other),
        }
    }
    Ok(())
}
