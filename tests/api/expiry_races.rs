//! The expiry sweep against what commits while it runs. On PostgreSQL the tests hold the
//! commitment's row in another transaction, so that the sweep reads it before a renewal (or a
//! second sweep) commits and writes after: the interleaving that expired a renewed commitment and
//! wrote events for rows another sweep had expired. (SQLite runs one writer at a time, so there the
//! same steps simply follow each other.)

use std::sync::mpsc;
use std::time::Duration;

use diesel::{Connection, RunQueryDsl};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::world::{id, World};

crate::on_both_backends!(
    a_renewal_that_commits_during_the_sweep_is_not_expired,
    two_sweeps_at_once_write_one_event_per_expired_commitment,
);

/// An active EYM commitment in EAST whose retention ended in 2021.
async fn ended(w: &World, oclc: i64) -> Value {
    let (status, c) = w
        .propose(
            &w.cm_eym,
            &w.east,
            &w.eym,
            oclc,
            json!({"retention_start": "2020-01-01", "retention_end": "2021-01-01"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    w.ok(&w.coord_east, &c, "accept", json!({})).await
}

/// Holds the commitment's row (PostgreSQL only) until `release` fires, running `sql` in that
/// transaction before it commits.
fn hold(
    w: &World,
    commitment: &str,
    sql: Option<String>,
) -> Option<(std::thread::JoinHandle<()>, mpsc::Sender<()>)> {
    let url = w.app.db.url_string.clone();
    if !url.starts_with("postgres") {
        return None;
    }
    let id = commitment.to_owned();
    let (locked_tx, locked_rx) = mpsc::channel::<()>();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let handle = std::thread::spawn(move || {
        let mut conn = diesel::PgConnection::establish(&url).unwrap();
        conn.transaction::<_, diesel::result::Error, _>(|conn| {
            diesel::sql_query(format!(
                "SELECT id FROM commitments WHERE id = '{id}' FOR UPDATE"
            ))
            .execute(conn)?;
            locked_tx.send(()).unwrap();
            release_rx.recv().unwrap();
            if let Some(sql) = sql {
                diesel::sql_query(sql).execute(conn)?;
            }
            Ok(())
        })
        .unwrap();
    });
    locked_rx.recv().unwrap();
    Some((handle, release_tx))
}

async fn release(holder: Option<(std::thread::JoinHandle<()>, mpsc::Sender<()>)>) {
    if let Some((handle, release)) = holder {
        // The sweeps have read the row and wait on it by now.
        tokio::time::sleep(Duration::from_millis(700)).await;
        release.send(()).unwrap();
        tokio::task::spawn_blocking(move || handle.join().unwrap())
            .await
            .unwrap();
    }
}

async fn sweep(w: &World) -> Value {
    let (status, body) = w
        .app
        .post(
            &format!("/api/v1/programs/{}/expire", id(&w.east)),
            &w.coord_east,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn a_renewal_that_commits_during_the_sweep_is_not_expired(app: TestApp) {
    let w = World::new(app).await;
    let c = ended(&w, 8801).await;
    // What a renew commits: a later end and the next version.
    let renew = format!(
        "UPDATE commitments SET retention_end = '2040-12-31', version = version + 1 WHERE id = '{}'",
        id(&c)
    );
    let holder = hold(&w, id(&c), Some(renew));
    let (swept, ()) = tokio::join!(sweep(&w), release(holder));
    let after = w.get(&c).await;
    if w.app.db.url_string.starts_with("postgres") {
        assert_eq!(swept["expired"], 0, "{swept}");
        assert_eq!(
            after["status"], "active",
            "the renewed commitment was expired: {after}"
        );
        assert_eq!(after["retention_end"], "2040-12-31");
    } else {
        assert_eq!(after["status"], "expired");
    }
}

async fn two_sweeps_at_once_write_one_event_per_expired_commitment(app: TestApp) {
    let w = World::new(app).await;
    let c = ended(&w, 8802).await;
    let holder = hold(&w, id(&c), None);
    let (first, second, ()) = tokio::join!(sweep(&w), sweep(&w), release(holder));
    assert_eq!(
        first["expired"].as_u64().unwrap() + second["expired"].as_u64().unwrap(),
        1,
        "{first} {second}"
    );
    let (_, events) = w
        .app
        .get(&format!("/api/v1/commitments/{}/events", id(&c)), &w.admin)
        .await;
    let expiries = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "expire")
        .count();
    assert_eq!(expiries, 1, "{events}");
    assert_eq!(w.get(&c).await["version"], 3);
}
