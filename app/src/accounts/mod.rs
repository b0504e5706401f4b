//! Accounts: who a person is, how they register, log in and out.
//!
//! This file holds what the browser and the server share (the `User` type, input rules that give
//! instant feedback, the server functions). The server-only parts live beside it: `store` (SQL),
//! `password` (argon2id) and `session` (cookies and the sessions table).

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub mod admin;
pub mod confirm;
#[cfg(feature = "ssr")]
pub mod password;
pub mod reset;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(feature = "ssr")]
pub mod store;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "user" => Some(Role::User),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub email: String,
    pub role: Role,
    /// Whether the person has submitted a paper yet (read with the account): the home page
    /// welcomes a new account, and welcomes back someone who has made videos here.
    pub has_jobs: bool,
    /// "Let me review the script first" as they last submitted it: the submit form's default.
    #[serde(default)]
    pub review_first: bool,
}

impl User {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

pub const MIN_PASSWORD_CHARS: usize = 10;
const MAX_PASSWORD_CHARS: usize = 256;

/// Trims and lower-cases an email address, refusing what cannot be one.
pub fn normalize_email(raw: &str) -> Result<String, AppError> {
    let email = raw.trim().to_lowercase();
    let invalid = || AppError::invalid("email", "Enter an email address such as name@example.org.");
    if email.is_empty() || email.len() > 254 || email.chars().any(char::is_whitespace) {
        return Err(invalid());
    }
    let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
    let domain_ok = domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.') && !domain.contains('@');
    if local.is_empty() || !domain_ok {
        return Err(invalid());
    }
    Ok(email)
}

/// Refuses passwords that are easy to guess, with a reason a person can act on.
pub fn check_new_password(password: &str, email: &str) -> Result<(), AppError> {
    const COMMON: &[&str] = &[
        "password",
        "password1",
        "password12",
        "password123",
        "password1234",
        "passw0rd",
        "1234567890",
        "12345678910",
        "0123456789",
        "qwertyuiop",
        "qwerty1234",
        "1q2w3e4r5t",
        "iloveyou12",
        "letmein123",
        "welcome123",
        "administrator",
        "abcdefghij",
        "hiddenhill",
    ];
    let chars = password.chars().count();
    let weak = |why: &str| AppError::invalid("password", why);
    if chars < MIN_PASSWORD_CHARS {
        return Err(weak("Use at least 10 characters. A few unrelated words make a strong password."));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(weak("Use at most 256 characters."));
    }
    let lower = password.to_lowercase();
    let first = lower.chars().next();
    if lower.chars().all(|c| Some(c) == first) {
        return Err(weak("That password repeats one character. Mix several words or characters."));
    }
    if COMMON.contains(&lower.as_str()) {
        return Err(weak("That password is one of the most common ones. Choose something less guessable."));
    }
    let local = email.split('@').next().unwrap_or_default();
    if lower == email || (local.len() >= 4 && lower.contains(local)) {
        return Err(weak("Do not build your password from your email address."));
    }
    Ok(())
}

/// Creates an account with the access code and logs it in, then goes to `next` (a path on this
/// site, see [`crate::url::local_path`]) or the home page.
#[server(endpoint = "register")]
pub async fn register(
    email: String,
    password: String,
    access_code: String,
    next: Option<String>,
) -> Result<User, AppError> {
    crate::error::answered(async move {
        use crate::backend::state::app_state;
        let state = app_state()?;
        state.signin_limits.attempt(session::client_address(&state)?, None)?;
        // The access code is checked first so that strangers learn nothing about which emails exist.
        // Read from the database each time: an admin may have made a new one.
        let code = crate::backend::settings::access_code(&state.db, &state.config).await?;
        if !session::constant_time_eq(access_code.trim().as_bytes(), code.as_bytes()) {
            return Err(AppError::invalid(
                "access_code",
                "That access code is not right. Ask whoever runs this Hidden Hill for the current one.",
            ));
        }
        let email = normalize_email(&email)?;
        check_new_password(&password, &email)?;
        let hash = state.password_checks.hash(password).await?;
        let user = store::insert(&state.db, &email, &hash, Role::User).await?;
        // With e-mail, the address gets a confirmation link; when the server requires it, the
        // account logs in only once the link is opened.
        if let Some(mailer) = state.mailer.clone() {
            confirm::send_link(&state, mailer, &user, &user.email, confirm::Purpose::SignUp).await?;
        }
        if state.config.require_verified_email {
            leptos_axum::redirect("/confirm-email?sent=1");
            return Ok(user);
        }
        session::start(&state, &user).await?;
        leptos_axum::redirect(return_to(next.as_deref()));
        Ok(user)
    })
    .await
}

/// Where a person goes after logging in or signing up: where they were going, if that is a
/// page of this site, else home.
#[cfg(feature = "ssr")]
fn return_to(next: Option<&str>) -> &str {
    next.and_then(crate::url::local_path).unwrap_or("/")
}

/// Logs in with email and password, then goes to `next` (a path on this site) or the home page.
/// The error never says which of the two was wrong.
#[server(endpoint = "login")]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<User, AppError> {
    crate::error::answered(async move {
        use crate::backend::state::app_state;
        let state = app_state()?;
        let key = email.trim().to_lowercase();
        // Counted before the hash: a flood of guesses is refused without costing a check.
        state.signin_limits.attempt(session::client_address(&state)?, Some(&key))?;
        let found = store::find_with_hash(&state.db, &key).await?;
        let verified = state.password_checks.verify(password, found.as_ref().map(|(_, hash)| hash.clone())).await?;
        match found {
            Some((user, _)) if verified => {
                // Said only to whoever knows the password: a guesser learns nothing from it.
                if store::is_disabled(&state.db, &user.id).await? {
                    return Err(AppError::Conflict(
                        "This account is disabled. Ask the person who runs this Hidden Hill.".into(),
                    ));
                }
                if state.config.require_verified_email && !confirm::store::is_confirmed(&state.db, &user.id).await? {
                    return Err(AppError::invalid(
                        "confirm",
                        format!(
                            "Confirm your e-mail address first: open the link we sent to {} when you signed up.",
                            user.email
                        ),
                    ));
                }
                session::start(&state, &user).await?;
                leptos_axum::redirect(return_to(next.as_deref()));
                Ok(user)
            }
            _ => Err(AppError::Invalid {
                field: None,
                message: "That email and password do not match an account.".into(),
            }),
        }
    })
    .await
}

