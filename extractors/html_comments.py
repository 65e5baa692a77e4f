"""Kind `html-comments`: article pages and the comment threads printed under them.

For sites whose comments are only in their pages (no comment feed): each article page is
one post, and each comment on it one comment item, threaded as the page nests them.

Which pages:

- `pages`: article URLs, resolved against the source's `url` (for a local source, a path
  relative to its folder);
- `discover: feed`: the source's `url` is the site's RSS/Atom feed, the pages are its
  entries' links; `discover: sitemap`: `url` is a `sitemap.xml` (or a sitemap index), the
  pages its `<loc>`s, the most recently modified first;
- neither: the source's `url` is the one page to read.

At most `max_pages` pages are read. How to read a page is a profile (see
`extractors.html_profiles`): `auto` picks WordPress, Typepad or Blogger by their markup and
falls back to `generic`; `selectors` gives the CSS selectors of a site no profile knows.

Pages are fetched with conditional GET (a page unchanged since the last run answers 304 and
yields nothing) and only where robots.txt allows; pages found in a feed or a sitemap only on
the source's own site (`pages` may name any). A page that fails (HTTP error, robots.txt,
off the site, size cap, not HTML, comments that cannot be read) is a warning naming the
page; the others go on. The source fails only when no page at all could be read.

Ids: a post is its canonical URL (`<link rel="canonical">`, else the page URL); a comment is
`<post id>#<element id>` (`...#comment-123`), or, for a comment without an id, a hash of the
post id and its position on the page. Both are stable across runs.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import warnings
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import feedparser
import soupsieve
from bs4 import BeautifulSoup, XMLParsedAsHTMLWarning
from bs4.dammit import EncodingDetector
from pydantic import Field, field_validator

from extractors.base import ExtractContext, ExtractorParams, extractor
from extractors.dates import parse_datetime
from extractors.errors import FetchError, SourceError
from extractors.html_profiles import PROFILES, Page, Profile, custom, join_url, read_page
from extractors.http import Fetched, is_local, local_path
from extractors.records import Item
from extractors.safexml import UnsafeXml, check_xml


class SelectorsModel(ExtractorParams):
    """CSS selectors of a site's comments, for markup no profile knows."""

    comment: str = Field(description="one comment")
    author: str | None = Field(default=None, description="inside a comment: its author")
    date: str | None = Field(default=None, description="inside a comment: its date")
    body: str | None = Field(default=None, description="inside a comment: its text")
    reply_container: str | None = Field(
        default=None, description="an element whose children are a comment's replies"
    )
    date_format: str | None = Field(default=None, description="strptime format of dates")
    id_attribute: str = Field(default="id", description="attribute with the comment's id")

    @field_validator("comment", "author", "date", "body", "reply_container")
    @classmethod
    def _valid_css(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                soupsieve.compile(value)
            except soupsieve.SelectorSyntaxError as exc:
                raise ValueError(f"invalid CSS selector {value!r}: {exc}") from None
        return value


class HtmlCommentsParams(ExtractorParams):
    profile: Literal["auto", "wordpress", "typepad", "blogger", "generic"] = "auto"
    selectors: SelectorsModel | None = None
    pages: list[str] | None = None
    discover: Literal["feed", "sitemap", "none"] = "none"
    max_pages: int = Field(default=50, ge=1)
    timezone: str = Field(default="Europe/Paris", description="zone of dates printed without")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (an IANA name: Europe/Paris)") from None
        return value


@extractor("html-comments", params=HtmlCommentsParams)
def extract_html_comments(ctx: ExtractContext, params: HtmlCommentsParams) -> Iterator[Item]:
    urls = _page_urls(ctx, params)
    if not urls:
        raise SourceError(
            ctx.source.id,
            f"no article page found in {ctx.source.url}",
            hint="check params.discover and the feed or sitemap, or list params.pages",
        )
    if len(urls) > params.max_pages:
        ctx.warn(
            f"{len(urls)} pages found, only the first {params.max_pages} read "
            "(raise params.max_pages to read more)"
        )
        urls = urls[: params.max_pages]
    failures: list[str] = []
    for url in urls:
        try:
            fetched = ctx.http.get(url, conditional=True, robots=True)
        except FetchError as exc:
            ctx.warn(f"page skipped: {exc}")
            failures.append(str(exc))
            continue
        if fetched.not_modified:
            continue
        try:
            page = _parse(fetched, params)
        except _PageError as exc:
            ctx.warn(f"page skipped: {fetched.url}: {exc}")
            failures.append(f"{fetched.url}: {exc}")
            continue
        yield from _items(ctx, fetched, page, truncated=_truncated(fetched.content))
    if len(failures) == len(urls):
        raise SourceError(
            ctx.source.id,
            f"none of its {len(urls)} page(s) could be read; first: {failures[0]}",
        )


class _PageError(Exception):
    """A page that was fetched but cannot be read as an article."""


# --- which pages -------------------------------------------------------------------------


def _page_urls(ctx: ExtractContext, params: HtmlCommentsParams) -> list[str]:
    base = ctx.source.url
    urls: list[str] = []
    if params.pages:
        urls += [_resolve(base, page) for page in params.pages]
        for url in urls:
            ctx.http.allow_site(url)  # configured, wherever they are
    if params.discover == "feed":
        urls += _from_feed(ctx, base)
    elif params.discover == "sitemap":
        urls += _from_sitemap(ctx, base, nested=True)
    elif not params.pages:
        urls = [base]
    allowed = [u for u in urls if urlsplit(u).scheme in ("http", "https") or is_local(u)]
    return list(dict.fromkeys(allowed))


def _resolve(base: str, page: str) -> str:
    """`page` relative to the source's `url`; a local folder counts as `folder/`."""
    if is_local(base) and not base.endswith("/") and local_path(base).is_dir():
        base += "/"
    return join_url(base, page) or page


def _fetch_index(ctx: ExtractContext, url: str) -> Fetched:
    try:
        return ctx.http.get(url, robots=True)
    except FetchError as exc:
        raise SourceError(ctx.source.id, f"cannot read the page list: {exc}") from None


def _from_feed(ctx: ExtractContext, url: str) -> list[str]:
    fetched = _fetch_index(ctx, url)
    _check_xml(ctx, fetched.url, fetched.content)
    feed = feedparser.parse(
        fetched.content, response_headers={**fetched.headers, "content-location": fetched.url}
    )
    if feed.bozo and not feed.entries:
        raise SourceError(
            ctx.source.id,
            f"{fetched.url} is not a readable feed: {feed.get('bozo_exception')}",
            hint="with discover: feed the source's url must be the site's RSS or Atom feed",
        )
    links = [entry.get("link") for entry in feed.entries]
    return [found for link in links if link and (found := join_url(url, str(link)))]


def _from_sitemap(ctx: ExtractContext, url: str, *, nested: bool) -> list[str]:
    fetched = _fetch_index(ctx, url)
    content = _gunzip(ctx, fetched)
    _check_xml(ctx, fetched.url, content.encode())
    with warnings.catch_warnings():  # lxml is not required: sitemaps are flat and simple
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        soup = BeautifulSoup(content, "html.parser")
    children = [loc.get_text(strip=True) for loc in soup.select("sitemap > loc")]
    pages: list[tuple[datetime | None, str]] = []
    for entry in soup.select("url"):
        loc = entry.find("loc")
        if loc is not None and loc.get_text(strip=True):
            lastmod = entry.find("lastmod")
            when = parse_datetime(lastmod.get_text(strip=True)) if lastmod else None
            found = join_url(url, loc.get_text(strip=True))
            if found:
                pages.append((when, found))
    if not children and not pages and "<urlset" not in content.lower():
        raise SourceError(
            ctx.source.id,
            f"{fetched.url} is not a sitemap (no <urlset> or <sitemapindex>)",
            hint="with discover: sitemap the source's url must be the site's sitemap.xml",
        )
    oldest = datetime.min.replace(tzinfo=UTC)
    pages.sort(key=lambda page: page[0] or oldest, reverse=True)  # stable: undated last
    found = [page for _, page in pages]
    for child in children if nested else ():
        try:
            found += _from_sitemap(ctx, join_url(url, child) or child, nested=False)
        except SourceError as exc:
            ctx.warn(f"sitemap skipped: {exc.message}")
    return found


def _check_xml(ctx: ExtractContext, url: str, content: bytes) -> None:
    try:
        check_xml(content)
    except UnsafeXml as exc:
        raise SourceError(ctx.source.id, f"{url}: {exc}") from None


def _gunzip(ctx: ExtractContext, fetched: Fetched) -> str:
    """A `.xml.gz` sitemap, decompressed within the size cap."""
    data = fetched.content
    if data[:2] == b"\x1f\x8b":
        cap = ctx.source.http.max_bytes
        try:
            data = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data, cap + 1)
        except zlib.error as exc:
            raise SourceError(ctx.source.id, f"{fetched.url}: corrupt gzip: {exc}") from None
        if len(data) > cap:
            raise SourceError(ctx.source.id, f"{fetched.url}: sitemap over the size cap")
    return data.decode("utf-8", errors="replace")


