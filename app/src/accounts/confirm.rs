//! Confirming an e-mail address by a mailed link, valid for [`CONFIRM_HOURS`]:
//! - at sign-up, when the server sends e-mail; with `HH_REQUIRE_VERIFIED_EMAIL` an account logs
//!   in only once its address is confirmed (the link can be sent again, the same answer whether
//!   or not an account uses the address);
//! - when a person changes their address: the new one takes effect when its link is opened, so
//!   nobody can move an account to an address they do not read. Without e-mail the change
//!   applies at once (there is nothing to confirm it with), after the password.
//!
//! Opening a link confirms the address and logs that browser in. Only the SHA-256 of a link's
//! token is stored (`email_confirmations`, with the address it confirms).

#[cfg(feature = "ssr")]
use super::User;
use crate::error::AppError;
use leptos::prelude::*;

/// How long a confirmation link works.
pub const CONFIRM_HOURS: i64 = 24;

/// Sends the sign-up confirmation link again to `email`, when an account uses it and is not
/// confirmed yet. The answer is the same either way. `Conflict` when this server sends no
/// e-mail; 429 beyond the sign-in limits.
#[server(endpoint = "email/confirm/resend")]
pub async fn resend_confirmation(email: String) -> Result<String, AppError> {
    crate::error::answered(async move {
        use super::{session, store as accounts};
        let state = crate::backend::state::app_state()?;
        let Some(mailer) = state.mailer.clone() else {
            return Err(AppError::Conflict("This server does not send e-mail, so there is nothing to confirm.".into()));
        };
        let key = email.trim().to_lowercase();
        state.signin_limits.attempt(session::client_address(&state)?, Some(&key))?;
        let said = format!(
            "If {key} has an account waiting for confirmation, a new link is on its way. It works for {CONFIRM_HOURS} hours."
        );
        let Some((user, _)) = accounts::find_with_hash(&state.db, &key).await? else { return Ok(said) };
        if store::is_confirmed(&state.db, &user.id).await? {
            return Ok(said);
        }
        send_link(&state, mailer, &user, &user.email, Purpose::SignUp).await?;
        Ok(said)
    })
    .await
}

/// Confirms the address a link's `token` was sent to and logs this browser in: the account's
/// address at sign-up, or the new address of a change (which then replaces the old one).
/// `Invalid` ("token") for a link that expired, was used or never existed; `Conflict` when
/// another account took the new address meanwhile.
#[server(endpoint = "email/confirm")]
pub async fn confirm_email(token: String) -> Result<String, AppError> {
    crate::error::answered(async move {
        use super::session;
        let state = crate::backend::state::app_state()?;
        state.signin_limits.attempt(session::client_address(&state)?, None)?;
        let (user, email) = store::redeem(&state.db, token.trim()).await?.ok_or_else(|| {
            AppError::invalid("token", "This link has expired or was used already. Ask for a new one.")
        })?;
        let changed = email != user.email;
        if changed {
            store::change_address(&state.db, &user.id, &email).await?;
        }
        store::mark_confirmed(&state.db, &user.id).await?;
        tracing::info!(user = %user.id, changed, "e-mail address confirmed");
        session::start(&state, &User { email: email.clone(), ..user }).await?;
        Ok(if changed {
            format!("Your address is now {email}. Use it to log in from now on.")
        } else {
            format!("{email} is confirmed. Welcome to Hidden Hill.")
        })
    })
    .await
}

/// Changes the caller's address to `new_email`, after their `password`. With e-mail the
/// new address gets a link and takes effect when it is opened (the answer says so); without,
/// it takes effect at once. `Conflict` when another account uses the address.
#[server(endpoint = "email/change")]
pub async fn change_email(new_email: String, password: String) -> Result<String, AppError> {
    crate::error::answered(async move {
        use super::{caller_with_password, normalize_email, store as accounts};
        let (state, user) = caller_with_password(password, "password").await?;
        let email = normalize_email(&new_email).map_err(|e| AppError::invalid("new_email", e.to_string()))?;
        if email == user.email {
            return Err(AppError::invalid("new_email", "That is your address already."));
        }
        if accounts::find_with_hash(&state.db, &email).await?.is_some() {
            return Err(AppError::invalid("new_email", "Another account uses that address."));
        }
        match state.mailer.clone() {
            Some(mailer) => {
                send_link(&state, mailer, &user, &email, Purpose::Change).await?;
                Ok(format!(
                    "We sent a link to {email}. Your address changes when you open it (within {CONFIRM_HOURS} hours); until then, keep logging in with {}.",
                    user.email
                ))
            }
            None => {
                store::change_address(&state.db, &user.id, &email).await?;
                tracing::info!(user = %user.id, "e-mail address changed (no e-mail to confirm it with)");
                Ok(format!("Your address is now {email}. Use it to log in from now on."))
            }
        }
    })
    .await
}

/// What a link is for (its mail says so).
#[cfg(feature = "ssr")]
#[derive(Clone, Copy)]
pub(crate) enum Purpose {
    SignUp,
    Change,
}

