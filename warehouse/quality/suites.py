"""The rules, one list per stage: what "right" means for items, annotations, views.

A rule is data (`Rule`): a Great Expectations expectation type, its columns, its
parameters and its `description`, the sentence an operator reads next to a quarantined
record or a failing rule. The same rule is run two ways, with one meaning:

- by Great Expectations (`Rule.to_gx`, the suites below): on the rows of `items` and
  `annotations` that changed since they were last validated, and by `ecoute validate`;
- by DuckDB (`warehouse.quality.sql`): on every landed batch at load time (Great
  Expectations there would cost far more than the load itself), on the rules that need the
  whole table at once (`whole_table`: uniqueness, references), and on the views.
  tests/test_warehouse/test_quality_engines.py runs every rule both ways on the same rows.

The frames carry a few columns DuckDB computes so that a rule can stay a plain column
expectation: `text_length` (the text itself can be large), `known_parent_id` (the parent
when it resolves, else null).

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

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

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

#: Expectation types whose columns are `column_A` and `column_B`, or `column_list`.
PAIR_TYPES = (
    "expect_column_pair_values_to_be_equal",
    "expect_column_pair_values_a_to_be_greater_than_b",
)
COMPOUND_TYPES = ("expect_compound_columns_to_be_unique",)


@dataclass(frozen=True)
class Rule:
    """One expectation, as data.

    `type` is the Great Expectations expectation type; `params` its other arguments
    (`value_set`, `min_value`, `max_value`, `regex`, `or_equal`, `ignore_row_if`);
    `when` a row condition, `(column, value)`: the rule looks only at the rows where that
    column equals that value. `whole_table`: the rule is about the table as a whole (one
    row per key, a reference that resolves): it cannot be checked on some rows alone.
    """

    type: str
    columns: tuple[str, ...]
    description: str
    params: tuple[tuple[str, Any], ...] = ()
    when: tuple[str, Any] | None = None
    whole_table: bool = False

    @property
    def name(self) -> str:
        """As reports name it: `expect_column_values_to_be_in_set(kind)`, with its condition
        when it has one: `expect_column_values_to_be_between(text_length | kind == 'comment')`."""
        where = f" | {self.when[0]} == {self.when[1]!r}" if self.when else ""
        return f"{self.type}({', '.join(self.columns)}{where})"

    @property
    def param(self) -> dict[str, Any]:
        return dict(self.params)

    def column_args(self) -> dict[str, Any]:
        if self.type in PAIR_TYPES:
            return {"column_A": self.columns[0], "column_B": self.columns[1]}
        if self.type in COMPOUND_TYPES:
            return {"column_list": list(self.columns)}
        return {"column": self.columns[0]}

    def to_gx(self) -> gx.expectations.Expectation:
        import great_expectations as gx
        from great_expectations.expectations.row_conditions import Column

        expectation = getattr(gx.expectations, self.type.title().replace("_", ""))
        kwargs: dict[str, Any] = {**self.column_args(), **self.param}
        if self.when:
            kwargs["row_condition"] = Column(self.when[0]) == self.when[1]
        return expectation(**kwargs, description=self.description)


def _params(**values: Any) -> tuple[tuple[str, Any], ...]:
    return tuple(values.items())


def item_rules(now: datetime, source_ids: Sequence[str]) -> list[Rule]:
    """Rules for normalized items: checked on every landed batch (failing rows go to
    quarantine) and on the `items` table after the load.

    `now` is naive UTC, like the warehouse's timestamps; `source_ids` are the sources an
    item may belong to (the batch's own, or every known source).
    """
    latest = now + CLOCK_SKEW
    rules = [
        Rule(
            "expect_column_values_to_not_be_null",
            (column,),
            f"{'text' if column == 'text_length' else column} is present",
        )
        for column in REQUIRED_ITEM_COLUMNS
    ]
    rules += [
        Rule(
            "expect_column_values_to_be_unique",
            ("item_id",),
            "one record per item_id (two versions fetched at the same time differ)",
            whole_table=True,
        ),
        Rule(
            "expect_column_values_to_be_in_set",
            ("source_id",),
            f"source_id is one of {', '.join(source_ids)}",
            _params(value_set=list(source_ids)),
            whole_table=True,  # the set is the known sources: a reference
        ),
        Rule(
            "expect_column_values_to_be_in_set",
            ("kind",),
            "kind is post or comment",
            _params(value_set=list(ITEM_KINDS)),
        ),
        Rule(
            "expect_column_values_to_be_between",
            ("published_at",),
            f"published_at between {EARLIEST_PUBLISHED:%Y-%m-%d} and "
            f"{latest:%Y-%m-%d %H:%M} UTC (now + {CLOCK_SKEW.days} day)",
            _params(min_value=EARLIEST_PUBLISHED, max_value=latest),
        ),
        Rule(
            "expect_column_values_to_be_between",
            ("text_length",),
            f"a comment has 1 to {MAX_COMMENT_CHARS} characters of text",
            _params(min_value=1, max_value=MAX_COMMENT_CHARS),
            when=("kind", "comment"),
        ),
        Rule(
            "expect_column_values_to_be_between",
            ("text_length",),
            f"a post has at most {MAX_POST_CHARS} characters of text",
            _params(max_value=MAX_POST_CHARS),
            when=("kind", "post"),
        ),
        Rule(
            "expect_column_pair_values_to_be_equal",
            ("parent_id", "known_parent_id"),
            "parent_id is null or an item that is loaded (or loads with it)",
            _params(ignore_row_if="both_values_are_missing"),
            whole_table=True,
        ),
    ]
    return rules


def annotation_rules() -> list[Rule]:
    """Rules for the NLP's output, checked on `annotations` after annotate."""
    rules = [
        Rule(
            "expect_compound_columns_to_be_unique",
            ("item_id", "nlp_version"),
            "one annotation per item and NLP version",
            whole_table=True,
        ),
        Rule(
            "expect_column_values_to_not_be_null",
            ("source_id",),
            "the annotated item is in items",
            whole_table=True,  # a reference: `source_id` comes from the item
        ),
        Rule(
            "expect_column_values_to_match_regex",
            ("lang",),
            "lang is an ISO 639-1 code or und",
            _params(regex=LANGUAGE_CODE),
        ),
        Rule(
            "expect_column_values_to_be_in_set",
            ("sentiment",),
            f"sentiment is one of {', '.join(SENTIMENTS)}",
            _params(value_set=list(SENTIMENTS)),
        ),
        Rule(
            "expect_column_values_to_be_between",
            ("sentiment_score",),
            "sentiment_score between -1 and 1",
            _params(min_value=-1, max_value=1),
        ),
        Rule(
            "expect_column_values_to_be_in_set",
            ("question_type",),
            f"question_type is one of {', '.join(QUESTION_TYPES)}",
            _params(value_set=list(QUESTION_TYPES)),
        ),
        Rule(
            "expect_column_values_to_be_in_set",
            ("question_rule",),
            "question_rule is a rule of nlp/components/questions.py",
            _params(value_set=list(QUESTION_RULES)),
        ),
    ]
    rules += [
        Rule(
            "expect_column_values_to_not_be_null",
            (column,),
            f"a question has its {column}",
            when=("is_question", True),
        )
        for column in ("question_type", "question_rule", "question_sentence")
    ]
    return rules


def _rates(*columns: str) -> list[Rule]:
    return [
        Rule(
            "expect_column_values_to_be_between",
            (column,),
            f"{column} within [0, 100]",
            _params(min_value=0, max_value=100),
        )
        for column in columns
    ]


def _not_more_than(part: str, whole: str) -> Rule:
    return Rule(
        "expect_column_pair_values_a_to_be_greater_than_b",
        (whole, part),
        f"{part} <= {whole}",
        _params(or_equal=True, ignore_row_if="either_value_is_missing"),
    )


def _not_negative(column: str) -> Rule:
    return Rule(
        "expect_column_values_to_be_between",
        (column,),
        f"{column} is not negative",
        _params(min_value=0),
    )


def view_rules() -> dict[str, list[Rule]]:
    """Rules for the analyst views, one list per view, checked after annotate and replies:
    what a wrong join or a broken migration would show first."""
    rates = [
        *_rates("unanswered_pct"),
        _not_more_than("answered", "questions"),
        _not_more_than("unanswered", "questions"),
        _not_negative("median_response_hours"),
    ]
    return {
        "question_status": [
            Rule(
                "expect_column_values_to_be_unique",
                ("item_id",),
                "one row per question",
                whole_table=True,
            ),
            _not_negative("response_hours"),
        ],
        "response_rates": rates,
        "response_rates_by_source": list(rates),
        "first_response_times": [
            *_rates("within_24h_pct", "within_sla_pct"),
            _not_more_than("p50_hours", "p90_hours"),
            _not_negative("p50_hours"),
        ],
    }


def rules_version(rules: Sequence[Rule]) -> str:
    """What the row-level `rules` ask, as a short digest: a row validated under one version
    is validated again once a rule changes. Build `rules` with a fixed `now` (the bound on
    `published_at` moves with the clock and only widens: a row once within it stays so)."""
    asked = [(r.name, r.params, r.description) for r in rules if not r.whole_table]
    return hashlib.sha256(repr(asked).encode("utf-8")).hexdigest()[:16]


def to_suite(name: str, rules: Sequence[Rule]) -> gx.ExpectationSuite:
    """The rules as a Great Expectations suite."""
    import great_expectations as gx

    return gx.ExpectationSuite(name=name, expectations=[rule.to_gx() for rule in rules])


def items_suite(now: datetime, source_ids: Sequence[str]) -> gx.ExpectationSuite:
    return to_suite("items", item_rules(now, source_ids))


def annotations_suite() -> gx.ExpectationSuite:
    return to_suite("annotations", annotation_rules())


def views_suites() -> dict[str, gx.ExpectationSuite]:
    return {view: to_suite(view, rules) for view, rules in view_rules().items()}
