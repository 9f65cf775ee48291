//! OCLC's shared print registration CSV (Collection Manager, "non-MARC"): one row per commitment,
//! ready to upload to WorldCat. The layout cannot carry `$d permanent`: such commitments are left
//! out and counted.

use std::path::{Path, PathBuf};

use super::{compact_date, CommitmentWriter, FormatError};
use crate::views::CommitmentView;

pub const HEADER: [&str; 14] = [
    "OCLC_Number",
    "LSN",
    "Barcode",
    "InstitutionSymbol_852$a",
    "HoldingLibrary_852$b",
    "CollectionID",
    "ActionNote_583$a",
    "ActionDate_583$c",
    "ExpirationDate_583$d",
    "MethodofAction_583$i",
    "Status_583$l",
    "PublicNote_583$z",
    "ProgramName_583$f",
    "MaterialsSpecified_583$3",
];

/// Most rows OCLC accepts in one file.
pub const MAX_ROWS_PER_FILE: u64 = 299_999;

#[derive(Default)]
pub struct Writer {
    omitted: u64,
}

impl CommitmentWriter for Writer {
    fn start(&mut self) -> Result<Vec<u8>, FormatError> {
        let mut csv = csv::Writer::from_writer(Vec::new());
        csv.write_record(HEADER)
            .map_err(|e| FormatError::write("OCLC CSV", e))?;
        csv.into_inner()
            .map_err(|e| FormatError::write("OCLC CSV", e))
    }

    fn write(&mut self, batch: &[CommitmentView]) -> Result<Vec<u8>, FormatError> {
        let mut csv = csv::Writer::from_writer(Vec::new());
        for c in batch {
            if c.retention_end == "permanent" {
                self.omitted += 1;
                continue;
            }
            let row = [
                c.oclc_number.to_string(),
                c.local_bib_id.clone().unwrap_or_default(),
                c.barcode.clone().unwrap_or_default(),
                c.oclc_symbol.clone(),
                String::new(),
                String::new(),
                "committed to retain".to_owned(),
                compact_date(c.retention_start),
                c.retention_end.replace('-', ""),
                String::new(),
                String::new(),
                c.public_note.clone().unwrap_or_default(),
                c.program_code.clone(),
                c.materials_specified.clone().unwrap_or_default(),
            ];
            csv.write_record(&row)
                .map_err(|e| FormatError::write("OCLC CSV", e))?;
        }
        csv.into_inner()
            .map_err(|e| FormatError::write("OCLC CSV", e))
    }

    fn omitted(&self) -> u64 {
        self.omitted
    }
}

/// Splits the OCLC CSV at `path` into files of at most `max_rows` rows, each with the header, as
/// OCLC asks of large sets: `path` keeps the first rows, `NAME-2.csv`, `NAME-3.csv`… the rest.
/// Returns the files, in order; a file that is small enough stays as it is.
pub fn split(path: &Path, max_rows: u64) -> Result<Vec<PathBuf>, FormatError> {
    let failed = |e: &dyn std::fmt::Display| FormatError::write(path.display().to_string(), e);
    let open = || -> Result<csv::Reader<std::fs::File>, FormatError> {
        csv::ReaderBuilder::new()
            .has_headers(true)
            .from_path(path)
            .map_err(|e| failed(&e))
    };
    let mut count = 0u64;
    let mut record = csv::ByteRecord::new();
    let mut reader = open()?;
    while reader
        .read_byte_record(&mut record)
        .map_err(|e| failed(&e))?
    {
        count += 1;
    }
    if count <= max_rows {
        return Ok(vec![path.to_owned()]);
    }
    let parts = count.div_ceil(max_rows);
    let stem = path.file_stem().unwrap_or_default().to_string_lossy();
    let extension = path
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    let first = path.with_file_name(format!("{stem}.part1{extension}"));
    let mut files: Vec<PathBuf> = (1..=parts)
        .map(|n| match n {
            1 => first.clone(),
            n => path.with_file_name(format!("{stem}-{n}{extension}")),
        })
        .collect();
    let mut reader = open()?;
    let header = reader.byte_headers().map_err(|e| failed(&e))?.clone();
    let mut rows = reader.byte_records();
    for file in &files {
        let mut writer = csv::Writer::from_path(file).map_err(|e| failed(&e))?;
        writer.write_byte_record(&header).map_err(|e| failed(&e))?;
        for row in rows
            .by_ref()
            .take(usize::try_from(max_rows).unwrap_or(usize::MAX))
        {
            writer
                .write_byte_record(&row.map_err(|e| failed(&e))?)
                .map_err(|e| failed(&e))?;
        }
        writer.flush().map_err(|e| failed(&e))?;
    }
    std::fs::rename(&first, path).map_err(|e| failed(&e))?;
    files[0] = path.to_owned();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::sample;

    #[test]
    fn rows_use_compact_dates_and_leave_out_permanent_ones() {
        let mut writer = Writer::default();
        let head = String::from_utf8(writer.start().unwrap()).unwrap();
        assert!(head.starts_with("OCLC_Number,LSN,Barcode,InstitutionSymbol_852$a,"));
        let mut permanent = sample::commitment();
        permanent.retention_end = "permanent".into();
        let out =
            String::from_utf8(writer.write(&[sample::commitment(), permanent]).unwrap()).unwrap();
        assert_eq!(
            out,
            "12345,b1248007,37820166531078,AMH,,,committed to retain,20160630,20310630,,,Amherst College copy: EAST commitment,EAST,\n"
        );
        assert_eq!(writer.omitted(), 1);
    }

    #[test]
    fn a_large_file_is_split_with_the_header_in_every_part() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("disclose.csv");
        let note = "\"a note\nover two lines\"";
        std::fs::write(
            &path,
            format!("OCLC_Number,PublicNote_583$z\n1,{note}\n2,\n3,\n4,\n5,\n"),
        )
        .unwrap();
        let files = split(&path, 2).unwrap();
        let names: Vec<_> = files
            .iter()
            .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["disclose.csv", "disclose-2.csv", "disclose-3.csv"]);
        let read = |n: usize| std::fs::read_to_string(&files[n]).unwrap();
        assert_eq!(
            read(0),
            format!("OCLC_Number,PublicNote_583$z\n1,{note}\n2,\n")
        );
        assert_eq!(read(1), "OCLC_Number,PublicNote_583$z\n3,\n4,\n");
        assert_eq!(read(2), "OCLC_Number,PublicNote_583$z\n5,\n");
        assert_eq!(
            split(&files[2], 2).unwrap(),
            [files[2].clone()],
            "small enough"
        );
    }
}

