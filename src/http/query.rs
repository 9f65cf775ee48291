//! The query-string extractor of the API. actix's own says only "Query deserialize error: input
//! contains invalid characters"; this one names the parameter and repeats the value that did not
//! read, so that `?since=yesterday` answers 400 with `{"field": "since", …}` in the details.

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// The query string read into `T`.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T> Query<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Query<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(read(req.query_string()).map(Query))
    }
}

/// Reads `query` into `T`; a parameter that does not read is named, with its value.
pub fn read<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let pairs = form_urlencoded::parse(query.as_bytes());
    serde_path_to_error::deserialize(serde_urlencoded::Deserializer::new(pairs)).map_err(|error| {
        let field = error.path().to_string();
        let value = form_urlencoded::parse(query.as_bytes())
            .find(|(name, _)| *name == field)
            .map(|(_, value)| format!(" {value:?}"))
            .unwrap_or_default();
        let message = format!("{field}{value} cannot be read: {}", error.inner());
        ApiError::BadParameter { field, message }
    })
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    struct Sample {
        since: Option<DateTime<Utc>>,
        limit: Option<i64>,
    }

    #[test]
    fn a_parameter_that_does_not_read_is_named_with_its_value() {
        let Err(ApiError::BadParameter { field, message }) =
            read::<Sample>("limit=5&since=yesterday")
        else {
            panic!("expected a bad parameter");
        };
        assert_eq!(field, "since");
        assert!(
            message.starts_with("since \"yesterday\" cannot be read"),
            "{message}"
        );
        let sample: Sample = read("since=2026-01-31T00%3A00%3A00Z&other=x").unwrap();
        assert_eq!(sample.limit, None);
        assert!(sample.since.is_some());
    }
}
