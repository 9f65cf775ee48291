//! Last copies: when an action ends a commitment that kept a title (decline, withdraw, report_loss,
//! approve_release, expire), how many copies the program still keeps, said in the action's answer
//! and audit event whenever it is fewer than the program's target.

use std::collections::HashMap;

use diesel::prelude::*;
use serde::Serialize;

use super::staging;
use crate::db::schema::{commitments, programs};
use crate::db::{DbConnection, DbError};

/// A title's coverage in a program after an action that left it below target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct CoverageAfter {
    /// Commitments of the program still keeping a copy (`active`, `release_requested`).
    pub committed: i64,
    pub target_copies: i64,
}

/// Copies kept of each (program, title) pair now, for the pairs given.
fn kept(
    conn: &mut DbConnection,
    pairs: &[(String, String)],
) -> Result<HashMap<(String, String), i64>, DbError> {
    // Only `title_id` is asked of the database, so that its index is used (SQLite would rather walk
    // the index on status); a title has few commitments, their status is checked here.
    let titles: Vec<&String> = pairs.iter().map(|(_, t)| t).collect();
    let mut query = commitments::table
        .filter(commitments::title_id.eq_any(titles))
        .select((
            commitments::program_id,
            commitments::title_id,
            commitments::status,
        ))
        .into_boxed();
    if let Some(shown) = staging::hiding(conn, "commitments")? {
        query = query.filter(shown);
    }
    let mut kept: HashMap<(String, String), i64> = HashMap::new();
    for (program, title, status) in query.load::<(String, String, String)>(conn)? {
        if matches!(status.as_str(), "active" | "release_requested") {
            *kept.entry((program, title)).or_default() += 1;
        }
    }
    Ok(kept)
}

/// For each (program, title) pair, its coverage when below the program's target.
pub fn below_target(
    conn: &mut DbConnection,
    pairs: &[(String, String)],
) -> Result<HashMap<(String, String), CoverageAfter>, DbError> {
    if pairs.is_empty() {
        return Ok(HashMap::new());
    }
    let counts = kept(conn, pairs)?;
    let program_ids: Vec<&String> = pairs.iter().map(|(p, _)| p).collect();
    let targets: HashMap<String, i32> = programs::table
        .filter(programs::id.eq_any(program_ids))
        .select((programs::id, programs::target_copies))
        .load::<(String, i32)>(conn)?
        .into_iter()
        .collect();
    Ok(pairs
        .iter()
        .filter_map(|pair| {
            let target = i64::from(*targets.get(&pair.0)?);
            let committed = counts.get(pair).copied().unwrap_or(0);
            (committed < target).then(|| {
                (
                    pair.clone(),
                    CoverageAfter {
                        committed,
                        target_copies: target,
                    },
                )
            })
        })
        .collect())
}

/// A title that an action left below its program's target.
#[derive(Debug, Clone)]
pub struct FellBelow {
    pub at: chrono::NaiveDateTime,
    pub action: String,
    pub program_id: String,
    pub program_code: String,
    pub oclc_number: i64,
    pub title: String,
    pub coverage: CoverageAfter,
}

/// The latest `limit` actions since `since`, in `programs` (all for `None`), that left a title
/// below target: read off the audit trail, whose events say so (`coverage_after`).
pub fn fell_below(
    conn: &mut DbConnection,
    programs: Option<&[uuid::Uuid]>,
    since: chrono::NaiveDateTime,
    limit: i64,
) -> Result<Vec<FellBelow>, DbError> {
    use crate::db::schema::{audit_events, titles};
    let mut query = audit_events::table
        .filter(crate::shown!(audit_events))
        .filter(audit_events::at.ge(since))
        .filter(audit_events::action.eq_any([
            "decline",
            "withdraw",
            "report_loss",
            "approve_release",
            "expire",
        ]))
        .filter(audit_events::details.like("%\"coverage_after\"%"))
        .order(audit_events::seq.desc())
        .limit(limit)
        .select((
            audit_events::at,
            audit_events::action,
            audit_events::commitment_id,
            audit_events::details,
        ))
        .into_boxed();
    if let Some(programs) = programs {
        let ids: Vec<String> = programs.iter().map(uuid::Uuid::to_string).collect();
        query = query.filter(audit_events::program_id.eq_any(ids));
    }
    let events: Vec<(chrono::NaiveDateTime, String, Option<String>, String)> = query.load(conn)?;
    let ids: Vec<&String> = events
        .iter()
        .filter_map(|(_, _, c, _)| c.as_ref())
        .collect();
    let subjects: HashMap<String, (String, String, i64, String)> = commitments::table
        .inner_join(titles::table)
        .inner_join(programs::table)
        .filter(commitments::id.eq_any(ids))
        .select((
            commitments::id,
            programs::id,
            programs::code,
            titles::oclc_number,
            titles::title,
        ))
        .load::<(String, String, String, i64, String)>(conn)?
        .into_iter()
        .map(|(id, program, code, oclc, title)| (id, (program, code, oclc, title)))
        .collect();
    Ok(events
        .into_iter()
        .filter_map(|(at, action, commitment, details)| {
            let (program_id, program_code, oclc_number, title) =
                subjects.get(commitment.as_ref()?)?.clone();
            let details: serde_json::Value = serde_json::from_str(&details).ok()?;
            let coverage: CoverageAfter =
                serde_json::from_value(details.get("coverage_after")?.clone()).ok()?;
            Some(FellBelow {
                at,
                action,
                program_id,
                program_code,
                oclc_number,
                title,
                coverage,
            })
        })
        .collect())
}
