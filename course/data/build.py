"""Build the course databases from the Library of Congress records: ``course data``.

What it makes, under ``config.data_dir()``:

* ``library.duckdb``: the learners' database (opened read-only by ``course.db.connect``);
* ``shadow.duckdb`` (full build only): the same schema over a disjoint sample of records and
  another seed, for the hidden tests, so that a hard-coded answer fails there, plus the witness
  rows of ``course.data.witness`` that make answers wrong in general fail there too.  What decides
  it lives in ``course.data.shadow``, imported only when it is there: the learner build
  (``course build-learner``) leaves it out, and then this builds ``library.duckdb`` only;
* ``loadlab/``: the files of the load labs (made from the learners' catalog);
* ``build-stamp.json``: the recipe that was built, row counts and per-table checksums.

Steps per database: load the sampled MARC records (``course.data.marc.load``), build the catalog
(``course.data.marc.catalog``), generate the library system around it
(``course.data.consortium.library``).

Safety (``course.data.install``): each database is built in a temporary file in the data folder
and moved into place with ``os.replace``, so a learner's open read-only connection keeps reading
the old file until it reconnects, and a half-finished build never looks finished.  The learner's
scratch database is never opened.  Determinism: the samples and seeds are constants here and
every table is filled in a defined order, so the same recipe gives the same rows
(``table_checksums`` compares them; the DuckDB file bytes themselves may differ).
"""

from __future__ import annotations

import hashlib
import importlib
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import numpy

from course import config
from course.data import install

try:  # the full build only: a learner build ships neither it nor course.data.witness
    shadow = importlib.import_module("course.data.shadow")
except ModuleNotFoundError as exc:  # tests/test_learner_build.py runs `course data` without it
    if exc.name not in ("course.data.shadow", "course.data.witness"):
        raise
    shadow = None

__all__ = [
    "BUILD_VERSION",
    "LIBRARY_SEED",
    "SHADOW_SEED",
    "SAMPLES",
    "BuildReport",
    "Sample",
    "build",
    "ensure_built",
    "is_built",
    "recipe",
    "table_checksums",
]

#: Bump to force a rebuild everywhere (code changes in course/data rebuild by themselves).
BUILD_VERSION = 1
LIBRARY_SEED = 1876  # the year the American Library Association was founded
SHADOW_SEED = shadow.SEED if shadow else None

STAMP_NAME = "build-stamp.json"
LOADLAB_DIR = "loadlab"


@dataclass(frozen=True)
class Sample:
    """Which records of the LoC file a database uses: every ``step``-th from ``start``."""

    start: int
    step: int
    seed: int

    @property
    def records(self) -> slice:
        return slice(self.start, None, self.step)


#: library: every 5th record (50,000 bibs, ~210 MB with every key and index); shadow (full build
#: only, ``course.data.shadow``): every 10th from the 4th (25,000 bibs).  No record is in both.
SAMPLES = {"library": Sample(start=0, step=5, seed=LIBRARY_SEED)}
if shadow is not None:
    SAMPLES["shadow"] = Sample(start=shadow.START, step=shadow.STEP, seed=shadow.SEED)


@dataclass
class BuildReport:
    """What a build made: per database its tables and row counts, size; and timings."""

    databases: dict[str, dict] = field(default_factory=dict)
    steps: dict[str, float] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    seconds: float = 0.0
    up_to_date: bool = False

    def summary(self) -> str:
        """One line: what was built, how big, how long."""
        if self.up_to_date:
            return f"Course data is up to date in {config.data_dir()}."
        parts = [
            f"{name}.duckdb: {info['bibs']:,} records, {len(info['tables'])} tables, "
            f"{sum(info['tables'].values()):,} rows, {info['bytes'] / 1e6:.0f} MB"
            for name, info in self.databases.items()
        ]
        text = f"Built {'; '.join(parts)} in {self.seconds:.1f} s."
        if self.skipped:
            text += f" Skipped: {' '.join(self.skipped)}"
        return text

    __str__ = summary


