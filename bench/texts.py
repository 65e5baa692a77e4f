"""French building blocks of the synthetic corpus: businesses, commenters, posts, comments
and the organisation's answers, in the register of social media.

Written for ecoute's benchmarks (nothing copied): comments are drawn from templates with
slots (products, places, days), then roughed up the way people type on a phone (accents
dropped, "svp", "qqn", "pk", typos, no capital, doubled "??", emojis). Questions,
requests and complaints come with matching answers, so that the generated threads have
questions that the organisation answers (threaded, "@Name", "Bonjour Name,", "Name :")
and questions it leaves alone. A few comments are in other languages.

Everything takes a `random.Random`: the same seed gives the same texts. `sample_texts`
gives N texts directly (posts, comments and answers in the corpus's proportions), for a
benchmark that needs texts without a corpus on disk.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

# --- businesses ---------------------------------------------------------------------

#: kind of business -> (label in a shop name, products, plural nouns)
TRADES: dict[str, tuple[str, tuple[str, ...]]] = {
    "boulangerie": (
        "Boulangerie",
        (
            "baguettes tradition",
            "croissants",
            "pains au chocolat",
            "galettes des rois",
            "brioches aux pralines",
            "flans pâtissiers",
            "sandwichs",
            "tartes aux fraises",
            "pains aux céréales",
            "macarons",
        ),
    ),
    "fromagerie": (
        "Fromagerie",
        (
            "comtés 24 mois",
            "plateaux raclette",
            "fondues savoyardes",
            "chèvres frais",
            "yaourts fermiers",
            "beurres demi-sel",
            "plateaux apéro",
        ),
    ),
    "velo": (
        "Atelier Vélo",
        (
            "vélos cargo",
            "vélos électriques",
            "antivols",
            "pneus route",
            "révisions",
            "sièges enfant",
            "batteries",
        ),
    ),
    "jardinerie": (
        "Jardinerie",
        ("rosiers", "bulbes", "plants de tomates", "terreaux", "oliviers", "sapins de Noël"),
    ),
    "librairie": (
        "Librairie",
        ("BD", "romans", "mangas", "cartes cadeaux", "livres jeunesse", "agendas 2027"),
    ),
    "coiffure": (
        "Salon",
        ("colorations", "coupes enfant", "brushings", "soins à la kératine", "tailles de barbe"),
    ),
    "restaurant": (
        "Restaurant",
        (
            "menus du midi",
            "burgers",
            "plats à emporter",
            "brunchs",
            "desserts maison",
            "menus enfant",
        ),
    ),
    "fleuriste": (
        "Fleuriste",
        ("bouquets", "compositions", "plantes vertes", "orchidées", "couronnes de l'Avent"),
    ),
    "garage": (
        "Garage",
        (
            "vidanges",
            "pneus hiver",
            "contrôles techniques",
            "plaquettes de frein",
            "recharges clim",
        ),
    ),
    "epicerie": (
        "Épicerie",
        ("lentilles vertes", "huiles d'olive", "savons", "cafés en grains", "paniers garnis"),
    ),
    "opticien": (
        "Optique",
        ("lunettes de soleil", "lentilles", "montures enfant", "verres progressifs"),
    ),
    "sport": (
        "Salle",
        ("abonnements", "cours de yoga", "séances d'essai", "cours de pilates", "coachings"),
    ),
}

CITIES = (
    "Lyon",
    "Nantes",
    "Rennes",
    "Lille",
    "Bordeaux",
    "Toulouse",
    "Brest",
    "Dijon",
    "Tours",
    "Grenoble",
    "Angers",
    "Metz",
    "Nancy",
    "Limoges",
    "Caen",
    "Pau",
    "Annecy",
    "Rouen",
    "Nîmes",
    "Quimper",
)
SHOP_NAMES = (
    "du Marché",
    "des Halles",
    "du Coin",
    "de la Gare",
    "Saint-Michel",
    "des Quais",
    "du Vieux Port",
    "de la Place",
    "du Centre",
    "Les Tilleuls",
    "La Belle Équipe",
    "Chez Martine",
    "Chez Paulo",
    "L'Étoile",
)
FIRST_NAMES = (
    "Sophie",
    "Karim",
    "Nadia",
    "Mehdi",
    "Julien",
    "Camille",
    "Léa",
    "Thomas",
    "Inès",
    "Hugo",
    "Chloé",
    "Yanis",
    "Manon",
    "Lucas",
    "Sarah",
    "Nicolas",
    "Aurélie",
    "Kevin",
    "Jessica",
    "Mamadou",
    "Fatou",
    "Pierre",
    "Martine",
    "Josette",
    "Gérard",
    "Brigitte",
    "Théo",
    "Emma",
    "Louise",
    "Jade",
    "Nathan",
    "Enzo",
    "Océane",
    "Clément",
    "Anaïs",
    "Sébastien",
    "Stéphanie",
    "Laurent",
    "Valérie",
    "Françoise",
    "Rachid",
    "Samira",
    "Kenza",
    "Yasmine",
    "Tom",
    "Maëlle",
    "Gwen",
    "Loïc",
    "Erwan",
    "Soizic",
    "Cédric",
    "Amandine",
    "Baptiste",
    "Margot",
    "Adrien",
    "Élodie",
)
LAST_NAMES = (
    "Martin",
    "Bernard",
    "Dubois",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Lefebvre",
    "Garcia",
    "Bertrand",
    "Roux",
    "Fournier",
    "Girard",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "Le Gall",
    "Nguyen",
    "Benali",
    "Haddad",
    "Diallo",
    "Traoré",
    "Kerjean",
    "Morvan",
)


@dataclass(frozen=True)
class Business:
    """The organisation behind one source: its shop name, who writes for it, what it sells."""

    slug: str
    name: str
    city: str
    trade: str
    products: tuple[str, ...]
    staff: str  # the first name that signs some answers

    @property
    def owners(self) -> tuple[str, str]:
        """The author names of the organisation: the page itself and one employee."""
        return (self.name, f"{self.staff} - {self.name}")

    @property
    def domain(self) -> str:
        return f"{self.slug}.example"


def slugify(text: str) -> str:
    """`L'Étoile du Marché` -> `l-etoile-du-marche`."""
    plain = strip_accents(text).lower()
    return "-".join("".join(c if c.isalnum() else " " for c in plain).split())


def business(rng: random.Random, index: int) -> Business:
    trade = rng.choice(sorted(TRADES))
    label, products = TRADES[trade]
    city = rng.choice(CITIES)
    shop = rng.choice((rng.choice(SHOP_NAMES), rng.choice(LAST_NAMES), city))
    name = f"{label} {shop}"
    return Business(
        slug=f"{slugify(name)}-{index:03d}"[:60],
        name=name,
        city=city,
        trade=trade,
        products=products,
        staff=rng.choice(FIRST_NAMES),
    )


# --- people -------------------------------------------------------------------------


def commenter(rng: random.Random) -> str:
    """A commenter's display name, as people set them: "Sophie", "Karim B.",
    "Léa Dupont", "kevin_lyon", "nadia69", "Mamie Josette"."""
    first = rng.choice(FIRST_NAMES)
    last = rng.choice(LAST_NAMES)
    roll = rng.random()
    if roll < 0.25:
        return first
    if roll < 0.5:
        return f"{first} {last[0]}."
    if roll < 0.75:
        return f"{first} {last}"
    if roll < 0.85:
        return f"{strip_accents(first).lower()}_{rng.choice(CITIES).lower()}"
    if roll < 0.95:
        return f"{strip_accents(first).lower()}{rng.randint(1, 99)}"
    return f"{rng.choice(('Mamie', 'Papy', 'Tata'))} {first}"


def address_name(author: str) -> str:
    """How an answer names a commenter: the first name, or the handle as written."""
    words = author.split()
    if len(words) > 1 and words[0] not in ("Mamie", "Papy", "Tata"):
        return words[0]
    return author


# --- slots --------------------------------------------------------------------------

PLACES = (
    "en Belgique",
    "en Suisse",
    "au Luxembourg",
    "sur Villeurbanne",
    "à Rezé",
    "dans le 15e",
    "jusqu'à Saint-Herblain",
    "à la campagne",
    "en Corse",
    "dans les DOM",
    "sur Brest centre",
    "à domicile",
)
DAYS = (
    "lundi",
    "mardi",
    "mercredi",
    "jeudi",
    "vendredi",
    "samedi",
    "dimanche",
    "le 1er mai",
    "le 15 août",
    "le 24 décembre",
    "pendant les vacances",
    "le week-end prochain",
)
PAST_DAYS = ("hier", "samedi dernier", "ce matin", "la semaine dernière", "dimanche", "lundi")
MONTHS = ("mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre")


def _slots(rng: random.Random, biz: Business, friend: str | None = None) -> dict[str, str]:
    return {
        "product": rng.choice(biz.products),
        "place": rng.choice(PLACES),
        "day": rng.choice(DAYS),
        "past": rng.choice(PAST_DAYS),
        "n": str(rng.choice((2, 3, 4, 6, 10, 12, 20))),
        "date": f"{rng.randint(1, 28)} {rng.choice(MONTHS)}",
        "city": biz.city,
        "shop": biz.name,
        "price": f"{rng.randint(2, 60)},{rng.choice(('00', '50', '90'))}",
        "hour": f"{rng.choice((17, 18, 19, 20))}h{rng.choice(('', '30'))}",
        "friend": friend or rng.choice(FIRST_NAMES),
        "domain": biz.domain,
        "staff": biz.staff,
    }


# --- what customers write -------------------------------------------------------------

#: Intents of a customer comment; the first three are questions the organisation owes an
#: answer (the NLP calls them information, request and complaint).
QUESTION_INTENTS = ("information", "request", "complaint")

CUSTOMER: dict[str, tuple[str, ...]] = {
    "information": (
        "vous livrez {place} ?",
        "c'est ouvert {day} ?",
        "vous êtes ouverts {day} matin ?",
        "est-ce que vous avez encore des {product} ?",
        "il vous reste des {product} pour {day} ?",
        "quelqu'un sait s'ils prennent la carte bleue ?",
        "c'est combien les {product} ?",
        "vous faites des {product} sans gluten ?",
        "on peut réserver par téléphone ou il faut passer ?",
        "il y a un parking pas loin ?",
        "vous fermez à quelle heure {day} ?",
        "quels sont vos horaires {day} ?",
        "il y a une réduction pour les étudiants ?",
        "les {product} sont dispo en ligne ?",
        "combien de temps pour recevoir une commande {place} ?",
        "ça sera encore là la semaine prochaine ?",
        "vous acceptez les chèques vacances ?",
        "c'est accessible en poussette ?",
        "est-il possible de payer en plusieurs fois ?",
        "vous recrutez encore ?",
        "savez-vous quand les {product} reviennent ?",
        "où est-ce qu'on peut voir les prix ?",
        "pourquoi les {product} ne sont plus sur le site ?",
        "c'est le même prix en boutique et sur internet ?",
        "vous faites aussi les {product} pour les pros ?",
    ),
    "request": (
        "pouvez-vous me rappeler s'il vous plaît, j'ai laissé un message {past}",
        "merci de m'envoyer un devis pour {n} {product}",
        "s'il vous plaît mettez à jour vos horaires sur google, ce ne sont pas les mêmes",
        "je voudrais commander {n} {product} pour {day}, c'est possible ?",
        "envoyez-moi un MP s'il vous plaît",
        "vous pourriez mettre les prix sur le site ?",
        "pourriez-vous me mettre de côté {n} {product} ? je passe {day}",
        "j'aimerais prendre rendez-vous pour les {product} la semaine prochaine",
        "répondez à mon mail du {date} s'il vous plaît",
        "contactez-moi en privé s'il vous plaît",
        "est-ce que quelqu'un peut me recontacter pour ma commande ?",
        "vous pouvez ajouter une option végétarienne ?",
    ),
    "complaint": (
        "toujours pas reçu ma commande du {date}, c'est inadmissible",
        "ça fait {n} semaines que j'attends une réponse à mon mail...",
        "très déçue, les {product} n'étaient pas frais {past}",
        "personne ne répond au téléphone, c'est normal ??",
        "j'ai été débité deux fois !!! qui peut m'aider",
        "40 minutes d'attente {past}, ce n'est plus possible",
        "les prix ont encore augmenté, ça devient n'importe quoi",
        "commande arrivée cassée, je fais comment ?",
        "vendeuse pas aimable du tout {past} 😡",
        "le site bug quand on veut payer, impossible de commander",
        "on m'avait promis un rappel {past}, toujours rien",
    ),
    "praise": (
        "trop bon 😍",
        "merci pour l'accueil {past}, toujours au top !",
        "super équipe 👍",
        "les meilleurs {product} de {city} !!",
        "bravo à toute l'équipe",
        "vivement {day} 😋",
        "top, comme d'habitude",
        "on adore ❤️",
        "merci beaucoup, commande bien reçue 🙏",
        "excellent rapport qualité prix, je recommande",
        "service impeccable, rien à dire",
        "meilleure adresse du quartier",
        "j'ai offert des {product} à ma mère, elle a adoré",
    ),
    "chatter": (
        "@{friend} regarde ça !",
        "@{friend} on y va {day} ?",
        "j'y étais {past}, il y avait un monde fou",
        "perso je préfère l'ancienne version",
        "enfin !!",
        "ah mince j'ai raté ça",
        "😂😂😂",
        "pareil",
        "ouiii",
        "intéressant",
        "{friend} tu as vu ?",
        "trop hâte",
        "c'est pas donné quand même",
        "bon courage pour les travaux",
        "je passe devant tous les jours et je n'avais jamais remarqué",
    ),
}
#: A commenter who answers another commenter, in the thread of the question.
PEER_ANSWERS = (
    "oui ils livrent {place}, j'ai été livrée {past}",
    "je crois que oui",
    "moi ils m'ont livré en 2 jours",
    "pareil pour moi, pas de réponse",
    "non c'est fermé le lundi",
    "faut appeler le matin, c'est plus simple",
    "ils ont mis les horaires en story",
    "j'ai eu le même souci, ils m'ont remboursée",
)
FOREIGN = (
    "Do you ship to the UK?",
    "Lovely shop, we stopped by last summer!",
    "Is it open on Sunday?",
    "¿Hacéis envíos a España?",
    "Muy buena atención, gracias",
    "Sehr schöner Laden, wir kommen wieder!",
    "Bellissimo negozio, complimenti!",
    "Vocês entregam em Portugal?",
    "Leveren jullie ook in België?",
)
EMOJIS = {
    "information": ("🙏", "🤔", "😊", "👀"),
    "request": ("🙏", "😉", "📞"),
    "complaint": ("😡", "😤", "👎", "😞"),
    "praise": ("😍", "❤️", "👍", "🥐", "🔥", "👏"),
    "chatter": ("😂", "😅", "🤣", "👀"),
}

#: Shorthand people type, applied word for word on a casual comment.
SHORTHAND = (
    ("s'il vous plaît", "svp"),
    ("s'il te plaît", "stp"),
    ("quelqu'un", "qqn"),
    ("pourquoi", "pk"),
    ("beaucoup", "bcp"),
    ("toujours", "tjrs"),
    ("je ne sais pas", "jsp"),
    ("c'est", "c"),
    ("rendez-vous", "rdv"),
    ("message", "msg"),
    ("il y a", "y a"),
    ("est-ce que", "est ce que"),
)
GREETINGS = ("bonjour ", "bjr ", "Bonsoir, ", "slt ", "Hello ", "Bonjour, ")
SIGNOFFS = (" merci", " merci d'avance", " bonne journée", " Merci !", " bonne soirée")


@dataclass(frozen=True)
class Comment:
    """A customer comment and what it is (`QUESTION_INTENTS`, praise, chatter, foreign)."""

    text: str
    intent: str

    @property
    def asks(self) -> bool:
        return self.intent in QUESTION_INTENTS


def customer_comment(rng: random.Random, biz: Business, friend: str | None = None) -> Comment:
    roll = rng.random()
    if roll < 0.02:
        return Comment(rng.choice(FOREIGN), "foreign")
    intent = rng.choices(
        ("information", "request", "complaint", "praise", "chatter"),
        weights=(22, 7, 6, 35, 30),
    )[0]
    text = rng.choice(CUSTOMER[intent]).format_map(_slots(rng, biz, friend))
    return Comment(casual(rng, text, intent), intent)


def peer_answer(rng: random.Random, biz: Business) -> str:
    return casual(rng, rng.choice(PEER_ANSWERS).format_map(_slots(rng, biz)), "chatter")


def casual(rng: random.Random, text: str, intent: str) -> str:
    """`text` as typed on a phone: greeting, shorthand, no accents, no capital, typos,
    odd question marks, emojis, thanks; each with its own probability."""
    if intent in QUESTION_INTENTS and rng.random() < 0.35:
        text = rng.choice(GREETINGS) + text
    if rng.random() < 0.35:
        for long, short in SHORTHAND:
            text = text.replace(long, short)
    if rng.random() < 0.5:
        text = strip_accents(text)
    if rng.random() < 0.5:
        text = text[:1].upper() + text[1:]
    if rng.random() < 0.15:
        text = typo(rng, text)
    if text.endswith(" ?"):
        text = text[:-2] + rng.choice((" ?", "?", " ??", "?!", " ?", ""))
    if intent in QUESTION_INTENTS and rng.random() < 0.2:
        text += rng.choice(SIGNOFFS)
    if intent in EMOJIS and rng.random() < 0.2:
        text += " " + rng.choice(EMOJIS[intent]) * rng.choice((1, 1, 2, 3))
    return text


def typo(rng: random.Random, text: str) -> str:
    """One slip of the thumb in a word of 4 letters or more: a letter dropped, doubled
    or two swapped."""
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    if not candidates:
        return text
    i = rng.choice(candidates)
    word = words[i]
    at = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        word = word[:at] + word[at + 1 :]
    elif kind == 1:
        word = word[:at] + word[at] + word[at:]
    else:
        word = word[: at - 1] + word[at] + word[at - 1] + word[at + 1 :]
    words[i] = word
    return " ".join(words)


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


# --- what the organisation writes -------------------------------------------------------

ANSWERS: dict[str, tuple[str, ...]] = {
    "information": (
        "oui, on livre {place} le samedi matin.",
        "nous sommes ouverts {day} de 9h à 13h.",
        "non, pas pour le moment, désolés !",
        "oui il en reste, passez avant midi 😉",
        "c'est {price} € pièce.",
        "on met le détail en story demain.",
        "oui bien sûr, sans supplément.",
        "le parking de la mairie est à deux minutes à pied.",
        "on ferme à {hour} sauf le dimanche.",
        "oui, à partir de la semaine prochaine.",
        "les {product} reviennent fin {date}, on vous tient au courant ici.",
        "tout est sur notre site {domain}, rubrique tarifs.",
    ),
    "request": (
        "c'est noté, on vous rappelle demain matin.",
        "envoyez-nous un mail à contact@{domain} et on s'en occupe.",
        "c'est réservé à votre nom 👍",
        "on vous a répondu en MP.",
        "merci, c'est corrigé !",
        "devis envoyé ce matin, dites-nous si vous l'avez bien reçu.",
        "c'est possible, il suffit de commander 48 h avant.",
    ),
    "complaint": (
        "toutes nos excuses, pouvez-vous nous écrire en MP avec votre numéro de commande ?",
        "désolés pour l'attente, nous regardons ça tout de suite.",
        "nous sommes vraiment navrés, on vous rembourse la différence.",
        "merci pour votre retour, on en parle avec l'équipe.",
        "votre commande part aujourd'hui, encore pardon.",
        "c'est réglé : le second paiement a été annulé, vous le verrez sous 3 jours.",
    ),
    "thanks": (
        "merci beaucoup ! ❤️",
        "merci pour ce gentil message 😊",
        "ça nous fait très plaisir, à bientôt !",
    ),
}
OWNER_NOTES = (
    "Merci à tous pour vos messages, on répond à chacun dans la journée !",
    "Petit rappel : la boutique est fermée lundi pour inventaire.",
    "Les gagnants du tirage au sort sont annoncés vendredi 🎉",
)
OWNER_SIGNOFFS = ("", "", " Bonne journée !", " À bientôt !", " {staff}", " L'équipe")


def owner_answer(rng: random.Random, biz: Business, intent: str, asker: str | None) -> str:
    """An answer to a comment of `intent`. `asker`: the name it addresses the commenter
    by ("@Name ...", "Bonjour Name, ...", "Name : ..."); None for an answer threaded
    under the comment, which needs no name."""
    body = rng.choice(ANSWERS.get(intent, ANSWERS["thanks"])).format_map(_slots(rng, biz))
    body += rng.choice(OWNER_SIGNOFFS).format(staff=f"— {biz.staff}")
    if asker is None:
        opener = rng.choice(("Bonjour, ", "Bonsoir, ", "", ""))
        return opener + body[:1].upper() + body[1:]
    style = rng.random()
    if style < 0.4:
        return f"@{asker} {body}"
    if style < 0.8:
        return f"{rng.choice(('Bonjour', 'Bonsoir', 'Hello'))} {asker}, {body}"
    return f"{asker} : {body}"


def owner_note(rng: random.Random) -> str:
    return rng.choice(OWNER_NOTES)


# --- posts ------------------------------------------------------------------------------

#: (title, the paragraph that opens the post); the title's slots fill the lead too.
POSTS = (
    (
        "Nouveaux horaires à partir du {date}",
        "À partir du {date}, nous ouvrons du mardi au samedi de 8h à {hour}.",
    ),
    (
        "Arrivage : les {product} sont là",
        "Les {product} sont arrivés ce matin, venez vite les découvrir en boutique !",
    ),
    (
        "Promo de la semaine : -{n} % sur les {product}",
        "Cette semaine seulement, -{n} % sur les {product}, en boutique et en ligne.",
    ),
    (
        "Fermeture exceptionnelle {day}",
        "Attention : la boutique sera fermée {day}, réouverture le lendemain aux horaires "
        "habituels.",
    ),
    (
        "On recrute !",
        "Nous cherchons une personne motivée pour renforcer l'équipe le week-end, CDI ou "
        "temps partiel.",
    ),
    (
        "Nos {product} sont de retour",
        "Comme beaucoup d'entre vous nous l'ont demandé, les {product} reviennent dès {day}.",
    ),
    (
        "Atelier découverte le {date}",
        "Le {date}, on vous propose un atelier découverte autour des {product}, places "
        "limitées à {n} personnes.",
    ),
    (
        "Merci pour vos {n} ans de fidélité",
        "Il y a {n} ans, on ouvrait notre boutique à {city} : merci à vous tous !",
    ),
    (
        "Les commandes pour les fêtes sont ouvertes",
        "Vous pouvez dès maintenant commander vos {product} pour les fêtes.",
    ),
    (
        "Travaux : ce qui change pour vous",
        "Des travaux ont lieu devant la boutique jusqu'au {date} : l'entrée se fait par "
        "la rue d'à côté.",
    ),
    (
        "{shop} au marché de {city} {day}",
        "Retrouvez-nous au marché de {city} {day} avec nos {product}.",
    ),
)
POST_SENTENCES = (
    "Les {product} de la semaine sont aussi disponibles en ligne.",
    "Vous pouvez commander par téléphone ou directement en boutique, comme d'habitude.",
    "Les quantités sont limitées, pensez à réserver !",
    "Toute l'équipe vous remercie pour votre fidélité depuis l'ouverture à {city}.",
    "Nous livrons désormais {place}, le samedi matin, à partir de {n} articles.",
    "Les prix restent les mêmes jusqu'au {date}.",
    "On vous attend nombreux, il y aura de quoi goûter sur place.",
    "N'hésitez pas à nous poser vos questions en commentaire.",
    "Avec le code FIDELE, -{n} % sur votre prochaine commande.",
    "Le parking de la place est gratuit le samedi jusqu'à 13h.",
)


def post(rng: random.Random, biz: Business) -> tuple[str, list[str]]:
    """A post of the organisation: its title and its paragraphs."""
    slots = _slots(rng, biz)
    title, lead = rng.choice(POSTS)
    sentences = rng.sample(POST_SENTENCES, rng.randint(1, 4))
    rest = [s.format_map(_slots(rng, biz)) for s in sentences]
    return title.format_map(slots), [lead.format_map(slots), *rest]


# --- texts without a corpus ----------------------------------------------------------------


def sample_texts(count: int, seed: int = 42) -> Iterator[str]:
    """`count` texts as the corpus has them: about 1 post in 25, 1 answer of the
    organisation in 7, the rest customer comments (a benchmark's ceiling runs on these
    when it needs texts without generating files)."""
    rng = random.Random(f"texts:{seed}")
    businesses = [business(rng, i) for i in range(20)]
    for _ in range(count):
        biz = rng.choice(businesses)
        roll = rng.random()
        if roll < 0.04:
            title, paragraphs = post(rng, biz)
            yield "\n".join([title, *paragraphs])
        elif roll < 0.18:
            asker = rng.choice((None, address_name(commenter(rng))))
            yield owner_answer(rng, biz, rng.choice(QUESTION_INTENTS), asker)
        else:
            yield customer_comment(rng, biz).text
