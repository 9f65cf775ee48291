//! `retention-registry backup --output FILE`: a consistent copy of the database, taken while the
//! server runs. SQLite: `VACUUM INTO`, a transaction-consistent copy that is itself a database file
//! (restore: put it where the database URL points). PostgreSQL: `pg_dump --format=custom` when it
//! is installed (restore: `pg_restore --dbname=… FILE` into an empty database); otherwise the exact
//! command to run.

use std::path::Path;
use std::process::Command;

use diesel::sql_types::Text;
use diesel::RunQueryDsl;

use crate::db::{DatabaseUrl, Db};

/// What `backup` did.
pub enum Backup {
    /// The copy is in the output file.
    Written,
    /// `pg_dump` is not installed: the command that would write the copy.
    Run(String),
}

/// The shell-quoted form of `value` (for a command to copy).
fn quoted(value: &str) -> String {
    format!("'{}'", value.replace('\'', "'\\''"))
}

/// Writes a consistent copy of `database` to `output`, which must not exist yet.
pub fn backup(database: &DatabaseUrl, output: &Path) -> anyhow::Result<Backup> {
    if output.exists() {
        anyhow::bail!(
            "{} exists already: choose a new file, a backup never overwrites one",
            output.display()
        );
    }
    let target = output.to_string_lossy().into_owned();
    match database {
        DatabaseUrl::Sqlite(path) => {
            if !path.exists() {
                anyhow::bail!("there is no database at {}", path.display());
            }
            let db = Db::connect(database, 1)?;
            // One statement, one read transaction: what other connections commit meanwhile is
            // either wholly in the copy or not at all.
            diesel::sql_query("VACUUM INTO ?")
                .bind::<Text, _>(&target)
                .execute(&mut *db.conn()?)
                .map_err(|e| anyhow::anyhow!("the copy could not be written: {e}"))?;
            Ok(Backup::Written)
        }
        DatabaseUrl::Postgres(url) => {
            let args = ["--format=custom", "--no-owner", "--file"];
            let installed = Command::new("pg_dump").arg("--version").output().is_ok();
            if !installed {
                return Ok(Backup::Run(format!(
                    "pg_dump {} {} {}",
                    args.join(" "),
                    quoted(&target),
                    quoted(url)
                )));
            }
            let status = Command::new("pg_dump")
                .args(args)
                .arg(&target)
                .arg(url)
                .status()
                .map_err(|e| anyhow::anyhow!("pg_dump could not be run: {e}"))?;
            if !status.success() {
                let _ = std::fs::remove_file(output);
                anyhow::bail!("pg_dump failed ({status}); nothing was written");
            }
            Ok(Backup::Written)
        }
    }
}
