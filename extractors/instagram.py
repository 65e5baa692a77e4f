"""Kind `instagram-business`: an Instagram professional account's media and comments.

Through the Graph API (`url`: `https://graph.facebook.com`), with the token of the Facebook
Page linked to the account (`ECOUTE_FACEBOOK_TOKEN`, with `instagram_basic` and
`instagram_manage_comments`). Params: `ig_user_id` (the account's Instagram user id),
`username` (its own username: the owner), and those of `graph.GraphParams`.

Media come from `/{version}/{ig_user_id}/media` from `since` on (as for `facebook-page`:
`since_days` on the first run, then the newest media read less an hour, at least
`recent_days` back). Each media's comments come from `/{media_id}/comments`, and each
comment's replies from `/{comment_id}/replies` (Instagram threads one level deep): a
reply's parent is its comment, a comment's is the media. A media whose `comments_count` is
0 costs no call. Once a media's comments and all their replies are read, its thread is
complete (`ctx.thread_complete`); a thread that fails is a warning and not complete.

Owner: an author whose `username` is the account's (case aside) or whose `from.id` is
`ig_user_id`, plus the source's configured `owners`.

Ids are the Graph ids. Cursor: `{"newest_media_at": "2026-01-09T10:30:00Z"}`.
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

MEDIA_FIELDS = "id,caption,timestamp,permalink,comments_count"
COMMENT_FIELDS = "id,text,username,timestamp,from"


class InstagramParams(GraphParams):
    ig_user_id: str = Field(pattern=r"^\d+$", description="the account's Instagram user id")
    username: str = Field(min_length=1, description="the account's own username")


@extractor("instagram-business", params=InstagramParams)
def extract_instagram_business(ctx: ExtractContext, params: InstagramParams) -> Iterator[Item]:
    graph = GraphClient.for_context(ctx, params)
    before = cursor_time(ctx.cursor, "newest_media_at")
    since = read_since(ctx, params, before)
    query = {"fields": MEDIA_FIELDS, "since": int(since.timestamp())}
    media = graph.listing(
        f"{params.ig_user_id}/media",
        query,
        limit=params.max_posts,
        hint=f"check ig_user_id {params.ig_user_id}: the Instagram user id of the "
        "professional account linked to the token's Page",
    )

    latest = before
    for record in media:
        post = _media(ctx, params, record)
        latest = newest(latest, post.published_at)
        yield post
        yield from _thread(ctx, graph, params, record)
    ctx.new_cursor = {"newest_media_at": iso(latest)}


def _thread(
    ctx: ExtractContext, graph: GraphClient, params: InstagramParams, media: dict[str, Any]
) -> Iterator[Item]:
    """Comments and replies of one media, yielded once all are read; then complete."""
    media_id = str(media["id"])
    items: list[Item] = []
    if media.get("comments_count") != 0:
        try:
            for comment in graph.records(f"{media_id}/comments", {"fields": COMMENT_FIELDS}):
                item = _comment(ctx, params, media_id, media_id, comment)
                items.append(item)
                replies = graph.records(
                    f"{item.extra['graph_id']}/replies", {"fields": COMMENT_FIELDS}
                )
                items += [
                    _comment(ctx, params, media_id, item.extra["graph_id"], reply)
                    for reply in replies
                ]
        except FetchError as exc:
            ctx.warn(f"comments of media {media_id} skipped: {exc}")
            return
    yield from items
    ctx.thread_complete(media_id)


def _media(ctx: ExtractContext, params: InstagramParams, record: dict[str, Any]) -> Item:
    media_id = _id(ctx, record, "media")
    published_at, extra = _when(ctx, record)
    if isinstance(record.get("comments_count"), int):
        extra["comments_count"] = record["comments_count"]
    return ctx.item(
        platform_id=media_id,
        kind="post",
        post_platform_id=media_id,
        parent_platform_id=None,
        author_name=params.username,
        author_id=params.ig_user_id,
        published_at=published_at,
        url=record.get("permalink"),
        text=str(record.get("caption") or ""),
        extra={"graph_id": media_id, **extra},
        owner=True,
    )


def _comment(
    ctx: ExtractContext,
    params: InstagramParams,
    media_id: str,
    parent_id: str,
    record: dict[str, Any],
) -> Item:
    comment_id = _id(ctx, record, "comment")
    author = record.get("from") if isinstance(record.get("from"), dict) else {}
    username = record.get("username") or author.get("username")
    author_id = str(author["id"]) if author.get("id") else None
    published_at, extra = _when(ctx, record)
    owner = (
        isinstance(username, str) and username.casefold() == params.username.casefold()
    ) or author_id == params.ig_user_id
    return ctx.item(
        platform_id=comment_id,
        kind="comment",
        post_platform_id=media_id,
        parent_platform_id=parent_id,
        author_name=str(username) if username else None,
        author_id=author_id,
        published_at=published_at,
        text=str(record.get("text") or ""),
        extra={"graph_id": comment_id, **extra},
        owner=owner,
    )


def _when(ctx: ExtractContext, record: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    when = graph_time(record.get("timestamp"))
    return (when, {}) if when else (ctx.fetched_at, {"published_at_missing": True})


def _id(ctx: ExtractContext, record: dict[str, Any], what: str) -> str:
    value = record.get("id")
    if not value:
        raise SourceError(ctx.source.id, f"a {what} without an id in the Graph API's answer")
    return str(value)
