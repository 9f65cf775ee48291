//! What every handler shares.

use crate::auth::token::TokenKeys;
use crate::db::Db;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub keys: TokenKeys,
}
