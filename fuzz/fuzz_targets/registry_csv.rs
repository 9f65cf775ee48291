//! Any bytes as the registry CSV and OCLC's registration CSV: the reader answers rows or an error, and never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use retention_registry::imports::{self, ImportFormat};

fuzz_target!(|data: &[u8]| {
    for format in [ImportFormat::Csv, ImportFormat::OclcCsv] {
        if let Ok(rows) = imports::rows(Box::new(std::io::Cursor::new(data.to_vec())), format) {
            for row in rows {
                std::hint::black_box(row);
            }
        }
    }
});
