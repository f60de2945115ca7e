"""The sandbox's "My data" switch in JupyterLab: a learner's imported catalog, one click away."""

from __future__ import annotations

import nbformat
import pytest

from course import config
from course.importer import import_file


def test_my_data_switch_runs_the_query_on_the_imported_catalog(lab, page):
    if not config.database_path("library").exists():
        pytest.skip("The course data is not built: run `course data` (or `make data`) first.")
    workspace = lab.server.workspace
    export = workspace / "export.csv"
    export.write_text("Title,Year\nAardvark days,2001\nZebra tales,1999\n", encoding="utf-8")
    import_file(export, target=workspace / "mydata.duckdb", progress=False)
    sql = "SELECT title FROM bib WHERE title IN ('Aardvark days', 'Zebra tales') ORDER BY title"
    cell = f"from course import widgets\n\nwidgets.sandbox(sql={sql!r})"
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(cell)])
    notebook.metadata["kernelspec"] = {
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "name": "python3",
    }
    nbformat.write(notebook, workspace / "mine.ipynb")

    lab.open("mine.ipynb")
    lab.run_all()
    box = lab.notebook.locator(".course-sandbox")
    lab.expect(box).to_be_visible()
    run = box.get_by_role("button", name="Run", exact=True)
    run.click()
    lab.expect(box).to_contain_text("0 rows")  # the course's catalog has neither title
    box.get_by_role("button", name="My data", exact=True).click()
    run.click()
    lab.expect(box).to_contain_text("Zebra tales")
    lab.expect(box).to_contain_text("Aardvark days")
    page.shots("my-data")
    box.get_by_role("button", name="Course data", exact=True).click()
    run.click()
    lab.expect(box).not_to_contain_text("Zebra tales")
    assert lab.real_console_errors() == []
