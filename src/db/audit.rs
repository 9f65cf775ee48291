//! The append-only, hash-chained audit trail.
//!
//! Every change appends its events in the same transaction. Appending first bumps the single
//! `audit_head` row, which locks it until commit: concurrent writers queue there, so each event's
//! `prev_hash` is the hash of the event before it and the chain never forks. There is no update or
//! delete path here; the database refuses them too (triggers in the migrations).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::schema::{audit_events, audit_head};
use super::{now, DbConnection, DbError};
use crate::domain::Actor;

/// Who caused an event: a user, or the registry itself (`system`) for start-up and scheduled work.
#[derive(Debug, Clone)]
pub struct AuditActor {
    pub id: Option<Uuid>,
    pub role: String,
}

impl AuditActor {
    pub fn system() -> Self {
        Self {
            id: None,
            role: "system".into(),
        }
    }
}

impl From<&Actor> for AuditActor {
    fn from(actor: &Actor) -> Self {
        if actor.is_system() {
            return Self::system();
        }
        Self {
            id: Some(actor.user_id),
            role: actor.role.as_str().to_owned(),
        }
    }
}

/// An event to append.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub action: &'static str,
    pub subject_type: &'static str,
    pub subject_id: Uuid,
    pub program_id: Option<Uuid>,
    pub commitment_id: Option<Uuid>,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub details: Value,
}

impl NewEvent {
    /// An event about a record that has no status (programs, libraries, users).
    pub fn record(
        action: &'static str,
        subject_type: &'static str,
        subject_id: Uuid,
        details: Value,
    ) -> Self {
        Self {
            action,
            subject_type,
            subject_id,
            program_id: None,
            commitment_id: None,
            from_status: None,
            to_status: None,
            details,
        }
    }

    pub fn in_program(mut self, program_id: Uuid) -> Self {
        self.program_id = Some(program_id);
        self
    }
}

/// A stored event.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_events, treat_none_as_default_value = false)]
pub struct EventRow {
    pub seq: i64,
    pub id: String,
    #[diesel(deserialize_as = crate::db::time::StoredTime)]
    pub at: NaiveDateTime,
    pub actor_id: Option<String>,
    pub actor_role: String,
    pub action: String,
    pub subject_type: String,
    pub subject_id: String,
    pub program_id: Option<String>,
    pub commitment_id: Option<String>,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub details: String,
    pub prev_hash: String,
    pub hash: String,
    /// The staging import it belongs to: hidden from readers until that import is published.
    pub import_id: Option<String>,
}

impl EventRow {
    /// SHA-256 over the previous hash and this event's canonical content, in lower-case hex.
    pub fn compute_hash(&self) -> String {
        let canonical = serde_json::json!([
            self.seq,
            self.id,
            self.at
                .and_utc()
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            self.actor_id,
            self.actor_role,
            self.action,
            self.subject_type,
            self.subject_id,
            self.program_id,
            self.commitment_id,
            self.from_status,
            self.to_status,
            self.details,
        ]);
        let mut hasher = Sha256::new();
        hasher.update(self.prev_hash.as_bytes());
        hasher.update(b"\n");
        hasher.update(canonical.to_string().as_bytes());
        hex::encode(hasher.finalize())
    }
}

/// Takes the audit chain's head before anything else in a write transaction (PostgreSQL; SQLite
/// already runs one writer at a time), so that every writer takes its locks in one order: the
/// head, then the rows. Taking the head only when appending, after inserting rows, let an import
/// holding the head wait on a title a proposal had inserted while the proposal waited on the head:
/// a deadlock.
///
/// On SQLite the same first step takes the database's write lock before anything is read. A
/// transaction that read first and wrote later could not wait for a writer of another process
/// (a second instance, or the CLI importing beside the server): SQLite answers such an upgrade
/// with SQLITE_BUSY at once rather than waiting, because the snapshot it read is already stale.
pub fn take_head(conn: &mut DbConnection) -> Result<(), DbError> {
    match conn {
        DbConnection::Postgres(_) => {
            diesel::sql_query("SELECT last_seq FROM audit_head WHERE id = 1 FOR UPDATE")
                .execute(conn)?;
        }
        DbConnection::Sqlite(_) => {
            diesel::sql_query("UPDATE audit_head SET last_seq = last_seq WHERE id = 1")
                .execute(conn)?;
        }
    }
    Ok(())
}

