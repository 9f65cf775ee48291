//! Libraries.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{error_fields, TestApp, PASSWORD};

crate::on_both_backends!(
    admin_creates_lists_and_shows_libraries,
    invalid_library_reports_every_field,
    oclc_symbol_is_unique,
    only_admins_create_libraries,
);

async fn admin_creates_lists_and_shows_libraries(app: TestApp) {
    let admin = app.admin_token().await;
    let (status, library) = app
        .post(
            "/api/v1/libraries",
            &admin,
            json!({"name": "Dickinson College", "oclc_symbol": "DKC", "marc_org_code": "PCarlD"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{library}");
    assert_eq!(library["marc_org_code"], "PCarlD");
    app.create_library(&admin, "CUS", "CU-S").await;
    let (status, list) = app.get("/api/v1/libraries", &admin).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    let (status, shown) = app
        .get(
            &format!("/api/v1/libraries/{}", library["id"].as_str().unwrap()),
            &admin,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(shown, library);
    assert_eq!(
        app.get(
            &format!("/api/v1/libraries/{}", uuid::Uuid::now_v7()),
            &admin
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
}

async fn invalid_library_reports_every_field(app: TestApp) {
    let admin = app.admin_token().await;
    let (status, body) = app
        .post(
            "/api/v1/libraries",
            &admin,
            json!({"name": "", "oclc_symbol": "eym", "marc_org_code": "Mi U"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        error_fields(&body),
        ["name", "oclc_symbol", "marc_org_code"]
    );
    let (status, body) = app
        .post(
            "/api/v1/libraries",
            &admin,
            json!({"name": "X", "oclc_symbol": "TOOLONG"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["oclc_symbol", "marc_org_code"]);
}

async fn oclc_symbol_is_unique(app: TestApp) {
    let admin = app.admin_token().await;
    app.create_library(&admin, "EYM", "MiU").await;
    let (status, body) = app
        .post(
            "/api/v1/libraries",
            &admin,
            json!({"name": "Again", "oclc_symbol": "EYM", "marc_org_code": "MiU"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["oclc_symbol"]);
}

async fn only_admins_create_libraries(app: TestApp) {
    let admin = app.admin_token().await;
    let program = app.create_program(&admin, "EAST").await;
    app.create_user(
        &admin,
        "coord@registry.test",
        "coordinator",
        None,
        &[&program],
    )
    .await;
    let token = app.login("coord@registry.test", PASSWORD).await;
    let (status, _) = app
        .post(
            "/api/v1/libraries",
            &token,
            json!({"name": "X", "oclc_symbol": "XYZ", "marc_org_code": "XyZ"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(app.get("/api/v1/libraries", &token).await.0, StatusCode::OK);
}
