-- Loading and validating a million items (warehouse/README.md, "Scale").

-- `items` without its PRIMARY KEY index: the loader looks the batch's rows up with one
-- scan and appends the new ones (warehouse/load.py); maintaining an ART index on every
-- insert and checkpoint cost more than the whole rest of the load. One row per item_id
-- holds by construction and is checked on the whole table after every load (the items
-- suite's uniqueness rule). Same columns, same NOT NULL and CHECK constraints.
CREATE TABLE items_unindexed (
    item_id      VARCHAR NOT NULL,
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
INSERT INTO items_unindexed SELECT * FROM items;
DROP TABLE items;
ALTER TABLE items_unindexed RENAME TO items;

-- What the row-level quality rules already passed: per stage (items, annotations), a hash
-- of the rules' version and of each validated row's checked values. After a step, a run
-- checks only the rows whose hash is missing (warehouse/quality/validate.py).
CREATE TABLE quality_checked (
    stage    VARCHAR NOT NULL,
    row_hash UBIGINT NOT NULL
);

-- Per thread (post) whose replies are stored: a fingerprint of what reply detection read
-- (its items, their newest annotation, the source's aliases, the code and the pseudonym
-- key). After each load, only the threads whose fingerprint changed are recomputed
-- (warehouse/replies.py).
CREATE TABLE reply_threads (
    post_id     VARCHAR NOT NULL,
    source_id   VARCHAR NOT NULL,
    fingerprint UBIGINT NOT NULL
);

-- The views that answer "how many questions, how many answered, how fast" on a million
-- items in well under a second, with the same rows and columns as before (004):
-- * a question is an annotation saying so that no newer annotation of the item replaces
--   (as `item_annotations` picks the newest, without ranking every annotation);
-- * `question_facts` is `question_status` without what only it shows (the post's link,
--   answered_by_anyone): the rate views read it, and skip those two joins.
CREATE OR REPLACE VIEW question_facts AS
WITH questions AS (
    SELECT i.item_id, i.source_id, i.post_id, i.author_name, i.published_at, i.text,
           a.question_type, a.question_rule, a.question_sentence, a.topics, a.sentiment
    FROM annotations AS a
    JOIN items AS i USING (item_id)
    WHERE a.is_question AND NOT i.is_owner
      AND NOT EXISTS (SELECT 1 FROM annotations AS newer
                      WHERE newer.item_id = a.item_id
                        AND (newer.annotated_at, newer.nlp_version)
                            > (a.annotated_at, a.nlp_version))
),
first_owner_reply AS (  -- the earliest owner reply (the first by id at the same time)
    SELECT question_id, first.at AS first_owner_reply_at, first.id AS reply_item_id,
           first.rule AS reply_rule
    FROM (SELECT question_id,
                 min({'at': replied_at, 'id': reply_item_id, 'rule': reply_rule}) AS first
          FROM replies
          WHERE reply_is_owner
          GROUP BY question_id)
)
SELECT
    q.item_id,
    q.source_id,
    q.post_id,
    q.author_name AS author,
    q.published_at AS asked_at,
    q.text,
    q.question_type,
    q.question_rule || ': ' || q.question_sentence AS question_evidence,
    q.topics,
    q.sentiment,
    f.question_id IS NOT NULL AS answered_by_owner,
    f.first_owner_reply_at,
    round(date_diff('second', q.published_at, f.first_owner_reply_at) / 3600.0, 2)
        AS response_hours,
    f.reply_item_id,
    f.reply_rule,
    coalesce(s.sla_hours, 24) AS sla_hours,
    coalesce(date_diff('second', q.published_at, f.first_owner_reply_at) / 3600.0
             <= coalesce(s.sla_hours, 24), false) AS within_sla
FROM questions AS q
LEFT JOIN first_owner_reply AS f ON f.question_id = q.item_id
LEFT JOIN sources AS s ON s.source_id = q.source_id;

CREATE OR REPLACE VIEW question_status AS
SELECT
    q.item_id,
    q.source_id,
    q.post_id,
    p.url AS post_url,
    q.author,
    q.asked_at,
    q.text,
    q.question_type,
    q.question_evidence,
    q.topics,
    q.sentiment,
    q.answered_by_owner,
    q.item_id IN (SELECT question_id FROM replies) AS answered_by_anyone,
    q.first_owner_reply_at,
    q.response_hours,
    q.reply_item_id,
    q.reply_rule,
    q.sla_hours,
    q.within_sla
FROM question_facts AS q
LEFT JOIN items AS p ON p.item_id = q.post_id;

CREATE OR REPLACE VIEW response_rates AS
SELECT
    source_id,
    paris_month(asked_at) AS month,
    count(*) AS questions,
    count(*) FILTER (WHERE answered_by_owner) AS answered,
    count(*) FILTER (WHERE NOT answered_by_owner) AS unanswered,
    round(100.0 * count(*) FILTER (WHERE NOT answered_by_owner) / count(*), 1) AS unanswered_pct,
    round(median(response_hours), 2) AS median_response_hours
FROM question_facts
GROUP BY ALL;

CREATE OR REPLACE VIEW response_rates_by_source AS
SELECT
    s.source_id,
    count(q.item_id) AS questions,
    count(q.item_id) FILTER (WHERE q.answered_by_owner) AS answered,
    count(q.item_id) FILTER (WHERE NOT q.answered_by_owner) AS unanswered,
    round(100.0 * count(q.item_id) FILTER (WHERE NOT q.answered_by_owner)
          / nullif(count(q.item_id), 0), 1) AS unanswered_pct,
    round(median(q.response_hours), 2) AS median_response_hours
FROM sources AS s
LEFT JOIN question_facts AS q USING (source_id)
GROUP BY s.source_id;

CREATE OR REPLACE VIEW first_response_times AS
SELECT
    source_id,
    paris_month(asked_at) AS month,
    count(*) AS answered,
    round(quantile_cont(response_hours, 0.5), 2) AS p50_hours,
    round(quantile_cont(response_hours, 0.9), 2) AS p90_hours,
    round(100.0 * count(*) FILTER (WHERE response_hours <= 24) / count(*), 1) AS within_24h_pct,
    max(sla_hours) AS sla_hours,
    round(100.0 * count(*) FILTER (WHERE within_sla) / count(*), 1) AS within_sla_pct
FROM question_facts
WHERE answered_by_owner
GROUP BY ALL;
