-- Talks an organizer cancelled: they leave the work-in-progress schedule and the engine never
-- places them again until restored. The talk itself stays (its page, its history in the
-- changelog and in released versions), so this is a row of its own rather than a deletion.
CREATE TABLE talk_cancellations (
    talk_id BIGINT NOT NULL REFERENCES talks (id) ON DELETE CASCADE,
    cancelled_at BIGINT NOT NULL,   -- unix seconds
    CONSTRAINT talk_cancellations_pkey PRIMARY KEY (talk_id)
);
