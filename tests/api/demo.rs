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
    expire_command_with_as_of_expires_once
);
