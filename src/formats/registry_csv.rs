//! The registry's own CSV: the contract's export header, one row per commitment.

use super::{CommitmentWriter, FormatError};
use crate::views::CommitmentView;

/// The export header, in the contract's order.
pub const HEADER: [&str; 29] = [
    "id",
    "program_code",
    "oclc_symbol",
    "marc_org_code",
    "oclc_number",
    "isbn",
    "issn",
    "title",
    "author",
    "publisher",
    "pub_year",
    "format",
    "local_bib_id",
    "local_item_id",
    "barcode",
    "call_number",
    "materials_specified",
    "shelving",
    "condition",
    "validation",
    "policies",
    "status",
    "retention_start",
    "retention_end",
    "proposed_by_role",
    "end_reason",
    "replaced_by",
    "created_at",
    "updated_at",
];

#[derive(Default)]
pub struct Writer;

fn text(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("")
}

fn to_csv(rows: impl IntoIterator<Item = Vec<String>>) -> Result<Vec<u8>, FormatError> {
    let mut csv = csv::WriterBuilder::new().from_writer(Vec::new());
    for row in rows {
        csv.write_record(&row)
            .map_err(|e| FormatError::write("CSV", e))?;
    }
    csv.into_inner().map_err(|e| FormatError::write("CSV", e))
}

/// The CSV fields of one commitment, in [`HEADER`] order.
pub fn row(c: &CommitmentView) -> Vec<String> {
    let instant =
        |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    vec![
        c.id.to_string(),
        c.program_code.clone(),
        c.oclc_symbol.clone(),
        c.marc_org_code.clone(),
        c.oclc_number.to_string(),
        text(&c.isbn).to_owned(),
        text(&c.issn).to_owned(),
        c.title.clone(),
        text(&c.author).to_owned(),
        text(&c.publisher).to_owned(),
        c.pub_year.map(|y| y.to_string()).unwrap_or_default(),
        c.format.as_str().to_owned(),
        text(&c.local_bib_id).to_owned(),
        text(&c.local_item_id).to_owned(),
        text(&c.barcode).to_owned(),
        text(&c.call_number).to_owned(),
        text(&c.materials_specified).to_owned(),
        c.shelving
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
        c.condition
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
        c.validation
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
        c.policies
            .iter()
            .map(|p| p.as_str())
            .collect::<Vec<_>>()
            .join(";"),
        c.status.as_str().to_owned(),
        c.retention_start.to_string(),
        c.retention_end.clone(),
        c.proposed_by_role.clone(),
        text(&c.end_reason).to_owned(),
        c.replaced_by.map(|id| id.to_string()).unwrap_or_default(),
        instant(c.created_at),
        instant(c.updated_at),
    ]
}

impl CommitmentWriter for Writer {
    fn start(&mut self) -> Result<Vec<u8>, FormatError> {
        to_csv([HEADER.iter().map(|h| h.to_string()).collect()])
    }

    fn write(&mut self, batch: &[CommitmentView]) -> Result<Vec<u8>, FormatError> {
        to_csv(batch.iter().map(row))
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
    fn header_and_row_follow_the_contract() {
        let mut writer = Writer;
        let head = String::from_utf8(writer.start().unwrap()).unwrap();
        assert!(head
            .starts_with("id,program_code,oclc_symbol,marc_org_code,oclc_number,isbn,issn,title,"));
        assert!(head
            .trim_end()
            .ends_with("proposed_by_role,end_reason,replaced_by,created_at,updated_at"));
        let body = String::from_utf8(writer.write(&[sample::commitment()]).unwrap()).unwrap();
        assert!(body.contains(",EAST,AMH,MA,12345,9780306406157,,The making of the English working class,\"Thompson, E. P.\",Gollancz,1963,monograph,"));
        assert!(body.contains(",building_use_only;no_reproduction,active,2016-06-30,2031-06-30,collection_manager,,,2026-11-27T10:00:00.000000Z,"));
    }
}

/// Reads the registry CSV: the export header (any subset, any order; only `oclc_number` and
/// `title` required; unknown columns ignored), UTF-8 with or without a BOM, LF or CRLF.
pub mod reader {
    use std::collections::HashMap;
    use std::io::Read;

    use crate::domain::commitment::{Condition, Format, Policy, Shelving, Validation};
    use crate::formats::rows::{normalise_header, present, ImportedRow};
    use crate::formats::FormatError;

    /// A streaming reader of rows.
    pub struct Rows<R: Read> {
        records: csv::ByteRecordsIntoIter<R>,
        columns: HashMap<String, usize>,
        /// The line the next record starts on (the header is line 1).
        next_line: u64,
    }

