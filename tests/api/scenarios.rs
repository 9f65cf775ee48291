//! Allocation scenarios: run, read, download, delete, apply.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::holdings::load;
use crate::world::{id, World};

crate::on_both_backends!(
    a_scenario_allocates_short_titles_to_holders_and_applying_it_proposes_each,
    rules_leave_out_libraries_and_cap_them,
    only_the_programs_coordinators_and_admins_run_scenarios_and_bad_rules_are_refused,
);

async fn holds(w: &World, library: &Value, numbers: &[i64]) {
    let mut file = String::from("oclc_number,title\n");
    for n in numbers {
        file.push_str(&format!("{n},Held title {n}\n"));
    }
    let (status, report) = load(w, &w.admin, library, "format=csv", &file).await;
    assert_eq!(status, StatusCode::OK, "{report}");
}

/// EAST (target 2): EYM holds 1–4, AMH 2–4; EYM keeps 2; AMH has proposed 4.
async fn setting(w: &World) {
    holds(w, &w.eym, &[9901, 9902, 9903, 9904]).await;
    holds(w, &w.amh, &[9902, 9903, 9904]).await;
    holds(w, &w.dkc, &[9901]).await;
    w.active(9902).await;
    let (status, body) = w.propose(&w.cm_amh, &w.east, &w.amh, 9904, json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

async fn a_scenario_allocates_short_titles_to_holders_and_applying_it_proposes_each(app: TestApp) {
    let w = World::new(app).await;
    setting(&w).await;
    let path = format!("/api/v1/programs/{}/scenarios", id(&w.east));
    let (status, scenario) = w
        .app
        .post(&path, &w.coord_east, json!({"name": "Spring 2027", "titles": "both", "prefer": ["most_holdings"], "retention_end": "2040-06-30"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{scenario}");
    assert_eq!(scenario["status"], "draft");
    assert_eq!(scenario["allocations"], 5, "{scenario}");
    assert_eq!(scenario["titles_left_short"], 2);
    assert_eq!(
        scenario["by_library"],
        json!([{"library_id": id(&w.amh), "oclc_symbol": "AMH", "count": 2},
               {"library_id": id(&w.eym), "oclc_symbol": "EYM", "count": 3}])
    );
    let (_, again) = w
        .app
        .post(
            &path,
            &w.admin,
            json!({"name": "Same", "titles": "both", "prefer": ["most_holdings"]}),
        )
        .await;
    assert_eq!(again["by_library"], scenario["by_library"], "deterministic");
    let show = format!("/api/v1/scenarios/{}", id(&scenario));
    let (status, shown) = w.app.get(&show, &w.coord_east).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(shown["name"], "Spring 2027");
    let (_, page) = w
        .app
        .get(&format!("{show}/allocations?limit=2"), &w.coord_east)
        .await;
    let first: Vec<(i64, &str)> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["oclc_number"].as_i64().unwrap(),
                a["oclc_symbol"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(first, [(9901, "EYM"), (9902, "AMH")]);
    let cursor = page["next_cursor"].as_str().unwrap();
    let (_, rest) = w
        .app
        .get(
            &format!("{show}/allocations?limit=10&cursor={cursor}"),
            &w.coord_east,
        )
        .await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 3);
    let csv = String::from_utf8(
        w.app
            .get_bytes(&format!("{show}/allocations?format=csv"), &w.coord_east)
            .await,
    )
    .unwrap();
    assert!(
        csv.starts_with("oclc_number,title,oclc_symbol,library_id\n9901,Held title 9901,EYM,"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 6);

    let (status, applied) = w
        .app
        .post(&format!("{show}/apply"), &w.coord_east, json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{applied}");
    assert_eq!(applied, json!({"created": 5, "skipped_duplicates": 0}));
    assert_eq!(w.app.get(&show, &w.admin).await.1["status"], "applied");
    let (status, _) = w
        .app
        .post(&format!("{show}/apply"), &w.coord_east, json!({}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = w
        .app
        .request(reqwest::Method::DELETE, &show, Some(&w.coord_east), None)
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "an applied scenario stays");

    // Each allocation is a proposal by the coordinator that the library answers.
    let (_, proposals) = w
        .app
        .get(
            &format!(
                "/api/v1/commitments?library_id={}&status=proposed&limit=100",
                id(&w.eym)
            ),
            &w.cm_eym,
        )
        .await;
    let items = proposals["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "{proposals}");
    assert!(items
        .iter()
        .all(|c| c["proposed_by_role"] == "coordinator" && c["retention_end"] == "2040-06-30"));
    w.ok(&w.cm_eym, &items[0], "accept", json!({})).await;
    // No title goes above target, counting every live proposal.
    let (_, coverage) = w
        .app
        .get(
            &format!("/api/v1/programs/{}/coverage?limit=100", id(&w.east)),
            &w.admin,
        )
        .await;
    for item in coverage["items"].as_array().unwrap() {
        let live = item["committed"].as_i64().unwrap() + item["proposed"].as_i64().unwrap();
        assert!(live <= 2, "{item}");
        for holder in item["held_by"].as_array().unwrap() {
            assert!(holder == "EYM" || holder == "AMH");
        }
    }
    let (status, _) = w
        .app
        .request(
            reqwest::Method::DELETE,
            &format!("/api/v1/scenarios/{}", id(&again)),
            Some(&w.coord_east),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        w.app
            .get(&format!("/api/v1/scenarios/{}", id(&again)), &w.admin)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    // Made, applied and deleted, each with its audit event.
    let events = String::from_utf8(
        w.app
            .get_bytes("/api/v1/exports/events?format=ndjson", &w.admin)
            .await,
    )
    .unwrap();
    for action in ["create_scenario", "apply_scenario", "delete_scenario"] {
        assert!(
            events.contains(&format!("\"action\":\"{action}\"")),
            "{action}"
        );
    }
}

async fn rules_leave_out_libraries_and_cap_them(app: TestApp) {
    let w = World::new(app).await;
    setting(&w).await;
    let path = format!("/api/v1/programs/{}/scenarios", id(&w.east));
    let (_, without_eym) = w
        .app
        .post(
            &path,
            &w.coord_east,
            json!({"name": "No EYM", "titles": "both", "exclude_library_ids": [id(&w.eym)]}),
        )
        .await;
    assert_eq!(without_eym["allocations"], 2, "{without_eym}");
    assert_eq!(without_eym["titles_left_short"], 3);
    let (_, capped) = w
        .app
        .post(
            &path,
            &w.coord_east,
            json!({"name": "Capped", "titles": "unretained", "max_per_library": 1}),
        )
        .await;
    // Unretained: 9901 (EYM) and 9903 (EYM, AMH); each library once at most.
    assert_eq!(capped["allocations"], 2, "{capped}");
    let (_, at_risk) = w
        .app
        .post(
            &path,
            &w.coord_east,
            json!({"name": "At risk", "titles": "at_risk"}),
        )
        .await;
    assert_eq!(
        at_risk["by_library"],
        json!([{"library_id": id(&w.amh), "oclc_symbol": "AMH", "count": 1}])
    );
}

async fn only_the_programs_coordinators_and_admins_run_scenarios_and_bad_rules_are_refused(
    app: TestApp,
) {
    let w = World::new(app).await;
    let path = format!("/api/v1/programs/{}/scenarios", id(&w.east));
    let rules = json!({"name": "X", "titles": "both"});
    for token in [&w.cm_eym, &w.auditor_east, &w.coord_west] {
        assert_eq!(
            w.app.post(&path, token, rules.clone()).await.0,
            StatusCode::FORBIDDEN
        );
    }
    let (status, body) = w
        .app
        .post(&path, &w.coord_east, json!({"max_per_library": 0}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        crate::helpers::error_fields(&body),
        ["name", "titles", "max_per_library"]
    );
    let (status, _) = w
        .app
        .post(
            &path,
            &w.coord_east,
            json!({"name": "X", "titles": "both", "prefer": ["nearest"]}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, scenario) = w.app.post(&path, &w.coord_east, rules).await;
    assert_eq!(
        scenario["allocations"], 0,
        "nothing held, nothing short: {scenario}"
    );
    let show = format!("/api/v1/scenarios/{}", id(&scenario));
    assert_eq!(w.app.get(&show, &w.cm_eym).await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        w.app
            .get(
                &format!("/api/v1/scenarios/{}", uuid::Uuid::now_v7()),
                &w.admin
            )
            .await
            .0,
        StatusCode::NOT_FOUND
    );
}
