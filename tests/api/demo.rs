//! The demo data set and the `expire` command, on both backends.

use std::process::Command;

use retention_registry::db::models::expiry;
use retention_registry::db::{audit, Db};
use retention_registry::demo;

use crate::helpers::{Backend, TestDatabase};

async fn demo_covers_every_status_through_the_workflow(backend: Backend) {
    let Some(test_db) = TestDatabase::of(backend) else {
        return;
    };
    let db = Db::connect(&test_db.url, 2).unwrap();
    db.migrate().unwrap();
    let report = demo::load(&db, 200).unwrap();
    assert!(report.created);
    assert_eq!(report.commitments, 200);
    assert!(report
        .users
        .iter()
        .any(|u| u.role == retention_registry::domain::Role::Auditor));
    let mut conn = db.conn().unwrap();
    use diesel::prelude::*;
    use retention_registry::db::schema::commitments;
    let statuses: Vec<String> = commitments::table
        .select(commitments::status)
        .distinct()
        .load(&mut *conn)
        .unwrap();
    for status in [
        "proposed",
        "active",
        "release_requested",
        "declined",
        "withdrawn",
        "released",
        "transferred",
        "expired",
    ] {
        assert!(
            statuses.iter().any(|s| s == status),
            "no {status} commitment in {statuses:?}"
        );
    }
    let report = audit::verify_chain(&mut conn).unwrap();
    assert_eq!(report.broken, None);
    assert!(
        report.events_checked > 400,
        "every demo change has its event"
    );
    drop(conn);
    assert!(
        !demo::load(&db, 200).unwrap().created,
        "a second load changes nothing"
    );
}

async fn expire_command_with_as_of_expires_once(backend: Backend) {
    let Some(test_db) = TestDatabase::of(backend) else {
        return;
    };
    let db = Db::connect(&test_db.url, 2).unwrap();
    db.migrate().unwrap();
    demo::load(&db, 60).unwrap();
    let as_of = chrono::NaiveDate::from_ymd_opt(2100, 1, 1).unwrap();
    let due = expiry::count_due(&db, None, as_of).unwrap();
    assert!(due > 0);
    let dir = tempfile::tempdir().unwrap();
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_retention-registry"))
            .current_dir(dir.path())
            .env("REGISTRY_DATABASE_URL", &test_db.url_string)
            .env("REGISTRY_LOG", "warn")
            .args(["expire", "--as-of", "2100-01-01"])
            .output()
            .unwrap()
    };
    let first = run();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&first.stdout).trim(),
        format!("{due} commitment(s) expired (retention ended before 2100-01-01)")
    );
    let second = run();
    assert!(second.status.success());
    assert!(String::from_utf8_lossy(&second.stdout).starts_with("0 commitment(s) expired"));
    assert_eq!(expiry::count_due(&db, None, as_of).unwrap(), 0);
    assert_eq!(
        audit::verify_chain(&mut db.conn().unwrap()).unwrap().broken,
        None
    );
}

async fn export_command_writes_each_format_to_a_file(backend: Backend) {
    let Some(test_db) = TestDatabase::of(backend) else {
        return;
    };
    let db = Db::connect(&test_db.url, 2).unwrap();
    db.migrate().unwrap();
    demo::load(&db, 60).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_retention-registry"))
            .current_dir(dir.path())
            .env("REGISTRY_DATABASE_URL", &test_db.url_string)
            .env("REGISTRY_LOG", "warn")
            .arg("export")
            .args(args)
            .output()
            .unwrap()
    };
    let marc = run(&[
        "--format",
        "marc",
        "--program",
        "EAST",
        "--output",
        "east.mrc",
    ]);
    assert!(
        marc.status.success(),
        "{:?} {} {}",
        marc.status,
        String::from_utf8_lossy(&marc.stderr),
        String::from_utf8_lossy(&marc.stdout)
    );
    let bytes = std::fs::read(dir.path().join("east.mrc")).unwrap();
    let records: Vec<_> = marc::Records::new(&bytes[..])
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(!records.is_empty());
    let notes: usize = records.iter().map(|r| r.field(*b"583").len()).sum();
    assert!(String::from_utf8_lossy(&marc.stdout)
        .starts_with(&format!("{notes} commitment(s) written")));
    let oclc = run(&["--format", "oclc_csv", "--output", "oclc.csv"]);
    assert!(oclc.status.success());
    assert!(
        String::from_utf8_lossy(&oclc.stderr).contains("permanent commitment(s) left out"),
        "{}",
        String::from_utf8_lossy(&oclc.stderr)
    );
    let events = run(&[
        "--events",
        "--format",
        "ndjson",
        "--output",
        "events.ndjson",
    ]);
    assert!(events.status.success());
    let lines = std::fs::read_to_string(dir.path().join("events.ndjson")).unwrap();
    assert!(lines.lines().count() > 60);
    let bad = run(&["--format", "pdf", "--output", "x"]);
    assert!(!bad.status.success());
    let unknown = run(&["--program", "NOPE", "--output", "x.csv"]);
    assert!(!unknown.status.success());
}

macro_rules! database_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test] async fn $name() { super::$name(crate::helpers::Backend::Sqlite).await } )*
        }
        mod postgres {
            $( #[tokio::test] async fn $name() { super::$name(crate::helpers::Backend::Postgres).await } )*
        }
    };
}

database_tests!(
    demo_covers_every_status_through_the_workflow,
    expire_command_with_as_of_expires_once,
    export_command_writes_each_format_to_a_file,
);
