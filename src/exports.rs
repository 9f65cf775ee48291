//! Exports of any size in constant memory: commitments are read in keyset batches by one thread
//! and each batch is written and handed to a sink (an HTTP stream or a file) by another, at most
//! two batches ahead.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use uuid::Uuid;

use crate::db::models::commitments::{self, CommitmentFilter, CommitmentRow, ExportRow, TitleKey};
use crate::db::models::libraries::{self, LibraryRow};
use crate::db::models::parse_id;
use crate::db::models::programs::{self, ProgramRow};
use crate::db::{Backend, Db, DbConnection, DbError};
use crate::domain::Actor;
use crate::formats::{ExportFormat, FormatError};
use crate::views::CommitmentView;

/// Commitments read per query.
pub const BATCH: i64 = 1_000;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Format(#[from] FormatError),
    #[error("the export could not be delivered: {0}")]
    Sink(#[from] std::io::Error),
    #[error("a stored commitment cannot be shown: {0}")]
    View(String),
}

/// What an export wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportSummary {
    pub commitments: u64,
    /// Commitments the format cannot carry (permanent ones in `oclc_csv`).
    pub omitted: u64,
}

/// The programs and libraries an export's commitments name, each read once, when first named.
/// There are a few hundred at most, where an export has up to millions of commitments.
#[derive(Default)]
struct Named {
    programs: HashMap<String, ProgramRow>,
    libraries: HashMap<String, LibraryRow>,
}

impl Named {
    /// The program and library `row` names, read from the database the first time each is named.
    fn of(&mut self, db: &Db, row: &CommitmentRow) -> Result<(&ProgramRow, &LibraryRow), DbError> {
        if !self.programs.contains_key(&row.program_id) {
            let program = programs::find(&mut *db.conn()?, parse_id(&row.program_id)?)?;
            self.programs.insert(row.program_id.clone(), program);
        }
        if !self.libraries.contains_key(&row.library_id) {
            let library = libraries::find(&mut *db.conn()?, parse_id(&row.library_id)?)?;
            self.libraries.insert(row.library_id.clone(), library);
        }
        match (
            self.programs.get(&row.program_id),
            self.libraries.get(&row.library_id),
        ) {
            (Some(program), Some(library)) => Ok((program, library)),
            _ => Err(DbError::Corrupt(format!(
                "the program or library of commitment {} was not read",
                row.id
            ))),
        }
    }

    /// The views of `rows` as `reader` may see them.
    fn views(
        &mut self,
        db: &Db,
        rows: Vec<ExportRow>,
        reader: &Actor,
    ) -> Result<Vec<CommitmentView>, ExportError> {
        let mut views = Vec::with_capacity(rows.len());
        for (commitment, title) in rows {
            let (program, library) = self.of(db, &commitment)?;
            let labels = commitments::Labels::of(program, library);
            let view = CommitmentView::from_parts(commitment, labels, title)
                .map_err(|e| ExportError::View(e.to_string()))?;
            views.push(view.seen_by(reader));
        }
        Ok(views)
    }
}

