//! The withdrawal check: a library's list of candidates for weeding (OCLC numbers, ISBNs or ISSNs)
//! answered row by row — does this library keep it, who else does, in which programs, until when,
//! and a verdict. Read a thousand rows at a time and written out as each batch is answered, so a
//! list of millions takes flat memory and the first answers arrive at once.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::BufRead;

use crate::db::models::titles::{self, TitleRow};
use crate::db::models::withdrawal_check::{self, Identifier, Kept};
use crate::db::{Db, DbError};
use crate::domain::identifiers::{Isbn, Issn, OclcNumber};
use crate::domain::withdrawal::Verdict;
use crate::formats::rows::normalise_header;
use crate::formats::FormatError;

/// Candidates answered per batch.
const BATCH: usize = 1_000;

/// The header of the answer.
pub const HEADER: [&str; 10] = [
    "line",
    "input",
    "oclc_number",
    "title",
    "committed_here",
    "retained_elsewhere",
    "retained_by",
    "programs",
    "latest_retention_end",
    "verdict",
];

#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("{0}")]
    File(#[from] FormatError),
    #[error("cannot write the answer: {0}")]
    Write(String),
}

/// Which identifier the candidates are given by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Oclc,
    Isbn,
    Issn,
}

/// Whose list it is and what it is checked against.
pub struct Scope {
    pub library_id: String,
    /// The programs whose commitments count (`None`: every program).
    pub programs: Option<Vec<String>>,
}

/// One candidate as read.
struct Candidate {
    line: u64,
    input: String,
}

/// The candidates of `input`: a CSV with a column `oclc_number` (or `oclc`), `isbn` or `issn`, or a
/// file of one unnamed column of OCLC numbers. Read a line at a time, so that each answer carries
/// the line of its candidate (blank lines skipped but counted); a quoted value may not span lines.
struct Candidates<R: BufRead> {
    input: R,
    line: u64,
    index: usize,
    column: Column,
    first: Option<Candidate>,
    buffer: Vec<u8>,
    /// A read failed: nothing after it is read.
    broken: bool,
}

