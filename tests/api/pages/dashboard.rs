//! `GET /` for each role, the navigation, and the program page.

use reqwest::StatusCode;
use serde_json::json;

use super::{world_as, AUDITOR_EAST, CM_EYM, COORD_EAST, COORD_WEST};
use crate::helpers::{TestApp, ADMIN_EMAIL, ADMIN_PASSWORD};

crate::on_both_backends!(
    coordinator_sees_library_proposals_and_release_requests_waiting,
    collection_manager_sees_allocations_to_decide_and_its_open_proposals,
    auditor_sees_the_latest_changes_and_no_proposing,
    dashboard_counts_by_status_and_draws_the_expiry_chart_with_its_table,
    navigation_shows_only_what_the_role_may_use_and_marks_the_page,
    program_page_shows_summary_chart_and_members,
    coordinator_of_another_program_may_not_open_the_program_page,
);

/// The part of the page from the heading `heading` to the next section.
fn section<'a>(html: &'a str, heading: &str) -> &'a str {
    let start = html
        .find(heading)
        .unwrap_or_else(|| panic!("no section {heading:?} in\n{html}"));
    let rest = &html[start..];
    let end = rest.find("</section>").unwrap_or(rest.len());
    &rest[..end]
}

async fn coordinator_sees_library_proposals_and_release_requests_waiting(app: TestApp) {
    let (world, browser) = world_as(app, COORD_EAST).await;
    world.library_proposal(1001).await;
    world.allocation(1002).await;
    world.release_requested(1003).await;
    let page = browser.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    let proposals = section(&page.html, "Proposals from libraries to accept or decline");
    assert!(proposals.contains("Title number 1001"), "{proposals}");
    assert!(!proposals.contains("Title number 1002"), "{proposals}");
    let releases = section(&page.html, "Release requests to approve or deny");
    assert!(releases.contains("Title number 1003"), "{releases}");
    let waiting = section(&page.html, "Allocations waiting for the libraries");
    assert!(waiting.contains("Title number 1002"), "{waiting}");
}

async fn collection_manager_sees_allocations_to_decide_and_its_open_proposals(app: TestApp) {
    let (world, browser) = world_as(app, CM_EYM).await;
    world.allocation(2001).await;
    world.library_proposal(2002).await;
    // Another library's allocation is not this library's to decide.
    let (status, _) = world
        .propose(&world.coord_east, &world.east, &world.amh, 2003, json!({}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let page = browser.get("/").await;
    let theirs = section(
        &page.html,
        "Allocations for your library to accept or decline",
    );
    assert!(theirs.contains("Title number 2001"), "{theirs}");
    assert!(!theirs.contains("Title number 2003"), "{theirs}");
    let ours = section(
        &page.html,
        "Your library&#39;s proposals waiting for the program",
    );
    assert!(ours.contains("Title number 2002"), "{ours}");
    page.lacks("Release requests to approve");
}

async fn auditor_sees_the_latest_changes_and_no_proposing(app: TestApp) {
    let (world, browser) = world_as(app, AUDITOR_EAST).await;
    world.active(3001).await;
    let page = browser.get("/").await;
    let latest = section(&page.html, "Latest changes");
    assert!(latest.contains("accept"), "{latest}");
    assert!(latest.contains("Title number 3001"), "{latest}");
    assert!(latest.contains("coordinator"), "{latest}");
    page.lacks("to accept or decline");
}

async fn dashboard_counts_by_status_and_draws_the_expiry_chart_with_its_table(app: TestApp) {
    let (world, browser) = world_as(app, COORD_EAST).await;
    world.active(4001).await;
    world.active(4002).await;
    world.library_proposal(4003).await;
    let page = browser.get("/").await;
    let counts = section(&page.html, "Commitments by status");
    assert!(
        counts.contains("<span class=\"n\">2</span>active"),
        "{counts}"
    );
    assert!(
        counts.contains("<span class=\"n\">1</span>proposed"),
        "{counts}"
    );
    let chart = section(&page.html, "The coming expiry wave");
    assert!(
        chart.contains("<svg") && chart.contains("role=\"img\""),
        "{chart}"
    );
    // EAST's default end is 2031-06-30: both active commitments end in 2031.
    assert!(chart.contains("<title>2031: 2</title>"), "{chart}");
    assert!(
        chart.contains("<th scope=\"row\">2031</th><td class=\"num\">2</td>"),
        "{chart}"
    );
    assert_eq!(chart.matches("<th scope=\"row\">").count(), 30);
}

async fn navigation_shows_only_what_the_role_may_use_and_marks_the_page(app: TestApp) {
    let (world, auditor) = world_as(app, AUDITOR_EAST).await;
    let page = auditor.get("/commitments").await;
    page.shows("<a href=\"/commitments\" aria-current=\"page\">Commitments</a>")
        .lacks("href=\"/commitments/new\"")
        .lacks("href=\"/imports/new\"")
        .lacks("href=\"/admin/programs\"")
        .shows("href=\"/exports\"");
    let admin = super::Browser::signed_in_with(&world.app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    admin
        .get("/")
        .await
        .shows("<a href=\"/\" aria-current=\"page\">Dashboard</a>")
        .shows("href=\"/admin/programs\"")
        .shows("href=\"/commitments/new\"");
    let cm = super::Browser::signed_in(&world.app, CM_EYM).await;
    cm.get("/titles")
        .await
        .shows("href=\"/commitments/new\"")
        .shows("href=\"/imports/new\"")
        .lacks("href=\"/admin/programs\"")
        .shows("aria-current=\"page\">Title lookup</a>");
}

async fn program_page_shows_summary_chart_and_members(app: TestApp) {
    let (world, browser) = world_as(app, COORD_EAST).await;
    world.active(5001).await;
    let id = world.east["id"].as_str().unwrap().to_owned();
    let page = browser.get(&format!("/programs/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    page.shows("EAST — Eastern Academic Scholars")
        .shows("<svg")
        .shows("Commitments by library")
        .shows("Library EYM");
    let members = section(&page.html, "Members");
    assert!(
        members.contains("EYM") && members.contains("AMH"),
        "{members}"
    );
    assert!(!members.contains("DKC"), "{members}");
    // The dashboard links to it.
    browser
        .get("/")
        .await
        .shows(&format!("href=\"/programs/{id}\""));
}

async fn coordinator_of_another_program_may_not_open_the_program_page(app: TestApp) {
    let (world, browser) = world_as(app, COORD_WEST).await;
    let id = world.east["id"].as_str().unwrap();
    let page = browser.get(&format!("/programs/{id}")).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    page.shows("you do not take part in this program");
    let missing = browser
        .get("/programs/01890000-0000-7000-8000-000000000000")
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(
        browser.get("/programs/not-an-id").await.status,
        StatusCode::NOT_FOUND
    );
}