/// Ends the current session everywhere: the row is deleted, not just the cookie.
#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    crate::error::answered(async move {
        use crate::backend::state::app_state;
        let state = app_state()?;
        session::end(&state).await?;
        leptos_axum::redirect("/");
        Ok(())
    })
    .await
}

/// Who is asking: `None` when nobody is logged in.
#[server(endpoint = "me", input = server_fn::codec::GetUrl)]
pub async fn current_user() -> Result<Option<User>, AppError> {
    crate::error::answered(async move {
        use crate::backend::state::app_state;
        let state = app_state()?;
        session::user_of_request(&state).await
    })
    .await
}

/// What the profile page shows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub user: User,
    pub member_since_ms: i64,
    /// Finished videos.
    pub videos: i64,
    /// Jobs submitted since the first of this month (UTC).
    pub jobs_this_month: i64,
    /// The length of all their finished videos together.
    pub video_ms: i64,
    /// Whether their address is confirmed (by a mailed link, or from before confirmations).
    #[serde(default)]
    pub email_confirmed: bool,
    /// Whether this server sends e-mail (a changed address is then confirmed by a link).
    #[serde(default)]
    pub sends_mail: bool,
}

#[server(endpoint = "profile", input = server_fn::codec::GetUrl)]
pub async fn my_profile() -> Result<Profile, AppError> {
    crate::error::answered(async move {
        let (state, user) = session::caller().await?;
        let stats = store::stats(&state.db, &user.id, month_start_ms(crate::backend::now_ms())).await?;
        let email_confirmed = confirm::store::is_confirmed(&state.db, &user.id).await?;
        Ok(Profile {
            email_confirmed,
            sends_mail: state.mailer.is_some(),
            user,
            member_since_ms: stats.member_since_ms,
            videos: stats.videos,
            jobs_this_month: stats.jobs_this_month,
            video_ms: stats.video_ms,
        })
    })
    .await
}

/// The caller, once they have given their own `password` (counted like a log-in attempt);
/// `Invalid` on the form's `field` when it is not theirs.
#[cfg(feature = "ssr")]
pub(crate) async fn caller_with_password(
    password: String,
    field: &str,
) -> Result<(crate::backend::state::AppState, User), AppError> {
    let (state, user) = session::caller().await?;
    state.signin_limits.attempt(session::client_address(&state)?, Some(&user.email))?;
    let stored = store::find_with_hash(&state.db, &user.email).await?.map(|(_, hash)| hash);
    if !state.password_checks.verify(password, stored).await? {
        return Err(AppError::invalid(field, "That is not your current password."));
    }
    Ok((state, user))
}

/// Changes the caller's password. The current one is required (a borrowed, unlocked laptop is
/// not enough); every session of the account ends and the caller's browser gets a new one.
#[server(endpoint = "password")]
pub async fn change_password(current_password: String, new_password: String) -> Result<(), AppError> {
    crate::error::answered(async move {
        let (state, user) = caller_with_password(current_password, "current_password").await?;
        check_new_password(&new_password, &user.email)?;
        let hash = state.password_checks.hash(new_password).await?;
        use_new_password(&state, &user, &hash).await
    })
    .await
}

