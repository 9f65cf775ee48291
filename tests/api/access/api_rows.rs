//! The JSON API's rows of the access matrix. Statuses per caller: signed out, admin, coordinator
//! of the program / of another, collection manager of the library / of another library of the
//! program / of a library of another program, auditor of the program / of another.

use reqwest::Method;

use super::Fixture::*;
use super::Send::*;
use super::{row, Row};

const GET: Method = Method::GET;
const POST: Method = Method::POST;
const PATCH: Method = Method::PATCH;
const DELETE: Method = Method::DELETE;

pub fn rows() -> Vec<Row> {
    vec![
        row(
            GET,
            "/healthz",
            None,
            Api(Option::None),
            "200 200 200 200 200 200 200 200 200",
        ),
        row(
            GET,
            "/api/openapi.json",
            None,
            Api(Option::None),
            "200 200 200 200 200 200 200 200 200",
        ),
        row(
            POST,
            "/api/v1/auth/login",
            None,
            Api(Some(
                r#"{"email":"cm.amh@test.org","password":"a-long-enough-password"}"#,
            )),
            "200 200 200 200 200 200 200 200 200",
        ),
        row(
            GET,
            "/api/v1/me",
            None,
            Api(Option::None),
            "401 200 200 200 200 200 200 200 200",
        ),
        row(
            POST,
            "/api/v1/me/password",
            None,
            Api(Some(
                r#"{"current_password":"not-the-password","new_password":"another-long-password"}"#,
            )),
            "401 422 422 422 422 422 422 422 422",
        ),
        // Programs, libraries, users: reads for everyone signed in, changes for the admin.
        row(
            GET,
            "/api/v1/programs",
            None,
            Api(Option::None),
            "401 200 200 200 200 200 200 200 200",
        ),
        row(
            POST,
            "/api/v1/programs",
            None,
            Api(Some(
                r#"{"code":"P{n}","name":"Program {n}","target_copies":2}"#,
            )),
            "401 201 403 403 403 403 403 403 403",
        ),
        row(
            GET,
            "/api/v1/programs/{program}",
            None,
            Api(Option::None),
            "401 200 200 200 200 200 200 200 200",
        ),
        row(
            GET,
            "/api/v1/programs/{program}/members",
            None,
            Api(Option::None),
            "401 200 200 200 200 200 200 200 200",
        ),
        row(
            POST,
            "/api/v1/programs/{program}/members",
            FreshLibrary,
            Api(Some(r#"{"library_id":"{fresh_library}"}"#)),
            "401 201 403 403 403 403 403 403 403",
        ),
        row(
            GET,
            "/api/v1/programs/{program}/summary",
            None,
            Api(Option::None),
            "401 200 200 403 200 200 403 200 403",
        ),
        row(
            POST,
            "/api/v1/programs/{program}/expire",
            None,
            Api(Some(r#"{"as_of":"2020-01-01"}"#)),
            "401 200 200 403 403 403 403 403 403",
        ),
        row(
            GET,
            "/api/v1/libraries",
            None,
            Api(Option::None),
            "401 200 200 200 200 200 200 200 200",
        ),
        row(
            POST,
            "/api/v1/libraries",
            None,
            Api(Some(
                r#"{"name":"Library {n}","oclc_symbol":"{symbol}","marc_org_code":"Xx{n}"}"#,
            )),
            "401 201 403 403 403 403 403 403 403",
        ),
        row(
            GET,
            "/api/v1/libraries/{library}",
            None,
            Api(Option::None),
            "401 200 200 200 200 200 200 200 200",
        ),
        // Collection analysis: holdings loaded for one's own side, coverage read like the program.
        row(
            POST,
            "/api/v1/libraries/{library}/holdings?format=csv",
            None,
            ApiCsv,
            "401 200 200 403 200 403 403 403 403",
        ),
        row(
            GET,
            "/api/v1/libraries/{library}/holdings/summary",
            None,
            Api(Option::None),
            "401 200 200 200 200 200 200 200 200",
        ),
        row(
            GET,
            "/api/v1/programs/{program}/coverage/summary",
            None,
            Api(Option::None),
            "401 200 200 403 200 200 403 200 403",
        ),
        row(
            GET,
            "/api/v1/programs/{program}/coverage?state=unretained",
            None,
            Api(Option::None),
            "401 200 200 403 200 200 403 200 403",
        ),
        row(
            POST,
            "/api/v1/withdrawal-check?library_id={library}",
            None,
            ApiCsv,
            "401 200 200 403 200 200 403 200 403",
        ),
        row(
            GET,
            "/api/v1/programs/{program}/expiring?before=2040-01-01",
            None,
            Api(Option::None),
            "401 200 200 403 200 200 403 200 403",
        ),
        row(
            POST,
            "/api/v1/programs/{program}/renewals",
            None,
            Api(Some(
                r#"{"ending_before":"2020-01-01","retention_end":"2040-06-30","mode":"validate"}"#,
            )),
            "401 200 200 403 403 403 403 403 403",
        ),
        row(
            POST,
            "/api/v1/programs/{program}/scenarios",
            None,
            Api(Some(r#"{"name":"Scenario {n}","titles":"both"}"#)),
            "401 201 201 403 403 403 403 403 403",
        ),
        row(
            GET,
            "/api/v1/scenarios/{scenario}",
            Scenario,
            Api(Option::None),
            "401 200 200 403 403 403 403 403 403",
        ),
        row(
            GET,
            "/api/v1/scenarios/{scenario}/allocations",
            Scenario,
            Api(Option::None),
            "401 200 200 403 403 403 403 403 403",
        ),
        row(
            POST,
            "/api/v1/scenarios/{scenario}/apply",
            Scenario,
            Api(Option::None),
            "401 200 200 403 403 403 403 403 403",
        ),
        row(
            DELETE,
            "/api/v1/scenarios/{scenario}",
            Scenario,
            Api(Option::None),
            "401 204 204 403 403 403 403 403 403",
        ),
        row(
            GET,
            "/api/v1/users",
            None,
            Api(Option::None),
            "401 200 403 403 403 403 403 403 403",
        ),
        row(
            POST,
            "/api/v1/users",
            None,
            Api(Some(
                r#"{"email":"u{n}@test.org","name":"User {n}","password":"a-long-enough-password","role":"auditor","program_ids":["{program}"]}"#,
            )),
            "401 201 403 403 403 403 403 403 403",
        ),
        row(
            GET,
            "/api/v1/users/{fresh_user}",
            FreshUser,
            Api(Option::None),
            "401 200 403 403 403 403 403 403 403",
        ),
        row(
            PATCH,
            "/api/v1/users/{fresh_user}",
            FreshUser,
            Api(Some(r#"{"disabled":true}"#)),
            "401 200 403 403 403 403 403 403 403",
        ),
        // Commitments: read within one's programs (404 outside), proposed for one's own side.
        row(
            GET,
            "/api/v1/commitments",
            None,
            Api(Option::None),
            "401 200 200 200 200 200 200 200 200",
        ),
        row(
            POST,
            "/api/v1/commitments",
            None,
            Api(Some(
                r#"{"program_id":"{program}","library_id":"{library}","oclc_number":{oclc},"title":"Proposed {n}","format":"monograph"}"#,
            )),
            "401 201 201 403 201 403 403 403 403",
        ),
        row(
            GET,
            "/api/v1/commitments/{c}",
            None,
            Api(Option::None),
            "401 200 200 404 200 200 404 200 404",
        ),
        row(
            GET,
            "/api/v1/commitments/{c}/events",
            None,
            Api(Option::None),
            "401 200 200 404 200 200 404 200 404",
        ),
        row(
            GET,
            "/api/v1/titles?oclc_number=4999999",
            None,
            Api(Option::None),
            "401 200 200 200 200 200 200 200 200",
        ),
        // The workflow: the counter-party decides, the proposer withdraws, the library reports and asks.
        row(
            POST,
            "/api/v1/commitments/{c}/accept",
            LibraryProposal,
            Api(Some(r#"{"version":{v}}"#)),
            "401 200 200 404 403 403 404 403 404",
        ),
        row(
            POST,
            "/api/v1/commitments/{c}/accept",
            Allocation,
            Api(Some(r#"{"version":{v}}"#)),
            "401 200 403 404 200 403 404 403 404",
        ),
        row(
            POST,
            "/api/v1/commitments/{c}/decline",
            LibraryProposal,
            Api(Some(r#"{"version":{v},"reason":"not needed"}"#)),
            "401 200 200 404 403 403 404 403 404",
        ),
        row(
            POST,
            "/api/v1/commitments/{c}/decline",
            Allocation,
            Api(Some(r#"{"version":{v},"reason":"not held"}"#)),
            "401 200 403 404 200 403 404 403 404",
        ),
        row(
            POST,
            "/api/v1/commitments/{c}/withdraw",
            LibraryProposal,
            Api(Some(r#"{"version":{v}}"#)),
            "401 200 403 404 200 403 404 403 404",
        ),
        row(
            POST,
            "/api/v1/commitments/{c}/withdraw",
            Allocation,
            Api(Some(r#"{"version":{v}}"#)),
            "401 200 200 404 403 403 404 403 404",
        ),
        row(
            POST,
            "/api/v1/commitments/{c}/report_loss",
            Active,
            Api(Some(r#"{"version":{v},"reason":"lost"}"#)),
            "401 200 200 404 200 403 404 403 404",
        ),
        row(
            POST,
            "/api/v1/commitments/{c}/request_release",
            Active,
            Api(Some(r#"{"version":{v},"reason":"weeding"}"#)),
            "401 200 403 404 200 403 404 403 404",
        ),
        row(
            POST,
            "/api/v1/commitments/{c}/approve_release",
            ReleaseRequested,
            Api(Some(r#"{"version":{v}}"#)),
            "401 200 200 404 403 403 404 403 404",
        ),
        row(
            POST,
            "/api/v1/commitments/{c}/deny_release",
            ReleaseRequested,
            Api(Some(r#"{"version":{v},"reason":"last copy"}"#)),
            "401 200 200 404 403 403 404 403 404",
        ),
        row(
            POST,
            "/api/v1/commitments/{c}/renew",
            Active,
            Api(Some(r#"{"version":{v},"retention_end":"2060-12-31"}"#)),
            "401 200 200 404 200 403 404 403 404",
        ),
        row(
            POST,
            "/api/v1/commitments/{c}/transfer",
            Active,
            Api(Some(r#"{"version":{v},"to_library_id":"{sibling}"}"#)),
            "401 200 200 404 403 403 404 403 404",
        ),
        // Files: exports of what one reads; imports for one's own side.
        row(
            GET,
            "/api/v1/exports/commitments?format=csv",
            None,
            Api(Option::None),
            "401 200 200 200 200 200 200 200 200",
        ),
        row(
            GET,
            "/api/v1/exports/commitments?format=csv&program_id={program}",
            None,
            Api(Option::None),
            "401 200 200 403 200 200 403 200 403",
        ),
        row(
            GET,
            "/api/v1/exports/events?format=csv",
            None,
            Api(Option::None),
            "401 200 200 200 200 200 200 200 200",
        ),
        row(
            POST,
            "/api/v1/imports?program_id={program}&library_id={library}&format=csv&mode=validate",
            None,
            ApiCsv,
            "401 200 200 403 200 403 403 403 403",
        ),
    ]
}
