//! The web pages' rows of the access matrix (same callers as `api_rows.rs`). Signed out, a page
//! sends the browser to `/login` (303); a form that worked sends it on (303).

use reqwest::Method;

use super::Fixture::*;
use super::Send::*;
use super::{row, Row};

const GET: Method = Method::GET;
const POST: Method = Method::POST;

pub fn rows() -> Vec<Row> {
    vec![
        row(GET, "/static/app.css", None, Page(Option::None), "200 200 200 200 200 200 200 200 200"),
        row(GET, "/login", None, Page(Option::None), "200 303 303 303 303 303 303 303 303"),
        row(POST, "/login", FreshSession, Page(Some("email=cm.amh@test.org&password=a-long-enough-password")), "303 303 303 303 303 303 303 303 303"),
        row(POST, "/logout", FreshSession, Page(Option::None), "303 303 303 303 303 303 303 303 303"),
        row(GET, "/", None, Page(Option::None), "303 200 200 200 200 200 200 200 200"),
        row(GET, "/account", None, Page(Option::None), "303 200 200 200 200 200 200 200 200"),
        row(POST, "/account/password", None, Page(Some("current_password=not-the-password&new_password=another-long-password")), "303 422 422 422 422 422 422 422 422"),
        row(GET, "/commitments", None, Page(Option::None), "303 200 200 200 200 200 200 200 200"),
        row(GET, "/commitments/new", None, Page(Option::None), "303 200 200 200 200 200 200 403 403"),
        row(POST, "/commitments", None, Page(Some("program_id={program}&library_id={library}&oclc_number={oclc}&title=Paged {n}&format=monograph")), "303 303 303 403 303 403 403 403 403"),
        row(POST, "/commitments/bulk", LibraryProposal, Page(Some("action=accept&commitment={c}:{v}")), "303 200 200 200 200 200 200 200 200"),
        row(GET, "/commitments/{c}", None, Page(Option::None), "303 200 200 404 200 200 404 200 404"),
        row(POST, "/commitments/{c}/accept", LibraryProposal, Page(Some("version={v}")), "303 303 303 404 403 403 404 403 404"),
        row(POST, "/commitments/{c}/request_release", Active, Page(Some("version={v}&reason=weeding")), "303 303 403 404 303 403 404 403 404"),
        row(GET, "/titles?q=4999999", None, Page(Option::None), "303 200 200 200 200 200 200 200 200"),
        row(GET, "/programs/{program}", None, Page(Option::None), "303 200 200 403 200 200 403 200 403"),
        row(GET, "/programs/{program}/coverage", None, Page(Option::None), "303 200 200 403 200 200 403 200 403"),
        row(GET, "/programs/{program}/scenarios", None, Page(Option::None), "303 200 200 403 403 403 403 403 403"),
        row(POST, "/programs/{program}/scenarios", None, Page(Some("name=Paged {n}&titles=both&prefer=most_holdings")), "303 303 303 403 403 403 403 403 403"),
        row(GET, "/scenarios/{scenario}", Scenario, Page(Option::None), "303 200 200 403 403 403 403 403 403"),
        row(POST, "/scenarios/{scenario}/apply", Scenario, Page(Option::None), "303 303 303 403 403 403 403 403 403"),
        row(POST, "/scenarios/{scenario}/delete", Scenario, Page(Option::None), "303 303 303 403 403 403 403 403 403"),
        row(GET, "/libraries/{library}/holdings", None, Page(Option::None), "303 200 200 200 200 200 200 200 200"),
        row(POST, "/libraries/{library}/holdings", None, Upload, "303 200 200 403 200 403 403 403 403"),
        row(GET, "/withdrawal-check", None, Page(Option::None), "303 200 200 200 200 200 200 200 200"),
        row(POST, "/withdrawal-check", None, Upload, "303 200 200 403 200 200 403 200 403"),
        row(GET, "/imports/new", None, Page(Option::None), "303 200 200 200 200 200 200 403 403"),
        row(POST, "/imports", None, Upload, "303 200 200 403 200 403 403 403 403"),
        row(GET, "/exports", None, Page(Option::None), "303 200 200 200 200 200 200 200 200"),
        row(GET, "/exports/commitments?format=csv", None, Page(Option::None), "303 200 200 200 200 200 200 200 200"),
        row(GET, "/exports/events?format=csv", None, Page(Option::None), "303 200 200 200 200 200 200 200 200"),
        row(GET, "/admin/programs", None, Page(Option::None), "303 200 403 403 403 403 403 403 403"),
        row(POST, "/admin/programs", None, Page(Some("code=PG{n}&name=Paged {n}&target_copies=2")), "303 303 403 403 403 403 403 403 403"),
        row(POST, "/admin/programs/{program}/members", FreshLibrary, Page(Some("library_id={fresh_library}")), "303 303 403 403 403 403 403 403 403"),
        row(GET, "/admin/libraries", None, Page(Option::None), "303 200 403 403 403 403 403 403 403"),
        row(POST, "/admin/libraries", None, Page(Some("name=Paged {n}&oclc_symbol={symbol}&marc_org_code=Qx{n}")), "303 303 403 403 403 403 403 403 403"),
        row(GET, "/admin/users", None, Page(Option::None), "303 200 403 403 403 403 403 403 403"),
        row(POST, "/admin/users", None, Page(Some("email=p{n}@test.org&name=Paged {n}&password=a-long-enough-password&role=auditor&program_ids={program}")), "303 303 403 403 403 403 403 403 403"),
        row(POST, "/admin/users/{fresh_user}", FreshUser, Page(Some("disabled=true")), "303 303 403 403 403 403 403 403 403"),
    ]
}
