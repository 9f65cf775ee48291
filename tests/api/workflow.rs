//! Every row of the workflow table: the allowed actor succeeds, everyone else is refused with the
//! right status, and the action from a state that does not allow it is a 409.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::world::{id, World};

crate::on_both_backends!(
    coordinator_accepts_a_library_proposal_and_nobody_else_may,
    collection_manager_cannot_accept_own_proposal,
    library_accepts_an_allocation_and_the_coordinator_may_not,
    decline_needs_a_reason_and_the_counter_party,
    only_the_proposing_side_withdraws,
    loss_is_reported_by_the_library_or_a_coordinator,
    release_is_requested_by_the_library_only,
    coordinator_approves_or_denies_a_release,
    coordinator_renews_and_the_library_only_proposes_a_renewal,
    transfer_creates_a_linked_commitment_for_a_member,
    program_expiry_ends_past_commitments_once_and_never_permanent_ones,
    stale_version_is_409_with_the_current_version,
    two_concurrent_accepts_exactly_one_wins,
    one_title_walks_the_whole_life_and_its_history_is_chained,
);

/// Each `(token, status)` attempt of `action` is refused with that status and changes nothing.
async fn refused(
    w: &World,
    commitment: &Value,
    action: &str,
    extra: Value,
    attempts: &[(&str, StatusCode)],
) {
    for (token, expected) in attempts {
        let (status, body) = w.act(token, commitment, action, extra.clone()).await;
        assert_eq!(status, *expected, "{action}: {body}");
        let code = match *expected {
            StatusCode::FORBIDDEN => "forbidden",
            StatusCode::NOT_FOUND => "not_found",
            StatusCode::CONFLICT => "conflict",
            _ => "validation_failed",
        };
        assert_eq!(body["error"]["code"], code, "{action}: {body}");
    }
    let after = w.get(commitment).await;
    assert_eq!(
        after["version"], commitment["version"],
        "a refused {action} changed the commitment"
    );
}

async fn coordinator_accepts_a_library_proposal_and_nobody_else_may(app: TestApp) {
    let w = World::new(app).await;
    let proposal = w.library_proposal(1001).await;
    assert_eq!(proposal["proposed_by_role"], "collection_manager");
    refused(
        &w,
        &proposal,
        "accept",
        json!({}),
        &[
            (&w.cm_amh, StatusCode::FORBIDDEN),
            (&w.auditor_east, StatusCode::FORBIDDEN),
            (&w.coord_west, StatusCode::NOT_FOUND),
            (&w.cm_dkc, StatusCode::NOT_FOUND),
            (&w.auditor_west, StatusCode::NOT_FOUND),
        ],
    )
    .await;
    let active = w.ok(&w.coord_east, &proposal, "accept", json!({})).await;
    assert_eq!(active["status"], "active");
    assert_eq!(active["version"], 2);
    let (status, body) = w.act(&w.coord_east, &active, "accept", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["details"][0]["status"], "active");
    assert_eq!(body["error"]["details"][0]["version"], 2);
    // An admin may act for anyone.
    let other = w.library_proposal(1002).await;
    assert_eq!(
        w.ok(&w.admin, &other, "accept", json!({})).await["status"],
        "active"
    );
}

async fn collection_manager_cannot_accept_own_proposal(app: TestApp) {
    let w = World::new(app).await;
    let proposal = w.library_proposal(1101).await;
    refused(
        &w,
        &proposal,
        "accept",
        json!({}),
        &[(&w.cm_eym, StatusCode::FORBIDDEN)],
    )
    .await;
}

