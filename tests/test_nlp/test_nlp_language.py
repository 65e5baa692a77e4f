"""ecoute_language: lingua from 3 words on, function words must agree below, French favoured."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from nlp import Annotation
from nlp.components.language import vote_by_function_words


@pytest.mark.parametrize(
    "text",
    [
        "Bonjour, vous livrez le samedi ?",
        "ca marche pas",
        "c trop bien",
        "Top",
        "merci",
        "qqn sait si c ouvert dimanche",
        "NUL NUL NUL",
        "Pas mal du tout ce nouveau modèle",
    ],
)
def test_french_including_social_french_without_accents(
    annotate: Callable[[str], Annotation], text: str
) -> None:
    assert annotate(text).lang == "fr"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Do you deliver to Belgium? Thanks for your help", "en"),
        ("Hola, ¿tienen bicicletas para niños en la tienda?", "es"),
        ("Haben Sie auch Fahrräder für Kinder im Laden?", "de"),
        ("Ciao, avete delle biciclette per bambini nel negozio?", "it"),
        ("Olá, vocês têm bicicletas para crianças na loja?", "pt"),
    ],
)
def test_other_languages(annotate: Callable[[str], Annotation], text: str, lang: str) -> None:
    assert annotate(text).lang == lang


@pytest.mark.parametrize("text", ["😍😍😍", "👍", "Jean-Michel Dupont", "???", "12/05"])
def test_undetermined_without_function_words(
    annotate: Callable[[str], Annotation], text: str
) -> None:
    assert annotate(text).lang == "und"


def test_undetermined_text_still_gets_french_components(
    annotate: Callable[[str], Annotation],
) -> None:
    annotation = annotate("😍😍")
    assert annotation.lang == "und"
    assert annotation.sentiment == "positive"


def test_french_wins_a_tie() -> None:
    assert vote_by_function_words(["top"]) == "fr"  # an English stop word and a French social word


def test_weak_foreign_evidence_is_undetermined() -> None:
    assert vote_by_function_words(["no"]) == "und"  # a quarter vote each for en, es, it, pt


def test_another_language_needs_a_margin_over_french() -> None:
    # one English word among French ones does not make the comment English
    assert vote_by_function_words(["le", "the", "service", "est", "top"]) == "fr"


def test_one_or_two_foreign_looking_words_stay_french() -> None:
    # lingua alone says "ok" is Dutch and "merci" Italian; the function words do not agree
    from nlp.pipeline import build_pipeline

    detector = build_pipeline().get_pipe("ecoute_language")
    assert detector.detect("super boulot", ["super", "boulot"]) == "fr"
    assert detector.detect("thank you", ["thank", "you"]) == "en"


def test_languages_are_configurable() -> None:
    import spacy

    nlp = spacy.blank("fr")
    nlp.add_pipe("ecoute_language", config={"languages": ["fr", "en"]})
    assert nlp("Hola, ¿tienen bicicletas para niños en la tienda?")._.lang in {"fr", "en"}
    assert nlp("Do you deliver to Belgium? Thanks a lot")._.lang == "en"


def test_languages_must_include_french() -> None:
    import spacy

    with pytest.raises(ValueError, match="must include 'fr'"):
        spacy.blank("fr").add_pipe("ecoute_language", config={"languages": ["en", "de"]})
