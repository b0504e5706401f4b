-- Provider quotas. A job whose provider's daily budget is spent waits in the status "quota"
-- until `resume_at` (the next day, UTC), when a worker takes it again. The status CHECK is
-- widened by rebuilding both tables, as the review migration did (its comment says why).
CREATE TABLE jobs_new (
    id               TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    source_kind      TEXT NOT NULL CHECK (source_kind IN ('pmcid', 'pmid', 'doi', 'upload')),
    source_ref       TEXT NOT NULL,
    source_name      TEXT,
    options          TEXT NOT NULL DEFAULT '{}',
    status           TEXT NOT NULL CHECK (status IN ('queued', 'running', 'review', 'quota', 'succeeded', 'failed', 'cancelled')),
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
    reviewed_at      BIGINT,            -- when its owner let a reviewed script go on to the video
    resume_at        BIGINT             -- "quota": when the spent provider budget renews and a worker may take it again
);
INSERT INTO jobs_new (id, user_id, source_kind, source_ref, source_name, options, status, step, percent, attempts,
                      lease_owner, lease_expires_at, cancel_requested, error_step, error_kind, error_message,
                      artifacts, created_at, started_at, finished_at, updated_at, title, video_ms, scenes,
                      providers, cost_credits, reviewed_at)
SELECT id, user_id, source_kind, source_ref, source_name, options, status, step, percent, attempts,
       lease_owner, lease_expires_at, cancel_requested, error_step, error_kind, error_message,
       artifacts, created_at, started_at, finished_at, updated_at, title, video_ms, scenes,
       providers, cost_credits, reviewed_at
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


-- Every paid provider's use per day (UTC): requests, tokens, credits and the
-- calls that failed. Written by every process's meter (one upsert per call); budgets are
-- checked against it and the admin reads it.
CREATE TABLE provider_usage (
    day      BIGINT NOT NULL,   -- days since 1970-01-01, UTC
    service  TEXT NOT NULL CHECK (service IN ('gemini', 'llm', 'runway')),
    requests BIGINT NOT NULL DEFAULT 0,
    tokens   BIGINT NOT NULL DEFAULT 0,
    credits  BIGINT NOT NULL DEFAULT 0,
    failures BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, service)
);
