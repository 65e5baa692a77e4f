"""ecoute_sentiment: the lexicon's rules one per test (model off), then the combined model."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from nlp import Annotation


def score(annotate_lexicon: Callable[[str], Annotation], text: str) -> float:
    return annotate_lexicon(text).sentiment_score


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
    annotate_lexicon: Callable[[str], Annotation], text: str, label: str
) -> None:
    assert annotate_lexicon(text).sentiment == label


def test_merci_is_mildly_positive(annotate_lexicon: Callable[[str], Annotation]) -> None:
    assert 0 < score(annotate_lexicon, "merci") < score(annotate_lexicon, "top")


def test_merci_in_a_question_is_politeness(annotate_lexicon: Callable[[str], Annotation]) -> None:
    assert annotate_lexicon("Vous ouvrez dimanche ? Merci").sentiment == "neutral"


def test_merci_de_is_a_request_not_thanks(annotate_lexicon: Callable[[str], Annotation]) -> None:
    assert annotate_lexicon("Merci de me rappeler").sentiment == "neutral"


@pytest.mark.parametrize(
    "text", ["ce n'est pas bien", "pas top", "c'est pas génial", "jamais satisfait"]
)
def test_negation_flips_a_positive_word(
    annotate_lexicon: Callable[[str], Annotation], text: str
) -> None:
    assert annotate_lexicon(text).sentiment == "negative"


@pytest.mark.parametrize(
    ("text", "word"), [("pas cher", "cher"), ("sans problème", "problème"), ("jamais déçu", "déçu")]
)
def test_negation_turns_a_negative_word_mildly_positive(
    annotate_lexicon: Callable[[str], Annotation], text: str, word: str
) -> None:
    assert 0 < score(annotate_lexicon, text) < -score(annotate_lexicon, word)


@pytest.mark.parametrize("text", ["ça marche pas", "ca marche plus", "j'aime pas trop"])
def test_negation_after_the_verb_without_ne(
    annotate_lexicon: Callable[[str], Annotation], text: str
) -> None:
    assert annotate_lexicon(text).sentiment == "negative"


@pytest.mark.parametrize("text", ["jamais reçu ma commande", "personne ne répond"])
def test_expected_event_that_did_not_happen_is_negative(
    annotate_lexicon: Callable[[str], Annotation], text: str
) -> None:
    assert annotate_lexicon(text).sentiment == "negative"


def test_received_alone_is_neutral(annotate_lexicon: Callable[[str], Annotation]) -> None:
    assert annotate_lexicon("colis reçu ce matin").sentiment == "neutral"


def test_pas_terrible_is_negative(annotate_lexicon: Callable[[str], Annotation]) -> None:
    assert annotate_lexicon("pas terrible").sentiment == "negative"


@pytest.mark.parametrize("text", ["ce n'est pas terrible", "je n'ai pas de nouvelles"])
def test_phrase_with_its_own_negation_is_not_negated_again(
    annotate_lexicon: Callable[[str], Annotation], text: str
) -> None:
    assert annotate_lexicon(text).sentiment == "negative"


def test_pas_mal_is_positive_but_less_than_top(
    annotate_lexicon: Callable[[str], Annotation],
) -> None:
    assert 0 < score(annotate_lexicon, "pas mal") < score(annotate_lexicon, "top")


@pytest.mark.parametrize("intensifier", ["très", "tres", "trop", "vraiment", "super"])
def test_intensifier_raises_the_score(
    annotate_lexicon: Callable[[str], Annotation], intensifier: str
) -> None:
    assert score(annotate_lexicon, f"{intensifier} bien") > score(annotate_lexicon, "bien") > 0


def test_exclamation_marks_amplify(annotate_lexicon: Callable[[str], Annotation]) -> None:
    assert score(annotate_lexicon, "décevant !!!") < score(annotate_lexicon, "décevant") < 0


def test_capitals_amplify(annotate_lexicon: Callable[[str], Annotation]) -> None:
    assert score(annotate_lexicon, "service NUL") < score(annotate_lexicon, "service nul") < 0


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
def test_emojis(annotate_lexicon: Callable[[str], Annotation], emoji: str, label: str) -> None:
    assert annotate_lexicon(f"livraison {emoji}").sentiment == label


def test_laughing_emoji_is_mildly_positive(annotate_lexicon: Callable[[str], Annotation]) -> None:
    assert 0 < score(annotate_lexicon, "😂") < score(annotate_lexicon, "😍")


def test_what_follows_mais_weighs_more(annotate_lexicon: Callable[[str], Annotation]) -> None:
    assert annotate_lexicon("Produit correct mais livraison catastrophique").sentiment == "negative"
    assert annotate_lexicon("Livraison un peu lente mais vélo génial").sentiment == "positive"


def test_question_without_polar_words_is_neutral(
    annotate_lexicon: Callable[[str], Annotation],
) -> None:
    annotation = annotate_lexicon("Vous livrez en Belgique ?")
    assert (annotation.sentiment, annotation.sentiment_score) == ("neutral", 0.0)


def test_score_stays_within_bounds(annotate_lexicon: Callable[[str], Annotation]) -> None:
    assert score(annotate_lexicon, "GÉNIAL GÉNIAL TOP TOP 😍😍😍😍 !!!!") <= 1.0
    assert score(annotate_lexicon, "NUL ARNAQUE HONTEUX 😡😡😡😡 !!!!") >= -1.0


@pytest.mark.parametrize(
    "text",
    [
        "Rendez-vous annulé par SMS une heure avant. Génial 🙄",
        "Colis arrivé cassé. Super.",
        "Bravo, encore fermé 🙄",
    ],
)
def test_sarcastic_praise_counts_against(
    annotate_lexicon: Callable[[str], Annotation], text: str
) -> None:
    assert annotate_lexicon(text).sentiment == "negative"


def test_praise_without_complaint_stays_praise(
    annotate_lexicon: Callable[[str], Annotation],
) -> None:
    assert annotate_lexicon("Génial, merci pour l'accueil").sentiment == "positive"


# The combined model (lexicon features + n-grams, trained on the dev rows).


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Service client inexistant, trois mails sans réponse", "negative"),
        ("Trop bien reçus, merci à toute l'équipe 😍", "positive"),
        ("Vous ouvrez à quelle heure samedi ?", "neutral"),
    ],
)
def test_model_labels_clear_cases(
    annotate: Callable[[str], Annotation], text: str, label: str
) -> None:
    assert annotate(text).sentiment == label


def test_model_score_is_a_probability_difference(annotate: Callable[[str], Annotation]) -> None:
    positive = annotate("Super accueil, je recommande 👍").sentiment_score
    negative = annotate("Arnaque, plus jamais chez vous 😡").sentiment_score
    assert -1.0 <= negative < 0 < positive <= 1.0


def test_model_skips_other_languages(annotate: Callable[[str], Annotation]) -> None:
    annotation = annotate("Terrible service, never again!")
    assert annotation.lang == "en"
    assert (annotation.sentiment, annotation.sentiment_score) == ("neutral", 0.0)
