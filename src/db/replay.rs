//! Replaying the audit trail against the commitments: every commitment's events, in order, must
//! lead from its creation to the status and version it has now.
//!
//! The hash chain shows that no event was changed or removed; this shows that no commitment was
//! changed without its event (a status set by hand in the database, an update that lost its
//! event in a crash). `verify-audit` runs both; the load and fault scripts rely on it.

use std::collections::HashMap;

use diesel::prelude::*;

use super::schema::{audit_events, commitments};
use super::{DbConnection, DbError};

/// Commitments read per query.
const BATCH: i64 = 1_000;

/// The first commitment whose events do not lead to its current state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub commitment_id: String,
    pub problem: String,
}

/// Outcome of a replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayReport {
    pub commitments_checked: i64,
    pub mismatch: Option<Mismatch>,
}

/// An event as read for the replay: commitment, action, from, to, details.
type EventLine = (
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    String,
);

/// One event's part in a commitment's history.
struct Step {
    action: String,
    from: Option<String>,
    to: Option<String>,
    version: Option<i64>,
}

/// Why `steps` (oldest first) do not lead to `status` at `version`, if they do not.
fn check(steps: &[Step], status: &str, version: i32) -> Option<String> {
    let Some(first) = steps.first() else {
        return Some("it has no audit event".into());
    };
    if first.from.is_some() {
        return Some(format!(
            "its first event ({}) starts from {:?}, not from nothing",
            first.action, first.from
        ));
    }
    let mut expected_version = first.version.unwrap_or(1);
    let mut current = first.to.clone();
    for step in &steps[1..] {
        if step.from != current {
            return Some(format!(
                "event {} goes from {:?} but the commitment was {:?}",
                step.action, step.from, current
            ));
        }
        expected_version += 1;
        if step.version.is_some_and(|v| v != expected_version) {
            return Some(format!(
                "event {} says version {:?}, the one before it {}",
                step.action,
                step.version,
                expected_version - 1
            ));
        }
        current.clone_from(&step.to);
    }
    if current.as_deref() != Some(status) {
        return Some(format!(
            "its events end at {current:?} but it is {status:?}"
        ));
    }
    if i64::from(version) != expected_version {
        return Some(format!(
            "its events end at version {expected_version} but it is at version {version}"
        ));
    }
    None
}

/// Replays the events of every commitment readers see, in id order; stops at the first mismatch.
pub fn replay(conn: &mut DbConnection) -> Result<ReplayReport, DbError> {
    let mut after = String::new();
    let mut checked = 0_i64;
    loop {
        let batch: Vec<(String, String, i32)> = commitments::table
            .filter(commitments::id.gt(&after))
            .filter(crate::shown!(commitments))
            .order(commitments::id)
            .limit(BATCH)
            .select((commitments::id, commitments::status, commitments::version))
            .load(conn)?;
        let Some(last) = batch.last() else {
            return Ok(ReplayReport {
                commitments_checked: checked,
                mismatch: None,
            });
        };
        after.clone_from(&last.0);
        let ids: Vec<Option<String>> = batch.iter().map(|(id, _, _)| Some(id.clone())).collect();
        let events: Vec<EventLine> = audit_events::table
            .filter(audit_events::commitment_id.eq_any(ids))
            .order((audit_events::commitment_id, audit_events::seq))
            .select((
                audit_events::commitment_id,
                audit_events::action,
                audit_events::from_status,
                audit_events::to_status,
                audit_events::details,
            ))
            .load(conn)?;
        let mut history: HashMap<String, Vec<Step>> = HashMap::new();
        for (commitment, action, from, to, details) in events {
            let version = serde_json::from_str::<serde_json::Value>(&details)
                .ok()
                .and_then(|d| d["version"].as_i64());
            history
                .entry(commitment.unwrap_or_default())
                .or_default()
                .push(Step {
                    action,
                    from,
                    to,
                    version,
                });
        }
        for (id, status, version) in batch {
            let steps = history.remove(&id).unwrap_or_default();
            if let Some(problem) = check(&steps, &status, version) {
                return Ok(ReplayReport {
                    commitments_checked: checked,
                    mismatch: Some(Mismatch {
                        commitment_id: id,
                        problem,
                    }),
                });
            }
            checked += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(action: &str, from: Option<&str>, to: &str, version: i64) -> Step {
        Step {
            action: action.into(),
            from: from.map(str::to_owned),
            to: Some(to.into()),
            version: Some(version),
        }
    }

    #[test]
    fn a_history_that_leads_to_the_current_state_passes() {
        let steps = [
            step("propose", None, "proposed", 1),
            step("accept", Some("proposed"), "active", 2),
            step("renew", Some("active"), "active", 3),
            step("expire", Some("active"), "expired", 4),
        ];
        assert_eq!(check(&steps, "expired", 4), None);
    }

    #[test]
    fn a_status_changed_without_its_event_is_found() {
        let steps = [
            step("propose", None, "proposed", 1),
            step("accept", Some("proposed"), "active", 2),
        ];
        assert!(check(&steps, "expired", 3).unwrap().contains("end at"));
        assert!(check(&steps, "active", 3).unwrap().contains("version 2"));
        assert!(check(&[], "active", 1).unwrap().contains("no audit event"));
        let gap = [
            step("propose", None, "proposed", 1),
            step("expire", Some("active"), "expired", 2),
        ];
        assert!(check(&gap, "expired", 2).unwrap().contains("goes from"));
    }
}
