//! `GET /commitments/new` and `POST /commitments`.

use reqwest::StatusCode;

use super::{world_as, Browser, AUDITOR_EAST, CM_EYM, COORD_EAST};
use crate::helpers::TestApp;

crate::on_both_backends!(
    collection_manager_proposes_for_its_library_from_the_form,
    a_form_with_errors_comes_back_with_messages_beside_the_fields_and_the_input_kept,
    coordinator_allocates_to_a_member_library_chosen_from_a_select,
    a_library_outside_the_program_is_refused_beside_the_library_field,
    auditor_may_not_propose,
);

async fn collection_manager_proposes_for_its_library_from_the_form(app: TestApp) {
    let (world, browser) = world_as(app, CM_EYM).await;
    let form = browser.get("/commitments/new").await;
    assert_eq!(form.status, StatusCode::OK);
    let eym = world.eym["id"].as_str().unwrap();
    form.shows("Propose a commitment")
        .shows(&format!("<option value=\"{eym}\" selected>"))
        .shows("name=\"policies\" value=\"non_circulating\"");
    // Every input has a label.
    for name in ["oclc_number", "title", "retention_end", "barcode"] {
        form.shows(&format!("<label for=\"{name}\">"));
    }
    let east = world.east["id"].as_str().unwrap();
    let page = browser
        .post(
            "/commitments",
            &[
                ("program_id", east),
                ("library_id", eym),
                ("oclc_number", "(OCoLC)ocm00012345"),
                ("title", "Middlemarch"),
                ("format", "monograph"),
                ("isbn", "0-306-40615-2"),
                ("policies", "non_circulating"),
                ("policies", "building_use_only"),
                ("retention_end", "permanent"),
                ("shelving", ""),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.html);
    let detail = browser.get(page.location()).await;
    detail
        .shows("Middlemarch")
        .shows("12345")
        .shows("9780306406157")
        .shows("non circulating, building use only")
        .shows("permanent")
        .shows(">proposed</span>");
    let (_, list) = world
        .app
        .get("/api/v1/commitments?oclc_number=12345", &world.admin)
        .await;
    assert_eq!(list["items"][0]["proposed_by_role"], "collection_manager");
}

async fn a_form_with_errors_comes_back_with_messages_beside_the_fields_and_the_input_kept(
    app: TestApp,
) {
    let (world, browser) = world_as(app, CM_EYM).await;
    let east = world.east["id"].as_str().unwrap();
    let page = browser
        .post(
            "/commitments",
            &[
                ("program_id", east),
                ("oclc_number", "12x45"),
                ("title", "Middle<b>march</b>"),
                ("isbn", "978-0-306-40615-8"),
                ("retention_start", "2030-01-01"),
                ("retention_end", "2029-01-01"),
                ("policies", "digitize_on_demand"),
                ("policies", "no_reproduction"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.shows("id=\"oclc_number-error\"")
        .shows("is not an OCLC number")
        .shows("id=\"isbn-error\"")
        .shows("check digit should be 7")
        .shows("id=\"retention_end-error\"")
        .shows("id=\"policies-error\"")
        // The input is kept, escaped.
        .shows("value=\"12x45\"")
        .shows("value=\"Middle&#60;b&#62;march&#60;/b&#62;\"")
        .lacks("<b>march</b>")
        .shows("value=\"digitize_on_demand\" checked")
        .shows(&format!("<option value=\"{east}\" selected>"));
    let (_, list) = world.app.get("/api/v1/commitments", &world.admin).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
}

async fn coordinator_allocates_to_a_member_library_chosen_from_a_select(app: TestApp) {
    let (world, browser) = world_as(app, COORD_EAST).await;
    let form = browser.get("/commitments/new").await;
    let amh = world.amh["id"].as_str().unwrap();
    form.shows("Allocate a commitment to a library")
        .shows(&format!("<option value=\"{amh}\""));
    let page = browser
        .post(
            "/commitments",
            &[
                ("program_id", world.east["id"].as_str().unwrap()),
                ("library_id", amh),
                ("oclc_number", "555"),
                ("title", "Moby-Dick"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.html);
    // The allocation waits for AMH's collection manager.
    let amh_cm = Browser::signed_in(&world.app, super::CM_AMH).await;
    amh_cm
        .get("/")
        .await
        .shows("Allocations for your library to accept or decline")
        .shows("Moby-Dick");
}

async fn a_library_outside_the_program_is_refused_beside_the_library_field(app: TestApp) {
    let (world, browser) = world_as(app, COORD_EAST).await;
    let page = browser
        .post(
            "/commitments",
            &[
                ("program_id", world.east["id"].as_str().unwrap()),
                ("library_id", world.dkc["id"].as_str().unwrap()),
                ("oclc_number", "556"),
                ("title", "Typee"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.shows("id=\"library_id-error\"")
        .shows("DKC is not a member of EAST")
        .shows("value=\"Typee\"");
}

async fn auditor_may_not_propose(app: TestApp) {
    let (world, browser) = world_as(app, AUDITOR_EAST).await;
    assert_eq!(
        browser.get("/commitments/new").await.status,
        StatusCode::FORBIDDEN
    );
    let page = browser
        .post(
            "/commitments",
            &[
                ("program_id", world.east["id"].as_str().unwrap()),
                ("library_id", world.eym["id"].as_str().unwrap()),
                ("oclc_number", "557"),
                ("title", "Omoo"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    page.shows("an auditor only reads");
}
