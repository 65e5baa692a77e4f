import json
import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from extractors.base import ExtractContext, SourceConfig, get_extractor
from extractors.errors import ConfigError, SourceError
from extractors.http import Fetched, HttpSettings
from extractors.records import Item

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "wordpress"
FAST = HttpSettings(min_interval=0, retries=1, backoff_factor=0.01)
FIRST_RUN = datetime(2026, 1, 9, 12, 0, tzinfo=UTC)
NEXT_DAY = datetime(2026, 1, 10, 13, 0, tzinfo=UTC)
POSTS = "/wp-json/wp/v2/posts"
COMMENTS = "/wp-json/wp/v2/comments"


def fixture(name: str) -> list[dict[str, Any]]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def utc(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class FakeWordPress:
    """The REST API of a WordPress site on the loopback server, paging and filtering the
    fixture records as WordPress does: `X-WP-Total(Pages)` headers, `modified_after` on
    posts, `after` on comments, ordering by id, a 400 for a post page past the end and an
    empty list for a comment page past the end. JSON goes out ASCII-escaped (`\\u00e9`),
    as PHP's json_encode writes it."""

    def __init__(self, server: HTTPServer, *, totals: bool = True) -> None:
        self.server = server
        self.totals = totals
        self.posts = fixture("posts.json")
        self.comments = fixture("comments.json")
        server.no_handler_status_code = 404
        server.expect_request(POSTS).respond_with_handler(
            self._listing(lambda: self.posts, "modified_gmt", "modified_after", past_end=400)
        )
        server.expect_request(COMMENTS).respond_with_handler(
            self._listing(lambda: self.comments, "date_gmt", "after", past_end=None)
        )

    @property
    def url(self) -> str:
        return self.server.url_for("/")

    def publish_later_changes(self) -> None:
        """Post 103 edited, three comments approved since the first run."""
        edited = {post["id"]: post for post in fixture("posts-later.json")}
        self.posts = [edited.get(post["id"], post) for post in self.posts]
        self.comments += fixture("comments-later.json")

    def requests(self, path: str) -> list[dict[str, str]]:
        return [request.args.to_dict() for request, _ in self.server.log if request.path == path]

    def _listing(
        self,
        records: Callable[[], list[dict[str, Any]]],
        date_key: str,
        since_arg: str,
        past_end: int | None,
    ) -> Callable[[Request], Response]:
        def handle(request: Request) -> Response:
            args = request.args
            since = args.get(since_arg)
            chosen = [r for r in records() if since is None or utc(r[date_key]) > utc(since)]
            chosen.sort(key=lambda r: r["id"], reverse=args.get("order", "desc") == "desc")
            per_page, page = int(args.get("per_page", 10)), int(args.get("page", 1))
            pages = math.ceil(len(chosen) / per_page)
            if page > pages and chosen and past_end:
                error = {
                    "code": "rest_post_invalid_page_number",
                    "message": "The page number requested is larger than the number of pages "
                    "available.",
                    "data": {"status": past_end},
                }
                return Response(json.dumps(error), status=past_end, content_type="application/json")
            headers = {"X-WP-Total": str(len(chosen)), "X-WP-TotalPages": str(pages)}
            return Response(
                json.dumps(chosen[(page - 1) * per_page : page * per_page]),
                headers=headers if self.totals else {},
                content_type="application/json; charset=UTF-8",
            )

        return handle


@pytest.fixture
def site(httpserver: HTTPServer) -> FakeWordPress:
    return FakeWordPress(httpserver)


def extract(
    url: str,
    *,
    cursor: dict[str, Any] | None = None,
    fetched_at: datetime = FIRST_RUN,
    recorder: Callable[[Fetched], None] | None = None,
    **params: object,
) -> tuple[list[Item], ExtractContext]:
    source = SourceConfig(
        id="boulangerie", kind="wordpress", url=url, params={"per_page": 2, **params}, http=FAST
    )
    ctx = ExtractContext.for_source(source, cursor=cursor, recorder=recorder)
    ctx.fetched_at = fetched_at
    return list(get_extractor("wordpress").run(ctx)), ctx


def wp(items: list[Item], kind: str, wp_id: int) -> Item:
    return next(i for i in items if i.kind == kind and i.extra.get("wp_id") == wp_id)


def wp_ids(items: list[Item]) -> list[tuple[str, int]]:
    return [(i.kind, i.extra["wp_id"]) for i in items]


def second_run(site: FakeWordPress) -> tuple[list[Item], ExtractContext]:
    _, first = extract(site.url)
    site.publish_later_changes()
    site.server.clear_log()
    return extract(site.url, cursor=first.final_cursor(), fetched_at=NEXT_DAY)


# --- a first run ----------------------------------------------------------------------


def test_reads_every_page_of_posts_and_comments(site: FakeWordPress) -> None:
    items, _ = extract(site.url)
    assert wp_ids(items) == [("post", 101), ("post", 102), ("post", 103)] + [
        ("comment", n) for n in range(501, 507)
    ]
    assert [r["page"] for r in site.requests(POSTS)] == ["1", "2"]  # X-WP-TotalPages: 2
    assert [r["page"] for r in site.requests(COMMENTS)] == ["1", "2", "3"]


def test_asks_for_small_payloads_with_the_author_embedded(site: FakeWordPress) -> None:
    extract(site.url)
    posts = site.requests(POSTS)[0]
    assert posts["_embed"] == "author" and posts["per_page"] == "2"
    assert set(posts["_fields"].split(",")) >= {"id", "date_gmt", "content", "_embedded"}
    assert "author_name" in site.requests(COMMENTS)[0]["_fields"]


def test_post_fields_are_normalized(site: FakeWordPress) -> None:
    items, _ = extract(site.url)
    post = wp(items, "post", 101)
    assert post.title == "Galette des rois : c\u2019est reparti !"
    assert post.text.startswith("Bonjour à tous !\nLa galette des rois est de retour")
    assert post.url == "https://boulangerie-martin.example/2026/01/03/galette-des-rois/"
    assert (post.author_name, post.author_id) == ("Boulangerie Martin", "2")
    assert post.post_id == post.item_id and post.parent_id is None
    assert post.is_owner


def test_date_gmt_is_read_as_utc(site: FakeWordPress) -> None:
    items, _ = extract(site.url)
    # `date` says 17:30 (Paris); `date_gmt` has no zone suffix and is UTC
    assert wp(items, "post", 102).published_at == datetime(2026, 1, 6, 16, 30, tzinfo=UTC)
    assert wp(items, "comment", 504).published_at == datetime(2026, 1, 7, 18, 20, tzinfo=UTC)


def test_author_name_is_none_when_the_site_hides_its_users(site: FakeWordPress) -> None:
    hidden = {"code": "rest_user_cannot_view", "message": "Sorry, you are not allowed to "
              "list users.", "data": {"status": 401}}  # fmt: skip
    for post in site.posts:
        post["_embedded"] = {"author": [hidden]}
    items, _ = extract(site.url)
    post = wp(items, "post", 101)
    assert (post.author_name, post.author_id, post.is_owner) == (None, "2", True)


def test_comments_are_threaded_through_parent(site: FakeWordPress) -> None:
    items, _ = extract(site.url)
    post, question = wp(items, "post", 101), wp(items, "comment", 501)
    answer, follow_up = wp(items, "comment", 502), wp(items, "comment", 503)
    assert question.parent_id == post.item_id and question.post_id == post.item_id
    assert answer.parent_id == question.item_id
    assert follow_up.parent_id == answer.item_id and follow_up.post_id == post.item_id


def test_a_comment_by_the_post_author_is_the_owner(site: FakeWordPress) -> None:
    items, _ = extract(site.url)
    answer = wp(items, "comment", 502)
    assert answer.is_owner and answer.author_id == "2"


def test_a_comment_by_the_author_of_another_post_is_the_owner(site: FakeWordPress) -> None:
    items, _ = extract(site.url)
    answer = wp(items, "comment", 505)  # by user 2, on post 102 written by user 5
    assert answer.is_owner


def test_a_guest_comment_has_no_author_id_and_is_not_the_owner(site: FakeWordPress) -> None:
    items, _ = extract(site.url)
    guest = wp(items, "comment", 501)
    assert (guest.author_name, guest.author_id, guest.is_owner) == ("Sophie L.", None, False)


def test_a_registered_customer_is_not_the_owner(site: FakeWordPress) -> None:
    items, _ = extract(site.url)
    customer = wp(items, "comment", 504)  # user 7 has an account but wrote no post
    assert (customer.author_id, customer.is_owner) == ("7", False)


def test_accents_and_emojis_survive_the_escaped_json(site: FakeWordPress) -> None:
    items, _ = extract(site.url)
    assert wp(items, "comment", 506).text == (
        "Trop bonnes les chouquettes 😍🥐 dommage qu\u2019il y en ait plus des 11h\u2026"
    )
    assert wp(items, "post", 103).title == "Nouveaux horaires d\u2019hiver ⏰"
    assert wp(items, "comment", 505).text.endswith("dans un four nettoyé.\nBonne journée !")


def test_post_and_comment_ids_are_distinct_and_stable(site: FakeWordPress) -> None:
    first, _ = extract(site.url)
    second, _ = extract(site.url)
    assert [i.item_id for i in first] == [i.item_id for i in second]
    assert len({i.item_id for i in first}) == len(first)


def test_a_first_run_marks_every_thread_complete(site: FakeWordPress) -> None:
    items, ctx = extract(site.url)
    posts = {i.item_id for i in items if i.kind == "post"}
    assert ctx.complete_threads == posts


def test_a_first_run_sets_the_cursor_from_the_items_read(site: FakeWordPress) -> None:
    _, ctx = extract(site.url)
    assert ctx.new_cursor == {
        "mode": "api",
        "posts_modified_gmt": "2026-01-08T06:45:00Z",
        "comments_date_gmt": "2026-01-09T10:30:00Z",
        "owner_ids": [2, 5],
        "full_read_at": "2026-01-09T12:00:00Z",
    }


def test_comments_can_be_switched_off(site: FakeWordPress) -> None:
    items, ctx = extract(site.url, comments=False)
    assert {i.kind for i in items} == {"post"}
    assert not site.requests(COMMENTS) and not ctx.complete_threads


# --- later runs -----------------------------------------------------------------------


def test_a_later_run_asks_for_changes_since_the_cursor_less_an_hour(
    site: FakeWordPress,
) -> None:
    second_run(site)
    assert {r["modified_after"] for r in site.requests(POSTS)} == {"2026-01-08T05:45:00Z"}
    assert {r["after"] for r in site.requests(COMMENTS)} == {"2026-01-09T09:30:00Z"}


def test_a_later_run_yields_only_what_changed_and_the_overlap(site: FakeWordPress) -> None:
    items, _ = second_run(site)
    assert wp_ids(items) == [
        ("post", 103),  # edited
        ("comment", 506),  # the newest of the first run: inside the hour of overlap
        ("comment", 507),  # approved late, dated before the cursor but inside the overlap
        ("comment", 508),  # a new comment on an old post
        ("comment", 509),
    ]
    assert "inventaire" in wp(items, "post", 103).text


def test_a_later_run_advances_the_cursor(site: FakeWordPress) -> None:
    _, ctx = second_run(site)
    assert ctx.new_cursor is not None
    assert ctx.new_cursor["posts_modified_gmt"] == "2026-01-10T09:00:00Z"
    assert ctx.new_cursor["comments_date_gmt"] == "2026-01-10T12:00:00Z"
    assert ctx.new_cursor["full_read_at"] == "2026-01-09T12:00:00Z"  # still the first run's


def test_a_later_run_knows_the_owner_on_posts_it_did_not_reread(site: FakeWordPress) -> None:
    items, _ = second_run(site)
    reply = wp(items, "comment", 508)  # user 5 wrote post 102, which this run did not read
    assert reply.is_owner and reply.parent_id is not None


def test_a_later_run_marks_no_thread_complete(site: FakeWordPress) -> None:
    _, ctx = second_run(site)
    assert ctx.complete_threads == set()


def test_a_later_run_that_finds_nothing_keeps_the_cursor(site: FakeWordPress) -> None:
    _, first = extract(site.url)
    site.posts, site.comments = [], []
    _, ctx = extract(site.url, cursor=first.final_cursor(), fetched_at=NEXT_DAY)
    assert ctx.new_cursor == first.new_cursor


def test_a_full_read_comes_back_after_full_refresh_days(site: FakeWordPress) -> None:
    _, first = extract(site.url)
    site.server.clear_log()
    week_later = FIRST_RUN + timedelta(days=7)
    items, ctx = extract(site.url, cursor=first.final_cursor(), fetched_at=week_later)
    assert not any("modified_after" in r for r in site.requests(POSTS))
    assert len(items) == 9 and len(ctx.complete_threads) == 3
    assert ctx.new_cursor is not None and ctx.new_cursor["full_read_at"] == "2026-01-16T12:00:00Z"


# --- no API: the feed -----------------------------------------------------------------


def serve_feed(server: HTTPServer) -> None:
    """The site's feed, with an ETag and 304s like a real server."""
    feed = (FIXTURES / "feed.xml").read_bytes()
    etag = '"feed-v1"'

    def handle(request: Request) -> Response:
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(feed, content_type="application/rss+xml", headers={"ETag": etag})

    server.expect_request("/feed/").respond_with_handler(handle)


def test_falls_back_to_the_feed_when_the_api_is_not_found(httpserver: HTTPServer) -> None:
    httpserver.no_handler_status_code = 404
    serve_feed(httpserver)
    items, ctx = extract(httpserver.url_for("/"))
    assert [i.title for i in items] == [
        "Nouveaux horaires d\u2019hiver",
        "Galette des rois : c\u2019est reparti !",
    ]
    assert {i.source_id for i in items} == {"boulangerie"}
    assert len(ctx.warnings) == 1 and "HTTP 404" in ctx.warnings[0]
    assert "/feed/" in ctx.warnings[0]


def test_falls_back_to_the_feed_when_the_api_wants_a_login(httpserver: HTTPServer) -> None:
    httpserver.expect_request(POSTS).respond_with_json(
        {
            "code": "rest_login_required",
            "message": "REST API restricted to authenticated users.",
            "data": {"status": 401},
        },
        status=401,
    )
    serve_feed(httpserver)
    items, ctx = extract(httpserver.url_for("/"))
    assert len(items) == 2 and all(i.kind == "post" for i in items)
    assert len(ctx.warnings) == 1 and "HTTP 401" in ctx.warnings[0]


def test_the_feed_is_read_through_the_recording_client(httpserver: HTTPServer) -> None:
    httpserver.no_handler_status_code = 404
    serve_feed(httpserver)
    recorded: list[Fetched] = []
    extract(httpserver.url_for("/"), recorder=recorded.append)
    assert [f.url for f in recorded] == [httpserver.url_for("/feed/")]


def test_a_later_fallback_run_gets_a_304_for_the_unchanged_feed(httpserver: HTTPServer) -> None:
    httpserver.no_handler_status_code = 404
    serve_feed(httpserver)
    _, first = extract(httpserver.url_for("/"))
    httpserver.clear_log()
    items, ctx = extract(httpserver.url_for("/"), cursor=first.final_cursor(), fetched_at=NEXT_DAY)
    feed_request, feed_response = httpserver.log[-1]
    assert feed_request.headers.get("If-None-Match") and feed_response.status_code == 304
    assert items == [] and ctx.new_cursor is not None and ctx.new_cursor["mode"] == "feed"


def test_no_api_and_no_feed_is_one_source_error(httpserver: HTTPServer) -> None:
    httpserver.no_handler_status_code = 404
    with pytest.raises(SourceError, match=r"no WordPress API at .*/feed/: HTTP 404"):
        extract(httpserver.url_for("/"))


def test_a_missing_comments_endpoint_is_a_warning(site: FakeWordPress) -> None:
    site.server.expect_oneshot_request(COMMENTS).respond_with_data("", status=401)
    items, ctx = extract(site.url)
    assert {i.kind for i in items} == {"post"}
    assert len(ctx.warnings) == 1 and "comments skipped" in ctx.warnings[0]
    assert not ctx.complete_threads


# --- failures -------------------------------------------------------------------------


def test_a_server_error_is_retried(site: FakeWordPress) -> None:
    site.server.expect_oneshot_request(POSTS).respond_with_data("Service indisponible", status=500)
    items, _ = extract(site.url)
    assert len(items) == 9
    assert [r["page"] for r in site.requests(POSTS)] == ["1", "1", "2"]


def test_a_400_for_a_page_past_the_end_ends_the_listing(httpserver: HTTPServer) -> None:
    site = FakeWordPress(httpserver, totals=False)  # a proxy that drops X-WP-* headers
    items, ctx = extract(site.url)
    assert len(items) == 9 and len(ctx.complete_threads) == 3
    assert [r["page"] for r in site.requests(POSTS)] == ["1", "2", "3"]  # page 3: the 400


def test_a_lasting_server_error_names_the_url(site: FakeWordPress) -> None:
    site.server.expect_oneshot_request(POSTS).respond_with_data("down", status=503)
    site.server.expect_oneshot_request(POSTS).respond_with_data("down", status=503)
    with pytest.raises(SourceError, match=r"source 'boulangerie': .*/wp-json/wp/v2/posts.*503"):
        extract(site.url)


def test_truncated_json_is_one_clear_source_error(httpserver: HTTPServer) -> None:
    cut = (
        '[{"id":101,"date_gmt":"2026-01-03T07:00:00","title":{"rendered":"Galette des r'
        "<br />\n<b>Fatal error</b>: Allowed memory size of 134217728 bytes exhausted"
    )
    httpserver.expect_request(POSTS).respond_with_data(cut, content_type="application/json")
    with pytest.raises(SourceError, match=r"wp-json/wp/v2/posts\?.*invalid JSON") as caught:
        extract(httpserver.url_for("/"))
    assert caught.value.hint is not None and "not WordPress JSON" in caught.value.hint


def test_a_record_without_an_id_names_its_page(site: FakeWordPress) -> None:
    del site.comments[0]["post"]
    with pytest.raises(SourceError, match=r"wp-json/wp/v2/comments\?.*unreadable comment 501"):
        extract(site.url)


def test_per_page_above_the_api_maximum_is_a_config_error(site: FakeWordPress) -> None:
    with pytest.raises(ConfigError, match=r"params\.per_page"):
        extract(site.url, per_page=500)


def test_the_site_root_may_omit_its_trailing_slash(site: FakeWordPress) -> None:
    items, _ = extract(site.url.rstrip("/"))
    assert len(items) == 9


def test_a_local_path_is_refused_with_a_hint(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="kind wordpress reads a site's API over HTTP"):
        extract(str(tmp_path))
