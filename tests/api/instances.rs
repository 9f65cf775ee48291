//! Several registry instances on one database, as behind a load balancer: they keep no state of
//! their own (a token from one works on the other), work sent to both lands in one audit chain,
//! and the daily expiry sweep, which every instance starts, runs on exactly one of them.

use std::time::Duration;

use diesel::{ExpressionMethods, QueryDsl, RunQueryDsl};
use reqwest::{Method, StatusCode};
use retention_registry::db::models::job_runs::{self, Outcome};
use retention_registry::db::schema::{audit_events, commitments, job_runs as runs};
use retention_registry::db::{audit, replay, Db};
use serde_json::{json, Value};

use crate::helpers::{start_instance, TestApp};
use crate::world::{id, World};

crate::on_both_backends!(
    two_instances_share_the_work_and_one_of_them_sweeps,
    a_day_whose_sweep_ran_or_is_running_is_not_swept_again,
);

async fn call(
    client: &reqwest::Client,
    address: &str,
    path: &str,
    token: &str,
    body: Value,
) -> (StatusCode, Value) {
    let response = client
        .request(Method::POST, format!("{address}{path}"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("sent");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn sweeps_today(db: &Db) -> Vec<(String, Option<i64>)> {
    let today = chrono::Utc::now().date_naive();
    runs::table
        .filter(runs::job.eq("expiry"))
        .filter(runs::day.eq(today))
        .select((runs::instance, runs::processed))
        .load(&mut *db.conn().unwrap())
        .unwrap()
}

async fn two_instances_share_the_work_and_one_of_them_sweeps(app: TestApp) {
    let w = World::new(app).await;
    let db = Db::connect(&w.app.db.url, 2).unwrap();
    // Twelve active commitments whose retention ended in 2021, made after the first instance's
    // start-up sweep; then the day's record is removed, as if the day had turned.
    let mut due = Vec::new();
    for oclc in 1..=12 {
        let (status, c) = w
            .propose(
                &w.cm_eym,
                &w.east,
                &w.eym,
                7_000 + oclc,
                json!({"retention_start": "2020-01-01", "retention_end": "2021-01-01"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{c}");
        due.push(w.ok(&w.coord_east, &c, "accept", json!({})).await);
    }
    diesel::delete(runs::table)
        .execute(&mut *db.conn().unwrap())
        .unwrap();

    // Two more instances start together: both begin the sweep at start-up.
    let instances = [start_instance(&w.app.db.url), start_instance(&w.app.db.url)];
    let client = reqwest::Client::new();
    // The load, across both: proposals by the library on one, acceptance by the coordinator on the
    // other (tokens made by the first instance), each accept also replayed at its old version.
    let mut conflicts = 0;
    for n in 0..40_i64 {
        let (proposer, acceptor) = (
            &instances[(n % 2) as usize],
            &instances[((n + 1) % 2) as usize],
        );
        let (status, c) = call(
            &client,
            proposer,
            "/api/v1/commitments",
            &w.cm_amh,
            json!({
            "program_id": w.east["id"], "library_id": w.amh["id"], "oclc_number": 8_000 + n,
            "title": format!("Load title {n}"), "format": "monograph"}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{c}");
        let path = format!("/api/v1/commitments/{}/accept", id(&c));
        let (first, second) = tokio::join!(
            call(
                &client,
                acceptor,
                &path,
                &w.coord_east,
                json!({"version": c["version"]})
            ),
            call(
                &client,
                proposer,
                &path,
                &w.coord_east,
                json!({"version": c["version"]})
            ),
        );
        let statuses = [first.0, second.0];
        assert!(statuses.contains(&StatusCode::OK), "{first:?} {second:?}");
        conflicts += statuses
            .iter()
            .filter(|s| **s == StatusCode::CONFLICT)
            .count();
    }
    assert_eq!(
        conflicts, 40,
        "each accept at an old version is refused once"
    );

    // The sweep: one instance ran it, once.
    let mut waited = 0;
    while !sweeps_today(&db)
        .iter()
        .any(|(_, processed)| processed.is_some())
    {
        assert!(waited < 200, "no instance finished the sweep");
        tokio::time::sleep(Duration::from_millis(100)).await;
        waited += 1;
    }
    let runs = sweeps_today(&db);
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0].1, Some(12), "{runs:?}");
    let mut conn = db.conn().unwrap();
    let expire_events: i64 = audit_events::table
        .filter(audit_events::action.eq("expire"))
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(expire_events, 12);
    for c in &due {
        let (status, version): (String, i32) = commitments::table
            .find(id(c))
            .select((commitments::status, commitments::version))
            .first(&mut *conn)
            .unwrap();
        assert_eq!(
            (status.as_str(), version),
            ("expired", c["version"].as_i64().unwrap() as i32 + 1)
        );
    }
    let chain = audit::verify_chain(&mut conn).unwrap();
    assert_eq!(chain.broken, None);
    let replayed = replay::replay(&mut conn).unwrap();
    assert!(replayed.mismatch.is_none());
    assert_eq!(replayed.commitments_checked, 52);
}

async fn a_day_whose_sweep_ran_or_is_running_is_not_swept_again(app: TestApp) {
    let db = Db::connect(&app.db.url, 4).unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(2030, 1, 2).unwrap();
    let ran = job_runs::once_a_day(&db, "test-job", day, || Ok(3)).unwrap();
    assert_eq!(ran, Outcome::Ran(3));
    let again = job_runs::once_a_day(&db, "test-job", day, || panic!("ran twice")).unwrap();
    assert_eq!(again, Outcome::AlreadyRan);
    // While one instance runs a day, another that starts it does nothing.
    let next = day.succ_opt().unwrap();
    let inner = db.clone();
    let outcome = job_runs::once_a_day(&db, "test-job", next, move || {
        let meanwhile = job_runs::once_a_day(&inner, "test-job", next, || panic!("ran twice"));
        assert_eq!(meanwhile.unwrap(), Outcome::RunningElsewhere);
        Ok(1)
    })
    .unwrap();
    assert_eq!(outcome, Outcome::Ran(1));
    // A run that failed gives the day back.
    let failing = next.succ_opt().unwrap();
    let failed = job_runs::once_a_day(&db, "test-job", failing, || {
        Err(retention_registry::db::DbError::Unavailable("down".into()))
    });
    assert!(failed.is_err());
    assert_eq!(
        job_runs::once_a_day(&db, "test-job", failing, || Ok(0)).unwrap(),
        Outcome::Ran(0)
    );
}
