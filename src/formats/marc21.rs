//! MARC 21 bibliographic records with 583 retention notes: one record per title, one 583 per
//! commitment, in ISO 2709 (binary, UTF-8, leader position 9 `a`) or MARCXML (MARC 21 slim).
//!
//! ```text
//! 035    $a (OCoLC)12345
//! 245 10 $a The making of the English working class
//! 583 1  $a committed to retain $c 20160630 $d 20310630 $f EAST $u http://… $5 MA $2 spa
//! ```

use marc::{BibliographicLevel, CharacterCodingScheme, FieldRepr, RecordBuilder};

use super::{compact_date, marc_end, CommitmentWriter, FormatError};
use crate::domain::commitment::{Format, Validation};
use crate::views::CommitmentView;

/// The MARC 21 slim namespace.
pub const MARCXML_NAMESPACE: &str = "http://www.loc.gov/MARC21/slim";

/// A data field: tag, two indicators, subfields in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataField {
    pub tag: [u8; 3],
    pub indicators: [u8; 2],
    pub subfields: Vec<(u8, String)>,
}

/// The data fields of the record of one title and its commitments, in tag order.
pub fn title_fields(group: &[CommitmentView]) -> Vec<DataField> {
    let first = &group[0];
    let mut fields = Vec::new();
    if let Some(isbn) = &first.isbn {
        fields.push(DataField {
            tag: *b"020",
            indicators: *b"  ",
            subfields: vec![(b'a', isbn.clone())],
        });
    }
    if let Some(issn) = &first.issn {
        fields.push(DataField {
            tag: *b"022",
            indicators: *b"  ",
            subfields: vec![(b'a', issn.clone())],
        });
    }
    fields.push(DataField {
        tag: *b"035",
        indicators: *b"  ",
        subfields: vec![(b'a', format!("(OCoLC){}", first.oclc_number))],
    });
    if let Some(author) = &first.author {
        fields.push(DataField {
            tag: *b"100",
            indicators: *b"1 ",
            subfields: vec![(b'a', author.clone())],
        });
    }
    let title_indicator = if first.author.is_some() {
        *b"10"
    } else {
        *b"00"
    };
    fields.push(DataField {
        tag: *b"245",
        indicators: title_indicator,
        subfields: vec![(b'a', first.title.clone())],
    });
    for c in group {
        fields.push(retention_note(c));
        fields.extend(validation_notes(c));
    }
    fields
}

/// The validation 583s of a reviewed commitment (`completeness reviewed`, `condition reviewed`),
/// after its retention note, with the terms of its `validation_note` in `$i` — as imported files
/// write them, so that the export reads back the same.
pub fn validation_notes(c: &CommitmentView) -> Vec<DataField> {
    let kind = match c.validation {
        Some(Validation::CompletenessReviewed) => "completeness",
        Some(Validation::ConditionReviewed) => "condition",
        Some(Validation::None) | None => return Vec::new(),
    };
    // The note reads "completeness: volume-level, missing issues; condition: …".
    let mut reviews: Vec<(String, Option<String>)> = c
        .validation_note
        .iter()
        .flat_map(|n| n.split("; "))
        .filter_map(|part| {
            let (what, terms) = part.split_once(": ")?;
            matches!(what, "completeness" | "condition")
                .then(|| (what.to_owned(), Some(terms.to_owned())))
        })
        .collect();
    if reviews.is_empty() {
        reviews.push((kind.to_owned(), c.validation_note.clone()));
    }
    reviews
        .into_iter()
        .map(|(what, terms)| {
            let mut subfields = Vec::new();
            if let Some(materials) = &c.materials_specified {
                subfields.push((b'3', materials.clone()));
            }
            subfields.push((b'a', format!("{what} reviewed")));
            if let Some(terms) = terms {
                subfields.push((b'i', terms));
            }
            subfields.push((b'5', c.marc_org_code.clone()));
            subfields.push((b'2', "spa".to_owned()));
            DataField {
                tag: *b"583",
                indicators: *b"1 ",
                subfields,
            }
        })
        .collect()
}

/// The 583 of one commitment.
pub fn retention_note(c: &CommitmentView) -> DataField {
    let mut subfields = Vec::new();
    if let Some(materials) = &c.materials_specified {
        subfields.push((b'3', materials.clone()));
    }
    subfields.push((b'a', "committed to retain".to_owned()));
    subfields.push((b'c', compact_date(c.retention_start)));
    subfields.push((b'd', marc_end(&c.retention_end)));
    subfields.push((b'f', c.program_code.clone()));
    // A tier or sub-collection the commitment was imported with follows the program, as it came.
    for note in c
        .program_note
        .iter()
        .flat_map(|n| n.split("; "))
        .filter(|n| !n.is_empty())
    {
        subfields.push((b'f', note.to_owned()));
    }
    if let Some(uri) = &c.program_uri {
        subfields.push((b'u', uri.clone()));
    }
    subfields.push((b'5', c.marc_org_code.clone()));
    subfields.push((b'2', "spa".to_owned()));
    DataField {
        tag: *b"583",
        indicators: *b"1 ",
        subfields,
    }
}