/// Stores `user`'s new password hash, then ends every session of the account, this one too, and
/// gives this browser a new one: a session token seen before the change (say, copied) is worth
/// nothing after it. For a change of password and for a reset link alike.
#[cfg(feature = "ssr")]
pub async fn use_new_password(
    state: &crate::backend::state::AppState,
    user: &User,
    hash: &str,
) -> Result<(), AppError> {
    store::set_password(&state.db, &user.id, hash).await?;
    session::delete_all(&state.db, &user.id).await?;
    session::start(state, user).await
}

/// Deletes the caller's account and everything in it: every job with its events and files
/// (files durably, as `jobs::store::delete` does for one job), then the account with its
/// sessions and reset links; this browser is logged out. `email` must be the account's address,
/// typed to confirm (`Invalid` otherwise, nothing deleted). The only admin cannot go (`Conflict`:
/// make someone else an admin first).
#[server(endpoint = "account/delete")]
pub async fn delete_account(email: String) -> Result<(), AppError> {
    crate::error::answered(async move {
        let (state, user) = session::caller().await?;
        if email.trim().to_lowercase() != user.email {
            return Err(AppError::invalid("email", "Type your account's e-mail address exactly to confirm."));
        }
        if user.is_admin() && store::admin_count(&state.db).await? <= 1 {
            return Err(AppError::Conflict(
                "You are the only admin. Make someone else an admin first (hidden-hill create-admin).".into(),
            ));
        }
        let jobs = erase(&state, &user, &user.id).await?;
        session::end(&state).await?;
        tracing::info!(user = %user.id, jobs, "account deleted by its owner");
        leptos_axum::redirect("/");
        Ok(())
    })
    .await
}

/// Deletes the account `person_id` and everything in it, `actor` (its owner or an admin) doing
/// it: every job with its events and files (files durably), then the account row, whose
/// sessions and reset links go with it. Returns how many jobs were deleted.
#[cfg(feature = "ssr")]
pub async fn erase(state: &crate::backend::state::AppState, actor: &User, person_id: &str) -> Result<usize, AppError> {
    let jobs = crate::jobs::store::ids_of(&state.db, person_id).await?;
    for id in &jobs {
        match crate::jobs::store::delete(state, actor, id).await {
            Ok(()) | Err(AppError::NotFound(_)) => {} // gone meanwhile
            Err(e) => return Err(e),
        }
    }
    store::delete(&state.db, person_id).await?;
    Ok(jobs.len())
}

/// The first millisecond of the UTC month that `ms` falls in.
pub fn month_start_ms(ms: i64) -> i64 {
    let day_ms = 86_400_000;
    let mut start = ms - ms.rem_euclid(day_ms);
    // Step back a day at a time until the date label says the 1st: at most 30 steps.
    while !crate::jobs::progress::date_label(start).starts_with("1 ") {
        start -= day_ms;
    }
    start
}

#[cfg(test)]
mod tests {
    #[test]
    fn months_start_on_the_first_at_midnight_utc() {
        use crate::jobs::progress::date_label;
        let nov_25 = 1_764_099_900_000; // 25 Nov 2025, 19:45 UTC
        assert_eq!(date_label(super::month_start_ms(nov_25)), "1 Nov 2025, 00:00 UTC");
        let mar_1 = 951_868_800_000; // 1 Mar 2000, 00:00 UTC
        assert_eq!(super::month_start_ms(mar_1 + 5), mar_1);
    }

    use super::*;

    #[test]
    fn emails_are_normalised_or_refused() {
        assert_eq!(normalize_email("  Ada@Example.ORG ").unwrap(), "ada@example.org");
        for bad in ["", "ada", "ada@", "@example.org", "ada@example", "a da@example.org", "a@b@c.org", "ada@.org"] {
            let err = normalize_email(bad).unwrap_err();
            assert_eq!(err.field(), Some("email"), "{bad:?} should be refused");
        }
    }

    #[test]
    fn weak_passwords_are_refused_with_a_reason() {
        let email = "grace@example.org";
        assert!(check_new_password("correct horse battery", email).is_ok());
        for weak in ["short", "aaaaaaaaaaaa", "Password123", "grace-secret-2026", "grace@example.org"] {
            let err = check_new_password(weak, email).unwrap_err();
            assert_eq!(err.field(), Some("password"), "{weak:?} should be refused");
        }
    }

    #[test]
    fn roles_round_trip() {
        for role in [Role::User, Role::Admin] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
