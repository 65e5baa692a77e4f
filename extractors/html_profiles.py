"""Reading comment threads out of blog pages: the markup of each blog engine, and a guess.

A `Profile` says, in CSS selectors, where one engine's pages keep the article and each
comment's author, date and text, and which element holds a comment's replies. The
profiles are WordPress themes, Typepad (a flat list with a `Rédigé par : NAME | DATE`
footer), Blogger/Blogspot, and `generic`, which finds comments without knowing the engine:
elements whose class says "comment" and that hold an author-like and a date-like element.

`read_page` returns what a page says (title, article text, date, comments with their
parent) without any source or item logic; `extractors.html_comments` makes items of it.

Everything a comment reads is its *own*: an element belongs to the nearest comment that
contains it, so a reply's author is never taken for its parent's, and a reply's text is
never part of its parent's text.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from urllib.parse import urljoin

from bs4 import BeautifulSoup, CData, NavigableString, PageElement, Tag

from extractors.dates import parse_datetime
from extractors.text import html_to_text

#: Set on every element that is not part of a comment's own text (other comments, bylines,
#: reply links): the text of a comment is read from a copy without them.
_SKIP = "data-ecoute-skip"

#: Elements a page's comment section is made of: found, but no comment read, is a warning.
COMMENT_SECTION = (
    ".commentlist, .comment-list, .comments-content, .comment-thread, #comments-block, "
    "li.comment, div.comment, article.comment"
)
#: Links to more pages of comments: this page alone is not the whole thread.
COMMENT_PAGINATION = (
    ".comment-navigation, .comments-pagination, .comment-pagination, #comment-nav-above, "
    "#comment-nav-below, a[href*='comment-page-'], a[href*='cpage='], "
    ".comments .loadmore:not(.hidden)"
)


@dataclass(frozen=True)
class Profile:
    """Where one kind of page keeps things. Selector tuples are tried in order; inside a
    comment only the comment's own elements count (not those of its replies)."""

    name: str
    #: Present in a page = this profile (auto-detection).
    markers: str = ""
    #: One comment. None: found by the generic heuristic.
    comment: str | None = None
    author: tuple[str, ...] = ()
    date: tuple[str, ...] = ()
    body: tuple[str, ...] = ()
    #: A line like "Rédigé par : NAME | DATE" giving author and date when no selector does.
    byline: tuple[str, ...] = ()
    #: Removed from a comment's text besides its author, date and replies.
    strip: tuple[str, ...] = ()
    #: Its children are the replies of the comment that holds it (or that precedes it).
    reply_container: str | None = None
    #: Replies are only what sits in a reply container: a comment nested in another one
    #: without it is a sibling that unclosed markup swallowed.
    strict_nesting: bool = False
    #: No threading at all (Typepad): every comment is top-level.
    flat: bool = False
    #: On the comment (or in its own header): written by the post's author.
    by_post_author: str | None = None
    date_format: str | None = None
    id_attribute: str = "id"
    title: tuple[str, ...] = ()
    article: tuple[str, ...] = ()


_GENERIC_AUTHOR = (
    "[itemprop=author] [itemprop=name]",
    "[itemprop=author]",
    ".fn",
    "cite",
    "[class*=author i] a",
    "[class*=author i]",
    "[class*=auteur i]",
    "[class*=pseudo i]",
    "[class*=username i]",
    "[class*=user i]",
    "[class*=name i]",
)
_GENERIC_DATE = (
    "time[datetime]",
    "time",
    "[itemprop=datePublished]",
    "[itemprop=dateCreated]",
    "[class*=date i]",
    "[class*=time i]",
    "[class*=heure i]",
    "[class*=publi i]",
    "[class*=posted i]",
)
_GENERIC_BODY = (
    "[itemprop=text]",
    "[class*=content i]",
    "[class*=contenu i]",
    "[class*=text i]",
    "[class*=message i]",
    "[class*=body i]",
    "[class*=corps i]",
)
_GENERIC_STRIP = (
    "[class*=reply i]",
    "[class*=repondre i]",
    "[class*=meta i]",
    "[class*=action i]",
    "[class*=footer i]",
    "[class*=header i]",
    "[class*=avatar i]",
    "[class*=says i]",
    "button",
    "form",
)
_GENERIC_BYLINE = ("[class*=footer i]", "[class*=byline i]")
_GENERIC_REPLIES = "[class*=children i], [class*=replies i], [class*=reponses i]"
_GENERIC_TITLE = ("[itemprop=headline]", ".entry-title", ".post-title", "article h1")
_GENERIC_ARTICLE = (
    "[itemprop=articleBody]",
    ".entry-content",
    ".post-content",
    ".post-body",
    ".entry-body",
    ".article-body",
    "article",
    "[class*=contenu i]",
    "[class*=content i]:not([class*=comment i])",
    "main",
    "body",
)

