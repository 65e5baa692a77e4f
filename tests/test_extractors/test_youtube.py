import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

import extractors.youtube  # noqa: F401  (registers the kind, as the entry point does)
from extractors.base import ExtractContext, SourceConfig, get_extractor
from extractors.errors import SourceError
from extractors.http import Fetched, HttpSettings
from extractors.records import Item

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "youtube"
FAST = HttpSettings(min_interval=0, retries=1, backoff_factor=0.01)
CHANNEL = "UCvelo0ByciclettesLyon42"
KEY = "AIzaSyTEST-cle-secrete-0123456789"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


class FakeYouTube:
    """The Data API v3 endpoints on the loopback server: pages chosen by `pageToken`, a
    403 with Google's JSON error for the video whose comments are disabled, and a quota
    error from the `quota_after`-th request on."""

    def __init__(self, server: HTTPServer, *, quota_after: int | None = None) -> None:
        self.server = server
        self.quota_after = quota_after
        self.count = 0
        self.data = {
            "channels": {CHANNEL: {"": fixture("channels.json")}},
            "playlistItems": {"UUvelo0ByciclettesLyon42": fixture("playlistItems.json")},
            "commentThreads": fixture("commentThreads.json"),
            "comments": fixture("comments.json"),
        }
        server.no_handler_status_code = 404
        for endpoint, by in (
            ("channels", "id"),
            ("playlistItems", "playlistId"),
            ("commentThreads", "videoId"),
            ("comments", "parentId"),
        ):
            server.expect_request(f"/youtube/v3/{endpoint}").respond_with_handler(
                self._handler(endpoint, by)
            )

    @property
    def url(self) -> str:
        return self.server.url_for("/youtube/v3")

    def requests(self, endpoint: str) -> list[dict[str, str]]:
        path = f"/youtube/v3/{endpoint}"
        return [r.args.to_dict() for r, _ in self.server.log if r.path == path]

    def _handler(self, endpoint: str, by: str) -> Any:
        def handle(request: Request) -> Response:
            self.count += 1
            if request.args.get("key") != KEY:
                return _error("error-quota.json", 400, reason="keyInvalid")
            if self.quota_after is not None and self.count > self.quota_after:
                return _error("error-quota.json", 403)
            if endpoint == "commentThreads" and request.args["videoId"] == "vidFermes002":
                return _error("error-comments-disabled.json", 403)
            pages = self.data[endpoint].get(request.args[by])
            if pages is None:
                return Response("{}", status=404, content_type="application/json")
            body = pages[request.args.get("pageToken", "")]
            return Response(json.dumps(body), content_type="application/json; charset=UTF-8")

        return handle


def _error(name: str, status: int, *, reason: str | None = None) -> Response:
    body = fixture(name)
    if reason:
        body["error"]["errors"][0]["reason"] = reason
    return Response(json.dumps(body), status=status, content_type="application/json")


def source(api: FakeYouTube, **params: Any) -> SourceConfig:
    return SourceConfig(
        id="velos",
        kind="youtube",
        url=api.url,
        owners=("@boutique_staff",),
        params={"channel_id": CHANNEL, **params},
        http=FAST,
    )


def run(
    src: SourceConfig, recorded: list[Fetched] | None = None
) -> tuple[ExtractContext, list[Item]]:
    ctx = ExtractContext.for_source(src, recorder=recorded.append if recorded is not None else None)
    return ctx, list(get_extractor("youtube").run(ctx))


@pytest.fixture
def key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("ECOUTE_YOUTUBE_KEY", KEY)
    return KEY


def by_platform(ctx: ExtractContext, items: list[Item], platform_id: str) -> Item:
    wanted = ctx.item_id(platform_id)
    return next(i for i in items if i.item_id == wanted)


