//! Expiring commitments whose retention end has passed, in batches, one audit event each.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

use crate::db::audit::{self, AuditActor, NewEvent};
use crate::db::schema::commitments;
use crate::db::{now, Db, DbError};
use crate::domain::commitment::Status;

/// Commitments expired per transaction.
pub const BATCH: i64 = 1_000;

/// Expires every `active` commitment (of `program`, or of all programs) whose retention end is
/// before `as_of`. Idempotent; permanent commitments have no end and are never touched.
/// `progress` is called with the running total after each batch. Returns how many expired.
pub fn expire_due(
    db: &Db,
    actor: &AuditActor,
    program: Option<Uuid>,
    as_of: NaiveDate,
    mut progress: impl FnMut(u64),
) -> Result<u64, DbError> {
    let mut total = 0_u64;
    loop {
        let expired = db.write_blocking(|conn| {
            let mut due = commitments::table
                .filter(commitments::status.eq(Status::Active.as_str()))
                .filter(commitments::retention_end.lt(as_of))
                .select((commitments::id, commitments::program_id, commitments::version))
                .order(commitments::id)
                .limit(BATCH)
                .into_boxed();
            if let Some(program) = program {
                due = due.filter(commitments::program_id.eq(program.to_string()));
            }
            let due: Vec<(String, String, i32)> = due.load(conn)?;
            if due.is_empty() {
                return Ok(0);
            }
            let ids: Vec<&String> = due.iter().map(|(id, _, _)| id).collect();
            let at = now();
            diesel::update(
                commitments::table
                    .filter(commitments::id.eq_any(&ids))
                    .filter(commitments::status.eq(Status::Active.as_str())),
            )
            .set((
                commitments::status.eq(Status::Expired.as_str()),
                commitments::version.eq(commitments::version + 1),
                commitments::end_reason.eq("expired"),
                commitments::ended_at.eq(at),
                commitments::updated_at.eq(at),
            ))
            .execute(conn)?;
            let events = due
                .iter()
                .map(|(id, program_id, version)| {
                    let id = super::parse_id(id)?;
                    Ok(NewEvent {
                        action: "expire",
                        subject_type: "commitment",
                        subject_id: id,
                        program_id: Some(super::parse_id(program_id)?),
                        commitment_id: Some(id),
                        from_status: Some(Status::Active.as_str().to_owned()),
                        to_status: Some(Status::Expired.as_str().to_owned()),
                        details: json!({"as_of": as_of, "version": version + 1, "end_reason": "expired"}),
                    })
                })
                .collect::<Result<Vec<_>, DbError>>()?;
            audit::append(conn, actor, events)?;
            Ok(due.len() as u64)
        })?;
        if expired == 0 {
            return Ok(total);
        }
        total += expired;
        progress(total);
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
