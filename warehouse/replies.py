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

Authors who are not the organisation reach the warehouse pseudonymised (see
pipelines/privacy.py): their names are not there to be searched for. So a reply is read
once for the forms that may address someone (the words after each "@", the words that
open it), and those forms, keyed like the names (`extractors.names.NameKeys`), are
compared with the keyed forms of the asker's name stored at landing in
``extra.author_keys``. Items landed in clear are compared the same way, with keys made
from their author's name, so both kinds of items can share a thread.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import astuple, dataclass
from datetime import datetime

import duckdb
import pyarrow as pa

from extractors.names import SEPARATORS, NameKeys, fold, name_key, name_variants

#: A quote must repeat this many words of the question in a row (fewer for short ones).
QUOTE_WORDS = 6
#: Names shorter than this are not matched on their own (an "@Al" is fine, "Al," is not).
MIN_NAME_CHARS = 3
#: Words of a name read after an "@" or at the start of a reply; a longer name is still
#: recognised by its first name.
MAX_NAME_WORDS = 4
#: Greetings and thanks that may come before the asker's name at the start of a reply.
GREETINGS = ("bonjour", "bonsoir", "salut", "coucou", "hello", "merci", "re", "cher", "chere")

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
_MENTION = re.compile(r"@ ?")
_GREETING = re.compile(rf"(?:(?:{'|'.join(GREETINGS)})\b[ ,!]*)?")
#: What may follow a name after "@": anything but a letter or a digit.
_AFTER_MENTION = re.compile(r"(?![^\W_])")
#: What may follow a name at the start of a reply: punctuation, the end, a dash.
_AFTER_PREFIX = re.compile(r"\s*[,:;!]|\s*$|\s+-")

#: How a name form read in a reply is compared: as is, or keyed (`NameKeys.address_key`).
Key = Callable[[str], str]


def _as_is(form: str) -> str:
    return form


@dataclass(frozen=True)
class Entry:
    """One item of a thread, as reply detection sees it. ``author_keys``: the keyed
    forms of a pseudonymised author's name, stored at landing (None: landed in clear)."""

    item_id: str
    post_id: str
    parent_id: str | None
    author: str | None
    is_owner: bool
    published_at: datetime
    text: str
    is_question: bool = False
    author_keys: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Reply:
    question_id: str
    reply_item_id: str
    reply_author: str | None
    reply_is_owner: bool
    replied_at: datetime
    reply_rule: str
    reply_evidence: str


@dataclass(frozen=True)
class Forms:
    """Whom a reply may address: the name forms read after each "@" and at its start,
    as (key, evidence), longest first. Read once per reply, compared with every asker."""

    text: str
    mentions: tuple[tuple[str, str], ...]
    prefixes: tuple[tuple[str, str], ...]


def address_forms(text: str, key: Key = _as_is) -> Forms:
    """The name forms ``text`` may address someone by, keyed with ``key``.

    After an "@" (and one optional space): the words up to any point not followed by a
    letter or digit, one to ``MAX_NAME_WORDS`` words. At the start, after an optional
    greeting: the same words when followed by punctuation, the end or a dash. Comparing
    these with an asker's keys finds what searching the text for each of the asker's
    names would, without needing the names."""
    spaced = SEPARATORS.sub(" ", fold(text))
    words = SEPARATORS.sub(" ", text).strip()  # the evidence, as written when it aligns
    written = words if len(words) == len(spaced) else spaced
    spans = [
        (at.start(), end, spaced[at.end() : end])
        for at in _MENTION.finditer(spaced)
        for end in _name_ends(spaced, at.end(), _AFTER_MENTION)
    ]
    spans.sort(key=lambda span: (-len(span[2]), span[0]))  # longest, then first
    opening = spaced.lstrip(" ,;:!")
    greeting = _GREETING.match(opening)
    rest = opening[greeting.end() if greeting else 0 :]
    prefixes = [rest[:end] for end in _name_ends(rest, 0, _AFTER_PREFIX)]
    return Forms(
        text=text,
        mentions=tuple((key(form), written[start:end]) for start, end, form in spans),
        prefixes=tuple(
            (key(form), form) for form in reversed(prefixes) if len(form) >= MIN_NAME_CHARS
        ),
    )


def _name_ends(text: str, begin: int, after: re.Pattern[str]) -> Iterator[int]:
    """Where a name starting at ``begin`` may end: the positions ``after`` accepts as what
    follows a name, within ``MAX_NAME_WORDS`` words."""
    words = 1
    for end in range(begin + 1, len(text) + 1):
        if after.match(text, end):
            yield end
        if text[end : end + 1] == " ":
            words += 1
            if words > MAX_NAME_WORDS:
                return


