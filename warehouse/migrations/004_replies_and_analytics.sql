-- Reply detection (warehouse/replies.py writes `replies`), per-source SLA and aliases, and
-- the analyst views on top. Documented, with a query each, in warehouse/README.md.

-- How many hours a source's organisation allows itself to answer (default 24), and the
-- other names people use for someone: {"Billaut": ["Jean Michel"]}.
ALTER TABLE sources ADD COLUMN sla_hours DOUBLE DEFAULT 24;
ALTER TABLE sources ADD COLUMN aliases JSON;

-- Every (question, later item that answers it) pair, with the rule that matched:
-- parent | mention | name_prefix | quote, and the words that matched. Recomputed per source
-- after each load (ecoute run, the DAG), so it follows edits and deletions.
CREATE TABLE replies (
    source_id      VARCHAR NOT NULL,
    question_id    VARCHAR NOT NULL,
    reply_item_id  VARCHAR NOT NULL,
    reply_author   VARCHAR,
    reply_is_owner BOOLEAN NOT NULL,
    replied_at     TIMESTAMP NOT NULL,
    reply_rule     VARCHAR NOT NULL CHECK (reply_rule IN ('parent', 'mention', 'name_prefix', 'quote')),
    reply_evidence VARCHAR,
    PRIMARY KEY (question_id, reply_item_id)
);

-- The month of a UTC timestamp as analysts read it: first day, in Europe/Paris.
CREATE OR REPLACE MACRO paris_month(ts) AS
    CAST(date_trunc('month', timezone('Europe/Paris', CAST(ts AS TIMESTAMPTZ))) AS DATE);

-- One row per question written by a non-owner, with its evidence and its first owner reply.
CREATE OR REPLACE VIEW question_status AS
WITH questions AS (
    SELECT i.item_id, i.source_id, i.post_id, i.author_name, i.published_at, i.text,
           a.question_type, a.question_rule, a.question_sentence, a.topics, a.sentiment
    FROM items AS i
    JOIN item_annotations AS a USING (item_id)
    WHERE a.is_question AND NOT i.is_owner
),
first_owner_reply AS (
    SELECT question_id,
           min(replied_at) AS first_owner_reply_at,
           arg_min(reply_item_id, (replied_at, reply_item_id)) AS reply_item_id,
           arg_min(reply_rule, (replied_at, reply_item_id)) AS reply_rule
    FROM replies
    WHERE reply_is_owner
    GROUP BY question_id
),
any_reply AS (
    SELECT DISTINCT question_id FROM replies
)
SELECT
    q.item_id,
    q.source_id,
    q.post_id,
    p.url AS post_url,
    q.author_name AS author,
    q.published_at AS asked_at,
    q.text,
    q.question_type,
    q.question_rule || ': ' || q.question_sentence AS question_evidence,
    q.topics,
    q.sentiment,
    f.question_id IS NOT NULL AS answered_by_owner,
    y.question_id IS NOT NULL AS answered_by_anyone,
    f.first_owner_reply_at,
    round(date_diff('second', q.published_at, f.first_owner_reply_at) / 3600.0, 2)
        AS response_hours,
    f.reply_item_id,
    f.reply_rule,
    coalesce(s.sla_hours, 24) AS sla_hours,
    coalesce(date_diff('second', q.published_at, f.first_owner_reply_at) / 3600.0
             <= coalesce(s.sla_hours, 24), false) AS within_sla
FROM questions AS q
LEFT JOIN items AS p ON p.item_id = q.post_id
LEFT JOIN first_owner_reply AS f ON f.question_id = q.item_id
LEFT JOIN any_reply AS y ON y.question_id = q.item_id
LEFT JOIN sources AS s ON s.source_id = q.source_id;

-- Per source and month (Europe/Paris) of the question.
CREATE OR REPLACE VIEW response_rates AS
SELECT
    source_id,
    paris_month(asked_at) AS month,
    count(*) AS questions,
    count(*) FILTER (WHERE answered_by_owner) AS answered,
    count(*) FILTER (WHERE NOT answered_by_owner) AS unanswered,
    round(100.0 * count(*) FILTER (WHERE NOT answered_by_owner) / count(*), 1) AS unanswered_pct,
    round(median(response_hours), 2) AS median_response_hours
FROM question_status
GROUP BY ALL;

-- How fast the organisation answers, per source and month: the answered questions only.
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
FROM question_status
WHERE answered_by_owner
GROUP BY ALL;

-- The community manager's to-do list: questions no owner has answered, oldest first.
CREATE OR REPLACE VIEW unanswered_questions AS
SELECT
    source_id,
    post_url,
    item_id,
    author,
    asked_at,
    date_diff('day', asked_at, now()::TIMESTAMP) AS age_days,
    text,
    topics,
    question_type,
    question_evidence
FROM question_status
WHERE NOT answered_by_owner
ORDER BY asked_at, item_id;

-- What customers talk about and how they feel, per source, month and topic (non-owners).
CREATE OR REPLACE VIEW topic_sentiment AS
WITH tagged AS (
    SELECT i.source_id, paris_month(i.published_at) AS month, unnest(a.topics) AS topic,
           a.sentiment
    FROM items AS i
    JOIN item_annotations AS a USING (item_id)
    WHERE NOT i.is_owner
)
SELECT
    source_id,
    month,
    topic,
    count(*) AS items,
    count(*) FILTER (WHERE sentiment = 'positive') AS positive,
    count(*) FILTER (WHERE sentiment = 'negative') AS negative,
    count(*) FILTER (WHERE sentiment = 'neutral') AS neutral,
    round(100.0 * (count(*) FILTER (WHERE sentiment = 'positive')
                   - count(*) FILTER (WHERE sentiment = 'negative')) / count(*), 1)
        AS net_sentiment
FROM tagged
GROUP BY ALL;

-- The organisation's own comments under posts: how much it takes part, per month.
CREATE OR REPLACE VIEW owner_activity AS
SELECT
    source_id,
    paris_month(published_at) AS month,
    count(*) AS owner_replies,
    count(DISTINCT post_id) AS distinct_threads
FROM items
WHERE is_owner AND kind = 'comment'
GROUP BY ALL;
