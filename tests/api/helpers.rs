//! The test harness: the real application on a random port against a fresh database of either
//! backend, and one helper per endpoint.
//!
//! PostgreSQL tests need `REGISTRY_TEST_POSTGRES_URL` (a server URL such as
//! `postgres://postgres@127.0.0.1:5432`); each test creates its own database there and drops it
//! afterwards. Without the variable they are skipped with a notice, unless
//! `REGISTRY_TEST_REQUIRE_POSTGRES=1`, which makes a missing server a failure (CI sets it).

use std::io::Write;
use std::sync::Once;

use diesel::{Connection, PgConnection, RunQueryDsl};
use reqwest::{Method, StatusCode};
use retention_registry::config::{AdminBootstrap, Settings};
use retention_registry::db::DatabaseUrl;
use retention_registry::startup::Application;
use serde_json::{json, Value};
use uuid::Uuid;

pub const ADMIN_EMAIL: &str = "admin@registry.test";
pub const ADMIN_PASSWORD: &str = "admin-password-for-tests";
pub const PASSWORD: &str = "a-long-enough-password";
pub const JWT_SECRET: &[u8] = b"test-secret-that-is-at-least-32-bytes-long";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A fresh, empty database of one backend, removed when dropped.
pub struct TestDatabase {
    pub url: DatabaseUrl,
    pub url_string: String,
    _dir: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url_string = format!("sqlite://{}", dir.path().join("registry.db").display());
        Self {
            url: DatabaseUrl::parse(&url_string).expect("url"),
            url_string,
            _dir: Some(dir),
            postgres: None,
        }
    }

    /// `None` (with a notice) when PostgreSQL tests are not enabled.
    pub fn postgres() -> Option<Self> {
        let server = match std::env::var("REGISTRY_TEST_POSTGRES_URL") {
            Ok(url) if !url.trim().is_empty() => url.trim().trim_end_matches('/').to_owned(),
            _ => {
                if std::env::var("REGISTRY_TEST_REQUIRE_POSTGRES").as_deref() == Ok("1") {
                    panic!("REGISTRY_TEST_REQUIRE_POSTGRES=1 but REGISTRY_TEST_POSTGRES_URL is not set");
                }
                skip_notice();
                return None;
            }
        };
        let name = format!("registry_test_{}", Uuid::now_v7().simple());
        // Before libpq's first TLS connection, as `Db::connect` does: no OpenSSL exit handler.
        openssl_sys::init();
        let mut admin = PgConnection::establish(&format!("{server}/postgres"))
            .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {server}: {e}"));
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .expect("create test database");
        let url_string = format!("{server}/{name}");
        Some(Self {
            url: DatabaseUrl::parse(&url_string).expect("url"),
            url_string,
            _dir: None,
            postgres: Some((server, name)),
        })
    }

    pub fn of(backend: Backend) -> Option<Self> {
        match backend {
            Backend::Sqlite => Some(Self::sqlite()),
            Backend::Postgres => Self::postgres(),
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((server, name)) = &self.postgres {
            if let Ok(mut admin) = PgConnection::establish(&format!("{server}/postgres")) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin);
            }
        }
    }
}

fn skip_notice() {
    static NOTICE: Once = Once::new();
    NOTICE.call_once(|| {
        // Written past the test harness's capture, so that it shows in every `cargo test` run.
        let _ = std::io::stderr().write_all(
            b"\nNOTICE: PostgreSQL tests SKIPPED (they pass without running). Set \
              REGISTRY_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432 to run them.\n",
        );
    });
}

/// Starts an instance of the application on a random port against `database`; its address.
/// Every instance has the same secret, so a token from one is good on the others.
pub fn start_instance(database: &DatabaseUrl) -> String {
    log_to_the_test_output();
    let settings = Settings {
        database: database.clone(),
        bind: "127.0.0.1:0".into(),
        jwt_secret: JWT_SECRET.to_vec(),
        admin: AdminBootstrap {
            email: ADMIN_EMAIL.into(),
            password: Some(ADMIN_PASSWORD.into()),
        },
        secure_cookies: false,
    };
    let app = Application::build(&settings).expect("application builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    address
}

/// The server's warnings and errors go to the output of the test that caused them, which the
/// harness shows when the test fails: a failure then says what the server saw.
fn log_to_the_test_output() {
    static LOGGING: Once = Once::new();
    LOGGING.call_once(|| {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("warn"))
            .with_test_writer()
            .try_init();
    });
}

