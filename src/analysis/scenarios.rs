//! Allocation scenarios: the coordinator's rules run over every title of the program short of its
//! target (see [`crate::domain::allocation`]), the result kept as a draft; applying it makes each
//! allocation a proposal by the coordinator to its library, a batch per transaction, an audit event
//! each, like any allocation.

use std::collections::{BTreeMap, HashSet};

use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::db::audit::{self, AuditActor, NewEvent};
use crate::db::models::bulk::{self, Proposed, Store, Target};
use crate::db::models::programs::ProgramRow;
use crate::db::models::scenarios::{self as store, Allocation, ScenarioRow, DRAFT};
use crate::db::models::titles::TitleRow;
use crate::db::models::{coverage, holdings};
use crate::db::{now, Db, DbError};
use crate::domain::allocation::{Allocator, Holder, Preference, Rules, ShortTitle};
use crate::domain::commitment::{CommitmentInput, Format, NewCommitment, Shelving};
use crate::domain::retention::RetentionEnd;
use crate::domain::Actor;

/// Titles allocated per read of holders and live commitments.
const BATCH: usize = 1_000;
/// Allocations written, or deleted, per transaction.
const WRITE_BATCH: usize = 10_000;
/// A scenario still unready this long after it was created belongs to a run that died.
const ABANDONED_AFTER: chrono::Duration = chrono::Duration::hours(1);

/// Which short titles a scenario allocates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TitleChoice {
    Unretained,
    AtRisk,
    Both,
}

/// A scenario's rules, checked.
#[derive(Debug, Clone)]
pub struct ScenarioRules {
    pub name: String,
    pub titles: TitleChoice,
    pub prefer: Vec<Preference>,
    pub max_per_library: Option<u64>,
    pub exclude_library_ids: Vec<Uuid>,
    pub retention_end: Option<RetentionEnd>,
}

impl ScenarioRules {
    fn as_json(&self) -> serde_json::Value {
        json!({
            "titles": self.titles,
            "prefer": self.prefer,
            "max_per_library": self.max_per_library,
            "exclude_library_ids": self.exclude_library_ids,
            "retention_end": self.retention_end.map(|e| e.to_string()),
        })
    }
}

/// Runs `rules` over `program` now and stores the result as a draft by `actor`.
pub fn run(
    db: &Db,
    actor: &Actor,
    program: &ProgramRow,
    rules: &ScenarioRules,
) -> Result<ScenarioRow, DbError> {
    let target = i64::from(program.target_copies);
    discard_abandoned(db, &program.id)?;
    let started = std::time::Instant::now();
    let mut reading = std::time::Duration::ZERO;
    let (allocations, left_short) = {
        let mut conn = db.conn()?;
        let conn = &mut *conn;
        let short = coverage::short_titles(
            conn,
            program,
            rules.titles != TitleChoice::AtRisk,
            rules.titles != TitleChoice::Unretained,
        )?;
        let counts = store::holdings_counts(conn)?;
        let current = holdings::current_generations(conn, &program.id)?;
        let mut allocator = Allocator::new(Rules {
            prefer: rules.prefer.clone(),
            max_per_library: rules.max_per_library,
            exclude: rules.exclude_library_ids.iter().copied().collect(),
        });
        let mut allocations: Vec<Allocation> = Vec::new();
        let mut left_short = 0_i64;
        let short_read = started.elapsed();
        for chunk in short.chunks(BATCH) {
            let read_started = std::time::Instant::now();
            let ids: Vec<String> = chunk.iter().map(|s| s.title_id.clone()).collect();
            let mut holders = holdings::holders(conn, &current, &ids)?;
            let mut live = store::live_libraries(conn, &program.id, &ids)?;
            reading += read_started.elapsed();
            for title in chunk {
                let holders: Vec<Holder> = holders
                    .remove(&title.title_id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(library, symbol, shelving)| {
                        Ok(Holder {
                            library_id: crate::db::models::parse_id(&library)?,
                            holdings: counts.get(&library).copied().unwrap_or(0),
                            oclc_symbol: symbol,
                            in_storage: matches!(
                                shelving.as_deref().map(Shelving::parse),
                                Some(Ok(Shelving::StorageFacility | Shelving::HighDensity))
                            ),
                        })
                    })
                    .collect::<Result<_, DbError>>()?;
                let live: HashSet<Uuid> = live
                    .remove(&title.title_id)
                    .unwrap_or_default()
                    .iter()
                    .map(|l| crate::db::models::parse_id(l))
                    .collect::<Result<_, _>>()?;
                let need = target - title.committed;
                let chosen = allocator.allocate(&ShortTitle {
                    need,
                    holders,
                    live,
                });
                if (chosen.len() as i64) < need {
                    left_short += 1;
                }
                allocations.extend(
                    chosen
                        .into_iter()
                        .map(|l| (title.oclc_number, title.title_id.clone(), l.to_string())),
                );
            }
        }
        tracing::info!(
            short_titles = short.len(),
            short_read_ms = short_read.as_millis() as u64,
            holders_read_ms = reading.as_millis() as u64,
            allocated_ms = (started.elapsed() - short_read - reading).as_millis() as u64,
            "scenario computed"
        );
        (allocations, left_short)
    };
    let row = ScenarioRow {
        id: Uuid::now_v7().to_string(),
        program_id: program.id.clone(),
        name: rules.name.clone(),
        status: DRAFT.into(),
        rules: rules.as_json().to_string(),
        allocations: allocations.len() as i64,
        titles_left_short: left_short,
        created_by: (!actor.is_system()).then(|| actor.user_id.to_string()),
        created_at: now(),
        applied_at: None,
        ready: false,
    };
    // Written unready, its allocations in short transactions, then shown with its audit event.
    db.write_blocking(|conn| store::insert(conn, &row))?;
    let stored = store_allocations(db, actor, rules, &row, &allocations);
    if stored.is_err() {
        // What was written goes; should this fail too, a later run removes it.
        if let Err(error) = discard(db, &row.id) {
            tracing::warn!(scenario = %row.id, %error, "an unready scenario was left behind");
        }
    }
    stored?;
    tracing::info!(
        allocations = row.allocations,
        took_ms = started.elapsed().as_millis() as u64,
        "scenario stored"
    );
    Ok(ScenarioRow { ready: true, ..row })
}