/// Writes every commitment `reader` may see that matches `filter` in `format`, batch by batch, to
/// `sink`; `progress` is called with the running count after each batch.
///
/// Reading and writing overlap: a reader thread fetches the next batch (the database's work) while
/// this one turns the last into views and bytes (ours), through a channel of two batches, so memory
/// stays flat and an export takes about the longer of the two rather than their sum.
pub fn run(
    db: &Db,
    reader: &Actor,
    filter: &CommitmentFilter,
    format: ExportFormat,
    sink: &mut dyn FnMut(Vec<u8>) -> std::io::Result<()>,
    progress: &mut dyn FnMut(u64),
) -> Result<ExportSummary, ExportError> {
    let mut writer = format.writer();
    // The file's start goes with its first rows: a read that fails first fails the whole request
    // (see `http::api::exports::stream`) rather than leaving a header alone in a "complete" file.
    let mut head = writer.start()?;
    let mut written = 0_u64;
    let mut named = Named::default();
    let (batches, received) = std::sync::mpsc::sync_channel::<Result<Vec<ExportRow>, DbError>>(2);
    std::thread::scope(|scope| -> Result<(), ExportError> {
        scope.spawn(move || read_batches(db, filter, format.groups_by_title(), batches));
        // Dropping `received` on an early return ends the reader at its next send.
        for rows in received {
            let rows = rows?;
            let count = rows.len();
            let batch = named.views(db, rows, reader)?;
            let mut bytes = writer.write(&batch)?;
            if !head.is_empty() {
                head.append(&mut bytes);
                bytes = std::mem::take(&mut head);
            }
            if !bytes.is_empty() {
                sink(bytes)?;
            }
            written += count as u64;
            progress(written);
        }
        Ok(())
    })?;
    head.extend(writer.finish()?);
    if !head.is_empty() {
        sink(head)?;
    }
    Ok(ExportSummary {
        commitments: written,
        omitted: writer.omitted(),
    })
}

/// Most PostgreSQL exports streamed at once: each holds a pooled connection for its whole
/// download, so more would starve the pool's other users; the next ones read in keyset batches
/// instead (slower, but each batch holds a connection only while it is read).
const MAX_STREAMS: usize = 4;

/// How long a streamed export waits for its consumer (an HTTP client that stopped reading) before
/// it gives up and lets its connection go.
const STALLED: Duration = Duration::from_secs(600);

static STREAMS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// One of the [`MAX_STREAMS`] turns, given back when dropped.
struct StreamTurn;

impl StreamTurn {
    fn take(db: &Db) -> Option<Self> {
        use std::sync::atomic::Ordering;
        if db.backend() != Backend::Postgres {
            return None;
        }
        STREAMS
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < MAX_STREAMS).then_some(n + 1)
            })
            .ok()
            .map(|_| Self)
    }
}

impl Drop for StreamTurn {
    fn drop(&mut self) {
        STREAMS.fetch_sub(1, std::sync::atomic::Ordering::AcqRel);
    }
}

/// Why a send to the consumer did not happen.
enum NotSent {
    /// The consumer is gone (a finished error, a client that went away).
    Gone,
    /// The consumer took nothing for [`STALLED`].
    Stalled,
}

/// Sends `rows`, waiting at most `patience` ([`STALLED`]) for room. While a streamed read waits
/// here the server waits too, holding its snapshot: a consumer that never reads again must not
/// hold them for ever. (The standard channel has no send with a timeout: room is looked for every
/// 2 ms at most, shorter than a batch takes to write, so the writer is never left without one.)
fn send_within<T>(
    batches: &std::sync::mpsc::SyncSender<Result<T, DbError>>,
    rows: T,
    patience: Duration,
) -> Result<(), NotSent> {
    use std::sync::mpsc::TrySendError;
    let started = Instant::now();
    let mut pause = Duration::from_micros(50);
    let mut item = Ok(rows);
    loop {
        match batches.try_send(item) {
            Ok(()) => return Ok(()),
            Err(TrySendError::Disconnected(_)) => return Err(NotSent::Gone),
            Err(TrySendError::Full(back)) if started.elapsed() < patience => {
                item = back;
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(2));
            }
            Err(TrySendError::Full(_)) => return Err(NotSent::Stalled),
        }
    }
}

