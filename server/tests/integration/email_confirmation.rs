//! Confirming e-mail addresses against a real SMTP server: at sign-up (required with
//! `HH_REQUIRE_VERIFIED_EMAIL`, with a link that can be sent again) and when a person changes
//! their address (the new one takes effect when its link is opened; without e-mail, at once).

use crate::common;

use common::{error_of, logged_in, mail::MailServer, Engine, TestApp, ACCESS_CODE, PASSWORD};
use reqwest::StatusCode;
use std::time::Duration;

/// The token of the confirmation link in `text`.
fn token_in(text: &str) -> String {
    let at = text.find("/confirm-email?token=").expect("a confirmation link") + "/confirm-email?token=".len();
    text[at..].chars().take_while(char::is_ascii_hexdigit).collect()
}

async fn with_mail(engine: Engine, mail: &MailServer, extra: &[(&str, &str)]) -> TestApp {
    let url = mail.url();
    let mut env = vec![("HH_SMTP_URL", url.as_str()), ("HH_MAIL_FROM", "Hidden Hill <no-reply@example.org>")];
    env.extend_from_slice(extra);
    TestApp::spawn_with(engine, &env).await
}

on_both_engines!(a_required_confirmation_gates_the_first_login, a_new_address_takes_effect_when_confirmed);

