-- The email outbox and the account emails that go through it.

-- Every email podium sends is first a row here, written in the same transaction as the change
-- that causes it (the transactional outbox); a background worker sends due rows. Account emails
-- have no conference. Instants are unix seconds.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    conference_id BIGINT REFERENCES conferences (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,             -- what the mail is for: 'account.verify', 'invitation', …
    to_address TEXT NOT NULL,
    to_name TEXT NOT NULL,          -- '' when unknown
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,        -- plain text; blanked once sent for mails with one-time links
    -- JSON list of {"filename", "content_type", "body"} with the body in standard base64:
    -- attachments are few and small (a calendar file, a PDF), not worth a table.
    attachments TEXT NOT NULL DEFAULT '[]',
    -- held: waits for an organizer; queued: due at send_after; sending: claimed by a worker
    -- until locked_until (then claimable again); sent; failed: gave up (see last_error).
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    send_after BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT,
    sent_at BIGINT,
    last_error TEXT,
    -- The RFC 5322 Message-ID, fixed at enqueue: a resend after a crash carries the same one,
    -- and the .eml file written without SMTP is named after it.
    message_id TEXT NOT NULL,
    CONSTRAINT outbox_message_id_key UNIQUE (message_id),
    CONSTRAINT outbox_status_check CHECK (status IN ('held', 'queued', 'sending', 'sent', 'failed'))
);
-- The worker's question: what is due?
CREATE INDEX outbox_due_idx ON outbox (status, send_after);
CREATE INDEX outbox_conference_idx ON outbox (conference_id, id);

-- When the user proved they read mail at their address (NULL: not yet).
ALTER TABLE users ADD COLUMN email_verified_at BIGINT;

-- One-time links emailed to a user: email verification (48 h) and password reset (1 h). Only a
-- BLAKE2b hash of the token is stored; the token is in the emailed link only.
CREATE TABLE account_tokens (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,          -- 'verify_email' | 'reset_password'
    token_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,                 -- set once: a link works one time
    CONSTRAINT account_tokens_hash_key UNIQUE (token_hash)
);
CREATE INDEX account_tokens_user_idx ON account_tokens (user_id);

-- An organizer's invitation to join a conference as organizer or reviewer, sent by email. The
-- link's token is stored as a hash; whoever follows it and accepts while logged in gets the role.
CREATE TABLE invitations (
    id INTEGER PRIMARY KEY,
    conference_id BIGINT NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    email TEXT NOT NULL,            -- where it was sent (lowercased)
    role TEXT NOT NULL,             -- 'organizer' | 'reviewer'
    token_hash TEXT NOT NULL,
    invited_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    accepted_at BIGINT,
    accepted_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT invitations_hash_key UNIQUE (token_hash)
);
CREATE INDEX invitations_conference_idx ON invitations (conference_id);
