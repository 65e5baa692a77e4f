"""Kind `instagram-business` against a fake Graph API on the loopback server."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from support.graph_api import FakeGraph
from werkzeug import Response

import extractors.instagram  # noqa: F401  (registers the kind)
from extractors.base import ExtractContext, SourceConfig, get_extractor
from extractors.errors import ConfigError, SourceError
from extractors.http import Fetched, HttpSettings
from extractors.records import Item, stable_id

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "graph"
FAST = HttpSettings(min_interval=0, retries=1, backoff_factor=0.01)
FIRST_RUN = datetime(2026, 1, 9, 12, 0, tzinfo=UTC)
NEXT_DAY = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
TOKEN = "EAAGm0PX4ZCpsBAinsta|s3cr3t-T0ken=="
ACCOUNT = json.loads((FIXTURES / "instagram_account.json").read_text(encoding="utf-8"))
IG_ID = ACCOUNT["ig_user_id"]
FAST_THROTTLE = {"throttle_backoff": 0.01, "max_throttle_wait": 5, "usage_pause": 0.01}


def account_edges(account: dict[str, Any]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    edges = {(account["ig_user_id"], "media"): account["media"]}
    for media_id, comments in account["comments"].items():
        edges[(media_id, "comments")] = comments
        for comment in comments:
            edges[(comment["id"], "replies")] = account["replies"].get(comment["id"], [])
    return edges


@pytest.fixture
def graph(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> FakeGraph:
    monkeypatch.setenv("ECOUTE_FACEBOOK_TOKEN", TOKEN)
    return FakeGraph(httpserver, account_edges(json.loads(json.dumps(ACCOUNT))), TOKEN)


def extract(
    url: str,
    *,
    cursor: dict[str, Any] | None = None,
    fetched_at: datetime = FIRST_RUN,
    recorder: Callable[[Fetched], None] | None = None,
    **params: object,
) -> tuple[list[Item], ExtractContext]:
    source = SourceConfig(
        id="martin-ig",
        kind="instagram-business",
        url=url,
        params={
            "ig_user_id": IG_ID,
            "username": "boulangerie.martin",
            "page_size": 2,
            **FAST_THROTTLE,
            **params,
        },
        http=FAST,
    )
    ctx = ExtractContext.for_source(source, cursor=cursor, recorder=recorder)
    ctx.fetched_at = fetched_at
    return list(get_extractor("instagram-business").run(ctx)), ctx


def item_id(platform_id: str) -> str:
    return stable_id("martin-ig", platform_id)


def by_id(items: list[Item], platform_id: str) -> Item:
    return next(i for i in items if i.item_id == item_id(platform_id))


def throttled_body(code: int) -> Callable[[], Response]:
    def respond() -> Response:
        body = {"error": {"code": code, "message": "Application request limit reached",
                          "type": "OAuthException"}}  # fmt: skip
        return Response(json.dumps(body), content_type="application/json")

    return respond


def http_429() -> Response:
    return Response("Too Many Requests", status=429, headers={"Retry-After": "0"})


MEDIA = f"/v21.0/{IG_ID}/media"
GALETTE = "18040001"
COMMENTS = f"/v21.0/{GALETTE}/comments"
REPLIES = "/v21.0/17900001/replies"


def test_reads_media_comments_and_replies_over_several_pages(graph: FakeGraph) -> None:
    items, ctx = extract(graph.url)
    assert [i.kind for i in items].count("post") == 5
    assert len(items) == 5 + 8 + 6
    assert len(graph.requests(MEDIA)) == 3
    assert len(graph.requests(COMMENTS)) == 3
    assert len(graph.requests(REPLIES)) == 3
    assert len({i.item_id for i in items}) == len(items)
    assert ctx.complete_threads == {i.item_id for i in items if i.kind == "post"}
    assert ctx.new_cursor == {"newest_media_at": "2026-01-09T08:00:00Z"}


def test_asks_for_the_documented_fields(graph: FakeGraph) -> None:
    extract(graph.url)
    media = graph.requests(MEDIA)[0]
    assert media["fields"] == "id,caption,timestamp,permalink,comments_count"
    assert "since" in media and media["suppress_http_code"] == "1"
    assert graph.requests(COMMENTS)[0]["fields"] == "id,text,username,timestamp,from"
    assert graph.requests(REPLIES)[0]["fields"] == "id,text,username,timestamp,from"


def test_media_without_comments_costs_no_call(graph: FakeGraph) -> None:
    _, ctx = extract(graph.url)
    assert graph.requests("/v21.0/18040002/comments") == []
    assert item_id("18040002") in ctx.complete_threads


def test_replies_have_their_comment_as_parent(graph: FakeGraph) -> None:
    items, _ = extract(graph.url)
    media, question = by_id(items, GALETTE), by_id(items, "17900001")
    answer = by_id(items, "17900101")
    assert question.parent_id == media.item_id and question.post_id == media.item_id
    assert answer.parent_id == question.item_id and answer.post_id == media.item_id
    assert by_id(items, "17900105").parent_id == question.item_id


def test_the_account_is_the_owner(graph: FakeGraph) -> None:
    items, _ = extract(graph.url)
    media = by_id(items, GALETTE)
    assert (media.author_name, media.is_owner) == ("boulangerie.martin", True)
    assert media.text == "Galette frangipane maison 👑🥐 #galettedesrois #lyon"
    assert media.url == "https://www.instagram.com/p/DEaa01/"
    assert by_id(items, "17900101").is_owner and by_id(items, "17900301").is_owner
    assert by_id(items, "17900032").is_owner  # `Boulangerie.Martin`: case aside
    assert not by_id(items, "17900001").is_owner
    assert by_id(items, "17900001").author_name == "sophie_lmr"


def test_emojis_survive(graph: FakeGraph) -> None:
    items, _ = extract(graph.url)
    assert by_id(items, "17900004").text == "La mienne était toute sèche 🤬 déçu"
    assert by_id(items, "17900105").text == "trop cool 🥐🥐"
    assert by_id(items, "18040004").text == ""


def test_a_deleted_reply_is_not_yielded_on_the_next_run(graph: FakeGraph) -> None:
    first_items, first = extract(graph.url)
    assert item_id("17900103") in {i.item_id for i in first_items}
    graph.edges[("17900001", "replies")] = [
        r for r in graph.edges[("17900001", "replies")] if r["id"] != "17900103"
    ]
    items, ctx = extract(graph.url, cursor=first.final_cursor(), fetched_at=NEXT_DAY)
    assert item_id("17900103") not in {i.item_id for i in items}
    assert item_id(GALETTE) in ctx.complete_threads


def test_throttling_is_waited_for_and_every_item_comes_once(graph: FakeGraph) -> None:
    baseline, _ = extract(graph.url)
    graph.server.clear_log()
    graph.fail(MEDIA, throttled_body(80002))
    graph.fail(REPLIES, throttled_body(613), http_429, http_429, http_429)
    started = time.monotonic()
    items, ctx = extract(graph.url)
    assert time.monotonic() - started < 5
    assert [i.item_id for i in items] == [i.item_id for i in baseline]
    assert not ctx.warnings


def test_an_expired_token_is_one_clear_source_error(graph: FakeGraph) -> None:
    graph.token = "another"
    recorded: list[Fetched] = []
    with pytest.raises(SourceError, match="access token was refused") as caught:
        extract(graph.url, recorder=recorded.append)
    assert "s3cr3t" not in str(caught.value)
    assert all("s3cr3t" not in f.url + f.content.decode() for f in recorded)


def test_the_token_is_never_recorded(graph: FakeGraph) -> None:
    recorded: list[Fetched] = []
    extract(graph.url, recorder=recorded.append)
    assert recorded
    for fetched in recorded:
        assert "s3cr3t" not in fetched.url + fetched.content.decode()


def test_a_missing_token_names_the_variable(
    graph: FakeGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ECOUTE_FACEBOOK_TOKEN")
    with pytest.raises(SourceError, match="ECOUTE_FACEBOOK_TOKEN is not set"):
        extract(graph.url)


def test_a_failing_thread_is_a_warning(graph: FakeGraph) -> None:
    del graph.edges[("17900003", "replies")]
    items, ctx = extract(graph.url)
    assert len(ctx.warnings) == 1 and GALETTE in ctx.warnings[0]
    assert item_id(GALETTE) not in ctx.complete_threads
    assert item_id("17900001") not in {i.item_id for i in items}


def test_username_is_required(graph: FakeGraph) -> None:
    source = SourceConfig(
        id="martin-ig", kind="instagram-business", url=graph.url,
        params={"ig_user_id": IG_ID}, http=FAST,
    )  # fmt: skip
    with pytest.raises(ConfigError, match=r"params\.username"):
        list(get_extractor("instagram-business").run(ExtractContext.for_source(source)))
