"""ecoute_language: which language a comment is written in.

Two opinions, because comments are short and mostly French:

- lingua (``lingua-language-detector``; its n-gram models ship inside the PyPI wheel, nothing
  is downloaded) scores the languages we expect on the letters of the text. It is the
  better judge from three words on, and knows unaccented French ("ca marche pas");
- function words: each word votes for the languages whose spaCy stop-word list holds it
  (1/k each when k lists share it), plus a few French social words ("svp", "qqn", "c").

On one or two words lingua guesses ("ok" looks Dutch, "merci" Italian), so a short
comment only leaves French when its function words agree or lingua is sure of another
language and gives French next to nothing ("buonissimo", "highly recommended"). Function
words that beat lingua's language by a whole word overrule it ("Ya du parking ?", "la
batterie de ma trottinette est morte" is not Italian).
A French comment wrongly skipped is worse than a foreign one wrongly read, so another
language must also beat French by a margin. A comment without a single letter (emojis,
"???", "12/05") is "und", and so is a short one of names only; French components run on
"und" too.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence

from lingua import IsoCode639_1, LanguageDetectorBuilder
from spacy.lang.de.stop_words import STOP_WORDS as DE
from spacy.lang.en.stop_words import STOP_WORDS as EN
from spacy.lang.es.stop_words import STOP_WORDS as ES
from spacy.lang.fr.stop_words import STOP_WORDS as FR
from spacy.lang.it.stop_words import STOP_WORDS as IT
from spacy.lang.nl.stop_words import STOP_WORDS as NL
from spacy.lang.pt.stop_words import STOP_WORDS as PT
from spacy.language import Language
from spacy.tokens import Doc

from nlp.components.text import fold, fold_token
from nlp.lexicons.language import FRENCH_MARKERS

#: Languages for which the French components (questions, sentiment, topics) run.
FRENCH_LIKE: frozenset[str] = frozenset({"fr", "und"})
#: The languages a comment may be tagged with (besides "und"), French first.
LANGUAGES: tuple[str, ...] = ("fr", "en", "es", "de", "it", "pt", "nl")

_STOP_WORDS: dict[str, frozenset[str]] = {
    lang: frozenset(fold(word) for word in words)
    for lang, words in (
        ("fr", FR | FRENCH_MARKERS),
        ("en", EN),
        ("es", ES),
        ("de", DE),
        ("it", IT),
        ("pt", PT),
        ("nl", NL),
    )
}
#: Function words: another language needs this many more votes than French ...
_MARGIN_WORDS = 1.0
#: ... or this share of the words, whichever is larger.
_MARGIN_SHARE = 0.1

#: From ``min_words`` words on, function words that beat lingua's language by this many
#: votes overrule it.
_OVERRULE = 1.0
#: A text of one or two words, without function words, leaves French only when lingua gives
#: its language at least this confidence and French at most the next one.
_SHORT_SURE = 0.5
_SHORT_FRENCH_AT_MOST = 0.05

Doc.set_extension("lang", default="und", force=True)


@functools.lru_cache(maxsize=1 << 16)
def _stop_word_languages(word: str) -> tuple[str, ...]:
    """The languages whose stop-word list holds the folded ``word``."""
    return tuple(lang for lang, stop_words in _STOP_WORDS.items() if word in stop_words)


def function_word_votes(words: Iterable[str]) -> dict[str, float]:
    """Votes per language of the folded ``words`` (a word in k stop-word lists gives 1/k)."""
    scores = dict.fromkeys(_STOP_WORDS, 0.0)
    for word in words:
        langs = _stop_word_languages(word)
        for lang in langs:
            scores[lang] += 1 / len(langs)
    return scores


def vote_by_function_words(words: Sequence[str]) -> str:
    """ISO 639-1 code that the folded ``words``' function words point to, or "und"."""
    scores = function_word_votes(words)
    n_words = len(words)
    best = max(scores, key=scores.__getitem__)  # first maximum: "fr" on a tie
    if scores[best] == 0:
        return "und"
    if best == "fr" or scores[best] - scores["fr"] >= max(_MARGIN_WORDS, _MARGIN_SHARE * n_words):
        return best
    return "fr" if scores["fr"] > 0 else "und"


