from datetime import UTC, datetime
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from extractors.base import ExtractContext, SourceConfig, get_extractor
from extractors.errors import ConfigError, SourceError
from extractors.http import HttpClient, HttpSettings
from extractors.records import Item

FAST = HttpSettings(retries=0, min_interval=0)
FEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "feeds"


def extract(
    url: str, *, local: bool = False, **params: object
) -> tuple[list[Item], ExtractContext]:
    source = SourceConfig(
        id="fromager", kind="rss", url=url, owners=("Fromagerie Lucas",), params=params
    )
    ctx = ExtractContext(source=source, http=HttpClient(settings=FAST, allow_local_files=local))
    return list(get_extractor("rss").run(ctx)), ctx


def by_text(items: list[Item], fragment: str) -> Item:
    return next(i for i in items if fragment in i.text)


def test_reads_posts_and_their_comment_feed_over_http(feeds_server: HTTPServer) -> None:
    items, _ = extract(feeds_server.url_for("/blog.xml"))
    assert [i.kind for i in items].count("post") == 2
    assert [i.kind for i in items].count("comment") == 3
    assert {i.source_id for i in items} == {"fromager"}


def test_post_fields_are_normalized(feeds_server: HTTPServer) -> None:
    items, _ = extract(feeds_server.url_for("/blog.xml"))
    post = items[0]
    assert post.title == "Raclette : on prend les commandes !"
    assert post.published_at == datetime(2026, 10, 6, 7, 30, tzinfo=UTC)
    assert (
        post.text
        == "Les plateaux raclette sont de retour & on prend vos commandes.\nMinimum 4 personnes."
    )
    assert post.post_id == post.item_id and post.parent_id is None
    assert post.is_owner
    assert post.extra["comment_count"] == "3"


def test_comments_are_threaded_through_thr_in_reply_to(feeds_server: HTTPServer) -> None:
    items, _ = extract(feeds_server.url_for("/blog.xml"))
    post = items[0]
    question = by_text(items, "Villeurbanne ??")
    answer = by_text(items, "oui on livre")
    loose = by_text(items, "trop bon")
    assert question.parent_id == post.item_id and question.post_id == post.item_id
    assert answer.parent_id == question.item_id and answer.is_owner
    assert loose.parent_id is None and loose.post_id == post.item_id
    assert not question.is_owner and question.author_name == "Sophie L."


def test_comment_html_becomes_plain_text_with_line_breaks(feeds_server: HTTPServer) -> None:
    items, _ = extract(feeds_server.url_for("/blog.xml"))
    answer = by_text(items, "oui on livre")
    assert (
        answer.text == "Bonjour Sophie, oui on livre Villeurbanne le samedi matin\nBonne soiree !"
    )
    assert answer.published_at == datetime(2026, 10, 6, 13, 5, tzinfo=UTC)


def test_a_missing_comment_feed_is_a_warning_not_a_failure(feeds_server: HTTPServer) -> None:
    items, ctx = extract(feeds_server.url_for("/blog.xml"))
    assert any(i.title == "Fermeture exceptionnelle lundi" for i in items)
    assert len(ctx.warnings) == 1
    assert "comments/missing.xml" in ctx.warnings[0] and "HTTP 404" in ctx.warnings[0]


def test_comments_can_be_switched_off(feeds_server: HTTPServer) -> None:
    items, _ = extract(feeds_server.url_for("/blog.xml"), comments=False)
    assert {i.kind for i in items} == {"post"}


def test_ids_are_stable_across_runs(feeds_server: HTTPServer) -> None:
    first, _ = extract(feeds_server.url_for("/blog.xml"))
    second, _ = extract(feeds_server.url_for("/blog.xml"))
    assert [i.item_id for i in first] == [i.item_id for i in second]
    assert [i.content_hash for i in first] == [i.content_hash for i in second]


def test_reads_a_local_feed_and_resolves_relative_comment_paths() -> None:
    items, _ = extract(str(FEEDS / "blog.xml"), local=True)
    assert [i.kind for i in items].count("comment") == 3


def test_a_page_that_is_not_a_feed_names_the_source(feeds_server: HTTPServer) -> None:
    with pytest.raises(SourceError, match=r"source .fromager.*not a readable feed"):
        extract(feeds_server.url_for("/not-a-feed.html"))


def test_a_remote_feed_cannot_make_ecoute_read_local_files(httpserver: HTTPServer) -> None:
    feed = (
        (FEEDS / "blog.xml")
        .read_text()
        .replace("comments/raclette.xml", (FEEDS / "comments" / "raclette.xml").as_uri())
    )
    httpserver.expect_request("/blog.xml").respond_with_data(feed)
    items, ctx = extract(httpserver.url_for("/blog.xml"))
    assert not [i for i in items if i.kind == "comment"]
    assert any("local files" in w for w in ctx.warnings)


def test_unknown_param_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"params\.colour: unknown key"):
        extract(str(FEEDS / "blog.xml"), local=True, colour="blue")
