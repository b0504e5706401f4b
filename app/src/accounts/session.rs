//! Server-side sessions: a random 256-bit token in an HttpOnly, SameSite=Lax cookie, and only
//! its SHA-256 in the `sessions` table. Logging out deletes the row, so a copied cookie dies too.

use super::{store, User};
use crate::{
    backend::{db::Db, now, random_hex, state::AppState},
    error::AppError,
};
use axum::{extract::FromRequestParts, http::request::Parts};
use http::{header, HeaderMap, HeaderValue};
use sha2::{Digest, Sha256};

pub const COOKIE_NAME: &str = "hh_session";

pub(crate) fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Compares secrets in time independent of where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The session token in a request's `Cookie` header, if it is well-formed.
pub fn token_from_headers(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value.to_owned())
        .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
}

pub fn cookie(token: &str, max_age_secs: u64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE_NAME}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"
    ))
    .expect("cookie is ASCII")
}

/// Stores a new session for `user_id` and returns its token.
pub async fn create(db: &Db, user_id: &str, ttl_secs: u64) -> Result<String, AppError> {
    new_token(db, TokenTable::Sessions, user_id, ttl_secs as i64).await
}

/// The tables of secret tokens, each `(token_hash, user_id, created_at, expires_at)`.
#[derive(Clone, Copy)]
pub(crate) enum TokenTable {
    Sessions,
    PasswordResets,
    EmailConfirmations,
}

impl TokenTable {
    fn name(self) -> &'static str {
        match self {
            TokenTable::Sessions => "sessions",
            TokenTable::PasswordResets => "password_resets",
            TokenTable::EmailConfirmations => "email_confirmations",
        }
    }
}

/// The condition on a token row `t` and its account `u` that makes `u` the token's holder: the
/// token's hash is `$1`, it expires after `$2` (now, [`now`]) and the account is enabled.
pub(crate) const HOLDS_TOKEN: &str = "t.token_hash = $1 AND t.expires_at > $2 AND u.disabled_at IS NULL";

/// The enabled account an unexpired `token` of `table` belongs to.
pub(crate) async fn token_holder(db: &Db, table: TokenTable, token: &str) -> Result<Option<User>, AppError> {
    let row = sqlx::query(&format!(
        "SELECT u.id, u.email, u.role, u.review_first, {} FROM {} t JOIN users u ON u.id = t.user_id WHERE {HOLDS_TOKEN}",
        store::HAS_JOBS,
        table.name()
    ))
    .bind(token_hash(token))
    .bind(now())
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(store::user_from_row).transpose()
}

/// A new token (32 random bytes, hex) for `user_id` in `table`, valid for `ttl_secs`; only its
/// SHA-256 is stored. Expired rows of the table are swept first: cheap, and no timer needed.
pub(crate) async fn new_token(db: &Db, table: TokenTable, user_id: &str, ttl_secs: i64) -> Result<String, AppError> {
    let table = table.name();
    let token = random_hex(32);
    let now = now();
    sqlx::query(&format!("DELETE FROM {table} WHERE expires_at <= $1")).bind(now).execute(db.pool()).await?;
    sqlx::query(&format!("INSERT INTO {table} (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)"))
        .bind(token_hash(&token))
        .bind(user_id)
        .bind(now)
        .bind(now + ttl_secs)
        .execute(db.pool())
        .await?;
    Ok(token)
}

/// The user whose unexpired session this token is.
pub async fn user_for_token(db: &Db, token: &str) -> Result<Option<User>, AppError> {
    token_holder(db, TokenTable::Sessions, token).await
}

/// Ends every session of `user_id` (after a password change).
pub async fn delete_all(db: &Db, user_id: &str) -> Result<(), AppError> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(db.pool()).await?;
    Ok(())
}

pub async fn delete(db: &Db, token: &str) -> Result<(), AppError> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash(token)).execute(db.pool()).await?;
    Ok(())
}

pub async fn user_for_headers(db: &Db, headers: &HeaderMap) -> Result<Option<User>, AppError> {
    match token_from_headers(headers) {
        Some(token) => user_for_token(db, &token).await,
        None => Ok(None),
    }
}

