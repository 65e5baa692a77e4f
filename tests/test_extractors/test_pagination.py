import json
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from extractors.errors import FetchError
from extractors.http import HttpClient, HttpSettings
from extractors.pagination import next_token, next_url, page_number

FAST = HttpSettings(min_interval=0, retries=1, backoff_factor=0.01)


def client() -> HttpClient:
    return HttpClient(settings=FAST)


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(body), status=status, headers=headers, content_type="application/json"
    )


def numbered_pages(
    last: int, *, total_header: str | None = "X-WP-TotalPages", past_end: int | None = None
) -> Any:
    """Pages 1..last of `[{"n": page}]`; past the last, `past_end` as a status or `[]`."""

    def handle(request: Request) -> Response:
        page = int(request.args.get("page", 1))
        headers = {total_header: str(last)} if total_header else {}
        if page > last:
            if past_end is not None:
                return json_response({"code": "rest_post_invalid_page_number"}, status=past_end)
            return json_response([], headers=headers)
        return json_response([{"n": page}], headers=headers)

    return handle


def pages_read(pages: Any) -> list[Any]:
    return [fetched.json() for fetched in pages]


def requested_pages(server: HTTPServer) -> list[str]:
    return [request.args["page"] for request, _ in server.log]


def test_page_number_stops_at_the_total_pages_header(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/list").respond_with_handler(numbered_pages(3))
    pages = page_number(client(), httpserver.url_for("/list"))
    assert pages_read(pages) == [[{"n": 1}], [{"n": 2}], [{"n": 3}]]
    assert requested_pages(httpserver) == ["1", "2", "3"]  # no request past the last


def test_page_number_reads_the_total_header_in_any_case(httpserver: HTTPServer) -> None:
    handler = numbered_pages(2, total_header="x-wp-totalpages")
    httpserver.expect_request("/list").respond_with_handler(handler)
    assert len(pages_read(page_number(client(), httpserver.url_for("/list")))) == 2
    assert requested_pages(httpserver) == ["1", "2"]


def test_page_number_without_a_total_stops_at_an_empty_page(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/list").respond_with_handler(numbered_pages(2, total_header=None))
    assert len(pages_read(page_number(client(), httpserver.url_for("/list")))) == 2
    assert requested_pages(httpserver) == ["1", "2", "3"]


def test_page_number_ends_at_a_400_past_the_first_page(httpserver: HTTPServer) -> None:
    handler = numbered_pages(2, total_header=None, past_end=400)
    httpserver.expect_request("/list").respond_with_handler(handler)
    assert len(pages_read(page_number(client(), httpserver.url_for("/list")))) == 2


def test_page_number_raises_a_400_on_the_first_page(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/list").respond_with_data("bad request", status=400)
    with pytest.raises(FetchError, match="HTTP 400") as caught:
        list(page_number(client(), httpserver.url_for("/list")))
    assert caught.value.status == 400


def test_page_number_sends_the_page_size_with_the_params(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/list").respond_with_handler(numbered_pages(1))
    pages = page_number(client(), httpserver.url_for("/list"), params={"q": "pain"}, per_page=50)
    pages_read(pages)
    request, _ = httpserver.log[0]
    assert request.args.to_dict() == {"q": "pain", "page": "1", "per_page": "50"}


def test_page_number_refuses_a_server_that_ignores_the_page(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/list").respond_with_json([{"n": 1}])
    with pytest.raises(FetchError, match="page 2 repeats page 1"):
        list(page_number(client(), httpserver.url_for("/list")))


def test_next_url_follows_the_link_header(httpserver: HTTPServer) -> None:
    last = httpserver.url_for("/list/3")
    httpserver.expect_request("/list/1").respond_with_response(
        json_response([1], headers={"Link": '</list/2>; rel="next", </list/9>; rel="last"'})
    )
    httpserver.expect_request("/list/2").respond_with_response(
        json_response([2], headers={"link": f'<{last}>; rel="next"'})
    )
    httpserver.expect_request("/list/3").respond_with_json([3])
    assert pages_read(next_url(client(), httpserver.url_for("/list/1"))) == [[1], [2], [3]]


def test_next_url_follows_a_next_link_in_the_json(httpserver: HTTPServer) -> None:
    second = httpserver.url_for("/feed") + "?after=QVFIUmx"
    httpserver.expect_request("/feed", query_string="after=QVFIUmx").respond_with_json(
        {"data": [2], "paging": {"cursors": {"after": "QVFIUmx"}}}
    )
    httpserver.expect_request("/feed").respond_with_json({"data": [1], "paging": {"next": second}})
    pages = pages_read(next_url(client(), httpserver.url_for("/feed")))
    assert [page["data"] for page in pages] == [[1], [2]]


def test_next_url_sends_the_params_on_the_first_request_only(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/list", query_string="limit=2").respond_with_json(
        {"items": [1], "next": "/list?max_id=40"}
    )
    httpserver.expect_request("/list").respond_with_json({"items": [2]})
    pages_read(next_url(client(), httpserver.url_for("/list"), params={"limit": 2}))
    assert [request.query_string for request, _ in httpserver.log] == [b"limit=2", b"max_id=40"]


def test_next_url_refuses_a_link_back_to_a_page_read(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/a").respond_with_json({"next": "/b"})
    httpserver.expect_request("/b").respond_with_json({"next": "/a"})
    with pytest.raises(FetchError, match="points back at a page already read"):
        list(next_url(client(), httpserver.url_for("/a")))


def test_next_token_sends_each_page_token_back(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/videos", query_string="part=id&pageToken=CAUQAA").respond_with_json(
        {"items": [2]}
    )
    httpserver.expect_request("/videos").respond_with_json(
        {"items": [1], "nextPageToken": "CAUQAA"}
    )
    pages = pages_read(next_token(client(), httpserver.url_for("/videos"), params={"part": "id"}))
    assert [page["items"] for page in pages] == [[1], [2]]
