"""Reply detection on pseudonymised threads: the replies are read for the names they
address, and those are compared as keyed hashes with the keys stored at landing."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from support.threads import FLAT, T0, TYPEPAD, load_thread

from extractors.names import NameKeys, name_variants
from warehouse.replies import Entry, addresses, thread_replies

KEY = NameKeys(b"k" * 32)


def keyed(author: str, aliases: dict[str, list[str]] | None = None) -> set[str]:
    return {KEY.address_key(v) for v in name_variants(author, aliases or {})}


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("@Xavier oui, livraison jeudi", ("mention", "@Xavier")),
        ("Merci @XAVIER-DUPONT !", ("mention", "@XAVIER DUPONT")),
        ("Bonjour Xavier, c'est noté", ("name_prefix", "xavier")),
        ("Xavier Dupont : oui", ("name_prefix", "xavier dupont")),
        ("On a livré Xavier hier", None),
        ("@Xaviera oui", None),
    ],
)
def test_mention_and_name_prefix_through_keys(reply: str, expected: tuple | None) -> None:
    assert addresses(reply, keyed("Xavier Dupont"), key=KEY.address_key) == expected
    # the same verdict as on clear names
    assert addresses(reply, name_variants("Xavier Dupont", {})) == expected


def test_an_alias_through_keys() -> None:
    aliases = {"Billaut": ["Jean Michel"]}
    assert addresses("@Jean Michel oui", keyed("Billaut", aliases), key=KEY.address_key) == (
        "mention",
        "@Jean Michel",
    )
    assert addresses("@Jean Michel oui", keyed("Billaut"), key=KEY.address_key) is None


def test_a_name_of_four_words_is_read_whole() -> None:
    names = keyed("Marie Claire de Lorme")
    assert addresses("@Marie-Claire de Lorme c'est prêt", names, key=KEY.address_key) == (
        "mention",
        "@Marie Claire de Lorme",
    )


def status(conn) -> dict[str, tuple]:
    query = "SELECT item_id, answered_by_owner, response_hours, reply_item_id, reply_rule"
    return {row[0]: row[1:] for row in conn.execute(query + " FROM question_status").fetchall()}


def test_a_pseudonymised_flat_thread_gets_the_same_answers(tmp_path: Path) -> None:
    clear = load_thread(tmp_path / "clear", TYPEPAD, FLAT)
    hidden = load_thread(tmp_path / "hidden", TYPEPAD, FLAT, names=KEY)
    # c1 and c2 by @mention, c3 through Billaut's alias "@Jean Michel", c4 and c6 unanswered
    assert (
        status(hidden)
        == status(clear)
        == {
            "c1": (True, 10.0, "o1", "mention"),
            "c2": (True, 9.0, "o1", "mention"),
            "c3": (True, 27.0, "o2", "mention"),
            "c4": (False, None, None, None),
            "c6": (False, None, None, None),
        }
    )
    evidence = "SELECT question_id, reply_evidence FROM replies ORDER BY ALL"
    assert hidden.execute(evidence).fetchall() == clear.execute(evidence).fetchall()
    authors = {a for (a,) in hidden.execute("SELECT author FROM question_status").fetchall()}
    assert authors == {KEY.pseudonym(n) for n in ("Xavier", "hélène m.", "Billaut", "Zoé", "Paul")}
    (keys,) = hidden.execute("SELECT extra FROM items WHERE item_id = 'c3'").fetchone()
    assert set(json.loads(keys)["author_keys"]) == keyed("Billaut", {"Billaut": ["Jean Michel"]})


def entry(item_id, author, text, hours, *, owner=False, question=False, keys=None) -> Entry:
    return Entry(
        item_id, "p", None, author, owner, T0 + timedelta(hours=hours), text, question, keys
    )


def test_items_landed_in_clear_and_pseudonymised_share_a_thread() -> None:
    bruno = KEY.pseudonym("Bruno L.")
    thread = [
        entry("q1", "Anna", "Vous livrez samedi ?", 0, question=True),  # landed in clear
        entry("q2", bruno, "Et dimanche ?", 1, question=True, keys=tuple(keyed("Bruno L."))),
        entry("r1", "Shop", "@Anna : oui", 2, owner=True),
        entry("r2", "Shop", "Bruno, non, fermé le dimanche", 3, owner=True),
    ]
    found = {
        (r.question_id, r.reply_item_id, r.reply_rule) for r in thread_replies(thread, names=KEY)
    }
    assert found == {("q1", "r1", "mention"), ("q2", "r2", "name_prefix")}


def test_an_alias_configured_after_landing_is_found_by_the_pseudonym() -> None:
    billaut = KEY.pseudonym("Billaut")
    thread = [
        entry("q", billaut, "Place à deux ?", 0, question=True, keys=tuple(keyed("Billaut"))),
        entry("r", "Atelier", "@Jean Michel oui", 1, owner=True),
    ]
    assert thread_replies(thread, names=KEY) == []
    (reply,) = thread_replies(thread, {"Billaut": ["Jean Michel"]}, names=KEY)
    assert (reply.reply_rule, reply.reply_evidence) == ("mention", "@Jean Michel")


def test_pseudonymised_items_need_the_key() -> None:
    thread = [entry("q", "anon-0123456789ab", "Vous ouvrez ?", 0, question=True, keys=("k",))]
    with pytest.raises(ValueError, match="needs the pseudonym key"):
        thread_replies(thread)