/// Issues a link confirming `email` for `user` and mails it there (after answering: a slow
/// mail server does not hold the page).
#[cfg(feature = "ssr")]
pub(crate) async fn send_link(
    state: &crate::backend::state::AppState,
    mailer: crate::backend::mail::Mailer,
    user: &User,
    email: &str,
    purpose: Purpose,
) -> Result<(), AppError> {
    let link = store::link(&state.config.public_url, &store::issue(&state.db, &user.id, email).await?);
    let (subject, body) = store::message(&link, purpose);
    let (user_id, to) = (user.id.clone(), email.to_owned());
    tokio::spawn(async move {
        match mailer.send(&to, subject, body).await {
            Ok(()) => tracing::info!(user = %user_id, "e-mail confirmation link sent"),
            Err(e) => tracing::error!(user = %user_id, error = %e, "could not send an e-mail confirmation link"),
        }
    });
    Ok(())
}

#[cfg(feature = "ssr")]
pub mod store {
    //! The `email_confirmations` table and `users.email_verified_at`; the link and message.

    use super::{Purpose, CONFIRM_HOURS};
    use crate::{
        accounts::{
            session::{new_token, token_hash, TokenTable},
            store::user_by_id,
            User,
        },
        backend::{db::Db, now},
        error::AppError,
    };
    use sqlx::Row;

    /// A new link's token confirming `email` for `user_id`, valid for [`CONFIRM_HOURS`].
    pub async fn issue(db: &Db, user_id: &str, email: &str) -> Result<String, AppError> {
        let token = new_token(db, TokenTable::EmailConfirmations, user_id, CONFIRM_HOURS * 3600).await?;
        sqlx::query("UPDATE email_confirmations SET email = $1 WHERE token_hash = $2")
            .bind(email)
            .bind(token_hash(&token))
            .execute(db.pool())
            .await?;
        Ok(token)
    }

    /// Uses `token` up: the enabled account it belongs to and the address it confirms, or `None`
    /// when it expired, was used (every link of the account goes with the first used) or never
    /// existed.
    pub async fn redeem(db: &Db, token: &str) -> Result<Option<(User, String)>, AppError> {
        let row = sqlx::query(
            "DELETE FROM email_confirmations WHERE token_hash = $1 AND expires_at > $2 RETURNING user_id, email",
        )
        .bind(token_hash(token))
        .bind(now())
        .fetch_optional(db.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let (user_id, email): (String, String) = (row.try_get("user_id")?, row.try_get("email")?);
        sqlx::query("DELETE FROM email_confirmations WHERE user_id = $1").bind(&user_id).execute(db.pool()).await?;
        let Some(user) = user_by_id(db, &user_id).await? else { return Ok(None) };
        Ok(Some((user, email)))
    }

    /// Whether the account's address is confirmed.
    pub async fn is_confirmed(db: &Db, user_id: &str) -> Result<bool, AppError> {
        let at: Option<Option<i64>> = sqlx::query_scalar("SELECT email_verified_at FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(db.pool())
            .await?;
        Ok(at.flatten().is_some())
    }

    pub async fn mark_confirmed(db: &Db, user_id: &str) -> Result<(), AppError> {
        sqlx::query("UPDATE users SET email_verified_at = COALESCE(email_verified_at, $2) WHERE id = $1")
            .bind(user_id)
            .bind(now())
            .execute(db.pool())
            .await?;
        Ok(())
    }

    /// Moves the account to `email` (its links to other addresses go); `Conflict` when another
    /// account uses it.
    pub async fn change_address(db: &Db, user_id: &str, email: &str) -> Result<(), AppError> {
        let result = sqlx::query("UPDATE users SET email = $1, email_verified_at = $3 WHERE id = $2")
            .bind(email)
            .bind(user_id)
            .bind(now())
            .execute(db.pool())
            .await;
        match result {
            Ok(_) => {}
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                return Err(AppError::Conflict("Another account uses that address now.".into()))
            }
            Err(e) => return Err(e.into()),
        }
        sqlx::query("DELETE FROM email_confirmations WHERE user_id = $1").bind(user_id).execute(db.pool()).await?;
        Ok(())
    }

    /// The page a link opens: `{HH_PUBLIC_URL}/confirm-email?token=…`.
    pub fn link(public_url: &str, token: &str) -> String {
        format!("{public_url}/confirm-email?token={token}")
    }

    /// The e-mail's subject and text.
    pub(crate) fn message(link: &str, purpose: Purpose) -> (&'static str, String) {
        match purpose {
            Purpose::SignUp => (
                "Confirm your e-mail address for Hidden Hill",
                format!(
                    "Welcome to Hidden Hill.\n\nOpen this link to confirm your e-mail address. It works for {CONFIRM_HOURS} hours:\n\n{link}\n\n\
                     If you did not sign up, ignore this message: nothing happens without the link.\n"
                ),
            ),
            Purpose::Change => (
                "Confirm your new e-mail address for Hidden Hill",
                format!(
                    "Someone (we hope you) asked to move a Hidden Hill account to this address.\n\n\
                     Open this link to confirm it. It works for {CONFIRM_HOURS} hours; until then the account keeps its old address:\n\n{link}\n\n\
                     If you did not ask, ignore this message: nothing changes without the link.\n"
                ),
            ),
        }
    }
}
