//! The demo data set: two programs, eight libraries, a user per role and over 5,000 commitments in
//! every status, made through the same code as real use (so every change has its audit event).

use chrono::Utc;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

use crate::auth::password;
use crate::db::audit::AuditActor;
use crate::db::models::{actions, commitments, expiry, libraries, programs, users};
use crate::db::{Db, DbError};
use crate::domain::accounts::{NewUser, UserInput};
use crate::domain::commitment::{
    CommitmentInput, Format, LossReason, NewCommitment, Policy, Shelving,
};
use crate::domain::organisations::{NewLibrary, NewProgram, ProgramInput};
use crate::domain::workflow::Action;
use crate::domain::{Actor, Role, ValidationErrors};
use crate::progress;

mod holdings;

/// How many commitments the demo makes.
pub const COMMITMENTS: usize = 5_400;

/// A demo account to print.
pub struct DemoUser {
    pub email: String,
    pub password: String,
    pub role: Role,
    pub scope: String,
}

/// What loading made, or `None` in `created` when the demo was already there.
pub struct DemoReport {
    pub created: bool,
    pub commitments: usize,
    /// Titles held, summed over the demo libraries' holdings.
    pub holdings: u64,
    pub users: Vec<DemoUser>,
}

const LIBRARIES: [(&str, &str, &str); 8] = [
    ("University of Michigan Library", "EYM", "MiU"),
    ("Dickinson College", "DKC", "PCarlD"),
    ("Amherst College", "AMH", "MA"),
    ("Stanford University Libraries", "STF", "CSt"),
    ("Arizona State University", "AZS", "AzTeS"),
    ("Bowdoin College", "BBH", "MeB"),
    ("Harvard Library", "HUL", "HUL"),
    ("University of Iowa Libraries", "NUI", "IaU"),
];

/// Which libraries belong to EAST and to HathiTrust (indexes into `LIBRARIES`).
const EAST_MEMBERS: [usize; 5] = [1, 2, 5, 6, 0];
const HATHI_MEMBERS: [usize; 5] = [0, 1, 3, 4, 7];

const SUBJECTS: [&str; 16] = [
    "the Atlantic world",
    "American whaling",
    "medieval monasteries",
    "Pacific navigation",
    "the Erie Canal",
    "Victorian poetry",
    "agricultural chemistry",
    "the Hudson River school",
    "colonial printing",
    "Great Lakes shipping",
    "Andean textiles",
    "the Scottish Enlightenment",
    "early photography",
    "railroad finance",
    "Baroque music",
    "Mesoamerican codices",
];
const FORMS: [&str; 8] = [
    "A history of {}",
    "Essays on {}",
    "{}: a documentary record",
    "Studies in {}",
    "The archaeology of {}",
    "{} reconsidered",
    "Letters concerning {}",
    "A bibliography of {}",
];
const AUTHORS: [&str; 10] = [
    "Whitfield, Margaret",
    "Okafor, Daniel",
    "Lindqvist, Sara",
    "Moreau, Henri",
    "Tanaka, Hiroshi",
    "Alvarez, Lucía",
    "Brennan, Thomas",
    "Kowalski, Anna",
    "Singh, Priya",
    "O'Neill, Fergus",
];
const PUBLISHERS: [&str; 6] = [
    "Yale University Press",
    "University of Chicago Press",
    "Oxford University Press",
    "Harvard University Press",
    "Cambridge University Press",
    "Johns Hopkins University Press",
];
const JOURNALS: [&str; 6] = [
    "Journal of {}",
    "Quarterly review of {}",
    "Annals of {}",
    "Bulletin of {}",
    "Transactions on {}",
    "Review of {}",
];

fn invalid(errors: ValidationErrors) -> anyhow::Error {
    anyhow::anyhow!("demo data is invalid: {:?}", errors.0)
}

