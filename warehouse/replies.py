"""Who answered which question: the `replies` table, and the rules behind it.

Why in Python: on flat comment threads (Typepad, many WordPress themes, old forums) an
answer is only recognisable by how it addresses the asker: "@Xavier", "Xavier : ...",
"Bonjour Xavier," or a quote of the question, with names written without accents, in
another case, as a first name only, or as an alias the organisation knows. That is string
work, tested here rule by rule; SQL views then read the result.

A reply to a question is a later item of the same post, not by the asker, that

- ``parent``: sits under the question in a threaded platform (a direct reply, or a reply
  to the asker's own follow-up in that thread);
- ``mention``: names the asker with an @ ("@Xavier", "@jean-michel");
- ``name_prefix``: opens with the asker's name, after an optional greeting ("Xavier :",
  "Bonjour Sandrine,", "Merci Karim !");
- ``quote``: quotes at least ``QUOTE_WORDS`` words of the question in a row.

A reply that addresses several people ("@A : ... @B : ...") answers each of them. Every
(question, reply) pair found is stored with its rule and the words that matched, owner
replies and others alike; the views take the first owner reply as the answer.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import astuple, dataclass
from datetime import datetime

import duckdb
import pyarrow as pa

#: A quote must repeat this many words of the question in a row (fewer for short ones).
QUOTE_WORDS = 6
#: Names shorter than this are not matched on their own (an "@Al" is fine, "Al," is not).
MIN_NAME_CHARS = 3
#: Greetings and thanks that may come before the asker's name at the start of a reply.
GREETINGS = ("bonjour", "bonsoir", "salut", "coucou", "hello", "merci", "re", "cher", "chere")

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})
_SEPARATORS = re.compile(r"[\s\-_.]+")
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")


def fold(text: str) -> str:
    """Lowercase, no accents, straight apostrophes: "Hélène" -> "helene"."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES).lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def name_key(name: str) -> str:
    """A name as compared: folded, hyphens, dots and underscores as spaces."""
    return _SEPARATORS.sub(" ", fold(name)).strip()


@dataclass(frozen=True)
class Entry:
    """One item of a thread, as reply detection sees it."""

    item_id: str
    post_id: str
    parent_id: str | None
    author: str | None
    is_owner: bool
    published_at: datetime
    text: str
    is_question: bool = False


@dataclass(frozen=True)
class Reply:
    question_id: str
    reply_item_id: str
    reply_author: str | None
    reply_is_owner: bool
    replied_at: datetime
    reply_rule: str
    reply_evidence: str


def name_variants(author: str | None, aliases: Mapping[str, Sequence[str]]) -> list[str]:
    """Ways to address ``author``: full name, first word, without a trailing initial,
    and the aliases configured for them; folded, longest first."""
    if not author:
        return []
    key = name_key(author)
    variants = {key}
    words = key.split()
    if len(words) > 1:
        variants.add(words[0])
        if len(words[-1]) == 1:  # "Sandrine B." -> "sandrine"
            variants.add(" ".join(words[:-1]))
    for name, others in aliases.items():
        if name_key(name) == key:
            variants.update(name_key(other) for other in others)
    return sorted((v for v in variants if v), key=len, reverse=True)


def addresses(
    text: str, variants: Sequence[str], question_text: str = ""
) -> tuple[str, str] | None:
    """(rule, evidence) when ``text`` addresses someone called one of ``variants``
    or quotes ``question_text``; None otherwise."""
    spaced = _SEPARATORS.sub(" ", fold(text))
    for variant in variants:
        mention = re.search(rf"@ ?{re.escape(variant)}(?![^\W_])", spaced)
        if mention:
            return "mention", text_at(text, spaced, mention.start(), mention.end())
    opening = spaced.lstrip(" ,;:!")
    greeting = re.match(rf"(?:(?:{'|'.join(GREETINGS)})\b[ ,!]*)?", opening)
    rest = opening[greeting.end() if greeting else 0 :]
    for variant in variants:
        if len(variant) < MIN_NAME_CHARS:
            continue
        prefix = re.match(rf"{re.escape(variant)}(?:\s*[,:;!]|\s*$|\s+-)", rest)
        if prefix:
            return "name_prefix", variant
    quoted = quote_of(question_text, text)
    if quoted:
        return "quote", quoted
    return None


def text_at(original: str, spaced: str, start: int, end: int) -> str:
    """The words of ``original`` that ``spaced[start:end]`` came from (best effort)."""
    words = _SEPARATORS.sub(" ", original).strip()
    return words[start:end] if len(words) == len(spaced) else spaced[start:end]


def quote_of(question: str, reply: str) -> str | None:
    """The longest run of question words, at least ``QUOTE_WORDS`` (or the whole question
    when it is shorter, from 3 words on), that the reply repeats."""
    asked = _WORD.findall(fold(question))
    said = _WORD.findall(fold(reply))
    need = min(QUOTE_WORDS, len(asked))
    if need < 3 or len(said) < need:
        return None
    said_text = " " + " ".join(said) + " "
    best = None
    for size in range(len(asked), need - 1, -1):
        for start in range(len(asked) - size + 1):
            run = " ".join(asked[start : start + size])
            if f" {run} " in said_text:
                best = run
                break
        if best:
            return best
    return None


