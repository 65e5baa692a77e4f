"""ecoute_sentiment: polarity of a French comment from a lexicon and a few rules.

Why rules: v0 has no labelled data to train on, and an analyst must be able to see why a
comment came out negative. Each polar word, phrase or emoji of ``nlp.lexicons.sentiment``
adds its weight, changed by what surrounds it in its sentence:

- negation: "pas"/"jamais"/"sans"/"ne" up to 3 words before flips and damps the weight
  ("pas cher" is positive); after a verb too, the way social French drops "ne"
  ("ça marche pas"); some words only count negated ("jamais reçu");
- intensifiers ("très", "trop", "vraiment", "super" before a polar word) multiply it;
- a word in capitals ("NUL") and a sentence with "!!" or more amplify it;
- what follows "mais" weighs more than what precedes it;
- "merci" counts only in comments without a '?' (there it is thanks_countness).

The sum is squashed into [-1, 1]; ``|score| < NEUTRAL_BAND`` is "neutral". Each token's
contribution is kept on ``doc._.polarities`` so a sentence can be scored on its own.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Iterator

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans, minibatch

from nlp.components.language import FRENCH_LIKE
from nlp.components.sentiment_model import SentimentModel, lexicon_features
from nlp.components.text import FoldedPhraseMatcher, fold, fold_token, has_alnum, segments
from nlp.eval.datasets import SENTIMENT
from nlp.lexicons.sentiment import (
    CONTRAST,
    EMOJIS,
    INTENSIFIERS,
    IRONY_MARKERS,
    IRONY_PRONE,
    NEGATED_ONLY,
    NEGATORS_AFTER,
    NEGATORS_BEFORE,
    PHRASES,
    WORDS,
)

#: Scores with an absolute value below this are "neutral".
NEUTRAL_BAND = 0.1
#: Squashing constant: a lone weight-2 word ("top") scores about 0.58.
_ALPHA = 8.0
#: A negated weight becomes ``_NEGATION * weight``.
_NEGATION = -0.75
_CAPS = 1.5
_EXCLAMATIONS = 1.3
_BEFORE_CONTRAST = 0.5
_AFTER_CONTRAST = 1.5
_NEGATION_WINDOW = 3

_WORDS = {fold(word): weight for word, weight in WORDS.items()}
_NEGATED_ONLY = {fold(word): weight for word, weight in NEGATED_ONLY.items()}
_EMOJIS = {fold(emoji): weight for emoji, weight in EMOJIS.items()}
_INTENSIFIERS = {fold(word): factor for word, factor in INTENSIFIERS.items()}
_NEGATORS_BEFORE = frozenset(fold(word) for word in NEGATORS_BEFORE)
_NEGATORS_AFTER = frozenset(fold(word) for word in NEGATORS_AFTER)
_NEGATORS = _NEGATORS_BEFORE | _NEGATORS_AFTER
_CONTRAST = frozenset(fold(word) for word in CONTRAST)
_NE = frozenset({"ne", "n'"})
_IRONY_PRONE = frozenset(fold(word) for word in IRONY_PRONE)
_IRONY_MARKERS = frozenset(fold(emoji) for emoji in IRONY_MARKERS)
#: A sentence of at most this many words that is only praise can be sarcasm ("Super.").
_IRONY_WORDS = 3
_CONDITIONAL = ("rais", "rait", "raient", "rions", "riez")
_STRETCH = re.compile(r"(.)\1{2,}")
#: Words allowed between a verb and its trailing negator: "ça marche toujours pas".
_FILLERS = frozenset({"vraiment", "toujours", "encore", "du", "trop", "franchement"})

Doc.set_extension("sentiment", default="neutral", force=True)
Doc.set_extension("sentiment_score", default=0.0, force=True)
Doc.set_extension("polarities", default=None, force=True)


def squash(raw: float) -> float:
    """Map a sum of weights onto (-1, 1), keeping its sign."""
    return raw / math.sqrt(raw * raw + _ALPHA)


def label_for(score: float) -> str:
    """ "positive", "negative" or "neutral" for a squashed score."""
    if score >= NEUTRAL_BAND:
        return "positive"
    if score <= -NEUTRAL_BAND:
        return "negative"
    return "neutral"


def span_score(span: Span) -> float:
    """Squashed score of a part of a doc scored by ``ecoute_sentiment`` (0.0 if it wasn't)."""
    polarities = span.doc._.polarities
    return squash(sum(polarities[span.start : span.end])) if polarities else 0.0


def _turn_sarcasm(doc: Doc, pieces: list[Span], folds: list[str], polarities: list[float]) -> None:
    """Praise in a comment that complains, or rolls its eyes, counts against it.

    The praise must be sarcasm-prone ("génial", "bravo", "merci", ...) and either the
    comment carries an eye-roll emoji, or the praise stands alone as a short sentence or
    opens the comment ("Génial, rendez-vous annulé ...") while something else is negative.
    """
    prone = [i for i, fold_ in enumerate(folds) if fold_ in _IRONY_PRONE and polarities[i] > 0]
    if not prone:
        return
    rolled_eyes = any(char in _IRONY_MARKERS for fold_ in folds for char in fold_)
    complaint = sum(p for p in polarities if p < 0) < 0
    if not (rolled_eyes or complaint):
        return
    first_word = next((t.i for t in doc if has_alnum(t)), None)
    for i in prone:
        piece = next(p for p in pieces if p.start <= i < p.end)
        alone = sum(1 for t in piece if has_alnum(t)) <= _IRONY_WORDS
        if rolled_eyes or alone or i == first_word:
            polarities[i] = -abs(polarities[i])


def _lookup(table: dict[str, float], word: str, lemma: str) -> float | None:
    """Weight of a word by its form, its lemma, then without a plural/feminine ending."""
    candidates = [word]
    if not word.endswith(_CONDITIONAL):  # "j'aimerais un devis" asks, it doesn't like
        candidates.append(lemma)
    if word.endswith(("s", "x")):
        candidates.append(word[:-1])
    if word.endswith("es"):
        candidates.append(word[:-2])
    if word.endswith("e"):
        candidates.append(word[:-1])
    if word.endswith("aux"):
        candidates.append(word[:-3] + "al")
    if _STRETCH.search(word):  # "nuuuul", "trooop", "coooool"
        candidates += [_STRETCH.sub(r"\1", word), _STRETCH.sub(r"\1\1", word)]
    return next((table[c] for c in candidates if c in table), None)


@functools.lru_cache(maxsize=1 << 16)
def _weight(word: str, lemma: str) -> tuple[float | None, bool]:
    """(weight, counts only negated) of a folded word and its folded lemma, or (None, False)."""
    weight = _lookup(_WORDS, word, lemma)
    if weight is not None:
        return weight, False
    return _lookup(_NEGATED_ONLY, word, lemma), True


class SentimentScorer:
    """Sets ``doc._.sentiment``, ``doc._.sentiment_score`` and ``doc._.polarities``.

    With ``model`` (the default), the lexicon's score is one input of ``SentimentModel``,
    trained here on the dev rows of the labelled set; the label is the model's most
    probable class and the score P(positive) - P(negative). ``polarities`` stay the
    lexicon's, word by word, for an analyst to see what counted.
    """

    def __init__(self, nlp: Language, model: bool = True) -> None:
        self._phrases = FoldedPhraseMatcher(nlp, {phrase: [phrase] for phrase in PHRASES})
        self._model: SentimentModel | None = None
        if model:
            rows = SENTIMENT.read("dev")
            docs = [self.score_lexicon(doc) for doc in nlp.pipe(r["text"] for r in rows)]
            self._model = SentimentModel()
            self._model.fit(
                [doc.text for doc in docs],
                np.array([lexicon_features(doc) for doc in docs]),
                [r["sentiment"] for r in rows],
            )

    def __call__(self, doc: Doc) -> Doc:
        return next(self.pipe([doc]))

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterator[Doc]:
        """Lexicon per doc, then the model on a whole batch (one vectorisation, one predict)."""
        for batch in minibatch(docs, size=batch_size):
            texts = [doc.text for doc in batch]  # Doc.text joins the tokens at each call
            scored = [self.score_lexicon(doc, text) for doc, text in zip(batch, texts, strict=True)]
            french = [
                (doc, text)
                for doc, text in zip(scored, texts, strict=True)
                if doc._.lang in FRENCH_LIKE and text.strip()
            ]
            if self._model is not None and french:
                features = np.array([lexicon_features(doc, text) for doc, text in french])
                for (doc, _), proba in zip(
                    french,
                    self._model.probabilities([text for _, text in french], features),
                    strict=True,
                ):
                    doc._.sentiment = max(proba, key=proba.__getitem__)
                    doc._.sentiment_score = round(proba["positive"] - proba["negative"], 4)
            yield from scored

    def score_lexicon(self, doc: Doc, text: str | None = None) -> Doc:
        """The lexicon and rules alone (what ``model=False`` gives); ``text``: ``doc.text``."""
        polarities = [0.0] * len(doc)
        if doc._.lang in FRENCH_LIKE and len(doc):
            folds = [fold_token(token.text) for token in doc]
            phrases = filter_spans(
                [Span(doc, start, end, label=label) for label, start, end in self._phrases(doc)]
            )
            thanks_count = "?" not in (doc.text if text is None else text)
            pieces = segments(doc)
            for segment in pieces:
                self._score_segment(segment, folds, phrases, thanks_count, polarities)
            _turn_sarcasm(doc, pieces, folds, polarities)
        score = squash(sum(polarities))
        doc._.polarities = polarities
        doc._.sentiment_score = round(score, 4)
        doc._.sentiment = label_for(score)
        return doc

    def _score_segment(
        self,
        segment: Span,
        folds: list[str],
        phrases: list[Span],
        thanks_count: bool,
        polarities: list[float],
    ) -> None:
        doc = segment.doc
        start, end = segment.start, segment.end
        units: list[tuple[int, int, float, bool]] = []  # start, end, weight, negated-only
        taken: set[int] = set()
        for phrase in phrases:
            if phrase.label_.startswith("merci") and not thanks_count:
                continue
            if start <= phrase.start and phrase.end <= end:
                units.append((phrase.start, phrase.end, PHRASES[phrase.label_], False))
                taken.update(range(phrase.start, phrase.end))
        for i in range(start, end):
            if i in taken:
                continue
            token = doc[i]
            emoji = _EMOJIS.get(folds[i])  # also "<3", ":D"
            if emoji is None and not has_alnum(token):
                emoji = sum(_EMOJIS.get(char, 0.0) for char in folds[i])
            if emoji is not None:
                polarities[i] += emoji
                continue
            if folds[i] == "merci" and not thanks_count:
                continue
            weight, negated_only = _weight(folds[i], fold(token.lemma_))
            if weight is not None:
                units.append((i, i + 1, weight, negated_only))

        polar_starts = {unit[0] for unit in units}
        contrast = max((i for i in range(start, end) if folds[i] in _CONTRAST), default=None)
        exclamations = sum(token.text.count("!") for token in segment if not has_alnum(token))
        for unit_start, unit_end, weight, negated_only in units:
            if folds[unit_start] in _INTENSIFIERS and unit_end in polar_starts:
                continue  # "super" in "super rapide" intensifies, it is no opinion of its own
            verb = negated_only or doc[unit_start].pos_ in ("VERB", "AUX")
            # a phrase that holds its own negation ("pas terrible") is not negated again
            negated = not _NEGATORS.intersection(folds[unit_start:unit_end]) and self._negated(
                folds, doc, unit_start, unit_end, start, end, verb
            )
            if negated_only:
                if not negated:
                    continue
                weight = -weight
            elif negated:
                weight *= _NEGATION
            weight *= self._intensity(folds, unit_start, start)
            if any(t.text.isupper() and len(t.text) >= 3 for t in doc[unit_start:unit_end]):
                weight *= _CAPS
            if contrast is not None:
                weight *= _BEFORE_CONTRAST if unit_start < contrast else _AFTER_CONTRAST
            if exclamations >= 2:
                weight *= _EXCLAMATIONS
            polarities[unit_start] += weight

    @staticmethod
    def _intensity(folds: list[str], i: int, start: int) -> float:
        """Factor of the intensifier right before token ``i`` ("un peu" softens)."""
        if i - 1 < start:
            return 1.0
        before = folds[i - 1]
        if before == "peu":
            return 0.6 if i - 2 >= start and folds[i - 2] == "un" else 1.0
        return _INTENSIFIERS.get(before, 1.0)

    @staticmethod
    def _negated(
        folds: list[str],
        doc: Doc,
        unit_start: int,
        unit_end: int,
        start: int,
        end: int,
        verb: bool,
    ) -> bool:
        """Is the polar unit ``[unit_start, unit_end)`` in the scope of a negation?"""
        lookback = range(max(start, unit_start - 5), unit_start)
        has_ne = any(folds[j] in _NE for j in lookback)
        for j in range(unit_start - 1, max(start, unit_start - _NEGATION_WINDOW) - 1, -1):
            word = folds[j]
            if doc[j].is_punct or word in _CONTRAST or word == "et":
                break
            if has_ne and word in ("que", "qu'"):
                return False  # "je n'ai que des compliments"
            if word == "peu" and j - 1 >= start and folds[j - 1] == "un":
                continue  # "un peu" softens, it does not negate
            if word in _NEGATORS_BEFORE or (has_ne and word == "plus"):
                return True
        if verb and not has_ne:
            after = unit_end
            if after < end and folds[after] in _FILLERS:
                after += 1
            return after < end and folds[after] in _NEGATORS_AFTER
        return False


@Language.factory(
    "ecoute_sentiment",
    requires=["doc._.lang"],
    assigns=["doc._.sentiment", "doc._.sentiment_score", "doc._.polarities"],
    default_config={"model": True},
)
def make_sentiment_scorer(nlp: Language, name: str, model: bool) -> SentimentScorer:
    """spaCy factory: ``nlp.add_pipe("ecoute_sentiment", config={"model": False})``."""
    return SentimentScorer(nlp, model)
