//! Input that used to be accepted or to crash: each now a clear refusal that changes nothing.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::world::{id, World};

crate::on_both_backends!(
    a_nul_byte_in_a_title_is_422_and_nothing_is_stored,
    a_json_body_sent_as_text_plain_is_415,
    an_unreadable_as_of_expires_nothing,
    a_cursor_with_a_control_character_is_400,
    an_import_and_proposals_of_the_same_new_titles_never_deadlock,
);

async fn a_nul_byte_in_a_title_is_422_and_nothing_is_stored(app: TestApp) {
    let w = World::new(app).await;
    let (status, body) = w
        .propose(
            &w.cm_eym,
            &w.east,
            &w.eym,
            555,
            json!({"title": "Middle\u{0}march"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["details"][0]["field"], "title");
    let url = format!(
        "{}/api/v1/imports?program_id={}&library_id={}&mode=valid_rows",
        w.app.address,
        id(&w.east),
        id(&w.eym)
    );
    let report: Value = w
        .app
        .client
        .post(url)
        .bearer_auth(&w.cm_eym)
        .body("oclc_number,title,public_note\n556,Walden,bad\u{0}note\n557,Typee,\n")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (&report["imported"], &report["rejected"]),
        (&json!(1), &json!(1)),
        "{report}"
    );
    assert_eq!(report["errors"][0]["field"], "public_note");
    let (_, list) = w.app.get("/api/v1/commitments", &w.admin).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

async fn a_json_body_sent_as_text_plain_is_415(app: TestApp) {
    let w = World::new(app).await;
    let body = json!({"program_id": w.east["id"], "library_id": w.eym["id"], "oclc_number": 558, "title": "Omoo"});
    let response = w
        .app
        .client
        .post(format!("{}/api/v1/commitments", w.app.address))
        .bearer_auth(&w.cm_eym)
        .header("content-type", "text/plain")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["error"]["code"], "unsupported_media_type");
    let (_, list) = w.app.get("/api/v1/commitments", &w.admin).await;
    assert!(list["items"].as_array().unwrap().is_empty());
    // application/json with a charset, and +json types, are fine.
    let response = w
        .app
        .client
        .post(format!("{}/api/v1/commitments", w.app.address))
        .bearer_auth(&w.cm_eym)
        .header("content-type", "application/json; charset=utf-8")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
}

async fn an_unreadable_as_of_expires_nothing(app: TestApp) {
    let w = World::new(app).await;
    let (status, c) = w
        .propose(
            &w.cm_eym,
            &w.east,
            &w.eym,
            559,
            json!({"retention_start": "2020-01-01", "retention_end": "2021-01-01"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    let active = w.ok(&w.coord_east, &c, "accept", json!({})).await;
    let path = format!("/api/v1/programs/{}/expire", id(&w.east));
    let (status, body) = w
        .app
        .post(&path, &w.coord_east, json!({"as_of": "next tuesday"}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["details"][0]["field"], "as_of");
    assert_eq!(w.get(&active).await["status"], "active");
    // Without a body it expires as of today.
    let response = w
        .app
        .client
        .post(format!("{}{path}", w.app.address))
        .bearer_auth(&w.coord_east)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(w.get(&active).await["status"], "expired");
}

async fn a_cursor_with_a_control_character_is_400(app: TestApp) {
    let w = World::new(app).await;
    // base64url of "abc\0def".
    let (status, body) = w
        .app
        .get("/api/v1/commitments?cursor=YWJjAGRlZg", &w.admin)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
}

async fn an_import_and_proposals_of_the_same_new_titles_never_deadlock(app: TestApp) {
    let w = World::new(app).await;
    let mut file = String::from("oclc_number,title\n");
    for n in 0..3_000 {
        file.push_str(&format!("{},Imported {n}\n", 500_000 + n));
    }
    let url = format!(
        "{}/api/v1/imports?program_id={}&library_id={}&mode=all_or_nothing",
        w.app.address,
        id(&w.east),
        id(&w.eym)
    );
    let import = w
        .app
        .client
        .post(&url)
        .bearer_auth(&w.cm_eym)
        .body(file)
        .send();
    // Proposals by another library of titles in the import's later batches, while it runs.
    let w = &w;
    let proposals = futures_util::future::join_all((0..24).map(|n| async move {
        tokio::time::sleep(std::time::Duration::from_millis(40 * n as u64)).await;
        w.propose(&w.cm_amh, &w.east, &w.amh, 502_999 - n * 40, json!({}))
            .await
    }));
    let (import, proposals) = tokio::join!(import, proposals);
    let import = import.unwrap();
    assert_eq!(import.status(), StatusCode::OK);
    let report: Value = import.json().await.unwrap();
    assert_eq!(report["imported"], 3_000, "{report}");
    for (status, body) in proposals {
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
}