/// Loads the demo with `commitments` commitments (the CLI uses [`COMMITMENTS`]) unless a program
/// `EAST` exists already.
pub fn load(db: &Db, commitments: usize) -> anyhow::Result<DemoReport> {
    let mut users_out = Vec::new();
    let already = programs::find_by_code(&mut *db.conn()?, "EAST").is_ok();
    if already {
        return Ok(DemoReport {
            created: false,
            commitments: 0,
            holdings: 0,
            users: demo_users_summary(),
        });
    }
    let system = AuditActor::system();
    let new_program = |code: &str, name: &str, uri: &str, end: &str| -> anyhow::Result<String> {
        let program = NewProgram::parse(ProgramInput {
            code: Some(code.into()),
            name: Some(name.into()),
            uri: Some(uri.into()),
            target_copies: Some(2),
            default_retention_end: Some(end.into()),
        })
        .map_err(invalid)?;
        Ok(db
            .write_blocking(|conn| programs::create(conn, &system, program))?
            .id)
    };
    let east = new_program(
        "EAST",
        "Eastern Academic Scholars' Trust",
        "http://eastlibraries.org/retained-materials",
        "2031-06-30",
    )?;
    let hathi = new_program(
        "HathiTrust",
        "HathiTrust Shared Print Program",
        "https://www.hathitrust.org/shared-print",
        "2042-12-31",
    )?;
    let program_ids = [Uuid::parse_str(&east)?, Uuid::parse_str(&hathi)?];
    let mut library_ids = Vec::new();
    for (name, symbol, marc) in LIBRARIES {
        let library = NewLibrary::parse(Some(name.into()), Some(symbol.into()), Some(marc.into()))
            .map_err(invalid)?;
        library_ids.push(Uuid::parse_str(
            &db.write_blocking(|conn| libraries::create(conn, &system, library))?
                .id,
        )?);
    }
    db.write_blocking(|conn| {
        for index in EAST_MEMBERS {
            programs::add_member(conn, &system, program_ids[0], library_ids[index])?;
        }
        for index in HATHI_MEMBERS {
            programs::add_member(conn, &system, program_ids[1], library_ids[index])?;
        }
        Ok(())
    })?;

    let mut make_user = |email: String,
                         role: Role,
                         library: Option<Uuid>,
                         programs: Vec<Uuid>,
                         scope: String|
     -> anyhow::Result<Actor> {
        let password = format!("demo-{}-password", role.as_str().replace('_', "-"));
        let user = NewUser::parse(UserInput {
            email: Some(email.clone()),
            name: Some(email.split('@').next().unwrap_or("demo").replace('.', " ")),
            password: Some(password.clone()),
            role: Some(role),
            library_id: library,
            program_ids: programs,
        })
        .map_err(invalid)?;
        let hash = password::hash(&user.password).map_err(|e| anyhow::anyhow!("{e}"))?;
        let account = db.write_blocking(|conn| users::create(conn, &system, user, hash))?;
        users_out.push(DemoUser {
            email,
            password,
            role,
            scope,
        });
        Ok(account.actor()?)
    };
    make_user(
        "admin@demo.registry".into(),
        Role::Admin,
        None,
        vec![],
        "everything".into(),
    )?;
    let coordinator = make_user(
        "coordinator@demo.registry".into(),
        Role::Coordinator,
        None,
        program_ids.to_vec(),
        "EAST, HathiTrust".into(),
    )?;
    make_user(
        "auditor@demo.registry".into(),
        Role::Auditor,
        None,
        program_ids.to_vec(),
        "EAST, HathiTrust".into(),
    )?;
    let mut managers = Vec::new();
    for (index, (_, symbol, _)) in LIBRARIES.iter().enumerate() {
        let email = format!("cm.{}@demo.registry", symbol.to_lowercase());
        let mut actor = make_user(
            email,
            Role::CollectionManager,
            Some(library_ids[index]),
            vec![],
            symbol.to_string(),
        )?;
        actor.program_ids = [
            (&EAST_MEMBERS, program_ids[0]),
            (&HATHI_MEMBERS, program_ids[1]),
        ]
        .iter()
        .filter(|(members, _)| members.contains(&index))
        .map(|(_, program)| *program)
        .collect();
        managers.push(actor);
    }

    let made = make_commitments(
        db,
        commitments,
        &coordinator,
        &managers,
        &program_ids,
        &library_ids,
    )?;
    let held = holdings::load_all(db, &program_ids, &library_ids)?;
    Ok(DemoReport {
        created: true,
        commitments: made,
        holdings: held,
        users: users_out,
    })
}

