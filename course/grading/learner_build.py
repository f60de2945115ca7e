"""The learner distribution: ``course build-learner DIR`` (issue 14).

For a cohort whose grades matter, the instructor gives learners this build instead of the
repository.  It holds the course code, the release notebooks, quizzes, hints and messages, and
what the visible checks need to give today's feedback, and **nothing a learner could copy marks
from**: no reference SQL, no mistake SQL or values, no other designs or wrong functions, no
solutions, no hidden tests and no shadow database (nor the code that builds it).

:func:`build_learner` makes, in ``DIR``:

* ``course-<version>+learner-py3-none-any.whl``: the ``course`` package where

  - every bank of ``course/exercises/`` is replaced by ``course.grading.learner.strip_bank``'s
    output, and ``course/exercises/expected/<bank>.json`` holds each exercise's stored results
    (``fingerprint_bank``, computed here on the built course data; ``course.check.stored`` reads
    them back, and its presence is what makes an installed course a learner build);
  - ``course/grading/`` keeps only ``feedback.py`` (the learners' nbgrader settings import it) and
    an ``__init__`` without the gate: grading, the gate, mutants and reports are instructors';
  - ``course/data/shadow.py`` and ``course/data/witness.py`` are left out, so ``course data``
    there builds ``library.duckdb`` (and the load-lab files) only;
  - ``course/release/<module>/`` holds the release notebooks as package data, so ``course lab``
    and ``course workspace`` there find them with nothing else to point at
    (``course.workspace`` looks there when the package is not in a checkout with ``release/``);

* ``notebooks/<module>/``: the same release notebooks, for an instructor who hands them out
  another way (a learning platform, a shared drive, nbgrader's exchange);
* ``README.txt``: what the folder is and how to install it.

The release notebooks come from nbgrader's ``generate_assignment`` (``course release``), which
removes solutions and hidden tests; the build checks again that none of nbgrader's markers is in
them.  The wheel is written directly (it is a zip file with a ``.dist-info`` folder, PEP 427):
no build backend, no network, the same bytes for the same inputs.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import tempfile
import tomllib
import zipfile
from pathlib import Path

from course import config

__all__ = ["LearnerBuildError", "build_learner", "LEFT_OUT", "LOCAL_VERSION"]

#: The local version label of a learner wheel (``course 0.1.0+learner`` in ``pip list``).
LOCAL_VERSION = "learner"
#: Package paths (relative to ``course/``) the learner build leaves out besides ``grading/``
#: (of which it keeps only :data:`GRADING_KEPT`): what builds or describes the shadow database.
LEFT_OUT = ("data/shadow.py", "data/witness.py")
#: What is kept of ``course/grading/``: ``course/jupyter/*/nbgrader_config.py`` imports feedback.
GRADING_KEPT = ("__init__.py", "feedback.py")
GRADING_INIT = '''"""Instructor helpers: not in the learner build.

