//! Files from the field: the real ReCAP/SCSB and HathiTrust records in `tests/fixtures/field/`
//! import into programs and libraries named as their 583s name them.

use std::io::Write;
use std::process::Command;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::TestApp;

crate::on_both_backends!(
    recap_and_hathitrust_notes_on_the_same_items_go_each_to_its_own_program,
    a_sub_collection_in_f_is_kept_as_the_program_note_and_exported_as_another_f,
    a_record_without_an_oclc_number_is_rejected_and_other_actions_are_not_rows,
    a_583_for_another_library_is_rejected,
    a_merged_oclc_number_finds_the_title_and_joins_it,
    a_deprecation_file_ends_exactly_the_named_commitments_with_their_reasons,
    a_papr_style_file_of_serial_holdings_records_imports_every_retention,
);

struct Field {
    app: TestApp,
    admin: String,
    recap: Value,
    hathi: Value,
    harvard: Value,
    princeton: Value,
}

async fn field(app: TestApp) -> Field {
    let admin = app.admin_token().await;
    let program = |code: &str, name: &str, uri: Option<&str>, end: Option<&str>| json!({"code": code, "name": name, "uri": uri, "default_retention_end": end});
    let (_, recap) = app
        .post(
            "/api/v1/programs",
            &admin,
            program(
                "ReCAP",
                "ReCAP Shared Collection",
                Some("https://recap.princeton.edu"),
                None,
            ),
        )
        .await;
    let (_, hathi) = app
        .post(
            "/api/v1/programs",
            &admin,
            program(
                "HathiTrust",
                "HathiTrust Shared Print Program",
                Some("https://www.hathitrust.org/shared-print"),
                Some("2042-12-31"),
            ),
        )
        .await;
    let (_, harvard) = app
        .post(
            "/api/v1/libraries",
            &admin,
            json!({"name": "Harvard Library", "oclc_symbol": "HLS", "marc_org_code": "HUL"}),
        )
        .await;
    let (_, princeton) = app
        .post(
            "/api/v1/libraries",
            &admin,
            json!({"name": "Princeton University Library", "oclc_symbol": "PUL", "marc_org_code": "NjP"}),
        )
        .await;
    for (p, l) in [(&recap, &harvard), (&recap, &princeton), (&hathi, &harvard)] {
        app.add_member(&admin, p, l).await;
    }
    Field {
        app,
        admin,
        recap,
        hathi,
        harvard,
        princeton,
    }
}

fn file(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/field/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

impl Field {
    async fn import(&self, name: &str, program: &Value, library: &Value, mode: &str) -> Value {
        let url = format!(
            "{}/api/v1/imports?program_id={}&library_id={}&format=marcxml&mode={mode}",
            self.app.address,
            program["id"].as_str().unwrap(),
            library["id"].as_str().unwrap()
        );
        let response = self
            .app
            .client
            .post(url)
            .bearer_auth(&self.admin)
            .header("content-type", "application/marcxml+xml")
            .body(file(name))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.unwrap()
    }

    async fn commitments(&self, query: &str) -> Vec<Value> {
        let (_, body) = self
            .app
            .get(
                &format!("/api/v1/commitments?limit=1000&{query}"),
                &self.admin,
            )
            .await;
        body["items"].as_array().cloned().unwrap_or_default()
    }
}

fn messages(report: &Value, kind: &str) -> Vec<String> {
    report[kind]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap().to_owned())
        .collect()
}

