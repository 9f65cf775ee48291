//! The programs and libraries a page's selects offer: those the user reads, and the libraries it
//! may act for or filter by.

use uuid::Uuid;

use super::{choices, Choice};
use crate::db::models::libraries::{self, LibraryRow};
use crate::db::models::programs::{self, ProgramRow};
use crate::db::{DbConnection, DbError, MAX_PAGE};
use crate::domain::Actor;

/// Which libraries a select offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Libraries {
    /// To act for: a collection manager's own library; others the members of their programs.
    ActFor,
    /// To read: the members of the user's programs (every library for an admin).
    Read,
}

/// The programs `actor` reads, and the libraries of `which`.
pub fn load(
    conn: &mut DbConnection,
    actor: &Actor,
    which: Libraries,
) -> Result<(Vec<ProgramRow>, Vec<LibraryRow>), DbError> {
    let programs = programs::list(conn, None, MAX_PAGE)?
        .items
        .into_iter()
        .filter(|p| Uuid::parse_str(&p.id).is_ok_and(|id| actor.can_read_program(id)))
        .collect();
    let libraries = match (which, actor.library_id) {
        (Libraries::ActFor, Some(own)) => vec![libraries::find(conn, own)?],
        _ => {
            let visible = (!actor.is_admin()).then(|| actor.program_ids.clone());
            libraries::of_programs(conn, visible.as_deref())?
        }
    };
    Ok((programs, libraries))
}

/// Programs as options ("EAST — Eastern Academic Scholars' Trust").
pub fn program_choices(programs: Vec<ProgramRow>, current: Option<&str>) -> Vec<Choice> {
    choices(
        programs
            .into_iter()
            .map(|p| (p.id, format!("{} — {}", p.code, p.name))),
        current,
    )
}

/// Libraries as options ("EYM — University of Michigan Library").
pub fn library_choices(libraries: Vec<LibraryRow>, current: Option<&str>) -> Vec<Choice> {
    choices(
        libraries
            .into_iter()
            .map(|l| (l.id, format!("{} — {}", l.oclc_symbol, l.name))),
        current,
    )
}
