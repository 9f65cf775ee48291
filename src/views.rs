//! How commitments, titles and audit events look outside: the API's JSON, the NDJSON export and the
//! rows every export format is written from. One shape, so that they cannot drift apart.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::db::audit::EventRow;
use crate::db::models::commitments::{CommitmentRecord, CommitmentRow, Labels};
use crate::db::models::titles::TitleRow;
use crate::domain::commitment::{
    policies_from_text, Condition, Format, Policy, Shelving, Status, Validation,
};
use crate::domain::retention::RetentionEnd;
use crate::domain::Actor;
use crate::error::ApiError;

mod instants;

/// A stored UTC instant as RFC 3339.
pub fn instant(at: NaiveDateTime) -> DateTime<Utc> {
    at.and_utc()
}

/// A stored id, which is always a UUID.
pub fn id(value: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(value)
        .map_err(|_| ApiError::Internal(format!("stored id {value:?} is not a UUID")))
}

fn corrupt(what: &str) -> impl Fn(String) -> ApiError + '_ {
    move |m| ApiError::Internal(format!("stored {what} is not readable: {m}"))
}

/// A title as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TitleView {
    pub id: Uuid,
    pub oclc_number: i64,
    pub title: String,
    pub author: Option<String>,
    pub publisher: Option<String>,
    pub pub_year: Option<i32>,
    /// ISBN-13 digits.
    pub isbn: Option<String>,
    pub issn: Option<String>,
    pub format: Format,
    /// OCLC numbers merged into this one (019 `$a`, 035 `$z`): they find the same title.
    pub aliases: Vec<i64>,
}

impl TitleView {
    /// The view of a stored title (its text moved, not copied).
    pub fn from_owned(row: TitleRow) -> Result<Self, ApiError> {
        Ok(Self {
            id: id(&row.id)?,
            format: Format::parse(&row.format).map_err(corrupt("format"))?,
            oclc_number: row.oclc_number,
            title: row.title,
            author: row.author,
            publisher: row.publisher,
            pub_year: row.pub_year,
            isbn: row.isbn,
            issn: row.issn,
            aliases: Vec::new(),
        })
    }
}

/// One library's promise, under one program, to retain one title until `retention_end`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CommitmentView {
    pub id: Uuid,
    pub program_id: Uuid,
    pub program_code: String,
    /// The program's web page (583 `$u`).
    pub program_uri: Option<String>,
    pub library_id: Uuid,
    pub oclc_symbol: String,
    pub marc_org_code: String,
    pub title_id: Uuid,
    pub oclc_number: i64,
    pub title: String,
    pub author: Option<String>,
    pub publisher: Option<String>,
    pub pub_year: Option<i32>,
    pub isbn: Option<String>,
    pub issn: Option<String>,
    pub format: Format,
    pub local_bib_id: Option<String>,
    pub local_item_id: Option<String>,
    pub barcode: Option<String>,
    pub call_number: Option<String>,
    pub materials_specified: Option<String>,
    pub shelving: Option<Shelving>,
    pub condition: Option<Condition>,
    pub validation: Option<Validation>,
    pub policies: Vec<Policy>,
    pub status: Status,
    #[serde(serialize_with = "instants::day")]
    pub retention_start: NaiveDate,
    /// `YYYY-MM-DD` or `permanent`.
    pub retention_end: String,
    /// A collection manager's proposed new end, waiting for a coordinator's `renew`.
    pub renewal_proposed_end: Option<String>,
    pub public_note: Option<String>,
    pub private_note: Option<String>,
    /// Other `$f` values of an imported 583, such as a tier or sub-collection.
    pub program_note: Option<String>,
    /// The `$i` level and `$l` terms of imported validation 583s.
    pub validation_note: Option<String>,
    pub version: i32,
    pub proposed_by_role: String,
    pub end_reason: Option<String>,
    #[serde(serialize_with = "instants::optional_instant")]
    pub ended_at: Option<DateTime<Utc>>,
    pub replaces: Option<Uuid>,
    pub replaced_by: Option<Uuid>,
    #[serde(serialize_with = "instants::instant")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "instants::instant")]
    pub updated_at: DateTime<Utc>,
}

