-- Comments that a complete listing of their thread no longer shows: deleted, hidden or
-- unpublished on the platform. They stay in `items` (nothing is lost); this table says
-- since when they are gone. A comment that shows up again is taken out of it.
CREATE TABLE item_deletions (
    item_id         VARCHAR PRIMARY KEY,
    source_id       VARCHAR NOT NULL,
    detected_run_id VARCHAR NOT NULL,
    detected_at     TIMESTAMP NOT NULL
);
