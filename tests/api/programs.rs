//! Programs and memberships.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{error_fields, TestApp, PASSWORD};

crate::on_both_backends!(
    admin_creates_lists_and_shows_programs,
    program_list_pages_with_an_opaque_cursor,
    invalid_program_reports_every_field,
    program_code_is_unique_ignoring_case,
    wrong_json_type_is_400,
    only_admins_create_programs_but_everyone_reads_them,
    unknown_or_malformed_program_id_is_404,
    admin_adds_member_libraries,
    membership_errors_are_reported,
);

async fn admin_creates_lists_and_shows_programs(app: TestApp) {
    let admin = app.admin_token().await;
    let (status, east) = app
        .post("/api/v1/programs", &admin, json!({"code": "EAST", "name": "Eastern Academic Scholars' Trust",
            "uri": "http://eastlibraries.org/retained-materials", "target_copies": 2, "default_retention_end": "2031-06-30"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{east}");
    assert_eq!(east["code"], "EAST");
    assert_eq!(east["default_retention_end"], "2031-06-30");
    assert_eq!(east["uri"], "http://eastlibraries.org/retained-materials");
    let (status, minimal) = app
        .post(
            "/api/v1/programs",
            &admin,
            json!({"code": "ReCAP", "name": "ReCAP"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(minimal["target_copies"], 2);
    assert_eq!(minimal["uri"], Value::Null);
    assert_eq!(minimal["default_retention_end"], Value::Null);
    let (status, list) = app.get("/api/v1/programs", &admin).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    assert_eq!(list["next_cursor"], Value::Null);
    let (status, shown) = app
        .get(
            &format!("/api/v1/programs/{}", east["id"].as_str().unwrap()),
            &admin,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(shown, east);
}

async fn program_list_pages_with_an_opaque_cursor(app: TestApp) {
    let admin = app.admin_token().await;
    for code in ["P1", "P2", "P3"] {
        app.create_program(&admin, code).await;
    }
    let (_, first) = app.get("/api/v1/programs?limit=2", &admin).await;
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    let cursor = first["next_cursor"].as_str().expect("a next page");
    let (_, second) = app
        .get(&format!("/api/v1/programs?limit=2&cursor={cursor}"), &admin)
        .await;
    let codes: Vec<&str> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second["items"].as_array().unwrap())
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["P1", "P2", "P3"]);
    assert_eq!(second["next_cursor"], Value::Null);
    let (status, body) = app.get("/api/v1/programs?limit=0", &admin).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["limit"]);
    assert_eq!(
        app.get("/api/v1/programs?limit=1001", &admin).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        app.get("/api/v1/programs?limit=ten", &admin).await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.get("/api/v1/programs?cursor=!!", &admin).await.0,
        StatusCode::BAD_REQUEST
    );
}

async fn invalid_program_reports_every_field(app: TestApp) {
    let admin = app.admin_token().await;
    let (status, body) = app
        .post(
            "/api/v1/programs",
            &admin,
            json!({"code": "EAST/WEST", "name": "  ", "uri": "ftp://example.org",
            "target_copies": 0, "default_retention_end": "2031-02-30"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "validation_failed");
    assert_eq!(
        error_fields(&body),
        [
            "code",
            "name",
            "uri",
            "target_copies",
            "default_retention_end"
        ]
    );
    let (status, body) = app.post("/api/v1/programs", &admin, json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["code", "name"]);
    let (status, body) = app
        .post(
            "/api/v1/programs",
            &admin,
            json!({"code": "X".repeat(33), "name": "n"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["code"]);
}

async fn program_code_is_unique_ignoring_case(app: TestApp) {
    let admin = app.admin_token().await;
    app.create_program(&admin, "EAST").await;
    let (status, body) = app
        .post(
            "/api/v1/programs",
            &admin,
            json!({"code": "east", "name": "again"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["code"]);
}

async fn wrong_json_type_is_400(app: TestApp) {
    let admin = app.admin_token().await;
    let (status, body) = app
        .post(
            "/api/v1/programs",
            &admin,
            json!({"code": "EAST", "name": "n", "target_copies": "two"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "bad_request");
}

async fn only_admins_create_programs_but_everyone_reads_them(app: TestApp) {
    let admin = app.admin_token().await;
    let program = app.create_program(&admin, "EAST").await;
    let library = app.create_library(&admin, "EYM", "MiU").await;
    app.add_member(&admin, &program, &library).await;
    app.create_user(
        &admin,
        "coord@registry.test",
        "coordinator",
        None,
        &[&program],
    )
    .await;
    app.create_user(
        &admin,
        "cm@registry.test",
        "collection_manager",
        Some(&library),
        &[],
    )
    .await;
    app.create_user(&admin, "audit@registry.test", "auditor", None, &[&program])
        .await;
    for email in [
        "coord@registry.test",
        "cm@registry.test",
        "audit@registry.test",
    ] {
        let token = app.login(email, PASSWORD).await;
        let (status, body) = app
            .post(
                "/api/v1/programs",
                &token,
                json!({"code": "WEST", "name": "West"}),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{email}");
        assert_eq!(body["error"]["code"], "forbidden");
        let path = format!(
            "/api/v1/programs/{}/members",
            program["id"].as_str().unwrap()
        );
        assert_eq!(
            app.post(&path, &token, json!({"library_id": library["id"]}))
                .await
                .0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.get("/api/v1/programs", &token).await.0,
            StatusCode::OK,
            "{email}"
        );
        assert_eq!(app.get(&path, &token).await.0, StatusCode::OK, "{email}");
    }
}

async fn unknown_or_malformed_program_id_is_404(app: TestApp) {
    let admin = app.admin_token().await;
    let (status, body) = app
        .get(
            &format!("/api/v1/programs/{}", uuid::Uuid::now_v7()),
            &admin,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
    assert_eq!(
        app.get("/api/v1/programs/not-a-uuid", &admin).await.0,
        StatusCode::NOT_FOUND
    );
    let path = format!("/api/v1/programs/{}/members", uuid::Uuid::now_v7());
    assert_eq!(app.get(&path, &admin).await.0, StatusCode::NOT_FOUND);
}

async fn admin_adds_member_libraries(app: TestApp) {
    let admin = app.admin_token().await;
    let program = app.create_program(&admin, "EAST").await;
    let amherst = app.create_library(&admin, "AMH", "MAmhC").await;
    let umich = app.create_library(&admin, "EYM", "MiU").await;
    let path = format!(
        "/api/v1/programs/{}/members",
        program["id"].as_str().unwrap()
    );
    let (status, member) = app
        .post(&path, &admin, json!({"library_id": amherst["id"]}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{member}");
    assert_eq!(member["program_id"], program["id"]);
    assert_eq!(member["library_id"], amherst["id"]);
    assert_eq!(member["library"]["oclc_symbol"], "AMH");
    app.add_member(&admin, &program, &umich).await;
    let (status, list) = app.get(&path, &admin).await;
    assert_eq!(status, StatusCode::OK);
    let mut symbols: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["library"]["oclc_symbol"].as_str().unwrap())
        .collect();
    symbols.sort();
    assert_eq!(symbols, ["AMH", "EYM"]);
    let (_, page) = app.get(&format!("{path}?limit=1"), &admin).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert!(page["next_cursor"].is_string());
}

async fn membership_errors_are_reported(app: TestApp) {
    let admin = app.admin_token().await;
    let program = app.create_program(&admin, "EAST").await;
    let library = app.create_library(&admin, "EYM", "MiU").await;
    let path = format!(
        "/api/v1/programs/{}/members",
        program["id"].as_str().unwrap()
    );
    app.add_member(&admin, &program, &library).await;
    let (status, body) = app
        .post(&path, &admin, json!({"library_id": library["id"]}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["library_id"]);
    let (status, body) = app
        .post(&path, &admin, json!({"library_id": uuid::Uuid::now_v7()}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["library_id"]);
    let (status, body) = app.post(&path, &admin, json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["library_id"]);
    assert_eq!(
        app.post(&path, &admin, json!({"library_id": "nope"}))
            .await
            .0,
        StatusCode::BAD_REQUEST
    );
    let other = format!("/api/v1/programs/{}/members", uuid::Uuid::now_v7());
    assert_eq!(
        app.post(&other, &admin, json!({"library_id": library["id"]}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
}
