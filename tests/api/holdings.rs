//! Holdings loads and the coverage they give a program.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::world::{id, World};

crate::on_both_backends!(
    a_library_loads_its_holdings_and_a_replace_makes_the_file_its_whole_holdings,
    merged_numbers_in_a_marcxml_holdings_file_find_the_registry_title,
    a_holdings_file_without_oclc_number_column_is_refused_whole,
    coverage_counts_titles_by_state_and_lists_them_in_pages_and_csv,
    coverage_follows_the_next_action_at_once,
    coverage_counts_a_staged_import_once_published_and_an_added_holding_at_once,
    a_replacing_load_removes_every_row_of_the_holdings_it_replaced,
);

/// Posts `body` as `library`'s holdings file.
pub async fn load(
    w: &World,
    token: &str,
    library: &Value,
    query: &str,
    body: &str,
) -> (StatusCode, Value) {
    let response = w
        .app
        .client
        .post(format!(
            "{}/api/v1/libraries/{}/holdings?{query}",
            w.app.address,
            id(library)
        ))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn holds(w: &World, library: &Value, numbers: &[i64]) {
    let mut file = String::from("oclc_number,title\n");
    for n in numbers {
        file.push_str(&format!("{n},Held title {n}\n"));
    }
    let (status, report) = load(w, &w.admin, library, "format=csv", &file).await;
    assert_eq!(status, StatusCode::OK, "{report}");
}

async fn a_library_loads_its_holdings_and_a_replace_makes_the_file_its_whole_holdings(
    app: TestApp,
) {
    let w = World::new(app).await;
    w.active(7001).await;
    let file = "OCLC Number,Title,ISBN,shelving\n\
                (OCoLC)ocm00007001,Ignored: the registry keeps its title,,\n\
                not-a-number,Broken,,\n\
                7002,A new title,978-0-306-40615-6,storage_facility\n\
                7002,The same title twice,,\n";
    let (status, report) = load(&w, &w.cm_eym, &w.eym, "format=csv", file).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["rows"], 4);
    assert_eq!(report["held"], 2);
    assert_eq!(report["new_titles"], 1);
    assert_eq!(report["rejected"], 1);
    assert_eq!(report["errors"][0]["line"], 3);
    assert_eq!(report["errors"][0]["field"], "oclc_number");
    assert_eq!(
        report["warnings"][0]["field"], "isbn",
        "a bad check digit only loses the ISBN"
    );
    let path = format!("/api/v1/libraries/{}/holdings/summary", id(&w.eym));
    let (status, summary) = w.app.get(&path, &w.cm_amh).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(summary["titles"], 2);
    assert!(summary["updated_at"].is_string());
    let (_, title) = w.app.get("/api/v1/titles?oclc_number=7001", &w.admin).await;
    assert_eq!(title["title"]["title"], "Title number 7001");

    let (_, report) = load(&w, &w.cm_eym, &w.eym, "format=csv", "oclc_number\n7003\n").await;
    assert_eq!(report["held"], 1, "replace is the default: {report}");
    let (_, report) = load(
        &w,
        &w.cm_eym,
        &w.eym,
        "format=csv&mode=add",
        "oclc_number\n7001\n7003\n",
    )
    .await;
    assert_eq!(report["held"], 2, "{report}");
    let (_, summary) = w.app.get(&path, &w.admin).await;
    assert_eq!(summary["titles"], 2);
    let (_, amh) = w
        .app
        .get(
            &format!("/api/v1/libraries/{}/holdings/summary", id(&w.amh)),
            &w.admin,
        )
        .await;
    assert_eq!(amh, json!({"titles": 0, "updated_at": null}));

    let (status, body) = load(&w, &w.cm_eym, &w.eym, "format=tsv", "oclc_number\n1\n").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _) = load(&w, &w.cm_amh, &w.eym, "format=csv", "oclc_number\n1\n").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = w
        .app
        .get(
            &format!(
                "/api/v1/libraries/{}/holdings/summary",
                uuid::Uuid::now_v7()
            ),
            &w.admin,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn merged_numbers_in_a_marcxml_holdings_file_find_the_registry_title(app: TestApp) {
    let w = World::new(app).await;
    w.active(8100).await;
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<collection xmlns="http://www.loc.gov/MARC21/slim">
  <record>
    <leader>00000cam a2200000 a 4500</leader>
    <datafield tag="019" ind1=" " ind2=" "><subfield code="a">8100</subfield></datafield>
    <datafield tag="035" ind1=" " ind2=" "><subfield code="a">(OCoLC)8199</subfield></datafield>
    <datafield tag="245" ind1="1" ind2="0"><subfield code="a">Merged /</subfield></datafield>
  </record>
  <record>
    <leader>00000cam a2200000 a 4500</leader>
    <datafield tag="245" ind1="1" ind2="0"><subfield code="a">No number</subfield></datafield>
  </record>
</collection>"#;
    let (status, report) = load(&w, &w.coord_east, &w.eym, "format=marcxml", xml).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["rows"], 2);
    assert_eq!(report["held"], 1);
    assert_eq!(
        report["new_titles"], 0,
        "8100 is merged into the record's 8199: {report}"
    );
    assert_eq!(report["errors"][0]["line"], 2);
    assert_eq!(report["errors"][0]["field"], "035");
    let (_, found) = w.app.get("/api/v1/titles?oclc_number=8199", &w.admin).await;
    assert_eq!(found["title"]["oclc_number"], 8100, "{found}");
}

