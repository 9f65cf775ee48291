//! Clearing away imports whose writer died: a staging import that has not shown a sign of life for
//! [`STALE_AFTER_SECS`] is abandoned and its hidden rows removed (see `db::models::staging`).
//! Runs at start-up, then every ten seconds.

use crate::db::models::staging::{self, STALE_AFTER_SECS};
use crate::db::Db;

/// Abandons the stale staging imports; how many there were.
pub fn sweep_once(db: &Db) -> Result<usize, crate::db::DbError> {
    staging::abandon(
        db,
        None,
        chrono::Duration::seconds(STALE_AFTER_SECS),
        "its writer stopped (the process ended or lost the database)",
    )
}

/// Spawns the sweep on the current runtime; it ends with the runtime.
pub fn spawn(db: Db) {
    tokio::spawn(async move {
        loop {
            let worker = db.clone();
            match tokio::task::spawn_blocking(move || sweep_once(&worker)).await {
                Ok(Ok(0)) => {}
                Ok(Ok(abandoned)) => tracing::warn!(abandoned, "abandoned stale imports"),
                Ok(Err(error)) => {
                    tracing::warn!(%error, "the stale-import sweep failed; it runs again in a minute")
                }
                Err(error) => tracing::error!(%error, "the stale-import sweep task failed"),
            }
            tokio::time::sleep(std::time::Duration::from_secs(10)).await;
        }
    });
}
