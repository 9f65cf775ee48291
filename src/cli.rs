//! The command line: `serve` (the default), `migrate` and `user create`.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};
use uuid::Uuid;

use crate::auth::password;
use crate::config::{self, AdminBootstrap, Settings, DATA_DIR, DEFAULT_BIND, DEFAULT_DATABASE_URL};
use crate::db::audit::{self, AuditActor};
use crate::db::models::commitments::CommitmentFilter;
use crate::db::models::{expiry, libraries, programs, users};
use crate::db::{DatabaseUrl, Db};
use crate::domain::accounts::{NewUser, UserInput};
use crate::domain::commitment::Status;
use crate::domain::identifiers::OclcNumber;
use crate::domain::{Actor, Role};
use crate::exports;
use crate::formats::{oclc_csv, ExportFormat, FormatError};
use crate::imports::{self, ImportFormat, ImportMode};
use crate::startup::{self, Application};
use crate::{demo, progress};

mod holdings;

#[derive(Debug, Parser)]
#[command(
    name = "retention-registry",
    version,
    about = "Registry of shared-print retention commitments"
)]
pub struct Cli {
    /// Database URL: sqlite://PATH or postgres://USER@HOST:PORT/DB
    #[arg(long, global = true, env = "REGISTRY_DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    pub database: String,
    /// Address to listen on (serve)
    #[arg(long, global = true, env = "REGISTRY_BIND", default_value = DEFAULT_BIND)]
    pub bind: String,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server and API (the default)
    Serve(ServeArgs),
    /// Load the demo data set (programs, libraries, users, 5,400 commitments) and print the demo users
    Demo,
    /// Apply pending database migrations and exit
    Migrate,
    /// Manage user accounts
    #[command(subcommand)]
    User(UserCommand),
    /// Expire every active commitment whose retention ended before a day (default today)
    Expire(ExpireArgs),
    /// Import a file of commitments as proposals for one program and library
    Import(ImportArgs),
    /// Load a library's holdings file (what it holds, committed or not)
    Holdings(holdings::HoldingsArgs),
    /// Export commitments (or with --events the audit trail) to a file
    Export(ExportArgs),
    /// Recompute the audit trail's hash chain; exits non-zero at the first broken link
    VerifyAudit,
    /// Write a consistent copy of the database while the server runs (SQLite: a database file;
    /// PostgreSQL: a pg_dump archive, or the command to run when pg_dump is not installed)
    Backup(BackupArgs),
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The file to write; it must not exist yet
    #[arg(long)]
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The file to import
    pub file: PathBuf,
    /// The program (code or id)
    #[arg(long)]
    pub program: String,
    /// The library (OCLC symbol or id)
    #[arg(long)]
    pub library: String,
    /// The file's format
    #[arg(long, value_enum, default_value = "csv")]
    pub format: ImportFormat,
    /// validate (write nothing), all_or_nothing, or valid_rows
    #[arg(long, value_enum, default_value = "all_or_nothing")]
    pub mode: ImportMode,
    /// Also write the rejected rows and the warnings to this CSV file (line, field, message, kind)
    #[arg(long)]
    pub report: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// File format
    #[arg(long, value_enum, default_value = "csv")]
    pub format: ExportFormat,
    /// Where to write the file
    #[arg(long)]
    pub output: PathBuf,
    /// Export the audit trail instead (format csv or ndjson)
    #[arg(long)]
    pub events: bool,
    /// Only this program (code or id)
    #[arg(long)]
    pub program: Option<String>,
    /// Only this library (OCLC symbol or id)
    #[arg(long)]
    pub library: Option<String>,
    /// Only this status
    #[arg(long, value_parser = parse_status)]
    pub status: Option<Status>,
    /// Only this OCLC number (any accepted form)
    #[arg(long, value_parser = parse_oclc)]
    pub oclc_number: Option<OclcNumber>,
    /// Only titles with all these words
    #[arg(long)]
    pub q: Option<String>,
    /// Only commitments whose retention ends before this day (YYYY-MM-DD)
    #[arg(long, value_parser = parse_day)]
    pub expiring_before: Option<chrono::NaiveDate>,
    /// Only commitments (or events) changed at or after this instant (RFC 3339)
    #[arg(long, value_parser = parse_instant)]
    pub updated_since: Option<chrono::DateTime<chrono::Utc>>,
}

