import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

import extractors.mastodon  # noqa: F401  (registers the kind, as the entry point does)
from extractors.base import ExtractContext, SourceConfig, get_extractor
from extractors.errors import ConfigError, SourceError
from extractors.http import HttpSettings
from extractors.records import Item

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mastodon"
FAST = HttpSettings(min_interval=0, retries=1, backoff_factor=0.01)
ACCOUNT_ID = "109876543210987654"
LOOKUP = "/api/v1/accounts/lookup"
STATUSES = f"/api/v1/accounts/{ACCOUNT_ID}/statuses"
CONTEXT = re.compile(r"/api/v1/statuses/(\d+)/context")


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


class FakeMastodon:
    """A Mastodon instance's public API on the loopback server, paging as Mastodon does:
    newest first, `limit`, `max_id`, `since_id`, and a `Link` header whose next URL carries
    `max_id` and the filters but not `since_id`, sent when a page is full."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.statuses: list[dict[str, Any]] = fixture("statuses.json")
        self.contexts: dict[str, list[dict[str, Any]]] = fixture("contexts.json")
        server.no_handler_status_code = 404
        server.expect_request(LOOKUP).respond_with_handler(self._lookup)
        server.expect_request(STATUSES).respond_with_handler(self._listing)
        server.expect_request(CONTEXT).respond_with_handler(self._context)

    @property
    def url(self) -> str:
        return self.server.url_for("/").rstrip("/")

    def publish_later(self) -> None:
        """Two new statuses; new replies on the newest and the oldest older post."""
        self.statuses = fixture("statuses-later.json") + self.statuses
        for root, replies in fixture("contexts-later.json").items():
            self.contexts[root] = self.contexts.get(root, []) + replies

    def requests(self, path: str | re.Pattern[str]) -> list[Request]:
        return [
            r
            for r, _ in self.server.log
            if (path.fullmatch(r.path) if isinstance(path, re.Pattern) else r.path == path)
        ]

    def _lookup(self, request: Request) -> Response:
        if request.args.get("acct") in ("boulangerie", "boulangerie@piaille.fr"):
            return _json(fixture("account.json"))
        return _json({"error": "Record not found"}, status=404)

    def _listing(self, request: Request) -> Response:
        args = request.args
        limit = int(args.get("limit", 20))
        chosen = [
            s
            for s in self.statuses
            if ("max_id" not in args or int(s["id"]) < int(args["max_id"]))
            and ("since_id" not in args or int(s["id"]) > int(args["since_id"]))
        ][:limit]
        headers = {}
        if len(chosen) == limit:
            keep = {
                k: v
                for k, v in args.items()
                if k in ("limit", "exclude_replies", "exclude_reblogs")
            }
            query = urlencode({**keep, "max_id": chosen[-1]["id"]})
            headers["Link"] = (
                f'<{self.server.url_for(STATUSES)}?{query}>; rel="next", '
                f'<{self.server.url_for(STATUSES)}?min_id={chosen[0]["id"]}>; rel="prev"'
            )
        return _json(chosen, headers=headers)

    def _context(self, request: Request) -> Response:
        match = CONTEXT.fullmatch(request.path)
        assert match is not None
        if match[1] not in self.contexts:
            return _json({"error": "Record not found"}, status=404)
        return _json({"ancestors": [], "descendants": self.contexts[match[1]]})


def _json(data: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(data, ensure_ascii=False),
        status=status,
        headers=headers or {},
        content_type="application/json; charset=utf-8",
    )


@pytest.fixture
def instance(httpserver: HTTPServer) -> FakeMastodon:
    return FakeMastodon(httpserver)


def extract(
    url: str, *, cursor: dict[str, Any] | None = None, **params: object
) -> tuple[list[Item], ExtractContext]:
    source = SourceConfig(
        id="boulangerie",
        kind="mastodon",
        url=url,
        owners=("Martin Boulangerie (compte perso)",),
        params={"account": "boulangerie@piaille.fr", "per_page": 2, **params},
        http=FAST,
    )
    ctx = ExtractContext.for_source(source, cursor=cursor)
    return list(get_extractor("mastodon").run(ctx)), ctx


def by_id(items: list[Item], status_id: str) -> Item:
    return next(i for i in items if i.extra["mastodon_id"] == status_id)


def ids(statuses: list[dict[str, Any]]) -> list[str]:
    return [s["id"] for s in statuses]


# --- a first run --------------------------------------------------------------------


def test_reads_every_page_through_the_link_header(instance: FakeMastodon) -> None:
    items, _ = extract(instance.url)
    posts = [i.extra["mastodon_id"] for i in items if i.kind == "post"]
    assert posts == ids(instance.statuses)
    listing = instance.requests(STATUSES)
    assert len(listing) == 3  # 2 + 2 + 1 statuses
    assert [r.args.get("max_id") for r in listing] == [None, posts[1], posts[3]]
    assert listing[0].args["exclude_replies"] == "true"
    assert listing[0].args["exclude_reblogs"] == "true"


def test_a_post_is_read_from_its_status(instance: FakeMastodon) -> None:
    items, _ = extract(instance.url)
    status = instance.statuses[0]
    post = by_id(items, status["id"])
    assert post.kind == "post" and post.parent_id is None and post.post_id == post.item_id
    assert post.text == "Nouveaux horaires d'hiver ⏰\nLundi fermé, du mardi au dimanche 7h-19h30."
    assert post.published_at == datetime(2026, 1, 9, 7, 30, tzinfo=UTC)
    assert post.url == status["url"]
    assert post.author_name == "Boulangerie Martin 🥖"
    assert post.author_id == "boulangerie@piaille.fr"
    assert post.is_owner


def test_replies_are_threaded_to_depth_three(instance: FakeMastodon) -> None:
    items, _ = extract(instance.url)
    root = instance.statuses[0]["id"]
    question, answer, follow_up, other = (by_id(items, s["id"]) for s in instance.contexts[root])
    post = by_id(items, root)
    assert question.parent_id == post.item_id and question.post_id == post.item_id
    assert answer.parent_id == question.item_id and answer.post_id == post.item_id
    assert follow_up.parent_id == answer.item_id and follow_up.post_id == post.item_id
    assert other.parent_id == post.item_id
    assert {i.kind for i in (question, answer, follow_up, other)} == {"comment"}


def test_the_account_answering_is_the_owner(instance: FakeMastodon) -> None:
    items, _ = extract(instance.url)
    question, answer, follow_up, other = (
        by_id(items, s["id"]) for s in instance.contexts[instance.statuses[0]["id"]]
    )
    assert answer.is_owner and answer.author_id == "boulangerie@piaille.fr"
    assert not question.is_owner and question.author_id == "lea_lyon@mastodon.social"
    assert question.author_name == "Léa 🌻"
    assert not follow_up.is_owner
    # a local account without a display name: named by its full address
    assert (other.author_name, other.author_id, other.is_owner) == (
        "kevin@piaille.fr",
        "kevin@piaille.fr",
        False,
    )
    assert other.extra["visibility"] == "unlisted"


def test_configured_owners_count_too(instance: FakeMastodon) -> None:
    reply = instance.contexts[instance.statuses[0]["id"]][0]
    reply["account"]["display_name"] = "Martin Boulangerie (compte perso)"
    items, _ = extract(instance.url)
    assert by_id(items, reply["id"]).is_owner


def test_non_bmp_emojis_and_mentions_survive(instance: FakeMastodon) -> None:
    items, _ = extract(instance.url)
    root = instance.statuses[0]["id"]
    question, _, _, angry = (by_id(items, s["id"]) for s in instance.contexts[root])
    assert question.text == "@boulangerie vous ouvrez a quelle heure dimanche svp ?? 🥖"
    assert angry.text.endswith("personne répond jamais ici 🤬")
    reservation = by_id(items, instance.contexts[instance.statuses[1]["id"]][0]["id"])
    assert reservation.text.endswith("🥖🥖")


def test_every_context_read_is_a_complete_thread(instance: FakeMastodon) -> None:
    items, ctx = extract(instance.url)
    assert ctx.complete_threads == {i.item_id for i in items if i.kind == "post"}
    assert len(items) == 5 + 6 and len({i.item_id for i in items}) == len(items)


def test_the_first_run_sets_the_cursor(instance: FakeMastodon) -> None:
    _, ctx = extract(instance.url, recheck_posts=3)
    assert ctx.new_cursor == {
        "account": "boulangerie@piaille.fr",
        "account_id": ACCOUNT_ID,
        "since_id": instance.statuses[0]["id"],
        "recent": ids(instance.statuses[:3]),
    }


def test_max_statuses_caps_the_first_run(instance: FakeMastodon) -> None:
    items, ctx = extract(instance.url, max_statuses=3)
    assert [i.extra["mastodon_id"] for i in items if i.kind == "post"] == ids(instance.statuses[:3])
    assert len(instance.requests(STATUSES)) == 2 and not ctx.warnings


def test_the_account_may_be_given_without_its_domain(instance: FakeMastodon) -> None:
    items, _ = extract(instance.url + "/", account="@boulangerie")
    assert len(items) == 11


# --- later runs ---------------------------------------------------------------------


def second_run(instance: FakeMastodon) -> tuple[list[Item], ExtractContext]:
    _, first = extract(instance.url, recheck_posts=3)
    instance.publish_later()
    instance.server.clear_log()
    return extract(instance.url, cursor=first.final_cursor(), recheck_posts=3)


def test_a_later_run_lists_only_new_statuses(instance: FakeMastodon) -> None:
    first_newest = instance.statuses[0]["id"]
    items, _ = second_run(instance)
    new = ids(fixture("statuses-later.json"))
    assert [i.extra["mastodon_id"] for i in items if i.kind == "post"] == new
    listing = instance.requests(STATUSES)
    assert listing[0].args["since_id"] == first_newest
    assert len(listing) == 2  # a full page has a next link; its page starts past since_id


def test_a_later_run_rereads_the_threads_of_recent_posts(instance: FakeMastodon) -> None:
    items, ctx = second_run(instance)
    later = fixture("contexts-later.json")
    newest_old, _, _, _, oldest = ids(fixture("statuses.json"))
    new_posts = ids(fixture("statuses-later.json"))
    read = [CONTEXT.fullmatch(r.path)[1] for r in instance.requests(CONTEXT)]  # type: ignore[index]
    # recheck_posts=3: the two new posts and the newest post of the first run
    assert read == [*new_posts, newest_old]
    answer = by_id(items, later[newest_old][0]["id"])
    assert answer.is_owner and answer.parent_id is not None
    kevin = by_id(items, fixture("contexts.json")[newest_old][3]["id"])
    assert answer.parent_id == kevin.item_id  # the old replies come again, unchanged
    assert all(i.extra["mastodon_id"] != later[oldest][0]["id"] for i in items)
    assert ctx.new_cursor is not None
    assert ctx.new_cursor["since_id"] == new_posts[0]
    assert ctx.new_cursor["recent"] == [*new_posts, newest_old]
    assert len(ctx.complete_threads) == 3


def test_a_later_run_with_nothing_new_keeps_the_cursor(instance: FakeMastodon) -> None:
    _, first = extract(instance.url, recheck_posts=3)
    items, ctx = extract(instance.url, cursor=first.final_cursor(), recheck_posts=3)
    assert [i.kind for i in items] == ["comment"] * 5  # the replies of the 3 recent posts
    assert ctx.new_cursor == first.new_cursor


def test_a_deleted_recent_post_is_dropped_with_a_warning(instance: FakeMastodon) -> None:
    _, first = extract(instance.url, recheck_posts=3)
    del instance.contexts[instance.statuses[1]["id"]]
    _, ctx = extract(instance.url, cursor=first.final_cursor(), recheck_posts=3)
    assert len(ctx.warnings) == 1 and "is gone" in ctx.warnings[0]
    assert ctx.new_cursor is not None
    assert ctx.new_cursor["recent"] == ids([instance.statuses[0], instance.statuses[2]])


def test_a_cursor_of_another_account_is_ignored(instance: FakeMastodon) -> None:
    cursor = {"account_id": "1", "since_id": "999999999999999999999", "recent": ["5"]}
    items, _ = extract(instance.url, cursor=cursor)
    assert len(items) == 11


# --- failures -----------------------------------------------------------------------


def test_a_429_is_waited_for_then_every_item_comes_once(instance: FakeMastodon) -> None:
    instance.server.expect_oneshot_request(STATUSES).respond_with_data(
        '{"error":"Too many requests"}', status=429, headers={"Retry-After": "1"}
    )
    items, _ = extract(instance.url)
    assert len(items) == 11 and len({i.item_id for i in items}) == 11
    assert len(instance.requests(STATUSES)) == 4  # the 429, then the 3 pages


def test_an_unknown_account_is_one_clear_source_error(instance: FakeMastodon) -> None:
    with pytest.raises(SourceError) as caught:
        extract(instance.url, account="inconnu@piaille.fr")
    assert str(caught.value).startswith(
        "source 'boulangerie': Mastodon account 'inconnu@piaille.fr' not found on http://"
    )
    assert caught.value.hint is not None and "params.account" in caught.value.hint


def test_a_failing_context_is_a_warning(instance: FakeMastodon) -> None:
    instance.server.expect_oneshot_request(CONTEXT).respond_with_data("oups", status=503)
    instance.server.expect_oneshot_request(CONTEXT).respond_with_data("oups", status=503)
    items, ctx = extract(instance.url)
    assert len(ctx.warnings) == 1 and "503" in ctx.warnings[0]
    assert len(ctx.complete_threads) == 4 and len(items) == 5 + 2


def test_a_thread_at_the_visitor_limit_is_not_complete(instance: FakeMastodon) -> None:
    root = instance.statuses[2]["id"]
    reply = instance.contexts[instance.statuses[1]["id"]][0]
    instance.contexts[root] = [
        {**reply, "id": str(int(root) + n), "in_reply_to_id": root} for n in range(1, 61)
    ]
    items, ctx = extract(instance.url)
    assert len(items) == 11 + 60
    assert ctx.item_id(f"status:{root}") not in ctx.complete_threads
    assert len(ctx.warnings) == 1 and "limit for visitors" in ctx.warnings[0]


def test_the_account_param_is_required() -> None:
    source = SourceConfig(id="b", kind="mastodon", url="https://piaille.fr", http=FAST)
    with pytest.raises(ConfigError, match=r"params\.account"):
        list(get_extractor("mastodon").run(ExtractContext.for_source(source)))
