"""Check demo/labels.csv against the demo feeds and pages, then print the answer key's totals.

Standard library only, so it gives an opinion independent of the pipeline:

    python3 demo/check_labels.py

It re-reads every feed and saved HTML page, rebuilds posts and comments, and fails (exit 1)
when a label disagrees with them: missing or extra rows, wrong site/kind/author/owner, a
threaded answer that the `thr:in-reply-to` links (or, in the HTML pages, the nesting of
replies) do not show, a flat answer with no later owner comment naming the person, a reply
older than its parent, or a feed link that is not relative. `is_question` is a human
judgement and is only checked for owner items (0).
"""

from __future__ import annotations

import csv
import html
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

DEMO = Path(__file__).resolve().parent
NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "slash": "http://purl.org/rss/1.0/modules/slash/",
    "thr": "http://purl.org/syndication/thread/1.0",
    "wfw": "http://wellformedweb.org/CommentAPI/",
}
OWNERS = {
    "delices-margaux": {"Margaux - Les Délices", "Théo (Les Délices)"},
    "velo-atelier": {"Atelier Nantais", "Yann - Atelier Nantais"},
    "jardinerie-coteau": {"Jardinerie du Coteau", "Manu (Jardinerie du Coteau)"},
    "argile-bleue": {"L'Argile Bleue", "Soizic - L'Argile Bleue"},
}
FLAGS = ("is_owner", "is_question", "answered_by_owner_threaded", "answered_by_owner_flat")
START = datetime.fromisoformat("2026-09-01T00:00:00+02:00")
END = datetime.fromisoformat("2026-11-01T00:00:00+01:00")


@dataclass
class Item:
    guid: str
    site: str
    kind: str
    author: str
    published: datetime
    text: str = ""
    post: str = ""
    parent: str | None = None  # comments only: parent comment guid, None when top-level