WORDPRESS = Profile(
    name="wordpress",
    markers=(
        "ol.commentlist li.comment, ol.comment-list li.comment, ul.commentlist li.comment, "
        "ul.comment-list li.comment, li.comment[id^='comment-'] .comment-author"
    ),
    comment="li.comment, div.comment[id^='comment-']",
    author=(".comment-author .fn", ".comment-author cite", ".fn", ".comment-author"),
    date=(
        ".comment-metadata time[datetime]",
        ".comment-meta time[datetime]",
        "time[datetime]",
        ".comment-metadata a",
        ".comment-meta a",
        ".commentmetadata a",
        ".comment-metadata",
        ".comment-meta",
        ".commentmetadata",
        ".comment-date",
    ),
    body=(".comment-content", ".comment-text", ".comment-body"),
    strip=(
        ".comment-meta",
        ".comment-metadata",
        ".commentmetadata",
        ".comment-author",
        ".reply",
        ".comment-reply-link",
        ".edit-link",
        ".says",
        ".comment-awaiting-moderation",
    ),
    reply_container=".children",
    strict_nesting=True,
    by_post_author=".bypostauthor",
    title=("h1.entry-title", ".entry-title", "h1.post-title", ".post-title", ".post > h2"),
    article=(".entry-content", ".post-content", ".post .entry", ".entry"),
)

TYPEPAD = Profile(
    name="typepad",
    markers=(
        "p.comment-footer, .comment .comment-footer, div.comment[id^='comment-6a'], "
        "a[id^='c6a'], meta[name=generator][content*=typepad i]"
    ),
    comment="div.comment, li.comment",
    date=("time[datetime]",),
    body=(".comment-content", ".comment-body", ".comment-text"),
    byline=(".comment-footer", ".comment-byline", ".comment-posted"),
    strip=(".comment-footer", ".comment-byline", ".comment-posted"),
    flat=True,
    title=("h3.entry-header", ".entry-header", ".entry-title"),
    article=(".entry-body", ".entry-content"),
)

BLOGGER = Profile(
    name="blogger",
    markers=(
        ".comment-thread li.comment, div.comment-block, li.comment cite.user, "
        "meta[name=generator][content*=blogger i]"
    ),
    comment="li.comment",
    author=("cite.user", ".comment-header .user", ".user"),
    date=(".datetime a", "span.datetime", ".comment-timestamp a", ".datetime"),
    body=(".comment-content",),
    strip=(
        ".comment-header",
        ".comment-actions",
        ".thread-toggle",
        ".comment-replybox-single",
        ".avatar-image-container",
    ),
    reply_container=".comment-replies",
    strict_nesting=True,
    by_post_author=".blog-author",
    title=("h3.post-title", ".post-title", ".entry-title"),
    article=(".post-body", ".entry-content"),
)

GENERIC = Profile(
    name="generic",
    author=_GENERIC_AUTHOR,
    date=_GENERIC_DATE,
    body=_GENERIC_BODY,
    byline=_GENERIC_BYLINE,
    strip=_GENERIC_STRIP,
    reply_container=_GENERIC_REPLIES,
    title=_GENERIC_TITLE,
    article=_GENERIC_ARTICLE,
)

PROFILES = {p.name: p for p in (WORDPRESS, TYPEPAD, BLOGGER, GENERIC)}
#: Auto-detection tries these in order: the most specific markup first.
DETECTION_ORDER = (TYPEPAD, BLOGGER, WORDPRESS)