This is the learner build (``course build-learner``): grading, the pipeline gate, mutation
tests and reports run in the instructor's full build.  Only ``feedback`` is here, because the
learners' nbgrader settings use it to show check sentences in full.
"""
'''
#: Text nbgrader's generate_assignment removes; none may be in a release notebook.
MARKERS = (
    "### BEGIN SOLUTION",
    "### END SOLUTION",
    "### BEGIN HIDDEN TESTS",
    "### END HIDDEN TESTS",
)
_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", ".pytest_cache")


class LearnerBuildError(RuntimeError):
    """The learner distribution cannot be built; the message says why and what to do."""


def _progress(items, *, desc: str, enabled: bool, total: int | None = None):
    from tqdm.auto import tqdm

    return tqdm(items, desc=desc, unit="step", total=total, disable=not enabled, leave=False)


def _require_data() -> None:
    """The stored results are computed on the built course data, and learners build theirs with
    this code: the data must be built, and with the current recipe."""
    from course.data.build import is_built

    if not config.database_path("library").exists():
        raise LearnerBuildError(
            f"The course data is not built in {config.data_dir()}: run `course data` first "
            "(the learner build stores each visible check's results computed on it)."
        )
    if not is_built():
        raise LearnerBuildError(
            f"The course data in {config.data_dir()} was built by other code than this: run "
            "`course data` first, so that the stored results come from the data learners build."
        )


def _check_release(release: Path) -> list[Path]:
    notebooks = sorted(release.glob("*/*.ipynb"))
    if not notebooks:
        raise LearnerBuildError(
            f"There are no release notebooks in {release}: run `course release` first."
        )
    for path in notebooks:
        text = path.read_text(encoding="utf-8")
        for marker in MARKERS:
            if marker in text:
                raise LearnerBuildError(
                    f"{path.relative_to(release.parent)} still holds {marker!r}: run `course "
                    "release` (nbgrader removes solutions and hidden tests), then build again."
                )
    return notebooks


def _copy_package(root: Path, staging: Path) -> Path:
    """Copy ``course/`` into ``staging`` without what the learner build leaves out."""
    source = root / "course"
    target = staging / "course"
    shutil.copytree(source, target, ignore=_SKIP)
    for rel in LEFT_OUT:
        path = target / rel
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    grading = target / "grading"
    for path in list(grading.iterdir()):
        if path.name not in GRADING_KEPT:
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    (grading / "__init__.py").write_text(GRADING_INIT, encoding="utf-8")
    return target


def _stage_banks(package: Path, *, progress: bool, kinds=None) -> int:
    """Replace every bank by its stripped copy and write its stored results beside it."""
    from course import check
    from course.check.bank import BankError, bank_paths
    from course.grading.learner import stage_bank

    exercises = package / "exercises"
    banks = bank_paths()
    count = 0
    try:
        for bank in _progress(banks, desc="stored results", enabled=progress):
            try:
                stage_bank(bank, exercises, kinds=kinds)  # overwrites the copied full bank
            except BankError as exc:
                raise LearnerBuildError(
                    f"The stored results of {bank.name} cannot be computed ({exc}); the learner "
                    "build needs every exercise's check to store its results."
                ) from exc
            stored_file = exercises / "expected" / f"{bank.stem}.json"
            count += len(json.loads(stored_file.read_text(encoding="utf-8"))["exercises"])
    finally:
        check.clear_cache()
        check.use_demo(None)
    return count


# --- the wheel (PEP 427), written directly ------------------------------------------------------


def _record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _metadata(project: dict, version: str) -> str:
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {project['name']}",
        f"Version: {version}",
        f"Summary: {project.get('description', '')} (learner build)",
        f"Requires-Python: {project.get('requires-python', '>=3.11')}",
    ]
    license_ = project.get("license", {})
    if isinstance(license_, dict) and license_.get("text"):
        lines.append(f"License: {license_['text']}")
    lines += [f"Requires-Dist: {dep}" for dep in project.get("dependencies", [])]
    for extra, deps in sorted(project.get("optional-dependencies", {}).items()):
        lines.append(f"Provides-Extra: {extra}")
        lines += [f'Requires-Dist: {dep}; extra == "{extra}"' for dep in deps]
    return "\n".join(lines) + "\n"


def _write_wheel(package: Path, project: dict, out_dir: Path, *, progress: bool) -> Path:
    name = re.sub(r"[-_.]+", "_", project["name"]).lower()
    version = f"{project['version']}+{LOCAL_VERSION}"
    dist_info = f"{name}-{version}.dist-info"
    wheel = out_dir / f"{name}-{version}-py3-none-any.whl"
    scripts = project.get("scripts", {})
    extra_files = {
        f"{dist_info}/METADATA": _metadata(project, version),
        f"{dist_info}/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: course build-learner\nRoot-Is-Purelib: true\n"
            "Tag: py3-none-any\n"
        ),
        f"{dist_info}/entry_points.txt": "[console_scripts]\n"
        + "".join(f"{k} = {v}\n" for k, v in sorted(scripts.items())),
        f"{dist_info}/top_level.txt": "course\n",
    }
    files = sorted(p for p in package.rglob("*") if p.is_file())
    records = []
    tmp = wheel.with_name(wheel.name + ".part")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:

        def add(arcname: str, data: bytes) -> None:
            info = zipfile.ZipInfo(arcname, date_time=(2026, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
            records.append(f"{arcname},{_record_hash(data)},{len(data)}")

        for path in _progress(files, desc="wheel", enabled=progress):
            add(path.relative_to(package.parent).as_posix(), path.read_bytes())
        for arcname, text in extra_files.items():
            add(arcname, text.encode("utf-8"))
        record_name = f"{dist_info}/RECORD"
        records.append(f"{record_name},,")
        info = zipfile.ZipInfo(record_name, date_time=(2026, 1, 1, 0, 0, 0))
        info.external_attr = 0o644 << 16
        archive.writestr(info, "\n".join(records) + "\n", compress_type=zipfile.ZIP_DEFLATED)
    tmp.replace(wheel)
    return wheel


README = """Technical Services Data Lab: the learner distribution
=====================================================

