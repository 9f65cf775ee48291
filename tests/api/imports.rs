//! Bulk import of the registry CSV over HTTP: modes, duplicates, errors a librarian understands,
//! encodings, permissions and the round trip through an export.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{error_fields, TestApp};
use crate::world::{id, World};

crate::on_both_backends!(
    library_imports_its_csv_and_a_second_import_only_skips_duplicates,
    a_row_repeated_in_the_file_is_a_duplicate_and_later_rows_fill_a_titles_blanks,
    validate_and_all_or_nothing_write_nothing_when_a_row_is_bad,
    valid_rows_imports_the_good_rows_and_reports_the_bad_ones,
    sample_error_file_is_reported_line_by_line,
    header_case_spacing_bom_and_crlf_are_tolerated_and_bad_utf8_is_reported,
    import_is_refused_outside_ones_scope,
    csv_export_imports_into_an_empty_registry_as_the_same_commitments,
    hathitrust_file_imports_the_librarys_rows_and_their_codes,
    marc_marcxml_and_hathitrust_exports_import_into_an_empty_registry,
    broken_marc_is_reported_by_record_number,
    file_may_come_as_a_multipart_form_field,
    a_rejected_row_after_blank_lines_is_reported_on_its_own_line,
);

const HEADER: &str = "oclc_number,title,author,isbn,format,materials_specified,shelving,policies,retention_start,retention_end,local_item_id";

fn csv(rows: &[&str]) -> String {
    let mut text = String::from(HEADER);
    for row in rows {
        text.push('\n');
        text.push_str(row);
    }
    text.push('\n');
    text
}

async fn upload(
    w: &World,
    token: &str,
    program: &Value,
    library: &Value,
    mode: &str,
    body: impl Into<reqwest::Body>,
) -> (StatusCode, Value) {
    upload_as(w, token, program, library, "csv", mode, body).await
}

