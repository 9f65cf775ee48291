//! The registry's own CSV: the contract's export header, one row per commitment.

use std::borrow::Cow;

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

fn text(value: &Option<String>) -> Cow<'_, str> {
    Cow::Borrowed(value.as_deref().unwrap_or(""))
}

fn to_csv<'a>(rows: impl IntoIterator<Item = Vec<Cow<'a, str>>>) -> Result<Vec<u8>, FormatError> {
    let mut csv = csv::WriterBuilder::new().from_writer(Vec::new());
    for row in rows {
        csv.write_record(row.iter().map(|field| field.as_bytes()))
            .map_err(|e| FormatError::write("CSV", e))?;
    }
    csv.into_inner().map_err(|e| FormatError::write("CSV", e))
}

/// The CSV fields of one commitment, in [`HEADER`] order: borrowed where the view has the text
/// (an export writes millions of rows; copying each field first cost a tenth of its time).
pub fn row(c: &CommitmentView) -> Vec<Cow<'_, str>> {
    let instant = |t: chrono::DateTime<chrono::Utc>| {
        Cow::Owned(t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
    };
    let name = |value: Option<&'static str>| Cow::Borrowed(value.unwrap_or(""));
    vec![
        Cow::Owned(c.id.to_string()),
        Cow::Borrowed(c.program_code.as_str()),
        Cow::Borrowed(c.oclc_symbol.as_str()),
        Cow::Borrowed(c.marc_org_code.as_str()),
        Cow::Owned(c.oclc_number.to_string()),
        text(&c.isbn),
        text(&c.issn),
        Cow::Borrowed(c.title.as_str()),
        text(&c.author),
        text(&c.publisher),
        Cow::Owned(c.pub_year.map(|y| y.to_string()).unwrap_or_default()),
        Cow::Borrowed(c.format.as_str()),
        text(&c.local_bib_id),
        text(&c.local_item_id),
        text(&c.barcode),
        text(&c.call_number),
        text(&c.materials_specified),
        name(c.shelving.map(|s| s.as_str())),
        name(c.condition.map(|s| s.as_str())),
        name(c.validation.map(|s| s.as_str())),
        Cow::Owned(
            c.policies
                .iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join(";"),
        ),
        Cow::Borrowed(c.status.as_str()),
        Cow::Owned(c.retention_start.to_string()),
        Cow::Borrowed(c.retention_end.as_str()),
        Cow::Borrowed(c.proposed_by_role.as_str()),
        text(&c.end_reason),
        Cow::Owned(c.replaced_by.map(|id| id.to_string()).unwrap_or_default()),
        instant(c.created_at),
        instant(c.updated_at),
    ]
}

impl CommitmentWriter for Writer {
    fn start(&mut self) -> Result<Vec<u8>, FormatError> {
        to_csv([HEADER.iter().map(|h| Cow::Borrowed(*h)).collect()])
    }

    fn write(&mut self, batch: &[CommitmentView]) -> Result<Vec<u8>, FormatError> {
        to_csv(batch.iter().map(row))
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
    use std::io::Read;

    use crate::domain::commitment::{Condition, Format, Policy, Shelving, Validation};
    use crate::formats::delimited::{self, Fields, Rows};
    use crate::formats::FormatError;

    /// Opens `input`; fails when the header lacks a required column.
    pub fn open<R: Read>(input: R, delimiter: u8) -> Result<Rows<R>, FormatError> {
        delimited::open(
            csv::ReaderBuilder::new()
                .delimiter(delimiter)
                .flexible(true),
            input,
            &["oclc_number", "title"],
            |missing| {
                format!(
                    "the header row lacks {}; the registry CSV needs at least oclc_number and title",
                    missing.join(" and ")
                )
            },
            row,
        )
    }

    fn row(f: &mut Fields<'_>) {
        f.row.input.oclc_number = f.present("oclc_number");
        f.row.input.title = f.present("title");
        f.row.input.author = f.present("author");
        f.row.input.publisher = f.present("publisher");
        f.row.input.isbn = f.present("isbn");
        f.row.input.issn = f.present("issn");
        if let Some(year) = f.present("pub_year") {
            match year.parse::<i64>() {
                Ok(y) => f.row.input.pub_year = Some(y),
                Err(_) => f
                    .row
                    .error("pub_year", format!("pub_year {year:?} is not a year")),
            }
        }
        if let Some(format) = f.present("format") {
            match Format::parse(&format.to_lowercase()) {
                Ok(format) => f.row.input.format = Some(format),
                Err(m) => f.row.error("format", format!("format {m}")),
            }
        }
        f.row.input.local_bib_id = f.present("local_bib_id");
        f.row.input.local_item_id = f.present("local_item_id");
        f.row.input.barcode = f.present("barcode");
        f.row.input.call_number = f.present("call_number");
        f.row.input.materials_specified = f.present("materials_specified");
        macro_rules! choice {
            ($name:literal, $ty:ty, $slot:ident) => {
                if let Some(text) = f.present($name) {
                    match <$ty>::parse(&text.to_lowercase()) {
                        Ok(v) => f.row.input.$slot = Some(v),
                        Err(m) => f.row.error($name, format!("{} {m}", $name)),
                    }
                }
            };
        }
        choice!("shelving", Shelving, shelving);
        choice!("condition", Condition, condition);
        choice!("validation", Validation, validation);
        let policies = f.value("policies");
        for policy in policies
            .split([';', ','])
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            match Policy::parse(&policy.to_lowercase()) {
                Ok(p) => f.row.input.policies.push(p),
                Err(m) => f.row.error("policies", format!("policy {m}")),
            }
        }
        let start = f.value("retention_start");
        f.row.set_start(&start);
        let end = f.value("retention_end");
        f.row.set_end(&end);
        f.row.input.public_note = f.present("public_note");
        f.row.input.private_note = f.present("private_note");
        f.row.program_code = f.present("program_code");
        f.row.oclc_symbol = f.present("oclc_symbol");
        f.row.marc_org_code = f.present("marc_org_code");
    }
}