def _code_digest() -> str:
    """Digest of the data-making code, so that changing it makes the stamp stale."""
    digest = hashlib.sha256()
    here = Path(__file__).parent
    for path in sorted(here.rglob("*.py")):
        if path.name != "dictionary.py":  # describes the data; does not make it
            digest.update(path.relative_to(here).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def recipe(samples: dict[str, Sample] | None = None) -> dict:
    """Everything that decides the built data; a stamp with another recipe means rebuild."""
    return {
        "build_version": BUILD_VERSION,
        "code": _code_digest(),
        "duckdb": duckdb.__version__,
        "numpy": numpy.__version__,
        "samples": {name: asdict(s) for name, s in sorted((samples or SAMPLES).items())},
    }


def is_built(samples: dict[str, Sample] | None = None) -> bool:
    """True when the databases exist, were built with the current recipe, and nothing was
    skipped (a step skipped because its module was missing is tried again)."""
    stamp = install.read_stamp(config.data_dir() / STAMP_NAME)
    if not stamp or stamp.get("recipe") != recipe(samples) or stamp.get("skipped"):
        return False
    return all(config.database_path(name).exists() for name in config.DATABASES)


def _user_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND NOT temporary ORDER BY table_name"
    ).fetchall()
    return [r[0] for r in rows]


def table_checksums(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """A checksum per table of ``con``'s main schema, over its column names, types and rows.

    Rows are combined order-independently (count, sum and xor of DuckDB row hashes), so two
    databases with the same rows agree whatever the physical order or the file bytes.
    """
    sums = {}
    for table in _user_tables(con):
        columns = con.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = "
            "current_database() AND schema_name = 'main' AND table_name = ? ORDER BY column_index",
            [table],
        ).fetchall()
        count, total, xor = con.execute(
            "SELECT count(*), coalesce(sum(hash(t)::HUGEINT), 0), coalesce(bit_xor(hash(t)), 0) "
            f'FROM "{table}" AS t'
        ).fetchone()
        text = f"{table}|{columns}|{count}|{total}|{xor}"
        sums[table] = hashlib.sha256(text.encode()).hexdigest()[:16]
    return sums


def _optional(module: str, report: BuildReport, what: str):
    """Import course.data.<module>, or note that the step is skipped while it is being written."""
    try:
        return importlib.import_module(f"course.data.{module}")
    except ModuleNotFoundError as exc:
        if exc.name != f"course.data.{module}":
            raise
        report.skipped.append(f"{what} (course.data.{module} is not there yet).")
        return None


class _Steps:
    """Runs the named steps of a build, timing each and moving the overall progress bar."""

    def __init__(self, report: BuildReport, bar):
        self.report, self.bar = report, bar

    def run(self, label: str, fn) -> None:
        self.bar.set_postfix_str(label)
        began = time.perf_counter()
        fn()
        self.report.steps[label] = round(time.perf_counter() - began, 2)
        self.bar.update(1)


