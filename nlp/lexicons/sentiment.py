"""French polarity lexicon for customer comments (v0, hand-written for ecoute).

Weights are on a 0.5 (mild) .. 3 (strong) scale, positive or negative. Words are matched
on their folded form and on their folded lemma, with a light plural/feminine fallback
("nulles" -> "nulle" -> "nul"), so list the base form and irregular forms only.
"""

# fmt: off
#: Single words. Adjectives, nouns, verbs (lemma or frequent form) and social shorthand.
WORDS: dict[str, float] = {
    # positive
    "génial": 2.5, "géniale": 2.5, "géniaux": 2.5, "génialissime": 3.0, "super": 2.0,
    "top": 2.0, "nickel": 2.0, "parfait": 2.5, "parfaite": 2.5, "parfaitement": 2.0,
    "excellent": 2.5, "excellente": 2.5, "bravo": 2.0, "félicitations": 2.0, "merci": 0.5,
    "bien": 1.0, "bon": 1.0, "bonne": 1.0, "content": 1.5, "contente": 1.5, "satisfait": 1.5,
    "satisfaite": 1.5, "ravi": 2.0, "ravie": 2.0, "heureux": 2.0, "heureuse": 2.0,
    "adorer": 2.5, "adore": 2.5, "aimer": 1.5, "aime": 1.5, "kiffer": 2.0, "kiffe": 2.0,
    "recommande": 2.0, "recommandons": 2.0, "conseille": 1.5,
    "efficace": 1.5, "rapide": 1.2, "rapidement": 1.0, "réactif": 1.5, "réactive": 1.5,
    "sympa": 1.5, "sympathique": 1.5, "agréable": 1.5, "accueillant": 1.5,
    "accueillante": 1.5, "aimable": 1.5, "gentil": 1.5, "gentille": 1.5, "serviable": 1.5,
    "professionnel": 1.5, "professionnelle": 1.5, "pro": 1.2, "compétent": 1.5,
    "compétente": 1.5, "impeccable": 2.0, "magnifique": 2.5, "superbe": 2.5, "beau": 1.5,
    "belle": 1.5, "joli": 1.5, "jolie": 1.5, "merveilleux": 2.5, "formidable": 2.5,
    "cool": 1.5, "fiable": 1.5, "solide": 1.0, "confortable": 1.5, "pratique": 1.0,
    "chapeau": 1.5, "plaisir": 1.5, "qualitatif": 1.5, "soigné": 1.5, "soignée": 1.5,
    "extra": 2.0, "incroyable": 2.0, "youpi": 1.5, "remarquable": 2.5, "exceptionnel": 2.5,
    "exceptionnelle": 2.5, "adorable": 2.0, "chaleureux": 1.5, "chaleureuse": 1.5,
    "rêve": 1.5, "meilleur": 2.0, "meilleure": 2.0, "meilleurs": 2.0, "meilleures": 2.0,
    "mieux": 1.0, "pépite": 2.0, "bluffant": 2.0, "bluffante": 2.0, "valide": 1.0,
    "merveille": 2.0, "merveilles": 2.0, "conquis": 2.0, "conquise": 2.0, "magicien": 2.0,
    "magicienne": 2.0, "enjaillé": 2.0, "régal": 2.0, "régaler": 2.0, "délice": 2.0,
    "délicieux": 2.5, "délicieuse": 2.5, "tuerie": 2.5, "dinguerie": 2.0, "stylé": 1.5,
    "tiguidou": 2.0, "écoeurant": 1.5, "apprécier": 1.5, "apprécie": 1.5, "remercier": 1.5,
    "remercie": 1.5, "reconnaissant": 1.5, "reconnaissante": 1.5, "fier": 1.0, "fière": 1.0,
    "impec": 2.0, "gère": 1.5, "génie": 2.0, "fan": 1.5, "fidèle": 1.0, "chouette": 1.5,
    "facile": 1.0, "clair": 0.8, "simple": 0.5, "patient": 1.5,
    "patiente": 1.5, "souriant": 1.5, "souriante": 1.5, "love": 2.0,
    "enfin": 0.5, "honnête": 1.5, "rassurant": 1.5, "efficacité": 1.5, "propre": 1.0,
    # negative
    "nul": -2.5, "nulle": -2.5, "naze": -2.0, "pourri": -2.5, "pourrie": -2.5,
    "horrible": -2.5, "catastrophique": -2.5, "catastrophe": -2.5, "cata": -2.0,
    "déçu": -2.0, "déçue": -2.0, "décevoir": -2.0, "décevant": -2.0, "décevante": -2.0,
    "déception": -2.0, "honteux": -2.5, "honteuse": -2.5, "honte": -2.5, "scandale": -2.5,
    "scandaleux": -2.5, "inadmissible": -2.5, "inacceptable": -2.5, "arnaque": -3.0,
    "arnaquer": -3.0, "arnaqueur": -3.0, "escroc": -3.0, "escroquerie": -3.0,
    "voleur": -2.5, "voleurs": -2.5, "bof": -1.0, "moyen": -0.8, "mauvais": -1.5,
    "mauvaise": -1.5, "lent": -1.2, "lente": -1.2, "cher": -1.0, "chère": -1.0,
    "problème": -1.0, "souci": -1.0, "panne": -1.5, "cassé": -1.5, "cassée": -1.5,
    "défectueux": -2.0, "défectueuse": -2.0, "abîmé": -1.5, "abîmée": -1.5,
    "retard": -1.2, "injoignable": -2.0, "incompétent": -2.5, "incompétente": -2.5,
    "incompétence": -2.5, "désagréable": -2.0, "impoli": -2.0, "impolie": -2.0,
    "mépris": -2.0, "méprisant": -2.0, "dommage": -1.0, "regretter": -1.5, "regrette": -1.5,
    "fuir": -2.0, "fuyez": -2.5, "galère": -1.5, "marre": -2.0, "énervé": -2.0,
    "énervée": -2.0, "furieux": -2.5, "furieuse": -2.5, "colère": -2.0, "agacé": -1.5,
    "lamentable": -2.5, "pitoyable": -2.5, "minable": -2.5, "déplorable": -2.5,
    "mensonge": -2.0, "menteur": -2.5, "insupportable": -2.5, "horreur": -2.0,
    "cauchemar": -2.5, "triste": -1.5, "dégoûté": -2.0, "dégoûtée": -2.0,
    "dégueulasse": -2.5, "bidon": -2.0, "inutile": -1.5, "ridicule": -2.0, "pire": -2.0,
    "médiocre": -2.0, "radin": -1.5, "attente": -0.8, "remboursez": -1.5,
    "aberrant": -2.5, "honteusement": -2.5, "lâché": -1.5, "abusé": -2.0, "abusif": -2.0,
    "mouais": -1.2, "plate": -1.5, "gâté": -1.5, "gâtée": -1.5, "fatiguer": -1.5,
    "fatigue": -1.5, "jpp": -2.0, "inexistant": -2.0, "inexistante": -2.0, "chiant": -2.0,
    "chiante": -2.0, "relou": -1.5, "hs": -1.5, "infernal": -2.0, "infernale": -2.0,
    "impossible": -1.5, "camelote": -2.5, "chiffon": -1.0, "sale": -2.0, "sales": -2.0,
    "taché": -1.5, "tachée": -1.5, "bruyant": -1.5, "bruyante": -1.5, "bruit": -1.0,
    "périmé": -2.0, "périmés": -2.0, "fané": -1.5, "fanés": -1.5, "humiliés": -2.0,
    "humilié": -2.0, "surchauffe": -1.5, "moisi": -2.0, "froid": -0.5, "froide": -0.5,
    "immonde": -2.5, "infect": -2.5, "infecte": -2.5, "dégoûtant": -2.5, "dégoûter": -2.0,
    "ras-le-bol": -2.5, "agaçant": -1.5, "saoule": -1.5, "soûle": -1.5, "galérer": -1.5,
    "bâclé": -2.0, "bâclée": -2.0, "rater": -1.0, "raté": -1.5, "ratée": -1.5,
    "erreur": -1.0, "oublié": -1.0, "oubliée": -1.0, "perdu": -1.0, "perdue": -1.0,
    "annulé": -1.0, "annulée": -1.0, "bloqué": -1.2, "bloquée": -1.2, "coincé": -1.2,
    "coincée": -1.2, "chuté": -1.5, "dégradé": -1.5, "dégradée": -1.5, "abusent": -2.0,
    "ruine": -1.5, "excuse": -0.5, "plainte": -1.5, "réclamation": -1.0,
    "fâché": -2.0, "fâchée": -2.0, "écoeuré": -2.0, "écoeurée": -2.0, "vol": -1.5,
    "allô": -1.0,  # written, "Allô ??" is a reproach: nobody answers
}

