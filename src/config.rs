//! Settings from flags and environment variables (see the contract's "Starting the program"), and
//! the JWT secret, generated once and kept in `data/jwt.secret` when none is given.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::db::DatabaseUrl;

/// Where the registry keeps its files when the settings do not say otherwise.
pub const DATA_DIR: &str = "data";
/// The default database.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/registry.db";
/// The default listen address.
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
/// The default e-mail of the first admin.
pub const DEFAULT_ADMIN_EMAIL: &str = "admin@localhost";
/// Fewest bytes a JWT signing secret may have.
pub const MIN_SECRET_BYTES: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{0}")]
    Invalid(String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Everything `serve` needs.
#[derive(Clone)]
pub struct Settings {
    pub database: DatabaseUrl,
    pub bind: String,
    pub jwt_secret: Vec<u8>,
    pub admin: AdminBootstrap,
    /// Cookies always `Secure` (`--secure-cookies`, `REGISTRY_SECURE_COOKIES=true`); without it
    /// they are when the request came over HTTPS.
    pub secure_cookies: bool,
}

/// The first admin, created only while the users table is empty.
#[derive(Clone)]
pub struct AdminBootstrap {
    pub email: String,
    /// `None`: generate a random password and print it once.
    pub password: Option<String>,
}

impl AdminBootstrap {
    /// From `REGISTRY_ADMIN_EMAIL` and `REGISTRY_ADMIN_PASSWORD`.
    pub fn from_env() -> Self {
        Self {
            email: std::env::var("REGISTRY_ADMIN_EMAIL")
                .ok()
                .filter(|e| !e.trim().is_empty())
                .unwrap_or_else(|| DEFAULT_ADMIN_EMAIL.to_owned()),
            password: std::env::var("REGISTRY_ADMIN_PASSWORD")
                .ok()
                .filter(|p| !p.is_empty()),
        }
    }
}

/// The JWT secret: `REGISTRY_JWT_SECRET` if set, else the contents of `DATA_DIR/jwt.secret`,
/// generated (48 random bytes, hex) with mode 0600 on first use.
pub fn jwt_secret(from_env: Option<String>, data_dir: &Path) -> Result<Vec<u8>, ConfigError> {
    if let Some(secret) = from_env {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(ConfigError::Invalid(format!(
                "REGISTRY_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes"
            )));
        }
        return Ok(secret.into_bytes());
    }
    let path = data_dir.join("jwt.secret");
    let io = |source| ConfigError::Io {
        path: path.clone(),
        source,
    };
    match fs::read_to_string(&path) {
        Ok(secret) => {
            let secret = secret.trim().to_owned();
            if secret.len() < MIN_SECRET_BYTES {
                return Err(ConfigError::Invalid(format!(
                    "{} holds fewer than {MIN_SECRET_BYTES} bytes; delete it to generate a new secret",
                    path.display()
                )));
            }
            Ok(secret.into_bytes())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            fs::create_dir_all(data_dir).map_err(|source| ConfigError::Io {
                path: data_dir.to_owned(),
                source,
            })?;
            let secret = random_hex(48);
            write_private(&path, &secret).map_err(io)?;
            tracing::info!(path = %path.display(), "generated a new JWT signing secret");
            Ok(secret.into_bytes())
        }
        Err(e) => Err(io(e)),
    }
}

fn random_hex(bytes: usize) -> String {
    use rand::RngCore;
    let mut buffer = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buffer);
    hex::encode(buffer)
}

/// Creates `path` readable and writable by its owner only; fails if it exists.
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_secret_is_kept_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let first = jwt_secret(None, dir.path()).unwrap();
        assert!(first.len() >= MIN_SECRET_BYTES);
        assert_eq!(jwt_secret(None, dir.path()).unwrap(), first);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.path().join("jwt.secret"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn short_secret_from_environment_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        assert!(jwt_secret(Some("short".into()), dir.path()).is_err());
        let long = "x".repeat(32);
        assert_eq!(
            jwt_secret(Some(long.clone()), dir.path()).unwrap(),
            long.into_bytes()
        );
    }
}
