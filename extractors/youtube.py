"""Kind `youtube`: a channel's videos and their comment threads, from the YouTube Data API v3.

`url` is the API base (`https://www.googleapis.com/youtube/v3`; a test server otherwise);
`params.channel_id` the channel (`UC...`). The API key comes from `ECOUTE_YOUTUBE_KEY` or
the Airflow connection `ecoute_youtube` (its password), never from sources.yml; it travels
as the `key=` query parameter and is masked in errors and landing files.

What a run reads (quota units in brackets; the default daily quota is 10,000):

- `channels?part=contentDetails` [1]: the channel's uploads playlist;
- `playlistItems?part=snippet,contentDetails` [1 per 50 videos]: the newest `max_videos`
  uploads, each a post (`video:<id>`: title, description as text, `videoPublishedAt`).
  Private and deleted videos of the playlist are skipped;
- `commentThreads?part=snippet,replies&textFormat=plainText` [1 per 100 threads] for each
  video: top-level comments (`comment:<id>`, parent the video) with the replies the thread
  embeds (at most five; parent the top-level comment: YouTube threads are two levels);
- `comments?part=snippet&parentId=` [1 per 100 replies], only for a thread whose
  `totalReplyCount` is more than it embeds: the full list of its replies.

Owner: a comment whose `authorChannelId` is `channel_id` (the channel answering under its
own name), plus the source's `owners` (names or channel ids of staff accounts). Videos are
the channel's own.

Every run re-reads every comment of the `max_videos` newest videos, and says so
(`ctx.thread_complete`) for each video whose listing it read to the end: comments removed
since (by their author, or held for review) are then marked deleted, and edits are caught.
A video whose comments are disabled is warned about and not marked complete.

The cursor, informative for now: `{"newest_video_at": newest video date read,
"videos": {video id: newest comment or reply date read, or null}}`, dates as
`2026-01-09T10:30:00Z`. Nothing is skipped on its account: a complete re-read is what lets
deletions be seen, and its cost is bounded by `max_videos`.

Quota: an answer `403 quotaExceeded` (or `dailyLimitExceeded`) stops the source with a
`SourceError`; nothing of that run is loaded, the cursor does not move, and the next run
(after the quota resets at midnight Pacific time) starts again from the stored cursor.

The API explains its refusals in the JSON body of the error (`error.errors[0].reason`),
which `FetchError.body` keeps.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import Field

from extractors.base import ExtractContext, ExtractorParams, extractor
from extractors.errors import FetchError, SourceError
from extractors.http import Fetched
from extractors.pagination import next_token
from extractors.records import Item, iso_utc, to_utc
from extractors.secrets import read_secret

PUBLIC_API = "https://www.googleapis.com/youtube/v3"
KEY_ENV = "ECOUTE_YOUTUBE_KEY"
KEY_CONNECTION = "ecoute_youtube"
#: Reasons meaning "no more requests today": the whole source stops.
QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded"})
#: Reasons about the key itself.
KEY_REASONS = frozenset({"keyInvalid", "keyExpired", "accessNotConfigured", "ipRefererBlocked"})
#: Playlist entries that are not readable videos.
HIDDEN_TITLES = frozenset({"Private video", "Deleted video"})


class YoutubeParams(ExtractorParams):
    channel_id: str = Field(min_length=1, description="the channel's id, `UC...`")
    max_videos: int = Field(
        default=50, ge=1, le=5000, description="newest uploads whose comments are read"
    )


def _reason(body: bytes) -> str | None:
    try:
        data = json.loads(body)
        errors = data["error"]["errors"]
        return str(errors[0]["reason"]) if errors else None
    except (ValueError, KeyError, TypeError, IndexError):
        return None


@dataclass
class _Api:
    """The API calls of one run: the key added to every request, refusals explained."""

    ctx: ExtractContext
    base: str
    key: str

    def pages(self, endpoint: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """The JSON objects of every page of `endpoint`; a refusal is an `_ApiError`."""
        url = f"{self.base}/{endpoint}"
        pages = next_token(self.ctx.http, url, params={**params, "key": self.key})
        while True:
            try:
                fetched = next(pages, None)
                if fetched is None:
                    return
                data = _object(fetched)
            except FetchError as exc:
                raise _ApiError(exc, _reason(exc.body)) from None
            yield data

    def source_error(self, err: _ApiError) -> SourceError:
        exc, reason = err.fetch, err.reason
        where = f"{exc} [{reason}]" if reason else str(exc)
        if reason in QUOTA_REASONS:
            return SourceError(
                self.ctx.source.id,
                f"quota exceeded, resumes next run from the cursor ({where})",
                hint="the API key's daily quota (10,000 units by default) resets at midnight "
                "Pacific time; lower params.max_videos, or ask Google for more quota",
            )
        if reason in KEY_REASONS or exc.status in (400, 401):
            hint = f"check {KEY_ENV}: a valid key with the YouTube Data API v3 enabled"
        elif exc.status == 404 or reason in ("channelNotFound", "playlistNotFound"):
            hint = "check params.channel_id (the `UC...` id, not the @handle)"
        elif exc.status is None or exc.status >= 500:
            hint = "the API could not be reached or is failing: the next run tries again"
        else:
            hint = f"check params.channel_id and the source url ({PUBLIC_API})"
        return SourceError(self.ctx.source.id, where, hint=hint)


class _ApiError(Exception):
    def __init__(self, fetch: FetchError, reason: str | None) -> None:
        super().__init__(str(fetch))
        self.fetch = fetch
        self.reason = reason


def _object(fetched: Fetched) -> dict[str, Any]:
    data = fetched.json()
    if not isinstance(data, dict):
        raise FetchError(fetched.url, "expected a JSON object from the YouTube API")
    return data


@extractor("youtube", params=YoutubeParams)
def extract_youtube(ctx: ExtractContext, params: YoutubeParams) -> Iterator[Item]:
    key = read_secret(ctx, KEY_ENV, KEY_CONNECTION)
    base = (ctx.source.url or PUBLIC_API).rstrip("/")
    api = _Api(ctx, base, key)
    try:
        yield from _extract(ctx, params, api)
    except (KeyError, TypeError, ValueError) as exc:
        raise SourceError(
            ctx.source.id,
            f"unreadable YouTube API answer: {type(exc).__name__}: {ctx.http.mask(str(exc))}",
            hint=f"check that the source url is the YouTube Data API v3 ({PUBLIC_API})",
        ) from None


def _extract(ctx: ExtractContext, params: YoutubeParams, api: _Api) -> Iterator[Item]:
    try:
        uploads = _uploads_playlist(ctx, params, api)
        videos = _videos(ctx, params, api, uploads)
    except _ApiError as err:
        raise api.source_error(err) from None
    cursor: dict[str, Any] = {"newest_video_at": None, "videos": {}}
    for video in videos:
        newest = max(filter(None, [cursor["newest_video_at"], iso_utc(video.published_at)]))
        cursor["newest_video_at"] = newest
        yield video
        video_id = video.extra["video_id"]
        latest: datetime | None = None
        try:
            for comment in _comments(ctx, params, api, video_id):
                latest = max(latest or comment.published_at, comment.published_at)
                yield comment
        except _ApiError as err:
            if err.reason in QUOTA_REASONS or err.reason in KEY_REASONS:
                raise api.source_error(err) from None
            what = "comments disabled" if err.reason == "commentsDisabled" else str(err.fetch)
            ctx.warn(f"video {video_id}: comments not read: {what}")  # the others go on
            cursor["videos"][video_id] = None
            continue
        cursor["videos"][video_id] = iso_utc(latest) if latest else None
        ctx.thread_complete(f"video:{video_id}")
    ctx.new_cursor = cursor


def _uploads_playlist(ctx: ExtractContext, params: YoutubeParams, api: _Api) -> str:
    query = {"part": "contentDetails", "id": params.channel_id}
    for data in api.pages("channels", query):
        for channel in data.get("items") or []:
            uploads = channel.get("contentDetails", {}).get("relatedPlaylists", {}).get("uploads")
            if uploads:
                return str(uploads)
    raise SourceError(
        ctx.source.id,
        f"channel {params.channel_id} not found, or it has no uploads playlist",
        hint="check params.channel_id (the `UC...` id, not the @handle)",
    )


def _videos(ctx: ExtractContext, params: YoutubeParams, api: _Api, playlist: str) -> list[Item]:
    """The `max_videos` newest uploads, as posts (the playlist lists the newest first)."""
    query = {
        "part": "snippet,contentDetails",
        "playlistId": playlist,
        "maxResults": min(50, params.max_videos),
    }
    videos: list[Item] = []
    for data in api.pages("playlistItems", query):
        for entry in data.get("items") or []:
            video = _video(ctx, params, entry)
            if video is not None:
                videos.append(video)
            if len(videos) >= params.max_videos:
                return videos
    return videos


def _video(ctx: ExtractContext, params: YoutubeParams, entry: dict[str, Any]) -> Item | None:
    snippet = entry.get("snippet") or {}
    details = entry.get("contentDetails") or {}
    video_id = details.get("videoId") or (snippet.get("resourceId") or {}).get("videoId")
    published = details.get("videoPublishedAt")
    if not video_id or (not published and snippet.get("title") in HIDDEN_TITLES):
        return None
    published = published or snippet.get("publishedAt")
    if not published:
        ctx.warn(f"video {video_id}: no publication date, skipped")
        return None
    platform_id = f"video:{video_id}"
    return ctx.item(
        platform_id=platform_id,
        kind="post",
        post_platform_id=platform_id,
        parent_platform_id=None,
        author_name=snippet.get("videoOwnerChannelTitle") or snippet.get("channelTitle"),
        author_id=params.channel_id,
        published_at=_when(published),
        title=snippet.get("title"),
        text=snippet.get("description") or "",
        url=f"https://www.youtube.com/watch?v={video_id}",
        extra={"video_id": video_id},
        owner=True,
    )


def _comments(
    ctx: ExtractContext, params: YoutubeParams, api: _Api, video_id: str
) -> Iterator[Item]:
    """Every comment of the video: top-level ones and all their replies."""
    query = {
        "part": "snippet,replies",
        "videoId": video_id,
        "textFormat": "plainText",
        "maxResults": 100,
    }
    for data in api.pages("commentThreads", query):
        for thread in data.get("items") or []:
            snippet = thread.get("snippet") or {}
            top = snippet.get("topLevelComment") or {}
            if not top.get("id"):
                continue
            yield _comment(ctx, params, video_id, top, parent=None)
            embedded = (thread.get("replies") or {}).get("comments") or []
            total = int(snippet.get("totalReplyCount") or 0)
            if total > len(embedded):
                embedded = list(_replies(api, top["id"]))
            for reply in embedded:
                yield _comment(ctx, params, video_id, reply, parent=top["id"])


def _replies(api: _Api, parent_id: str) -> Iterator[dict[str, Any]]:
    query = {
        "part": "snippet",
        "parentId": parent_id,
        "textFormat": "plainText",
        "maxResults": 100,
    }
    for data in api.pages("comments", query):
        yield from data.get("items") or []


def _comment(
    ctx: ExtractContext,
    params: YoutubeParams,
    video_id: str,
    comment: dict[str, Any],
    *,
    parent: str | None,
) -> Item:
    snippet = comment.get("snippet") or {}
    author_id = (snippet.get("authorChannelId") or {}).get("value")
    comment_id = str(comment["id"])
    return ctx.item(
        platform_id=f"comment:{comment_id}",
        kind="comment",
        post_platform_id=f"video:{video_id}",
        parent_platform_id=f"comment:{parent}" if parent else f"video:{video_id}",
        author_name=snippet.get("authorDisplayName"),
        author_id=author_id,
        published_at=_when(snippet["publishedAt"]),
        text=snippet.get("textDisplay") or snippet.get("textOriginal") or "",
        url=f"https://www.youtube.com/watch?v={video_id}&lc={comment_id}",
        extra={
            "like_count": snippet.get("likeCount"),
            "updated_at": snippet.get("updatedAt"),
        },
        owner=author_id is not None and author_id == params.channel_id,
    )


def _when(value: str) -> datetime:
    """The API's RFC 3339 dates (`2026-01-09T10:30:00Z`, maybe with fractions), in UTC."""
    return to_utc(datetime.fromisoformat(value))