/// Reads the export's batches in order and sends each, until the last or until the receiver is
/// gone; a database error is sent as the last item. PostgreSQL streams one query
/// (`commitments::read_streamed`) when a [`StreamTurn`] is free; SQLite reads in keyset batches,
/// each on a connection taken for it, so that no read transaction stays open while the file is
/// written (it would keep SQLite's write-ahead log from being checkpointed).
fn read_batches(
    db: &Db,
    filter: &CommitmentFilter,
    by_title: bool,
    batches: std::sync::mpsc::SyncSender<Result<Vec<ExportRow>, DbError>>,
) {
    if let Some(_turn) = StreamTurn::take(db) {
        let mut stalled = false;
        let read = db.conn().and_then(|mut conn| match &mut *conn {
            DbConnection::Postgres(pg) => {
                commitments::read_streamed(pg, filter, by_title, BATCH as usize, &mut |rows| {
                    match send_within(&batches, rows, STALLED) {
                        Ok(()) => true,
                        Err(NotSent::Gone) => false,
                        Err(NotSent::Stalled) => {
                            stalled = true;
                            false
                        }
                    }
                })
            }
            DbConnection::Sqlite(_) => Err(DbError::Unavailable(
                "a PostgreSQL pool gave a SQLite connection".into(),
            )),
        });
        // The connection is back in the pool: a consumer that wakes up finds the export failed,
        // never a file that ends early as if complete.
        let read = read.and_then(|()| {
            if stalled {
                return Err(DbError::Unavailable(format!(
                    "the export was not read for {} s and was stopped",
                    STALLED.as_secs()
                )));
            }
            Ok(())
        });
        if let Err(error) = read {
            let _ = batches.send(Err(error));
        }
        return;
    }
    let mut after_id: Option<String> = None;
    let mut after_title: Option<TitleKey> = None;
    loop {
        let rows = db.conn().and_then(|mut conn| {
            if by_title {
                commitments::by_title(&mut conn, filter, after_title.as_ref(), BATCH)
            } else {
                commitments::export_batch(&mut conn, filter, after_id.as_deref(), BATCH)
            }
        });
        let rows = match rows {
            Ok(rows) if rows.is_empty() => return,
            Ok(rows) => rows,
            Err(error) => {
                let _ = batches.send(Err(error));
                return;
            }
        };
        let last = rows.len() < BATCH as usize;
        if let Some((tail, _)) = rows.last() {
            after_id = Some(tail.id.clone());
            after_title = Some((tail.title_id.clone(), tail.id.clone()));
        }
        if batches.send(Ok(rows)).is_err() || last {
            return;
        }
    }
}

/// How many commitments match `filter`, and how many of them are permanent.
pub fn count(db: &Db, filter: &CommitmentFilter) -> Result<(i64, i64), DbError> {
    commitments::count(&mut *db.conn()?, filter)
}

/// The columns of the audit trail's CSV.
pub const EVENT_HEADER: [&str; 15] = [
    "seq",
    "id",
    "at",
    "actor_id",
    "actor_role",
    "action",
    "subject_type",
    "subject_id",
    "program_id",
    "commitment_id",
    "from_status",
    "to_status",
    "details",
    "prev_hash",
    "hash",
];

/// Writes the audit trail (of `programs`, or all of it) from `since`, oldest first, as CSV or NDJSON.
pub fn events(
    db: &Db,
    programs: Option<&[Uuid]>,
    since: Option<chrono::NaiveDateTime>,
    csv: bool,
    sink: &mut dyn FnMut(Vec<u8>) -> std::io::Result<()>,
) -> Result<u64, ExportError> {
    let format_error = |e: csv::Error| ExportError::Format(FormatError::write("events CSV", e));
    // Sent with the first events, as `run` does with its header.
    let mut head = Vec::new();
    if csv {
        let mut out = csv::Writer::from_writer(Vec::new());
        out.write_record(EVENT_HEADER).map_err(format_error)?;
        head = out
            .into_inner()
            .map_err(|e| ExportError::Format(FormatError::write("events CSV", e)))?;
    }
    let mut after = 0_i64;
    let mut written = 0_u64;
    loop {
        let batch = crate::db::audit::page(&mut *db.conn()?, programs, since, after, BATCH)?;
        let Some(last) = batch.last() else { break };
        after = last.seq;
        let count = batch.len();
        let mut bytes = Vec::new();
        if csv {
            let mut out = csv::Writer::from_writer(Vec::new());
            for e in &batch {
                let at =
                    e.at.and_utc()
                        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
                let optional = |v: &Option<String>| v.clone().unwrap_or_default();
                out.write_record([
                    e.seq.to_string(),
                    e.id.clone(),
                    at,
                    optional(&e.actor_id),
                    e.actor_role.clone(),
                    e.action.clone(),
                    e.subject_type.clone(),
                    e.subject_id.clone(),
                    optional(&e.program_id),
                    optional(&e.commitment_id),
                    optional(&e.from_status),
                    optional(&e.to_status),
                    e.details.clone(),
                    e.prev_hash.clone(),
                    e.hash.clone(),
                ])
                .map_err(format_error)?;
            }
            bytes = out
                .into_inner()
                .map_err(|e| ExportError::Format(FormatError::write("events CSV", e)))?;
        } else {
            for e in batch {
                let view = crate::views::EventView::from_row(e)
                    .map_err(|e| ExportError::View(e.to_string()))?;
                serde_json::to_writer(&mut bytes, &view)
                    .map_err(|e| ExportError::Format(FormatError::write("events NDJSON", e)))?;
                bytes.push(b'\n');
            }
        }
        if !head.is_empty() {
            head.append(&mut bytes);
            bytes = std::mem::take(&mut head);
        }
        sink(bytes)?;
        written += count as u64;
        if (count as i64) < BATCH {
            break;
        }
    }
    if !head.is_empty() {
        sink(head)?;
    }
    Ok(written)
}

