//! Last copies: when an action ends a commitment that kept a title (decline, withdraw, report_loss,
//! approve_release, expire), how many copies the program still keeps, said in the action's answer
//! and audit event whenever it is fewer than the program's target.

use std::collections::HashMap;

use diesel::dsl::count_star;
use diesel::prelude::*;
use serde::Serialize;

use super::staging;
use crate::db::schema::{commitments, programs};
use crate::db::{DbConnection, DbError};

/// A title's coverage in a program after an action that left it below target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
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
    let titles: Vec<&String> = pairs.iter().map(|(_, t)| t).collect();
    let mut query = commitments::table
        .filter(commitments::title_id.eq_any(titles))
        .filter(commitments::status.eq_any(["active", "release_requested"]))
        .group_by((commitments::program_id, commitments::title_id))
        .select((commitments::program_id, commitments::title_id, count_star()))
        .into_boxed();
    if let Some(shown) = staging::hiding(conn, "commitments")? {
        query = query.filter(shown);
    }
    Ok(query
        .load::<(String, String, i64)>(conn)?
        .into_iter()
        .map(|(program, title, n)| ((program, title), n))
        .collect())
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
