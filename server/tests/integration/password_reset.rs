//! "Forgot your password?" against a real SMTP server (Debian's aiosmtpd, writing every message
//! it receives into a maildir): the link arrives by mail, works once, for 30 minutes, ends every
//! session and logs the browser in; asking about an address without an account answers the
//! same and sends nothing. Without SMTP, the operator's `hidden-hill reset-link` prints a link.

use crate::common;

use common::{logged_in, mail::MailServer, Engine, TestApp, PASSWORD};
use reqwest::StatusCode;
use std::time::Duration;

const NEW_PASSWORD: &str = "a brand new passphrase 7";
/// The reset mail's subject line.
const RESET: &str = "Subject: Choose a new password for Hidden Hill";

/// The token of the reset link in `text`.
fn token_in(text: &str) -> String {
    let at = text.find("/reset-password?token=").expect("a reset link") + "/reset-password?token=".len();
    text[at..].chars().take_while(char::is_ascii_hexdigit).collect()
}

on_both_engines!(a_reset_link_arrives_by_mail_and_works_once);

async fn a_reset_link_arrives_by_mail_and_works_once(engine: Engine) {
    let mail = MailServer::start().await;
    let app = TestApp::spawn_with(
        engine,
        &[("HH_SMTP_URL", &mail.url()), ("HH_MAIL_FROM", "Hidden Hill <no-reply@example.org>")],
    )
    .await;
    let email = "forgetful@example.org";
    let logged_in_elsewhere = logged_in(&app, email).await;
    assert_eq!(app.whoami(&logged_in_elsewhere).await.as_deref(), Some(email));

    let stranger = app.other_browser();
    assert_eq!(app.get_json(&stranger, "/api/password/reset/available").await, true);
    let asked = app.call(&stranger, "password/reset/request", &[("email", " Forgetful@Example.org ")]).await;
    assert_eq!(asked.status(), StatusCode::OK);
    let said: String = asked.json().await.unwrap();
    // An address without an account gets the same words (its own address in them) and no mail.
    let nobody = app.call(&stranger, "password/reset/request", &[("email", "nobody@example.org")]).await;
    assert_eq!(nobody.status(), StatusCode::OK);
    assert_eq!(nobody.json::<String>().await.unwrap(), said.replace(email, "nobody@example.org"));

    // (Signing up sent the address a confirmation link first.)
    let message = mail.nth_containing(RESET, 1).await;
    assert!(message.contains("To: forgetful@example.org"), "{message}");
    assert!(message.contains("From: \"Hidden Hill\" <no-reply@example.org>"), "{message}");
    assert!(message.contains("Subject: Choose a new password for Hidden Hill"), "{message}");
    let link_base = format!("{}/reset-password?token=", app.state.config.public_url);
    assert!(message.contains(&link_base), "the link goes to the server's public address: {message}");
    let token = token_in(&message);
    assert_eq!(token.len(), 64);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(mail.containing(RESET).len(), 1, "nothing was sent for the address without an account");
    // Only the token's hash is stored.
    let stored: Vec<String> =
        sqlx::query_scalar("SELECT token_hash FROM password_resets").fetch_all(app.db.pool()).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], token);

    // A weak password is refused and the link still works; a made-up token is refused.
    let browser = app.other_browser();
    let weak = app.call(&browser, "password/reset", &[("token", &token), ("new_password", "short")]).await;
    assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let bogus = "0".repeat(64);
    let made_up = app.call(&browser, "password/reset", &[("token", &bogus), ("new_password", NEW_PASSWORD)]).await;
    assert_eq!(made_up.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(made_up.text().await.unwrap().contains("expired or was used"));

    let reset = app.call(&browser, "password/reset", &[("token", &token), ("new_password", NEW_PASSWORD)]).await;
    assert_eq!(reset.status(), StatusCode::OK, "{}", reset.text().await.unwrap_or_default());
    assert_eq!(app.whoami(&browser).await.as_deref(), Some(email), "the browser is logged in");
    assert_eq!(app.whoami(&logged_in_elsewhere).await, None, "every other session ended");
    // Used once: the same link again is refused.
    let again = app
        .call(
            &app.other_browser(),
            "password/reset",
            &[("token", &token), ("new_password", "yet another passphrase 9")],
        )
        .await;
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // The old password is gone, the new one works.
    assert_eq!(app.login(&app.other_browser(), email, PASSWORD).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.login(&app.other_browser(), email, NEW_PASSWORD).await.status(), StatusCode::OK);

    // A link older than 30 minutes does not work.
    app.call(&stranger, "password/reset/request", &[("email", email)]).await;
    let late = token_in(&mail.nth_containing(RESET, 2).await);
    sqlx::query("UPDATE password_resets SET expires_at = expires_at - 1801").execute(app.db.pool()).await.unwrap();
    let expired = app
        .call(&app.other_browser(), "password/reset", &[("token", &late), ("new_password", "one more passphrase 11")])
        .await;
    assert_eq!(expired.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.login(&app.other_browser(), email, NEW_PASSWORD).await.status(), StatusCode::OK);
}

/// Without SMTP the page says to ask the operator, and the operator's command prints a link
/// that works like a mailed one.
#[tokio::test]
async fn without_mail_the_operator_hands_out_the_link() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    let email = "nomail@example.org";
    logged_in(&app, email).await;
    let stranger = app.other_browser();
    assert_eq!(app.get_json(&stranger, "/api/password/reset/available").await, false);
    let asked = app.call(&stranger, "password/reset/request", &[("email", email)]).await;
    assert_eq!(asked.status(), StatusCode::CONFLICT);
    assert!(asked.text().await.unwrap().contains("Ask the person who runs it"));

    let mut env = app.env();
    env.push(("HH_PUBLIC_URL".into(), app.url("")));
    let printed = std::process::Command::new(env!("CARGO_BIN_EXE_hidden-hill"))
        .args(["reset-link", "NoMail@example.org"])
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .unwrap();
    assert!(printed.status.success(), "{}", String::from_utf8_lossy(&printed.stderr));
    let link = String::from_utf8(printed.stdout).unwrap();
    assert!(link.trim().starts_with(&format!("{}/reset-password?token=", app.url(""))), "{link}");
    let browser = app.other_browser();
    let reset =
        app.call(&browser, "password/reset", &[("token", &token_in(&link)), ("new_password", NEW_PASSWORD)]).await;
    assert_eq!(reset.status(), StatusCode::OK);
    assert_eq!(app.whoami(&browser).await.as_deref(), Some(email));

    // An address without an account is a clear error, not a link.
    let env = app.env();
    let none = std::process::Command::new(env!("CARGO_BIN_EXE_hidden-hill"))
        .args(["reset-link", "nobody@example.org"])
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .unwrap();
    assert!(!none.status.success());
    assert!(String::from_utf8_lossy(&none.stderr).contains("No account uses nobody@example.org"));
}