/// A filter for one program and library, as the CLI names them (code or id, symbol or id).
pub fn ids_of(
    db: &Db,
    program: Option<&str>,
    library: Option<&str>,
) -> Result<(Option<Uuid>, Option<Uuid>), DbError> {
    let mut conn = db.conn()?;
    let program = match program {
        Some(p) => Some(match Uuid::parse_str(p) {
            Ok(id) => programs::find(&mut conn, id)?.id,
            Err(_) => programs::find_by_code(&mut conn, p)?.id,
        }),
        None => None,
    };
    let library = match library {
        Some(l) => Some(match Uuid::parse_str(l) {
            Ok(id) => libraries::find(&mut conn, id)?.id,
            Err(_) => libraries::find_by_symbol(&mut conn, l)?.id,
        }),
        None => None,
    };
    let parse = |id: Option<String>| {
        id.map(|i| Uuid::parse_str(&i).map_err(|e| DbError::Corrupt(e.to_string())))
            .transpose()
    };
    Ok((parse(program)?, parse(library)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_send_with_room_goes_at_once() {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Result<u8, DbError>>(1);
        assert!(send_within(&tx, 7, Duration::from_millis(1)).is_ok());
        assert!(matches!(rx.recv(), Ok(Ok(7))));
    }

    #[test]
    fn a_send_to_a_consumer_that_went_away_says_gone() {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Result<u8, DbError>>(1);
        drop(rx);
        assert!(matches!(
            send_within(&tx, 7, Duration::from_secs(60)),
            Err(NotSent::Gone)
        ));
    }

    #[test]
    fn a_send_to_a_consumer_that_reads_nothing_gives_up_after_its_patience() {
        let (tx, _rx) = std::sync::mpsc::sync_channel::<Result<u8, DbError>>(1);
        assert!(send_within(&tx, 1, Duration::from_millis(20)).is_ok());
        let started = Instant::now();
        assert!(matches!(
            send_within(&tx, 2, Duration::from_millis(20)),
            Err(NotSent::Stalled)
        ));
        assert!(started.elapsed() >= Duration::from_millis(20));
    }

    #[test]
    fn a_send_waits_for_a_consumer_that_takes_a_batch() {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Result<u8, DbError>>(1);
        assert!(send_within(&tx, 1, Duration::from_secs(60)).is_ok());
        let consumer = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(10));
            rx.iter()
                .take(2)
                .map(|r| r.unwrap_or(0))
                .collect::<Vec<u8>>()
        });
        assert!(send_within(&tx, 2, Duration::from_secs(60)).is_ok());
        assert_eq!(consumer.join().ok(), Some(vec![1, 2]));
    }
}
