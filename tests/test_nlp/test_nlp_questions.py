"""ecoute_questions: one behaviour per test, then the labelled set."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from nlp import Annotation


def assert_question(annotation: Annotation, rule: str) -> None:
    assert annotation.is_question, annotation
    assert annotation.question_rule == rule, annotation


@pytest.mark.parametrize(
    "text", ["Vous livrez le samedi ?", "Dispo en taille M ?", "vous ouvrez dimanche??"]
)
def test_question_mark(annotate: Callable[[str], Annotation], text: str) -> None:
    assert_question(annotate(text), "qmark")


@pytest.mark.parametrize("text", ["???", "?? 😂", "Sérieux ?", "Ah bon ?"])
def test_question_mark_alone_or_after_a_reaction_is_noise(
    annotate: Callable[[str], Annotation], text: str
) -> None:
    assert not annotate(text).is_question


@pytest.mark.parametrize(
    "text",
    ["Est-ce que vous faites les révisions", "est ce que c'est ouvert", "esque vous livrez"],
)
def test_est_ce_que(annotate: Callable[[str], Annotation], text: str) -> None:
    assert_question(annotate(text), "est_ce_que")


def test_c_est_ce_que_is_no_question(annotate: Callable[[str], Annotation]) -> None:
    assert not annotate("C'est ce que je voulais, parfait").is_question


@pytest.mark.parametrize(
    "text",
    [
        "Avez-vous des vélos cargo",
        "Livrez vous à Lyon",
        "Y a-t-il un parking",
        "ya t il un parking",
        "Faites-vous des devis",
        "Peut-on venir sans rendez-vous",
        "Est-il ouvert le dimanche",
        "Peux-tu regarder ma roue",
    ],
)
def test_inversion(annotate: Callable[[str], Annotation], text: str) -> None:
    assert_question(annotate(text), "inversion")


@pytest.mark.parametrize(
    "text",
    [
        "Abonnez-vous à la newsletter",
        "Rendez-vous pris pour samedi",
        "Contactez-nous au magasin",
        "C'est fermé le lundi, paraît-il",
        "Bon ben plus jamais chez vous",
        "Merci, continuez vous êtes top",
    ],
)
def test_imperatives_and_incises_are_no_inversion(
    annotate: Callable[[str], Annotation], text: str
) -> None:
    assert not annotate(text).is_question


@pytest.mark.parametrize(
    "text",
    [
        "Comment faire pour suivre mon colis",
        "Bonjour, quand est la prochaine braderie",
        "Où se trouve la boutique",
        "ou est le magasin",
        "Combien pour une chambre à air",
        "Pourquoi ma commande est annulée",
        "Quels sont vos horaires",
    ],
)
def test_question_word_at_the_start(annotate: Callable[[str], Annotation], text: str) -> None:
    assert_question(annotate(text), "wh_start")


@pytest.mark.parametrize(
    "text",
    ["c'est quand les soldes", "C'est combien la révision", "A quelle heure ouvre l'atelier"],
)
def test_question_phrase(annotate: Callable[[str], Annotation], text: str) -> None:
    assert_question(annotate(text), "wh_phrase")


@pytest.mark.parametrize(
    "text", ["vous livrez quand en Belgique", "la livraison est gratuite à partir de combien"]
)
def test_question_word_inside(annotate: Callable[[str], Annotation], text: str) -> None:
    assert_question(annotate(text), "wh_word")


@pytest.mark.parametrize(
    "text",
    [
        "Je voudrais savoir si vous reprenez les vieux vélos",
        "je me demandais si vous faisiez des cartes cadeaux",
        "Savez-vous quand le modèle rouge revient",
        "qqn sait si le magasin est ouvert",
        "Quelqu'un sait combien de temps prend une révision",
        "Une idée du délai pour une roue voilée",
        "Des infos sur la réouverture",
    ],
)
def test_indirect_question(annotate: Callable[[str], Annotation], text: str) -> None:
    assert_question(annotate(text), "indirect")


@pytest.mark.parametrize(
    "text",
    [
        "Merci de me rappeler rapidement",
        "Pourriez-vous vérifier ma commande",
        "pouvez vous m'envoyer la facture",
        "Besoin d'un devis pour mes freins",
        "svp contactez moi",
        "Rappelez-moi svp",
        "J'aimerais un devis",
        "Est-il possible de payer en 3 fois",
    ],
)
def test_request(annotate: Callable[[str], Annotation], text: str) -> None:
    annotation = annotate(text)
    assert_question(annotation, "request")
    assert annotation.question_type == "request"


@pytest.mark.parametrize("text", ["horaires le samedi svp", "prix svp 🙏", "le lien stp"])
def test_fragment_with_svp(annotate: Callable[[str], Annotation], text: str) -> None:
    assert_question(annotate(text), "fragment")


def test_fragment_needs_a_fact_to_ask_for(annotate: Callable[[str], Annotation]) -> None:
    assert not annotate("Merci svp").is_question


def test_bare_noun_phrase_asking_for_a_fact(annotate: Callable[[str], Annotation]) -> None:
    assert_question(annotate("Horaires le samedi"), "fragment")


@pytest.mark.parametrize("text", ["Prix imbattables", "Prix top", "Horaires super pratiques"])
def test_bare_noun_phrase_with_an_opinion_is_no_question(
    annotate: Callable[[str], Annotation], text: str
) -> None:
    assert not annotate(text).is_question


@pytest.mark.parametrize(
    "text", ["slt vous avez des antivols en stock", "vous etes ouvert demain matin"]
)
def test_declarative_service_question(annotate: Callable[[str], Annotation], text: str) -> None:
    assert_question(annotate(text), "declarative")


def test_declarative_with_an_opinion_is_no_question(
    annotate: Callable[[str], Annotation],
) -> None:
    assert not annotate("Vous avez un super atelier").is_question


@pytest.mark.parametrize(
    "text",
    [
        "Si vous cherchez un bon atelier, foncez !",
        "Quand je pense que j'ai payé 80 euros pour ça",
        "Je me demande pourquoi je suis encore client",
        "Comment dire... déçu",
        "Quand on voit le prix des pièces ?",
        "Quel plaisir de rouler avec ce vélo !",
        "Quelle honte",
        "Pourquoi pas, à voir",
        "Quand j'ai récupéré mon vélo, les freins couinaient",
        "Quand le colis est arrivé il était ouvert",
        "Où que vous soyez, on livre",
    ],
)
def test_conditionals_and_rhetoric_are_no_question(
    annotate: Callable[[str], Annotation], text: str
) -> None:
    assert not annotate(text).is_question


def test_newline_separates_sentences(annotate: Callable[[str], Annotation]) -> None:
    annotation = annotate("Super boutique\nvous livrez a Lyon\nmerci")
    assert annotation.question_sentence == "vous livrez a Lyon"


def test_evidence_is_the_first_asking_sentence(annotate: Callable[[str], Annotation]) -> None:
    annotation = annotate("Vélo top. Vous faites les révisions ? Et les freins ?")
    assert annotation.question_sentence == "Vous faites les révisions ?"


def test_negative_question_is_a_complaint(annotate: Callable[[str], Annotation]) -> None:
    annotation = annotate("Toujours pas reçu ma commande, vous pouvez me répondre ???")
    assert annotation.question_type == "complaint"


def test_question_after_a_complaint_is_a_complaint(
    annotate: Callable[[str], Annotation],
) -> None:
    annotation = annotate("Commande jamais arrivée, c'est honteux. Vous comptez faire quoi ?")
    assert annotation.question_type == "complaint"
    assert annotation.question_sentence == "Vous comptez faire quoi ?"


def test_neutral_question_is_information(annotate: Callable[[str], Annotation]) -> None:
    assert annotate("Vous ouvrez le dimanche ?").question_type == "information"
