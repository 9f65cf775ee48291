//! Which database to use, read from a URL: `sqlite://PATH` or `postgres://…`.

use std::path::PathBuf;

/// The two supported backends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A parsed database URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A SQLite database file; it and its folder are created when missing.
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL, passed to libpq as it is.
    Postgres(String),
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<Self, String> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres(url.to_owned()));
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"));
        match path {
            Some(path) if !path.is_empty() && path != ":memory:" => {
                Ok(Self::Sqlite(PathBuf::from(path)))
            }
            Some(_) => Err(format!(
                "database URL {url:?} names no file; use sqlite://PATH, for example sqlite://data/registry.db"
            )),
            None => Err(format!(
                "database URL {url:?} is neither sqlite://PATH nor postgres://…"
            )),
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }

    /// The URL with any password hidden, for logs.
    pub fn redacted(&self) -> String {
        match self {
            Self::Sqlite(path) => format!("sqlite://{}", path.display()),
            Self::Postgres(url) => redact_password(url),
        }
    }
}

fn redact_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((credentials, host)) => match credentials.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_schemes() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/registry.db").unwrap(),
            DatabaseUrl::Sqlite("data/registry.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///var/lib/registry.db").unwrap(),
            DatabaseUrl::Sqlite("/var/lib/registry.db".into())
        );
        assert_eq!(
            DatabaseUrl::parse("postgres://postgres@127.0.0.1:5432/registry")
                .unwrap()
                .backend(),
            Backend::Postgres
        );
        assert!(DatabaseUrl::parse("mysql://x").is_err());
        assert!(DatabaseUrl::parse("sqlite://").is_err());
        assert!(DatabaseUrl::parse("sqlite::memory:").is_err());
    }

    #[test]
    fn hides_passwords() {
        let url = DatabaseUrl::parse("postgres://reg:secret@db:5432/registry").unwrap();
        assert_eq!(url.redacted(), "postgres://reg:***@db:5432/registry");
    }
}
