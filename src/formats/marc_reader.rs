//! Reads commitments from MARC 21 records: every 583 whose `$a` is `committed to retain` becomes
//! one row (DOMAIN.md). Binary records are split by the `marc` crate; MARCXML is read with
//! quick-xml. A record that cannot be read is reported by its number, never guessed at.

use std::io::{BufRead, Read};

use quick_xml::events::Event;

use super::iso2709;
use super::rows::{present, ImportedRow};
use super::FormatError;
use crate::domain::commitment::{Format, Validation};

/// The parts of a record that commitments are made from.
#[derive(Debug, Default, Clone)]
pub struct MarcData {
    pub leader: Vec<u8>,
    /// (tag, subfields as (code, value)) of every data field, in order.
    pub fields: Vec<(String, Vec<(char, String)>)>,
}

impl MarcData {
    fn first<'a>(&'a self, tag: &'a str, code: char) -> Option<&'a str> {
        self.values(tag, code).next()
    }

    fn values<'a>(&'a self, tag: &'a str, code: char) -> impl Iterator<Item = &'a str> + 'a {
        self.fields
            .iter()
            .filter(move |(t, _)| t == tag)
            .flat_map(move |(_, subfields)| {
                subfields
                    .iter()
                    .filter(move |(c, _)| *c == code)
                    .map(|(_, v)| v.as_str())
            })
    }
}

/// Cataloguing punctuation at the end of a value (`Middlemarch /`, `Eliot, George,`).
fn clean(value: &str) -> String {
    value
        .trim()
        .trim_end_matches([' ', '/', ':', ';', ',', '='])
        .trim()
        .to_owned()
}

/// An OCLC number as 035 or 019 write it, when it is one: `(OCoLC)…` (035), or digits (019).
fn oclc_value(value: &str, prefixed: bool) -> Option<String> {
    let value = value.trim();
    match value.get(..7) {
        Some(prefix) if prefix.eq_ignore_ascii_case("(OCoLC)") => Some(value.to_owned()),
        _ if !prefixed && !value.is_empty() => Some(value.to_owned()),
        _ => None,
    }
}

/// What a validation 583 (`completeness reviewed`, `condition reviewed`) says of a copy.
struct Review<'a> {
    condition: bool,
    materials: Option<&'a str>,
    terms: Vec<&'a str>,
}

/// The first value of subfield `code` of one field.
fn subfield(subfields: &[(char, String)], code: char) -> Option<&str> {
    subfields
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, v)| v.as_str())
}

/// The action of a 583 (`$a`), as compared: trimmed, lower case, without final punctuation.
fn action_of(subfields: &[(char, String)]) -> Option<String> {
    subfield(subfields, 'a').map(|v| {
        v.trim()
            .trim_end_matches(['.', ',', ';'])
            .trim()
            .to_lowercase()
    })
}

/// Turns record number `n` into rows.
pub type RecordMap = fn(u64, &MarcData) -> Vec<ImportedRow>;

/// What a record says of its title, as a row without a commitment: the OCLC number (035 `$a`
/// `(OCoLC)`, or a holdings record's 014), merged numbers (019 `$a`, 035 `$z`) as aliases, 245,
/// 100, ISBN, ISSN and the format. A record without a number has an error on `035`.
pub fn title_row(number: u64, record: &MarcData) -> ImportedRow {
    let leader = |i: usize| record.leader.get(i).copied();
    let holdings = matches!(leader(6), Some(b'u' | b'v' | b'x' | b'y'));
    let mut numbers: Vec<String> = record
        .values("035", 'a')
        .filter_map(|v| oclc_value(v, true))
        .collect();
    if numbers.is_empty() && holdings {
        numbers.extend(
            record
                .values("014", 'a')
                .filter_map(|v| oclc_value(v, false)),
        );
    }
    let mut aliases: Vec<String> = numbers.iter().skip(1).cloned().collect();
    aliases.extend(
        record
            .values("035", 'z')
            .filter_map(|v| oclc_value(v, true)),
    );
    aliases.extend(
        record
            .values("019", 'a')
            .filter_map(|v| oclc_value(v, false)),
    );
    let isbn = record
        .first("020", 'a')
        .and_then(|v| v.split_whitespace().next())
        .map(str::to_owned);
    let issn = record
        .first("022", 'a')
        .and_then(|v| v.split_whitespace().next())
        .map(str::to_owned);
    let serial =
        leader(7) == Some(b's') || leader(6) == Some(b'y') || (issn.is_some() && isbn.is_none());
    let mut row = ImportedRow::at(number);
    match numbers.first() {
        Some(oclc) => row.input.oclc_number = Some(oclc.clone()),
        None => row.error(
            "035",
            format!("record {number} has no 035 $a (OCoLC) number, so its title cannot be known"),
        ),
    }
    for alias in &aliases {
        match crate::domain::identifiers::OclcNumber::parse(alias) {
            Ok(_) => row.input.aliases.push(alias.clone()),
            Err(message) => row.warn(
                "aliases",
                format!("a merged number was passed over: {message}"),
            ),
        }
    }
    row.input.title = record
        .first("245", 'a')
        .map(clean)
        .filter(|t| !t.is_empty());
    // A holdings record may carry no title: the registry's is used, or a placeholder.
    row.title_optional = holdings;
    row.input.author = record
        .first("100", 'a')
        .map(clean)
        .filter(|t| !t.is_empty());
    row.input.isbn = isbn;
    row.input.issn = issn;
    row.input.format = Some(if serial {
        Format::Serial
    } else {
        Format::Monograph
    });
    row
}

