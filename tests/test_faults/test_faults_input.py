"""Malformed and hostile input: each is refused (or read as far as it can be) with one clear
line, and never takes the run down: a good source extracted in the same run still lands
and loads. Every payload is generated here, served over real HTTP on 127.0.0.1, extracted
and landed by the pipeline's steps and loaded into a real DuckDB file."""

from __future__ import annotations

import gzip
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from support.faults import rows, rss, threaded_server
from werkzeug import Response

from extractors.base import ExtractContext, SourceConfig, extractor
from extractors.http import HttpSettings
from extractors.records import Item
from pipelines import steps
from pipelines.config import Settings

MB = 1024 * 1024
GOOD_FEED = rss("Le bon blog", [("bon-1", "Horaires de Noël"), ("bon-2", "Nouveaux pains")])


@pytest.fixture
def web() -> Iterator[HTTPServer]:
    with threaded_server() as server:
        server.expect_request("/good.xml").respond_with_data(
            GOOD_FEED, content_type="application/rss+xml"
        )
        yield server


def settings_in(tmp_path: Path) -> Settings:
    home = tmp_path / "home"
    return Settings(tmp_path / "sources.yml", home, home / "ecoute.duckdb")


def source(source_id: str, kind: str, url: str, **params: Any) -> SourceConfig:
    http = HttpSettings(min_interval=0, retries=0, timeout=5, connect_timeout=2)
    return SourceConfig(id=source_id, kind=kind, url=url, params=params, http=http)


def night_with(tmp_path: Path, web: HTTPServer, hostile: SourceConfig) -> dict[str, Any]:
    """Extract the good source and `hostile`, load the run; returns the hostile source's
    report (and checks that the good one loaded whatever happened to the other)."""
    settings = settings_in(tmp_path)
    good = source("good", "rss", web.url_for("/good.xml"), comments=False)
    started = time.monotonic()
    steps.extract_source(settings, hostile, "night")
    assert time.monotonic() - started < 10, "a hostile payload must not take ages"
    steps.extract_source(settings, good, "night")
    report = steps.load_run(settings, "night")
    assert report.per_source["good"]["new"] == 2 and "error" not in report.per_source["good"]
    assert rows(settings.db_path, "SELECT count(*) FROM items WHERE source_id = 'good'") == [(2,)]
    return report.per_source[hostile.id]


def assert_failed_with_one_line(entry: dict[str, Any], source_id: str, fragment: str) -> None:
    error = entry.get("error") or ""
    assert error.startswith(f"source '{source_id}': "), entry
    assert fragment in error and "\n" not in error and len(error) < 500, error
    assert entry["items"] == 0


def billion_laughs() -> bytes:
    levels = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)
    ]
    return (
        f"<?xml version='1.0'?><!DOCTYPE rss [{''.join(levels)}]><rss version='2.0'><channel>"
        "<title>x</title><item><title>&lol9;</title><guid>a</guid></item></channel></rss>"
    ).encode()


def deeply_nested(depth: int = 100_000) -> bytes:
    return (
        "<?xml version='1.0'?><rss version='2.0'><channel><title>x</title>"
        + "<div>" * depth
        + "</div>" * depth
        + "<item><title>a</title></item></channel></rss>"
    ).encode()


def external_entity() -> bytes:
    return (
        b"<?xml version='1.0'?><!DOCTYPE rss [<!ENTITY xxe SYSTEM 'file:///etc/passwd'>]>"
        b"<rss version='2.0'><channel><title>x</title><item><title>&xxe;</title>"
        b"<guid>a</guid></item></channel></rss>"
    )


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        (billion_laughs(), "XML with entity declarations refused"),
        (external_entity(), "XML with entity declarations refused"),
        (deeply_nested(), "XML nested more than 256 elements deep"),
        (b"\x00\x01\x02 <<< ceci n'est pas un flux >>>", "not a readable feed"),
    ],
    ids=["billion-laughs", "external-entity", "deep-nesting", "invalid-xml"],
)
def test_hostile_or_broken_xml_is_refused_in_one_line(
    web: HTTPServer, tmp_path: Path, payload: bytes, fragment: str
) -> None:
    web.expect_request("/feed.xml").respond_with_data(payload, content_type="application/xml")
    entry = night_with(tmp_path, web, source("hostile", "rss", web.url_for("/feed.xml")))
    assert_failed_with_one_line(entry, "hostile", fragment)
    landed = (tmp_path / "home" / "landing" / "hostile" / "night" / "items.jsonl").read_text()
    assert landed == ""  # nothing of it was parsed, let alone expanded


