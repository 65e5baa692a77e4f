"""Extractor kinds come from the `ecoute.extractors` entry points of installed packages."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ECOUTE = Path(sys.executable).parent / "ecoute"

PLUGIN = '''"""Kind `forum-maison`: a plugin shipped in its own package."""

from extractors.base import ExtractorParams, extractor


class ForumParams(ExtractorParams):
    board: str


@extractor("forum-maison", params=ForumParams)
def extract_forum(ctx, params):
    return iter(())
'''


def install_plugins(site: Path) -> None:
    """Two installed distributions, as pip would leave them: a working and a broken one."""
    (site / "ecoute_forum.py").write_text(PLUGIN, encoding="utf-8")
    for name, target in [
        ("ecoute_forum", "ecoute_forum:extract_forum"),
        ("ecoute_broken", "ecoute_broken_missing:extract"),
    ]:
        info = site / f"{name}-0.1.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
        kind = "forum-maison" if name == "ecoute_forum" else "casse"
        (info / "entry_points.txt").write_text(f"[ecoute.extractors]\n{kind} = {target}\n")


def ecoute(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(site), "COLUMNS": "250"}
    return subprocess.run(
        [str(ECOUTE), *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_installed_plugins_are_listed_with_their_params(tmp_path: Path) -> None:
    install_plugins(tmp_path)
    proc = ecoute(tmp_path, "extractors")
    assert proc.returncode == 0, proc.stderr
    for kind in ("rss", "wordpress", "html-comments", "forum-maison"):
        assert kind in proc.stdout
    assert "board: str (required)" in proc.stdout
    assert "casse" in proc.stdout and "failed to load" in proc.stdout


def test_a_broken_plugin_is_one_clear_error_and_breaks_nothing_else(tmp_path: Path) -> None:
    install_plugins(tmp_path)
    broken = ecoute(tmp_path, "extract", "--kind", "casse", "--url", "http://127.0.0.1:9/")
    assert broken.returncode == 2
    assert "plugin for kind 'casse' failed to load" in broken.stderr
    assert "Traceback" not in broken.stderr
    params = ecoute(tmp_path, "extract", "--kind", "forum-maison", "--url", "x")
    assert params.returncode == 2
    assert "source 'adhoc': params.board: Field required" in params.stderr
