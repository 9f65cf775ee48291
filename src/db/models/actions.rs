//! Applying a workflow action: one transaction that checks the version, updates the row (and, for a
//! transfer, creates the successor) and appends the audit event.

use diesel::prelude::*;
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::commitments::{self, live_duplicate, refusal, CommitmentRecord, CommitmentRow};
use super::last_copies::{self, CoverageAfter};
use crate::db::audit::{self, AuditActor, NewEvent};
use crate::db::schema::commitments as table;
use crate::db::{now, DbConnection, DbError};
use crate::domain::commitment::Status;
use crate::domain::workflow::{self, Action, Refusal};
use crate::domain::{Actor, ValidationErrors};

fn stale(row: &CommitmentRow, sent: i32) -> DbError {
    DbError::Conflict {
        message: format!(
            "version {sent} is stale: the commitment is at version {}; reload it and try again",
            row.version
        ),
        status: Some(row.status.clone()),
        version: Some(row.version),
    }
}

/// The extras of an action as the audit event records them.
fn action_details(action: &Action) -> Map<String, Value> {
    let mut details = Map::new();
    match action {
        Action::Decline { reason } | Action::RequestRelease { reason } => {
            details.insert("reason".into(), json!(reason));
        }
        Action::Withdraw { reason } | Action::DenyRelease { reason } => {
            if let Some(reason) = reason {
                details.insert("reason".into(), json!(reason));
            }
        }
        Action::ReportLoss { reason } => {
            details.insert("reason".into(), json!(reason.as_str()));
        }
        Action::Renew { retention_end } => {
            details.insert("retention_end".into(), json!(retention_end.to_string()));
        }
        Action::Transfer { to_library_id } => {
            details.insert("to_library_id".into(), json!(to_library_id));
        }
        Action::Expire { as_of } => {
            details.insert("as_of".into(), json!(as_of));
        }
        Action::Accept | Action::ApproveRelease => {}
    }
    details
}

/// What an action did: the commitment now, and the title's coverage in the program when the
/// action ended a kept copy and left fewer than the target.
#[derive(Debug)]
pub struct Acted {
    pub record: CommitmentRecord,
    pub coverage_after: Option<CoverageAfter>,
}

