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
#[diesel(table_name = audit_events)]
pub struct EventRow {
    pub seq: i64,
    pub id: String,
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

/// Rows per INSERT statement, well under SQLite's limit on bound parameters.
const INSERT_BATCH: usize = 500;

/// Appends `events` in order, chained to the trail; call inside the transaction of the change.
pub fn append(
    conn: &mut DbConnection,
    actor: &AuditActor,
    events: Vec<NewEvent>,
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
    for (seq, event) in (last_seq - count + 1..).zip(events) {
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
        };
        row.hash = row.compute_hash();
        prev_hash.clone_from(&row.hash);
        rows.push(row);
    }
    for batch in rows.chunks(INSERT_BATCH) {
        crate::insert_batch!(conn, audit_events::table, batch);
    }
    diesel::update(audit_head::table.find(1))
        .set(audit_head::last_hash.eq(&prev_hash))
        .execute(conn)?;
    Ok(rows)
}
