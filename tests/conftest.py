"""Shared fixtures: real parts only (loopback HTTP, DuckDB files, temporary homes)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from extractors.http import ALLOW_LOOPBACK_ENV

# The test servers listen on 127.0.0.1, which real sources may not reach: allowed here, for
# this process and the `ecoute` subprocesses the tests start (tests/test_faults checks that
# a source without the setting is refused).
os.environ[ALLOW_LOOPBACK_ENV] = "1"

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"

CONTENT_TYPES = {
    ".xml": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".rss": "application/rss+xml",
    ".html": "text/html",
}


def static_file(content: bytes, content_type: str) -> Callable[[Request], Response]:
    """A handler that serves `content` like a real web server: with an ETag and a
    Last-Modified, answering 304 to a request that already has them."""
    etag = '"' + hashlib.sha1(content).hexdigest()[:16] + '"'
    modified = "Mon, 05 Oct 2026 08:00:00 GMT"

    def handle(request: Request) -> Response:
        headers = {"ETag": etag, "Last-Modified": modified}
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers=headers)
        return Response(content, content_type=content_type, headers=headers)

    return handle


def serve_tree(server: HTTPServer, root: Path, prefix: str = "") -> None:
    """Serve every file under `root` at `prefix/<relative path>` on the loopback server,
    with ETags (see `static_file`)."""
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        content_type = CONTENT_TYPES.get(path.suffix, "text/plain")
        server.expect_request(f"{prefix}/{path.relative_to(root).as_posix()}").respond_with_handler(
            static_file(path.read_bytes(), content_type)
        )


@pytest.fixture
def feeds_server(httpserver: HTTPServer) -> HTTPServer:
    """The fixture feeds of tests/fixtures/feeds served over real HTTP on 127.0.0.1."""
    httpserver.no_handler_status_code = 404  # like a real site, not the default 500
    serve_tree(httpserver, FIXTURES / "feeds")
    return httpserver


@pytest.fixture
def ecoute_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh ECOUTE_HOME; the config and database follow from it."""
    home = tmp_path / "home"
    monkeypatch.setenv("ECOUTE_HOME", str(home))
    monkeypatch.delenv("ECOUTE_DB", raising=False)
    monkeypatch.delenv("ECOUTE_CONFIG", raising=False)
    return home