/// Applies `action` by `actor` to commitment `id` if it is still at `version`.
pub fn act(
    conn: &mut DbConnection,
    actor: &Actor,
    id: Uuid,
    version: i32,
    action: Action,
) -> Result<Acted, DbError> {
    let record = commitments::find(conn, id)?;
    let row = &record.commitment;
    let facts = row.facts()?;
    let outcome = match workflow::decide(&facts, actor, &action) {
        Ok(outcome) => outcome,
        Err(Refusal::WrongState { .. }) if row.version != version => {
            return Err(stale(row, version))
        }
        Err(other) => return Err(refusal(other, row)),
    };
    if row.version != version {
        return Err(stale(row, version));
    }
    let successor = match outcome.transfer_to {
        Some(to) => Some(prepare_successor(conn, actor, &record, to)?),
        None => None,
    };
    let at = now();
    let new_end = outcome.retention_end.unwrap_or(facts.retention_end);
    let renewal_proposed_end = match (&outcome.proposed_renewal, &outcome.retention_end) {
        (Some(proposed), _) => Some(proposed.to_string()),
        (None, Some(_)) => None,
        (None, None) => row.renewal_proposed_end.clone(),
    };
    let ended = outcome.end_reason.is_some();
    if let Some(successor) = &successor {
        // First, so that the old row's replaced_by refers to a row that exists.
        diesel::insert_into(table::table)
            .values(successor)
            .execute(conn)?;
    }
    let updated = diesel::update(
        table::table
            .filter(table::id.eq(&row.id))
            .filter(table::version.eq(version)),
    )
    .set((
        table::status.eq(outcome.to.as_str()),
        table::version.eq(version + 1),
        table::retention_end.eq(new_end.date()),
        table::renewal_proposed_end.eq(renewal_proposed_end),
        table::end_reason.eq(outcome.end_reason.clone()),
        table::ended_at.eq(ended.then_some(at)),
        table::replaced_by.eq(successor.as_ref().map(|s| s.id.clone())),
        table::updated_at.eq(at),
    ))
    .execute(conn)?;
    if updated == 0 {
        // Someone else changed it between our read and our write.
        let current = commitments::find(conn, id)?;
        return Err(stale(&current.commitment, version));
    }
    let mut details = action_details(&action);
    details.insert("version".into(), json!(version + 1));
    // Ending a commitment (not handing it on) may leave the title short of the program's target.
    let coverage_after = if facts.status.is_live() && !outcome.to.is_live() && successor.is_none() {
        let pair = (row.program_id.clone(), row.title_id.clone());
        last_copies::below_target(conn, std::slice::from_ref(&pair))?.remove(&pair)
    } else {
        None
    };
    if let Some(coverage) = coverage_after {
        details.insert("coverage_after".into(), json!(coverage));
    }
    if let Some(proposed) = outcome.proposed_renewal {
        details.insert("renewal_proposed".into(), json!(true));
        details.insert("retention_end".into(), json!(proposed.to_string()));
    }
    if outcome.retention_end.is_some() {
        details.insert(
            "previous_retention_end".into(),
            json!(facts.retention_end.to_string()),
        );
    }
    if let Some(reason) = &outcome.end_reason {
        details.insert("end_reason".into(), json!(reason));
    }
    let mut events = vec![NewEvent {
        action: action.name(),
        subject_type: "commitment",
        subject_id: id,
        program_id: Some(facts.program_id),
        commitment_id: Some(id),
        from_status: Some(facts.status.as_str().to_owned()),
        to_status: Some(outcome.to.as_str().to_owned()),
        details: Value::Object(details),
    }];
    if let Some(successor) = successor {
        let successor_id = super::parse_id(&successor.id)?;
        if let Some(last) = events.last_mut() {
            last.details["replaced_by"] = json!(successor.id);
        }
        events.push(NewEvent {
            action: "transfer_in",
            subject_type: "commitment",
            subject_id: successor_id,
            program_id: Some(facts.program_id),
            commitment_id: Some(successor_id),
            from_status: None,
            to_status: Some(Status::Active.as_str().to_owned()),
            details: json!({"version": 1, "replaces": row.id, "from_library_id": row.library_id}),
        });
    }
    audit::append(conn, &AuditActor::from(actor), events)?;
    Ok(Acted {
        record: commitments::find(conn, id)?,
        coverage_after,
    })
}

/// The new active commitment a transfer creates for `to`, after checking that `to` may take it.
fn prepare_successor(
    conn: &mut DbConnection,
    actor: &Actor,
    record: &CommitmentRecord,
    to: Uuid,
) -> Result<CommitmentRow, DbError> {
    let row = &record.commitment;
    let library = commitments::absent_as_none(super::libraries::find(conn, to))?
        .ok_or_else(|| ValidationErrors::one("to_library_id", format!("no library has id {to}")))?;
    commitments::require_member(conn, &record.program, &library, "to_library_id")?;
    if live_duplicate(
        conn,
        &row.program_id,
        &library.id,
        &row.title_id,
        row.materials_specified.as_deref(),
    )?
    .is_some()
    {
        return Err(ValidationErrors::one(
            "to_library_id",
            format!(
                "{} already has a live commitment on this title in {}",
                library.oclc_symbol, record.program.code
            ),
        )
        .into());
    }
    let at = now();
    Ok(CommitmentRow {
        id: Uuid::now_v7().to_string(),
        library_id: library.id,
        status: Status::Active.as_str().to_owned(),
        version: 1,
        proposed_by: Some(actor.user_id.to_string()),
        proposed_by_role: actor.role.as_str().to_owned(),
        local_bib_id: None,
        local_item_id: None,
        barcode: None,
        call_number: None,
        shelving: None,
        item_condition: None,
        renewal_proposed_end: None,
        private_note: None,
        end_reason: None,
        ended_at: None,
        replaces: Some(row.id.clone()),
        replaced_by: None,
        created_at: at,
        updated_at: at,
        import_id: None,
        ..row.clone()
    })
}