async fn library_accepts_an_allocation_and_the_coordinator_may_not(app: TestApp) {
    let w = World::new(app).await;
    let allocation = w.allocation(1201).await;
    assert_eq!(allocation["proposed_by_role"], "coordinator");
    refused(
        &w,
        &allocation,
        "accept",
        json!({}),
        &[
            (&w.coord_east, StatusCode::FORBIDDEN),
            (&w.cm_amh, StatusCode::FORBIDDEN),
            (&w.auditor_east, StatusCode::FORBIDDEN),
            (&w.coord_west, StatusCode::NOT_FOUND),
        ],
    )
    .await;
    assert_eq!(
        w.ok(&w.cm_eym, &allocation, "accept", json!({})).await["status"],
        "active"
    );
}

async fn decline_needs_a_reason_and_the_counter_party(app: TestApp) {
    let w = World::new(app).await;
    let allocation = w.allocation(1301).await;
    refused(
        &w,
        &allocation,
        "decline",
        json!({"reason": "we do not hold it"}),
        &[
            (&w.coord_east, StatusCode::FORBIDDEN),
            (&w.cm_amh, StatusCode::FORBIDDEN),
            (&w.auditor_east, StatusCode::FORBIDDEN),
            (&w.cm_dkc, StatusCode::NOT_FOUND),
        ],
    )
    .await;
    refused(
        &w,
        &allocation,
        "decline",
        json!({}),
        &[(&w.cm_eym, StatusCode::UNPROCESSABLE_ENTITY)],
    )
    .await;
    let declined = w
        .ok(
            &w.cm_eym,
            &allocation,
            "decline",
            json!({"reason": "we do not hold it"}),
        )
        .await;
    assert_eq!(declined["status"], "declined");
    assert_eq!(declined["end_reason"], "declined");
    assert!(declined["ended_at"].is_string());
    refused(
        &w,
        &declined,
        "decline",
        json!({"reason": "again"}),
        &[(&w.cm_eym, StatusCode::CONFLICT)],
    )
    .await;
    refused(
        &w,
        &declined,
        "accept",
        json!({}),
        &[(&w.cm_eym, StatusCode::CONFLICT)],
    )
    .await;
}

async fn only_the_proposing_side_withdraws(app: TestApp) {
    let w = World::new(app).await;
    let proposal = w.library_proposal(1401).await;
    refused(
        &w,
        &proposal,
        "withdraw",
        json!({}),
        &[
            (&w.coord_east, StatusCode::FORBIDDEN),
            (&w.cm_amh, StatusCode::FORBIDDEN),
            (&w.auditor_east, StatusCode::FORBIDDEN),
        ],
    )
    .await;
    let withdrawn = w
        .ok(
            &w.cm_eym,
            &proposal,
            "withdraw",
            json!({"reason": "duplicate of another copy"}),
        )
        .await;
    assert_eq!(withdrawn["status"], "withdrawn");
    let allocation = w.allocation(1402).await;
    refused(
        &w,
        &allocation,
        "withdraw",
        json!({}),
        &[(&w.cm_eym, StatusCode::FORBIDDEN)],
    )
    .await;
    assert_eq!(
        w.ok(&w.coord_east, &allocation, "withdraw", json!({}))
            .await["status"],
        "withdrawn"
    );
    let active = w.active(1403).await;
    refused(
        &w,
        &active,
        "withdraw",
        json!({}),
        &[(&w.cm_eym, StatusCode::CONFLICT)],
    )
    .await;
}