// ---- inside server functions -------------------------------------------------------------

fn request_parts() -> Result<Parts, AppError> {
    leptos::prelude::use_context::<Parts>().ok_or(AppError::Internal)
}

fn response_options() -> Result<leptos_axum::ResponseOptions, AppError> {
    leptos::prelude::use_context::<leptos_axum::ResponseOptions>().ok_or(AppError::Internal)
}

/// The address the current server-function request came from (see `signin_limits`).
pub fn client_address(state: &AppState) -> Result<std::net::IpAddr, AppError> {
    Ok(crate::backend::signin_limits::client_address(&request_parts()?, state.config.client_ip_header.as_deref()))
}

/// Logs `user` in on the current response.
pub async fn start(state: &AppState, user: &User) -> Result<(), AppError> {
    let ttl = state.config.session_ttl.as_secs();
    let token = create(&state.db, &user.id, ttl).await?;
    response_options()?.append_header(header::SET_COOKIE, cookie(&token, ttl, state.config.secure_cookies()));
    Ok(())
}

/// Logs the current request's session out and clears the cookie.
pub async fn end(state: &AppState) -> Result<(), AppError> {
    if let Some(token) = token_from_headers(&request_parts()?.headers) {
        delete(&state.db, &token).await?;
    }
    response_options()?.append_header(header::SET_COOKIE, cookie("", 0, state.config.secure_cookies()));
    Ok(())
}

/// The admin making the current server-function request; anyone else gets the same 404 as a
/// page that does not exist, so the admin's pages and functions reveal nothing.
pub async fn require_admin(state: &AppState) -> Result<User, AppError> {
    match user_of_request(state).await? {
        Some(user) if user.is_admin() => Ok(user),
        _ => Err(AppError::NotFound("Page".into())),
    }
}

/// The logged-in user of the current server-function request.
pub async fn user_of_request(state: &AppState) -> Result<Option<User>, AppError> {
    user_for_headers(&state.db, &request_parts()?.headers).await
}

/// The state and the logged-in user of the current server-function request, or
/// `Unauthenticated`: the first line of every server function that needs someone logged in.
pub async fn caller() -> Result<(AppState, User), AppError> {
    let state = crate::backend::state::app_state()?;
    let user = user_of_request(&state).await?.ok_or(AppError::Unauthenticated)?;
    Ok((state, user))
}

// ---- axum extractors ---------------------------------------------------------------------

/// A logged-in user; routes that take it answer 401 to anyone else.
pub struct CurrentUser(pub User);

/// Whoever is asking, logged in or not.
pub struct MaybeUser(pub Option<User>);

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(MaybeUser(user_for_headers(&state.db, &parts.headers).await?))
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let MaybeUser(user) = MaybeUser::from_request_parts(parts, state).await?;
        user.map(CurrentUser).ok_or(AppError::Unauthenticated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_only_a_well_formed_session_cookie() {
        let token = "ab".repeat(32);
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, format!("theme=dark; {COOKIE_NAME}={token}").parse().unwrap());
        assert_eq!(token_from_headers(&headers), Some(token));
        headers.insert(header::COOKIE, format!("{COOKIE_NAME}=../../etc").parse().unwrap());
        assert_eq!(token_from_headers(&headers), None);
    }

    #[test]
    fn cookie_is_httponly_lax_and_secure_only_over_https() {
        let plain = cookie("t", 60, false);
        let plain = plain.to_str().unwrap();
        assert!(plain.contains("HttpOnly") && plain.contains("SameSite=Lax") && !plain.contains("Secure"));
        assert!(cookie("t", 60, true).to_str().unwrap().ends_with("; Secure"));
    }

    #[test]
    fn secrets_compare_exactly() {
        assert!(constant_time_eq(b"hh-123", b"hh-123"));
        assert!(!constant_time_eq(b"hh-123", b"hh-124"));
        assert!(!constant_time_eq(b"hh-123", b"hh-1234"));
    }
}
