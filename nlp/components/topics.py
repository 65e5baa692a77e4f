"""ecoute_topics: what a French comment talks about, from the keyword table.

Why keywords: the topics are the company's own business words (delivery, opening hours,
bike repair ...), few and stable, and an analyst must see why a comment got a topic.
One-word keywords of ``nlp.lexicons.topics`` match a word's folded form or folded lemma
(also without a final "s"/"x"); longer ones match folded words in a row. Topics come out
in the order of the table, each once.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from nlp.components.language import FRENCH_LIKE
from nlp.components.text import FoldedPhraseMatcher, fold, fold_token, singular
from nlp.lexicons.topics import TOPICS

Doc.set_extension("topics", default=None, force=True)


class TopicTagger:
    """Sets ``doc._.topics`` (a new list; empty for comments not in French)."""

    def __init__(self, nlp: Language) -> None:
        self._order = list(TOPICS)
        self._words: dict[str, set[str]] = {}
        phrases: dict[str, list[str]] = {}
        for topic, keywords in TOPICS.items():
            for keyword in keywords:
                if " " in keyword or "|" in keyword or len(nlp.make_doc(keyword)) > 1:
                    phrases.setdefault(topic, []).append(keyword)
                else:
                    self._words.setdefault(fold(keyword), set()).add(topic)
        self._phrases = FoldedPhraseMatcher(nlp, phrases)

    def __call__(self, doc: Doc) -> Doc:
        found: set[str] = set()
        if doc._.lang in FRENCH_LIKE:
            for token in doc:
                form = fold_token(token.text)
                for key in {form, singular(form), fold(token.lemma_)}:
                    found.update(self._words.get(key, ()))
            found.update(label for label, _, _ in self._phrases(doc))
        doc._.topics = [topic for topic in self._order if topic in found]
        return doc


@Language.factory("ecoute_topics", requires=["doc._.lang"], assigns=["doc._.topics"])
def make_topic_tagger(nlp: Language, name: str) -> TopicTagger:
    """spaCy factory: ``nlp.add_pipe("ecoute_topics")``."""
    return TopicTagger(nlp)
