"""The expectation suites, one per stage: what "right" means for items, annotations, views.

Each function returns a Great Expectations suite meant for the DataFrame that
`warehouse.quality.frames` reads for that stage. The frames carry a few columns DuckDB
computes so that a rule can stay a plain column expectation: `text_length` (the text
itself can be large), `known_parent_id` (the parent when it resolves, else null).
Every expectation has a `description`: it is the sentence an operator reads next to a
quarantined record or a failing rule.

Bounds, and why (warehouse/README.md repeats them for operators):

- `published_at` from 1995-01-01 (before, there were no web comments: a parsing error, e.g.
  a Unix epoch 0) to now + 1 day (clock skew between a platform and us);
- comment text 1 to 20,000 characters: platforms cap comments well below (Facebook 8,000,
  YouTube 10,000, Mastodon 500 by default); longer is a scraper that took a whole page, and
  an empty comment is a body the extractor did not find (or a sticker-only comment);
- post text 0 to 200,000 characters: a post may be a photo with no text; 200,000 is about
  a 100-page article, beyond that the extractor read something that is not a post.

Great Expectations is imported inside the functions: it takes seconds to import, and
`warehouse.load` (hence every command) imports this package.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from nlp.lexicons.questions import RULES as QUESTION_RULES

if TYPE_CHECKING:
    import great_expectations as gx

ITEM_KINDS = ("post", "comment")
EARLIEST_PUBLISHED = datetime(1995, 1, 1)
CLOCK_SKEW = timedelta(days=1)
MAX_COMMENT_CHARS = 20_000
MAX_POST_CHARS = 200_000

#: The labels the NLP writes (nlp/components: sentiment, questions); a test keeps them equal.
SENTIMENTS = ("positive", "negative", "neutral")
QUESTION_TYPES = ("information", "request", "complaint")
#: An ISO 639-1 code, or `und` when the language cannot be told.
LANGUAGE_CODE = r"^([a-z]{2}|und)$"

#: Columns an item cannot do without (NOT NULL in `items`); `text_length` stands for `text`.
REQUIRED_ITEM_COLUMNS = (
    "item_id",
    "source_id",
    "kind",
    "post_id",
    "is_owner",
    "published_at",
    "fetched_at",
    "content_hash",
    "text_length",
)


def items_suite(now: datetime, source_ids: Sequence[str]) -> gx.ExpectationSuite:
    """Rules for normalized items: checked on every landed batch (failing rows go to
    quarantine) and on the whole `items` table after the load.

    `now` is naive UTC, like the warehouse's timestamps; `source_ids` are the sources an
    item may belong to (the batch's own, or every known source).
    """
    import great_expectations as gx
    from great_expectations.expectations.row_conditions import Column

    expect = gx.expectations
    latest = now + CLOCK_SKEW
    rules = [
        expect.ExpectColumnValuesToNotBeNull(
            column=column,
            description=f"{'text' if column == 'text_length' else column} is present",
        )
        for column in REQUIRED_ITEM_COLUMNS
    ]
    rules += [
        expect.ExpectColumnValuesToBeUnique(
            column="item_id",
            description="one record per item_id (two versions fetched at the same time differ)",
        ),
        expect.ExpectColumnValuesToBeInSet(
            column="source_id",
            value_set=list(source_ids),
            description=f"source_id is one of {', '.join(source_ids)}",
        ),
        expect.ExpectColumnValuesToBeInSet(
            column="kind", value_set=list(ITEM_KINDS), description="kind is post or comment"
        ),
        expect.ExpectColumnValuesToBeBetween(
            column="published_at",
            min_value=EARLIEST_PUBLISHED,
            max_value=latest,
            description=f"published_at between {EARLIEST_PUBLISHED:%Y-%m-%d} and "
            f"{latest:%Y-%m-%d %H:%M} UTC (now + {CLOCK_SKEW.days} day)",
        ),
        expect.ExpectColumnValuesToBeBetween(
            column="text_length",
            min_value=1,
            max_value=MAX_COMMENT_CHARS,
            row_condition=Column("kind") == "comment",
            description=f"a comment has 1 to {MAX_COMMENT_CHARS} characters of text",
        ),
        expect.ExpectColumnValuesToBeBetween(
            column="text_length",
            max_value=MAX_POST_CHARS,
            row_condition=Column("kind") == "post",
            description=f"a post has at most {MAX_POST_CHARS} characters of text",
        ),
        expect.ExpectColumnPairValuesToBeEqual(
            column_A="parent_id",
            column_B="known_parent_id",
            ignore_row_if="both_values_are_missing",
            description="parent_id is null or an item that is loaded (or loads with it)",
        ),
    ]
    return gx.ExpectationSuite(name="items", expectations=rules)


def annotations_suite() -> gx.ExpectationSuite:
    """Rules for the NLP's output, checked on the whole `annotations` table after annotate."""
    import great_expectations as gx
    from great_expectations.expectations.row_conditions import Column

    expect = gx.expectations
    rules = [
        expect.ExpectCompoundColumnsToBeUnique(
            column_list=["item_id", "nlp_version"],
            description="one annotation per item and NLP version",
        ),
        expect.ExpectColumnValuesToNotBeNull(
            column="source_id", description="the annotated item is in items"
        ),
        expect.ExpectColumnValuesToMatchRegex(
            column="lang", regex=LANGUAGE_CODE, description="lang is an ISO 639-1 code or und"
        ),
        expect.ExpectColumnValuesToBeInSet(
            column="sentiment",
            value_set=list(SENTIMENTS),
            description=f"sentiment is one of {', '.join(SENTIMENTS)}",
        ),
        expect.ExpectColumnValuesToBeBetween(
            column="sentiment_score",
            min_value=-1,
            max_value=1,
            description="sentiment_score between -1 and 1",
        ),
        expect.ExpectColumnValuesToBeInSet(
            column="question_type",
            value_set=list(QUESTION_TYPES),
            description=f"question_type is one of {', '.join(QUESTION_TYPES)}",
        ),
        expect.ExpectColumnValuesToBeInSet(
            column="question_rule",
            value_set=list(QUESTION_RULES),
            description="question_rule is a rule of nlp/components/questions.py",
        ),
    ]
    rules += [
        expect.ExpectColumnValuesToNotBeNull(
            column=column,
            row_condition=Column("is_question") == True,  # noqa: E712 (a GX condition, not a test)
            description=f"a question has its {column}",
        )
        for column in ("question_type", "question_rule", "question_sentence")
    ]
    return gx.ExpectationSuite(name="annotations", expectations=rules)


def _rates(*columns: str) -> list[gx.expectations.Expectation]:
    import great_expectations as gx

    return [
        gx.expectations.ExpectColumnValuesToBeBetween(
            column=column, min_value=0, max_value=100, description=f"{column} within [0, 100]"
        )
        for column in columns
    ]


def _not_more_than(part: str, whole: str) -> gx.expectations.Expectation:
    import great_expectations as gx

    return gx.expectations.ExpectColumnPairValuesAToBeGreaterThanB(
        column_A=whole,
        column_B=part,
        or_equal=True,
        ignore_row_if="either_value_is_missing",
        description=f"{part} <= {whole}",
    )


def _not_negative(column: str) -> gx.expectations.Expectation:
    import great_expectations as gx

    return gx.expectations.ExpectColumnValuesToBeBetween(
        column=column, min_value=0, description=f"{column} is not negative"
    )


def views_suites() -> dict[str, gx.ExpectationSuite]:
    """Rules for the analyst views, one suite per view, checked after annotate and replies:
    what a wrong join or a broken migration would show first."""
    import great_expectations as gx

    rates = [
        *_rates("unanswered_pct"),
        _not_more_than("answered", "questions"),
        _not_more_than("unanswered", "questions"),
        _not_negative("median_response_hours"),
    ]
    rules = {
        "question_status": [
            gx.expectations.ExpectColumnValuesToBeUnique(
                column="item_id", description="one row per question"
            ),
            _not_negative("response_hours"),
        ],
        "response_rates": rates,
        "response_rates_by_source": [rule.copy() for rule in rates],
        "first_response_times": [
            *_rates("within_24h_pct", "within_sla_pct"),
            _not_more_than("p50_hours", "p90_hours"),
            _not_negative("p50_hours"),
        ],
    }
    return {
        view: gx.ExpectationSuite(name=view, expectations=expectations)
        for view, expectations in rules.items()
    }
