//! Any text as an OCLC number, ISBN, ISSN, title lookup or imported date: each parser answers a
//! value or an error, and never panics; a value it answers reads back the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use retention_registry::domain::identifiers::{Isbn, Issn, OclcNumber, TitleQuery};
use retention_registry::domain::retention::{parse_imported_end, parse_imported_start, RetentionEnd};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(oclc) = OclcNumber::parse(text) {
        assert_eq!(OclcNumber::parse(&oclc.value().to_string()), Ok(oclc));
    }
    if let Ok(isbn) = Isbn::parse(text) {
        assert_eq!(Isbn::parse(isbn.as_str()).as_ref(), Ok(&isbn));
    }
    if let Ok(issn) = Issn::parse(text) {
        assert_eq!(Issn::parse(issn.as_str()).as_ref(), Ok(&issn));
    }
    let _ = TitleQuery::parse(text);
    if let Ok(end) = RetentionEnd::parse(text) {
        assert_eq!(RetentionEnd::parse(&end.to_string()).ok(), Some(end));
    }
    let _ = parse_imported_start(text);
    let _ = parse_imported_end(text);
});