async fn loss_is_reported_by_the_library_or_a_coordinator(app: TestApp) {
    let w = World::new(app).await;
    let active = w.active(1501).await;
    refused(
        &w,
        &active,
        "report_loss",
        json!({"reason": "lost"}),
        &[
            (&w.cm_amh, StatusCode::FORBIDDEN),
            (&w.auditor_east, StatusCode::FORBIDDEN),
            (&w.coord_west, StatusCode::NOT_FOUND),
        ],
    )
    .await;
    refused(
        &w,
        &active,
        "report_loss",
        json!({"reason": "stolen"}),
        &[(&w.cm_eym, StatusCode::UNPROCESSABLE_ENTITY)],
    )
    .await;
    refused(
        &w,
        &active,
        "report_loss",
        json!({}),
        &[(&w.cm_eym, StatusCode::UNPROCESSABLE_ENTITY)],
    )
    .await;
    let released = w
        .ok(&w.cm_eym, &active, "report_loss", json!({"reason": "lost"}))
        .await;
    assert_eq!(
        (released["status"].as_str(), released["end_reason"].as_str()),
        (Some("released"), Some("lost"))
    );
    let other = w.active(1502).await;
    let damaged = w
        .ok(
            &w.coord_east,
            &other,
            "report_loss",
            json!({"reason": "damaged"}),
        )
        .await;
    assert_eq!(damaged["end_reason"], "damaged");
    refused(
        &w,
        &released,
        "report_loss",
        json!({"reason": "missing"}),
        &[(&w.cm_eym, StatusCode::CONFLICT)],
    )
    .await;
    let proposal = w.library_proposal(1503).await;
    refused(
        &w,
        &proposal,
        "report_loss",
        json!({"reason": "missing"}),
        &[(&w.cm_eym, StatusCode::CONFLICT)],
    )
    .await;
}

async fn release_is_requested_by_the_library_only(app: TestApp) {
    let w = World::new(app).await;
    let active = w.active(1601).await;
    refused(
        &w,
        &active,
        "request_release",
        json!({"reason": "space"}),
        &[
            (&w.coord_east, StatusCode::FORBIDDEN),
            (&w.cm_amh, StatusCode::FORBIDDEN),
            (&w.auditor_east, StatusCode::FORBIDDEN),
            (&w.cm_dkc, StatusCode::NOT_FOUND),
        ],
    )
    .await;
    refused(
        &w,
        &active,
        "request_release",
        json!({"reason": " "}),
        &[(&w.cm_eym, StatusCode::UNPROCESSABLE_ENTITY)],
    )
    .await;
    let requested = w
        .ok(
            &w.cm_eym,
            &active,
            "request_release",
            json!({"reason": "space"}),
        )
        .await;
    assert_eq!(requested["status"], "release_requested");
    refused(
        &w,
        &requested,
        "request_release",
        json!({"reason": "again"}),
        &[(&w.cm_eym, StatusCode::CONFLICT)],
    )
    .await;
}

async fn coordinator_approves_or_denies_a_release(app: TestApp) {
    let w = World::new(app).await;
    let requested = w.release_requested(1701).await;
    for action in ["approve_release", "deny_release"] {
        refused(
            &w,
            &requested,
            action,
            json!({}),
            &[
                (&w.cm_eym, StatusCode::FORBIDDEN),
                (&w.auditor_east, StatusCode::FORBIDDEN),
                (&w.coord_west, StatusCode::NOT_FOUND),
            ],
        )
        .await;
    }
    let active = w
        .ok(
            &w.coord_east,
            &requested,
            "deny_release",
            json!({"reason": "last copy in the region"}),
        )
        .await;
    assert_eq!(active["status"], "active");
    assert_eq!(active["end_reason"], Value::Null);
    refused(
        &w,
        &active,
        "approve_release",
        json!({}),
        &[(&w.coord_east, StatusCode::CONFLICT)],
    )
    .await;
    refused(
        &w,
        &active,
        "deny_release",
        json!({}),
        &[(&w.coord_east, StatusCode::CONFLICT)],
    )
    .await;
    let again = w
        .ok(
            &w.cm_eym,
            &active,
            "request_release",
            json!({"reason": "space"}),
        )
        .await;
    let released = w
        .ok(&w.coord_east, &again, "approve_release", json!({}))
        .await;
    assert_eq!(
        (released["status"].as_str(), released["end_reason"].as_str()),
        (Some("released"), Some("released"))
    );
}

