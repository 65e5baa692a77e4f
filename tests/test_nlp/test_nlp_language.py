"""ecoute_language: function-word coverage, French favoured, "und" without evidence."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from nlp import Annotation
from nlp.components.language import detect_language


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
    assert detect_language(["top"]) == "fr"  # an English stop word and a French social word


def test_weak_foreign_evidence_is_undetermined() -> None:
    assert detect_language(["no"]) == "und"  # a quarter vote each for en, es, it, pt


def test_another_language_needs_a_margin_over_french() -> None:
    # one English word among French ones does not make the comment English
    assert detect_language(["le", "the", "service", "est", "top"]) == "fr"
