"""XML from the web, checked before a parser that trusts it reads it.

feedparser reads feeds with xml.sax (expat) and falls back to a lenient parser of its own;
neither refuses entity declarations, and both slow down with the square of the nesting
depth. So every feed and sitemap goes through `check_xml` first, a streaming pass of
defusedxml that refuses:

- entity declarations (`<!ENTITY ...>`): the "billion laughs" and its quadratic cousin,
  which expand a few kilobytes into gigabytes, and external entities, which read local
  files or URLs. Feeds have no use for them; a plain `<!DOCTYPE rss ...>` stays allowed;
- nesting deeper than `MAX_DEPTH` elements (a feed is about six deep).

Malformed XML is not refused here: feedparser reads what it can of it and says what was
wrong, which is the behaviour wanted for the messy web.
"""

from __future__ import annotations

import io
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

MAX_DEPTH = 256


class UnsafeXml(ValueError):
    """The document declares entities or nests too deeply: not parsed."""


def check_xml(content: bytes, *, max_depth: int = MAX_DEPTH) -> None:
    """Raise `UnsafeXml` when `content` must not reach a trusting parser."""
    depth = 0
    try:
        for event, element in iterparse(io.BytesIO(content), events=("start", "end")):
            if event == "start":
                depth += 1
                if depth > max_depth:
                    raise UnsafeXml(f"XML nested more than {max_depth} elements deep")
            else:
                depth -= 1
                element.clear()  # keep memory flat: only the depth matters here
    except DefusedXmlException as exc:
        raise UnsafeXml(f"XML with {_what(exc)} refused (entity expansion attack?)") from None
    except ParseError:
        return  # malformed: the feed parser reports it


def _what(exc: DefusedXmlException) -> str:
    name = type(exc).__name__
    if name == "EntitiesForbidden":
        return "entity declarations"
    if name.startswith("External"):
        return "external references"
    return "a DTD"
