//! The collection analysis pages: coverage, scenarios, the withdrawal check, a library's holdings,
//! and the coordinator's list of titles that fell below target.

use reqwest::StatusCode;
use serde_json::json;

use super::{world_as, Browser, CM_EYM, COORD_EAST};
use crate::helpers::TestApp;
use crate::world::id;

crate::on_both_backends!(
    a_coordinator_sees_coverage_runs_a_scenario_and_applies_it,
    a_collection_manager_loads_holdings_and_checks_a_withdrawal_list,
    a_release_that_leaves_a_last_copy_shows_on_the_coordinators_dashboard,
);

fn upload(csrf: &str, fields: &[(&str, String)], file: &str) -> reqwest::multipart::Form {
    let mut form = reqwest::multipart::Form::new().text("csrf_token", csrf.to_owned());
    for (name, value) in fields {
        form = form.text(name.to_string(), value.clone());
    }
    form.part(
        "file",
        reqwest::multipart::Part::bytes(file.as_bytes().to_vec()).file_name("list.csv"),
    )
}

async fn a_coordinator_sees_coverage_runs_a_scenario_and_applies_it(app: TestApp) {
    let (w, browser) = world_as(app, COORD_EAST).await;
    let csrf = browser.csrf().await;
    let file = "oclc_number,title\n9901,Held one\n9902,Held two\n";
    let loaded = browser
        .post_multipart(
            &format!("/libraries/{}/holdings", id(&w.eym)),
            upload(&csrf, &[("format", "csv".into())], file),
        )
        .await;
    assert_eq!(loaded.status, StatusCode::OK, "{}", loaded.html);
    loaded
        .shows("titles held now")
        .shows("The holdings were loaded");
    w.active(9902).await;
    let coverage = browser
        .get(&format!("/programs/{}/coverage", id(&w.east)))
        .await;
    assert_eq!(coverage.status, StatusCode::OK);
    coverage
        .shows("Titles by state")
        .shows("<svg class=\"chart\"")
        .shows("Held one")
        .shows("EYM");
    let at_risk = browser
        .get(&format!("/programs/{}/coverage?state=at_risk", id(&w.east)))
        .await;
    at_risk.shows("Held two").lacks("Held one");
    let csv = browser
        .get(&format!("/programs/{}/coverage?format=csv", id(&w.east)))
        .await;
    assert!(
        csv.html.starts_with("oclc_number,title,format,held_by"),
        "{}",
        csv.html
    );

    let form = browser
        .get(&format!("/programs/{}/scenarios", id(&w.east)))
        .await;
    form.shows("A new scenario").shows("<label for=\"name\">");
    let refused = browser
        .post(
            &format!("/programs/{}/scenarios", id(&w.east)),
            &[("name", ""), ("titles", "both")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused.shows("name is required");
    let ran = browser
        .post(
            &format!("/programs/{}/scenarios", id(&w.east)),
            &[
                ("name", "Autumn"),
                ("titles", "unretained"),
                ("prefer", "most_holdings"),
            ],
        )
        .await;
    assert_eq!(ran.status, StatusCode::SEE_OTHER, "{}", ran.html);
    let scenario = browser.get(ran.location()).await;
    scenario
        .shows("Autumn")
        .shows("allocations")
        .shows("9901")
        .shows("Apply");
    let applied = browser
        .post(&format!("{}/apply", ran.location()), &[])
        .await;
    assert_eq!(applied.status, StatusCode::SEE_OTHER);
    browser
        .get(applied.location())
        .await
        .shows("Applied: 1 proposals");
    let (_, proposals) = w
        .app
        .get(
            &format!(
                "/api/v1/commitments?library_id={}&status=proposed",
                id(&w.eym)
            ),
            &w.cm_eym,
        )
        .await;
    assert_eq!(proposals["items"][0]["oclc_number"], 9901);
}

async fn a_collection_manager_loads_holdings_and_checks_a_withdrawal_list(app: TestApp) {
    let (w, browser) = world_as(app, CM_EYM).await;
    let csrf = browser.csrf().await;
    let page = browser
        .get(&format!("/libraries/{}/holdings", id(&w.eym)))
        .await;
    page.shows("No holdings loaded yet")
        .shows("<label for=\"file\">");
    let refused = browser
        .post_multipart(
            &format!("/libraries/{}/holdings", id(&w.amh)),
            upload(&csrf, &[], "oclc_number\n1\n"),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let (status, amh) = w.propose(&w.cm_amh, &w.east, &w.amh, 9950, json!({})).await;
    assert_eq!(status, StatusCode::CREATED);
    w.ok(&w.coord_east, &amh, "accept", json!({})).await;
    let form = browser.get("/withdrawal-check").await;
    form.shows("May we withdraw these books?")
        .shows("Withdrawal check");
    let checked = browser
        .post_multipart(
            "/withdrawal-check",
            upload(
                &csrf,
                &[("library_id", id(&w.eym).to_owned())],
                "9950\n424242\nnot-a-number\n",
            ),
        )
        .await;
    assert_eq!(checked.status, StatusCode::OK, "{}", checked.html);
    checked
        .shows("3 rows answered")
        .shows("few_copies")
        .shows("unknown_title");
    let href = checked
        .html
        .split("href=\"/withdrawal-check?result=")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let download = browser
        .get(&format!("/withdrawal-check?result={href}"))
        .await;
    assert_eq!(download.status, StatusCode::OK);
    assert!(
        download.html.starts_with("line,input,oclc_number"),
        "{}",
        download.html
    );
    let other = Browser::signed_in(&w.app, "cm.amh@test.org").await;
    assert_eq!(
        other
            .get(&format!("/withdrawal-check?result={href}"))
            .await
            .status,
        StatusCode::NOT_FOUND,
        "only for who ran it"
    );
    let bad = browser
        .post_multipart(
            "/withdrawal-check",
            upload(
                &csrf,
                &[("library_id", id(&w.eym).to_owned())],
                "title,author\nA,B\n",
            ),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    bad.shows("oclc_number, isbn or issn");
}

async fn a_release_that_leaves_a_last_copy_shows_on_the_coordinators_dashboard(app: TestApp) {
    let (w, browser) = world_as(app, COORD_EAST).await;
    browser
        .get("/")
        .await
        .shows("No action left a title short of its target");
    let requested = w.release_requested(9960).await;
    w.ok(&w.coord_east, &requested, "approve_release", json!({}))
        .await;
    let dashboard = browser.get("/").await;
    dashboard
        .shows("Titles that fell below target in the last 30 days")
        .shows("9960")
        .shows("0 of 2")
        .shows(&format!(
            "/commitments/new?program_id={}&amp;oclc_number=9960",
            id(&w.east)
        ));
    let prefilled = browser
        .get(&format!(
            "/commitments/new?program_id={}&oclc_number=9960",
            id(&w.east)
        ))
        .await;
    prefilled.shows("value=\"9960\"");
    Browser::signed_in(&w.app, CM_EYM)
        .await
        .get("/")
        .await
        .lacks("fell below target");
}
