//! The web pages, as a browser without JavaScript uses them: a cookie jar, redirects not
//! followed (so that each 303 is seen), forms posted with the page's CSRF token.

mod account;
mod admin;
mod analysis;
mod commitments;
mod dashboard;
mod detail;
mod exports;
mod imports;
mod login;
mod propose;
mod security;
mod titles;

use reqwest::header::HeaderMap;
use reqwest::redirect::Policy;
use reqwest::{Client, StatusCode};

use crate::helpers::{TestApp, PASSWORD};
use crate::world::World;

/// A page as the browser got it.
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub html: String,
}

impl Page {
    /// Where a 303 sends the browser.
    pub fn location(&self) -> &str {
        self.headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// Asserts the page contains `text`, showing the page when it does not.
    pub fn shows(&self, text: &str) -> &Self {
        assert!(
            self.html.contains(text),
            "the page (status {}) does not show {text:?}:\n{}",
            self.status,
            self.html
        );
        self
    }

    /// Asserts the page does not contain `text`.
    pub fn lacks(&self, text: &str) -> &Self {
        assert!(
            !self.html.contains(text),
            "the page (status {}) shows {text:?}:\n{}",
            self.status,
            self.html
        );
        self
    }

    /// The value of the first `name="csrf_token"` field.
    pub fn csrf_token(&self) -> String {
        self.html
            .split("name=\"csrf_token\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("a csrf_token field")
            .to_owned()
    }
}

/// A browser with its own cookies.
pub struct Browser {
    pub client: Client,
    pub base: String,
}

impl Browser {
    pub fn new(app: &TestApp) -> Self {
        Self {
            client: Client::builder()
                .cookie_store(true)
                .redirect(Policy::none())
                .build()
                .unwrap(),
            base: app.address.clone(),
        }
    }

    /// A browser signed in as `email` (with the test password).
    pub async fn signed_in(app: &TestApp, email: &str) -> Self {
        Self::signed_in_with(app, email, PASSWORD).await
    }

    pub async fn signed_in_with(app: &TestApp, email: &str, password: &str) -> Self {
        let browser = Self::new(app);
        let csrf = browser.get("/login").await.csrf_token();
        let page = browser
            .post_raw(
                "/login",
                &[
                    ("email", email),
                    ("password", password),
                    ("csrf_token", &csrf),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "sign-in of {email}");
        browser
    }

    async fn read(response: reqwest::Response) -> Page {
        Page {
            status: response.status(),
            headers: response.headers().clone(),
            html: response.text().await.unwrap_or_default(),
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        Self::read(
            self.client
                .get(format!("{}{path}", self.base))
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// The CSRF token of this browser's forms.
    pub async fn csrf(&self) -> String {
        self.get("/account").await.csrf_token()
    }

    /// Posts a form with exactly these fields.
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        Self::read(
            self.client
                .post(format!("{}{path}", self.base))
                .form(fields)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// Posts a form with these fields and the browser's CSRF token.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let csrf = self.csrf().await;
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf_token", &csrf));
        self.post_raw(path, &all).await
    }

    /// Posts a multipart form (an upload).
    pub async fn post_multipart(&self, path: &str, form: reqwest::multipart::Form) -> Page {
        Self::read(
            self.client
                .post(format!("{}{path}", self.base))
                .multipart(form)
                .send()
                .await
                .unwrap(),
        )
        .await
    }
}

/// The e-mail addresses of the [`World`]'s users.
pub const COORD_EAST: &str = "coord.east@test.org";
pub const COORD_WEST: &str = "coord.west@test.org";
pub const CM_EYM: &str = "cm.eym@test.org";
pub const CM_AMH: &str = "cm.amh@test.org";
pub const CM_DKC: &str = "cm.dkc@test.org";
pub const AUDITOR_EAST: &str = "auditor.east@test.org";

/// A world, and a browser signed in as `email` in it.
pub async fn world_as(app: TestApp, email: &str) -> (World, Browser) {
    let world = World::new(app).await;
    let browser = Browser::signed_in(&world.app, email).await;
    (world, browser)
}

/// The id of a JSON commitment.
pub fn id_of(commitment: &serde_json::Value) -> String {
    commitment["id"].as_str().expect("an id").to_owned()
}
