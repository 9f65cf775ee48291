//! Exports over HTTP: every format, the contract's headers, scope, and an independent MARC reader.

use std::io::Write;
use std::process::Command;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::world::World;

crate::on_both_backends!(
    csv_export_has_the_contract_header_and_only_visible_commitments,
    every_format_is_an_attachment_of_its_type,
    oclc_csv_leaves_out_permanent_commitments_and_counts_them,
    marc_export_groups_by_title_and_reads_cleanly_in_yaz,
    events_export_lists_the_trail_of_the_callers_programs,
    grouped_exports_across_batches_keep_each_title_whole_and_every_filter,
    an_export_whose_first_read_fails_is_an_error_not_a_file_with_a_header_alone,
);

async fn download(
    w: &World,
    token: &str,
    path: &str,
) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let response = w
        .app
        .client
        .get(format!("{}{path}", w.app.address))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    (status, headers, response.bytes().await.unwrap().to_vec())
}

/// Two EAST commitments on one title (one permanent, for a run of volumes) and one WEST commitment.
async fn seeded(app: TestApp) -> World {
    let w = World::new(app).await;
    w.active(8001).await;
    let (status, body) = w
        .propose(
            &w.coord_east,
            &w.east,
            &w.amh,
            8001,
            json!({"retention_end": "permanent", "materials_specified": "c.1"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    w.propose(&w.cm_dkc, &w.west, &w.dkc, 8002, json!({"title": "Nature"}))
        .await;
    w
}

async fn csv_export_has_the_contract_header_and_only_visible_commitments(app: TestApp) {
    let w = seeded(app).await;
    let (status, _, bytes) = download(
        &w,
        &w.auditor_east,
        "/api/v1/exports/commitments?format=csv",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let text = String::from_utf8(bytes).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "id,program_code,oclc_symbol,marc_org_code,oclc_number,isbn,issn,title,author,publisher,pub_year,format,local_bib_id,local_item_id,barcode,call_number,materials_specified,shelving,condition,validation,policies,status,retention_start,retention_end,proposed_by_role,end_reason,replaced_by,created_at,updated_at"
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 2, "the auditor of EAST sees EAST only: {text}");
    assert!(rows.iter().all(|r| r.contains(",EAST,")));
    let (_, _, filtered) = download(
        &w,
        &w.admin,
        "/api/v1/exports/commitments?format=csv&status=proposed",
    )
    .await;
    assert_eq!(
        String::from_utf8(filtered).unwrap().lines().count(),
        3,
        "header and the two proposals"
    );
    let (status, _, _) = download(&w, &w.admin, "/api/v1/exports/commitments?format=pdf").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

async fn every_format_is_an_attachment_of_its_type(app: TestApp) {
    let w = seeded(app).await;
    for (format, content_type) in [
        ("csv", "text/csv"),
        ("ndjson", "application/x-ndjson"),
        ("marc", "application/marc"),
        ("marcxml", "application/marcxml+xml"),
        ("hathitrust_tsv", "text/tab-separated-values"),
        ("oclc_csv", "text/csv"),
    ] {
        let (status, headers, bytes) = download(
            &w,
            &w.admin,
            &format!("/api/v1/exports/commitments?format={format}"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{format}");
        assert!(
            headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with(content_type),
            "{format}"
        );
        assert!(
            headers["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment"),
            "{format}"
        );
        assert!(!bytes.is_empty(), "{format}");
    }
    let (_, _, ndjson) = download(&w, &w.admin, "/api/v1/exports/commitments?format=ndjson").await;
    let lines: Vec<Value> = String::from_utf8(ndjson)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    let (_, shown) = w
        .app
        .get(
            &format!("/api/v1/commitments/{}", lines[0]["id"].as_str().unwrap()),
            &w.admin,
        )
        .await;
    assert_eq!(lines[0], shown, "an NDJSON line is the API's commitment");
    let (_, _, tsv) = download(
        &w,
        &w.admin,
        "/api/v1/exports/commitments?format=hathitrust_tsv",
    )
    .await;
    let tsv = String::from_utf8(tsv).unwrap();
    assert!(tsv.starts_with(
        "uuid\torganization\tocn\tlocal_id\toclc_sym\tcommitted_date\tretention_date\t"
    ));
    assert_eq!(tsv.lines().count(), 4);
}

async fn oclc_csv_leaves_out_permanent_commitments_and_counts_them(app: TestApp) {
    let w = seeded(app).await;
    let (status, headers, bytes) = download(
        &w,
        &w.admin,
        &format!(
            "/api/v1/exports/commitments?format=oclc_csv&program_id={}",
            w.east["id"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["x-registry-omitted"], "1");
    let text = String::from_utf8(bytes).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("OCLC_Number,LSN,Barcode,InstitutionSymbol_852$a,HoldingLibrary_852$b,CollectionID,ActionNote_583$a,ActionDate_583$c,ExpirationDate_583$d"));
    assert_eq!(lines.len(), 2);
    assert!(lines[1].starts_with("8001,"));
    assert!(
        lines[1].contains(",committed to retain,") && lines[1].contains(",20310630,"),
        "{}",
        lines[1]
    );
}

/// `yaz-marcdump` from Debian's yaz package, if installed (CI installs it).
pub fn yaz_marcdump() -> Option<&'static str> {
    let found = Command::new("yaz-marcdump").arg("-V").output().is_ok();
    if !found {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("yaz-marcdump is required in CI (apt-get install yaz)");
        }
        let _ = std::io::stderr().write_all(b"\nNOTICE: yaz-marcdump not found; the independent MARC check was SKIPPED (apt-get install yaz)\n");
    }
    found.then_some("yaz-marcdump")
}

async fn marc_export_groups_by_title_and_reads_cleanly_in_yaz(app: TestApp) {
    let w = seeded(app).await;
    let (status, _, marc) = download(&w, &w.admin, "/api/v1/exports/commitments?format=marc").await;
    assert_eq!(status, StatusCode::OK);
    let records: Vec<_> = marc::Records::new(&marc[..])
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(records.len(), 2, "one record per title");
    let notes: Vec<usize> = records.iter().map(|r| r.field(*b"583").len()).collect();
    assert!(notes.contains(&2) && notes.contains(&1), "{notes:?}");
    let Some(yaz) = yaz_marcdump() else { return };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.mrc");
    std::fs::write(&path, &marc).unwrap();
    let dump = Command::new(yaz).arg(&path).output().unwrap();
    assert!(dump.status.success());
    assert!(
        dump.stderr.is_empty(),
        "yaz-marcdump complained: {}",
        String::from_utf8_lossy(&dump.stderr)
    );
    let text = String::from_utf8_lossy(&dump.stdout);
    assert!(text.contains("035    $a (OCoLC)8001"), "{text}");
    assert!(text.contains("583 1  $a committed to retain $c "), "{text}");
    assert!(
        text.contains(
            "$d 20310630 $f EAST $u http://eastlibraries.org/retained-materials $5 MiU $2 spa"
        ),
        "{text}"
    );
    assert!(
        text.contains("583 1  $3 c.1 $a committed to retain"),
        "{text}"
    );
    assert!(text.contains("$d permanent $f EAST"), "{text}");
    let (_, _, xml) = download(&w, &w.admin, "/api/v1/exports/commitments?format=marcxml").await;
    let xml_path = dir.path().join("export.xml");
    std::fs::write(&xml_path, &xml).unwrap();
    let from_xml = Command::new(yaz)
        .args(["-i", "marcxml"])
        .arg(&xml_path)
        .output()
        .unwrap();
    assert!(
        from_xml.status.success() && from_xml.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&from_xml.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&from_xml.stdout)
            .matches("583 1  ")
            .count(),
        3
    );
}

async fn events_export_lists_the_trail_of_the_callers_programs(app: TestApp) {
    let w = seeded(app).await;
    let (status, headers, bytes) =
        download(&w, &w.auditor_east, "/api/v1/exports/events?format=ndjson").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers["content-disposition"]
        .to_str()
        .unwrap()
        .contains("events.ndjson"));
    let events: Vec<Value> = String::from_utf8(bytes)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        events.iter().all(|e| e["program_id"] == w.east["id"]),
        "only EAST events"
    );
    let actions: Vec<&str> = events
        .iter()
        .filter(|e| e["commitment_id"].is_string())
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["propose", "accept", "propose"]);
    let seqs: Vec<i64> = events.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|p| p[0] < p[1]), "oldest first");
    let (_, _, csv) = download(&w, &w.admin, "/api/v1/exports/events?format=csv").await;
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.starts_with("seq,id,at,actor_id,actor_role,action,"));
    let (_, _, later) = download(
        &w,
        &w.admin,
        "/api/v1/exports/events?format=csv&since=2100-01-01T00:00:00Z",
    )
    .await;
    assert_eq!(
        String::from_utf8(later).unwrap().lines().count(),
        1,
        "only the header"
    );
}

