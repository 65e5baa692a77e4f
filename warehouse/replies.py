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

import hashlib
import json
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import astuple, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from extractors import names as names_module
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
    as (key, evidence), longest first; and its folded words, with every run of
    ``QUOTE_WORDS`` of them, for quotes. Read once per item of a thread, compared with
    every asker (and, as a question, with every later item)."""

    text: str
    mentions: tuple[tuple[str, str], ...]
    prefixes: tuple[tuple[str, str], ...]
    words: tuple[str, ...] = ()
    runs: frozenset[tuple[str, ...]] = frozenset()


def address_forms(text: str, key: Key = _as_is) -> Forms:
    """The name forms ``text`` may address someone by, keyed with ``key``.

    After an "@" (and one optional space): the words up to any point not followed by a
    letter or digit, one to ``MAX_NAME_WORDS`` words. At the start, after an optional
    greeting: the same words when followed by punctuation, the end or a dash. Comparing
    these with an asker's keys finds what searching the text for each of the asker's
    names would, without needing the names."""
    folded = fold(text)
    spaced = SEPARATORS.sub(" ", folded)
    as_written = SEPARATORS.sub(" ", text).strip()  # the evidence, as written when it aligns
    written = as_written if len(as_written) == len(spaced) else spaced
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
    words = tuple(_WORD.findall(folded))
    return Forms(
        text=text,
        mentions=tuple((key(form), written[start:end]) for start, end, form in spans),
        prefixes=tuple(
            (key(form), form) for form in reversed(prefixes) if len(form) >= MIN_NAME_CHARS
        ),
        words=words,
        runs=_runs(words, QUOTE_WORDS),
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
    return _addressed(forms, names, address_forms(question_text) if question_text else None)


def _addressed(
    forms: Forms, names: Collection[str], question: Forms | None
) -> tuple[str, str] | None:
    for form_key, evidence in forms.mentions:
        if form_key in names:
            return "mention", evidence
    for form_key, form in forms.prefixes:
        if form_key in names:
            return "name_prefix", form
    quoted = _quote(question.words, question.runs, forms.words, forms.runs) if question else None
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
    asked = tuple(_WORD.findall(fold(question)))
    said = tuple(_WORD.findall(fold(reply)))
    return _quote(asked, _runs(asked, QUOTE_WORDS), said, _runs(said, QUOTE_WORDS))


def _runs(words: Sequence[str], size: int) -> frozenset[tuple[str, ...]]:
    """Every ``size`` words in a row."""
    return frozenset(tuple(words[k : k + size]) for k in range(len(words) - size + 1))


def _quote(
    asked: Sequence[str],
    asked_runs: frozenset[tuple[str, ...]],
    said: Sequence[str],
    said_runs: frozenset[tuple[str, ...]],
) -> str | None:
    """`quote_of` on folded words; ``*_runs``: their runs of ``QUOTE_WORDS`` words. Most
    replies share no run of that many words with the question: one set comparison says
    so, before any longer run is looked for."""
    need = min(QUOTE_WORDS, len(asked))
    if need < 3 or len(said) < need:
        return None
    if need == QUOTE_WORDS:
        if asked_runs.isdisjoint(said_runs):
            return None
    elif tuple(asked) not in _runs(said, need):  # a short question: all of it, or nothing
        return None
    said_text = " " + " ".join(said) + " "
    for size in range(len(asked), need - 1, -1):
        for start in range(len(asked) - size + 1):
            run = " ".join(asked[start : start + size])
            if f" {run} " in said_text:
                return run
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
    authors = {entry.item_id: name_key(entry.author or "") for entry in thread}
    found: list[Reply] = []
    for question in (e for e in thread if e.is_question and not e.is_owner):
        called = asker_names(question, aliases, names)
        asker = authors[question.item_id]
        asked = forms[question.item_id]
        for entry in thread:
            if entry.item_id == question.item_id or entry.published_at < question.published_at:
                continue
            if asker and authors[entry.item_id] == asker:
                continue  # the asker following up is nobody's answer
            if _threaded(entry, question, by_id, asker, authors):
                match: tuple[str, str] | None = ("parent", "")
            else:
                match = _addressed(forms[entry.item_id], called, asked)
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


def _threaded(
    entry: Entry,
    question: Entry,
    by_id: Mapping[str, Entry],
    asker: str,
    authors: Mapping[str, str],
) -> bool:
    """Under the question, replying to it or to the asker's own follow-up."""
    parent = by_id.get(entry.parent_id or "")
    if parent is None:
        return False
    if parent.item_id == question.item_id:
        return True
    if authors[parent.item_id] != asker:
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

