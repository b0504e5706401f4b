-- Jobs whose rows are gone but whose files may not be yet. Deleting a job's objects can fail
-- half-way (the store is down), so the request to delete them outlives the HTTP request and is
-- retried until it succeeds: files never outlive their job for long, and no row ever points at
-- missing files (the job's rows go first, in the same transaction that writes this row).
CREATE TABLE file_deletions (
    job_id       TEXT PRIMARY KEY,    -- no foreign key: the job row is already gone
    requested_at BIGINT NOT NULL,
    attempts     BIGINT NOT NULL DEFAULT 0,
    next_try_at  BIGINT NOT NULL,
    last_error   TEXT
);