async fn a_holdings_file_without_oclc_number_column_is_refused_whole(app: TestApp) {
    let w = World::new(app).await;
    holds(&w, &w.eym, &[1, 2]).await;
    let (status, body) = load(&w, &w.admin, &w.eym, "format=csv", "isbn\n9780306406157\n").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.to_string().contains("oclc_number"), "{body}");
    let (_, summary) = w
        .app
        .get(
            &format!("/api/v1/libraries/{}/holdings/summary", id(&w.eym)),
            &w.admin,
        )
        .await;
    assert_eq!(summary["titles"], 2, "the holdings are untouched");
}

async fn coverage_counts_titles_by_state_and_lists_them_in_pages_and_csv(app: TestApp) {
    let w = World::new(app).await;
    holds(&w, &w.eym, &[9001, 9002, 9003, 9004]).await;
    holds(&w, &w.amh, &[9002, 9003]).await;
    holds(&w, &w.dkc, &[9001]).await; // WEST only: not EAST's coverage
    w.active(9002).await;
    w.active(9003).await;
    let (status, amh) = w.propose(&w.cm_amh, &w.east, &w.amh, 9003, json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{amh}");
    w.ok(&w.coord_east, &amh, "accept", json!({})).await;
    w.allocation(9004).await; // proposed: not committed
    let coverage = format!("/api/v1/programs/{}/coverage", id(&w.east));
    let (status, summary) = w
        .app
        .get(&format!("{coverage}/summary"), &w.auditor_east)
        .await;
    assert_eq!(status, StatusCode::OK, "{summary}");
    assert_eq!(summary["target_copies"], 2);
    assert_eq!(summary["titles"], 4);
    assert_eq!(summary["unretained"], 2, "{summary}");
    assert_eq!(summary["at_risk"], 1);
    assert_eq!(summary["met"], 1);
    assert_eq!(summary["over_retained"], 0);
    assert_eq!(summary["by_state"]["unretained"], 2);
    let libraries = summary["by_library"].as_array().unwrap();
    let eym = libraries
        .iter()
        .find(|l| l["oclc_symbol"] == "EYM")
        .unwrap();
    assert_eq!(
        (eym["held"].as_i64(), eym["committed"].as_i64()),
        (Some(4), Some(2))
    );

    let (_, page) = w
        .app
        .get(
            &format!("{coverage}?state=unretained&limit=1"),
            &w.coord_east,
        )
        .await;
    assert_eq!(page["items"][0]["oclc_number"], 9001);
    assert_eq!(page["items"][0]["held_by"], json!(["EYM"]));
    assert_eq!(page["items"][0]["state"], "unretained");
    let cursor = page["next_cursor"].as_str().expect("a second page");
    let (_, next) = w
        .app
        .get(
            &format!("{coverage}?state=unretained&limit=1&cursor={cursor}"),
            &w.coord_east,
        )
        .await;
    assert_eq!(next["items"][0]["oclc_number"], 9004);
    assert_eq!(next["items"][0]["proposed"], 1);
    assert!(next["next_cursor"].is_null());
    let (_, at_risk) = w
        .app
        .get(&format!("{coverage}?state=at_risk"), &w.cm_eym)
        .await;
    assert_eq!(
        at_risk["items"],
        json!([{"oclc_number": 9002, "title": "Held title 9002", "format": "monograph",
                "held_by": ["AMH", "EYM"], "committed": 1, "proposed": 0, "target_copies": 2,
                "state": "at_risk"}])
    );
    let (_, amh_only) = w
        .app
        .get(&format!("{coverage}?library_id={}", id(&w.amh)), &w.admin)
        .await;
    let numbers: Vec<i64> = amh_only["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["oclc_number"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, [9002, 9003]);

    let csv = String::from_utf8(
        w.app
            .get_bytes(&format!("{coverage}?format=csv"), &w.admin)
            .await,
    )
    .unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "oclc_number,title,format,held_by,committed,proposed,target_copies,state"
    );
    assert_eq!(lines.len(), 5, "{csv}");
    assert_eq!(lines[3], "9003,Held title 9003,monograph,AMH;EYM,2,0,2,met");

    let (status, body) = w
        .app
        .get(&format!("{coverage}?state=risky"), &w.admin)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, _) = w.app.get(&format!("{coverage}/summary"), &w.cm_dkc).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

async fn coverage_follows_the_next_action_at_once(app: TestApp) {
    let w = World::new(app).await;
    holds(&w, &w.eym, &[9101]).await;
    let summary = format!("/api/v1/programs/{}/coverage/summary", id(&w.east));
    assert_eq!(w.app.get(&summary, &w.admin).await.1["unretained"], 1);
    let active = w.active(9101).await;
    let (_, after) = w.app.get(&summary, &w.admin).await;
    assert_eq!(
        (after["unretained"].as_i64(), after["at_risk"].as_i64()),
        (Some(0), Some(1))
    );
    w.ok(
        &w.cm_eym,
        &active,
        "request_release",
        json!({"reason": "weeding"}),
    )
    .await;
    assert_eq!(
        w.app.get(&summary, &w.admin).await.1["at_risk"],
        1,
        "release_requested still keeps it"
    );
    let requested = w.get(&active).await;
    w.ok(&w.coord_east, &requested, "approve_release", json!({}))
        .await;
    assert_eq!(w.app.get(&summary, &w.admin).await.1["unretained"], 1);
    holds(&w, &w.eym, &[9102]).await;
    let (_, last) = w.app.get(&summary, &w.admin).await;
    assert_eq!(
        last["titles"], 1,
        "the replaced holdings no longer hold 9101: {last}"
    );
}

/// Posts an `all_or_nothing` import of `file` for EYM in EAST; the rows it imported.
async fn import_all_or_nothing(w: &World, file: &str) -> i64 {
    let response = w
        .app
        .client
        .post(format!(
            "{}/api/v1/imports?program_id={}&library_id={}&mode=all_or_nothing",
            w.app.address,
            id(&w.east),
            id(&w.eym)
        ))
        .bearer_auth(&w.cm_eym)
        .body(file.to_owned())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let report: Value = response.json().await.unwrap();
    report["imported"].as_i64().unwrap()
}

async fn coverage_counts_a_staged_import_once_published_and_an_added_holding_at_once(app: TestApp) {
    let w = World::new(app).await;
    let summary = format!("/api/v1/programs/{}/coverage/summary", id(&w.east));
    let counts = |v: &Value| {
        ["titles", "unretained", "at_risk", "met", "over_retained"].map(|k| v[k].as_i64().unwrap())
    };
    holds(&w, &w.eym, &[9201]).await;
    let (status, report) = load(
        &w,
        &w.admin,
        &w.amh,
        "format=csv&mode=add",
        "oclc_number\n9202\n",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let (_, before) = w.app.get(&summary, &w.admin).await;
    assert_eq!(counts(&before), [2, 2, 0, 0, 0], "{before}");

    // A staged import refused whole (its last row is bad) leaves every count as it was.
    let refused =
        import_all_or_nothing(&w, "oclc_number,title\n9201,A\n9203,B\nnot-a-number,C\n").await;
    assert_eq!(refused, 0);
    assert_eq!(
        counts(&w.app.get(&summary, &w.admin).await.1),
        [2, 2, 0, 0, 0]
    );

    assert_eq!(
        import_all_or_nothing(&w, "oclc_number,title\n9201,A\n9203,B\n").await,
        2
    );
    // The collection manager's rows are proposals: counted as proposed, keeping nothing yet.
    let (_, proposed) = w.app.get(&summary, &w.admin).await;
    assert_eq!(counts(&proposed), [2, 2, 0, 0, 0], "{proposed}");
    let (_, listed) = w
        .app
        .get(
            &format!("/api/v1/programs/{}/coverage?state=unretained", id(&w.east)),
            &w.admin,
        )
        .await;
    assert_eq!(listed["items"][0]["oclc_number"], 9201, "{listed}");
    assert_eq!(listed["items"][0]["proposed"], 1, "{listed}");
    let (_, mine) = w
        .app
        .get(
            &format!(
                "/api/v1/commitments?program_id={}&status=proposed",
                id(&w.east)
            ),
            &w.admin,
        )
        .await;
    for proposal in mine["items"].as_array().unwrap() {
        w.ok(&w.coord_east, proposal, "accept", json!({})).await;
    }
    let (_, after) = w.app.get(&summary, &w.admin).await;
    // 9201 and 9203 are kept once each (target 2): at risk; 9202 is held by AMH alone.
    assert_eq!(counts(&after), [3, 1, 2, 0, 0], "{after}");
    let eym = after["by_library"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["oclc_symbol"] == "EYM")
        .unwrap();
    assert_eq!(eym["committed"], 2, "{after}");

    let (status, list) = w
        .app
        .get(
            &format!(
                "/api/v1/programs/{}/coverage?library_id={}",
                id(&w.east),
                id(&w.eym)
            ),
            &w.admin,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let numbers: Vec<i64> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["oclc_number"].as_i64().unwrap())
        .collect();
    assert_eq!(
        numbers,
        [9201, 9203],
        "EYM holds 9201 and keeps 9201 and 9203: {list}"
    );
}

async fn a_replacing_load_removes_every_row_of_the_holdings_it_replaced(app: TestApp) {
    use diesel::prelude::*;
    use retention_registry::db::schema::holdings;
    let w = World::new(app).await;
    // More rows than one clearing batch (5,000), so that the old ones go in several.
    let big: Vec<i64> = (0..12_000).map(|n| 3_000_000 + n).collect();
    holds(&w, &w.eym, &big).await;
    holds(&w, &w.eym, &[9301, 9302, 9303]).await;
    let db = retention_registry::db::Db::connect(&w.app.db.url, 1).unwrap();
    let rows: i64 = holdings::table
        .filter(holdings::library_id.eq(id(&w.eym)))
        .count()
        .get_result(&mut *db.conn().unwrap())
        .unwrap();
    assert_eq!(rows, 3, "only the current holdings remain");
    let summary = format!("/api/v1/programs/{}/coverage/summary", id(&w.east));
    assert_eq!(w.app.get(&summary, &w.admin).await.1["unretained"], 3);
}