def _build_one(
    name: str, sample: Sample, marc: bytes, marc_path: Path, steps: _Steps, progress: bool
) -> Path:
    """Build one database into a temporary file in the data folder; return that file."""
    from course.data.marc.catalog import build_catalog
    from course.data.marc.load import load_marc

    report = steps.report
    tmp = install.temp_name(config.data_dir(), f"{name}.duckdb")
    install.remove_database(tmp)
    con = duckdb.connect(str(tmp))
    try:
        con.execute("SET enable_progress_bar = false")
        steps.run(
            f"{name}: MARC records",
            lambda: load_marc(marc, con, records=sample.records, progress=progress),
        )
        if name == "shadow":
            shadow.after_marc(con)
        steps.run(f"{name}: catalog", lambda: build_catalog(con, progress=progress))
        library = _optional("consortium.library", report, f"The library system in {name}.duckdb")
        steps.run(
            f"{name}: library system",
            lambda: library and library.generate_library(con, seed=sample.seed, progress=progress),
        )
        if name == "shadow" and library:
            shadow.after_library(con, require_all=sample == SAMPLES["shadow"])
        if name == "library":
            loadfiles = _optional("loadlab.loadfiles", report, "The load-lab files")
            steps.run(
                "load-lab files",
                lambda: (
                    loadfiles and _write_loadlab(loadfiles, marc_path, con, sample.seed, progress)
                ),
            )
        counts = {
            t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in _user_tables(con)
        }
        sums = table_checksums(con)
        con.execute("CHECKPOINT")
    except BaseException:
        con.close()
        install.remove_database(tmp)
        raise
    con.close()
    report.databases[name] = {
        "bibs": counts.get("bib", 0),
        "tables": counts,
        "checksums": sums,
        "bytes": tmp.stat().st_size,
    }
    return tmp


def _write_loadlab(loadfiles, marc_path: Path, con, seed: int, progress: bool) -> None:
    import shutil

    tmp = install.temp_name(config.data_dir(), LOADLAB_DIR)
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        loadfiles.write_load_files(
            tmp, marc_path=marc_path, catalog_con=con, seed=seed, progress=progress
        )
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    install.install_folder(tmp, config.data_dir() / LOADLAB_DIR)


def build(
    *,
    marc_file: str | Path | None = None,
    force: bool = False,
    progress: bool = True,
    samples: dict[str, Sample] | None = None,
) -> BuildReport:
    """Build ``library.duckdb``, ``shadow.duckdb`` (full build) and the load-lab files, unless
    up to date.

    ``force`` rebuilds even when the stamp says the data is current.  ``marc_file``: a copy of
    the LoC file (or of the pymarc archive) the user already has.  ``samples`` replaces
    ``SAMPLES`` (the tests build small samples; the stamp records which).
    """
    from tqdm.auto import tqdm

    from course.data.marc.obtain import ensure_marc_file

    samples = samples or SAMPLES
    if "shadow" in samples and shadow is None:
        raise ValueError("this is the learner build: it cannot build the shadow database")
    if not force and is_built(samples):
        return BuildReport(up_to_date=True)
    data = config.data_dir()
    data.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    report = BuildReport()
    # The recipe as the build starts: code edited while it runs must make the stamp stale.
    built_recipe = recipe(samples)
    with install.build_lock(data):
        marc_path = ensure_marc_file(Path(marc_file) if marc_file else None, progress=progress)
        marc = marc_path.read_bytes()
        report.steps["obtain"] = round(time.perf_counter() - began, 2)
        total = sum(4 if name == "library" else 3 for name in samples)
        bar = tqdm(total=total, desc="course data", unit="step", disable=not progress)
        built: dict[str, Path] = {}
        try:
            for name in sorted(samples):  # "library" first: the load-lab files need its catalog
                built[name] = _build_one(
                    name, samples[name], marc, marc_path, _Steps(report, bar), progress
                )
            for name in list(built):
                install.install_database(built[name], config.database_path(name))
                del built[name]  # installed; a failed move leaves it for the clean-up below
        finally:
            for tmp in built.values():
                install.remove_database(tmp)
            bar.close()
        report.seconds = round(time.perf_counter() - began, 1)
        databases = {
            n: {k: v for k, v in d.items() if k != "bytes"} for n, d in report.databases.items()
        }
        install.write_stamp(
            data / STAMP_NAME,
            {"recipe": built_recipe, "databases": databases, "skipped": report.skipped},
        )
    return report


def ensure_built(*, marc_file: str | Path | None = None, progress: bool = True) -> BuildReport:
    """Build the course data only when it is missing or its recipe changed."""
    return build(marc_file=marc_file, force=False, progress=progress)
