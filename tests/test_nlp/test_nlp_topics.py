"""ecoute_topics: the YAML taxonomy, matched on lemmas, folded forms and base forms."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc

from nlp import Annotation
from nlp.components.inflection import base_forms
from nlp.taxonomy import (
    DEFAULT_TAXONOMY,
    TaxonomyError,
    load_taxonomy,
    resolve_taxonomy_path,
    taxonomy_fingerprint,
)
from nlp.version import MODEL

AGREED_IDS = [
    "prix",
    "livraison",
    "sav_garantie",
    "qualite_produit",
    "commande_paiement",
    "horaires_magasins",
    "service_client",
    "recrutement",
    "site_appli",
    "reservation_rdv",
]
CUSTOM = """\
topics:
  mobilite:
    label: Mobilité
    lemmas: [trottinette, batterie]
    phrases: [borne de recharge]
"""


# --- the default taxonomy ---------------------------------------------------------------


def test_the_default_taxonomy_has_the_agreed_ids_in_order() -> None:
    taxonomy = load_taxonomy(DEFAULT_TAXONOMY)
    assert list(taxonomy.topics) == AGREED_IDS
    assert all(topic.label and topic.description for topic in taxonomy.topics.values())


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("c'est hors de prix", "prix"),
        ("les tarifs ont encore augmenté", "prix"),
        ("il y a une promo ce week-end ?", "prix"),
        ("Vous livrez en Belgique ?", "livraison"),
        ("colis toujours pas arrivé", "livraison"),
        ("retrait en magasin possible ?", "livraison"),
        ("le SAV ne répond pas", "sav_garantie"),
        ("toujours pas remboursé", "sav_garantie"),
        ("c'est encore sous garantie ?", "sav_garantie"),
        ("la qualité a bien baissé", "qualite_produit"),
        ("reçu cassé", "qualite_produit"),
        ("le pain n'était pas frais", "qualite_produit"),
        ("j'ai commandé un casque", "commande_paiement"),
        ("paiement en 3 fois possible ?", "commande_paiement"),
        ("vous prenez les cheques ?", "commande_paiement"),
        ("vos horaires svp", "horaires_magasins"),
        ("c'est ouvert dimanche ?", "horaires_magasins"),
        ("il y a un parking pour se garer ?", "horaires_magasins"),
        ("personne ne répond au téléphone", "service_client"),
        ("vendeuse très aimable", "service_client"),
        ("vous recrutez des apprentis ?", "recrutement"),
        ("je cherche une alternance", "recrutement"),
        ("l'appli bug depuis la mise à jour", "site_appli"),
        ("mot de passe oublié", "site_appli"),
        ("réserver une table pour 4", "reservation_rdv"),
        ("rdv pris pour mardi", "reservation_rdv"),
    ],
)
def test_default_topics(annotate: Callable[[str], Annotation], text: str, topic: str) -> None:
    assert topic in annotate(text).topics


@pytest.mark.parametrize(
    "text",
    [
        "colis livrée hier",
        "les livraisons sont lentes",
        "il faut livrer plus vite",
        "toujours pas livré",
        "vous livrez le samedi ?",
        "commande livree en retard",
        "commande pas livre",
        "ils livraient avant",
    ],
)
def test_every_form_of_livrer_hits_livraison(
    annotate: Callable[[str], Annotation], text: str
) -> None:
    assert "livraison" in annotate(text).topics


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("les tarifs sont abusés", "prix"),
        ("paiement par cheque", "commande_paiement"),
        ("reservation annulee sans prevenir", "reservation_rdv"),
        ("c ferme le lundi ?", "horaires_magasins"),
        ("enfin reouvert", "horaires_magasins"),
        ("la qualite est top", "qualite_produit"),
        ("j'ai ete rembourse", "sav_garantie"),
        ("VOUS RECRUTEZ ??", "recrutement"),
    ],
)
def test_missing_accents_and_capitals_still_match(
    annotate: Callable[[str], Annotation], text: str, topic: str
) -> None:
    """fr_core_news_sm lemmatizes "reouvert", "cassee", "recrute" wrongly: base forms help."""
    assert topic in annotate(text).topics


def test_a_phrase_matches_with_other_inflections(pipeline: Language) -> None:
    doc = pipeline("les frais de port sont offerts et les délais de livraison corrects")
    assert doc._.topic_evidence["prix"] == ["frais de port"]
    assert doc._.topic_evidence["livraison"] == ["frais de port", "livraison"]


@pytest.mark.parametrize("text", ["prendre rendez-vous", "on prend rendez vous lundi"])
def test_hyphens_do_not_matter(annotate: Callable[[str], Annotation], text: str) -> None:
    assert annotate(text).topics == ["reservation_rdv"]


def test_a_number_in_a_phrase_matches_any_digits(pipeline: Language) -> None:
    assert "en 10 fois" in pipeline("paiement en 10 fois ?")._.topic_evidence["commande_paiement"]


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("je vous livre mon avis : top", "livraison"),
        ("le livre est génial", "livraison"),
        ("ça n'a pas de prix", "prix"),
        ("Chers clients, bonne année", "prix"),
        ("prix cassés sur tout le magasin", "qualite_produit"),
        ("je m'appelle Julie", "service_client"),
        ("adresse mail invalide", "horaires_magasins"),
    ],
)
def test_excludes_and_nouns_cancel_a_word(
    annotate: Callable[[str], Annotation], text: str, topic: str
) -> None:
    assert topic not in annotate(text).topics


def test_several_topics_in_taxonomy_order(annotate: Callable[[str], Annotation]) -> None:
    topics = annotate("Livraison rapide mais prix trop élevé et SAV injoignable").topics
    assert topics == ["prix", "livraison", "sav_garantie", "service_client"]


def test_evidence_keeps_the_words_of_each_topic(pipeline: Language) -> None:
    doc = pipeline("Colis livrée en retard et trop cher !!")
    assert doc._.topics == ["prix", "livraison"]
    assert doc._.topic_evidence == {"prix": ["cher"], "livraison": ["Colis", "livrée"]}


def test_evidence_keeps_the_longest_match(pipeline: Language) -> None:
    assert pipeline("livré en point relais")._.topic_evidence["livraison"] == [
        "livré",
        "point relais",
    ]


def test_no_topic_in_small_talk(pipeline: Language) -> None:
    doc = pipeline("Bonne année à toute l'équipe 🎉")
    assert (doc._.topics, doc._.topic_evidence) == ([], {})


def test_non_french_comments_get_no_topic(pipeline: Language) -> None:
    doc = pipeline("Do you deliver to Belgium? The prices are terrible!")
    assert doc._.lang == "en"
    assert (doc._.topics, doc._.topic_evidence) == ([], {})


def test_base_forms_leave_verbs_out_after_a_determiner() -> None:
    assert "livrer" in base_forms("livree")
    assert "livrer" in base_forms("livre")
    assert "livrer" not in base_forms("livre", verbs=False)
    assert "reouvrir" in base_forms("reouvert")


# --- another taxonomy -------------------------------------------------------------------


@pytest.fixture(scope="module")
def base() -> Language:
    """The model and the language component, without topics: each test adds its own."""
    nlp = spacy.load(MODEL, exclude=["ner", "parser"])
    nlp.add_pipe("ecoute_language")
    return nlp


@pytest.fixture
def with_topics(base: Language) -> Iterator[Callable[..., Language]]:
    """Add ``ecoute_topics`` with a given config to ``base``; removed after the test."""

    def add(**config: str) -> Language:
        base.add_pipe("ecoute_topics", config=config)
        return base

    yield add
    if "ecoute_topics" in base.pipe_names:
        base.remove_pipe("ecoute_topics")


def topics_of(nlp: Language, text: str) -> list[str]:
    doc: Doc = nlp(text)
    return doc._.topics


def test_a_taxonomy_given_in_the_factory_config(
    with_topics: Callable[..., Language], tmp_path: Path
) -> None:
    path = tmp_path / "mine.yml"
    path.write_text(CUSTOM, encoding="utf-8")
    nlp = with_topics(taxonomy=str(path))
    assert topics_of(nlp, "la batterie de ma trottinette ne tient pas la journée") == ["mobilite"]
    assert topics_of(nlp, "une borne de recharge svp") == ["mobilite"]
    assert topics_of(nlp, "vous livrez le samedi ?") == []


def test_a_word_counts_as_written_and_by_its_dictionary_form(
    with_topics: Callable[..., Language], tmp_path: Path
) -> None:
    path = tmp_path / "mine.yml"
    path.write_text(
        "topics:\n"
        "  horaires:\n    label: Horaires\n    lemmas: [ouvrir]\n"
        "  emballage:\n    label: Emballage\n    phrases: [colis ouvert]\n",
        encoding="utf-8",
    )
    nlp = with_topics(taxonomy=str(path))
    assert topics_of(nlp, "colis ouvert à la livraison") == ["horaires", "emballage"]
    assert topics_of(nlp, "vous ouvrez demain ?") == ["horaires"]


def test_a_taxonomy_named_by_ecoute_topics(
    with_topics: Callable[..., Language], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "mine.yml"
    path.write_text(CUSTOM, encoding="utf-8")
    monkeypatch.setenv("ECOUTE_TOPICS", str(path))
    assert topics_of(with_topics(), "des batteries neuves") == ["mobilite"]


def test_the_factory_refuses_a_broken_taxonomy(
    with_topics: Callable[..., Language], tmp_path: Path
) -> None:
    path = tmp_path / "broken.yml"
    path.write_text("topics:\n  mobilite:\n    lemmas: [trottinette]\n", encoding="utf-8")
    with pytest.raises(TaxonomyError, match="topic 'mobilite': 'label' is required"):
        with_topics(taxonomy=str(path))


def test_explicit_path_beats_the_environment_which_beats_the_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ECOUTE_TOPICS", raising=False)
    assert resolve_taxonomy_path(None) == DEFAULT_TAXONOMY
    monkeypatch.setenv("ECOUTE_TOPICS", "/env/topics.yml")
    assert resolve_taxonomy_path(None) == Path("/env/topics.yml")
    assert resolve_taxonomy_path("/mine.yml") == Path("/mine.yml")


def test_the_fingerprint_changes_with_the_file(tmp_path: Path) -> None:
    path = tmp_path / "topics.yml"
    path.write_text(CUSTOM, encoding="utf-8")
    before = taxonomy_fingerprint(path)
    assert before == taxonomy_fingerprint(path) and len(before) == 12
    path.write_text(CUSTOM.replace("batterie", "batterie, recharge"), encoding="utf-8")
    assert taxonomy_fingerprint(path) != before


# --- mistakes in the file ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("topic", "problem"),
    [
        ("    lemmas: [prix]\n", "'label' is required"),
        ("    label: Prix\n", "at least one entry under 'lemmas' or 'phrases'"),
        ("    label: Prix\n    lemmas: [frais de port]\n", "lemma 'frais de port' has several"),
        ("    label: Prix\n    phrases: [cher]\n", "phrase 'cher' is one word"),
        ("    label: Prix\n    phrases:\n      - en # fois\n", "phrase 'en' is one word"),
        ("    label: Prix\n    lemmas: prix\n", "'lemmas' must be a list"),
        ("    label: Prix\n    lemmas: [on]\n", "not text: True (put it in quotes)"),
        ("    label: Prix\n    lemma: [prix]\n", "unknown key 'lemma'"),
        ("    label: Prix\n    phrases: ['{slot} de port']\n", "phrase '{slot} de port'"),
    ],
)
def test_a_bad_topic_is_one_line_naming_file_and_topic(
    tmp_path: Path, topic: str, problem: str
) -> None:
    path = tmp_path / "topics.yml"
    path.write_text(f"topics:\n  tarifs:\n{topic}", encoding="utf-8")
    with pytest.raises(TaxonomyError) as caught:
        load_taxonomy(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: topic 'tarifs': ") and "\n" not in message
    assert problem in message


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("topics:\n  prix:\n    label: [Prix\n", "not valid YAML at line"),
        ("prix:\n  label: Prix\n", "expected one top-level key 'topics:'"),
        ("topics:\n  Prix:\n    label: Prix\n    lemmas: [prix]\n", "topic 'Prix': ids are"),
        ("topics:\n  a:\n    label: A\n  a:\n    label: B\n", "'a' is given twice"),
    ],
)
def test_a_bad_file_is_one_line_naming_it(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "topics.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TaxonomyError) as caught:
        load_taxonomy(path)
    assert str(caught.value).startswith(f"{path}: ") and problem in str(caught.value)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(TaxonomyError, match=r"nope\.yml: cannot read the taxonomy"):
        load_taxonomy(tmp_path / "nope.yml")