/// Reads OCLC's registration CSV back: headers in any case (`MethodofAction_583$i` and
/// `MethodOfAction_583$i`), `committed to retain` in any case, values quoted or not. It carries no
/// title: the registry's title of the OCLC number is used, or a placeholder.
pub mod reader {
    use std::io::Read;

    use crate::formats::delimited::{self, Fields, Rows};
    use crate::formats::FormatError;

    pub fn open<R: Read>(input: R) -> Result<Rows<R>, FormatError> {
        delimited::open(
            csv::ReaderBuilder::new().flexible(true),
            input,
            &["oclc_number", "actionnote_583$a"],
            |missing| {
                format!(
                    "the header row lacks {}: is this OCLC's shared print registration CSV?",
                    missing.join(" and ")
                )
            },
            row,
        )
    }

    fn row(f: &mut Fields<'_>) {
        f.row.title_optional = true;
        let action = f.value("actionnote_583$a");
        let action = action.trim().trim_end_matches('.').to_lowercase();
        if action != "committed to retain" {
            f.row.pass_over = Some(format!(
                "{action:?} is not a retention commitment: passed over"
            ));
            return;
        }
        f.row.input.oclc_number = f.present("oclc_number");
        f.row.input.local_bib_id = f.present("lsn");
        f.row.input.barcode = f.present("barcode");
        f.row.oclc_symbol = f.present("institutionsymbol_852$a");
        let start = f.value("actiondate_583$c");
        f.row.set_start(&start);
        let end = f.value("expirationdate_583$d");
        f.row.set_end(&end);
        let terms: Vec<String> = ["methodofaction_583$i", "status_583$l"]
            .iter()
            .filter_map(|c| f.present(c))
            .collect();
        f.row.input.validation_note = (!terms.is_empty()).then(|| terms.join(", "));
        f.row.input.public_note = f.present("publicnote_583$z");
        let program = f.present("programname_583$f");
        f.row.programs.extend(program);
        f.row.input.materials_specified = f.present("materialsspecified_583$3");
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use crate::formats::rows::ImportedRow;

        #[test]
        fn the_registration_file_comes_back_whatever_the_header_case() {
            let file = b"OCLC_Number,LSN,Barcode,InstitutionSymbol_852$a,HoldingLibrary_852$b,CollectionID,ActionNote_583$a,ActionDate_583$c,ExpirationDate_583$d,MethodOfAction_583$i,Status_583$l,PublicNote_583$z,ProgramName_583$f,MaterialsSpecified_583$3\n\
                12345,b1,39015,AMH,,,Committed to Retain,20160630,20310630,,,Shared copy,EAST,v.1-3\n\
                12346,b2,39016,AMH,,,completeness reviewed,20160630,,issue-level,,,EAST,\n";
            let rows: Vec<ImportedRow> = open(&file[..]).unwrap().collect();
            assert_eq!(rows.len(), 2);
            let first = &rows[0];
            assert!(first.errors.is_empty(), "{:?}", first.errors);
            assert_eq!(first.input.oclc_number.as_deref(), Some("12345"));
            assert_eq!(first.input.retention_end.as_deref(), Some("2031-06-30"));
            assert_eq!(first.programs, ["EAST"]);
            assert_eq!(first.oclc_symbol.as_deref(), Some("AMH"));
            assert_eq!(first.input.materials_specified.as_deref(), Some("v.1-3"));
            assert!(rows[1].pass_over.is_some());
        }
    }
}
