//! The route table, and how malformed requests become the contract's error bodies.

use actix_web::error::{JsonPayloadError, PathError};
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};

use super::api::{
    actions, auth, commitments, coverage, exports, health, holdings, imports, libraries, programs,
    renewals, scenarios, titles, users, withdrawal,
};
use super::pages::{
    self, account, admin, dashboard, detail, exports as export_pages, imports as import_pages,
    login, programs as program_pages, propose, security, titles as title_pages, PageError,
};
use crate::error::ApiError;

/// Largest JSON body accepted.
pub const JSON_LIMIT_BYTES: usize = 1024 * 1024;

/// Registers every route, with the extractor settings that turn bad input into 400/404/413 bodies.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(json_config())
        .app_data(web::PathConfig::default().error_handler(path_error))
        .app_data(
            web::FormConfig::default()
                .limit(JSON_LIMIT_BYTES)
                .error_handler(|err, _req| {
                    ApiError::BadRequest(format!("the form could not be read: {err}")).into()
                }),
        )
        .service(page("/").route(web::get().to(dashboard::show)))
        .service(resource("/static/app.css").route(web::get().to(security::stylesheet)))
        .service(
            page("/login")
                .route(web::get().to(login::show))
                .route(web::post().to(login::submit)),
        )
        .service(page("/logout").route(web::post().to(login::logout)))
        .service(
            page("/commitments")
                .route(web::get().to(pages::commitments::list))
                .route(web::post().to(propose::create)),
        )
        .service(page("/commitments/new").route(web::get().to(propose::new)))
        .service(page("/commitments/bulk").route(web::post().to(pages::commitments::bulk)))
        .service(page("/commitments/{id}").route(web::get().to(detail::show)))
        .service(page("/commitments/{id}/{action}").route(web::post().to(detail::act)))
        .service(page("/titles").route(web::get().to(title_pages::lookup)))
        .service(
            page("/withdrawal-check")
                .route(web::get().to(pages::withdrawal::show))
                .route(web::post().to(pages::withdrawal::submit)),
        )
        .service(page("/programs/{id}").route(web::get().to(program_pages::show)))
        .service(page("/programs/{id}/coverage").route(web::get().to(pages::coverage::show)))
        .service(
            page("/programs/{id}/scenarios")
                .route(web::get().to(pages::scenarios::list))
                .route(web::post().to(pages::scenarios::create)),
        )
        .service(page("/scenarios/{id}").route(web::get().to(pages::scenarios::show)))
        .service(page("/scenarios/{id}/apply").route(web::post().to(pages::scenarios::apply)))
        .service(page("/scenarios/{id}/delete").route(web::post().to(pages::scenarios::delete)))
        .service(
            page("/libraries/{id}/holdings")
                .route(web::get().to(pages::holdings::show))
                .route(web::post().to(pages::holdings::load)),
        )
        .service(page("/imports/new").route(web::get().to(import_pages::new)))
        .service(page("/imports").route(web::post().to(import_pages::submit)))
        .service(page("/exports").route(web::get().to(export_pages::show)))
        .service(page("/exports/commitments").route(web::get().to(export_pages::commitments)))
        .service(page("/exports/events").route(web::get().to(export_pages::events)))
        .service(
            page("/admin/programs")
                .route(web::get().to(admin::programs::list))
                .route(web::post().to(admin::programs::create)),
        )
        .service(
            page("/admin/programs/{id}/members").route(web::post().to(admin::programs::add_member)),
        )
        .service(
            page("/admin/libraries")
                .route(web::get().to(admin::libraries::list))
                .route(web::post().to(admin::libraries::create)),
        )
        .service(
            page("/admin/users")
                .route(web::get().to(admin::users::list))
                .route(web::post().to(admin::users::create)),
        )
        .service(page("/admin/users/{id}").route(web::post().to(admin::users::update)))
        .service(page("/account").route(web::get().to(account::show)))
        .service(page("/account/password").route(web::post().to(account::change_password)))
        .service(resource("/healthz").route(web::get().to(health::healthz)))
        .configure(bench_routes)
        .service(resource("/api/openapi.json").route(web::get().to(health::openapi)))
        .service(
            web::scope("/api/v1")
                .service(resource("/auth/login").route(web::post().to(auth::login)))
                .service(resource("/me").route(web::get().to(auth::me)))
                .service(resource("/me/password").route(web::post().to(auth::change_password)))
                .service(
                    resource("/programs")
                        .route(web::get().to(programs::list))
                        .route(web::post().to(programs::create)),
                )
                .service(resource("/programs/{id}").route(web::get().to(programs::show)))
                .service(
                    resource("/programs/{id}/members")
                        .route(web::get().to(programs::members))
                        .route(web::post().to(programs::add_member)),
                )
                .service(resource("/programs/{id}/summary").route(web::get().to(programs::summary)))
                .service(resource("/programs/{id}/expire").route(web::post().to(programs::expire)))
                .service(resource("/programs/{id}/coverage").route(web::get().to(coverage::list)))
                .service(resource("/programs/{id}/renewals").route(web::post().to(renewals::renew)))
                .service(
                    resource("/programs/{id}/scenarios").route(web::post().to(scenarios::create)),
                )
                .service(
                    resource("/scenarios/{id}")
                        .route(web::get().to(scenarios::show))
                        .route(web::delete().to(scenarios::delete)),
                )
                .service(
                    resource("/scenarios/{id}/allocations")
                        .route(web::get().to(scenarios::allocations)),
                )
                .service(resource("/scenarios/{id}/apply").route(web::post().to(scenarios::apply)))
                .service(
                    resource("/programs/{id}/expiring").route(web::get().to(renewals::expiring)),
                )
                .service(
                    resource("/programs/{id}/coverage/summary")
                        .route(web::get().to(coverage::summary)),
                )
                .service(
                    resource("/commitments")
                        .route(web::get().to(commitments::list))
                        .route(web::post().to(commitments::propose)),
                )
                .service(resource("/commitments/{id}").route(web::get().to(commitments::show)))
                .service(
                    resource("/commitments/{id}/events").route(web::get().to(commitments::events)),
                )
                .service(resource("/commitments/{id}/{action}").route(web::post().to(actions::act)))
                .service(resource("/titles").route(web::get().to(titles::lookup)))
                .service(
                    resource("/exports/commitments").route(web::get().to(exports::commitments)),
                )
                .service(resource("/exports/events").route(web::get().to(exports::events)))
                .service(resource("/imports").route(web::post().to(imports::import)))
                .service(resource("/withdrawal-check").route(web::post().to(withdrawal::check)))
                .service(
                    resource("/libraries")
                        .route(web::get().to(libraries::list))
                        .route(web::post().to(libraries::create)),
                )
                .service(resource("/libraries/{id}").route(web::get().to(libraries::show)))
                .service(resource("/libraries/{id}/holdings").route(web::post().to(holdings::load)))
                .service(
                    resource("/libraries/{id}/holdings/summary")
                        .route(web::get().to(holdings::summary)),
                )
                .service(
                    resource("/users")
                        .route(web::get().to(users::list))
                        .route(web::post().to(users::create)),
                )
                .service(
                    resource("/users/{id}")
                        .route(web::get().to(users::show))
                        .route(web::patch().to(users::update)),
                )
                .default_service(web::to(not_found)),
        )
        .default_service(web::to(not_found));
}