def detect(soup: BeautifulSoup) -> Profile:
    """The profile whose markers the page has; `generic` when none."""
    for profile in DETECTION_ORDER:
        if soup.select_one(profile.markers) is not None:
            return profile
    generator = soup.select_one("meta[name=generator][content]")
    if generator is not None and "wordpress" in str(generator["content"]).lower():
        return WORDPRESS
    return GENERIC


def custom(
    *,
    comment: str,
    author: str | None = None,
    date: str | None = None,
    body: str | None = None,
    reply_container: str | None = None,
    date_format: str | None = None,
    id_attribute: str = "id",
) -> Profile:
    """A profile from a source's own selectors; what they leave out is guessed as in
    `generic`."""
    return Profile(
        name="selectors",
        comment=comment,
        author=(author,) if author else _GENERIC_AUTHOR,
        date=(date,) if date else _GENERIC_DATE,
        body=(body,) if body else _GENERIC_BODY,
        byline=() if author and date else _GENERIC_BYLINE,
        strip=_GENERIC_STRIP,
        reply_container=reply_container,
        strict_nesting=reply_container is not None,
        date_format=date_format,
        id_attribute=id_attribute,
        title=_GENERIC_TITLE,
        article=_GENERIC_ARTICLE,
    )


# --- what a page says ------------------------------------------------------------------


@dataclass
class RawComment:
    """One comment as the page shows it; `parent` is the index of the comment it answers."""

    position: int
    element_id: str | None
    author: str | None
    author_url: str | None
    published: datetime | None
    text: str
    quote: str | None
    parent: int | None
    depth: int
    by_post_author: bool


@dataclass
class Page:
    profile: str
    canonical: str | None
    title: str | None
    text: str
    author: str | None
    author_url: str | None
    published: datetime | None
    comments: list[RawComment] = field(default_factory=list)
    has_comment_section: bool = False
    paginated: bool = False


def read_page(
    soup: BeautifulSoup,
    url: str,
    *,
    profile: Profile | None,
    tz: str,
    comments_profile: Profile | None = None,
) -> Page:
    """Everything ecoute wants from one article page. `profile`: None to detect it;
    `comments_profile`: selectors of the source, used for comments instead of the profile's.
    A detected profile that finds no comment gives way to `generic`."""
    has_comment_section = soup.select_one(COMMENT_SECTION) is not None
    paginated = soup.select_one(COMMENT_PAGINATION) is not None
    chosen = profile or detect(soup)
    reader = comments_profile or chosen
    elements = _comment_elements(soup, reader)
    if not elements and profile is None and comments_profile is None and chosen is not GENERIC:
        reader = GENERIC
        elements = _comment_elements(soup, reader)
    thread = _Thread(elements, reader, soup)
    comments = [thread.read(i, url, tz) for i in range(len(elements))]
    # The article is read last, from the page without its comments (read and taken out:
    # nothing of them can be taken for the article's, and the rest of the page is small).
    for el in [el for el in elements if thread.owners.nearest(el) is None]:
        el.extract()
    skipped = _Skipped()
    author, author_url = _post_author(soup, url, skipped)
    return Page(
        profile=reader.name,
        canonical=_canonical(soup, url),
        title=_title(soup, chosen, skipped),
        text=_article_text(soup, chosen, skipped),
        author=author,
        author_url=author_url,
        published=_post_date(soup, tz, skipped),
        comments=comments,
        has_comment_section=has_comment_section,
        paginated=paginated,
    )


# --- finding the comments --------------------------------------------------------------

_PART_OF_A_COMMENT = re.compile(
    r"author|auteur|meta|date|time|content|contenu|text|body|corps|footer|header|reply|"
    r"replies|repon|respond|form|count|title|titre|link|avatar|action|list|area|section|"
    r"children|thread|wrap|container|nav|pagination|number|nombre|closed|login|notes|policy|"
    r"rss|feed|icon|button|edit|user|name|entete|pied|info"
)
_COMMENT_ID = re.compile(r"^(?:(?:comment|commentaire)[-_]?(?=[0-9a-z]*\d)[0-9a-z]+|c\d+)$", re.I)
_CANDIDATE_TAGS = ("li", "div", "article", "section", "dd", "aside")