def text_of(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def relative(url: str) -> str:
    if "://" in url or url.startswith("/"):
        raise ValueError(f"comment feed link is not relative: {url}")
    return url


def read_delices() -> list[Item]:
    """Main feed RSS 2.0, one Atom 1.0 comment feed per post."""
    site, folder = "delices-margaux", DEMO / "delices-margaux"
    items = []
    for node in ET.parse(folder / "feed.xml").getroot().iter("item"):
        post = node.findtext("guid")
        items.append(
            Item(
                post,
                site,
                "post",
                node.findtext("dc:creator", namespaces=NS),
                parsedate_to_datetime(node.findtext("pubDate")),
            )
        )
        feed = ET.parse(folder / relative(node.findtext("wfw:commentRss", namespaces=NS)))
        entries = feed.getroot().findall("atom:entry", NS)
        assert int(node.findtext("slash:comments", namespaces=NS)) == len(entries), post
        for entry in entries:
            ref = entry.find("thr:in-reply-to", NS).get("ref")
            items.append(
                Item(
                    entry.findtext("atom:id", namespaces=NS),
                    site,
                    "comment",
                    entry.findtext("atom:author/atom:name", namespaces=NS),
                    datetime.fromisoformat(entry.findtext("atom:published", namespaces=NS)),
                    text_of(entry.findtext("atom:content", namespaces=NS)),
                    post,
                    None if ref == post else ref,
                )
            )
    return items


def read_velo() -> list[Item]:
    """Main feed Atom 1.0, one RSS 2.0 comment feed per post."""
    site, folder = "velo-atelier", DEMO / "velo-atelier"
    items = []
    for entry in ET.parse(folder / "feed.atom").getroot().findall("atom:entry", NS):
        post = entry.findtext("atom:id", namespaces=NS)
        items.append(
            Item(
                post,
                site,
                "post",
                entry.findtext("atom:author/atom:name", namespaces=NS),
                datetime.fromisoformat(entry.findtext("atom:published", namespaces=NS)),
            )
        )
        replies = entry.find("atom:link[@rel='replies']", NS)
        href = relative(replies.get("href"))
        assert href == entry.findtext("wfw:commentRss", namespaces=NS), post
        nodes = list(ET.parse(folder / href).getroot().iter("item"))
        assert int(replies.get(f"{{{NS['thr']}}}count")) == len(nodes), post
        for node in nodes:
            parent = node.find("thr:in-reply-to", NS)
            items.append(
                Item(
                    node.findtext("guid"),
                    site,
                    "comment",
                    node.findtext("dc:creator", namespaces=NS),
                    parsedate_to_datetime(node.findtext("pubDate")),
                    text_of(node.findtext("content:encoded", namespaces=NS)),
                    post,
                    None if parent is None else parent.get("ref"),
                )
            )
    return items


# --- the saved HTML pages -------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
PARIS = ZoneInfo("Europe/Paris")


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    parent: Node | None = None
    children: list[Node | str] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def walk(self) -> Iterator[Node]:
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.walk()

    def find_all(self, tag: str | None = None, cls: str | None = None) -> list[Node]:
        return [
            node
            for node in self.walk()
            if (tag is None or node.tag == tag) and (cls is None or cls in node.classes)
        ]

    def find(self, tag: str | None = None, cls: str | None = None) -> Node | None:
        return next(iter(self.find_all(tag, cls)), None)

    def text(self) -> str:
        parts = [c if isinstance(c, str) else c.text() for c in self.children]
        return " ".join(" ".join(parts).split())

    def ancestor(self, tag: str, cls: str) -> Node | None:
        node = self.parent
        while node is not None and not (node.tag == tag and cls in node.classes):
            node = node.parent
        return node


class TreeBuilder(HTMLParser):
    """The saved pages are well-formed: a plain tree of their elements is enough."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("#document", {})

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.current.children.append(Node(tag, {k: v or "" for k, v in attrs}, self.current))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if self.current.tag != tag:
            raise ValueError(f"unbalanced </{tag}> inside <{self.current.tag}>")
        self.current = self.current.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def read_html(path: Path) -> Node:
    builder = TreeBuilder()
    builder.feed(path.read_text(encoding="utf-8"))
    builder.close()
    return builder.root


def canonical(page: Node) -> str:
    return next(n.attrs["href"] for n in page.find_all("link") if n.attrs.get("rel") == "canonical")


def own(comment: Node, tag: str, cls: str | None = None) -> Node:
    """The first element of a WordPress `li.comment` itself, not of one of its replies."""
    return next(n for n in comment.find_all(tag, cls) if n.ancestor("li", "comment") is comment)


def read_jardinerie() -> list[Item]:
    """WordPress pages listed by a local RSS feed; replies nested in `ol.children`."""
    site, folder = "jardinerie-coteau", DEMO / "jardinerie-coteau"
    items = []
    for node in ET.parse(folder / "feed.xml").getroot().iter("item"):
        page = read_html(folder / relative(node.findtext("link")))
        post = canonical(page)
        published = next(
            n.attrs["content"]
            for n in page.find_all("meta")
            if n.attrs.get("property") == "article:published_time"
        )
        author = page.find("span", "author").find("a", "fn").text()
        items.append(Item(post, site, "post", author, datetime.fromisoformat(published)))
        comments = page.find_all("li", "comment")
        assert int(node.findtext("slash:comments", namespaces=NS)) == len(comments), post
        for li in comments:
            parent = li.ancestor("li", "comment")
            if parent is not None:
                assert li.ancestor("ol", "children").parent is parent, li.attrs["id"]
            name = own(li, "b", "fn").text()
            if "bypostauthor" in li.classes:
                assert name in OWNERS[site], li.attrs["id"]
            items.append(
                Item(
                    f"{post}#{li.attrs['id']}",
                    site,
                    "comment",
                    name,
                    datetime.fromisoformat(own(li, "time").attrs["datetime"]),
                    own(li, "div", "comment-content").text(),
                    post,
                    None if parent is None else f"{post}#{parent.attrs['id']}",
                )
            )
    return items


FOOTER = re.compile(r"Rédigé par : (.+) \| (\d\d)/(\d\d)/(\d{4}) à (\d\d):(\d\d)$")
POSTED = re.compile(r"Rédigé par (.+?) le (\d\d) (sept|oct)\. (\d{4}) à (\d\d):(\d\d) ")
MONTHS = {"sept": "9", "oct": "10"}


def paris(day: str, month: str, year: str, hour: str, minute: str) -> datetime:
    """A local time as Typepad prints it, in the blog's zone (Europe/Paris)."""
    return datetime(int(year), int(month), int(day), int(hour), int(minute), tzinfo=PARIS)


def read_argile() -> list[Item]:
    """Typepad pages: a flat list, author and local time in a `Rédigé par :` footer."""
    site = "argile-bleue"
    items = []
    for path in sorted((DEMO / site).rglob("*.html")):
        page = read_html(path)
        post = canonical(page)
        footer = page.find("span", "post-footers").text() + " "
        author, day, month, year, hour, minute = POSTED.search(footer).groups()
        published = paris(day, MONTHS[month], year, hour, minute)
        items.append(Item(post, site, "post", author, published))
        for div in page.find_all("div", "comment"):
            footer = div.find("p", "comment-footer").text()
            author, day, month, year, hour, minute = FOOTER.match(footer).groups()
            items.append(
                Item(
                    f"{post}#{div.attrs['id']}",
                    site,
                    "comment",
                    author,
                    paris(day, month, year, hour, minute),
                    div.find("div", "comment-content").text(),
                    post,
                )
            )
    return items


# --- the answer key --------------------------------------------------------------------------


def first_name(author: str) -> str:
    return re.match(r"[^\W\d_]+", author).group(0).lower()


def main() -> int:
    read = read_delices() + read_velo() + read_jardinerie() + read_argile()
    items = {item.guid: item for item in read}
    with open(DEMO / "labels.csv", encoding="utf-8", newline="") as handle:
        rows = {row["item_guid"]: row for row in csv.DictReader(handle)}
    errors = []
    if set(rows) - set(items):
        errors.append(f"labels without item: {sorted(set(rows) - set(items))}")
    if set(items) - set(rows):
        errors.append(f"items without label: {sorted(set(items) - set(rows))}")

    comments = [item for item in items.values() if item.kind == "comment"]
    owner = {
        guid: item.author in OWNERS[item.site] or item.kind == "post"
        for guid, item in items.items()
    }
    threaded = {item.parent for item in comments if item.parent and owner[item.guid]}
    for item in items.values():
        if not START <= item.published < END:
            errors.append(f"{item.guid}: published {item.published} outside September-October 2026")
    for item in comments:
        if item.parent:
            parent = items[item.parent]
            if parent.post != item.post or parent.published >= item.published:
                errors.append(f"{item.guid}: reply not after its parent in the same post")
        elif items[item.post].published >= item.published:
            errors.append(f"{item.guid}: comment older than its post")

    for guid, row in rows.items():
        item = items.get(guid)
        if item is None:
            continue
        if any(row[flag] not in ("0", "1") for flag in FLAGS):
            errors.append(f"{guid}: flags must be 0 or 1")
        expected = {
            "site": item.site,
            "kind": item.kind,
            "author": item.author,
            "is_owner": str(int(owner[guid])),
            "answered_by_owner_threaded": str(int(guid in threaded)),
        }
        if owner[guid]:
            expected["is_question"] = "0"
        if item.kind == "post":
            expected["answered_by_owner_flat"] = "0"
        for column, value in expected.items():
            if row[column] != value:
                errors.append(f"{guid}: {column} is {row[column]!r}, XML says {value!r}")
        if row["answered_by_owner_flat"] == "1":
            mentions = [
                other
                for other in comments
                if other.post == item.post
                and owner[other.guid]
                and other.parent is None
                and other.published > item.published
                and first_name(item.author) in other.text.lower()
            ]
            if not mentions or guid in threaded:
                errors.append(f"{guid}: flat answer not found (or also threaded)")

    for error in errors:
        print("ERROR", error)
    if errors:
        return 1

    peers = {
        item.parent
        for item in comments
        if item.parent and not owner[item.guid] and item.author != items[item.parent].author
    }
    peers |= {  # flat threads: another customer's later comment starting "@Name" or "Name :"
        item.guid
        for item in comments
        for other in comments
        if other.post == item.post
        and other.parent is None
        and not owner[other.guid]
        and other.author != item.author
        and other.published > item.published
        and re.match(rf"@?{re.escape(first_name(item.author))}\b", other.text.lower())
    }
    print(
        f"{'':18}{'posts':>6}{'comments':>9}{'owner':>6}{'questions':>10}"
        f"{'threaded':>9}{'flat':>5}{'peer':>5}{'none':>5}"
    )
    for site in (*OWNERS, None):
        mine = [row for row in rows.values() if site in (None, row["site"])]
        questions = [row for row in mine if row["is_question"] == "1"]
        by_owner = [
            row
            for row in questions
            if "1" in (row["answered_by_owner_threaded"], row["answered_by_owner_flat"])
        ]
        unanswered = [row for row in questions if row not in by_owner]
        print(
            f"{site or 'total':18}"
            f"{sum(row['kind'] == 'post' for row in mine):>6}"
            f"{sum(row['kind'] == 'comment' for row in mine):>9}"
            f"{sum(row['kind'] == 'comment' and row['is_owner'] == '1' for row in mine):>6}"
            f"{len(questions):>10}"
            f"{sum(row['answered_by_owner_threaded'] == '1' for row in questions):>9}"
            f"{sum(row['answered_by_owner_flat'] == '1' for row in questions):>5}"
            f"{sum(row['item_guid'] in peers for row in unanswered):>5}"
            f"{sum(row['item_guid'] not in peers for row in unanswered):>5}"
        )
    print(
        "threaded/flat: questions the owner answered; peer: answered only by another "
        "customer; none: no reply at all"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
