"""A synthetic corpus of French comment threads, as local files the `rss` extractor reads.

    python -m bench.generate --items 100000 --out DIR [--seed 42] [--sources N]

writes, per source, a WordPress-style RSS 2.0 feed of the organisation's posts
(`DIR/<source>/feed.xml`) whose entries link (`wfw:commentRss`, a relative path, as in
demo/delices-margaux) to one comment feed per post (`DIR/<source>/comments/<post>.xml`),
comments threaded with `thr:in-reply-to`; then `DIR/sources.yml`, which points ecoute at
the feeds with each source's owners (so their answers are recognised) and
`remember_posts` set to the number of posts (the extractor reads the comments of that
many posts); then `DIR/corpus.json`, written last, with what was generated (items, posts,
comments, questions, answers planned, per source). A folder with `corpus.json` is complete.

`--items` is exact: the pipeline must load that many items (posts + comments). Sizes are
spread over sources (a few large ones, many small) and over posts (0 to 200 comments,
most threads short); dates over six months of 2026 (February to July), comments after
their post, answers after their question. Nothing depends on the clock or the machine:
the same seed and size give byte-identical files. Memory holds one source's posts and
one thread at a time, never the corpus.
"""

from __future__ import annotations

import argparse
import json
import math
import random
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path
from zoneinfo import ZoneInfo

from bench import texts

#: The six months the posts are spread over (comments and answers follow within days).
WINDOW_START = datetime(2026, 2, 1, tzinfo=UTC)
WINDOW_END = datetime(2026, 8, 1, tzinfo=UTC)
#: The longest delay drawn (a comment after its post, an answer after its question): the
#: last answers are dated before October 2026, in the past for any run of the benchmark.
MAX_DELAY = timedelta(days=20)
MAX_COMMENTS = 200
PARIS = ZoneInfo("Europe/Paris")
#: About one source per this many items when --sources is not given (at least 2, at most
#: 100): 1M items make 80 sources, none with a feed near the HTTP client's 20 MB cap.
ITEMS_PER_SOURCE = 12_500
#: Bumped when the same seed and size give other files: cached corpora are regenerated.
GENERATOR_VERSION = 2
CORPUS_FILE = "corpus.json"
SOURCES_FILE = "sources.yml"


def parse_size(text: str) -> int:
    """`300`, `10k`, `100k`, `1M` -> a number of items."""
    text = text.strip().lower().replace("_", "")
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    number = text[:-1] if factor > 1 else text
    if not number.isdigit() or int(number) * factor < 1:
        raise argparse.ArgumentTypeError(f"expected a size like 300, 10k or 1M, not {text!r}")
    return int(number) * factor


def default_sources(items: int) -> int:
    return max(2, min(100, math.ceil(items / ITEMS_PER_SOURCE)))


@dataclass
class Counts:
    """What a source (or the corpus) holds, as generated."""

    items: int = 0
    posts: int = 0
    comments: int = 0
    owner_comments: int = 0
    questions: int = 0  # customer comments asking something (information, request, complaint)
    answered: int = 0  # of those, answered by the organisation (threaded or by name)
    foreign: int = 0

    def add(self, other: Counts) -> None:
        for name, value in asdict(other).items():
            setattr(self, name, getattr(self, name) + value)


@dataclass
class _Comment:
    at: datetime
    author: str
    text: str
    owner: bool
    parent: int | None = None  # index in the thread of the comment this one answers


@dataclass
class _Post:
    wp_id: int
    slug: str
    title: str
    paragraphs: list[str]
    at: datetime
    author: str
    comments: int
    categories: list[str] = field(default_factory=list)


