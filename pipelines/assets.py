"""The warehouse's tables as Airflow Assets: what `ecoute_nightly` updates and what
`ecoute_report` waits for. Logical names, not file paths: the same assets whatever
ECOUTE_HOME is (a path would need reading the environment at parse time, and change with
it).
"""

from __future__ import annotations

from airflow.sdk import Asset

GROUP = "ecoute"

ITEMS = Asset(name="ecoute_items", uri="ecoute://warehouse/items", group=GROUP)
ANNOTATIONS = Asset(name="ecoute_annotations", uri="ecoute://warehouse/annotations", group=GROUP)
REPLIES = Asset(name="ecoute_replies", uri="ecoute://warehouse/replies", group=GROUP)
#: The analysts' copy (`Settings.published_path`), replaced at the end of a good run.
PUBLISHED = Asset(name="ecoute_published", uri="ecoute://published/ecoute.duckdb", group=GROUP)
