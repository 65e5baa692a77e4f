"""Kind `rss`: RSS 0.9x/1.0/2.0 and Atom posts, and their WordPress-style comment feeds.

Posts come from the source's feed. Comments come from each post's own comment feed,
linked by `wfw:commentRss` or an Atom `<link rel="replies">`, and optionally from a
site-wide comment feed (`site_comments`); a comment's `thr:in-reply-to` (RFC 4685) gives
the item it answers, so threads keep their shape. A post whose `slash:comments` is 0 has
no comment feed to read.

Incremental: every feed is fetched with a conditional GET. When the main feed has not
changed (304), the comment feeds of the posts remembered in the cursor are still checked,
each conditionally too, so a new comment on an old post is found and an unchanged
night costs one 304 per feed. A malformed feed that still has entries is read and
reported as a warning; a comment feed that fails is a warning; only an unreadable main
feed fails the source.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urldefrag, urljoin

import feedparser
from feedparser.exceptions import NonXMLContentType

from extractors.base import ExtractContext, ExtractorParams, extractor
from extractors.dates import parse_datetime
from extractors.errors import FetchError, SourceError
from extractors.http import Fetched
from extractors.records import Item
from extractors.safexml import UnsafeXml, check_xml
from extractors.text import html_to_text, struct_time_to_utc


def _any_date(value: str) -> time.struct_time | None:
    """feedparser date handler: French-locale dates ("lun. 5 oct. 2026 14:30", "5 octobre
    2026 à 14h30") besides RFC 822 and ISO 8601; local times are Europe/Paris."""
    parsed = parse_datetime(value)
    return parsed.utctimetuple() if parsed else None


feedparser.registerDateHandler(_any_date)


class RssParams(ExtractorParams):
    comments: bool = True  # follow per-post comment feeds
    site_comments: str | None = None  # site-wide comment feed, e.g. /comments/feed/
    remember_posts: int = 100  # posts whose comment feeds are re-checked on a quiet night


@extractor("rss", params=RssParams)
def extract_rss(ctx: ExtractContext, params: RssParams) -> Iterator[Item]:
    feed_url = ctx.source.url
    remembered: list[dict[str, Any]] = list(ctx.cursor.get("posts", []))
    fetched = _fetch(ctx, feed_url)
    posts: list[dict[str, Any]] = []
    if not fetched.not_modified:
        feed = _parse(ctx, fetched, fatal=True)
        for position, entry in enumerate(_readable(feed.entries)):
            platform_id = _platform_id(entry, feed_url, position)
            yield _post(ctx, platform_id, entry)
            comments = _comments_url(entry) if entry.get("slash_comments") != "0" else None
            posts.append(
                {
                    "id": platform_id,
                    "link": entry.get("link"),
                    "comments": urljoin(feed_url, comments) if comments else None,
                }
            )
    seen = {p["id"] for p in posts}
    posts = (posts + [p for p in remembered if p["id"] not in seen])[: params.remember_posts]
    if params.comments:
        for post in posts:
            if post["comments"]:
                yield from _comments(ctx, post["comments"], post["id"])
    if params.site_comments:
        site_comments = urljoin(feed_url, params.site_comments)
        ctx.http.allow_site(site_comments)  # configured, wherever it is
        yield from _site_comments(ctx, site_comments, posts)
    ctx.new_cursor = {"posts": posts}


def _fetch(ctx: ExtractContext, url: str) -> Fetched:
    try:
        return ctx.http.get(url, conditional=True)
    except FetchError as exc:
        raise SourceError(ctx.source.id, str(exc)) from None


def _parse(ctx: ExtractContext, fetched: Fetched, *, fatal: bool) -> feedparser.FeedParserDict:
    """Entries of a feed; a feed broken beyond reading raises, a damaged one is a warning,
    a hostile one (entity declarations, absurd nesting) is refused unread."""
    try:
        check_xml(fetched.content)
    except UnsafeXml as exc:
        if fatal:
            raise SourceError(ctx.source.id, f"not a readable feed: {fetched.url}: {exc}") from None
        raise FetchError(fetched.url, f"not a readable feed: {exc}") from None
    headers = {k.lower(): v for k, v in fetched.headers.items()}
    # Links inside the HTML of entries are left relative: only their text is kept
    # (`_text`), and resolving them costs a tenth of the parse.
    parsed = feedparser.parse(
        fetched.content,
        response_headers={**headers, "content-location": fetched.url},
        resolve_relative_uris=False,
    )
    if not parsed.entries and (parsed.bozo or not parsed.version):
        reason = _bozo_reason(parsed) if parsed.bozo else "no RSS or Atom found"
        if fatal:
            raise SourceError(
                ctx.source.id,
                f"not a readable feed: {fetched.url}: {reason}",
                hint="check that the URL points at an RSS or Atom feed",
            )
        raise FetchError(fetched.url, f"not a readable feed: {reason}")
    # A feed served as text/html, or read from a file, is still a feed: not worth a warning.
    if parsed.bozo and not isinstance(parsed.get("bozo_exception"), NonXMLContentType):
        ctx.warn(
            f"feed read despite problems: {fetched.url}: {_bozo_reason(parsed)} "
            f"({len(parsed.entries)} entries)"
        )
    return parsed


def _readable(entries: list[Any]) -> list[Any]:
    """Entries with something in them: a truncated feed ends with an empty one."""
    return [e for e in entries if e.get("title") or e.get("link") or e.get("summary")]


def _bozo_reason(parsed: feedparser.FeedParserDict) -> str:
    reason = parsed.get("bozo_exception")
    text = " ".join(str(reason).split()) if reason else "malformed"
    return text[:200]


def _platform_id(entry: Any, feed_url: str, position: int) -> str:
    """The entry's own id, else its link, else a hash of the feed URL and position."""
    found = entry.get("id") or entry.get("link")
    if found:
        return str(found)
    return "pos:" + hashlib.sha1(f"{feed_url}#{position}".encode()).hexdigest()


def _published(ctx: ExtractContext, entry: Any) -> tuple[datetime, dict[str, Any]]:
    # dict.get: FeedParserDict.get would map a missing published_parsed to updated_parsed
    # itself, with a DeprecationWarning.
    parsed = dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")
    when = struct_time_to_utc(parsed)
    if when is None:
        return ctx.fetched_at, {"published_at_missing": True}
    return when, {}


def _text(entry: Any) -> str:
    content = entry.get("content")
    markup = content[0].get("value", "") if content else entry.get("summary", "")
    return html_to_text(markup or "")


def _comments_url(entry: Any) -> str | None:
    if entry.get("wfw_commentrss"):
        return str(entry["wfw_commentrss"])
    for link in entry.get("links", []):
        if link.get("rel") == "replies" and link.get("href"):
            return str(link["href"])
    return None


def _author(entry: Any) -> tuple[str | None, str | None]:
    detail = entry.get("author_detail") or {}
    return entry.get("author") or detail.get("name"), detail.get("href") or detail.get("email")


def _entry_item(
    ctx: ExtractContext,
    entry: Any,
    *,
    platform_id: str,
    post_platform_id: str,
    parent_platform_id: str | None,
    extra: dict[str, Any],
) -> Item:
    """What posts and comments share: dates, author, text, link."""
    published_at, date_extra = _published(ctx, entry)
    name, author_id = _author(entry)
    is_post = platform_id == post_platform_id
    return ctx.item(
        platform_id=platform_id,
        kind="post" if is_post else "comment",
        post_platform_id=post_platform_id,
        parent_platform_id=parent_platform_id,
        author_name=name,
        author_id=author_id,
        published_at=published_at,
        url=entry.get("link"),
        title=entry.get("title") if is_post else None,  # comment titles are generated
        text=_text(entry),
        extra={**extra, **date_extra},
    )


def _post(ctx: ExtractContext, platform_id: str, entry: Any) -> Item:
    count = entry.get("slash_comments")
    return _entry_item(
        ctx,
        entry,
        platform_id=platform_id,
        post_platform_id=platform_id,
        parent_platform_id=None,
        extra={"comment_count": count} if count else {},
    )


def _comment_entries(ctx: ExtractContext, url: str, what: str) -> list[Any]:
    """The readable entries of a comment feed; none when it did not change (304) or
    failed (a warning: the rest of the source goes on)."""
    try:
        fetched = ctx.http.get(url, conditional=True)
        if fetched.not_modified:
            return []
        return _readable(_parse(ctx, fetched, fatal=False).entries)
    except FetchError as exc:
        ctx.warn(f"{what} skipped: {exc}")
        return []


def _comments(ctx: ExtractContext, url: str, post_platform_id: str) -> Iterator[Item]:
    for position, entry in enumerate(_comment_entries(ctx, url, "comment feed")):
        yield _comment(ctx, entry, _platform_id(entry, url, position), post_platform_id)


def _comment(ctx: ExtractContext, entry: Any, platform_id: str, post_platform_id: str) -> Item:
    in_reply_to = (entry.get("thr_in-reply-to") or {}).get("ref")
    return _entry_item(
        ctx,
        entry,
        platform_id=platform_id,
        post_platform_id=post_platform_id,
        parent_platform_id=in_reply_to,
        extra={"in_reply_to": in_reply_to} if in_reply_to else {},
    )


def _site_comments(ctx: ExtractContext, url: str, posts: list[dict[str, Any]]) -> Iterator[Item]:
    """Comments of a site-wide feed, each matched to its post by `thr:in-reply-to` or by
    its link (`<post link>#comment-N`); comments of posts we do not know are counted."""
    by_link = {urldefrag(p["link"])[0]: p["id"] for p in posts if p.get("link")}
    ids = {p["id"] for p in posts}
    unknown = 0
    for position, entry in enumerate(_comment_entries(ctx, url, "site comment feed")):
        ref = (entry.get("thr_in-reply-to") or {}).get("ref")
        post_id = ref if ref in ids else by_link.get(urldefrag(entry.get("link") or "")[0])
        if post_id is None:
            unknown += 1
            continue
        yield _comment(ctx, entry, _platform_id(entry, url, position), post_id)
    if unknown:
        ctx.warn(f"{url}: {unknown} comment(s) on posts outside the feed window skipped")
