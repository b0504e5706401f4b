-- The studio's review: a job can stop after its script and wait for its owner ("review"), who
-- edits the script and lets it go on (`reviewed_at`). A status CHECK cannot be altered in
-- SQLite, so both tables are rebuilt, the same way on both engines: copies made, the log
-- dropped before the jobs (SQLite's DROP TABLE deletes the rows first, and the cascade must
-- find nothing to delete), the copies renamed (SQLite rewrites the log's foreign key to the new
-- name; PostgreSQL's follows the table itself), the indexes made again.
CREATE TABLE jobs_new (
    id               TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    source_kind      TEXT NOT NULL CHECK (source_kind IN ('pmcid', 'pmid', 'doi', 'upload')),
    source_ref       TEXT NOT NULL,
    source_name      TEXT,
    options          TEXT NOT NULL DEFAULT '{}',
    status           TEXT NOT NULL CHECK (status IN ('queued', 'running', 'review', 'succeeded', 'failed', 'cancelled')),
    step             TEXT,
    percent          BIGINT NOT NULL DEFAULT 0,
    attempts         BIGINT NOT NULL DEFAULT 0,
    lease_owner      TEXT,
    lease_expires_at BIGINT,
    cancel_requested BIGINT NOT NULL DEFAULT 0,
    error_step       TEXT,
    error_kind       TEXT,
    error_message    TEXT,
    artifacts        TEXT NOT NULL DEFAULT '{}',
    created_at       BIGINT NOT NULL,
    started_at       BIGINT,
    finished_at      BIGINT,
    updated_at       BIGINT NOT NULL,   -- in review: when its owner last touched the script
    title            TEXT,
    video_ms         BIGINT,
    scenes           BIGINT,
    providers        TEXT,
    cost_credits     BIGINT,
    reviewed_at      BIGINT             -- when its owner let a reviewed script go on to the video
);
INSERT INTO jobs_new (id, user_id, source_kind, source_ref, source_name, options, status, step, percent, attempts,
                      lease_owner, lease_expires_at, cancel_requested, error_step, error_kind, error_message,
                      artifacts, created_at, started_at, finished_at, updated_at, title, video_ms, scenes,
                      providers, cost_credits)
SELECT id, user_id, source_kind, source_ref, source_name, options, status, step, percent, attempts,
       lease_owner, lease_expires_at, cancel_requested, error_step, error_kind, error_message,
       artifacts, created_at, started_at, finished_at, updated_at, title, video_ms, scenes,
       providers, cost_credits
FROM jobs;

CREATE TABLE job_events_new (
    job_id     TEXT NOT NULL REFERENCES jobs_new (id) ON DELETE CASCADE,
    seq        BIGINT NOT NULL,
    kind       TEXT NOT NULL,
    step       TEXT,
    percent    BIGINT NOT NULL,
    message    TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (job_id, seq)
);
INSERT INTO job_events_new (job_id, seq, kind, step, percent, message, created_at)
SELECT job_id, seq, kind, step, percent, message, created_at FROM job_events;

DROP TABLE job_events;
DROP TABLE jobs;
ALTER TABLE jobs_new RENAME TO jobs;
ALTER TABLE job_events_new RENAME TO job_events;
CREATE INDEX jobs_user_created ON jobs (user_id, created_at);
CREATE INDEX jobs_queue ON jobs (status, created_at);

-- "Let me review the script first", remembered per person for the submit form.
ALTER TABLE users ADD COLUMN review_first BIGINT NOT NULL DEFAULT 0;