def _comment_elements(soup: BeautifulSoup, profile: Profile) -> list[Tag]:
    in_forms = {id(el) for form in soup.find_all("form") for el in form.descendants}
    if profile.comment is not None:
        return [el for el in soup.select(profile.comment) if id(el) not in in_forms]
    candidates = [
        el for el in soup.find_all(_CANDIDATE_TAGS) if id(el) not in in_forms and _is_candidate(el)
    ]
    return _guess_comments(soup, candidates, profile)


def _is_candidate(el: Tag) -> bool:
    """A class or id that names one comment (`comment`, `comment-item`, `comment-42`), not a
    part of one (`comment-author`) nor a list of them (`comments`, `comment-list`)."""
    if _COMMENT_ID.match(str(el.get("id", ""))):
        return True
    for token in el.get("class") or ():
        token = token.lower()
        if "comment" not in token or token.endswith(("comments", "commentaires")):
            continue
        rest = token.replace("commentaire", "").replace("comment", "")
        if not _PART_OF_A_COMMENT.search(rest):
            return True
    return False


def _guess_comments(soup: BeautifulSoup, candidates: list[Tag], profile: Profile) -> list[Tag]:
    """Candidates that own an author-like and a date-like element; a candidate wrapping
    exactly one comment (and its replies) stands for it, so that nesting shows threads."""
    owners = _Owners(candidates, soup)
    found = [
        el
        for el in candidates
        if owners.own_first(el, profile.author) is not None
        and owners.own_first(el, profile.date) is not None
    ]
    chosen = {id(el) for el in found}
    first_inside: dict[int, Tag] = {}
    for el in found:  # document order: the first comment met inside each ancestor
        for parent in el.parents:
            if id(parent) in first_inside:
                break  # and so are all its ancestors, by an earlier comment
            first_inside[id(parent)] = el
    promoted: list[Tag] = []
    for el in found:
        wrapper = owners.nearest(el)
        if wrapper is not None and id(wrapper) not in chosen and first_inside[id(wrapper)] is el:
            chosen.add(id(wrapper))
            promoted.append(wrapper)
        else:
            promoted.append(el)
    return promoted


class _Owners:
    """Which comment an element belongs to: the nearest one that contains it.

    Worked out for the whole page at once, each selector run once, ancestors walked once:
    a thread nested thousands deep costs linear time, not quadratic."""

    def __init__(self, comments: Iterable[Tag], soup: BeautifulSoup) -> None:
        self.ids = {id(el) for el in comments}
        self.soup = soup
        self._nearest: dict[int, Tag | None] = {}
        self._first: dict[tuple[str, ...], dict[int, Tag]] = {}

    def nearest(self, el: Tag) -> Tag | None:
        path: list[int] = []
        found: Tag | None = None
        for parent in el.parents:
            if id(parent) in self.ids:
                found = parent
                break
            if id(parent) in self._nearest:
                found = self._nearest[id(parent)]
                break
            path.append(id(parent))
        for key in path:
            self._nearest[key] = found
        return found

    def own_first(self, comment: Tag, selectors: tuple[str, ...]) -> Tag | None:
        """The first element matching the first selector that matches inside `comment`
        itself (not inside one of its replies), in document order."""
        if selectors not in self._first:
            first: dict[int, Tag] = {}
            for selector in selectors:
                for el in self.soup.select(selector):
                    owner = None if id(el) in self.ids else self.nearest(el)
                    # Later selectors only fill in for comments the earlier ones left empty.
                    if owner is not None and id(owner) not in first:
                        first[id(owner)] = el
            self._first[selectors] = first
        return self._first[selectors].get(id(comment))

    def owned(self, selector: str) -> list[Tag]:
        """Every element matching `selector` inside some comment."""
        return [el for el in self.soup.select(selector) if self.nearest(el) is not None]


# --- reading one comment ---------------------------------------------------------------


