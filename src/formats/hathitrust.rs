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

/// Reads the HathiTrust layout. It carries no title: the registry's title of the OCLC number is
/// used, or a placeholder that a later proposal with a title does not replace.
pub mod reader {
    use std::collections::HashMap;
    use std::io::Read;

    use super::{policy_code, shelving_code};
    use crate::domain::commitment::{Condition, Policy, Shelving};
    use crate::formats::rows::{normalise_header, present, ImportedRow};
    use crate::formats::FormatError;

    pub struct Rows<R: Read> {
        records: csv::ByteRecordsIntoIter<R>,
        columns: HashMap<String, usize>,
        next_line: u64,
    }

    pub fn open<R: Read>(input: R) -> Result<Rows<R>, FormatError> {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(b'\t')
            .quoting(false)
            .flexible(true)
            .from_reader(input);
        let header = reader
            .byte_headers()
            .map_err(|e| FormatError::Header(format!("the header row cannot be read: {e}")))?;
        let columns: HashMap<String, usize> = header
            .iter()
            .enumerate()
            .map(|(i, name)| (normalise_header(&String::from_utf8_lossy(name)), i))
            .collect();
        if !columns.contains_key("ocn") {
            return Err(FormatError::Header(
                "the header row lacks ocn: is this the HathiTrust shared print layout (tab-separated, with a header)?".into(),
            ));
        }
        Ok(Rows {
            records: reader.into_byte_records(),
            columns,
            next_line: 2,
        })
    }

    impl<R: Read> Rows<R> {
        fn row(&self, record: &csv::ByteRecord, line: u64) -> ImportedRow {
            let mut row = ImportedRow::at(line);
            row.title_optional = true;
            let value = |row: &mut ImportedRow, name: &str| -> String {
                let Some(bytes) = self.columns.get(name).and_then(|&i| record.get(i)) else {
                    return String::new();
                };
                match std::str::from_utf8(bytes) {
                    Ok(text) => text.trim().to_owned(),
                    Err(_) => {
                        row.error(
                            name,
                            format!("{name} is not UTF-8 text: save the file as UTF-8"),
                        );
                        String::new()
                    }
                }
            };
            row.input.oclc_number = present(&value(&mut row, "ocn"));
            row.oclc_symbol = present(&value(&mut row, "oclc_sym"));
            let start = value(&mut row, "committed_date");
            row.set_start(&start);
            let end = value(&mut row, "retention_date");
            row.set_end(&end);
            row.input.local_bib_id = present(&value(&mut row, "local_bib_id"));
            row.input.local_item_id = present(&value(&mut row, "local_item_id"))
                .or_else(|| present(&value(&mut row, "local_id")));
            let shelving = value(&mut row, "local_shelving_type");
            if let Some(code) = present(&shelving) {
                let found = match code.to_lowercase().as_str() {
                    "sfcaasrs" => Some(Shelving::HighDensity),
                    code => [
                        Shelving::OpenStacks,
                        Shelving::ClosedStacks,
                        Shelving::StorageFacility,
                        Shelving::HighDensity,
                    ]
                    .into_iter()
                    .find(|s| shelving_code(*s) == code),
                };
                match found {
                    Some(s) => row.input.shelving = Some(s),
                    None => row.error("local_shelving_type", format!("local_shelving_type {code:?} is not one of cloa, clca, sfca, sfcahm, sfcaasrs")),
                }
            }
            let policies = value(&mut row, "policies");
            for code in policies.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                match Policy::ALL.iter().find(|p| policy_code(**p) == code.to_lowercase()) {
                    Some(p) => row.input.policies.push(*p),
                    None => row.error("policies", format!("policy {code:?} is not one of blo, non-circ, digitizeondemand, non-repro")),
                }
            }
            match value(&mut row, "retention_condition")
                .to_uppercase()
                .as_str()
            {
                "" => {}
                "EXCELLENT" => row.input.condition = Some(Condition::Excellent),
                "ACCEPTABLE" => row.input.condition = Some(Condition::Acceptable),
                other => row.error(
                    "retention_condition",
                    format!("retention_condition {other:?} is not EXCELLENT or ACCEPTABLE"),
                ),
            }
            let deprecation = value(&mut row, "deprecation_status");
            if let Some(code) = present(&deprecation) {
                let why = match code.as_str() {
                    "C" => "a duplicate copy",
                    "D" => "damaged",
                    "E" => "committed in error",
                    "L" => "lost",
                    "M" => "missing",
                    _ => "deprecated",
                };
                let date = value(&mut row, "deprecation_date");
                row.error(
                    "deprecation_status",
                    format!("the commitment ended early ({code}: {why}{}); only current commitments are imported", present(&date).map(|d| format!(", {d}")).unwrap_or_default()),
                );
            }
            row
        }
    }

    impl<R: Read> Iterator for Rows<R> {
        type Item = ImportedRow;

        fn next(&mut self) -> Option<ImportedRow> {
            loop {
                let record = self.records.next()?;
                let line = self.next_line;
                self.next_line += 1;
                return Some(match record {
                    Ok(record) if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) => {
                        continue
                    }
                    Ok(record) => self.row(&record, line),
                    Err(e) => {
                        ImportedRow::broken(line, "row", format!("the row cannot be read: {e}"))
                    }
                });
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn sample_file_maps_codes() {
            let file = std::fs::read(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/hathitrust-commitments.tsv"
            ))
            .unwrap();
            let rows: Vec<ImportedRow> = open(&file[..]).unwrap().collect();
            assert!(!rows.is_empty());
            let first = &rows[0];
            assert_eq!(first.line, 2);
            assert!(first.errors.is_empty(), "{:?}", first.errors);
            assert_eq!(first.input.oclc_number.as_deref(), Some("1026940529"));
            assert_eq!(first.oclc_symbol.as_deref(), Some("DKC"));
            assert_eq!(first.input.retention_start.as_deref(), Some("2019-02-28"));
            assert_eq!(first.input.retention_end.as_deref(), Some("2042-12-31"));
            assert_eq!(first.input.shelving, Some(Shelving::ClosedStacks));
            assert_eq!(
                first.input.policies,
                vec![Policy::BuildingUseOnly, Policy::NoReproduction]
            );
            assert_eq!(first.input.condition, Some(Condition::Acceptable));
            assert_eq!(rows[1].input.shelving, Some(Shelving::HighDensity));
        }

        #[test]
        fn deprecated_rows_are_refused_with_the_reason() {
            let file = b"uuid\tocn\toclc_sym\tdeprecation_status\tdeprecation_date\nx\t123\tDKC\tL\t2024-05-01\n";
            let rows: Vec<ImportedRow> = open(&file[..]).unwrap().collect();
            assert_eq!(rows[0].errors[0].field, "deprecation_status");
            assert!(rows[0].errors[0].message.contains("lost, 2024-05-01"));
        }
    }
}