def generate(out: Path, items: int, *, seed: int = 42, sources: int | None = None) -> Counts:
    """Write the corpus of `items` items under `out` (see the module docstring)."""
    count = min(sources or default_sources(items), items)
    out.mkdir(parents=True, exist_ok=True)
    (out / CORPUS_FILE).unlink(missing_ok=True)  # incomplete until written again
    sizes = _split(random.Random(f"{seed}:sizes"), items, count)
    total = Counts()
    per_source: list[dict[str, object]] = []
    entries: list[str] = []
    for index, size in enumerate(sizes):
        rng = random.Random(f"{seed}:source:{index}")
        biz = texts.business(rng, index)
        counts, posts = _write_source(rng, out / biz.slug, biz, size)
        total.add(counts)
        per_source.append({"id": biz.slug, "name": biz.name, **asdict(counts)})
        entries.append(_source_entry(biz, posts))
    header = f"# bench.generate: {items} items, seed {seed}; regenerate rather than edit.\n"
    (out / SOURCES_FILE).write_text(header + "sources:\n" + "".join(entries), encoding="utf-8")
    summary = {
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "items": items,
        "totals": asdict(total),
        "sources": per_source,
    }
    (out / CORPUS_FILE).write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    return total


def _split(rng: random.Random, items: int, count: int) -> list[int]:
    """`items` over `count` sources, skewed (a Pareto weight, capped at 8x the smallest),
    each at least 1, summing exactly to `items`."""
    weights = [min(rng.paretovariate(1.3), 8.0) for _ in range(count)]
    spare = items - count
    shares = [spare * w / sum(weights) for w in weights]
    sizes = [1 + int(s) for s in shares]
    by_remainder = sorted(range(count), key=lambda i: shares[i] - int(shares[i]), reverse=True)
    for i in by_remainder[: items - sum(sizes)]:
        sizes[i] += 1
    return sizes


def _comment_count(rng: random.Random) -> int:
    """Most threads are short, a few run long: 12% none, else log-normal (median 13)."""
    if rng.random() < 0.12:
        return 0
    return min(MAX_COMMENTS, int(rng.lognormvariate(2.6, 1.1)))


def _write_source(
    rng: random.Random, folder: Path, biz: texts.Business, size: int
) -> tuple[Counts, int]:
    """One source's feed and comment feeds; returns its counts and number of posts."""
    thread_sizes: list[int] = []
    left = size
    while left > 0:
        comments = min(_comment_count(rng), left - 1)
        thread_sizes.append(comments)
        left -= 1 + comments
    span = (WINDOW_END - WINDOW_START).total_seconds()
    dates = sorted(WINDOW_START + timedelta(seconds=rng.uniform(0, span)) for _ in thread_sizes)
    answer_rate = rng.uniform(0.2, 0.9)  # how responsive this organisation is
    (folder / "comments").mkdir(parents=True, exist_ok=True)
    counts = Counts(items=size, posts=len(thread_sizes))
    posts: list[_Post] = []
    for number, (at, comments) in enumerate(zip(dates, thread_sizes, strict=True)):
        title, paragraphs = texts.post(rng, biz)
        post = _Post(
            wp_id=100 + number * 7,
            slug=f"{texts.slugify(title)[:60]}-{number}",
            title=title,
            paragraphs=paragraphs,
            at=at.replace(second=0, microsecond=0),
            author=rng.choice(biz.owners),
            comments=comments,
            categories=[rng.choice(("Actualités", "Nouveautés", "Promotions", "La vie du shop"))],
        )
        if comments:
            thread = _thread(rng, biz, post, answer_rate, counts)
            (folder / "comments" / f"{post.slug}.xml").write_text(
                _comment_feed(biz, post, thread), encoding="utf-8"
            )
        posts.append(post)
    (folder / "feed.xml").write_text(_post_feed(biz, posts), encoding="utf-8")
    return counts, len(posts)


def _hours(rng: random.Random, median: float, sigma: float) -> timedelta:
    return min(timedelta(hours=rng.lognormvariate(math.log(median), sigma)), MAX_DELAY)


