"""What the fault-injection tests (tests/test_faults) share: the `ecoute` command run as a
user runs it, feeds written on the spot, a look into the warehouse, and a loopback server
that answers several requests at once (a handler that sleeps must not block the others)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
from pytest_httpserver import HTTPServer

from extractors.http import ALLOW_LOOPBACK_ENV

ECOUTE = Path(sys.executable).parent / "ecoute"


def ecoute_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment of a user's shell: no stray ECOUTE_ variable but the home and the
    loopback allowance of the tests (their servers are on 127.0.0.1)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECOUTE_")}
    env.update({"ECOUTE_HOME": str(home), ALLOW_LOOPBACK_ENV: "1", "COLUMNS": "200", **extra})
    return env


def ecoute(
    *args: str,
    home: Path,
    env: dict[str, str] | None = None,
    preexec_fn: Callable[[], None] | None = None,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ECOUTE), *args],
        capture_output=True,
        text=True,
        env=env or ecoute_env(home),
        cwd=home.parent,
        timeout=300,
        preexec_fn=preexec_fn,
    )


def rss(title: str, entries: list[tuple[str, str]]) -> bytes:
    """An RSS 2.0 feed of `(guid, title)` entries, one comment-free post each."""
    items = "".join(
        f"<item><title>{t}</title><guid isPermaLink='false'>{g}</guid>"
        f"<link>https://blog.example/{g}</link><description>{t}, on en parle ?</description>"
        "<pubDate>Mon, 05 Oct 2026 08:00:00 GMT</pubDate><slash:comments>0</slash:comments>"
        "</item>"
        for g, t in entries
    )
    return (
        "<?xml version='1.0' encoding='UTF-8'?><rss version='2.0' "
        "xmlns:slash='http://purl.org/rss/1.0/modules/slash/'><channel>"
        f"<title>{title}</title><link>https://blog.example/</link>{items}</channel></rss>"
    ).encode()


def rows(db_path: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    conn = duckdb.connect(str(db_path), read_only=True)
    try:
        return conn.execute(sql, params or []).fetchall()
    finally:
        conn.close()


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


@contextmanager
def threaded_server(port: int = 0) -> Iterator[HTTPServer]:
    """A loopback server handling each request in its own thread, 404 for the unknown."""
    server = HTTPServer(host="127.0.0.1", port=port, threaded=True)
    server.no_handler_status_code = 404
    server.start()
    try:
        yield server
    finally:
        server.clear()
        if server.is_running():
            server.stop()
