"""ecoute_sentiment: one behaviour per test, then the labelled set."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from nlp import Annotation


def score(annotate: Callable[[str], Annotation], text: str) -> float:
    return annotate(text).sentiment_score


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("top", "positive"),
        ("nickel", "positive"),
        ("génial", "positive"),
        ("genial", "positive"),
        ("bravo", "positive"),
        ("bof", "negative"),
        ("nul", "negative"),
        ("arnaque", "negative"),
        ("déçu", "negative"),
        ("decu", "negative"),
        ("honteux", "negative"),
    ],
)
def test_social_words_with_and_without_accents(
    annotate: Callable[[str], Annotation], text: str, label: str
) -> None:
    assert annotate(text).sentiment == label


def test_merci_is_mildly_positive(annotate: Callable[[str], Annotation]) -> None:
    assert 0 < score(annotate, "merci") < score(annotate, "top")


def test_merci_in_a_question_is_politeness(annotate: Callable[[str], Annotation]) -> None:
    assert annotate("Vous ouvrez dimanche ? Merci").sentiment == "neutral"


def test_merci_de_is_a_request_not_thanks(annotate: Callable[[str], Annotation]) -> None:
    assert annotate("Merci de me rappeler").sentiment == "neutral"


@pytest.mark.parametrize(
    "text", ["ce n'est pas bien", "pas top", "c'est pas génial", "jamais satisfait"]
)
def test_negation_flips_a_positive_word(annotate: Callable[[str], Annotation], text: str) -> None:
    assert annotate(text).sentiment == "negative"


@pytest.mark.parametrize(
    ("text", "word"), [("pas cher", "cher"), ("sans problème", "problème"), ("jamais déçu", "déçu")]
)
def test_negation_turns_a_negative_word_mildly_positive(
    annotate: Callable[[str], Annotation], text: str, word: str
) -> None:
    assert 0 < score(annotate, text) < -score(annotate, word)


@pytest.mark.parametrize("text", ["ça marche pas", "ca marche plus", "j'aime pas trop"])
def test_negation_after_the_verb_without_ne(
    annotate: Callable[[str], Annotation], text: str
) -> None:
    assert annotate(text).sentiment == "negative"


@pytest.mark.parametrize("text", ["jamais reçu ma commande", "personne ne répond"])
def test_expected_event_that_did_not_happen_is_negative(
    annotate: Callable[[str], Annotation], text: str
) -> None:
    assert annotate(text).sentiment == "negative"


def test_received_alone_is_neutral(annotate: Callable[[str], Annotation]) -> None:
    assert annotate("colis reçu ce matin").sentiment == "neutral"


def test_pas_terrible_is_negative(annotate: Callable[[str], Annotation]) -> None:
    assert annotate("pas terrible").sentiment == "negative"


@pytest.mark.parametrize("text", ["ce n'est pas terrible", "je n'ai pas de nouvelles"])
def test_phrase_with_its_own_negation_is_not_negated_again(
    annotate: Callable[[str], Annotation], text: str
) -> None:
    assert annotate(text).sentiment == "negative"


def test_pas_mal_is_positive_but_less_than_top(annotate: Callable[[str], Annotation]) -> None:
    assert 0 < score(annotate, "pas mal") < score(annotate, "top")


@pytest.mark.parametrize("intensifier", ["très", "tres", "trop", "vraiment", "super"])
def test_intensifier_raises_the_score(
    annotate: Callable[[str], Annotation], intensifier: str
) -> None:
    assert score(annotate, f"{intensifier} bien") > score(annotate, "bien") > 0


def test_exclamation_marks_amplify(annotate: Callable[[str], Annotation]) -> None:
    assert score(annotate, "décevant !!!") < score(annotate, "décevant") < 0


def test_capitals_amplify(annotate: Callable[[str], Annotation]) -> None:
    assert score(annotate, "service NUL") < score(annotate, "service nul") < 0


@pytest.mark.parametrize(
    ("emoji", "label"),
    [
        ("😍", "positive"),
        ("👍", "positive"),
        ("🙏", "positive"),
        ("❤️", "positive"),
        ("<3", "positive"),
        ("😡", "negative"),
        ("👎", "negative"),
        ("😤", "negative"),
        ("😞", "negative"),
    ],
)
def test_emojis(annotate: Callable[[str], Annotation], emoji: str, label: str) -> None:
    assert annotate(f"livraison {emoji}").sentiment == label


def test_laughing_emoji_is_mildly_positive(annotate: Callable[[str], Annotation]) -> None:
    assert 0 < score(annotate, "😂") < score(annotate, "😍")


def test_what_follows_mais_weighs_more(annotate: Callable[[str], Annotation]) -> None:
    assert annotate("Produit correct mais livraison catastrophique").sentiment == "negative"
    assert annotate("Livraison un peu lente mais vélo génial").sentiment == "positive"


def test_question_without_polar_words_is_neutral(annotate: Callable[[str], Annotation]) -> None:
    annotation = annotate("Vous livrez en Belgique ?")
    assert (annotation.sentiment, annotation.sentiment_score) == ("neutral", 0.0)


def test_score_stays_within_bounds(annotate: Callable[[str], Annotation]) -> None:
    assert score(annotate, "GÉNIAL GÉNIAL TOP TOP 😍😍😍😍 !!!!") <= 1.0
    assert score(annotate, "NUL ARNAQUE HONTEUX 😡😡😡😡 !!!!") >= -1.0
