//! An all_or_nothing import written in short transactions: others keep writing while it runs, and
//! readers see all of it or none of it.
//!
//! The import runs through the library (the same `imports::run` the API and CLI call) with a row
//! source that stops half-way through its writing pass until the test lets it go on: an import
//! that held the write lock (SQLite) or the audit chain's head (PostgreSQL) for its whole length
//! made the proposal below wait until the end of the file, which here never comes.

use std::sync::mpsc;
use std::time::Duration;

use reqwest::StatusCode;
use retention_registry::db::models::staging;
use retention_registry::db::{audit, Db};
use retention_registry::domain::Actor;
use retention_registry::imports::{self, ImportFormat, ImportMode, ImportReport, Rows, Target};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::world::{id, World};

crate::on_both_backends!(
    others_write_while_an_import_is_written_and_readers_see_it_only_once_published,
    an_import_whose_writer_stopped_is_abandoned_and_leaves_nothing_behind,
);

/// Rows in the file: three batches.
const ROWS: i64 = 2_500;
/// The row before which the writing pass waits.
const PAUSE_AT: usize = 1_500;
const FIRST_OCLC: i64 = 7_000_000;

fn csv() -> Vec<u8> {
    let mut file = String::from("oclc_number,title,format\n");
    for n in 0..ROWS {
        file.push_str(&format!("{},Staged title {n},monograph\n", FIRST_OCLC + n));
    }
    file.into_bytes()
}

/// Rows that wait before row `PAUSE_AT` for `go`, having told `paused`.
struct Paused {
    rows: Rows,
    seen: usize,
    paused: mpsc::Sender<()>,
    go: mpsc::Receiver<()>,
}

impl Iterator for Paused {
    type Item = retention_registry::formats::rows::ImportedRow;
    fn next(&mut self) -> Option<Self::Item> {
        if self.seen == PAUSE_AT {
            self.paused.send(()).ok()?;
            self.go.recv().ok()?;
        }
        self.seen += 1;
        self.rows.next()
    }
}

/// A running import: the test's own handle on the database, the signal that the import paused,
/// the sender that lets it go on, and the import's thread.
type Running = (
    Db,
    mpsc::Receiver<()>,
    mpsc::Sender<()>,
    std::thread::JoinHandle<Result<ImportReport, imports::ImportError>>,
);

/// Starts an all_or_nothing import of [`csv`] into EAST for EYM on its own thread; it pauses in
/// its writing pass (after its first batch is stored) until `go` is sent.
fn start_paused_import(w: &World) -> Running {
    let db = Db::connect(&w.app.db.url, 4).expect("database");
    let (paused_tx, paused_rx) = mpsc::channel();
    let (go_tx, go_rx) = mpsc::channel();
    let program = Uuid::parse_str(id(&w.east)).unwrap();
    let library = Uuid::parse_str(id(&w.eym)).unwrap();
    let worker = db.clone();
    let handle = std::thread::spawn(move || {
        let actor = Actor::system();
        let target = Target::check(&mut *worker.conn()?, &actor, program, library)?;
        let mut channels = Some((paused_tx, go_rx));
        let mut opened = 0;
        let mut source = move || -> Result<Rows, imports::ImportError> {
            let rows = imports::rows(Box::new(std::io::Cursor::new(csv())), ImportFormat::Csv)?;
            opened += 1;
            // The first pass checks the file; the second, which writes, waits half-way.
            Ok(match (opened, channels.take()) {
                (2, Some((paused, go))) => Box::new(Paused {
                    rows,
                    seen: 0,
                    paused,
                    go,
                }),
                (_, kept) => {
                    channels = kept;
                    rows
                }
            })
        };
        imports::run(
            &worker,
            &actor,
            &target,
            ImportFormat::Csv,
            &mut source,
            ImportMode::AllOrNothing,
        )
    });
    (db, paused_rx, go_tx, handle)
}

