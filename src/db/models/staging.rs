//! Staging imports: how a large import is written in short transactions and still appears whole.
//!
//! An `all_or_nothing` import used to run in one transaction, which held SQLite's one write lock
//! (and on PostgreSQL the audit chain's head) for its whole length: every other writer waited.
//! Now its batches are written in transactions of their own, each carrying the import's id on
//! the titles, commitments, aliases and audit events it stores. While the import is `staging`
//! every read leaves those rows out ([`shown!`](crate::shown)); one short final transaction makes it `published`
//! and all of it appears at once. A writer that dies leaves its import `staging` with a heartbeat
//! that stops: [`abandon_stale`] marks it `abandoned` (its events, already in the hash chain,
//! stay hidden) and removes its rows, batch by batch.

use chrono::{Duration, NaiveDateTime};
use diesel::dsl::sql;
use diesel::expression::SqlLiteral;
use diesel::prelude::*;
use diesel::sql_types::Bool;
use serde_json::json;
use uuid::Uuid;

use super::bulk::Target;
use crate::db::audit::{self, AuditActor, NewEvent};
use crate::db::schema::{commitments, imports, title_aliases, titles};
use crate::db::{now, Db, DbConnection, DbError};

const STAGING: &str = "staging";
/// The state of an import whose rows every reader sees.
pub const PUBLISHED: &str = "published";
const ABANDONED: &str = "abandoned";

/// Rows removed per transaction when an abandoned import is cleared away.
const CLEAR_BATCH: i64 = 1_000;

/// The condition that keeps a row of `$table` (a schema module whose table has an `import_id`
/// column) in a read: it came from no import, or from a published one. The imports not published
/// are a handful at most, read once per statement through their partial index. Written with
/// diesel's operators rather than as SQL text, so that the statement is prepared once per
/// connection and cached (diesel never caches a statement holding an SQL literal).
#[macro_export]
macro_rules! shown {
    ($table:ident) => {
        $table::import_id.is_null().or($table::import_id.ne_all(
            $crate::db::schema::imports::table
                .filter(
                    $crate::db::schema::imports::state.ne($crate::db::models::staging::PUBLISHED),
                )
                .select($crate::db::schema::imports::id.nullable()),
        ))
    };
}

/// The same condition for counts, which read only an index when no import hides anything: `None`
/// when no import is staging (nearly always), else the condition with their ids written out.
pub fn hiding(
    conn: &mut DbConnection,
    table: &'static str,
) -> Result<Option<SqlLiteral<Bool>>, DbError> {
    Ok(hiding_sql(conn, table)?.map(|condition| sql::<Bool>(&condition)))
}