#: The newest annotation's verdict per item, as `item_annotations` gives it.
_FLAGS = """
    CREATE OR REPLACE TEMP TABLE reply_flags AS SELECT item_id, is_question FROM item_annotations
"""

#: Per thread (post): its source (the last item's, as the replies rows name it), whether
#: a non-owner asks a question in it, and a hash of everything reply detection reads of
#: its items. An item's text changes with its content_hash: the loader rewrites an item
#: only then, text included. `extra` holds the keys of a pseudonymised author's names.
_THREAD_STATE = """
    CREATE OR REPLACE TEMP TABLE reply_threads_now AS
    SELECT t.post_id, t.source_id, t.has_question,
           hash(t.items_hash, s.aliases, ?) AS fingerprint
    FROM (
        SELECT i.post_id,
               arg_max(i.source_id, (i.published_at, i.item_id)) AS source_id,
               bool_or(coalesce(f.is_question, false) AND NOT i.is_owner) AS has_question,
               bit_xor(hash(i.item_id, i.source_id, i.parent_id, i.author_name, i.is_owner,
                            i.published_at, i.content_hash, i.extra,
                            coalesce(f.is_question, false))) AS items_hash
        FROM items AS i LEFT JOIN reply_flags AS f USING (item_id)
        GROUP BY i.post_id
    ) AS t
    LEFT JOIN sources AS s USING (source_id)
    WHERE t.source_id IN (SELECT unnest(?::VARCHAR[])) OR ? IS NULL
"""

#: The threads to recompute: new, or changed since their replies were stored.
_DIRTY = """
    CREATE OR REPLACE TEMP TABLE reply_dirty AS
    SELECT n.post_id, n.source_id, n.has_question, n.fingerprint
    FROM reply_threads_now AS n LEFT JOIN reply_threads AS s USING (post_id)
    WHERE s.fingerprint IS DISTINCT FROM n.fingerprint
"""

#: Every item of the threads to recompute that hold a question, thread after thread.
_THREADS = """
    SELECT i.item_id, i.post_id, i.parent_id, i.author_name, i.is_owner, i.published_at,
           i.text, coalesce(f.is_question, false) AS is_question,
           json_extract(i.extra, '$.author_keys')::VARCHAR AS author_keys, d.source_id
    FROM items AS i
    JOIN reply_dirty AS d ON d.post_id = i.post_id AND d.has_question
    LEFT JOIN reply_flags AS f USING (item_id)
    ORDER BY i.post_id, i.published_at, i.item_id
"""

#: The rows of the sources asked for (a list, or null: all), with the list twice.
_SCOPE = "(source_id IN (SELECT unnest(?::VARCHAR[])) OR ? IS NULL)"
#: Rows read from DuckDB at a time: a thread at a time is held, never the warehouse.
STREAM_ROWS = 20_000


def _rules_version(names: NameKeys | None) -> str:
    """What else decides the replies of a thread: this code and the name folding it relies
    on (a new release recomputes every thread once), and the pseudonym key."""
    code = hashlib.sha256()
    for module in (__file__, names_module.__file__):
        code.update(Path(module).read_bytes())
    key = names.address_key("ecoute reply detection") if names else "clear"
    return f"{code.hexdigest()[:16]}:{key}"


def _threads(
    conn: duckdb.DuckDBPyConnection,
) -> Iterator[tuple[str, list[Entry]]]:
    """(source_id, items) of each thread to recompute, streamed from DuckDB."""
    reader = conn.sql(_THREADS).to_arrow_reader(STREAM_ROWS)
    thread: list[Entry] = []
    source_id = ""
    for batch in reader:
        columns = [column.to_pylist() for column in batch.columns]
        for *fields, author_keys, source in zip(*columns, strict=True):
            entry = Entry(
                *fields, author_keys=tuple(json.loads(author_keys)) if author_keys else None
            )
            if thread and entry.post_id != thread[0].post_id:
                yield source_id, thread
                thread = []
            thread.append(entry)
            source_id = source
    if thread:
        yield source_id, thread