fn parse_status(value: &str) -> Result<Status, String> {
    Status::parse(value)
}

fn parse_oclc(value: &str) -> Result<OclcNumber, String> {
    OclcNumber::parse(value)
}

fn parse_instant(value: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    chrono::DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|_| format!("{value:?} is not an RFC 3339 instant such as 2026-01-31T00:00:00Z"))
}

#[derive(Debug, Args)]
pub struct ExpireArgs {
    /// Expire commitments whose retention ended before this day (YYYY-MM-DD; default today)
    #[arg(long, value_parser = parse_day)]
    pub as_of: Option<chrono::NaiveDate>,
    /// Only this program (code or id; default every program)
    #[arg(long)]
    pub program: Option<String>,
}

fn parse_day(value: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map_err(|_| format!("{value:?} is not a date (YYYY-MM-DD)"))
}

#[derive(Debug, Args, Default)]
pub struct ServeArgs {
    /// Load the demo data set first (skipped when already loaded) and print the demo users
    #[arg(long)]
    pub demo: bool,
    /// Always mark the web pages' cookies Secure (behind a proxy that terminates HTTPS); without
    /// it they are Secure when a request came over HTTPS
    #[arg(long, env = "REGISTRY_SECURE_COOKIES")]
    pub secure_cookies: bool,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account; the password is read from standard input, or asked for on a terminal
    Create(CreateUser),
}

#[derive(Debug, Args)]
pub struct CreateUser {
    /// Sign-in e-mail address
    #[arg(long)]
    pub email: String,
    /// admin, coordinator, collection_manager or auditor
    #[arg(long, value_parser = parse_role)]
    pub role: Role,
    /// Display name (default: the e-mail address)
    #[arg(long)]
    pub name: Option<String>,
    /// The library of a collection manager: OCLC symbol or id
    #[arg(long)]
    pub library: Option<String>,
    /// A program of a coordinator or auditor: code or id (repeat for several)
    #[arg(long = "program")]
    pub programs: Vec<String>,
}

fn parse_role(value: &str) -> Result<Role, String> {
    Role::parse(value)
}

/// Runs the command line; the error is printed by `main`.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let database = DatabaseUrl::parse(&cli.database).map_err(anyhow::Error::msg)?;
    match cli.command.unwrap_or(Command::Serve(ServeArgs::default())) {
        Command::Serve(args) => serve(database, cli.bind, args),
        Command::Demo => {
            let db = startup::open_database(&database)?;
            load_demo(&db)
        }
        Command::Migrate => {
            let db = Db::connect(&database, 1)?;
            let applied = db.migrate()?;
            println!(
                "{} migration(s) applied to {}",
                applied.len(),
                database.redacted()
            );
            Ok(())
        }
        Command::User(UserCommand::Create(args)) => create_user(&database, args),
        Command::Expire(args) => expire(&database, args),
        Command::Import(args) => import(&database, args),
        Command::Holdings(args) => holdings::run(&database, args),
        Command::Export(args) => export(&database, args),
        Command::VerifyAudit => verify_audit(&database),
        Command::Backup(args) => match crate::backup::backup(&database, &args.output)? {
            crate::backup::Backup::Written => {
                println!("Backup written to {}", args.output.display());
                Ok(())
            }
            crate::backup::Backup::Run(command) => {
                anyhow::bail!("pg_dump is not installed; to write the backup, run:\n  {command}")
            }
        },
    }
}

