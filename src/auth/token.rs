//! Signed session tokens (JWT, HS256 only).
//!
//! A token names its user (`sub`), role, scope and the user's token version (`tv`). The version is
//! compared with the user row on every request, so disabling a user or changing a password revokes
//! every token issued before. The audience marks the token's purpose.

use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Audience of tokens that sign in to the API and the web pages.
const AUDIENCE: &str = "retention-registry";

/// How long a token is valid.
pub const TOKEN_LIFETIME_HOURS: i64 = 12;

/// The scope recorded in a token, for clients to read; the server always re-reads it from the database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenScope {
    pub library_id: Option<Uuid>,
    pub program_ids: Vec<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub sub: Uuid,
    pub role: String,
    pub scope: TokenScope,
    pub tv: i32,
    pub iat: i64,
    pub exp: i64,
    pub aud: String,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the token is not valid: {0}")]
    Invalid(#[from] jsonwebtoken::errors::Error),
    #[error("cannot sign the token: {0}")]
    Signing(jsonwebtoken::errors::Error),
}

/// Signs and checks tokens with one secret.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl TokenKeys {
    pub fn new(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iat", "sub", "aud"]);
        validation.leeway = 30;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        }
    }

    /// A token for `user_id` valid from `now` for [`TOKEN_LIFETIME_HOURS`].
    pub fn issue(
        &self,
        user_id: Uuid,
        role: &str,
        scope: TokenScope,
        token_version: i32,
        now: DateTime<Utc>,
    ) -> Result<(String, DateTime<Utc>), TokenError> {
        let expires_at = now + Duration::hours(TOKEN_LIFETIME_HOURS);
        let claims = Claims {
            sub: user_id,
            role: role.to_owned(),
            scope,
            tv: token_version,
            iat: now.timestamp(),
            exp: expires_at.timestamp(),
            aud: AUDIENCE.to_owned(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(TokenError::Signing)?;
        Ok((token, expires_at))
    }

    /// The claims of a token signed with this secret by HS256 and not expired.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        Ok(jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)?.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    fn keys() -> TokenKeys {
        TokenKeys::new(b"0123456789abcdef0123456789abcdef")
    }

    fn scope() -> TokenScope {
        TokenScope {
            library_id: None,
            program_ids: vec![],
        }
    }

    #[test]
    fn issued_token_verifies() {
        let user = Uuid::now_v7();
        let (token, expires) = keys().issue(user, "admin", scope(), 3, Utc::now()).unwrap();
        let claims = keys().verify(&token).unwrap();
        assert_eq!(claims.sub, user);
        assert_eq!(claims.tv, 3);
        assert_eq!(claims.exp, expires.timestamp());
    }

    #[test]
    fn expired_token_is_refused() {
        let issued = Utc::now() - Duration::hours(TOKEN_LIFETIME_HOURS + 1);
        let (token, _) = keys()
            .issue(Uuid::now_v7(), "admin", scope(), 0, issued)
            .unwrap();
        assert!(keys().verify(&token).is_err());
    }

    #[test]
    fn token_of_another_secret_is_refused() {
        let other = TokenKeys::new(b"another secret of at least 32 bytes!");
        let (token, _) = other
            .issue(Uuid::now_v7(), "admin", scope(), 0, Utc::now())
            .unwrap();
        assert!(keys().verify(&token).is_err());
    }

    #[test]
    fn unsigned_token_is_refused() {
        let (token, _) = keys()
            .issue(Uuid::now_v7(), "admin", scope(), 0, Utc::now())
            .unwrap();
        let payload = token.split('.').nth(1).unwrap();
        let header = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(r#"{"alg":"none","typ":"JWT"}"#);
        assert!(keys().verify(&format!("{header}.{payload}.")).is_err());
        let hs512 = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(r#"{"alg":"HS512","typ":"JWT"}"#);
        assert!(keys().verify(&format!("{hs512}.{payload}.x")).is_err());
    }
}