/// A web page's resource: a path id that is not one answers the HTML "not found" page.
fn page(path: &str) -> actix_web::Resource {
    resource(path).app_data(web::PathConfig::default().error_handler(|_err, req| {
        PageError::from(ApiError::NotFound(req.path().to_owned())).into()
    }))
}

/// A resource whose unsupported methods answer 405 with the contract's error body.
fn resource(path: &str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(|req: HttpRequest| async move {
        ApiError::MethodNotAllowed(format!("{} is not allowed on {}", req.method(), req.path()))
            .error_response()
    }))
}

async fn not_found(req: HttpRequest) -> HttpResponse {
    ApiError::NotFound(req.path().to_owned()).error_response()
}

fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(JSON_LIMIT_BYTES)
        // A JSON endpoint takes `application/json` (or `…+json`), as the contract says: another
        // type is 415, not read as JSON anyway.
        .content_type(|mime| {
            mime.subtype() == actix_web::mime::JSON || mime.suffix() == Some(actix_web::mime::JSON)
        })
        .error_handler(|err, _req| {
            let error = match &err {
                JsonPayloadError::ContentType => {
                    ApiError::UnsupportedMediaType("send the body as application/json".into())
                }
                JsonPayloadError::Overflow { .. }
                | JsonPayloadError::OverflowKnownLength { .. } => ApiError::PayloadTooLarge,
                JsonPayloadError::Deserialize(e) => {
                    ApiError::BadRequest(format!("the JSON body could not be read: {e}"))
                }
                other => {
                    ApiError::BadRequest(format!("the request body could not be read: {other}"))
                }
            };
            error.into()
        })
}

/// A path id that is not a UUID names nothing that exists.
fn path_error(_err: PathError, req: &HttpRequest) -> actix_web::Error {
    ApiError::NotFound(req.path().to_owned()).into()
}

/// The benchmarks' anchor route, with the `bench` feature only (see `http/bench.rs`).
fn bench_routes(_cfg: &mut web::ServiceConfig) {
    #[cfg(feature = "bench")]
    super::bench::configure(_cfg);
}
