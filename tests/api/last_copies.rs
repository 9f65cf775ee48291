//! Last copies: an action that ends a kept copy and leaves its title below the program's target
//! says so in its answer and its audit event.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::world::{id, World};

crate::on_both_backends!(
    approving_a_release_that_leaves_one_copy_says_so_in_the_answer_and_the_event,
    an_action_that_keeps_the_target_or_ends_nothing_says_nothing,
    the_expiry_sweep_records_the_copies_left_in_each_event,
);

async fn last_event(w: &World, commitment: &Value) -> Value {
    let (status, events) = w
        .app
        .get(
            &format!("/api/v1/commitments/{}/events", id(commitment)),
            &w.admin,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    events["items"].as_array().unwrap().last().unwrap().clone()
}

async fn amh_keeps(w: &World, oclc: i64) -> Value {
    let (status, proposal) = w.propose(&w.cm_amh, &w.east, &w.amh, oclc, json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{proposal}");
    w.ok(&w.coord_east, &proposal, "accept", json!({})).await
}

async fn approving_a_release_that_leaves_one_copy_says_so_in_the_answer_and_the_event(
    app: TestApp,
) {
    let w = World::new(app).await;
    let requested = w.release_requested(9201).await;
    amh_keeps(&w, 9201).await;
    let answer = w
        .ok(&w.coord_east, &requested, "approve_release", json!({}))
        .await;
    assert_eq!(answer["status"], "released");
    assert_eq!(
        answer["coverage_after"],
        json!({"committed": 1, "target_copies": 2})
    );
    let event = last_event(&w, &requested).await;
    assert_eq!(event["action"], "approve_release");
    assert_eq!(
        event["details"]["coverage_after"],
        json!({"committed": 1, "target_copies": 2})
    );

    let proposal = w.library_proposal(9202).await;
    let declined = w
        .ok(
            &w.coord_east,
            &proposal,
            "decline",
            json!({"reason": "not needed"}),
        )
        .await;
    assert_eq!(
        declined["coverage_after"],
        json!({"committed": 0, "target_copies": 2})
    );
}

async fn an_action_that_keeps_the_target_or_ends_nothing_says_nothing(app: TestApp) {
    let w = World::new(app).await;
    let proposal = w.library_proposal(9301).await;
    let accepted = w.ok(&w.coord_east, &proposal, "accept", json!({})).await;
    assert!(accepted.get("coverage_after").is_none(), "{accepted}");
    assert!(last_event(&w, &accepted).await["details"]
        .get("coverage_after")
        .is_none());
    // Three copies kept, target two: ending one leaves the target met.
    amh_keeps(&w, 9301).await;
    let (status, dkc_in_east) = w
        .app
        .post(
            &format!("/api/v1/programs/{}/members", id(&w.east)),
            &w.admin,
            json!({"library_id": id(&w.dkc)}),
        )
        .await;
    assert!(status.is_success(), "{dkc_in_east}");
    let (status, third) = w
        .propose(&w.coord_east, &w.east, &w.dkc, 9301, json!({}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{third}");
    w.ok(&w.cm_dkc, &third, "accept", json!({})).await;
    let lost = w
        .ok(
            &w.cm_eym,
            &accepted,
            "report_loss",
            json!({"reason": "lost"}),
        )
        .await;
    assert_eq!(lost["status"], "released", "{lost}");
    assert!(lost.get("coverage_after").is_none(), "{lost}");
}

async fn the_expiry_sweep_records_the_copies_left_in_each_event(app: TestApp) {
    let w = World::new(app).await;
    let kept = w.active(9401).await;
    let (status, body) = w
        .app
        .post(
            &format!("/api/v1/programs/{}/expire", id(&w.east)),
            &w.coord_east,
            json!({"as_of": "2032-01-01"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let event = last_event(&w, &kept).await;
    assert_eq!(event["action"], "expire");
    assert_eq!(
        event["details"]["coverage_after"],
        json!({"committed": 0, "target_copies": 2})
    );
}
