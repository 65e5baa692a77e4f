"""Kind `rss`: RSS 2.0 / Atom posts and their WordPress-style comment feeds.

Posts come from the source's feed. Comments come from each post's own comment feed,
linked by `wfw:commentRss` or an Atom `<link rel="replies">`; a comment's
`thr:in-reply-to` (RFC 4685) gives the item it answers, so threads keep their shape.
A comment feed that fails is reported as a warning: the posts and the other threads
are still extracted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

import feedparser

from extractors.base import ExtractContext, ExtractorParams, extractor
from extractors.errors import FetchError, SourceError
from extractors.http import Fetched
from extractors.records import Item, iso_utc
from extractors.text import html_to_text, struct_time_to_utc


class RssParams(ExtractorParams):
    comments: bool = True  # follow per-post comment feeds


@extractor("rss", params=RssParams)
def extract_rss(ctx: ExtractContext, params: RssParams) -> Iterator[Item]:
    feed_url = ctx.source.url
    feed = _parse(ctx, _fetch(ctx, feed_url))
    latest: datetime | None = None
    for position, entry in enumerate(feed.entries):
        post_platform_id = _platform_id(entry, feed_url, position)
        post = _post(ctx, post_platform_id, entry)
        latest = max(latest or post.published_at, post.published_at)
        yield post
        comments_url = _comments_url(entry)
        if params.comments and comments_url:
            yield from _comments(ctx, urljoin(feed_url, comments_url), post, post_platform_id)
    if latest is not None:
        ctx.new_cursor = {"latest_post_at": iso_utc(latest)}


def _fetch(ctx: ExtractContext, url: str) -> Fetched:
    try:
        return ctx.http.get(url)
    except FetchError as exc:
        raise SourceError(ctx.source.id, str(exc)) from None


def _parse(ctx: ExtractContext, fetched: Fetched) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(
        fetched.content, response_headers={"content-location": fetched.url, **fetched.headers}
    )
    if parsed.bozo and not parsed.entries:
        raise SourceError(
            ctx.source.id,
            f"{fetched.url} is not a readable feed: {parsed.get('bozo_exception')}",
            hint="check that the URL points at an RSS or Atom feed",
        )
    return parsed


def _platform_id(entry: Any, feed_url: str, position: int) -> str:
    """The entry's own id, else its link, else a hash of the feed URL and position."""
    found = entry.get("id") or entry.get("link")
    if found:
        return str(found)
    return "pos:" + hashlib.sha1(f"{feed_url}#{position}".encode()).hexdigest()


def _published(ctx: ExtractContext, entry: Any) -> tuple[datetime, dict[str, Any]]:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
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


def _comments(ctx: ExtractContext, url: str, post: Item, post_platform_id: str) -> Iterator[Item]:
    try:
        feed = _parse(ctx, ctx.http.get(url))
    except (FetchError, SourceError) as exc:
        ctx.warn(f"comments of '{post.title or post.url}' skipped: {exc}")
        return
    for position, entry in enumerate(feed.entries):
        in_reply_to = (entry.get("thr_in-reply-to") or {}).get("ref")
        yield _entry_item(
            ctx,
            entry,
            platform_id=_platform_id(entry, url, position),
            post_platform_id=post_platform_id,
            parent_platform_id=in_reply_to,
            extra={"in_reply_to": in_reply_to} if in_reply_to else {},
        )