class _Thread:
    """The comments of a page, read with one profile."""

    def __init__(self, elements: list[Tag], profile: Profile, soup: BeautifulSoup) -> None:
        self.elements = elements
        self.profile = profile
        self.owners = _Owners(elements, soup)
        self.index = {id(el): i for i, el in enumerate(elements)}
        self.containers = (
            {id(el): el for el in soup.select(profile.reply_container)}
            if profile.reply_container
            else {}
        )
        self.used_containers: list[Tag] = []
        self.parents = [self._parent(el) for el in elements]
        self.depths: list[int] = []
        for parent in self.parents:  # a parent comes before its replies in the page
            self.depths.append(0 if parent is None else self.depths[parent] + 1)
        self.parts = [self._parts(el) for el in elements]
        # Mark what is nobody's text, once every comment found its parts.
        for i, el in enumerate(elements):
            el[_SKIP] = ""
            for part in self.parts[i].values():
                if part is not None:
                    part[_SKIP] = ""
        for selector in profile.strip:
            for junk in self.owners.owned(selector):
                junk[_SKIP] = ""
        for container in self.used_containers:
            container[_SKIP] = ""

    def _parent(self, el: Tag) -> int | None:
        if self.profile.flat:
            return None
        through_container = False
        for ancestor in el.parents:
            if id(ancestor) in self.containers:
                self.used_containers.append(ancestor)
                before = ancestor.find_previous_sibling(True)
                if before is not None and id(before) in self.index:
                    return self.index[id(before)]
                through_container = True
            elif id(ancestor) in self.index and (
                through_container or not self.profile.strict_nesting
            ):
                return self.index[id(ancestor)]
            # Else a sibling whose end tag is missing swallowed this comment: keep going up.
        return None

    def _parts(self, el: Tag) -> dict[str, Tag | None]:
        own = self.owners.own_first
        return {
            "author": own(el, self.profile.author),
            "date": own(el, self.profile.date),
            "byline": own(el, self.profile.byline),
        }

    def read(self, index: int, url: str, tz: str) -> RawComment:
        el = self.elements[index]
        parts = self.parts[index]
        author, author_url = _author(parts["author"], url)
        published = _date(parts["date"], tz, self.profile.date_format)
        if parts["byline"] is not None and (author is None or published is None):
            by_name, by_url, by_date = _byline(parts["byline"], url, tz)
            if author is None:
                author, author_url = by_name, by_url
            published = published or by_date
        body = self.owners.own_first(el, self.profile.body)
        text, quote = _text(body if body is not None else el)
        element_id = el.get(self.profile.id_attribute)
        if isinstance(element_id, list):
            element_id = " ".join(element_id)
        by_owner = self.profile.by_post_author
        return RawComment(
            position=index,
            element_id=(str(element_id).strip() or None) if element_id else None,
            author=author,
            author_url=author_url,
            published=published,
            text=text,
            quote=quote,
            parent=self.parents[index],
            depth=self.depths[index],
            by_post_author=bool(
                by_owner
                and (el.css.match(by_owner) or self.owners.own_first(el, (by_owner,)) is not None)
            ),
        )


_SAYS = re.compile(r"\s*(?:a dit|dit|says|said|wrote|a ecrit|a écrit)\s*[:….]*\s*$", re.I)
_BY = re.compile(
    r"^\s*(?:r[ée]dig[ée]|post[ée]|publi[ée]|[ée]crit|envoy[ée]|posted|written)?\s*"
    r"(?:par|by)\s*:?\s*",
    re.I,
)
_EPOCH_MS = re.compile(r"showComment=(\d{12,13})\b")


def join_url(base: str, href: str) -> str | None:
    """`href` resolved against `base`; None for what is no address (`http://[oops`)."""
    try:
        return urljoin(base, href.strip())
    except ValueError:
        return None


def _clean(text: str) -> str:
    return " ".join(text.split())


def _link(el: Tag, url: str) -> str | None:
    """The address an author element links to (itself, inside, or around it)."""
    link = el if el.name == "a" else el.find("a", href=True)
    if link is None:  # `<a href><b class="fn">Name</b></a>`: a link just around the name
        link = next((p for p in islice(el.parents, 3) if p.name == "a"), None)
    href = str(link.get("href", "")).strip() if isinstance(link, Tag) else ""
    if not href or href.startswith(("#", "javascript:", "mailto:")):
        return None
    return join_url(url, href)


def _author(el: Tag | None, url: str) -> tuple[str | None, str | None]:
    if el is None:
        return None, None
    name = _SAYS.sub("", _clean(el.get_text(" ")))
    return name or None, _link(el, url)


