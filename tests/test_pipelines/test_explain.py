"""`ecoute explain` on the hand-built flat thread of tests/support/threads.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.threads import FLAT, TYPEPAD, load_thread

ECOUTE = Path(sys.executable).parent / "ecoute"


@pytest.fixture(scope="module")
def db_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("explain")
    load_thread(tmp, TYPEPAD, FLAT).close()
    return tmp / "w.duckdb"


def explain(db_file: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECOUTE_")}
    return subprocess.run(
        [str(ECOUTE), "explain", *args, "--db", str(db_file)],
        capture_output=True,
        text=True,
        env={**env, "COLUMNS": "200"},
        timeout=120,
    )


def test_an_answered_question_names_the_mention_that_answered_it(db_file: Path) -> None:
    result = explain(db_file, "c1")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Commentaire de Xavier, le 1 sept. 2026 à 12:00 (heure de Paris)" in out
    assert "⟦Il reste de la place le 12 ?⟧" in out
    assert "règle qmark" in out
    assert "Répondue par Atelier Argile le 1 sept. 2026 à 22:00, 10,0 h après" in out
    assert "(« @Xavier ») (règle mention), élément o1" in out
    assert "délai cible 24,0 h : respecté" in out


def test_an_alias_answer_is_shown_with_the_alias(db_file: Path) -> None:
    out = explain(db_file, "c3").stdout
    assert "« @Jean Michel »" in out and "27,0 h après" in out
    assert "délai cible 24,0 h : dépassé" in out


def test_an_unanswered_question_says_why_no_reply_matched(db_file: Path) -> None:
    out = explain(db_file, "c4").stdout
    assert "Sans réponse de l'organisation." in out
    assert "3 commentaire(s) de l'organisation plus tard sous ce billet" in out
    assert "aucun ne s'adresse à Zoé" in out
    assert "s'adresse à @Jean Michel" in out  # the other people they did address
    assert "s'adresse à Merci Marc" not in out and "s'adresse à Marc" in out


def test_a_question_after_the_last_owner_comment(db_file: Path) -> None:
    out = explain(db_file, "c6").stdout
    assert "L'organisation n'a rien publié sous ce billet après la question." in out


def test_a_comment_that_asks_nothing(db_file: Path) -> None:
    out = explain(db_file, "c5").stdout
    assert "Pas une question : aucune règle de question ou de demande ne s'applique." in out


def test_every_open_question_of_a_source_oldest_first(db_file: Path) -> None:
    out = explain(db_file, "--source", "typepad", "--unanswered").stdout
    assert out.startswith("2 question(s) sans réponse pour typepad")
    assert out.index("— c4") < out.index("— c6")
    assert "— c1" not in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope"], "no item 'nope' in the warehouse"),
        ([], "give an ITEM_ID, or --source ID --unanswered"),
        (["--source", "typepad"], "add --unanswered"),
        (["--source", "nope", "--unanswered"], "no source 'nope'"),
    ],
)
def test_mistakes_are_one_line(db_file: Path, args: list[str], message: str) -> None:
    result = explain(db_file, *args)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
