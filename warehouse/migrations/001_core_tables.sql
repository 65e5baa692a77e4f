-- Core tables. All timestamps are UTC (TIMESTAMP without time zone, by convention UTC).

-- One row per configured source; `cursor` is committed in the same transaction as the
-- items it describes, so a crashed load never advances it.
CREATE TABLE sources (
    source_id   VARCHAR PRIMARY KEY,
    kind        VARCHAR NOT NULL,
    url         VARCHAR NOT NULL,
    owners      VARCHAR[] NOT NULL,
    params      JSON,
    cursor      JSON,
    last_run_id VARCHAR,
    updated_at  TIMESTAMP NOT NULL
);

-- One row per pipeline run (CLI or Airflow run id).
CREATE TABLE runs (
    run_id      VARCHAR PRIMARY KEY,
    started_at  TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    status      VARCHAR NOT NULL,  -- running | success | partial | failed
    counts      JSON,
    errors      JSON
);

-- Posts and comments: exactly the fields of extractors.records.Item.
CREATE TABLE items (
    item_id      VARCHAR PRIMARY KEY,
    source_id    VARCHAR NOT NULL,
    kind         VARCHAR NOT NULL CHECK (kind IN ('post', 'comment')),
    post_id      VARCHAR NOT NULL,
    parent_id    VARCHAR,
    author_name  VARCHAR,
    author_id    VARCHAR,
    is_owner     BOOLEAN NOT NULL,
    published_at TIMESTAMP NOT NULL,
    url          VARCHAR,
    title        VARCHAR,
    text         VARCHAR NOT NULL,
    fetched_at   TIMESTAMP NOT NULL,
    content_hash VARCHAR NOT NULL,
    extra        JSON
);

-- Which landed batch was loaded, when, with what effect: replays are visible here.
CREATE TABLE loads (
    source_id VARCHAR NOT NULL,
    run_id    VARCHAR NOT NULL,
    items     INTEGER NOT NULL,
    new       INTEGER NOT NULL,
    updated   INTEGER NOT NULL,
    loaded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (source_id, run_id)
);

-- NLP results, one row per item and NLP version. `content_hash` is the hash of the item
-- when it was annotated: an edited item is annotated again.
CREATE TABLE annotations (
    item_id           VARCHAR NOT NULL,
    nlp_version       VARCHAR NOT NULL,
    content_hash      VARCHAR NOT NULL,
    lang              VARCHAR NOT NULL,
    is_question       BOOLEAN NOT NULL,
    question_sentence VARCHAR,
    question_rule     VARCHAR,
    question_type     VARCHAR,
    sentiment         VARCHAR NOT NULL CHECK (sentiment IN ('positive', 'negative', 'neutral')),
    sentiment_score   DOUBLE NOT NULL CHECK (sentiment_score BETWEEN -1 AND 1),
    topics            VARCHAR[] NOT NULL,
    annotated_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (item_id, nlp_version)
);