fn expire(database: &DatabaseUrl, args: ExpireArgs) -> anyhow::Result<()> {
    let db = startup::open_database(database)?;
    let program = match args.program.as_deref() {
        Some(program) => {
            let mut conn = db.conn()?;
            let row = match Uuid::parse_str(program) {
                Ok(id) => programs::find(&mut conn, id),
                Err(_) => programs::find_by_code(&mut conn, program),
            }
            .with_context(|| format!("no program {program:?}"))?;
            Some(Uuid::parse_str(&row.id)?)
        }
        None => None,
    };
    let as_of = args
        .as_of
        .unwrap_or_else(|| chrono::Utc::now().date_naive());
    let due = expiry::count_due(&db, program, as_of)?;
    let bar = progress::bar(u64::try_from(due).unwrap_or(0), "expiring");
    let expired = expiry::expire_due(&db, &Actor::system(), program, as_of, |done| {
        bar.set_position(done)
    })?;
    bar.finish_and_clear();
    println!("{expired} commitment(s) expired (retention ended before {as_of})");
    Ok(())
}

fn import(database: &DatabaseUrl, args: ImportArgs) -> anyhow::Result<()> {
    let db = startup::open_database(database)?;
    let (program, library) = exports::ids_of(&db, Some(&args.program), Some(&args.library))
        .map_err(|e| anyhow::anyhow!("{e}: check --program and --library"))?;
    let (program, library) = (program.unwrap_or_default(), library.unwrap_or_default());
    let actor = Actor::system();
    let target =
        imports::Target::check(&mut *db.conn()?, &actor, program, library).map_err(refusal)?;
    // An all_or_nothing import reads the file twice: to check every row, then to write them.
    let mut passes = 0;
    let mut bars = Vec::new();
    let mut source = || {
        let file = std::fs::File::open(&args.file)
            .with_context(|| format!("cannot open {}", args.file.display()))
            .map_err(|e| imports::ImportError::File(FormatError::Header(format!("{e:#}"))))?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        passes += 1;
        let label = if passes == 1 && args.mode != ImportMode::ValidRows {
            "checking"
        } else {
            "importing"
        };
        if let Some(done) = bars.last() {
            indicatif::ProgressBar::finish_and_clear(done);
        }
        let bar = progress::bar(size, label);
        let reader = bar.wrap_read(file);
        bars.push(bar);
        imports::rows(Box::new(std::io::BufReader::new(reader)), args.format)
    };
    let report = imports::run(&db, &actor, &target, args.format, &mut source, args.mode)?;
    for bar in bars {
        bar.finish_and_clear();
    }
    let verb = if args.mode == ImportMode::Validate {
        "would import"
    } else {
        "imported"
    };
    println!(
        "{} row(s): {verb} {}, skipped {} duplicate(s), rejected {}",
        report.rows, report.imported, report.skipped_duplicates, report.rejected
    );
    if args.mode == ImportMode::AllOrNothing && report.rejected > 0 {
        println!("Nothing was imported because some rows were rejected (use --mode valid_rows to import the others).");
    }
    for error in report.errors.iter().take(20) {
        eprintln!("line {}: {}: {}", error.line, error.field, error.message);
    }
    if !report.warnings.is_empty() {
        eprintln!(
            "{} warning(s): rows imported with a default or a note, 583s of other programs passed over{}",
            report.warnings.len(),
            if args.report.is_some() {
                " (in the report)"
            } else {
                "; use --report FILE to see them"
            }
        );
    }
    if report.errors.len() > 20 {
        eprintln!(
            "… and {} more problem(s){}",
            report.errors.len() - 20,
            if args.report.is_some() {
                " in the report"
            } else {
                "; use --report FILE to see them all"
            }
        );
    }
    if let Some(path) = &args.report {
        let mut csv = csv::Writer::from_path(path)
            .with_context(|| format!("cannot write {}", path.display()))?;
        csv.write_record(["line", "field", "message", "kind"])?;
        let kinds = [("error", &report.errors), ("warning", &report.warnings)];
        for (kind, entries) in kinds {
            for entry in entries.iter() {
                csv.write_record([
                    entry.line.to_string(),
                    entry.field.clone(),
                    entry.message.clone(),
                    kind.to_owned(),
                ])?;
            }
        }
        csv.flush()?;
    }
    if report.rejected > 0 && args.mode != ImportMode::ValidRows {
        bail!("{} row(s) rejected", report.rejected);
    }
    Ok(())
}

