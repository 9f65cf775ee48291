//! The OpenAPI document, generated from the handlers' annotations so that it cannot drift.

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::api::{
    actions, auth, commitments, coverage, exports, health, holdings, imports, libraries, programs,
    renewals, scenarios, titles, users, withdrawal,
};

#[derive(OpenApi)]
#[openapi(
    info(title = "retention-registry", description = "Shared-print retention commitments: which library retains which title, until when, under which program."),
    paths(
        health::healthz,
        auth::login, auth::me, auth::change_password,
        programs::create, programs::list, programs::show, programs::add_member, programs::members,
        programs::summary, programs::expire, coverage::summary, coverage::list,
        withdrawal::check, renewals::renew, renewals::expiring,
        scenarios::create, scenarios::show, scenarios::allocations, scenarios::delete, scenarios::apply,
        commitments::propose, commitments::list, commitments::show, commitments::events, actions::act,
        titles::lookup,
        exports::commitments, exports::events, imports::import,
        libraries::create, libraries::list, libraries::show,
        holdings::load, holdings::summary,
        users::create, users::list, users::show, users::update,
    ),
    components(schemas(crate::error::ErrorBody, crate::domain::FieldError)),
    modifiers(&BearerAuth, &StandardErrors),
    tags((name = "auth"), (name = "programs"), (name = "commitments"), (name = "titles"), (name = "exports"), (name = "imports"), (name = "libraries"), (name = "holdings"), (name = "coverage"), (name = "scenarios"), (name = "users"), (name = "service"))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// The error answers every operation of a kind may give, added to each operation so that the
/// document says every status the API answers with (schemathesis checks it): 400 for a malformed
/// request and 503 (with `Retry-After`) when the database is unavailable, everywhere; 401 and 403
/// where a token is needed; 404 where the path names a record; 413, 415 and 422 where a body is
/// sent, 422 also for query parameters that do not read; 429 (with `Retry-After`) for sign-in.
struct StandardErrors;

impl StandardErrors {
    fn answer(status: &str) -> (&'static str, bool) {
        match status {
            "400" => (
                "malformed request: bad JSON, a wrong type, an unknown value",
                false,
            ),
            "401" => ("no or bad credentials", false),
            "403" => ("signed in, but not allowed", false),
            "404" => ("no such record, or one the caller may not see", false),
            "413" => ("the body is too large", false),
            "415" => ("the body is not of a type this operation takes", false),
            "422" => (
                "the input does not make sense: each field with its message",
                false,
            ),
            "429" => (
                "too many failed sign-ins; try again after Retry-After seconds",
                true,
            ),
            _ => (
                "the database is unavailable; try again after Retry-After seconds",
                true,
            ),
        }
    }
}

impl Modify for StandardErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::header::HeaderBuilder;
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder, Type};
        for (path, item) in openapi.paths.paths.iter_mut() {
            for operation in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
                let body = operation.request_body.is_some();
                let query = operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
                let mut statuses = vec!["400", "503"];
                if secured {
                    statuses.extend(["401", "403"]);
                }
                if path.contains('{') {
                    statuses.push("404");
                }
                if body {
                    statuses.extend(["413", "415", "422"]);
                }
                if query {
                    statuses.push("422");
                }
                if path.ends_with("/auth/login") {
                    statuses.extend(["401", "413", "415", "422", "429"]);
                }
                for status in statuses {
                    let (description, retry_after) = Self::answer(status);
                    let mut response = ResponseBuilder::new().description(description).content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("ErrorBody")))
                            .build(),
                    );
                    if retry_after {
                        response = response.header(
                            "Retry-After",
                            HeaderBuilder::new()
                                .schema(
                                    utoipa::openapi::ObjectBuilder::new()
                                        .schema_type(Type::Integer),
                                )
                                .description(Some("seconds to wait"))
                                .build(),
                        );
                    }
                    operation
                        .responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| response.build().into());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_lists_every_route() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        for path in [
            "/healthz",
            "/api/v1/auth/login",
            "/api/v1/me",
            "/api/v1/programs/{id}/members",
            "/api/v1/users/{id}",
        ] {
            assert!(doc["paths"].get(path).is_some(), "{path} missing");
        }
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    }

    #[test]
    fn every_operation_documents_the_errors_it_may_answer() {
        let doc = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let login = &doc["paths"]["/api/v1/auth/login"]["post"]["responses"];
        for status in ["400", "401", "415", "422", "429", "503"] {
            assert!(login.get(status).is_some(), "login lacks {status}");
        }
        assert!(login["429"]["headers"].get("Retry-After").is_some());
        let show = &doc["paths"]["/api/v1/commitments/{id}"]["get"]["responses"];
        for status in ["200", "401", "404", "503"] {
            assert!(
                show.get(status).is_some(),
                "GET a commitment lacks {status}"
            );
        }
    }
}