/// The values of one line of a CSV file.
fn fields(line: &[u8]) -> Vec<String> {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if !line.contains(&b'"') {
        return line
            .split(|b| *b == b',')
            .map(|v| String::from_utf8_lossy(v).trim().to_owned())
            .collect();
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(line);
    let mut record = csv::ByteRecord::new();
    match reader.read_byte_record(&mut record) {
        Ok(true) => record
            .iter()
            .map(|v| String::from_utf8_lossy(v).trim().to_owned())
            .collect(),
        _ => vec![String::from_utf8_lossy(line).trim().to_owned()],
    }
}

impl<R: BufRead> Candidates<R> {
    fn open(input: R) -> Result<Self, FormatError> {
        let mut candidates = Self {
            input,
            line: 0,
            index: 0,
            column: Column::Oclc,
            first: None,
            buffer: Vec::new(),
            broken: false,
        };
        let Some(mut names) = candidates.next_fields()? else {
            return Err(FormatError::Header("the file is empty".into()));
        };
        if let Some(first) = names.first_mut() {
            *first = first.trim_start_matches('\u{feff}').to_owned();
        }
        let normalised: Vec<String> = names.iter().map(|n| normalise_header(n)).collect();
        let find = |wanted: &[&str]| normalised.iter().position(|n| wanted.contains(&n.as_str()));
        if let Some(i) = find(&["oclc_number", "oclc", "ocn"]) {
            (candidates.column, candidates.index) = (Column::Oclc, i);
        } else if let Some(i) = find(&["isbn"]) {
            (candidates.column, candidates.index) = (Column::Isbn, i);
        } else if let Some(i) = find(&["issn"]) {
            (candidates.column, candidates.index) = (Column::Issn, i);
        } else if names.len() == 1 {
            candidates.first = Some(Candidate {
                line: candidates.line,
                input: names.remove(0),
            });
        } else {
            return Err(FormatError::Header(
                "the file needs a column named oclc_number, isbn or issn, or one unnamed column of OCLC numbers"
                    .into(),
            ));
        }
        Ok(candidates)
    }

    /// The values of the next line that is not blank, or `None` at the end.
    fn next_fields(&mut self) -> Result<Option<Vec<String>>, FormatError> {
        loop {
            self.buffer.clear();
            let read = self
                .input
                .read_until(b'\n', &mut self.buffer)
                .map_err(|e| FormatError::Header(format!("the file cannot be read: {e}")))?;
            if read == 0 {
                return Ok(None);
            }
            self.line += 1;
            if self.buffer.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return Ok(Some(fields(&self.buffer)));
        }
    }
}

impl<R: BufRead> Iterator for Candidates<R> {
    type Item = Candidate;

    fn next(&mut self) -> Option<Candidate> {
        if let Some(first) = self.first.take() {
            return Some(first);
        }
        if self.broken {
            return None;
        }
        match self.next_fields() {
            Ok(Some(mut values)) => {
                let input = if self.index < values.len() {
                    values.swap_remove(self.index)
                } else {
                    String::new()
                };
                Some(Candidate {
                    line: self.line,
                    input,
                })
            }
            Ok(None) => None,
            Err(error) => {
                self.broken = true;
                Some(Candidate {
                    line: self.line + 1,
                    input: format!("\u{0}{error}; lines after it were not read"),
                })
            }
        }
    }
}

/// What a candidate reads as, or why it does not.
enum Parsed {
    Oclc(OclcNumber),
    Code(String),
    Invalid(String),
}

fn parse(column: Column, input: &str) -> Parsed {
    if let Some(error) = input.strip_prefix('\u{0}') {
        return Parsed::Invalid(format!("the line cannot be read: {error}"));
    }
    if input.is_empty() {
        return Parsed::Invalid("no identifier on this line".into());
    }
    let result = match column {
        Column::Oclc => OclcNumber::parse(input).map(Parsed::Oclc),
        Column::Isbn => Isbn::parse(input).map(|i| Parsed::Code(i.as_str().to_owned())),
        Column::Issn => Issn::parse(input).map(|i| Parsed::Code(i.as_str().to_owned())),
    };
    result.unwrap_or_else(Parsed::Invalid)
}

/// Reads the start of `input` as a list of candidates would be read: the file-level error, if any,
/// before any answer is sent.
pub fn check_start(input: impl BufRead) -> Result<(), FormatError> {
    Candidates::open(input).map(drop)
}

/// Answers each candidate of `input` for `scope`, writing the CSV to `sink` batch by batch;
/// returns how many rows got each verdict.
pub fn run(
    db: &Db,
    scope: &Scope,
    input: impl BufRead,
    sink: &mut dyn FnMut(Vec<u8>) -> std::io::Result<()>,
) -> Result<BTreeMap<&'static str, u64>, CheckError> {
    let candidates = Candidates::open(input)?;
    let column = candidates.column;
    let mut candidates = candidates.peekable();
    let mut counts: BTreeMap<&'static str, u64> =
        Verdict::ALL.iter().map(|v| (v.as_str(), 0)).collect();
    let mut out = csv::Writer::from_writer(Vec::new());
    // The header leaves with the first answers, so that a first lookup that fails is an error
    // status rather than a file holding the header alone (see `http::api::exports::stream`).
    write(&mut out, HEADER)?;
    let mut sent = false;
    while candidates.peek().is_some() {
        let batch: Vec<Candidate> = candidates.by_ref().take(BATCH).collect();
        for (candidate, answer) in batch.iter().zip(answer_batch(db, scope, column, &batch)?) {
            *counts.entry(answer.verdict.as_str()).or_default() += 1;
            let input = match &answer.invalid {
                Some(reason) if candidate.input.is_empty() => reason.clone(),
                Some(reason) => {
                    format!("{} ({reason})", candidate.input.trim_start_matches('\u{0}'))
                }
                None => candidate.input.clone(),
            };
            write(
                &mut out,
                [
                    candidate.line.to_string(),
                    input,
                    answer
                        .oclc_number
                        .map(|n| n.to_string())
                        .unwrap_or_default(),
                    answer.title,
                    if answer.verdict == Verdict::Invalid || answer.verdict == Verdict::UnknownTitle
                    {
                        String::new()
                    } else {
                        answer.committed_here.to_string()
                    },
                    answer.retained_by.len().to_string(),
                    answer.retained_by.into_iter().collect::<Vec<_>>().join(";"),
                    answer.programs.into_iter().collect::<Vec<_>>().join(";"),
                    answer.latest_end,
                    answer.verdict.as_str().to_owned(),
                ],
            )?;
        }
        sink(take(&mut out)?).map_err(|e| CheckError::Write(e.to_string()))?;
        sent = true;
    }
    if !sent {
        sink(take(&mut out)?).map_err(|e| CheckError::Write(e.to_string()))?;
    }
    Ok(counts)
}