/// Writes `row`'s allocations a batch per transaction, then shows it with its audit event.
fn store_allocations(
    db: &Db,
    actor: &Actor,
    rules: &ScenarioRules,
    row: &ScenarioRow,
    allocations: &[Allocation],
) -> Result<(), DbError> {
    for chunk in allocations.chunks(WRITE_BATCH) {
        db.write_blocking(|conn| store::insert_allocations(conn, &row.id, chunk))?;
    }
    db.write_blocking(|conn| {
        store::reveal(conn, &row.id)?;
        record(
            conn,
            &AuditActor::from(actor),
            "create_scenario",
            row,
            json!({"name": row.name, "rules": rules.as_json(), "allocations": row.allocations,
                   "titles_left_short": row.titles_left_short}),
        )
    })
}

/// Removes an unready scenario: its allocations a batch per transaction, then the scenario.
fn discard(db: &Db, id: &str) -> Result<(), DbError> {
    while db.write_blocking(|conn| store::delete_allocations(conn, id, WRITE_BATCH as i64))? > 0 {}
    db.write_blocking(|conn| store::delete_unready(conn, id))
}

/// Removes what runs on `program_id` that died left behind.
fn discard_abandoned(db: &Db, program_id: &str) -> Result<(), DbError> {
    let before = now() - ABANDONED_AFTER;
    let abandoned = store::abandoned(&mut *db.conn()?, program_id, before)?;
    for id in abandoned {
        discard(db, &id)?;
    }
    Ok(())
}

/// Deletes a draft scenario: hidden at once with its audit event, then removed in short
/// transactions (an interrupted removal is finished by a later run on the program).
pub fn delete(db: &Db, actor: &Actor, scenario: &ScenarioRow) -> Result<(), DbError> {
    db.write_blocking(|conn| {
        store::hide_draft(conn, &scenario.id)?;
        record(
            conn,
            &AuditActor::from(actor),
            "delete_scenario",
            scenario,
            json!({"name": scenario.name, "allocations": scenario.allocations}),
        )
    })?;
    discard(db, &scenario.id)
}

/// Appends the audit event `action` on `scenario` (in the caller's transaction).
fn record(
    conn: &mut crate::db::DbConnection,
    actor: &AuditActor,
    action: &'static str,
    scenario: &ScenarioRow,
    details: serde_json::Value,
) -> Result<(), DbError> {
    let mut event = NewEvent::record(
        action,
        "scenario",
        crate::db::models::parse_id(&scenario.id)?,
        details,
    );
    event.program_id = Some(crate::db::models::parse_id(&scenario.program_id)?);
    audit::append(conn, actor, vec![event])?;
    Ok(())
}

