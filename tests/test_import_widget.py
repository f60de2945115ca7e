"""Your own catalog in a notebook: db.connect("mine") and the sandbox's "My data" switch."""

from __future__ import annotations

import duckdb
import pytest

from course import check, config, db, widgets
from course.importer import import_file
from course.widgets.sandbox import MY_DATA_CHECK


@pytest.fixture(autouse=True)
def env(data_dir, monkeypatch, tmp_path):
    """Module 00's demo data as the course data (its shelf table); an empty workspace."""
    monkeypatch.setenv("COURSE_DATA_DIR", str(data_dir))
    monkeypatch.setenv("COURSE_WORKSPACE", str(tmp_path / "workspace"))
    monkeypatch.delenv("COURSE_MYDATA_DB", raising=False)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    check.use_demo("00-start-here")
    yield tmp_path
    check.use_demo(None)


def import_titles(tmp_path, *titles: str) -> None:
    path = tmp_path / "export.csv"
    path.write_text("Title,Year\n" + "".join(f"{t},2001\n" for t in titles), encoding="utf-8")
    import_file(path, progress=False)


def test_no_switch_until_a_catalog_is_imported(tmp_path):
    assert not db.has_my_data()
    box = widgets.sandbox("q0_1")
    assert box.data_switch is None and box.database == "library"
    with pytest.raises(db.MyDataMissing, match="run `course import FILE` in a terminal"):
        db.connect("mine")
    import_titles(tmp_path, "Our own book")
    assert db.has_my_data() and config.mydata_db_path().parent == tmp_path / "workspace"
    assert widgets.sandbox("q0_1").data_switch is not None
    assert widgets.sandbox().data_switch is not None  # a sandbox without an exercise too


def test_the_switch_chooses_the_database_the_query_runs_on(tmp_path):
    import_titles(tmp_path, "Zebra tales", "Aardvark days")
    box = widgets.sandbox("q0_1", sql="SELECT title FROM bib ORDER BY title")
    assert [label for label, _ in box.data_switch.options] == ["Course data", "My data"]
    box.run()  # the course data (here module 00's shelf) has no bib
    assert "There is no table called bib" in box.feedback.value and box.result.value == ""

    box.data_switch.value = "mine"
    assert box.database == "mine" and "your own catalog" in box.run_button.tooltip
    box.run_button.click()
    assert "Aardvark days" in box.result.value and "Zebra tales" in box.result.value
    assert "2 rows" in box.result.value
    assert box.result.value.index("Aardvark") < box.result.value.index("Zebra")

    box.editor.value = "SELECT title FROM shelf"
    box.run()
    assert "There is no table called shelf in your own catalog" in box.feedback.value

    box.data_switch.value = "library"
    box.run()
    assert box.feedback.value.count("There is no table") == 0 and "<table" in box.result.value


def test_check_is_off_in_my_data_mode(tmp_path, env):
    import_titles(tmp_path, "Our own book")
    box = widgets.sandbox("q0_1", sql="SELECT title, date1 FROM shelf WHERE date1 >= 2000")
    box.use("mine")
    assert box.check_button.disabled and MY_DATA_CHECK in box.feedback.value
    assert box.check() is None and MY_DATA_CHECK in box.feedback.value
    assert not (env / "workspace" / ".course-progress.json").exists()  # nothing recorded
    box.use("library")
    assert box.data_switch.value == "library" and not box.check_button.disabled
    assert box.check().passed and "✓ Question 0.1" in box.feedback.value


def test_a_new_import_is_seen_without_restarting(tmp_path):
    """The import replaces the file whole; the sandbox's open copy notices and reopens."""
    import_titles(tmp_path, "First import")
    box = widgets.sandbox(sql="SELECT title FROM bib")
    box.use("mine")
    box.run()
    assert "First import" in box.result.value
    import_titles(tmp_path, "Second import")
    box.run()
    assert "Second import" in box.result.value and "First import" not in box.result.value


def test_connect_mine_is_read_only(tmp_path):
    import_titles(tmp_path, "Our own book")
    con = db.connect("mine")
    try:
        assert con.execute("SELECT title FROM bib").fetchall() == [("Our own book",)]
        with pytest.raises(duckdb.Error, match="read-only"):
            con.execute("DELETE FROM bib")
    finally:
        con.close()
    library = db.connect()  # the course data opens as before
    assert library.execute("SELECT 1").fetchone() == (1,)
    library.close()
