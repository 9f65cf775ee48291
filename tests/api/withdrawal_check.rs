//! The withdrawal check: a list of candidates answered row by row.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::world::{id, World};

crate::on_both_backends!(
    each_candidate_gets_who_keeps_it_and_a_verdict,
    isbns_and_a_headerless_list_of_numbers_are_read_too,
    a_list_the_caller_may_not_check_or_cannot_read_is_refused_before_any_answer,
    a_check_whose_first_lookup_fails_is_an_error_not_a_header_alone,
);

/// Posts `body` as `library`'s list; the status and the CSV rows (header first).
async fn check(
    w: &World,
    token: &str,
    query: &str,
    body: &str,
) -> (StatusCode, Vec<Vec<String>>, String) {
    let response = w
        .app
        .client
        .post(format!("{}/api/v1/withdrawal-check?{query}", w.app.address))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    let rows = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (status, rows, text)
}

async fn amh_keeps(w: &World, oclc: i64, extra: Value) {
    let (status, proposal) = w.propose(&w.cm_amh, &w.east, &w.amh, oclc, extra).await;
    assert_eq!(status, StatusCode::CREATED, "{proposal}");
    w.ok(&w.coord_east, &proposal, "accept", json!({})).await;
}

async fn each_candidate_gets_who_keeps_it_and_a_verdict(app: TestApp) {
    let w = World::new(app).await;
    w.active(9501).await;
    w.active(9502).await;
    amh_keeps(&w, 9502, json!({"retention_end": "permanent"})).await;
    w.library_proposal(9503).await; // known, kept by nobody
    let list = "oclc_number,note\n9501,a\n(OCoLC)ocm00009502,b\n9503,c\n99999999,d\nabc,e\n,f\n";
    let query = format!("library_id={}", id(&w.amh));
    let (status, rows, text) = check(&w, &w.cm_amh, &query, list).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(
        rows[0].join(","),
        "line,input,oclc_number,title,committed_here,retained_elsewhere,retained_by,programs,latest_retention_end,verdict"
    );
    assert_eq!(
        rows[1].join(","),
        "2,9501,9501,Title number 9501,false,1,EYM,EAST,2031-06-30,few_copies"
    );
    assert_eq!(rows[2][9], "committed_here", "{text}");
    assert_eq!(rows[2][6], "EYM");
    assert_eq!(rows[3][9], "not_retained");
    assert_eq!(rows[4][9], "unknown_title");
    assert_eq!((rows[5][0].as_str(), rows[5][9].as_str()), ("6", "invalid"));
    assert!(
        rows[5][1].starts_with("abc ("),
        "the reason is given with the input: {}",
        rows[5][1]
    );
    assert_eq!(rows[6][9], "invalid");
    assert_eq!(rows.len(), 7);

    // Seen from EYM, 9502 is kept at AMH permanently: with EYM's own copy, EYM keeps it.
    let (_, rows, _) = check(
        &w,
        &w.cm_eym,
        &format!("library_id={}", id(&w.eym)),
        "oclc_number\n9502\n",
    )
    .await;
    assert_eq!(
        rows[1][4..].join(","),
        "true,1,AMH,EAST,permanent,committed_here"
    );
    // An admin checking for DKC (WEST) sees EAST's two copies: the target is met elsewhere.
    let (_, rows, _) = check(
        &w,
        &w.admin,
        &format!("library_id={}", id(&w.dkc)),
        "oclc_number\n9502\n",
    )
    .await;
    assert_eq!(rows[1][9], "retained_elsewhere", "{rows:?}");
    // DKC's own manager reads WEST only: nobody keeps it there.
    let (_, rows, _) = check(
        &w,
        &w.cm_dkc,
        &format!("library_id={}", id(&w.dkc)),
        "oclc_number\n9502\n",
    )
    .await;
    assert_eq!(rows[1][9], "not_retained");
}

async fn isbns_and_a_headerless_list_of_numbers_are_read_too(app: TestApp) {
    let w = World::new(app).await;
    amh_keeps(&w, 9601, json!({"isbn": "9780306406157"})).await;
    let query = format!("library_id={}&program_id={}", id(&w.eym), id(&w.east));
    let (status, rows, text) = check(
        &w,
        &w.coord_east,
        &query,
        "ISBN\n0-306-40615-2\n978-0-306-40615-6\n",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(rows[1][2], "9601");
    assert_eq!(rows[1][9], "few_copies");
    assert_eq!(rows[2][9], "invalid");
    let (_, rows, _) = check(&w, &w.coord_east, &query, "9601\n\n424242\n").await;
    assert_eq!(rows[1][..3].join(","), "1,9601,9601");
    assert_eq!(
        (rows[2][0].as_str(), rows[2][9].as_str()),
        ("3", "unknown_title")
    );
}

async fn a_list_the_caller_may_not_check_or_cannot_read_is_refused_before_any_answer(app: TestApp) {
    let w = World::new(app).await;
    let eym = format!("library_id={}", id(&w.eym));
    let (status, _, _) = check(&w, &w.cm_dkc, &eym, "oclc_number\n1\n").await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "EYM is in no program of DKC's"
    );
    let (status, _, _) = check(&w, &w.cm_amh, &eym, "oclc_number\n1\n").await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a library of one's program may be read"
    );
    let (status, _, _) = check(&w, &w.auditor_west, &eym, "oclc_number\n1\n").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, text) = check(&w, &w.cm_eym, &eym, "title,author\nA,B\n").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
    assert!(text.contains("oclc_number"), "{text}");
    let (status, _, text) = check(&w, &w.cm_eym, "", "oclc_number\n1\n").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{text}");
    let (status, _, _) = check(
        &w,
        &w.cm_eym,
        &format!("{eym}&program_id={}", id(&w.west)),
        "oclc_number\n1\n",
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = check(&w, &w.auditor_east, &eym, "oclc_number\n1\n").await;
    assert_eq!(status, StatusCode::OK);
}

/// As with exports: an answer that cannot look up its first candidates is an error status, never a
/// 200 with the header alone, which a browser would save as the whole answer.
async fn a_check_whose_first_lookup_fails_is_an_error_not_a_header_alone(app: TestApp) {
    use diesel::RunQueryDsl;
    let w = World::new(app).await;
    w.active(9601).await;
    let db = retention_registry::db::Db::connect(&w.app.db.url, 1).unwrap();
    let rename = |from: &str, to: &str| {
        diesel::sql_query(format!("ALTER TABLE {from} RENAME TO {to}"))
            .execute(&mut *db.conn().unwrap())
            .unwrap();
    };
    let query = format!("library_id={}", id(&w.amh));
    rename("titles", "titles_away");
    let (status, _, text) = check(&w, &w.cm_amh, &query, "oclc_number\n9601\n").await;
    rename("titles_away", "titles");
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{text}");
    let error: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(error["error"]["code"], "internal_error", "{text}");
    let (status, rows, text) = check(&w, &w.cm_amh, &query, "oclc_number\n9601\n").await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(rows.len(), 2, "the header and the answer: {text}");
}
