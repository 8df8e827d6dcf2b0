-- Running `podium serve` processes on this database, one row each, refreshed every few seconds
-- (`seen_at`). A starting process reads the others to refuse an unsafe mix: instances without
-- Redis share no sessions, rate limits or live updates. Rows of processes that died without
-- removing theirs go stale and are ignored, then pruned.
CREATE TABLE instances (
    id TEXT NOT NULL,             -- random per process
    host TEXT NOT NULL,           -- with pid: a dead predecessor on the same host is not a peer
    pid BIGINT NOT NULL,
    uses_redis BIGINT NOT NULL,   -- 0/1: started with REDIS_URL
    started_at BIGINT NOT NULL,
    seen_at BIGINT NOT NULL,      -- last heartbeat, unix seconds
    CONSTRAINT instances_pkey PRIMARY KEY (id)
);
