-- "I want to see this" marks: each attendee's wants, the scheduler's main input. Private: pages
-- show only counts to organizers and a person their own list.
CREATE TABLE interests (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    talk_id BIGINT NOT NULL REFERENCES talks (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    CONSTRAINT interests_pkey PRIMARY KEY (user_id, talk_id)
);
CREATE INDEX interests_talk_idx ON interests (talk_id);
