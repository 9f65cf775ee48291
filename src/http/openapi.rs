//! The OpenAPI document, generated from the handlers' annotations so that it cannot drift.

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::api::{
    actions, auth, commitments, exports, health, imports, libraries, programs, titles, users,
};

#[derive(OpenApi)]
#[openapi(
    info(title = "retention-registry", description = "Shared-print retention commitments: which library retains which title, until when, under which program."),
    paths(
        health::healthz,
        auth::login, auth::me, auth::change_password,
        programs::create, programs::list, programs::show, programs::add_member, programs::members,
        programs::summary, programs::expire,
        commitments::propose, commitments::list, commitments::show, commitments::events, actions::act,
        titles::lookup,
        exports::commitments, exports::events, imports::import,
        libraries::create, libraries::list, libraries::show,
        users::create, users::list, users::show, users::update,
    ),
    components(schemas(crate::error::ErrorBody, crate::domain::FieldError)),
    modifiers(&BearerAuth),
    tags((name = "auth"), (name = "programs"), (name = "commitments"), (name = "titles"), (name = "exports"), (name = "imports"), (name = "libraries"), (name = "users"), (name = "service"))
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
}