/// Appends `events` in order, chained to the trail; call inside the transaction of the change.
pub fn append(
    conn: &mut DbConnection,
    actor: &AuditActor,
    events: Vec<NewEvent>,
) -> Result<Vec<EventRow>, DbError> {
    append_events(conn, actor, events, None)
}

/// Appends the events of a batch of the staging import `import_id`: chained like any other, named
/// in their details (so the hash covers it), and hidden from readers until the import is published.
pub fn append_staged(
    conn: &mut DbConnection,
    actor: &AuditActor,
    events: Vec<NewEvent>,
    import_id: &str,
) -> Result<Vec<EventRow>, DbError> {
    append_events(conn, actor, events, Some(import_id))
}

fn append_events(
    conn: &mut DbConnection,
    actor: &AuditActor,
    events: Vec<NewEvent>,
    import_id: Option<&str>,
) -> Result<Vec<EventRow>, DbError> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let count =
        i64::try_from(events.len()).map_err(|_| DbError::Corrupt("too many events".into()))?;
    // The UPDATE takes the head's row lock before we read it (PostgreSQL); SQLite already has one writer.
    diesel::update(audit_head::table.find(1))
        .set(audit_head::last_seq.eq(audit_head::last_seq + count))
        .execute(conn)?;
    let (last_seq, mut prev_hash): (i64, String) = audit_head::table
        .find(1)
        .select((audit_head::last_seq, audit_head::last_hash))
        .first(conn)?;
    let at = now();
    let actor_id = actor.id.map(|id| id.to_string());
    let mut rows = Vec::with_capacity(events.len());
    for (seq, mut event) in (last_seq - count + 1..).zip(events) {
        if let (Some(import), Value::Object(details)) = (import_id, &mut event.details) {
            details.insert("import_id".into(), Value::String(import.to_owned()));
        }
        let mut row = EventRow {
            seq,
            id: Uuid::now_v7().to_string(),
            at,
            actor_id: actor_id.clone(),
            actor_role: actor.role.clone(),
            action: event.action.to_owned(),
            subject_type: event.subject_type.to_owned(),
            subject_id: event.subject_id.to_string(),
            program_id: event.program_id.map(|id| id.to_string()),
            commitment_id: event.commitment_id.map(|id| id.to_string()),
            from_status: event.from_status,
            to_status: event.to_status,
            details: event.details.to_string(),
            prev_hash: std::mem::take(&mut prev_hash),
            hash: String::new(),
            import_id: import_id.map(str::to_owned),
        };
        row.hash = row.compute_hash();
        prev_hash.clone_from(&row.hash);
        rows.push(row);
    }
    for batch in rows.chunks(crate::db::ROWS_PER_INSERT) {
        crate::insert_batch!(conn, audit_events::table, batch);
    }
    diesel::update(audit_head::table.find(1))
        .set(audit_head::last_hash.eq(&prev_hash))
        .execute(conn)?;
    Ok(rows)
}

/// The first event whose stored hash or link does not match the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    pub seq: i64,
    pub id: String,
    pub problem: String,
}

/// Outcome of walking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    pub events_checked: i64,
    pub broken: Option<BrokenLink>,
}

/// Events read per query while verifying.
const VERIFY_BATCH: i64 = 5_000;

