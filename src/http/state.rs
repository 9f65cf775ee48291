//! What every handler shares.

use crate::auth::throttle::Throttle;
use crate::auth::token::TokenKeys;
use crate::db::Db;
use crate::http::pages::uploads::UploadStore;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub keys: TokenKeys,
    /// Mark the session and CSRF cookies `Secure` even when a request did not come over HTTPS
    /// (behind a proxy that terminates TLS without saying so).
    pub secure_cookies: bool,
    /// Files sent to the import page, kept until imported.
    pub uploads: UploadStore,
    /// Failed sign-ins and the password hashings running.
    pub throttle: Throttle,
}