#: Multi-word expressions, matched before single words (the longest match wins).
#: "|" separates choices and "#" stands for a number written in digits.
#: Weight 0 neutralises a phrase whose words would otherwise count ("pas mal de monde").
PHRASES: dict[str, float] = {
    "au top": 2.5, "pas mal": 1.0, "pas terrible": -1.5, "pas top": -1.5, "pas ouf": -1.5,
    "rien à dire": 1.5, "rien à redire": 2.0, "bien joué": 2.0, "merci beaucoup": 1.0,
    "merci mille fois": 1.5, "de qualité": 1.0, "je recommande": 2.0, "à recommander": 2.0,
    "hors de prix": -2.0, "à éviter": -2.5, "plus jamais": -2.5, "toujours pas": -1.5,
    "toujours rien": -1.5, "toujours aucune": -1.5, "j'attends toujours": -1.5,
    "aucune réponse": -2.0, "aucune nouvelle": -2.0, "aucunes nouvelles": -2.0,
    "sans réponse": -2.0, "sans nouvelles": -2.0, "pas de réponse": -2.0,
    "pas de nouvelles": -1.5, "ras le bol": -2.5, "foutage de gueule": -3.0,
    "n'importe quoi": -2.0, "se moquer": -2.0, "se moque": -2.0, "se moquent": -2.0,
    "prendre pour des pigeons": -2.5, "pas sérieux": -2.0, "sans explication": -1.5,
    "sans explications": -1.5, "pourriez au moins": -1.5, "pourrait au moins": -1.5,
    "c'est long": -1.0, "que j'attends": -1.0,
    "pas moyen": -1.5, "depuis # jours|semaines|mois": -1.0,
    "merci pour rien": -2.5, "zéro étoile": -2.5, "rien ne va": -2.5, "c'est chaud": -1.0,
    "moins bien": -1.5, "moins bon": -1.5, "moins bonne": -1.5, "mieux avant": -1.5,
    "pas un mot": -1.5, "pas d'excuse": -1.5, "pas d'excuses": -1.5, "à moitié": -0.5,
    "me fatigue": -1.5, "en panne": -1.5, "ne marche plus": -1.5, "j'en peux plus": -2.0,
    "jamais eu un souci": 1.5, "jamais eu de souci": 1.5, "jamais eu de problème": 1.5,
    "jamais eu un seul souci": 1.5, "jamais déçu": 1.5, "jamais déçue": 1.5,
    "vaut le coup": 1.5, "valent le coup": 1.5, "ça vaut": 0.5, "les vaut": 1.0,
    "dix fois mieux": 2.0, "au petit soin": 2.0, "aux petits soins": 2.0, "de loin": 0.5,
    "de ouf": 1.5, "pas de ouf": -1.0, "je valide": 1.5, "on valide": 1.5,
    "fait le taf": 1.5, "fait le job": 1.5, "sans plus": -0.8, "bonne journée": 0.0,
    "bonne soirée": 0.0, "bonne continuation": 1.0, "bon week-end": 0.0,
    "bonne année": 0.5, "bon état": 0.0, "en bon état": 0.0, "bonne nouvelle": 1.0,
    "ce serait bien": 0.0, "serait bien": 0.0, "il serait bien": 0.0,
    # neutralisers
    "pas mal de": 0.0, "bon de commande": 0.0, "bon d'achat": 0.0, "bon cadeau": 0.0,
    "bon ben": 0.0, "bon bah": 0.0, "merci de": 0.0, "merci d'": 0.0,
    "merci d'avance": 0.0, "merci davance": 0.0, "merci par avance": 0.0,
    "bien reçu": 0.0, "bien sûr": 0.0, "bien entendu": 0.0, "dans l'attente": 0.0,
    "moyen de|d'": 0.0, "moyens de|d'": 0.0,
    "problème résolu": 1.0, "pas de problème": 1.0, "pas de souci": 0.5,
    "pas de soucis": 0.5, "aucun problème": 1.0, "aucun souci": 1.0,
}