/// The accounts the demo creates, for printing when it was loaded before.
fn demo_users_summary() -> Vec<DemoUser> {
    let mut users = vec![
        (
            String::from("admin@demo.registry"),
            Role::Admin,
            "everything".to_owned(),
        ),
        (
            "coordinator@demo.registry".into(),
            Role::Coordinator,
            "EAST, HathiTrust".into(),
        ),
        (
            "auditor@demo.registry".into(),
            Role::Auditor,
            "EAST, HathiTrust".into(),
        ),
    ];
    users.extend(LIBRARIES.iter().map(|(_, symbol, _)| {
        (
            format!("cm.{}@demo.registry", symbol.to_lowercase()),
            Role::CollectionManager,
            symbol.to_string(),
        )
    }));
    users
        .into_iter()
        .map(|(email, role, scope)| DemoUser {
            password: format!("demo-{}-password", role.as_str().replace('_', "-")),
            email,
            role,
            scope,
        })
        .collect()
}

/// The statuses the demo spreads commitments over, out of 20.
fn target_status(n: usize) -> &'static str {
    match n % 20 {
        0..=2 => "proposed",
        3..=10 => "active",
        11 => "release_requested",
        12 => "declined",
        13 => "withdrawn",
        14 | 15 => "released",
        16 => "transferred",
        _ => "expired",
    }
}

fn valid_isbn(rng: &mut StdRng) -> String {
    loop {
        let body: String = (0..9)
            .map(|_| char::from(b'0' + rng.gen_range(0..10)))
            .collect();
        for check in ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "X"] {
            if crate::domain::identifiers::Isbn::parse(&format!("{body}{check}")).is_ok() {
                return format!("{body}{check}");
            }
        }
    }
}

