//! OCLC's shared print registration CSV (Collection Manager, "non-MARC"): one row per commitment,
//! ready to upload to WorldCat. The layout cannot carry `$d permanent`: such commitments are left
//! out and counted.

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

    fn finish(&mut self) -> Result<Vec<u8>, FormatError> {
        Ok(Vec::new())
    }

    fn omitted(&self) -> u64 {
        self.omitted
    }
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
}
