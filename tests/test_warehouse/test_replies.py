"""Reply detection: each rule on its own, then three thread shapes through a real DuckDB
file, with the expected figures worked out by hand in the comments."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
from support.threads import FLAT, T0, TYPEPAD, load_thread

from extractors.base import SourceConfig
from warehouse.replies import (
    Entry,
    addresses,
    name_variants,
    quote_of,
    thread_replies,
)


def entry(item_id, author, text, hours, *, parent=None, owner=False, question=False) -> Entry:
    return Entry(item_id, "p", parent, author, owner, T0 + timedelta(hours=hours), text, question)


# --- the rules, one by one --------------------------------------------------------------


@pytest.mark.parametrize(
    "reply",
    [
        "@Xavier oui, livraison jeudi",
        "@xavier oui",
        "Merci @XAVIER !",
        "@Xavier Dupont oui bien sûr",
        "hello @xavier-dupont c'est fait",
    ],
)
def test_mention_in_any_case_or_form(reply: str) -> None:
    assert addresses(reply, name_variants("Xavier Dupont", {}))[0] == "mention"


@pytest.mark.parametrize(
    "reply",
    ["Hélène : oui on livre", "helene, oui", "Bonjour Hélène, c'est noté", "Merci Helene !"],
)
def test_name_prefix_with_or_without_greeting_and_accents(reply: str) -> None:
    assert addresses(reply, name_variants("Hélène", {}))[0] == "name_prefix"


def test_a_name_inside_a_sentence_is_no_address() -> None:
    assert addresses("On a livré Hélène hier", name_variants("Hélène", {})) is None


def test_a_longer_name_that_starts_the_same_is_no_mention() -> None:
    assert addresses("@Xaviera oui", name_variants("Xavier", {})) is None


def test_pseudonym_initial_and_first_name() -> None:
    assert name_variants("Sandrine B.", {}) == ["sandrine b", "sandrine"]
    assert addresses("@Sandrine c'est réparé", name_variants("Sandrine B.", {}))[0] == "mention"


def test_aliases_from_the_source_config() -> None:
    variants = name_variants("Billaut", {"billaut": ["Jean Michel"]})
    assert addresses("@Jean Michel oui bien sûr", variants) == ("mention", "@Jean Michel")
    assert addresses("@Jean Michel oui", name_variants("Billaut", {})) is None


def test_quote_of_six_words_in_a_row() -> None:
    question = "Est-ce que la selle en cuir existe aussi en marron ?"
    reply = "« la selle en cuir existe aussi en marron » : oui, depuis lundi"
    assert quote_of(question, reply) == "la selle en cuir existe aussi en marron"
    assert addresses(reply, [], question)[0] == "quote"
    assert quote_of(question, "oui en marron aussi") is None


def test_a_reply_to_several_people_answers_each() -> None:
    thread = [
        entry("q1", "Anna", "Vous livrez samedi ?", 0, question=True),
        entry("q2", "Bruno", "Et dimanche ?", 1, question=True),
        entry("r", "Shop", "@Anna : oui. @Bruno : non, fermé", 2, owner=True),
    ]
    found = {(r.question_id, r.reply_rule) for r in thread_replies(thread)}
    assert found == {("q1", "mention"), ("q2", "mention")}


def test_a_reply_before_the_question_or_by_the_asker_is_none() -> None:
    thread = [
        entry("early", "Shop", "@Anna bienvenue", 0, owner=True),
        entry("q", "Anna", "Vous ouvrez quand ?", 1, question=True),
        entry("self", "Anna", "@Anna je me réponds", 2),
    ]
    assert thread_replies(thread) == []


def test_threaded_reply_to_the_askers_follow_up_counts() -> None:
    thread = [
        entry("q", "Anna", "Vous livrez ?", 0, question=True),
        entry("f", "Anna", "je précise : à Lyon", 1, parent="q"),
        entry("r", "Shop", "oui on livre Lyon", 2, parent="f", owner=True),
        entry("other", "Bob", "moi aussi je veux savoir", 3, parent="q"),
        entry("r2", "Shop", "Bob, oui", 4, parent="other", owner=True),
    ]
    found = {(r.question_id, r.reply_item_id, r.reply_rule) for r in thread_replies(thread)}
    # r answers the follow-up of the asker; r2 answers Bob, not Anna
    assert found == {("q", "r", "parent"), ("q", "other", "parent")}


# --- three thread shapes through the warehouse -------------------------------------------


def status(conn: duckdb.DuckDBPyConnection) -> dict[str, tuple]:
    query = (
        "SELECT item_id, answered_by_owner, response_hours, reply_item_id, reply_rule"
        " FROM question_status"
    )
    return {row[0]: row[1:] for row in conn.execute(query).fetchall()}


def rate(conn: duckdb.DuckDBPyConnection) -> tuple:
    return conn.execute(
        "SELECT questions, answered, unanswered, unanswered_pct, median_response_hours"
        " FROM response_rates"
    ).fetchone()


def test_flat_thread_answered_by_mention_and_alias(tmp_path: Path) -> None:
    conn = load_thread(tmp_path, TYPEPAD, FLAT)
    assert status(conn) == {
        "c1": (True, 10.0, "o1", "mention"),
        "c2": (True, 9.0, "o1", "mention"),
        "c3": (True, 27.0, "o2", "mention"),
        "c4": (False, None, None, None),
        "c6": (False, None, None, None),
    }
    # 5 questions, 3 answered, 2 open: 40 % unanswered; hours 9, 10, 27: median 10
    assert rate(conn) == (5, 3, 2, 40.0, 10.0)


WORDPRESS = SourceConfig(
    id="wp", kind="wordpress", url="https://wp.example", owners=("Jardinerie du Coteau",)
)
# A nested WordPress thread: replies under their comment, several levels deep.
NESTED = [
    ("post", "Jardinerie du Coteau", None, 0, False, "Arrivage de rosiers"),
    ("q1", "Lucie", "post", 2, True, "Vous avez des rosiers grimpants ?"),
    ("r1", "Jardinerie du Coteau", "q1", 5, False, "Oui, une dizaine de variétés"),
    ("q2", "Tom", "post", 3, True, "Livraison possible à Vienne ?"),
    ("t2", "Nina", "q2", 4, False, "Ils livrent oui, je l'ai eu"),  # a customer answers
    ("q3", "Léa", "post", 6, True, "Et les engrais bio ?"),
    ("f3", "Léa", "q3", 7, False, "pour des tomates"),  # the asker follows up ...
    ("r3", "Jardinerie du Coteau", "f3", 8.5, False, "Oui, rayon bio"),  # ... answered
]


def test_nested_thread_answered_through_parents(tmp_path: Path) -> None:
    conn = load_thread(tmp_path, WORDPRESS, NESTED)
    assert status(conn) == {
        "q1": (True, 3.0, "r1", "parent"),  # 5 - 2
        "q2": (False, None, None, None),  # answered by a customer, not the owner
        "q3": (True, 2.5, "r3", "parent"),  # 8.5 - 6
    }
    (anyone,) = conn.execute(
        "SELECT answered_by_anyone FROM question_status WHERE item_id = 'q2'"
    ).fetchone()
    assert anyone
    assert rate(conn) == (3, 2, 1, 33.3, 2.75)  # median of 2.5 and 3


FACEBOOK = SourceConfig(
    id="fb", kind="facebook-page", url="https://graph.example", owners=("Vélo Atelier",)
)
# A Facebook-style thread: one level of replies, the page answers some, late.
THREADED = [
    ("post", "Vélo Atelier", None, 0, False, "Nouveaux vélos cargo"),
    ("q1", "Anne", "post", 1, True, "Prix du modèle long ?"),
    ("r1", "Vélo Atelier", "q1", 49, False, "Bonjour Anne, 3 290 €"),  # 48 h later
    ("q2", "Ben", "post", 2, True, "Essai possible samedi ?"),
    ("r2", "Vélo Atelier", "q2", 3.5, False, "Oui, sur rendez-vous"),  # 1.5 h later
    ("q3", "Chloé", "post", 5, True, "Garantie de combien ?"),
    ("c3", "Vélo Atelier", "post", 6, False, "Merci pour vos messages !"),  # no one named
]


def test_threaded_facebook_style_with_sla(tmp_path: Path) -> None:
    conn = load_thread(tmp_path, FACEBOOK, THREADED)
    assert status(conn) == {
        "q1": (True, 48.0, "r1", "parent"),
        "q2": (True, 1.5, "r2", "parent"),
        "q3": (False, None, None, None),
    }
    assert rate(conn) == (3, 2, 1, 33.3, 24.75)
    first = conn.execute(
        "SELECT answered, p50_hours, within_24h_pct, sla_hours, within_sla_pct"
        " FROM first_response_times"
    ).fetchone()
    assert first == (2, 24.75, 50.0, 24.0, 50.0)  # 1.5 h within 24 h, 48 h not


def test_the_sla_comes_from_the_source(tmp_path: Path) -> None:
    conn = load_thread(tmp_path, dataclasses.replace(FACEBOOK, sla_hours=72.0), THREADED)
    first = conn.execute(
        "SELECT within_24h_pct, sla_hours, within_sla_pct FROM first_response_times"
    ).fetchone()
    assert first == (50.0, 72.0, 100.0)  # 48 h misses 24 h but is within 72 h