/// The commitment rows of record number `number`: one per retention 583 (`$a committed to retain`,
/// any case, any first indicator). Validation 583s of the record set the rows' validation; other
/// actions (`digitized`, curatorial notes) are not commitments and are passed over.
pub fn rows_of(number: u64, record: &MarcData) -> Vec<ImportedRow> {
    let base = title_row(number, record);
    let holding_library: Vec<String> = record.values("852", 'a').filter_map(present).collect();
    let reviews: Vec<Review<'_>> = record
        .fields
        .iter()
        .filter(|(tag, _)| tag == "583")
        .filter_map(|(_, subfields)| {
            let condition = match action_of(subfields).as_deref() {
                Some("condition reviewed") => true,
                Some("completeness reviewed") => false,
                _ => return None,
            };
            let terms = subfields
                .iter()
                .filter(|(c, _)| matches!(c, 'i' | 'l'))
                .map(|(_, v)| v.trim())
                .filter(|v| !v.is_empty())
                .collect();
            Some(Review {
                condition,
                materials: subfield(subfields, '3').map(str::trim),
                terms,
            })
        })
        .collect();
    let mut rows = Vec::new();
    for (tag, subfields) in &record.fields {
        if tag != "583" {
            continue;
        }
        let mut row = ImportedRow::at(number);
        match action_of(subfields).as_deref() {
            Some("committed to retain") => row = base.clone(),
            Some(_) => continue,
            None => {
                row.error(
                    "583",
                    format!(
                        "record {number}: a 583 has no $a, so it cannot be read as a commitment"
                    ),
                );
                rows.push(row);
                continue;
            }
        }
        row.library_codes = holding_library.clone();
        for (code, value) in subfields {
            match code {
                'c' => row.set_start(value),
                'd' => row.set_end(value),
                '3' => row.input.materials_specified = present(value),
                '5' => row.library_codes.extend(present(value)),
                'f' => row.programs.extend(present(value)),
                'u' => row.program_uri = present(value),
                'z' => row.input.public_note = present(value),
                _ => {}
            }
        }
        let failed = |row: &ImportedRow, field: &str| row.errors.iter().any(|e| e.field == field);
        row.start_missing = row.input.retention_start.is_none() && !failed(&row, "retention_start");
        row.end_missing = row.input.retention_end.is_none() && !failed(&row, "retention_end");
        let materials = row.input.materials_specified.as_deref();
        let reviewed: Vec<&Review<'_>> = reviews
            .iter()
            .filter(|r| materials.is_none() || r.materials.is_none() || r.materials == materials)
            .collect();
        if !reviewed.is_empty() {
            row.input.validation = Some(if reviewed.iter().any(|r| r.condition) {
                Validation::ConditionReviewed
            } else {
                Validation::CompletenessReviewed
            });
            let notes: Vec<String> = reviewed
                .iter()
                .filter(|r| !r.terms.is_empty())
                .map(|r| {
                    let what = if r.condition {
                        "condition"
                    } else {
                        "completeness"
                    };
                    format!("{what}: {}", r.terms.join(", "))
                })
                .collect();
            row.input.validation_note = (!notes.is_empty()).then(|| notes.join("; "));
        }
        rows.push(row);
    }
    rows
}

/// The commitment rows of a binary MARC file, record by record.
pub fn binary_rows<R: Read + Send + 'static>(input: R) -> impl Iterator<Item = ImportedRow> + Send {
    binary_records(input, rows_of)
}

