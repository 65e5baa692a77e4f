"""Kind `wordpress`: posts and comment threads from a WordPress site's REST API.

`url` is the site's root (`https://boulangerie.example/`, or `https://example.fr/blog/` for
a site in a folder). Without credentials, ecoute reads:

- posts from `wp-json/wp/v2/posts`, the author's name embedded (`_embed=author`) when the
  site lets visitors read its users; many security plugins do not, and the name is then
  None (the author's id is kept);
- comments from `wp-json/wp/v2/comments`, site-wide (comments on pages or products too),
  threaded through `parent`: a reply's parent is the comment it answers, a top-level
  comment's (`parent` 0) is its post. Visitors see approved comments only; pingbacks are
  not listed (the endpoint's default type).

Ids are `post:<id>` and `comment:<id>`: WordPress numbers the two separately, and never
renumbers them.

Owner: posts are the organisation's, and so is a comment whose `author` is a user id (0 is
a guest) that wrote one of the site's posts, its own post's author among them. Having an
account is not enough: shops (WooCommerce) give one to every customer. Staff replying
under an account that wrote no post are recognised only through the source's `owners`.

Incremental runs. The first run, and then one run every `full_refresh_days`, reads every
post and comment and says so (`ctx.thread_complete`): what disappeared since the last full
read (deleted, unapproved, spam) is then marked deleted, and edited comments are updated.
The runs in between ask for posts modified since the cursor (`modified_after`, WordPress
5.7+) and comments written since (`after`, site-wide: a new comment on a two-year-old post
arrives), one hour earlier than the cursor: WordPress compares these in the site's local
time, where an hour repeats when clocks go back, and a comment saved while the previous run
was reading may carry an earlier date than the newest one that run saw. Items read twice
change nothing in the warehouse. The cursor moves only to dates of items actually read.

What an incremental run cannot see, until the next full read:

- a comment edited after it was read (the API gives comments no modification date);
- a comment held for moderation and approved more than an hour after it was written (it
  keeps its writing date, already behind the cursor);
- a post or comment deleted, unpublished, unapproved or marked as spam.

The cursor: `{"mode": "api", "posts_modified_gmt": newest post modification read,
"comments_date_gmt": newest comment date read, "owner_ids": [user ids that wrote posts],
"full_read_at": time of the last full read}`, dates as `2026-01-09T10:30:00Z`; after a
fallback, `{"mode": "feed", "feed": <the rss cursor>}` (and the next API run is a full one).

WordPress before 5.7 ignores `modified_after`: every run there reads every post (nothing is
lost, it is only slower).

Fallback: when the API answers 401 (switched off by a plugin) or 404 (switched off, or not
WordPress), the run warns and reads `<url>/feed/` as kind `rss` does: posts and their
comment feeds, under the feed's ids (guids), which differ from `post:<id>`. A site that
switches its API off or on therefore gets its posts a second time under the other ids.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from itertools import chain
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from pydantic import Field

from extractors.base import ExtractContext, ExtractorParams, extractor
from extractors.dates import iso_to_utc
from extractors.errors import FetchError, SourceError
from extractors.http import Fetched, is_local
from extractors.pagination import page_number
from extractors.records import Item, iso_utc
from extractors.rss import RssParams, extract_rss
from extractors.text import html_to_text

#: How far before the cursor an incremental run starts reading again (see the docstring).
OVERLAP = timedelta(hours=1)
#: Answers meaning "no API here": the feed is read instead.
MISSING_API = (401, 404)
_POST_FIELDS = "id,date_gmt,modified_gmt,link,title,content,author,_links,_embedded"
_COMMENT_FIELDS = "id,post,parent,author,author_name,date_gmt,link,content,status"


class WordpressParams(ExtractorParams):
    per_page: int = Field(default=100, ge=1, le=100, description="items per API page (max 100)")
    comments: bool = True
    full_refresh_days: int = Field(
        default=7,
        ge=0,
        description="days between runs that read everything (0: every run); they catch "
        "edited, unapproved and deleted comments",
    )


@dataclass(frozen=True)
class _Site:
    root: str

    @classmethod
    def at(cls, url: str) -> _Site:
        """The root as a folder URL, so that `wp-json/...` and `feed/` resolve under it."""
        parts = urlsplit(url)
        path = parts.path if parts.path.endswith("/") else parts.path + "/"
        return cls(urlunsplit(parts._replace(path=path, query="", fragment="")))

    @property
    def posts(self) -> str:
        return urljoin(self.root, "wp-json/wp/v2/posts")

    @property
    def comments(self) -> str:
        return urljoin(self.root, "wp-json/wp/v2/comments")

    @property
    def feed(self) -> str:
        return urljoin(self.root, "feed/")


@dataclass
class _State:
    """The cursor: what the next run starts from. Dates are WordPress's own (UTC)."""

    posts_modified: datetime | None = None  # newest `modified_gmt` of a post read
    comments_written: datetime | None = None  # newest `date_gmt` of a comment read
    owner_ids: set[int] = field(default_factory=set)  # user ids that wrote posts
    full_read_at: datetime | None = None  # when the last full read ran

    @classmethod
    def from_cursor(cls, cursor: dict[str, Any]) -> _State:
        if cursor.get("mode") != "api":  # first run, or the feed was read last time
            return cls()
        return cls(
            posts_modified=iso_to_utc(cursor.get("posts_modified_gmt")),
            comments_written=iso_to_utc(cursor.get("comments_date_gmt")),
            owner_ids={int(i) for i in cursor.get("owner_ids", []) if str(i).isdigit()},
            full_read_at=iso_to_utc(cursor.get("full_read_at")),
        )

    def as_cursor(self) -> dict[str, Any]:
        def iso(value: datetime | None) -> str | None:
            return iso_utc(value) if value else None

        return {
            "mode": "api",
            "posts_modified_gmt": iso(self.posts_modified),
            "comments_date_gmt": iso(self.comments_written),
            "owner_ids": sorted(self.owner_ids),
            "full_read_at": iso(self.full_read_at),
        }


