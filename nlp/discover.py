"""``ecoute topics discover``: propose new topics from the comments themselves.

Why: a taxonomy written in advance misses what customers actually talk about (a new
product, a local problem). NMF over TF-IDF of lemmas groups words that occur together;
each group, with its most typical comments and how much of it the taxonomy already
covers, is a proposal an analyst accepts (pastes into the YAML) or ignores.

Words are spaCy lemmas, accent-folded, without French stop words, social-media fillers
("bjr", "svp", "mdr"), numbers and words of one letter; only French comments count (as
``ecoute_language`` decides). Everything is seeded: the same corpus gives the same topics.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import yaml
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import TfidfVectorizer
from spacy.lang.fr.stop_words import STOP_WORDS

from nlp.components.inflection import base_forms
from nlp.components.language import FRENCH_LIKE
from nlp.components.text import fold, fold_token
from nlp.taxonomy import Taxonomy, load_taxonomy, resolve_taxonomy_path

#: Words of social comments that say nothing about a topic.
FILLERS = frozenset({
    "bjr", "bonjour", "bonsoir", "slt", "salut", "coucou", "hello", "svp", "stp", "merci",
    "mrc", "mci", "mdr", "lol", "ptdr", "xd", "ok", "okay", "oui", "non", "ouais", "bah",
    "ben", "bref", "genre", "trop", "vraiment", "super", "bien", "tres", "cordialement",
    "bisous", "bises", "qqn", "qqch", "qq", "jsp", "jpp", "tkt", "pk", "pq", "pcq", "c",
    "cest", "ca", "cela", "etre", "avoir", "faire", "aller", "pouvoir", "vouloir", "dire",
    "savoir", "falloir", "mettre", "voir", "encore", "deja", "toujours", "jamais", "rien",
    "chose", "fois", "mois", "jour", "an", "annee", "semaine", "heure", "minute", "truc",
})  # fmt: skip
STOP = frozenset(fold(word) for word in STOP_WORDS) | FILLERS
#: Parts of speech that never carry a topic.
_SKIPPED_POS = frozenset({
    "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NUM", "PART", "PRON", "PUNCT", "SCONJ",
    "SPACE", "SYM",
})  # fmt: skip
#: Terms weighing less than this share of a group's first term are left out of it.
MIN_TERM_WEIGHT = 0.1
#: Our components that discovery does not need (it only needs lemmas and the language).
_LATER_COMPONENTS = frozenset({"ecoute_sentiment", "ecoute_questions", "ecoute_topics"})
#: Comments per proposed topic below which NMF only finds noise.
MIN_COMMENTS_PER_TOPIC = 5


class DiscoverError(ValueError):
    """The corpus cannot give the topics asked for (too few comments or words)."""


@dataclass(frozen=True)
class ProposedTopic:
    """One group of words that occur together, for an analyst to judge."""

    id: str
    #: The group's top lemmas and their weight relative to the first (1.0).
    terms: tuple[tuple[str, float], ...]
    #: Comments whose strongest group this is.
    size: int
    #: Up to three of those comments, the most typical first.
    examples: tuple[str, ...]
    #: Top lemmas that are already lemmas of the taxonomy.
    known: tuple[str, ...]
    #: The taxonomy topic that lists most of them (None when none is known).
    closest: str | None

    @property
    def known_share(self) -> float:
        return len(self.known) / len(self.terms) if self.terms else 0.0

    @property
    def new_terms(self) -> list[str]:
        return [term for term, _ in self.terms if term not in self.known]


def comment_lemmas(texts: Iterable[str], *, batch_size: int = 64) -> list[list[str]]:
    """Content lemmas of each text, or an empty list for a non-French text.

    Lemmas are told apart without accents ("securite" = "sécurité") and written as the
    corpus most often writes them, so that proposals read naturally.
    """
    from nlp.pipeline import build_pipeline  # spaCy: only when lemmas are asked for

    nlp = build_pipeline()
    unused = [n for n in nlp.pipe_names if n == "parser" or n in _LATER_COMPONENTS]
    spellings: dict[str, Counter[str]] = {}
    folded_docs: list[list[str]] = []
    for doc in nlp.pipe(texts, batch_size=batch_size, disable=unused):
        words: list[str] = []
        if doc._.lang in FRENCH_LIKE:
            for token in doc:
                lemma = token.lemma_.lower()
                key = fold(lemma)
                if _is_content(token.pos_, key, fold_token(token.text)):
                    words.append(key)
                    spellings.setdefault(key, Counter())[lemma] += 1
        folded_docs.append(words)
    best = {key: counts.most_common(1)[0][0] for key, counts in spellings.items()}
    return [[best[key] for key in words] for words in folded_docs]


def _is_content(pos: str, lemma: str, form: str) -> bool:
    return (
        pos not in _SKIPPED_POS
        and len(lemma) > 1
        and lemma.isalpha()
        and lemma not in STOP
        and form not in STOP
    )


def discover_topics(
    texts: Sequence[str],
    *,
    n_topics: int = 8,
    top_terms: int = 10,
    taxonomy: Taxonomy | None = None,
    min_df: int = 2,
) -> list[ProposedTopic]:
    """Groups of lemmas that occur together in ``texts``, largest first, as proposals.

    ``taxonomy`` (default: the one the pipeline uses) says which lemmas are already known.

    Raises ``DiscoverError`` when there are fewer than ``MIN_COMMENTS_PER_TOPIC`` comments
    with words per topic asked for, or fewer distinct words (seen in ``min_df`` comments)
    than topics.
    """
    texts = list(texts)
    documents = comment_lemmas(texts)
    kept = [i for i, words in enumerate(documents) if words]
    needed = MIN_COMMENTS_PER_TOPIC * n_topics
    if len(kept) < needed:
        raise DiscoverError(
            f"{len(kept)} French comment(s) with words to go on: {n_topics} topics need at "
            f"least {needed} ({MIN_COMMENTS_PER_TOPIC} per topic); ask for fewer topics"
        )
    vectorizer = TfidfVectorizer(analyzer=_identity, min_df=min_df, sublinear_tf=True)
    try:
        matrix = vectorizer.fit_transform([documents[i] for i in kept])
    except ValueError:  # every word pruned by min_df
        matrix = None
    vocabulary = vectorizer.get_feature_names_out() if matrix is not None else []
    if len(vocabulary) < n_topics:
        raise DiscoverError(
            f"only {len(vocabulary)} word(s) occur in {min_df}+ comments: too few for "
            f"{n_topics} topics; ask for fewer topics or give more comments"
        )
    model = NMF(n_components=n_topics, init="nndsvda", random_state=0, max_iter=1000)
    weights = model.fit_transform(matrix)
    groups = _proposals(weights, model.components_, vocabulary, top_terms)
    if taxonomy is None:
        taxonomy = load_taxonomy(resolve_taxonomy_path(None))
    known_words = _taxonomy_words(taxonomy)
    proposals = []
    for number, (terms, members) in enumerate(groups, start=1):
        known = tuple(term for term, _ in terms if _topics_of(term, known_words))
        proposals.append(
            ProposedTopic(
                id=f"nouveau_{number}",
                terms=terms,
                size=len(members),
                examples=tuple(dict.fromkeys(texts[kept[i]] for i in members))[:3],
                known=known,
                closest=_closest(known, known_words, list(taxonomy.topics)),
            )
        )
    return proposals


def _identity(words: list[str]) -> list[str]:
    return words


def _proposals(
    weights: np.ndarray, components: np.ndarray, vocabulary: Sequence[str], top_terms: int
) -> list[tuple[tuple[tuple[str, float], ...], list[int]]]:
    """(top terms, member comments by typicality) per non-empty group, largest first."""
    strongest = weights.argmax(axis=1)
    has_words = weights.max(axis=1) > 0
    groups = []
    for k, row in enumerate(components):
        if row.max() <= 0:
            continue
        top = np.argsort(-row, kind="stable")[:top_terms]
        terms = tuple((str(vocabulary[j]), round(float(row[j] / row.max()), 2)) for j in top)
        terms = tuple(term for term in terms if term[1] >= MIN_TERM_WEIGHT)
        members = [i for i in np.flatnonzero((strongest == k) & has_words)]
        members.sort(key=lambda i: -weights[i, k])
        if members:
            groups.append((terms, [int(i) for i in members]))
    groups.sort(key=lambda group: -len(group[1]))
    return groups


def _taxonomy_words(taxonomy: Taxonomy) -> dict[str, set[str]]:
    """Folded lemmas of the taxonomy -> the topics that list them.

    Words of phrases don't count: "bout" in "au bout du fil" is no topic on its own.
    """
    words: dict[str, set[str]] = {}
    for topic in taxonomy.topics.values():
        for lemma in topic.lemmas:
            words.setdefault(fold(lemma), set()).add(topic.id)
    return words


def _topics_of(term: str, known_words: dict[str, set[str]]) -> set[str]:
    """Topics whose words include the term or one of its base forms."""
    folded = fold(term)
    for word in (folded, *base_forms(folded)):
        if word in known_words:
            return known_words[word]
    return set()


def _closest(
    known: Sequence[str], known_words: dict[str, set[str]], order: list[str]
) -> str | None:
    """The topic that holds most of the known terms (the first in file order on a tie)."""
    votes = Counter(topic for term in known for topic in _topics_of(term, known_words))
    if not votes:
        return None
    return max(votes, key=lambda topic: (votes[topic], -order.index(topic)))


def proposals_yaml(proposals: Sequence[ProposedTopic], n_comments: int) -> str:
    """A snippet in the taxonomy's format: new words prefilled, ready to edit and paste.

    Proposals whose top words the taxonomy already all knows are only a comment line.
    """
    lines = [
        f"# Proposed by `ecoute topics discover` from {n_comments} comments.",
        "# Rename each id and label, keep the words that belong, then paste the topics",
        "# under `topics:` in your taxonomy file.",
        "topics:",
    ]
    for proposal in proposals:
        overlap = f", {proposal.known_share:.0%} of its words already in the taxonomy"
        if proposal.closest:
            overlap += f" (mostly {proposal.closest})"
        lines.append(f"  # {proposal.id}: {proposal.size} comments{overlap}")
        if not proposal.new_terms:
            continue
        entry = {
            proposal.id: {
                "label": f"Nouveau : {', '.join(proposal.new_terms[:3])}",
                "description": f"Proposé automatiquement, ex. : {proposal.examples[0][:120]}",
                "lemmas": proposal.new_terms,
            }
        }
        dumped = yaml.safe_dump(
            entry, allow_unicode=True, sort_keys=False, width=88, default_flow_style=None
        )
        lines.extend(f"  {line}" for line in dumped.splitlines())
    return "\n".join(lines) + "\n"
