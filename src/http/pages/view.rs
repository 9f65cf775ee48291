//! How the pages show commitments and audit events: the rows of their tables and timelines, in
//! words (statuses as text, instants in UTC, the actor's name rather than an id).

use std::collections::HashMap;

use chrono::NaiveDateTime;
use serde_json::Value;

use crate::db::audit::EventRow;
use crate::db::models::commitments::CommitmentRecord;
use crate::domain::retention::RetentionEnd;
use crate::domain::workflow::Side;

/// A code in words: `release_requested` → `release requested`.
pub fn words(code: &str) -> String {
    code.replace('_', " ")
}

/// A stored instant as people read it.
pub fn when(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// One commitment as a row of a table.
pub struct CommitmentLine {
    pub id: String,
    pub oclc_number: i64,
    pub title: String,
    pub materials_specified: Option<String>,
    pub oclc_symbol: String,
    pub library_name: String,
    pub program_code: String,
    pub program_id: String,
    /// The status code (for the CSS mark) and in words.
    pub status: String,
    pub status_text: String,
    pub retention_end: String,
    pub version: i32,
    /// "library" or "program".
    pub proposed_by: &'static str,
    pub updated: String,
}

impl CommitmentLine {
    pub fn of(record: &CommitmentRecord) -> Self {
        let c = &record.commitment;
        Self {
            id: c.id.clone(),
            oclc_number: record.title.oclc_number,
            title: record.title.title.clone(),
            materials_specified: c.materials_specified.clone(),
            oclc_symbol: record.library.oclc_symbol.clone(),
            library_name: record.library.name.clone(),
            program_code: record.program.code.clone(),
            program_id: record.program.id.clone(),
            status: c.status.clone(),
            status_text: words(&c.status),
            retention_end: RetentionEnd::from_date(c.retention_end).to_string(),
            version: c.version,
            proposed_by: match Side::of_role(&c.proposed_by_role) {
                Side::Library => "library",
                Side::Program => "program",
            },
            updated: c.updated_at.format("%Y-%m-%d").to_string(),
        }
    }
}

/// One audit event as a line of a timeline.
pub struct EventLine {
    pub seq: i64,
    pub at: String,
    /// The actor's name (or e-mail), or "the registry" for its own work.
    pub who: String,
    pub role: String,
    pub action: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub reason: Option<String>,
    /// Other details worth a line: a new end, a transfer, a renewal proposed.
    pub note: Option<String>,
    pub commitment_id: Option<String>,
    /// The commitment's title, where the page shows events of many commitments.
    pub subject: Option<String>,
}

impl EventLine {
    /// `names` maps actor ids to (name, e-mail); `subjects` commitment ids to a title line.
    pub fn of(
        event: &EventRow,
        names: &HashMap<String, (String, String)>,
        subjects: &HashMap<String, String>,
    ) -> Self {
        let details: Value = serde_json::from_str(&event.details).unwrap_or(Value::Null);
        let text = |key: &str| details.get(key).and_then(Value::as_str).map(str::to_owned);
        let who = match &event.actor_id {
            None => "the registry".to_owned(),
            Some(id) => match names.get(id) {
                Some((name, email)) if name != email => format!("{name} ({email})"),
                Some((_, email)) => email.clone(),
                None => "a former user".to_owned(),
            },
        };
        let note = match event.action.as_str() {
            "renew" if details.get("renewal_proposed").is_some() => {
                text("retention_end").map(|end| format!("proposed a new end: {end}"))
            }
            "renew" => text("retention_end").map(|end| {
                let before = text("previous_retention_end").unwrap_or_default();
                format!("retention end {before} → {end}")
            }),
            "propose" => text("retention_end").map(|end| format!("retention until {end}")),
            "transfer" => text("replaced_by").map(|_| "transferred to another library".to_owned()),
            "transfer_in" => Some("took over a transferred commitment".to_owned()),
            "expire" => text("as_of").map(|as_of| format!("ended before {as_of}")),
            _ => None,
        };
        Self {
            seq: event.seq,
            at: when(event.at),
            who,
            role: words(&event.actor_role),
            action: words(&event.action),
            from_status: event.from_status.as_deref().map(words),
            to_status: event.to_status.as_deref().map(words),
            reason: text("reason"),
            note,
            commitment_id: event.commitment_id.clone(),
            subject: event
                .commitment_id
                .as_ref()
                .and_then(|id| subjects.get(id).cloned()),
        }
    }
}
