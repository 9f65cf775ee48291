//! A commitment's private note is read by its library, its program's coordinators and auditors and
//! admins — not by another library's collection manager, who reads the commitment itself.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::pages::{Browser, CM_AMH, CM_EYM};
use crate::world::{id, World};

crate::on_both_backends!(another_librarys_collection_manager_never_reads_a_private_note);

const NOTE: &str = "Shelved in the rare book vault, ask for key 7";

async fn reads(w: &World, token: &str, commitment: &Value) -> Vec<bool> {
    let has = |v: &Value| v.to_string().contains(NOTE);
    let (status, one) = w
        .app
        .get(&format!("/api/v1/commitments/{}", id(commitment)), token)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, list) = w
        .app
        .get("/api/v1/commitments?oclc_number=4711", token)
        .await;
    let (_, title) = w.app.get("/api/v1/titles?oclc_number=4711", token).await;
    let ndjson = w
        .app
        .get_bytes("/api/v1/exports/commitments?format=ndjson", token)
        .await;
    vec![
        has(&one),
        has(&list),
        has(&title),
        String::from_utf8(ndjson).unwrap().contains(NOTE),
    ]
}

async fn another_librarys_collection_manager_never_reads_a_private_note(app: TestApp) {
    let w = World::new(app).await;
    let (status, c) = w
        .propose(
            &w.cm_eym,
            &w.east,
            &w.eym,
            4711,
            json!({"private_note": NOTE}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    assert_eq!(c["private_note"], NOTE, "the proposer reads its own note");
    for (who, token) in [
        ("its library", &w.cm_eym),
        ("its coordinator", &w.coord_east),
        ("its auditor", &w.auditor_east),
        ("an admin", &w.admin),
    ] {
        assert_eq!(reads(&w, token, &c).await, [true; 4], "{who}");
    }
    assert_eq!(
        reads(&w, &w.cm_amh, &c).await,
        [false; 4],
        "another library"
    );
    // An action's answer follows the same rule.
    let accepted = w.ok(&w.coord_east, &c, "accept", json!({})).await;
    assert_eq!(accepted["private_note"], NOTE);
    // And the pages.
    let amh = Browser::signed_in(&w.app, CM_AMH).await;
    amh.get(&format!("/commitments/{}", id(&c)))
        .await
        .shows("Title number 4711")
        .lacks(NOTE);
    let eym = Browser::signed_in(&w.app, CM_EYM).await;
    eym.get(&format!("/commitments/{}", id(&c)))
        .await
        .shows(NOTE);
}
