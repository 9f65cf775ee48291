//! Expiring commitments whose retention end has passed, in batches, one audit event each, through
//! the same decision and version check as every other action.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

use super::commitments::CommitmentRow;
use super::last_copies;
use crate::db::audit::{self, AuditActor, NewEvent};
use crate::db::schema::commitments;
use crate::db::{now, Db, DbError};
use crate::domain::commitment::Status;
use crate::domain::workflow::{self, Action};
use crate::domain::Actor;

/// Commitments expired per transaction.
pub const BATCH: i64 = 1_000;

/// Expires every `active` commitment (of `program`, or of all programs) whose retention end is
/// before `as_of`. Idempotent; permanent commitments have no end and are never touched.
/// `progress` is called with the running total after each batch. Returns how many expired.
///
/// Each due commitment is decided by `workflow::decide` like any other action, and the update
/// itself checks again, atomically, that the row is still active, still at the version read and
/// still ended: a renewal or another sweep that commits in between wins, and the events are
/// written only for the rows this update changed (`RETURNING`), never from the selection.
pub fn expire_due(
    db: &Db,
    actor: &Actor,
    program: Option<Uuid>,
    as_of: NaiveDate,
    mut progress: impl FnMut(u64),
) -> Result<u64, DbError> {
    let audit_actor = AuditActor::from(actor);
    let mut total = 0_u64;
    // Rows found due but not expired by this sweep (someone acted first): not looked at again.
    let mut after: Option<String> = None;
    loop {
        let (scanned, expired, last) = db.write_blocking(|conn| {
            let mut due = commitments::table
                .filter(commitments::status.eq(Status::Active.as_str()))
                .filter(commitments::retention_end.lt(as_of))
                .select(CommitmentRow::as_select())
                .order(commitments::id)
                .limit(BATCH)
                .into_boxed();
            if let Some(program) = program {
                due = due.filter(commitments::program_id.eq(program.to_string()));
            }
            if let Some(after) = &after {
                due = due.filter(commitments::id.gt(after.clone()));
            }
            let due: Vec<CommitmentRow> = due.load(conn)?;
            let last = due.last().map(|row| row.id.clone());
            let mut decided: Vec<(&CommitmentRow, i32)> = Vec::with_capacity(due.len());
            for row in &due {
                let facts = row.facts()?;
                if workflow::decide(&facts, actor, &Action::Expire { as_of }).is_ok() {
                    decided.push((row, row.version));
                }
            }
            let at = now();
            let mut changed: Vec<(String, String, String, i32)> = Vec::with_capacity(decided.len());
            // One statement per version read, so that the row is changed only at that version.
            let mut by_version: std::collections::BTreeMap<i32, Vec<&str>> = Default::default();
            for (row, version) in &decided {
                by_version
                    .entry(*version)
                    .or_default()
                    .push(row.id.as_str());
            }
            for (version, ids) in by_version {
                let rows: Vec<(String, String, String, i32)> = diesel::update(
                    commitments::table
                        .filter(commitments::id.eq_any(ids))
                        .filter(commitments::version.eq(version))
                        .filter(commitments::status.eq(Status::Active.as_str()))
                        .filter(commitments::retention_end.lt(as_of)),
                )
                .set((
                    commitments::status.eq(Status::Expired.as_str()),
                    commitments::version.eq(commitments::version + 1),
                    commitments::end_reason.eq("expired"),
                    commitments::ended_at.eq(at),
                    commitments::updated_at.eq(at),
                ))
                .returning((
                    commitments::id,
                    commitments::program_id,
                    commitments::title_id,
                    commitments::version,
                ))
                .get_results(conn)?;
                changed.extend(rows);
            }
            changed.sort();
            let pairs: Vec<(String, String)> = changed
                .iter()
                .map(|(_, program, title, _)| (program.clone(), title.clone()))
                .collect();
            let short = last_copies::below_target(conn, &pairs)?;
            let events = changed
                .iter()
                .map(|(id, program_id, title_id, version)| {
                    let id = super::parse_id(id)?;
                    let mut details =
                        json!({"as_of": as_of, "version": version, "end_reason": "expired"});
                    if let Some(coverage) = short.get(&(program_id.clone(), title_id.clone())) {
                        details["coverage_after"] = json!(coverage);
                    }
                    Ok(NewEvent {
                        action: "expire",
                        subject_type: "commitment",
                        subject_id: id,
                        program_id: Some(super::parse_id(program_id)?),
                        commitment_id: Some(id),
                        from_status: Some(Status::Active.as_str().to_owned()),
                        to_status: Some(Status::Expired.as_str().to_owned()),
                        details,
                    })
                })
                .collect::<Result<Vec<_>, DbError>>()?;
            audit::append(conn, &audit_actor, events)?;
            Ok((due.len(), changed.len() as u64, last))
        })?;
        total += expired;
        if expired > 0 {
            progress(total);
        }
        if scanned < BATCH as usize {
            return Ok(total);
        }
        after = last;
    }
}

/// How many `active` commitments (of `program`, or all) are due to expire before `as_of`.
pub fn count_due(db: &Db, program: Option<Uuid>, as_of: NaiveDate) -> Result<i64, DbError> {
    let mut conn = db.conn()?;
    let mut query = commitments::table
        .filter(commitments::status.eq(Status::Active.as_str()))
        .filter(commitments::retention_end.lt(as_of))
        .count()
        .into_boxed();
    if let Some(program) = program {
        query = query.filter(commitments::program_id.eq(program.to_string()));
    }
    Ok(query.get_result(&mut *conn)?)
}
