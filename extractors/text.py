"""Plain text and dates from the messy web: shared by every extractor that reads markup."""

from __future__ import annotations

import calendar
import re
import time
from datetime import UTC, datetime

from bs4 import BeautifulSoup

_BLOCKS = ("p", "div", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "pre")
_SPACES = re.compile(r"[ \t\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")


def html_to_text(markup: str) -> str:
    """Readable text: entities decoded, paragraphs and `<br>` kept as line breaks."""
    if "<" not in markup and "&" not in markup:
        return markup.strip()
    soup = BeautifulSoup(markup, "html.parser")
    for tag in soup.find_all(["script", "style"]):
        tag.decompose()
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for block in soup.find_all(_BLOCKS):
        block.append("\n")
    text = _SPACES.sub(" ", soup.get_text())
    lines = (line.strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n", "\n".join(lines)).strip()


def struct_time_to_utc(value: time.struct_time | None) -> datetime | None:
    """feedparser's `*_parsed` fields are UTC struct_times."""
    if value is None:
        return None
    return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
