//! The daily expiry sweep: once at start-up, then every day just after midnight UTC, every active
//! commitment whose retention ended before today becomes `expired`, with one audit event each.
//! However many instances serve the database, one of them sweeps each day (`job_runs`).

use chrono::{Duration, Utc};

use crate::db::models::expiry;
use crate::db::models::job_runs::{self, Outcome};
use crate::db::Db;
use crate::domain::Actor;

/// The name the sweep's runs are recorded under.
pub const JOB: &str = "expiry";

/// Runs today's sweep unless it ran today or another instance is running it.
pub fn sweep_once(db: &Db) -> Result<Outcome, crate::db::DbError> {
    let today = Utc::now().date_naive();
    job_runs::once_a_day(db, JOB, today, || {
        expiry::expire_due(db, &Actor::system(), None, today, |_| {})
    })
}

/// Time until the next sweep: a minute past the coming midnight UTC.
fn until_next_run() -> std::time::Duration {
    let now = Utc::now();
    let next = (now.date_naive() + Duration::days(1))
        .and_hms_opt(0, 1, 0)
        .map(|t| t.and_utc())
        .unwrap_or(now + Duration::days(1));
    (next - now)
        .to_std()
        .unwrap_or(std::time::Duration::from_secs(86_400))
}

/// Spawns the sweep on the current runtime; it ends with the runtime.
pub fn spawn(db: Db) {
    tokio::spawn(async move {
        loop {
            let worker = db.clone();
            match tokio::task::spawn_blocking(move || sweep_once(&worker)).await {
                Ok(Ok(Outcome::Ran(expired))) => {
                    tracing::info!(expired, "expiry sweep ran on this instance")
                }
                Ok(Ok(Outcome::AlreadyRan)) => tracing::info!("expiry sweep: already ran today"),
                Ok(Ok(Outcome::RunningElsewhere)) => {
                    tracing::info!("expiry sweep: another instance is running it")
                }
                Ok(Err(error)) => {
                    tracing::error!(%error, "expiry sweep failed; it will run again tomorrow")
                }
                Err(error) => tracing::error!(%error, "expiry sweep task failed"),
            }
            tokio::time::sleep(until_next_run()).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_run_is_within_a_day() {
        let wait = until_next_run();
        assert!(wait <= std::time::Duration::from_secs(86_400 + 60));
    }
}
