//! Any bytes as HathiTrust's commitments TSV and its deprecation file: the reader answers rows or an error, and never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use retention_registry::imports::{self, ImportFormat};

fuzz_target!(|data: &[u8]| {
    for format in [ImportFormat::HathitrustTsv, ImportFormat::HathitrustDeprecation] {
        if let Ok(rows) = imports::rows(Box::new(std::io::Cursor::new(data.to_vec())), format) {
            for row in rows {
                std::hint::black_box(row);
            }
        }
    }
});
