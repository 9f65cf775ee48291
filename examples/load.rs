//! Load against a running registry: many clients at once reading, proposing and acting on
//! commitments (stale versions and duplicates included, as real users produce them) while a
//! large import runs. `scripts/load` starts the server, runs this, then `verify-audit`.
//!
//!   cargo run --example load -- http://127.0.0.1:8080 ops@example.org PASSWORD 50 60 20000
//!   (base URL, admin e-mail and password, clients, seconds, rows of the import)
//!
//! Prints the requests made by kind and status, latencies, and the import's report; exits non-zero
//! on any 5xx answer other than 503 (which it counts) or an import that does not finish whole.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::seq::SliceRandom;
use rand::Rng;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

const PASSWORD: &str = "a-long-enough-password";
const LIBRARIES: [&str; 5] = ["LDA", "LDB", "LDC", "LDD", "LDE"];

struct Api {
    client: Client,
    base: String,
}

impl Api {
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .client
            .request(method, format!("{}/api/v1{path}", self.base))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        match request.send().await {
            Ok(response) => {
                let status = response.status();
                let body = response.json().await.unwrap_or(Value::Null);
                (status, body)
            }
            Err(error) => {
                eprintln!("request failed: {error}");
                (StatusCode::BAD_GATEWAY, Value::Null)
            }
        }
    }

    async fn post(&self, path: &str, token: &str, body: Value) -> Value {
        let (status, body) = self
            .send(reqwest::Method::POST, path, token, Some(body))
            .await;
        assert!(status.is_success(), "POST {path}: {status} {body}");
        body
    }

    async fn login(&self, email: &str, password: &str) -> String {
        let response = self
            .client
            .post(format!("{}/api/v1/auth/login", self.base))
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .expect("login");
        let body: Value = response.json().await.expect("login body");
        body["token"].as_str().expect("token").to_owned()
    }
}

/// Who the clients act as.
struct Cast {
    program: String,
    libraries: Vec<String>,
    coordinator: String,
    managers: Vec<String>,
    auditor: String,
}

