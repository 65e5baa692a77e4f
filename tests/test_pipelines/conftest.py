"""Fixtures of the pipeline tests."""

from __future__ import annotations

import pytest
from support.report_warehouse import Warehouse, build_warehouse


@pytest.fixture(scope="session")
def report_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """One warehouse for every report test: an `ecoute run` takes a while (spaCy)."""
    return build_warehouse(tmp_path_factory.mktemp("report-home"))