# --- one page ----------------------------------------------------------------------------

_LATIN_LABELS = {"iso8859-1", "ascii", "cp1252", "latin-1"}
_HTML_SNIFF = re.compile(rb"<!doctype html|<html|<head|<body|<div|<p[ >]", re.I)


def decode_html(content: bytes, header_charset: str | None = None) -> str:
    """The page's text, as a browser would read it, and without guessing games:

    a byte-order mark; else UTF-8 when the bytes are valid UTF-8 and nothing declares an
    encoding other than UTF-8 or Latin-1/Windows-1252 (a wrong declaration is common, valid
    UTF-8 by accident is not); else the HTTP header's charset, then the page's own
    `<meta charset>`; else Windows-1252, which reads every byte (and which browsers use for
    pages labelled ISO-8859-1 or ASCII)."""
    for bom, codec in (
        (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if content.startswith(bom):
            return content.decode(codec, errors="replace")
    declared = EncodingDetector.find_declared_encoding(content, is_html=True)
    codecs_named = [c for c in (_codec(header_charset), _codec(declared)) if c]
    if all(c in ("utf-8", *_LATIN_LABELS) for c in codecs_named):
        try:
            return content.decode("utf-8")
        except UnicodeDecodeError:
            pass
    for codec in codecs_named:
        try:
            return content.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
    return content.decode("cp1252", errors="replace")


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except LookupError:
        return None
    return "cp1252" if name in _LATIN_LABELS else name


def _header(fetched: Fetched, name: str) -> str:
    return next((v for k, v in fetched.headers.items() if k.lower() == name), "")


def _parse(fetched: Fetched, params: HtmlCommentsParams) -> Page:
    content_type = _header(fetched, "content-type")
    if "html" not in content_type.lower() and not _HTML_SNIFF.search(fetched.content[:4096]):
        raise _PageError(f"not an HTML page ({content_type or 'no content type'})")
    charset = re.search(r"charset=[\"']?([\w.:-]+)", content_type, re.I)
    soup = BeautifulSoup(decode_html(fetched.content, charset and charset.group(1)), "html.parser")
    if not soup.get_text(strip=True):
        raise _PageError("the page has no text")
    selectors: Profile | None = None
    if params.selectors is not None:
        selectors = custom(**params.selectors.model_dump())
    profile = None if params.profile == "auto" else PROFILES[params.profile]
    try:
        return read_page(
            soup, fetched.url, profile=profile, tz=params.timezone, comments_profile=selectors
        )
    except RecursionError:
        raise _PageError("markup nested too deeply to be read") from None


def _truncated(content: bytes) -> bool:
    """No `</body>` nor `</html>`: the page was cut off (optional tags that CMSs all print)."""
    tail = content[-8192:].lower()
    return b"</html" not in tail and b"</body" not in tail


def _position_id(post_platform_id: str, position: int) -> str:
    return "pos:" + hashlib.sha1(f"{post_platform_id}#{position}".encode()).hexdigest()


def _items(ctx: ExtractContext, fetched: Fetched, page: Page, *, truncated: bool) -> Iterator[Item]:
    page_url = fetched.url
    post_id = page.canonical or page_url
    link = post_id if urlsplit(post_id).scheme in ("http", "https") else page_url
    missing = 0
    extra: dict[str, Any] = {"profile": page.profile, "comment_count": len(page.comments)}
    published = page.published
    if published is None:
        extra["published_at_missing"] = True
    yield ctx.item(
        platform_id=post_id,
        kind="post",
        post_platform_id=post_id,
        parent_platform_id=None,
        author_name=page.author,
        author_id=page.author_url,
        published_at=published or ctx.fetched_at,
        url=link,
        title=page.title,
        text=page.text,
        extra=extra,
        owner=True,  # the site's own article
    )
    ids: list[str] = []
    seen: set[str] = set()
    for comment in page.comments:
        platform_id = (
            f"{post_id}#{comment.element_id}"
            if comment.element_id
            else _position_id(post_id, comment.position)
        )
        if platform_id in seen:  # an id printed twice on the page
            platform_id = _position_id(post_id, comment.position)
        seen.add(platform_id)
        ids.append(platform_id)
        extra = {"depth": comment.depth}
        if comment.quote:
            extra["quote"] = comment.quote
        if comment.by_post_author:
            extra["by_post_author"] = True
        if comment.published is None:
            missing += 1
            extra["published_at_missing"] = True
        yield ctx.item(
            platform_id=platform_id,
            kind="comment",
            post_platform_id=post_id,
            parent_platform_id=None if comment.parent is None else ids[comment.parent],
            author_name=comment.author,
            author_id=comment.author_url,
            published_at=comment.published or ctx.fetched_at,
            url=f"{link}#{comment.element_id}" if comment.element_id else link,
            title=None,
            text=comment.text,
            extra=extra,
            owner=comment.by_post_author,
        )
    if missing:
        ctx.warn(
            f"{page_url}: {missing} comment(s) without a readable date, the fetch time is used "
            "instead (params.selectors can give the date's selector and date_format)"
        )
    if truncated:
        ctx.warn(f"{page_url}: the page looks cut off (no </html>); comments after the cut missed")
    elif page.paginated:
        ctx.warn(f"{page_url}: comments are split over several pages; only this one was read")
    elif not page.comments and page.has_comment_section:
        ctx.warn(
            f"{page_url}: a comment section is there but no comment could be read "
            "(set params.profile or params.selectors)"
        )
    else:
        ctx.thread_complete(post_id)
