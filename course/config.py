"""Where the course keeps things, read from the environment with sensible defaults.

Nothing here is machine-specific: every path is either relative to the repository or comes
from an environment variable, so the same checkout works on a laptop and on JupyterHub.

=====================  ===============================  ==================================
variable               default                          what it is
=====================  ===============================  ==================================
COURSE_DATA_DIR        <repo>/data                      built databases, load-lab files, cache
COURSE_WORKSPACE       <repo>/workspace                 the learner's own copies of notebooks
COURSE_SCRATCH_DB      <workspace>/scratch.duckdb       the learner's writable database
COURSE_MYDATA_DB       <workspace>/mydata.duckdb        the learner's own catalog (course import)
COURSE_EXCHANGE        `course setup --exchange DIR`    nbgrader exchange folder for a cohort
=====================  ===============================  ==================================
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "repo_root",
    "data_dir",
    "workspace_dir",
    "scratch_db_path",
    "mydata_db_path",
    "database_path",
    "DATABASES",
    "command",
    "exchange_dir",
    "settings_path",
]


def _databases() -> tuple[str, ...]:
    from importlib.util import find_spec

    # course.data.shadow is left out of the learner build (course build-learner).
    return ("library", "shadow") if find_spec("course.data.shadow") else ("library",)


#: The built course databases: learners query ``library``; hidden tests use ``shadow``, which only
#: the full build has (the learner build has ``("library",)``).
DATABASES = _databases()


def repo_root() -> Path:
    """The checkout this package lives in (the folder holding ``source/`` and ``release/``)."""
    return Path(__file__).resolve().parent.parent


def _from_env(name: str, default: Path) -> Path:
    value = os.environ.get(name, "").strip()
    return Path(value).expanduser().resolve() if value else default


def data_dir() -> Path:
    """Folder of the built course data (``COURSE_DATA_DIR``, default ``<repo>/data``)."""
    return _from_env("COURSE_DATA_DIR", repo_root() / "data")


def workspace_dir() -> Path:
    """The learner's notebooks (``COURSE_WORKSPACE``; default ``<repo>/workspace``)."""
    return _from_env("COURSE_WORKSPACE", repo_root() / "workspace")


def scratch_db_path() -> Path:
    """The learner's writable DuckDB file; never touched by a data rebuild."""
    return _from_env("COURSE_SCRATCH_DB", workspace_dir() / "scratch.duckdb")


def mydata_db_path() -> Path:
    """The learner's own catalog, made by ``course import``; opened read-only as ``mine``."""
    return _from_env("COURSE_MYDATA_DB", workspace_dir() / "mydata.duckdb")


def database_path(name: str = "library") -> Path:
    """Path of a built course database: ``library`` or ``shadow`` (or ``mine``, the learner's
    imported catalog)."""
    if name == "mine":
        return mydata_db_path()
    if name not in DATABASES:
        raise ValueError(f"There is no course database called {name!r}; use one of {DATABASES}.")
    return data_dir() / f"{name}.duckdb"


def command(job: str, port: int | None = None, *, os_name: str | None = None) -> str:
    """How to run one of the course's jobs (``lab``, ``data``), in the words of the route the
    person took: ``make`` (the Makefile sets ``COURSE_VIA=make``), ``tools/bootstrap.py``
    (``COURSE_VIA=bootstrap``; ``py tools\\bootstrap.py`` on Windows, which has no make), or the
    ``course`` command itself (conda, or an activated environment)."""
    via = os.environ.get("COURSE_VIA", "")
    if via == "make":
        return f"make {job}" + (f" PORT={port}" if port else "")
    if via == "bootstrap":
        windows = (os_name or os.name) == "nt"  # no make there; the py launcher starts Python
        script = "py tools\\bootstrap.py" if windows else "python3 tools/bootstrap.py"
    else:
        script = "course"
    return f"{script} {job}" + (f" --port {port}" if port else "")


def settings_path(prefix: Path | None = None) -> Path:
    """The course's settings for this Python environment (``<prefix>/etc/jupyter/tsdl.json``),
    beside the environment's Jupyter configuration, so every account using it reads the same."""
    import sys

    return Path(prefix or sys.prefix) / "etc" / "jupyter" / "tsdl.json"


def exchange_dir(prefix: Path | None = None, *, settings: Path | None = None) -> Path | None:
    """The nbgrader exchange of a cohort: ``COURSE_EXCHANGE`` when set, else the folder recorded
    by ``course setup --exchange DIR``, else None (nbgrader's own default applies to instructors;
    a learner working alone gets an empty exchange in their workspace)."""
    value = os.environ.get("COURSE_EXCHANGE", "").strip()
    if value:
        return Path(value).expanduser()
    try:
        import json

        path = settings or settings_path(prefix)
        recorded = json.loads(path.read_text(encoding="utf-8")).get("exchange")
    except (OSError, ValueError, AttributeError):
        return None
    return Path(recorded) if recorded else None
