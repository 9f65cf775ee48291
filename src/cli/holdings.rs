//! `retention-registry holdings FILE --library SYMBOL`: loads a library's holdings file from the
//! command line (as the registry itself), with a progress bar over the file's bytes.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use uuid::Uuid;

use crate::db::models::libraries;
use crate::db::DatabaseUrl;
use crate::domain::Actor;
use crate::formats::holdings::{self, HoldingsFormat};
use crate::imports::holdings::{load, HoldingsMode};
use crate::{progress, startup};

#[derive(Debug, Args)]
pub struct HoldingsArgs {
    /// The holdings file
    pub file: PathBuf,
    /// The library (OCLC symbol or id)
    #[arg(long)]
    pub library: String,
    /// The file's format
    #[arg(long, value_enum, default_value = "csv")]
    pub format: HoldingsFormat,
    /// replace (the file is the library's whole holdings) or add
    #[arg(long, value_enum, default_value = "replace")]
    pub mode: HoldingsMode,
}

pub fn run(database: &DatabaseUrl, args: HoldingsArgs) -> anyhow::Result<()> {
    let db = startup::open_database(database)?;
    let library = {
        let mut conn = db.conn()?;
        match Uuid::parse_str(&args.library) {
            Ok(id) => libraries::find(&mut conn, id),
            Err(_) => libraries::find_by_symbol(&mut conn, &args.library),
        }
        .with_context(|| format!("no library {:?}: check --library", args.library))?
    };
    let file = std::fs::File::open(&args.file)
        .with_context(|| format!("cannot open {}", args.file.display()))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let bar = progress::bar(size, "loading holdings");
    let rows = holdings::open(
        Box::new(std::io::BufReader::new(bar.wrap_read(file))),
        args.format,
    )?;
    let report = load(
        &db,
        &Actor::system(),
        &library,
        args.format,
        rows,
        args.mode,
    )?;
    bar.finish_and_clear();
    println!(
        "{} row(s): {} now holds {} title(s); {} new title(s), rejected {}",
        report.rows, library.oclc_symbol, report.held, report.new_titles, report.rejected
    );
    for error in report.errors.iter().take(20) {
        eprintln!("line {}: {}: {}", error.line, error.field, error.message);
    }
    if report.errors.len() > 20 {
        eprintln!("… and {} more problem(s)", report.errors.len() - 20);
    }
    if !report.warnings.is_empty() {
        eprintln!("{} warning(s): values passed over", report.warnings.len());
    }
    Ok(())
}
