-- A private token per user for their personal agenda feed (calendar apps cannot log in, so the
-- URL itself is the secret). Random, 256 bits, hex.
CREATE TABLE feed_tokens (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token TEXT NOT NULL,
    CONSTRAINT feed_tokens_pkey PRIMARY KEY (user_id),
    CONSTRAINT feed_tokens_token_key UNIQUE (token)
);
