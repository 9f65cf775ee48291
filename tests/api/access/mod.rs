//! The access matrix: every route of the API and the web pages, asked by every kind of caller —
//! signed out, the admin, and a coordinator, collection manager and auditor inside and outside the
//! scope of what is asked — with the status each must get. One table (`api_rows.rs`,
//! `page_rows.rs`), run on both backends; a route of `src/http/routes.rs` without a row, or a row
//! without a route, fails the test.
//!
//! The subject of a row is EYM's side of EAST in the [`World`]: EYM's collection manager is
//! "own library", AMH's (also in EAST) "another library of the program", DKC's (WEST only)
//! "another program"; EAST's coordinator and auditor are inside, WEST's outside. A row that
//! changes something gets a fresh subject (`Fixture`) for each caller, so that no cell depends on
//! another.

mod api_rows;
mod page_rows;

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicI64, Ordering};

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::{TestApp, ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD};
use crate::pages::Browser;
use crate::world::{id, World};

crate::on_both_backends!(every_route_answers_every_caller_as_the_matrix_says);

/// The callers, in the order of a row's statuses.
pub const CALLERS: [&str; 9] = [
    "signed out",
    "admin",
    "coordinator of the program",
    "coordinator of another program",
    "collection manager of the library",
    "collection manager of another library of the program",
    "collection manager of a library of another program",
    "auditor of the program",
    "auditor of another program",
];

const EMAILS: [Option<&str>; 9] = [
    None,
    Some(ADMIN_EMAIL),
    Some("coord.east@test.org"),
    Some("coord.west@test.org"),
    Some("cm.eym@test.org"),
    Some("cm.amh@test.org"),
    Some("cm.dkc@test.org"),
    Some("auditor.east@test.org"),
    Some("auditor.west@test.org"),
];

/// What a row needs to exist before each call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fixture {
    /// Nothing more than the world.
    None,
    /// A proposal by EYM's collection manager in EAST: `{c}`, `{v}`.
    LibraryProposal,
    /// An allocation to EYM by EAST's coordinator.
    Allocation,
    /// An active commitment of EYM in EAST.
    Active,
    /// An active commitment of EYM in EAST whose release EYM asked for.
    ReleaseRequested,
    /// A library that belongs to no program: `{fresh_library}`.
    FreshLibrary,
    /// A collection manager of AMH: `{fresh_user}`.
    FreshUser,
    /// The caller signs in anew for this call (it ends the session).
    FreshSession,
    /// A draft allocation scenario of EAST by its coordinator: `{scenario}`.
    Scenario,
}