async fn recap_and_hathitrust_notes_on_the_same_items_go_each_to_its_own_program(app: TestApp) {
    let f = field(app).await;
    let hathi = f
        .import(
            "several_records.xml",
            &f.hathi,
            &f.harvard,
            "all_or_nothing",
        )
        .await;
    assert_eq!(
        (&hathi["rows"], &hathi["imported"], &hathi["rejected"]),
        (&json!(3), &json!(3), &json!(0)),
        "{hathi}"
    );
    let passed_over = messages(&hathi, "warnings");
    assert_eq!(passed_over.len(), 26, "{hathi}");
    assert!(passed_over
        .iter()
        .all(|m| m.contains("583 for ReCAP Shared Collection, not for HathiTrust")));
    let recap = f
        .import(
            "several_records.xml",
            &f.recap,
            &f.harvard,
            "all_or_nothing",
        )
        .await;
    // One record holds two items (two notes without $3): one commitment of the library on the title.
    assert_eq!(
        (
            &recap["rows"],
            &recap["imported"],
            &recap["skipped_duplicates"],
            &recap["rejected"]
        ),
        (&json!(26), &json!(25), &json!(1), &json!(0)),
        "{recap}"
    );
    assert_eq!(messages(&recap, "warnings").len(), 3);
    let recap_items = f
        .commitments(&format!("program_id={}", f.recap["id"].as_str().unwrap()))
        .await;
    assert!(recap_items
        .iter()
        .all(|c| c["retention_end"] == "permanent"));
    let hathi_items = f
        .commitments(&format!("program_id={}", f.hathi["id"].as_str().unwrap()))
        .await;
    assert!(hathi_items
        .iter()
        .all(|c| c["retention_end"] == "2042-12-31"));
    // An item with both notes: one commitment in each program, on one title.
    let shared = &hathi_items[0];
    let (_, title) = f
        .app
        .get(
            &format!("/api/v1/titles?oclc_number={}", shared["oclc_number"]),
            &f.admin,
        )
        .await;
    let programs: Vec<&str> = title["commitments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["program_code"].as_str().unwrap())
        .collect();
    assert!(
        programs.contains(&"ReCAP") && programs.contains(&"HathiTrust"),
        "{title}"
    );
    // Re-importing imports nothing.
    let again = f
        .import(
            "several_records.xml",
            &f.recap,
            &f.harvard,
            "all_or_nothing",
        )
        .await;
    assert_eq!(again["imported"], 0);
    assert_eq!(again["skipped_duplicates"], 26);
}

async fn a_sub_collection_in_f_is_kept_as_the_program_note_and_exported_as_another_f(app: TestApp) {
    let f = field(app).await;
    let report = f
        .import(
            "99126831126106421.mrx",
            &f.recap,
            &f.princeton,
            "all_or_nothing",
        )
        .await;
    assert_eq!(report["imported"], 1, "{report}");
    let warnings = messages(&report, "warnings");
    assert!(
        warnings
            .iter()
            .any(|m| m.contains("kept as the program note")),
        "{warnings:?}"
    );
    assert!(
        warnings.iter().any(|m| m.contains("no start date ($c)")),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|m| m.contains("is not ReCAP's web page")),
        "{warnings:?}"
    );
    let items = f.commitments("").await;
    let c = &items[0];
    assert_eq!(
        c["program_note"],
        "Italian Language Imprints Collaborative Collection"
    );
    assert_eq!(c["materials_specified"], "Vol. 1");
    assert_eq!(c["retention_end"], "permanent");
    assert_eq!(c["oclc_number"], 1145057686);
    assert!(c["title"]
        .as_str()
        .unwrap()
        .starts_with("Themes and individuals in history"));
    let marc = f
        .app
        .get_bytes("/api/v1/exports/commitments?format=marc", &f.admin)
        .await;
    let records: Vec<_> = marc::Records::new(&marc[..])
        .collect::<Result<_, _>>()
        .unwrap();
    let note = &records[0].field(*b"583")[0];
    let programs: Vec<String> = note
        .subfield(b'f')
        .iter()
        .map(|s| String::from_utf8_lossy(s.get_data::<[u8]>()).into_owned())
        .collect();
    assert_eq!(
        programs,
        [
            "ReCAP",
            "Italian Language Imprints Collaborative Collection"
        ]
    );
    let Some(yaz) = crate::exports::yaz_marcdump() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("field.mrc");
    std::fs::File::create(&path)
        .unwrap()
        .write_all(&marc)
        .unwrap();
    let out = Command::new(yaz).arg(&path).output().unwrap();
    assert!(out.status.success() && out.stderr.is_empty(), "{out:?}");
}