fn write<I, T>(out: &mut csv::Writer<Vec<u8>>, record: I) -> Result<(), CheckError>
where
    I: IntoIterator<Item = T>,
    T: AsRef<[u8]>,
{
    out.write_record(record)
        .map_err(|e| CheckError::Write(e.to_string()))
}

/// The bytes written so far, leaving a fresh writer in place.
fn take(out: &mut csv::Writer<Vec<u8>>) -> Result<Vec<u8>, CheckError> {
    let full = std::mem::replace(out, csv::Writer::from_writer(Vec::new()));
    full.into_inner()
        .map_err(|e| CheckError::Write(e.to_string()))
}

/// The answer for one candidate.
struct Answered {
    /// Why the identifier does not read.
    invalid: Option<String>,
    oclc_number: Option<i64>,
    title: String,
    committed_here: bool,
    /// Other libraries keeping a copy, by OCLC symbol.
    retained_by: BTreeSet<String>,
    /// Programs in which a copy is kept.
    programs: BTreeSet<String>,
    latest_end: String,
    verdict: Verdict,
}

impl Default for Answered {
    fn default() -> Self {
        Self {
            invalid: None,
            oclc_number: None,
            title: String::new(),
            committed_here: false,
            retained_by: BTreeSet::new(),
            programs: BTreeSet::new(),
            latest_end: String::new(),
            verdict: Verdict::Invalid,
        }
    }
}

