//! User accounts and their scopes.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{error_fields, TestApp, PASSWORD};

crate::on_both_backends!(
    admin_creates_a_user_of_each_role,
    collection_manager_acts_in_its_librarys_programs,
    user_validation_names_each_field,
    unknown_role_is_400,
    email_is_unique_ignoring_case,
    scope_must_name_existing_records,
    users_are_listed_paged_and_shown_to_admins_only,
    a_concurrent_disable_and_password_reset_both_take_effect,
);

async fn admin_creates_a_user_of_each_role(app: TestApp) {
    let admin = app.admin_token().await;
    let program = app.create_program(&admin, "EAST").await;
    let library = app.create_library(&admin, "EYM", "MiU").await;
    app.add_member(&admin, &program, &library).await;
    let cases: [(&str, Option<&Value>, Vec<&Value>); 4] = [
        ("admin", None, vec![]),
        ("coordinator", None, vec![&program]),
        ("collection_manager", Some(&library), vec![]),
        ("auditor", None, vec![&program]),
    ];
    for (role, library, programs) in cases {
        let email = format!("{role}-user@registry.test");
        let user = app
            .create_user(&admin, &email, role, library, &programs)
            .await;
        assert_eq!(user["role"], role);
        assert!(
            user.get("password").is_none() && user.get("password_hash").is_none(),
            "{user}"
        );
        let token = app.login(&email, PASSWORD).await;
        let (status, me) = app.get("/api/v1/me", &token).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(me["id"], user["id"]);
        assert_eq!(me["role"], role);
        let expected_programs = if role == "admin" {
            json!([])
        } else {
            json!([program["id"]])
        };
        assert_eq!(me["program_ids"], expected_programs, "{role}");
    }
}

