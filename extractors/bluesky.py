"""Kind `bluesky`: an account's posts and their reply threads, from a Bluesky AppView.

`url` is the AppView's base URL (empty: `https://public.api.bsky.app`, the public one, which
needs no login); `params.actor` the account, as a handle (`boulangerie.bsky.social`, a
leading `@` is allowed) or a DID (`did:plc:...`).

- `app.bsky.actor.getProfile` gives the account's DID and handle;
- `app.bsky.feed.getAuthorFeed` (`filter=posts_no_replies`) lists its posts, newest first,
  paged by `cursor`. Reposts of other accounts' posts are skipped; the account's answers are
  read in the threads they belong to;
- `app.bsky.feed.getPostThread` (`depth`, 10 by default) gives each post's nested
  `replies`: the comments, each one's parent its record's `reply.parent.uri`.

Ids are the AT URIs (`at://did:plc:.../app.bsky.feed.post/<rkey>`), which never change; the
URL is `https://bsky.app/profile/<handle>/post/<rkey>`. The author id is the DID (stable
when a handle changes), the name the display name, else the handle.

Owner: a post or reply whose author's DID is the account's, plus the source's `owners`
(DIDs, handles or display names).

What the thread does not show: replies deleted or from accounts that block (or are blocked
by) the thread's author (`notFoundPost`, `blockedPost`: skipped, with their replies),
replies hidden by the author's thread gate, and replies deeper than `depth`. A thread cut
at `depth` (a post there has replies the answer does not include) is read as far as shown,
with a warning, and is not called complete; every other thread read is
(`ctx.thread_complete`), so replies that disappeared since the last run are marked deleted.

Incremental runs. The cursor: `{"actor": <actor param>, "did": <DID>, "indexed_at": newest
`indexedAt` of a post read, "recent": [URIs of the latest posts, newest first]}`. A run
reads the posts indexed after `indexed_at` (at most `max_posts`; more than that since the
last run is a gap, with a warning) with their threads, then reads again the threads of the
`recheck_posts` latest posts of earlier runs: replies keep arriving after a post has been
read. Older threads are not read again. A cursor for another account is ignored.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import quote

from pydantic import Field, field_validator

from extractors.base import ExtractContext, ExtractorParams, extractor
from extractors.errors import FetchError, SourceError
from extractors.http import is_local
from extractors.pagination import next_token
from extractors.records import Item, to_utc

DEFAULT_APPVIEW = "https://public.api.bsky.app"
POST_VIEW = "app.bsky.feed.defs#threadViewPost"
SKIPPED = {
    "app.bsky.feed.defs#notFoundPost": "deleted or not found",
    "app.bsky.feed.defs#blockedPost": "blocked",
}


class BlueskyParams(ExtractorParams):
    actor: str = Field(description="the account: a handle or a DID")
    max_posts: int = Field(default=100, ge=1, description="posts read per run, at most")
    recheck_posts: int = Field(
        default=20, ge=0, description="latest posts of earlier runs whose replies are re-read"
    )
    per_page: int = Field(default=50, ge=1, le=100, description="posts per page (max 100)")
    depth: int = Field(default=10, ge=1, le=1000, description="reply levels read per thread")

    @field_validator("actor")
    @classmethod
    def _strip_at(cls, value: str) -> str:
        value = value.strip().removeprefix("@")
        if not value:
            raise ValueError("the actor must not be empty")
        return value


@extractor("bluesky", params=BlueskyParams)
def extract_bluesky(ctx: ExtractContext, params: BlueskyParams) -> Iterator[Item]:
    if ctx.source.url and is_local(ctx.source.url):
        raise SourceError(
            ctx.source.id,
            f"{ctx.source.url} is not a web address: kind bluesky reads an AppView's API",
            hint=f"give the AppView's base URL, e.g. {DEFAULT_APPVIEW}",
        )
    api = _Api(ctx, params)
    did = api.profile()
    before = ctx.cursor if ctx.cursor.get("did") == did else {}
    since: str | None = before.get("indexed_at")

    newest = since
    fresh: list[str] = []
    for post in api.feed(since):
        indexed = str(post.get("indexedAt") or "")
        if indexed and (newest is None or _instant(indexed) > _instant(newest)):
            newest = indexed
        uri = str(post["uri"])
        if uri in fresh:
            continue
        yield api.item(post, root=uri, parent=None)
        fresh.append(uri)
        yield from api.thread(uri)

    rechecked = [u for u in before.get("recent", []) if u not in fresh]
    rechecked = rechecked[: max(params.recheck_posts - len(fresh), 0)]
    for uri in rechecked:
        yield from api.thread(uri)

    recent = [*fresh, *(u for u in rechecked if u not in api.gone)][: params.recheck_posts]
    ctx.new_cursor = {"actor": params.actor, "did": did, "indexed_at": newest, "recent": recent}


class _Api:
    """The three XRPC methods read, with errors turned into the source's errors."""

    def __init__(self, ctx: ExtractContext, params: BlueskyParams) -> None:
        self.ctx = ctx
        self.params = params
        self.base = (ctx.source.url or DEFAULT_APPVIEW).rstrip("/")
        self.did = ""
        self.gone: set[str] = set()  # posts deleted since an earlier run

    def xrpc(self, method: str) -> str:
        return f"{self.base}/xrpc/{method}"

    def profile(self) -> str:
        actor = self.params.actor
        try:
            data = self.ctx.http.get(
                self.xrpc("app.bsky.actor.getProfile"), params={"actor": actor}
            ).json()
        except FetchError as exc:
            # the AppView answers 400 `InvalidRequest: Profile not found` (404 behind proxies)
            if exc.status in (400, 404):
                raise SourceError(
                    self.ctx.source.id,
                    f"Bluesky account '{actor}' not found on {self.base}",
                    hint="check params.actor (a handle such as name.bsky.social, or a DID)",
                ) from None
            raise self._error(exc) from None
        if not isinstance(data, dict) or not str(data.get("did", "")).startswith("did:"):
            raise SourceError(
                self.ctx.source.id,
                f"{self.xrpc('app.bsky.actor.getProfile')}: no DID for '{actor}'",
                hint="check that the url is a Bluesky AppView",
            )
        self.did = str(data["did"])
        return self.did

    def feed(self, since: str | None) -> Iterator[dict[str, Any]]:
        """The account's own posts indexed after `since`, newest first, `max_posts` at most."""
        query = {"actor": self.did, "filter": "posts_no_replies", "limit": self.params.per_page}
        pages = next_token(
            self.ctx.http,
            self.xrpc("app.bsky.feed.getAuthorFeed"),
            params=query,
            token_param="cursor",
            token_field="cursor",
        )
        count = 0
        try:
            for page in pages:
                data = page.json()
                entries = data.get("feed") if isinstance(data, dict) else None
                if not isinstance(entries, list):
                    raise SourceError(
                        self.ctx.source.id,
                        f"{page.url}: expected a JSON object with a `feed` list",
                        hint="check that the url is a Bluesky AppView",
                    )
                for entry in entries:
                    post = entry.get("post") if isinstance(entry, dict) else None
                    if not isinstance(post, dict) or not post.get("uri"):
                        continue
                    if (entry.get("reason") or {}).get("$type", "").endswith("#reasonRepost"):
                        continue
                    if (post.get("author") or {}).get("did") != self.did:
                        continue
                    indexed = post.get("indexedAt")
                    if since and indexed and _instant(str(indexed)) <= _instant(since):
                        return
                    if count >= self.params.max_posts:
                        if since:
                            self.ctx.warn(
                                f"more than {self.params.max_posts} new posts since the last "
                                "run: older ones were skipped (raise params.max_posts)"
                            )
                        return
                    count += 1
                    yield post
        except FetchError as exc:
            raise self._error(exc) from None

    def thread(self, uri: str) -> Iterator[Item]:
        """The replies to a post, parents before children; a failure is a warning."""
        url = self.xrpc("app.bsky.feed.getPostThread")
        try:
            data = self.ctx.http.get(url, params={"uri": uri, "depth": self.params.depth}).json()
        except FetchError as exc:
            # a deleted post: 400 `NotFound: Post not found`
            if exc.status in (400, 404):
                self.gone.add(uri)
                self.ctx.warn(f"post {uri} is gone ({url}: HTTP {exc.status})")
            else:
                self.ctx.warn(f"replies of post {uri} skipped: {exc}")
            return
        root = data.get("thread") if isinstance(data, dict) else None
        kind = root.get("$type") if isinstance(root, dict) else None
        if kind in SKIPPED:
            self.gone.add(uri)
            self.ctx.warn(f"post {uri} is {SKIPPED[kind]}")
            return
        if not isinstance(root, dict) or not isinstance(root.get("post"), dict):
            self.ctx.warn(f"replies of post {uri} skipped: {url} gave no thread")
            return
        items: list[Item] = []
        cut = False
        try:
            # depth-first, parents before children, the order of the answer
            stack = [(reply, uri) for reply in reversed(root.get("replies") or [])]
            while stack:
                node, parent = stack.pop()
                if not isinstance(node, dict) or node.get("$type", POST_VIEW) in SKIPPED:
                    continue  # its replies are not shown either
                post = node["post"]
                items.append(self.item(post, root=uri, parent=parent))
                replies = node.get("replies")
                if replies is None and int(post.get("replyCount") or 0) > 0:
                    cut = True
                    continue
                stack.extend((r, str(post["uri"])) for r in reversed(replies or []))
        except (KeyError, TypeError, ValueError) as exc:
            self.ctx.warn(f"replies of post {uri} skipped: unreadable reply: {exc}")
            return
        yield from items
        if cut:
            self.ctx.warn(
                f"the thread of post {uri} goes deeper than {self.params.depth} replies: "
                "read as far as shown, not called complete (raise params.depth)"
            )
        else:
            self.ctx.thread_complete(uri)

    def item(self, post: dict[str, Any], *, root: str, parent: str | None) -> Item:
        """A post (`parent` None) or a reply; the record's own parent wins over the tree's."""
        try:
            record = post.get("record") or {}
            uri = str(post["uri"])
            author = post.get("author") or {}
            did = str(author.get("did") or uri.removeprefix("at://").split("/")[0])
            handle = str(author.get("handle") or "")
            if parent is not None:
                parent = str(((record.get("reply") or {}).get("parent") or {}).get("uri") or parent)
            extra: dict[str, Any] = {"cid": post.get("cid"), "handle": handle or None}
            if record.get("langs"):
                extra["langs"] = record["langs"]
            return self.ctx.item(
                platform_id=uri,
                kind="post" if parent is None else "comment",
                post_platform_id=root,
                parent_platform_id=parent,
                author_name=str(author.get("displayName") or "").strip() or handle or did,
                author_id=did,
                published_at=_published(record, post),
                url=_web_url(uri, handle, did),
                text=str(record.get("text") or ""),
                extra=extra,
                owner=did == self.did,
            )
        except (KeyError, TypeError, ValueError) as exc:
            if parent is not None:
                raise
            raise SourceError(
                self.ctx.source.id,
                f"unreadable post {post.get('uri', '?')} of '{self.params.actor}': "
                f"{type(exc).__name__}: {exc}",
                hint="check that the url is a Bluesky AppView",
            ) from None

    def _error(self, exc: FetchError) -> SourceError:
        if (exc.status is not None and exc.status >= 500) or exc.status == 429:
            hint = "the AppView is failing or busy: the next run tries again"
        elif exc.status is None:
            hint = "the AppView could not be reached, or did not answer JSON"
        else:
            hint = "check that the url is a Bluesky AppView and params.actor the account"
        return SourceError(self.ctx.source.id, str(exc), hint=hint)


def _instant(value: str) -> datetime:
    return to_utc(datetime.fromisoformat(value))


def _published(record: dict[str, Any], post: dict[str, Any]) -> datetime:
    """`createdAt`, written by the author's client; `indexedAt` when it is unreadable."""
    for value in (record.get("createdAt"), post.get("indexedAt")):
        try:
            return _instant(str(value))
        except ValueError:
            continue
    raise ValueError(f"no readable date in post {post.get('uri')}")


def _web_url(uri: str, handle: str, did: str) -> str:
    """`https://bsky.app/profile/<handle>/post/<rkey>` (the DID when the handle is invalid)."""
    rkey = uri.rsplit("/", 1)[-1]
    who = handle if handle and handle != "handle.invalid" else did
    return f"https://bsky.app/profile/{quote(who, safe=':')}/post/{quote(rkey)}"
