"""Phrases and word lists behind question and request detection (v0, written for ecoute).

``PATTERNS`` use the small language of ``nlp.components.text.expand``: words separated by
spaces, "a|b" a choice, "(a)" optional, "{slot}" any phrase of ``SLOTS[slot]``. A choice
is one word: put choices of several words in a slot. Matching is
on folded words, so accents, apostrophe style and "pouvez-vous" / "pouvez vous" don't matter.
The label of a pattern group is the ``question_rule`` an analyst reads; "rhetoric" and
"not_wh" are blockers that cancel the matches they overlap.
"""

#: Question rules, in the order they are tried on a sentence (also `question_rule` values).
RULES: tuple[str, ...] = (
    "request",
    "indirect",
    "est_ce_que",
    "inversion",
    "wh_start",
    "wh_phrase",
    "wh_word",
    "qmark",
    "declarative",
    "fragment",
)

# fmt: off
SLOTS: dict[str, tuple[str, ...]] = {
    "want": (
        "je voudrais", "je voulais", "j'aimerais", "jaimerais", "je souhaiterais",
        "je souhaite", "je souhaitais", "j'aurais voulu", "j'aurais aimé", "je veux",
        "jvoudrais", "je voudrai", "j'aimerai",  # the last two: frequent misspellings
    ),
    "me": ("me", "m'", "nous", "moi"),
    "can_you": ("pouvez-vous", "pourriez-vous", "peux-tu", "pourrais-tu", "pouvez vs"),
    "you_can": ("vous pouvez", "vous pourriez", "tu peux", "tu pourrais", "vs pouvez"),
    "please": ("svp", "stp", "s'il vous plaît", "s'il vous plait", "s'il te plaît", "please"),
    "action": (
        "rappeler", "recontacter", "contacter", "appeler", "envoyer", "renvoyer", "répondre",
        "transmettre", "rembourser", "expédier", "indiquer", "confirmer", "faire", "donner",
        "communiquer", "réserver", "mettre de côté", "tenir au courant", "aider", "écrire",
        "préciser", "faire parvenir", "livrer", "dépanner", "vérifier", "regarder",
        "corriger", "annuler", "modifier", "inscrire", "garder", "refaire", "changer",
        "prévenir", "remplacer", "réparer", "mettre", "ajouter", "expliquer", "passer",
        "faire passer", "rajouter", "renseigner",
    ),
    "imperative": (
        "rappelez", "recontactez", "contactez", "appelez", "écrivez", "envoyez", "répondez",
        "renvoyez", "remboursez", "tenez", "aidez", "réservez", "prévenez", "inscrivez",
        "gardez", "mettez", "dm", "mp", "inbox", "ecris",
    ),
    "request_object": (
        "un devis", "un rdv", "un rendez-vous", "prendre rdv", "prendre rendez-vous",
        "prendre un rdv", "prendre un rendez-vous", "réserver", "commander", "annuler",
        "modifier", "être rappelé", "être rappelée", "être recontacté", "être recontactée",
        "être contacté", "être contactée", "être remboursé", "être remboursée",
        "un remboursement", "une réponse", "avoir une réponse", "un retour", "avoir un retour",
        "une facture", "avoir un devis", "des nouvelles", "avoir des nouvelles", "parler à",
        "parler avec", "joindre", "retourner", "échanger", "faire réparer", "faire réviser",
        "une réparation", "une révision", "que vous", "que tu",
    ),
    "need_object": (
        "devis", "rdv", "rendez-vous", "réparation", "révision", "remboursement", "rappel",
        "intervention", "dépannage",
    ),
    "info_object": (
        "savoir", "connaître", "des infos", "des informations", "des renseignements",
        "un renseignement", "une info", "une information", "avoir des infos",
        "avoir des informations", "avoir des renseignements", "avoir une info",
        "me renseigner", "en savoir plus", "des précisions",
    ),
    "wonder": ("je me demandais", "je me demande", "jme demandais", "je me posais la question"),
    "wh": (
        "si", "s'il", "s'ils", "quand", "comment", "combien", "où", "ou", "quel", "quelle",
        "quels", "quelles", "à quelle",
    ),
    "someone": ("qqn", "qqun", "quelqu'un", "quelquun", "qq1", "quelqu un"),
    "someone_knows": (
        "sait", "saurait", "connait", "a une idée", "aurait une idée", "peut me dire",
        "pourrait me dire", "a des infos", "a déjà", "a testé", "peut m'aider",
        "pourrait m'aider", "peut me renseigner",
    ),
    "exclamation": (
        "plaisir", "honte", "bonheur", "joie", "dommage", "déception", "galère", "blague",
        "arnaque", "horreur", "merveille", "chance", "beauté", "bel", "belle", "beau", "bon",
        "bonne", "joli", "jolie", "superbe", "magnifique", "sale", "mauvais", "mauvaise",
        "super", "top", "cata", "catastrophe", "gâchis", "enfer", "accueil", "talent",
        "travail", "boulot", "équipe", "régal", "surprise", "rapidité", "professionnalisme",
    ),
    "subject": ("je", "j'", "on", "tu", "t'", "il", "elle", "ils", "elles", "nous", "vous",
                "c'", "ça", "ca", "tout le monde"),
}

