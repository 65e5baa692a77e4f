"""The shared, polite HTTP client every extractor uses.

What lives here so that no extractor writes it again: a clear User-Agent, connect/read
timeouts, retries with exponential backoff and jitter on connection errors, 429 and 5xx
that honour `Retry-After` (urllib3's `Retry` does the arithmetic), a response size cap,
and local files for offline sources. Every payload is handed to `recorder`, which the
pipeline points at the landing zone: raw data is kept before anything is parsed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from extractors.errors import FetchError

USER_AGENT = "ecoute/0.1 (social-listening pipeline; +https://github.com/ecoute-dev/ecoute)"
RETRY_STATUSES = (429, 500, 502, 503, 504)


@dataclass(frozen=True)
class Fetched:
    """A payload as it arrived: the final URL, status, headers and raw bytes."""

    url: str
    status: int
    headers: dict[str, str]
    content: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.content)
        except ValueError as exc:
            raise FetchError(self.url, f"invalid JSON: {exc}") from None


Recorder = Callable[[Fetched], None]


def is_local(url: str) -> bool:
    """A path or a `file:` URL, as opposed to something fetched over HTTP."""
    scheme = urlsplit(url).scheme
    return scheme == "file" or scheme == "" or len(scheme) == 1  # `C:\...` on Windows


def local_path(url: str) -> Path:
    parts = urlsplit(url)
    return Path(url2pathname(parts.path)) if parts.scheme == "file" else Path(url)


@dataclass
class HttpClient:
    """GET with timeouts, retries and a size cap; reads local files only when allowed.

    `allow_local_files` is set for sources configured with a local path, and only for
    them: a remote feed must never make ecoute read `file:///etc/passwd`.
    """

    timeout: tuple[float, float] = (10.0, 30.0)
    retries: int = 3
    backoff_factor: float = 0.5
    max_bytes: int = 20 * 1024 * 1024
    allow_local_files: bool = False
    recorder: Recorder | None = None
    session: requests.Session = field(default_factory=requests.Session)

    def __post_init__(self) -> None:
        retry = Retry(
            total=self.retries,
            connect=self.retries,
            read=self.retries,
            status=self.retries,
            backoff_factor=self.backoff_factor,
            backoff_jitter=self.backoff_factor / 2,
            backoff_max=60,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=frozenset({"GET", "HEAD"}),
            respect_retry_after_header=True,
            raise_on_status=False,
        )
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = USER_AGENT

    def get(self, url: str, *, params: dict[str, Any] | None = None) -> Fetched:
        fetched = self._read_file(url) if is_local(url) else self._get_http(url, params)
        if self.recorder is not None:
            self.recorder(fetched)
        return fetched

    def _read_file(self, url: str) -> Fetched:
        if not self.allow_local_files:
            raise FetchError(url, "local files are only read for sources configured as paths")
        path = local_path(url)
        try:
            size = path.stat().st_size
            if size > self.max_bytes:
                raise FetchError(url, f"file is {size} bytes, over the {self.max_bytes} cap")
            return Fetched(url=str(path), status=200, headers={}, content=path.read_bytes())
        except OSError as exc:
            raise FetchError(url, f"cannot read file: {exc.strerror or exc}") from None

    def _get_http(self, url: str, params: dict[str, Any] | None) -> Fetched:
        try:
            with self.session.get(url, params=params, timeout=self.timeout, stream=True) as resp:
                content = self._read_capped(url, resp)
                if resp.status_code >= 400:
                    raise FetchError(url, f"HTTP {resp.status_code}", status=resp.status_code)
                return Fetched(
                    url=resp.url,
                    status=resp.status_code,
                    headers=dict(resp.headers),
                    content=content,
                )
        except requests.exceptions.RetryError as exc:
            raise FetchError(url, f"gave up after {self.retries} retries: {exc}") from None
        except requests.exceptions.Timeout:
            raise FetchError(url, f"timed out (connect/read timeouts {self.timeout} s)") from None
        except requests.exceptions.ConnectionError as exc:
            raise FetchError(url, f"connection failed: {_root_cause(exc)}") from None

    def _read_capped(self, url: str, resp: requests.Response) -> bytes:
        declared = resp.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            raise FetchError(url, f"response is {declared} bytes, over the {self.max_bytes} cap")
        chunks: list[bytes] = []
        total = 0
        for chunk in resp.iter_content(chunk_size=64 * 1024):
            total += len(chunk)
            if total > self.max_bytes:
                raise FetchError(url, f"response exceeds the {self.max_bytes} bytes cap")
            chunks.append(chunk)
        return b"".join(chunks)


def _root_cause(exc: BaseException) -> str:
    while exc.__cause__ is not None or exc.__context__ is not None:
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return str(exc) or type(exc).__name__
