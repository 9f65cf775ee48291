//! Signing in, tokens and their revocation.

use base64::Engine;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{error_fields, TestApp, ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD};

crate::on_both_backends!(
    login_with_correct_password_returns_a_bearer_token,
    login_is_case_insensitive_for_the_email,
    wrong_password_and_unknown_email_get_the_same_401,
    login_without_fields_is_422_and_bad_json_is_400,
    requests_without_or_with_bad_tokens_are_401,
    token_signed_with_another_secret_or_algorithm_is_refused,
    disabled_user_is_signed_out_and_cannot_sign_in,
    changing_own_password_revokes_earlier_tokens,
    wrong_current_password_is_422,
    admin_password_reset_revokes_the_users_tokens,
    repeated_failed_sign_ins_are_429_with_retry_after_for_known_and_unknown_accounts,
    every_kind_of_forged_or_stale_token_is_401,
);

async fn login_with_correct_password_returns_a_bearer_token(app: TestApp) {
    let (status, body) = app
        .request(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["expires_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(body["user"]["email"], ADMIN_EMAIL);
    assert_eq!(body["user"]["role"], "admin");
    assert!(body["user"].get("password_hash").is_none());
    let token = body["token"].as_str().unwrap();
    let (status, me) = app.get("/api/v1/me", token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["email"], ADMIN_EMAIL);
    assert_eq!(me["library_id"], serde_json::Value::Null);
    assert_eq!(me["program_ids"], json!([]));
}

async fn login_is_case_insensitive_for_the_email(app: TestApp) {
    app.login(&ADMIN_EMAIL.to_uppercase(), ADMIN_PASSWORD).await;
}

async fn wrong_password_and_unknown_email_get_the_same_401(app: TestApp) {
    let attempt = |email: &'static str, password: &'static str| {
        app.request(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"email": email, "password": password})),
        )
    };
    let (wrong_status, wrong) = attempt(ADMIN_EMAIL, "not-the-password").await;
    let (unknown_status, unknown) = attempt("nobody@registry.test", "not-the-password").await;
    let (bad_status, _) = attempt("not an email", "not-the-password").await;
    assert_eq!(wrong_status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown_status, StatusCode::UNAUTHORIZED);
    assert_eq!(bad_status, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong["error"]["code"], "unauthenticated");
    assert_eq!(wrong["error"]["message"], unknown["error"]["message"]);
}

async fn login_without_fields_is_422_and_bad_json_is_400(app: TestApp) {
    let (status, body) = app
        .request(Method::POST, "/api/v1/auth/login", None, Some(json!({})))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["email", "password"]);
    let response = app
        .client
        .post(format!("{}/api/v1/auth/login", app.address))
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "bad_request");
}