fn export(database: &DatabaseUrl, args: ExportArgs) -> anyhow::Result<()> {
    let db = startup::open_database(database)?;
    let file = std::fs::File::create(&args.output)
        .with_context(|| format!("cannot create {}", args.output.display()))?;
    let mut out = std::io::BufWriter::new(file);
    let mut sink = |bytes: Vec<u8>| out.write_all(&bytes);
    if args.events {
        if !matches!(args.format, ExportFormat::Csv | ExportFormat::Ndjson) {
            bail!("the audit trail exports as csv or ndjson");
        }
        let (program, _) = exports::ids_of(&db, args.program.as_deref(), None)?;
        let programs = program.map(|p| vec![p]);
        let since = args.updated_since.map(|t| t.naive_utc());
        let written = exports::events(
            &db,
            programs.as_deref(),
            since,
            args.format == ExportFormat::Csv,
            &mut sink,
        )?;
        out.flush()?;
        println!("{written} event(s) written to {}", args.output.display());
        return Ok(());
    }
    let (program_id, library_id) =
        exports::ids_of(&db, args.program.as_deref(), args.library.as_deref())?;
    let filter = CommitmentFilter {
        program_id,
        library_id,
        status: args.status,
        oclc_number: args.oclc_number,
        q: args.q,
        expiring_before: args.expiring_before,
        updated_since: args.updated_since.map(|t| t.naive_utc()),
        proposed_by: None,
        proposer_role: None,
        visible_programs: None,
    };
    // The total only sizes the bar; counting is a scan of every matching row (a tenth of a
    // scripted export's time), so it is skipped when the bar is not drawn.
    let total = if progress::shown() {
        exports::count(&db, &filter)?.0
    } else {
        0
    };
    let bar = progress::bar(u64::try_from(total).unwrap_or(0), "exporting");
    let summary = exports::run(
        &db,
        &Actor::system(),
        &filter,
        args.format,
        &mut sink,
        &mut |done| bar.set_position(done),
    )?;
    out.flush()?;
    drop(out);
    bar.finish_and_clear();
    let files = if args.format == ExportFormat::OclcCsv {
        oclc_csv::split(&args.output, oclc_csv::MAX_ROWS_PER_FILE)?
    } else {
        vec![args.output.clone()]
    };
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    println!(
        "{} commitment(s) written to {}",
        summary.commitments - summary.omitted,
        names.join(", ")
    );
    if files.len() > 1 {
        println!(
            "OCLC takes at most {} rows a file: upload each of the {} files",
            oclc_csv::MAX_ROWS_PER_FILE,
            files.len()
        );
    }
    if summary.omitted > 0 {
        eprintln!(
            "{} permanent commitment(s) left out: OCLC's CSV layout cannot carry $d permanent (use MARC)",
            summary.omitted
        );
    }
    Ok(())
}

fn verify_audit(database: &DatabaseUrl) -> anyhow::Result<()> {
    let db = Db::connect(database, 1)?;
    let report = audit::verify_chain(&mut *db.conn()?)?;
    if let Some(link) = report.broken {
        bail!(
            "audit trail broken at event {} ({}): {}; {} event(s) before it verified",
            link.seq,
            if link.id.is_empty() {
                "chain head"
            } else {
                &link.id
            },
            link.problem,
            report.events_checked
        );
    }
    println!(
        "audit trail intact: {} event(s) verified",
        report.events_checked
    );
    let replayed = crate::db::replay::replay(&mut *db.conn()?)?;
    if let Some(mismatch) = replayed.mismatch {
        bail!(
            "commitment {} does not match its audit trail: {}; {} commitment(s) before it matched",
            mismatch.commitment_id,
            mismatch.problem,
            replayed.commitments_checked
        );
    }
    println!(
        "every commitment matches its events: {} commitment(s) replayed",
        replayed.commitments_checked
    );
    Ok(())
}

fn load_demo(db: &Db) -> anyhow::Result<()> {
    let report = demo::load(db, demo::COMMITMENTS)?;
    if report.created {
        println!(
            "Loaded the demo: 2 programs, 8 libraries, {} commitments, {} titles held (each library's holdings).",
            report.commitments, report.holdings
        );
    } else {
        println!("The demo data is already loaded.");
    }
    println!("Demo users (for demonstrations only):");
    for user in &report.users {
        println!(
            "  {:<28} {:<32} {} ({})",
            user.email, user.password, user.role, user.scope
        );
    }
    Ok(())
}

