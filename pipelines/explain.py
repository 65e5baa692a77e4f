"""``ecoute explain``: why an item counts as a question, and who answered it, in French.

Social customer-care tools give a response rate and no way to check it. Here an analyst
can ask about any item and read, in words, what the NLP saw (the sentence and the rule)
and what reply detection found (the reply, its author, the delay, the rule) — or why no
later comment of the organisation was taken as an answer.
"""

from __future__ import annotations

import re
import textwrap
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from extractors.errors import EcouteError

PARIS = ZoneInfo("Europe/Paris")
_MONTHS = (
    "janv.", "févr.", "mars", "avr.", "mai", "juin",
    "juil.", "août", "sept.", "oct.", "nov.", "déc.",
)  # fmt: skip

_MENTION = re.compile(r"@[^\W\d_][\w.-]*(?: [A-ZÀ-Ý][\w-]*)?")
#: "Marine : oui ...", "Bonjour Paul, ...": a name opening a comment.
_OPENING_NAME = re.compile(
    r"(?:(?:bonjour|bonsoir|salut|coucou|merci|hello)\s+)?([A-ZÀ-Ý][\w-]+)\s*[:,!]", re.IGNORECASE
)

#: Why a sentence is a question, by `question_rule`.
QUESTION_RULES = {
    "request": "demande une action (« merci de me rappeler », « pouvez-vous m'envoyer »…)",
    "indirect": "est une question indirecte (« je voudrais savoir si », « qqn sait »…)",
    "est_ce_que": "contient « est-ce que »",
    "inversion": "inverse le sujet (« pouvez-vous », « y a-t-il »…)",
    "wh_start": "commence par un mot interrogatif (comment, quand, où, combien…)",
    "wh_phrase": "contient une tournure interrogative (« c'est combien », « ou pas »…)",
    "wh_word": "contient un mot interrogatif (« combien », « quand »…)",
    "qmark": "se termine par un point d'interrogation",
    "declarative": "demande un service sans forme interrogative (« vous livrez à Lyon »)",
    "fragment": "est une demande courte (« horaires samedi svp », « mp »)",
}
QUESTION_TYPES = {
    "information": "demande d'information",
    "request": "demande d'action",
    "complaint": "réclamation",
}
#: How a reply was recognised, by `reply_rule`.
REPLY_RULES = {
    "parent": "elle est publiée en réponse à ce commentaire (fil de discussion)",
    "mention": "elle mentionne la personne",
    "name_prefix": "elle commence par le prénom de la personne",
    "quote": "elle cite la question",
}


def when(moment: datetime) -> str:
    """ "3 sept. 2026 à 14:05", in Europe/Paris, from a naive UTC timestamp."""
    local = moment.replace(tzinfo=UTC).astimezone(PARIS)
    return f"{local.day} {_MONTHS[local.month - 1]} {local.year} à {local:%H:%M}"


def hours(value: float) -> str:
    return f"{value:.1f}".replace(".", ",") + " h"


def _quote(text: str, width: int = 88) -> str:
    flat = " ".join(text.split())
    return textwrap.shorten(flat, width=width, placeholder=" […]")


