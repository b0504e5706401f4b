-- When each person submitted, for the hourly limit (HH_SUBMISSIONS_PER_HOUR): counted in the
-- database, so the limit holds across web processes and restarts, and a deleted job still
-- counts. Rows older than an hour are removed as the person submits again. Milliseconds.
CREATE TABLE submissions (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    at      BIGINT NOT NULL
);
CREATE INDEX submissions_user_at ON submissions (user_id, at);
