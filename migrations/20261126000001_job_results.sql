-- What a job produced, for the gallery, the admin view and the download name.
-- One column per statement: SQLite's ALTER TABLE adds one at a time.
ALTER TABLE jobs ADD COLUMN title TEXT;            -- the paper's title, once it has been read
ALTER TABLE jobs ADD COLUMN video_ms BIGINT;       -- length of the finished video
ALTER TABLE jobs ADD COLUMN scenes BIGINT;         -- scenes in its script
ALTER TABLE jobs ADD COLUMN providers TEXT;        -- who wrote, spoke and drew it, e.g. "extractive, espeak-ng, ffmpeg"
ALTER TABLE jobs ADD COLUMN cost_credits BIGINT;   -- what online providers charged, in their credits
