//! The binary as an operator runs it: first start, restart, migrate, user create, verify-audit.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{Backend, TestDatabase};

const BINARY: &str = env!("CARGO_BIN_EXE_retention-registry");

/// The command with a clean environment: only what each test sets reaches it.
fn registry(dir: &Path, database: Option<&str>) -> Command {
    let mut command = Command::new(BINARY);
    command.current_dir(dir);
    for (key, _) in std::env::vars() {
        if key.starts_with("REGISTRY_") {
            command.env_remove(key);
        }
    }
    command.env("REGISTRY_LOG", "warn");
    if let Some(database) = database {
        command.env("REGISTRY_DATABASE_URL", database);
    }
    command
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Server {
    child: Child,
    base: String,
    stdout: PathBuf,
}

impl Server {
    async fn start(dir: &Path, database: Option<&str>, run: u32) -> Server {
        let port = free_port();
        let stdout = dir.join(format!("stdout-{run}.txt"));
        let child = registry(dir, database)
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::from(File::create(&stdout).unwrap()))
            .stderr(Stdio::from(
                File::create(dir.join(format!("stderr-{run}.txt"))).unwrap(),
            ))
            .spawn()
            .expect("binary starts");
        let server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
            stdout,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(response) = reqwest::get(format!("{}/healthz", server.base)).await {
                if response.status() == StatusCode::OK {
                    return server;
                }
            }
            assert!(
                Instant::now() < deadline,
                "server did not become healthy: {}",
                std::fs::read_to_string(dir.join(format!("stderr-{run}.txt"))).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn printed(&self) -> String {
        std::fs::read_to_string(&self.stdout).unwrap()
    }

    /// SIGTERM, then the exit status must be success.
    fn stop(self) {
        self.stop_with("-TERM");
    }

    /// Sends `signal` (`-TERM`, `-INT`); the exit status must be success.
    fn stop_with(mut self, signal: &str) {
        self.signal(signal);
        self.wait_for_exit(signal);
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    fn wait_for_exit(&mut self, signal: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(exit) = self.child.try_wait().unwrap() {
                assert!(exit.success(), "server exited with {exit} after {signal}");
                return;
            }
            assert!(
                Instant::now() < deadline,
                "server did not stop after {signal}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        reqwest::Client::new()
            .post(format!("{}/api/v1/auth/login", self.base))
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .unwrap()
    }

    async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        let response = reqwest::Client::new()
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        (
            response.status(),
            response.json().await.unwrap_or(Value::Null),
        )
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn generated_password(printed: &str) -> String {
    printed
        .lines()
        .find_map(|line| line.split("shown only this once: ").nth(1))
        .unwrap_or_else(|| panic!("no admin password printed in {printed:?}"))
        .trim()
        .to_owned()
}

/// The database URL to pass: none for SQLite (the default `data/registry.db` is used).
fn database_for(backend: Backend) -> Option<(Option<TestDatabase>, Option<String>)> {
    match backend {
        Backend::Sqlite => Some((None, None)),
        Backend::Postgres => {
            let db = TestDatabase::postgres()?;
            let url = db.url_string.clone();
            Some((Some(db), Some(url)))
        }
    }
}

async fn first_start_prints_admin_password_once_and_restart_keeps_everything(backend: Backend) {
    let Some((_db, url)) = database_for(backend) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), url.as_deref(), 1).await;
    let password = generated_password(&server.printed());
    assert!(server.printed().contains("admin@localhost"));
    let response = server.login("admin@localhost", &password).await;
    assert_eq!(response.status(), StatusCode::OK);
    let token = response.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let created = reqwest::Client::new()
        .post(format!("{}/api/v1/programs", server.base))
        .bearer_auth(&token)
        .json(&json!({"code": "EAST", "name": "EAST"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    server.stop();

    let secret = dir.path().join("data/jwt.secret");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&secret).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    if backend == Backend::Sqlite {
        assert!(dir.path().join("data/registry.db").exists());
    }

    let server = Server::start(dir.path(), url.as_deref(), 2).await;
    assert!(
        !server.printed().contains("first admin"),
        "a second admin was created: {}",
        server.printed()
    );
    let (status, me) = server.get("/api/v1/me", &token).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a token from before the restart must still work"
    );
    assert_eq!(me["email"], "admin@localhost");
    let (_, programs) = server.get("/api/v1/programs", &token).await;
    assert_eq!(programs["items"][0]["code"], "EAST");
    server.stop();
}

async fn admin_from_environment_is_used_for_the_first_start(backend: Backend) {
    let Some((_db, url)) = database_for(backend) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let refused_dir = tempfile::tempdir().unwrap();
    let refused = registry(refused_dir.path(), url.as_deref())
        .env("REGISTRY_ADMIN_EMAIL", "ops@library.example")
        .env("REGISTRY_ADMIN_PASSWORD", "short")
        .args(["--bind", &format!("127.0.0.1:{port}")])
        .output()
        .unwrap();
    assert!(
        !refused.status.success(),
        "a too-short admin password must stop the start"
    );
    assert!(String::from_utf8_lossy(&refused.stderr).contains("12 characters"));
    let secret = "s".repeat(40);
    let stdout = dir.path().join("stdout-env.txt");
    let child = registry(dir.path(), url.as_deref())
        .env("REGISTRY_ADMIN_EMAIL", "ops@library.example")
        .env("REGISTRY_ADMIN_PASSWORD", "an-operator-password")
        .env("REGISTRY_JWT_SECRET", &secret)
        .args(["--bind", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::from(File::create(&stdout).unwrap()))
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
        stdout,
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while reqwest::get(format!("{}/healthz", server.base))
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        !server.printed().contains("an-operator-password"),
        "the password must not be printed"
    );
    assert_eq!(
        server
            .login("ops@library.example", "an-operator-password")
            .await
            .status(),
        StatusCode::OK
    );
    assert!(
        !dir.path().join("data/jwt.secret").exists(),
        "REGISTRY_JWT_SECRET must be used instead of a file"
    );
    server.stop();
}

async fn migrate_applies_every_migration_to_an_empty_database(backend: Backend) {
    let Some((_db, url)) = database_for(backend) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let first = registry(dir.path(), url.as_deref())
        .arg("migrate")
        .output()
        .unwrap();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let printed = String::from_utf8_lossy(&first.stdout);
    let expected = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite"))
        .unwrap()
        .count();
    assert!(
        printed.starts_with(&format!("{expected} migration(s) applied")),
        "{printed}"
    );
    let second = registry(dir.path(), url.as_deref())
        .arg("migrate")
        .output()
        .unwrap();
    assert!(second.status.success());
    assert!(String::from_utf8_lossy(&second.stdout).starts_with("0 migration(s) applied"));
    let verify = registry(dir.path(), url.as_deref())
        .arg("verify-audit")
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    assert!(String::from_utf8_lossy(&verify.stdout).contains("0 event(s) verified"));
}

async fn user_create_reads_the_password_from_stdin_and_skips_the_bootstrap_admin(backend: Backend) {
    let Some((_db, url)) = database_for(backend) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let create = |args: &[&str], stdin: &str| {
        let mut child = registry(dir.path(), url.as_deref())
            .args(["user", "create"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let made = create(
        &[
            "--email",
            "Ops@Library.example",
            "--role",
            "admin",
            "--name",
            "Operations",
        ],
        "an-operator-password\n",
    );
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    assert!(String::from_utf8_lossy(&made.stdout).contains("ops@library.example"));
    let short = create(
        &["--email", "x@library.example", "--role", "admin"],
        "short\n",
    );
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("12 characters"));
    let no_program = create(
        &["--email", "c@library.example", "--role", "coordinator"],
        "an-operator-password\n",
    );
    assert!(!no_program.status.success());
    assert!(String::from_utf8_lossy(&no_program.stderr).contains("program"));
    let unknown = create(
        &[
            "--email",
            "c@library.example",
            "--role",
            "coordinator",
            "--program",
            "NOPE",
        ],
        "an-operator-password\n",
    );
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("NOPE"));
    let bad_role = create(
        &["--email", "c@library.example", "--role", "librarian"],
        "an-operator-password\n",
    );
    assert!(!bad_role.status.success());

    let server = Server::start(dir.path(), url.as_deref(), 1).await;
    assert!(
        !server.printed().contains("first admin"),
        "users exist, so no first admin: {}",
        server.printed()
    );
    assert_eq!(
        server
            .login("ops@library.example", "an-operator-password")
            .await
            .status(),
        StatusCode::OK
    );
    server.stop();
    let verify = registry(dir.path(), url.as_deref())
        .arg("verify-audit")
        .output()
        .unwrap();
    assert!(verify.status.success());
    assert!(String::from_utf8_lossy(&verify.stdout).contains("1 event(s) verified"));
}

macro_rules! binary_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test] async fn $name() { super::$name(crate::helpers::Backend::Sqlite).await } )*
        }
        mod postgres {
            $( #[tokio::test] async fn $name() { super::$name(crate::helpers::Backend::Postgres).await } )*
        }
    };
}

binary_tests!(
    first_start_prints_admin_password_once_and_restart_keeps_everything,
    admin_from_environment_is_used_for_the_first_start,
    migrate_applies_every_migration_to_an_empty_database,
    user_create_reads_the_password_from_stdin_and_skips_the_bootstrap_admin,
    ctrl_c_finishes_the_requests_in_flight_and_exits_0,
    a_backup_taken_while_serving_restores_every_row_and_a_chain_that_verifies,
    holdings_loads_a_file_for_the_library_its_symbol_names,
);

async fn holdings_loads_a_file_for_the_library_its_symbol_names(backend: Backend) {
    let Some((_db, url)) = database_for(backend) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // The demo's libraries, with a few commitments (the `demo` command's 5,400 take 20 s in a debug build).
    let url = url.unwrap_or_else(|| format!("sqlite://{}/registry.db", dir.path().display()));
    let db = retention_registry::db::Db::connect(
        &retention_registry::db::DatabaseUrl::parse(&url).unwrap(),
        2,
    )
    .unwrap();
    db.migrate().unwrap();
    retention_registry::demo::load(&db, 20).unwrap();
    drop(db);
    let url = Some(url);
    let file = dir.path().join("holdings.csv");
    std::fs::write(
        &file,
        "oclc_number,title\n(OCoLC)ocm90000001,A held title\nbad,Broken\n",
    )
    .unwrap();
    let loaded = registry(dir.path(), url.as_deref())
        .args([
            "holdings",
            file.to_str().unwrap(),
            "--library",
            "AMH",
            "--mode",
            "replace",
        ])
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&loaded.stdout),
        String::from_utf8_lossy(&loaded.stderr),
    );
    assert!(loaded.status.success(), "{stderr}");
    assert!(
        stdout.contains("2 row(s): AMH now holds 1 title(s); 1 new title(s), rejected 1"),
        "{stdout}"
    );
    assert!(stderr.contains("line 3: oclc_number"), "{stderr}");
    let unknown = registry(dir.path(), url.as_deref())
        .args(["holdings", file.to_str().unwrap(), "--library", "NOPE"])
        .output()
        .unwrap();
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("--library"));
}

