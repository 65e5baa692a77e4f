"""One ecoute run at a time per warehouse.

DuckDB locks its file only while a connection is open, and a run opens and closes several
(read-only during extraction, then the load, the annotation, the replies). Two runs started
together would interleave: both extract from the same cursors, and one of them fails
half-way, after landing, on DuckDB's lock. So `ecoute run` and `ecoute load` hold an
advisory lock on `<database>.lock` (flock, released by the kernel when the process dies,
even by SIGKILL) for their whole length; a second one exits at once, naming the file and
who holds it, before it fetches or writes anything.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from extractors.errors import EcouteError
from extractors.records import iso_utc

try:
    import fcntl
except ImportError:  # Windows: DuckDB's own lock is the only guard there
    fcntl = None  # type: ignore[assignment]


class RunLocked(EcouteError):
    """Another ecoute run holds the warehouse."""


@contextmanager
def run_lock(db_path: Path) -> Iterator[None]:
    """Hold the run lock of `db_path` for the `with` block, or raise `RunLocked`."""
    lock_path = db_path.with_name(db_path.name + ".lock")
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        handle = lock_path.open("a+", encoding="utf-8")
    except OSError as exc:
        raise EcouteError(f"cannot create {lock_path}: {exc.strerror or exc}") from None
    with handle:
        if fcntl is not None:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read().strip()
                raise RunLocked(
                    f"another ecoute run holds {db_path}" + (f" ({holder})" if holder else ""),
                    hint="wait for it to finish, then retry; nothing was fetched or written",
                ) from None
        handle.truncate(0)
        handle.write(f"pid {os.getpid()}, started {iso_utc(datetime.now(UTC))}")
        handle.flush()
        yield
