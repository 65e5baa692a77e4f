"""`ReportData` as one self-contained HTML page: styles, Chart.js and the data inlined.

The page must open years later on a laptop without network, so nothing is referenced from
outside: the chart library is the vendored copy (`vendor/`), the data is embedded as JSON.
Comments are user content, so every text goes through Jinja's autoescaping, links are kept
only when they are http(s), and a Content-Security-Policy allows exactly the page's own
scripts (by hash) and no network at all: an injection that escaped the escaping would still
neither run nor call home.
"""

from __future__ import annotations

import base64
import hashlib
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from pipelines.report import french
from pipelines.report.data import ReportData, SourceReport

CHART_JS_VERSION = "4.6.1"


def safe_href(url: str | None) -> str | None:
    """The URL when a browser may follow it (http or https), else None: a feed can carry
    `javascript:` links."""
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url if scheme in ("http", "https") else None


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("pipelines.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        number=french.number,
        percent=french.percent,
        month=french.month,
        day=french.day,
        datetime_paris=french.datetime_paris,
        safe_href=safe_href,
    )
    return env


def _package_text(*parts: str) -> str:
    return resources.files("pipelines.report").joinpath(*parts).read_text("utf-8")


def _csp_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def _source_charts(source: SourceReport) -> dict[str, Any]:
    # The objective is the source's, not a month's: drawn across every month, even those
    # the views have no response time for.
    sla = next((m.sla_hours for m in source.months if m.sla_hours is not None), None)
    return {
        "rates": {
            "answered": [m.answered for m in source.months],
            "unanswered": [m.unanswered for m in source.months],
        },
        "times": {
            "p50": [m.p50_hours for m in source.months],
            "p90": [m.p90_hours for m in source.months],
            "sla": [sla] * len(source.months),
        },
        "topics": {
            "labels": [t.topic for t in source.topics],
            "positive": [t.positive for t in source.topics],
            "neutral": [t.neutral for t in source.topics],
            "negative": [t.negative for t in source.topics],
        },
    }


def chart_data(report: ReportData) -> dict[str, Any]:
    """What report.js draws: month labels in French and, per source, the series."""
    return {
        "months": [french.month(m) for m in report.months],
        "sources": {s.source_id: _source_charts(s) for s in report.sources},
    }


def render_html(report: ReportData) -> str:
    """The whole page as a string."""
    scripts = [_package_text("vendor", "chart.umd.min.js"), _package_text("templates", "report.js")]
    template = _environment().get_template("report.html")
    return template.render(
        report=report,
        generated=french.datetime_paris(report.generated_at),
        chart_data=chart_data(report),
        css=Markup(_package_text("templates", "report.css")),
        scripts=[Markup(script) for script in scripts],
        script_hashes=" ".join(_csp_hash(script) for script in scripts),
        chart_js_version=CHART_JS_VERSION,
    )
