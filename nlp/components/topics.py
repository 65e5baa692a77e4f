"""ecoute_topics: what a French comment talks about, from the topic taxonomy (YAML).

Why a taxonomy matched on lemmas: the topics are the organisation's business words, an
analyst writes them once in their dictionary form ("livrer", "délai de livraison") and
every form should count ("livrée", "livraisons", "délais de livraison"); an analyst must
also see why a comment got a topic, so each hit keeps the words that made it.

How: every entry of the taxonomy becomes a sequence of folded words (see ``fold``). Each
word of a comment is reduced to a *key*: the first of its candidates that the taxonomy
knows among its folded form, its folded lemma and its base forms (the form or lemma
stripped of an ending, ``inflection.base_forms``: fr_core_news_sm gets the lemma wrong on
unaccented or mis-tagged words). Candidates are tried in three orders, giving three key
sequences: form first (phrases written as people say them: "colis ouvert"), lemma first
(dictionary forms: "ouvrir" for "ouvert"), base forms first (unaccented "ferme" is
"fermer" even if "ferme" is written somewhere). A spaCy ``PhraseMatcher`` runs over each
distinct sequence. ``exclude`` phrases cancel the hits of their topic that lie inside them.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Token
from spacy.vocab import Vocab

from nlp.components.inflection import base_forms
from nlp.components.language import FRENCH_LIKE
from nlp.components.text import UNKNOWN_WORD, expand, fold, fold_token
from nlp.taxonomy import Taxonomy, load_taxonomy, resolve_taxonomy_path

Doc.set_extension("topics", default=None, force=True)
Doc.set_extension("topic_evidence", default=None, force=True)

#: After these a word is a noun: "le livre" is a book, "il livre" the verb "livrer".
# fmt: off
_DETERMINERS = frozenset({
    "le", "la", "les", "l'", "un", "une", "des", "du", "au", "aux", "mon", "ma", "mes", "ton",
    "ta", "tes", "son", "sa", "ses", "ce", "cet", "cette", "ces", "notre", "nos", "votre",
    "vos", "leur", "leurs",
})
# fmt: on
#: Prefix of the matcher labels of exclude phrases.
_EXCLUDE = "-"

Span = tuple[int, int]


class TopicTagger:
    """Sets ``doc._.topics`` (topic ids, in taxonomy order) and ``doc._.topic_evidence``.

    ``topic_evidence`` maps each topic found to the texts that matched it, in the comment's
    order: ``{"prix": ["cher"], "livraison": ["colis", "livrée"]}``. Both are empty for
    comments not in French.
    """

    def __init__(self, nlp: Language, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        self._vocab = Vocab()
        self._matcher = PhraseMatcher(self._vocab, attr="ORTH")
        patterns: dict[str, list[list[str]]] = {}
        for topic in taxonomy.topics.values():
            patterns[topic.id] = _patterns(nlp, (*topic.lemmas, *topic.phrases))
            if topic.exclude:
                patterns[_EXCLUDE + topic.id] = _patterns(nlp, topic.exclude)
        self._known = frozenset(word for words in patterns.values() for p in words for word in p)
        for label, words in patterns.items():
            self._matcher.add(label, [Doc(self._vocab, words=p) for p in words])
        # Words repeat: a word's three keys are worked out once (bounded, like fold's cache).
        self._word_keys = functools.lru_cache(maxsize=1 << 16)(self._compute_word_keys)

    def __call__(self, doc: Doc) -> Doc:
        evidence: dict[str, list[str]] = {}
        if doc._.lang in FRENCH_LIKE:
            hits, excluded = self._match(doc)
            for topic_id in self.taxonomy.topics:
                spans = _outermost(
                    span
                    for span in hits.get(topic_id, ())
                    if not any(s <= span[0] and span[1] <= e for s, e in excluded.get(topic_id, ()))
                )
                if spans:
                    evidence[topic_id] = list(dict.fromkeys(doc[s:e].text for s, e in spans))
        doc._.topics = list(evidence)
        doc._.topic_evidence = evidence
        return doc

    def _match(self, doc: Doc) -> tuple[dict[str, set[Span]], dict[str, set[Span]]]:
        """Token spans of the hits and of the excludes, by topic, over every key sequence."""
        origin, sequences = self._keys(doc)
        hits: dict[str, set[Span]] = {}
        excluded: dict[str, set[Span]] = {}
        strings = self._vocab.strings
        for keys in sequences:
            for match_id, start, end in self._matcher(Doc(self._vocab, words=keys)):
                label = strings[match_id]
                found = excluded if label.startswith(_EXCLUDE) else hits
                found.setdefault(label.removeprefix(_EXCLUDE), set()).add(
                    (origin[start], origin[end - 1] + 1)
                )
        return hits, excluded

    def _keys(self, doc: Doc) -> tuple[list[int], list[list[str]]]:
        """The token of each word, and the distinct key sequences (form, lemma, base first)."""
        origin: list[int] = []
        layers: tuple[list[str], list[str], list[str]] = ([], [], [])
        previous: Token | None = None
        for token in doc:
            forms = _split(token.text)
            lemmas = fold(token.lemma_).split("-")
            if len(lemmas) != len(forms):
                lemmas = forms
            verbs = previous is None or not _is_determiner(previous)
            previous = token
            for form, lemma in zip(forms, lemmas, strict=True):
                origin.append(token.i)
                for keys, key in zip(layers, self._word_keys(form, lemma, verbs), strict=True):
                    keys.append(key)
        distinct = dict.fromkeys(tuple(keys) for keys in layers)
        return origin, [list(keys) for keys in distinct]

    def _compute_word_keys(self, form: str, lemma: str, verbs: bool) -> tuple[str, str, str]:
        """A word's key in each layer: the first candidate the taxonomy knows, in that layer's
        order, else ``UNKNOWN_WORD``."""
        bases = base_forms(form, verbs=verbs) + base_forms(lemma, verbs=verbs)
        orders = ((form, lemma, *bases), (lemma, form, *bases), (*bases, lemma, form))
        first, second, third = (
            next((c for c in candidates if c in self._known), UNKNOWN_WORD) for candidates in orders
        )
        return first, second, third


def _split(text: str) -> list[str]:
    """Folded words of a token: digits become "#", inner hyphens split ("rendez-vous")."""
    folded = fold_token(text)
    if folded.isdigit():
        return ["#"]
    return [part for part in folded.split("-") if part]


def _is_determiner(token: Token) -> bool:
    return token.pos_ == "DET" or fold(token.text) in _DETERMINERS


def _patterns(nlp: Language, entries: Iterable[str]) -> list[list[str]]:
    """Each entry's phrases (``expand``) as lists of folded words, tokenized like comments."""
    phrases = sorted({phrase for entry in entries for phrase in expand(entry, {})})
    return [
        [word for token in nlp.make_doc(fold(phrase)) for word in _split(token.text)]
        for phrase in phrases
    ]


def _outermost(spans: Iterable[Span]) -> list[Span]:
    """Spans not inside another one, in text order: "point relais", not also "relais"."""
    spans = sorted(set(spans), key=lambda span: (span[0], -span[1]))
    kept: list[Span] = []
    for start, end in spans:
        if not kept or end > kept[-1][1]:
            kept.append((start, end))
    return kept


@Language.factory(
    "ecoute_topics",
    default_config={"taxonomy": None},
    requires=["doc._.lang"],
    assigns=["doc._.topics", "doc._.topic_evidence"],
)
def make_topic_tagger(nlp: Language, name: str, taxonomy: str | None) -> TopicTagger:
    """spaCy factory: ``nlp.add_pipe("ecoute_topics", config={"taxonomy": "my.yml"})``.

    ``taxonomy`` is a YAML file; None means ``$ECOUTE_TOPICS``, else ``nlp/topics.yml``.
    """
    return TopicTagger(nlp, load_taxonomy(resolve_taxonomy_path(taxonomy)))