def _date(el: Tag | None, tz: str, fmt: str | None) -> datetime | None:
    if el is None:
        return None
    links = [el, *el.find_all("a", href=True)] if el.name != "a" else [el]
    for link in links:
        epoch = _EPOCH_MS.search(str(link.get("href", "")))
        if epoch:  # Blogger's comment links carry the exact time in milliseconds
            return datetime.fromtimestamp(int(epoch.group(1)) / 1000, tz=UTC)
    for value in (el.get("datetime"), el.get("content"), el.get("title"), el.get_text(" ")):
        if value:
            found = parse_datetime(str(value), tz=tz, fmt=fmt)
            if found is not None:
                return found
    return None


def _byline(el: Tag, url: str, tz: str) -> tuple[str | None, str | None, datetime | None]:
    """`Rédigé par : NAME | 05/10/2026 à 14:30`, the name maybe a link."""
    text = _clean(el.get_text(" "))
    head, _, tail = text.partition("|")
    published = parse_datetime(tail or text, tz=tz)
    link = el.find("a", href=True)
    if link is not None and not _EPOCH_MS.search(str(link["href"])) and link.get_text(strip=True):
        name = _clean(link.get_text(" "))
        if name in head:
            return name, _link(link, url), published
    if not tail:  # "Rédigé par NAME le 05/10/2026 à 14:30"
        before_date = re.match(r"(.+?)\s+(?:le|on|,)\s+", head)
        head = before_date.group(1) if before_date and _BY.match(head) else ""
    name = _BY.sub("", head).strip(" :-\u2013")
    return name or None, None, published


_TEXT_BLOCKS = frozenset(
    ("p", "div", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "pre")
)
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def _tidy(text: str) -> str:
    """As `html_to_text` leaves text: spaces collapsed, one line break between blocks."""
    lines = (line.strip() for line in _SPACES.sub(" ", text).split("\n"))
    return _BLANK_LINES.sub("\n", "\n".join(lines)).strip()


def _text(el: Tag) -> tuple[str, str | None]:
    """A comment's own words as written (quotes included), and its quoted part alone.

    Read in one walk that leaves out what is marked as not its text (replies, author and
    date lines, reply links): no copy of the comment and its replies, whatever the depth.
    Emoji pictures (`img.emoji`, `img.wp-smiley`) are read as their `alt`."""
    parts: list[str] = []
    quotes: list[str] = []
    quote_open: Tag | None = None  # the outermost blockquote being read, and where it began
    quote_start = 0
    stack: list[tuple[PageElement, bool]] = [(child, False) for child in reversed(el.contents)]
    while stack:
        node, leaving = stack.pop()
        if leaving:
            parts.append("\n")
            if node is quote_open:
                quotes.append(_tidy("".join(parts[quote_start:])))
                quote_open = None
            continue
        if not isinstance(node, Tag):
            if type(node) in (NavigableString, CData):
                parts.append(str(node))
            continue
        if node.has_attr(_SKIP) or node.name in ("script", "style", "template"):
            continue
        classes = node.get("class") or ()
        if node.name == "br":
            parts.append("\n")
        elif node.name == "img" and ("emoji" in classes or "wp-smiley" in classes):
            parts.append(str(node.get("alt", "")))
        elif node.name in _TEXT_BLOCKS:
            if node.name == "blockquote" and quote_open is None:
                quote_open, quote_start = node, len(parts)
            stack.append((node, True))
        stack.extend((child, False) for child in reversed(node.contents))
    quote = "\n".join(q for q in quotes if q) or None
    return _tidy("".join(parts)), quote


# --- the article -----------------------------------------------------------------------


def _meta(soup: BeautifulSoup, selector: str) -> str | None:
    el = soup.select_one(selector)
    value = str(el.get("content", "")).strip() if el is not None else ""
    return value or None


class _Skipped:
    """Whether an element is, or is inside, something marked as comments' (memoized: each
    element of the page is looked at once, however deep the page)."""

    def __init__(self) -> None:
        self.memo: dict[int, bool] = {}

    def __call__(self, el: Tag) -> bool:
        path: list[int] = []
        found = False
        node: Tag | None = el
        while node is not None:
            if id(node) in self.memo:
                found = self.memo[id(node)]
                break
            if node.has_attr(_SKIP):
                found = True
                break
            path.append(id(node))
            node = node.parent
        for key in path:
            self.memo[key] = found
        return found


