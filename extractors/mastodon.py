"""Kind `mastodon`: an account's statuses and their reply threads, from a Mastodon instance.

`url` is the instance's base URL (`https://piaille.fr`); `params.account` the account, as
`boulangerie@piaille.fr` or `boulangerie` (a leading `@` is allowed). No token: ecoute
reads the public API as any visitor does.

- `/api/v1/accounts/lookup?acct=` gives the account's id on that instance;
- `/api/v1/accounts/:id/statuses` lists its statuses, newest first, paged by the `Link`
  header (`max_id`). Replies are left out (`exclude_replies`): the account's answers are read
  in the threads they belong to. Reblogs are left out too unless `exclude_reblogs` is false;
  a reblog is then read as the status it boosts, with `extra.reblogged_at`;
- `/api/v1/statuses/:id/context` gives each status's `descendants`: the comments, threaded
  through `in_reply_to_id` (a reply to the status itself has the status as its parent).

Ids are the instance's status ids, `status:<id>`: a Mastodon id is stable on its instance
(another instance numbers the same remote reply differently, so keep one instance per
account). The author id is the full address `user@domain` (a local account's `acct` has no
domain: its profile URL's is added), the name the display name (else the address).

Owner: a status or reply by the account itself (its id is the looked-up one), plus the
source's `owners` (addresses or display names).

What a visitor cannot see, and ecoute therefore cannot either: replies that are not public
(followers-only, mentioned-only; unlisted ones are shown), replies from servers this
instance does not federate with or has not received, and replies to a hidden reply.
Mastodon also caps a visitor's context at 60 descendants (20 levels deep): a thread that
reaches the cap is read as far as shown, with a warning, and is not called complete.
Otherwise every thread read is complete (`ctx.thread_complete`), so replies deleted since
the last run are marked deleted.

Incremental runs. The cursor: `{"account": <account param>, "account_id": <id>, "since_id":
newest status id read, "recent": [root status ids of the latest posts, newest first]}`. A
run reads the statuses newer than `since_id` (at most `max_statuses`; more than that since
the last run is a gap, with a warning) with their threads, then reads again the threads of
the `recheck_posts` latest posts of earlier runs: replies keep arriving after a status has
been read. Older threads are not read again. A cursor for another account is ignored.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

from pydantic import Field, field_validator

from extractors.base import ExtractContext, ExtractorParams, extractor
from extractors.errors import FetchError, SourceError
from extractors.http import is_local
from extractors.pagination import next_url
from extractors.records import Item, to_utc
from extractors.text import html_to_text

#: A visitor's context shows at most this many descendants (Mastodon's DESCENDANTS_LIMIT).
VISITOR_DESCENDANTS_LIMIT = 60


class MastodonParams(ExtractorParams):
    account: str = Field(description="the account, `name@instance` or `name`")
    max_statuses: int = Field(default=100, ge=1, description="statuses read per run, at most")
    exclude_reblogs: bool = True
    recheck_posts: int = Field(
        default=20, ge=0, description="latest posts of earlier runs whose replies are re-read"
    )
    per_page: int = Field(default=40, ge=1, le=40, description="statuses per page (max 40)")

    @field_validator("account")
    @classmethod
    def _strip_at(cls, value: str) -> str:
        value = value.strip().removeprefix("@")
        if not value:
            raise ValueError("the account must not be empty")
        return value


@extractor("mastodon", params=MastodonParams)
def extract_mastodon(ctx: ExtractContext, params: MastodonParams) -> Iterator[Item]:
    if is_local(ctx.source.url):
        raise SourceError(
            ctx.source.id,
            f"{ctx.source.url} is not a web address: kind mastodon reads an instance's API",
            hint="give the instance's base URL, e.g. https://piaille.fr",
        )
    api = _Api(ctx, params)
    account_id = api.lookup()
    before = ctx.cursor if ctx.cursor.get("account_id") == account_id else {}
    since_id = before.get("since_id")

    newest: str | None = since_id
    fresh: list[str] = []  # root status ids of the posts read this run, newest first
    for status in api.statuses(since_id):
        newest = _max_id(newest, str(status["id"]))
        root = status.get("reblog") if isinstance(status.get("reblog"), dict) else status
        root_id = str(root["id"])
        if root_id in fresh:
            continue  # the same status boosted twice
        extra = {} if root is status else {"reblogged_at": status.get("created_at")}
        yield api.post(root, extra)
        fresh.append(root_id)
        yield from api.thread(root_id)

    rechecked = [r for r in before.get("recent", []) if r not in fresh]
    rechecked = rechecked[: max(params.recheck_posts - len(fresh), 0)]
    for root_id in rechecked:
        yield from api.thread(root_id)

    recent = [*fresh, *(r for r in rechecked if r not in api.gone)][: params.recheck_posts]
    ctx.new_cursor = {
        "account": params.account,
        "account_id": account_id,
        "since_id": newest,
        "recent": recent,
    }


class _Api:
    """The few endpoints read, with errors turned into the source's errors."""

    def __init__(self, ctx: ExtractContext, params: MastodonParams) -> None:
        self.ctx = ctx
        self.params = params
        self.base = ctx.source.url.rstrip("/")
        self.domain = urlsplit(self.base).hostname or ""
        self.account_id = ""
        self.gone: set[str] = set()  # root statuses deleted since an earlier run

    def lookup(self) -> str:
        account = self.params.account
        try:
            data = self.ctx.http.get(
                f"{self.base}/api/v1/accounts/lookup", params={"acct": account}
            ).json()
        except FetchError as exc:
            if exc.status in (404, 410):
                raise SourceError(
                    self.ctx.source.id,
                    f"Mastodon account '{account}' not found on {self.base}",
                    hint="check params.account (name@instance) and that the url is the "
                    "instance that knows it",
                ) from None
            raise self._error(exc) from None
        if not isinstance(data, dict) or not data.get("id"):
            raise SourceError(
                self.ctx.source.id,
                f"{self.base}/api/v1/accounts/lookup: no account id for '{account}'",
                hint="check that the url is a Mastodon instance",
            )
        self.account_id = str(data["id"])
        return self.account_id

    def statuses(self, since_id: str | None) -> Iterator[dict[str, Any]]:
        """The account's statuses newer than `since_id`, newest first, `max_statuses` at
        most. Mastodon's next links drop `since_id`: the listing stops at it here."""
        query: dict[str, Any] = {
            "limit": self.params.per_page,
            "exclude_replies": "true",
            "exclude_reblogs": "true" if self.params.exclude_reblogs else "false",
        }
        if since_id:
            query["since_id"] = since_id
        url = f"{self.base}/api/v1/accounts/{quote(self.account_id)}/statuses"
        count = 0
        try:
            for page in next_url(self.ctx.http, url, params=query, next_in_body=None):
                data = page.json()
                if not isinstance(data, list):
                    raise SourceError(
                        self.ctx.source.id,
                        f"{page.url}: expected a JSON list of statuses",
                        hint="check that the url is a Mastodon instance",
                    )
                for status in data:
                    if since_id and not _newer(str(status.get("id", "")), since_id):
                        return
                    if count >= self.params.max_statuses:
                        if since_id:
                            self.ctx.warn(
                                f"more than {self.params.max_statuses} new statuses since the "
                                "last run: older ones were skipped (raise params.max_statuses)"
                            )
                        return
                    count += 1
                    yield status
        except FetchError as exc:
            raise self._error(exc) from None

    def post(self, status: dict[str, Any], extra: dict[str, Any]) -> Item:
        try:
            return _status_item(
                self.ctx, self, status, root_id=str(status["id"]), parent_id=None, extra=extra
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise SourceError(
                self.ctx.source.id,
                f"unreadable status {status.get('id', '?')} of '{self.params.account}': "
                f"{type(exc).__name__}: {exc}",
                hint="check that the url is a Mastodon instance",
            ) from None

    def thread(self, root_id: str) -> Iterator[Item]:
        """The replies to a status, parents before children; a failure is a warning."""
        url = f"{self.base}/api/v1/statuses/{quote(root_id)}/context"
        try:
            data = self.ctx.http.get(url).json()
        except FetchError as exc:
            if exc.status in (404, 410):
                self.gone.add(root_id)
                self.ctx.warn(f"status {root_id} is gone ({url}: HTTP {exc.status})")
            else:
                self.ctx.warn(f"replies of status {root_id} skipped: {exc}")
            return
        descendants = data.get("descendants") if isinstance(data, dict) else None
        if not isinstance(descendants, list):
            self.ctx.warn(f"replies of status {root_id} skipped: {url} has no descendants")
            return
        try:
            items = [
                _status_item(
                    self.ctx,
                    self,
                    reply,
                    root_id=root_id,
                    parent_id=str(reply.get("in_reply_to_id") or root_id),
                )
                for reply in descendants
            ]
        except (KeyError, TypeError, ValueError) as exc:
            self.ctx.warn(f"replies of status {root_id} skipped: {url}: unreadable reply: {exc}")
            return
        yield from items
        if len(descendants) >= VISITOR_DESCENDANTS_LIMIT:
            self.ctx.warn(
                f"status {root_id} shows {len(descendants)} replies, Mastodon's limit for "
                "visitors: later replies are not seen and the thread is not called complete"
            )
        else:
            self.ctx.thread_complete(f"status:{root_id}")

    def _error(self, exc: FetchError) -> SourceError:
        if (exc.status is not None and exc.status >= 500) or exc.status == 429:
            hint = "the instance is failing or busy: the next run tries again"
        elif exc.status in (401, 403):
            hint = "the instance hides this account from visitors (authorized fetch, or blocked)"
        elif exc.status is None:
            hint = "the instance could not be reached, or did not answer JSON"
        else:
            hint = "check that the url is a Mastodon instance"
        return SourceError(self.ctx.source.id, str(exc), hint=hint)

    def address(self, account: dict[str, Any]) -> str:
        """`user@domain`: a local account's `acct` has no domain, its profile URL has."""
        acct = str(account.get("acct") or account.get("username") or "")
        if "@" in acct:
            return acct
        return f"{acct}@{urlsplit(str(account.get('url') or '')).hostname or self.domain}"


def _status_item(
    ctx: ExtractContext,
    api: _Api,
    status: dict[str, Any],
    *,
    root_id: str,
    parent_id: str | None,
    extra: dict[str, Any] | None = None,
) -> Item:
    status_id = str(status["id"])
    account = status.get("account") or {}
    address = api.address(account)
    extra = {"mastodon_id": status_id, **(extra or {})}
    if status.get("visibility") not in (None, "public"):
        extra["visibility"] = status["visibility"]
    if status.get("edited_at"):
        extra["edited_at"] = status["edited_at"]
    spoiler = html_to_text(str(status.get("spoiler_text") or ""))
    return ctx.item(
        platform_id=f"status:{status_id}",
        kind="post" if parent_id is None else "comment",
        post_platform_id=f"status:{root_id}",
        parent_platform_id=f"status:{parent_id}" if parent_id else None,
        author_name=str(account.get("display_name") or "").strip() or address,
        author_id=address,
        published_at=to_utc(datetime.fromisoformat(str(status["created_at"]))),
        url=status.get("url") or status.get("uri"),
        title=spoiler or None,
        text=html_to_text(str(status.get("content") or "")),
        extra=extra,
        owner=str(account.get("id")) == api.account_id,
    )


def _newer(a: str, b: str) -> bool:
    """Mastodon ids are decimal strings that grow with time (compare them as numbers)."""
    if a.isdigit() and b.isdigit():
        return int(a) > int(b)
    return (len(a), a) > (len(b), b)


def _max_id(a: str | None, b: str) -> str:
    return b if a is None or _newer(b, a) else a
