//! What a reader makes of one row (or one 583) of an imported file: the proposal it describes, or
//! the problems that keep it from being one.

use crate::domain::commitment::{CommitmentInput, LossReason};
use crate::domain::retention::{parse_imported_end, parse_imported_start};
use crate::domain::FieldError;

/// One commitment read from a file.
#[derive(Debug, Clone, Default)]
pub struct ImportedRow {
    /// Line of a CSV/TSV file (the header is line 1), or record number of a MARC file.
    pub line: u64,
    /// The proposal; program and library are the import's.
    pub input: CommitmentInput,
    /// Which program, library or MARC organization the row says it belongs to, if it says.
    pub program_code: Option<String>,
    pub oclc_symbol: Option<String>,
    pub marc_org_code: Option<String>,
    /// A 583's `$f` values: the program, and perhaps a tier or sub-collection.
    pub programs: Vec<String>,
    /// Library codes of a MARC record (583 `$5`, 852 `$a`): an OCLC symbol or MARC organization code.
    pub library_codes: Vec<String>,
    /// The program's web page as the row gives it (583 `$u`), to check against the program's.
    pub program_uri: Option<String>,
    /// A MARC retention note gives no start (the import day applies) or no end (the program's
    /// default applies): both are said in warnings. (A CSV leaves them out by design.)
    pub start_missing: bool,
    pub end_missing: bool,
    /// The format carries no title (HathiTrust): the registry's title is used, or a placeholder.
    pub title_optional: bool,
    /// Problems found while reading; a row with any is rejected.
    pub errors: Vec<FieldError>,
    /// The row is not a commitment of any program (another action of an OCLC registration file):
    /// passed over with this message, not counted.
    pub pass_over: Option<String>,
    /// The row ends a commitment rather than proposing one (a HathiTrust deprecation file), for
    /// `deprecation`'s reason (none when the file's code did not read).
    pub ends: bool,
    pub deprecation: Option<Deprecation>,
    /// What the librarian should know about a row that is imported (a default applied, a value
    /// kept as a note, a number that could not be read as an alias).
    pub warnings: Vec<FieldError>,
}

impl ImportedRow {
    pub fn at(line: u64) -> Self {
        Self {
            line,
            ..Default::default()
        }
    }

    pub fn error(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    pub fn warn(&mut self, field: &str, message: impl Into<String>) {
        self.warnings.push(FieldError {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    /// A file-level problem (truncated record, bad encoding) reported on this line.
    pub fn broken(line: u64, field: &str, message: impl Into<String>) -> Self {
        let mut row = Self::at(line);
        row.error(field, message);
        row
    }

    /// Reads a start date leniently into the canonical form, or records why not.
    pub fn set_start(&mut self, value: &str) {
        if value.trim().is_empty() {
            return;
        }
        match parse_imported_start(value) {
            Ok(date) => self.input.retention_start = Some(date.to_string()),
            Err(message) => self.error("retention_start", message),
        }
    }

    /// Reads an end date (or permanent) leniently into the canonical form, or records why not.
    /// No end, or "retention period not specified", leaves the program's default to apply.
    pub fn set_end(&mut self, value: &str) {
        let trimmed = value.trim().trim_end_matches('.');
        if trimmed.is_empty() || trimmed.eq_ignore_ascii_case("retention period not specified") {
            return;
        }
        match parse_imported_end(value) {
            Ok(end) => self.input.retention_end = Some(end.to_string()),
            Err(message) => self.error("retention_end", message),
        }
    }
}

/// Why a commitment ended early, as a HathiTrust deprecation file says (`L`, `D`, `M`, `C`, `E`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deprecation {
    pub code: String,
    pub reason: LossReason,
    pub date: Option<String>,
}

/// An optional text value: empty means absent.
pub fn present(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

/// Header names compared as people write them: case, spaces, hyphens and a BOM do not matter.
pub fn normalise_header(name: &str) -> String {
    name.trim_start_matches('\u{feff}')
        .trim()
        .to_lowercase()
        .replace([' ', '-'], "_")
}
