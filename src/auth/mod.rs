//! Credentials: password hashing (argon2id) and the signed tokens (JWT, HS256) that stand for a
//! signed-in user. Neither knows about HTTP; the extractors in `http::extractors` use them.

pub mod password;
pub mod throttle;
pub mod token;