async fn upload_as(
    w: &World,
    token: &str,
    program: &Value,
    library: &Value,
    format: &str,
    mode: &str,
    body: impl Into<reqwest::Body>,
) -> (StatusCode, Value) {
    let url = format!(
        "{}/api/v1/imports?program_id={}&library_id={}&format={format}&mode={mode}",
        w.app.address,
        id(program),
        id(library)
    );
    let response = w
        .app
        .client
        .post(url)
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn count(w: &World, query: &str) -> usize {
    let (_, list) = w
        .app
        .get(&format!("/api/v1/commitments?limit=1000&{query}"), &w.admin)
        .await;
    list["items"].as_array().unwrap().len()
}

async fn library_imports_its_csv_and_a_second_import_only_skips_duplicates(app: TestApp) {
    let w = World::new(app).await;
    let file = csv(&[
        "(OCoLC)ocm00012345,Middlemarch,\"Eliot, George\",0-306-40615-2,monograph,,storage_facility,non_circulating;building_use_only,2016-06-30,2031-06-30,i1",
        "12346,Nature,,,serial,v.1-40 (1978-1999),,,2015-01-01,permanent,i2",
        "12346,Nature,,,serial,v.41-60 (2000-2019),,,2015,June 30 2035,i3",
    ]);
    let (status, report) = upload(
        &w,
        &w.cm_eym,
        &w.east,
        &w.eym,
        "all_or_nothing",
        file.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(
        report,
        json!({"rows": 3, "imported": 3, "skipped_duplicates": 0, "rejected": 0, "errors": [], "warnings": []})
    );
    let (_, list) = w
        .app
        .get("/api/v1/commitments?oclc_number=12346", &w.admin)
        .await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(items
        .iter()
        .all(|c| c["status"] == "proposed" && c["proposed_by_role"] == "collection_manager"));
    assert_eq!(items[0]["retention_end"], "permanent");
    assert_eq!(
        items[1]["retention_start"], "2015-01-01",
        "a year alone is 1 January"
    );
    assert_eq!(items[1]["retention_end"], "2035-06-30");
    let (_, first) = w
        .app
        .get("/api/v1/commitments?oclc_number=12345", &w.admin)
        .await;
    assert_eq!(first["items"][0]["isbn"], "9780306406157");
    assert_eq!(
        first["items"][0]["policies"],
        json!(["non_circulating", "building_use_only"])
    );
    let (_, events) = w
        .app
        .get(
            &format!(
                "/api/v1/commitments/{}/events",
                first["items"][0]["id"].as_str().unwrap()
            ),
            &w.admin,
        )
        .await;
    assert_eq!(events["items"][0]["action"], "propose");
    let (_, again) = upload(&w, &w.cm_eym, &w.east, &w.eym, "all_or_nothing", file).await;
    assert_eq!(
        again,
        json!({"rows": 3, "imported": 0, "skipped_duplicates": 3, "rejected": 0, "errors": [], "warnings": []})
    );
    assert_eq!(count(&w, "").await, 3);
}

async fn a_row_repeated_in_the_file_is_a_duplicate_and_later_rows_fill_a_titles_blanks(
    app: TestApp,
) {
    let w = World::new(app).await;
    // A title the registry already has, without an author.
    w.propose(&w.cm_eym, &w.east, &w.eym, 888, json!({"title": "Walden"}))
        .await;
    let file = csv(&[
        "777,Annual report,,,serial,v.1-10,,,2020-01-01,2035-12-31,a1",
        "777,Annual report,Smithsonian Institution,,serial,v.11-20,,,2020-01-01,2035-12-31,a2",
        "777,Annual report,,,serial,v.1-10,,,2020-01-01,2035-12-31,a3",
        "888,Walden,\"Thoreau, Henry David\",,monograph,v.2,,,2020-01-01,2035-12-31,w2",
    ]);
    let (status, report) = upload(&w, &w.cm_eym, &w.east, &w.eym, "all_or_nothing", file).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(
        report,
        json!({"rows": 4, "imported": 3, "skipped_duplicates": 1, "rejected": 0, "errors": [], "warnings": []})
    );
    let (_, serial) = w
        .app
        .get("/api/v1/commitments?oclc_number=777", &w.admin)
        .await;
    let items = serial["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "one commitment per run of volumes");
    assert!(
        items
            .iter()
            .all(|c| c["author"] == "Smithsonian Institution"
                && c["title_id"] == items[0]["title_id"])
    );
    let (_, walden) = w
        .app
        .get("/api/v1/commitments?oclc_number=888", &w.admin)
        .await;
    let items = walden["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(items
        .iter()
        .all(|c| c["author"] == "Thoreau, Henry David" && c["title"] == "Walden"));
}

async fn validate_and_all_or_nothing_write_nothing_when_a_row_is_bad(app: TestApp) {
    let w = World::new(app).await;
    let file = csv(&[
        "20001,Good title,,,,,,,,,",
        "20002,,,,,,,,,,",
        "20003,Another good one,,,,,,,,,",
    ]);
    let (status, validated) =
        upload(&w, &w.coord_east, &w.east, &w.eym, "validate", file.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (
            validated["imported"].as_u64(),
            validated["rejected"].as_u64()
        ),
        (Some(2), Some(1))
    );
    assert_eq!(count(&w, "").await, 0, "validate writes nothing");
    let (_, all) = upload(&w, &w.coord_east, &w.east, &w.eym, "all_or_nothing", file).await;
    assert_eq!(
        (
            all["rows"].as_u64(),
            all["imported"].as_u64(),
            all["rejected"].as_u64()
        ),
        (Some(3), Some(0), Some(1))
    );
    assert_eq!(
        all["errors"],
        json!([{"line": 3, "field": "title", "message": "title is required"}])
    );
    assert_eq!(
        count(&w, "").await,
        0,
        "all_or_nothing writes nothing when a row is rejected"
    );
    let good = csv(&["20001,Good title,,,,,,,,,"]);
    let (_, written) = upload(&w, &w.coord_east, &w.east, &w.eym, "validate", good.clone()).await;
    assert_eq!(written["imported"], 1);
    assert_eq!(count(&w, "").await, 0);
    let (_, written) = upload(&w, &w.coord_east, &w.east, &w.eym, "all_or_nothing", good).await;
    assert_eq!(written["imported"], 1);
    let (_, list) = w.app.get("/api/v1/commitments", &w.admin).await;
    assert_eq!(
        list["items"][0]["proposed_by_role"], "coordinator",
        "a coordinator's import is an allocation"
    );
}

async fn valid_rows_imports_the_good_rows_and_reports_the_bad_ones(app: TestApp) {
    let w = World::new(app).await;
    let file = csv(&[
        "21001,Good,,,,,,,,,",
        "21002,Bad end,,,,,,,2020-01-01,five years from receipt date,",
        "21003,Bad shelving,,,,,basement,,,,",
        "21004,Good too,,,,,,,,,",
    ]);
    let (status, report) = upload(&w, &w.cm_eym, &w.east, &w.eym, "valid_rows", file).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (report["imported"].as_u64(), report["rejected"].as_u64()),
        (Some(2), Some(2))
    );
    let fields: Vec<(u64, &str)> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["line"].as_u64().unwrap(), e["field"].as_str().unwrap()))
        .collect();
    assert_eq!(fields, [(3, "retention_end"), (4, "shelving")]);
    assert!(report["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("five years from receipt date"));
    assert_eq!(count(&w, "").await, 2);
}

async fn sample_error_file_is_reported_line_by_line(app: TestApp) {
    let w = World::new(app).await;
    let file = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/commitments-with-errors.csv"
    ))
    .unwrap();
    let (status, report) = upload(&w, &w.admin, &w.east, &w.eym, "validate", file).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["rows"], 8);
    assert_eq!(
        report["rejected"], 8,
        "every row names another library than EYM: {report}"
    );
    let errors = report["errors"].as_array().unwrap();
    let has = |line: u64, field: &str, words: &str| {
        errors.iter().any(|e| {
            e["line"] == line
                && e["field"] == field
                && e["message"].as_str().unwrap().contains(words)
        })
    };
    assert!(
        has(3, "isbn", "ISBN 978-0-306-40615-8: check digit should be 7"),
        "{report}"
    );
    assert!(has(4, "oclc_number", "scientific notation"));
    assert!(has(5, "title", "required"));
    assert!(has(6, "retention_end", "before retention_start"));
    assert!(has(7, "oclc_number", "(DLC)"));
    assert!(has(8, "retention_start", "2019-02-30"));
    assert!(has(9, "issn", "check digit should be 1"));
    assert!(has(2, "oclc_symbol", "the row is for BBH"));
}