/// Imports `rows` (registry CSV lines) for `library` in `program`, as `token`.
async fn import(w: &World, token: &str, program: &Value, library: &Value, rows: Vec<String>) {
    let body = format!(
        "oclc_number,title,format,materials_specified,retention_end\n{}\n",
        rows.join("\n")
    );
    let response = w
        .app
        .client
        .post(format!(
            "{}/api/v1/imports?program_id={}&library_id={}&format=csv",
            w.app.address,
            program["id"].as_str().unwrap(),
            library["id"].as_str().unwrap()
        ))
        .bearer_auth(token)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

async fn grouped_exports_across_batches_keep_each_title_whole_and_every_filter(app: TestApp) {
    let w = World::new(app).await;
    // 1,200 titles for EYM in EAST, every third a serial in two runs: 1,600 commitments, more
    // than one export batch, with titles whose commitments sit on both sides of a batch end.
    let eym_rows: Vec<String> = (0..1200)
        .flat_map(|i| {
            let oclc = 50_000 + i;
            if i % 3 == 0 {
                vec![
                    format!("{oclc},Serial {i},serial,v.1-10,2040-06-30"),
                    format!("{oclc},Serial {i},serial,v.11-20,permanent"),
                ]
            } else {
                vec![format!("{oclc},Book {i},monograph,,2040-06-30")]
            }
        })
        .collect();
    import(&w, &w.cm_eym, &w.east, &w.eym, eym_rows).await;
    let amh_rows: Vec<String> = (0..300)
        .map(|i| format!("{},Book,monograph,,2040-06-30", 50_000 + i * 4))
        .collect();
    import(&w, &w.cm_amh, &w.east, &w.amh, amh_rows).await;
    let dkc_rows: Vec<String> = (0..200)
        .map(|i| format!("{},Book,monograph,,2040-06-30", 50_000 + i))
        .collect();
    import(&w, &w.cm_dkc, &w.west, &w.dkc, dkc_rows).await;
    let (_, list) = w
        .app
        .get(
            &format!(
                "/api/v1/commitments?oclc_number=50001&library_id={}",
                w.eym["id"].as_str().unwrap()
            ),
            &w.admin,
        )
        .await;
    w.ok(&w.coord_east, &list["items"][0], "accept", json!({}))
        .await;

    // The auditor of EAST: EYM's 1,600 (one accepted since) and AMH's 300 on 300 of the same titles.
    assert_eq!(marcxml(&w, "").await, (1200, 1900, 0));
    assert_eq!(
        marcxml(&w, "&status=proposed").await,
        (1199, 1899, 0),
        "the accepted commitment, alone on its title, is left out"
    );
    let amh = format!("&library_id={}", w.amh["id"].as_str().unwrap());
    let (status, _, bytes) = download(
        &w,
        &w.auditor_east,
        &format!("/api/v1/exports/commitments?format=marc{amh}"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let records = bytes.iter().filter(|&&b| b == 0x1d).count();
    assert_eq!(records, 300, "AMH's titles only");

    // More exports at once than PostgreSQL reads through cursors (the others read keyset pages):
    // each is the whole file, the same bytes.
    let path = "/api/v1/exports/commitments?format=csv";
    let files =
        futures_util::future::join_all((0..6).map(|_| w.app.get_bytes(path, &w.auditor_east)))
            .await;
    assert!(files.iter().all(|file| file == &files[0]));
    assert_eq!(String::from_utf8_lossy(&files[0]).lines().count(), 1 + 1900);
}

/// The auditor of EAST's MARCXML export with `query`: (records, 583 fields, WEST 583s).
async fn marcxml(w: &World, query: &str) -> (usize, usize, usize) {
    let (status, _, bytes) = download(
        w,
        &w.auditor_east,
        &format!("/api/v1/exports/commitments?format=marcxml{query}"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let text = String::from_utf8(bytes).unwrap();
    let numbers: Vec<&str> = text
        .split("<subfield code=\"a\">(OCoLC)")
        .skip(1)
        .map(|rest| rest.split('<').next().unwrap())
        .collect();
    let unique: std::collections::HashSet<&&str> = numbers.iter().collect();
    assert_eq!(unique.len(), numbers.len(), "one record per title");
    (
        text.matches("<record").count(),
        text.matches("tag=\"583\"").count(),
        text.matches("<subfield code=\"f\">WEST<").count(),
    )
}

/// A browser saves a streamed body cut short as a complete file: an export that cannot read its
/// first rows must answer with an error status, never a 200 holding the header alone.
async fn an_export_whose_first_read_fails_is_an_error_not_a_file_with_a_header_alone(app: TestApp) {
    use diesel::RunQueryDsl;
    let w = seeded(app).await;
    let db = retention_registry::db::Db::connect(&w.app.db.url, 1).unwrap();
    let rename = |from: &str, to: &str| {
        diesel::sql_query(format!("ALTER TABLE {from} RENAME TO {to}"))
            .execute(&mut *db.conn().unwrap())
            .unwrap();
    };
    rename("titles", "titles_away");
    let (status, headers, bytes) =
        download(&w, &w.admin, "/api/v1/exports/commitments?format=csv").await;
    let body = String::from_utf8_lossy(&bytes).into_owned();
    rename("titles_away", "titles");
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
    assert!(headers.get("content-disposition").is_none(), "{headers:?}");
    let error: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(error["error"]["code"], "internal_error", "{body}");
    let (status, _, bytes) = download(&w, &w.admin, "/api/v1/exports/commitments?format=csv").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        String::from_utf8(bytes).unwrap().lines().count(),
        4,
        "header and three"
    );
}