def _rows(conn: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cursor = conn.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def resolve_item_id(conn: duckdb.DuckDBPyConnection, item_id: str) -> str:
    """The full item id for ``item_id`` or a unique prefix of it (ids are long)."""
    found = [r[0] for r in conn.execute(
        "SELECT item_id FROM items WHERE item_id = ? OR starts_with(item_id, ?) LIMIT 3",
        [item_id, item_id],
    ).fetchall()]  # fmt: skip
    if item_id in found:
        return item_id
    if not found:
        raise EcouteError(f"no item '{item_id}' in the warehouse")
    if len(found) > 1:
        raise EcouteError(f"'{item_id}' is the start of several item ids: give more of it")
    return found[0]


def explain_item(conn: duckdb.DuckDBPyConnection, item_id: str) -> str:
    """What ecoute says about one item, in French, as lines of text."""
    item_id = resolve_item_id(conn, item_id)
    (item,) = _rows(
        conn,
        """
        SELECT i.*, a.is_question, a.question_sentence, a.question_rule, a.question_type,
               a.lang, a.sentiment, a.topics, coalesce(p.title, p.text) AS post_title,
               p.url AS post_url
        FROM items AS i
        LEFT JOIN item_annotations AS a USING (item_id)
        LEFT JOIN items AS p ON p.item_id = i.post_id
        WHERE i.item_id = ?
        """,
        [item_id],
    )
    lines = [
        f"{'Billet' if item['kind'] == 'post' else 'Commentaire'} de {item['author_name']},"
        f" le {when(item['published_at'])} (heure de Paris), source {item['source_id']}",
        f"Sous le billet « {_quote(item['post_title'] or item['post_url'] or '', 60)} »"
        + (f" — {item['post_url']}" if item["post_url"] else ""),
        "",
        _marked(item["text"], item["question_sentence"]),
        "",
    ]
    if item["is_question"] is None:
        return "\n".join([*lines, "Pas encore annoté : lancez `ecoute run` ou `ecoute load`."])
    if not item["is_question"]:
        reason = (
            f"la langue détectée est « {item['lang']} » (l'analyse des questions est en français)"
            if item["lang"] not in ("fr", "und")
            else "aucune règle de question ou de demande ne s'applique"
        )
        return "\n".join([*lines, f"Pas une question : {reason}."])
    lines.append(
        f"Question ({QUESTION_TYPES.get(item['question_type'], item['question_type'])}) :"
        f" la phrase marquée {QUESTION_RULES.get(item['question_rule'], '')}"
        f" (règle {item['question_rule']})."
    )
    if item["is_owner"]:
        return "\n".join(
            [*lines, "Écrite par l'organisation elle-même : exclue des taux de réponse."]
        )
    return "\n".join([*lines, *_answer(conn, item)])


def _marked(text: str, sentence: str | None) -> str:
    """The text, with the question sentence between ⟦ ⟧."""
    body = text.strip()
    if sentence and sentence in body:
        body = body.replace(sentence, f"⟦{sentence}⟧", 1)
    return textwrap.indent(textwrap.fill(" ".join(body.split()), width=88), "  ")


def _answer(conn: duckdb.DuckDBPyConnection, item: dict[str, Any]) -> list[str]:
    (status,) = _rows(conn, "SELECT * FROM question_status WHERE item_id = ?", [item["item_id"]])
    if status["answered_by_owner"]:
        (reply,) = _rows(
            conn,
            """
            SELECT r.*, i.text FROM replies AS r JOIN items AS i ON i.item_id = r.reply_item_id
            WHERE r.question_id = ? AND r.reply_item_id = ?
            """,
            [item["item_id"], status["reply_item_id"]],
        )
        within = "respecté" if status["within_sla"] else "dépassé"
        evidence = f" (« {reply['reply_evidence']} »)" if reply["reply_evidence"] else ""
        return [
            f"Répondue par {reply['reply_author']} le {when(reply['replied_at'])},"
            f" {hours(status['response_hours'])} après"
            f" (délai cible {hours(status['sla_hours'])} : {within}).",
            f"Réponse reconnue parce qu'{REPLY_RULES[reply['reply_rule']]}{evidence}"
            f" (règle {reply['reply_rule']}), élément {reply['reply_item_id']} :",
            f"  « {_quote(reply['text'])} »",
        ]
    return _why_unanswered(conn, item, status)


def _why_unanswered(
    conn: duckdb.DuckDBPyConnection, item: dict[str, Any], status: dict[str, Any]
) -> list[str]:
    later = _rows(
        conn,
        """
        SELECT item_id, author_name, published_at, text, parent_id FROM items
        WHERE post_id = ? AND is_owner AND kind = 'comment' AND published_at >= ?
        ORDER BY published_at, item_id
        """,
        [item["post_id"], item["published_at"]],
    )
    asker = item["author_name"]
    lines = ["Sans réponse de l'organisation."]
    if status["answered_by_anyone"]:
        lines.append("D'autres personnes lui ont répondu, mais pas l'organisation.")
    if not later:
        lines.append("L'organisation n'a rien publié sous ce billet après la question.")
        return lines
    lines.append(
        f"{len(later)} commentaire(s) de l'organisation plus tard sous ce billet,"
        f" aucun ne s'adresse à {asker} (ni réponse dans le fil, ni @{asker},"
        f" ni « {asker} : » au début, ni citation de la question) :"
    )
    for comment in later[:5]:
        named = _addressed(comment["text"])
        to = f", s'adresse à {', '.join(named)}" if named else ""
        lines.append(f"  - {when(comment['published_at'])}{to} : « {_quote(comment['text'], 70)} »")
    if len(later) > 5:
        lines.append(f"  - et {len(later) - 5} autre(s)")
    return lines


def _addressed(text: str) -> list[str]:
    """The @names a comment addresses, as written ("@Jean Michel", "@sandrine")."""
    named = {m.group(0) for m in _MENTION.finditer(text)}
    opening = _OPENING_NAME.match(text.strip())
    if opening:
        named.add(opening.group(1))
    return sorted(named)


def explain_unanswered(conn: duckdb.DuckDBPyConnection, source_id: str) -> str:
    """``explain_item`` for every open question of a source, oldest first."""
    ids = [r[0] for r in conn.execute(
        "SELECT item_id FROM unanswered_questions WHERE source_id = ?", [source_id]
    ).fetchall()]  # fmt: skip
    if not conn.execute("SELECT 1 FROM sources WHERE source_id = ?", [source_id]).fetchone():
        raise EcouteError(f"no source '{source_id}' in the warehouse")
    header = f"{len(ids)} question(s) sans réponse pour {source_id}"
    parts = [header, "=" * len(header)]
    for item_id in ids:
        parts += ["", f"— {item_id}", explain_item(conn, item_id)]
    return "\n".join(parts)