/// How many commitments of EAST the admin's list shows (up to 1,000).
async fn listed(w: &World) -> usize {
    let (status, page) = w
        .app
        .get(
            &format!("/api/v1/commitments?program_id={}&limit=1000", id(&w.east)),
            &w.admin,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["items"].as_array().unwrap().len()
}

/// The audit events an auditor of EAST reads.
async fn events(w: &World) -> Vec<Value> {
    let bytes = w
        .app
        .get_bytes("/api/v1/exports/events?format=ndjson", &w.auditor_east)
        .await;
    String::from_utf8(bytes)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

async fn lookup(w: &World, oclc: i64) -> StatusCode {
    w.app
        .get(&format!("/api/v1/titles?oclc_number={oclc}"), &w.admin)
        .await
        .0
}

async fn others_write_while_an_import_is_written_and_readers_see_it_only_once_published(
    app: crate::helpers::TestApp,
) {
    let w = World::new(app).await;
    let (db, paused, go, import) = start_paused_import(&w);
    tokio::task::spawn_blocking(move || paused.recv_timeout(Duration::from_secs(120)))
        .await
        .unwrap()
        .expect("the import reached its writing pass");

    // Its first batch is stored; another user proposes meanwhile, and is not kept waiting.
    let proposal = tokio::time::timeout(Duration::from_secs(30), async {
        w.propose(&w.cm_amh, &w.east, &w.amh, 55, json!({})).await
    })
    .await
    .expect("a proposal during the import completes (it waited for the whole import before)");
    assert_eq!(proposal.0, StatusCode::CREATED, "{}", proposal.1);
    // Nobody sees any of the import yet: not in lists, lookups, summaries or the audit trail.
    assert_eq!(listed(&w).await, 1);
    assert_eq!(lookup(&w, FIRST_OCLC).await, StatusCode::NOT_FOUND);
    let (_, summary) = w
        .app
        .get(
            &format!("/api/v1/programs/{}/summary", id(&w.east)),
            &w.admin,
        )
        .await;
    assert_eq!(summary["by_status"]["proposed"], 1, "{summary}");
    let trail = events(&w).await;
    assert!(
        trail
            .iter()
            .all(|e| e["action"] != "propose" || e["commitment_id"] == proposal.1["id"]),
        "the import's events are hidden while it is written"
    );

    go.send(()).unwrap();
    let report = tokio::task::spawn_blocking(move || import.join().unwrap())
        .await
        .unwrap()
        .expect("the import finishes");
    assert_eq!(
        (report.rows, report.imported, report.rejected),
        (2_500, 2_500, 0)
    );

    // Published: all of it at once.
    assert_eq!(lookup(&w, FIRST_OCLC + ROWS - 1).await, StatusCode::OK);
    let (_, summary) = w
        .app
        .get(
            &format!("/api/v1/programs/{}/summary", id(&w.east)),
            &w.admin,
        )
        .await;
    assert_eq!(summary["by_status"]["proposed"], 2_501, "{summary}");
    let trail = events(&w).await;
    let proposed = trail.iter().filter(|e| e["action"] == "propose").count();
    assert_eq!(proposed, 2_501);
    assert!(trail.iter().any(|e| e["action"] == "publish_import"));
    let chain = audit::verify_chain(&mut db.conn().unwrap()).unwrap();
    assert!(chain.broken.is_none(), "{chain:?}");
}

async fn an_import_whose_writer_stopped_is_abandoned_and_leaves_nothing_behind(
    app: crate::helpers::TestApp,
) {
    let w = World::new(app).await;
    let (db, paused, go, import) = start_paused_import(&w);
    tokio::task::spawn_blocking(move || paused.recv_timeout(Duration::from_secs(120)))
        .await
        .unwrap()
        .expect("the import reached its writing pass");

    // The sweep takes the paused writer for dead (here at once; in service after 30 s without a batch).
    let sweeper = db.clone();
    let abandoned = tokio::task::spawn_blocking(move || {
        staging::abandon(&sweeper, None, chrono::Duration::zero(), "test")
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(abandoned, 1);

    // The writer wakes up to find its import abandoned, and writes nothing more.
    go.send(()).unwrap();
    let outcome = tokio::task::spawn_blocking(move || import.join().unwrap())
        .await
        .unwrap();
    let error = outcome.expect_err("an abandoned import does not publish");
    assert!(error.to_string().contains("was stopped"), "{error}");

    assert_eq!(listed(&w).await, 0);
    assert_eq!(lookup(&w, FIRST_OCLC).await, StatusCode::NOT_FOUND);
    // Its titles and commitments are gone: the same title may be proposed afresh.
    let (status, body) = w
        .propose(&w.cm_eym, &w.east, &w.eym, FIRST_OCLC, json!({}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(listed(&w).await, 1);
    let trail = events(&w).await;
    assert!(trail.iter().any(|e| e["action"] == "abandon_import"));
    assert_eq!(trail.iter().filter(|e| e["action"] == "propose").count(), 1);
    let chain = audit::verify_chain(&mut db.conn().unwrap()).unwrap();
    assert!(chain.broken.is_none(), "{chain:?}");
}