#: Words that are neutral unless negated: "reçu" says nothing, "jamais reçu" complains.
NEGATED_ONLY: dict[str, float] = {
    "marcher": 1.5, "marche": 1.5, "fonctionner": 1.5, "fonctionne": 1.5, "recevoir": 1.5,
    "reçu": 1.5, "reçue": 1.5, "arriver": 1.5, "arrivé": 1.5, "arrivée": 1.5,
    "livrer": 1.5, "livré": 1.5, "livrée": 1.5, "répondre": 1.5, "répond": 1.5,
    "répondez": 1.5, "répondu": 1.5, "rappeler": 1.0, "rappelé": 1.0, "décrocher": 1.5,
    "décroche": 1.5,
}

#: Emojis and emoticons (matched on the token, or on each character of an emoji run).
EMOJIS: dict[str, float] = {
    "😍": 2.5, "🥰": 2.5, "🤩": 2.5, "👍": 1.5, "🙏": 1.0, "❤": 2.0, "♥": 2.0, "💕": 2.0,
    "💖": 2.0, "<3": 2.0, "😊": 1.5, "🙂": 1.0, "😀": 1.5, "😃": 1.5, "😄": 1.5, "😁": 1.5,
    "😘": 1.5, "👌": 1.5, "👏": 1.5, "💪": 1.0, "😎": 1.0, "🔥": 1.0, "😂": 0.5, "🤣": 0.5,
    ":)": 1.0, ":-)": 1.0, ":d": 1.5, ";)": 1.0, "xd": 0.5,
    "😡": -2.5, "🤬": -3.0, "😠": -2.0, "👎": -2.0, "😤": -2.0, "😞": -1.5, "😢": -1.5,
    "😭": -1.5, "😒": -1.5, "🙄": -1.5, "😩": -1.5, "😫": -1.5, "😕": -1.0, "🙁": -1.0,
    "☹": -1.5, "💩": -2.0, ":(": -1.5, ":-(": -1.5, ":'(": -1.5,
    "✨": 1.0, "💯": 2.0, "😋": 2.0, "🤤": 1.5, "🙌": 1.5, "🥳": 1.5, "🎉": 1.0, "🤗": 1.5,
    "💙": 2.0, "💚": 2.0, "💜": 2.0, "🧡": 2.0, "💛": 2.0, "⭐": 1.0, "🌟": 1.0, "🏆": 1.0,
    "😌": 1.0, "😻": 2.0, "😇": 1.0, ":/": -1.0, ":-/": -1.0, "🤮": -2.5, "🤢": -2.0,
    "😣": -1.5, "😖": -1.5, "😑": -1.0, "😐": -0.5, "😬": -0.8, "🤦": -1.5, "😱": -1.0,
    "🤡": -1.5, "💔": -1.5, "😪": -1.0, "🥵": -0.5, "🙃": -1.0,
}

