-- Accounts and server-side sessions.
-- Portable DDL: the same statements run on SQLite and PostgreSQL (times are Unix seconds).

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL,            -- trimmed and lower-cased by the application
    password_hash TEXT NOT NULL,            -- argon2id PHC string
    role          TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
    created_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_email_key ON users (email);

-- Only the SHA-256 of a session token is stored: a leaked table does not let anyone log in.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

-- Instance-wide settings the application keeps itself (e.g. a generated access code).
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
