//! Proposing and reading commitments: validation, scope, list filters, title lookup, summary.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{error_fields, TestApp};
use crate::world::{id, World};

crate::on_both_backends!(
    collection_manager_proposes_for_its_library,
    a_query_parameter_that_does_not_read_is_named_with_its_value,
    proposals_outside_ones_scope_are_forbidden,
    invalid_proposals_name_each_field,
    duplicate_live_commitment_is_422_but_another_run_of_volumes_is_not,
    a_title_is_shared_and_keeps_its_description,
    list_filters_and_pages_within_the_callers_scope,
    title_lookup_shows_every_visible_commitment,
    commitment_of_another_program_is_404,
    program_summary_counts_by_status_library_and_year,
    a_reader_of_several_programs_pages_through_all_of_them_in_id_order,
);

fn items(body: &Value) -> Vec<Value> {
    body["items"].as_array().cloned().unwrap_or_default()
}

async fn collection_manager_proposes_for_its_library(app: TestApp) {
    let w = World::new(app).await;
    let (status, c) = w
        .propose(&w.cm_eym, &w.east, &w.eym, 0, json!({
            "oclc_number": "(OCoLC)ocm00012345", "title": "Middlemarch", "author": "Eliot, George",
            "publisher": "Blackwood", "pub_year": 1871, "isbn": "0-306-40615-2", "format": "monograph",
            "local_bib_id": "b1234567", "local_item_id": "i7654321", "barcode": "39015012345678",
            "call_number": "PR4662 .A1 1871", "shelving": "storage_facility", "condition": "acceptable",
            "validation": "condition_reviewed", "policies": ["non_circulating", "building_use_only"],
            "public_note": "EAST commitment", "private_note": "shelf 12"
        }))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    assert_eq!(c["status"], "proposed");
    assert_eq!(c["version"], 1);
    assert_eq!(c["proposed_by_role"], "collection_manager");
    assert_eq!(c["oclc_number"], 12345);
    assert_eq!(c["isbn"], "9780306406157");
    assert_eq!(c["program_code"], "EAST");
    assert_eq!(c["oclc_symbol"], "EYM");
    assert_eq!(
        c["retention_end"], "2031-06-30",
        "the program's default end"
    );
    assert_eq!(c["retention_start"].as_str().unwrap().len(), 10);
    assert_eq!(
        c["policies"],
        json!(["non_circulating", "building_use_only"])
    );
    assert_eq!(c["shelving"], "storage_facility");
    assert_eq!(c["end_reason"], Value::Null);
    for key in [
        "id",
        "program_id",
        "library_id",
        "title_id",
        "created_at",
        "updated_at",
    ] {
        assert!(c[key].is_string(), "{key}");
    }
    let (status, shown) = w
        .app
        .get(&format!("/api/v1/commitments/{}", id(&c)), &w.auditor_east)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(shown, c);
    let (status, permanent) = w
        .propose(&w.coord_east, &w.east, &w.amh, 777, json!({"retention_end": "permanent", "format": "serial", "issn": "0028-0836", "materials_specified": "v.1-40 (1978-1999)"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{permanent}");
    assert_eq!(permanent["retention_end"], "permanent");
    assert_eq!(permanent["proposed_by_role"], "coordinator");
    assert_eq!(permanent["materials_specified"], "v.1-40 (1978-1999)");
}

async fn proposals_outside_ones_scope_are_forbidden(app: TestApp) {
    let w = World::new(app).await;
    for (token, program, library) in [
        (&w.cm_eym, &w.east, &w.amh),
        (&w.coord_west, &w.east, &w.eym),
        (&w.auditor_east, &w.east, &w.eym),
        (&w.cm_dkc, &w.east, &w.eym),
    ] {
        let (status, body) = w.propose(token, program, library, 3001, json!({})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert_eq!(body["error"]["code"], "forbidden");
    }
    let (status, body) = w.propose(&w.admin, &w.west, &w.eym, 3001, json!({})).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "EYM is not a member of WEST: {body}"
    );
    assert_eq!(error_fields(&body), ["library_id"]);
}

async fn invalid_proposals_name_each_field(app: TestApp) {
    let w = World::new(app).await;
    let cases = [
        (json!({"oclc_number": "1.23457e+07"}), "oclc_number"),
        (json!({"oclc_number": "(DLC)   2001012345"}), "oclc_number"),
        (json!({"oclc_number": 0}), "oclc_number"),
        (json!({"title": ""}), "title"),
        (json!({"isbn": "978-0-306-40615-8"}), "isbn"),
        (json!({"issn": "0317-8472"}), "issn"),
        (json!({"retention_start": "2019-02-30"}), "retention_start"),
        (
            json!({"retention_start": "2020-01-01", "retention_end": "2019-12-31"}),
            "retention_end",
        ),
        (json!({"retention_end": "someday"}), "retention_end"),
        (json!({"pub_year": 20}), "pub_year"),
        (
            json!({"policies": ["digitize_on_demand", "no_reproduction"]}),
            "policies",
        ),
    ];
    for (extra, field) in cases {
        let (status, body) = w
            .propose(&w.cm_eym, &w.east, &w.eym, 3101, extra.clone())
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{extra}: {body}");
        assert_eq!(error_fields(&body), [field], "{extra}");
    }
    let (status, body) = w
        .app
        .post("/api/v1/commitments", &w.cm_eym, json!({}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error_fields(&body),
        ["program_id", "library_id", "oclc_number", "title"]
    );
    for extra in [
        json!({"shelving": "basement"}),
        json!({"format": "map"}),
        json!({"policies": ["lend_freely"]}),
        json!({"pub_year": "1871"}),
    ] {
        let (status, body) = w
            .propose(&w.cm_eym, &w.east, &w.eym, 3101, extra.clone())
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{extra}: {body}");
    }
    let (_, list) = w.app.get("/api/v1/commitments", &w.admin).await;
    assert!(items(&list).is_empty(), "nothing was stored");
}

async fn duplicate_live_commitment_is_422_but_another_run_of_volumes_is_not(app: TestApp) {
    let w = World::new(app).await;
    let first = w.library_proposal(3201).await;
    let (status, body) = w
        .propose(&w.coord_east, &w.east, &w.eym, 3201, json!({}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(error_fields(&body), ["oclc_number"]);
    let (status, _) = w
        .propose(
            &w.cm_eym,
            &w.east,
            &w.eym,
            3201,
            json!({"materials_specified": "v.1-10"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = w.propose(&w.cm_amh, &w.east, &w.amh, 3201, json!({})).await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "another library may retain the same title"
    );
    w.ok(&w.cm_eym, &first, "withdraw", json!({})).await;
    let (status, _) = w.propose(&w.cm_eym, &w.east, &w.eym, 3201, json!({})).await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "an ended commitment does not block a new one"
    );
}

async fn a_title_is_shared_and_keeps_its_description(app: TestApp) {
    let w = World::new(app).await;
    let (_, first) = w
        .propose(
            &w.cm_eym,
            &w.east,
            &w.eym,
            3301,
            json!({"title": "Bleak House", "author": "Dickens, Charles"}),
        )
        .await;
    let (status, second) = w
        .propose(&w.cm_amh, &w.east, &w.amh, 3301, json!({"title": "BLEAK HOUSE (reprint)", "author": "Someone else", "isbn": "0-306-40615-2"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    assert_eq!(second["title_id"], first["title_id"]);
    assert_eq!(second["title"], "Bleak House");
    assert_eq!(second["author"], "Dickens, Charles");
    assert_eq!(
        second["isbn"], "9780306406157",
        "an empty field is filled in"
    );
}

async fn list_filters_and_pages_within_the_callers_scope(app: TestApp) {
    let w = World::new(app).await;
    let (_, a) = w
        .propose(
            &w.cm_eym,
            &w.east,
            &w.eym,
            4001,
            json!({"title": "The Mill on the Floss"}),
        )
        .await;
    let a = w.ok(&w.coord_east, &a, "accept", json!({})).await;
    let (_, b) = w
        .propose(
            &w.cm_amh,
            &w.east,
            &w.amh,
            4002,
            json!({"title": "Silas Marner", "retention_end": "2027-12-31"}),
        )
        .await;
    let (_, c) = w
        .propose(
            &w.cm_dkc,
            &w.west,
            &w.dkc,
            4003,
            json!({"title": "Nature", "format": "serial"}),
        )
        .await;
    let since = chrono::Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let b = w.ok(&w.coord_east, &b, "accept", json!({})).await;
    let ids = |body: &Value| -> Vec<String> {
        items(body)
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let (_, all) = w.app.get("/api/v1/commitments", &w.admin).await;
    assert_eq!(ids(&all), [id(&a), id(&b), id(&c)]);
    let cases = [
        (format!("program_id={}", id(&w.west)), vec![id(&c)]),
        (format!("library_id={}", id(&w.amh)), vec![id(&b)]),
        ("status=proposed".to_owned(), vec![id(&c)]),
        ("oclc_number=(OCoLC)ocm00004001".to_owned(), vec![id(&a)]),
        ("q=silas".to_owned(), vec![id(&b)]),
        ("q=mill%20floss".to_owned(), vec![id(&a)]),
        ("q=mill%20marner".to_owned(), vec![]),
        ("expiring_before=2028-01-01".to_owned(), vec![id(&b)]),
        (
            format!(
                "updated_since={}",
                since
                    .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
                    .replace('+', "%2B")
            ),
            vec![id(&b)],
        ),
    ];
    for (query, expected) in cases {
        let (status, body) = w
            .app
            .get(&format!("/api/v1/commitments?{query}"), &w.admin)
            .await;
        assert_eq!(status, StatusCode::OK, "{query}: {body}");
        assert_eq!(ids(&body), expected, "{query}");
    }
    let (_, east_only) = w.app.get("/api/v1/commitments", &w.auditor_east).await;
    assert_eq!(ids(&east_only), [id(&a), id(&b)]);
    let (_, as_cm) = w.app.get("/api/v1/commitments", &w.cm_amh).await;
    assert_eq!(
        ids(&as_cm),
        [id(&a), id(&b)],
        "a collection manager reads its library's programs"
    );
    let (_, west_only) = w.app.get("/api/v1/commitments", &w.cm_dkc).await;
    assert_eq!(ids(&west_only), [id(&c)]);
    let (_, page1) = w.app.get("/api/v1/commitments?limit=2", &w.admin).await;
    assert_eq!(ids(&page1), [id(&a), id(&b)]);
    let cursor = page1["next_cursor"].as_str().unwrap();
    let (_, page2) = w
        .app
        .get(
            &format!("/api/v1/commitments?limit=2&cursor={cursor}"),
            &w.admin,
        )
        .await;
    assert_eq!(ids(&page2), [id(&c)]);
    assert_eq!(page2["next_cursor"], Value::Null);
    for bad in [
        "status=lost",
        "expiring_before=2028-13-01",
        "limit=x",
        "program_id=nope",
    ] {
        assert_eq!(
            w.app
                .get(&format!("/api/v1/commitments?{bad}"), &w.admin)
                .await
                .0,
            StatusCode::BAD_REQUEST,
            "{bad}"
        );
    }
    assert_eq!(
        w.app
            .get("/api/v1/commitments?oclc_number=(DLC)1", &w.admin)
            .await
            .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

async fn title_lookup_shows_every_visible_commitment(app: TestApp) {
    let w = World::new(app).await;
    w.propose(
        &w.cm_eym,
        &w.east,
        &w.eym,
        5001,
        json!({"title": "Moby-Dick"}),
    )
    .await;
    w.propose(&w.cm_amh, &w.east, &w.amh, 5001, json!({})).await;
    w.propose(&w.cm_dkc, &w.west, &w.dkc, 5001, json!({})).await;
    let (status, found) = w
        .app
        .get("/api/v1/titles?oclc_number=(OCoLC)ocm00005001", &w.cm_eym)
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found["title"]["oclc_number"], 5001);
    assert_eq!(found["title"]["title"], "Moby-Dick");
    let symbols: Vec<&str> = found["commitments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["oclc_symbol"].as_str().unwrap())
        .collect();
    assert_eq!(symbols, ["EYM", "AMH"]);
    let (_, all) = w.app.get("/api/v1/titles?oclc_number=5001", &w.admin).await;
    assert_eq!(all["commitments"].as_array().unwrap().len(), 3);
    assert_eq!(
        w.app
            .get("/api/v1/titles?oclc_number=999999", &w.admin)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (status, body) = w.app.get("/api/v1/titles?oclc_number=abc", &w.admin).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["oclc_number"]);
    assert_eq!(
        w.app.get("/api/v1/titles", &w.admin).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

async fn commitment_of_another_program_is_404(app: TestApp) {
    let w = World::new(app).await;
    let c = w.library_proposal(6001).await;
    for token in [&w.coord_west, &w.auditor_west, &w.cm_dkc] {
        assert_eq!(
            w.app
                .get(&format!("/api/v1/commitments/{}", id(&c)), token)
                .await
                .0,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            w.app
                .get(&format!("/api/v1/commitments/{}/events", id(&c)), token)
                .await
                .0,
            StatusCode::NOT_FOUND
        );
    }
    assert_eq!(
        w.app
            .get(
                &format!("/api/v1/commitments/{}", uuid::Uuid::now_v7()),
                &w.admin
            )
            .await
            .0,
        StatusCode::NOT_FOUND
    );
}

async fn program_summary_counts_by_status_library_and_year(app: TestApp) {
    let w = World::new(app).await;
    let this_year = chrono::Utc::now()
        .format("%Y")
        .to_string()
        .parse::<i64>()
        .unwrap();
    w.active(7001).await;
    w.active(7002).await;
    w.library_proposal(7003).await;
    let (_, next_year) = w
        .propose(
            &w.cm_amh,
            &w.east,
            &w.amh,
            7004,
            json!({"retention_end": format!("{}-06-30", this_year + 1)}),
        )
        .await;
    w.ok(&w.coord_east, &next_year, "accept", json!({})).await;
    let path = format!("/api/v1/programs/{}/summary", id(&w.east));
    let (status, summary) = w.app.get(&path, &w.auditor_east).await;
    assert_eq!(status, StatusCode::OK, "{summary}");
    assert_eq!(summary["by_status"]["active"], 3);
    assert_eq!(summary["by_status"]["proposed"], 1);
    assert_eq!(summary["by_status"]["expired"], 0);
    let libraries: Vec<(&str, i64)> = summary["by_library"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["oclc_symbol"].as_str().unwrap(),
                l["by_status"]["active"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(libraries, [("AMH", 1), ("EYM", 2)]);
    let years = summary["ending_by_year"].as_array().unwrap();
    assert_eq!(years.len(), 30);
    assert_eq!(years[0]["year"], this_year);
    assert_eq!(years[1]["count"], 1);
    let in_2031 = years.iter().find(|y| y["year"] == 2031).unwrap();
    assert_eq!(in_2031["count"], 2);
    assert_eq!(
        w.app.get(&path, &w.auditor_west).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(w.app.get(&path, &w.cm_eym).await.0, StatusCode::OK);
    let (_, west) = w
        .app
        .get(
            &format!("/api/v1/programs/{}/summary", id(&w.west)),
            &w.coord_west,
        )
        .await;
    assert_eq!(west["by_status"]["active"], 0);
}

async fn a_query_parameter_that_does_not_read_is_named_with_its_value(app: TestApp) {
    let w = World::new(app).await;
    for (path, field) in [
        (
            "/api/v1/commitments?updated_since=yesterday",
            "updated_since",
        ),
        (
            "/api/v1/commitments?limit=10&expiring_before=2030-13-01",
            "expiring_before",
        ),
        ("/api/v1/commitments?status=lost", "status"),
        ("/api/v1/exports/events?since=last%20week", "since"),
        ("/api/v1/exports/commitments?format=pdf", "format"),
    ] {
        let (status, body) = w.app.get(path, &w.auditor_east).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {body}");
        assert_eq!(body["error"]["code"], "bad_request");
        assert_eq!(error_fields(&body), [field], "{path}: {body}");
    }
    let (_, body) = w
        .app
        .get("/api/v1/commitments?updated_since=yesterday", &w.admin)
        .await;
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("updated_since \"yesterday\" cannot be read"),
        "{body}"
    );
}

async fn a_reader_of_several_programs_pages_through_all_of_them_in_id_order(app: TestApp) {
    let w = World::new(app).await;
    let mut made = Vec::new();
    for n in 0..7 {
        let (program, library, token) = if n % 2 == 0 {
            (&w.east, &w.eym, &w.cm_eym)
        } else {
            (&w.west, &w.dkc, &w.cm_dkc)
        };
        let (status, c) = w.propose(token, program, library, 600 + n, json!({})).await;
        assert_eq!(status, StatusCode::CREATED, "{c}");
        made.push(c["id"].as_str().unwrap().to_owned());
    }
    w.app
        .create_user(
            &w.admin,
            "both@test.org",
            "auditor",
            None,
            &[&w.east, &w.west],
        )
        .await;
    let both = w.app.login("both@test.org", crate::helpers::PASSWORD).await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/commitments?limit=3&cursor={c}"),
            None => "/api/v1/commitments?limit=3".to_owned(),
        };
        let (status, page) = w.app.get(&path, &both).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        seen.extend(
            items(&page)
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, made);
    // One program of the two, and a program outside the reader's scope.
    let (_, east) = w
        .app
        .get(
            &format!("/api/v1/commitments?program_id={}", id(&w.east)),
            &both,
        )
        .await;
    assert_eq!(items(&east).len(), 4);
    let (_, west) = w
        .app
        .get(
            &format!("/api/v1/commitments?program_id={}", id(&w.west)),
            &w.auditor_east,
        )
        .await;
    assert!(items(&west).is_empty());
}
