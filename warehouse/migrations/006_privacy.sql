-- Privacy (RGPD), documented in warehouse/README.md.

-- One row per `ecoute forget --author NAME`: when, whom (the keyed pseudonym of the name,
-- never the name itself), where, and what was erased. A request repeated later shows as a
-- row with zeros. The landing step reads it: the items of a forgotten author, and those
-- ids, are not landed again, and a reply to one of them is landed without its parent.
CREATE TABLE erasures (
    erased_at               TIMESTAMP NOT NULL,
    author_key              VARCHAR NOT NULL,
    source_id               VARCHAR,             -- null: every source
    items                   INTEGER NOT NULL,    -- rows deleted from `items`
    landing_files_rewritten INTEGER NOT NULL,    -- items.jsonl files rewritten without them
    raw_files_deleted       INTEGER NOT NULL,    -- raw payload files that named them
    item_ids                VARCHAR[] NOT NULL   -- the erased items (warehouse and landing)
);