fn serve(database: DatabaseUrl, bind: String, args: ServeArgs) -> anyhow::Result<()> {
    let jwt_secret = config::jwt_secret(
        std::env::var("REGISTRY_JWT_SECRET").ok(),
        Path::new(DATA_DIR),
    )?;
    let settings = Settings {
        database,
        bind,
        jwt_secret,
        admin: AdminBootstrap::from_env(),
        secure_cookies: args.secure_cookies,
    };
    // The first admin comes before the demo, whose accounts would otherwise fill the users table.
    let db = startup::open_database(&settings.database)?;
    // Printed at once, so that a start that fails later (the port is taken) does not lose it.
    if let Some(admin) = startup::ensure_first_admin(&db, &settings.admin)? {
        match &admin.generated_password {
            Some(password) => println!(
                "Created the first admin {}; its password, shown only this once: {password}",
                admin.email
            ),
            None => println!(
                "Created the first admin {} with the password from REGISTRY_ADMIN_PASSWORD",
                admin.email
            ),
        }
    }
    if args.demo {
        load_demo(&db)?;
    }
    drop(db);
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(&settings)?;
        tracing::info!(address = %settings.bind, port = app.port(), database = %settings.database.redacted(), "serving");
        app.run_until_stopped().await?;
        tracing::info!("stopped");
        Ok(())
    })
}

fn create_user(database: &DatabaseUrl, args: CreateUser) -> anyhow::Result<()> {
    let db = startup::open_database(database)?;
    let password = read_password()?;
    let mut conn = db.conn()?;
    let library_id = args
        .library
        .as_deref()
        .map(|library| -> anyhow::Result<Uuid> {
            let row = match Uuid::parse_str(library) {
                Ok(id) => libraries::find(&mut conn, id),
                Err(_) => libraries::find_by_symbol(&mut conn, library),
            }
            .with_context(|| format!("no library {library:?}"))?;
            Ok(Uuid::parse_str(&row.id)?)
        })
        .transpose()?;
    let program_ids = args
        .programs
        .iter()
        .map(|program| -> anyhow::Result<Uuid> {
            let row = match Uuid::parse_str(program) {
                Ok(id) => programs::find(&mut conn, id),
                Err(_) => programs::find_by_code(&mut conn, program),
            }
            .with_context(|| format!("no program {program:?}"))?;
            Ok(Uuid::parse_str(&row.id)?)
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    drop(conn);
    let user = NewUser::parse(UserInput {
        name: Some(args.name.unwrap_or_else(|| args.email.clone())),
        email: Some(args.email),
        password: Some(password),
        role: Some(args.role),
        library_id,
        program_ids,
    })
    .map_err(|errors| {
        let problems: Vec<String> = errors
            .0
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect();
        anyhow::anyhow!("{}", problems.join("; "))
    })?;
    let hash = password::hash(&user.password).map_err(|e| anyhow::anyhow!("{e}"))?;
    let account = db
        .write_blocking(|conn| users::create(conn, &AuditActor::system(), user, hash))
        .map_err(refusal)?;
    println!(
        "Created {} {} ({})",
        account.role, account.user.email, account.user.id
    );
    Ok(())
}

/// The new password: asked for twice on a terminal, else the first line of standard input.
fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password (at least 12 characters): ")?;
        let second = rpassword::prompt_password("Repeat the password: ")?;
        if first != second {
            bail!("the two passwords differ");
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        let password = line.trim_end_matches(['\r', '\n']).to_owned();
        if password.is_empty() {
            bail!("no password on standard input");
        }
        Ok(password)
    }
}

/// A database refusal as a command's error: validation messages joined, the rest as they are.
fn refusal(error: crate::db::DbError) -> anyhow::Error {
    match error {
        crate::db::DbError::Invalid(errors) => anyhow::anyhow!(
            "{}",
            errors
                .0
                .iter()
                .map(|e| e.message.clone())
                .collect::<Vec<_>>()
                .join("; ")
        ),
        other => other.into(),
    }
}
