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
    use std::io::Read;

    use super::{policy_code, shelving_code};
    use crate::domain::commitment::{Condition, Policy, Shelving};
    use crate::formats::delimited::{self, Fields, Rows};
    use crate::formats::FormatError;

    pub fn open<R: Read>(input: R) -> Result<Rows<R>, FormatError> {
        delimited::open(
            csv::ReaderBuilder::new()
                .delimiter(b'\t')
                .quoting(false)
                .flexible(true),
            input,
            &["ocn"],
            |_| {
                "the header row lacks ocn: is this the HathiTrust shared print layout (tab-separated, with a header)?".into()
            },
            row,
        )
        .map(Rows::exact_width)
    }

    fn row(f: &mut Fields<'_>) {
        f.row.title_optional = true;
        f.row.input.oclc_number = f.present("ocn");
        f.row.oclc_symbol = f.present("oclc_sym");
        let start = f.value("committed_date");
        f.row.set_start(&start);
        let end = f.value("retention_date");
        f.row.set_end(&end);
        f.row.input.local_bib_id = f.present("local_bib_id");
        f.row.input.local_item_id = f.present("local_item_id").or_else(|| f.present("local_id"));
        if let Some(code) = f.present("local_shelving_type") {
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
                Some(s) => f.row.input.shelving = Some(s),
                None => f.row.error("local_shelving_type", format!("local_shelving_type {code:?} is not one of cloa, clca, sfca, sfcahm, sfcaasrs")),
            }
        }
        let policies = f.value("policies");
        // One cell, `,` or `;` between codes, any case, with or without the hyphen (`NON-REPRO`,
        // `noncirc`).
        let key = |code: &str| code.to_lowercase().replace(['-', '_', ' '], "");
        for code in policies
            .split([',', ';'])
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            match Policy::ALL
                .iter()
                .find(|p| key(policy_code(**p)) == key(code))
            {
                Some(p) => f.row.input.policies.push(*p),
                None => f.row.error(
                    "policies",
                    format!(
                        "policy {code:?} is not one of blo, non-circ, digitizeondemand, non-repro"
                    ),
                ),
            }
        }
        match f.value("retention_condition").to_uppercase().as_str() {
            "" => {}
            "EXCELLENT" => f.row.input.condition = Some(Condition::Excellent),
            "ACCEPTABLE" => f.row.input.condition = Some(Condition::Acceptable),
            other => f.row.error(
                "retention_condition",
                format!("retention_condition {other:?} is not EXCELLENT or ACCEPTABLE"),
            ),
        }
        match f.value("facsimile").as_str() {
            "" | "0" => {}
            "1" => {
                f.row.input.private_note =
                    Some("HathiTrust: the retained copy is a facsimile".into())
            }
            other => f
                .row
                .error("facsimile", format!("facsimile {other:?} is not 0 or 1")),
        }
        if let Some(other) = f.present("other_program") {
            let until = f
                .present("other_retention_date")
                .map(|d| format!(" until {d}"))
                .unwrap_or_default();
            let note = format!("also retained under {other}{until}");
            f.row.input.private_note = Some(match f.row.input.private_note.take() {
                Some(before) => format!("{before}; {note}"),
                None => note,
            });
        }
        if let Some(code) = f.present("deprecation_status") {
            let why = match code.as_str() {
                "C" => "a duplicate copy",
                "D" => "damaged",
                "E" => "committed in error",
                "L" => "lost",
                "M" => "missing",
                _ => "deprecated",
            };
            let date = f.present("deprecation_date");
            f.row.error(
                "deprecation_status",
                format!(
                    "the commitment ended early ({code}: {why}{}); only current commitments are imported",
                    date.map(|d| format!(", {d}")).unwrap_or_default()
                ),
            );
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use crate::formats::rows::ImportedRow;

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
        fn phase_three_files_with_any_case_and_either_separator_are_read() {
            let file = b"uuid\torganization\tocn\tlocal_id\toclc_sym\tcommitted_date\tretention_date\tlocal_bib_id\tlocal_item_id\tlocal_item_location\tlocal_shelving_type\tpolicies\tretention_condition\n\
                x\tumich\t123\ti1\teym\t2023-07-01\t2042-12-31\tb1\ti1\tmain\tSFCA\tBLO,DIGITIZEONDEMAND\tacceptable\n\
                y\tumich\t124\ti2\tEYM\t2023-07-01\t2042-12-31\tb2\ti2\tmain\tcloa\tnon-circ;NON-REPRO\tEXCELLENT\n\
                z\tumich\t125\ti3\tEYM\t2023-07-01";
            let rows: Vec<ImportedRow> = open(&file[..]).unwrap().collect();
            assert_eq!(rows.len(), 3);
            assert!(rows[0].errors.is_empty(), "{:?}", rows[0].errors);
            assert_eq!(rows[0].oclc_symbol.as_deref(), Some("eym"));
            assert_eq!(rows[0].input.shelving, Some(Shelving::StorageFacility));
            assert_eq!(
                rows[0].input.policies,
                vec![Policy::BuildingUseOnly, Policy::DigitizeOnDemand]
            );
            assert_eq!(rows[0].input.condition, Some(Condition::Acceptable));
            assert_eq!(
                rows[1].input.policies,
                vec![Policy::NonCirculating, Policy::NoReproduction]
            );
            // The last row lacks columns (and its final newline): refused with the counts.
            assert!(
                rows[2].errors[0]
                    .message
                    .contains("6 columns but the header has 13"),
                "{:?}",
                rows[2].errors
            );
        }

        #[test]
        fn facsimile_and_another_programs_commitment_are_kept() {
            let file = b"ocn\toclc_sym\tfacsimile\tother_program\tother_retention_date\n123\tEYM\t1\tEAST\t2031-06-30\n";
            let rows: Vec<ImportedRow> = open(&file[..]).unwrap().collect();
            assert!(rows[0].errors.is_empty(), "{:?}", rows[0].errors);
            assert_eq!(
                rows[0].input.private_note.as_deref(),
                Some("HathiTrust: the retained copy is a facsimile; also retained under EAST until 2031-06-30")
            );
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

/// Reads HathiTrust's deprecation file (`organization ocn local_id deprecation_status`, optional
/// `deprecation_date`): each row names an active commitment of the importing library to end.
pub mod deprecations {
    use std::io::Read;

    use crate::domain::commitment::LossReason;
    use crate::formats::delimited::{self, Fields, Rows};
    use crate::formats::rows::Deprecation;
    use crate::formats::FormatError;

    pub fn open<R: Read>(input: R) -> Result<Rows<R>, FormatError> {
        delimited::open(
            csv::ReaderBuilder::new()
                .delimiter(b'\t')
                .quoting(false)
                .flexible(true),
            input,
            &["ocn", "deprecation_status"],
            |missing| {
                format!(
                    "the header row lacks {}: a HathiTrust deprecation file has organization, ocn, local_id, deprecation_status",
                    missing.join(" and ")
                )
            },
            row,
        )
        .map(Rows::exact_width)
    }

    /// The reason a deprecation code stands for.
    pub fn reason_of(code: &str) -> Option<LossReason> {
        match code.trim().to_uppercase().as_str() {
            "L" => Some(LossReason::Lost),
            "D" => Some(LossReason::Damaged),
            "M" => Some(LossReason::Missing),
            "C" => Some(LossReason::Duplicate),
            "E" => Some(LossReason::Error),
            _ => None,
        }
    }

    fn row(f: &mut Fields<'_>) {
        f.row.ends = true;
        f.row.input.oclc_number = f.present("ocn");
        f.row.input.local_item_id = f.present("local_id");
        let code = f.value("deprecation_status");
        let date = f.present("deprecation_date");
        match reason_of(&code) {
            Some(reason) => {
                f.row.deprecation = Some(Deprecation {
                    code: code.trim().to_uppercase(),
                    reason,
                    date,
                })
            }
            None => f.row.error(
                "deprecation_status",
                format!("deprecation_status {code:?} is not one of C, D, E, L, M"),
            ),
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use crate::formats::rows::ImportedRow;

        #[test]
        fn codes_become_reasons_and_unknown_codes_are_refused() {
            let file = b"organization\tocn\tlocal_id\tdeprecation_status\tdeprecation_date\numich\t123\ti1\tL\t2024-05-01\numich\t124\ti2\tc\t\numich\t125\ti3\tX\t\n";
            let rows: Vec<ImportedRow> = open(&file[..]).unwrap().collect();
            assert_eq!(
                rows[0].deprecation.as_ref().unwrap().reason,
                LossReason::Lost
            );
            assert_eq!(rows[0].input.local_item_id.as_deref(), Some("i1"));
            assert_eq!(
                rows[1].deprecation.as_ref().unwrap().reason,
                LossReason::Duplicate
            );
            assert_eq!(rows[2].errors[0].field, "deprecation_status");
        }
    }
}