/// Recomputes every event's hash in order and checks each link and the head; stops at the first break.
pub fn verify_chain(conn: &mut DbConnection) -> Result<ChainReport, DbError> {
    let genesis = "0".repeat(64);
    let mut expected_prev = genesis;
    let mut expected_seq = 1_i64;
    let mut checked = 0_i64;
    loop {
        let batch: Vec<EventRow> = audit_events::table
            .filter(audit_events::seq.ge(expected_seq))
            .order(audit_events::seq)
            .limit(VERIFY_BATCH)
            .select(EventRow::as_select())
            .load(conn)?;
        if batch.is_empty() {
            break;
        }
        for event in batch {
            let broken = |problem: String| ChainReport {
                events_checked: checked,
                broken: Some(BrokenLink {
                    seq: event.seq,
                    id: event.id.clone(),
                    problem,
                }),
            };
            if event.seq != expected_seq {
                return Ok(broken(format!("event {expected_seq} is missing")));
            }
            if event.prev_hash != expected_prev {
                return Ok(broken(
                    "prev_hash does not match the previous event's hash".into(),
                ));
            }
            if event.compute_hash() != event.hash {
                return Ok(broken("the event's content does not match its hash".into()));
            }
            expected_prev.clone_from(&event.hash);
            expected_seq += 1;
            checked += 1;
        }
    }
    let (last_seq, last_hash): (i64, String) = audit_head::table
        .find(1)
        .select((audit_head::last_seq, audit_head::last_hash))
        .first(conn)?;
    if last_seq != checked || last_hash != expected_prev {
        return Ok(ChainReport {
            events_checked: checked,
            broken: Some(BrokenLink {
                seq: last_seq,
                id: String::new(),
                problem: format!(
                    "the chain head names event {last_seq} but the trail ends at event {checked}"
                ),
            }),
        });
    }
    Ok(ChainReport {
        events_checked: checked,
        broken: None,
    })
}

/// The events of one commitment, oldest first, after sequence number `after`.
pub fn of_commitment(
    conn: &mut DbConnection,
    commitment_id: Uuid,
    after: Option<i64>,
    limit: i64,
) -> Result<super::Page<EventRow>, DbError> {
    let rows: Vec<EventRow> = audit_events::table
        .filter(audit_events::commitment_id.eq(commitment_id.to_string()))
        .filter(crate::shown!(audit_events))
        .filter(audit_events::seq.gt(after.unwrap_or(0)))
        .order(audit_events::seq)
        .limit(limit + 1)
        .select(EventRow::as_select())
        .load(conn)?;
    Ok(super::Page::from_rows(rows, limit, |e| e.seq.to_string()))
}

/// Up to `limit` events after sequence number `after` (of `programs` only, when given; from
/// `since`, when given), oldest first.
pub fn page(
    conn: &mut DbConnection,
    programs: Option<&[Uuid]>,
    since: Option<NaiveDateTime>,
    after: i64,
    limit: i64,
) -> Result<Vec<EventRow>, DbError> {
    let mut query = audit_events::table
        .filter(audit_events::seq.gt(after))
        .filter(crate::shown!(audit_events))
        .order(audit_events::seq)
        .limit(limit)
        .select(EventRow::as_select())
        .into_boxed();
    if let Some(programs) = programs {
        let ids: Vec<String> = programs.iter().map(Uuid::to_string).collect();
        query = query.filter(audit_events::program_id.eq_any(ids));
    }
    if let Some(since) = since {
        query = query.filter(audit_events::at.ge(since));
    }
    Ok(query.load(conn)?)
}

/// The `limit` latest events (of `programs` only, when given), newest first.
pub fn latest(
    conn: &mut DbConnection,
    programs: Option<&[Uuid]>,
    limit: i64,
) -> Result<Vec<EventRow>, DbError> {
    let mut query = audit_events::table
        .filter(crate::shown!(audit_events))
        .order(audit_events::seq.desc())
        .limit(limit)
        .select(EventRow::as_select())
        .into_boxed();
    if let Some(programs) = programs {
        let ids: Vec<String> = programs.iter().map(Uuid::to_string).collect();
        query = query.filter(audit_events::program_id.eq_any(ids));
    }
    Ok(query.load(conn)?)
}
