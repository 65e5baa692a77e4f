"""ecoute_topics: keywords by form, lemma, without accents; several topics per comment."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from nlp import Annotation
from nlp.lexicons.topics import TOPICS


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("Vous livrez en Belgique ?", "livraison"),
        ("colis toujours pas arrivé", "livraison"),
        ("c'est hors de prix", "prix"),
        ("le tarif de la révision", "prix"),
        ("vos horaires svp", "horaires"),
        ("c'est ouvert dimanche ?", "horaires"),
        ("j'ai commandé un casque", "commande"),
        ("numéro de commande 1234", "commande"),
        ("la qualite des finitions", "qualite"),
        ("reçu cassé", "qualite"),
        ("le SAV ne répond pas", "service_client"),
        ("service apres vente injoignable", "service_client"),
        ("paiement en 3 fois possible ?", "paiement"),
        ("j'ai été débité deux fois", "paiement"),
        ("le modèle est en rupture", "produit"),
        ("dispo en taille M ?", "produit"),
        ("réparer une crevaison", "atelier_reparation"),
        ("revision du derailleur", "atelier_reparation"),
        ("le magasin ferme définitivement ?", "fermeture"),
        ("fermé pour congés", "fermeture"),
    ],
)
def test_topic_keywords(annotate: Callable[[str], Annotation], text: str, topic: str) -> None:
    assert topic in annotate(text).topics


def test_lemma_matches_an_inflected_verb(annotate: Callable[[str], Annotation]) -> None:
    assert "atelier_reparation" in annotate("Vous réparez les vélos électriques ?").topics


def test_several_topics_in_table_order(annotate: Callable[[str], Annotation]) -> None:
    topics = annotate("Livraison rapide mais prix trop élevé et SAV injoignable").topics
    assert topics == ["livraison", "prix", "service_client"]


def test_no_topic_in_small_talk(annotate: Callable[[str], Annotation]) -> None:
    assert annotate("Bonne année à toute l'équipe 🎉").topics == []


def test_topic_names_are_the_agreed_ones() -> None:
    assert set(TOPICS) == {
        "livraison",
        "prix",
        "horaires",
        "commande",
        "qualite",
        "service_client",
        "paiement",
        "produit",
        "atelier_reparation",
        "fermeture",
    }