async fn header_case_spacing_bom_and_crlf_are_tolerated_and_bad_utf8_is_reported(app: TestApp) {
    let w = World::new(app).await;
    let mut file = b"\xEF\xBB\xBFOCLC Number, Title ,Retention-End\r\n22001,Caf\xC3\xA9 society,2030-12-31\r\n22002,Caf\xE9 Latin-1,2030-12-31\r\n".to_vec();
    let (status, report) = upload(&w, &w.cm_eym, &w.east, &w.eym, "valid_rows", file.clone()).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["imported"], 1);
    assert_eq!(report["errors"][0]["line"], 3);
    assert_eq!(report["errors"][0]["field"], "title");
    assert!(report["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("UTF-8"));
    let (_, list) = w
        .app
        .get("/api/v1/commitments?oclc_number=22001", &w.admin)
        .await;
    assert_eq!(list["items"][0]["title"], "Café society");
    file = b"isbn,author\n123,x\n".to_vec();
    let (status, body) = upload(&w, &w.cm_eym, &w.east, &w.eym, "valid_rows", file).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["file"]);
    assert!(body["error"]["details"][0]["message"]
        .as_str()
        .unwrap()
        .contains("oclc_number and title"));
}

async fn import_is_refused_outside_ones_scope(app: TestApp) {
    let w = World::new(app).await;
    let file = csv(&["23001,Title,,,,,,,,,"]);
    assert_eq!(
        upload(
            &w,
            &w.auditor_east,
            &w.east,
            &w.eym,
            "validate",
            file.clone()
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        upload(&w, &w.cm_amh, &w.east, &w.eym, "validate", file.clone())
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        upload(&w, &w.coord_west, &w.east, &w.eym, "validate", file.clone())
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let (status, body) = upload(&w, &w.admin, &w.west, &w.eym, "validate", file.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["library_id"]);
    let response = w
        .app
        .client
        .post(format!("{}/api/v1/imports", w.app.address))
        .bearer_auth(&w.admin)
        .body(file)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let bad_mode = w
        .app
        .client
        .post(format!(
            "{}/api/v1/imports?program_id={}&library_id={}&mode=sometimes",
            w.app.address,
            id(&w.east),
            id(&w.eym)
        ))
        .bearer_auth(&w.admin)
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(bad_mode.status(), StatusCode::BAD_REQUEST);
}

async fn csv_export_imports_into_an_empty_registry_as_the_same_commitments(app: TestApp) {
    let w = World::new(app).await;
    let (_, a) = w.propose(&w.cm_eym, &w.east, &w.eym, 24001, json!({"title": "Bleak House", "author": "Dickens, Charles", "isbn": "0-306-40615-2", "shelving": "high_density", "condition": "excellent", "policies": ["non_circulating"], "retention_start": "2016-06-30", "local_item_id": "i9", "barcode": "3901"})).await;
    w.ok(&w.coord_east, &a, "accept", json!({})).await;
    w.propose(&w.cm_eym, &w.east, &w.eym, 24002, json!({"title": "Nature", "format": "serial", "issn": "0028-0836", "materials_specified": "v.1-40", "retention_end": "permanent"})).await;
    let path = format!(
        "/api/v1/exports/commitments?format=csv&program_id={}&library_id={}",
        id(&w.east),
        id(&w.eym)
    );
    let exported = w.app.get_bytes(&path, &w.admin).await;

    let other = World::new(
        TestApp::spawn(
            if w.app.db.url.backend() == retention_registry::db::Backend::Sqlite {
                crate::helpers::Backend::Sqlite
            } else {
                crate::helpers::Backend::Postgres
            },
        )
        .await
        .unwrap(),
    )
    .await;
    let (status, report) = upload(
        &other,
        &other.admin,
        &other.east,
        &other.eym,
        "all_or_nothing",
        exported,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["imported"], 2, "{report}");
    let key = |c: &Value| {
        let fields = [
            "program_code",
            "oclc_symbol",
            "oclc_number",
            "title",
            "author",
            "isbn",
            "issn",
            "format",
            "materials_specified",
            "shelving",
            "condition",
            "policies",
            "retention_start",
            "retention_end",
            "local_item_id",
            "barcode",
        ];
        fields.iter().map(|f| c[*f].to_string()).collect::<Vec<_>>()
    };
    let (_, before) = w.app.get("/api/v1/commitments", &w.admin).await;
    let (_, after) = other.app.get("/api/v1/commitments", &other.admin).await;
    let mut before: Vec<_> = before["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(key)
        .collect();
    let mut after: Vec<_> = after["items"].as_array().unwrap().iter().map(key).collect();
    before.sort();
    after.sort();
    assert_eq!(before, after);
}

async fn hathitrust_file_imports_the_librarys_rows_and_their_codes(app: TestApp) {
    let w = World::new(app).await;
    w.propose(
        &w.cm_dkc,
        &w.west,
        &w.dkc,
        1026940529,
        json!({"title": "Silent spring"}),
    )
    .await;
    let file = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/hathitrust-commitments.tsv"
    ))
    .unwrap();
    let (status, report) = upload_as(
        &w,
        &w.cm_dkc,
        &w.west,
        &w.dkc,
        "hathitrust_tsv",
        "valid_rows",
        file.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["rows"], 12);
    assert_eq!(
        report["skipped_duplicates"], 1,
        "Silent spring was already proposed: {report}"
    );
    assert_eq!(report["imported"], 5);
    assert_eq!(
        report["rejected"], 6,
        "the University of Michigan's rows: {report}"
    );
    assert!(report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["field"] == "oclc_symbol"));
    let (_, list) = w
        .app
        .get("/api/v1/commitments?oclc_number=727513850", &w.admin)
        .await;
    let c = &list["items"][0];
    assert_eq!(c["shelving"], "high_density");
    assert_eq!(c["condition"], "excellent");
    assert_eq!(
        c["policies"],
        json!(["building_use_only", "no_reproduction"])
    );
    assert_eq!(c["retention_start"], "2019-02-28");
    assert_eq!(c["retention_end"], "2042-12-31");
    assert_eq!(c["title"], "[title not given: OCLC 727513850]");
    let (_, again) = upload_as(
        &w,
        &w.cm_dkc,
        &w.west,
        &w.dkc,
        "hathitrust_tsv",
        "valid_rows",
        file,
    )
    .await;
    assert_eq!(again["imported"], 0);
    assert_eq!(again["skipped_duplicates"], 6);
}