def thread_replies(
    thread: Sequence[Entry], aliases: Mapping[str, Sequence[str]] | None = None
) -> list[Reply]:
    """Every (question, reply) pair of one post's items, with its rule."""
    aliases = aliases or {}
    by_id = {entry.item_id: entry for entry in thread}
    found: list[Reply] = []
    for question in (e for e in thread if e.is_question and not e.is_owner):
        variants = name_variants(question.author, aliases)
        asker = name_key(question.author or "")
        for entry in thread:
            if entry.item_id == question.item_id or entry.published_at < question.published_at:
                continue
            if asker and name_key(entry.author or "") == asker:
                continue  # the asker following up is nobody's answer
            rule = _threaded(entry, question, by_id, asker)
            match = ("parent", "") if rule else addresses(entry.text, variants, question.text)
            if match:
                found.append(
                    Reply(
                        question.item_id,
                        entry.item_id,
                        entry.author,
                        entry.is_owner,
                        entry.published_at,
                        match[0],
                        match[1],
                    )
                )
    return found


def _threaded(entry: Entry, question: Entry, by_id: Mapping[str, Entry], asker: str) -> bool:
    """Under the question, replying to it or to the asker's own follow-up."""
    parent = by_id.get(entry.parent_id or "")
    if parent is None:
        return False
    if parent.item_id == question.item_id:
        return True
    if name_key(parent.author or "") != asker:
        return False
    seen = set()
    while parent is not None and parent.item_id not in seen:  # up to the question?
        if parent.item_id == question.item_id:
            return True
        seen.add(parent.item_id)
        parent = by_id.get(parent.parent_id or "")
    return False


# --- the table ----------------------------------------------------------------------------

_COLUMNS = (
    "source_id", "question_id", "reply_item_id", "reply_author", "reply_is_owner",
    "replied_at", "reply_rule", "reply_evidence",
)  # fmt: skip
_SCHEMA = pa.schema(
    [
        ("source_id", pa.string()),
        ("question_id", pa.string()),
        ("reply_item_id", pa.string()),
        ("reply_author", pa.string()),
        ("reply_is_owner", pa.bool_()),
        ("replied_at", pa.timestamp("us")),
        ("reply_rule", pa.string()),
        ("reply_evidence", pa.string()),
    ]
)

_THREADS = """
    SELECT i.item_id, i.post_id, i.parent_id, i.author_name, i.is_owner, i.published_at,
           i.text, coalesce(a.is_question, false) AS is_question, i.source_id
    FROM items AS i
    LEFT JOIN item_annotations AS a USING (item_id)
    WHERE i.post_id IN (
        SELECT q.post_id FROM items AS q JOIN item_annotations AS qa USING (item_id)
        WHERE qa.is_question AND NOT q.is_owner {source_filter}
    )
    ORDER BY i.post_id, i.published_at, i.item_id
"""


def refresh_replies(
    conn: duckdb.DuckDBPyConnection, source_ids: Iterable[str] | None = None
) -> int:
    """Recompute the replies of every thread holding a question (of ``source_ids``, or of
    all sources), in one transaction; returns the number of pairs stored."""
    sources = sorted(source_ids) if source_ids is not None else None
    source_filter = "AND q.source_id IN (SELECT unnest(?))" if sources is not None else ""
    params = [sources] if sources is not None else []
    rows = conn.execute(_THREADS.format(source_filter=source_filter), params).fetchall()
    aliases = {
        source_id: json.loads(value) if value else {}
        for source_id, value in conn.execute("SELECT source_id, aliases FROM sources").fetchall()
    }
    threads: dict[str, list[Entry]] = defaultdict(list)
    source_of: dict[str, str] = {}
    for *fields, source_id in rows:
        entry = Entry(*fields)
        threads[entry.post_id].append(entry)
        source_of[entry.post_id] = source_id
    rows_out = [
        (source_of[post_id], *astuple(reply))
        for post_id, thread in threads.items()
        for reply in thread_replies(thread, aliases.get(source_of[post_id], {}))
    ]
    table = pa.Table.from_pylist(
        [dict(zip(_COLUMNS, row, strict=True)) for row in rows_out],
        schema=_SCHEMA,
    )
    conn.execute("BEGIN TRANSACTION")
    try:
        if sources is None:
            conn.execute("DELETE FROM replies")
        else:
            conn.execute("DELETE FROM replies WHERE source_id IN (SELECT unnest(?))", [sources])
        conn.register("found_replies", table)
        conn.execute(f"INSERT INTO replies ({', '.join(_COLUMNS)}) SELECT * FROM found_replies")
        conn.unregister("found_replies")
        conn.execute("COMMIT")
    except Exception:
        conn.execute("ROLLBACK")
        raise
    return len(rows_out)
