-- Counts the CFP pages read instead of recounting on every request.
--
-- Community votes counted as they are cast: one row per voted proposal, kept by a trigger on
-- proposal_votes (every write path, restores and bulk loads included), so the proposal list
-- and the organizers' ranking read 2,000 counts instead of grouping 50,000 votes per request.
-- Each vote locks only its own proposal's row.
-- No vote may be written between the backfill below and the trigger's creation (an instance
-- of the previous version still running during a rolling deploy): votes wait for this
-- migration's transaction.
LOCK TABLE proposal_votes IN SHARE ROW EXCLUSIVE MODE;

CREATE TABLE proposal_vote_counts (
    proposal_id BIGINT NOT NULL REFERENCES proposals (id) ON DELETE CASCADE,
    up BIGINT NOT NULL DEFAULT 0,
    down BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT proposal_vote_counts_pkey PRIMARY KEY (proposal_id)
);

INSERT INTO proposal_vote_counts (proposal_id, up, down)
SELECT proposal_id,
       SUM(CASE WHEN value > 0 THEN 1 ELSE 0 END),
       SUM(CASE WHEN value < 0 THEN 1 ELSE 0 END)
FROM proposal_votes GROUP BY proposal_id;

CREATE FUNCTION proposal_votes_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE proposal_vote_counts
           SET up = up - CASE WHEN OLD.value > 0 THEN 1 ELSE 0 END,
               down = down - CASE WHEN OLD.value < 0 THEN 1 ELSE 0 END
         WHERE proposal_id = OLD.proposal_id;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO proposal_vote_counts (proposal_id, up, down)
        VALUES (NEW.proposal_id,
                CASE WHEN NEW.value > 0 THEN 1 ELSE 0 END,
                CASE WHEN NEW.value < 0 THEN 1 ELSE 0 END)
        ON CONFLICT (proposal_id) DO UPDATE
           SET up = proposal_vote_counts.up + EXCLUDED.up,
               down = proposal_vote_counts.down + EXCLUDED.down;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER proposal_votes_count AFTER INSERT OR UPDATE OR DELETE ON proposal_votes
    FOR EACH ROW EXECUTE FUNCTION proposal_votes_count();

-- A revision per conference that moves with every change to its reviews, kept by a trigger on
-- reviews: the store keeps a conference's reviews in memory and re-reads them only when it
-- moved (one small query instead of 10,000 rows per page). Reviews are written one at a
-- time, so the row lock order is always review, then revision.
CREATE TABLE review_revisions (
    conference_id BIGINT NOT NULL REFERENCES conferences (id) ON DELETE CASCADE,
    revision BIGINT NOT NULL,
    CONSTRAINT review_revisions_pkey PRIMARY KEY (conference_id)
);

CREATE FUNCTION reviews_revision() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    proposal BIGINT;
BEGIN
    IF TG_OP = 'DELETE' THEN proposal := OLD.proposal_id; ELSE proposal := NEW.proposal_id; END IF;
    INSERT INTO review_revisions (conference_id, revision)
    SELECT conference_id, 1 FROM proposals WHERE id = proposal
    ON CONFLICT (conference_id) DO UPDATE SET revision = review_revisions.revision + 1;
    RETURN NULL;
END $$;

CREATE TRIGGER reviews_revision AFTER INSERT OR UPDATE OR DELETE ON reviews
    FOR EACH ROW EXECUTE FUNCTION reviews_revision();

-- A deleted proposal takes its reviews with it (ON DELETE CASCADE); by the time their trigger
-- runs the proposal is gone and names no conference, so the proposal's own deletion moves the
-- revision (unless its whole conference is being deleted).
CREATE FUNCTION proposals_review_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO review_revisions (conference_id, revision)
    SELECT id, 1 FROM conferences WHERE id = OLD.conference_id
    ON CONFLICT (conference_id) DO UPDATE SET revision = review_revisions.revision + 1;
    RETURN NULL;
END $$;

CREATE TRIGGER proposals_review_revision AFTER DELETE ON proposals
    FOR EACH ROW EXECUTE FUNCTION proposals_review_revision();
