"""A fake Graph API (Facebook/Instagram) on the loopback test server, shared by the tests
of the two kinds that read it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response


def graph_time(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")


class FakeGraph:
    """The Graph API as the extractors use it: `/{version}/{id}/{edge}` listings paged by
    opaque `after` cursors with absolute `paging.next` links that carry every parameter
    (the token too, as Facebook's do), `since` on posts, error objects with HTTP 400 or,
    with `suppress_http_code=1`, HTTP 200; one-shot failures queued with `fail`."""

    def __init__(
        self,
        server: HTTPServer,
        edges: dict[tuple[str, str], list[dict[str, Any]]],
        token: str,
    ):
        self.server = server
        self.edges = edges
        self.token = token
        self.failures: dict[str, list[Callable[[], Response]]] = {}
        self.usage: dict[str, str] = {}
        server.expect_request(re.compile(r"^/v\d+\.\d+/[^/]+/[a-z_]+$")).respond_with_handler(
            self.handle
        )

    @property
    def url(self) -> str:
        return self.server.url_for("").rstrip("/")

    def fail(self, path: str, *responses: Callable[[], Response]) -> None:
        self.failures.setdefault(path, []).extend(responses)

    def requests(self, path: str) -> list[dict[str, str]]:
        return [r.args.to_dict() for r, _ in self.server.log if r.path == path]

    def error(self, request: Request, code: int, message: str, kind: str) -> Response:
        body = {"error": {"code": code, "message": message, "type": kind, "fbtrace_id": "AbC"}}
        status = 200 if request.args.get("suppress_http_code") == "1" else 400
        return Response(json.dumps(body), status=status, content_type="application/json")

    def handle(self, request: Request) -> Response:
        queued = self.failures.get(request.path)
        if queued:
            return queued.pop(0)()
        if request.args.get("access_token") != self.token:
            return self.error(
                request,
                190,
                "Error validating access token: Session has expired on Friday, 09-Jan-26 "
                "04:00:00 PST.",
                "OAuthException",
            )
        _, _version, node, edge = request.path.split("/")
        records = self.edges.get((node, edge))
        if records is None:
            return self.error(request, 100, "Unsupported get request.", "GraphMethodException")
        since = request.args.get("since")
        if since:
            cut = datetime.fromtimestamp(int(since), UTC)
            records = [r for r in records if graph_time(_date_of(r)) >= cut]
        limit = int(request.args.get("limit", 25))
        after = request.args.get("after")
        start = int(after.removeprefix("QVFI")) + 1 if after else 0
        chunk = records[start : start + limit]
        body: dict[str, Any] = {"data": chunk}
        if chunk:
            body["paging"] = {
                "cursors": {"before": f"QVFI{start}", "after": f"QVFI{start + len(chunk) - 1}"}
            }
            if start + limit < len(records):
                args = {**request.args.to_dict(), "after": f"QVFI{start + len(chunk) - 1}"}
                body["paging"]["next"] = f"{self.url}{request.path}?{urlencode(args)}"
        return Response(
            json.dumps(body, ensure_ascii=True),
            content_type="application/json; charset=UTF-8",
            headers=self.usage,
        )


def _date_of(record: dict[str, Any]) -> str:
    return str(record.get("created_time") or record.get("timestamp"))
