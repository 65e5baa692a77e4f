"""Topic discovery (NMF over lemmas) and the `ecoute topics` command, on a generated corpus."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from nlp.discover import DiscoverError, ProposedTopic, discover_topics, proposals_yaml
from nlp.taxonomy import DEFAULT_TAXONOMY, Taxonomy, load_taxonomy
from warehouse import db

REPO = Path(__file__).resolve().parents[2]
ECOUTE = Path(sys.executable).parent / "ecoute"

#: Planted themes: (subjects, objects, endings) combined at random into comments.
THEMES = {
    "trottinette": (
        ["ma trottinette", "la trottinette", "cette trottinette électrique", "ma trott"],
        ["la batterie", "l'autonomie", "la batterie de la trottinette", "l'autonomie annoncée"],
        ["ne tient pas 10 km", "a lâché au bout de 3 mois", "est bien plus faible que prévu",
         "se vide en une journée", "ne charge plus du tout"],
    ),
    "parking": (
        ["le parking", "votre parking", "le parking du magasin"],
        ["aucune place de stationnement", "pas une seule place", "zéro place de stationnement",
         "le stationnement"],
        ["le samedi", "après 17h", "même en semaine", "pour les handicapés", "c'est l'enfer"],
    ),
}  # fmt: skip
OPENERS = ["", "Bonjour, ", "bjr ", "Franchement ", "Sérieusement, ", "Salut, "]
ENDINGS = ["", " !", " 😡", " svp", " merci", " ...", " mdr"]
SMALL_TALK = [
    "Bonne année à toute l'équipe", "merci pour l'accueil de samedi", "trop bien la fête hier",
    "Joyeux anniversaire Lucie", "Bravo pour vos 10 ans", "on adore votre page",
    "Belle photo", "hâte de revenir", "quelle belle journée", "je partage à mes amis",
]  # fmt: skip


def generated_corpus(seed: int = 7, per_theme: int = 30) -> list[str]:
    """Comments about the planted themes plus small talk, shuffled; same seed, same corpus."""
    rng = random.Random(seed)
    texts = []
    for subjects, objects, endings in THEMES.values():
        for _ in range(per_theme):
            link = rng.choice(["de", "pour", "avec"])
            texts.append(
                f"{rng.choice(OPENERS)}{rng.choice(objects)} {link} {rng.choice(subjects)} "
                f"{rng.choice(endings)}{rng.choice(ENDINGS)}"
            )
    texts += [
        f"{rng.choice(OPENERS)}{rng.choice(SMALL_TALK)}{rng.choice(ENDINGS)}"
        for _ in range(per_theme)
    ]
    rng.shuffle(texts)
    return texts


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_taxonomy(DEFAULT_TAXONOMY)


@pytest.fixture(scope="module")
def proposals(taxonomy: Taxonomy) -> list[ProposedTopic]:
    return discover_topics(generated_corpus(), n_topics=3, top_terms=8, taxonomy=taxonomy)


def proposal_with(proposals: list[ProposedTopic], *words: str) -> ProposedTopic:
    """The one proposal whose top lemmas include ``words``."""
    (found,) = [p for p in proposals if set(words) <= {term for term, _ in p.terms}]
    return found


def test_discover_finds_each_planted_theme(proposals: list[ProposedTopic]) -> None:
    scooter = proposal_with(proposals, "trottinette", "batterie", "autonomie")
    parking = proposal_with(proposals, "parking", "place", "stationnement")
    assert scooter is not parking
    assert scooter.size >= 20 and parking.size >= 20
    assert all("trott" in example for example in scooter.examples)
    assert len(scooter.examples) == 3
    assert [p.id for p in proposals] == ["nouveau_1", "nouveau_2", "nouveau_3"]
    assert [p.size for p in proposals] == sorted((p.size for p in proposals), reverse=True)


def test_filler_words_are_no_topic_words(proposals: list[ProposedTopic]) -> None:
    words = {term for p in proposals for term, _ in p.terms}
    assert not words & {"bjr", "bonjour", "svp", "merci", "mdr", "salut", "franchement"}


def test_a_proposal_says_what_the_taxonomy_already_covers(
    proposals: list[ProposedTopic],
) -> None:
    parking = proposal_with(proposals, "parking", "place", "stationnement")
    assert {"parking", "stationnement"} <= set(parking.known)
    assert parking.closest == "horaires_magasins"
    assert "place" in parking.new_terms and "parking" not in parking.new_terms
    scooter = proposal_with(proposals, "trottinette", "batterie", "autonomie")
    assert "trottinette" in scooter.new_terms


def test_the_same_corpus_gives_the_same_topics(
    proposals: list[ProposedTopic], taxonomy: Taxonomy
) -> None:
    again = discover_topics(generated_corpus(), n_topics=3, top_terms=8, taxonomy=taxonomy)
    assert again == proposals


def test_too_small_a_corpus_is_refused_with_the_numbers(taxonomy: Taxonomy) -> None:
    with pytest.raises(DiscoverError, match="3 topics need at least 15"):
        discover_topics(generated_corpus()[:10], n_topics=3, taxonomy=taxonomy)


def test_the_yaml_snippet_is_a_taxonomy_to_paste(
    proposals: list[ProposedTopic], tmp_path: Path
) -> None:
    path = tmp_path / "proposed.yml"
    path.write_text(proposals_yaml(proposals, 90), encoding="utf-8")
    proposed = load_taxonomy(path)
    scooter = proposal_with(proposals, "trottinette", "batterie", "autonomie")
    assert "trottinette" in proposed.topics[scooter.id].lemmas
    assert "parking" not in {lemma for t in proposed.topics.values() for lemma in t.lemmas}


# --- the command ------------------------------------------------------------------------


def ecoute(*args: str, home: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ECOUTE_")}
    return subprocess.run(
        [str(ECOUTE), *args],
        capture_output=True,
        text=True,
        env={**clean, "ECOUTE_HOME": str(home), "COLUMNS": "200", **env},
        cwd=REPO,
        timeout=300,
    )


def assert_one_line_error(proc: subprocess.CompletedProcess[str], fragment: str) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines[-1].startswith("ecoute: error:") and fragment in lines[-1], proc.stderr
    assert "Traceback" not in proc.stderr


def write_jsonl(path: Path, texts: list[str]) -> Path:
    lines = (json.dumps({"text": t, "id": n}, ensure_ascii=False) for n, t in enumerate(texts))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_discover_reads_jsonl_and_prints_a_table_and_yaml(tmp_path: Path) -> None:
    corpus = write_jsonl(tmp_path / "comments.jsonl", generated_corpus())
    proc = ecoute(
        "topics", "discover", "--in", str(corpus), "--n-topics", "3", "--yaml", home=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    table, _, snippet = proc.stdout.partition("# Proposed by")
    assert "3 proposed topic(s) in 90 comments" in table
    assert "trottinette" in table and "stationnement" in table and "horaires_magasins" in table
    (tmp_path / "proposed.yml").write_text("# Proposed by" + snippet, encoding="utf-8")
    proposed = load_taxonomy(tmp_path / "proposed.yml")
    assert list(proposed.topics) and all(t.startswith("nouveau_") for t in proposed.topics)


def test_discover_reads_the_warehouse_comments_of_the_chosen_sources(tmp_path: Path) -> None:
    path = tmp_path / "ecoute.duckdb"
    conn = db.connect(path)
    rows = [("velo", False, "2026-03-01", text) for text in generated_corpus()]
    rows += [("velo", True, "2026-03-01", "cours de zumba ce soir, zumba pour tous")] * 20
    rows += [("velo", False, "2025-01-01", "le karaoké du vendredi karaoké génial")] * 20
    rows += [("autre", False, "2026-03-01", "tournoi de pétanque au boulodrome")] * 20
    conn.executemany(
        "INSERT INTO items (item_id, source_id, kind, post_id, is_owner, published_at, text,"
        " fetched_at, content_hash) VALUES (?, ?, 'comment', 'p1', ?, ?, ?, now(), 'h')",
        [(f"{source}:{n}", source, owner, datetime.fromisoformat(day), text)
         for n, (source, owner, day, text) in enumerate(rows)],
    )  # fmt: skip
    conn.close()
    proc = ecoute(
        "topics", "discover", "--db", str(path), "--source", "velo", "--since", "2026-01-01",
        "--n-topics", "2", home=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "in 90 comments" in proc.stdout and "trottinette" in proc.stdout
    assert not any(word in proc.stdout for word in ("zumba", "karaok", "pétanque"))


def test_discover_says_when_the_corpus_is_too_small(tmp_path: Path) -> None:
    corpus = write_jsonl(tmp_path / "few.jsonl", generated_corpus()[:12])
    proc = ecoute("topics", "discover", "--in", str(corpus), home=tmp_path)
    assert_one_line_error(proc, "8 topics need at least 40 (5 per topic); ask for fewer topics")


def test_discover_rejects_a_bad_date(tmp_path: Path) -> None:
    proc = ecoute("topics", "discover", "--since", "01/03/2026", home=tmp_path)
    assert_one_line_error(proc, "--since '01/03/2026': expected a date YYYY-MM-DD")


def test_topics_list_prints_the_taxonomy_in_use(tmp_path: Path) -> None:
    proc = ecoute("topics", "list", home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert f"10 topic(s) in {DEFAULT_TAXONOMY}" in proc.stdout
    assert "horaires_magasins" in proc.stdout and "Réservation et rendez-vous" in proc.stdout


def test_topics_list_follows_ecoute_topics_and_reports_mistakes(tmp_path: Path) -> None:
    mine = tmp_path / "mine.yml"
    mine.write_text("topics:\n  velo:\n    label: Vélo\n    lemmas: [vélo]\n", encoding="utf-8")
    proc = ecoute("topics", "list", home=tmp_path, ECOUTE_TOPICS=str(mine))
    assert proc.returncode == 0 and "1 topic(s)" in proc.stdout and "velo" in proc.stdout
    mine.write_text("topics:\n  velo:\n    lemmas: [vélo]\n", encoding="utf-8")
    proc = ecoute("topics", "list", "--taxonomy", str(mine), home=tmp_path)
    assert_one_line_error(proc, f"{mine}: topic 'velo': 'label' is required")
