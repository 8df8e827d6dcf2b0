-- Counts the CFP pages read instead of recounting on every request.
--
-- Community votes counted as they are cast: one row per voted proposal, kept by triggers on
-- proposal_votes (every write path, restores and bulk loads included), so the proposal list
-- and the organizers' ranking read 2,000 counts instead of grouping 50,000 votes per request.
CREATE TABLE proposal_vote_counts (
    proposal_id INTEGER PRIMARY KEY REFERENCES proposals (id) ON DELETE CASCADE,
    up BIGINT NOT NULL DEFAULT 0,
    down BIGINT NOT NULL DEFAULT 0
);

INSERT INTO proposal_vote_counts (proposal_id, up, down)
SELECT proposal_id,
       SUM(CASE WHEN value > 0 THEN 1 ELSE 0 END),
       SUM(CASE WHEN value < 0 THEN 1 ELSE 0 END)
FROM proposal_votes GROUP BY proposal_id;

CREATE TRIGGER proposal_votes_count_insert AFTER INSERT ON proposal_votes
BEGIN
    INSERT INTO proposal_vote_counts (proposal_id, up, down)
    VALUES (NEW.proposal_id,
            CASE WHEN NEW.value > 0 THEN 1 ELSE 0 END,
            CASE WHEN NEW.value < 0 THEN 1 ELSE 0 END)
    ON CONFLICT (proposal_id) DO UPDATE
       SET up = up + excluded.up, down = down + excluded.down;
END;

CREATE TRIGGER proposal_votes_count_delete AFTER DELETE ON proposal_votes
BEGIN
    UPDATE proposal_vote_counts
       SET up = up - CASE WHEN OLD.value > 0 THEN 1 ELSE 0 END,
           down = down - CASE WHEN OLD.value < 0 THEN 1 ELSE 0 END
     WHERE proposal_id = OLD.proposal_id;
END;

CREATE TRIGGER proposal_votes_count_update AFTER UPDATE OF proposal_id, value ON proposal_votes
BEGIN
    UPDATE proposal_vote_counts
       SET up = up - CASE WHEN OLD.value > 0 THEN 1 ELSE 0 END,
           down = down - CASE WHEN OLD.value < 0 THEN 1 ELSE 0 END
     WHERE proposal_id = OLD.proposal_id;
    INSERT INTO proposal_vote_counts (proposal_id, up, down)
    VALUES (NEW.proposal_id,
            CASE WHEN NEW.value > 0 THEN 1 ELSE 0 END,
            CASE WHEN NEW.value < 0 THEN 1 ELSE 0 END)
    ON CONFLICT (proposal_id) DO UPDATE
       SET up = up + excluded.up, down = down + excluded.down;
END;

-- A revision per conference that moves with every change to its reviews, kept by triggers on
-- reviews: the store keeps a conference's reviews in memory and re-reads them only when it
-- moved (one small query instead of 10,000 rows per page). Reviews are written one at a
-- time, so the row lock order is always review, then revision.
CREATE TABLE review_revisions (
    conference_id INTEGER PRIMARY KEY REFERENCES conferences (id) ON DELETE CASCADE,
    revision BIGINT NOT NULL
);

CREATE TRIGGER reviews_revision_insert AFTER INSERT ON reviews
BEGIN
    INSERT INTO review_revisions (conference_id, revision)
    SELECT conference_id, 1 FROM proposals WHERE id = NEW.proposal_id
    ON CONFLICT (conference_id) DO UPDATE SET revision = revision + 1;
END;

CREATE TRIGGER reviews_revision_update AFTER UPDATE ON reviews
BEGIN
    INSERT INTO review_revisions (conference_id, revision)
    SELECT conference_id, 1 FROM proposals WHERE id = NEW.proposal_id
    ON CONFLICT (conference_id) DO UPDATE SET revision = revision + 1;
END;

CREATE TRIGGER reviews_revision_delete AFTER DELETE ON reviews
BEGIN
    INSERT INTO review_revisions (conference_id, revision)
    SELECT conference_id, 1 FROM proposals WHERE id = OLD.proposal_id
    ON CONFLICT (conference_id) DO UPDATE SET revision = revision + 1;
END;

-- A deleted proposal takes its reviews with it (ON DELETE CASCADE); by the time their trigger
-- runs the proposal is gone and names no conference, so the proposal's own deletion moves the
-- revision (unless its whole conference is being deleted).
CREATE TRIGGER proposals_review_revision AFTER DELETE ON proposals
BEGIN
    INSERT INTO review_revisions (conference_id, revision)
    SELECT id, 1 FROM conferences WHERE id = OLD.conference_id
    ON CONFLICT (conference_id) DO UPDATE SET revision = revision + 1;
END;
