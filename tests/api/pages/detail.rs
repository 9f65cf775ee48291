//! `GET /commitments/{id}` and `POST /commitments/{id}/{action}`.

use reqwest::StatusCode;
use serde_json::json;

use super::{id_of, world_as, Browser, CM_AMH, CM_EYM, COORD_EAST, COORD_WEST};
use crate::helpers::TestApp;

crate::on_both_backends!(
    detail_shows_every_field_who_else_retains_it_and_the_history,
    coordinator_is_offered_exactly_accept_and_decline_on_a_library_proposal,
    collection_manager_of_another_library_sees_no_accept_button,
    an_action_from_the_form_is_applied_and_leads_back_to_the_detail,
    decline_without_a_reason_comes_back_with_the_message_beside_the_field,
    a_stale_version_shows_the_current_state_and_says_someone_acted_first,
    transfer_to_a_member_library_and_renew_to_a_later_date,
    release_is_requested_then_approved,
    outsiders_and_unknown_ids_get_not_found,
);

fn detail(commitment: &serde_json::Value) -> String {
    format!("/commitments/{}", id_of(commitment))
}

fn action(commitment: &serde_json::Value, name: &str) -> String {
    format!("/commitments/{}/{name}", id_of(commitment))
}

async fn detail_shows_every_field_who_else_retains_it_and_the_history(app: TestApp) {
    let (world, browser) = world_as(app, COORD_EAST).await;
    let (status, mine) = world
        .propose(
            &world.cm_eym,
            &world.east,
            &world.eym,
            9001,
            json!({"author": "Melville, Herman", "barcode": "39015000000001", "call_number": "PS2384 .M6",
                   "shelving": "storage_facility", "policies": ["non_circulating"], "public_note": "Bound in cloth"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let other = world
        .propose(&world.cm_amh, &world.east, &world.amh, 9001, json!({}))
        .await
        .1;
    world
        .ok(&world.coord_east, &other, "accept", json!({}))
        .await;
    let page = browser.get(&detail(&mine)).await;
    assert_eq!(page.status, StatusCode::OK);
    page.shows("Melville, Herman")
        .shows("39015000000001")
        .shows("PS2384 .M6")
        .shows("storage_facility")
        .shows("non circulating")
        .shows("Bound in cloth")
        .shows("2031-06-30")
        .shows(&id_of(&mine));
    // Who else retains it: AMH's commitment on the same title.
    let others = page
        .html
        .split("Who else retains this title")
        .nth(1)
        .unwrap();
    assert!(
        others.contains("AMH") && others.contains("active"),
        "{others}"
    );
    // The history: who, role, when, from → to.
    let history = page.html.split("History").last().unwrap();
    assert!(history.contains("propose"), "{history}");
    assert!(history.contains("cm.eym@test.org"), "{history}");
    assert!(history.contains("collection manager"), "{history}");
    assert!(history.contains("UTC"), "{history}");
}

async fn coordinator_is_offered_exactly_accept_and_decline_on_a_library_proposal(app: TestApp) {
    let (world, browser) = world_as(app, COORD_EAST).await;
    let proposal = world.library_proposal(9101).await;
    let page = browser.get(&detail(&proposal)).await;
    page.shows(&format!("action=\"{}\"", action(&proposal, "accept")))
        .shows(&format!("action=\"{}\"", action(&proposal, "decline")));
    for absent in [
        "withdraw",
        "report_loss",
        "request_release",
        "approve_release",
        "renew",
        "transfer",
    ] {
        page.lacks(&format!("action=\"{}\"", action(&proposal, absent)));
    }
    // The proposing library may only withdraw it.
    let cm = Browser::signed_in(&world.app, CM_EYM).await;
    let page = cm.get(&detail(&proposal)).await;
    page.shows(&format!("action=\"{}\"", action(&proposal, "withdraw")))
        .lacks(&format!("action=\"{}\"", action(&proposal, "accept")));
}

async fn collection_manager_of_another_library_sees_no_accept_button(app: TestApp) {
    let (world, browser) = world_as(app, CM_AMH).await;
    let allocation = world.allocation(9201).await;
    let page = browser.get(&detail(&allocation)).await;
    assert_eq!(page.status, StatusCode::OK);
    page.shows("Title number 9201")
        .lacks("What you can do")
        .lacks("/accept\"")
        .lacks("/decline\"");
    // EYM's own collection manager is offered the decision.
    let eym = Browser::signed_in(&world.app, CM_EYM).await;
    eym.get(&detail(&allocation))
        .await
        .shows(&format!("action=\"{}\"", action(&allocation, "accept")));
    // Posting it anyway is refused with the API's message.
    let page = browser
        .post(&action(&allocation, "accept"), &[("version", "1")])
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    page.shows("only the library&#39;s collection manager may accept this commitment");
}

async fn an_action_from_the_form_is_applied_and_leads_back_to_the_detail(app: TestApp) {
    let (world, browser) = world_as(app, COORD_EAST).await;
    let proposal = world.library_proposal(9301).await;
    let page = browser
        .post(&action(&proposal, "accept"), &[("version", "1")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(
        page.location(),
        format!("{}?done=accept", detail(&proposal))
    );
    let after = browser.get(page.location()).await;
    after
        .shows("Done: accept.")
        .shows(">active</span>")
        .shows("proposed → active");
    assert_eq!(world.get(&proposal).await["version"], 2);
}

async fn decline_without_a_reason_comes_back_with_the_message_beside_the_field(app: TestApp) {
    let (world, browser) = world_as(app, COORD_EAST).await;
    let proposal = world.library_proposal(9401).await;
    let page = browser
        .post(
            &action(&proposal, "decline"),
            &[("version", "1"), ("reason", "  ")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.shows("id=\"decline-reason-error\"")
        .shows("reason is required")
        .shows("aria-invalid=\"true\"");
    assert_eq!(world.get(&proposal).await["status"], "proposed");
    let active = world.active(9402).await;
    let page = browser
        .post(
            &action(&active, "renew"),
            &[("version", "2"), ("retention_end", "2020-01-01")],
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    page.shows("must be later than the current 2031-06-30")
        .shows("value=\"2020-01-01\"");
}

async fn a_stale_version_shows_the_current_state_and_says_someone_acted_first(app: TestApp) {
    let (world, browser) = world_as(app, COORD_EAST).await;
    let proposal = world.library_proposal(9501).await;
    let seen = browser.get(&detail(&proposal)).await;
    seen.shows("name=\"version\" value=\"1\"");
    // The library withdraws it meanwhile.
    world
        .ok(&world.cm_eym, &proposal, "withdraw", json!({}))
        .await;
    let page = browser
        .post(&action(&proposal, "accept"), &[("version", "1")])
        .await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    page.shows("Someone else acted first")
        .shows(">withdrawn</span>")
        .shows("version 2")
        .lacks(&format!("action=\"{}\"", action(&proposal, "accept")));
}

async fn transfer_to_a_member_library_and_renew_to_a_later_date(app: TestApp) {
    let (world, browser) = world_as(app, COORD_EAST).await;
    let active = world.active(9601).await;
    let page = browser.get(&detail(&active)).await;
    let amh = world.amh["id"].as_str().unwrap();
    // The transfer select lists the program's other members, not the library itself or others.
    page.shows(&format!("<option value=\"{amh}\""))
        .lacks(&format!(
            "<option value=\"{}\"",
            world.dkc["id"].as_str().unwrap()
        ));
    let page = browser
        .post(
            &action(&active, "renew"),
            &[("version", "2"), ("retention_end", "2040-12-31")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.html);
    assert_eq!(world.get(&active).await["retention_end"], "2040-12-31");
    let page = browser
        .post(
            &action(&active, "transfer"),
            &[("version", "3"), ("to_library_id", amh)],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.html);
    let after = world.get(&active).await;
    assert_eq!(after["status"], "transferred");
    let successor = browser
        .get(&format!(
            "/commitments/{}",
            after["replaced_by"].as_str().unwrap()
        ))
        .await;
    successor.shows("AMH in EAST").shows("2040-12-31");
}

async fn release_is_requested_then_approved(app: TestApp) {
    let (world, coordinator) = world_as(app, COORD_EAST).await;
    let active = world.active(9701).await;
    let cm = Browser::signed_in(&world.app, CM_EYM).await;
    let page = cm.get(&detail(&active)).await;
    page.shows(&format!(
        "action=\"{}\"",
        action(&active, "request_release")
    ))
    .shows(&format!("action=\"{}\"", action(&active, "report_loss")))
    .shows(&format!("action=\"{}\"", action(&active, "renew")))
    .lacks(&format!("action=\"{}\"", action(&active, "transfer")));
    let page = cm
        .post(
            &action(&active, "request_release"),
            &[("version", "2"), ("reason", "space for a new wing")],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let page = coordinator.get(&detail(&active)).await;
    page.shows("Reason: space for a new wing")
        .shows(&format!(
            "action=\"{}\"",
            action(&active, "approve_release")
        ))
        .shows(&format!("action=\"{}\"", action(&active, "deny_release")));
    let page = coordinator
        .post(&action(&active, "approve_release"), &[("version", "3")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(world.get(&active).await["status"], "released");
}

async fn outsiders_and_unknown_ids_get_not_found(app: TestApp) {
    let (world, browser) = world_as(app, COORD_WEST).await;
    let proposal = world.library_proposal(9801).await;
    let page = browser.get(&detail(&proposal)).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    page.shows("Not found");
    assert_eq!(
        browser.get("/commitments/not-a-uuid").await.status,
        StatusCode::NOT_FOUND
    );
    let page = browser
        .post(&action(&proposal, "accept"), &[("version", "1")])
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    let page = browser
        .post(&action(&proposal, "obliterate"), &[("version", "1")])
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
}