async fn set_up(api: &Api, admin: &str) -> Cast {
    let program = api
        .post("/programs", admin, json!({"code": "LOAD", "name": "Load program", "target_copies": 2, "default_retention_end": "2045-06-30"}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut libraries = Vec::new();
    let mut managers = Vec::new();
    for symbol in LIBRARIES {
        let library = api
            .post("/libraries", admin, json!({"name": format!("Library {symbol}"), "oclc_symbol": symbol, "marc_org_code": format!("Xx{symbol}")}))
            .await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        api.post(
            &format!("/programs/{program}/members"),
            admin,
            json!({"library_id": library}),
        )
        .await;
        let email = format!("cm.{}@load.example", symbol.to_lowercase());
        api.post("/users", admin, json!({"email": email, "name": email, "password": PASSWORD, "role": "collection_manager", "library_id": library}))
            .await;
        managers.push(api.login(&email, PASSWORD).await);
        libraries.push(library);
    }
    api.post("/users", admin, json!({"email": "coord@load.example", "name": "Coordinator", "password": PASSWORD, "role": "coordinator", "program_ids": [program]}))
        .await;
    api.post("/users", admin, json!({"email": "auditor@load.example", "name": "Auditor", "password": PASSWORD, "role": "auditor", "program_ids": [program]}))
        .await;
    Cast {
        coordinator: api.login("coord@load.example", PASSWORD).await,
        auditor: api.login("auditor@load.example", PASSWORD).await,
        program,
        libraries,
        managers,
    }
}

#[derive(Default)]
struct Tally {
    by_kind: BTreeMap<(String, u16), u64>,
    latencies_ms: Vec<f64>,
}

/// One client's loop until `until`: a random operation each time.
async fn client(
    api: Arc<Api>,
    cast: Arc<Cast>,
    seen: Arc<Mutex<Vec<String>>>,
    tally: Arc<Mutex<Tally>>,
    until: Instant,
) {
    use reqwest::Method;
    while Instant::now() < until {
        let (kind, library_index, roll, oclc) = {
            let mut rng = rand::thread_rng();
            (
                rng.gen_range(0..100),
                rng.gen_range(0..LIBRARIES.len()),
                rng.gen_range(0..1000_u32),
                rng.gen_range(1..3000_i64),
            )
        };
        let library = &cast.libraries[library_index];
        let manager = &cast.managers[library_index];
        let known = {
            seen.lock()
                .unwrap()
                .choose(&mut rand::thread_rng())
                .cloned()
        };
        let started = Instant::now();
        let (label, status) = match (kind, known) {
            (0..=24, _) => {
                let path = match roll % 4 {
                    0 => format!("/commitments?program_id={}&limit=50", cast.program),
                    1 => format!("/commitments?library_id={library}&status=active&limit=20"),
                    2 => format!("/commitments?oclc_number={oclc}"),
                    _ => "/commitments?q=title&limit=10".to_owned(),
                };
                let (status, body) = api.send(Method::GET, &path, manager, None).await;
                if let Some(items) = body["items"].as_array() {
                    let mut seen = seen.lock().unwrap();
                    for item in items.iter().take(5) {
                        if let Some(id) = item["id"].as_str() {
                            if seen.len() < 5_000 {
                                seen.push(id.to_owned());
                            }
                        }
                    }
                }
                ("list", status)
            }
            (25..=34, _) => {
                let (status, _) = api
                    .send(
                        Method::GET,
                        &format!("/titles?oclc_number={oclc}"),
                        &cast.auditor,
                        None,
                    )
                    .await;
                ("title lookup", status)
            }
            (35..=39, _) => {
                let (status, _) = api
                    .send(
                        Method::GET,
                        &format!("/programs/{}/summary", cast.program),
                        &cast.coordinator,
                        None,
                    )
                    .await;
                ("summary", status)
            }
            (40..=64, _) => {
                // Proposals on a small range of titles: some are duplicates (422), as in life.
                let token = if roll % 3 == 0 {
                    &cast.coordinator
                } else {
                    manager
                };
                let body = json!({"program_id": cast.program, "library_id": library, "oclc_number": oclc,
                    "title": format!("Load title {oclc}"), "format": "monograph"});
                let (status, created) = api
                    .send(Method::POST, "/commitments", token, Some(body))
                    .await;
                if let Some(id) = created["id"].as_str() {
                    seen.lock().unwrap().push(id.to_owned());
                }
                ("propose", status)
            }
            (65..=99, Some(id)) => {
                let (status, commitment) = api
                    .send(
                        Method::GET,
                        &format!("/commitments/{id}"),
                        &cast.coordinator,
                        None,
                    )
                    .await;
                if !status.is_success() {
                    ("read one", status)
                } else {
                    // Sometimes a version read a while ago: a stale one answers 409.
                    let version =
                        commitment["version"].as_i64().unwrap_or(1) - i64::from(roll % 5 == 0);
                    let state = commitment["status"].as_str().unwrap_or_default();
                    let by_library = commitment["proposed_by_role"] == "collection_manager";
                    let owner = cast
                        .libraries
                        .iter()
                        .position(|l| commitment["library_id"] == l.as_str())
                        .unwrap_or(0);
                    let (token, action, extra) = match (state, by_library, roll % 4) {
                        ("proposed", true, 0) => (&cast.managers[owner], "withdraw", json!({})),
                        ("proposed", true, 1) => (
                            &cast.coordinator,
                            "decline",
                            json!({"reason": "outside scope"}),
                        ),
                        ("proposed", true, _) => (&cast.coordinator, "accept", json!({})),
                        ("proposed", false, 0) => (
                            &cast.managers[owner],
                            "decline",
                            json!({"reason": "not held"}),
                        ),
                        ("proposed", false, _) => (&cast.managers[owner], "accept", json!({})),
                        ("active", _, 0) => (
                            &cast.managers[owner],
                            "request_release",
                            json!({"reason": "weeding"}),
                        ),
                        ("active", _, 1) => (
                            &cast.coordinator,
                            "renew",
                            json!({"retention_end": format!("{}-12-31", 2050 + roll % 40)}),
                        ),
                        ("active", _, 2) => (
                            &cast.managers[owner],
                            "report_loss",
                            json!({"reason": "missing"}),
                        ),
                        ("release_requested", _, 0) => (
                            &cast.coordinator,
                            "deny_release",
                            json!({"reason": "last copy"}),
                        ),
                        ("release_requested", _, _) => {
                            (&cast.coordinator, "approve_release", json!({}))
                        }
                        // Acting on an ended one, or renewing to an earlier date: refused (409 or 422).
                        _ => (&cast.coordinator, "accept", json!({})),
                    };
                    let mut body = json!({"version": version});
                    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
                        body.extend(extra.clone());
                    }
                    let (status, _) = api
                        .send(
                            Method::POST,
                            &format!("/commitments/{id}/{action}"),
                            token,
                            Some(body),
                        )
                        .await;
                    ("act", status)
                }
            }
            _ => {
                let (status, _) = api.send(Method::GET, "/me", manager, None).await;
                ("me", status)
            }
        };
        let took = started.elapsed().as_secs_f64() * 1000.0;
        let mut tally = tally.lock().unwrap();
        *tally
            .by_kind
            .entry((label.to_owned(), status.as_u16()))
            .or_default() += 1;
        tally.latencies_ms.push(took);
    }
}

fn rows(n: usize) -> String {
    let mut file = String::from("oclc_number,title,format,retention_end\n");
    for i in 0..n {
        file.push_str(&format!(
            "{},Imported under load {i},monograph,2044-06-30\n",
            50_000_000 + i
        ));
    }
    file
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, base, email, password, clients, seconds, import_rows] = &args[..] else {
        eprintln!("usage: load BASE_URL ADMIN_EMAIL ADMIN_PASSWORD CLIENTS SECONDS IMPORT_ROWS");
        std::process::exit(2);
    };
    let (clients, seconds, import_rows): (usize, u64, usize) = (
        clients.parse().unwrap(),
        seconds.parse().unwrap(),
        import_rows.parse().unwrap(),
    );
    let api = Arc::new(Api {
        client: Client::builder()
            .timeout(Duration::from_secs(120))
            .build()
            .unwrap(),
        base: base.trim_end_matches('/').to_owned(),
    });
    let admin = api.login(email, password).await;
    let cast = Arc::new(set_up(&api, &admin).await);
    let until = Instant::now() + Duration::from_secs(seconds);
    let import = {
        let (api, cast) = (api.clone(), cast.clone());
        tokio::spawn(async move {
            let started = Instant::now();
            let response = api
                .client
                .post(format!(
                    "{}/api/v1/imports?program_id={}&library_id={}&format=csv",
                    api.base, cast.program, cast.libraries[0]
                ))
                .bearer_auth(&cast.managers[0])
                .header("content-type", "text/csv")
                .body(rows(import_rows))
                .send()
                .await
                .expect("import sent");
            let status = response.status();
            let report: Value = response.json().await.unwrap_or(Value::Null);
            (status, report, started.elapsed())
        })
    };
    let seen = Arc::new(Mutex::new(Vec::new()));
    let tally = Arc::new(Mutex::new(Tally::default()));
    let started = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|_| {
            tokio::spawn(client(
                api.clone(),
                cast.clone(),
                seen.clone(),
                tally.clone(),
                until,
            ))
        })
        .collect();
    for worker in workers {
        worker.await.expect("client");
    }
    let ran = started.elapsed();
    let (import_status, report, import_took) = import.await.expect("import");
    let tally = tally.lock().unwrap();
    let total: u64 = tally.by_kind.values().sum();
    println!(
        "{clients} clients for {:.0} s: {total} requests ({:.0}/s)",
        ran.as_secs_f64(),
        total as f64 / ran.as_secs_f64()
    );
    for ((kind, status), count) in &tally.by_kind {
        println!("  {kind:<13} {status} × {count}");
    }
    let mut latencies = tally.latencies_ms.clone();
    latencies.sort_by(f64::total_cmp);
    let at = |q: f64| {
        latencies
            .get(((latencies.len() as f64 - 1.0) * q) as usize)
            .copied()
            .unwrap_or(0.0)
    };
    println!(
        "latency: median {:.1} ms, p99 {:.1} ms, slowest {:.1} ms",
        at(0.5),
        at(0.99),
        at(1.0)
    );
    println!(
        "import during the load: {import_status}, {} of {import_rows} rows imported in {:.1} s",
        report["imported"],
        import_took.as_secs_f64()
    );
    let failures: u64 = tally
        .by_kind
        .iter()
        .filter(|((_, status), _)| *status >= 500 && *status != 503)
        .map(|(_, count)| count)
        .sum();
    let unavailable: u64 = tally
        .by_kind
        .iter()
        .filter(|((_, s), _)| *s == 503)
        .map(|(_, c)| c)
        .sum();
    println!("5xx answers: {failures} (and {unavailable} × 503 unavailable)");
    if failures > 0 || report["imported"].as_u64() != Some(import_rows as u64) {
        std::process::exit(1);
    }
}
