-- Data quality (warehouse/quality/, documented in warehouse/README.md).

-- Landed records that broke a row-level rule of the items suite: held back from `items`,
-- kept whole. One row per (record, broken rule). A replay of the same run and source
-- rewrites that batch's rows, so it never duplicates them.
CREATE TABLE quarantine (
    run_id         VARCHAR NOT NULL,
    source_id      VARCHAR NOT NULL,  -- the batch's source (the record may claim another)
    item_id        VARCHAR,           -- null when the record has none
    position       INTEGER NOT NULL,  -- the record's place in the batch's items.jsonl, from 1
    stage          VARCHAR NOT NULL,  -- the suite that held it back: items
    rule           VARCHAR NOT NULL,  -- expectation type and column(s)
    detail         VARCHAR NOT NULL,  -- what the rule asks and the value found
    record         JSON NOT NULL,     -- the record as landed
    quarantined_at TIMESTAMP NOT NULL,
    PRIMARY KEY (run_id, source_id, position, rule)
);

-- Per run: how long it took, and what the validation suites found at each stage.
ALTER TABLE runs ADD COLUMN duration_seconds DOUBLE;
ALTER TABLE runs ADD COLUMN validation JSON;

-- Per landed batch: how many records the row-level rules held back.
ALTER TABLE loads ADD COLUMN quarantined INTEGER DEFAULT 0;
