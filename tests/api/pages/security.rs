//! What every page carries: security headers, CSRF tokens that are checked (403), a strict
//! session cookie, nothing loaded from outside the server, no script.

use reqwest::StatusCode;
use serde_json::json;

use super::{id_of, world_as, Browser, Page, CM_EYM, COORD_EAST};
use crate::helpers::{TestApp, ADMIN_EMAIL, ADMIN_PASSWORD};

crate::on_both_backends!(
    every_page_carries_the_security_headers,
    a_form_without_a_valid_csrf_token_is_403,
    the_session_cookie_is_secure_over_https,
    pages_load_nothing_from_outside_and_run_no_script,
    a_signed_out_visitor_of_any_page_is_sent_to_sign_in,
);

fn assert_secure_headers(page: &Page, what: &str) {
    let csp = page
        .headers
        .get("content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no Content-Security-Policy"))
        .to_str()
        .unwrap();
    assert!(csp.contains("default-src 'self'"), "{what}: {csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert_eq!(page.headers["x-content-type-options"], "nosniff", "{what}");
    assert!(page.headers.contains_key("referrer-policy"), "{what}");
}

async fn every_page_carries_the_security_headers(app: TestApp) {
    let (world, browser) = world_as(app, COORD_EAST).await;
    let proposal = world.library_proposal(4242).await;
    let id = id_of(&proposal);
    let program = world.east["id"].as_str().unwrap().to_owned();
    for path in [
        "/".to_owned(),
        "/commitments".to_owned(),
        "/commitments/new".to_owned(),
        format!("/commitments/{id}"),
        "/titles?q=4242".to_owned(),
        format!("/programs/{program}"),
        "/imports/new".to_owned(),
        "/exports".to_owned(),
        "/account".to_owned(),
        "/admin/users".to_owned(),
        "/commitments/01890000-0000-7000-8000-000000000000".to_owned(),
    ] {
        let page = browser.get(&path).await;
        assert!(
            page.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{path}"
        );
        assert_secure_headers(&page, &path);
    }
    let signed_out = Browser::new(&world.app);
    assert_secure_headers(&signed_out.get("/login").await, "/login");
    assert_secure_headers(&signed_out.get("/").await, "redirect to /login");
}

async fn a_form_without_a_valid_csrf_token_is_403(app: TestApp) {
    let (world, browser) = world_as(app, COORD_EAST).await;
    let proposal = world.library_proposal(4343).await;
    let id = id_of(&proposal);
    let accept = format!("/commitments/{id}/accept");
    let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
        ("/logout".into(), vec![]),
        (accept.clone(), vec![("version", "1")]),
        (
            "/commitments".into(),
            vec![("oclc_number", "1"), ("title", "x")],
        ),
        ("/commitments/bulk".into(), vec![("action", "accept")]),
        ("/imports".into(), vec![("upload_id", "x")]),
        ("/account/password".into(), vec![]),
        ("/admin/programs".into(), vec![("code", "X")]),
    ];
    for (path, fields) in &posts {
        let mut missing = fields.clone();
        let page = browser.post_raw(path, &missing).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path} without a token");
        missing.push(("csrf_token", "0000"));
        let page = browser.post_raw(path, &missing).await;
        assert_eq!(
            page.status,
            StatusCode::FORBIDDEN,
            "{path} with a wrong token"
        );
    }
    // A multipart upload without the token is refused too, and nothing is imported.
    let form = reqwest::multipart::Form::new()
        .text("program_id", world.east["id"].as_str().unwrap().to_owned())
        .text("library_id", world.eym["id"].as_str().unwrap().to_owned())
        .text("mode", "all_or_nothing")
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"oclc_number,title\n777,Smuggled\n".to_vec())
                .file_name("x.csv"),
        );
    let page = browser.post_multipart("/imports", form).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let (_, found) = world
        .app
        .get("/api/v1/commitments?oclc_number=777", &world.admin)
        .await;
    assert_eq!(found["items"], json!([]));
    // The commitment is still proposed: nothing was done without a token.
    assert_eq!(world.get(&proposal).await["status"], "proposed");
}

async fn the_session_cookie_is_secure_over_https(app: TestApp) {
    let browser = Browser::new(&app);
    let login = browser
        .client
        .get(format!("{}/login", app.address))
        .header("X-Forwarded-Proto", "https")
        .send()
        .await
        .unwrap();
    let cookies: Vec<String> = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let csrf_cookie = cookies
        .iter()
        .find(|c| c.starts_with("registry_csrf="))
        .expect("csrf cookie");
    assert!(csrf_cookie.contains("Secure"), "{csrf_cookie}");
    let html = login.text().await.unwrap();
    let token = html
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap()
        .to_owned();
    let response = browser
        .client
        .post(format!("{}/login", app.address))
        .header("X-Forwarded-Proto", "https")
        .form(&[
            ("email", ADMIN_EMAIL),
            ("password", ADMIN_PASSWORD),
            ("csrf_token", token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let session = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("registry_session="))
        .expect("session cookie");
    for attribute in ["HttpOnly", "SameSite=Strict", "Secure"] {
        assert!(session.contains(attribute), "{session}");
    }
    // Over plain HTTP it is not Secure (a browser would not send it back).
    let plain = Browser::signed_in_with(&app, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let page = plain.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
}

async fn pages_load_nothing_from_outside_and_run_no_script(app: TestApp) {
    let (world, browser) = world_as(app, CM_EYM).await;
    let proposal = world.library_proposal(5151).await;
    for path in [
        "/".to_owned(),
        "/commitments".to_owned(),
        format!("/commitments/{}", id_of(&proposal)),
        "/commitments/new".to_owned(),
        "/titles?q=5151".to_owned(),
        "/login".to_owned(),
    ] {
        let page = if path == "/login" {
            Browser::new(&world.app).get(&path).await
        } else {
            browser.get(&path).await
        };
        page.lacks("<script").lacks("style=\"");
        for attribute in ["src=\"http", "href=\"//", "src=\"//"] {
            page.lacks(attribute);
        }
        page.shows("<link rel=\"stylesheet\" href=\"/static/app.css\">");
    }
    let css = browser.get("/static/app.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/css"));
    assert!(!css.html.contains("@import") && !css.html.contains("url(http"));
}

async fn a_signed_out_visitor_of_any_page_is_sent_to_sign_in(app: TestApp) {
    let browser = Browser::new(&app);
    for path in [
        "/",
        "/commitments",
        "/commitments/new",
        "/titles?q=1",
        "/imports/new",
        "/exports",
        "/admin/programs",
        "/account",
    ] {
        let page = browser.get(path).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(page.location(), "/login", "{path}");
    }
}