PATTERNS: dict[str, tuple[str, ...]] = {
    # Asking the company to *do* something: call back, send, quote, refund.
    "request": (
        "{want} {request_object}",
        "{can_you} {me} {action}", "{you_can} ({me}) {action}",
        "{someone} peut|pourrait|pourra ({me}) {action}",
        "merci de ({me}) {action}", "vous allez {me} {action}",
        "vous allez rembourser|réagir|répondre|dédommager", "vous allez faire quoi",
        "vous allez faire quelque chose",
        "je veux bien le|la|les|l'|un|une|des", "c'est|cest|c possible que|qu'",
        "mp|dm|inbox moi|svp|stp|please",
        "pourriez-vous", "vous pourriez", "auriez-vous la gentillesse",
        "merci de (bien) {me} {action}", "merci de bien vouloir", "merci de répondre",
        "merci de faire le nécessaire", "merci de revenir vers moi",
        "{imperative} moi", "inscrivez|prévenez|gardez|réservez nous",
        "répondez {please}", "répondez-moi|répondez-nous",
        "pourrais-je|puis-je|pourrait-on avoir|recevoir|obtenir",
        "(j'ai) besoin d'un|d'une {need_object}", "demande de devis", "devis svp|stp",
        "est-il possible de|d'", "serait-il possible de|d'",
        "ce serait possible de|d'", "c'est|cest|c possible de|d'", "serait-ce possible",
        "(en) mp|dm|privé svp|stp|please", "svp|stp contactez|rappelez|répondez",
    ),
    # Asking for information without a question form: "je voudrais savoir si ...".
    "indirect": (
        "{want} {info_object}",
        "{wonder} {wh}", "je me demandais pourquoi",
        "savez-vous", "sauriez-vous", "vous savez si|quand|combien|où|ou|comment",
        "tu sais si|quand|combien|où|ou", "vs savez si|quand",
        "{someone} {someone_knows}",
        "qui peut|pourrait|saurait me|m' dire|aider|renseigner",
        "vous avez une idée", "vous auriez une idée", "une idée du|des|sur",
        "une idée de prix|délai|tarif|coût|date",
        "des infos|informations|renseignements|précisions sur|concernant|pour",
        "besoin d'infos|d'informations", "besoin d'un renseignement",
        "besoin d'une info|information",
        "besoin de renseignements|précisions",
        "petite question", "j'ai une question", "question rapide",
        "dites-moi|dites-nous si|quand|combien|comment|où|ou",
        "pourriez-vous|pouvez-vous me|m' dire|indiquer|renseigner|préciser",
        "pour savoir si|quand|combien|comment|où|ou", "je cherche des infos", "je cherche à savoir",
        "expliquez-moi|expliquez-nous",
    ),
    "est_ce_que": (
        "est-ce que|qu'|qui|possible|normal|vrai|grave|prévu|compatible|ouvert|fermé",
        "esque", "eske", "esk", "estce", "keske", "kesk",
    ),
    # Inversions written without the hyphen (the hyphenated ones are found by the parser's
    # tokens, see ``questions.py``).
    "inversion": (
        "y a t il", "ya t il", "y a til", "ya til", "yatil", "y'a t il", "y aura t il",
        "peut on", "faut il", "puis je", "dois je", "peux tu", "sont ils|elles",
        "c tu", "c'tu", "c'est tu", "cest tu", "ça tu", "ca tu",
        "est il|elle ouvert|ouverte|fermé|fermée|possible|dispo|disponible|prévu|prévue",
    ),
    # Question words in fixed phrases, wherever they stand in the sentence.
    "wh_phrase": (
        "c'est|cest|c quand|combien|où|ou|quoi|koi", "ça|ca|sa coûte|coute|fait combien",
        "combien ça|ca|sa coûte|coute|fait", "combien coûte|coute|coûtent|coutent|vaut",
        "combien de temps|jours|semaines|délai", "combien pour",
        "vous prenez|faites|demandez combien", "à|a quelle heure|date",
        "à|a partir de quand", "à|a partir de quelle heure", "jusqu'à|jusqu'a|jusqua quand",
        "jusqu'à|jusqu'a|jusqua quelle heure",
        "quel|quels jour|jours|horaire|horaires", "à|a quand", "ou quoi", "ou pas",
        "que faire", "quoi faire", "je fais comment", "on fait comment",
        "ou c'est|cest|c|c'était|juste|seulement|faut|bien", "ou il faut", "ou il y a",
    ),
    # Rhetoric: cancels the matches it overlaps, and a '?' when it opens the sentence.
    "rhetoric": (
        "quand je|j' pense|vois|lis", "quand on pense|voit|sait|lit", "comment dire",
        "comment vous dire", "comment ne pas", "je me demande pourquoi",
        "jme demande pourquoi", "c'est|cest|c ce que|qui|qu'", "n'est-ce pas",
        "quel|quelle|quels|quelles {exclamation}", "n'importe quand|où|ou|comment|quoi",
        "peu importe", "qui sait", "et pourquoi pas", "faites-vous plaisir", "où|ou que",
        "quand on sait|voit|pense combien|comment|pourquoi|quand|où|ou",
        "qui n'aime pas", "qui n'aimerait pas", "qui ne connait pas", "qui n'a jamais",
        "qui dit mieux",
        "quoi de mieux|plus", "comment résister", "comment ne pas",
        "sais pas combien", "combien de fois j'|je|on|tu",
    ),
    # Not rules: cues that type a question. A complaint cue makes a question that is not
    # positive a "complaint"; a request cue makes it a "request".
    "complaint_cue": (
        "toujours pas|rien|aucun|aucune|personne", "c'est|cest|c|est-ce normal", "normal que",
        "enfin", "encore une fois", "# fois que|de suite|déjà", "deux|trois fois que|de suite|déjà",
        "personne ne", "jamais",
        "rembourser|remboursé|remboursée|remboursement|remboursés|rembourse",
        "oublié|oubliée|oubliés|manquait|manquant|manquants|manque", "erreur", "augmenté",
        "augmente", "pas normal", "depuis # jours|semaines|mois|heures|h", "et mon|ma|mes",
        "qui a raison", "comment une chose pareille", "a quoi ça sert", "je fais quoi",
    ),
    "request_cue": (
        "{can_you} ({me}) {action}", "{you_can} ({me}) {action}", "{can_you} {me}",
        "{you_can} {me}", "je peux|pourrais|puis décaler|annuler|réserver|avoir|changer|reporter",
        "on peut|pourrait {me}", "est-ce que vous pouvez|pourriez", "{please}",
        "pouvez-vous|pourriez-vous|vous pouvez prolonger|estimer|bloquer|commander|accorder",
        "mp", "dm", "catalogue", "rdv", "rappel",
    ),
    # Not a question word here: "quand je suis arrivé", "quand même", "ou alors".
    "not_wh": (
        "quand {subject}", "quand même", "comme quoi", "ou alors", "ou bien", "ou sinon",
        "ou plus", "ou moins",
    ),
}

