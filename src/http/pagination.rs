//! `?limit=` and opaque `?cursor=` for every list, and the `{"items", "next_cursor"}` answer.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::db::{Page, MAX_PAGE};
use crate::domain::ValidationErrors;
use crate::error::ApiError;

/// Rows per page when the client does not say.
pub const DEFAULT_LIMIT: i64 = 50;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Rows per page, 1 to 1000 (default 50).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageQuery {
    pub fn limit(&self) -> Result<i64, ApiError> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if (1..=MAX_PAGE).contains(&limit) {
            Ok(limit)
        } else {
            Err(
                ValidationErrors::one("limit", format!("limit must be between 1 and {MAX_PAGE}"))
                    .into(),
            )
        }
    }

    /// The key to continue after, decoded from the cursor.
    pub fn after(&self) -> Result<Option<String>, ApiError> {
        match self.cursor.as_deref().filter(|c| !c.is_empty()) {
            None => Ok(None),
            Some(cursor) => decode_cursor(cursor).map(Some).ok_or_else(|| {
                ApiError::BadRequest("the cursor is not one this service issued".into())
            }),
        }
    }
}

/// The opaque cursor of a key.
pub fn encode_cursor(key: &str) -> String {
    URL_SAFE_NO_PAD.encode(key)
}

/// The key of a cursor this service issued (ids and sequence numbers: no control characters).
pub fn decode_cursor(cursor: &str) -> Option<String> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .filter(|key| !key.is_empty() && !key.chars().any(char::is_control))
}

/// One page of a list.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ListResponse<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl<T> ListResponse<T> {
    pub fn from_page<R>(
        page: Page<R>,
        view: impl FnMut(R) -> Result<T, ApiError>,
    ) -> Result<Self, ApiError> {
        Ok(Self {
            items: page.items.into_iter().map(view).collect::<Result<_, _>>()?,
            next_cursor: page.next_after.as_deref().map(encode_cursor),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips() {
        let page = Page {
            items: vec![1],
            next_after: Some("0193-abc".to_owned()),
        };
        let list = ListResponse::from_page(page, Ok).unwrap();
        let query = PageQuery {
            limit: None,
            cursor: list.next_cursor,
        };
        assert_eq!(query.after().unwrap().as_deref(), Some("0193-abc"));
    }

    #[test]
    fn limit_is_bounded() {
        let query = |limit| PageQuery {
            limit: Some(limit),
            cursor: None,
        };
        assert!(query(0).limit().is_err());
        assert!(query(1001).limit().is_err());
        assert_eq!(query(1000).limit().unwrap(), 1000);
        assert!(PageQuery {
            limit: None,
            cursor: Some("%%%".into())
        }
        .after()
        .is_err());
    }
}