def _outside_comments(
    soup: BeautifulSoup, selectors: Iterable[str], skipped: _Skipped
) -> Tag | None:
    for selector in selectors:
        for el in soup.select(selector):
            if not skipped(el):
                return el
    return None


def _canonical(soup: BeautifulSoup, url: str) -> str | None:
    link = soup.select_one("link[rel~=canonical][href]")
    href = str(link["href"]).strip() if link is not None else _meta(soup, "meta[property='og:url']")
    resolved = join_url(url, href) if href else None
    return resolved.split("#")[0] if resolved else None


_SITE_HEADER = "#masthead, #header, #banner, .site-header, .site-branding, .site-title, .header"
_BLOCKS = "div, p, ul, ol, li, table, section, article, blockquote, form"


def _heading(el: Tag | None) -> str | None:
    """A heading's own words: an unclosed `<h1>` swallows the page, its blocks are not it."""
    if el is None:
        return None
    own = copy.copy(el)
    for block in own.select(_BLOCKS):
        block.decompose()
    return _clean(own.get_text(" ")) or None


def _title(soup: BeautifulSoup, profile: Profile, skipped: _Skipped) -> str | None:
    """The profile's title element, `og:title`, the first `<h1>` that is not the site's
    name, the `<title>`."""
    found = _heading(_outside_comments(soup, profile.title, skipped)) or _meta(
        soup, "meta[property='og:title']"
    )
    if found:
        return found
    for h1 in soup.find_all("h1"):
        heading = None if skipped(h1) or h1.css.closest(_SITE_HEADER) else _heading(h1)
        if heading:
            return heading
    return _heading(soup.find("title"))


def _article_text(soup: BeautifulSoup, profile: Profile, skipped: _Skipped) -> str:
    el = _outside_comments(soup, (*profile.article, *_GENERIC_ARTICLE), skipped)
    if el is None:
        return ""
    own = copy.copy(el)
    for junk in own.select(
        f"[{_SKIP}], #comments, .comments, .comments-area, #respond, form, nav, script, style, "
        f".sharedaddy, .entry-footer, .post-footer, {_SITE_HEADER}, {COMMENT_SECTION}, "
        "body > header, body > footer, aside, h1"
    ):
        junk.decompose()
    return html_to_text(str(own))


_POST_DATE = (
    "meta[property='article:published_time']",
    "meta[itemprop=datePublished]",
    "[itemprop=datePublished]",
    ".entry-meta time[datetime]",
    "time.entry-date",
    ".posted-on time",
    "abbr.published",
    ".published",
    ".post-timestamp",
    ".entry-footer",
    ".date-header",
    "article time[datetime]",
    "time[datetime]",
    ".post-date",
    ".entry-date",
    "[class*=date i]",
    "[class*=publi i]",
)
_POST_AUTHOR = (
    "meta[name=author]",
    "[itemprop=author] [itemprop=name]",
    ".entry-meta .author .fn",
    ".byline .author",
    ".post-author .fn",
    ".post-author",
    "a[rel~=author]",
)


def _post_date(soup: BeautifulSoup, tz: str, skipped: _Skipped) -> datetime | None:
    for selector in _POST_DATE:
        el = _outside_comments(soup, (selector,), skipped)
        found = _date(el, tz, None)
        if found is not None:
            return found
    return None


_WRITTEN_BY = re.compile(
    r"(?:r[ée]dig[ée]|publi[ée]|post[ée]|[ée]crit|posted|written)\s+(?:par|by)\s*:?\s*"
    r"(?P<name>.+?)\s+(?:le|on|at|à|dans|in)\s",
    re.I,
)


def _post_author(soup: BeautifulSoup, url: str, skipped: _Skipped) -> tuple[str | None, str | None]:
    el = _outside_comments(soup, _POST_AUTHOR, skipped)
    if el is not None and el.name == "meta":
        return _meta(soup, "meta[name=author]"), None
    if el is not None:
        return _BY.sub("", _clean(el.get_text(" "))) or None, _link(el, url)
    footer = _outside_comments(soup, (".entry-footer", ".post-footer", ".post-footers"), skipped)
    written = _WRITTEN_BY.search(_clean(footer.get_text(" "))) if footer is not None else None
    return (written.group("name"), None) if written else (None, None)
