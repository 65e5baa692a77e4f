"""Typed errors. Each carries what a user needs to act: which source or file, and a hint.

The CLI prints `str(error)` on one line; tracebacks only with `--debug`.
"""

from __future__ import annotations

import json
from typing import Any


class EcouteError(Exception):
    """Base of every error ecoute reports to a user."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} (hint: {self.hint})" if self.hint else self.message


class ConfigError(EcouteError):
    """The configuration (sources.yml, a source's params, an option) is wrong."""


class SourceError(EcouteError):
    """A source could not be read: network, HTTP status, unreadable payload."""

    def __init__(self, source_id: str, message: str, *, hint: str | None = None) -> None:
        super().__init__(f"source '{source_id}': {message}", hint=hint)
        self.source_id = source_id


class FetchError(EcouteError):
    """One URL could not be fetched. Extractors turn it into a SourceError."""

    def __init__(
        self, url: str, message: str, *, status: int | None = None, body: bytes = b""
    ) -> None:
        super().__init__(f"{url}: {message}")
        self.url = url
        self.reason = message
        self.status = status
        self.body = body  # the start of an error answer's body: APIs explain refusals there

    def json_body(self) -> Any:
        """The error body as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body)
        except (ValueError, RecursionError):
            return None