async fn ctrl_c_finishes_the_requests_in_flight_and_exits_0(backend: Backend) {
    let Some((_db, url)) = database_for(backend) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path(), url.as_deref(), 1).await;
    let password = generated_password(&server.printed());
    let token = server
        .login("admin@localhost", &password)
        .await
        .json::<Value>()
        .await
        .unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let client = reqwest::Client::new();
    let post = |path: &str, body: Value| {
        client
            .post(format!("{}/api/v1{path}", server.base))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let program: Value = post(
        "/programs",
        json!({"code": "EAST", "name": "EAST", "default_retention_end": "2031-06-30"}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let library: Value = post(
        "/libraries",
        json!({"name": "Amherst", "oclc_symbol": "AMH", "marc_org_code": "MA"}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    post(
        &format!("/programs/{}/members", program["id"].as_str().unwrap()),
        json!({"library_id": library["id"]}),
    )
    .await
    .unwrap();
    // An import long enough to be in flight when the signal comes.
    let rows = 20_000;
    let mut file = String::from("oclc_number,title\n");
    for n in 0..rows {
        file.push_str(&format!("{},Title {n}\n", 1_000_000 + n));
    }
    let import = client
        .post(format!(
            "{}/api/v1/imports?program_id={}&library_id={}",
            server.base,
            program["id"].as_str().unwrap(),
            library["id"].as_str().unwrap()
        ))
        .bearer_auth(&token)
        .body(file)
        .send();
    let interrupt = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        server.signal("-INT");
    };
    let (answer, ()) = tokio::join!(import, interrupt);
    let answer = answer.expect("the import in flight was answered");
    assert_eq!(answer.status(), StatusCode::OK);
    let report: Value = answer.json().await.unwrap();
    assert_eq!(report["imported"], rows, "{report}");
    server.wait_for_exit("-INT");
}

/// The commitments (NDJSON) and the audit trail (CSV) of `database`, as `export` writes them.
fn exported(dir: &Path, database: &str) -> (String, String) {
    let commitments = dir.join(format!("c-{}.ndjson", uuid::Uuid::now_v7()));
    let events = dir.join(format!("e-{}.csv", uuid::Uuid::now_v7()));
    for (args, file) in [
        (vec!["export", "--format", "ndjson"], &commitments),
        (vec!["export", "--events", "--format", "csv"], &events),
    ] {
        let out = registry(dir, Some(database))
            .args(args)
            .arg("--output")
            .arg(file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    (
        std::fs::read_to_string(commitments).unwrap(),
        std::fs::read_to_string(events).unwrap(),
    )
}

async fn a_backup_taken_while_serving_restores_every_row_and_a_chain_that_verifies(
    backend: Backend,
) {
    let Some((_db, url)) = database_for(backend) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), url.as_deref(), 1).await;
    let password = generated_password(&server.printed());
    let token = server
        .login("admin@localhost", &password)
        .await
        .json::<Value>()
        .await
        .unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let client = reqwest::Client::new();
    let post = |path: String, body: Value| {
        client
            .post(format!("{}/api/v1{path}", server.base))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let program: Value = post(
        "/programs".into(),
        json!({"code": "EAST", "name": "EAST", "default_retention_end": "2031-06-30"}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let library: Value = post(
        "/libraries".into(),
        json!({"name": "Amherst", "oclc_symbol": "AMH", "marc_org_code": "MA"}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    post(
        format!("/programs/{}/members", program["id"].as_str().unwrap()),
        json!({"library_id": library["id"]}),
    )
    .await
    .unwrap();
    for n in 0..5 {
        let created = post(
            "/commitments".into(),
            json!({"program_id": program["id"], "library_id": library["id"], "oclc_number": 900 + n,
                   "title": format!("Title {n}"), "private_note": "kept in the backup"}),
        )
        .await
        .unwrap();
        assert_eq!(created.status(), StatusCode::CREATED);
    }
    let backup = dir.path().join("registry.backup");
    let out = registry(dir.path(), url.as_deref())
        .args(["backup", "--output"])
        .arg(&backup)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(backup.exists());
    // A second backup never overwrites the first.
    let again = registry(dir.path(), url.as_deref())
        .args(["backup", "--output"])
        .arg(&backup)
        .output()
        .unwrap();
    assert!(!again.status.success());
    let original = match &url {
        Some(url) => url.clone(),
        None => format!("sqlite://{}", dir.path().join("data/registry.db").display()),
    };
    let (restored_url, _restored_db) = match &url {
        None => (format!("sqlite://{}", backup.display()), None),
        Some(_) => {
            let restored = TestDatabase::postgres().unwrap();
            let out = Command::new("pg_restore")
                .args(["--no-owner", "--dbname", &restored.url_string])
                .arg(&backup)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            (restored.url_string.clone(), Some(restored))
        }
    };
    let verify = registry(dir.path(), Some(&restored_url))
        .arg("verify-audit")
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
    let (commitments, events) = exported(dir.path(), &original);
    let (restored_commitments, restored_events) = exported(dir.path(), &restored_url);
    assert_eq!(commitments.lines().count(), 5);
    assert_eq!(restored_commitments, commitments);
    assert_eq!(restored_events, events);
    server.stop();
}