/// What `map` makes of each record of a binary MARC file; a record that cannot be read is one row
/// with the reason.
pub fn binary_records<R: Read + Send + 'static>(
    input: R,
    map: RecordMap,
) -> impl Iterator<Item = ImportedRow> + Send {
    let mut input = input;
    let mut number = 0_u64;
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        number += 1;
        let rows = match iso2709::next(&mut input) {
            iso2709::Next::End => {
                done = true;
                return None;
            }
            iso2709::Next::Record(bytes) => match marc::Record::parse(&bytes) {
                Ok(record) => match decode(number, &record) {
                    Ok(data) => map(number, &data),
                    Err(message) => vec![ImportedRow::broken(number, "record", message)],
                },
                Err(error) => vec![ImportedRow::broken(
                    number,
                    "record",
                    format!("record {number} cannot be read: it is damaged ({error})"),
                )],
            },
            iso2709::Next::Damaged {
                why,
                boundary_kept: true,
            } => vec![ImportedRow::broken(
                number,
                "record",
                format!("record {number} is damaged: {why}"),
            )],
            iso2709::Next::Damaged {
                why,
                boundary_kept: false,
            } => {
                // Without a length to trust, no record boundary after it holds.
                done = true;
                vec![ImportedRow::broken(
                    number,
                    "record",
                    format!(
                        "record {number} cannot be read: {why}; records after it were not read"
                    ),
                )]
            }
        };
        Some(rows)
    })
    .flatten()
}

/// A binary record's fields as text. MARC-8 records (leader/09 blank) are read when they hold
/// ASCII only; anything else is refused rather than garbled.
fn decode(number: u64, record: &marc::Record<'_>) -> Result<MarcData, String> {
    let bytes = record.as_ref();
    let marc8 = bytes.get(9) == Some(&b' ');
    if marc8 && bytes.iter().any(|b| *b >= 0x80) {
        return Err(format!(
            "record {number} is MARC-8 with characters beyond ASCII; convert the file to UTF-8 first \
             (for example: yaz-marcdump -f MARC-8 -t UTF-8 -o marc -l 9=97 in.mrc > out.mrc)"
        ));
    }
    let mut data = MarcData {
        leader: bytes[..24.min(bytes.len())].to_vec(),
        fields: Vec::new(),
    };
    for field in record.fields() {
        let tag = field.get_tag();
        let tag = String::from_utf8_lossy(tag.as_ref()).into_owned();
        if tag.as_str() < "010" {
            continue;
        }
        let mut subfields = Vec::new();
        for subfield in field.subfields() {
            let value = std::str::from_utf8(subfield.get_data::<[u8]>())
                .map_err(|_| format!("record {number}: field {tag} is not valid UTF-8 although the leader says it is"))?;
            subfields.push((
                char::from(u8::from(subfield.get_identifier())),
                value.to_owned(),
            ));
        }
        data.fields.push((tag, subfields));
    }
    Ok(data)
}

/// The commitment rows of a MARCXML file (MARC 21 slim, with or without a namespace prefix).
pub fn xml_rows<R: BufRead + Send + 'static>(input: R) -> impl Iterator<Item = ImportedRow> + Send {
    xml_records(input, rows_of)
}

/// What `map` makes of each record of a MARCXML file.
pub fn xml_records<R: BufRead + Send + 'static>(
    input: R,
    map: RecordMap,
) -> impl Iterator<Item = ImportedRow> + Send {
    let mut reader = quick_xml::Reader::from_reader(input);
    let mut buf = Vec::new();
    let mut number = 0_u64;
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        match next_xml_record(&mut reader, &mut buf) {
            Ok(Some(record)) => {
                number += 1;
                Some(map(number, &record))
            }
            Ok(None) => None,
            Err(message) => {
                done = true;
                Some(vec![ImportedRow::broken(
                    number + 1,
                    "record",
                    format!(
                        "record {} cannot be read: {message}; records after it were not read",
                        number + 1
                    ),
                )])
            }
        }
    })
    .flatten()
}