def _thread(
    rng: random.Random, biz: texts.Business, post: _Post, answer_rate: float, counts: Counts
) -> list[_Comment]:
    """Exactly `post.comments` comments, in the order they were written: customers'
    comments, the organisation's answers to some of the questions (threaded under them
    or addressing the asker by name), peers' answers, thanks, chatter."""
    thread: list[_Comment] = []

    def add(comment: _Comment) -> int:
        thread.append(comment)
        counts.comments += 1
        counts.owner_comments += comment.owner
        return len(thread) - 1

    while len(thread) < post.comments:
        at = post.at + _hours(rng, 8, 1.3)
        author = texts.commenter(rng)
        earlier = [i for i, c in enumerate(thread) if not c.owner]
        friend = texts.address_name(thread[rng.choice(earlier)].author) if earlier else None
        comment = texts.customer_comment(rng, biz, friend)
        parent = rng.choice(earlier) if earlier and rng.random() < 0.05 else None
        if parent is not None:
            at = max(at, thread[parent].at + timedelta(minutes=rng.randint(2, 600)))
        asked = add(_Comment(at, author, comment.text, owner=False, parent=parent))
        counts.foreign += comment.intent == "foreign"
        if comment.asks:
            counts.questions += 1
        if len(thread) == post.comments:
            break
        later = at + _hours(rng, 4, 1.0)
        if comment.asks and rng.random() < answer_rate:
            threaded = rng.random() < 0.4
            name = None if threaded else texts.address_name(author)
            text = texts.owner_answer(rng, biz, comment.intent, name)
            answer = add(
                _Comment(later, rng.choice(biz.owners), text, True, asked if threaded else None)
            )
            counts.answered += 1
            if len(thread) < post.comments and rng.random() < 0.2:
                thanks = texts.casual(rng, rng.choice(("merci !", "super merci", "ok parfait")), "")
                add(_Comment(later + _hours(rng, 1, 1.0), author, thanks, False, answer))
        elif comment.asks and rng.random() < 0.15:
            add(_Comment(later, texts.commenter(rng), texts.peer_answer(rng, biz), False, asked))
        elif comment.intent == "praise" and rng.random() < 0.1:
            text = texts.owner_answer(rng, biz, "thanks", None)
            add(_Comment(later, rng.choice(biz.owners), text, True, asked))
        elif rng.random() < 0.005:
            add(_Comment(later, biz.owners[0], texts.owner_note(rng), True))
    return thread


# --- XML ------------------------------------------------------------------------------

_NAMESPACES = """	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:wfw="http://wellformedweb.org/CommentAPI/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:atom="http://www.w3.org/2005/Atom"
	xmlns:slash="http://purl.org/rss/1.0/modules/slash/"
	xmlns:thr="http://purl.org/syndication/thread/1.0"
"""


def _date(at: datetime) -> str:
    """RFC 822 in Paris time, as WordPress writes it: `Sat, 10 Oct 2026 20:47:00 +0200`."""
    return format_datetime(at.astimezone(PARIS))


def _cdata(html: str) -> str:
    return f"<![CDATA[{html}]]>"


def _html(paragraphs: list[str]) -> str:
    return "".join(f"<p>{escape(p, quote=False)}</p>\n" for p in paragraphs).rstrip("\n")


def _channel(title: str, link: str, description: str, last: datetime) -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"\n{_NAMESPACES}\t>\n'
        f"<channel>\n\t<title>{escape(title, quote=False)}</title>\n"
        f'\t<atom:link href="{link}feed/" rel="self" type="application/rss+xml" />\n'
        f"\t<link>{link}</link>\n\t<description>{escape(description, quote=False)}</description>\n"
        f"\t<lastBuildDate>{_date(last)}</lastBuildDate>\n\t<language>fr-FR</language>\n"
        "\t<generator>https://wordpress.org/?v=6.8.3</generator>\n"
    )


