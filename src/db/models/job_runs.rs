//! Scheduled work done once for the whole registry, however many instances serve one database.
//!
//! Several stateless instances may run behind a load balancer on one PostgreSQL; each starts the
//! daily expiry sweep, and only one may do it. The day's run is claimed by inserting its row in
//! `job_runs` (the primary key lets one claim win) and marked finished at the end: an instance that
//! finds the day's run finished, or claimed by a run still going, leaves it alone. On PostgreSQL
//! the claim is made while holding a session advisory lock (`pg_try_advisory_lock`), which a dead
//! process loses at once: whoever holds the lock and finds an unfinished claim knows its run died
//! and takes it over. SQLite, without such a lock, takes over a claim older than
//! [`DEAD_AFTER_MINUTES`]. Taking over is safe: the sweep is idempotent and every change it makes
//! checks the row's version.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};

use crate::db::schema::job_runs;
use crate::db::{now, Backend, Db, DbConnection, DbError};

/// How old an unfinished claim must be (SQLite) before its run is taken for dead.
pub const DEAD_AFTER_MINUTES: i64 = 10;

/// What became of one day's run of a job on this instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// This instance ran it; how many records it processed.
    Ran(u64),
    /// It had already run that day (on this or another instance).
    AlreadyRan,
    /// Another instance is running it now.
    RunningElsewhere,
}

#[derive(QueryableByName)]
struct Locked {
    #[diesel(sql_type = Bool)]
    locked: bool,
}

/// The name this process goes by in `job_runs`: host and process id.
pub fn instance_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into());
    format!("{host}:{}", std::process::id())
}

/// Runs `work` as `day`'s run of `job` unless it ran that day or another instance is running it.
pub fn once_a_day(
    db: &Db,
    job: &str,
    day: NaiveDate,
    work: impl FnOnce() -> Result<u64, DbError>,
) -> Result<Outcome, DbError> {
    let postgres = db.backend() == Backend::Postgres;
    // The advisory lock belongs to this connection's session: taken and given back on it, which
    // stays out of the pool meanwhile.
    let mut lock = db.conn()?;
    let key = format!("retention-registry:{job}");
    if postgres {
        let got: Locked = diesel::sql_query("SELECT pg_try_advisory_lock(hashtext($1)) AS locked")
            .bind::<Text, _>(&key)
            .get_result(&mut *lock)?;
        if !got.locked {
            return Ok(Outcome::RunningElsewhere);
        }
    }
    let outcome = claim_and_run(db, job, day, postgres, work);
    if postgres {
        diesel::sql_query("SELECT pg_advisory_unlock(hashtext($1))")
            .bind::<Text, _>(&key)
            .execute(&mut *lock)?;
    }
    outcome
}

fn claim_and_run(
    db: &Db,
    job: &str,
    day: NaiveDate,
    holds_lock: bool,
    work: impl FnOnce() -> Result<u64, DbError>,
) -> Result<Outcome, DbError> {
    let started_at = now();
    let instance = instance_name();
    let claimed = db.write_blocking(|conn| {
        let found: Option<(Option<NaiveDateTime>, NaiveDateTime)> = job_runs::table
            .filter(job_runs::job.eq(job))
            .filter(job_runs::day.eq(day))
            .select((job_runs::finished_at, job_runs::started_at))
            .first(conn)
            .optional()?;
        match found {
            Some((Some(_), _)) => Ok(Some(Outcome::AlreadyRan)),
            Some((None, claimed_at))
                if !holds_lock
                    && started_at - claimed_at < Duration::minutes(DEAD_AFTER_MINUTES) =>
            {
                Ok(Some(Outcome::RunningElsewhere))
            }
            Some((None, _)) => {
                // Its run died: this instance takes the day over.
                diesel::update(run_of(job, day))
                    .set((
                        job_runs::instance.eq(&instance),
                        job_runs::started_at.eq(started_at),
                    ))
                    .execute(conn)?;
                Ok(None)
            }
            None => {
                diesel::insert_into(job_runs::table)
                    .values((
                        job_runs::job.eq(job),
                        job_runs::day.eq(day),
                        job_runs::instance.eq(&instance),
                        job_runs::started_at.eq(started_at),
                    ))
                    .execute(conn)?;
                Ok(None)
            }
        }
    })?;
    if let Some(outcome) = claimed {
        return Ok(outcome);
    }
    match work() {
        Ok(processed) => {
            db.write_blocking(|conn| finish(conn, job, day, processed))?;
            Ok(Outcome::Ran(processed))
        }
        Err(error) => {
            // Given back, so that the next attempt need not wait for the claim to look dead.
            let _ = db.write_blocking(|conn| Ok(diesel::delete(run_of(job, day)).execute(conn)?));
            Err(error)
        }
    }
}

/// The row of `job`'s run on `day`.
type RunOf<'a> = diesel::dsl::Filter<
    diesel::dsl::Filter<job_runs::table, diesel::dsl::Eq<job_runs::job, &'a str>>,
    diesel::dsl::Eq<job_runs::day, NaiveDate>,
>;

fn run_of(job: &str, day: NaiveDate) -> RunOf<'_> {
    job_runs::table
        .filter(job_runs::job.eq(job))
        .filter(job_runs::day.eq(day))
}

fn finish(
    conn: &mut DbConnection,
    job: &str,
    day: NaiveDate,
    processed: u64,
) -> Result<(), DbError> {
    diesel::update(run_of(job, day))
        .set((
            job_runs::finished_at.eq(Some(now())),
            job_runs::processed.eq(Some(i64::try_from(processed).unwrap_or(i64::MAX))),
        ))
        .execute(conn)?;
    Ok(())
}
