"""Topic keywords: what a comment talks about (v0, hand-written for ecoute).

One-word entries match a word's folded form or its folded lemma, also without a final
"s"/"x"; several-word entries match the folded words in a row ("|" separates choices).
A comment can have several topics. Keep words that point at one topic on their own:
"vélo" is left out because it says nothing about repair versus purchase.
"""

# fmt: off
TOPICS: dict[str, tuple[str, ...]] = {
    "livraison": (
        "livraison", "livrer", "livré", "livrée", "livrez", "livreur", "colis", "expédition",
        "expédier", "expédié", "transporteur", "colissimo", "chronopost", "frais de port",
        "point relais", "suivi du colis", "envoi",
    ),
    "prix": (
        "prix", "tarif", "cher", "chère", "coûter", "coûte", "coût", "€", "euro",
        "euros", "promo", "promotion", "réduction", "remise", "soldes", "hors de prix",
        "combien ça coûte|coute", "c'est combien", "devis",
    ),
    "horaires": (
        "horaire", "ouvert", "ouverte", "ouvrez", "ouvre", "ouverture",
        "ouvrir", "à quelle heure", "nocturne", "jours fériés",
    ),
    "commande": (
        "commande", "commander", "commandé", "commandée", "panier", "bon de commande",
        "numéro de commande", "annulation", "annuler",
    ),
    "qualite": (
        "qualité", "qualitatif", "cassé", "cassée", "défectueux", "défectueuse", "abîmé",
        "abîmée", "solide", "fragile", "finition", "durable", "robuste",
        "rapport qualité prix", "se casse", "s'est cassé",
    ),
    "service_client": (
        "service client", "service clients", "sav", "service après-vente",
        "service apres vente", "un|le|votre|mon conseiller", "conseillère", "accueil",
        "vendeur", "vendeuse",
        "personnel", "hotline", "standard", "injoignable", "joignable", "répondre", "réponse",
        "relation client", "au téléphone", "par mail",
    ),
    "paiement": (
        "paiement", "payer", "payé", "payée", "carte bancaire", "cb", "paypal", "virement",
        "chèque", "espèces", "prélèvement", "prélevé", "débité", "débitée", "facture",
        "rembourser", "remboursement", "remboursé", "en plusieurs fois", "en # fois",
    ),
    "produit": (
        "produit", "article", "modèle", "taille", "stock", "en stock", "rupture",
        "référence", "gamme", "collection", "catalogue", "disponible", "dispo", "coloris",
    ),
    "atelier_reparation": (
        "réparation", "réparer", "réparé", "réparez", "atelier", "révision", "réviser",
        "entretien", "crevaison", "crevé", "pneu", "chambre à air", "frein",
        "dérailleur", "chaîne", "rayons", "roue voilée", "réglage", "régler", "mécanicien",
        "mécano", "mise au point", "batterie", "vitesses",
    ),
    "fermeture": (
        "fermeture", "fermé", "fermée", "fermer", "fermez", "ferme", "clé sous la porte",
        "liquidation", "congés", "fermeture définitive", "définitivement", "travaux",
        "réouverture", "rouvrir", "rouvre",
    ),
}
# fmt: on
