//! `GET /exports` and its downloads, streamed with the page's session.

use reqwest::StatusCode;

use super::{world_as, AUDITOR_EAST};
use crate::helpers::TestApp;

crate::on_both_backends!(
    export_page_offers_every_format_and_the_filters,
    auditor_downloads_a_csv_of_its_programs_with_the_filters,
    auditor_downloads_the_audit_trail,
    a_filter_that_does_not_read_shows_the_form_again,
);

async fn export_page_offers_every_format_and_the_filters(app: TestApp) {
    let (_world, browser) = world_as(app, AUDITOR_EAST).await;
    let page = browser.get("/exports").await;
    assert_eq!(page.status, StatusCode::OK);
    page.shows("action=\"/exports/commitments\"")
        .shows("action=\"/exports/events\"");
    for format in [
        "csv",
        "ndjson",
        "marc",
        "marcxml",
        "hathitrust_tsv",
        "oclc_csv",
    ] {
        page.shows(&format!("<option value=\"{format}\""));
    }
    for field in [
        "program_id",
        "library_id",
        "status",
        "oclc_number",
        "q",
        "expiring_before",
        "updated_since",
    ] {
        page.shows(&format!("name=\"{field}\""));
    }
}

async fn auditor_downloads_a_csv_of_its_programs_with_the_filters(app: TestApp) {
    let (world, browser) = world_as(app, AUDITOR_EAST).await;
    world.active(31001).await;
    world.library_proposal(31002).await;
    let (status, _) = world
        .propose(
            &world.cm_dkc,
            &world.west,
            &world.dkc,
            31003,
            serde_json::json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let response = browser
        .client
        .get(format!(
            "{}/exports/commitments?format=csv&status=active&program_id=&q=",
            browser.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    let csv = response.text().await.unwrap();
    assert!(csv.starts_with("id,program_code,oclc_symbol"), "{csv}");
    assert!(csv.contains(",31001,"), "{csv}");
    assert!(!csv.contains(",31002,"), "{csv}");
    // WEST is not the auditor's.
    let all = browser.get("/exports/commitments?format=ndjson").await;
    assert!(all.html.contains("\"oclc_number\":31002"));
    assert!(!all.html.contains("\"oclc_number\":31003"));
    let marc = browser
        .client
        .get(format!("{}/exports/commitments?format=marc", browser.base))
        .send()
        .await
        .unwrap();
    assert_eq!(marc.headers()["content-type"], "application/marc");
}

async fn auditor_downloads_the_audit_trail(app: TestApp) {
    let (world, browser) = world_as(app, AUDITOR_EAST).await;
    world.active(32001).await;
    let page = browser.get("/exports/events?format=csv&since=").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.html.contains("accept"), "{}", page.html);
    let later = browser
        .get("/exports/events?format=ndjson&since=2999-01-01")
        .await;
    assert_eq!(later.status, StatusCode::OK);
    assert!(later.html.trim().is_empty(), "{}", later.html);
}

async fn a_filter_that_does_not_read_shows_the_form_again(app: TestApp) {
    let (_world, browser) = world_as(app, AUDITOR_EAST).await;
    let page = browser
        .get("/exports/commitments?format=pdf&oclc_number=abc")
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.shows("id=\"format-error\"")
        .shows("id=\"oclc_number-error\"");
    let page = browser.get("/exports/events?since=someday").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.shows("id=\"since-error\"");
}
