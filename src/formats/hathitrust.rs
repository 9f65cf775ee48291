//! The HathiTrust shared print commitments layout (TSV with a header row), and its code mappings
//! (DOMAIN.md): shelving, policies, condition and deprecation.

use super::{CommitmentWriter, FormatError};
use crate::domain::commitment::{Condition, Policy, Shelving, Status};
use crate::views::CommitmentView;

pub const HEADER: [&str; 18] = [
    "uuid",
    "organization",
    "ocn",
    "local_id",
    "oclc_sym",
    "committed_date",
    "retention_date",
    "local_bib_id",
    "local_item_id",
    "local_item_location",
    "local_shelving_type",
    "policies",
    "facsimile",
    "other_program",
    "other_retention_date",
    "deprecation_status",
    "deprecation_date",
    "retention_condition",
];

pub fn shelving_code(shelving: Shelving) -> &'static str {
    match shelving {
        Shelving::OpenStacks => "cloa",
        Shelving::ClosedStacks => "clca",
        Shelving::StorageFacility => "sfca",
        Shelving::HighDensity => "sfcahm",
    }
}

pub fn policy_code(policy: Policy) -> &'static str {
    match policy {
        Policy::BuildingUseOnly => "blo",
        Policy::NonCirculating => "non-circ",
        Policy::DigitizeOnDemand => "digitizeondemand",
        Policy::NoReproduction => "non-repro",
    }
}

/// The deprecation code of a commitment that ended early, if the layout has one for it.
pub fn deprecation_code(status: Status, end_reason: Option<&str>) -> Option<&'static str> {
    match (status, end_reason) {
        (Status::Released, Some("lost")) => Some("L"),
        (Status::Released, Some("damaged")) => Some("D"),
        (Status::Released, Some("missing")) => Some("M"),
        (Status::Released, Some("duplicate")) => Some("C"),
        (Status::Released, Some("error")) | (Status::Transferred, _) => Some("E"),
        _ => None,
    }
}

#[derive(Default)]
pub struct Writer;

fn tsv_field(value: &str) -> String {
    // TSV has no quoting: tabs and line breaks inside a value become spaces.
    value.replace(['\t', '\n', '\r'], " ")
}

pub fn row(c: &CommitmentView) -> Vec<String> {
    let deprecation = deprecation_code(c.status, c.end_reason.as_deref());
    vec![
        c.id.to_string(),
        c.oclc_symbol.to_lowercase(),
        c.oclc_number.to_string(),
        c.local_item_id.clone().unwrap_or_default(),
        c.oclc_symbol.clone(),
        c.retention_start.to_string(),
        c.retention_end.clone(),
        c.local_bib_id.clone().unwrap_or_default(),
        c.local_item_id.clone().unwrap_or_default(),
        String::new(),
        c.shelving.map(shelving_code).unwrap_or_default().to_owned(),
        c.policies
            .iter()
            .map(|p| policy_code(*p))
            .collect::<Vec<_>>()
            .join(","),
        "0".to_owned(),
        String::new(),
        String::new(),
        deprecation.unwrap_or_default().to_owned(),
        deprecation
            .and(c.ended_at)
            .map(|t| t.date_naive().to_string())
            .unwrap_or_default(),
        match c.condition {
            Some(Condition::Excellent) => "EXCELLENT".to_owned(),
            Some(Condition::Acceptable) => "ACCEPTABLE".to_owned(),
            _ => String::new(),
        },
    ]
}

fn line(fields: Vec<String>) -> String {
    let mut line = fields
        .iter()
        .map(|f| tsv_field(f))
        .collect::<Vec<_>>()
        .join("\t");
    line.push('\n');
    line
}

impl CommitmentWriter for Writer {
    fn start(&mut self) -> Result<Vec<u8>, FormatError> {
        Ok(line(HEADER.iter().map(|h| h.to_string()).collect()).into_bytes())
    }

    fn write(&mut self, batch: &[CommitmentView]) -> Result<Vec<u8>, FormatError> {
        Ok(batch
            .iter()
            .map(|c| line(row(c)))
            .collect::<String>()
            .into_bytes())
    }

    fn finish(&mut self) -> Result<Vec<u8>, FormatError> {
        Ok(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::sample;

    #[test]
    fn row_maps_codes_as_hathitrust_expects() {
        let out = String::from_utf8(Writer.write(&[sample::commitment()]).unwrap()).unwrap();
        let fields: Vec<&str> = out.trim_end_matches('\n').split('\t').collect();
        assert_eq!(fields.len(), HEADER.len());
        assert_eq!(fields[2], "12345");
        assert_eq!(fields[4], "AMH");
        assert_eq!(fields[5], "2016-06-30");
        assert_eq!(fields[6], "2031-06-30");
        assert_eq!(fields[10], "cloa");
        assert_eq!(fields[11], "blo,non-repro");
        assert_eq!(fields[17], "EXCELLENT");
        assert_eq!(fields[15], "");
    }

    #[test]
    fn early_ends_carry_a_deprecation_code() {
        assert_eq!(deprecation_code(Status::Released, Some("lost")), Some("L"));
        assert_eq!(
            deprecation_code(Status::Released, Some("damaged")),
            Some("D")
        );
        assert_eq!(
            deprecation_code(Status::Released, Some("missing")),
            Some("M")
        );
        assert_eq!(
            deprecation_code(Status::Transferred, Some("transferred")),
            Some("E")
        );
        assert_eq!(deprecation_code(Status::Active, None), None);
    }
}
