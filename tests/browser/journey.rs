//! One journey through the pages by every role, in headless Chromium.

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::helpers::{self, TestApp};
use crate::world::World;

crate::on_both_backends!(
    every_role_does_its_job_in_the_browser,
    a_scenario_is_run_applied_and_accepted_and_a_last_copy_is_flagged_in_the_browser,
);

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// ChromeDriver on a free port, stopped when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

async fn start_driver() -> Option<Driver> {
    if !Path::new(CHROMIUM).exists() || !Path::new(CHROMEDRIVER).exists() {
        let _ = std::io::stderr().write_all(
            b"\nNOTICE: browser tests SKIPPED: install Debian's chromium and chromium-driver \
              (/usr/bin/chromium, /usr/bin/chromedriver) to run them.\n",
        );
        return None;
    }
    let port = free_port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "chromedriver did not listen"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Some(driver)
}

/// A headless Chromium with its own profile, downloading into `downloads`.
async fn browser(driver: &Driver, profile: &Path, downloads: &Path) -> Client {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run",
                     "--disable-dev-shm-usage", "--window-size=1280,1000",
                     format!("--user-data-dir={}", profile.display())],
            "prefs": {"download.default_directory": downloads.display().to_string(),
                      "download.prompt_for_download": false}
        }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("a WebDriver session")
}

/// Saves the page as NAME-1280.png and NAME-390.png when `REGISTRY_SCREENSHOTS` names a folder.
async fn look(client: &Client, name: &str) {
    let Some(dir) = std::env::var_os("REGISTRY_SCREENSHOTS").map(PathBuf::from) else {
        return;
    };
    std::fs::create_dir_all(&dir).unwrap();
    for width in [1280_u32, 390] {
        client.set_window_size(width, 1000).await.unwrap();
        let height = client
            .execute("return document.documentElement.scrollHeight", vec![])
            .await
            .unwrap()
            .as_u64()
            .unwrap_or(1000)
            .min(8000) as u32;
        client.set_window_size(width, height + 120).await.unwrap();
        let png = client.screenshot().await.unwrap();
        std::fs::write(dir.join(format!("{name}-{width}.png")), png).unwrap();
    }
    client.set_window_size(1280, 1000).await.unwrap();
}

/// Clicks the element `locator` finds.
async fn click(client: &Client, locator: Locator<'_>) {
    client.find(locator).await.unwrap().click().await.unwrap();
}

/// Types `text` into the field `locator` finds.
async fn type_in(client: &Client, locator: Locator<'_>, text: &str) {
    client
        .find(locator)
        .await
        .unwrap()
        .send_keys(text)
        .await
        .unwrap();
}

/// Waits until `locator` finds an element (the next page has loaded).
async fn wait(client: &Client, locator: Locator<'_>) -> fantoccini::elements::Element {
    client.wait().for_element(locator).await.unwrap()
}

