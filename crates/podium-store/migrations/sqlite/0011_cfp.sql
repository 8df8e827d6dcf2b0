-- The call for proposals. Settings are one JSON document per conference (submission types,
-- questions, score categories, voting and review rules, email templates): they are read and
-- written whole by organizers and validated in Rust.
CREATE TABLE cfp_settings (
    conference_id BIGINT NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    settings TEXT NOT NULL,
    CONSTRAINT cfp_settings_pkey PRIMARY KEY (conference_id)
);

CREATE TABLE proposals (
    id INTEGER PRIMARY KEY,
    conference_id BIGINT NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    owner_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    abstract TEXT NOT NULL,
    description TEXT NOT NULL,
    notes TEXT NOT NULL,
    submission_type TEXT NOT NULL,
    track_id BIGINT REFERENCES tracks (id) ON DELETE SET NULL,
    level TEXT NOT NULL,
    language TEXT NOT NULL,
    answers TEXT NOT NULL,          -- JSON [[key, answer], ...]
    state TEXT NOT NULL,            -- draft | submitted | withdrawn | accepted | rejected | waitlisted | confirmed | declined
    pending TEXT,                   -- staged decision, unseen by speakers until released
    talk_id BIGINT REFERENCES talks (id) ON DELETE SET NULL,
    -- A random token from the form: the same form sent twice (double click, retry) creates
    -- one proposal.
    form_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    submitted_at BIGINT,
    CONSTRAINT proposals_form_token_key UNIQUE (conference_id, form_token)
);
CREATE INDEX proposals_conference_idx ON proposals (conference_id);
CREATE INDEX proposals_owner_idx ON proposals (owner_id);

-- Co-speakers: an invitation by email until accepted (user_id then set).
CREATE TABLE proposal_speakers (
    proposal_id BIGINT NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
    invite_hash TEXT,               -- hash of the emailed token; NULL once accepted
    position BIGINT NOT NULL,
    CONSTRAINT proposal_speakers_pkey PRIMARY KEY (proposal_id, email)
);
CREATE INDEX proposal_speakers_user_idx ON proposal_speakers (user_id);

-- A speaker's profile for one conference, with availability windows (JSON [[start, end], ...],
-- empty: any time) and answers to per-speaker questions.
CREATE TABLE speaker_profiles (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    conference_id BIGINT NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    bio TEXT NOT NULL,
    links TEXT NOT NULL,
    avatar_url TEXT,
    available TEXT NOT NULL,
    answers TEXT NOT NULL,
    CONSTRAINT speaker_profiles_pkey PRIMARY KEY (user_id, conference_id)
);

CREATE TABLE proposal_comments (
    id INTEGER PRIMARY KEY,
    proposal_id BIGINT NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    parent_id BIGINT REFERENCES proposal_comments (id) ON DELETE SET NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    edited_at BIGINT,
    deleted BIGINT NOT NULL DEFAULT 0,
    hidden BIGINT NOT NULL DEFAULT 0,
    spam BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX proposal_comments_proposal_idx ON proposal_comments (proposal_id);

CREATE TABLE proposal_votes (
    proposal_id BIGINT NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    value BIGINT NOT NULL,          -- +1 or -1
    created_at BIGINT NOT NULL,
    CONSTRAINT proposal_votes_pkey PRIMARY KEY (proposal_id, user_id)
);
CREATE INDEX proposal_votes_user_idx ON proposal_votes (user_id);

CREATE TABLE reviews (
    proposal_id BIGINT NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    scores TEXT NOT NULL,           -- JSON [[category key, value], ...]
    body TEXT NOT NULL,
    abstain BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL,
    CONSTRAINT reviews_pkey PRIMARY KEY (proposal_id, user_id)
);
CREATE INDEX reviews_user_idx ON reviews (user_id);

CREATE TABLE review_assignments (
    proposal_id BIGINT NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT review_assignments_pkey PRIMARY KEY (proposal_id, user_id)
);
CREATE INDEX review_assignments_user_idx ON review_assignments (user_id);

-- Declared conflicts of interest: the reviewer is never assigned to, and cannot review, it.
CREATE TABLE review_conflicts (
    proposal_id BIGINT NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT review_conflicts_pkey PRIMARY KEY (proposal_id, user_id)
);

-- Reviewer teams: a reviewer with rows here reviews only those tracks.
CREATE TABLE reviewer_tracks (
    conference_id BIGINT NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    track_id BIGINT NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    CONSTRAINT reviewer_tracks_pkey PRIMARY KEY (conference_id, user_id, track_id)
);

-- Speakers' availability reaches the scheduler through the program's speakers.
ALTER TABLE speakers ADD COLUMN available TEXT NOT NULL DEFAULT '[]';