async fn requests_without_or_with_bad_tokens_are_401(app: TestApp) {
    let (status, body) = app.request(Method::GET, "/api/v1/me", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "unauthenticated");
    let (status, _) = app.get("/api/v1/me", "not-a-token").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = app.get("/api/v1/programs", "a.b.c").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn token_signed_with_another_secret_or_algorithm_is_refused(app: TestApp) {
    let token = app.admin_token().await;
    let mut parts = token.split('.');
    let (_, payload) = (parts.next().unwrap(), parts.next().unwrap());
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let none = format!("{}.{payload}.", b64.encode(r#"{"alg":"none","typ":"JWT"}"#));
    let (status, _) = app.get("/api/v1/me", &none).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let keys =
        retention_registry::auth::token::TokenKeys::new(b"some-other-secret-of-32-bytes-or-more");
    let claims: serde_json::Value = serde_json::from_slice(&b64.decode(payload).unwrap()).unwrap();
    let (forged, _) = keys
        .issue(
            claims["sub"].as_str().unwrap().parse().unwrap(),
            "admin",
            retention_registry::auth::token::TokenScope {
                library_id: None,
                program_ids: vec![],
            },
            0,
            chrono::Utc::now(),
        )
        .unwrap();
    let (status, _) = app.get("/api/v1/me", &forged).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn disabled_user_is_signed_out_and_cannot_sign_in(app: TestApp) {
    let admin = app.admin_token().await;
    let program = app.create_program(&admin, "EAST").await;
    let user = app
        .create_user(
            &admin,
            "auditor@registry.test",
            "auditor",
            None,
            &[&program],
        )
        .await;
    let token = app.login("auditor@registry.test", PASSWORD).await;
    let (status, body) = app
        .patch(
            &format!("/api/v1/users/{}", user["id"].as_str().unwrap()),
            &admin,
            json!({"disabled": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["disabled"], true);
    let (status, _) = app.get("/api/v1/me", &token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = app
        .request(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"email": "auditor@registry.test", "password": PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = app
        .patch(
            &format!("/api/v1/users/{}", user["id"].as_str().unwrap()),
            &admin,
            json!({"disabled": false}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    app.login("auditor@registry.test", PASSWORD).await;
}

async fn changing_own_password_revokes_earlier_tokens(app: TestApp) {
    let old = app.admin_token().await;
    let (status, body) = app
        .post(
            "/api/v1/me/password",
            &old,
            json!({"current_password": ADMIN_PASSWORD, "new_password": "a-brand-new-password"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let fresh = body["token"].as_str().unwrap();
    assert_eq!(
        app.get("/api/v1/me", &old).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.get("/api/v1/me", fresh).await.0, StatusCode::OK);
    app.login(ADMIN_EMAIL, "a-brand-new-password").await;
    let (status, _) = app
        .request(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn wrong_current_password_is_422(app: TestApp) {
    let token = app.admin_token().await;
    let (status, body) = app
        .post(
            "/api/v1/me/password",
            &token,
            json!({"current_password": "wrong-password!", "new_password": "a-brand-new-password"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["current_password"]);
    let (status, body) = app
        .post(
            "/api/v1/me/password",
            &token,
            json!({"current_password": ADMIN_PASSWORD, "new_password": "short"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["new_password"]);
    assert_eq!(app.get("/api/v1/me", &token).await.0, StatusCode::OK);
}

async fn admin_password_reset_revokes_the_users_tokens(app: TestApp) {
    let admin = app.admin_token().await;
    let program = app.create_program(&admin, "WEST").await;
    let user = app
        .create_user(
            &admin,
            "coord@registry.test",
            "coordinator",
            None,
            &[&program],
        )
        .await;
    let token = app.login("coord@registry.test", PASSWORD).await;
    let path = format!("/api/v1/users/{}", user["id"].as_str().unwrap());
    let (status, body) = app.patch(&path, &admin, json!({"password": "short"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_fields(&body), ["password"]);
    let (status, _) = app
        .patch(&path, &admin, json!({"password": "reset-by-the-admin"}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        app.get("/api/v1/me", &token).await.0,
        StatusCode::UNAUTHORIZED
    );
    app.login("coord@registry.test", "reset-by-the-admin").await;
}

async fn repeated_failed_sign_ins_are_429_with_retry_after_for_known_and_unknown_accounts(
    app: TestApp,
) {
    let attempt = |email: &'static str, password: &'static str| {
        app.client
            .post(format!("{}/api/v1/auth/login", app.address))
            .json(&json!({"email": email, "password": password}))
            .send()
    };
    for email in [ADMIN_EMAIL, "nobody@registry.test"] {
        for _ in 0..5 {
            let response = attempt(email, "not-the-password").await.unwrap();
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{email}");
        }
        let response = attempt(email, "not-the-password").await.unwrap();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS, "{email}");
        let retry: u64 = response.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(retry > 60, "{retry}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "too_many_requests");
    }
    // The right password does not get through while the account is throttled.
    let response = attempt(ADMIN_EMAIL, ADMIN_PASSWORD).await.unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
}

async fn every_kind_of_forged_or_stale_token_is_401(app: TestApp) {
    use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
    use retention_registry::auth::token::{TokenKeys, TokenScope};
    let token = app.admin_token().await;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut parts = token.split('.');
    let (header, payload, signature) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    let claims: serde_json::Value = serde_json::from_slice(&b64.decode(payload).unwrap()).unwrap();
    let secret = EncodingKey::from_secret(crate::helpers::JWT_SECRET);
    let with = |alg: Algorithm, claims: &serde_json::Value| {
        encode(&Header::new(alg), claims, &secret).unwrap()
    };
    let mut other_audience = claims.clone();
    other_audience["aud"] = json!("password-reset");
    let mut promoted = claims.clone();
    promoted["role"] = json!("admin");
    promoted["tv"] = json!(99);
    let tampered = format!(
        "{header}.{}.{signature}",
        b64.encode(serde_json::to_vec(&promoted).unwrap())
    );
    let rs256_header = format!(
        "{}.{payload}.{signature}",
        b64.encode(r#"{"alg":"RS256","typ":"JWT"}"#)
    );
    let keys = TokenKeys::new(crate::helpers::JWT_SECRET);
    let sub = claims["sub"].as_str().unwrap().parse().unwrap();
    let scope = || TokenScope {
        library_id: None,
        program_ids: vec![],
    };
    let (expired, _) = keys
        .issue(
            sub,
            "admin",
            scope(),
            0,
            chrono::Utc::now() - chrono::Duration::hours(13),
        )
        .unwrap();
    let (old_version, _) = keys
        .issue(sub, "admin", scope(), -1, chrono::Utc::now())
        .unwrap();
    let forged = [
        (
            "alg none",
            format!("{}.{payload}.", b64.encode(r#"{"alg":"none","typ":"JWT"}"#)),
        ),
        (
            "HS384 with the right secret",
            with(Algorithm::HS384, &claims),
        ),
        ("RS256 header on an HS256 signature", rs256_header),
        ("another audience", with(Algorithm::HS256, &other_audience)),
        ("tampered payload", tampered),
        ("expired", expired),
        ("an older token version", old_version),
        ("garbage", "not.a.token".to_owned()),
    ];
    for (what, token) in forged {
        let (status, body) = app.get("/api/v1/me", &token).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}: {body}");
        assert_eq!(body["error"]["code"], "unauthenticated", "{what}");
    }
    // The genuine token still works.
    let (status, _) = app.get("/api/v1/me", &token).await;
    assert_eq!(status, StatusCode::OK);
}
