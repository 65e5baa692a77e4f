"""Shared text helpers: folding, the pattern language, segmentation, phrase matching."""

from __future__ import annotations

import pytest
from spacy.language import Language

from nlp.components.text import FoldedPhraseMatcher, expand, fold, fold_token, segments


def test_fold_strips_accents_case_and_curly_apostrophes() -> None:
    assert fold("Déçu, J\u2019AI ÇA Œuvre") == "decu, j'ai ca oeuvre"


def test_fold_token_drops_the_hyphen_of_an_inverted_pronoun() -> None:
    assert [fold_token(t) for t in ("-vous", "-t", "-")] == ["vous", "t", "-"]


def test_expand_choices_optionals_and_slots() -> None:
    phrases = set(expand("merci de (bien) me|nous {verb}", {"verb": ["rappeler", "aider"]}))
    assert phrases == {
        f"merci de {bien}{pronoun} {verb}"
        for bien in ("", "bien ")
        for pronoun in ("me", "nous")
        for verb in ("rappeler", "aider")
    }


def test_expand_glues_an_elision_to_the_next_word() -> None:
    assert list(expand("merci de m' aider", {})) == ["merci de m'aider"]


@pytest.mark.parametrize(
    ("text", "end"), [("Est-il possible", 2), ("est-il possible", 3), ("est il possible", 3)]
)
def test_phrase_matcher_ignores_case_and_hyphens(pipeline: Language, text: str, end: int) -> None:
    # the tokenizer keeps "Est-il" whole but splits "est-il": both match
    matcher = FoldedPhraseMatcher(pipeline, {"request": ["est-il possible"]})
    assert matcher(pipeline.make_doc(text)) == [("request", 0, end)]


def test_phrase_matcher_ignores_accents(pipeline: Language) -> None:
    matcher = FoldedPhraseMatcher(pipeline, {"sad": ["déçu"]})
    assert matcher(pipeline.make_doc("trop decu")) == [("sad", 1, 2)]


def test_phrase_matcher_reads_digits_as_hash(pipeline: Language) -> None:
    matcher = FoldedPhraseMatcher(pipeline, {"wait": ["depuis # jours"]})
    assert matcher(pipeline.make_doc("j'attends depuis 12 jours")) == [("wait", 2, 5)]


def test_segments_cut_after_question_marks_and_at_newlines(pipeline: Language) -> None:
    doc = pipeline("Super boutique!! vous livrez ?? merci\nA bientot")
    assert [s.text for s in segments(doc)] == [
        "Super boutique!!",
        "vous livrez ??",
        "merci",
        "A bientot",
    ]


def test_segments_do_not_cut_short_unpunctuated_pieces(pipeline: Language) -> None:
    assert [s.text for s in segments(pipeline("qqn sait si c ouvert"))] == ["qqn sait si c ouvert"]