def test_reads_videos_threads_and_replies_across_pages(httpserver: HTTPServer, key: str) -> None:
    api = FakeYouTube(httpserver)
    recorded: list[Fetched] = []
    ctx, items = run(source(api), recorded)

    posts = [i for i in items if i.kind == "post"]
    assert [p.title for p in posts] == [
        "Le nouveau vélo cargo 🚲 est là !",
        "Atelier réparation : les freins",
        "Balade sur les quais",
        "Vœux 2026",
    ]  # three playlist pages; the private video skipped
    assert all(p.is_owner for p in posts)
    assert posts[0].url == "https://www.youtube.com/watch?v=vidNouveau01"
    assert posts[0].text.startswith("Présentation du cargo")
    assert posts[3].published_at == datetime(2026, 1, 5, 7, tzinfo=UTC)
    assert [r.get("pageToken") for r in api.requests("playlistItems")] == [
        None,
        "CAIQAA",
        "CAQQAA",
    ]
    assert [
        r.get("pageToken") for r in api.requests("commentThreads") if r["videoId"] == "vidNouveau01"
    ] == [None, "QURTSl9pMQ", "QURTSl9pMg"]
    assert {r["textFormat"] for r in api.requests("commentThreads")} == {"plainText"}

    video = by_platform(ctx, items, "video:vidNouveau01")
    question = by_platform(ctx, items, "comment:UgxQ1kargoPrix")
    assert question.parent_id == video.item_id and question.post_id == video.item_id
    assert question.text == "cest combien le cargo?? le prix est pas sur le site 😤🚲"
    assert not question.is_owner
    assert question.published_at == datetime(2026, 3, 2, 18, 30, tzinfo=UTC)

    # 7 replies, 5 embedded: the full list comes from comments?parentId=, over two pages
    assert [r.get("pageToken") for r in api.requests("comments")] == [None, "R0FKQkFB"]
    replies = [i for i in items if i.parent_id == question.item_id]
    assert len(replies) == 7
    assert len({r.item_id for r in items}) == len(items)
    answer = by_platform(ctx, items, "comment:UgxQ1kargoPrix.r5")
    assert answer.is_owner and answer.author_id == CHANNEL
    assert "🚲" in answer.text and answer.post_id == video.item_id

    # embedded replies only (totalReplyCount 2): no comments?parentId= call for them
    delivery = by_platform(ctx, items, "comment:UgzQ2livraison")
    owner_reply = by_platform(ctx, items, "comment:UgzQ2livraison.a")
    assert owner_reply.parent_id == delivery.item_id and owner_reply.is_owner
    assert {r["parentId"] for r in api.requests("comments")} == {"UgxQ1kargoPrix"}
    assert len([i for i in items if i.kind == "comment"]) == 1 + 7 + 1 + 2 + 2 + 1


def test_comments_disabled_warns_and_the_other_videos_go_on(
    httpserver: HTTPServer, key: str
) -> None:
    api = FakeYouTube(httpserver)
    ctx, items = run(source(api))
    assert any("vidFermes002" in w and "comments disabled" in w for w in ctx.warnings)
    assert by_platform(ctx, items, "comment:UgyVoeux").text == "bonne année a vous aussi 🥳"
    assert ctx.complete_threads == {
        ctx.item_id(f"video:{v}") for v in ("vidNouveau01", "vidCalme0004", "vidAncien005")
    }
    cursor = ctx.final_cursor()
    assert cursor["newest_video_at"] == "2026-03-02T17:00:00Z"
    assert cursor["videos"] == {
        "vidNouveau01": "2026-03-04T10:00:00Z",
        "vidFermes002": None,
        "vidCalme0004": None,
        "vidAncien005": "2026-01-05T09:00:00Z",
    }
    json.dumps(cursor)
    assert KEY not in json.dumps(cursor)


def test_max_videos_stops_the_playlist_early(httpserver: HTTPServer, key: str) -> None:
    api = FakeYouTube(httpserver)
    _, items = run(source(api, max_videos=1))
    assert [i.title for i in items if i.kind == "post"] == ["Le nouveau vélo cargo 🚲 est là !"]
    assert len(api.requests("playlistItems")) == 1
    assert api.requests("playlistItems")[0]["maxResults"] == "1"


def test_quota_exceeded_stops_the_source_without_leaking_the_key(
    httpserver: HTTPServer, key: str
) -> None:
    api = FakeYouTube(httpserver, quota_after=5)
    recorded: list[Fetched] = []
    with pytest.raises(SourceError) as caught:
        run(source(api), recorded)
    message = str(caught.value)
    assert "quota exceeded, resumes next run from the cursor" in message
    assert "daily quota" in (caught.value.hint or "")
    assert "quotaExceeded" in message
    assert KEY not in message and "key=***" in message
    assert recorded and all(KEY not in r.url and KEY.encode() not in r.content for r in recorded)
    assert all("key=***" in r.url for r in recorded)


def test_invalid_key_is_a_source_error_naming_the_variable(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ECOUTE_YOUTUBE_KEY", "AIzaWRONG-key-987")
    api = FakeYouTube(httpserver)
    with pytest.raises(SourceError) as caught:
        run(source(api))
    assert "keyInvalid" in str(caught.value) and "AIzaWRONG" not in str(caught.value)
    assert "ECOUTE_YOUTUBE_KEY" in (caught.value.hint or "")


def test_missing_key_is_a_clear_source_error(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ECOUTE_YOUTUBE_KEY", raising=False)
    api = FakeYouTube(httpserver)
    with pytest.raises(SourceError, match="ECOUTE_YOUTUBE_KEY is not set"):
        run(source(api))
    assert api.count == 0  # nothing was requested without a key


def test_unknown_channel_is_a_source_error(httpserver: HTTPServer, key: str) -> None:
    api = FakeYouTube(httpserver)
    src = source(api)
    src = SourceConfig(**{**src.__dict__, "params": {"channel_id": "UCinconnu"}})
    with pytest.raises(SourceError, match="UCinconnu"):
        run(src)
