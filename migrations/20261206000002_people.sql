-- An admin may disable an account: it cannot log in, its sessions end, its reset links stop
-- working; enabling it again restores everything. NULL: enabled. Unix seconds.
ALTER TABLE users ADD COLUMN disabled_at BIGINT;