/// One ISO 2709 record for a title's commitments.
pub fn binary_record(group: &[CommitmentView]) -> Result<Vec<u8>, FormatError> {
    let what = || format!("the MARC record of OCLC {}", group[0].oclc_number);
    let mut builder = RecordBuilder::new();
    builder.set_character_coding_scheme(CharacterCodingScheme::UcsUnicode);
    builder.set_bibliographic_level(match group[0].format {
        Format::Serial => BibliographicLevel::Serial,
        Format::Monograph => BibliographicLevel::MonographOrItem,
    });
    for field in title_fields(group) {
        let mut repr = FieldRepr::from((field.tag, field.indicators.to_vec()));
        for (code, value) in &field.subfields {
            repr = repr
                .add_subfield(*code, value.as_bytes())
                .map_err(|e| FormatError::write(what(), e))?;
        }
        builder
            .add_field(repr)
            .map_err(|e| FormatError::write(what(), e))?;
    }
    let record = builder
        .get_record()
        .map_err(|e| FormatError::write(what(), e))?;
    Ok(record.as_ref().to_vec())
}

/// Escapes text for XML content and attribute values.
fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// One MARCXML `<record>` for a title's commitments.
pub fn xml_record(group: &[CommitmentView]) -> Result<String, FormatError> {
    let binary = binary_record(group)?;
    let leader = String::from_utf8_lossy(&binary[..24]).into_owned();
    let mut out = format!("  <record>\n    <leader>{}</leader>\n", escape(&leader));
    for field in title_fields(group) {
        out.push_str(&format!(
            "    <datafield tag=\"{}\" ind1=\"{}\" ind2=\"{}\">\n",
            String::from_utf8_lossy(&field.tag),
            field.indicators[0] as char,
            field.indicators[1] as char
        ));
        for (code, value) in &field.subfields {
            out.push_str(&format!(
                "      <subfield code=\"{}\">{}</subfield>\n",
                *code as char,
                escape(value)
            ));
        }
        out.push_str("    </datafield>\n");
    }
    out.push_str("  </record>\n");
    Ok(out)
}

/// Writes commitments that arrive ordered by title as one record per title.
pub struct Writer {
    xml: bool,
    group: Vec<CommitmentView>,
}

impl Writer {
    pub fn binary() -> Self {
        Self {
            xml: false,
            group: Vec::new(),
        }
    }

    pub fn xml() -> Self {
        Self {
            xml: true,
            group: Vec::new(),
        }
    }

    fn flush(&mut self) -> Result<Vec<u8>, FormatError> {
        if self.group.is_empty() {
            return Ok(Vec::new());
        }
        let group = std::mem::take(&mut self.group);
        if self.xml {
            Ok(xml_record(&group)?.into_bytes())
        } else {
            binary_record(&group)
        }
    }
}

