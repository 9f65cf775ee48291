//! `GET /imports/new` and `POST /imports`: upload, check, then import the same upload.

use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;

use super::{world_as, Browser, Page, AUDITOR_EAST, CM_EYM, COORD_EAST};
use crate::helpers::TestApp;
use crate::world::World;

crate::on_both_backends!(
    a_checked_file_is_imported_from_the_kept_upload_without_sending_it_again,
    rejected_rows_are_listed_with_line_field_and_message,
    a_form_without_a_file_or_program_is_shown_again_with_messages,
    another_users_upload_cannot_be_imported,
    auditor_may_not_import,
);

const GOOD_AND_BAD: &str = "oclc_number,title,retention_end\n\
    (OCoLC)ocm00011111,Whaling voyages,2035-12-31\n\
    12a,Broken number,\n\
    22222,Canal days,permanent\n";

fn upload(browser_csrf: &str, world: &World, mode: &str, file: &str) -> Form {
    Form::new()
        .text("csrf_token", browser_csrf.to_owned())
        .text("program_id", world.east["id"].as_str().unwrap().to_owned())
        .text("library_id", world.eym["id"].as_str().unwrap().to_owned())
        .text("format", "csv")
        .text("mode", mode.to_owned())
        .part(
            "file",
            Part::bytes(file.as_bytes().to_vec()).file_name("holdings.csv"),
        )
}

/// The hidden `upload_id` of a report's import button.
fn upload_id(page: &Page) -> String {
    page.html
        .split("name=\"upload_id\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("an upload_id")
        .to_owned()
}

async fn count(world: &World, query: &str) -> usize {
    let (_, list) = world
        .app
        .get(&format!("/api/v1/commitments?{query}"), &world.admin)
        .await;
    list["items"].as_array().unwrap().len()
}

async fn a_checked_file_is_imported_from_the_kept_upload_without_sending_it_again(app: TestApp) {
    let (world, browser) = world_as(app, CM_EYM).await;
    let form = browser.get("/imports/new").await;
    form.shows("enctype=\"multipart/form-data\"")
        .shows("<option value=\"validate\" selected>");
    let csrf = form.csrf_token();
    let good = "oclc_number,title\n11111,Whaling voyages\n22222,Canal days\n";
    let page = browser
        .post_multipart("/imports", upload(&csrf, &world, "validate", good))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    page.shows("Report: holdings.csv")
        .shows("<span class=\"n\">2</span>would be imported")
        .shows("Nothing was written");
    assert_eq!(count(&world, "").await, 0);
    let id = upload_id(&page);
    let page = browser
        .post(
            "/imports",
            &[("upload_id", id.as_str()), ("mode", "all_or_nothing")],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    page.shows("<span class=\"n\">2</span>imported")
        .shows("2 commitments were proposed");
    assert_eq!(count(&world, "status=proposed").await, 2);
    // The upload is gone once imported.
    let again = browser
        .post(
            "/imports",
            &[("upload_id", id.as_str()), ("mode", "all_or_nothing")],
        )
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    again.shows("no longer kept");
}

async fn rejected_rows_are_listed_with_line_field_and_message(app: TestApp) {
    let (world, browser) = world_as(app, COORD_EAST).await;
    let csrf = browser.csrf().await;
    let page = browser
        .post_multipart("/imports", upload(&csrf, &world, "validate", GOOD_AND_BAD))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    page.shows("<span class=\"n\">1</span>rejected").shows(
        "<td class=\"num\">3</td><td>oclc_number</td><td>&#34;12a&#34; is not an OCLC number",
    );
    // Import only the good rows of the same upload.
    let id = upload_id(&page);
    let page = browser
        .post(
            "/imports",
            &[("upload_id", id.as_str()), ("mode", "valid_rows")],
        )
        .await;
    page.shows("<span class=\"n\">2</span>imported");
    assert_eq!(count(&world, "").await, 2);
    // all_or_nothing straight away writes nothing when a row is rejected.
    let csrf = browser.csrf().await;
    let other = GOOD_AND_BAD
        .replace("11111", "33333")
        .replace("22222", "44444");
    let page = browser
        .post_multipart("/imports", upload(&csrf, &world, "all_or_nothing", &other))
        .await;
    page.shows("Nothing was imported");
    assert_eq!(count(&world, "").await, 2);
}

async fn a_form_without_a_file_or_program_is_shown_again_with_messages(app: TestApp) {
    let (world, browser) = world_as(app, COORD_EAST).await;
    let csrf = browser.csrf().await;
    let form = Form::new()
        .text("csrf_token", csrf)
        .text("library_id", world.eym["id"].as_str().unwrap().to_owned())
        .text("format", "marcxml")
        .text("mode", "validate")
        .part("file", Part::bytes(Vec::new()).file_name(""));
    let page = browser.post_multipart("/imports", form).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.shows("id=\"program_id-error\"")
        .shows("id=\"file-error\"")
        .shows("choose a file to import")
        .shows("<option value=\"marcxml\" selected>");
}

async fn another_users_upload_cannot_be_imported(app: TestApp) {
    let (world, browser) = world_as(app, CM_EYM).await;
    let csrf = browser.csrf().await;
    let page = browser
        .post_multipart(
            "/imports",
            upload(&csrf, &world, "validate", "oclc_number,title\n1,A\n"),
        )
        .await;
    let id = upload_id(&page);
    let coordinator = Browser::signed_in(&world.app, COORD_EAST).await;
    let page = coordinator
        .post(
            "/imports",
            &[("upload_id", id.as_str()), ("mode", "all_or_nothing")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(count(&world, "").await, 0);
}

async fn auditor_may_not_import(app: TestApp) {
    let (world, browser) = world_as(app, AUDITOR_EAST).await;
    assert_eq!(
        browser.get("/imports/new").await.status,
        StatusCode::FORBIDDEN
    );
    let csrf = browser.csrf().await;
    let page = browser
        .post_multipart(
            "/imports",
            upload(&csrf, &world, "all_or_nothing", "oclc_number,title\n1,A\n"),
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert_eq!(count(&world, "").await, 0);
}
