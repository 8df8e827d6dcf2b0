-- Slides: an uploaded PDF per talk (the link lives in talks.slides_url), and anonymous
-- per-day counters of talk page views and slide downloads.

-- One uploaded PDF per talk; a new upload replaces the row (and the old file is deleted).
CREATE TABLE talk_slides (
    talk_id BIGINT NOT NULL REFERENCES talks (id) ON DELETE CASCADE,
    -- Where the bytes are, relative to the storage (disk: under the data dir; S3: the object
    -- key): `slides/<talk guid>-<first 16 hex of sha256>.pdf`.
    storage_key TEXT NOT NULL,
    sha256 TEXT NOT NULL,          -- hex; also the download's ETag
    size_bytes BIGINT NOT NULL,
    uploaded_at BIGINT NOT NULL,
    CONSTRAINT talk_slides_pkey PRIMARY KEY (talk_id)
);

-- Counters only: no addresses, cookies, user ids or user agents are ever stored. `day` is the
-- UTC midnight that starts the day, in unix seconds.
CREATE TABLE talk_counts (
    talk_id BIGINT NOT NULL REFERENCES talks (id) ON DELETE CASCADE,
    day BIGINT NOT NULL,
    views BIGINT NOT NULL DEFAULT 0,
    downloads BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT talk_counts_pkey PRIMARY KEY (talk_id, day)
);
