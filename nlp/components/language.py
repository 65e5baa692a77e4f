"""ecoute_language: which language a comment is written in, without any extra model.

Why a heuristic: v0 must not download anything, and the comments we read are French
with the odd English, Spanish, German, Italian or Portuguese one. Function words give
that away: each word votes for the languages whose spaCy stop-word list holds it (a word
shared by k lists gives 1/k to each). French wins ties, and another language must beat
French by a margin, because a French comment wrongly skipped is worse than a foreign one
wrongly read. No function word at all (emoji-only, a name) gives "und".
"""

from __future__ import annotations

from collections.abc import Iterable

from spacy.lang.de.stop_words import STOP_WORDS as DE
from spacy.lang.en.stop_words import STOP_WORDS as EN
from spacy.lang.es.stop_words import STOP_WORDS as ES
from spacy.lang.fr.stop_words import STOP_WORDS as FR
from spacy.lang.it.stop_words import STOP_WORDS as IT
from spacy.lang.pt.stop_words import STOP_WORDS as PT
from spacy.language import Language
from spacy.tokens import Doc

from nlp.components.text import fold, fold_token, has_alnum
from nlp.lexicons.language import FRENCH_MARKERS

#: Languages for which the French components (questions, sentiment, topics) run.
FRENCH_LIKE: frozenset[str] = frozenset({"fr", "und"})

_STOP_WORDS: dict[str, frozenset[str]] = {
    lang: frozenset(fold(word) for word in words)
    for lang, words in (
        ("fr", FR | FRENCH_MARKERS),
        ("en", EN),
        ("es", ES),
        ("de", DE),
        ("it", IT),
        ("pt", PT),
    )
}
#: Another language needs this many more votes than French (at least one whole word) ...
_MARGIN_WORDS = 1.0
#: ... or this share of the words, whichever is larger.
_MARGIN_SHARE = 0.1

Doc.set_extension("lang", default="und", force=True)


def detect_language(words: Iterable[str]) -> str:
    """ISO 639-1 code of the folded ``words`` ("fr", "en", ...) or "und" without evidence."""
    scores = dict.fromkeys(_STOP_WORDS, 0.0)
    n_words = 0
    for word in words:
        n_words += 1
        langs = [lang for lang, stop_words in _STOP_WORDS.items() if word in stop_words]
        for lang in langs:
            scores[lang] += 1 / len(langs)
    best = max(scores, key=scores.__getitem__)  # first maximum: "fr" on a tie
    if scores[best] == 0:
        return "und"
    if best == "fr" or scores[best] - scores["fr"] >= max(_MARGIN_WORDS, _MARGIN_SHARE * n_words):
        return best
    return "fr" if scores["fr"] > 0 else "und"


class LanguageDetector:
    """Sets ``doc._.lang`` from the words of the doc (URLs and e-mails left out)."""

    def __call__(self, doc: Doc) -> Doc:
        doc._.lang = detect_language(
            fold_token(token.text)
            for token in doc
            if has_alnum(token) and not (token.like_url or token.like_email)
        )
        return doc


@Language.factory("ecoute_language", assigns=["doc._.lang"])
def make_language_detector(nlp: Language, name: str) -> LanguageDetector:
    """spaCy factory: ``nlp.add_pipe("ecoute_language")``."""
    return LanguageDetector()
