"""Kind `facebook-page` against a fake Graph API on the loopback server."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from support.graph_api import FakeGraph
from werkzeug import Response

import extractors.facebook  # noqa: F401  (registers the kind)
from extractors.base import ExtractContext, SourceConfig, get_extractor
from extractors.errors import ConfigError, SourceError
from extractors.http import Fetched, HttpSettings
from extractors.records import Item, stable_id

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "graph"
FAST = HttpSettings(min_interval=0, retries=1, backoff_factor=0.01)
FIRST_RUN = datetime(2026, 1, 9, 12, 0, tzinfo=UTC)
NEXT_DAY = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
#: An app token's shape: `|` and `=` are encoded in URLs, and must be masked there too.
TOKEN = "EAAGm0PX4ZCpsBA|s3cr3t-T0ken=="
PAGE = json.loads((FIXTURES / "facebook_page.json").read_text(encoding="utf-8"))
PAGE_ID = PAGE["page_id"]
FAST_THROTTLE = {"throttle_backoff": 0.01, "max_throttle_wait": 5, "usage_pause": 0.01}


def page_edges(page: dict[str, Any]) -> dict[tuple[str, str], list[dict[str, Any]]]:
    edges = {(page["page_id"], "posts"): page["posts"]}
    for post_id, comments in page["comments"].items():
        edges[(post_id, "comments")] = comments
    return edges


@pytest.fixture
def graph(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> FakeGraph:
    monkeypatch.setenv("ECOUTE_FACEBOOK_TOKEN", TOKEN)
    return FakeGraph(httpserver, page_edges(json.loads(json.dumps(PAGE))), TOKEN)


def extract(
    url: str,
    *,
    cursor: dict[str, Any] | None = None,
    fetched_at: datetime = FIRST_RUN,
    recorder: Callable[[Fetched], None] | None = None,
    **params: object,
) -> tuple[list[Item], ExtractContext]:
    source = SourceConfig(
        id="martin-fb",
        kind="facebook-page",
        url=url,
        params={"page_id": PAGE_ID, "page_size": 2, "since_days": 30, **FAST_THROTTLE, **params},
        http=FAST,
    )
    ctx = ExtractContext.for_source(source, cursor=cursor, recorder=recorder)
    ctx.fetched_at = fetched_at
    return list(get_extractor("facebook-page").run(ctx)), ctx


def item_id(platform_id: str) -> str:
    return stable_id("martin-fb", platform_id)


def by_id(items: list[Item], platform_id: str) -> Item:
    return next(i for i in items if i.item_id == item_id(platform_id))


POSTS = f"/v21.0/{PAGE_ID}/posts"
THREAD = "104857600123456_901"
COMMENTS = f"/v21.0/{THREAD}/comments"


# --- first run ------------------------------------------------------------------------


def test_reads_posts_and_every_comment_over_several_pages(graph: FakeGraph) -> None:
    items, _ = extract(graph.url)
    posts = [i for i in items if i.kind == "post"]
    # since_days=30 before 2026-01-09 12:00: the Christmas post is in, all 6 posts
    assert len(posts) == 6 and len(items) == 6 + 12
    assert len(graph.requests(POSTS)) == 3  # 6 posts, 2 a page
    assert len(graph.requests(COMMENTS)) == 4  # 7 comments, 2 a page
    assert len({i.item_id for i in items}) == len(items)


def test_posts_are_asked_since_the_first_run_window(graph: FakeGraph) -> None:
    extract(graph.url, since_days=3)
    first = graph.requests(POSTS)[0]
    assert first["since"] == str(int((FIRST_RUN - timedelta(days=3)).timestamp()))
    assert first["fields"] == "id,message,created_time,permalink_url,from"
    assert first["access_token"] == TOKEN and first["suppress_http_code"] == "1"
    comments = graph.requests(f"/v21.0/{PAGE_ID}_904/comments")[0]
    assert (comments["filter"], comments["order"]) == ("stream", "chronological")
    assert comments["fields"] == ("id,from{id,name},message,created_time,parent{id},comment_count")


def test_since_days_limits_the_posts(graph: FakeGraph) -> None:
    items, _ = extract(graph.url, since_days=3)
    assert sorted(i.item_id for i in items if i.kind == "post") == sorted(
        item_id(f"{PAGE_ID}_{n}") for n in (901, 902, 903, 904)
    )


def test_post_fields_are_normalized(graph: FakeGraph) -> None:
    items, _ = extract(graph.url)
    post = by_id(items, f"{PAGE_ID}_902")
    assert (
        post.text
        == "La galette des rois est de retour 👑🥐 frangipane ou pomme, à vous de choisir !"
    )
    assert post.url == "https://www.facebook.com/104857600123456/posts/902"
    assert post.published_at == datetime(2026, 1, 8, 9, 15, tzinfo=UTC)
    assert (post.author_name, post.author_id, post.is_owner) == (
        "Boulangerie Martin",
        PAGE_ID,
        True,
    )
    assert post.post_id == post.item_id and post.parent_id is None
    assert by_id(items, f"{PAGE_ID}_903").text == ""  # a photo without a message


def test_replies_are_threaded_through_parent(graph: FakeGraph) -> None:
    items, _ = extract(graph.url)
    post = by_id(items, THREAD)
    question, answer = by_id(items, "901_1001"), by_id(items, "901_1003")
    thanks, other = by_id(items, "901_1004"), by_id(items, "901_1006")
    assert question.parent_id == post.item_id and question.post_id == post.item_id
    assert answer.parent_id == question.item_id and answer.post_id == post.item_id
    assert thanks.parent_id == question.item_id
    assert other.parent_id == by_id(items, "901_1002").item_id
    assert question.extra["reply_count"] == 2


def test_the_page_replying_is_the_owner(graph: FakeGraph) -> None:
    items, _ = extract(graph.url)
    assert by_id(items, "901_1003").is_owner and by_id(items, "902_2002").is_owner
    assert not by_id(items, "901_1001").is_owner
    anonymous = by_id(items, "901_1007")  # Graph hid `from`
    assert (anonymous.author_name, anonymous.author_id, anonymous.is_owner) == (None, None, False)


def test_configured_owners_count_too(graph: FakeGraph) -> None:
    source = SourceConfig(
        id="martin-fb",
        kind="facebook-page",
        url=graph.url,
        owners=("Léa Martin",),
        params={"page_id": PAGE_ID, **FAST_THROTTLE},
        http=FAST,
    )
    ctx = ExtractContext.for_source(source)
    ctx.fetched_at = FIRST_RUN
    items = list(get_extractor("facebook-page").run(ctx))
    assert by_id(items, "901_1006").is_owner


def test_emojis_and_non_bmp_text_survive(graph: FakeGraph) -> None:
    items, _ = extract(graph.url)
    assert by_id(items, "901_1005").text == (
        "Encore une fois la baguette était pas cuite hier soir 🤬🤬 c'est quoi ce délire"
    )
    assert by_id(items, "901_1001").text.endswith("svp ? 🥐")
    assert by_id(items, "901_1007").text == "Vous faites des gâteaux sans gluten ?? 🙏🏻"


def test_every_thread_read_whole_is_complete(graph: FakeGraph) -> None:
    items, ctx = extract(graph.url)
    assert ctx.complete_threads == {i.item_id for i in items if i.kind == "post"}


def test_max_posts_stops_the_listing(graph: FakeGraph) -> None:
    items, _ = extract(graph.url, max_posts=3)
    assert [i.item_id for i in items if i.kind == "post"] == [
        item_id(f"{PAGE_ID}_{n}") for n in (901, 902, 903)
    ]
    assert len(graph.requests(POSTS)) == 2


def test_the_cursor_is_the_newest_post_read(graph: FakeGraph) -> None:
    _, ctx = extract(graph.url)
    assert ctx.new_cursor == {"newest_post_at": "2026-01-09T07:00:00Z"}


# --- later runs -----------------------------------------------------------------------


def test_a_later_run_reads_recent_posts_again_and_drops_deleted_comments(
    graph: FakeGraph,
) -> None:
    _, first = extract(graph.url)
    graph.edges[(THREAD, "comments")] = [
        c for c in graph.edges[(THREAD, "comments")] if c["id"] != "901_1005"
    ]
    graph.server.clear_log()
    items, ctx = extract(graph.url, cursor=first.final_cursor(), fetched_at=NEXT_DAY)
    since = int(graph.requests(POSTS)[0]["since"])
    assert since == int((NEXT_DAY - timedelta(days=7)).timestamp())  # recent_days=7
    assert item_id("901_1005") not in {i.item_id for i in items}
    assert item_id("901_1004") in {i.item_id for i in items}
    assert item_id(THREAD) in ctx.complete_threads  # so 901_1005 is marked deleted
    assert item_id(f"{PAGE_ID}_800") not in {i.item_id for i in items}


def test_a_later_run_starts_an_hour_before_an_old_cursor(graph: FakeGraph) -> None:
    cursor = {"newest_post_at": "2025-12-01T10:00:00Z"}
    extract(graph.url, cursor=cursor, fetched_at=NEXT_DAY)
    since = datetime.fromtimestamp(int(graph.requests(POSTS)[0]["since"]), UTC)
    assert since == datetime(2025, 12, 1, 9, 0, tzinfo=UTC)


def test_a_run_without_posts_keeps_the_cursor(graph: FakeGraph) -> None:
    graph.edges[(PAGE_ID, "posts")] = []
    cursor = {"newest_post_at": "2026-01-09T07:00:00Z"}
    items, ctx = extract(graph.url, cursor=cursor, fetched_at=NEXT_DAY)
    assert items == [] and ctx.new_cursor == cursor


# --- throttling -----------------------------------------------------------------------


def throttled_body(code: int) -> Callable[[], Response]:
    def respond() -> Response:
        body = {
            "error": {
                "code": code,
                "message": "(#613) Calls to this api have exceeded the rate limit.",
                "type": "OAuthException",
            }
        }
        return Response(json.dumps(body), status=200, content_type="application/json")

    return respond


def http_429() -> Response:
    return Response("Too Many Requests", status=429, headers={"Retry-After": "0"})


def test_a_429_then_ok_is_waited_for(graph: FakeGraph) -> None:
    baseline, _ = extract(graph.url)
    graph.server.clear_log()
    graph.fail(COMMENTS, http_429, http_429, http_429)  # outlasts the client's one retry
    started = time.monotonic()
    items, ctx = extract(graph.url)
    assert time.monotonic() - started < 5
    assert sorted(i.item_id for i in items) == sorted(i.item_id for i in baseline)
    assert item_id(THREAD) in ctx.complete_threads and not ctx.warnings


def test_error_613_then_ok_is_waited_for(graph: FakeGraph) -> None:
    baseline, _ = extract(graph.url)
    graph.server.clear_log()
    graph.fail(POSTS, throttled_body(613))
    graph.fail(COMMENTS, throttled_body(4), throttled_body(80001))
    started = time.monotonic()
    items, _ = extract(graph.url)
    assert time.monotonic() - started < 5
    assert [i.item_id for i in items] == [i.item_id for i in baseline]  # each once
    assert len(graph.requests(POSTS)) == 4  # 3 pages + the throttled one


def test_throttling_past_the_wait_budget_is_one_source_error(graph: FakeGraph) -> None:
    graph.fail(POSTS, *[throttled_body(17)] * 20)
    started = time.monotonic()
    with pytest.raises(SourceError, match=r"throttled by the Graph API \(Graph API error 17"):
        extract(graph.url, throttle_backoff=0.05, max_throttle_wait=0.5)
    assert time.monotonic() - started < 3


def test_high_usage_slows_down(graph: FakeGraph) -> None:
    graph.usage = {
        "X-App-Usage": json.dumps({"call_count": 12, "total_time": 3, "total_cputime": 2}),
        "X-Business-Use-Case-Usage": json.dumps(
            {PAGE_ID: [{"type": "pages", "call_count": 85, "total_cputime": 10,
                        "total_time": 12, "estimated_time_to_regain_access": 0}]}
        ),
    }  # fmt: skip
    started = time.monotonic()
    items, _ = extract(graph.url, usage_pause=0.05)
    # every call after the first pauses 0.05 s: 3 + 6 + 3 more calls, ~0.6 s
    assert 0.4 < time.monotonic() - started < 5
    assert len(items) == 18


def test_low_usage_does_not_slow_down(graph: FakeGraph) -> None:
    graph.usage = {"X-App-Usage": json.dumps({"call_count": 40, "total_time": 79})}
    started = time.monotonic()
    extract(graph.url, usage_pause=1)
    assert time.monotonic() - started < 1


# --- failures -------------------------------------------------------------------------


def test_an_expired_token_is_one_clear_source_error(graph: FakeGraph) -> None:
    graph.token = "EAAnewer"
    recorded: list[Fetched] = []
    with pytest.raises(SourceError) as caught:
        extract(graph.url, recorder=recorded.append)
    error = caught.value
    assert "access token was refused" in str(error) and "190" in str(error)
    assert error.hint is not None and "ECOUTE_FACEBOOK_TOKEN" in error.hint
    assert "s3cr3t" not in str(error) and TOKEN not in str(error)
    assert len(graph.requests(POSTS)) == 1  # not retried


def test_the_token_is_never_recorded(graph: FakeGraph) -> None:
    recorded: list[Fetched] = []
    extract(graph.url, recorder=recorded.append)
    assert len(recorded) == 3 + 4 + 5  # post pages + comment pages of 901 + other threads
    for fetched in recorded:
        seen = fetched.url + fetched.content.decode() + json.dumps(fetched.headers)
        assert "s3cr3t" not in seen and "%7Cs3cr3t" not in seen
    assert "access_token=***" in recorded[0].url
    assert "access_token=***" in json.loads(recorded[0].content)["paging"]["next"]


def test_a_missing_token_names_the_variable(
    graph: FakeGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ECOUTE_FACEBOOK_TOKEN")
    with pytest.raises(SourceError, match="ECOUTE_FACEBOOK_TOKEN is not set"):
        extract(graph.url)
    assert graph.server.log == []


def test_a_thread_that_fails_is_a_warning_and_not_complete(graph: FakeGraph) -> None:
    del graph.edges[(THREAD, "comments")]  # the post was deleted while the run read it
    items, ctx = extract(graph.url)
    assert len(ctx.warnings) == 1 and "901" in ctx.warnings[0] and "100" in ctx.warnings[0]
    assert item_id(THREAD) not in ctx.complete_threads
    assert len(ctx.complete_threads) == 5 and len(items) == 6 + 5


def test_a_wrong_page_id_is_a_source_error(graph: FakeGraph) -> None:
    with pytest.raises(SourceError, match=r"Graph API error 100.*Unsupported get request"):
        extract(graph.url, page_id="999")


def test_a_permission_error_is_a_source_error_with_a_hint(graph: FakeGraph) -> None:
    def denied() -> Response:
        body = {"error": {"code": 10, "message": "(#10) This endpoint requires the "
                "'pages_read_engagement' permission.", "type": "OAuthException"}}  # fmt: skip
        return Response(json.dumps(body), content_type="application/json")

    graph.fail(POSTS, denied)
    with pytest.raises(SourceError, match="permission missing") as caught:
        extract(graph.url)
    assert caught.value.hint is not None and "pages_read_user_content" in caught.value.hint


def test_page_id_is_required(graph: FakeGraph) -> None:
    source = SourceConfig(id="martin-fb", kind="facebook-page", url=graph.url, http=FAST)
    with pytest.raises(ConfigError, match=r"params\.page_id"):
        list(get_extractor("facebook-page").run(ExtractContext.for_source(source)))


def test_a_local_path_is_refused(graph: FakeGraph, tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="Graph API over HTTPS"):
        extract(str(tmp_path))
