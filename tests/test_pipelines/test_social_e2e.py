"""A Facebook page read end to end through the CLI, on a fake Graph API on 127.0.0.1:
threads and owners right across cursor pages, and the token written nowhere."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, quote_plus, urlencode

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from extractors.http import ALLOW_LOOPBACK_ENV

REPO = Path(__file__).resolve().parents[2]
ECOUTE = Path(sys.executable).parent / "ecoute"
PAGE = json.loads((REPO / "tests/fixtures/graph/facebook_page.json").read_text("utf-8"))
TOKEN = "EAAGm0PX4ZCpsBA|s3cr3t-T0ken=="
EXPIRED_PAGE = "999000999"
PER_PAGE = 2


def graph(server: HTTPServer) -> None:
    """`/{version}/{id}/{posts|comments}`, PER_PAGE records a page, absolute `paging.next`
    links carrying the token (as Facebook's do), error 190 for EXPIRED_PAGE."""

    def handle(request: Request) -> Response:
        node, edge = request.path.split("/")[2:]
        if node == EXPIRED_PAGE or request.args.get("access_token") != TOKEN:
            body = {"error": {"code": 190, "message": "Session has expired", "type": "OAuth"}}
            return Response(json.dumps(body), status=200, content_type="application/json")
        records = PAGE["posts"] if edge == "posts" else PAGE["comments"].get(node, [])
        start = int(request.args.get("after", 0))
        page = {"data": records[start : start + PER_PAGE]}
        if start + PER_PAGE < len(records):
            args = {**request.args.to_dict(), "after": str(start + PER_PAGE)}
            page["paging"] = {"next": server.url_for(request.path) + "?" + urlencode(args)}
        return Response(json.dumps(page), content_type="application/json")

    server.expect_request(re.compile(r"^/v[\d.]+/[^/]+/(posts|comments)$")).respond_with_handler(
        handle
    )


def ecoute(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECOUTE_")}
    env[ALLOW_LOOPBACK_ENV] = "1"  # the test servers are on 127.0.0.1
    env.update(ECOUTE_HOME=str(home), ECOUTE_FACEBOOK_TOKEN=TOKEN, COLUMNS="200")
    return subprocess.run(
        [str(ECOUTE), *args], capture_output=True, text=True, env=env, timeout=300, cwd=home
    )


def fast_params() -> dict[str, object]:
    return {"page_id": PAGE["page_id"], "since_days": 3650, "throttle_backoff": 0.01}


def test_extract_threads_comments_and_owners_across_cursor_pages(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    graph(httpserver)
    args = [f"--param={k}={v}" for k, v in fast_params().items()]
    proc = ecoute(
        tmp_path,
        "extract",
        "--kind",
        "facebook-page",
        "--url",
        httpserver.url_for("").rstrip("/"),
        *args,
    )
    assert proc.returncode == 0, proc.stderr
    items = [json.loads(line) for line in proc.stdout.splitlines()]
    posts = [i for i in items if i["kind"] == "post"]
    comments = [i for i in items if i["kind"] == "comment"]
    assert len(posts) == len(PAGE["posts"]) > 2 * PER_PAGE  # 3+ pages of cursors
    assert len(comments) == sum(len(c) for c in PAGE["comments"].values())
    ids = {i["item_id"] for i in items}
    assert all(c["parent_id"] in ids for c in comments)
    by_page = [c for c in comments if c["author_id"] == PAGE["page_id"]]
    assert by_page and all(c["is_owner"] for c in by_page)
    assert not any(c["is_owner"] for c in comments if c["author_id"] != PAGE["page_id"])


@pytest.mark.parametrize("form", [TOKEN, quote(TOKEN, safe=""), quote_plus(TOKEN)])
def test_the_token_is_written_nowhere(httpserver: HTTPServer, tmp_path: Path, form: str) -> None:
    graph(httpserver)
    url = httpserver.url_for("").rstrip("/")
    (tmp_path / "sources.yml").write_text(
        "http: {min_interval: 0}\nsources:\n"
        f"  - {{id: boulangerie, kind: facebook-page, url: '{url}', "
        f"params: {json.dumps(fast_params())}}}\n"
        f"  - {{id: expiree, kind: facebook-page, url: '{url}', "
        f"params: {{page_id: '{EXPIRED_PAGE}'}}}}\n",
        encoding="utf-8",
    )
    proc = ecoute(tmp_path, "run")
    assert proc.returncode == 1  # the expired source failed, the other loaded
    assert "source 'expiree'" in proc.stderr and "ECOUTE_FACEBOOK_TOKEN" in proc.stderr
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p.name != "sources.yml"]
    assert any(p.suffix == ".duckdb" for p in written)
    assert any("landing" in p.parts for p in written)
    for path in written:
        assert form.encode() not in path.read_bytes(), path
    assert form not in proc.stdout + proc.stderr