def refresh_replies(
    conn: duckdb.DuckDBPyConnection,
    source_ids: Iterable[str] | None = None,
    names: NameKeys | None = None,
) -> int:
    """Bring `replies` up to date for the threads holding a question (of ``source_ids``,
    or of all sources); returns the number of pairs stored for them. ``names``: the
    pseudonym key's hashes, needed once items were landed pseudonymised.

    Only the threads whose items, annotations, source aliases (or this code, or the key)
    changed since their replies were stored are read and recomputed (`reply_threads`
    keeps a fingerprint per thread): a run that brought nothing new recomputes nothing,
    and the result is the same as recomputing every thread. Each thread's old replies
    are replaced in one transaction with the fingerprints."""
    sources = sorted(source_ids) if source_ids is not None else None
    conn.execute(_FLAGS)
    conn.execute(_THREAD_STATE, [_rules_version(names), sources, sources])
    ((stored,),) = conn.execute(
        f"SELECT count(*) FROM reply_threads WHERE {_SCOPE}", [sources, sources]
    ).fetchall()
    conn.execute(_DIRTY)
    aliases = {
        source_id: json.loads(value) if value else {}
        for source_id, value in conn.execute("SELECT source_id, aliases FROM sources").fetchall()
    }
    found: list[pa.Table] = []
    pending: list[tuple[Any, ...]] = []
    for source_id, thread in _threads(conn):
        pending += [
            (source_id, *astuple(reply))
            for reply in thread_replies(thread, aliases.get(source_id, {}), names)
        ]
        if len(pending) >= STREAM_ROWS:
            found.append(_table(pending))
            pending = []
    found.append(_table(pending))
    conn.register("found_replies", pa.concat_tables(found))
    conn.execute("BEGIN TRANSACTION")
    try:
        _store(conn, sources, full=not stored)
        conn.execute("COMMIT")
    except Exception:
        conn.execute("ROLLBACK")
        raise
    finally:
        conn.unregister("found_replies")
    # fetchall, not fetchone: DuckDB 2 keeps a result read by fetchone open, and the
    # connection then refuses the caller's next register()
    ((pairs,),) = conn.execute(
        f"SELECT count(*) FROM replies WHERE {_SCOPE}", [sources, sources]
    ).fetchall()
    return int(pairs)


def _table(rows: list[tuple[Any, ...]]) -> pa.Table:
    return pa.Table.from_pylist([dict(zip(_COLUMNS, row, strict=True)) for row in rows], _SCHEMA)


def _store(conn: duckdb.DuckDBPyConnection, sources: list[str] | None, *, full: bool) -> None:
    """Replace the replies of the recomputed threads, and their fingerprints. `full`: no
    thread of these sources was stored yet (a new warehouse, or one from before the
    fingerprints): every reply of the sources goes, as every thread is recomputed."""
    if full:
        conn.execute(f"DELETE FROM replies WHERE {_SCOPE}", [sources, sources])
    else:
        conn.execute(
            """
            DELETE FROM replies WHERE question_id IN (
                SELECT i.item_id FROM items AS i JOIN reply_dirty AS d USING (post_id))
            """
        )
        gone = conn.execute(
            f"""
            DELETE FROM reply_threads WHERE {_SCOPE}
              AND post_id NOT IN (SELECT post_id FROM reply_threads_now)
            """,
            [sources, sources],
        ).fetchone()
        if gone and gone[0]:  # a whole thread left `items`: its questions' replies too
            conn.execute("DELETE FROM replies WHERE question_id NOT IN (SELECT item_id FROM items)")
    conn.execute(f"INSERT INTO replies ({', '.join(_COLUMNS)}) SELECT * FROM found_replies")
    conn.execute("DELETE FROM reply_threads WHERE post_id IN (SELECT post_id FROM reply_dirty)")
    conn.execute(
        "INSERT INTO reply_threads (post_id, source_id, fingerprint)"
        " SELECT post_id, source_id, fingerprint FROM reply_dirty"
    )