async fn a_record_without_an_oclc_number_is_rejected_and_other_actions_are_not_rows(app: TestApp) {
    let f = field(app).await;
    let report = f
        .import(
            "99126873402206421.mrx",
            &f.recap,
            &f.princeton,
            "valid_rows",
        )
        .await;
    assert_eq!(
        (&report["rows"], &report["rejected"]),
        (&json!(2), &json!(2)),
        "{report}"
    );
    let errors = messages(&report, "errors");
    assert!(
        errors
            .iter()
            .any(|m| m.contains("no 035 $a (OCoLC) number")),
        "{report}"
    );
    for name in ["99122306151806421.mrx", "99106353023506421.mrx"] {
        let report = f
            .import(name, &f.recap, &f.princeton, "all_or_nothing")
            .await;
        assert_eq!(
            (&report["rows"], &report["imported"], &report["rejected"]),
            (&json!(0), &json!(0), &json!(0)),
            "{name}: {report}"
        );
    }
    let report = f
        .import("SCSB-9879349.mrx", &f.recap, &f.harvard, "all_or_nothing")
        .await;
    assert_eq!(report["imported"], 1, "{report}");
}

async fn a_583_for_another_library_is_rejected(app: TestApp) {
    let f = field(app).await;
    // The notes name HUL: imported for Princeton they are refused, with both libraries named.
    let report = f
        .import("SCSB-9879349.mrx", &f.recap, &f.princeton, "valid_rows")
        .await;
    assert_eq!(report["rejected"], 1, "{report}");
    let message = &messages(&report, "errors")[0];
    assert!(
        message.contains("HUL") && message.contains("PUL"),
        "{message}"
    );
}

