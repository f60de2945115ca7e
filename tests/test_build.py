"""The build of library.duckdb and shadow.duckdb: deterministic, atomic, never touching the
learner's scratch database, read-only to learners.

These run the real build (obtain -> load -> catalog -> library -> load files -> install) on
small samples of the cached LoC file, in a throwaway data folder; they are skipped when the
cached file is not there.
"""

from __future__ import annotations

import os

import duckdb
import pytest

from course import config, db
from course.data import build as build_mod
from course.data import install
from course.data.build import Sample, build, is_built, table_checksums

pytestmark = pytest.mark.slow

CACHED = config.data_dir() / "cache" / "BooksAll.2016.part01.utf8"
SMALL = {
    "library": Sample(start=0, step=50, seed=build_mod.LIBRARY_SEED),  # 5,000 records
    "shadow": Sample(start=3, step=100, seed=build_mod.SHADOW_SEED),  # 2,500 records
}


@pytest.fixture(scope="module")
def data_home(tmp_path_factory):
    if not CACHED.exists():
        pytest.skip("the LoC file is not cached here (run `course data` once)")
    home = tmp_path_factory.mktemp("course-data")
    saved = {k: os.environ.get(k) for k in ("COURSE_DATA_DIR", "COURSE_SCRATCH_DB")}
    os.environ["COURSE_DATA_DIR"] = str(home / "data")
    os.environ["COURSE_SCRATCH_DB"] = str(home / "workspace" / "scratch.duckdb")
    try:
        yield home
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="module")
def first(data_home):
    """The first build; every test below starts from it."""
    return build(marc_file=CACHED, force=True, progress=False, samples=SMALL)


def _checksums(name: str) -> dict[str, str]:
    con = duckdb.connect(str(config.database_path(name)), read_only=True)
    try:
        return table_checksums(con)
    finally:
        con.close()


def _leftovers() -> list[str]:
    return install.leftovers(config.data_dir())


def test_build_makes_both_databases(first):
    assert not first.up_to_date
    assert first.databases["library"]["bibs"] == 5000
    assert first.databases["shadow"]["bibs"] == 2500
    assert first.skipped == []  # every step ran: loader, catalog, library system, load files
    for name in config.DATABASES:
        assert config.database_path(name).exists()
    assert (config.data_dir() / "loadlab" / "manifest.json").exists()
    assert _leftovers() == []
    assert is_built(SMALL)
    assert not is_built()  # the full-size recipe is another recipe
    assert "5,000 records" in first.summary()


def test_installed_files_match_the_report(first):
    for name in config.DATABASES:
        assert _checksums(name) == first.databases[name]["checksums"]


def test_shadow_has_the_same_schema_and_other_records(first):
    def schema(name):
        con = duckdb.connect(str(config.database_path(name)), read_only=True)
        try:
            return con.execute(
                "SELECT table_name, column_name, data_type FROM duckdb_columns() "
                "WHERE schema_name = 'main' ORDER BY ALL"
            ).fetchall(), {r[0] for r in con.execute("SELECT bib_id FROM bib").fetchall()}
        finally:
            con.close()

    lib_schema, lib_ids = schema("library")
    shadow_schema, shadow_ids = schema("shadow")
    assert lib_schema == shadow_schema
    assert lib_ids and shadow_ids and not lib_ids & shadow_ids
    lib, shadow = first.databases["library"]["checksums"], first.databases["shadow"]["checksums"]
    assert lib.keys() == shadow.keys()
    for table in ("bib", "subject", "item", "loan", "patron"):
        assert lib[table] != shadow[table], table


def test_up_to_date_build_is_skipped(first):
    again = build(progress=False, samples=SMALL)
    assert again.up_to_date and again.databases == {}
    assert "up to date" in again.summary()


def test_rebuild_is_deterministic_and_spares_learner_work(first):
    scratch = db.scratch()
    scratch.execute("CREATE TABLE my_list AS SELECT 42 AS answer")
    scratch.close()
    scratch_path = config.scratch_db_path()
    scratch_before = scratch_path.stat().st_mtime_ns

    reader = db.connect()  # a learner's notebook, open while the data is rebuilt
    count_before = reader.execute("SELECT count(*) FROM bib").fetchone()[0]

    second = build(force=True, progress=False, samples=SMALL)

    assert reader.execute("SELECT count(*) FROM bib").fetchone()[0] == count_before
    reader.close()
    for name in config.DATABASES:
        assert second.databases[name]["checksums"] == first.databases[name]["checksums"], name
        assert _checksums(name) == first.databases[name]["checksums"], name
    assert scratch_path.stat().st_mtime_ns == scratch_before
    scratch = db.scratch()
    assert scratch.execute("SELECT answer FROM my_list").fetchone()[0] == 42
    scratch.close()
    assert _leftovers() == []


def test_course_data_is_read_only_to_learners(first):
    con = db.connect()
    try:
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("CREATE TABLE mine (x INTEGER)")
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("DELETE FROM bib")
        assert con.execute("SELECT count(*) FROM bib").fetchone()[0] == 5000
    finally:
        con.close()


def test_failed_build_leaves_the_old_data_in_place(first, monkeypatch):
    before = {name: _checksums(name) for name in config.DATABASES}

    def broken(con, *, progress=True):
        raise RuntimeError("catalog step failed on purpose")

    monkeypatch.setattr("course.data.marc.catalog.build_catalog", broken)
    with pytest.raises(RuntimeError, match="on purpose"):
        build(force=True, progress=False, samples=SMALL)
    assert {name: _checksums(name) for name in config.DATABASES} == before
    assert _leftovers() == []
    assert is_built(SMALL)


def test_table_checksums_see_changed_rows(tmp_path):
    con = duckdb.connect(str(tmp_path / "t.duckdb"))
    con.execute("CREATE TABLE t AS SELECT range AS id, range * 2 AS v FROM range(1000)")
    base = table_checksums(con)["t"]
    con.execute("CREATE OR REPLACE TABLE t AS SELECT * FROM t ORDER BY id DESC")
    assert table_checksums(con)["t"] == base  # the order rows are stored in does not count
    con.execute("UPDATE t SET v = v + 1 WHERE id = 500")
    assert table_checksums(con)["t"] != base
    con.execute("UPDATE t SET v = v - 1 WHERE id = 500")
    assert table_checksums(con)["t"] == base
    con.execute("INSERT INTO t SELECT * FROM t WHERE id < 2")  # duplicated rows count
    assert table_checksums(con)["t"] != base
    con.execute("DELETE FROM t; INSERT INTO t SELECT range, range * 2 FROM range(1000)")
    assert table_checksums(con)["t"] == base
    con.execute("ALTER TABLE t RENAME COLUMN v TO w")  # so do column names
    assert table_checksums(con)["t"] != base
    con.close()