fn next_xml_record<R: BufRead>(
    reader: &mut quick_xml::Reader<R>,
    buf: &mut Vec<u8>,
) -> Result<Option<MarcData>, String> {
    let mut record: Option<MarcData> = None;
    let mut text = String::new();
    let mut subfield: Option<char> = None;
    loop {
        buf.clear();
        let event = reader
            .read_event_into(buf)
            .map_err(|e| format!("the XML is not well formed ({e})"))?;
        match event {
            Event::Start(e) => {
                let name = e.local_name();
                match name.as_ref() {
                    b"record" => record = Some(MarcData::default()),
                    b"datafield" => {
                        let tag = e
                            .try_get_attribute("tag")
                            .ok()
                            .flatten()
                            .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
                            .unwrap_or_default();
                        if let Some(r) = record.as_mut() {
                            r.fields.push((tag, Vec::new()));
                        }
                    }
                    b"subfield" => {
                        subfield =
                            e.try_get_attribute("code").ok().flatten().and_then(|a| {
                                a.unescape_value().ok().and_then(|v| v.chars().next())
                            });
                    }
                    _ => {}
                }
                text.clear();
            }
            Event::Text(t) => text.push_str(&t.decode().map_err(|e| format!("bad text ({e})"))?),
            Event::CData(t) => text.push_str(&String::from_utf8_lossy(&t)),
            Event::GeneralRef(r) => {
                let entity = format!("&{};", String::from_utf8_lossy(&r));
                let resolved = quick_xml::escape::unescape(&entity)
                    .map_err(|e| format!("unknown entity {entity} ({e})"))?;
                text.push_str(&resolved);
            }
            Event::End(e) => match e.local_name().as_ref() {
                b"leader" => {
                    if let Some(r) = record.as_mut() {
                        r.leader = text.as_bytes().to_vec();
                    }
                }
                b"subfield" => {
                    if let (Some(r), Some(code)) = (record.as_mut(), subfield.take()) {
                        if let Some((_, subfields)) = r.fields.last_mut() {
                            subfields.push((code, text.clone()));
                        }
                    }
                }
                b"record" => return Ok(record.take()),
                _ => {}
            },
            Event::Eof => {
                return match record {
                    Some(_) => {
                        Err("the file ends in the middle of it (a truncated upload?)".into())
                    }
                    None => Ok(None),
                };
            }
            _ => {}
        }
    }
}

