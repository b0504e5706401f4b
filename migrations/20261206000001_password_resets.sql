-- Password reset links: single use, 30 minutes. Only the SHA-256 of a link's token is stored
-- (a leaked table resets nobody's password); a row is deleted when its link is used, and every
-- row of an account when any of them is. Times are Unix seconds.
CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX password_resets_user_id ON password_resets (user_id);
