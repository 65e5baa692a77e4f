"""Paginators shared by the API extractors: generators yielding each page's `Fetched`.

APIs page their listings in three ways, and each has its own way of ending:

- `page_number`: `?page=1, 2, ...` (WordPress, many REST APIs). The end is a total-pages
  header, an empty page, or an error for a page past the end (WordPress answers 400
  `rest_post_invalid_page_number` rather than an empty list);
- `next_url`: the server gives the next page's URL, in a `Link: <...>; rel="next"` header
  (RFC 8288: Mastodon, GitHub) or in the JSON (`next`, Facebook's `paging.next`,
  JSON:API's `links.next`). The end is a page without one;
- `next_token`: the JSON gives an opaque token to send back (YouTube's `nextPageToken`).

Each stops with a `FetchError` rather than looping when a server misbehaves (ignores the
page parameter, points `next` back at a page already read): an extractor that calls a
listing complete (`ctx.thread_complete`) must never have read a silently truncated or
endless one. Requests are not conditional: a `304` for one page says nothing of the next.
Errors are `FetchError`s, as from `HttpClient.get`; extractors turn them into
`SourceError`s naming the source.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import urljoin

from requests.utils import parse_header_links

from extractors.errors import FetchError
from extractors.http import Fetched, HttpClient, with_params

#: A listing longer than this is a server that pages forever, not a comment thread.
MAX_PAGES = 10_000


def header(fetched: Fetched, name: str) -> str | None:
    """A response header whatever the case of its name (HTTP/2 sends them lowercase)."""
    wanted = name.lower()
    return next((value for key, value in fetched.headers.items() if key.lower() == wanted), None)


def is_empty_json(fetched: Fetched) -> bool:
    """An empty body, or JSON `[]`, `{}` or `null`: the page past the last one."""
    return not fetched.content.strip() or fetched.json() in ([], {}, None)


def _int_header(fetched: Fetched, name: str | None) -> int | None:
    value = header(fetched, name) if name else None
    return int(value) if value is not None and value.strip().isdigit() else None


def page_number(
    http: HttpClient,
    url: str,
    *,
    params: Mapping[str, Any] | None = None,
    per_page: int | None = None,
    page_param: str = "page",
    per_page_param: str = "per_page",
    first_page: int = 1,
    total_pages_header: str | None = "X-WP-TotalPages",
    is_empty: Callable[[Fetched], bool] = is_empty_json,
    past_end_status: int | None = 400,
    max_pages: int = MAX_PAGES,
) -> Iterator[Fetched]:
    """Pages `first_page, first_page + 1, ...` of `url` with `params`, until the last.

    The last page is the one the `total_pages_header` counts up to, when the server sends
    it; otherwise the listing ends at an empty page (not yielded), or at a
    `past_end_status` answer for any page after the first. That status cannot be told
    apart from other 400s (the client keeps no error body), but a request that worked for
    the previous page and differs only by its page number fails because of that number.
    A short page does not end the listing: plugins can drop items from a full page.
    """
    page = first_page
    previous: bytes | None = None
    for _ in range(max_pages):
        query = {**(params or {}), page_param: page}
        if per_page is not None:
            query[per_page_param] = per_page
        try:
            fetched = http.get(url, params=query)
        except FetchError as exc:
            if page > first_page and past_end_status is not None and exc.status == past_end_status:
                return
            raise
        if is_empty(fetched):
            return
        digest = hashlib.sha256(fetched.content).digest()
        if digest == previous:
            raise FetchError(
                fetched.url, f"page {page} repeats page {page - 1}: the server ignores {page_param}"
            )
        previous = digest
        yield fetched
        total = _int_header(fetched, total_pages_header)
        if total is not None and page - first_page + 1 >= total:
            return
        page += 1
    raise FetchError(url, f"still more pages after {max_pages}: stopped")


def next_link_in_header(fetched: Fetched) -> str | None:
    """The `rel="next"` target of the `Link` header (RFC 8288), as written (maybe relative)."""
    value = header(fetched, "Link")
    if not value:
        return None
    for link in parse_header_links(value):
        if "next" in link.get("rel", "").lower().split() and link.get("url"):
            return str(link["url"])
    return None


def next_link_in_json(data: Any) -> str | None:
    """`next`, `paging.next` (Facebook Graph) or `links.next` (JSON:API, a string or an
    object with `href`) of a JSON object; None for anything else."""
    if not isinstance(data, dict):
        return None
    for holder in (data, data.get("paging"), data.get("links")):
        if not isinstance(holder, dict):
            continue
        found = holder.get("next")
        if isinstance(found, dict):
            found = found.get("href")
        if isinstance(found, str) and found:
            return found
    return None


def next_url(
    http: HttpClient,
    url: str,
    *,
    params: Mapping[str, Any] | None = None,
    next_in_body: Callable[[Any], str | None] | None = next_link_in_json,
    max_pages: int = MAX_PAGES,
) -> Iterator[Fetched]:
    """`url` with `params`, then each page's next link until a page has none.

    The `Link` header wins (it costs no parsing); otherwise `next_in_body` reads the
    parsed JSON (None: headers only, for bodies that are not JSON). A relative link is
    resolved against the page's final URL. `params` go on the first request only: next
    links carry their own query. A link back to a page already read is an error.
    """
    current = with_params(url, dict(params) if params else None)
    seen: set[str] = set()
    for _ in range(max_pages):
        seen.add(current)
        fetched = http.get(current)
        seen.add(fetched.url)
        yield fetched
        link = next_link_in_header(fetched)
        if link is None and next_in_body is not None:
            link = next_in_body(fetched.json())
        if not link:
            return
        current = urljoin(fetched.url, link)
        if current in seen:
            raise FetchError(current, "the next link points back at a page already read")
    raise FetchError(url, f"still more pages after {max_pages}: stopped")


def next_token(
    http: HttpClient,
    url: str,
    *,
    params: Mapping[str, Any] | None = None,
    token_param: str = "pageToken",
    token_field: str = "nextPageToken",
    max_pages: int = MAX_PAGES,
) -> Iterator[Fetched]:
    """`url` with `params`, then again with `token_param` set to each page's `token_field`
    (a top-level key of its JSON object) until a page has none. A token seen before is
    an error."""
    token: str | None = None
    seen: set[str] = set()
    for _ in range(max_pages):
        query = dict(params or {})
        if token is not None:
            query[token_param] = token
        fetched = http.get(url, params=query)
        yield fetched
        data = fetched.json()
        found = data.get(token_field) if isinstance(data, dict) else None
        if not found:
            return
        token = str(found)
        if token in seen:
            raise FetchError(fetched.url, f"{token_field} repeats a token already used")
        seen.add(token)
    raise FetchError(url, f"still more pages after {max_pages}: stopped")
