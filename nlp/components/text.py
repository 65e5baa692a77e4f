"""Text helpers shared by the components: accent folding, segmentation, phrase matching.

Why one module: social French is written with and without accents ("déçu" / "decu"),
with curly or straight apostrophes and with "pouvez-vous" / "pouvez vous" alike. Every
component compares *folded* forms (lowercase, no accents, straight apostrophe, no leading
hyphen), so the folding and the phrase matcher built on it live in one place.

Segments are the sentences the rules look at: cut after '?' / '!' runs and at newlines,
because comments often have no full stop at all, and at the parser's sentence starts where
punctuation backs them or both pieces are long enough (on short unpunctuated comments the
parser cuts inside phrases).
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span, Token
from spacy.vocab import Vocab

_CHAR_MAP = str.maketrans(
    {"\u2019": "'", "\u02bc": "'", "\u2018": "'", "`": "'", "œ": "oe", "æ": "ae", "\ufe0f": None}
)
_BREAK_CHARS = frozenset("?!")
_SENTENCE_END = frozenset({".", "...", "…", ";", ":"})
#: A parser cut not backed by punctuation is kept between pieces of at least this many words.
_MIN_WORDS = 3
_ALNUM = re.compile(r"\w")
_ELISION_SPACE = re.compile(r"'\s+")
#: Distinct words whose folded form is kept (at most some 15 MB, whatever the input).
_FOLD_CACHE = 1 << 16
#: What phrase matchers see in place of a word none of their patterns has (no pattern word
#: is a NUL character): such a word matches nothing, and the matcher's vocabulary does not
#: grow with every new word of the comments.
UNKNOWN_WORD = "\x00"


def fold_text(text: str) -> str:
    """Lowercase, strip accents, straighten apostrophes: "Déçu" -> "decu", "j\u2019ai" -> "j'ai"."""
    decomposed = unicodedata.normalize("NFKD", text.lower().translate(_CHAR_MAP))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@functools.lru_cache(maxsize=_FOLD_CACHE)
def fold(text: str) -> str:
    """``fold_text`` of a word or a short phrase, cached: every component folds every token
    (and lemma), and words repeat; whole comments go through ``fold_text``."""
    return fold_text(text)


def fold_token(text: str) -> str:
    """Fold one token's text; the hyphen of "-vous" / "-t" goes so hyphens don't matter."""
    folded = fold(text)
    if len(folded) > 1 and folded[0] == "-":
        folded = folded[1:]
    return folded or text


def singular(word: str) -> str:
    """Drop one final "s" or "x" from a folded word: "horaires" -> "horaire"."""
    return word[:-1] if len(word) > 2 and word.endswith(("s", "x")) else word


def has_alnum(token: Token) -> bool:
    """True for words and numbers, False for punctuation, emojis and whitespace."""
    return _ALNUM.search(token.text) is not None


def _is_break(text: str) -> bool:
    """A token made only of '?' and '!' characters."""
    return bool(text) and set(text) <= _BREAK_CHARS


def _ends_sentence(token: Token) -> bool:
    """A full stop, colon, ellipsis, or an emoji/symbol (emojis often end a sentence)."""
    if token.is_space:
        return False
    return token.text in _SENTENCE_END or not (has_alnum(token) or token.is_punct)


def segments(doc: Doc) -> list[Span]:
    """Sentences as the rules see them, without blank spans.

    Cuts after a '?'/'!' run and at newlines; keeps the parser's cuts that follow a full
    stop or an emoji, and its other cuts only between two pieces of at least
    ``_MIN_WORDS`` words: on short unpunctuated comments the parser also cuts inside
    "qqn | sait" or "faites | -vous".
    """
    n = len(doc)
    texts: list[str] = []
    spaces: list[bool] = []
    for token in doc:  # each access makes a Token: read what is needed in one pass
        texts.append(token.text)
        spaces.append(token.is_space)
    breaks = [_is_break(text) for text in texts]
    hard = {0, n}
    for i, text in enumerate(texts):
        if breaks[i] and (i + 1 == n or not breaks[i + 1]):
            hard.add(i + 1)
        elif spaces[i] and "\n" in text:
            hard.update((i, i + 1))
    soft: set[int] = set()
    if doc.has_annotation("SENT_START"):
        for sent in doc.sents:
            if sent.start > 0 and _ends_sentence(doc[sent.start - 1]):
                hard.add(sent.start)
            elif sent.start > 0:
                soft.add(sent.start)
    # The parser sometimes cuts inside "!!!": keep a run of '?'/'!' with its sentence.
    hard -= {c for c in hard if 0 < c < n and breaks[c - 1] and breaks[c]}
    words = [0]
    for text in texts:
        words.append(words[-1] + (_ALNUM.search(text) is not None))
    cuts = sorted(hard | soft)
    kept = set(hard)
    last = 0
    for c, following in itertools.pairwise(cuts):
        if c in soft:
            if min(words[c] - words[last], words[following] - words[c]) < _MIN_WORDS:
                continue
            kept.add(c)
        last = c
    spans = []
    for start, end in itertools.pairwise(sorted(kept)):
        while start < end and spaces[start]:
            start += 1
        while end > start and spaces[end - 1]:
            end -= 1
        if start < end:
            spans.append(doc[start:end])
    return spans


def expand(pattern: str, slots: Mapping[str, Sequence[str]]) -> Iterator[str]:
    """Expand the small pattern language of the lexicons into plain phrases.

    Words are separated by spaces; "a|b" is a choice, "(a|b)" an optional choice,
    "{name}" a choice among the phrases of ``slots[name]`` and "#" any number in digits.
    "merci de (bien) me|m' {action}" -> "merci de me rappeler", "merci de bien m'envoyer"...
    """
    choices: list[list[str]] = []
    for word in pattern.split():
        optional = word.startswith("(") and word.endswith(")")
        word = word.strip("()")
        options: list[str] = []
        for option in word.split("|"):
            if option.startswith("{") and option.endswith("}"):
                options.extend(slots[option[1:-1]])
            else:
                options.append(option)
        choices.append([*options, ""] if optional else options)
    for combination in itertools.product(*choices):
        yield _ELISION_SPACE.sub("'", " ".join(part for part in combination if part))


class FoldedPhraseMatcher:
    """A spaCy ``PhraseMatcher`` on folded words, for patterns written as plain phrases.

    Both patterns and comments become folded words, split at inner hyphens, so that
    "Est-il", "est -il" and "est il" give the same words whatever the tokenizer does with
    capitals. Digits become "#". Matches are reported as offsets of the original tokens.
    """

    def __init__(
        self,
        nlp: Language,
        patterns: Mapping[str, Iterable[str]],
        slots: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self._vocab = Vocab()
        self._matcher = PhraseMatcher(self._vocab, attr="ORTH")
        known: set[str] = set()
        for label, label_patterns in patterns.items():
            phrases = {
                phrase for pattern in label_patterns for phrase in expand(pattern, slots or {})
            }
            docs = []
            for phrase in sorted(phrases):
                words = self._words(self._tokenize(nlp, phrase))[0]
                known.update(words)
                docs.append(Doc(self._vocab, words=words))
            self._matcher.add(label, docs)
        self._known = frozenset(known)

    @staticmethod
    def _tokenize(nlp: Language, phrase: str) -> Doc:
        """Tokens of a phrase; a final elision ("quand j'") is split as before a word."""
        if phrase.endswith("'"):
            return nlp.make_doc(fold(phrase) + "x")[:-1].as_doc()
        return nlp.make_doc(fold(phrase))

    @staticmethod
    def _words(doc: Doc) -> tuple[list[str], list[int]]:
        """The folded words of ``doc`` and, for each word, the index of its token."""
        words: list[str] = []
        origin: list[int] = []
        for token in doc:
            parts = _match_words(token.text)
            words.extend(parts)
            origin.extend([token.i] * len(parts))
        return words, origin

    def __call__(self, doc: Doc) -> list[tuple[str, int, int]]:
        """(label, start, end) token offsets into ``doc``, in document order."""
        words, origin = self._words(doc)
        if self._known.isdisjoint(words):
            return []
        known = [word if word in self._known else UNKNOWN_WORD for word in words]
        strings = self._vocab.strings
        return [
            (strings[key], origin[start], origin[end - 1] + 1)
            for key, start, end in self._matcher(Doc(self._vocab, words=known))
        ]


@functools.lru_cache(maxsize=_FOLD_CACHE)
def _match_words(text: str) -> tuple[str, ...]:
    """The words a token gives the phrase matcher: "#" for a number, else its folded parts
    between hyphens."""
    if text.isdigit():
        return ("#",)
    return tuple(part for part in fold_token(text).split("-") if part)