async fn a_required_confirmation_gates_the_first_login(engine: Engine) {
    let mail = MailServer::start().await;
    let app = with_mail(engine, &mail, &[("HH_REQUIRE_VERIFIED_EMAIL", "on")]).await;
    let email = "careful@example.org";
    let browser = app.other_browser();
    let signed_up = app.register(&browser, email).await;
    assert_eq!(signed_up.status(), StatusCode::OK);
    assert_eq!(app.whoami(&browser).await, None, "not logged in before the address is confirmed");
    let refused = app.login(&browser, email, PASSWORD).await;
    let (status, said, field) = error_of(refused).await;
    assert_eq!((status, field.as_deref()), (StatusCode::UNPROCESSABLE_ENTITY, Some("confirm")));
    assert!(said.contains("Confirm your e-mail address first"), "{said}");
    // A wrong password learns nothing about the account's state.
    let (_, wrong, _) = error_of(app.login(&browser, email, "not the password at all").await).await;
    assert!(wrong.contains("do not match"), "{wrong}");

    let first = mail.nth(1).await;
    assert!(first.contains("To: careful@example.org"), "{first}");
    assert!(first.contains("Subject: Confirm your e-mail address for Hidden Hill"), "{first}");
    assert!(first.contains(&format!("{}/confirm-email?token=", app.state.config.public_url)), "{first}");
    let first_token = token_in(&first);
    assert_eq!(first_token.len(), 64);

    // Asking again: the same words for an address with no account, and mail only for the account.
    let stranger = app.other_browser();
    let again = app.call(&stranger, "email/confirm/resend", &[("email", " Careful@Example.org ")]).await;
    assert_eq!(again.status(), StatusCode::OK);
    let said: String = again.json().await.unwrap();
    let nobody = app.call(&stranger, "email/confirm/resend", &[("email", "nobody@example.org")]).await;
    assert_eq!(nobody.json::<String>().await.unwrap(), said.replace(email, "nobody@example.org"));
    let second_token = token_in(&mail.nth(2).await);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(mail.messages().len(), 2, "nothing was sent for the address without an account");
    assert_ne!(first_token, second_token);

    // A made-up link is refused; the first real one confirms, logs this browser in, and the
    // other link goes with it.
    let confirmer = app.other_browser();
    let made_up = app.call(&confirmer, "email/confirm", &[("token", &"0".repeat(64))]).await;
    assert_eq!(error_of(made_up).await.2.as_deref(), Some("token"));
    let confirmed = app.call(&confirmer, "email/confirm", &[("token", &first_token)]).await;
    assert_eq!(confirmed.status(), StatusCode::OK);
    assert!(confirmed.json::<String>().await.unwrap().contains("is confirmed"));
    assert_eq!(app.whoami(&confirmer).await.as_deref(), Some(email));
    let used = app.call(&app.other_browser(), "email/confirm", &[("token", &second_token)]).await;
    assert_eq!(used.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.login(&app.other_browser(), email, PASSWORD).await.status(), StatusCode::OK);
    // Confirmed: asking again sends nothing.
    app.call(&stranger, "email/confirm/resend", &[("email", email)]).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(mail.messages().len(), 2);

    // A link older than a day does not work.
    let late_browser = app.other_browser();
    assert_eq!(
        app.call(
            &late_browser,
            "register",
            &[("email", "late@example.org"), ("password", PASSWORD), ("access_code", ACCESS_CODE)]
        )
        .await
        .status(),
        StatusCode::OK
    );
    let late = token_in(&mail.nth(3).await);
    sqlx::query("UPDATE email_confirmations SET expires_at = expires_at - 86401").execute(app.db.pool()).await.unwrap();
    let expired = app.call(&late_browser, "email/confirm", &[("token", &late)]).await;
    assert_eq!(expired.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.login(&late_browser, "late@example.org", PASSWORD).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

async fn a_new_address_takes_effect_when_confirmed(engine: Engine) {
    let mail = MailServer::start().await;
    let app = with_mail(engine, &mail, &[]).await;
    // Without the requirement, sign-up logs in at once and still sends a link.
    let browser = logged_in(&app, "old@example.org").await;
    assert!(mail.nth(1).await.contains("To: old@example.org"));
    let profile = app.get_json(&browser, "/api/profile").await;
    assert_eq!((profile["email_confirmed"].as_bool(), profile["sends_mail"].as_bool()), (Some(false), Some(true)));
    logged_in(&app, "taken@example.org").await;
    mail.nth(2).await;

    let change = |new: &'static str, password: &'static str| {
        let (app, browser) = (&app, &browser);
        async move { app.call(browser, "email/change", &[("new_email", new), ("password", password)]).await }
    };
    assert_eq!(error_of(change("new@example.org", "wrong password here").await).await.2.as_deref(), Some("password"));
    assert_eq!(error_of(change("taken@example.org", PASSWORD).await).await.2.as_deref(), Some("new_email"));
    assert_eq!(error_of(change("not an address", PASSWORD).await).await.2.as_deref(), Some("new_email"));
    // Nobody else may ask to change an account's address.
    let stranger = app.other_browser();
    let anonymous =
        app.call(&stranger, "email/change", &[("new_email", "new@example.org"), ("password", PASSWORD)]).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    let asked = change("New@Example.org", PASSWORD).await;
    assert_eq!(asked.status(), StatusCode::OK);
    assert!(asked.json::<String>().await.unwrap().contains("We sent a link to new@example.org"));
    assert_eq!(app.whoami(&browser).await.as_deref(), Some("old@example.org"), "nothing changes before the link");
    let message = mail.nth(3).await;
    assert!(message.contains("To: new@example.org"), "{message}");
    assert!(message.contains("Subject: Confirm your new e-mail address for Hidden Hill"), "{message}");
    let confirmed = app.call(&app.other_browser(), "email/confirm", &[("token", &token_in(&message))]).await;
    assert_eq!(confirmed.status(), StatusCode::OK);
    assert!(confirmed.json::<String>().await.unwrap().contains("Your address is now new@example.org"));
    // The session that asked follows the account to its new address; the old address is gone.
    assert_eq!(app.whoami(&browser).await.as_deref(), Some("new@example.org"));
    assert_eq!(app.login(&app.other_browser(), "new@example.org", PASSWORD).await.status(), StatusCode::OK);
    assert_eq!(
        app.login(&app.other_browser(), "old@example.org", PASSWORD).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let profile = app.get_json(&browser, "/api/profile").await;
    assert_eq!(profile["email_confirmed"].as_bool(), Some(true));
}

/// Without e-mail there is nothing to confirm with: a change applies at once, after the
/// password, and asking for links is a clear error.
#[tokio::test]
async fn without_mail_a_change_applies_at_once() {
    let app = TestApp::spawn(Engine::Sqlite).await;
    let browser = logged_in(&app, "plain@example.org").await;
    let changed =
        app.call(&browser, "email/change", &[("new_email", "moved@example.org"), ("password", PASSWORD)]).await;
    assert_eq!(changed.status(), StatusCode::OK);
    assert!(changed.json::<String>().await.unwrap().contains("Your address is now moved@example.org"));
    assert_eq!(app.whoami(&browser).await.as_deref(), Some("moved@example.org"));
    let resend = app.call(&app.other_browser(), "email/confirm/resend", &[("email", "moved@example.org")]).await;
    assert_eq!(resend.status(), StatusCode::CONFLICT);
}
