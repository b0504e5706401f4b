//! E-mail over SMTP (lettre): how the app writes to people — today, password reset links.
//! Configured by `HH_SMTP_URL` and `HH_MAIL_FROM`; without them the app sends nothing and the
//! operator hands out links (`hidden-hill reset-link`).

use super::config::{ExposeSecret, MailSettings};
use lettre::{
    message::{header::ContentType, Mailbox},
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};
use std::time::Duration;

/// The configured SMTP server and sender. Cheap to clone (the connection pool is shared).
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    // The transport holds the SMTP password: only the sender is shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("from", &self.from.to_string()).finish_non_exhaustive()
    }
}

impl Mailer {
    /// The mailer for `settings`; `Err` says what is wrong with `HH_SMTP_URL` or `HH_MAIL_FROM`
    /// (no connection is made until the first message).
    pub fn new(settings: &MailSettings) -> Result<Mailer, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(settings.url.expose_secret())
            .map_err(|e| format!("HH_SMTP_URL: {e}"))?
            .timeout(Some(Duration::from_secs(20)))
            .build();
        let from = settings.from.parse::<Mailbox>().map_err(|e| format!("HH_MAIL_FROM: {e}"))?;
        Ok(Mailer { transport, from })
    }

    /// Sends a plain-text message to `to` (an address the app holds). `Err` is the SMTP
    /// server's refusal or the connection's failure, in words for the log (never the password).
    pub async fn send(&self, to: &str, subject: &str, body: String) -> Result<(), String> {
        let to = to.parse::<Mailbox>().map_err(|e| format!("the address {to:?}: {e}"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| e.to_string())?;
        self.transport.send(message).await.map(|_| ()).map_err(|e| e.to_string())
    }
}
