//! `GET /titles?q=`: any written form of an OCLC number, an ISBN or an ISSN, and the answer to
//! "may I withdraw my copy?".

use reqwest::StatusCode;
use serde_json::json;

use super::{world_as, Browser, CM_AMH, CM_DKC, CM_EYM};
use crate::helpers::TestApp;

crate::on_both_backends!(
    a_title_is_found_by_any_form_of_its_oclc_number_its_isbn_or_its_issn,
    the_answer_says_how_many_other_libraries_retain_it_and_until_when,
    your_own_commitment_means_keep_your_copy,
    a_number_that_reads_as_nothing_is_422_and_an_unknown_one_404,
);

async fn a_title_is_found_by_any_form_of_its_oclc_number_its_isbn_or_its_issn(app: TestApp) {
    let (world, browser) = world_as(app, CM_EYM).await;
    let (status, _) = world
        .propose(
            &world.cm_eym,
            &world.east,
            &world.eym,
            12345,
            json!({"title": "Middlemarch", "isbn": "9780306406157"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = world
        .propose(
            &world.cm_eym,
            &world.east,
            &world.eym,
            54321,
            json!({"title": "Quarterly of whaling", "format": "serial", "issn": "0317-8471"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    for q in [
        "12345",
        "00012345",
        "(OCoLC)ocm00012345",
        "ocn12345",
        "978-0-306-40615-7",
        "0-306-40615-2",
    ] {
        let page = browser.get(&format!("/titles?q={}", urlencode(q))).await;
        assert_eq!(page.status, StatusCode::OK, "{q}");
        page.shows("Middlemarch").shows("OCLC 12345");
    }
    browser
        .get("/titles?q=0317-8471")
        .await
        .shows("Quarterly of whaling")
        .lacks("Middlemarch");
}

fn urlencode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

async fn the_answer_says_how_many_other_libraries_retain_it_and_until_when(app: TestApp) {
    let (world, browser) = world_as(app, CM_EYM).await;
    // AMH retains it until EAST's default end; EYM only proposed it.
    let amh = world
        .propose(&world.cm_amh, &world.east, &world.amh, 777, json!({}))
        .await
        .1;
    world.ok(&world.coord_east, &amh, "accept", json!({})).await;
    world.library_proposal(777).await;
    let page = browser.get("/titles?q=777").await;
    page.shows("Yes: 1 other library retains this title (AMH), the longest until 2031-06-30.");
    // Seen from AMH, nobody else retains it.
    let amh_browser = Browser::signed_in(&world.app, CM_AMH).await;
    amh_browser
        .get("/titles?q=777")
        .await
        .shows("No: your library has committed to retain this title until 2031-06-30 under EAST");
    // A collection manager of another program sees none of EAST's commitments.
    let dkc = Browser::signed_in(&world.app, CM_DKC).await;
    dkc.get("/titles?q=777")
        .await
        .shows("Not safely: no other library retains this title")
        .lacks("AMH");
}

async fn your_own_commitment_means_keep_your_copy(app: TestApp) {
    let (world, browser) = world_as(app, CM_EYM).await;
    world.active(888).await;
    browser
        .get("/titles?q=888")
        .await
        .shows("No: your library has committed to retain this title until 2031-06-30 under EAST; no other library retains it.");
}

async fn a_number_that_reads_as_nothing_is_422_and_an_unknown_one_404(app: TestApp) {
    let (_world, browser) = world_as(app, CM_EYM).await;
    let page = browser.get("/titles?q=978-0-306-40615-8").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.shows("id=\"q-error\"")
        .shows("check digit should be 7");
    let page = browser.get("/titles?q=424242").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    page.shows("No title with 424242 is in the registry");
    assert_eq!(browser.get("/titles").await.status, StatusCode::OK);
}
