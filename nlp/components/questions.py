"""ecoute_questions: does a comment ask the company something, and where?

Why it matters most: a missed question is an unanswered customer that nobody counts. So
the rules lean towards recall, and each hit keeps its evidence: the sentence
(``question_sentence``) and the name of the rule that fired (``question_rule``).

Each sentence (see ``text.segments``) is tried against these rules, first hit wins:

====================  =================================================================
``request``           asks for an action: "merci de me rappeler", "besoin d'un devis"
``indirect``          asks without a question form: "je voudrais savoir", "qqn sait"
``est_ce_que``        "est-ce que", "esque"
``inversion``         verb-subject inversion: "pouvez-vous", "y a-t-il", "livrez vous"
``wh_start``          opens with a question word: "comment", "quand", "où", "quel" ...
``wh_phrase``         fixed question phrase anywhere: "c'est combien", "à quelle heure"
``wh_word``           "combien" anywhere, "quand" not opening a clause ("vous livrez
                      quand en Belgique"), "où"/"comment"/"pourquoi" closing it
``qmark``             ends with '?' (not '??' alone, not "Sérieux ?")
``declarative``       "vous" + a service verb, no opinion words: "vous livrez à Lyon"
``fragment``          short request for a fact without '?': "horaires le samedi svp",
                      or a bare noun phrase opening with it: "Horaires le samedi"
====================  =================================================================

Blockers ("rhetoric", "not_wh" in the lexicon) cancel the hits they overlap: "quand je
pense que ...", "comment dire", "quel plaisir", "je me demande pourquoi". A rhetoric
phrase opening the sentence also cancels its '?'. The first sentence that fires is the
evidence; ``question_type`` is "complaint" when that sentence or the whole comment is
negative, "request" for the ``request`` rule, "information" otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc, Span, Token

from nlp.components.language import FRENCH_LIKE
from nlp.components.sentiment import NEUTRAL_BAND, span_score
from nlp.components.text import (
    FoldedPhraseMatcher,
    fold,
    fold_token,
    has_alnum,
    segments,
    singular,
)
from nlp.lexicons.questions import (
    GREETINGS,
    IMPERATIVE_VOUS,
    INCISE_VERBS,
    INFO_NOUNS,
    INTERJECTIONS,
    PATTERNS,
    PLEASE,
    RULES,
    SERVICE_VERBS,
    SLOTS,
    SUBJECT_PRONOUNS,
    WH_END,
    WH_START,
)

_BLOCKERS = ("rhetoric", "not_wh")
#: A verb joined to a subject pronoun: "pouvez-vous", "a-t-il", "a-t'on".
_PRONOUN_ALTERNATIVES = "|".join(sorted(SUBJECT_PRONOUNS, key=len, reverse=True))
_INVERSION = re.compile(
    rf"(?<![\w-])([^\W\d_]+)-(?:t[-'\u2019])?({_PRONOUN_ALTERNATIVES})(?![\w-])",
    re.IGNORECASE,
)
#: After "quand" these start a clause ("quand le colis arrivera"), not a question.
_CLAUSE_START = frozenset({"DET", "PRON", "NOUN", "PROPN", "VERB", "AUX"})
#: "vous êtes ouverts" asks about opening.
_OPEN_WORDS = frozenset(
    {"ouvert", "ouverts", "ouverte", "ouvertes", "ferme", "fermes", "dispo", "disponibles"}
)
#: Words ending in "-ez" that are no verb: "chez vous" is no inversion.
_NOT_VERBS = frozenset({"chez", "assez", "nez", "rez"})
#: A "... svp" fragment has at most this many words; one without "svp" at most ...
_FRAGMENT_WORDS = 8
#: ... this many, opens with the noun and has no adjective or verb ("prix imbattables").
_BARE_FRAGMENT_WORDS = 4


def _folded(words: frozenset[str]) -> frozenset[str]:
    return frozenset(fold(word) for word in words)


_GREETINGS = _folded(GREETINGS)
_IMPERATIVE_VOUS = _folded(IMPERATIVE_VOUS)
_INCISE_VERBS = _folded(INCISE_VERBS)
_INFO_NOUNS = _folded(INFO_NOUNS)
_INTERJECTIONS = _folded(INTERJECTIONS)
_PLEASE = _folded(PLEASE)
_SERVICE_VERBS = _folded(SERVICE_VERBS)
_WH_END = _folded(WH_END)
_WH_START = _folded(WH_START)
#: After "ou" (no accent) these make it "où": "ou est le magasin", "ou trouver".
_WHERE_NEXT = frozenset({"est", "se", "sont", "peut", "puis", "faut", "en", "trouver", "acheter"})
#: Words of a sentence said to a friend, and words that address the company instead.
_FRIEND_WORDS = frozenset({"tu", "t'", "te", "ta", "ton", "tes", "toi", "on", "nous"})
_COMPANY_WORDS = frozenset({"vous", "vs", "votre", "vos", "svp"})
#: "on peut ..." asks whether something is allowed, except in these set phrases.
_CAN_WE_NOT = frozenset({"dire", "pas", "plus", "rien", "compter", "toujours", "que", "etre"})
#: After "qui" these make a question: "qui peut me renseigner".
_WHO_NEXT = frozenset({"peut", "pourrait", "sait", "saurait", "connait", "a", "aurait", "est"})

Doc.set_extension("is_question", default=False, force=True)
Doc.set_extension("question_sentence", default=None, force=True)
Doc.set_extension("question_rule", default=None, force=True)
Doc.set_extension("question_type", default=None, force=True)


@dataclass(frozen=True)
class _Sentence:
    """What the token rules look at in one sentence."""

    span: Span
    folds: list[str]  # folded text of every token of the doc
    words: list[Token]  # tokens with a letter or digit
    lead: Token | None  # first word after greetings
    opening_rhetoric: bool  # a rhetoric blocker opens the sentence

    def fold(self, token: Token) -> str:
        return self.folds[token.i]


class QuestionDetector:
    """Sets ``doc._.is_question``, ``question_sentence``, ``question_rule``, ``question_type``."""

    def __init__(self, nlp: Language) -> None:
        self._phrases = FoldedPhraseMatcher(nlp, PATTERNS, SLOTS)
        self._checks: dict[str, Callable[[_Sentence], tuple[int, int] | None]] = {
            "inversion": _inversion,
            "wh_start": _wh_start,
            "wh_word": _wh_word,
            "qmark": _qmark,
            "declarative": _declarative,
            "fragment": _fragment,
        }

    def __call__(self, doc: Doc) -> Doc:
        doc._.is_question = False
        doc._.question_sentence = doc._.question_rule = doc._.question_type = None
        if doc._.lang not in FRENCH_LIKE:
            return doc
        matches = self._phrases(doc)
        hit = self.find(doc, matches)
        if hit is not None:
            rule, sentence = hit
            doc._.is_question = True
            doc._.question_rule = rule
            doc._.question_sentence = sentence.text
            doc._.question_type = self._type(doc, rule, sentence, matches)
        return doc

    def _type(
        self, doc: Doc, rule: str, sentence: Span, matches: list[tuple[str, int, int]]
    ) -> str:
        """complaint (negative, or a complaint cue and not positive), request, information."""
        found = [(label, s) for label, s, _ in matches if label.endswith("_cue")]
        cues = {label for label, _ in found}
        in_sentence = {label for label, s in found if sentence.start <= s < sentence.end}
        if span_score(sentence) <= -NEUTRAL_BAND or doc._.sentiment == "negative":
            return "complaint"
        if "complaint_cue" in cues and doc._.sentiment != "positive":
            return "complaint"
        if rule == "request" or "request_cue" in in_sentence:
            return "request"
        return "information"

    def find(self, doc: Doc, matches: list[tuple[str, int, int]]) -> tuple[str, Span] | None:
        """(rule, sentence) of the first sentence that asks something, or None.

        ``matches``: the lexicon's phrases in ``doc`` (also what ``_type`` reads).
        """
        sentences = segments(doc)
        folds = [fold_token(token.text) for token in doc]
        blockers = [(label, s, e) for label, s, e in matches if label in _BLOCKERS]

        def blocked(start: int, end: int) -> bool:
            return any(s < end and start < e for _, s, e in blockers)

        # The sentence of each token, to report a phrase that runs over a sentence cut
        # as one piece of evidence.
        sentence_of = {i: sent for sent in sentences for i in range(sent.start, sent.end)}
        to_a_friend = _opens_with_mention(doc)
        for span in sentences:
            if to_a_friend and _between_friends(span, folds):
                continue  # "@Julie on y va samedi ?": nothing for the company to answer
            found: dict[str, Span] = {}
            for label, s, e in matches:
                if label in RULES and span.start <= s < span.end and not blocked(s, e):
                    end = max(span.end, sentence_of.get(e - 1, span).end)
                    found.setdefault(label, doc[span.start : end])
            words = [token for token in span if has_alnum(token)]
            lead = _lead(words, folds)
            openers = {word.i for word in [*words[:1], lead] if word is not None}
            opening_rhetoric = any(label == "rhetoric" and s in openers for label, s, _ in blockers)
            sentence = _Sentence(span, folds, words, lead, opening_rhetoric)
            for rule in RULES:
                if rule in found:
                    return rule, found[rule]
                check = self._checks.get(rule)
                trigger = check(sentence) if check else None
                if trigger is not None and not blocked(*trigger):
                    return rule, span
        return None


def _opens_with_mention(doc: Doc) -> bool:
    """``doc.text.lstrip().startswith("@")``, without joining every token (``Doc.text``)."""
    for token in doc:
        text = token.text_with_ws.lstrip()
        if text:
            return text.startswith("@")
    return False


def _between_friends(span: Span, folds: list[str]) -> bool:
    """A sentence of a comment that opens on @someone, in "tu"/"on" and never "vous"."""
    words = {folds[i] for i in range(span.start, span.end)}
    return bool(words & _FRIEND_WORDS) and not words & _COMPANY_WORDS


def _lead(words: list[Token], folds: list[str]) -> Token | None:
    """First word of a sentence after greetings ("Bonjour Julie, comment ...")."""
    i = 0
    while i < len(words) and folds[words[i].i] in _GREETINGS:
        i += 1
    if 0 < i < len(words) - 1 and words[i].text.istitle() and words[i].nbor().is_punct:
        i += 1  # a first name after the greeting
    return words[i] if i < len(words) else None


def _inversion(sentence: _Sentence) -> tuple[int, int] | None:
    """Verb + hyphenated subject pronoun, or "-ez vous" opening the sentence."""
    span, folds = sentence.span, sentence.folds
    # On the text: the tokenizer keeps "Est-il" whole but splits "est-il" and "Peux - tu".
    for match in _INVERSION.finditer(span.text):
        verb, pronoun = fold(match.group(1)), match.group(2).lower()
        if verb in _NOT_VERBS or (pronoun == "vous" and verb in _IMPERATIVE_VOUS):
            continue  # "chez-vous", "abonnez-vous"
        if pronoun == "nous" and not (verb.endswith("ons") or verb == "sommes"):
            continue  # "contactez-nous"
        if pronoun in ("il", "elle", "on", "ils", "elles") and verb in _INCISE_VERBS:
            continue  # "paraît-il"
        start = span.start_char + match.start()
        found = span.doc.char_span(start, start + len(match.group()), alignment_mode="expand")
        return found.start, found.end
    lead = sentence.lead
    if lead is None or lead.i + 1 >= span.end:
        return None
    verb, pronoun = folds[lead.i], folds[lead.i + 1]
    after = folds[lead.i + 2] if lead.i + 2 < span.end else ""
    if (
        pronoun == "vous"
        and (verb.endswith("ez") or verb in ("etes", "faites"))
        and verb not in _IMPERATIVE_VOUS | _NOT_VERBS
        and not (after.endswith("ez") or after == "etes")  # "continuez vous êtes top"
    ):
        return lead.i, lead.i + 2
    return None


def _wh_start(sentence: _Sentence) -> tuple[int, int] | None:
    """A question word opens the sentence (after greetings)."""
    lead, span = sentence.lead, sentence.span
    if lead is None or sentence.fold(lead) not in _WH_START or len(sentence.words) < 2:
        return None  # a lone "quand" is left to the '?' rule
    word = sentence.fold(lead)
    following = lead.nbor() if lead.i + 1 < span.end else None
    following_fold = sentence.fold(following) if following is not None else ""
    if (
        word == "ou"
        and lead.text.lower() != "où"
        and not (
            following is not None
            and (following.pos_ in ("VERB", "AUX", "PRON") or following_fold in _WHERE_NEXT)
        )
    ):
        return None  # "ou alors", "ou bien"
    if word == "qui" and following_fold not in _WHO_NEXT:
        return None
    if (
        word == "quand"
        and following is not None
        and following.pos_ in _CLAUSE_START - {"AUX", "VERB"}
    ):
        return None  # "quand le colis est arrivé, ..."
    if word in ("pourquoi", "pq", "pk") and following_fold == "pas":
        after = lead.i + 2
        if after >= span.end or not has_alnum(span.doc[after]):
            return None  # "pourquoi pas !"
    if (
        word.startswith(("quel", "kel"))
        and "?" not in span.text
        and ("!" in span.text or span_score(span) != 0)
    ):
        return None  # exclamative: "quel accueil !", "quel délice 😍"
    return lead.i, lead.i + 1


def _wh_word(sentence: _Sentence) -> tuple[int, int] | None:
    """A question word inside or at the end: "ça fait combien", "vous livrez quand svp"."""
    content = [w for w in sentence.words if sentence.fold(w) not in _PLEASE | {"merci"}]
    if len(content) < 2:
        return None
    for word in content:
        if sentence.fold(word) == "combien":
            return word.i, word.i + 1
        if (
            sentence.fold(word) == "quand"
            and word.i + 1 < sentence.span.end
            and word.nbor().pos_ not in _CLAUSE_START  # not "quand le colis arrivera"
        ):
            return word.i, word.i + 1
    if sentence.fold(content[-1]) in _WH_END:
        return content[-1].i, content[-1].i + 1
    return None


def _declarative(sentence: _Sentence) -> tuple[int, int] | None:
    """ "vous" + a service verb, no opinion: "slt vous avez des antivols en stock".

    Also "on peut" + a verb: "on peut payer en chèque".
    """
    lead, span, folds = sentence.lead, sentence.span, sentence.folds
    if lead is None or lead.i + 2 >= span.end:
        return None
    verb, following = span.doc[lead.i + 1], span.doc[lead.i + 2]
    if folds[lead.i] == "on" and folds[verb.i] in ("peut", "pourrait"):
        if folds[following.i] in _CAN_WE_NOT or span_score(span) != 0:
            return None
        return lead.i, lead.i + 2
    if folds[lead.i] not in ("vous", "vs"):
        return None
    if folds[verb.i] == "etes" and folds[following.i] not in _OPEN_WORDS:
        return None
    if folds[verb.i] != "etes" and (
        folds[verb.i] not in _SERVICE_VERBS
        or following.pos_ == "VERB"
        or folds[following.i] == "ete"
    ):
        return None  # "vous avez perdu un client", "vous avez été formidables"
    if folds[following.i] in ("raison", "tort") or span_score(span) != 0:
        return None  # an opinion, not a question: "vous avez un super atelier"
    return lead.i, lead.i + 2


def _qmark(sentence: _Sentence) -> tuple[int, int] | None:
    """A '?' closes a sentence that has words and is not just a reaction ("Sérieux ?")."""
    if not sentence.words or sentence.opening_rhetoric:
        return None
    if all(sentence.fold(w) in _INTERJECTIONS for w in sentence.words):
        return None
    for token in sentence.span:
        if "?" in token.text and not token.like_url:
            return token.i, token.i + 1
    return None


def _fragment(sentence: _Sentence) -> tuple[int, int] | None:
    """A few words naming a fact: "horaires le samedi svp", or bare: "Horaires le samedi"."""
    words = sentence.words
    if not words or len(words) > _FRAGMENT_WORDS:
        return None
    folded = [sentence.fold(w) for w in words]
    if folded in (["mp"], ["dm"], ["inbox"], ["en", "mp"]):
        return words[0].i, words[-1].i + 1  # "je prends ! mp": write to me in private
    polite = any(f in _PLEASE for f in folded) or "il vous plait" in " ".join(folded)
    nouns = [w for w, f in zip(words, folded, strict=True) if {f, singular(f)} & _INFO_NOUNS]
    if nouns and polite:
        return nouns[0].i, nouns[0].i + 1
    bare = (
        nouns
        and nouns[0] is words[0]
        and len(words) <= _BARE_FRAGMENT_WORDS
        and not any(w.pos_ in ("ADJ", "VERB", "AUX") for w in words)
        and span_score(sentence.span) == 0
    )
    return (words[0].i, words[0].i + 1) if bare else None


@Language.factory(
    "ecoute_questions",
    requires=["doc._.lang", "doc._.sentiment", "doc._.polarities"],
    assigns=[
        "doc._.is_question",
        "doc._.question_sentence",
        "doc._.question_rule",
        "doc._.question_type",
    ],
)
def make_question_detector(nlp: Language, name: str) -> QuestionDetector:
    """spaCy factory: ``nlp.add_pipe("ecoute_questions")`` (after ``ecoute_sentiment``)."""
    return QuestionDetector(nlp)
