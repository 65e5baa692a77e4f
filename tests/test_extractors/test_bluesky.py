import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

import extractors.bluesky  # noqa: F401  (registers the kind, as the entry point does)
from extractors.base import ExtractContext, SourceConfig, get_extractor
from extractors.errors import ConfigError, SourceError
from extractors.http import HttpSettings
from extractors.records import Item

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "bluesky"
FAST = HttpSettings(min_interval=0, retries=1, backoff_factor=0.01)
DID = "did:plc:u5cwb2mwiv2bfq53cjufe6yn"
HANDLE = "boulangerie-martin.bsky.social"
PROFILE = "/xrpc/app.bsky.actor.getProfile"
FEED = "/xrpc/app.bsky.feed.getAuthorFeed"
THREAD = "/xrpc/app.bsky.feed.getPostThread"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def sort_at(entry: dict[str, Any]) -> str:
    return str((entry.get("reason") or entry["post"])["indexedAt"])


class FakeAppView:
    """The public Bluesky AppView on the loopback server: getProfile (400 for an unknown
    actor), getAuthorFeed paged by a `cursor` (the last entry's time, absent on an empty
    page), getPostThread cut at `depth` (a post at the limit has no `replies` key) and
    400 `NotFound` for a deleted post, as the AppView answers."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.feed: list[dict[str, Any]] = fixture("feed.json")
        self.threads: dict[str, dict[str, Any]] = fixture("threads.json")
        server.no_handler_status_code = 404
        server.expect_request(PROFILE).respond_with_handler(self._profile)
        server.expect_request(FEED).respond_with_handler(self._feed)
        server.expect_request(THREAD).respond_with_handler(self._thread)

    @property
    def url(self) -> str:
        return self.server.url_for("/").rstrip("/")

    def posts(self) -> list[dict[str, Any]]:
        return [e["post"] for e in self.feed if "reason" not in e]

    def publish_later(self) -> None:
        """Two new posts; new replies on the newest and the oldest older post."""
        self.feed = fixture("feed-later.json") + self.feed
        self.threads.update(fixture("threads-later.json"))

    def requests(self, path: str) -> list[dict[str, str]]:
        return [r.args.to_dict() for r, _ in self.server.log if r.path == path]

    def _profile(self, request: Request) -> Response:
        if request.args.get("actor") in (DID, HANDLE):
            return _json(fixture("profile.json"))
        return _json({"error": "InvalidRequest", "message": "Profile not found"}, status=400)

    def _feed(self, request: Request) -> Response:
        args = request.args
        assert args["actor"] == DID and args["filter"] == "posts_no_replies"
        chosen = [e for e in self.feed if "cursor" not in args or sort_at(e) < args["cursor"]]
        page = chosen[: int(args.get("limit", 50))]
        body: dict[str, Any] = {"feed": page}
        if page:
            body["cursor"] = sort_at(page[-1])
        return _json(body)

    def _thread(self, request: Request) -> Response:
        thread = self.threads.get(request.args["uri"])
        if thread is None:
            error = {"error": "NotFound", "message": f"Post not found: {request.args['uri']}"}
            return _json(error, status=400)
        return _json({"thread": _cut(thread, int(request.args.get("depth", 6)))})


def _cut(node: dict[str, Any], depth: int) -> dict[str, Any]:
    if "replies" not in node:
        return node
    if depth == 0:
        return {k: v for k, v in node.items() if k != "replies"}
    return {**node, "replies": [_cut(r, depth - 1) for r in node["replies"]]}


def _json(data: Any, *, status: int = 200) -> Response:
    return Response(
        json.dumps(data, ensure_ascii=False), status=status, content_type="application/json"
    )


@pytest.fixture
def appview(httpserver: HTTPServer) -> FakeAppView:
    return FakeAppView(httpserver)


def extract(
    url: str, *, cursor: dict[str, Any] | None = None, **params: object
) -> tuple[list[Item], ExtractContext]:
    source = SourceConfig(
        id="boulangerie",
        kind="bluesky",
        url=url,
        owners=("Martin Boulangerie (compte perso)",),
        params={"actor": HANDLE, "per_page": 2, **params},
        http=FAST,
    )
    ctx = ExtractContext.for_source(source, cursor=cursor)
    return list(get_extractor("bluesky").run(ctx)), ctx


def _find(items: list[Item], uri: str) -> Item:
    found = [i for i in items if i.url and i.url.endswith("/post/" + uri.rsplit("/", 1)[-1])]
    assert len(found) == 1, uri
    return found[0]


def replies(thread: dict[str, Any]) -> list[dict[str, Any]]:
    return [r["post"] for r in thread["replies"] if "post" in r]


# --- a first run --------------------------------------------------------------------


def test_reads_every_page_through_the_cursor(appview: FakeAppView) -> None:
    items, _ = extract(appview.url)
    posts = [i for i in items if i.kind == "post"]
    assert [p.url for p in posts] == [
        f"https://bsky.app/profile/{HANDLE}/post/{p['uri'].rsplit('/', 1)[-1]}"
        for p in appview.posts()
    ]
    pages = appview.requests(FEED)
    assert len(pages) == 4  # 2 + 2 + 2 entries, then an empty page without a cursor
    assert [p.get("cursor") for p in pages] == [
        None,
        *(sort_at(appview.feed[n]) for n in (1, 3, 5)),
    ]


def test_reposts_of_other_accounts_are_skipped(appview: FakeAppView) -> None:
    items, _ = extract(appview.url)
    assert all(i.author_id == DID for i in items if i.kind == "post")
    assert len([i for i in items if i.kind == "post"]) == 5


def test_a_post_is_read_from_its_record(appview: FakeAppView) -> None:
    items, _ = extract(appview.url)
    source = appview.posts()[0]
    post = _find(items, source["uri"])
    assert post.kind == "post" and post.parent_id is None and post.post_id == post.item_id
    assert post.item_id == _item_id(source["uri"])
    assert post.text == source["record"]["text"]
    assert post.published_at == datetime(2026, 1, 9, 7, 30, tzinfo=UTC)
    assert post.url == f"https://bsky.app/profile/{HANDLE}/post/3lfbxk2wq4s2c"
    assert (post.author_name, post.author_id, post.is_owner) == ("Boulangerie Martin 🥖", DID, True)


def _item_id(uri: str) -> str:
    source = SourceConfig(id="boulangerie", kind="bluesky", url="")
    return ExtractContext.for_source(source).item_id(uri)


def test_replies_are_threaded_to_depth_three(appview: FakeAppView) -> None:
    items, _ = extract(appview.url)
    root = appview.posts()[0]["uri"]
    thread = appview.threads[root]
    question = _find(items, thread["replies"][0]["post"]["uri"])
    answer = _find(items, thread["replies"][0]["replies"][0]["post"]["uri"])
    follow_up = _find(items, thread["replies"][0]["replies"][0]["replies"][0]["post"]["uri"])
    other = _find(items, thread["replies"][2]["post"]["uri"])
    post = _find(items, root)
    assert question.parent_id == post.item_id and question.post_id == post.item_id
    assert answer.parent_id == question.item_id and answer.post_id == post.item_id
    assert follow_up.parent_id == answer.item_id and follow_up.post_id == post.item_id
    assert other.parent_id == post.item_id
    assert answer.is_owner and answer.author_id == DID
    assert not question.is_owner and question.author_name == "Léa 🌻"
    assert not follow_up.is_owner
    assert (other.author_name, other.is_owner) == ("kevin69.bsky.social", False)


def test_not_found_and_blocked_replies_are_skipped(appview: FakeAppView) -> None:
    items, ctx = extract(appview.url)
    thread = appview.threads[appview.posts()[0]["uri"]]
    in_thread = [i for i in items if i.post_id == _item_id(thread["post"]["uri"])]
    assert len(in_thread) == 1 + 4  # the post, the three levels and Kevin's question
    assert not ctx.warnings


def test_a_handle_invalid_author_gets_a_did_url(appview: FakeAppView) -> None:
    items, _ = extract(appview.url)
    sophie = replies(appview.threads[appview.posts()[1]["uri"]])[0]
    reply = _find(items, sophie["uri"])
    assert reply.url == "https://bsky.app/profile/did:web:sophie.example/post/3lf7ssbnfzk2b"
    assert (reply.author_name, reply.author_id) == ("Sophie L.", "did:web:sophie.example")


def test_configured_owners_count_too(appview: FakeAppView) -> None:
    first = appview.threads[appview.posts()[0]["uri"]]["replies"][0]["post"]
    first["author"]["displayName"] = "Martin Boulangerie (compte perso)"
    items, _ = extract(appview.url)
    assert _find(items, first["uri"]).is_owner


def test_non_bmp_emojis_survive(appview: FakeAppView) -> None:
    items, _ = extract(appview.url)
    thread = appview.threads[appview.posts()[0]["uri"]]
    assert _find(items, thread["replies"][0]["post"]["uri"]).text == (
        "vous ouvrez a quelle heure dimanche svp ?? 🥖"
    )
    assert _find(items, thread["replies"][2]["post"]["uri"]).text.endswith("jamais ici 🤬")
    assert any(i.text.endswith("🥖🥖") for i in items)


def test_every_thread_read_is_complete(appview: FakeAppView) -> None:
    items, ctx = extract(appview.url)
    assert ctx.complete_threads == {i.item_id for i in items if i.kind == "post"}
    assert len(items) == 5 + 6 and len({i.item_id for i in items}) == len(items)
    assert {r["depth"] for r in appview.requests(THREAD)} == {"10"}


def test_the_first_run_sets_the_cursor(appview: FakeAppView) -> None:
    _, ctx = extract(appview.url, recheck_posts=3)
    posts = appview.posts()
    assert ctx.new_cursor == {
        "actor": HANDLE,
        "did": DID,
        "indexed_at": posts[0]["indexedAt"],
        "recent": [p["uri"] for p in posts[:3]],
    }


def test_max_posts_caps_the_first_run(appview: FakeAppView) -> None:
    items, ctx = extract(appview.url, max_posts=3)
    assert len([i for i in items if i.kind == "post"]) == 3
    assert len(appview.requests(FEED)) == 3 and not ctx.warnings


def test_the_actor_may_be_a_did_and_the_url_end_with_a_slash(appview: FakeAppView) -> None:
    items, _ = extract(appview.url + "/", actor=DID)
    assert len(items) == 11


def test_a_thread_cut_at_depth_is_not_complete(appview: FakeAppView) -> None:
    items, ctx = extract(appview.url, depth=2)
    root = appview.posts()[0]["uri"]
    assert _item_id(root) not in ctx.complete_threads
    assert len(ctx.complete_threads) == 4 and len(items) == 11 - 1
    assert len(ctx.warnings) == 1 and "deeper than 2" in ctx.warnings[0]


# --- later runs ---------------------------------------------------------------------


def second_run(appview: FakeAppView) -> tuple[list[Item], ExtractContext]:
    _, first = extract(appview.url, recheck_posts=3)
    appview.publish_later()
    appview.server.clear_log()
    return extract(appview.url, cursor=first.final_cursor(), recheck_posts=3)


def test_a_later_run_yields_only_new_posts(appview: FakeAppView) -> None:
    items, _ = second_run(appview)
    new = [e["post"]["uri"] for e in fixture("feed-later.json")]
    assert [i.item_id for i in items if i.kind == "post"] == [_item_id(u) for u in new]
    assert len(appview.requests(FEED)) == 2  # the 2 new posts, then the first old one ends it


def test_a_later_run_rereads_the_threads_of_recent_posts(appview: FakeAppView) -> None:
    items, ctx = second_run(appview)
    new = [e["post"]["uri"] for e in fixture("feed-later.json")]
    old = [e["post"]["uri"] for e in fixture("feed.json") if "reason" not in e]
    assert [r["uri"] for r in appview.requests(THREAD)] == [*new, old[0]]
    later = fixture("threads-later.json")
    kevin = later[old[0]]["replies"][1]
    answer = _find(items, kevin["replies"][0]["post"]["uri"])
    assert answer.is_owner and answer.parent_id == _item_id(kevin["post"]["uri"])
    assert answer.post_id == _item_id(old[0])
    late_wish = later[old[-1]]["replies"][1]["post"]["uri"]
    assert all(i.item_id != _item_id(late_wish) for i in items)  # beyond recheck_posts
    assert ctx.new_cursor is not None
    assert ctx.new_cursor["indexed_at"] == fixture("feed-later.json")[0]["post"]["indexedAt"]
    assert ctx.new_cursor["recent"] == [*new, old[0]]
    assert len(ctx.complete_threads) == 3


def test_a_later_run_with_nothing_new_keeps_the_cursor(appview: FakeAppView) -> None:
    _, first = extract(appview.url, recheck_posts=3)
    items, ctx = extract(appview.url, cursor=first.final_cursor(), recheck_posts=3)
    assert [i.kind for i in items] == ["comment"] * 5
    assert ctx.new_cursor == first.new_cursor


def test_a_deleted_recent_post_is_dropped_with_a_warning(appview: FakeAppView) -> None:
    _, first = extract(appview.url, recheck_posts=3)
    posts = appview.posts()
    del appview.threads[posts[1]["uri"]]
    _, ctx = extract(appview.url, cursor=first.final_cursor(), recheck_posts=3)
    assert len(ctx.warnings) == 1 and "is gone" in ctx.warnings[0]
    assert ctx.new_cursor is not None
    assert ctx.new_cursor["recent"] == [posts[0]["uri"], posts[2]["uri"]]


# --- failures -----------------------------------------------------------------------


def test_a_429_is_waited_for_then_every_item_comes_once(appview: FakeAppView) -> None:
    appview.server.expect_oneshot_request(FEED).respond_with_data(
        '{"error":"RateLimitExceeded","message":"Rate Limit Exceeded"}',
        status=429,
        headers={"Retry-After": "1"},
    )
    items, _ = extract(appview.url)
    assert len(items) == 11 and len({i.item_id for i in items}) == 11
    assert len(appview.requests(FEED)) == 5  # the 429, then the 4 pages


def test_an_unknown_actor_is_one_clear_source_error(appview: FakeAppView) -> None:
    with pytest.raises(SourceError) as caught:
        extract(appview.url, actor="@inconnu.bsky.social")
    assert str(caught.value).startswith(
        "source 'boulangerie': Bluesky account 'inconnu.bsky.social' not found on http://"
    )
    assert caught.value.hint is not None and "params.actor" in caught.value.hint


def test_an_unknown_actor_behind_a_404_is_the_same_error(httpserver: HTTPServer) -> None:
    httpserver.no_handler_status_code = 404
    with pytest.raises(SourceError, match=r"Bluesky account 'inconnu\.bsky\.social' not found"):
        extract(httpserver.url_for("/"), actor="inconnu.bsky.social")


def test_a_failing_thread_is_a_warning(appview: FakeAppView) -> None:
    appview.server.expect_oneshot_request(THREAD).respond_with_data("oups", status=502)
    appview.server.expect_oneshot_request(THREAD).respond_with_data("oups", status=502)
    items, ctx = extract(appview.url)
    assert len(ctx.warnings) == 1 and "502" in ctx.warnings[0]
    assert len(ctx.complete_threads) == 4 and len(items) == 5 + 2


def test_the_actor_param_is_required() -> None:
    source = SourceConfig(id="b", kind="bluesky", url="", http=FAST)
    with pytest.raises(ConfigError, match=r"params\.actor"):
        list(get_extractor("bluesky").run(ExtractContext.for_source(source)))