impl CommitmentWriter for Writer {
    fn start(&mut self) -> Result<Vec<u8>, FormatError> {
        Ok(if self.xml {
            format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<collection xmlns=\"{MARCXML_NAMESPACE}\">\n").into_bytes()
        } else {
            Vec::new()
        })
    }

    fn write(&mut self, batch: &[CommitmentView]) -> Result<Vec<u8>, FormatError> {
        let mut out = Vec::new();
        for c in batch {
            if self
                .group
                .first()
                .is_some_and(|first| first.title_id != c.title_id)
            {
                out.extend(self.flush()?);
            }
            self.group.push(c.clone());
        }
        Ok(out)
    }

    fn finish(&mut self) -> Result<Vec<u8>, FormatError> {
        let mut out = self.flush()?;
        if self.xml {
            out.extend_from_slice(b"</collection>\n");
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::sample;

    fn two_commitments_on_one_title() -> Vec<CommitmentView> {
        let mut second = sample::commitment();
        second.id = uuid::Uuid::now_v7();
        second.program_code = "BTAA SPC".into();
        second.program_uri = None;
        second.marc_org_code = "IaU".into();
        second.retention_end = "permanent".into();
        second.materials_specified = Some("c.1".into());
        vec![sample::commitment(), second]
    }

    #[test]
    fn binary_record_is_valid_iso_2709() {
        let record = binary_record(&two_commitments_on_one_title()).unwrap();
        let length: usize = std::str::from_utf8(&record[..5]).unwrap().parse().unwrap();
        assert_eq!(length, record.len(), "leader length");
        assert_eq!(record[9], b'a', "UTF-8");
        assert_eq!(record[7], b'm');
        assert_eq!(*record.last().unwrap(), 0x1D, "record terminator");
        let base: usize = std::str::from_utf8(&record[12..17])
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(
            record[base - 1],
            0x1E,
            "directory ends with a field terminator"
        );
        assert_eq!((base - 24 - 1) % 12, 0, "directory entries are 12 bytes");
        let parsed = marc::Record::parse(&record).unwrap();
        let notes = parsed.field(*b"583");
        assert_eq!(notes.len(), 2);
        let first: Vec<(char, String)> = notes[0]
            .subfields()
            .map(|s| {
                (
                    char::from(u8::from(s.get_identifier())),
                    s.get_data::<str>().to_owned(),
                )
            })
            .collect();
        assert_eq!(
            first,
            [
                ('a', "committed to retain".to_owned()),
                ('c', "20160630".to_owned()),
                ('d', "20310630".to_owned()),
                ('f', "EAST".to_owned()),
                (
                    'u',
                    "http://eastlibraries.org/retained-materials".to_owned()
                ),
                ('5', "MA".to_owned()),
                ('2', "spa".to_owned()),
            ]
        );
        let second: Vec<char> = notes[1]
            .subfields()
            .map(|s| char::from(u8::from(s.get_identifier())))
            .collect();
        assert_eq!(second, ['3', 'a', 'c', 'd', 'f', '5', '2']);
        assert_eq!(
            parsed.field(*b"035")[0].subfield(b'a')[0].get_data::<str>(),
            "(OCoLC)12345"
        );
    }

    #[test]
    fn writer_makes_one_record_per_title() {
        let mut other_title = sample::commitment();
        other_title.title_id = uuid::Uuid::now_v7();
        other_title.oclc_number = 999;
        let mut writer = Writer::binary();
        let mut bytes = writer.start().unwrap();
        let mut batch = two_commitments_on_one_title();
        batch.push(other_title);
        bytes.extend(writer.write(&batch).unwrap());
        bytes.extend(writer.finish().unwrap());
        let records: Vec<_> = marc::Records::new(&bytes[..])
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].field(*b"583").len(), 2);
        assert_eq!(records[1].field(*b"583").len(), 1);
    }

    #[test]
    fn xml_uses_the_slim_namespace_and_escapes_text() {
        let mut c = sample::commitment();
        c.title = "Rock & roll <live>".into();
        let mut writer = Writer::xml();
        let mut out = writer.start().unwrap();
        out.extend(writer.write(&[c]).unwrap());
        out.extend(writer.finish().unwrap());
        let xml = String::from_utf8(out).unwrap();
        assert!(xml.contains("<collection xmlns=\"http://www.loc.gov/MARC21/slim\">"));
        assert!(xml.contains("<subfield code=\"a\">Rock &amp; roll &lt;live&gt;</subfield>"));
        assert!(xml.contains("<datafield tag=\"583\" ind1=\"1\" ind2=\" \">"));
        assert!(xml.trim_end().ends_with("</collection>"));
    }

    #[test]
    fn a_reviewed_commitment_carries_its_validation_583s_and_they_read_back_the_same() {
        let mut c = sample::commitment();
        c.materials_specified = Some("v.1-10".into());
        c.validation = Some(Validation::ConditionReviewed);
        c.validation_note =
            Some("completeness: volume-level, missing issues; condition: volume-level".into());
        let notes = validation_notes(&c);
        assert_eq!(notes.len(), 2);
        let text = |f: &DataField| {
            f.subfields
                .iter()
                .map(|(code, v)| format!("${} {v}", *code as char))
                .collect::<Vec<_>>()
                .join(" ")
        };
        assert_eq!(
            text(&notes[0]),
            "$3 v.1-10 $a completeness reviewed $i volume-level, missing issues $5 MA $2 spa"
        );
        assert_eq!(
            text(&notes[1]),
            "$3 v.1-10 $a condition reviewed $i volume-level $5 MA $2 spa"
        );
        // Read back as an import reads them.
        let data = crate::formats::marc_reader::MarcData {
            leader: b"00000nam a2200000 i 4500".to_vec(),
            fields: std::iter::once(retention_note(&c))
                .chain(notes)
                .chain(std::iter::once(DataField {
                    tag: *b"035",
                    indicators: *b"  ",
                    subfields: vec![(b'a', "(OCoLC)12345".into())],
                }))
                .map(|f| {
                    (
                        String::from_utf8_lossy(&f.tag).into_owned(),
                        f.subfields
                            .into_iter()
                            .map(|(code, v)| (code as char, v))
                            .collect(),
                    )
                })
                .collect(),
        };
        let rows = crate::formats::marc_reader::rows_of(1, &data);
        assert_eq!(rows.len(), 1);
        assert_eq!(
            rows[0].input.validation,
            Some(Validation::ConditionReviewed)
        );
        assert_eq!(rows[0].input.validation_note, c.validation_note);
        let mut unreviewed = sample::commitment();
        unreviewed.validation = None;
        assert!(validation_notes(&unreviewed).is_empty());
    }
}