/// The application, running on a random port against its own database.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: TestDatabase,
}

impl TestApp {
    /// `None` when the backend's tests are not enabled.
    pub async fn spawn(backend: Backend) -> Option<TestApp> {
        let db = TestDatabase::of(backend)?;
        Some(TestApp {
            address: start_instance(&db.url),
            client: reqwest::Client::new(),
            db,
        })
    }

    /// Sends a request with an optional bearer token and JSON body; returns status and JSON body.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.address));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request sent");
        let status = response.status();
        let text = response.text().await.expect("body read");
        let json = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, json)
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.request(Method::GET, path, Some(token), None).await
    }

    /// The body of a GET that must succeed, as bytes (an export file).
    pub async fn get_bytes(&self, path: &str, token: &str) -> Vec<u8> {
        let response = self
            .client
            .get(format!("{}{path}", self.address))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "GET {path}: {}",
            response.status()
        );
        response.bytes().await.unwrap().to_vec()
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.request(Method::POST, path, Some(token), Some(body))
            .await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.request(Method::PATCH, path, Some(token), Some(body))
            .await
    }

    /// Signs in; panics unless it succeeds.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let (status, body) = self
            .request(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"email": email, "password": password})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "login of {email} failed: {body}");
        body["token"].as_str().expect("token").to_owned()
    }

    pub async fn admin_token(&self) -> String {
        self.login(ADMIN_EMAIL, ADMIN_PASSWORD).await
    }

    /// Creates a program; panics unless it succeeds.
    pub async fn create_program(&self, admin: &str, code: &str) -> Value {
        let (status, body) = self
            .post(
                "/api/v1/programs",
                admin,
                json!({"code": code, "name": format!("{code} program"),
                "uri": format!("https://{}.example.org", code.to_lowercase()), "target_copies": 2,
                "default_retention_end": "2042-12-31"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body
    }

    /// Creates a library; panics unless it succeeds.
    pub async fn create_library(&self, admin: &str, symbol: &str, marc: &str) -> Value {
        let (status, body) = self
            .post("/api/v1/libraries", admin, json!({"name": format!("Library {symbol}"), "oclc_symbol": symbol, "marc_org_code": marc}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body
    }

    /// Adds a library to a program; panics unless it succeeds.
    pub async fn add_member(&self, admin: &str, program: &Value, library: &Value) {
        let (status, body) = self
            .post(
                &format!(
                    "/api/v1/programs/{}/members",
                    program["id"].as_str().unwrap()
                ),
                admin,
                json!({"library_id": library["id"]}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }

    /// Creates a user with [`PASSWORD`]; panics unless it succeeds.
    pub async fn create_user(
        &self,
        admin: &str,
        email: &str,
        role: &str,
        library: Option<&Value>,
        programs: &[&Value],
    ) -> Value {
        let mut body = json!({"email": email, "name": email, "password": PASSWORD, "role": role});
        if let Some(library) = library {
            body["library_id"] = library["id"].clone();
        }
        if !programs.is_empty() {
            body["program_ids"] = programs.iter().map(|p| p["id"].clone()).collect();
        }
        let (status, body) = self.post("/api/v1/users", admin, body).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body
    }
}

/// The `field`s named in a 422 body.
pub fn error_fields(body: &Value) -> Vec<String> {
    body["error"]["details"]
        .as_array()
        .map(|details| {
            details
                .iter()
                .filter_map(|d| d["field"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Declares each listed `async fn NAME(app: TestApp)` as a test on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let app = $crate::helpers::TestApp::spawn($crate::helpers::Backend::Sqlite).await.expect("sqlite");
                    super::$name(app).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    if let Some(app) = $crate::helpers::TestApp::spawn($crate::helpers::Backend::Postgres).await {
                        super::$name(app).await;
                    }
                }
            )*
        }
    };
}