_Builder = Callable[[ExtractContext, dict[str, Any], set[int]], tuple[Item, int | None]]


class _Missing(Exception):
    """The endpoint answered 401 or 404 to its first page."""

    def __init__(self, url: str, status: int) -> None:
        super().__init__(f"{url}: HTTP {status}")
        self.url = url
        self.status = status


@extractor("wordpress", params=WordpressParams)
def extract_wordpress(ctx: ExtractContext, params: WordpressParams) -> Iterator[Item]:
    if is_local(ctx.source.url):
        raise SourceError(
            ctx.source.id,
            f"{ctx.source.url} is not a web address: kind wordpress reads a site's API over HTTP",
            hint="give the site's root, e.g. https://example.fr/; for a saved feed, use kind rss",
        )
    site = _Site.at(ctx.source.url)
    before = _State.from_cursor(ctx.cursor)
    full = before.full_read_at is None or ctx.fetched_at - before.full_read_at >= timedelta(
        days=params.full_refresh_days
    )
    query: dict[str, Any] = {
        "_fields": _POST_FIELDS,
        "_embed": "author",
        "orderby": "id",
        "order": "asc",
    }
    if not full and before.posts_modified:
        query["modified_after"] = iso_utc(before.posts_modified - OVERLAP)
    try:
        post_pages = _listing(ctx, site, site.posts, query, params.per_page)
    except _Missing as missing:
        yield from _read_feed(ctx, site, missing)
        return

    after = _State(owner_ids=set() if full else set(before.owner_ids))
    after.full_read_at = ctx.fetched_at if full else before.full_read_at
    threads: set[int] = set()
    for url, record in _records(ctx, site, post_pages):
        item, author = _build(ctx, url, "post", record, _post, after.owner_ids)
        if author:
            after.owner_ids.add(author)
        after.posts_modified = _newest(after.posts_modified, iso_to_utc(record.get("modified_gmt")))
        threads.add(int(record["id"]))
        yield item

    complete = False
    if params.comments:
        query = {"_fields": _COMMENT_FIELDS, "orderby": "id", "order": "asc"}
        if not full and before.comments_written:
            query["after"] = iso_utc(before.comments_written - OVERLAP)
        try:
            comment_pages = _listing(ctx, site, site.comments, query, params.per_page)
        except _Missing as missing:
            ctx.warn(f"comments skipped: {missing} (the site hides its comments from the API)")
        else:
            for url, record in _records(ctx, site, comment_pages):
                item, _ = _build(ctx, url, "comment", record, _comment, after.owner_ids)
                after.comments_written = _newest(
                    after.comments_written, iso_to_utc(record.get("date_gmt"))
                )
                threads.add(int(record["post"]))
                yield item
            complete = full

    if complete:
        for post_id in sorted(threads):
            ctx.thread_complete(f"post:{post_id}")
    if not full:  # nothing read is no reason to forget where the last run got to
        after.posts_modified = _newest(after.posts_modified, before.posts_modified)
        after.comments_written = _newest(after.comments_written, before.comments_written)
    ctx.new_cursor = after.as_cursor()


