//! A small shared-print world for commitment tests: two programs, three libraries, one user per
//! role and scope, and helpers to propose and act.
//!
//! EAST (default end 2031-06-30) has members EYM and AMH; WEST has DKC.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{TestApp, PASSWORD};

pub struct World {
    pub app: TestApp,
    pub admin: String,
    pub east: Value,
    pub west: Value,
    pub eym: Value,
    pub amh: Value,
    pub dkc: Value,
    pub coord_east: String,
    pub coord_west: String,
    pub cm_eym: String,
    pub cm_amh: String,
    pub cm_dkc: String,
    pub auditor_east: String,
    pub auditor_west: String,
}

pub fn id(value: &Value) -> &str {
    value["id"].as_str().expect("an id")
}

impl World {
    pub async fn new(app: TestApp) -> World {
        let admin = app.admin_token().await;
        let (status, east) = app
            .post("/api/v1/programs", &admin, json!({"code": "EAST", "name": "Eastern Academic Scholars' Trust",
                "uri": "http://eastlibraries.org/retained-materials", "default_retention_end": "2031-06-30"}))
            .await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, west) = app
            .post("/api/v1/programs", &admin, json!({"code": "WEST", "name": "Western Regional Storage Trust", "default_retention_end": "2035-12-31"}))
            .await;
        assert_eq!(status, StatusCode::CREATED);
        let eym = app.create_library(&admin, "EYM", "MiU").await;
        let amh = app.create_library(&admin, "AMH", "MAmhC").await;
        let dkc = app.create_library(&admin, "DKC", "PCarlD").await;
        app.add_member(&admin, &east, &eym).await;
        app.add_member(&admin, &east, &amh).await;
        app.add_member(&admin, &west, &dkc).await;
        app.create_user(&admin, "coord.east@test.org", "coordinator", None, &[&east])
            .await;
        app.create_user(&admin, "coord.west@test.org", "coordinator", None, &[&west])
            .await;
        app.create_user(
            &admin,
            "cm.eym@test.org",
            "collection_manager",
            Some(&eym),
            &[],
        )
        .await;
        app.create_user(
            &admin,
            "cm.amh@test.org",
            "collection_manager",
            Some(&amh),
            &[],
        )
        .await;
        app.create_user(
            &admin,
            "cm.dkc@test.org",
            "collection_manager",
            Some(&dkc),
            &[],
        )
        .await;
        app.create_user(&admin, "auditor.east@test.org", "auditor", None, &[&east])
            .await;
        app.create_user(&admin, "auditor.west@test.org", "auditor", None, &[&west])
            .await;
        World {
            coord_east: app.login("coord.east@test.org", PASSWORD).await,
            coord_west: app.login("coord.west@test.org", PASSWORD).await,
            cm_eym: app.login("cm.eym@test.org", PASSWORD).await,
            cm_amh: app.login("cm.amh@test.org", PASSWORD).await,
            cm_dkc: app.login("cm.dkc@test.org", PASSWORD).await,
            auditor_east: app.login("auditor.east@test.org", PASSWORD).await,
            auditor_west: app.login("auditor.west@test.org", PASSWORD).await,
            app,
            admin,
            east,
            west,
            eym,
            amh,
            dkc,
        }
    }

    /// Proposes a commitment in `program` for `library` on `oclc`, with `extra` fields merged in.
    pub async fn propose(
        &self,
        token: &str,
        program: &Value,
        library: &Value,
        oclc: i64,
        extra: Value,
    ) -> (StatusCode, Value) {
        let mut body = json!({
            "program_id": program["id"], "library_id": library["id"], "oclc_number": oclc,
            "title": format!("Title number {oclc}"), "format": "monograph",
        });
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            for (key, value) in extra {
                body.insert(key.clone(), value.clone());
            }
        }
        self.app.post("/api/v1/commitments", token, body).await
    }

    /// A proposal by EYM's collection manager in EAST; panics unless created.
    pub async fn library_proposal(&self, oclc: i64) -> Value {
        let (status, body) = self
            .propose(&self.cm_eym, &self.east, &self.eym, oclc, json!({}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body
    }

    /// An allocation to EYM by EAST's coordinator; panics unless created.
    pub async fn allocation(&self, oclc: i64) -> Value {
        let (status, body) = self
            .propose(&self.coord_east, &self.east, &self.eym, oclc, json!({}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body
    }

    /// An active commitment of EYM in EAST.
    pub async fn active(&self, oclc: i64) -> Value {
        let proposal = self.library_proposal(oclc).await;
        self.ok(&self.coord_east, &proposal, "accept", json!({}))
            .await
    }

    /// A commitment of EYM in EAST waiting for a release decision.
    pub async fn release_requested(&self, oclc: i64) -> Value {
        let active = self.active(oclc).await;
        self.ok(
            &self.cm_eym,
            &active,
            "request_release",
            json!({"reason": "weeding the collection"}),
        )
        .await
    }

    /// Posts `action` on `commitment` at its current version, with `extra` fields.
    pub async fn act(
        &self,
        token: &str,
        commitment: &Value,
        action: &str,
        extra: Value,
    ) -> (StatusCode, Value) {
        let mut body = json!({"version": commitment["version"]});
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            for (key, value) in extra {
                body.insert(key.clone(), value.clone());
            }
        }
        self.app
            .post(
                &format!("/api/v1/commitments/{}/{action}", id(commitment)),
                token,
                body,
            )
            .await
    }

    /// Like [`World::act`], panicking unless it succeeds.
    pub async fn ok(&self, token: &str, commitment: &Value, action: &str, extra: Value) -> Value {
        let (status, body) = self.act(token, commitment, action, extra).await;
        assert_eq!(status, StatusCode::OK, "{action}: {body}");
        body
    }

    pub async fn get(&self, commitment: &Value) -> Value {
        let (status, body) = self
            .app
            .get(
                &format!("/api/v1/commitments/{}", id(commitment)),
                &self.admin,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        body
    }
}
