"""French words missing from spaCy's French stop-word list, counted as French evidence.

spaCy's lists are for edited text: "bien", "trop" or "c" are not French stop words there
("top" is even an English one, "bravo" an Italian one), so social comments like "c trop bien"
would look Spanish.
Keep this list to words that are unmistakably French on social media.
"""

# fmt: off
FRENCH_MARKERS: frozenset[str] = frozenset(
    {
        "bien", "trop", "top", "bonjour", "bonsoir", "salut", "coucou", "merci", "svp", "stp",
        "c", "cest", "jai", "jsuis", "chui", "ya", "jsp", "qqn", "qqun", "bcp", "tjrs", "tjs",
        "pk", "pq", "mdr", "ptdr", "vs", "ns", "slt", "bjr", "chez", "super", "vraiment",
        "toujours", "jamais", "rien", "aucun", "aucune", "commande", "livraison", "bravo",
        "allo", "marche", "non", "numero",
    }
)
# fmt: on
