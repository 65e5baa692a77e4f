import gzip
import time
from email.utils import formatdate
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from extractors.errors import FetchError
from extractors.http import USER_AGENT, Fetched, HttpClient, HttpSettings


def fast_client(*, retries: int = 3, max_bytes: int = 1_000_000, **kwargs: object) -> HttpClient:
    settings = HttpSettings(
        backoff_factor=0.01,
        timeout=2,
        connect_timeout=2,
        min_interval=0,
        retries=retries,
        max_bytes=max_bytes,
    )
    return HttpClient(settings=settings, **kwargs)  # type: ignore[arg-type]


def test_sends_the_ecoute_user_agent(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/f", headers={"User-Agent": USER_AGENT}).respond_with_data("ok")
    assert fast_client().get(httpserver.url_for("/f")).content == b"ok"


def test_retries_a_503_then_succeeds(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request("/f").respond_with_data("busy", status=503)
    httpserver.expect_ordered_request("/f").respond_with_data("ok")
    fetched = fast_client().get(httpserver.url_for("/f"))
    assert (fetched.status, fetched.content) == (200, b"ok")
    assert len(httpserver.log) == 2


def test_honours_retry_after_on_429(httpserver: HTTPServer) -> None:
    httpserver.expect_ordered_request("/f").respond_with_response(
        Response("slow down", status=429, headers={"Retry-After": "1"})
    )
    httpserver.expect_ordered_request("/f").respond_with_data("ok")
    started = time.monotonic()
    assert fast_client().get(httpserver.url_for("/f")).content == b"ok"
    assert time.monotonic() - started >= 0.9  # waited as told, not the 0.01 s backoff


def test_gives_up_with_the_status_after_retries(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/f").respond_with_data("down", status=500)
    with pytest.raises(FetchError, match="HTTP 500") as caught:
        fast_client(retries=2).get(httpserver.url_for("/f"))
    assert caught.value.status == 500
    assert len(httpserver.log) == 3  # first try + 2 retries


def test_404_is_not_retried(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/f").respond_with_data("nope", status=404)
    with pytest.raises(FetchError, match="HTTP 404"):
        fast_client().get(httpserver.url_for("/f"))
    assert len(httpserver.log) == 1


def test_refuses_a_response_over_the_size_cap(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/big").respond_with_data(b"x" * 5000)
    with pytest.raises(FetchError, match="cap"):
        fast_client(max_bytes=1000).get(httpserver.url_for("/big"))


def test_connection_refused_is_one_clear_error() -> None:
    with pytest.raises(FetchError, match="connection failed"):
        fast_client(retries=0).get("http://127.0.0.1:9/feed")


def test_local_files_only_when_allowed(tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text("<rss/>")
    assert fast_client(allow_local_files=True).get(str(feed)).content == b"<rss/>"
    with pytest.raises(FetchError, match="local files"):
        fast_client().get(feed.as_uri())


def test_every_payload_goes_to_the_recorder(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/f").respond_with_data("payload")
    seen: list[Fetched] = []
    fast_client(recorder=seen.append).get(httpserver.url_for("/f"))
    assert [f.content for f in seen] == [b"payload"]


def test_json_payloads_parse_and_bad_json_names_the_url(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/ok").respond_with_json({"posts": [{"id": 1}]})
    httpserver.expect_request("/bad").respond_with_data(
        '{"posts": [', content_type="application/json"
    )
    assert fast_client().get(httpserver.url_for("/ok")).json() == {"posts": [{"id": 1}]}
    with pytest.raises(FetchError, match=r"/bad: invalid JSON"):
        fast_client().get(httpserver.url_for("/bad")).json()


def test_a_gzip_bomb_stops_at_the_cap(httpserver: HTTPServer) -> None:
    bomb = gzip.compress(b"\0" * 50_000_000)  # 50 MB of zeros in about 50 KB
    httpserver.expect_request("/bomb").respond_with_data(
        bomb, headers={"Content-Encoding": "gzip"}, content_type="application/rss+xml"
    )
    with pytest.raises(FetchError, match="exceeds the 1 MB cap"):
        fast_client(max_bytes=1_000_000).get(httpserver.url_for("/bomb"))


def test_gzip_is_decoded(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/f").respond_with_data(
        gzip.compress("Fermé lundi".encode()), headers={"Content-Encoding": "gzip"}
    )
    assert fast_client().get(httpserver.url_for("/f")).content.decode() == "Fermé lundi"


def test_retry_after_as_an_http_date_is_honoured(httpserver: HTTPServer) -> None:
    soon = formatdate(time.time() + 1, usegmt=True)
    httpserver.expect_ordered_request("/f").respond_with_response(
        Response("busy", status=503, headers={"Retry-After": soon})
    )
    httpserver.expect_ordered_request("/f").respond_with_data("ok")
    assert fast_client().get(httpserver.url_for("/f")).content == b"ok"
    assert len(httpserver.log) == 2


def test_redirects_are_capped(httpserver: HTTPServer) -> None:
    for n in range(4):
        httpserver.expect_request(f"/r{n}").respond_with_response(
            Response(status=302, headers={"Location": f"/r{n + 1}"})
        )
    client = HttpClient(settings=HttpSettings(max_redirects=2, min_interval=0))
    with pytest.raises(FetchError, match="more than 2 redirects"):
        client.get(httpserver.url_for("/r0"))


def test_conditional_get_sends_validators_and_reports_304(httpserver: HTTPServer) -> None:
    def handler(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304)
        return Response("feed", headers={"ETag": '"v1"', "Last-Modified": "Mon, 05 Oct 2026"})

    httpserver.expect_request("/f").respond_with_handler(handler)
    client = fast_client()
    assert not client.get(httpserver.url_for("/f"), conditional=True).not_modified
    again = fast_client(validators=client.current_validators())
    assert again.get(httpserver.url_for("/f"), conditional=True).not_modified
    assert httpserver.log[1][0].headers["If-Modified-Since"] == "Mon, 05 Oct 2026"


def test_robots_txt_disallow_is_refused_with_a_reason(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nDisallow: /prive/\n", content_type="text/plain"
    )
    httpserver.expect_request("/blog/article").respond_with_data("<html></html>")
    client = fast_client()
    assert client.get(httpserver.url_for("/blog/article"), robots=True).status == 200
    with pytest.raises(FetchError, match=r"disallowed by the site's robots\.txt"):
        client.get(httpserver.url_for("/prive/page"), robots=True)
    robots_fetches = [r for r, _ in httpserver.log if r.path == "/robots.txt"]
    assert len(robots_fetches) == 1  # read once per site


def test_no_robots_txt_means_allowed(httpserver: HTTPServer) -> None:
    httpserver.no_handler_status_code = 404
    httpserver.expect_request("/blog/article").respond_with_data("<html></html>")
    assert fast_client().get(httpserver.url_for("/blog/article"), robots=True).status == 200


def test_requests_to_one_host_are_spaced(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/f").respond_with_data("ok")
    client = HttpClient(settings=HttpSettings(min_interval=0.3))
    started = time.monotonic()
    for _ in range(3):
        client.get(httpserver.url_for("/f"))
    assert time.monotonic() - started >= 0.6


def test_secrets_never_reach_errors_recordings_or_validators(httpserver: HTTPServer) -> None:
    token = "EAAB-s3cr3t-t0ken"
    httpserver.expect_request("/ok").respond_with_json(
        {"paging": {"next": f"{httpserver.url_for('/ok')}?access_token={token}&after=x"}},
        headers={"ETag": '"e"'},
    )
    httpserver.expect_request("/expired").respond_with_data("expired", status=401)
    seen: list[Fetched] = []
    client = fast_client(recorder=seen.append)
    client.add_secret(token)
    fetched = client.get(
        httpserver.url_for("/ok"), params={"access_token": token}, conditional=True
    )
    assert token in fetched.content.decode()  # the extractor needs the real next link
    with pytest.raises(FetchError) as caught:
        client.get(httpserver.url_for("/expired"), params={"access_token": token})
    recorded = repr(seen) + str(caught.value) + repr(client.current_validators())
    assert token not in recorded and "***" in recorded


def test_an_api_refusal_keeps_its_explanation(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api").respond_with_json(
        {"error": {"errors": [{"reason": "quotaExceeded"}], "code": 403}}, status=403
    )
    with pytest.raises(FetchError) as caught:
        fast_client().get(httpserver.url_for("/api"))
    assert caught.value.status == 403
    assert caught.value.json_body()["error"]["errors"][0]["reason"] == "quotaExceeded"
