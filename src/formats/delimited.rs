//! Delimited files with a header row (the registry CSV, the HathiTrust TSV). What both layouts
//! need is here: header names compared as people write them, the line each record starts on (a
//! quoted value may span lines, blank lines are skipped, CRLF is one line end), unreadable records
//! and values that are not UTF-8 reported on their line. Each layout maps a record to a row by
//! asking for values by name.

use std::collections::{HashMap, VecDeque};
use std::io::Read;
use std::sync::Arc;

use parking_lot::Mutex;

use super::rows::{normalise_header, present, ImportedRow};
use super::FormatError;

/// The values of one record by column name; what cannot be read is recorded on `row`.
pub struct Fields<'a> {
    pub row: ImportedRow,
    record: &'a csv::ByteRecord,
    columns: &'a HashMap<String, usize>,
}

impl Fields<'_> {
    /// The trimmed value of column `name`: empty when the file has no such column, or when the
    /// value is not UTF-8 (then reported on the row).
    pub fn value(&mut self, name: &str) -> String {
        let Some(bytes) = self.columns.get(name).and_then(|&i| self.record.get(i)) else {
            return String::new();
        };
        match std::str::from_utf8(bytes) {
            Ok(text) => text.trim().to_owned(),
            Err(_) => {
                self.row.error(
                    name,
                    format!("{name} is not UTF-8 text: save the file as UTF-8 (it may be Latin-1 or Windows-1252)"),
                );
                String::new()
            }
        }
    }

    /// The value of column `name`, if not empty.
    pub fn present(&mut self, name: &str) -> Option<String> {
        present(&self.value(name))
    }
}

/// Turns the values of one record into a row.
pub type Mapping = fn(&mut Fields<'_>);

/// The input, noting the byte offset of each line end as the CSV reader pulls bytes through, so
/// that a record's offset tells its line. Only the line ends the reader has buffered ahead are held.
pub struct LineEnds<R> {
    inner: R,
    offset: u64,
    ends: Arc<Mutex<VecDeque<u64>>>,
}

impl<R: Read> Read for LineEnds<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut ends = self.ends.lock();
        for (i, _) in buf[..n].iter().enumerate().filter(|(_, b)| **b == b'\n') {
            ends.push_back(self.offset + i as u64);
        }
        self.offset += n as u64;
        Ok(n)
    }
}

/// A streaming reader of rows.
pub struct Rows<R: Read> {
    reader: csv::Reader<LineEnds<R>>,
    record: csv::ByteRecord,
    columns: HashMap<String, usize>,
    ends: Arc<Mutex<VecDeque<u64>>>,
    /// Line ends passed so far.
    passed: u64,
    finished: bool,
    map: Mapping,
    /// How many columns the header has, when every row must have as many.
    width: Option<usize>,
}

impl<R: Read> Rows<R> {
    /// Rejects a row whose number of columns is not the header's (a tab-separated file has no
    /// quoting to explain a difference: a value is missing or shifted).
    pub fn exact_width(mut self) -> Self {
        let columns = self.columns.values().max().map_or(0, |m| m + 1);
        self.width = Some(columns);
        self
    }

    /// The line of the byte at `offset` (at or after every offset asked before).
    fn line_at(&mut self, offset: u64) -> u64 {
        let mut ends = self.ends.lock();
        while ends.front().is_some_and(|end| *end < offset) {
            ends.pop_front();
            self.passed += 1;
        }
        self.passed + 1
    }

    /// The line the record just read starts on: the line of its last byte read (its terminator,
    /// or its last value at the end of the file) less the line ends inside its values. The start
    /// the reader reports would be wrong after blank lines, which it skips without a record.
    fn line_of_record(&mut self, inside: u64) -> u64 {
        let last = self.reader.position().byte().saturating_sub(1);
        self.line_at(last).saturating_sub(inside).max(2)
    }
}

