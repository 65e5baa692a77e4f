"""The Facebook Graph API, shared by kinds `facebook-page` and `instagram-business`.

`GraphClient` GETs `{source.url}/{api_version}/{path}` through the source's `HttpClient`
(so payloads are recorded and the token masked) with the token as `access_token`, and:

- asks for `suppress_http_code=1`: Graph then answers its errors with HTTP 200 and the
  `{"error": {"code", "message", "type", "error_subcode"}}` body, which the shared client
  would otherwise drop with the 4xx status. Errors become a `GraphError` (a `FetchError`)
  carrying the code, or a `SourceError` when they concern the whole source:
  - 190 (and 102, 463, 467): the token expired or was revoked;
  - 10 and 200-299: a permission is missing;
- waits and retries when Graph throttles ecoute: error codes 4, 17, 32, 613 and
  80001-80014 (Business Use Case limits), and HTTP 429 that outlasted the shared
  client's own retries. The waits double from `throttle_backoff` seconds, capped at
  `MAX_BACKOFF`; a Business Use Case header's `estimated_time_to_regain_access` (minutes)
  is waited for when longer. All the waits of a run together stay under
  `max_throttle_wait`: past it, the source fails with a `SourceError` and the next run
  starts again from the same cursor;
- reads the usage headers (`X-App-Usage`, `X-Page-Usage`, `X-Business-Use-Case-Usage`,
  percentages of the quota used) and pauses `usage_pause` seconds before the next call
  when any reaches `usage_threshold`, so that ecoute slows down before it is throttled;
- follows `paging.next` links (cursor pagination), only on the API's own origin: the token
  is sent nowhere else. A link back to a page already read is an error.

The token is never put in an error: the shared client masks it (raw and URL-encoded) in
errors, recorded payloads and URLs.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urljoin, urlsplit, urlunsplit

from pydantic import Field

from extractors.base import ExtractContext, ExtractorParams
from extractors.dates import iso_to_utc
from extractors.errors import FetchError, SourceError
from extractors.http import Fetched, is_local
from extractors.pagination import MAX_PAGES, header, next_link_in_json
from extractors.records import iso_utc
from extractors.secrets import read_secret

TOKEN_ENV = "ECOUTE_FACEBOOK_TOKEN"
AIRFLOW_CONN = "ecoute_facebook"
DEFAULT_URL = "https://graph.facebook.com"
#: The longest single wait between two tries of a throttled call.
MAX_BACKOFF = 300.0
#: How far before the newest post already read a later run starts reading posts again.
OVERLAP = timedelta(hours=1)

THROTTLE_CODES = frozenset({4, 17, 32, 613, *range(80001, 80015)})
TOKEN_CODES = frozenset({102, 190, 463, 467})
USAGE_HEADERS = ("X-App-Usage", "X-Page-Usage", "X-Business-Use-Case-Usage")
_USAGE_KEYS = ("call_count", "total_time", "total_cputime", "acc_id_util_pct")


class GraphParams(ExtractorParams):
    """What both Graph kinds accept."""

    api_version: str = Field(default="v21.0", pattern=r"^v\d+\.\d+$")
    since_days: int = Field(default=30, ge=1, description="first run: posts this recent")
    recent_days: int = Field(
        default=7,
        ge=0,
        description="later runs: posts this recent are read again, with their whole comment "
        "threads (new and deleted comments); older posts are not revisited",
    )
    max_posts: int | None = Field(default=None, ge=1, description="posts read per run at most")
    page_size: int = Field(default=100, ge=1, le=100, description="records per API page")
    max_throttle_wait: float = Field(
        default=600.0, ge=0, description="seconds a run may wait in all for throttling"
    )
    throttle_backoff: float = Field(
        default=2.0, ge=0, description="first wait when throttled, seconds; doubles"
    )
    usage_threshold: float = Field(
        default=80.0, gt=0, le=100, description="usage percentage at which ecoute slows down"
    )
    usage_pause: float = Field(default=10.0, ge=0, description="seconds, at that usage")


class GraphError(FetchError):
    """An error object from the Graph API, for one call (a thread can be skipped)."""

    def __init__(self, url: str, message: str, *, code: int | None, status: int | None) -> None:
        super().__init__(url, message, status=status)
        self.code = code


@dataclass
class GraphClient:
    ctx: ExtractContext
    params: GraphParams
    token: str
    sleep: Callable[[float], None] = time.sleep
    waited: float = 0.0
    _pause_next: bool = field(default=False, init=False)

    @classmethod
    def for_context(cls, ctx: ExtractContext, params: GraphParams) -> GraphClient:
        """The client of a source: its URL checked, its token read and masked."""
        if is_local(ctx.source.url) or urlsplit(ctx.source.url).scheme not in ("http", "https"):
            raise SourceError(
                ctx.source.id,
                f"{ctx.source.url!r} is not a web address: kind {ctx.source.kind} reads the "
                "Graph API over HTTPS",
                hint=f"set url: {DEFAULT_URL}",
            )
        token = read_secret(ctx, TOKEN_ENV, AIRFLOW_CONN)
        for encoded in (quote(token, safe=""), quote_plus(token)):
            ctx.http.add_secret(encoded)  # as it appears in URLs
        return cls(ctx=ctx, params=params, token=token)

    @property
    def root(self) -> str:
        return self.ctx.source.url.rstrip("/") + "/"

    def url(self, path: str) -> str:
        return urljoin(self.root, f"{self.params.api_version}/{path.lstrip('/')}")

    # --- calls ------------------------------------------------------------------------

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """The JSON of `path` (relative to the version) with `params`."""
        return self._call(self.url(path), dict(params or {})).json()

    def pages(self, path: str, params: dict[str, Any] | None = None) -> Iterator[Any]:
        """Every page of a listing, following `paging.next`, as parsed JSON."""
        url, query = self.url(path), {"limit": self.params.page_size, **(params or {})}
        origin = _origin(url)
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            key = _page_key(url, query)
            if key in seen:
                raise FetchError(
                    self.ctx.http.mask(url), "the next link points back at a page already read"
                )
            seen.add(key)
            data = self._call(url, query).json()
            yield data
            link = next_link_in_json(data)
            if not link:
                return
            link = urljoin(url, link)
            if _origin(link) != origin:
                raise FetchError(
                    self.ctx.http.mask(link),
                    f"a next link leaves {origin}: not followed (the token is sent nowhere else)",
                )
            parts = urlsplit(link)
            url = urlunsplit(parts._replace(query="", fragment=""))
            query = dict(parse_qsl(parts.query, keep_blank_values=True))
        raise FetchError(self.ctx.http.mask(url), f"still more pages after {MAX_PAGES}: stopped")

    def listing(
        self, path: str, query: dict[str, Any], *, limit: int | None, hint: str
    ) -> list[dict[str, Any]]:
        """The records of a source's top listing (posts, media), at most `limit`; a
        failure there fails the source, with `hint` saying what to check."""
        found: list[dict[str, Any]] = []
        try:
            for record in self.records(path, query):
                if limit is not None and len(found) >= limit:
                    break
                found.append(record)
        except FetchError as exc:
            raise SourceError(self.ctx.source.id, str(exc), hint=hint) from None
        return found

    def records(self, path: str, params: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """The `data` records of every page of a listing."""
        for page in self.pages(path, params):
            data = page.get("data") if isinstance(page, dict) else None
            if not isinstance(data, list):
                raise FetchError(self.ctx.http.mask(self.url(path)), "no `data` list in the answer")
            yield from (record for record in data if isinstance(record, dict))

    def _call(self, url: str, query: dict[str, Any]) -> Fetched:
        """One GET, tried again while Graph throttles it and the wait budget lasts."""
        query = {**query, "access_token": self.token, "suppress_http_code": 1}
        attempt = 0
        while True:
            if self._pause_next:
                self._pause_next = False
                self._wait(self.params.usage_pause, required=False)
            try:
                fetched = self.ctx.http.get(url, params=query)
            except FetchError as exc:
                if exc.status != 429:
                    raise
                self._throttled(exc.url, "HTTP 429", attempt, None)
                attempt += 1
                continue
            self._pause_next = self._usage(fetched) >= self.params.usage_threshold
            error = _error_of(fetched)
            if error is None:
                return fetched
            code = _int(error.get("code"))
            text = self._describe(error)
            if code in THROTTLE_CODES:
                self._throttled(self.ctx.http.mask(url), text, attempt, _regain_after(fetched))
                attempt += 1
                continue
            self._raise(url, code, text, fetched.status)

    # --- errors and waits -------------------------------------------------------------

    def _describe(self, error: dict[str, Any]) -> str:
        parts = [f"Graph API error {error.get('code', '?')}"]
        if error.get("error_subcode"):
            parts.append(f"subcode {error['error_subcode']}")
        if error.get("type"):
            parts.append(str(error["type"]))
        message = str(error.get("message") or "no message").strip()
        return self.ctx.http.mask(f"{' / '.join(parts)}: {message}")

    def _raise(self, url: str, code: int | None, text: str, status: int) -> None:
        source = self.ctx.source.id
        if code in TOKEN_CODES:
            raise SourceError(
                source,
                f"the access token was refused ({text})",
                hint=f"it has expired or was revoked: generate a new long-lived token and set "
                f"{TOKEN_ENV} (or the Airflow connection '{AIRFLOW_CONN}')",
            )
        if code == 10 or (code is not None and 200 <= code < 300):
            raise SourceError(
                source,
                f"permission missing ({text})",
                hint="the token needs pages_read_engagement and pages_read_user_content "
                "(Instagram: instagram_basic and instagram_manage_comments) on this account",
            )
        raise GraphError(self.ctx.http.mask(url), text, code=code, status=status)

    def _throttled(self, url: str, what: str, attempt: int, regain: float | None) -> None:
        wait = min(self.params.throttle_backoff * 2**attempt, MAX_BACKOFF)
        if regain is not None:
            wait = max(wait, min(regain, MAX_BACKOFF))
        if not self._wait(wait, required=True):
            raise SourceError(
                self.ctx.source.id,
                f"{url}: throttled by the Graph API ({what}); gave up after waiting "
                f"{self.waited:.0f} s in all",
                hint="the next run starts again from the same point; raise "
                "params.max_throttle_wait or run this source less often",
            )

    def _wait(self, seconds: float, *, required: bool) -> bool:
        """Sleep `seconds` if the run's budget allows; else False (nothing slept)."""
        left = self.params.max_throttle_wait - self.waited
        if seconds > left:
            if required:
                return False
            seconds = max(left, 0.0)
        if seconds > 0:
            self.sleep(seconds)
            self.waited += seconds
        return True

    def _usage(self, fetched: Fetched) -> float:
        """The highest usage percentage the response's headers report (0 if none)."""
        highest = 0.0
        for name in USAGE_HEADERS:
            value = header(fetched, name)
            if value:
                try:
                    highest = max(highest, _highest_percentage(json.loads(value)))
                except (ValueError, RecursionError):  # not JSON, or absurdly nested
                    continue
        return highest