#: Praise that turns into sarcasm in a comment that complains or rolls its eyes:
#: "Rendez-vous annulé une heure avant. Génial 🙄", "Super, la box qui saute. Merci hein."
IRONY_PRONE: frozenset[str] = frozenset(
    {
        "génial", "géniale", "super", "bravo", "merci", "charmant", "charmante", "sympa",
        "excellent", "chapeau", "félicitations", "top", "parfait", "magnifique", "formidable",
        "bien joué", "quel plaisir", "merveilleux",
    }
)
#: Emojis that mark the whole comment as ironic.
IRONY_MARKERS: frozenset[str] = frozenset({"🙄", "🙃", "😒", "🤡"})

#: Before a polar word: multiply its weight. ("un peu" is handled in the component: "peu"
#: alone negates, "peu aimable", while "un peu cher" only softens.)
INTENSIFIERS: dict[str, float] = {
    "très": 1.5, "trop": 1.5, "vraiment": 1.4, "super": 1.5, "hyper": 1.5, "ultra": 1.5,
    "tellement": 1.5, "vachement": 1.4, "extrêmement": 1.7, "complètement": 1.5,
    "totalement": 1.5, "absolument": 1.5, "carrément": 1.4, "franchement": 1.2,
    "bien": 1.3, "si": 1.3, "plutôt": 0.8, "légèrement": 0.6, "moyennement": 0.5,
}

#: Negators before a polar word (window of 3 words). "plus" only counts with "ne"/"n'".
NEGATORS_BEFORE: frozenset[str] = frozenset(
    {"pas", "jamais", "rien", "aucun", "aucune", "sans", "ni", "ne", "n'", "peu", "guère"}
)
#: Negators right after a verb, the way social French drops "ne": "ça marche pas".
NEGATORS_AFTER: frozenset[str] = frozenset({"pas", "plus", "jamais", "point"})
#: What comes after these words weighs more, what comes before weighs less.
CONTRAST: frozenset[str] = frozenset(
    {"mais", "cependant", "pourtant", "néanmoins", "toutefois", "malheureusement"}
)
# fmt: on