async fn coordinator_renews_and_the_library_only_proposes_a_renewal(app: TestApp) {
    let w = World::new(app).await;
    let active = w.active(1801).await;
    assert_eq!(active["retention_end"], "2031-06-30");
    refused(
        &w,
        &active,
        "renew",
        json!({"retention_end": "2036-06-30"}),
        &[
            (&w.auditor_east, StatusCode::FORBIDDEN),
            (&w.cm_amh, StatusCode::FORBIDDEN),
            (&w.coord_west, StatusCode::NOT_FOUND),
        ],
    )
    .await;
    for bad in [
        json!({"retention_end": "2030-01-01"}),
        json!({"retention_end": "2031-06-30"}),
        json!({}),
        json!({"retention_end": "soon"}),
    ] {
        refused(
            &w,
            &active,
            "renew",
            bad,
            &[(&w.coord_east, StatusCode::UNPROCESSABLE_ENTITY)],
        )
        .await;
    }
    let proposed = w
        .ok(
            &w.cm_eym,
            &active,
            "renew",
            json!({"retention_end": "2036-06-30"}),
        )
        .await;
    assert_eq!(
        proposed["retention_end"], "2031-06-30",
        "a library's renewal is only proposed"
    );
    assert_eq!(proposed["renewal_proposed_end"], "2036-06-30");
    let renewed = w
        .ok(
            &w.coord_east,
            &proposed,
            "renew",
            json!({"retention_end": "2036-06-30"}),
        )
        .await;
    assert_eq!(renewed["status"], "active");
    assert_eq!(renewed["retention_end"], "2036-06-30");
    assert_eq!(renewed["renewal_proposed_end"], Value::Null);
    let permanent = w
        .ok(
            &w.coord_east,
            &renewed,
            "renew",
            json!({"retention_end": "permanent"}),
        )
        .await;
    assert_eq!(permanent["retention_end"], "permanent");
    let proposal = w.library_proposal(1802).await;
    refused(
        &w,
        &proposal,
        "renew",
        json!({"retention_end": "2040-01-01"}),
        &[(&w.coord_east, StatusCode::CONFLICT)],
    )
    .await;
}

async fn transfer_creates_a_linked_commitment_for_a_member(app: TestApp) {
    let w = World::new(app).await;
    let active = w.active(1901).await;
    refused(
        &w,
        &active,
        "transfer",
        json!({"to_library_id": w.amh["id"]}),
        &[
            (&w.cm_eym, StatusCode::FORBIDDEN),
            (&w.auditor_east, StatusCode::FORBIDDEN),
            (&w.coord_west, StatusCode::NOT_FOUND),
        ],
    )
    .await;
    for bad in [
        json!({"to_library_id": w.dkc["id"]}),
        json!({"to_library_id": w.eym["id"]}),
        json!({}),
    ] {
        refused(
            &w,
            &active,
            "transfer",
            bad,
            &[(&w.coord_east, StatusCode::UNPROCESSABLE_ENTITY)],
        )
        .await;
    }
    let transferred = w
        .ok(
            &w.coord_east,
            &active,
            "transfer",
            json!({"to_library_id": w.amh["id"]}),
        )
        .await;
    assert_eq!(transferred["status"], "transferred");
    let successor_id = transferred["replaced_by"].as_str().expect("replaced_by");
    let (status, successor) = w
        .app
        .get(&format!("/api/v1/commitments/{successor_id}"), &w.cm_amh)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(successor["status"], "active");
    assert_eq!(successor["library_id"], w.amh["id"]);
    assert_eq!(successor["oclc_number"], active["oclc_number"]);
    assert_eq!(successor["retention_start"], active["retention_start"]);
    assert_eq!(successor["retention_end"], active["retention_end"]);
    assert_eq!(successor["replaces"], active["id"]);
    let (_, events) = w
        .app
        .get(
            &format!("/api/v1/commitments/{successor_id}/events"),
            &w.admin,
        )
        .await;
    assert_eq!(events["items"][0]["action"], "transfer_in");
    refused(
        &w,
        &transferred,
        "transfer",
        json!({"to_library_id": w.amh["id"]}),
        &[(&w.coord_east, StatusCode::CONFLICT)],
    )
    .await;
}

