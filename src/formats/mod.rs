//! File formats libraries already use, written from (and later read into) commitments:
//! the registry CSV, NDJSON, MARC 21 with 583 fields (binary and MARCXML), the HathiTrust shared
//! print TSV and OCLC's CSV registration layout. Writers are streaming: each turns a batch of
//! commitments into bytes, so an export of any size needs constant memory.

pub mod delimited;
pub mod hathitrust;
pub mod holdings;
mod iso2709;
pub mod marc21;
pub mod marc_reader;
pub mod oclc_csv;
pub mod registry_csv;
pub mod rows;

use serde::Deserialize;

use crate::views::CommitmentView;

/// An export format of `GET /exports/commitments` and `retention-registry export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
#[clap(rename_all = "snake_case")]
pub enum ExportFormat {
    Csv,
    Ndjson,
    Marc,
    Marcxml,
    HathitrustTsv,
    OclcCsv,
}

impl ExportFormat {
    pub const ALL: [ExportFormat; 6] = [
        ExportFormat::Csv,
        ExportFormat::Ndjson,
        ExportFormat::Marc,
        ExportFormat::Marcxml,
        ExportFormat::HathitrustTsv,
        ExportFormat::OclcCsv,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Ndjson => "ndjson",
            ExportFormat::Marc => "marc",
            ExportFormat::Marcxml => "marcxml",
            ExportFormat::HathitrustTsv => "hathitrust_tsv",
            ExportFormat::OclcCsv => "oclc_csv",
        }
    }

    /// What people call it.
    pub fn label(self) -> &'static str {
        match self {
            ExportFormat::Csv => "CSV (the registry's columns)",
            ExportFormat::Ndjson => "NDJSON (one commitment per line, as the API)",
            ExportFormat::Marc => "MARC 21 with 583 fields",
            ExportFormat::Marcxml => "MARCXML with 583 fields",
            ExportFormat::HathitrustTsv => "HathiTrust shared print TSV",
            ExportFormat::OclcCsv => "OCLC shared print registration CSV",
        }
    }

    pub fn parse(name: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|f| f.as_str() == name)
            .ok_or_else(|| {
                format!(
                    "{name:?} is not one of csv, ndjson, marc, marcxml, hathitrust_tsv, oclc_csv"
                )
            })
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv | ExportFormat::OclcCsv => "text/csv; charset=utf-8",
            ExportFormat::Ndjson => "application/x-ndjson",
            ExportFormat::Marc => "application/marc",
            ExportFormat::Marcxml => "application/marcxml+xml",
            ExportFormat::HathitrustTsv => "text/tab-separated-values; charset=utf-8",
        }
    }

    pub fn file_name(self) -> &'static str {
        match self {
            ExportFormat::Csv => "commitments.csv",
            ExportFormat::Ndjson => "commitments.ndjson",
            ExportFormat::Marc => "commitments.mrc",
            ExportFormat::Marcxml => "commitments.xml",
            ExportFormat::HathitrustTsv => "commitments.tsv",
            ExportFormat::OclcCsv => "commitments-oclc.csv",
        }
    }

    /// MARC groups commitments by title, so they must arrive ordered by title.
    pub fn groups_by_title(self) -> bool {
        matches!(self, ExportFormat::Marc | ExportFormat::Marcxml)
    }

    pub fn writer(self) -> Box<dyn CommitmentWriter + Send> {
        match self {
            ExportFormat::Csv => Box::new(registry_csv::Writer),
            ExportFormat::Ndjson => Box::new(NdjsonWriter),
            ExportFormat::Marc => Box::new(marc21::Writer::binary()),
            ExportFormat::Marcxml => Box::new(marc21::Writer::xml()),
            ExportFormat::HathitrustTsv => Box::new(hathitrust::Writer),
            ExportFormat::OclcCsv => Box::new(oclc_csv::Writer::default()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    /// The file cannot be read at all (its header is wrong).
    #[error("{0}")]
    Header(String),
    #[error("cannot write {what}: {message}")]
    Write { what: String, message: String },
}

impl FormatError {
    pub fn write(what: impl Into<String>, message: impl std::fmt::Display) -> Self {
        FormatError::Write {
            what: what.into(),
            message: message.to_string(),
        }
    }
}

/// Turns commitments into the bytes of one file format, batch by batch.
pub trait CommitmentWriter {
    /// Bytes before the first commitment (a header row, an XML prolog).
    fn start(&mut self) -> Result<Vec<u8>, FormatError>;
    /// Bytes for a batch; a writer may hold commitments back until it knows a group is complete.
    fn write(&mut self, batch: &[CommitmentView]) -> Result<Vec<u8>, FormatError>;
    /// Bytes after the last commitment (a closing tag, held-back records).
    fn finish(&mut self) -> Result<Vec<u8>, FormatError> {
        Ok(Vec::new())
    }
    /// Commitments the format cannot carry and left out.
    fn omitted(&self) -> u64 {
        0
    }
}

/// One JSON object per line, the same shape as the API's commitment.
struct NdjsonWriter;

impl CommitmentWriter for NdjsonWriter {
    fn start(&mut self) -> Result<Vec<u8>, FormatError> {
        Ok(Vec::new())
    }

    fn write(&mut self, batch: &[CommitmentView]) -> Result<Vec<u8>, FormatError> {
        let mut out = Vec::new();
        for commitment in batch {
            serde_json::to_writer(&mut out, commitment)
                .map_err(|e| FormatError::write("NDJSON", e))?;
            out.push(b'\n');
        }
        Ok(out)
    }
}

/// A date as MARC and OCLC write it: `yyyymmdd`.
pub fn compact_date(date: chrono::NaiveDate) -> String {
    date.format("%Y%m%d").to_string()
}

/// The retention end as MARC writes it: `yyyymmdd` or `permanent`.
pub fn marc_end(end: &str) -> String {
    if end == "permanent" {
        end.to_owned()
    } else {
        end.replace('-', "")
    }
}

#[cfg(test)]
pub(crate) mod sample {
    //! A commitment to write in the writers' tests.
    use chrono::{NaiveDate, TimeZone, Utc};
    use uuid::Uuid;

    use crate::domain::commitment::{Condition, Format, Policy, Shelving, Status};
    use crate::views::CommitmentView;

    pub fn commitment() -> CommitmentView {
        CommitmentView {
            id: Uuid::parse_str("01935f6e-1b2c-7d3e-8f40-123456789abc").unwrap(),
            program_id: Uuid::nil(),
            program_code: "EAST".into(),
            program_uri: Some("http://eastlibraries.org/retained-materials".into()),
            library_id: Uuid::nil(),
            oclc_symbol: "AMH".into(),
            marc_org_code: "MA".into(),
            title_id: Uuid::parse_str("01935f6e-0000-7000-8000-000000000001").unwrap(),
            oclc_number: 12345,
            title: "The making of the English working class".into(),
            author: Some("Thompson, E. P.".into()),
            publisher: Some("Gollancz".into()),
            pub_year: Some(1963),
            isbn: Some("9780306406157".into()),
            issn: None,
            format: Format::Monograph,
            local_bib_id: Some("b1248007".into()),
            local_item_id: Some("i75194455".into()),
            barcode: Some("37820166531078".into()),
            call_number: None,
            materials_specified: None,
            shelving: Some(Shelving::OpenStacks),
            condition: Some(Condition::Excellent),
            validation: None,
            policies: vec![Policy::BuildingUseOnly, Policy::NoReproduction],
            status: Status::Active,
            retention_start: NaiveDate::from_ymd_opt(2016, 6, 30).unwrap(),
            retention_end: "2031-06-30".into(),
            renewal_proposed_end: None,
            public_note: Some("Amherst College copy: EAST commitment".into()),
            private_note: None,
            program_note: None,
            validation_note: None,
            version: 2,
            proposed_by_role: "collection_manager".into(),
            end_reason: None,
            ended_at: None,
            replaces: None,
            replaced_by: None,
            created_at: Utc.with_ymd_and_hms(2026, 11, 27, 10, 0, 0).unwrap(),
            updated_at: Utc.with_ymd_and_hms(2026, 11, 27, 10, 5, 0).unwrap(),
        }
    }
}