# --- reading the API ----------------------------------------------------------------


def _listing(
    ctx: ExtractContext, site: _Site, url: str, query: dict[str, Any], per_page: int
) -> Iterator[Fetched]:
    """The pages of a listing, the first one already fetched: `_Missing` when the endpoint
    is not there, a `SourceError` for any other failure."""
    pages = page_number(ctx.http, url, params=query, per_page=per_page)
    try:
        first = next(pages, None)
    except FetchError as exc:
        if exc.status in MISSING_API:
            raise _Missing(url, exc.status) from None
        raise _source_error(ctx, site, exc) from None
    return chain([first] if first is not None else [], pages)


def _records(
    ctx: ExtractContext, site: _Site, pages: Iterator[Fetched]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """(page URL, record) for every record of every page."""
    try:
        for fetched in pages:
            data = fetched.json()
            if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
                raise SourceError(
                    ctx.source.id,
                    f"{fetched.url}: expected a JSON list of WordPress records",
                    hint=f"check that {site.root} is the root of a WordPress site",
                )
            for record in data:
                yield fetched.url, record
    except FetchError as exc:
        raise _source_error(ctx, site, exc) from None


def _source_error(ctx: ExtractContext, site: _Site, exc: FetchError) -> SourceError:
    if exc.status is not None and exc.status >= 500:
        hint = "the site is failing: the next run tries again"
    elif "invalid JSON" in exc.message:
        hint = (
            "the answer is not WordPress JSON (cut short, or a page from a cache or security "
            "plugin): the next run tries again; kind rss reads the site's feed instead"
        )
    elif exc.status is None:
        hint = "the site could not be reached: the next run tries again"
    else:
        hint = f"check that {site.root} is the root of a WordPress site"
    return SourceError(ctx.source.id, str(exc), hint=hint)


# --- records to items ---------------------------------------------------------------


def _build(
    ctx: ExtractContext,
    url: str,
    what: str,
    record: dict[str, Any],
    build: _Builder,
    owner_ids: set[int],
) -> tuple[Item, int | None]:
    """`build(ctx, record, owner_ids)`, a record that lacks what it needs named with its
    page: WordPress plugins can reshape the API."""
    try:
        return build(ctx, record, owner_ids)
    except (KeyError, TypeError, ValueError) as exc:
        raise SourceError(
            ctx.source.id,
            f"{url}: unreadable {what} {record.get('id', '?')}: {type(exc).__name__}: {exc}",
            hint="a plugin may change the site's API; kind rss reads its feed instead",
        ) from None


def _post(
    ctx: ExtractContext, record: dict[str, Any], owner_ids: set[int]
) -> tuple[Item, int | None]:
    wp_id = int(record["id"])
    author = _user_id(record.get("author"))
    published_at, extra = _published(ctx, record)
    title = html_to_text(_rendered(record, "title"))
    item = ctx.item(
        platform_id=f"post:{wp_id}",
        kind="post",
        post_platform_id=f"post:{wp_id}",
        parent_platform_id=None,
        author_name=_embedded_author(record),
        author_id=str(author) if author else None,
        published_at=published_at,
        url=record.get("link"),
        title=title or None,
        text=html_to_text(_rendered(record, "content")),
        extra={"wp_id": wp_id, **extra},
        owner=True,
    )
    return item, author


def _comment(
    ctx: ExtractContext, record: dict[str, Any], owner_ids: set[int]
) -> tuple[Item, int | None]:
    wp_id = int(record["id"])
    post = f"post:{int(record['post'])}"
    parent = int(record.get("parent") or 0)
    author = _user_id(record.get("author"))
    published_at, extra = _published(ctx, record)
    if record.get("status") not in (None, "approved"):
        extra["status"] = record["status"]
    name = html.unescape(str(record.get("author_name") or "")).strip()
    item = ctx.item(
        platform_id=f"comment:{wp_id}",
        kind="comment",
        post_platform_id=post,
        parent_platform_id=f"comment:{parent}" if parent else post,
        author_name=name or None,
        author_id=str(author) if author else None,
        published_at=published_at,
        url=record.get("link"),
        text=html_to_text(_rendered(record, "content")),
        extra={"wp_id": wp_id, **extra},
        owner=author is not None and author in owner_ids,
    )
    return item, author


def _rendered(record: dict[str, Any], key: str) -> str:
    """`title` and `content` are `{"rendered": html}` objects in the API's view context."""
    value = record.get(key)
    if isinstance(value, dict):
        value = value.get("rendered")
    return str(value or "")


def _user_id(value: Any) -> int | None:
    """A user id; None for a guest (0) or no author."""
    user = int(value or 0)
    return user if user > 0 else None


def _embedded_author(record: dict[str, Any]) -> str | None:
    """The embedded author's name. A site hiding its users embeds an error object instead
    (`rest_user_cannot_view`), which has a `code` and no `name`."""
    authors = (record.get("_embedded") or {}).get("author") or []
    for author in authors:
        if isinstance(author, dict) and author.get("name"):
            return html.unescape(str(author["name"])).strip() or None
    return None


def _published(ctx: ExtractContext, record: dict[str, Any]) -> tuple[datetime, dict[str, Any]]:
    when = iso_to_utc(record.get("date_gmt"))
    if when is None:
        return ctx.fetched_at, {"published_at_missing": True}
    return when, {}


def _newest(a: datetime | None, b: datetime | None) -> datetime | None:
    return max(a, b) if a and b else a or b


# --- the feed, when there is no API ---------------------------------------------------


def _read_feed(ctx: ExtractContext, site: _Site, missing: _Missing) -> Iterator[Item]:
    """Kind `rss` on the site's feed, through the same HTTP client (raw payloads are still
    recorded) and into the same warnings."""
    ctx.warn(
        f"no WordPress API at {missing.url} (HTTP {missing.status}): read the feed "
        f"{site.feed} instead (its posts and comment feeds; deletions go unnoticed)"
    )
    feed_ctx = ExtractContext(
        source=replace(ctx.source, kind="rss", url=site.feed, params={}),
        http=ctx.http,
        cursor=dict(ctx.cursor.get("feed") or {}),
        fetched_at=ctx.fetched_at,
        warnings=ctx.warnings,
    )
    try:
        yield from extract_rss(feed_ctx, RssParams())
    except SourceError as exc:
        detail = exc.message.removeprefix(f"source '{ctx.source.id}': ")
        raise SourceError(
            ctx.source.id,
            f"no WordPress API at {missing.url} (HTTP {missing.status}) and no readable feed: "
            f"{detail}",
            hint=f"check that {site.root} is the site's root; for a site that is not "
            "WordPress, use kind rss with its feed's URL",
        ) from None
    ctx.new_cursor = {"mode": "feed", "feed": feed_ctx.new_cursor or {}}
