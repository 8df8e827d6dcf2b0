-- Log-in sessions. The cookie holds a random token; only its SHA-256 would be safer against a
-- leaked database, but sessions are short-lived and revocable, so the token is stored as is
-- and compared in the database (indexed primary key).
CREATE TABLE web_sessions (
    token TEXT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,       -- synchronizer token for forms of this session
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    CONSTRAINT web_sessions_pkey PRIMARY KEY (token)
);
CREATE INDEX web_sessions_user_idx ON web_sessions (user_id);
