//! The boundaries and structure of binary MARC (ISO 2709) records, checked before the `marc` crate
//! reads them: it indexes the record by the numbers in its leader and directory without checking
//! them, and panics on a damaged record (a record length under 17, a base address outside the
//! record, a field of length 0 or past the end — found by fuzzing the import, where such a file
//! answered 500).

use std::io::Read;

/// The end of a record.
const RECORD_TERMINATOR: u8 = 0x1D;
/// The end of the directory and of each field.
const FIELD_TERMINATOR: u8 = 0x1E;
/// Leader, directory terminator and record terminator: the smallest record.
const SMALLEST: usize = 24 + 1 + 1;

/// What the next bytes of a file are.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    /// One record whose structure holds: leader, directory and fields all inside it.
    Record(Vec<u8>),
    /// The file ended cleanly.
    End,
    /// A damaged record: why, and whether its length could be trusted so that the records after
    /// it can still be read.
    Damaged { why: String, boundary_kept: bool },
}

/// Reads the next record of `input`.
pub fn next(input: &mut impl Read) -> Next {
    let mut length = [0_u8; 5];
    match read_fully(input, &mut length) {
        Ok(0) => return Next::End,
        Ok(5) => {}
        Ok(_) | Err(_) => return truncated(),
    }
    let Some(size) = digits(&length) else {
        return lost("its leader does not begin with the record length (5 digits)");
    };
    if size < SMALLEST {
        return lost(&format!(
            "its leader gives a length of {size}, shorter than a leader"
        ));
    }
    let mut record = vec![0_u8; size];
    record[..5].copy_from_slice(&length);
    match read_fully(input, &mut record[5..]) {
        Ok(n) if n == size - 5 => {}
        _ => return truncated(),
    }
    if record[size - 1] != RECORD_TERMINATOR {
        return lost("the length in its leader does not end at a record terminator");
    }
    match check(&record) {
        Ok(()) => Next::Record(record),
        Err(why) => Next::Damaged {
            why,
            boundary_kept: true,
        },
    }
}

fn truncated() -> Next {
    lost("the file ends in the middle of it (a truncated upload?)")
}

fn lost(why: &str) -> Next {
    Next::Damaged {
        why: why.to_owned(),
        boundary_kept: false,
    }
}

/// Reads until `buf` is full or the input ends; how many bytes were read.
fn read_fully(input: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match input.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// A number written in ASCII digits only.
fn digits(bytes: &[u8]) -> Option<usize> {
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(bytes).ok()?.parse().ok()
}

/// Checks that a record ending at its terminator has a base address inside it, a directory of
/// 12-byte entries ending at the base address, and fields that lie between the base address and
/// the record terminator, each at least its terminator long.
pub fn check(record: &[u8]) -> Result<(), String> {
    let size = record.len();
    let base =
        digits(&record[12..17]).ok_or("its leader has no base address of data (leader/12-16)")?;
    if base <= 24 || base >= size {
        return Err(format!(
            "its base address of data ({base}) is outside the record ({size} bytes)"
        ));
    }
    if record[base - 1] != FIELD_TERMINATOR || (base - 1 - 24) % 12 != 0 {
        return Err("its directory does not end where the base address says".into());
    }
    for entry in record[24..base - 1].chunks(12) {
        let tag = String::from_utf8_lossy(&entry[..3]);
        let (Some(length), Some(start)) = (digits(&entry[3..7]), digits(&entry[7..12])) else {
            return Err(format!("its directory entry for {tag} is not digits"));
        };
        if length == 0 || base + start + length > size - 1 {
            return Err(format!(
                "field {tag} ({length} bytes at {start}) lies outside the record"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record with one 245 field of `data`.
    fn record(data: &[u8], length_in_directory: Option<usize>) -> Vec<u8> {
        let field_len = length_in_directory.unwrap_or(data.len() + 1);
        let base = 24 + 12 + 1;
        let size = base + data.len() + 1 + 1;
        let mut bytes = format!("{size:05}nam a22{base:05}   4500").into_bytes();
        bytes.extend(format!("245{field_len:04}{:05}", 0).into_bytes());
        bytes.push(FIELD_TERMINATOR);
        bytes.extend(data);
        bytes.push(FIELD_TERMINATOR);
        bytes.push(RECORD_TERMINATOR);
        bytes
    }

    #[test]
    fn a_sound_record_is_read_and_the_file_ends_after_it() {
        let sound = record(b"10\x1faTitle", None);
        let mut input = &sound[..];
        assert_eq!(next(&mut input), Next::Record(sound.clone()));
        assert_eq!(next(&mut input), Next::End);
        assert!(marc::Record::parse(&sound).is_ok());
    }

    #[test]
    fn damaged_records_are_refused_not_a_panic() {
        // Found by the fuzzer: a field of length 0 made the marc crate slice backwards.
        let empty_field = record(b"10\x1faTitle", Some(0));
        assert!(matches!(
            next(&mut &empty_field[..]),
            Next::Damaged {
                boundary_kept: true,
                ..
            }
        ));
        let past_the_end = record(b"10\x1faTitle", Some(40));
        assert!(check(&past_the_end)
            .unwrap_err()
            .contains("outside the record"));
        let mut bad_base = record(b"10\x1faTitle", None);
        bad_base[12..17].copy_from_slice(b"00010");
        assert!(check(&bad_base).unwrap_err().contains("base address"));
        for short in [&b"00010nam a"[..], b"00005", b"0002"] {
            assert!(matches!(
                next(&mut &short[..]),
                Next::Damaged {
                    boundary_kept: false,
                    ..
                }
            ));
        }
        let mut no_terminator = record(b"10\x1faTitle", None);
        no_terminator.pop();
        no_terminator.push(b'x');
        assert!(matches!(
            next(&mut &no_terminator[..]),
            Next::Damaged {
                boundary_kept: false,
                ..
            }
        ));
    }
}
