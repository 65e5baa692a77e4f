-- Analyst views: plain SQL over the tables, always current. Documented in warehouse/README.md.

-- The newest annotation of each item (whatever NLP version produced it).
CREATE OR REPLACE VIEW item_annotations AS
SELECT *
FROM annotations
QUALIFY row_number() OVER (PARTITION BY item_id ORDER BY annotated_at DESC, nlp_version DESC) = 1;

-- One row per question written by a non-owner. Answered = an owner item replies to it
-- through parent_id (flat-thread reply detection comes later). A reply by the asker
-- themself does not count as an answer by anyone.
CREATE OR REPLACE VIEW question_status AS
WITH questions AS (
    SELECT i.item_id, i.source_id, i.post_id, i.author_name, i.published_at, i.text
    FROM items AS i
    JOIN item_annotations AS a USING (item_id)
    WHERE a.is_question AND NOT i.is_owner
),
replies AS (
    SELECT q.item_id AS question_id, r.is_owner, r.published_at
    FROM questions AS q
    JOIN items AS r
      ON r.parent_id = q.item_id
     AND r.author_name IS DISTINCT FROM q.author_name
)
SELECT
    q.item_id,
    q.source_id,
    q.post_id,
    q.author_name AS author,
    q.published_at AS asked_at,
    q.text,
    count(r.question_id) FILTER (WHERE r.is_owner) > 0 AS answered_by_owner,
    min(r.published_at) FILTER (WHERE r.is_owner) AS first_owner_reply_at,
    round(date_diff('second', q.published_at,
                    min(r.published_at) FILTER (WHERE r.is_owner)) / 3600.0, 2) AS response_hours,
    count(r.question_id) > 0 AS answered_by_anyone
FROM questions AS q
LEFT JOIN replies AS r ON r.question_id = q.item_id
GROUP BY q.item_id, q.source_id, q.post_id, q.author_name, q.published_at, q.text;

-- Per source and month of the question.
CREATE OR REPLACE VIEW response_rates AS
SELECT
    source_id,
    CAST(date_trunc('month', asked_at) AS DATE) AS month,
    count(*) AS questions,
    count(*) FILTER (WHERE answered_by_owner) AS answered,
    count(*) FILTER (WHERE NOT answered_by_owner) AS unanswered,
    round(100.0 * count(*) FILTER (WHERE NOT answered_by_owner) / count(*), 1) AS unanswered_pct,
    round(median(response_hours), 2) AS median_response_hours
FROM question_status
GROUP BY ALL;

-- The same over all months, one row per known source (0 questions included): the table
-- `ecoute run` prints.
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
LEFT JOIN question_status AS q USING (source_id)
GROUP BY s.source_id;
