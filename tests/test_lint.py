"""ruff keeps the code and the source notebooks clean (pyproject.toml holds its settings)."""

import subprocess
import sys
from pathlib import Path

from course import config

TARGETS = ["course", "tests", "bench", "tools", "source", "nbgrader_config.py"]


def _ruff(*args: str) -> subprocess.CompletedProcess:
    ruff = Path(sys.executable).parent / "ruff"
    return subprocess.run(
        [str(ruff), *args, *TARGETS], cwd=config.repo_root(), capture_output=True, text=True
    )


def test_ruff_check_passes():
    result = _ruff("check", "--output-format", "concise")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_applied():
    result = _ruff("format", "--check")
    assert result.returncode == 0, result.stdout + result.stderr
