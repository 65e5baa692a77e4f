"""The landing zone: what was fetched, kept before anything touches the warehouse.

One batch per source and run:

    $ECOUTE_HOME/landing/<source_id>/<run_id>/
        raw/0001.bin ...     every payload as it arrived
        raw/index.jsonl      url, status, content type, size and sha256 of each payload
        items.jsonl          the normalized items (extractors.records.Item, one per line)
        manifest.json        written last: status, counts, cursor, warnings, error

A batch is written in `<run_id>.partial/` and renamed when complete, so a crash leaves
a visible partial folder and never a half batch that looks whole. The load reads
complete batches only, which is what makes a crashed run replayable.

A landing zone that cannot be written (disk full, read-only, not a folder) stops the run
with a `LandingError` naming the path: nothing is loaded from a batch that did not land.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from extractors.errors import EcouteError
from extractors.http import Fetched
from extractors.records import Item, iso_utc

MANIFEST = "manifest.json"
ITEMS = "items.jsonl"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class LandingError(EcouteError):
    """The landing zone cannot be written: the run stops before the warehouse."""


@contextmanager
def _writing(where: Path) -> Iterator[None]:
    """OS errors of the block as one `LandingError` naming the file (or `where`)."""
    try:
        yield
    except OSError as exc:
        raise LandingError(
            f"cannot write the landing zone: {exc.filename or where}: {exc.strerror or exc}",
            hint="free disk space or make the landing zone writable, then run again; "
            "nothing of this batch was loaded",
        ) from None


def safe_run_id(run_id: str) -> str:
    """Airflow run ids contain ':' and '+': keep them readable but path-safe."""
    return _UNSAFE.sub("_", run_id).strip("_") or "run"


@dataclass
class Manifest:
    """What a batch is; `source` is the source's configuration, so a replay needs nothing
    but the landing zone."""

    source_id: str
    run_id: str
    source: dict[str, Any]
    started_at: str
    until: str | None = None  # a backfill: items published from then on were left out
    status: str = "running"  # running | complete | failed
    finished_at: str | None = None
    items: int = 0
    payloads: int = 0
    cursor: dict[str, Any] | None = None
    complete_threads: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class BatchWriter:
    """Writes one batch; use as a context manager, then `complete()` or `fail()`."""

    def __init__(self, landing: Path, manifest: Manifest) -> None:
        self.manifest = manifest
        self.final_dir = landing / manifest.source_id / safe_run_id(manifest.run_id)
        self.dir = self.final_dir.with_name(self.final_dir.name + ".partial")
        self._items: TextIO | None = None
        self._index: TextIO | None = None

    def __enter__(self) -> BatchWriter:
        with _writing(self.dir):
            shutil.rmtree(self.dir, ignore_errors=True)
            (self.dir / "raw").mkdir(parents=True)
            self._items = (self.dir / ITEMS).open("w", encoding="utf-8")
            self._index = (self.dir / "raw" / "index.jsonl").open("w", encoding="utf-8")
        return self

    def __exit__(self, *exc_info: object) -> None:
        for handle in (self._items, self._index):
            if handle is not None and not handle.closed:
                try:
                    handle.close()
                except OSError:  # a full disk: what matters is the error already raised
                    if not exc_info or exc_info[0] is None:
                        raise

    def record_payload(self, fetched: Fetched) -> None:
        assert self._index is not None
        self.manifest.payloads += 1
        name = f"{self.manifest.payloads:04d}.bin"
        with _writing(self.dir / "raw" / name):
            (self.dir / "raw" / name).write_bytes(fetched.content)
        entry = {
            "file": name,
            "url": fetched.url,
            "status": fetched.status,
            "content_type": fetched.headers.get("Content-Type"),
            "bytes": len(fetched.content),
            "sha256": hashlib.sha256(fetched.content).hexdigest(),
        }
        with _writing(self.dir / "raw" / "index.jsonl"):
            self._index.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def write_item(self, item: Item) -> None:
        assert self._items is not None
        with _writing(self.dir / ITEMS):
            self._items.write(item.to_json() + "\n")
        self.manifest.items += 1

    def complete(
        self, cursor: dict[str, Any] | None, warnings: list[str], complete_threads: list[str]
    ) -> Path:
        self.manifest.cursor = cursor
        self.manifest.warnings = warnings
        self.manifest.complete_threads = complete_threads
        return self._finish("complete")

    def fail(self, error: str, warnings: list[str]) -> Path:
        self.manifest.error = error
        self.manifest.warnings = warnings
        return self._finish("failed")

    def _finish(self, status: str) -> Path:
        with _writing(self.dir):
            self.__exit__(None, None, None)
            self.manifest.status = status
            self.manifest.finished_at = iso_utc(datetime.now(UTC))
            (self.dir / MANIFEST).write_text(
                json.dumps(self.manifest.as_dict(), ensure_ascii=False, indent=2),
                encoding="utf-8",
            )
            shutil.rmtree(self.final_dir, ignore_errors=True)
            self.dir.rename(self.final_dir)
        return self.final_dir


@dataclass(frozen=True)
class LandedBatch:
    path: Path
    manifest: dict[str, Any]

    @property
    def items_file(self) -> Path:
        return self.path / ITEMS


def landed_batches(landing: Path, run_id: str) -> list[LandedBatch]:
    """Every finished batch of `run_id` (complete or failed), by source id."""
    found = []
    for manifest_path in sorted(landing.glob(f"*/{safe_run_id(run_id)}/{MANIFEST}")):
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        found.append(LandedBatch(path=manifest_path.parent, manifest=manifest))
    return found
