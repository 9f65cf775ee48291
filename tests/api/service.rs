//! Service-wide behaviour: health, the OpenAPI document, error bodies, the audit trail.

use diesel::{QueryDsl, RunQueryDsl};
use reqwest::{Method, StatusCode};
use retention_registry::db::{audit, Db};
use serde_json::json;

use crate::helpers::{TestApp, PASSWORD};

crate::on_both_backends!(
    healthz_answers_without_sign_in,
    openapi_document_is_served_without_sign_in,
    unknown_path_is_404_and_wrong_method_is_405_with_error_body,
    oversized_body_is_413,
    every_admin_change_appends_a_chained_audit_event,
    tampered_audit_event_breaks_the_chain,
    a_commitment_changed_without_its_event_fails_verify_audit,
);

async fn healthz_answers_without_sign_in(app: TestApp) {
    let (status, body) = app.request(Method::GET, "/healthz", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"status": "ok"}));
}

async fn openapi_document_is_served_without_sign_in(app: TestApp) {
    let (status, doc) = app
        .request(Method::GET, "/api/openapi.json", None, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/auth/login",
        "/api/v1/programs",
        "/api/v1/libraries",
        "/api/v1/users/{id}",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path}");
    }
}

async fn unknown_path_is_404_and_wrong_method_is_405_with_error_body(app: TestApp) {
    let token = app.admin_token().await;
    let (status, body) = app.get("/api/v1/nothing-here", &token).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
    let (status, body) = app
        .request(Method::DELETE, "/api/v1/programs", Some(&token), None)
        .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(body["error"]["code"], "method_not_allowed");
}

async fn oversized_body_is_413(app: TestApp) {
    let token = app.admin_token().await;
    let name = "x".repeat(2 * 1024 * 1024);
    let (status, body) = app
        .post(
            "/api/v1/libraries",
            &token,
            json!({"name": name, "oclc_symbol": "BIG", "marc_org_code": "Big"}),
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["error"]["code"], "payload_too_large");
}

async fn every_admin_change_appends_a_chained_audit_event(app: TestApp) {
    let admin = app.admin_token().await;
    let program = app.create_program(&admin, "EAST").await;
    let library = app.create_library(&admin, "EYM", "MiU").await;
    app.add_member(&admin, &program, &library).await;
    let user = app
        .create_user(
            &admin,
            "cm@registry.test",
            "collection_manager",
            Some(&library),
            &[],
        )
        .await;
    let path = format!("/api/v1/users/{}", user["id"].as_str().unwrap());
    app.patch(&path, &admin, json!({"disabled": true})).await;
    let _ = PASSWORD;
    let db = Db::connect(&app.db.url, 1).unwrap();
    let mut conn = db.conn().unwrap();
    let report = audit::verify_chain(&mut conn).unwrap();
    assert_eq!(report.broken, None);
    // The first admin, then program, library, membership, user and the change.
    assert_eq!(report.events_checked, 6);
    let actions: Vec<String> = retention_registry::db::schema::audit_events::table
        .select(retention_registry::db::schema::audit_events::action)
        .order(retention_registry::db::schema::audit_events::seq)
        .load(&mut *conn)
        .unwrap();
    assert_eq!(
        actions,
        [
            "create_user",
            "create_program",
            "create_library",
            "add_member",
            "create_user",
            "update_user"
        ]
    );
}

async fn tampered_audit_event_breaks_the_chain(app: TestApp) {
    let admin = app.admin_token().await;
    app.create_program(&admin, "EAST").await;
    app.create_program(&admin, "WEST").await;
    let db = Db::connect(&app.db.url, 1).unwrap();
    let mut conn = db.conn().unwrap();
    // The database refuses changes to the trail...
    let refused = diesel::sql_query("UPDATE audit_events SET details = '{}' WHERE seq = 2")
        .execute(&mut *conn);
    assert!(refused.is_err(), "the audit trail accepted an UPDATE");
    assert!(diesel::sql_query("DELETE FROM audit_events WHERE seq = 3")
        .execute(&mut *conn)
        .is_err());
    // ...so tampering needs the triggers out of the way first, as an attacker with full access would.
    let tamper = match app.db.url.backend() {
        retention_registry::db::Backend::Sqlite => "DROP TRIGGER audit_events_no_update; UPDATE audit_events SET details = '{\"code\":\"FAKE\"}' WHERE seq = 2",
        retention_registry::db::Backend::Postgres => "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change; UPDATE audit_events SET details = '{\"code\":\"FAKE\"}' WHERE seq = 2",
    };
    for statement in tamper.split("; ") {
        diesel::sql_query(statement).execute(&mut *conn).unwrap();
    }
    let report = audit::verify_chain(&mut conn).unwrap();
    let broken = report.broken.expect("the chain is broken");
    assert_eq!(broken.seq, 2);
    assert_eq!(report.events_checked, 1);
    let dir = tempfile::tempdir().unwrap();
    let command = std::process::Command::new(env!("CARGO_BIN_EXE_retention-registry"))
        .current_dir(dir.path())
        .env("REGISTRY_DATABASE_URL", &app.db.url_string)
        .env("REGISTRY_LOG", "warn")
        .arg("verify-audit")
        .output()
        .unwrap();
    assert!(
        !command.status.success(),
        "verify-audit must fail on a broken chain"
    );
    let said = String::from_utf8_lossy(&command.stderr);
    assert!(said.contains("broken at event 2"), "{said}");
}

async fn a_commitment_changed_without_its_event_fails_verify_audit(app: TestApp) {
    let w = crate::world::World::new(app).await;
    let active = w.active(4_242).await;
    w.library_proposal(4_243).await;
    let verify = || {
        let dir = tempfile::tempdir().unwrap();
        std::process::Command::new(env!("CARGO_BIN_EXE_retention-registry"))
            .current_dir(dir.path())
            .env("REGISTRY_DATABASE_URL", &w.app.db.url_string)
            .env("REGISTRY_LOG", "warn")
            .arg("verify-audit")
            .output()
            .unwrap()
    };
    let clean = verify();
    assert!(
        clean.status.success(),
        "{}",
        String::from_utf8_lossy(&clean.stderr)
    );
    assert!(String::from_utf8_lossy(&clean.stdout).contains("2 commitment(s) replayed"));
    // A status set by hand, as a quiet rewrite would: the chain is intact, the replay is not.
    let db = Db::connect(&w.app.db.url, 1).unwrap();
    diesel::sql_query(format!(
        "UPDATE commitments SET status = 'released', end_reason = 'lost' WHERE id = '{}'",
        crate::world::id(&active)
    ))
    .execute(&mut *db.conn().unwrap())
    .unwrap();
    let caught = verify();
    assert!(!caught.status.success());
    let said = String::from_utf8_lossy(&caught.stderr);
    assert!(said.contains(crate::world::id(&active)), "{said}");
    assert!(
        said.contains("end at Some(\"active\") but it is \"released\""),
        "{said}"
    );
}