/// How a row sends its request.
#[derive(Debug, Clone, Copy)]
pub enum Send {
    /// JSON API with the caller's bearer token; the body a JSON template.
    Api(Option<&'static str>),
    /// JSON API with the caller's bearer token and a CSV file as the body.
    ApiCsv,
    /// A page with the caller's cookies; a form of `name=value&…` (a template), the CSRF token added.
    Page(Option<&'static str>),
    /// The import page's multipart upload.
    Upload,
}

pub struct Row {
    pub method: Method,
    pub path: &'static str,
    pub fixture: Fixture,
    pub send: Send,
    /// One status per caller, in the order of [`CALLERS`], separated by spaces.
    pub expect: &'static str,
}

/// A row: `row(METHOD, "path with {placeholders}", fixture, send, "401 200 …")`.
pub fn row(
    method: Method,
    path: &'static str,
    fixture: Fixture,
    send: Send,
    expect: &'static str,
) -> Row {
    Row {
        method,
        path,
        fixture,
        send,
        expect,
    }
}

static UNIQUE: AtomicI64 = AtomicI64::new(1);

struct Callers {
    tokens: Vec<Option<String>>,
    browsers: Vec<Browser>,
    csrf: Vec<String>,
}

impl Callers {
    async fn new(w: &World) -> Callers {
        let mut tokens = Vec::new();
        let mut browsers = Vec::new();
        let mut csrf = Vec::new();
        for email in EMAILS {
            let browser = match email {
                None => Browser::new(&w.app),
                Some(email) => Browser::signed_in_with(&w.app, email, password_of(email)).await,
            };
            tokens.push(match email {
                None => None,
                Some(email) => Some(w.app.login(email, password_of(email)).await),
            });
            let form = if email.is_some() {
                "/account"
            } else {
                "/login"
            };
            csrf.push(browser.get(form).await.csrf_token());
            browsers.push(browser);
        }
        Callers {
            tokens,
            browsers,
            csrf,
        }
    }
}

fn password_of(email: &str) -> &'static str {
    if email == ADMIN_EMAIL {
        ADMIN_PASSWORD
    } else {
        PASSWORD
    }
}

/// The placeholders of a call: the world's ids, a unique number, and what the fixture made.
async fn placeholders(w: &World, fixture: Fixture) -> HashMap<&'static str, String> {
    let n = UNIQUE.fetch_add(1, Ordering::Relaxed);
    let mut values: HashMap<&'static str, String> = HashMap::from([
        ("{program}", id(&w.east).to_owned()),
        ("{other_program}", id(&w.west).to_owned()),
        ("{library}", id(&w.eym).to_owned()),
        ("{sibling}", id(&w.amh).to_owned()),
        ("{n}", n.to_string()),
        ("{oclc}", (5_000_000 + n).to_string()),
        ("{symbol}", format!("S{}", n % 10_000)),
    ]);
    let commitment = match fixture {
        Fixture::LibraryProposal => Some(w.library_proposal(5_000_000 + n).await),
        Fixture::Allocation => Some(w.allocation(5_000_000 + n).await),
        Fixture::Active => Some(w.active(5_000_000 + n).await),
        Fixture::ReleaseRequested => Some(w.release_requested(5_000_000 + n).await),
        _ => None,
    };
    if let Some(c) = commitment {
        values.insert("{c}", id(&c).to_owned());
        values.insert("{v}", c["version"].to_string());
    } else {
        // Reads of a commitment ask for one proposal made once.
        values.insert("{c}", shared_commitment(w).await);
        values.insert("{v}", "1".into());
    }
    match fixture {
        Fixture::FreshLibrary => {
            let symbol = format!("F{}", n % 10_000);
            let library = w
                .app
                .create_library(&w.admin, &symbol, &format!("Fx{n}"))
                .await;
            values.insert("{fresh_library}", id(&library).to_owned());
        }
        Fixture::FreshUser => {
            let email = format!("fresh{n}@test.org");
            let user = w
                .app
                .create_user(&w.admin, &email, "collection_manager", Some(&w.amh), &[])
                .await;
            values.insert("{fresh_user}", id(&user).to_owned());
        }
        Fixture::Scenario => {
            let (status, scenario) = w
                .app
                .post(
                    &format!("/api/v1/programs/{}/scenarios", id(&w.east)),
                    &w.coord_east,
                    serde_json::json!({"name": format!("Scenario {n}"), "titles": "both"}),
                )
                .await;
            assert_eq!(status, StatusCode::CREATED, "{scenario}");
            values.insert("{scenario}", id(&scenario).to_owned());
        }
        _ => {}
    }
    values
}

/// One proposal of EYM in EAST, made on first use.
async fn shared_commitment(w: &World) -> String {
    let (status, page) = w
        .app
        .get("/api/v1/commitments?oclc_number=4999999", &w.admin)
        .await;
    assert_eq!(status, StatusCode::OK);
    if let Some(existing) = page["items"].get(0) {
        return id(existing).to_owned();
    }
    id(&w.library_proposal(4_999_999).await).to_owned()
}

fn fill(template: &str, values: &HashMap<&'static str, String>) -> String {
    values
        .iter()
        .fold(template.to_owned(), |text, (key, value)| {
            text.replace(key, value)
        })
}

/// Sends `row` as caller `who`; the status it got.
async fn call(w: &World, callers: &Callers, row: &Row, who: usize) -> StatusCode {
    let values = placeholders(w, row.fixture).await;
    let path = fill(row.path, &values);
    match row.send {
        Send::Api(body) => {
            let body = body.map(|b| serde_json::from_str::<Value>(&fill(b, &values)).unwrap());
            w.app
                .request(
                    row.method.clone(),
                    &path,
                    callers.tokens[who].as_deref(),
                    body,
                )
                .await
                .0
        }
        Send::ApiCsv => {
            let mut request = w
                .app
                .client
                .request(row.method.clone(), format!("{}{path}", w.app.address))
                .header("content-type", "text/csv")
                .body(format!(
                    "oclc_number,title\n{},From a file\n",
                    values["{oclc}"]
                ));
            if let Some(token) = &callers.tokens[who] {
                request = request.bearer_auth(token);
            }
            request.send().await.unwrap().status()
        }
        Send::Page(form) => {
            let fresh;
            let browser = if row.fixture == Fixture::FreshSession {
                fresh = match EMAILS[who] {
                    None => Browser::new(&w.app),
                    Some(email) => Browser::signed_in_with(&w.app, email, password_of(email)).await,
                };
                &fresh
            } else {
                &callers.browsers[who]
            };
            let csrf = if row.fixture == Fixture::FreshSession {
                let form = if EMAILS[who].is_some() {
                    "/account"
                } else {
                    "/login"
                };
                browser.get(form).await.csrf_token()
            } else {
                callers.csrf[who].clone()
            };
            if row.method == Method::GET {
                return browser.get(&path).await.status;
            }
            let filled = fill(form.unwrap_or(""), &values);
            let mut fields: Vec<(&str, &str)> = filled
                .split('&')
                .filter(|pair| !pair.is_empty())
                .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
                .collect();
            fields.push(("csrf_token", &csrf));
            browser.post_raw(&path, &fields).await.status
        }
        Send::Upload => {
            let form = reqwest::multipart::Form::new()
                .text("csrf_token", callers.csrf[who].clone())
                .text("program_id", values["{program}"].clone())
                .text("library_id", values["{library}"].clone())
                .text("format", "csv")
                .text("mode", "all_or_nothing")
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(
                        format!("oclc_number,title\n{},Uploaded\n", values["{oclc}"]).into_bytes(),
                    )
                    .file_name("file.csv"),
                );
            callers.browsers[who]
                .post_multipart(&path, form)
                .await
                .status
        }
    }
}