async fn a_merged_oclc_number_finds_the_title_and_joins_it(app: TestApp) {
    let f = field(app).await;
    f.import(
        "several_records.xml",
        &f.recap,
        &f.harvard,
        "all_or_nothing",
    )
    .await;
    // Record 18: 035 $a (OCoLC)36530614 $z (OCoLC)187458212.
    let (status, title) = f
        .app
        .get("/api/v1/titles?oclc_number=(OCoLC)187458212", &f.admin)
        .await;
    assert_eq!(status, StatusCode::OK, "{title}");
    assert_eq!(title["title"]["oclc_number"], 36530614);
    assert_eq!(title["title"]["aliases"], json!([187458212]));
    // By its own number: the same title, merged numbers and commitments (read in one query).
    let (status, own) = f
        .app
        .get("/api/v1/titles?oclc_number=36530614", &f.admin)
        .await;
    assert_eq!(status, StatusCode::OK, "{own}");
    assert_eq!(own, title);
    assert_eq!(own["commitments"].as_array().unwrap().len(), 1, "{own}");
    let (_, listed) = f
        .app
        .get("/api/v1/commitments?oclc_number=187458212", &f.admin)
        .await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "{listed}");
    // A proposal by the merged number joins the title instead of making a twin.
    let (status, proposed) = f
        .app
        .post(
            "/api/v1/commitments",
            &f.admin,
            json!({"program_id": f.recap["id"], "library_id": f.princeton["id"],
                   "oclc_number": "187458212", "title": "A twin?", "retention_end": "permanent"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{proposed}");
    assert_eq!(proposed["oclc_number"], 36530614);
    assert_eq!(proposed["title_id"], title["title"]["id"]);
    // So does an imported row whose number is the merged one.
    let url = format!(
        "{}/api/v1/imports?program_id={}&library_id={}&format=csv",
        f.app.address,
        f.hathi["id"].as_str().unwrap(),
        f.harvard["id"].as_str().unwrap()
    );
    let report: Value = f
        .app
        .client
        .post(url)
        .bearer_auth(&f.admin)
        .body("oclc_number,title\n187458212,Another twin?\n")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(report["imported"], 1, "{report}");
    let (_, listed) = f
        .app
        .get("/api/v1/commitments?oclc_number=36530614", &f.admin)
        .await;
    let titles: Vec<&Value> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["title_id"])
        .collect();
    assert_eq!(titles.len(), 3, "{listed}");
    assert!(titles.iter().all(|t| **t == title["title"]["id"]));
}

async fn a_deprecation_file_ends_exactly_the_named_commitments_with_their_reasons(app: TestApp) {
    let w = crate::world::World::new(app).await;
    let lost = w.active(7001).await;
    let duplicate = w.active(7002).await;
    let untouched = w.active(7003).await;
    let file = "organization\tocn\tlocal_id\tdeprecation_status\tdeprecation_date\n\
        umich\t7001\t\tL\t2024-05-01\n\
        umich\t(OCoLC)7002\t\tc\t2024-05-02\n\
        umich\t7004\t\tM\t2024-05-03\n\
        umich\t7003\t\tX\t2024-05-04\n";
    let url = format!(
        "{}/api/v1/imports?program_id={}&library_id={}&format=hathitrust_deprecation&mode=valid_rows",
        w.app.address,
        crate::world::id(&w.east),
        crate::world::id(&w.eym)
    );
    let send = || async {
        w.app
            .client
            .post(&url)
            .bearer_auth(&w.coord_east)
            .body(file)
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
    };
    let report = send().await;
    assert_eq!(
        (&report["rows"], &report["imported"], &report["rejected"]),
        (&json!(4), &json!(2), &json!(2)),
        "{report}"
    );
    let errors = messages(&report, "errors");
    assert!(errors.iter().any(|m| m.contains("OCLC 7004")), "{errors:?}");
    assert!(
        errors
            .iter()
            .any(|m| m.contains("\"X\" is not one of C, D, E, L, M")),
        "{errors:?}"
    );
    let after = w.get(&lost).await;
    assert_eq!(
        (&after["status"], &after["end_reason"]),
        (&json!("released"), &json!("lost"))
    );
    let after = w.get(&duplicate).await;
    assert_eq!(after["end_reason"], "duplicate");
    assert_eq!(w.get(&untouched).await["status"], "active");
    let (_, events) = w
        .app
        .get(
            &format!("/api/v1/commitments/{}/events", crate::world::id(&lost)),
            &w.admin,
        )
        .await;
    let last = events["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (&last["action"], &last["actor_role"]),
        (&json!("report_loss"), &json!("coordinator"))
    );
    assert_eq!(last["details"]["reason"], "lost");
    // The HathiTrust export writes them back with their codes.
    let tsv = String::from_utf8(
        w.app
            .get_bytes(
                "/api/v1/exports/commitments?format=hathitrust_tsv&status=released",
                &w.admin,
            )
            .await,
    )
    .unwrap();
    assert!(tsv.contains("\tL\t") && tsv.contains("\tC\t"), "{tsv}");
    // Again: nothing ends twice.
    let again = send().await;
    assert_eq!(
        (&again["imported"], &again["skipped_duplicates"]),
        (&json!(0), &json!(2)),
        "{again}"
    );
}

/// A PAPR-style submission: serial holdings records (leader/06 `y`), blank indicators, `ind2=""`,
/// `$a Committed to Retain`, `$c` as a year and month, no `$d`, the program and its tier in two
/// `$f`, the library in 852 `$a`, merged numbers in 035 `$z`, validation notes after the retention.
fn papr_file(records: usize, bad_issn_at: usize) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<collection xmlns=\"http://www.loc.gov/MARC21/slim\">\n",
    );
    for i in 0..records {
        // ISSN check digits computed as DOMAIN.md says.
        let body = format!("{:07}", 1_000_000 + i);
        let sum: u32 = body
            .chars()
            .zip((2..=8).rev())
            .map(|(c, w)| c.to_digit(10).unwrap() * w)
            .sum();
        let check = match sum % 11 {
            0 => "0".to_owned(),
            1 => "X".to_owned(),
            r => (11 - r).to_string(),
        };
        let check = if i == bad_issn_at {
            if check == "0" {
                "1".to_owned()
            } else {
                "0".to_owned()
            }
        } else {
            check
        };
        let issn = format!("{}-{}{check}", &body[..4], &body[4..]);
        xml.push_str(&format!(
            "<record><leader>00000ny  a2200000   4500</leader>\
             <controlfield tag=\"001\">h{i}</controlfield><controlfield tag=\"004\">b{i}</controlfield>\
             <datafield tag=\"022\" ind1=\" \" ind2=\"\"><subfield code=\"a\">{issn}</subfield></datafield>\
             <datafield tag=\"035\" ind1=\" \" ind2=\" \"><subfield code=\"a\">(OCoLC){}</subfield><subfield code=\"z\">(OCoLC){}</subfield></datafield>\
             <datafield tag=\"852\" ind1=\" \" ind2=\" \"><subfield code=\"a\">dkc</subfield><subfield code=\"b\">STACKS</subfield></datafield>\
             <datafield tag=\"583\" ind1=\" \" ind2=\"\"><subfield code=\"3\">v.1-{} (1950-2010)</subfield><subfield code=\"a\">Committed to Retain</subfield><subfield code=\"c\">201907</subfield><subfield code=\"f\">WEST</subfield><subfield code=\"f\">WEST Silver</subfield><subfield code=\"5\">PCarlD</subfield><subfield code=\"2\">pda</subfield></datafield>\
             <datafield tag=\"583\" ind1=\" \" ind2=\"\"><subfield code=\"3\">v.1-{} (1950-2010)</subfield><subfield code=\"a\">completeness reviewed</subfield><subfield code=\"i\">volume-level</subfield><subfield code=\"l\">missing issues</subfield></datafield>\
             </record>\n",
            50_000_000 + i,
            60_000_000 + i,
            10 + i % 50,
            10 + i % 50,
        ));
    }
    xml.push_str("</collection>\n");
    xml
}