impl CommitmentView {
    /// The commitment as `reader` may see it: its private note only for those who may read it
    /// (`Actor::reads_private_notes`).
    pub fn for_reader(record: CommitmentRecord, reader: &Actor) -> Result<Self, ApiError> {
        let CommitmentRecord {
            commitment,
            program,
            library,
            title,
        } = record;
        Ok(Self::from_parts(commitment, Labels::of(&program, &library), title)?.seen_by(reader))
    }

    /// This view as `reader` may see it (see [`CommitmentView::for_reader`]).
    pub fn seen_by(mut self, reader: &Actor) -> Self {
        if !reader.reads_private_notes(self.program_id, self.library_id) {
            self.private_note = None;
        }
        self
    }

    /// The view of a stored commitment, the labels of its program and library, and its title
    /// (all moved).
    pub fn from_parts(c: CommitmentRow, labels: Labels, title: TitleRow) -> Result<Self, ApiError> {
        let title = TitleView::from_owned(title)?;
        let optional = |value: Option<String>| value.filter(|v| !v.is_empty());
        Ok(Self {
            id: id(&c.id)?,
            program_id: id(&c.program_id)?,
            program_code: labels.program_code,
            program_uri: labels.program_uri,
            library_id: id(&c.library_id)?,
            oclc_symbol: labels.oclc_symbol,
            marc_org_code: labels.marc_org_code,
            title_id: title.id,
            oclc_number: title.oclc_number,
            title: title.title,
            author: title.author,
            publisher: title.publisher,
            pub_year: title.pub_year,
            isbn: title.isbn,
            issn: title.issn,
            format: title.format,
            local_bib_id: c.local_bib_id,
            local_item_id: c.local_item_id,
            barcode: c.barcode,
            call_number: c.call_number,
            materials_specified: c.materials_specified,
            shelving: optional(c.shelving)
                .map(|s| Shelving::parse(&s))
                .transpose()
                .map_err(corrupt("shelving"))?,
            condition: optional(c.item_condition)
                .map(|s| Condition::parse(&s))
                .transpose()
                .map_err(corrupt("condition"))?,
            validation: optional(c.validation)
                .map(|s| Validation::parse(&s))
                .transpose()
                .map_err(corrupt("validation"))?,
            policies: policies_from_text(&c.policies).map_err(corrupt("policies"))?,
            status: Status::parse(&c.status).map_err(corrupt("status"))?,
            retention_start: c.retention_start,
            retention_end: RetentionEnd::from_date(c.retention_end).to_string(),
            renewal_proposed_end: c.renewal_proposed_end,
            public_note: c.public_note,
            private_note: c.private_note,
            program_note: c.program_note,
            validation_note: c.validation_note,
            version: c.version,
            proposed_by_role: c.proposed_by_role,
            end_reason: c.end_reason,
            ended_at: c.ended_at.map(instant),
            replaces: c.replaces.as_deref().map(id).transpose()?,
            replaced_by: c.replaced_by.as_deref().map(id).transpose()?,
            created_at: instant(c.created_at),
            updated_at: instant(c.updated_at),
        })
    }
}

/// One entry of the audit trail.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EventView {
    pub id: Uuid,
    /// Position in the trail, gap-free from 1.
    pub seq: i64,
    #[serde(serialize_with = "instants::instant")]
    pub at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    /// The actor's role, or `system` for the registry's own work.
    pub actor_role: String,
    pub action: String,
    pub subject_type: String,
    pub subject_id: Uuid,
    pub program_id: Option<Uuid>,
    pub commitment_id: Option<Uuid>,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    #[schema(value_type = Object)]
    pub details: Value,
    /// SHA-256 over `prev_hash` and this event's canonical content.
    pub hash: String,
    pub prev_hash: String,
}

impl EventView {
    pub fn from_row(row: EventRow) -> Result<Self, ApiError> {
        Ok(Self {
            id: id(&row.id)?,
            seq: row.seq,
            at: instant(row.at),
            actor_id: row.actor_id.as_deref().map(id).transpose()?,
            actor_role: row.actor_role,
            action: row.action,
            subject_type: row.subject_type,
            subject_id: id(&row.subject_id)?,
            program_id: row.program_id.as_deref().map(id).transpose()?,
            commitment_id: row.commitment_id.as_deref().map(id).transpose()?,
            from_status: row.from_status,
            to_status: row.to_status,
            details: serde_json::from_str(&row.details).unwrap_or(Value::String(row.details)),
            hash: row.hash,
            prev_hash: row.prev_hash,
        })
    }
}
