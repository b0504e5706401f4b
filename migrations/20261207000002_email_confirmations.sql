-- Confirming e-mail addresses: at sign-up (required with HH_REQUIRE_VERIFIED_EMAIL) and when a
-- person changes theirs (the new address takes effect once its link is opened). Accounts made
-- before this count as confirmed. Only the SHA-256 of a link's token is stored; `email` is the
-- address the link confirms. Times are Unix seconds.
ALTER TABLE users ADD COLUMN email_verified_at BIGINT;
UPDATE users SET email_verified_at = created_at;
CREATE TABLE email_confirmations (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email      TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX email_confirmations_user_id ON email_confirmations (user_id);