async fn text_of_page(client: &Client) -> String {
    client
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn sign_in(client: &Client, app: &TestApp, email: &str) {
    client
        .goto(&format!("{}/login", app.address))
        .await
        .unwrap();
    look(client, "login").await;
    type_in(client, Locator::Id("email"), email).await;
    type_in(client, Locator::Id("password"), helpers::PASSWORD).await;
    click(client, Locator::Css("main button[type=submit]")).await;
    wait(client, Locator::XPath("//h1[starts-with(., 'Welcome')]")).await;
}

async fn sign_out(client: &Client) {
    click(client, Locator::Css(".who button")).await;
    wait(client, Locator::XPath("//h1[. = 'Sign in']")).await;
}

/// The file downloaded into `dir`, once fully written: Chrome reserves the final name with an
/// empty file and writes to a `.crdownload` beside it, renamed at the end.
async fn downloaded(dir: &Path) -> String {
    let started = Instant::now();
    loop {
        let files: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        let writing = files
            .iter()
            .any(|p| p.to_string_lossy().ends_with(".crdownload"));
        if !writing {
            if let Some(text) = files
                .iter()
                .map(|p| std::fs::read_to_string(p).unwrap_or_default())
                .find(|text| !text.is_empty())
            {
                return text;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no file was downloaded into {}",
            dir.display()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn every_role_does_its_job_in_the_browser(app: TestApp) {
    let Some(driver) = start_driver().await else {
        return;
    };
    let world = World::new(app).await;
    let app = &world.app;
    let scratch = tempfile::tempdir().unwrap();
    let downloads = scratch.path().join("downloads");
    std::fs::create_dir_all(&downloads).unwrap();
    let client = browser(&driver, &scratch.path().join("profile"), &downloads).await;

    // A collection manager proposes a commitment for its library.
    sign_in(&client, app, "cm.eym@test.org").await;
    look(&client, "dashboard-collection-manager").await;
    click(&client, Locator::LinkText("Propose")).await;
    wait(&client, Locator::Id("oclc_number")).await;
    // First without a title: the form comes back with the message and the input kept.
    client
        .find(Locator::Id("program_id"))
        .await
        .unwrap()
        .select_by_value(world.east["id"].as_str().unwrap())
        .await
        .unwrap();
    type_in(&client, Locator::Id("oclc_number"), "(OCoLC)ocm00054321").await;
    client
        .find(Locator::Css(
            "form[action='/commitments'] button[type=submit]",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait(&client, Locator::Id("title-error")).await;
    look(&client, "propose-with-errors").await;
    let kept = client
        .find(Locator::Id("oclc_number"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("(OCoLC)ocm00054321"));
    type_in(&client, Locator::Id("title"), "The Whale, in the browser").await;
    client
        .find(Locator::Css(
            "form[action='/commitments'] button[type=submit]",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::XPath(
            "//h1[contains(., 'The Whale, in the browser')]",
        ))
        .await
        .unwrap();
    let detail_url = client.current_url().await.unwrap();
    let detail_path = detail_url.path().to_owned();
    assert!(text_of_page(&client).await.contains("proposed"));
    sign_out(&client).await;

    // The coordinator sees it waiting on the dashboard and accepts it.
    sign_in(&client, app, "coord.east@test.org").await;
    look(&client, "dashboard-coordinator").await;
    let dashboard = text_of_page(&client).await;
    let (_, waiting) = dashboard
        .split_once("Proposals from libraries to accept or decline")
        .expect("the proposals section");
    assert!(waiting.contains("The Whale, in the browser"), "{dashboard}");
    click(&client, Locator::LinkText("The Whale, in the browser")).await;
    wait(&client, Locator::Css("form[action$='/accept'] button"))
        .await
        .click()
        .await
        .unwrap();
    wait(&client, Locator::XPath("//p[contains(., 'Done: accept.')]")).await;
    look(&client, "detail-coordinator").await;
    assert!(text_of_page(&client).await.contains("proposed → active"));
    client
        .goto(&format!("{}/commitments", app.address))
        .await
        .unwrap();
    look(&client, "commitments").await;
    sign_out(&client).await;

    // The auditor finds it by OCLC number and downloads a CSV export holding it.
    sign_in(&client, app, "auditor.east@test.org").await;
    look(&client, "dashboard-auditor").await;
    click(&client, Locator::LinkText("Title lookup")).await;
    wait(&client, Locator::Id("q"))
        .await
        .send_keys("ocm00054321")
        .await
        .unwrap();
    click(&client, Locator::Css("form[role=search] button")).await;
    wait(
        &client,
        Locator::XPath("//h2[. = 'The Whale, in the browser']"),
    )
    .await;
    look(&client, "title-lookup").await;
    assert!(text_of_page(&client)
        .await
        .contains("1 library retains this title (EYM), the longest until 2031-06-30."));
    click(&client, Locator::LinkText("Export")).await;
    wait(&client, Locator::Id("x-format"))
        .await
        .select_by_value("csv")
        .await
        .unwrap();
    look(&client, "exports").await;
    click(
        &client,
        Locator::Css("form[action='/exports/commitments'] button"),
    )
    .await;
    let csv = downloaded(&downloads).await;
    assert!(csv.starts_with("id,program_code,oclc_symbol"), "{csv}");
    assert!(csv.contains(",54321,"), "{csv}");
    assert!(csv.contains("The Whale, in the browser"), "{csv}");
    sign_out(&client).await;

    // A collection manager of another library opens it: no accept button.
    sign_in(&client, app, "cm.amh@test.org").await;
    client
        .goto(&format!("{}{detail_path}", app.address))
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::XPath(
            "//h1[contains(., 'The Whale, in the browser')]",
        ))
        .await
        .unwrap();
    look(&client, "detail-other-library").await;
    let accept = client
        .find_all(Locator::Css("form[action$='/accept']"))
        .await
        .unwrap();
    assert!(accept.is_empty(), "another library is offered accept");
    let forms = client.find_all(Locator::Css("form.action")).await.unwrap();
    assert!(forms.is_empty(), "another library is offered an action");
    client
        .goto(&format!("{}/imports/new", app.address))
        .await
        .unwrap();
    look(&client, "import").await;
    client.close().await.unwrap();
}

async fn a_scenario_is_run_applied_and_accepted_and_a_last_copy_is_flagged_in_the_browser(
    app: TestApp,
) {
    let Some(driver) = start_driver().await else {
        return;
    };
    let world = World::new(app).await;
    let app = &world.app;
    for (library, file) in [
        (
            &world.eym,
            "oclc_number,title\n9801,Held in the browser\n9802,Held twice\n",
        ),
        (&world.amh, "oclc_number,title\n9802,Held twice\n"),
    ] {
        let response = app
            .client
            .post(format!(
                "{}/api/v1/libraries/{}/holdings",
                app.address,
                library["id"].as_str().unwrap()
            ))
            .bearer_auth(&world.admin)
            .header("content-type", "text/csv")
            .body(file)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
    }
    let scratch = tempfile::tempdir().unwrap();
    let downloads = scratch.path().join("downloads");
    std::fs::create_dir_all(&downloads).unwrap();
    let client = browser(&driver, &scratch.path().join("profile"), &downloads).await;

    // The coordinator sees the program's coverage, runs a scenario and applies it.
    sign_in(&client, app, "coord.east@test.org").await;
    click(&client, Locator::LinkText("coverage")).await;
    wait(&client, Locator::XPath("//h2[. = 'Titles by state']")).await;
    look(&client, "coverage").await;
    assert!(text_of_page(&client).await.contains("Held in the browser"));
    click(&client, Locator::LinkText("Allocation scenarios")).await;
    type_in(&client, Locator::Id("name"), "Browser scenario").await;
    look(&client, "scenarios").await;
    click(&client, Locator::XPath("//button[. = 'Run the scenario']")).await;
    wait(&client, Locator::XPath("//h1[. = 'Browser scenario']")).await;
    look(&client, "scenario").await;
    assert!(
        text_of_page(&client).await.contains("3\nallocations"),
        "{}",
        text_of_page(&client).await
    );
    click(&client, Locator::Css("form[action$='/apply'] button")).await;
    wait(
        &client,
        Locator::XPath("//p[starts-with(., 'Applied: 3 proposals')]"),
    )
    .await;
    sign_out(&client).await;

    // The allocated library accepts one on its dashboard, then checks a withdrawal list.
    sign_in(&client, app, "cm.eym@test.org").await;
    let dashboard = text_of_page(&client).await;
    assert!(dashboard.contains("Held in the browser"), "{dashboard}");
    click(&client, Locator::LinkText("Held in the browser")).await;
    wait(&client, Locator::Css("form[action$='/accept'] button"))
        .await
        .click()
        .await
        .unwrap();
    wait(&client, Locator::XPath("//p[contains(., 'Done: accept.')]")).await;
    click(&client, Locator::LinkText("Withdrawal check")).await;
    let list = scratch.path().join("candidates.csv");
    std::fs::write(&list, "oclc_number\n9801\n9802\n123456789\n").unwrap();
    wait(&client, Locator::Id("file"))
        .await
        .send_keys(&list.display().to_string())
        .await
        .unwrap();
    click(&client, Locator::XPath("//button[. = 'Check']")).await;
    wait(&client, Locator::XPath("//h2[starts-with(., 'Answers')]")).await;
    look(&client, "withdrawal-check").await;
    assert!(text_of_page(&client).await.contains("3 rows answered"));
    click(
        &client,
        Locator::XPath("//a[starts-with(., 'Download every answer')]"),
    )
    .await;
    let csv = downloaded(&downloads).await;
    assert!(csv.starts_with("line,input,oclc_number"), "{csv}");
    assert!(csv.contains("committed_here"), "{csv}");
    sign_out(&client).await;

    // A release that leaves a title with no kept copy shows on the coordinator's dashboard.
    let (_, mine) = app
        .get(
            &format!(
                "/api/v1/commitments?library_id={}&status=active",
                world.eym["id"].as_str().unwrap()
            ),
            &world.cm_eym,
        )
        .await;
    let active = mine["items"][0].clone();
    let requested = world
        .ok(
            &world.cm_eym,
            &active,
            "request_release",
            json!({"reason": "weeding"}),
        )
        .await;
    world
        .ok(&world.coord_east, &requested, "approve_release", json!({}))
        .await;
    sign_in(&client, app, "coord.east@test.org").await;
    wait(
        &client,
        Locator::XPath("//h2[. = 'Titles that fell below target in the last 30 days']"),
    )
    .await;
    look(&client, "dashboard-last-copies").await;
    assert!(text_of_page(&client).await.contains("Held in the browser"));

    // From the coverage page, EYM's holdings page: an added title shows in the coverage at once.
    client
        .goto(&format!(
            "{}/programs/{}/coverage",
            app.address,
            world.east["id"].as_str().unwrap()
        ))
        .await
        .unwrap();
    click(
        &client,
        Locator::XPath("//tr[th[contains(., 'Library EYM')]]//a[. = 'holdings']"),
    )
    .await;
    wait(&client, Locator::XPath("//h2[. = 'Load a holdings file']")).await;
    let added = scratch.path().join("more-holdings.csv");
    std::fs::write(&added, "oclc_number,title\n9803,Added in the browser\n").unwrap();
    client
        .find(Locator::Id("holdings_mode"))
        .await
        .unwrap()
        .select_by_value("add")
        .await
        .unwrap();
    wait(&client, Locator::Id("file"))
        .await
        .send_keys(&added.display().to_string())
        .await
        .unwrap();
    click(&client, Locator::XPath("//button[. = 'Load']")).await;
    wait(
        &client,
        Locator::XPath("//p[. = 'The holdings were loaded.']"),
    )
    .await;
    look(&client, "holdings").await;
    assert!(
        text_of_page(&client).await.contains("3\ntitles held"),
        "{}",
        text_of_page(&client).await
    );
    // The form keeps the mode just used, so a second file is added too.
    let mode = client
        .find(Locator::XPath(
            "//select[@id = 'holdings_mode']/option[@selected]",
        ))
        .await
        .unwrap();
    assert_eq!(mode.attr("value").await.unwrap().as_deref(), Some("add"));
    client.back().await.unwrap();
    client.back().await.unwrap();
    client.refresh().await.unwrap();
    wait(&client, Locator::XPath("//h2[. = 'Titles by state']")).await;
    assert!(text_of_page(&client).await.contains("Added in the browser"));
    client.close().await.unwrap();
}