async fn a_papr_style_file_of_serial_holdings_records_imports_every_retention(app: TestApp) {
    let w = crate::world::World::new(app).await;
    let records = 201;
    let url = format!(
        "{}/api/v1/imports?program_id={}&library_id={}&format=marcxml&mode=valid_rows",
        w.app.address,
        crate::world::id(&w.west),
        crate::world::id(&w.dkc)
    );
    let report: Value = w
        .app
        .client
        .post(&url)
        .bearer_auth(&w.cm_dkc)
        .body(papr_file(records, 7))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (&report["rows"], &report["imported"], &report["rejected"]),
        (&json!(records), &json!(records - 1), &json!(1)),
        "{}",
        report["errors"]
    );
    // The one refused has a bad ISSN check digit, said on its record number.
    assert_eq!(report["errors"][0]["line"], 8);
    assert_eq!(report["errors"][0]["field"], "issn");
    let warnings = messages(&report, "warnings");
    assert!(warnings
        .iter()
        .any(|m| m.contains("WEST's default, 2035-12-31, is used")));
    assert!(warnings.iter().any(|m| m.contains("\"WEST Silver\"")));
    let (_, list) = w
        .app
        .get("/api/v1/commitments?limit=1&oclc_number=60000000", &w.admin)
        .await;
    let c = &list["items"][0];
    assert_eq!(c["format"], "serial");
    assert_eq!(c["retention_start"], "2019-07-01");
    assert_eq!(c["retention_end"], "2035-12-31");
    assert_eq!(c["program_note"], "WEST Silver");
    assert_eq!(c["validation"], "completeness_reviewed");
    assert_eq!(
        c["validation_note"],
        "completeness: volume-level, missing issues"
    );
    assert_eq!(c["materials_specified"], "v.1-10 (1950-2010)");
    assert!(
        c["title"].as_str().unwrap().starts_with("[title not given"),
        "{c}"
    );
}
