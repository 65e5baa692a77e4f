"""The report tests' warehouse, built by a real `ecoute run`: the bundled demo plus a
generated blog whose comments carry markup and a `javascript:` link (hostile user content).
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from support.blog import Comment, Post, source_entry, write_blog

REPO = Path(__file__).resolve().parents[2]
ECOUTE = Path(sys.executable).parent / "ecoute"

HOSTILE_SOURCE = "boutique-test"
HOSTILE_OWNER = "Boutique Test"
# What the hostile comments would set if their markup ran in the page.
XSS_MARKER = "__ecoute_xss"

HOSTILE_POSTS = [
    Post(
        slug="horaires-hiver",
        title="Nos horaires d'hiver",
        link="https://boutique-test.example/horaires-hiver/",
        published="Tue, 06 Oct 2026 08:00:00 +0200",
        comments=[
            Comment(
                1,
                "Clémence",
                "2026-10-06T10:00:00+02:00",
                f'<script>window.{XSS_MARKER} = "script"</script> '
                "Est-ce que vous livrez à Lyon le samedi ?",
            ),
            Comment(
                2,
                "Marc",
                "2026-10-07T09:00:00+02:00",
                f'<img src="x" onerror="window.{XSS_MARKER} = \'img\'"> '
                "Vous ouvrez le dimanche matin ?",
            ),
            Comment(3, HOSTILE_OWNER, "2026-10-07T12:30:00+02:00", "Oui Marc, de 9 h à 13 h.", 2),
            Comment(
                4,
                "Léa",
                "2026-10-20T18:00:00+02:00",
                "Combien coûte la livraison à domicile ?",
            ),
        ],
    ),
    Post(
        slug="accessibilite",
        title="Travaux d'accessibilité",
        link=f"javascript:window.{XSS_MARKER}='link'",
        published="Mon, 12 Oct 2026 08:00:00 +0200",
        comments=[
            Comment(
                1,
                "Paul",
                "2026-10-21T11:00:00+02:00",
                "Est-ce que le magasin est accessible en fauteuil roulant ?",
            ),
        ],
    ),
]


def run_ecoute(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    """`ecoute ARGS` as a user runs it, with only ECOUTE_HOME set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECOUTE_")}
    env.update(ECOUTE_HOME=str(home), COLUMNS="200")
    return subprocess.run(
        [str(ECOUTE), *args], capture_output=True, text=True, env=env, cwd=home, timeout=300
    )


@dataclass(frozen=True)
class Warehouse:
    home: Path
    db: Path


def build_warehouse(home: Path) -> Warehouse:
    """`ecoute run` over the demo sources and the hostile blog, with `home` as ECOUTE_HOME."""
    demo = yaml.safe_load((REPO / "sources.yml").read_text(encoding="utf-8"))["sources"]
    for source in demo:  # the demo's paths are relative to the repository's sources.yml
        source["url"] = str(REPO / source["url"])
    feed = write_blog(home / "blog", "https://boutique-test.example", HOSTILE_OWNER, HOSTILE_POSTS)
    config = home / "sources.yml"
    config.write_text(
        yaml.safe_dump({"sources": [*demo, source_entry(HOSTILE_SOURCE, feed, HOSTILE_OWNER)]}),
        encoding="utf-8",
    )
    proc = run_ecoute("run", "--config", str(config), home=home)
    assert proc.returncode == 0, proc.stderr
    return Warehouse(home=home, db=home / "ecoute.duckdb")