async fn program_expiry_ends_past_commitments_once_and_never_permanent_ones(app: TestApp) {
    let w = World::new(app).await;
    let (_, past) = w
        .propose(
            &w.cm_eym,
            &w.east,
            &w.eym,
            2001,
            json!({"retention_start": "2000-01-01", "retention_end": "2010-12-31"}),
        )
        .await;
    let past = w.ok(&w.coord_east, &past, "accept", json!({})).await;
    let (_, permanent) = w
        .propose(
            &w.cm_eym,
            &w.east,
            &w.eym,
            2002,
            json!({"retention_start": "2000-01-01", "retention_end": "permanent"}),
        )
        .await;
    let permanent = w.ok(&w.coord_east, &permanent, "accept", json!({})).await;
    let (_, proposed_past) = w
        .propose(
            &w.cm_eym,
            &w.east,
            &w.eym,
            2003,
            json!({"retention_start": "2000-01-01", "retention_end": "2010-12-31"}),
        )
        .await;
    let current = w.active(2004).await;
    let path = format!("/api/v1/programs/{}/expire", id(&w.east));
    for (token, expected) in [
        (&w.cm_eym, StatusCode::FORBIDDEN),
        (&w.auditor_east, StatusCode::FORBIDDEN),
        (&w.coord_west, StatusCode::FORBIDDEN),
    ] {
        assert_eq!(w.app.post(&path, token, json!({})).await.0, expected);
    }
    let (status, result) = w
        .app
        .post(&path, &w.coord_east, json!({"as_of": "2026-01-01"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{result}");
    assert_eq!(result["expired"], 1);
    let (_, again) = w
        .app
        .post(&path, &w.coord_east, json!({"as_of": "2026-01-01"}))
        .await;
    assert_eq!(again["expired"], 0, "expiry must be idempotent");
    let expired = w.get(&past).await;
    assert_eq!(
        (expired["status"].as_str(), expired["end_reason"].as_str()),
        (Some("expired"), Some("expired"))
    );
    assert_eq!(expired["version"], 3);
    assert_eq!(w.get(&permanent).await["status"], "active");
    assert_eq!(w.get(&proposed_past).await["status"], "proposed");
    assert_eq!(w.get(&current).await["status"], "active");
    let (_, events) = w
        .app
        .get(
            &format!("/api/v1/commitments/{}/events", id(&past)),
            &w.auditor_east,
        )
        .await;
    let last = events["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["action"].as_str(), last["to_status"].as_str()),
        (Some("expire"), Some("expired"))
    );
    // The single-commitment form of the action.
    let (_, other) = w
        .propose(
            &w.cm_eym,
            &w.east,
            &w.eym,
            2005,
            json!({"retention_start": "2000-01-01", "retention_end": "2010-12-31"}),
        )
        .await;
    let other = w.ok(&w.coord_east, &other, "accept", json!({})).await;
    refused(
        &w,
        &other,
        "expire",
        json!({}),
        &[(&w.cm_eym, StatusCode::FORBIDDEN)],
    )
    .await;
    assert_eq!(
        w.ok(&w.coord_east, &other, "expire", json!({})).await["status"],
        "expired"
    );
    refused(
        &w,
        &current,
        "expire",
        json!({}),
        &[(&w.coord_east, StatusCode::UNPROCESSABLE_ENTITY)],
    )
    .await;
}

async fn stale_version_is_409_with_the_current_version(app: TestApp) {
    let w = World::new(app).await;
    let proposal = w.library_proposal(2101).await;
    let active = w.ok(&w.coord_east, &proposal, "accept", json!({})).await;
    let (status, body) = w
        .act(
            &w.cm_eym,
            &proposal,
            "request_release",
            json!({"reason": "space"}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "conflict");
    assert_eq!(body["error"]["details"][0]["version"], 2);
    assert_eq!(body["error"]["details"][0]["status"], "active");
    let (status, body) = w
        .app
        .post(
            &format!("/api/v1/commitments/{}/accept", id(&active)),
            &w.coord_east,
            json!({}),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "version is required: {body}"
    );
    let (status, _) = w
        .app
        .post(
            &format!("/api/v1/commitments/{}/fly_away", id(&active)),
            &w.coord_east,
            json!({"version": 2}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn two_concurrent_accepts_exactly_one_wins(app: TestApp) {
    let w = World::new(app).await;
    for oclc in 2201..2206 {
        let proposal = w.library_proposal(oclc).await;
        let (a, b) = tokio::join!(
            w.act(&w.coord_east, &proposal, "accept", json!({})),
            w.act(&w.admin, &proposal, "accept", json!({}))
        );
        let mut statuses = [a.0, b.0];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::OK, StatusCode::CONFLICT],
            "{} / {}",
            a.1,
            b.1
        );
        let current = w.get(&proposal).await;
        assert_eq!(current["version"], 2);
        let (_, events) = w
            .app
            .get(
                &format!("/api/v1/commitments/{}/events", id(&proposal)),
                &w.admin,
            )
            .await;
        assert_eq!(
            events["items"].as_array().unwrap().len(),
            2,
            "one propose and one accept event"
        );
    }
}

async fn one_title_walks_the_whole_life_and_its_history_is_chained(app: TestApp) {
    let w = World::new(app).await;
    let proposal = w.library_proposal(2301).await;
    let active = w.ok(&w.coord_east, &proposal, "accept", json!({})).await;
    let requested = w
        .ok(
            &w.cm_eym,
            &active,
            "request_release",
            json!({"reason": "space"}),
        )
        .await;
    let denied = w
        .ok(
            &w.coord_east,
            &requested,
            "deny_release",
            json!({"reason": "scarcely held"}),
        )
        .await;
    let transferred = w
        .ok(
            &w.coord_east,
            &denied,
            "transfer",
            json!({"to_library_id": w.amh["id"]}),
        )
        .await;
    let successor = w.get(&json!({"id": transferred["replaced_by"]})).await;
    let renewed = w
        .ok(
            &w.coord_east,
            &successor,
            "renew",
            json!({"retention_end": "2036-06-30"}),
        )
        .await;
    let (status, result) = w
        .app
        .post(
            &format!("/api/v1/programs/{}/expire", id(&w.east)),
            &w.coord_east,
            json!({"as_of": "2036-07-01"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(result["expired"], 1);
    assert_eq!(w.get(&renewed).await["status"], "expired");
    let (_, history) = w
        .app
        .get(
            &format!("/api/v1/commitments/{}/events", id(&proposal)),
            &w.auditor_east,
        )
        .await;
    let actions: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "propose",
            "accept",
            "request_release",
            "deny_release",
            "transfer"
        ]
    );
    let steps: Vec<(Option<&str>, Option<&str>)> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["from_status"].as_str(), e["to_status"].as_str()))
        .collect();
    assert_eq!(
        steps,
        [
            (None, Some("proposed")),
            (Some("proposed"), Some("active")),
            (Some("active"), Some("release_requested")),
            (Some("release_requested"), Some("active")),
            (Some("active"), Some("transferred"))
        ]
    );
    let (_, successor_history) = w
        .app
        .get(
            &format!("/api/v1/commitments/{}/events", id(&successor)),
            &w.admin,
        )
        .await;
    let actions: Vec<&str> = successor_history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["transfer_in", "renew", "expire"]);
    for event in history["items"].as_array().unwrap() {
        assert_eq!(event["hash"].as_str().unwrap().len(), 64);
    }
    let db = retention_registry::db::Db::connect(&w.app.db.url, 1).unwrap();
    let report = retention_registry::db::audit::verify_chain(&mut db.conn().unwrap()).unwrap();
    assert_eq!(report.broken, None);
}