/// Checks that a MARCXML file starts as XML, so that a wrong format is a clear file-level error.
pub fn check_xml_start(head: &[u8]) -> Result<(), FormatError> {
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map(|i| &head[i..])
        .unwrap_or_default();
    let start = start
        .strip_prefix(b"\xEF\xBB\xBF".as_slice())
        .unwrap_or(start);
    if start.starts_with(b"<") {
        Ok(())
    } else {
        Err(FormatError::Header(
            "the file is not XML: is it binary MARC (format marc)?".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/tests/fixtures/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn a_record_whose_directory_points_outside_it_is_reported_not_a_panic() {
        // Found by fuzzing (tests/fixtures/fuzz/README): the marc crate panicked on it.
        let file = include_bytes!("../../tests/fixtures/fuzz/marc-field-sliced-backwards.mrc");
        let rows: Vec<ImportedRow> = binary_rows(&file[..]).collect();
        let said: Vec<String> = rows
            .iter()
            .flat_map(|r| r.errors.iter().map(|e| e.message.clone()))
            .collect();
        assert_eq!(
            said,
            [
                "record 6 is damaged: field 240 (0 bytes at 0) lies outside the record",
                "record 8 cannot be read: the length in its leader does not end at a record \
                 terminator; records after it were not read"
            ]
        );
    }

    #[test]
    fn binary_and_xml_samples_give_the_same_commitments() {
        let binary: Vec<ImportedRow> =
            binary_rows(std::io::Cursor::new(sample("retentions.mrc"))).collect();
        let xml: Vec<ImportedRow> =
            xml_rows(std::io::Cursor::new(sample("retentions.xml"))).collect();
        assert!(binary.len() >= 20, "{}", binary.len());
        assert_eq!(binary.len(), xml.len());
        for (b, x) in binary.iter().zip(&xml) {
            assert!(b.errors.is_empty(), "{:?}", b.errors);
            assert_eq!(b.input.oclc_number, x.input.oclc_number);
            assert_eq!(b.input.retention_start, x.input.retention_start);
            assert_eq!(b.input.retention_end, x.input.retention_end);
            assert_eq!(b.input.title, x.input.title);
        }
        let ends: Vec<&str> = binary
            .iter()
            .filter_map(|r| r.input.retention_end.as_deref())
            .collect();
        assert!(ends.contains(&"permanent"), "$d indefinite is permanent");
        assert!(ends.contains(&"2031-06-30"), "$d June 30, 2031 is read");
        let starts: Vec<&str> = binary
            .iter()
            .filter_map(|r| r.input.retention_start.as_deref())
            .collect();
        assert!(
            starts.iter().any(|s| s.ends_with("-01-01")),
            "$c year alone is 1 January"
        );
    }

    #[test]
    fn truncated_file_reports_the_broken_record_by_number() {
        let rows: Vec<ImportedRow> =
            binary_rows(std::io::Cursor::new(sample("retentions-truncated.mrc"))).collect();
        let broken = rows.last().unwrap();
        assert_eq!(broken.errors[0].field, "record");
        assert!(
            broken.errors[0].message.contains("truncated"),
            "{}",
            broken.errors[0].message
        );
        assert!(rows[..rows.len() - 1].iter().all(|r| r.errors.is_empty()));
    }

    #[test]
    fn wrong_record_length_is_reported_and_nothing_after_it_is_guessed() {
        let mut bytes = sample("retentions.mrc");
        let first_len: usize = std::str::from_utf8(&bytes[..5]).unwrap().parse().unwrap();
        // The second record claims to be 7 bytes longer than it is.
        let second = &mut bytes[first_len..first_len + 5];
        let claimed: usize = std::str::from_utf8(second).unwrap().parse().unwrap();
        second.copy_from_slice(format!("{:05}", claimed + 7).as_bytes());
        let rows: Vec<ImportedRow> = binary_rows(std::io::Cursor::new(bytes)).collect();
        let first_bad = rows
            .iter()
            .position(|r| !r.errors.is_empty())
            .expect("the damage is reported");
        assert!(
            rows[..first_bad].iter().all(|r| r.line == 1),
            "only record 1 is read before the damage"
        );
        assert!(
            rows[first_bad..].iter().all(|r| !r.errors.is_empty()),
            "nothing after the damage is taken as a commitment"
        );
        assert!(rows[first_bad].line >= 2);
    }

    #[test]
    fn record_without_035_or_583_a_is_refused() {
        let data = MarcData {
            leader: b"00000nam a2200000 i 4500".to_vec(),
            fields: vec![
                ("245".into(), vec![('a', "Untitled /".into())]),
                ("583".into(), vec![('c', "2020".into())]),
                (
                    "583".into(),
                    vec![
                        ('a', "committed to retain".into()),
                        ('c', "2020".into()),
                        ('d', "indefinite".into()),
                    ],
                ),
                ("583".into(), vec![('a', "completeness reviewed".into())]),
            ],
        };
        let rows = rows_of(7, &data);
        assert_eq!(rows.len(), 2, "the completeness note is not a commitment");
        assert_eq!(rows[0].errors[0].field, "583");
        assert_eq!(rows[1].errors[0].field, "035");
        assert_eq!(rows[1].input.title.as_deref(), Some("Untitled"));
        assert_eq!(rows[1].input.retention_end.as_deref(), Some("permanent"));
    }

    #[test]
    fn marc8_beyond_ascii_is_refused_not_garbled() {
        let mut builder = marc::RecordBuilder::new();
        builder
            .add_field(marc::FieldRepr::from((
                *b"245",
                b"10\x1faCaf\xe2e".to_vec(),
            )))
            .unwrap();
        let record = builder.get_record().unwrap();
        let bytes = record.as_ref().to_vec();
        let rows: Vec<ImportedRow> = binary_rows(std::io::Cursor::new(bytes)).collect();
        assert!(rows[0].errors[0].message.contains("MARC-8"));
    }

    fn field_file(name: &str) -> Vec<ImportedRow> {
        xml_rows(std::io::Cursor::new(sample(&format!("field/{name}")))).collect()
    }

    #[test]
    fn real_recap_and_hathitrust_records_read_every_retention_note() {
        let rows = field_file("several_records.xml");
        // 26 ReCAP notes and 3 HathiTrust notes on the same items; 4 records without a 583.
        assert_eq!(rows.len(), 29, "{rows:#?}");
        assert!(
            rows.iter().all(|r| r.errors.is_empty()),
            "{:?}",
            rows.iter().flat_map(|r| &r.errors).collect::<Vec<_>>()
        );
        let recap = rows
            .iter()
            .filter(|r| r.programs == ["ReCAP Shared Collection"])
            .count();
        let hathi: Vec<&ImportedRow> = rows
            .iter()
            .filter(|r| r.programs == ["HathiTrust"])
            .collect();
        assert_eq!((recap, hathi.len()), (26, 3));
        assert_eq!(hathi[0].input.retention_end.as_deref(), Some("2042-12-31"));
        assert!(rows
            .iter()
            .filter(|r| r.programs == ["ReCAP Shared Collection"])
            .all(|r| r.input.retention_end.as_deref() == Some("permanent")));
        assert!(rows
            .iter()
            .all(|r| r.library_codes.contains(&"HUL".to_owned())));
    }

    #[test]
    fn a_sub_collection_in_a_second_f_and_no_c_are_read_not_refused() {
        let rows = field_file("99126831126106421.mrx");
        assert_eq!(rows.len(), 1);
        let row = &rows[0];
        assert!(row.errors.is_empty(), "{:?}", row.errors);
        assert_eq!(
            row.programs,
            [
                "ReCAP",
                "Italian Language Imprints Collaborative Collection"
            ]
        );
        assert!(row.start_missing);
        assert_eq!(row.input.materials_specified.as_deref(), Some("Vol. 1"));
        assert!(row.program_uri.is_some());
    }

    #[test]
    fn a_record_without_an_oclc_number_is_refused_with_a_message_and_other_actions_are_passed_over()
    {
        let rows = field_file("99126873402206421.mrx");
        assert_eq!(rows.len(), 2);
        assert!(rows.iter().all(|r| r.errors[0].field == "035"));
        assert!(
            field_file("99122306151806421.mrx").is_empty(),
            "digitized is not a commitment"
        );
        assert!(
            field_file("99106353023506421.mrx").is_empty(),
            "curatorial notes are not commitments"
        );
        assert_eq!(field_file("SCSB-9879349.mrx").len(), 1);
    }

    #[test]
    fn a_papr_style_holdings_record_with_blank_indicators_and_validation_notes_is_read() {
        let data = MarcData {
            leader: b"00000ny  a22000003  4500".to_vec(),
            fields: vec![
                ("014".into(), vec![('a', "1234567".into())]),
                ("022".into(), vec![('a', "0317-8471".into())]),
                ("019".into(), vec![('a', "99999".into())]),
                (
                    "035".into(),
                    vec![
                        ('a', "(OCoLC)1234567".into()),
                        ('z', "(OCoLC)7654321".into()),
                    ],
                ),
                ("035".into(), vec![('a', "(OCoLC)ocm00088888".into())]),
                (
                    "852".into(),
                    vec![('a', "azs".into()), ('b', "MAIN".into())],
                ),
                (
                    "583".into(),
                    vec![
                        ('3', "v.1-40 (1978-1999)".into()),
                        ('a', "Committed to Retain".into()),
                        ('c', "201501".into()),
                        ('d', "retention period not specified".into()),
                        ('f', "WEST".into()),
                        ('f', "WEST Gold".into()),
                        ('5', "AzTeS".into()),
                        ('2', "pda".into()),
                    ],
                ),
                (
                    "583".into(),
                    vec![
                        ('3', "v.1-40 (1978-1999)".into()),
                        ('a', "completeness reviewed".into()),
                        ('i', "issue level".into()),
                        ('l', "missing issues".into()),
                    ],
                ),
                (
                    "583".into(),
                    vec![
                        ('a', "condition reviewed".into()),
                        ('i', "volume-level".into()),
                    ],
                ),
            ],
        };
        let rows = rows_of(3, &data);
        assert_eq!(rows.len(), 1, "validation notes are not commitments");
        let row = &rows[0];
        assert!(row.errors.is_empty(), "{:?}", row.errors);
        assert_eq!(row.input.oclc_number.as_deref(), Some("(OCoLC)1234567"));
        // A second 035 $a, 035 $z and 019 $a are merged numbers.
        assert_eq!(
            row.input.aliases,
            ["(OCoLC)ocm00088888", "(OCoLC)7654321", "99999"]
        );
        assert_eq!(row.input.format, Some(Format::Serial));
        assert!(row.title_optional, "a holdings record may have no 245");
        assert_eq!(row.input.retention_start.as_deref(), Some("2015-01-01"));
        assert!(
            row.end_missing,
            "retention period not specified: the program's default"
        );
        assert_eq!(row.input.validation, Some(Validation::ConditionReviewed));
        assert_eq!(
            row.input.validation_note.as_deref(),
            Some("completeness: issue level, missing issues; condition: volume-level")
        );
        assert_eq!(row.library_codes, ["azs", "AzTeS"]);
        assert_eq!(row.programs, ["WEST", "WEST Gold"]);
    }
}
