"""The rss kind on the web as it is: encodings, broken XML, odd dates, quiet nights."""

from __future__ import annotations

from datetime import UTC, datetime

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from extractors.base import ExtractContext, SourceConfig, get_extractor
from extractors.http import HttpClient, HttpSettings
from extractors.records import Item

FAST = HttpSettings(retries=1, backoff_factor=0.01, min_interval=0)

ITEM = """<item><title>{title}</title><link>{link}</link><guid isPermaLink="false">{guid}</guid>
<pubDate>{date}</pubDate><description>{text}</description>{extra}</item>"""


def rss(items: str, encoding: str = "utf-8", declared: str | None = "utf-8") -> bytes:
    decl = f' encoding="{declared}"' if declared else ""
    body = f"""<?xml version="1.0"{decl}?>
<rss version="2.0" xmlns:wfw="http://wellformedweb.org/CommentAPI/"
     xmlns:slash="http://purl.org/rss/1.0/modules/slash/"
     xmlns:thr="http://purl.org/syndication/thread/1.0">
<channel><title>Salon Coiffure Élodie</title><link>https://salon-elodie.example/</link>
{items}</channel></rss>"""
    return body.encode(encoding)


def post(
    n: int,
    *,
    text: str = "Nouveautés du salon",
    date: str = "Mon, 05 Oct 2026 09:00:00 +0200",
    extra: str = "",
) -> str:
    return ITEM.format(
        title=f"Article {n}",
        link=f"/article-{n}/",
        guid=f"https://salon-elodie.example/?p={n}",
        date=date,
        text=text,
        extra=extra,
    )


def run(
    url: str, cursor: dict | None = None, **params: object
) -> tuple[list[Item], ExtractContext]:
    source = SourceConfig(id="salon", kind="rss", url=url, owners=("Salon Élodie",), params=params)
    ctx = ExtractContext(
        source=source,
        http=HttpClient(settings=FAST, validators=dict((cursor or {}).get("http", {}))),
        cursor=dict(cursor or {}),
    )
    return list(get_extractor("rss").run(ctx)), ctx


def serve(
    server: HTTPServer, path: str, body: bytes, content_type: str = "application/rss+xml"
) -> None:
    server.expect_request(path).respond_with_data(body, content_type=content_type)


def test_windows_1252_with_a_correct_declaration(httpserver: HTTPServer) -> None:
    serve(
        httpserver, "/feed", rss(post(1, text="Coupe + brushing à 35 €"), "cp1252", "windows-1252")
    )
    items, _ = run(httpserver.url_for("/feed"))
    assert items[0].text == "Coupe + brushing à 35 €"


def test_iso_8859_1_declared_as_utf8_is_still_read(httpserver: HTTPServer) -> None:
    serve(httpserver, "/feed", rss(post(1, text="Fermé le lundi, désolée"), "latin-1", "utf-8"))
    items, ctx = run(httpserver.url_for("/feed"))
    assert len(items) == 1 and "lundi" in items[0].text
    assert any("feed read despite problems" in w for w in ctx.warnings)


def test_windows_1252_without_declaration_keeps_the_entries(httpserver: HTTPServer) -> None:
    serve(httpserver, "/feed", rss(post(1, text="Soldes d\u2019été"), "cp1252", None), "text/xml")
    items, _ = run(httpserver.url_for("/feed"))
    assert len(items) == 1 and items[0].title == "Article 1"


def test_truncated_xml_returns_what_it_can_and_says_so(httpserver: HTTPServer) -> None:
    whole = rss(post(1) + post(2) + post(3))
    serve(
        httpserver,
        "/feed",
        whole[: whole.index(b"<item>", whole.index(b"Article 2"))] + b"<item><tit",
    )
    items, ctx = run(httpserver.url_for("/feed"))
    assert [i.title for i in items] == ["Article 1", "Article 2"]
    assert len(ctx.warnings) == 1 and "feed read despite problems" in ctx.warnings[0]


def test_relative_links_are_resolved_against_the_feed(httpserver: HTTPServer) -> None:
    serve(httpserver, "/blog/feed", rss(post(1)))
    items, _ = run(httpserver.url_for("/blog/feed"))
    assert items[0].url == httpserver.url_for("/article-1/")


def test_missing_date_falls_back_to_fetch_time_and_is_flagged(httpserver: HTTPServer) -> None:
    serve(httpserver, "/feed", rss(post(1, date="")))
    items, ctx = run(httpserver.url_for("/feed"))
    assert (
        items[0].published_at == ctx.fetched_at.replace(microsecond=0)
        or items[0].extra["published_at_missing"]
    )
    assert items[0].extra["published_at_missing"] is True


def test_rfc822_dates_with_offsets_become_utc(httpserver: HTTPServer) -> None:
    serve(httpserver, "/feed", rss(post(1, date="Sun, 25 Oct 2026 09:00:00 +0100")))
    items, _ = run(httpserver.url_for("/feed"))
    assert items[0].published_at == datetime(2026, 10, 25, 8, 0, tzinfo=UTC)