def addressed(
    forms: Forms, names: Collection[str], question_text: str = ""
) -> tuple[str, str] | None:
    """(rule, evidence) when the reply read as ``forms`` addresses someone whose keys are
    ``names`` or quotes ``question_text``; None otherwise."""
    for form_key, evidence in forms.mentions:
        if form_key in names:
            return "mention", evidence
    for form_key, form in forms.prefixes:
        if form_key in names:
            return "name_prefix", form
    quoted = quote_of(question_text, forms.text)
    if quoted:
        return "quote", quoted
    return None


def addresses(
    text: str, names: Collection[str], question_text: str = "", key: Key = _as_is
) -> tuple[str, str] | None:
    """(rule, evidence) when ``text`` addresses someone called one of ``names`` (folded
    forms as `name_variants` gives them, or their keys under ``key``) or quotes
    ``question_text``; None otherwise."""
    return addressed(address_forms(text, key), frozenset(names), question_text)


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


def asker_names(
    question: Entry, aliases: Mapping[str, Sequence[str]], names: NameKeys | None
) -> frozenset[str]:
    """What a reply may call the asker, compared the way ``names`` says.

    Without ``names``, folded clear names (items landed in clear). With them, keyed
    forms: the ones stored at landing for a pseudonymised author, plus the aliases whose
    name has the author's pseudonym (the configuration may have changed since); for an
    author landed in clear, the keyed forms of their name."""
    if names is None:
        if question.author_keys is not None:
            raise ValueError(
                f"item {question.item_id} was pseudonymised: reply detection needs the "
                "pseudonym key (refresh_replies(..., names=NameKeys(key)))"
            )
        return frozenset(name_variants(question.author, aliases))
    if question.author_keys is None:
        return frozenset(names.address_key(v) for v in name_variants(question.author, aliases))
    keys = set(question.author_keys)
    for name, others in aliases.items():
        if names.pseudonym(name) == question.author:
            keys.update(names.address_key(name_key(other)) for other in others)
    return frozenset(keys)


def thread_replies(
    thread: Sequence[Entry],
    aliases: Mapping[str, Sequence[str]] | None = None,
    names: NameKeys | None = None,
) -> list[Reply]:
    """Every (question, reply) pair of one post's items, with its rule. ``names``: the
    keys to compare names with, needed when authors were pseudonymised at landing."""
    aliases = aliases or {}
    key = names.address_key if names else _as_is
    by_id = {entry.item_id: entry for entry in thread}
    forms = {entry.item_id: address_forms(entry.text, key) for entry in thread}
    found: list[Reply] = []
    for question in (e for e in thread if e.is_question and not e.is_owner):
        called = asker_names(question, aliases, names)
        asker = name_key(question.author or "")
        for entry in thread:
            if entry.item_id == question.item_id or entry.published_at < question.published_at:
                continue
            if asker and name_key(entry.author or "") == asker:
                continue  # the asker following up is nobody's answer
            if _threaded(entry, question, by_id, asker):
                match: tuple[str, str] | None = ("parent", "")
            else:
                match = addressed(forms[entry.item_id], called, question.text)
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
           i.text, coalesce(a.is_question, false) AS is_question,
           json_extract(i.extra, '$.author_keys')::VARCHAR AS author_keys, i.source_id
    FROM items AS i
    LEFT JOIN item_annotations AS a USING (item_id)
    WHERE i.post_id IN (
        SELECT q.post_id FROM items AS q JOIN item_annotations AS qa USING (item_id)
        WHERE qa.is_question AND NOT q.is_owner {source_filter}
    )
    ORDER BY i.post_id, i.published_at, i.item_id
"""


def refresh_replies(
    conn: duckdb.DuckDBPyConnection,
    source_ids: Iterable[str] | None = None,
    names: NameKeys | None = None,
) -> int:
    """Recompute the replies of every thread holding a question (of ``source_ids``, or of
    all sources), in one transaction; returns the number of pairs stored. ``names``: the
    pseudonym key's hashes, needed once items were landed pseudonymised."""
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
    for *fields, author_keys, source_id in rows:
        entry = Entry(*fields, author_keys=tuple(json.loads(author_keys)) if author_keys else None)
        threads[entry.post_id].append(entry)
        source_of[entry.post_id] = source_id
    rows_out = [
        (source_of[post_id], *astuple(reply))
        for post_id, thread in threads.items()
        for reply in thread_replies(thread, aliases.get(source_of[post_id], {}), names)
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
