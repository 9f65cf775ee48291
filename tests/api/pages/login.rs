//! The web pages: sign-in with the session cookie and CSRF token, dashboard, sign-out.

use reqwest::redirect::Policy;
use reqwest::{Client, StatusCode};

use crate::helpers::{TestApp, ADMIN_EMAIL, ADMIN_PASSWORD};

crate::on_both_backends!(
    signed_out_visitor_is_sent_to_login,
    login_form_without_a_matching_csrf_token_is_403,
    signing_in_sets_a_strict_http_only_session_and_shows_the_dashboard,
    wrong_password_shows_the_form_again_keeping_the_email,
    signing_out_ends_the_session,
);

fn browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .unwrap()
}

/// Opens the login page and returns the form's CSRF token.
async fn open_login(app: &TestApp, client: &Client) -> String {
    let page = client
        .get(format!("{}/login", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("name=\"email\"") && html.contains("name=\"password\""));
    html.split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("csrf_token field")
        .to_owned()
}

async fn submit_login(
    app: &TestApp,
    client: &Client,
    email: &str,
    password: &str,
    csrf: &str,
) -> reqwest::Response {
    client
        .post(format!("{}/login", app.address))
        .form(&[
            ("email", email),
            ("password", password),
            ("csrf_token", csrf),
        ])
        .send()
        .await
        .unwrap()
}

async fn signed_out_visitor_is_sent_to_login(app: TestApp) {
    let response = browser()
        .get(format!("{}/", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/login");
}

async fn login_form_without_a_matching_csrf_token_is_403(app: TestApp) {
    let client = browser();
    open_login(&app, &client).await;
    let response = submit_login(&app, &client, ADMIN_EMAIL, ADMIN_PASSWORD, "forged").await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let stranger = browser();
    let response = submit_login(&app, &stranger, ADMIN_EMAIL, ADMIN_PASSWORD, "").await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

async fn signing_in_sets_a_strict_http_only_session_and_shows_the_dashboard(app: TestApp) {
    let client = browser();
    let csrf = open_login(&app, &client).await;
    let response = submit_login(&app, &client, ADMIN_EMAIL, ADMIN_PASSWORD, &csrf).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/");
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("registry_session="))
        .expect("session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    let dashboard = client
        .get(format!("{}/", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(dashboard.status(), StatusCode::OK);
    let html = dashboard.text().await.unwrap();
    assert!(html.contains(ADMIN_EMAIL), "{html}");
}

async fn wrong_password_shows_the_form_again_keeping_the_email(app: TestApp) {
    let client = browser();
    let csrf = open_login(&app, &client).await;
    let response = submit_login(&app, &client, ADMIN_EMAIL, "not-the-password", &csrf).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let html = response.text().await.unwrap();
    assert!(html.contains("not correct"));
    assert!(html.contains(&format!("value=\"{ADMIN_EMAIL}\"")));
    let response = submit_login(&app, &client, ADMIN_EMAIL, "", &csrf).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response
        .text()
        .await
        .unwrap()
        .contains("Enter your password"));
}

async fn signing_out_ends_the_session(app: TestApp) {
    let client = browser();
    let csrf = open_login(&app, &client).await;
    submit_login(&app, &client, ADMIN_EMAIL, ADMIN_PASSWORD, &csrf).await;
    let response = client
        .post(format!("{}/logout", app.address))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/login");
    let dashboard = client
        .get(format!("{}/", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(dashboard.status(), StatusCode::SEE_OTHER);
}