    /// Opens `input`; fails when the header lacks a required column.
    pub fn open<R: Read>(input: R, delimiter: u8) -> Result<Rows<R>, FormatError> {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
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
        let missing: Vec<&str> = ["oclc_number", "title"]
            .into_iter()
            .filter(|c| !columns.contains_key(*c))
            .collect();
        if !missing.is_empty() {
            return Err(FormatError::Header(format!(
                "the header row lacks {}; the registry CSV needs at least oclc_number and title",
                missing.join(" and ")
            )));
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
            let value = |row: &mut ImportedRow, name: &str| -> String {
                let Some(bytes) = self.columns.get(name).and_then(|&i| record.get(i)) else {
                    return String::new();
                };
                match std::str::from_utf8(bytes) {
                    Ok(text) => text.trim().to_owned(),
                    Err(_) => {
                        row.error(name, format!("{name} is not UTF-8 text: save the file as UTF-8 (it may be Latin-1 or Windows-1252)"));
                        String::new()
                    }
                }
            };
            let oclc = value(&mut row, "oclc_number");
            row.input.oclc_number = present(&oclc);
            row.input.title = present(&value(&mut row, "title"));
            row.input.author = present(&value(&mut row, "author"));
            row.input.publisher = present(&value(&mut row, "publisher"));
            row.input.isbn = present(&value(&mut row, "isbn"));
            row.input.issn = present(&value(&mut row, "issn"));
            let year = value(&mut row, "pub_year");
            if let Some(year) = present(&year) {
                match year.parse::<i64>() {
                    Ok(y) => row.input.pub_year = Some(y),
                    Err(_) => row.error("pub_year", format!("pub_year {year:?} is not a year")),
                }
            }
            let format = value(&mut row, "format");
            if let Some(format) = present(&format) {
                match Format::parse(&format.to_lowercase()) {
                    Ok(f) => row.input.format = Some(f),
                    Err(m) => row.error("format", format!("format {m}")),
                }
            }
            row.input.local_bib_id = present(&value(&mut row, "local_bib_id"));
            row.input.local_item_id = present(&value(&mut row, "local_item_id"));
            row.input.barcode = present(&value(&mut row, "barcode"));
            row.input.call_number = present(&value(&mut row, "call_number"));
            row.input.materials_specified = present(&value(&mut row, "materials_specified"));
            macro_rules! choice {
                ($name:literal, $ty:ty, $slot:ident) => {
                    let text = value(&mut row, $name);
                    if let Some(text) = present(&text) {
                        match <$ty>::parse(&text.to_lowercase()) {
                            Ok(v) => row.input.$slot = Some(v),
                            Err(m) => row.error($name, format!("{} {m}", $name)),
                        }
                    }
                };
            }
            choice!("shelving", Shelving, shelving);
            choice!("condition", Condition, condition);
            choice!("validation", Validation, validation);
            let policies = value(&mut row, "policies");
            for policy in policies
                .split([';', ','])
                .map(str::trim)
                .filter(|p| !p.is_empty())
            {
                match Policy::parse(&policy.to_lowercase()) {
                    Ok(p) => row.input.policies.push(p),
                    Err(m) => row.error("policies", format!("policy {m}")),
                }
            }
            let start = value(&mut row, "retention_start");
            row.set_start(&start);
            let end = value(&mut row, "retention_end");
            row.set_end(&end);
            row.input.public_note = present(&value(&mut row, "public_note"));
            row.input.private_note = present(&value(&mut row, "private_note"));
            row.program_code = present(&value(&mut row, "program_code"));
            row.oclc_symbol = present(&value(&mut row, "oclc_symbol"));
            row.marc_org_code = present(&value(&mut row, "marc_org_code"));
            row
        }
    }

    impl<R: Read> Iterator for Rows<R> {
        type Item = ImportedRow;

        fn next(&mut self) -> Option<ImportedRow> {
            loop {
                let record = self.records.next()?;
                let line = self.next_line;
                // A quoted value may span lines.
                let spanned = record.as_ref().map_or(0, |r| {
                    r.iter()
                        .map(|f| f.iter().filter(|b| **b == b'\n').count() as u64)
                        .sum()
                });
                self.next_line += 1 + spanned;
                return Some(match record {
                    Ok(record) if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) => {
                        continue
                    }
                    Ok(record) => self.row(&record, line),
                    Err(e) => ImportedRow::broken(
                        line,
                        "row",
                        format!("the row cannot be read as CSV: {e}"),
                    ),
                });
            }
        }
    }
}

#[cfg(test)]
mod reader_tests {
    use super::reader;

    fn lines(input: &[u8]) -> Vec<u64> {
        reader::open(input, b',').unwrap().map(|r| r.line).collect()
    }

    #[test]
    fn rows_know_their_line_whatever_the_line_ending() {
        assert_eq!(lines(b"oclc_number,title\n1,a\n2,b\n"), [2, 3]);
        assert_eq!(lines(b"oclc_number,title\r\n1,a\r\n2,b\r\n"), [2, 3]);
        assert_eq!(
            lines(b"\xEF\xBB\xBFoclc_number,title\r\n1,a\r\n2,b\r\n"),
            [2, 3]
        );
    }
}