async fn marc_marcxml_and_hathitrust_exports_import_into_an_empty_registry(app: TestApp) {
    let w = World::new(app).await;
    let backend = if w.app.db.url.backend() == retention_registry::db::Backend::Sqlite {
        crate::helpers::Backend::Sqlite
    } else {
        crate::helpers::Backend::Postgres
    };
    let (_, a) = w.propose(&w.cm_eym, &w.east, &w.eym, 25001, json!({"title": "Bleak House", "author": "Dickens, Charles", "isbn": "0-306-40615-2", "retention_start": "2016-06-30"})).await;
    w.ok(&w.coord_east, &a, "accept", json!({})).await;
    w.propose(&w.cm_eym, &w.east, &w.eym, 25002, json!({"title": "Nature & Science", "format": "serial", "issn": "0028-0836", "materials_specified": "v.1-40", "retention_end": "permanent"})).await;
    w.propose(&w.cm_eym, &w.east, &w.eym, 25002, json!({"title": "Nature & Science", "format": "serial", "materials_specified": "v.41-60", "retention_start": "2019-01-01"})).await;
    let key = |c: &Value, marc: bool| {
        let mut fields = vec![
            "program_code",
            "oclc_symbol",
            "oclc_number",
            "retention_start",
            "retention_end",
        ];
        if marc {
            fields.extend([
                "materials_specified",
                "format",
                "isbn",
                "issn",
                "title",
                "author",
            ]);
        }
        fields.iter().map(|f| c[*f].to_string()).collect::<Vec<_>>()
    };
    let (_, before) = w.app.get("/api/v1/commitments", &w.admin).await;
    for (export, import, marc) in [
        ("marc", "marc", true),
        ("marcxml", "marcxml", true),
        ("hathitrust_tsv", "hathitrust_tsv", false),
        // OCLC's layout leaves the permanent commitment out.
        ("oclc_csv", "oclc_csv", false),
    ] {
        let path = format!(
            "/api/v1/exports/commitments?format={export}&program_id={}&library_id={}",
            id(&w.east),
            id(&w.eym)
        );
        let exported = w.app.get_bytes(&path, &w.admin).await;
        let other = World::new(TestApp::spawn(backend).await.unwrap()).await;
        let (status, report) = upload_as(
            &other,
            &other.admin,
            &other.east,
            &other.eym,
            import,
            "all_or_nothing",
            exported,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{import}: {report}");
        let expected = if marc { 3 } else { 2 };
        assert_eq!(report["imported"], expected, "{import}: {report}");
        let (_, after) = other.app.get("/api/v1/commitments", &other.admin).await;
        let mut b: Vec<_> = before["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| key(c, marc))
            .collect();
        let mut a: Vec<_> = after["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| key(c, marc))
            .collect();
        b.sort();
        b.dedup();
        a.sort();
        if marc {
            assert_eq!(a, b, "{import}");
        } else {
            // The HathiTrust layout has no materials_specified: one run of a serial per library.
            assert!(
                a.iter().all(|k| b.contains(k)),
                "{import}: {a:?} not in {b:?}"
            );
        }
    }
}

async fn broken_marc_is_reported_by_record_number(app: TestApp) {
    let w = World::new(app).await;
    let file = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/retentions-truncated.mrc"
    ))
    .unwrap();
    let (status, report) = upload_as(&w, &w.admin, &w.east, &w.eym, "marc", "validate", file).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let errors = report["errors"].as_array().unwrap();
    let broken = errors
        .iter()
        .find(|e| e["field"] == "record")
        .expect("the broken record is reported");
    assert!(
        broken["message"].as_str().unwrap().contains("truncated"),
        "{broken}"
    );
    assert_eq!(count(&w, "").await, 0);
    let (status, body) = upload_as(
        &w,
        &w.admin,
        &w.east,
        &w.eym,
        "marcxml",
        "validate",
        b"\x00\x01 not xml".to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

async fn file_may_come_as_a_multipart_form_field(app: TestApp) {
    let w = World::new(app).await;
    let url = format!(
        "{}/api/v1/imports?program_id={}&library_id={}&format=csv",
        w.app.address,
        id(&w.east),
        id(&w.eym)
    );
    let form = reqwest::multipart::Form::new()
        .text("note", "ignored")
        .part(
            "file",
            reqwest::multipart::Part::bytes(csv(&["26001,From a form,,,,,,,,,"]).into_bytes())
                .file_name("c.csv"),
        );
    let response = w
        .app
        .client
        .post(&url)
        .bearer_auth(&w.cm_eym)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["imported"], 1, "{report}");
    let form = reqwest::multipart::Form::new().text("other", "x");
    let response = w
        .app
        .client
        .post(&url)
        .bearer_auth(&w.cm_eym)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

async fn a_rejected_row_after_blank_lines_is_reported_on_its_own_line(app: TestApp) {
    let w = World::new(app).await;
    let file = "oclc_number,title,retention_end\r\n31001,Walden,2040-06-30\r\n\r\n,,\r\n31002,\"Notes,\r\nsecond line\",2040-06-30\r\nnot-a-number,Emma,2040-06-30\r\n";
    let (status, report) = upload(&w, &w.cm_eym, &w.east, &w.eym, "valid_rows", file).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["imported"], 2, "{report}");
    assert_eq!(report["rejected"], 1);
    assert_eq!(report["errors"][0]["line"], 7, "{report}");
    assert_eq!(report["errors"][0]["field"], "oclc_number");
}