Built by `course build-learner` from the course repository ({version}).

What is here
------------
{wheel}
    The course for learners: the course code, quizzes, hints, check messages, the release
    notebooks, and for every visible check the results it compares against (stored when this
    folder was built, on the deterministic course data). It holds no reference answers, no
    listed-mistake SQL, no solutions, no hidden tests and no shadow database, so a learner who
    reads the installed files finds nothing to copy marks from.
notebooks/
    The release notebooks (what nbgrader's generate_assignment makes: no solutions, no hidden
    tests), one folder per module. The wheel carries the same notebooks, so `course lab` needs
    these only if you hand notebooks out another way (a learning platform, a shared drive).

Install it (a learner's computer, or the shared environment of a JupyterHub)
------------------------------------------------------------------------------
    python3.11 -m venv ~/tsdl-env
    ~/tsdl-env/bin/pip install {wheel}
    ~/tsdl-env/bin/course setup
    export COURSE_DATA_DIR=~/tsdl-data COURSE_WORKSPACE=~/tsdl
    ~/tsdl-env/bin/course data       # builds library.duckdb only (about a minute)
    ~/tsdl-env/bin/course lab        # copies the notebooks into the workspace and starts JupyterLab

pip installs the pinned packages the course needs from PyPI. Set COURSE_DATA_DIR and
COURSE_WORKSPACE (above) to folders of your choice: without them the data and the notebooks go
beside the installed package. On a JupyterHub, install this wheel into the shared environment
instead of the repository copy (docs/deployment.md); learners then fetch assignments as usual.

Grading
-------
Hidden checks do not run here: in a learner build they say "Hidden checks run when your
instructor grades this notebook". Grade submissions in your own full build (a clone of the
repository with `make setup`): `course grade`, `course report`, `course check` and the other
instructor commands answer in this build that they are not part of it.

Build this folder again after changing a bank, a notebook or the data recipe: the stored
results must come from the same banks and the same course data the learners build.
"""


def build_learner(out_dir, *, progress: bool = True, _kinds=None) -> Path:
    """Build the learner distribution into ``out_dir``; return the wheel's path.

    Needs the course data built (the stored results are computed on it) and ``release/``
    generated; raises :class:`LearnerBuildError` with one sentence otherwise.  ``_kinds``
    (development only) stores only exercises of these check kinds: the others' visible checks
    then say they are not set up, so such a build is not one to give learners.
    """
    root = config.repo_root()
    if not (root / "pyproject.toml").exists() or not (root / "course" / "grading").is_dir():
        raise LearnerBuildError(
            "course build-learner runs in the course repository (the full build), not in an "
            "installed course."
        )
    _require_data()
    release = root / "release"
    _check_release(release)
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    out_dir = Path(out_dir).expanduser().resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="course-learner-") as tmp:
        staging = Path(tmp)
        package = _copy_package(root, staging)
        shutil.copytree(release, package / "release", ignore=_SKIP)
        _stage_banks(package, progress=progress, kinds=_kinds)
        for old in out_dir.glob("course-*.whl"):
            old.unlink()
        wheel = _write_wheel(package, project, out_dir, progress=progress)
    notebooks = out_dir / "notebooks"
    shutil.rmtree(notebooks, ignore_errors=True)
    shutil.copytree(release, notebooks, ignore=_SKIP)
    (out_dir / "README.txt").write_text(
        README.format(version=wheel.name.split("-")[1], wheel=wheel.name), encoding="utf-8"
    )
    return wheel
