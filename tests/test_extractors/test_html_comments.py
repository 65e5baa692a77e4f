"""Kind html-comments: article pages and their comment threads, over real loopback HTTP."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from extractors.base import ExtractContext, SourceConfig, get_extractor
from extractors.errors import ConfigError, SourceError
from extractors.http import ALLOW_LOOPBACK_ENV, HttpClient, HttpSettings
from extractors.records import Item, stable_id
from pipelines.config import load_sources

HTML = Path(__file__).resolve().parents[1] / "fixtures" / "html"
FAST = HttpSettings(min_interval=0, retries=1, backoff_factor=0.01)
ECOUTE = Path(sys.executable).parent / "ecoute"
TYPES = {".html": "text/html", ".xml": "application/xml", ".txt": "text/plain"}

WP_POST = "https://epicerie-marche.example/2026/10/04/paniers-automne/"
TYPEPAD_POST = "https://couture-lila.example/blog/2026/10/cours-du-mercredi.html"


def served(content: bytes, content_type: str) -> Callable[[Request], Response]:
    """`content` as a web server sends a static file: with an ETag, and a 304 to a request
    that already has it."""
    etag = '"' + hashlib.sha1(content).hexdigest()[:16] + '"'

    def handle(request: Request) -> Response:
        if request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers={"ETag": etag})
        return Response(content, content_type=content_type, headers={"ETag": etag})

    return handle


@pytest.fixture
def site(httpserver: HTTPServer) -> HTTPServer:
    """tests/fixtures/html on 127.0.0.1; the feed's and sitemaps' `https://blog.example`
    links point at the loopback server."""
    httpserver.no_handler_status_code = 404
    base = httpserver.url_for("/").rstrip("/").encode()
    for path in sorted(p for p in HTML.rglob("*") if p.is_file()):
        content = path.read_bytes().replace(b"https://blog.example", base)
        httpserver.expect_request("/" + path.relative_to(HTML).as_posix()).respond_with_handler(
            served(content, TYPES.get(path.suffix, "application/octet-stream"))
        )
    return httpserver


@pytest.fixture
def web(httpserver: HTTPServer) -> HTTPServer:
    """The loopback server, answering 404 (not 500) to what it was not told: no robots.txt."""
    httpserver.no_handler_status_code = 404
    return httpserver


def context(
    url: str,
    *,
    owners: tuple[str, ...] = (),
    settings: HttpSettings = FAST,
    local: bool = False,
    validators: dict[str, dict[str, str]] | None = None,
    **params: object,
) -> ExtractContext:
    source = SourceConfig(id="shop", kind="html-comments", url=url, owners=owners, params=params)
    http = HttpClient(settings=settings, allow_local_files=local, validators=validators or {})
    return ExtractContext(source=source, http=http)


def run(ctx: ExtractContext) -> list[Item]:
    return list(get_extractor("html-comments").run(ctx))


def extract(url: str, **kwargs: object) -> tuple[list[Item], ExtractContext]:
    ctx = context(url, **kwargs)  # type: ignore[arg-type]
    return run(ctx), ctx


def comments(items: list[Item]) -> list[Item]:
    return [i for i in items if i.kind == "comment"]


def by_author(items: list[Item], name: str) -> Item:
    return next(i for i in items if i.author_name == name)


def by_text(items: list[Item], fragment: str) -> Item:
    return next(i for i in items if fragment in i.text)


def iid(platform_id: str) -> str:
    return stable_id("shop", platform_id)


# --- WordPress -----------------------------------------------------------------------------


def test_a_wordpress_page_is_one_post_and_its_comments(site: HTTPServer) -> None:
    items, ctx = extract(site.url_for("/wordpress.html"))
    assert [i.kind for i in items] == ["post"] + ["comment"] * 7
    assert {i.post_id for i in items} == {iid(WP_POST)}
    assert ctx.warnings == []


def test_wordpress_replies_three_levels_deep_point_at_the_enclosing_comment(
    site: HTTPServer,
) -> None:
    items, _ = extract(site.url_for("/wordpress.html"))
    question = by_text(items, "Saint-Herblain")
    answer = by_text(items, "Oui on livre St Herblain")
    follow_ups = [by_text(items, "tickets resto"), by_text(items, "Orvault")]
    assert question.parent_id is None and question.extra["depth"] == 0
    assert answer.parent_id == question.item_id and answer.extra["depth"] == 1
    assert all(f.parent_id == answer.item_id and f.extra["depth"] == 2 for f in follow_ups)
    assert by_text(items, "15€").parent_id == by_text(items, "combien le petit panier").item_id
    assert by_text(items, "ENFIN").parent_id is None


def test_wordpress_comment_fields(site: HTTPServer) -> None:
    items, _ = extract(site.url_for("/wordpress.html"))
    question = by_text(items, "Saint-Herblain")
    assert question.author_name == "Sophie R." and question.author_id is None
    assert question.published_at == datetime(2026, 10, 5, 7, 12, tzinfo=UTC)
    assert (
        question.text
        == "Bonjour, est ce que vous livrez sur Saint-Herblain ?? merci d\u2019avance 🙂"
    )
    assert question.item_id == iid(WP_POST + "#comment-101")
    assert question.url == WP_POST + "#comment-101"
    answer = by_text(items, "Oui on livre")
    assert answer.text == (
        "Bonjour Sophie ! Oui on livre St Herblain le jeudi soir.\n"
        "Il faut commander avant mardi midi 😉"
    )
    jeanmi = by_text(items, "ENFIN")
    assert jeanmi.author_name == "Jean-Mi" and jeanmi.author_id == "http://jeanmi-photo.example/"


def test_the_post_has_title_text_date_author_and_canonical_id(site: HTTPServer) -> None:
    items, _ = extract(site.url_for("/wordpress.html"))
    post = items[0]
    assert post.item_id == iid(WP_POST) and post.url == WP_POST
    assert post.title == "Paniers de légumes : les abonnements d\u2019automne sont ouverts"
    assert post.text.startswith("Les abonnements d\u2019automne sont ouverts ! Courges")
    assert "Laisser un commentaire" not in post.text and "Sophie" not in post.text
    assert post.published_at == datetime(2026, 10, 4, 8, 0, tzinfo=UTC)
    assert post.author_name == "Claire - L\u2019Épicerie" and post.is_owner
    assert post.extra == {"profile": "wordpress", "comment_count": 7}


def test_pingbacks_and_the_comment_form_are_not_comments(site: HTTPServer) -> None:
    items, _ = extract(site.url_for("/wordpress.html"))
    assert not [i for i in items if "Ping" in i.text or "Laisser" in i.text]


def test_the_post_authors_comments_are_owner_without_configured_owners(site: HTTPServer) -> None:
    items, _ = extract(site.url_for("/wordpress.html"))
    owner = [i for i in comments(items) if i.is_owner]
    assert [i.author_name for i in owner] == ["Claire - L\u2019Épicerie"]
    assert owner[0].extra["by_post_author"] is True


def test_a_classic_theme_reads_dates_printed_in_french_in_paris_time(site: HTTPServer) -> None:
    items, ctx = extract(site.url_for("/wordpress-classic.html"))
    assert items[0].title == "Fermeture pour inventaire"
    first = by_author(items, "Jo des bocaux")
    assert first.published_at == datetime(2026, 10, 12, 16, 3, tzinfo=UTC)  # summer time
    assert by_author(items, "Gégé").published_at == datetime(2026, 10, 26, 7, 45, tzinfo=UTC)
    assert (
        first.text == "et le samedi 17 vous êtes ouverts ??\njdois récupérer ma commande de farine"
    )
    assert first.author_id == "http://lesbocauxdejo.example/"
    assert by_author(items, "Claire - L\u2019Épicerie").parent_id == first.item_id
    assert by_text(items, "inventaire <3").author_name == "Anne-So"
    assert ctx.warnings == []


# --- Typepad -------------------------------------------------------------------------------


def test_typepad_footer_gives_author_and_paris_local_time(site: HTTPServer) -> None:
    items, _ = extract(site.url_for("/typepad.html"))
    found = [(c.author_name, c.published_at) for c in comments(items)]
    assert found == [
        ("Manon", datetime(2026, 10, 5, 12, 30, tzinfo=UTC)),
        ("Béa", datetime(2026, 10, 5, 14, 2, tzinfo=UTC)),
        ("Atelier Lila", datetime(2026, 10, 5, 16, 45, tzinfo=UTC)),
        ("Julie", datetime(2026, 10, 27, 8, 15, tzinfo=UTC)),  # winter time from 25/10
        ("Chantal", datetime(2026, 10, 28, 19, 40, tzinfo=UTC)),
    ]
    assert by_author(items, "Béa").author_id == "http://profile.typepad.example/bea-couture"
    assert by_author(items, "Manon").author_id is None


def test_typepad_is_flat_and_keeps_the_answers_mentions_as_written(site: HTTPServer) -> None:
    items, _ = extract(site.url_for("/typepad.html"), owners=("Atelier Lila",))
    assert all(c.parent_id is None for c in comments(items))
    answer = by_author(items, "Atelier Lila")
    assert answer.is_owner
    assert answer.text == (
        "@Manon tous niveaux, pas de souci !\n"
        "Béa : on prête les machines, apportez juste fils et ciseaux"
    )
    assert "Rédigé par" not in answer.text


def test_a_blockquote_stays_in_the_text_and_goes_to_extra_quote(site: HTTPServer) -> None:
    items, _ = extract(site.url_for("/typepad.html"))
    julie = by_author(items, "Julie")
    assert julie.text == "Il reste 2 places !\nil en reste encore une ?? jsuis dispo le mercredi"
    assert julie.extra["quote"] == "Il reste 2 places !"


def test_typepad_comment_ids_are_their_element_ids(site: HTTPServer) -> None:
    items, _ = extract(site.url_for("/typepad.html"))
    assert by_author(items, "Manon").item_id == iid(
        TYPEPAD_POST + "#comment-6a00e5d1c2b3a488340b02c8d3e5f6201c"
    )


# --- Blogger -------------------------------------------------------------------------------


def test_blogger_replies_are_threaded(site: HTTPServer) -> None:
    items, _ = extract(site.url_for("/blogger.html"))
    didier = by_author(items, "Didier")
    assert [c.author_name for c in comments(items)] == [
        "Didier",
        "Les Ruchers du Vercors",
        "Anonyme",
        "Marie-Laure",
    ]
    reply = next(c for c in comments(items) if c.author_name == "Les Ruchers du Vercors")
    assert reply.parent_id == didier.item_id and reply.is_owner
    assert all(c.parent_id is None for c in comments(items) if c is not reply)


def test_blogger_exact_time_comes_from_the_comment_link(site: HTTPServer) -> None:
    items, _ = extract(site.url_for("/blogger.html"))
    assert by_text(items, "par la poste").published_at == datetime(2026, 10, 5, 8, 30, tzinfo=UTC)
    assert by_text(items, "Colissimo").published_at == datetime(2026, 10, 5, 12, 10, tzinfo=UTC)


def test_blogger_comment_text_leaves_out_header_and_reply_links(site: HTTPServer) -> None:
    items, _ = extract(site.url_for("/blogger.html"))
    marie = by_author(items, "Marie-Laure")
    assert marie.text == "Et le miel de lavande vous en avez encore ?\nBisous à Gaston le chien 🐶"
    assert marie.author_id == "https://www.blogger.example/profile/8820"
    assert not [c for c in comments(items) if "Répondre" in c.text or "Réponses" in c.text]


# --- profiles ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "profile"),
    [
        ("wordpress.html", "wordpress"),
        ("wordpress-classic.html", "wordpress"),
        ("typepad.html", "typepad"),
        ("blogger.html", "blogger"),
        ("generic.html", "generic"),
    ],
)
def test_auto_detection_picks_the_profile_from_the_markup(
    site: HTTPServer, page: str, profile: str
) -> None:
    items, _ = extract(site.url_for(f"/{page}"))
    assert items[0].extra["profile"] == profile


def test_the_generic_heuristic_reads_markup_no_profile_knows(site: HTTPServer) -> None:
    items, ctx = extract(site.url_for("/generic.html"))
    found = [(c.author_name, c.published_at, c.text) for c in comments(items)]
    assert found == [
        (
            "Paulo",
            datetime(2026, 10, 3, 16, 12, tzinfo=UTC),
            "Y a toujours la complète œuf-jambon-fromage ?? c'est ma préférée",
        ),
        (
            "Ty Breizh",
            datetime(2026, 10, 3, 17, 2, tzinfo=UTC),
            "Bien sûr Paulo, elle ne bouge pas 😄",
        ),
        (
            "Gwen",
            datetime(2026, 10, 4, 9, 40, tzinfo=UTC),
            "vous faites des galettes sans gluten ?",
        ),
    ]
    assert by_author(items, "Ty Breizh").parent_id == by_author(items, "Paulo").item_id
    assert ctx.warnings == []


def test_the_generic_profile_forced_on_wordpress_finds_the_same_thread(site: HTTPServer) -> None:
    auto, _ = extract(site.url_for("/wordpress.html"))
    generic, _ = extract(site.url_for("/wordpress.html"), profile="generic")

    def shape(items: list[Item]) -> list[tuple[str | None, str, str | None]]:
        return [(c.author_name, c.text, c.parent_id) for c in comments(items)]

    assert shape(generic) == shape(auto)


def test_a_profile_that_does_not_fit_the_page_warns(site: HTTPServer) -> None:
    items, ctx = extract(site.url_for("/typepad.html"), profile="blogger")
    assert comments(items) == []
    assert len(ctx.warnings) == 1 and "no comment could be read" in ctx.warnings[0]
    assert ctx.complete_threads == set()


def test_the_selectors_param_reads_a_sites_own_markup(site: HTTPServer) -> None:
    selectors = {
        "comment": ".avis",
        "author": ".qui",
        "date": ".quand",
        "body": ".msg",
        "reply_container": ".sous-avis",
        "date_format": "le %d/%m/%Y à %Hh%M",
        "id_attribute": "data-avis",
    }
    items, ctx = extract(site.url_for("/custom.html"), selectors=selectors)
    post = "https://garage-solidaire-brest.example/actus/revision-hiver"
    yannick, garage, merci, soaz = comments(items)
    assert (yannick.author_name, yannick.text) == (
        "Yannick",
        "vous prenez aussi les vélos électriques ? la batterie tient plus rien",
    )
    assert yannick.item_id == iid(post + "#a-17") and yannick.published_at == datetime(
        2026, 10, 5, 12, 30, tzinfo=UTC
    )
    assert garage.parent_id == yannick.item_id and merci.parent_id == garage.item_id
    assert soaz.parent_id is None and soaz.author_name == "Soaz"
    assert items[0].extra["profile"] == "selectors" and ctx.warnings == []


def test_an_invalid_css_selector_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"params\.selectors\.comment: .*invalid CSS selector"):
        extract(str(HTML / "custom.html"), local=True, selectors={"comment": "div[[avis"})


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"colour": "blue"}, r"params\.colour: unknown key"),
        ({"profile": "myspace"}, r"params\.profile"),
        ({"selectors": {"author": ".qui"}}, r"params\.selectors\.comment"),
        ({"timezone": "Europe/Lyon"}, r"params\.timezone: .*unknown time zone"),
        ({"max_pages": 0}, r"params\.max_pages"),
    ],
)
def test_wrong_params_are_config_errors(params: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        extract(str(HTML / "wordpress.html"), local=True, **params)


# --- ids and dates -------------------------------------------------------------------------


def test_comments_without_an_id_get_stable_distinct_ids(site: HTTPServer) -> None:
    first, _ = extract(site.url_for("/generic.html"))
    second, _ = extract(site.url_for("/generic.html"))
    assert [i.item_id for i in first] == [i.item_id for i in second]
    assert len({i.item_id for i in first}) == len(first)


def test_a_comment_without_a_date_gets_the_fetch_time_and_one_warning_per_page(
    web: HTTPServer,
) -> None:
    page = (
        "<html><body><h1>Vide-grenier</h1><ol class='comment-list'>"
        "<li class='comment' id='comment-1'><div class='comment-author'><b class='fn'>Lou</b>"
        "</div><div class='comment-content'><p>on peut encore s'inscrire ?</p></div></li>"
        "<li class='comment' id='comment-2'><div class='comment-author'><b class='fn'>Max</b>"
        "</div><div class='comment-content'><p>moi aussi svp</p></div></li>"
        "</ol></body></html>"
    )
    web.expect_request("/vide-grenier.html").respond_with_data(page, content_type="text/html")
    items, ctx = extract(web.url_for("/vide-grenier.html"))
    assert [c.published_at for c in comments(items)] == [ctx.fetched_at, ctx.fetched_at]
    assert all(c.extra["published_at_missing"] is True for c in comments(items))
    assert len(ctx.warnings) == 1
    assert "vide-grenier.html" in ctx.warnings[0] and "2 comment(s)" in ctx.warnings[0]


# --- encodings -----------------------------------------------------------------------------

CP1252_TEXT = (
    "Très bien reçu, merci ! Le savon à l\u2019œillet sent trop bon… vous en refaites cet été ? "
    "12 € c\u2019est très correct"
)


def test_a_windows_1252_page_without_declaration_reads_accents(site: HTTPServer) -> None:
    items, _ = extract(site.url_for("/windows-1252.html"))
    assert by_author(items, "Hélène").text == CP1252_TEXT
    assert items[0].text.startswith("Merci à tous d\u2019être venus ! Les coffrets à 25 €")


def test_a_windows_1252_page_served_as_utf_8_reads_accents(web: HTTPServer) -> None:
    content = (HTML / "windows-1252.html").read_bytes()
    web.expect_request("/savons.html").respond_with_data(
        content, content_type="text/html; charset=utf-8"
    )
    items, _ = extract(web.url_for("/savons.html"))
    assert by_author(items, "Hélène").text == CP1252_TEXT


def test_an_iso_8859_1_page_reads_its_meta_declaration(site: HTTPServer) -> None:
    items, _ = extract(site.url_for("/iso-8859-1.html"))
    francois = by_author(items, "François")
    assert francois.text.startswith("Ça a l'air génial ! Est-ce que les enfants")
    assert francois.published_at == datetime(2026, 10, 13, 19, 5, tzinfo=UTC)
    assert items[0].title == "Stage de céramique à la Toussaint"


def test_the_http_header_charset_is_used(web: HTTPServer) -> None:
    page = "<html><body><h1>Crème brûlée</h1><p>Spécialité maison, 6 €.</p></body></html>"
    web.expect_request("/creme.html").respond_with_data(
        page.encode("iso-8859-15"), content_type="text/html; charset=ISO-8859-15"
    )
    items, _ = extract(web.url_for("/creme.html"))
    assert items[0].title == "Crème brûlée" and "6 €" in items[0].text


def test_a_utf_8_page_with_a_wrong_latin_1_header_still_reads_utf_8(
    web: HTTPServer,
) -> None:
    content = (HTML / "typepad.html").read_bytes()
    web.expect_request("/couture.html").respond_with_data(
        content, content_type="text/html; charset=ISO-8859-1"
    )
    items, _ = extract(web.url_for("/couture.html"))
    assert by_author(items, "Béa").text == "il faut apporter sa machine ou vous en prêtez ?"


# --- broken pages and failures -------------------------------------------------------------


def test_unclosed_tags_keep_siblings_apart_and_replies_threaded(site: HTTPServer) -> None:
    items, _ = extract(site.url_for("/broken.html"))
    lea, bruno, cave, mireille = comments(items)
    assert items[0].title == "Soirée dégustation : vins nature"
    assert (lea.author_name, lea.text, lea.parent_id) == (
        "Léa",
        "faut réserver ? on serait 4",
        None,
    )
    assert bruno.parent_id is None and bruno.text == "Top, j'y serai !!"
    assert cave.parent_id == bruno.item_id and cave.is_owner
    assert mireille.parent_id is None and mireille.author_name == "Mireille"


def test_a_cut_off_page_warns_and_does_not_complete_its_thread(site: HTTPServer) -> None:
    items, ctx = extract(site.url_for("/broken.html"))
    assert len(comments(items)) == 4
    assert len(ctx.warnings) == 1
    assert "broken.html" in ctx.warnings[0] and "cut off" in ctx.warnings[0]
    assert ctx.complete_threads == set()


def test_a_comment_section_with_no_readable_comment_warns(site: HTTPServer) -> None:
    items, ctx = extract(site.url_for("/unreadable.html"))
    assert [i.kind for i in items] == ["post"]
    assert len(ctx.warnings) == 1
    assert "unreadable.html" in ctx.warnings[0] and "no comment could be read" in ctx.warnings[0]
    assert ctx.complete_threads == set()


def test_a_missing_page_is_a_warning_and_the_others_go_on(site: HTTPServer) -> None:
    items, ctx = extract(site.url_for("/"), pages=["typepad.html", "disparu.html", "blogger.html"])
    assert [i.kind for i in items].count("post") == 2
    assert len(ctx.warnings) == 1
    assert "disparu.html" in ctx.warnings[0] and "404" in ctx.warnings[0]


def test_a_page_robots_txt_disallows_is_not_fetched(site: HTTPServer) -> None:
    items, ctx = extract(site.url_for("/"), pages=["prive/membres.html", "typepad.html"])
    assert not [i for i in items if "membres" in i.text]
    assert len(ctx.warnings) == 1
    assert "prive/membres.html" in ctx.warnings[0] and "robots.txt" in ctx.warnings[0]
    assert not [r for r, _ in site.log if r.path == "/prive/membres.html"]


def test_a_page_over_the_size_cap_is_a_warning(web: HTTPServer) -> None:
    big = "<html><body><h1>Gros</h1>" + "<p>bla bla</p>" * 5000 + "</body></html>"
    web.expect_request("/gros.html").respond_with_data(big, content_type="text/html")
    web.expect_request("/petit.html").respond_with_data(
        "<html><body><h1>Petit</h1></body></html>", content_type="text/html"
    )
    capped = HttpSettings(min_interval=0, retries=1, backoff_factor=0.01, max_bytes=20_000)
    items, ctx = extract(web.url_for("/"), pages=["gros.html", "petit.html"], settings=capped)
    assert [i.title for i in items] == ["Petit"]
    assert len(ctx.warnings) == 1 and "gros.html" in ctx.warnings[0] and "cap" in ctx.warnings[0]


def test_a_page_that_is_not_html_is_a_warning(web: HTTPServer) -> None:
    web.expect_request("/menu.pdf").respond_with_data(
        b"%PDF-1.7 \x00\x01", content_type="application/pdf"
    )
    web.expect_request("/carte.html").respond_with_data(
        "<html><body><h1>Carte</h1></body></html>", content_type="text/html"
    )
    items, ctx = extract(web.url_for("/"), pages=["menu.pdf", "carte.html"])
    assert [i.title for i in items] == ["Carte"]
    assert "menu.pdf" in ctx.warnings[0] and "not an HTML page" in ctx.warnings[0]


def test_no_readable_page_at_all_is_a_source_error(site: HTTPServer) -> None:
    with pytest.raises(SourceError, match=r"source 'shop': none of its 2 page\(s\).*404"):
        extract(site.url_for("/"), pages=["absent.html", "prive/membres.html"])


def test_paginated_comments_warn_and_do_not_complete_the_thread(web: HTTPServer) -> None:
    page = (
        (HTML / "wordpress.html")
        .read_text(encoding="utf-8")
        .replace(
            '<div id="respond"',
            '<nav class="comment-navigation"><a href="/paniers/comment-page-2/#comments">'
            'Commentaires plus récents</a></nav><div id="respond"',
        )
    )
    web.expect_request("/paniers.html").respond_with_data(page, content_type="text/html")
    items, ctx = extract(web.url_for("/paniers.html"))
    assert len(comments(items)) == 7
    assert len(ctx.warnings) == 1 and "several pages" in ctx.warnings[0]
    assert ctx.complete_threads == set()


# --- conditional GET and complete threads --------------------------------------------------


def test_each_fully_read_page_completes_its_thread(site: HTTPServer) -> None:
    items, ctx = extract(site.url_for("/"), pages=["wordpress.html", "typepad.html"])
    assert ctx.complete_threads == {iid(WP_POST), iid(TYPEPAD_POST)}
    assert {i.post_id for i in items} == ctx.complete_threads


def test_an_unchanged_page_answers_304_and_yields_nothing(site: HTTPServer) -> None:
    first = context(site.url_for("/typepad.html"))
    assert len(run(first)) == 6
    validators = first.http.current_validators()
    assert site.url_for("/typepad.html") in validators
    second = context(site.url_for("/typepad.html"), validators=validators)
    assert run(second) == []
    assert second.complete_threads == set() and second.warnings == []
    assert site.log[-1][1].status_code == 304


# --- discovery -----------------------------------------------------------------------------


def test_feed_discovery_reads_the_pages_its_entries_link_to(site: HTTPServer) -> None:
    items, ctx = extract(site.url_for("/feed.xml"), discover="feed")
    assert [i.title for i in items if i.kind == "post"] == [
        "Fermeture pour inventaire",
        "Paniers de légumes : les abonnements d\u2019automne sont ouverts",
    ]
    assert len(comments(items)) == 4 + 7
    assert len(ctx.warnings) == 1 and "prive/membres.html" in ctx.warnings[0]


def test_sitemap_discovery_reads_the_newest_pages_first(site: HTTPServer) -> None:
    items, ctx = extract(site.url_for("/sitemap.xml"), discover="sitemap", max_pages=3)
    assert [i.extra["profile"] for i in items if i.kind == "post"] == [
        "typepad",
        "wordpress",
        "blogger",
    ]
    assert ctx.warnings == [
        "5 pages found, only the first 3 read (raise params.max_pages to read more)"
    ]


def test_a_sitemap_index_is_followed_to_its_sitemaps(site: HTTPServer) -> None:
    items, ctx = extract(site.url_for("/sitemap-index.xml"), discover="sitemap")
    assert [i.kind for i in items].count("post") == 5
    assert len(ctx.warnings) == 1 and "sitemap-absent.xml" in ctx.warnings[0]


def test_feed_discovery_on_a_page_that_is_no_feed_is_a_source_error(site: HTTPServer) -> None:
    with pytest.raises(SourceError, match="not a readable feed"):
        extract(site.url_for("/robots.txt"), discover="feed")


def test_a_missing_sitemap_is_a_source_error(site: HTTPServer) -> None:
    with pytest.raises(SourceError, match=r"cannot read the page list: .*404"):
        extract(site.url_for("/sitemap-absent.xml"), discover="sitemap")


def test_local_pages_are_relative_to_the_source_folder() -> None:
    items, ctx = extract(str(HTML), local=True, pages=["typepad.html", "blogger.html"])
    assert [i.kind for i in items].count("post") == 2 and ctx.warnings == []


def test_a_local_feed_links_pages_relative_to_itself(tmp_path: Path) -> None:
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "cours.html").write_bytes((HTML / "typepad.html").read_bytes())
    (tmp_path / "feed.xml").write_text(
        "<?xml version='1.0'?><rss version='2.0'><channel><title>Lila</title>"
        "<item><title>Cours</title><link>articles/cours.html</link></item>"
        "</channel></rss>",
        encoding="utf-8",
    )
    items, ctx = extract(str(tmp_path / "feed.xml"), local=True, discover="feed")
    assert len(comments(items)) == 5 and ctx.warnings == []


def test_a_remote_feed_cannot_make_ecoute_read_local_files(web: HTTPServer) -> None:
    feed = (
        "<?xml version='1.0'?><rss version='2.0'><channel><title>x</title>"
        f"<item><title>a</title><link>{(HTML / 'typepad.html').as_uri()}</link></item>"
        "</channel></rss>"
    )
    web.expect_request("/feed.xml").respond_with_data(feed, content_type="application/xml")
    with pytest.raises(SourceError):
        extract(web.url_for("/feed.xml"), discover="feed")


# --- the command line ----------------------------------------------------------------------


def ecoute_extract(url: str, tmp_path: Path, *extra: str) -> list[dict[str, object]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECOUTE_")}
    env[ALLOW_LOOPBACK_ENV] = "1"  # the test servers are on 127.0.0.1
    env["ECOUTE_HOME"] = str(tmp_path)
    proc = subprocess.run(
        [str(ECOUTE), "extract", "--kind", "html-comments", "--url", url, *extra],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]


def test_cli_prints_every_typepad_comment_with_author_utc_time_and_text(
    site: HTTPServer, tmp_path: Path
) -> None:
    lines = ecoute_extract(site.url_for("/typepad.html"), tmp_path, "--owner", "Atelier Lila")
    found = [
        (i["author_name"], i["published_at"], i["text"]) for i in lines if i["kind"] == "comment"
    ]
    assert found == [
        (
            "Manon",
            "2026-10-05T12:30:00Z",
            "Bonjour, c'est pour quel niveau ? je suis grande débutante 😅",
        ),
        ("Béa", "2026-10-05T14:02:00Z", "il faut apporter sa machine ou vous en prêtez ?"),
        (
            "Atelier Lila",
            "2026-10-05T16:45:00Z",
            "@Manon tous niveaux, pas de souci !\n"
            "Béa : on prête les machines, apportez juste fils et ciseaux",
        ),
        (
            "Julie",
            "2026-10-27T08:15:00Z",
            "Il reste 2 places !\nil en reste encore une ?? jsuis dispo le mercredi",
        ),
        ("Chantal", "2026-10-28T19:40:00Z", "super atelier, ma fille ADORE !!"),
    ]
    assert [i["is_owner"] for i in lines] == [True, False, False, True, False, False]


def test_cli_prints_wordpress_replies_with_their_parent_id(
    site: HTTPServer, tmp_path: Path
) -> None:
    lines = ecoute_extract(site.url_for("/wordpress.html"), tmp_path)
    by_id = {i["item_id"]: i for i in lines}
    parents = [
        (i["author_name"], by_id[i["parent_id"]]["author_name"] if i["parent_id"] else None)
        for i in lines
        if i["kind"] == "comment"
    ]
    assert parents == [
        ("Sophie R.", None),
        ("Claire - L\u2019Épicerie", "Sophie R."),
        ("Sophie R.", "Claire - L\u2019Épicerie"),
        ("Marc_44", "Claire - L\u2019Épicerie"),
        ("Jean-Mi", None),
        ("Nadia", None),
        ("Jean-Mi", "Nadia"),
    ]
    assert all(i["published_at"].endswith("Z") for i in lines)


# --- the bundled demo ----------------------------------------------------------------------

REPO = Path(__file__).resolve().parents[2]
DEMO_SITES = ("jardinerie-coteau", "argile-bleue")


def demo_labels(site: str) -> list[dict[str, str]]:
    with (REPO / "demo" / "labels.csv").open(encoding="utf-8") as handle:
        return [row for row in csv.DictReader(handle) if row["site"] == site]


@pytest.fixture(scope="module")
def demo() -> dict[str, tuple[list[Item], ExtractContext]]:
    sources = {s.id: s for s in load_sources(REPO / "sources.yml")}
    extracted = {}
    for site in DEMO_SITES:
        ctx = ExtractContext.for_source(sources[site])
        extracted[site] = (run(ctx), ctx)
    return extracted


@pytest.mark.parametrize("site", DEMO_SITES)
def test_demo_site_matches_its_answer_key(demo, site: str) -> None:
    items, ctx = demo[site]
    expected = {stable_id(site, row["item_guid"]): row for row in demo_labels(site)}
    found = {item.item_id: item for item in items}
    assert len(found) == len(items) and set(found) == set(expected)
    for item_id, row in expected.items():
        assert (found[item_id].kind, found[item_id].author_name) == (row["kind"], row["author"])
        assert found[item_id].is_owner == (row["is_owner"] == "1"), row
    assert ctx.warnings == []
    assert ctx.complete_threads == {i.item_id for i in items if i.kind == "post"}


@pytest.mark.parametrize("site", DEMO_SITES)
def test_demo_threaded_owner_answers_point_at_their_question(demo, site: str) -> None:
    items, _ = demo[site]
    answered = {item.parent_id for item in items if item.is_owner and item.parent_id}
    for row in demo_labels(site):
        assert (stable_id(site, row["item_guid"]) in answered) == (
            row["answered_by_owner_threaded"] == "1"
        ), row


def test_demo_flat_owner_answers_name_the_customer_first(demo) -> None:
    items, _ = demo["argile-bleue"]
    by_id = {item.item_id: item for item in items}
    for row in demo_labels("argile-bleue"):
        if row["answered_by_owner_flat"] != "1":
            continue
        question = by_id[stable_id("argile-bleue", row["item_guid"])]
        first = row["author"].split()[0].lower()
        answers = [
            i
            for i in comments(items)
            if i.is_owner
            and i.post_id == question.post_id
            and i.parent_id is None
            and i.published_at > question.published_at
            and i.text.lower().startswith((f"@{first}", f"{first} :"))
        ]
        assert answers, row
