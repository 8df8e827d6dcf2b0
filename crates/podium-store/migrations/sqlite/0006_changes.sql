-- The changes feed (in the spirit of CouchDB's _changes): one row per change to a public
-- document of a conference — a talk, a speaker, a room, or a talk's placement in the released
-- schedule. `seq` only grows. Writers bump conferences.revision first in the same transaction,
-- which locks the conference row, so one conference's rows commit in `seq` order and a reader
-- that saw seq N never later finds a smaller one.
CREATE TABLE changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,  -- AUTOINCREMENT: never reuses a deleted row's seq
    conference_id BIGINT NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    doc_type TEXT NOT NULL,        -- talk | speaker | room | placement
    doc_id BIGINT NOT NULL,        -- for a placement: the talk's id
    at BIGINT NOT NULL
);
CREATE INDEX changes_conference_seq_idx ON changes (conference_id, seq);