def _post_feed(biz: texts.Business, posts: list[_Post]) -> str:
    site = f"https://{biz.domain}/"
    parts = [_channel(biz.name, site, f"{biz.name}, {biz.city}", posts[-1].at)]
    for post in reversed(posts):  # newest first, like every feed
        link = f"{site}{post.slug}/"
        comment_feed = (
            f"\t\t<wfw:commentRss>comments/{post.slug}.xml</wfw:commentRss>\n"
            if post.comments
            else ""
        )
        parts.append(
            f"\t<item>\n\t\t<title>{escape(post.title, quote=False)}</title>\n"
            f"\t\t<link>{link}</link>\n"
            f"\t\t<comments>{link}#comments</comments>\n"
            f"\t\t<dc:creator>{_cdata(post.author)}</dc:creator>\n"
            f"\t\t<pubDate>{_date(post.at)}</pubDate>\n"
            + "".join(f"\t\t<category>{_cdata(c)}</category>\n" for c in post.categories)
            + f'\t\t<guid isPermaLink="false">{site}?p={post.wp_id}</guid>\n'
            f"\t\t<description>{_cdata(escape(post.paragraphs[0], quote=False) + ' [&#8230;]')}"
            "</description>\n"
            f"\t\t<content:encoded>{_cdata(_html(post.paragraphs))}</content:encoded>\n"
            f"{comment_feed}\t\t<slash:comments>{post.comments}</slash:comments>\n\t</item>\n"
        )
    parts.append("</channel>\n</rss>\n")
    return "".join(parts)


def _comment_feed(biz: texts.Business, post: _Post, thread: list[_Comment]) -> str:
    site = f"https://{biz.domain}/"
    link = f"{site}{post.slug}/"
    order = sorted(range(len(thread)), key=lambda i: thread[i].at)
    number = {index: post.wp_id * 1000 + n for n, index in enumerate(order)}  # by date
    parts = [_channel(f"Commentaires sur : {post.title}", link, biz.name, thread[order[-1]].at)]
    for index in reversed(order):  # newest first
        comment = thread[index]
        guid = f"{site}?p={post.wp_id}#comment-{number[index]}"
        reply = (
            f'\t\t<thr:in-reply-to ref="{site}?p={post.wp_id}#comment-{number[comment.parent]}"/>\n'
            if comment.parent is not None
            else ""
        )
        parts.append(
            f"\t<item>\n\t\t<title>Par : {escape(comment.author, quote=False)}</title>\n"
            f"\t\t<link>{link}#comment-{number[index]}</link>\n"
            f"\t\t<dc:creator>{_cdata(comment.author)}</dc:creator>\n"
            f"\t\t<pubDate>{_date(comment.at)}</pubDate>\n"
            f'\t\t<guid isPermaLink="false">{guid}</guid>\n'
            f"\t\t<description>{escape(comment.text, quote=False)}</description>\n"
            f"\t\t<content:encoded>{_cdata(_html([comment.text]))}</content:encoded>\n"
            f"{reply}\t</item>\n"
        )
    parts.append("</channel>\n</rss>\n")
    return "".join(parts)


def _source_entry(biz: texts.Business, posts: int) -> str:
    owners = ", ".join(json.dumps(o, ensure_ascii=False) for o in biz.owners)
    return (
        f"  - id: {biz.slug}\n    kind: rss\n    url: {biz.slug}/feed.xml\n"
        f"    owners: [{owners}]\n    params: {{remember_posts: {max(posts, 1)}}}\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__)
    parser.add_argument("--items", type=parse_size, required=True, help="e.g. 300, 10k, 1M")
    parser.add_argument("--out", type=Path, required=True, help="folder to write")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--sources", type=int, help="default: 1 per 12,500 items (2 to 100)")
    args = parser.parse_args(argv)
    if args.sources is not None and args.sources < 1:
        parser.error("--sources must be at least 1")
    counts = generate(args.out, args.items, seed=args.seed, sources=args.sources)
    print(json.dumps({"out": str(args.out), **asdict(counts)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
