"""The shared, polite HTTP client every extractor uses.

What lives here so that no extractor writes it again:

- a User-Agent naming ecoute, connect/read timeouts, at most `max_redirects` redirects;
- retries with exponential backoff and jitter on connection errors, 429 and 5xx, honouring
  `Retry-After` in seconds or as an HTTP date (urllib3's `Retry` does the arithmetic; a
  server asking for more than `max_retry_after` seconds is waited for that long at most);
- a per-host rate limit (`min_interval` seconds between two requests to one host);
- conditional GET: the ETag / Last-Modified of every URL fetched with `conditional=True` is
  kept in `validators`, which the pipeline stores in the source's cursor, so that the next
  run's request for an unchanged URL gets a `304` and costs nothing;
- robots.txt honoured (protego) for pages that are scraped (`robots=True`);
- a response size cap, counted on the decoded bytes while they stream, gzip and deflate
  decoded here in bounded steps so a decompression bomb stops at the cap;
- local files for offline sources, only when the source itself is a path, read
  conditionally too: a file whose size and modification time (or, when those changed,
  whose content) are those of the last run comes back as `not_modified`, unread;
- only public addresses, and links only on the source's own site (`extractors.netguard`).

Every payload is handed to `recorder`, which the pipeline points at the landing zone: raw
data is kept before anything is parsed. A 304 is recorded as the answer it is; a local file
that did not change is not (it was not read: an unchanged night on local files lands
nothing).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit
from urllib.request import url2pathname

import requests
import urllib3
from protego import Protego
from pydantic import BaseModel, ConfigDict, Field
from urllib3.util.retry import Retry

from extractors.errors import FetchError
from extractors.netguard import AddressPolicy, AddressRefused, GuardedAdapter, same_site

USER_AGENT = "ecoute/0.1 (social-listening pipeline; +https://github.com/ecoute-dev/ecoute)"
RETRY_STATUSES = (429, 500, 502, 503, 504)
#: `1`: `http.allow_loopback` defaults to true (tests, local development).
ALLOW_LOOPBACK_ENV = "ECOUTE_HTTP_ALLOW_LOOPBACK"
_CHUNK = 64 * 1024
#: A local file written less than this long before it was read may still change within
#: the same mtime tick (coarse file system clocks): its `stat` is not trusted next time.
RACY_SECONDS = 2

#: What to do about a status, said in the error.
_STATUS_HINTS = {
    401: "the server wants credentials: check the URL or the source's access",
    403: "the server refuses ecoute: check the URL, or ask the site to allow the crawler",
    404: "check the URL in sources.yml",
    410: "the page is gone: remove or fix the source",
    429: "the site rate-limits ecoute: raise http.min_interval for this source",
}


class HttpSettings(BaseModel):
    """The `http:` block of sources.yml (global, and per source to override)."""

    model_config = ConfigDict(extra="forbid")

    timeout: float = Field(default=30.0, gt=0, description="read timeout, seconds")
    connect_timeout: float = Field(default=10.0, gt=0)
    retries: int = Field(default=3, ge=0, le=10)
    backoff_factor: float = Field(default=0.5, ge=0)
    max_retry_after: float = Field(default=120.0, ge=0)
    min_interval: float = Field(default=1.0, ge=0, description="seconds between requests/host")
    max_bytes: int = Field(default=20 * 1024 * 1024, gt=0)
    max_redirects: int = Field(default=5, ge=0)
    allow_loopback: bool = Field(
        default_factory=lambda: os.environ.get(ALLOW_LOOPBACK_ENV) == "1",
        description="connect to this machine (127.0.0.1, ::1); default: the environment",
    )
    allow_private: bool = Field(
        default=False, description="connect to private and link-local networks (an intranet)"
    )


@dataclass(frozen=True)
class Fetched:
    """A payload as it arrived: the final URL, status, headers and (decoded) bytes.

    `not_modified` is a 304 answer to a conditional request: there is no content, and
    whatever the URL said last time is already in the warehouse.
    """

    url: str
    status: int
    headers: dict[str, str]
    content: bytes

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    def json(self) -> Any:
        try:
            return json.loads(self.content)
        except ValueError as exc:
            raise FetchError(self.url, f"invalid JSON: {exc}") from None
        except RecursionError:  # `[[[[...` a hundred thousand deep
            raise FetchError(self.url, "invalid JSON: nested too deeply to be read") from None


Recorder = Callable[[Fetched], None]


def is_local(url: str) -> bool:
    """A path or a `file:` URL, as opposed to something fetched over HTTP."""
    scheme = urlsplit(url).scheme
    return scheme == "file" or scheme == "" or len(scheme) == 1  # `C:\...` on Windows


def local_path(url: str) -> Path:
    parts = urlsplit(url)
    return Path(url2pathname(parts.path)) if parts.scheme == "file" else Path(url)


def with_params(url: str, params: dict[str, Any] | None) -> str:
    """The URL a request with `params` goes to: the key of its conditional-GET state."""
    if not params:
        return url
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode(params, doseq=True)) if q)
    return urlunsplit(parts._replace(query=query))


class _CappedRetry(Retry):
    """urllib3's Retry, but a server asking to wait an hour is waited for a bounded time."""

    max_retry_after: float = 120.0

    def get_retry_after(self, response: Any) -> float | None:
        wait = super().get_retry_after(response)
        return None if wait is None else min(wait, self.max_retry_after)


