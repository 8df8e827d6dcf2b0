-- Attendees' feedback on a talk, once it has started: a rating and a private comment for the
-- speaker, and optional short public kudos that organizers approve before they show.
-- One row per attendee and talk (sending again replaces it).
CREATE TABLE feedback (
    id INTEGER PRIMARY KEY,
    talk_id BIGINT NOT NULL REFERENCES talks (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    rating BIGINT NOT NULL,        -- 1 to 5
    comment TEXT NOT NULL,         -- private: the speaker and organizers read it
    kudos TEXT NOT NULL,           -- public once approved; '' for none
    kudos_state TEXT NOT NULL,     -- none | pending | approved | hidden
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT feedback_once UNIQUE (talk_id, user_id)
);
CREATE INDEX feedback_talk_idx ON feedback (talk_id);