/// Reads `input` with `builder`'s settings; fails with `missing` (given the absent names) when a
/// `required` column is not in the header.
pub fn open<R: Read>(
    builder: &csv::ReaderBuilder,
    input: R,
    required: &[&str],
    missing: fn(&[&str]) -> String,
    map: Mapping,
) -> Result<Rows<R>, FormatError> {
    let ends = Arc::new(Mutex::new(VecDeque::new()));
    let mut reader = builder.from_reader(LineEnds {
        inner: input,
        offset: 0,
        ends: Arc::clone(&ends),
    });
    let header = reader
        .byte_headers()
        .map_err(|e| FormatError::Header(format!("the header row cannot be read: {e}")))?;
    let columns: HashMap<String, usize> = header
        .iter()
        .enumerate()
        .map(|(i, name)| (normalise_header(&String::from_utf8_lossy(name)), i))
        .collect();
    let absent: Vec<&str> = required
        .iter()
        .copied()
        .filter(|c| !columns.contains_key(*c))
        .collect();
    if !absent.is_empty() {
        return Err(FormatError::Header(missing(&absent)));
    }
    Ok(Rows {
        reader,
        record: csv::ByteRecord::new(),
        columns,
        ends,
        passed: 0,
        finished: false,
        map,
        width: None,
    })
}

impl<R: Read> Iterator for Rows<R> {
    type Item = ImportedRow;

    fn next(&mut self) -> Option<ImportedRow> {
        if self.finished {
            return None;
        }
        loop {
            match self.reader.read_byte_record(&mut self.record) {
                Ok(false) => return None,
                Ok(true) => {}
                Err(e) => {
                    // A failed read of the file itself would fail again: this row is the last.
                    self.finished = e.is_io_error();
                    let line = self.line_of_record(0);
                    return Some(ImportedRow::broken(
                        line,
                        "row",
                        format!("the row cannot be read: {e}"),
                    ));
                }
            }
            let inside = self
                .record
                .iter()
                .map(|f| f.iter().filter(|b| **b == b'\n').count() as u64)
                .sum();
            let line = self.line_of_record(inside);
            if self
                .record
                .iter()
                .all(|f| f.iter().all(u8::is_ascii_whitespace))
            {
                continue;
            }
            if let Some(width) = self.width.filter(|w| *w != self.record.len()) {
                return Some(ImportedRow::broken(
                    line,
                    "row",
                    format!(
                        "the row has {} columns but the header has {width}: a value is missing or one too many",
                        self.record.len()
                    ),
                ));
            }
            let mut fields = Fields {
                row: ImportedRow::at(line),
                record: &self.record,
                columns: &self.columns,
            };
            (self.map)(&mut fields);
            return Some(fields.row);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oclc_only(fields: &mut Fields<'_>) {
        fields.row.input.oclc_number = fields.present("oclc_number");
    }

    fn read(input: &[u8]) -> Vec<ImportedRow> {
        open(
            csv::ReaderBuilder::new().flexible(true),
            input,
            &["oclc_number"],
            |m| m.join(","),
            oclc_only,
        )
        .unwrap()
        .collect()
    }

    #[test]
    fn rows_know_their_line_whatever_the_line_ending() {
        let lines = |input: &[u8]| read(input).iter().map(|r| r.line).collect::<Vec<_>>();
        assert_eq!(lines(b"oclc_number,title\n1,a\n2,b\n"), [2, 3]);
        assert_eq!(lines(b"oclc_number,title\r\n1,a\r\n2,b\r\n"), [2, 3]);
        assert_eq!(
            lines(b"\xEF\xBB\xBFoclc_number,title\r\n1,a\r\n2,b\r\n"),
            [2, 3]
        );
        assert_eq!(
            lines(b"oclc_number,title\n1,\"two\nlines\"\n\n3,c\n"),
            [2, 5],
            "a quoted value spans lines; a blank line is skipped"
        );
        assert_eq!(
            lines(b"oclc_number,title\r\n\r\n\r\n1,a\r\n  ,  \r\n2,b"),
            [4, 6],
            "blank lines and a row of blanks count as lines"
        );
    }

    #[test]
    fn header_names_are_compared_as_people_write_them_and_required_ones_checked() {
        let rows = read(b" OCLC-Number ,Title\n(OCoLC)7\n");
        assert_eq!(rows[0].input.oclc_number.as_deref(), Some("(OCoLC)7"));
        let refused = open(
            &csv::ReaderBuilder::new(),
            &b"title\nx\n"[..],
            &["oclc_number", "title"],
            |m| m.join("+"),
            oclc_only,
        );
        assert!(matches!(refused, Err(FormatError::Header(m)) if m == "oclc_number"));
    }

    #[test]
    fn a_value_that_is_not_utf8_is_reported_on_its_line_and_field() {
        let rows = read(b"oclc_number\n\xE9\n");
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[0].errors[0].field, "oclc_number");
        assert!(rows[0].errors[0].message.contains("not UTF-8"));
    }
}
