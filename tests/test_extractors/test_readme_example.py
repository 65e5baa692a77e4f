"""extractors/README.md stays true: its example kind and its test are built and run."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "extractors" / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_the_guide_example_kind_passes_its_own_test(tmp_path: Path) -> None:
    module, test = python_blocks()
    assert '@extractor("my-api"' in module and "def test_" in test
    (tmp_path / "my_api.py").write_text(module, encoding="utf-8")
    # The guide's module is extractors/my_api.py; here it is a top-level module.
    (tmp_path / "test_my_api.py").write_text(
        test.replace("import extractors.my_api", "import my_api"), encoding="utf-8"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_my_api.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 passed" in proc.stdout