fn make_commitments(
    db: &Db,
    count: usize,
    coordinator: &Actor,
    managers: &[Actor],
    program_ids: &[Uuid; 2],
    library_ids: &[Uuid],
) -> anyhow::Result<usize> {
    let mut rng = StdRng::seed_from_u64(583);
    let today = Utc::now().date_naive();
    let bar = progress::bar(count as u64, "loading demo commitments");
    let mut made = 0;
    for batch_start in (0..count).step_by(500) {
        let batch: Vec<usize> = (batch_start..(batch_start + 500).min(count)).collect();
        let plans: Vec<_> = batch
            .iter()
            .map(|&n| plan(&mut rng, n, program_ids, library_ids))
            .collect();
        db.write_blocking(|conn| {
            for (n, (library_index, input)) in batch.iter().zip(plans) {
                let manager = &managers[library_index];
                let library_side = n % 3 == 0;
                let proposer = if library_side { manager } else { coordinator };
                let counter = if library_side { coordinator } else { manager };
                let new = NewCommitment::parse(input, today)?;
                let record = match commitments::propose(conn, proposer, new) {
                    Ok(record) => record,
                    // The random plan may repeat a title for the same library; skip it.
                    Err(DbError::Invalid(_)) => continue,
                    Err(other) => return Err(other),
                };
                let id = Uuid::parse_str(&record.commitment.id)
                    .map_err(|e| DbError::Corrupt(e.to_string()))?;
                let mut act = |actor: &Actor, version: i32, action: Action| {
                    actions::act(conn, actor, id, version, action)
                };
                match target_status(*n) {
                    "proposed" => {}
                    "declined" => {
                        act(
                            counter,
                            1,
                            Action::Decline {
                                reason: "not held in our collection".into(),
                            },
                        )?;
                    }
                    "withdrawn" => {
                        act(
                            proposer,
                            1,
                            Action::Withdraw {
                                reason: Some("proposed in error".into()),
                            },
                        )?;
                    }
                    status => {
                        act(counter, 1, Action::Accept)?;
                        match status {
                            "release_requested" => {
                                act(
                                    manager,
                                    2,
                                    Action::RequestRelease {
                                        reason: "space for new acquisitions".into(),
                                    },
                                )?;
                            }
                            "released" if n % 2 == 0 => {
                                act(
                                    manager,
                                    2,
                                    Action::ReportLoss {
                                        reason: LossReason::Missing,
                                    },
                                )?;
                            }
                            "released" => {
                                act(
                                    manager,
                                    2,
                                    Action::RequestRelease {
                                        reason: "duplicate copy".into(),
                                    },
                                )?;
                                act(coordinator, 3, Action::ApproveRelease)?;
                            }
                            "transferred" => {
                                let members = if record.program.code == "EAST" {
                                    &EAST_MEMBERS[..]
                                } else {
                                    &HATHI_MEMBERS[..]
                                };
                                let to = members
                                    .iter()
                                    .map(|&i| library_ids[i])
                                    .find(|l| l.to_string() != record.library.id);
                                if let Some(to) = to {
                                    match act(
                                        coordinator,
                                        2,
                                        Action::Transfer { to_library_id: to },
                                    ) {
                                        Ok(_) | Err(DbError::Invalid(_)) => {}
                                        Err(other) => return Err(other),
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                }
                made += 1;
            }
            Ok(())
        })?;
        bar.set_position((batch_start + batch.len()) as u64);
    }
    bar.finish_and_clear();
    // Commitments planned as expired ended in the past: the sweep's own code expires them.
    expiry::expire_due(db, &Actor::system(), None, today, |_| {})?;
    Ok(made)
}

/// A plausible commitment: which library (index into `LIBRARIES`) and what the proposal says.
fn plan(
    rng: &mut StdRng,
    n: usize,
    program_ids: &[Uuid; 2],
    library_ids: &[Uuid],
) -> (usize, CommitmentInput) {
    let program_index = n % 2;
    let members = if program_index == 0 {
        &EAST_MEMBERS[..]
    } else {
        &HATHI_MEMBERS[..]
    };
    let library_index = members[rng.gen_range(0..members.len())];
    let serial = n.is_multiple_of(9);
    let subject = SUBJECTS[rng.gen_range(0..SUBJECTS.len())];
    let title = if serial {
        JOURNALS[rng.gen_range(0..JOURNALS.len())].replace("{}", subject)
    } else {
        FORMS[rng.gen_range(0..FORMS.len())].replace("{}", subject)
    };
    let title = format!("{}{}", title[..1].to_uppercase(), &title[1..]);
    // Mostly older ocm numbers, some newer ocn/on ones; unique per commitment index.
    let oclc = if n.is_multiple_of(5) {
        1_000_000_000 + n as i64 * 7
    } else {
        10_000 + n as i64 * 1_777
    };
    let expired = target_status(n) == "expired";
    let start_year = rng.gen_range(2012..2024);
    let (start, end) = if expired {
        (
            format!("{}-01-01", rng.gen_range(2005..2010)),
            Some(format!("{}-12-31", rng.gen_range(2015..2024))),
        )
    } else if n % 50 == 1 {
        (format!("{start_year}-07-01"), Some("permanent".to_owned()))
    } else {
        (format!("{start_year}-07-01"), None)
    };
    let policies = match n % 4 {
        0 => vec![Policy::NonCirculating],
        1 => vec![Policy::BuildingUseOnly, Policy::DigitizeOnDemand],
        _ => vec![],
    };
    let shelving = [
        Shelving::OpenStacks,
        Shelving::ClosedStacks,
        Shelving::StorageFacility,
        Shelving::HighDensity,
    ][rng.gen_range(0..4)];
    let input = CommitmentInput {
        program_id: Some(program_ids[program_index]),
        library_id: Some(library_ids[library_index]),
        oclc_number: Some(if oclc > 999_999_999 {
            format!("(OCoLC)on{oclc}")
        } else {
            format!("(OCoLC)ocm{oclc:08}")
        }),
        title: Some(title),
        author: (!serial).then(|| AUTHORS[rng.gen_range(0..AUTHORS.len())].to_owned()),
        publisher: Some(PUBLISHERS[rng.gen_range(0..PUBLISHERS.len())].to_owned()),
        pub_year: Some(rng.gen_range(1850..2020)),
        isbn: (!serial && !n.is_multiple_of(3)).then(|| valid_isbn(rng)),
        issn: None,
        format: Some(if serial {
            Format::Serial
        } else {
            Format::Monograph
        }),
        local_bib_id: Some(format!("b{:07}", 1_000_000 + n)),
        local_item_id: Some(format!("i{:07}", 2_000_000 + n)),
        barcode: Some(format!("3901501{:07}", n)),
        call_number: None,
        materials_specified: serial
            .then(|| format!("v.1-{} ({}-{})", rng.gen_range(10..80), 1950, 2010)),
        shelving: Some(shelving),
        condition: None,
        validation: None,
        policies,
        retention_start: Some(start),
        retention_end: end,
        public_note: None,
        private_note: None,
        ..Default::default()
    };
    (library_index, input)
}