@dataclass
class HttpClient:
    """GET with politeness built in; see the module docstring.

    `validators` maps a URL to its last `{"etag": ..., "last_modified": ...}` (a local
    file's: `{"stat": ..., "sha256": ...}`); pass the stored ones in, read the updated ones
    out after extraction.

    `site` is the source's URL: links elsewhere are refused unless `allow_site` was told
    of them (empty: any site, for a client that serves no source).
    """

    settings: HttpSettings = field(default_factory=HttpSettings)
    allow_local_files: bool = False
    recorder: Recorder | None = None
    validators: dict[str, dict[str, str]] = field(default_factory=dict)
    session: requests.Session = field(default_factory=requests.Session)
    secrets: set[str] = field(default_factory=set)
    site: str | None = None
    _other_sites: list[str] = field(default_factory=list, init=False)
    _last_request: dict[str, float] = field(default_factory=dict, init=False)
    _requested: set[str] = field(default_factory=set, init=False)
    _robots: dict[str, Protego | None] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        s = self.settings
        retry = _CappedRetry(
            total=s.retries,
            connect=s.retries,
            read=s.retries,
            status=s.retries,
            redirect=s.max_redirects,
            backoff_factor=s.backoff_factor,
            backoff_jitter=s.backoff_factor / 2,
            backoff_max=60,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=frozenset({"GET", "HEAD"}),
            respect_retry_after_header=True,
            raise_on_status=False,
        )
        retry.max_retry_after = s.max_retry_after
        policy = AddressPolicy(allow_loopback=s.allow_loopback, allow_private=s.allow_private)
        adapter = GuardedAdapter(policy, max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.max_redirects = s.max_redirects
        self.session.headers["User-Agent"] = USER_AGENT
        # Only what _decode() reads in bounded steps: no brotli/zstd surprises.
        self.session.headers["Accept-Encoding"] = "gzip, deflate"

    def get(
        self,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        conditional: bool = False,
        robots: bool = False,
    ) -> Fetched:
        """GET `url`. `conditional`: send the stored validators, a 304 comes back as
        `not_modified`. `robots`: refuse what the site's robots.txt disallows.

        The extractor gets the payload as it came; errors, the recorder (landing zone)
        and the stored validators only ever see it with the `secrets` masked."""
        try:
            self._check_site(url)
            if is_local(url):
                fetched = self._read_file(url, conditional)
            else:
                full_url = with_params(url, params)
                if robots:
                    self._check_robots(full_url)
                fetched = self._get_http(full_url, conditional)
        except FetchError as exc:
            body = exc.body
            for secret in self.secrets:
                body = body.replace(secret.encode(), b"***")
            raise FetchError(
                self.mask(exc.url), self.mask(exc.reason), status=exc.status, body=body
            ) from None
        if self.recorder is not None and not (fetched.not_modified and is_local(url)):
            self.recorder(self._masked(fetched))
        return fetched

    def allow_site(self, url: str) -> None:
        """A URL the configuration names besides the source's: its site may be fetched."""
        if not is_local(url):
            self._other_sites.append(url)

    def _check_site(self, url: str) -> None:
        if is_local(url):
            return  # allow_local_files decides
        if urlsplit(url).scheme not in ("http", "https"):
            raise FetchError(url, "not fetched: not an http or https URL")
        if not self.site:  # a kind whose url may be left out has a default API host
            return
        sites = [self.site, *self._other_sites]
        if not any(not is_local(site) and same_site(url, site) for site in sites):
            site = "local files" if is_local(self.site) else urlsplit(self.site).netloc
            raise FetchError(
                url,
                f"not fetched: off the source's site ({site}); ecoute follows links on the "
                "source's own site only",
            )

    def add_secret(self, value: str) -> None:
        """A token or key that must never be written anywhere (errors, landing, cursor)."""
        if value:
            self.secrets.add(value)

    def mask(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text

    def _masked(self, fetched: Fetched) -> Fetched:
        if not self.secrets:
            return fetched
        content = fetched.content
        for secret in self.secrets:
            content = content.replace(secret.encode(), b"***")
        return Fetched(
            url=self.mask(fetched.url),
            status=fetched.status,
            headers={k: self.mask(v) for k, v in fetched.headers.items()},
            content=content,
        )

    # --- local files ----------------------------------------------------------------

    def _read_file(self, url: str, conditional: bool) -> Fetched:
        """The file's bytes; with `conditional`, a 304 when it did not change.

        The file's validators are its size and mtime (`stat`), and a hash of its content:
        an unchanged `stat` answers without reading the file; a changed one (a `touch`, a
        copy, a checkout) reads it, and identical content is still a 304. A `stat` taken
        within `RACY_SECONDS` of the file's last write is not kept: a second write in the
        same tick of the file system's clock, with the same size, would look unchanged
        (git's "racy" files)."""
        if not self.allow_local_files:
            raise FetchError(url, "local files are only read for sources configured as paths")
        path = local_path(url)
        key = self.mask(url)
        known = self.validators.get(key, {}) if conditional else {}
        try:
            stat = path.stat()
            if stat.st_size > self.settings.max_bytes:
                raise FetchError(url, f"file is {stat.st_size} bytes, over the {self._cap} cap")
            stamp = f"{stat.st_mtime_ns}:{stat.st_size}"
            if conditional:
                self._requested.add(key)
            if known.get("stat") == stamp:
                return Fetched(url=str(path), status=304, headers={}, content=b"")
            content = path.read_bytes()
        except OSError as exc:
            raise FetchError(url, f"cannot read file: {exc.strerror or exc}") from None
        if not conditional:
            return Fetched(url=str(path), status=200, headers={}, content=content)
        digest = hashlib.sha256(content).hexdigest()[:32]
        settled = time.time_ns() - stat.st_mtime_ns > RACY_SECONDS * 1_000_000_000
        self.validators[key] = {"sha256": digest, **({"stat": stamp} if settled else {})}
        if known.get("sha256") == digest:
            return Fetched(url=str(path), status=304, headers={}, content=b"")
        return Fetched(url=str(path), status=200, headers={}, content=content)

    # --- HTTP -----------------------------------------------------------------------

    @property
    def _cap(self) -> str:
        return f"{self.settings.max_bytes / 1_000_000:g} MB"

    def _wait_for_host(self, url: str) -> None:
        host = urlsplit(url).netloc
        last = self._last_request.get(host)
        if last is not None:
            delay = self.settings.min_interval - (time.monotonic() - last)
            if delay > 0:
                time.sleep(delay)
        self._last_request[host] = time.monotonic()

    def current_validators(self) -> dict[str, dict[str, str]]:
        """Validators of the URLs requested by this client: what the next run needs."""
        return {url: v for url, v in self.validators.items() if url in self._requested}

    def _conditional_headers(self, url: str) -> dict[str, str]:
        url = self.mask(url)
        self._requested.add(url)
        known = self.validators.get(url, {})
        headers = {}
        if known.get("etag"):
            headers["If-None-Match"] = known["etag"]
        if known.get("last_modified"):
            headers["If-Modified-Since"] = known["last_modified"]
        return headers

    def _remember(self, url: str, resp: requests.Response) -> None:
        found = {
            "etag": resp.headers.get("ETag"),
            "last_modified": resp.headers.get("Last-Modified"),
        }
        kept = {k: v for k, v in found.items() if v}
        if kept:
            self.validators[self.mask(url)] = kept

    def _get_http(self, url: str, conditional: bool) -> Fetched:
        headers = self._conditional_headers(url) if conditional else {}
        timeout = (self.settings.connect_timeout, self.settings.timeout)
        self._wait_for_host(url)
        try:
            with self.session.get(url, headers=headers, timeout=timeout, stream=True) as resp:
                if resp.status_code == 304:
                    return Fetched(
                        url=resp.url, status=304, headers=dict(resp.headers), content=b""
                    )
                if resp.status_code >= 400:
                    hint = _STATUS_HINTS.get(resp.status_code)
                    after = " after retries" if resp.status_code in RETRY_STATUSES else ""
                    message = f"HTTP {resp.status_code}{after}" + (f" ({hint})" if hint else "")
                    body = self._error_body(url, resp)
                    raise FetchError(url, message, status=resp.status_code, body=body)
                content = self._read_capped(url, resp)
                if conditional:
                    self._remember(url, resp)
                return Fetched(
                    url=resp.url,
                    status=resp.status_code,
                    headers=dict(resp.headers),
                    content=content,
                )
        except AddressRefused as exc:
            raise FetchError(url, str(exc)) from None
        except (urllib3.exceptions.HTTPError, requests.exceptions.ChunkedEncodingError) as exc:
            raise FetchError(url, f"connection broken while reading: {_root_cause(exc)}") from None
        except requests.exceptions.TooManyRedirects:
            raise FetchError(url, f"more than {self.settings.max_redirects} redirects") from None
        except requests.exceptions.RetryError as exc:
            raise FetchError(url, f"gave up after {self.settings.retries} retries: {exc}") from None
        except (requests.exceptions.Timeout, requests.exceptions.ConnectionError) as exc:
            raise FetchError(url, self._connection_failure(exc)) from None
        except requests.exceptions.RequestException as exc:  # a URL requests cannot send
            raise FetchError(url, f"request failed: {_root_cause(exc)}") from None

    def _connection_failure(self, exc: requests.exceptions.RequestException) -> str:
        """What went wrong, timeouts named as such: once retries are spent, requests
        reports a read timeout as a `ConnectionError` around urllib3's `MaxRetryError`."""
        cause = exc.args[0] if exc.args else exc
        cause = getattr(cause, "reason", cause)  # MaxRetryError: the last try's error
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            return (
                f"no connection within {self.settings.connect_timeout:g} s (the site is "
                "down or unreachable: the next run tries again)"
            )
        if isinstance(exc, requests.exceptions.Timeout) or isinstance(
            cause, urllib3.exceptions.ReadTimeoutError
        ):
            return (
                f"timed out after {self.settings.timeout:g} s (raise http.timeout if the "
                "site is just slow)"
            )
        return f"connection failed: {_root_cause(exc)}"

    def _error_body(self, url: str, resp: requests.Response) -> bytes:
        """At most 64 KB of an error answer (decoded, bounded like any body)."""
        decoder = _decoder(resp.headers.get("Content-Encoding", ""))
        raw = next(resp.raw.stream(_CHUNK, decode_content=False), b"")
        try:
            return b"".join(_decode(decoder, raw, _CHUNK, url))[:_CHUNK]
        except FetchError:
            return b""

    def _read_capped(self, url: str, resp: requests.Response) -> bytes:
        """The body, decoded, refused as soon as it passes the cap (declared or actual)."""
        cap = self.settings.max_bytes
        declared = resp.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > cap:
            raise FetchError(url, f"response is {declared} bytes, over the {self._cap} cap")
        decoder = _decoder(resp.headers.get("Content-Encoding", ""))
        chunks: list[bytes] = []
        total = 0
        for raw in resp.raw.stream(_CHUNK, decode_content=False):
            for piece in _decode(decoder, raw, cap - total + 1, url):
                total += len(piece)
                if total > cap:
                    raise FetchError(url, f"response exceeds the {self._cap} cap (decoded)")
                chunks.append(piece)
        if decoder is not None:
            chunks.append(decoder.flush())
        return b"".join(chunks)

    # --- robots.txt -----------------------------------------------------------------

    def _check_robots(self, url: str) -> None:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            self._robots[origin] = self._fetch_robots(origin)
        rules = self._robots[origin]
        if rules is not None and not rules.can_fetch(url, USER_AGENT):
            raise FetchError(
                url,
                "disallowed by the site's robots.txt (ecoute does not fetch it; ask the "
                "site or use its feed)",
            )

    def _fetch_robots(self, origin: str) -> Protego | None:
        """The site's rules; None (everything allowed) when it has no robots.txt."""
        try:
            fetched = self._get_http(f"{origin}/robots.txt", conditional=False)
        except FetchError as exc:
            if exc.status is not None and 400 <= exc.status < 500:
                return None
            raise FetchError(
                f"{origin}/robots.txt", f"robots.txt unreadable, page not fetched: {exc.message}"
            ) from None
        return Protego.parse(fetched.content.decode("utf-8", errors="replace"))


def _decoder(encoding: str) -> Any:
    encoding = encoding.strip().lower()
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return zlib.decompressobj()
    return None


def _decode(decoder: Any, data: bytes, limit: int, url: str) -> Iterator[bytes]:
    """Decompress `data` in pieces of at most `limit` bytes, lazily: the caller stops
    reading at the cap, so a decompression bomb never expands in memory."""
    if decoder is None:
        yield data
        return
    try:
        yield decoder.decompress(data, limit)
        while decoder.unconsumed_tail:
            yield decoder.decompress(decoder.unconsumed_tail, limit)
    except zlib.error as exc:
        raise FetchError(url, f"corrupt compressed response: {exc}") from None


def _root_cause(exc: BaseException) -> str:
    while exc.__cause__ is not None or exc.__context__ is not None:
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return str(exc) or type(exc).__name__
