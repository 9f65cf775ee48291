//! Holdings files: what a library holds, as a CSV of OCLC numbers (with optional identifiers,
//! title, format, shelving and local id) or as MARC / MARCXML bibliographic or holdings records,
//! one title per record. Read with the same rules as commitment files: header names as people
//! write them, lines and record numbers in every message, merged numbers as aliases.

use std::io::{BufRead, Read};

use serde::Deserialize;

use super::delimited::{self, Fields};
use super::marc_reader::{self, MarcData};
use super::rows::ImportedRow;
use super::FormatError;
use crate::domain::commitment::{Format, Shelving};
use crate::domain::holdings::HoldingInput;

/// The layouts a holdings file may come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
#[clap(rename_all = "snake_case")]
pub enum HoldingsFormat {
    Csv,
    Marc,
    Marcxml,
}

impl HoldingsFormat {
    pub const ALL: [HoldingsFormat; 3] = [
        HoldingsFormat::Csv,
        HoldingsFormat::Marc,
        HoldingsFormat::Marcxml,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            HoldingsFormat::Csv => "csv",
            HoldingsFormat::Marc => "marc",
            HoldingsFormat::Marcxml => "marcxml",
        }
    }

    /// What people call it.
    pub fn label(self) -> &'static str {
        match self {
            HoldingsFormat::Csv => "CSV of OCLC numbers",
            HoldingsFormat::Marc => "MARC 21 records (ISO 2709)",
            HoldingsFormat::Marcxml => "MARCXML records",
        }
    }

    pub fn parse(name: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|f| f.as_str() == name)
            .ok_or_else(|| format!("{name:?} is not one of csv, marc, marcxml"))
    }
}

/// A row of a holdings file: its line (or record number), what it says, and what could not be read.
pub type HoldingRows = Box<dyn Iterator<Item = ImportedRow> + Send>;

/// Opens `input` as `format`.
pub fn open(
    input: Box<dyn Read + Send>,
    format: HoldingsFormat,
) -> Result<HoldingRows, FormatError> {
    Ok(match format {
        HoldingsFormat::Csv => Box::new(delimited::open(
            csv::ReaderBuilder::new().flexible(true),
            input,
            &["oclc_number"],
            |_| {
                "the header row lacks oclc_number; a holdings CSV needs it (isbn, issn, title, \
                 format, shelving and local_bib_id may follow)"
                    .to_owned()
            },
            csv_row,
        )?),
        HoldingsFormat::Marc => Box::new(marc_reader::binary_records(input, marc_row)),
        HoldingsFormat::Marcxml => {
            let mut input = std::io::BufReader::new(input);
            marc_reader::check_xml_start(
                input
                    .fill_buf()
                    .map_err(|e| FormatError::Header(e.to_string()))?,
            )?;
            Box::new(marc_reader::xml_records(input, marc_row))
        }
    })
}

fn csv_row(f: &mut Fields<'_>) {
    f.row.input.oclc_number = f.present("oclc_number");
    f.row.input.isbn = f.present("isbn");
    f.row.input.issn = f.present("issn");
    f.row.input.title = f.present("title");
    f.row.input.local_bib_id = f.present("local_bib_id");
    if let Some(format) = f.present("format") {
        match Format::parse(&format.to_lowercase()) {
            Ok(format) => f.row.input.format = Some(format),
            Err(m) => f.row.error("format", format!("format {m}")),
        }
    }
    if let Some(shelving) = f.present("shelving") {
        match Shelving::parse(&shelving.to_lowercase().replace([' ', '-'], "_")) {
            Ok(shelving) => f.row.input.shelving = Some(shelving),
            Err(m) => f.row.error("shelving", format!("shelving {m}")),
        }
    }
}

/// One title per record, whatever its 583s say; 852 `$h`/`$i` (call number) is not kept.
fn marc_row(number: u64, record: &MarcData) -> Vec<ImportedRow> {
    vec![marc_reader::title_row(number, record)]
}

/// What a row says, for [`crate::domain::holdings::Holding::parse`].
pub fn input_of(row: &mut ImportedRow) -> HoldingInput {
    let input = &mut row.input;
    HoldingInput {
        oclc_number: input.oclc_number.take(),
        aliases: std::mem::take(&mut input.aliases),
        isbn: input.isbn.take(),
        issn: input.issn.take(),
        title: input.title.take(),
        format: input.format.take(),
        shelving: input.shelving.take(),
        local_bib_id: input.local_bib_id.take(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Vec<ImportedRow> {
        open(
            Box::new(std::io::Cursor::new(text.to_owned())),
            HoldingsFormat::Csv,
        )
        .unwrap()
        .collect()
    }

    #[test]
    fn a_csv_of_numbers_reads_with_optional_columns_in_any_order() {
        let rows = read("Title,OCLC Number,shelving\r\nMiddlemarch,(OCoLC)123,Storage Facility\r\n\r\n,456,\r\n");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].input.oclc_number.as_deref(), Some("(OCoLC)123"));
        assert_eq!(rows[0].input.shelving, Some(Shelving::StorageFacility));
        assert!(rows[0].errors.is_empty());
        assert_eq!(rows[1].line, 4, "blank lines count");
        assert_eq!(rows[1].input.title, None);
    }

    #[test]
    fn a_csv_without_oclc_number_is_refused_at_its_header() {
        let error = open(
            Box::new(std::io::Cursor::new("isbn\n123\n")),
            HoldingsFormat::Csv,
        )
        .err()
        .unwrap();
        assert!(error.to_string().contains("oclc_number"));
    }
}
