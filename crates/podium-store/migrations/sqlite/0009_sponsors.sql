-- A conference's sponsors, shown on its pages by level (in the order organizers give).
CREATE TABLE sponsors (
    id INTEGER PRIMARY KEY,
    conference_id BIGINT NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    level TEXT NOT NULL,            -- "Platinum", "Community partner"…; '' for none
    url TEXT NOT NULL,              -- http(s)
    logo_url TEXT,                  -- http(s) image, optional
    blurb TEXT NOT NULL,            -- one plain-text line
    position BIGINT NOT NULL
);
CREATE INDEX sponsors_conference_idx ON sponsors (conference_id);