def test_a_post_with_zero_comments_has_no_comment_feed_fetched(httpserver: HTTPServer) -> None:
    extra = "<wfw:commentRss>/c/1</wfw:commentRss><slash:comments>0</slash:comments>"
    serve(httpserver, "/feed", rss(post(1, extra=extra)))
    items, ctx = run(httpserver.url_for("/feed"))
    assert len(items) == 1 and ctx.warnings == []
    assert [r.path for r, _ in httpserver.log] == ["/feed"]


def test_site_comment_feed_is_matched_to_posts_by_link(httpserver: HTTPServer) -> None:
    serve(httpserver, "/feed", rss(post(1) + post(2)))
    comments = ITEM.format(
        title="Par : Ines",
        link="/article-2/#comment-9",
        guid="c9",
        date="Tue, 06 Oct 2026 10:00:00 +0200",
        text="vous prenez sans rdv le samedi ?",
        extra="",
    )
    orphan = ITEM.format(
        title="Par : Max",
        link="/vieil-article/#comment-3",
        guid="c3",
        date="Tue, 06 Oct 2026 10:00:00 +0200",
        text="merci",
        extra="",
    )
    serve(httpserver, "/comments/feed", rss(comments + orphan))
    items, ctx = run(httpserver.url_for("/feed"), site_comments="/comments/feed")
    (comment,) = [i for i in items if i.kind == "comment"]
    second_post = next(i for i in items if i.title == "Article 2")
    assert comment.post_id == second_post.item_id and comment.title is None
    assert any("1 comment(s) on posts outside the feed window" in w for w in ctx.warnings)


def counting_304(body: bytes, seen: list[str]):
    def handle(request: Request) -> Response:
        seen.append(request.headers.get("If-None-Match", ""))
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304, headers={"ETag": '"v1"'})
        return Response(body, content_type="application/rss+xml", headers={"ETag": '"v1"'})

    return handle


def test_a_quiet_night_costs_one_304_per_feed_and_yields_nothing(httpserver: HTTPServer) -> None:
    seen: list[str] = []
    extra = "<wfw:commentRss>/c/1</wfw:commentRss>"
    httpserver.expect_request("/feed").respond_with_handler(
        counting_304(rss(post(1, extra=extra)), seen)
    )
    comment = ITEM.format(
        title="Par : Ines",
        link="/article-1/#comment-1",
        guid="c1",
        date="Tue, 06 Oct 2026 10:00:00 +0200",
        text="top 👍",
        extra="",
    )
    httpserver.expect_request("/c/1").respond_with_handler(counting_304(rss(comment), seen))
    first, ctx = run(httpserver.url_for("/feed"))
    assert len(first) == 2
    second, ctx2 = run(httpserver.url_for("/feed"), cursor=ctx.final_cursor())
    assert second == []
    assert seen == ["", "", '"v1"', '"v1"']  # the comment feed is re-checked, conditionally
    assert ctx2.final_cursor()["posts"] == ctx.final_cursor()["posts"]


def test_a_new_comment_on_an_unchanged_feed_is_found(httpserver: HTTPServer) -> None:
    seen: list[str] = []
    extra = "<wfw:commentRss>/c/1</wfw:commentRss>"
    feed = rss(post(1, extra=extra))
    httpserver.expect_request("/feed").respond_with_handler(counting_304(feed, seen))
    comment = ITEM.format(
        title="Par : Ines",
        link="/article-1/#comment-1",
        guid="c1",
        date="Tue, 06 Oct 2026 10:00:00 +0200",
        text="c'est ouvert demain ?",
        extra="",
    )
    versions = iter([(rss(""), '"a"'), (rss(comment), '"b"')])

    def comments(request: Request) -> Response:
        body, etag = next(versions)
        return Response(body, content_type="application/rss+xml", headers={"ETag": etag})

    httpserver.expect_request("/c/1").respond_with_handler(comments)
    _, ctx = run(httpserver.url_for("/feed"))
    second, _ = run(httpserver.url_for("/feed"), cursor=ctx.final_cursor())
    assert [i.text for i in second] == ["c'est ouvert demain ?"]


def test_french_locale_dates_are_read_as_paris_time(httpserver: HTTPServer) -> None:
    serve(
        httpserver,
        "/feed",
        rss(post(1, date="lun. 5 oct. 2026 14:30") + post(2, date="samedi 31 octobre 2026 à 9h05")),
    )
    items, _ = run(httpserver.url_for("/feed"))
    assert [i.published_at for i in items] == [
        datetime(2026, 10, 5, 12, 30, tzinfo=UTC),  # CEST, UTC+2
        datetime(2026, 10, 31, 8, 5, tzinfo=UTC),  # CET after the clocks went back
    ]
    assert not any("published_at_missing" in i.extra for i in items)
