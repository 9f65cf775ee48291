//! The web pages in a real browser: headless Chromium driven through WebDriver (Debian's
//! `chromium` and `chromium-driver`), on both backends.
//!
//! A collection manager signs in and proposes; the coordinator sees it on the dashboard and
//! accepts it; the auditor finds it by OCLC number and downloads a CSV export holding it; a
//! collection manager of another library opens it and has no accept button.
//!
//! Without Chromium and ChromeDriver the test says so and passes; `.ci/run` installs them and fails
//! if the notice appears. With `REGISTRY_SCREENSHOTS=DIR` it saves each page it visits at 1280 and
//! 390 pixels wide, to look at.

// The HTTP tests' harness, shared; this test uses only part of it.
#[allow(dead_code)]
#[path = "../api/helpers.rs"]
mod helpers;
#[allow(dead_code)]
#[path = "../api/world.rs"]
mod world;

mod journey;
