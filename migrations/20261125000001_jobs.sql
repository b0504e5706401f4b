-- Jobs (one submitted paper on its way to a video) and their append-only event log.
-- Portable DDL for SQLite and PostgreSQL. Job and event times are Unix milliseconds, so the
-- status page can show elapsed time and estimates to the second.

CREATE TABLE jobs (
    id               TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    source_kind      TEXT NOT NULL CHECK (source_kind IN ('pmcid', 'pmid', 'doi', 'upload')),
    source_ref       TEXT NOT NULL,      -- the identifier, or the storage key of the uploaded file
    source_name      TEXT,               -- an upload's original file name, shown but never used as a path
    options          TEXT NOT NULL DEFAULT '{}',   -- JSON
    status           TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    step             TEXT,               -- the step running now, or the last one that ran
    percent          BIGINT NOT NULL DEFAULT 0,
    attempts         BIGINT NOT NULL DEFAULT 0,
    lease_owner      TEXT,               -- the worker holding the job while it runs
    lease_expires_at BIGINT,             -- after this, another worker may claim it
    cancel_requested BIGINT NOT NULL DEFAULT 0,
    error_step       TEXT,
    error_kind       TEXT,
    error_message    TEXT,
    artifacts        TEXT NOT NULL DEFAULT '{}',   -- JSON: artifact name -> storage key
    created_at       BIGINT NOT NULL,
    started_at       BIGINT,
    finished_at      BIGINT,
    updated_at       BIGINT NOT NULL
);
CREATE INDEX jobs_user_created ON jobs (user_id, created_at);
CREATE INDEX jobs_queue ON jobs (status, created_at);

CREATE TABLE job_events (
    job_id     TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    seq        BIGINT NOT NULL,          -- 1, 2, 3… per job; the SSE event id
    kind       TEXT NOT NULL,
    step       TEXT,
    percent    BIGINT NOT NULL,
    message    TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (job_id, seq)
);