#: Words that, alone before '?', are a reaction rather than a question ("Sérieux ?").
INTERJECTIONS: frozenset[str] = frozenset(
    {
        "serieux", "serieusement", "hein", "ah", "bon", "quoi", "vraiment", "sans", "blague",
        "lol", "mdr", "ptdr", "oh", "eh", "bah", "ben", "non", "oui", "ok", "genre", "wtf",
        "euh", "hmm", "ha", "haha", "hahaha", "ouf", "mais", "encore", "alors", "et",
        "ouais", "quand", "meme", "dingue", "incroyable",
    }
)
#: Skipped before looking for the first word of a sentence ("Bonjour, comment ...").
GREETINGS: frozenset[str] = frozenset(
    {
        "bonjour", "bonsoir", "salut", "hello", "coucou", "bjr", "bsr", "slt", "cc", "hey",
        "re", "rebonjour", "madame", "monsieur", "mme", "mr", "m", "svp", "stp", "alors",
        "et", "sinon", "du", "coup", "donc", "euh", "oui", "non", "ok", "merci", "super",
    }
)
#: Subject pronouns after an inverted verb: "pouvez-vous", "a-t-il", "peut-on".
SUBJECT_PRONOUNS: frozenset[str] = frozenset(
    {"je", "tu", "il", "elle", "on", "nous", "vous", "ils", "elles"}
)
#: "-vous" after these is an imperative, not a question: "abonnez-vous", "rendez-vous".
IMPERATIVE_VOUS: frozenset[str] = frozenset(
    {
        "abonnez", "inscrivez", "depechez", "renseignez", "rassurez", "mefiez", "adressez",
        "rendez", "excusez", "debrouillez", "taisez", "calmez", "installez", "asseyez",
        "amusez", "regalez", "offrez", "laissez", "connectez", "preparez", "imaginez",
        "accrochez", "equipez", "arretez", "approchez", "precipitez", "detendez", "pressez",
        "reposez", "servez", "garez", "promenez", "evadez",
    }
)
#: Reported-speech verbs: "c'est fermé, paraît-il" is no question.
INCISE_VERBS: frozenset[str] = frozenset(
    {"dit", "parait", "semble", "ajoute", "explique", "precise", "repond", "affirme",
     "assure", "declare", "disait", "paraissait", "semblait"}
)
#: Question words that make a question when they open a sentence.
WH_START: frozenset[str] = frozenset(
    {
        "comment", "quand", "combien", "pourquoi", "pq", "pk", "quel", "quelle", "quels",
        "quelles", "ou", "qui", "lequel", "laquelle", "lesquels", "lesquelles", "koi", "kel",
        "kelle", "kan", "cmt", "komment",
    }
)
#: "vous <verb> ..." without '?' asks whether the company offers something.
SERVICE_VERBS: frozenset[str] = frozenset(
    {
        "avez", "faites", "livrez", "proposez", "vendez", "acceptez", "reprenez", "ouvrez",
        "réparez", "prenez", "louez", "expédiez", "fermez", "envoyez", "installez", "montez",
        "changez", "gérez", "rachetez", "échangez", "remboursez", "organisez", "intervenez",
        "passez", "venez", "travaillez", "desservez", "couvrez", "recrutez", "embauchez",
        "gardez", "recevez", "fournissez", "posez", "déplacez", "assurez",
    }
)
#: Question words that make a question when they close a sentence ("vous livrez où").
WH_END: frozenset[str] = frozenset({"quand", "combien", "ou", "comment", "pourquoi"})
#: Nouns that a short "... svp" fragment asks about ("horaires le samedi svp").
INFO_NOUNS: frozenset[str] = frozenset(
    {
        "horaire", "horaires", "prix", "tarif", "tarifs", "dispo", "disponibilite", "delai",
        "delais", "stock", "adresse", "numero", "devis", "info", "infos", "renseignement",
        "renseignements", "date", "heure", "heures", "taille", "tailles", "frais", "cout",
        "catalogue", "lien", "modele", "reference", "ref", "code", "promo", "precisions",
        "nouvelles", "suivi", "rdv", "rendez-vous", "rappel", "place", "places", "reservation",
        "table", "creneau", "creneaux", "parking", "retrait", "facture", "menu", "photos",
    }
)
#: Politeness that turns such a fragment into a request for information.
PLEASE: frozenset[str] = frozenset({"svp", "stp", "svpl", "please", "pls", "plz", "svvp"})
# fmt: on
