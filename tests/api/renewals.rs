//! Renewal campaigns: the notice list of commitments ending soon, and renewing them in bulk.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::TestApp;
use crate::world::{id, World};

crate::on_both_backends!(
    the_notice_list_gives_the_commitments_ending_before_a_day_by_library,
    a_campaign_validates_first_then_renews_each_through_its_versioned_renew,
);

async fn the_notice_list_gives_the_commitments_ending_before_a_day_by_library(app: TestApp) {
    let w = World::new(app).await;
    w.active(9701).await;
    w.active(9702).await;
    let (status, amh) = w
        .propose(
            &w.cm_amh,
            &w.east,
            &w.amh,
            9703,
            json!({"retention_end": "2030-12-31"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{amh}");
    w.ok(&w.coord_east, &amh, "accept", json!({})).await;
    let (status, late) = w
        .propose(
            &w.cm_amh,
            &w.east,
            &w.amh,
            9704,
            json!({"retention_end": "2040-12-31"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{late}");
    w.ok(&w.coord_east, &late, "accept", json!({})).await;
    let path = format!("/api/v1/programs/{}/expiring", id(&w.east));
    let (status, list) = w
        .app
        .get(&format!("{path}?before=2032-01-01"), &w.auditor_east)
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["total"], 3);
    let symbols: Vec<&str> = list["by_library"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["oclc_symbol"].as_str().unwrap())
        .collect();
    assert_eq!(symbols, ["AMH", "EYM"]);
    assert_eq!(list["by_library"][1]["count"], 2);
    assert_eq!(list["by_library"][0]["commitments"][0]["oclc_number"], 9703);
    let csv = String::from_utf8(
        w.app
            .get_bytes(
                &format!("{path}?before=2032-01-01&format=csv"),
                &w.coord_east,
            )
            .await,
    )
    .unwrap();
    assert!(
        csv.starts_with(
            "oclc_symbol,library,commitment_id,oclc_number,title,retention_end,version\n"
        ),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 4);
    let (status, _) = w.app.get(&path, &w.coord_east).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "before is required"
    );
    let (status, _) = w
        .app
        .get(&format!("{path}?before=2032-01-01"), &w.coord_west)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

async fn a_campaign_validates_first_then_renews_each_through_its_versioned_renew(app: TestApp) {
    let w = World::new(app).await;
    let first = w.active(9801).await;
    w.active(9802).await;
    let (_, amh) = w.propose(&w.cm_amh, &w.east, &w.amh, 9803, json!({})).await;
    w.ok(&w.coord_east, &amh, "accept", json!({})).await;
    let path = format!("/api/v1/programs/{}/renewals", id(&w.east));
    let body = |mode: &str| json!({"ending_before": "2032-01-01", "retention_end": "2036-06-30", "mode": mode});
    let (status, validated) = w.app.post(&path, &w.coord_east, body("validate")).await;
    assert_eq!(status, StatusCode::OK, "{validated}");
    assert_eq!(validated, json!({"renewed": 3, "skipped": 0, "errors": []}));
    assert_eq!(
        w.get(&first).await["version"],
        first["version"],
        "validating changes nothing"
    );

    let mut eym_only = body("apply");
    eym_only["library_id"] = json!(id(&w.eym));
    let (status, applied) = w.app.post(&path, &w.coord_east, eym_only).await;
    assert_eq!(status, StatusCode::OK, "{applied}");
    assert_eq!(applied["renewed"], 2, "{applied}");
    let renewed = w.get(&first).await;
    assert_eq!(renewed["version"], first["version"].as_i64().unwrap() + 1);
    let (_, events) = w
        .app
        .get(
            &format!("/api/v1/commitments/{}/events", id(&first)),
            &w.admin,
        )
        .await;
    assert_eq!(
        events["items"].as_array().unwrap().last().unwrap()["action"],
        "renew"
    );

    let earlier =
        json!({"ending_before": "2032-01-01", "retention_end": "2030-01-01", "mode": "apply"});
    let (_, skipped) = w.app.post(&path, &w.coord_east, earlier).await;
    assert_eq!(skipped["renewed"], 0, "{skipped}");
    assert!(skipped["skipped"].as_u64().unwrap() >= 1, "{skipped}");

    let (status, _) = w.app.post(&path, &w.cm_eym, body("apply")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, invalid) = w
        .app
        .post(&path, &w.coord_east, json!({"mode": "now"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        invalid["error"]["details"].as_array().unwrap().len(),
        3,
        "{invalid}"
    );
}