/// What applying a scenario did.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct Applied {
    /// Proposals created.
    pub created: u64,
    /// Allocations a live commitment already covered (made since the scenario ran).
    pub skipped_duplicates: u64,
}

/// The proposal an allocation becomes.
fn proposal(
    program: &ProgramRow,
    library_id: Uuid,
    title: &TitleRow,
    end: Option<RetentionEnd>,
) -> Result<NewCommitment, DbError> {
    let input = CommitmentInput {
        program_id: Some(crate::db::models::parse_id(&program.id)?),
        library_id: Some(library_id),
        oclc_number: Some(title.oclc_number.to_string()),
        title: Some(title.title.clone()),
        author: title.author.clone(),
        publisher: title.publisher.clone(),
        pub_year: title.pub_year.map(i64::from),
        isbn: title.isbn.clone(),
        issn: title.issn.clone(),
        format: Format::parse(&title.format).ok(),
        retention_end: end.map(|e| e.to_string()),
        ..CommitmentInput::default()
    };
    NewCommitment::parse(input, Utc::now().date_naive()).map_err(DbError::Invalid)
}

/// Applies a draft scenario: each allocation becomes a proposal by `actor` to its library.
pub fn apply(db: &Db, actor: &Actor, scenario: &ScenarioRow) -> Result<Applied, DbError> {
    if scenario.status != DRAFT {
        return Err(store::not_draft(&scenario.status));
    }
    let program = crate::db::models::programs::find(
        &mut *db.conn()?,
        crate::db::models::parse_id(&scenario.program_id)?,
    )?;
    let rules: serde_json::Value = serde_json::from_str(&scenario.rules)
        .map_err(|e| DbError::Corrupt(format!("stored scenario rules: {e}")))?;
    let end = rules["retention_end"]
        .as_str()
        .map(RetentionEnd::parse)
        .transpose()
        .map_err(|e| DbError::Corrupt(format!("stored scenario end: {e}")))?;
    let audit_actor = AuditActor::from(actor);
    let mut applied = Applied::default();
    // Every allocation of one library goes through that library's target, a batch at a time.
    let mut by_library: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut after: Option<(i64, String)> = None;
    loop {
        let page = store::allocations(&mut *db.conn()?, &scenario.id, after.clone(), 5_000)?;
        let Some(last) = page.last() else { break };
        after = Some((last.oclc_number, last.library_id.clone()));
        for allocation in page {
            by_library
                .entry(allocation.library_id)
                .or_default()
                .push(allocation.title_id);
        }
    }
    for (library, title_ids) in by_library {
        let library_id = crate::db::models::parse_id(&library)?;
        let program_id = crate::db::models::parse_id(&program.id)?;
        let target = Target::check(&mut *db.conn()?, actor, program_id, library_id)?;
        for chunk in title_ids.chunks(500) {
            let titles: Vec<TitleRow> = {
                use crate::db::schema::titles;
                use diesel::prelude::*;
                titles::table
                    .filter(titles::id.eq_any(chunk))
                    .select(TitleRow::as_select())
                    .load(&mut *db.conn()?)?
            };
            let batch = titles
                .iter()
                .map(|t| proposal(&program, library_id, t, end))
                .collect::<Result<Vec<_>, _>>()?;
            db.write_blocking(|conn| {
                let outcomes = bulk::propose_many(
                    conn,
                    actor,
                    &target,
                    batch,
                    Store::Write { import_id: None },
                )?;
                let mut events = Vec::new();
                for outcome in outcomes {
                    match outcome {
                        Proposed::Stored(mut event) => {
                            event.details["scenario_id"] = json!(scenario.id);
                            events.push(event);
                            applied.created += 1;
                        }
                        Proposed::Duplicate => applied.skipped_duplicates += 1,
                        Proposed::Rejected(errors) => {
                            return Err(DbError::Invalid(crate::domain::ValidationErrors(errors)))
                        }
                    }
                }
                audit::append(conn, &audit_actor, events)?;
                Ok(())
            })?;
        }
    }
    db.write_blocking(|conn| {
        if !store::mark_applied(conn, &scenario.id, now())? {
            return Err(store::not_draft("applied"));
        }
        record(
            conn,
            &audit_actor,
            "apply_scenario",
            scenario,
            json!({"name": scenario.name, "created": applied.created,
                   "skipped_duplicates": applied.skipped_duplicates}),
        )
    })?;
    Ok(applied)
}
