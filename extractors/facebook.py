"""Kind `facebook-page`: a Facebook Page's posts and their comment threads (Graph API).

`url` is the Graph API's root, `https://graph.facebook.com`. The token comes from
`ECOUTE_FACEBOOK_TOKEN` (or the Airflow connection `ecoute_facebook`): a Page access token
with `pages_read_engagement` and `pages_read_user_content`. Params: `page_id` (required),
`api_version` (`v21.0`), `since_days`, `recent_days`, `max_posts`, `page_size` and the
throttling ones of `graph.GraphParams`.

Posts come from `/{version}/{page_id}/posts`, newest first, from `since` on (unix time):
`since_days` back on the first run; later, from the newest post already read less an hour,
and at least `recent_days` back, so that recent posts get their threads read again. Each
post's comments come from `/{post_id}/comments?filter=stream&order=chronological`: every
comment and reply, flat, a reply naming its `parent`; a top-level comment's parent is the
post. Once every page of a thread is read, the thread is complete (`ctx.thread_complete`):
a comment gone since the last run is marked deleted. A thread that fails (a post deleted
while the run reads it) is a warning, and is not called complete.

Owner: an author whose `from.id` is the page's id (Graph shows a Page's replies under the
Page), and the source's configured `owners`. Graph hides `from` for users who have not
granted the app anything under some setups: the author is then None.

Ids are the Graph ids (`{page_id}_{post_id}`, `{post_id}_{comment_id}`), stable for ever.

Cursor: `{"newest_post_at": "2026-01-09T10:30:00Z"}`, the `created_time` of the newest
post read (kept when a run reads none).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import Field

from extractors.base import ExtractContext, extractor
from extractors.errors import FetchError, SourceError
from extractors.graph import (
    GraphClient,
    GraphParams,
    cursor_time,
    graph_time,
    iso,
    newest,
    read_since,
)
from extractors.records import Item

POST_FIELDS = "id,message,created_time,permalink_url,from"
COMMENT_FIELDS = "id,from{id,name},message,created_time,parent{id},comment_count"


class FacebookParams(GraphParams):
    page_id: str = Field(min_length=1, pattern=r"^\d+$", description="the Page's numeric id")


@extractor("facebook-page", params=FacebookParams)
def extract_facebook_page(ctx: ExtractContext, params: FacebookParams) -> Iterator[Item]:
    graph = GraphClient.for_context(ctx, params)
    before = cursor_time(ctx.cursor, "newest_post_at")
    since = read_since(ctx, params, before)
    query = {"fields": POST_FIELDS, "since": int(since.timestamp())}
    latest = before
    posts = graph.listing(
        f"{params.page_id}/posts",
        query,
        limit=params.max_posts,
        hint=f"check page_id {params.page_id} and the token's page",
    )

    for record in posts:
        post = _post(ctx, params, record)
        latest = newest(latest, post.published_at)
        yield post
        yield from _thread(ctx, graph, params, record["id"])
    ctx.new_cursor = {"newest_post_at": iso(latest)}


def _thread(
    ctx: ExtractContext, graph: GraphClient, params: FacebookParams, post_id: str
) -> Iterator[Item]:
    """Every comment of a post, then the thread marked complete; a warning if it fails.

    Items are yielded once the whole thread is read, so a thread that fails halfway
    yields nothing rather than a part presented as the rest."""
    query = {"filter": "stream", "order": "chronological", "fields": COMMENT_FIELDS}
    try:
        comments = [
            _comment(ctx, params, post_id, r) for r in graph.records(f"{post_id}/comments", query)
        ]
    except FetchError as exc:
        ctx.warn(f"comments of post {post_id} skipped: {exc}")
        return
    yield from comments
    ctx.thread_complete(post_id)


def _author(record: dict[str, Any]) -> tuple[str | None, str | None]:
    author = record.get("from")
    if not isinstance(author, dict):
        return None, None
    name, ident = author.get("name"), author.get("id")
    return (str(name) if name else None), (str(ident) if ident else None)


def _when(ctx: ExtractContext, record: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    when = graph_time(record.get("created_time"))
    return (when, {}) if when else (ctx.fetched_at, {"published_at_missing": True})


def _post(ctx: ExtractContext, params: FacebookParams, record: dict[str, Any]) -> Item:
    post_id = _id(ctx, record, "post")
    name, author_id = _author(record)
    published_at, extra = _when(ctx, record)
    return ctx.item(
        platform_id=post_id,
        kind="post",
        post_platform_id=post_id,
        parent_platform_id=None,
        author_name=name,
        author_id=author_id,
        published_at=published_at,
        url=record.get("permalink_url"),
        text=str(record.get("message") or ""),
        extra=extra,
        owner=author_id in (None, params.page_id),  # /posts lists the Page's own posts
    )


def _comment(
    ctx: ExtractContext, params: FacebookParams, post_id: str, record: dict[str, Any]
) -> Item:
    comment_id = _id(ctx, record, "comment")
    parent = record.get("parent")
    parent_id = parent.get("id") if isinstance(parent, dict) else None
    name, author_id = _author(record)
    published_at, extra = _when(ctx, record)
    if record.get("comment_count"):
        extra["reply_count"] = record["comment_count"]
    return ctx.item(
        platform_id=comment_id,
        kind="comment",
        post_platform_id=post_id,
        parent_platform_id=str(parent_id) if parent_id else post_id,
        author_name=name,
        author_id=author_id,
        published_at=published_at,
        text=str(record.get("message") or ""),
        extra=extra,
        owner=author_id is not None and author_id == params.page_id,
    )


def _id(ctx: ExtractContext, record: dict[str, Any], what: str) -> str:
    value = record.get("id")
    if not value:
        raise SourceError(ctx.source.id, f"a {what} without an id in the Graph API's answer")
    return str(value)
