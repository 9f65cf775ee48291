//! `GET /commitments` with its filters and pages, and `POST /commitments/bulk`.

use reqwest::StatusCode;
use serde_json::json;

use super::{id_of, world_as, CM_EYM, COORD_EAST};
use crate::helpers::TestApp;

crate::on_both_backends!(
    list_takes_every_filter_as_query_parameters,
    list_pages_forward_and_back_with_keyset_cursors,
    a_filter_that_does_not_read_is_shown_beside_its_field,
    coordinator_accepts_several_proposals_at_once_and_sees_which_succeeded,
    coordinator_declines_several_with_one_reason,
    collection_manager_cannot_select_its_own_proposals,
);

/// The hrefs of the links with `rel` on the page.
fn link(html: &str, rel: &str) -> Option<String> {
    let marker = format!("rel=\"{rel}\"");
    let end = html.find(&marker)?;
    let start = html[..end].rfind("href=\"")? + 6;
    let href = &html[start..];
    Some(href[..href.find('"')?].replace("&#38;", "&"))
}

async fn list_takes_every_filter_as_query_parameters(app: TestApp) {
    let (world, browser) = world_as(app, COORD_EAST).await;
    world.active(6001).await;
    world.library_proposal(6002).await;
    let (status, _) = world
        .propose(
            &world.coord_east,
            &world.east,
            &world.amh,
            6003,
            json!({"title": "Whaling logs of Nantucket"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let east = world.east["id"].as_str().unwrap();
    let eym = world.eym["id"].as_str().unwrap();
    let page = browser.get("/commitments?status=active").await;
    assert_eq!(page.status, StatusCode::OK);
    page.shows("Title number 6001").lacks("Title number 6002");
    // Status is shown as text.
    page.shows(">active</span>");
    let page = browser
        .get(&format!(
            "/commitments?program_id={east}&library_id={eym}&status=&q="
        ))
        .await;
    page.shows("Title number 6001")
        .shows("Title number 6002")
        .lacks("Whaling logs");
    browser
        .get("/commitments?q=nantucket+whaling")
        .await
        .shows("Whaling logs")
        .lacks("Title number 6001");
    browser
        .get("/commitments?oclc_number=(OCoLC)ocm00006002")
        .await
        .shows("Title number 6002")
        .lacks("Title number 6001");
    browser
        .get("/commitments?proposed_by=program")
        .await
        .shows("Whaling logs")
        .lacks("Title number 6002");
    browser
        .get("/commitments?expiring_before=2031-07-01&updated_since=2020-01-01")
        .await
        .shows("Title number 6001");
    browser
        .get("/commitments?expiring_before=2031-06-30")
        .await
        .lacks("Title number 6001");
    // The filter form keeps what was asked.
    browser
        .get(&format!("/commitments?status=active&program_id={east}"))
        .await
        .shows("<option value=\"active\" selected>")
        .shows(&format!("<option value=\"{east}\" selected>"));
}

async fn list_pages_forward_and_back_with_keyset_cursors(app: TestApp) {
    let (world, browser) = world_as(app, COORD_EAST).await;
    for n in 0..5 {
        world.library_proposal(7000 + n).await;
    }
    let first = browser.get("/commitments?limit=2").await;
    first
        .shows("Title number 7000")
        .shows("Title number 7001")
        .lacks("Title number 7002");
    assert!(link(&first.html, "prev").is_none());
    let next = link(&first.html, "next").expect("a next page");
    let second = browser.get(&next).await;
    second
        .shows("Title number 7002")
        .shows("Title number 7003")
        .lacks("Title number 7001");
    let third = browser.get(&link(&second.html, "next").unwrap()).await;
    third.shows("Title number 7004");
    assert!(link(&third.html, "next").is_none());
    let back = browser.get(&link(&third.html, "prev").unwrap()).await;
    back.shows("Title number 7002").shows("Title number 7003");
    let start = browser.get(&link(&back.html, "prev").unwrap()).await;
    start.shows("Title number 7000").shows("Title number 7001");
    assert!(link(&start.html, "prev").is_none());
    assert!(link(&start.html, "next").is_some());
    // A cursor this service did not issue is a bad request.
    assert_eq!(
        browser.get("/commitments?cursor=%%%").await.status,
        StatusCode::BAD_REQUEST
    );
}

async fn a_filter_that_does_not_read_is_shown_beside_its_field(app: TestApp) {
    let (_world, browser) = world_as(app, COORD_EAST).await;
    let page = browser
        .get("/commitments?oclc_number=12a&status=lost&expiring_before=tomorrow")
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.shows("id=\"oclc_number-error\"")
        .shows("is not an OCLC number")
        .shows("id=\"status-error\"")
        .shows("id=\"expiring_before-error\"")
        .shows("value=\"12a\"");
}

/// The `ID:VERSION` checkbox value of a commitment.
fn selection(commitment: &serde_json::Value) -> String {
    format!("{}:{}", id_of(commitment), commitment["version"])
}

async fn coordinator_accepts_several_proposals_at_once_and_sees_which_succeeded(app: TestApp) {
    let (world, browser) = world_as(app, COORD_EAST).await;
    let a = world.library_proposal(8001).await;
    let b = world.library_proposal(8002).await;
    let c = world.library_proposal(8003).await;
    // Someone else withdraws c after the list was shown.
    world.ok(&world.cm_eym, &c, "withdraw", json!({})).await;
    let list = browser.get("/commitments?status=proposed").await;
    list.shows(&format!("value=\"{}\"", selection(&a)))
        .shows("Accept selected");
    let page = browser
        .post(
            "/commitments/bulk",
            &[
                ("action", "accept"),
                ("commitment", &selection(&a)),
                ("commitment", &selection(&b)),
                ("commitment", &selection(&c)),
                ("back", "/commitments?status=proposed"),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    page.shows("accept: 2 done, 1 not")
        .shows("now active")
        .shows("version 1 is stale");
    assert_eq!(world.get(&a).await["status"], "active");
    assert_eq!(world.get(&b).await["status"], "active");
    assert_eq!(world.get(&c).await["status"], "withdrawn");
    // Each is its own audited action.
    let (_, events) = world
        .app
        .get(
            &format!("/api/v1/commitments/{}/events", id_of(&a)),
            &world.admin,
        )
        .await;
    assert_eq!(events["items"][1]["action"], "accept");
}

async fn coordinator_declines_several_with_one_reason(app: TestApp) {
    let (world, browser) = world_as(app, COORD_EAST).await;
    let a = world.library_proposal(8101).await;
    let b = world.library_proposal(8102).await;
    let page = browser
        .post(
            "/commitments/bulk",
            &[
                ("action", "decline"),
                ("commitment", &selection(&a)),
                ("commitment", &selection(&b)),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.shows("give a reason");
    let page = browser
        .post(
            "/commitments/bulk",
            &[
                ("action", "decline"),
                ("reason", "already two copies retained"),
                ("commitment", &selection(&a)),
                ("commitment", &selection(&b)),
            ],
        )
        .await;
    page.shows("decline: 2 done");
    let declined = world.get(&b).await;
    assert_eq!(declined["status"], "declined");
}

async fn collection_manager_cannot_select_its_own_proposals(app: TestApp) {
    let (world, browser) = world_as(app, CM_EYM).await;
    let own = world.library_proposal(8201).await;
    let allocated = world.allocation(8202).await;
    let page = browser.get("/commitments?status=proposed").await;
    page.lacks(&format!("value=\"{}\"", selection(&own)))
        .shows(&format!("value=\"{}\"", selection(&allocated)));
    // Posting it anyway is refused by the workflow, as the API refuses it.
    let page = browser
        .post(
            "/commitments/bulk",
            &[("action", "accept"), ("commitment", &selection(&own))],
        )
        .await;
    page.shows("0 done, 1 not")
        .shows("only a coordinator of the program may accept");
    assert_eq!(world.get(&own).await["status"], "proposed");
}