/// Answers a batch: its titles in one or two reads, the commitments keeping them in one more.
fn answer_batch(
    db: &Db,
    scope: &Scope,
    column: Column,
    batch: &[Candidate],
) -> Result<Vec<Answered>, CheckError> {
    let parsed: Vec<Parsed> = batch.iter().map(|c| parse(column, &c.input)).collect();
    let mut conn = db.conn()?;
    let titles: Vec<Option<TitleRow>> = match column {
        Column::Oclc => {
            let numbers: Vec<i64> = parsed
                .iter()
                .filter_map(|p| match p {
                    Parsed::Oclc(n) => Some(n.value()),
                    _ => None,
                })
                .collect();
            let found = titles::resolve(&mut conn, &numbers)?;
            parsed
                .iter()
                .map(|p| match p {
                    Parsed::Oclc(n) => found.get(&n.value()).cloned(),
                    _ => None,
                })
                .collect()
        }
        Column::Isbn | Column::Issn => {
            let kind = if column == Column::Isbn {
                Identifier::Isbn
            } else {
                Identifier::Issn
            };
            let codes: Vec<String> = parsed
                .iter()
                .filter_map(|p| match p {
                    Parsed::Code(c) => Some(c.clone()),
                    _ => None,
                })
                .collect();
            let found = withdrawal_check::by_identifier(&mut conn, kind, &codes)?;
            parsed
                .iter()
                .map(|p| match p {
                    Parsed::Code(c) => found.get(c).cloned(),
                    _ => None,
                })
                .collect()
        }
    };
    let ids: Vec<String> = titles
        .iter()
        .flatten()
        .map(|t| t.id.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut kept: HashMap<String, Vec<Kept>> = HashMap::new();
    for k in withdrawal_check::kept_on(&mut conn, &ids, scope.programs.as_deref())? {
        kept.entry(k.title_id.clone()).or_default().push(k);
    }
    Ok(parsed
        .into_iter()
        .zip(titles)
        .map(|(parsed, title)| match (parsed, title) {
            (Parsed::Invalid(reason), _) => Answered {
                invalid: Some(reason),
                ..Answered::default()
            },
            (_, None) => Answered {
                verdict: Verdict::UnknownTitle,
                ..Answered::default()
            },
            (_, Some(title)) => answer(
                scope,
                &title,
                kept.get(&title.id).map_or(&[], Vec::as_slice),
            ),
        })
        .collect())
}

/// What the commitments keeping `title` say to the library of `scope`.
fn answer(scope: &Scope, title: &TitleRow, kept: &[Kept]) -> Answered {
    let mut others_by_program: BTreeMap<&str, (BTreeSet<&str>, i64)> = BTreeMap::new();
    let mut answered = Answered {
        oclc_number: Some(title.oclc_number),
        title: title.title.clone(),
        ..Answered::default()
    };
    let mut latest: Option<Option<chrono::NaiveDate>> = None;
    for k in kept {
        answered.programs.insert(k.program_code.clone());
        if k.library_id == scope.library_id {
            answered.committed_here = true;
            continue;
        }
        answered.retained_by.insert(k.oclc_symbol.clone());
        let entry = others_by_program
            .entry(k.program_id.as_str())
            .or_insert_with(|| (BTreeSet::new(), i64::from(k.target_copies)));
        entry.0.insert(k.library_id.as_str());
        // `None` (permanent) is the latest of all.
        latest = Some(match (latest, k.retention_end) {
            (None, end) => end,
            (Some(None), _) | (_, None) => None,
            (Some(Some(a)), Some(b)) => Some(a.max(b)),
        });
    }
    answered.latest_end = match latest {
        None => String::new(),
        Some(None) => "permanent".into(),
        Some(Some(date)) => date.to_string(),
    };
    let by_program: Vec<(i64, i64)> = others_by_program
        .values()
        .map(|(libraries, target)| (libraries.len() as i64, *target))
        .collect();
    answered.verdict = Verdict::of(answered.committed_here, &by_program);
    answered
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<(Column, Vec<(u64, String)>), FormatError> {
        let candidates = Candidates::open(text.as_bytes())?;
        let column = candidates.column;
        Ok((column, candidates.map(|c| (c.line, c.input)).collect()))
    }

    #[test]
    fn a_named_column_is_read_among_others_with_the_line_of_each_row() {
        let (column, rows) = read(
            "\u{feff}Title,ISBN\r\n\"Middlemarch, a study\",0-306-40615-2\r\n\r\nNo isbn,\r\n",
        )
        .unwrap();
        assert_eq!(column, Column::Isbn);
        assert_eq!(rows, [(2, "0-306-40615-2".to_owned()), (4, String::new())]);
    }

    #[test]
    fn one_unnamed_column_is_a_list_of_oclc_numbers_from_the_first_line() {
        let (column, rows) = read("12345\n\n(OCoLC)ocm00067890\n").unwrap();
        assert_eq!(column, Column::Oclc);
        assert_eq!(
            rows,
            [
                (1, "12345".to_owned()),
                (3, "(OCoLC)ocm00067890".to_owned())
            ]
        );
    }

    #[test]
    fn a_file_without_an_identifier_column_or_empty_is_refused() {
        assert!(read("title,author\nA,B\n").is_err());
        assert!(read("").is_err());
        assert!(read("\n\n").is_err());
    }

    #[test]
    fn each_identifier_is_checked_by_its_column() {
        assert!(
            matches!(parse(Column::Oclc, "ocm00012345"), Parsed::Oclc(n) if n.value() == 12345)
        );
        assert!(
            matches!(parse(Column::Isbn, "0-306-40615-2"), Parsed::Code(c) if c == "9780306406157")
        );
        assert!(matches!(parse(Column::Issn, "0028-0836"), Parsed::Code(_)));
        assert!(matches!(parse(Column::Oclc, ""), Parsed::Invalid(_)));
        assert!(matches!(
            parse(Column::Isbn, "978-0-306-40615-6"),
            Parsed::Invalid(_)
        ));
    }
}
