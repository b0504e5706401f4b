//! "Forgot your password?": a single-use link, valid for [`RESET_MINUTES`], sent by e-mail when
//! the server has SMTP (`HH_SMTP_URL`), else handed out by the operator
//! (`hidden-hill reset-link <email>`). Asking says the same whether or not an account uses the
//! address; using the link sets a new password, ends every session of the account and logs the
//! browser in. Only the SHA-256 of a link's token is stored (`password_resets`).

use super::User;
use crate::error::AppError;
use leptos::prelude::*;

/// How long a reset link works.
pub const RESET_MINUTES: i64 = 30;

/// What the "Forgot your password?" page needs to know before it asks anything.
#[server(endpoint = "password/reset/available", input = server_fn::codec::GetUrl)]
pub async fn reset_by_mail() -> Result<bool, AppError> {
    crate::error::answered(async move { Ok(crate::backend::state::app_state()?.mailer.is_some()) }).await
}

/// Sends a reset link to `email` when an account uses it. The answer is the same either way
/// (and the mail goes out after it), so the page tells nobody which addresses have accounts.
/// `Conflict` when this server sends no e-mail (ask the operator); 429 beyond the sign-in limits.
#[server(endpoint = "password/reset/request")]
pub async fn request_password_reset(email: String) -> Result<String, AppError> {
    crate::error::answered(async move {
        use super::{session, store as accounts};
        let state = crate::backend::state::app_state()?;
        let Some(mailer) = state.mailer.clone() else {
            return Err(AppError::Conflict(
                "This server does not send e-mail. Ask the person who runs it for a reset link.".into(),
            ));
        };
        let key = email.trim().to_lowercase();
        // Counted like a log-in: asking for links is no way around the sign-in limits.
        state.signin_limits.attempt(session::client_address(&state)?, Some(&key))?;
        let said = format!(
            "If an account uses {}, a link to choose a new password is on its way. It works once, for {RESET_MINUTES} minutes.",
            key
        );
        let Some((user, _)) = accounts::find_with_hash(&state.db, &key).await? else { return Ok(said) };
        let link = store::link(&state.config.public_url, &store::issue(&state.db, &user.id).await?);
        let body = store::message(&link);
        tokio::spawn(async move {
            match mailer.send(&user.email, "Choose a new password for Hidden Hill", body).await {
                Ok(()) => tracing::info!(user = %user.id, "password reset link sent"),
                Err(e) => tracing::error!(user = %user.id, error = %e, "could not send a password reset link"),
            }
        });
        Ok(said)
    })
    .await
}

/// Sets a new password with a reset link's `token`: the link is used up, every session of the
/// account ends, and this browser is logged in. `Invalid` ("token") for a link that expired,
/// was used or never existed; `Invalid` ("password") for a weak password (the link still works).
#[server(endpoint = "password/reset")]
pub async fn reset_password(token: String, new_password: String) -> Result<User, AppError> {
    crate::error::answered(async move {
        use super::{check_new_password, session, use_new_password};
        let state = crate::backend::state::app_state()?;
        state.signin_limits.attempt(session::client_address(&state)?, None)?;
        let expired = || AppError::invalid("token", "This link has expired or was used already. Ask for a new one.");
        let user = store::holder(&state.db, token.trim()).await?.ok_or_else(expired)?;
        check_new_password(&new_password, &user.email)?;
        let hash = state.password_checks.hash(new_password).await?;
        // Used up here, atomically: two tabs racing with one link change the password once.
        if !store::redeem(&state.db, token.trim(), &user.id).await? {
            return Err(expired());
        }
        use_new_password(&state, &user, &hash).await?;
        tracing::info!(user = %user.id, "password reset");
        leptos_axum::redirect("/");
        Ok(user)
    })
    .await
}

#[cfg(feature = "ssr")]
pub mod store {
    //! The `password_resets` table, and the link and message made from a token.

    use super::RESET_MINUTES;
    use crate::{
        accounts::{
            session::{new_token, token_hash, token_holder, TokenTable},
            User,
        },
        backend::{db::Db, now},
        error::AppError,
    };

    /// A new link's token for `user_id` (32 random bytes, hex), valid for [`RESET_MINUTES`];
    /// only its hash is stored. Links of the account already out stay valid until used or
    /// expired; expired rows of every account are swept here.
    pub async fn issue(db: &Db, user_id: &str) -> Result<String, AppError> {
        new_token(db, TokenTable::PasswordResets, user_id, RESET_MINUTES * 60).await
    }

    /// The account an unexpired, unused `token` resets, without using it.
    pub async fn holder(db: &Db, token: &str) -> Result<Option<User>, AppError> {
        token_holder(db, TokenTable::PasswordResets, token).await
    }

    /// Uses `token` up: true when it was still there for `user_id` (then every other link of
    /// the account goes too), false when another request used it first.
    pub async fn redeem(db: &Db, token: &str, user_id: &str) -> Result<bool, AppError> {
        let used =
            sqlx::query("DELETE FROM password_resets WHERE token_hash = $1 AND user_id = $2 AND expires_at > $3")
                .bind(token_hash(token))
                .bind(user_id)
                .bind(now())
                .execute(db.pool())
                .await?
                .rows_affected()
                == 1;
        if used {
            sqlx::query("DELETE FROM password_resets WHERE user_id = $1").bind(user_id).execute(db.pool()).await?;
        }
        Ok(used)
    }

    /// The page a link opens: `{HH_PUBLIC_URL}/reset-password?token=…`.
    pub fn link(public_url: &str, token: &str) -> String {
        format!("{public_url}/reset-password?token={token}")
    }

    /// The e-mail's text.
    pub fn message(link: &str) -> String {
        format!(
            "Someone (we hope you) asked to choose a new password for your Hidden Hill account.\n\n\
             Open this link to choose one. It works once, for {RESET_MINUTES} minutes:\n\n{link}\n\n\
             Choosing a new password logs out every device logged in to your account.\n\
             If you did not ask, ignore this message: your password stays as it is.\n"
        )
    }
}