async fn collection_manager_acts_in_its_librarys_programs(app: TestApp) {
    let admin = app.admin_token().await;
    let east = app.create_program(&admin, "EAST").await;
    let hathi = app.create_program(&admin, "HathiTrust").await;
    let library = app.create_library(&admin, "EYM", "MiU").await;
    let user = app
        .create_user(
            &admin,
            "cm@registry.test",
            "collection_manager",
            Some(&library),
            &[],
        )
        .await;
    assert_eq!(user["library_id"], library["id"]);
    assert_eq!(user["program_ids"], json!([]));
    app.add_member(&admin, &east, &library).await;
    app.add_member(&admin, &hathi, &library).await;
    let token = app.login("cm@registry.test", PASSWORD).await;
    let (_, me) = app.get("/api/v1/me", &token).await;
    let mut programs: Vec<&str> = me["program_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    programs.sort();
    let mut expected = vec![east["id"].as_str().unwrap(), hathi["id"].as_str().unwrap()];
    expected.sort();
    assert_eq!(programs, expected);
}

async fn user_validation_names_each_field(app: TestApp) {
    let admin = app.admin_token().await;
    let program = app.create_program(&admin, "EAST").await;
    let library = app.create_library(&admin, "EYM", "MiU").await;
    let cases = [
        (json!({}), vec!["email", "name", "password", "role"]),
        (
            json!({"email": "not-an-email", "name": "A", "password": "short", "role": "admin"}),
            vec!["email", "password"],
        ),
        (
            json!({"email": "cm@x.org", "name": "A", "password": PASSWORD, "role": "collection_manager"}),
            vec!["library_id"],
        ),
        (
            json!({"email": "co@x.org", "name": "A", "password": PASSWORD, "role": "coordinator"}),
            vec!["program_ids"],
        ),
        (
            json!({"email": "au@x.org", "name": "A", "password": PASSWORD, "role": "auditor", "program_ids": []}),
            vec!["program_ids"],
        ),
        (
            json!({"email": "ad@x.org", "name": "A", "password": PASSWORD, "role": "admin", "library_id": library["id"]}),
            vec!["library_id"],
        ),
        (
            json!({"email": "co@x.org", "name": "A", "password": PASSWORD, "role": "coordinator",
                "program_ids": [program["id"]], "library_id": library["id"]}),
            vec!["library_id"],
        ),
    ];
    for (body, fields) in cases {
        let (status, error) = app.post("/api/v1/users", &admin, body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(error_fields(&error), fields, "{body}");
    }
}

async fn unknown_role_is_400(app: TestApp) {
    let admin = app.admin_token().await;
    let (status, body) = app
        .post(
            "/api/v1/users",
            &admin,
            json!({"email": "x@x.org", "name": "X", "password": PASSWORD, "role": "librarian"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"]["code"], "bad_request");
}

async fn email_is_unique_ignoring_case(app: TestApp) {
    let admin = app.admin_token().await;
    app.create_user(&admin, "ann@registry.test", "admin", None, &[])
        .await;
    let (status, body) = app
        .post("/api/v1/users", &admin, json!({"email": "Ann@Registry.test", "name": "Ann", "password": PASSWORD, "role": "admin"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["email"]);
}

async fn scope_must_name_existing_records(app: TestApp) {
    let admin = app.admin_token().await;
    let (status, body) = app
        .post(
            "/api/v1/users",
            &admin,
            json!({"email": "cm@x.org", "name": "A", "password": PASSWORD,
            "role": "collection_manager", "library_id": uuid::Uuid::now_v7()}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["library_id"]);
    let (status, body) = app
        .post(
            "/api/v1/users",
            &admin,
            json!({"email": "co@x.org", "name": "A", "password": PASSWORD,
            "role": "coordinator", "program_ids": [uuid::Uuid::now_v7()]}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["program_ids"]);
}

async fn users_are_listed_paged_and_shown_to_admins_only(app: TestApp) {
    let admin = app.admin_token().await;
    let program = app.create_program(&admin, "EAST").await;
    let auditor = app
        .create_user(&admin, "audit@registry.test", "auditor", None, &[&program])
        .await;
    let (status, list) = app.get("/api/v1/users?limit=1", &admin).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let cursor = list["next_cursor"].as_str().unwrap();
    let (_, rest) = app
        .get(&format!("/api/v1/users?cursor={cursor}"), &admin)
        .await;
    assert_eq!(rest["items"][0]["email"], "audit@registry.test");
    assert_eq!(rest["items"][0]["program_ids"], json!([program["id"]]));
    let path = format!("/api/v1/users/{}", auditor["id"].as_str().unwrap());
    let (status, shown) = app.get(&path, &admin).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(shown["email"], "audit@registry.test");
    assert_eq!(
        app.get(&format!("/api/v1/users/{}", uuid::Uuid::now_v7()), &admin)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let token = app.login("audit@registry.test", PASSWORD).await;
    assert_eq!(
        app.get("/api/v1/users", &token).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.get(&path, &token).await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        app.patch(&path, &token, json!({"disabled": true})).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, _) = app
        .post(
            "/api/v1/users",
            &token,
            json!({"email": "x@x.org", "name": "X", "password": PASSWORD, "role": "admin"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

async fn a_concurrent_disable_and_password_reset_both_take_effect(app: TestApp) {
    use diesel::{Connection, RunQueryDsl};
    let admin = app.admin_token().await;
    let program = app.create_program(&admin, "EAST").await;
    let user = app
        .create_user(&admin, "racer@test.org", "auditor", None, &[&program])
        .await;
    let id = user["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/users/{id}");
    // On PostgreSQL, hold the user's row so that both changes read it before either writes: the
    // interleaving that lost an update when each wrote back every column it had read. (SQLite
    // runs one writer at a time, so there the two simply follow each other.)
    let postgres = app.db.url_string.starts_with("postgres");
    let holder = postgres.then(|| {
        let url = app.db.url_string.clone();
        let id = id.clone();
        let (locked, release) = (
            std::sync::mpsc::channel::<()>(),
            std::sync::mpsc::channel::<()>(),
        );
        let handle = std::thread::spawn(move || {
            let mut conn = diesel::PgConnection::establish(&url).unwrap();
            conn.transaction::<_, diesel::result::Error, _>(|conn| {
                diesel::sql_query(format!("SELECT id FROM users WHERE id = '{id}' FOR UPDATE"))
                    .execute(conn)?;
                locked.0.send(()).unwrap();
                release.1.recv().unwrap();
                Ok(())
            })
            .unwrap();
        });
        locked.1.recv().unwrap();
        (handle, release.0)
    });
    let disable = app.patch(&path, &admin, json!({"disabled": true}));
    let reset = app.patch(&path, &admin, json!({"password": "another-long-password"}));
    let release = async {
        if let Some((handle, release)) = holder {
            // Both requests are past hashing and waiting on the row by now.
            tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
            release.send(()).unwrap();
            tokio::task::spawn_blocking(move || handle.join().unwrap())
                .await
                .unwrap();
        }
    };
    let (disable, reset, ()) = tokio::join!(disable, reset, release);
    assert_eq!((disable.0, reset.0), (StatusCode::OK, StatusCode::OK));
    let (_, after) = app.get(&path, &admin).await;
    assert_eq!(after["disabled"], true, "the reset undid the disable");
    let (status, _) = app
        .request(
            reqwest::Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"email": "racer@test.org", "password": "another-long-password"})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "disabled, with the new password set"
    );
}
