//! The demo libraries' holdings: every title a library committed to, copies of the same titles at
//! some other members of the program (so a scenario has someone to ask), and titles held but kept
//! by nobody. With one commitment per title and a target of two, most committed titles are at risk.

use std::collections::BTreeMap;

use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

use super::{EAST_MEMBERS, FORMS, HATHI_MEMBERS, SUBJECTS};
use crate::db::models::libraries;
use crate::db::schema::{commitments, titles};
use crate::db::Db;
use crate::domain::Actor;
use crate::formats::holdings::{self, HoldingsFormat};
use crate::imports::holdings::{load, HoldingsMode};

/// Titles held but committed by nobody.
const UNCOMMITTED: i64 = 400;

/// Loads a holdings file for each demo library; the titles held in all.
pub fn load_all(db: &Db, program_ids: &[Uuid; 2], library_ids: &[Uuid]) -> anyhow::Result<u64> {
    let mut rng = StdRng::seed_from_u64(852);
    let members = |program: usize| -> Vec<usize> {
        if program == 0 {
            EAST_MEMBERS.to_vec()
        } else {
            HATHI_MEMBERS.to_vec()
        }
    };
    let committed: Vec<(String, String, i64, String)> = commitments::table
        .inner_join(titles::table)
        .select((
            commitments::program_id,
            commitments::library_id,
            titles::oclc_number,
            titles::title,
        ))
        .order(commitments::id)
        .load(&mut *db.conn()?)?;
    let mut files: BTreeMap<usize, BTreeMap<i64, String>> = BTreeMap::new();
    let index_of = |id: &str| library_ids.iter().position(|l| l.to_string() == id);
    for (program, library, oclc, title) in committed {
        let program = usize::from(program != program_ids[0].to_string());
        if let Some(own) = index_of(&library) {
            files.entry(own).or_default().insert(oclc, title.clone());
        }
        for other in members(program) {
            if Some(other) != index_of(&library) && rng.gen_bool(0.3) {
                files.entry(other).or_default().insert(oclc, title.clone());
            }
        }
    }
    for k in 0..UNCOMMITTED {
        let program = (k % 2) as usize;
        let subject = SUBJECTS[rng.gen_range(0..SUBJECTS.len())];
        let title = FORMS[rng.gen_range(0..FORMS.len())].replace("{}", subject);
        let title = format!("{}{}", title[..1].to_uppercase(), &title[1..]);
        let oclc = 70_000_000 + k * 13;
        let holders = members(program);
        for _ in 0..rng.gen_range(1..=3) {
            let library = holders[rng.gen_range(0..holders.len())];
            files
                .entry(library)
                .or_default()
                .insert(oclc, title.clone());
        }
    }
    let mut held = 0;
    for (index, titles) in files {
        let mut csv = csv::Writer::from_writer(Vec::new());
        csv.write_record(["oclc_number", "title"])?;
        for (oclc, title) in &titles {
            csv.write_record([oclc.to_string(), title.clone()])?;
        }
        let bytes = csv.into_inner()?;
        let library = libraries::find(&mut *db.conn()?, library_ids[index])?;
        let rows = holdings::open(Box::new(std::io::Cursor::new(bytes)), HoldingsFormat::Csv)?;
        let report = load(
            db,
            &Actor::system(),
            &library,
            HoldingsFormat::Csv,
            rows,
            HoldingsMode::Replace,
        )?;
        held += report.held;
    }
    Ok(held)
}