def fifty_megabytes() -> Iterator[bytes]:
    chunk = b"<p>" + b"x" * (MB - 7) + b"</p>\n"
    for _ in range(50):
        yield chunk


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_a_50_mb_page_stops_at_the_size_cap(
    web: HTTPServer, tmp_path: Path, declared: bool
) -> None:
    headers = {"Content-Length": str(50 * MB)} if declared else {}
    web.expect_request("/huge.xml").respond_with_response(
        Response(fifty_megabytes(), content_type="application/rss+xml", headers=headers)
    )
    entry = night_with(tmp_path, web, source("huge", "rss", web.url_for("/huge.xml")))
    fragment = f"response is {50 * MB} bytes, over the" if declared else "exceeds the"
    assert_failed_with_one_line(entry, "huge", fragment)
    assert "20.9715 MB cap" in entry["error"]


def test_a_gzip_bomb_stops_at_the_size_cap(web: HTTPServer, tmp_path: Path) -> None:
    bomb = gzip.compress(b"\0" * (60 * MB), compresslevel=9)  # about 60 KB on the wire
    assert len(bomb) < MB
    web.expect_request("/bomb.xml").respond_with_data(
        bomb, content_type="application/rss+xml", headers={"Content-Encoding": "gzip"}
    )
    entry = night_with(tmp_path, web, source("bomb", "rss", web.url_for("/bomb.xml")))
    assert_failed_with_one_line(entry, "bomb", "exceeds the 20.9715 MB cap (decoded)")


@pytest.mark.parametrize(
    ("body", "fragment"),
    [(b'{"id": "1", "username": "boulang', "invalid JSON"), (b"[" * 200_000, "nested too deeply")],
    ids=["truncated", "deeply-nested"],
)
def test_broken_json_from_an_api_is_one_line(
    web: HTTPServer, tmp_path: Path, body: bytes, fragment: str
) -> None:
    web.expect_request("/api/v1/accounts/lookup").respond_with_data(
        body, content_type="application/json"
    )
    api = source("toots", "mastodon", web.url_for("/").rstrip("/"), account="boulangerie")
    assert_failed_with_one_line(night_with(tmp_path, web, api), "toots", fragment)


def article(charset_meta: str) -> bytes:
    """A WordPress-like article page whose text is Latin-1, whatever it declares."""
    return (
        f"<!doctype html><html><head>{charset_meta}<title>Galette des rois</title></head>"
        "<body><article><h1>Galette des rois</h1><p>Réservez la vôtre.</p></article>"
        "<ol class='comment-list'><li id='comment-1' class='comment'>"
        "<article class='comment-body'><footer class='comment-meta'>"
        "<div class='comment-author vcard'><b class='fn'>Hélène</b></div>"
        "<div class='comment-metadata'><time datetime='2026-01-03T10:00:00+01:00'>3 janvier"
        "</time></div></footer><div class='comment-content'><p>Très bon accueil, "
        "c'est à quelle heure demain ?</p></div></article></li></ol></body></html>"
    ).encode("latin-1")


@pytest.mark.parametrize(
    ("meta", "header"),
    [("<meta charset='utf-8'>", "text/html; charset=utf-8"), ("", "text/html")],
    ids=["declared-utf-8", "no-charset"],
)
def test_html_in_the_wrong_encoding_is_read_without_crashing(
    web: HTTPServer, tmp_path: Path, meta: str, header: str
) -> None:
    web.expect_request("/galette.html").respond_with_data(article(meta), content_type=header)
    entry = night_with(
        tmp_path, web, source("galette", "html-comments", web.url_for("/galette.html"))
    )
    assert "error" not in entry and entry["new"] == 2
    db_path = tmp_path / "home" / "ecoute.duckdb"
    texts = rows(db_path, "SELECT text FROM items WHERE source_id = 'galette' ORDER BY kind")
    assert texts == [("Très bon accueil, c'est à quelle heure demain ?",), ("Réservez la vôtre.",)]


@extractor("crashes-on-odd-input")
def _crashes(ctx: ExtractContext, params: object) -> Iterator[Item]:
    payload = ctx.http.get(ctx.source.url).json()
    yield from payload["posts"]  # a plugin that trusts its input: KeyError on this one


def test_an_extractor_crashing_on_odd_input_fails_its_source_only(
    web: HTTPServer, tmp_path: Path
) -> None:
    web.expect_request("/odd.json").respond_with_json({"billets": []})
    odd = source("odd", "crashes-on-odd-input", web.url_for("/odd.json"))
    entry = night_with(tmp_path, web, odd)
    assert_failed_with_one_line(entry, "odd", "extractor failed: KeyError: 'posts'")
