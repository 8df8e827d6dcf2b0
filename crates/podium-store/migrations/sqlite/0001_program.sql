-- podium's first schema: conferences and their program.
-- Instants are unix seconds (BIGINT): sqlx's Any driver carries no date types, and UTC integers
-- compare and sort the same on both backends. Calendar days of a conference are local dates
-- (TEXT YYYY-MM-DD), not instants. Lists (room features, speaker links) are JSON text.

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    password_hash TEXT,            -- argon2id PHC string; NULL until the user sets a password
    created_at BIGINT NOT NULL,
    CONSTRAINT users_email_key UNIQUE (email)
);

CREATE TABLE conferences (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL,
    name TEXT NOT NULL,
    venue TEXT NOT NULL,
    timezone TEXT NOT NULL,        -- IANA name, validated before insert
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    description TEXT NOT NULL,
    -- Bumped by every write to the conference's program, so cached copies (in this and in
    -- other instances) know when they are stale.
    revision BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    CONSTRAINT conferences_slug_key UNIQUE (slug)
);

CREATE TABLE conference_roles (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    conference_id BIGINT NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    role TEXT NOT NULL,            -- organizer | reviewer | speaker | attendee
    CONSTRAINT conference_roles_pkey PRIMARY KEY (user_id, conference_id, role)
);

CREATE TABLE rooms (
    id INTEGER PRIMARY KEY,
    conference_id BIGINT NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    capacity BIGINT NOT NULL,
    features TEXT NOT NULL,        -- JSON array of strings
    position BIGINT NOT NULL       -- column order in the grid
);
CREATE INDEX rooms_conference_idx ON rooms (conference_id);

CREATE TABLE tracks (
    id INTEGER PRIMARY KEY,
    conference_id BIGINT NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    colour TEXT NOT NULL,
    description TEXT NOT NULL
);
CREATE INDEX tracks_conference_idx ON tracks (conference_id);

CREATE TABLE speakers (
    id INTEGER PRIMARY KEY,
    conference_id BIGINT NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    name TEXT NOT NULL,
    bio TEXT NOT NULL,             -- Markdown, sanitized when rendered
    avatar_url TEXT,
    links TEXT NOT NULL            -- JSON array of URLs
);
CREATE INDEX speakers_conference_idx ON speakers (conference_id);

CREATE TABLE talks (
    id INTEGER PRIMARY KEY,
    conference_id BIGINT NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    guid TEXT NOT NULL,            -- stable across versions and exports
    title TEXT NOT NULL,
    abstract TEXT NOT NULL,        -- Markdown, sanitized when rendered
    kind TEXT NOT NULL,
    level TEXT NOT NULL,
    duration_min BIGINT NOT NULL,
    track_id BIGINT REFERENCES tracks (id) ON DELETE SET NULL,
    language TEXT NOT NULL,
    slides_url TEXT,
    video_url TEXT,
    CONSTRAINT talks_guid_key UNIQUE (conference_id, guid)
);
CREATE INDEX talks_conference_idx ON talks (conference_id);

CREATE TABLE talk_speakers (
    talk_id BIGINT NOT NULL REFERENCES talks (id) ON DELETE CASCADE,
    speaker_id BIGINT NOT NULL REFERENCES speakers (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    CONSTRAINT talk_speakers_pkey PRIMARY KEY (talk_id, speaker_id)
);

-- The day grid: sessions (one room between two breaks) cut into slots.
CREATE TABLE grid_sessions (
    id INTEGER PRIMARY KEY,
    conference_id BIGINT NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    room_id BIGINT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL
);
CREATE INDEX grid_sessions_conference_idx ON grid_sessions (conference_id);

CREATE TABLE slots (
    id INTEGER PRIMARY KEY,
    conference_id BIGINT NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    session_id BIGINT NOT NULL REFERENCES grid_sessions (id) ON DELETE CASCADE,
    room_id BIGINT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL
);
CREATE INDEX slots_conference_idx ON slots (conference_id);

CREATE TABLE breaks (
    id INTEGER PRIMARY KEY,
    conference_id BIGINT NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL
);
CREATE INDEX breaks_conference_idx ON breaks (conference_id);

-- Schedule versions: at most one work-in-progress version (released_at NULL) per conference.
CREATE TABLE schedule_versions (
    id INTEGER PRIMARY KEY,
    conference_id BIGINT NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    name TEXT,
    released_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX schedule_versions_one_wip ON schedule_versions (conference_id) WHERE released_at IS NULL;
-- Released names are unique per conference ("1.1" twice would confuse apps that follow versions).
CREATE UNIQUE INDEX schedule_versions_name_key ON schedule_versions (conference_id, name) WHERE name IS NOT NULL;

CREATE TABLE placements (
    version_id BIGINT NOT NULL REFERENCES schedule_versions (id) ON DELETE CASCADE,
    talk_id BIGINT NOT NULL REFERENCES talks (id) ON DELETE CASCADE,
    room_id BIGINT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    starts_at BIGINT NOT NULL,
    pinned BIGINT NOT NULL DEFAULT 0,   -- 0/1: Any has no portable boolean decode from SQLite
    CONSTRAINT placements_pkey PRIMARY KEY (version_id, talk_id)
);