# --- helpers ------------------------------------------------------------------------


def _error_of(fetched: Fetched) -> dict[str, Any] | None:
    data = fetched.json()
    if isinstance(data, dict) and isinstance(data.get("error"), dict):
        return data["error"]
    return None


def _highest_percentage(value: Any) -> float:
    """The largest of the usage numbers anywhere in a usage header's JSON."""
    if isinstance(value, list):
        return max((_highest_percentage(v) for v in value), default=0.0)
    if not isinstance(value, dict):
        return 0.0
    found = [float(v) for k, v in value.items() if k in _USAGE_KEYS and _number(v)]
    found += [_highest_percentage(v) for v in value.values() if isinstance(v, dict | list)]
    return max(found, default=0.0)


def _regain_after(fetched: Fetched) -> float | None:
    """Seconds until access comes back, from a Business Use Case header, if it says."""
    value = header(fetched, "X-Business-Use-Case-Usage")
    if not value:
        return None
    try:
        usage = json.loads(value)
    except (ValueError, RecursionError):
        return None
    minutes = [
        float(entry["estimated_time_to_regain_access"])
        for entries in (usage.values() if isinstance(usage, dict) else [])
        if isinstance(entries, list)
        for entry in entries
        if isinstance(entry, dict) and _number(entry.get("estimated_time_to_regain_access"))
    ]
    return max(minutes) * 60 if minutes and max(minutes) > 0 else None


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _page_key(url: str, query: dict[str, Any]) -> str:
    kept = sorted((k, str(v)) for k, v in query.items() if k != "access_token")
    return url + "?" + "&".join(f"{k}={v}" for k, v in kept)


graph_time = iso_to_utc  # Graph's `2026-01-09T10:30:00+0000`


# --- dates and cursors --------------------------------------------------------------


def read_since(ctx: ExtractContext, params: GraphParams, newest: datetime | None) -> datetime:
    """Where this run starts reading posts: `since_days` back on a first run; later, the
    older of the newest post read less `OVERLAP` and `recent_days` back."""
    if newest is None:
        return ctx.fetched_at - timedelta(days=params.since_days)
    return min(newest - OVERLAP, ctx.fetched_at - timedelta(days=params.recent_days))


def cursor_time(cursor: dict[str, Any], key: str) -> datetime | None:
    return graph_time(cursor.get(key))


def newest(a: datetime | None, b: datetime | None) -> datetime | None:
    return max(a, b) if a and b else a or b


def iso(value: datetime | None) -> str | None:
    return iso_utc(value) if value else None