/// `(METHOD, path)` of every route registered in `src/http/routes.rs`, path parameters as `{}`.
fn registered_routes() -> BTreeSet<(String, String)> {
    let source = include_str!("../../../src/http/routes.rs");
    let body =
        &source[source.find("pub fn configure").unwrap()..source.find("/// A web page's").unwrap()];
    let mut routes = BTreeSet::new();
    let mut prefix = "";
    let mut current: Option<String> = None;
    let mut rest = body;
    while !rest.is_empty() {
        let next = ["page(\"", "resource(\"", ".route(web::", "web::scope(\""]
            .iter()
            .filter_map(|token| rest.find(token).map(|at| (at, *token)))
            .min();
        let Some((at, token)) = next else { break };
        rest = &rest[at + token.len()..];
        match token {
            "web::scope(\"" => prefix = "/api/v1",
            ".route(web::" => {
                let method = rest.split('(').next().unwrap().to_uppercase();
                routes.insert((method, current.clone().expect("a route after its resource")));
            }
            _ => {
                let path = rest.split('"').next().unwrap();
                current = Some(normalise(&format!("{prefix}{path}")));
            }
        }
    }
    routes
}

/// The route a row asks: the most specific one of its method whose segments match the row's path
/// (a route's `{}` matches any segment, such as an action's name).
fn route_of(
    routes: &BTreeSet<(String, String)>,
    method: &str,
    path: &str,
) -> Option<(String, String)> {
    let asked = normalise(path);
    let segments: Vec<&str> = asked.split('/').collect();
    routes
        .iter()
        .filter(|(m, route)| {
            let parts: Vec<&str> = route.split('/').collect();
            m == method
                && parts.len() == segments.len()
                && parts
                    .iter()
                    .zip(&segments)
                    .all(|(part, segment)| *part == "{}" || part == segment)
        })
        .min_by_key(|(_, route)| route.matches("{}").count())
        .cloned()
}

/// A path with every `{…}` as `{}` and without its query.
fn normalise(path: &str) -> String {
    let path = path.split('?').next().unwrap();
    let mut out = String::new();
    let mut inside = false;
    for c in path.chars() {
        match c {
            '{' => {
                inside = true;
                out.push_str("{}");
            }
            '}' => inside = false,
            _ if inside => {}
            _ => out.push(c),
        }
    }
    out
}

async fn every_route_answers_every_caller_as_the_matrix_says(app: TestApp) {
    let w = World::new(app).await;
    let rows: Vec<Row> = api_rows::rows()
        .into_iter()
        .chain(page_rows::rows())
        .collect();

    let routes = registered_routes();
    let mut covered = BTreeSet::new();
    let mut unknown = Vec::new();
    for row in &rows {
        match route_of(&routes, row.method.as_ref(), row.path) {
            Some(route) => {
                covered.insert(route);
            }
            None => unknown.push(format!("{} {}", row.method, row.path)),
        }
    }
    let missing: Vec<_> = routes.difference(&covered).collect();
    assert!(
        missing.is_empty(),
        "routes without a row in the access matrix: {missing:?}"
    );
    assert!(
        unknown.is_empty(),
        "rows for routes that do not exist: {unknown:?}"
    );

    let callers = Callers::new(&w).await;
    let mut wrong = Vec::new();
    let mut cells = 0;
    for row in &rows {
        let expected: Vec<u16> = row
            .expect
            .split_whitespace()
            .map(|s| s.parse().unwrap())
            .collect();
        assert_eq!(expected.len(), CALLERS.len(), "{} {}", row.method, row.path);
        for (who, want) in expected.into_iter().enumerate() {
            let got = call(&w, &callers, row, who).await;
            cells += 1;
            if got.as_u16() != want {
                wrong.push(format!(
                    "{} {} as {}: {} (expected {want})",
                    row.method,
                    row.path,
                    CALLERS[who],
                    got.as_u16()
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {cells} cells differ from the matrix:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