def _french_by_a_word(votes: dict[str, float]) -> bool:
    """French function words beat every other language's by a whole word.

    From ``min_words`` words on, that makes the comment French whatever lingua says (its
    language is outvoted by a word, or it is French): lingua, most of the cost of this
    component, is skipped for most French comments.
    """
    others = max(score for lang, score in votes.items() if lang != "fr")
    return votes["fr"] - others >= _OVERRULE


def _names_only(text: str) -> bool:
    """ "Jean-Michel Dupont": every word capitalised, none all capitals."""
    words = text.split()
    return all(word[:1].isupper() and not word.isupper() for word in words)


class LanguageDetector:
    """Sets ``doc._.lang`` from the words of the doc (URLs, e-mails, @names, #tags left out).

    ``min_words``: from this many words on, lingua decides alone (French still needs to be
    beaten by ``margin`` in lingua's confidence); below, lingua and the function words
    must agree on the other language.
    """

    def __init__(self, languages: Sequence[str], min_words: int, margin: float) -> None:
        if "fr" not in languages:
            raise ValueError("ecoute_language: 'languages' must include 'fr'")
        self.languages = tuple(languages)
        self.min_words = min_words
        self.margin = margin
        self._lingua = (
            LanguageDetectorBuilder.from_iso_codes_639_1(
                *(IsoCode639_1.from_str(code) for code in self.languages)
            )
            .with_preloaded_language_models()
            .build()
        )

    def __call__(self, doc: Doc) -> Doc:
        words = [
            token.text
            for token in doc
            if any(char.isalpha() for char in token.text)
            and not (token.like_url or token.like_email or token.text[0] in "@#")
        ]
        folded = [part for word in words for part in fold_token(word).split("-") if part]
        n_words = sum(1 for word in words if not word.startswith("-"))  # "a -t -il": 1
        doc._.lang = self.detect(" ".join(words), folded, n_words)
        return doc

    def detect(self, text: str, folded_words: Sequence[str], n_words: int | None = None) -> str:
        """The language of ``text`` (its words, space-separated) of folded ``folded_words``."""
        if not folded_words:
            return "und"
        n_words = n_words or len(text.split())
        votes = function_word_votes(folded_words)
        if n_words >= self.min_words and _french_by_a_word(votes):
            return "fr"  # what the function-word rule below gives whatever lingua says
        by_words = vote_by_function_words(folded_words)
        confidence = {
            value.language.iso_code_639_1.name.lower(): value.value
            for value in self._lingua.compute_language_confidence_values(text)
        }
        best = max(confidence, key=confidence.__getitem__)
        beats_french = best != "fr" and confidence[best] - confidence["fr"] >= self.margin
        if n_words >= self.min_words:
            if by_words in self.languages and votes[by_words] - votes.get(best, 0) >= _OVERRULE:
                return by_words  # "Ya du parking ?": lingua says English, "du" says French
            return best if beats_french else "fr"
        if best == "fr" and not (by_words == "und" and _names_only(text)):
            return "fr"
        if beats_french and (by_words == best or self._sure(confidence[best], confidence["fr"])):
            return best
        return "und" if by_words == "und" else "fr"  # "und": a name, a word lingua can't place

    @staticmethod
    def _sure(best: float, french: float) -> bool:
        """lingua is sure enough of a short text without function words ("buonissimo")."""
        return best >= _SHORT_SURE and french <= _SHORT_FRENCH_AT_MOST

    def to_disk(self, path: object, *, exclude: Iterable[str] = ()) -> None:
        """Nothing to save: the settings are in the pipeline config."""

    def from_disk(self, path: object, *, exclude: Iterable[str] = ()) -> LanguageDetector:
        return self


@Language.factory(
    "ecoute_language",
    assigns=["doc._.lang"],
    default_config={"languages": list(LANGUAGES), "min_words": 3, "margin": 0.2},
)
def make_language_detector(
    nlp: Language, name: str, languages: list[str], min_words: int, margin: float
) -> LanguageDetector:
    """spaCy factory: ``nlp.add_pipe("ecoute_language", config={"min_words": 3})``."""
    return LanguageDetector(languages, min_words, margin)
