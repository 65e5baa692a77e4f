"""Retention of the raw landing zone: payloads are kept `retention_days`, then deleted (RGPD).

Raw payloads (`landing/<source>/<run>/raw/`) are the pages and API answers as fetched, with
every name in them: worth keeping a while to debug an extractor or re-read a run, not for
the analyses. Once a run is older than its source's `retention_days` (sources.yml, default
90), its raw/ folder is deleted; items.jsonl and manifest.json stay, so `ecoute load --run`
still replays it. A run's age is its manifest's `started_at`, or its folder's modification
time when it has no manifest (a crashed `.partial` batch).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from extractors.base import DEFAULT_RETENTION_DAYS
from pipelines.landing import MANIFEST


@dataclass(frozen=True)
class Purge:
    """The raw folders deleted (or that a dry run would delete), with their size."""

    folders: tuple[Path, ...]
    files: int
    bytes: int

    def summary(self, *, dry_run: bool = False) -> str:
        verb = "would delete" if dry_run else "deleted"
        return (
            f"retention: {verb} the raw payloads of {len(self.folders)} landed run(s) "
            f"({self.files} file(s), {self.bytes / 1e6:.1f} MB)"
        )


def purge_raw(
    landing: Path,
    retention_days: Mapping[str, int],
    *,
    now: datetime | None = None,
    dry_run: bool = False,
) -> Purge:
    """Delete the raw/ folder of every landed run older than its source's retention:
    ``retention_days`` by source id (the configuration), else what the run's manifest
    recorded, else the default."""
    now = now or datetime.now(UTC)
    folders, files, size = [], 0, 0
    for raw in sorted(landing.glob("*/*/raw")):
        run = raw.parent
        manifest = _manifest(run)
        days = retention_days.get(run.parent.name) or manifest.get("source", {}).get(
            "retention_days", DEFAULT_RETENTION_DAYS
        )
        if now - _started(run, manifest) <= timedelta(days=days):
            continue
        payloads = [p for p in raw.rglob("*") if p.is_file()]
        folders.append(raw)
        files += len(payloads)
        size += sum(p.stat().st_size for p in payloads)
        if not dry_run:
            shutil.rmtree(raw)
    return Purge(tuple(folders), files, size)


def _manifest(run: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((run / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):  # a crashed batch has none; a damaged one is no date
        return {}
    return manifest if isinstance(manifest, dict) else {}


def _started(run: Path, manifest: Mapping[str, Any]) -> datetime:
    try:
        return datetime.fromisoformat(manifest["started_at"]).astimezone(UTC)
    except (KeyError, TypeError, ValueError):
        return datetime.fromtimestamp(run.stat().st_mtime, UTC)
