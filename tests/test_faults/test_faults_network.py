"""Sources that fail on the network, through `ecoute run` as the nightly job runs it.

Three nights on one loopback site: the first everything answers; the second one source
times out, one refuses connections, one answers 500, one 429, one redirects to a private
address, and hostile payloads come in too, while the good source has nothing new; the
third night everything answers again with one new post per feed. The second run must
load what it can, name each failing source with its cause on one line and exit 1; the
third must pick every failing source up from the cursor of the first night.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from support.faults import ecoute, error_lines, rows, rss, threaded_server
from werkzeug import Request, Response

NETWORK_FAULTS = {
    "slow": "timed out after 1 s",
    "refused": "connection failed",
    "down": "HTTP 500 after retries",
    "throttled": "HTTP 429 after retries",
    "moved": "refused: 10.0.0.5 is a private address; set http.allow_private: true",
}
HOSTILE = {
    "laughs": "XML with entity declarations refused",
    "bomb": "exceeds the 20.9715 MB cap (decoded)",
}
FEEDS = ["good", *NETWORK_FAULTS, *HOSTILE]


class Night:
    """What the site answers: `phase` is 1, 2 (faults) or 3."""

    def __init__(self) -> None:
        self.phase = 1

    def feed(self, name: str) -> bytes:
        entries = [(f"{name}-1", f"Premier billet de {name}")]
        if self.phase == 3 and name != "good":
            entries.append((f"{name}-2", f"Deuxième billet de {name}"))
        return rss(name, entries)


def etag(content: bytes) -> str:
    return '"' + hashlib.sha1(content).hexdigest()[:16] + '"'


def conditional(content: bytes, request: Request) -> Response:
    if request.headers.get("If-None-Match") == etag(content):
        return Response(status=304, headers={"ETag": etag(content)})
    return Response(content, content_type="application/rss+xml", headers={"ETag": etag(content)})


def billion_laughs() -> bytes:
    entities = '<!ENTITY a "ha">' + "".join(
        f'<!ENTITY {chr(98 + n)} "{f"&{chr(97 + n)};" * 10}">' for n in range(8)
    )
    return f"<?xml version='1.0'?><!DOCTYPE rss [{entities}]><rss><channel>&i;</channel></rss>"


def too_slow(request: Request) -> Response:
    time.sleep(2.5)  # past the 1 s read timeout of the sources.yml below
    return Response("trop tard")


FAULTS: dict[str, Callable[[Request], Response]] = {
    "slow": too_slow,
    "down": lambda request: Response("Internal Server Error", status=500),
    "throttled": lambda request: Response("Too Many Requests", 429, {"Retry-After": "1"}),
    "moved": lambda request: Response(status=302, headers={"Location": "http://10.0.0.5/feed"}),
    "laughs": lambda request: Response(billion_laughs(), content_type="application/xml"),
    "bomb": lambda request: Response(
        gzip.compress(b"\0" * 30_000_000, compresslevel=9),
        content_type="application/rss+xml",
        headers={"Content-Encoding": "gzip"},
    ),
}


def serve(server: HTTPServer, night: Night, name: str, path: str | None = None) -> None:
    def handle(request: Request) -> Response:
        if night.phase == 2 and name in FAULTS:
            return FAULTS[name](request)
        return conditional(night.feed(name), request)

    server.expect_request(path or f"/{name}.xml").respond_with_handler(handle)


@pytest.fixture
def site() -> Iterator[HTTPServer]:
    with threaded_server() as server:
        yield server


def write_config(path: Path, site: HTTPServer, refused_port: int) -> None:
    urls = {name: site.url_for(f"/{name}.xml") for name in FEEDS}
    urls["refused"] = f"http://127.0.0.1:{refused_port}/refused.xml"
    sources = [
        {"id": name, "kind": "rss", "url": url, "params": {"comments": False}}
        for name, url in urls.items()
    ]
    http = {
        "min_interval": 0,
        "retries": 1,
        "backoff_factor": 0.01,
        "timeout": 1,
        "connect_timeout": 1,
        "max_retry_after": 1,
    }
    path.write_text(json.dumps({"http": http, "sources": sources}), encoding="utf-8")


def cursors(db_path: Path) -> dict[str, tuple[str, str]]:
    found = rows(db_path, "SELECT source_id, cursor, last_run_id FROM sources")
    return {source_id: (cursor, run) for source_id, cursor, run in found}


def test_failing_sources_are_reported_and_picked_up_next_night_from_their_cursor(
    site: HTTPServer, tmp_path: Path
) -> None:
    night = Night()
    for name in FEEDS:
        if name != "refused":
            serve(site, night, name)
    home, config = tmp_path / "home", tmp_path / "sources.yml"
    db_path = home / "ecoute.duckdb"
    with threaded_server() as refused:
        serve(refused, night, "refused")
        refused_port = refused.port
        write_config(config, site, refused_port)
        first = ecoute("run", "--config", str(config), home=home)
        assert first.returncode == 0, first.stderr
    after_first = cursors(db_path)
    assert set(after_first) == set(FEEDS)
    etags = {name: etag(night.feed(name)) for name in FEEDS}

    night.phase = 2
    started = time.monotonic()
    second = ecoute("run", "--config", str(config), home=home)
    assert time.monotonic() - started < 60
    assert second.returncode == 1, second.stderr
    assert "Traceback" not in second.stderr
    errors = error_lines(second.stderr)
    assert len(errors) == len(NETWORK_FAULTS) + len(HOSTILE), second.stderr
    for name, cause in {**NETWORK_FAULTS, **HOSTILE}.items():
        (line,) = [e for e in errors if e.startswith(f"error: source '{name}':")]
        assert cause in line, line
    assert "│ good " in second.stdout and "│ ok " in second.stdout
    # A failed source keeps its cursor and run of its last good night; the good one loaded
    # nothing new, under this run.
    after_second = cursors(db_path)
    assert {n: after_second[n] for n in FEEDS if n != "good"} == {
        n: after_first[n] for n in FEEDS if n != "good"
    }
    assert after_second["good"][0] == after_first["good"][0]
    assert after_second["good"][1] != after_first["good"][1]
    assert rows(db_path, "SELECT count(*) FROM items") == [(len(FEEDS),)]

    night.phase = 3
    requests_before = len(site.log)
    with threaded_server(refused_port) as refused:
        serve(refused, night, "refused")
        third = ecoute("run", "--config", str(config), home=home)
        log = site.log[requests_before:] + refused.log
    assert third.returncode == 0, third.stderr
    run_id = rows(db_path, "SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 1")[0][0]
    loaded = dict(rows(db_path, "SELECT source_id, new FROM loads WHERE run_id = ?", [run_id]))
    assert loaded == {name: 0 if name == "good" else 1 for name in FEEDS}
    sent = {request.path.strip("/").removesuffix(".xml"): request for request, _ in log}
    for name in FEEDS:  # asked with the validators stored on the first night
        assert sent[name].headers.get("If-None-Match") == etags[name], name
    ids = rows(db_path, "SELECT count(*), count(DISTINCT item_id) FROM items")
    assert ids == [(2 * len(FEEDS) - 1, 2 * len(FEEDS) - 1)]