/// [`hiding`]'s condition as SQL text, for queries written in SQL; `table` is the table's name or
/// alias in that query.
pub fn hiding_sql(conn: &mut DbConnection, table: &str) -> Result<Option<String>, DbError> {
    let hidden: Vec<String> = imports::table
        .filter(imports::state.ne(PUBLISHED))
        .select(imports::id)
        .load(conn)?;
    if hidden.is_empty() {
        return Ok(None);
    }
    // Typed UUIDs: only hex digits and dashes reach the SQL text.
    let ids = hidden
        .iter()
        .map(|id| super::parse_id(id).map(|id| format!("'{id}'")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(format!(
        "({table}.import_id IS NULL OR {table}.import_id NOT IN ({}))",
        ids.join(",")
    )))
}

/// Starts a staging import into `target` by `actor_id` (`None`: the registry itself).
pub fn begin(
    conn: &mut DbConnection,
    target: &Target,
    actor_id: Option<Uuid>,
    format: &str,
) -> Result<String, DbError> {
    let id = Uuid::now_v7().to_string();
    let at = now();
    diesel::insert_into(imports::table)
        .values((
            imports::id.eq(&id),
            imports::program_id.eq(target.program_id().to_string()),
            imports::library_id.eq(target.library_id().to_string()),
            imports::actor_id.eq(actor_id.map(|a| a.to_string())),
            imports::format.eq(format),
            imports::state.eq(STAGING),
            imports::started_at.eq(at),
            imports::heartbeat_at.eq(at),
        ))
        .execute(conn)?;
    Ok(id)
}

fn stopped(import_id: &str) -> DbError {
    DbError::Unavailable(format!(
        "import {import_id} was stopped: it was taken for abandoned (no sign of life for {} s); \
         nothing of it was kept, import the file again",
        STALE_AFTER_SECS
    ))
}

/// Records that the import is alive and stored `rows` more commitments; fails when it was
/// abandoned meanwhile, so that nothing more is written under it. Run it in the batch's
/// transaction.
///
/// On PostgreSQL the batch's commit does not wait for its WAL to reach the disk: a batch lost in a
/// crash belongs to an import that was not published yet (and is then abandoned), and the publish
/// commit, which does wait, flushes the WAL of every batch before it.
pub fn beat(conn: &mut DbConnection, import_id: &str, rows: i64) -> Result<(), DbError> {
    if let DbConnection::Postgres(_) = conn {
        diesel::sql_query("SET LOCAL synchronous_commit TO OFF").execute(conn)?;
    }
    let updated = diesel::update(
        imports::table
            .find(import_id)
            .filter(imports::state.eq(STAGING)),
    )
    .set((
        imports::heartbeat_at.eq(now()),
        imports::rows_stored.eq(imports::rows_stored + rows),
    ))
    .execute(conn)?;
    if updated == 1 {
        Ok(())
    } else {
        Err(stopped(import_id))
    }
}

/// Makes the import's rows appear, with one audit event that says what it brought: the one short
/// final step.
pub fn publish(
    conn: &mut DbConnection,
    actor: &AuditActor,
    target: &Target,
    import_id: &str,
    details: serde_json::Value,
) -> Result<(), DbError> {
    let updated = diesel::update(
        imports::table
            .find(import_id)
            .filter(imports::state.eq(STAGING)),
    )
    .set((imports::state.eq(PUBLISHED), imports::finished_at.eq(now())))
    .execute(conn)?;
    if updated != 1 {
        return Err(stopped(import_id));
    }
    let id = super::parse_id(import_id)?;
    audit::append(
        conn,
        actor,
        vec![NewEvent::record("publish_import", "import", id, details)
            .in_program(target.program_id())],
    )?;
    Ok(())
}

/// A writer that has not beaten for this long is taken for dead. It beats once a batch (a fraction
/// of a second); a batch waiting this long for the database is given up rather than published late.
pub const STALE_AFTER_SECS: i64 = 30;

/// Abandons the staging imports whose writer stopped beating before `older_than` ago (or the one
/// `import_id`, whatever its heartbeat) and clears their rows away; how many were abandoned.
pub fn abandon(
    db: &Db,
    import_id: Option<&str>,
    older_than: Duration,
    why: &str,
) -> Result<usize, DbError> {
    let cutoff: NaiveDateTime = now() - older_than;
    let candidates: Vec<(String, String)> = {
        let mut conn = db.conn()?;
        let mut query = imports::table
            .filter(imports::state.eq(STAGING))
            .filter(imports::heartbeat_at.lt(cutoff))
            .select((imports::id, imports::program_id))
            .into_boxed();
        if let Some(id) = import_id {
            query = query.filter(imports::id.eq(id.to_owned()));
        }
        query.load(&mut *conn)?
    };
    let mut abandoned = 0;
    for (id, program_id) in candidates {
        let marked = db.write_blocking(|conn| {
            // Checked again under the lock: the writer may have beaten meanwhile.
            let updated = diesel::update(
                imports::table
                    .find(&id)
                    .filter(imports::state.eq(STAGING))
                    .filter(imports::heartbeat_at.lt(cutoff)),
            )
            .set((imports::state.eq(ABANDONED), imports::finished_at.eq(now())))
            .execute(conn)?;
            if updated == 1 {
                let subject = super::parse_id(&id)?;
                let program = super::parse_id(&program_id)?;
                audit::append(
                    conn,
                    &AuditActor::system(),
                    vec![NewEvent::record(
                        "abandon_import",
                        "import",
                        subject,
                        json!({ "reason": why }),
                    )
                    .in_program(program)],
                )?;
            }
            Ok(updated == 1)
        })?;
        if marked {
            tracing::warn!(import = %id, why, "abandoned a staging import; clearing its rows");
            abandoned += 1;
        }
    }
    clear_abandoned(db)?;
    Ok(abandoned)
}

/// Removes what abandoned imports stored, a batch per transaction (hidden all along, so no reader
/// sees it go): their commitments, the aliases they added, and the titles they created that
/// nothing else came to use (those stay, as titles of their own).
pub fn clear_abandoned(db: &Db) -> Result<(), DbError> {
    let ids: Vec<String> = imports::table
        .filter(imports::state.eq(ABANDONED))
        .select(imports::id)
        .load(&mut *db.conn()?)?;
    for id in ids {
        loop {
            let removed = db.write_blocking(|conn| {
                let batch: Vec<String> = commitments::table
                    .filter(commitments::import_id.eq(&id))
                    .select(commitments::id)
                    .limit(CLEAR_BATCH)
                    .load(conn)?;
                diesel::delete(commitments::table.filter(commitments::id.eq_any(&batch)))
                    .execute(conn)?;
                Ok(batch.len())
            })?;
            if removed == 0 {
                break;
            }
        }
        db.write_blocking(|conn| {
            diesel::delete(title_aliases::table.filter(title_aliases::import_id.eq(&id)))
                .execute(conn)?;
            // A title someone else's commitment or alias came to use is theirs now.
            let used = commitments::table
                .select(commitments::title_id)
                .filter(commitments::title_id.eq(titles::id));
            let aliased = title_aliases::table
                .select(title_aliases::title_id)
                .filter(title_aliases::title_id.eq(titles::id));
            diesel::update(
                titles::table
                    .filter(titles::import_id.eq(&id))
                    .filter(diesel::dsl::exists(used).or(diesel::dsl::exists(aliased))),
            )
            .set(titles::import_id.eq(None::<String>))
            .execute(conn)?;
            Ok(())
        })?;
        loop {
            let removed = db.write_blocking(|conn| {
                let batch: Vec<String> = titles::table
                    .filter(titles::import_id.eq(&id))
                    .select(titles::id)
                    .limit(CLEAR_BATCH)
                    .load(conn)?;
                if batch.is_empty() {
                    return Ok(0);
                }
                if let DbConnection::Sqlite(_) = conn {
                    // The title-word index has no trigger for deletions. Typed UUIDs: only hex
                    // digits and dashes reach the SQL text.
                    let ids = batch
                        .iter()
                        .map(|id| super::parse_id(id).map(|id| format!("'{id}'")))
                        .collect::<Result<Vec<_>, _>>()?;
                    diesel::sql_query(format!(
                        "DELETE FROM titles_search WHERE title_id IN ({})",
                        ids.join(",")
                    ))
                    .execute(conn)?;
                }
                diesel::delete(titles::table.filter(titles::id.eq_any(&batch))).execute(conn)?;
                Ok(batch.len())
            })?;
            if removed == 0 {
                break;
            }
        }
    }
    Ok(())
}
