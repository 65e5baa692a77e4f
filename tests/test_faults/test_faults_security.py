"""Input security: where ecoute may connect, which links it follows, and a planted token
looked for everywhere ecoute writes (landing, warehouse, report, output)."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from pytest_httpserver import HTTPServer
from support.faults import ecoute, ecoute_env, rss
from support.graph_api import FakeGraph
from werkzeug import Request, Response

import extractors.html_comments
import extractors.rss  # noqa: F401
from extractors.base import ExtractContext, SourceConfig, get_extractor
from extractors.errors import FetchError, SourceError
from extractors.http import HttpClient, HttpSettings
from extractors.netguard import AddressPolicy, same_site

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
LOOPBACK_OK = HttpSettings(min_interval=0, retries=0, allow_loopback=True)


@pytest.mark.parametrize(
    ("address", "refused_as"),
    [
        ("93.184.215.14", None),
        ("2a00:1450:4007:80e::200e", None),
        ("127.0.0.1", "is a loopback address; set http.allow_loopback: true"),
        ("::1", "is a loopback address"),
        ("::ffff:127.0.0.1", "127.0.0.1 is a loopback address"),
        ("10.0.0.5", "is a private address; set http.allow_private: true"),
        ("192.168.1.1", "is a private address"),
        ("172.16.0.1", "is a private address"),
        ("100.64.0.1", "is a private address"),
        ("fd12:3456::1", "is a private address"),
        ("169.254.169.254", "is a link-local address; set http.allow_private: true"),
        ("fe80::1", "is a link-local address"),
        ("0.0.0.0", "is not an address a site can have"),
        ("224.0.0.251", "is not an address a site can have"),
        ("240.0.0.1", "is not an address a site can have"),
    ],
)
def test_only_public_addresses_are_reached_by_default(address: str, refused_as: str | None) -> None:
    reason = AddressPolicy().refusal(address)
    assert reason is None if refused_as is None else refused_as in (reason or ""), reason


def test_each_allowance_opens_only_its_own_kind_of_address() -> None:
    loopback, private = AddressPolicy(allow_loopback=True), AddressPolicy(allow_private=True)
    assert loopback.refusal("127.0.0.1") is None and loopback.refusal("10.0.0.5")
    assert private.refusal("10.0.0.5") is None and private.refusal("169.254.169.254") is None
    assert private.refusal("127.0.0.1") and private.refusal("0.0.0.0")


@pytest.mark.parametrize(
    ("link", "same"),
    [
        ("https://mon-commerce.fr/comments/feed/", True),
        ("http://www.mon-commerce.fr:8080/?p=1", True),
        ("https://blog.mon-commerce.fr/feed/", True),
        ("https://mon-commerce.fr.evil.example/feed/", False),
        ("https://evilmon-commerce.fr/feed/", False),
        ("https://autre-commerce.fr/feed/", False),
    ],
)
def test_the_site_of_a_source_is_its_host_its_subdomains_and_parent(link: str, same: bool) -> None:
    assert same_site(link, "https://www.mon-commerce.fr/feed/") is same


def test_a_source_not_allowed_loopback_never_connects_to_it(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed.xml").respond_with_data(rss("Blog", [("a", "A")]))
    source = SourceConfig(
        id="intranet",
        kind="rss",
        url=httpserver.url_for("/feed.xml"),
        http=HttpSettings(min_interval=0, allow_loopback=False),
    )
    with pytest.raises(SourceError) as caught:
        list(get_extractor("rss").run(ExtractContext.for_source(source)))
    assert str(caught.value) == (
        f"source 'intranet': {httpserver.url_for('/feed.xml')}: refused (localhost): 127.0.0.1 "
        "is a loopback address; set http.allow_loopback: true for this source if intended"
    )
    assert httpserver.log == []  # not even a connection that sent a request


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("http://10.0.0.5/feed", "refused: 10.0.0.5 is a private address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
        ("http://[::ffff:a00:5]/feed", "10.0.0.5 is a private address"),
    ],
)
def test_a_redirect_to_a_private_address_is_refused_before_connecting(
    httpserver: HTTPServer, target: str, reason: str
) -> None:
    httpserver.expect_request("/feed.xml").respond_with_response(
        Response(status=301, headers={"Location": target})
    )
    started = time.monotonic()
    with pytest.raises(FetchError, match=re.escape(reason)):
        HttpClient(settings=LOOPBACK_OK).get(httpserver.url_for("/feed.xml"))
    assert time.monotonic() - started < 1  # refused, not a connection left to time out


def test_links_are_followed_on_the_source_site_only(httpserver: HTTPServer) -> None:
    """Three posts whose comment feeds are on the site, on another host (127.0.0.1 is
    another host than localhost, though the same server) and a local file."""
    elsewhere = httpserver.url_for("/comments/b.xml").replace("localhost", "127.0.0.1")
    links = {"a": httpserver.url_for("/comments/a.xml"), "b": elsewhere, "c": "file:///etc/passwd"}
    items = "".join(
        f"<item><title>{name}</title><guid>{name}</guid><wfw:commentRss>{link}</wfw:commentRss>"
        "</item>"
        for name, link in links.items()
    )
    feed = (
        "<?xml version='1.0'?><rss version='2.0' xmlns:wfw='http://wellformedweb.org/CommentAPI/'>"
        f"<channel><title>Blog</title>{items}</channel></rss>"
    )
    httpserver.expect_request("/feed.xml").respond_with_data(feed, content_type="application/xml")
    for name in ("a", "b"):
        httpserver.expect_request(f"/comments/{name}.xml").respond_with_data(
            rss(f"Commentaires {name}", [(f"{name}-1", "Merci !")]), content_type="application/xml"
        )
    source = SourceConfig(
        id="blog", kind="rss", url=httpserver.url_for("/feed.xml"), http=LOOPBACK_OK
    )
    ctx = ExtractContext.for_source(source)
    items_read = list(get_extractor("rss").run(ctx))
    assert [i.kind for i in items_read] == ["post", "post", "post", "comment"]
    assert [r.path for r, _ in httpserver.log] == ["/feed.xml", "/comments/a.xml"]
    assert any(elsewhere in w and "off the source's site (localhost:" in w for w in ctx.warnings)
    assert any("etc/passwd: local files are only read" in w for w in ctx.warnings)


def test_pages_found_in_a_sitemap_are_read_on_the_site_only(
    httpserver: HTTPServer,
) -> None:
    page = (FIXTURES / "html" / "wordpress.html").read_bytes()
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    for path in ("/on-site.html", "/discovered-elsewhere.html"):
        httpserver.expect_request(path).respond_with_data(page, content_type="text/html")
    other_host = httpserver.url_for("/").replace("localhost", "127.0.0.1")
    sitemap = (
        "<?xml version='1.0'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
        f"<url><loc>{httpserver.url_for('/on-site.html')}</loc></url>"
        f"<url><loc>{other_host}discovered-elsewhere.html</loc></url></urlset>"
    )
    httpserver.expect_request("/sitemap.xml").respond_with_data(sitemap, content_type="text/xml")
    source = SourceConfig(
        id="site",
        kind="html-comments",
        url=httpserver.url_for("/sitemap.xml"),
        params={"discover": "sitemap"},
        http=LOOPBACK_OK,
    )
    ctx = ExtractContext.for_source(source)
    list(get_extractor("html-comments").run(ctx))
    read = {r.path for r, _ in httpserver.log if r.path.endswith(".html")}
    assert read == {"/on-site.html"}
    assert any(
        "discovered-elsewhere.html" in w and "off the source's site" in w for w in ctx.warnings
    )


# --- a planted token, looked for everywhere -------------------------------------------------

TOKEN = "EAAGm0PX4ZCpsBA|pl4nted-T0ken=="
FORMS = {"raw": TOKEN, "quote": quote(TOKEN, safe=""), "quote_plus": quote_plus(TOKEN)}
EXPIRED_PAGE = "999000999"


def echoing_refusal(request: Request) -> Response:
    """An API that repeats the request, token included, in its error (some do)."""
    message = f"Invalid OAuth token {request.args.get('access_token')} for {request.url}"
    body = {"error": {"code": 190, "message": message, "type": "OAuthException"}}
    return Response(json.dumps(body), content_type="application/json")


def test_a_planted_token_is_written_nowhere(httpserver: HTTPServer, tmp_path: Path) -> None:
    page = json.loads((FIXTURES / "graph" / "facebook_page.json").read_text("utf-8"))
    edges = {(page["page_id"], "posts"): page["posts"]}
    edges.update({(post, "comments"): found for post, found in page["comments"].items()})
    httpserver.expect_request(f"/v21.0/{EXPIRED_PAGE}/posts").respond_with_handler(echoing_refusal)
    graph = FakeGraph(httpserver, edges, TOKEN)
    params = {"since_days": 3650, "page_size": 2, "throttle_backoff": 0.01}
    sources = [
        {"id": "page", "kind": "facebook-page", "url": graph.url,
         "params": {"page_id": page["page_id"], **params}},
        {"id": "expired", "kind": "facebook-page", "url": graph.url,
         "params": {"page_id": EXPIRED_PAGE, **params}},
    ]  # fmt: skip
    config = tmp_path / "sources.yml"
    config.write_text(json.dumps({"http": {"min_interval": 0}, "sources": sources}), "utf-8")
    home = tmp_path / "home"
    env = ecoute_env(home, ECOUTE_FACEBOOK_TOKEN=TOKEN)

    run = ecoute("run", "--config", str(config), home=home, env=env)
    assert run.returncode == 1, run.stderr  # the expired page failed, the other loaded
    assert "source 'expired'" in run.stderr and "Invalid OAuth token ***" in run.stderr
    report = ecoute("report", home=home, env=env)
    assert report.returncode == 0, report.stderr
    queries = [ecoute("sql", "SELECT s.*, r.* FROM sources s, runs r", home=home, env=env)]
    assert queries[0].returncode == 0, queries[0].stderr

    written = [p for p in home.rglob("*") if p.is_file()]
    kinds = {p.suffix for p in written}
    assert {".duckdb", ".bin", ".jsonl", ".json", ".html"} <= kinds, kinds
    outputs = "".join(p.stdout + p.stderr for p in (run, report, *queries))
    assert "***" in outputs  # the refusal was reported, masked
    for form, value in FORMS.items():
        assert value not in outputs, form
        for path in written:
            assert value.encode() not in path.read_bytes(), (form, path)
