"""Browser fixtures: Debian's Chromium driven by Playwright, JupyterLab started like `make lab`.

Screenshots go to ``<test tmp dir>/screenshots`` (pytest keeps its temporary folders after a run,
so they survive a failure); set ``COURSE_SCREENSHOTS=DIR`` to also copy them to DIR, one folder
per test.  A failed test adds a last screenshot and the JupyterLab server log there.  Without
Chromium the tests skip with one line saying how to install it, except in CI
(``COURSE_REQUIRE_E2E=1``, set by .ci/run), where a missing browser is a failure.

The ``lab`` fixture is a learner's JupyterLab in one page: it opens notebooks from the learner
workspace, runs cells the way a learner does (menus, Shift+Enter) and finds cells by their text.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

# Chromium and the `browser` fixture are in tests/conftest.py (one per test process).
# Messages Chromium itself logs on a machine with no general internet; not the course's errors.
IGNORED_CONSOLE = ("Failed to load resource: net::ERR_",)

#: What the status bar says once the notebook's kernel is ready (the toolbar says idle too early).
KERNEL_IDLE = "Python 3 (ipykernel) | Idle"
#: Waits (not assertions about speed): a kernel start on a busy two-core machine, a long cell.
KERNEL_WAIT_MS = 90_000
RUN_WAIT_MS = 120_000
#: An input prompt after its cell ran, like ``[7]:`` (``[*]:`` while waiting, ``[ ]:`` never run).
RAN_PROMPT = re.compile(r"^\s*\[\d+\]:\s*$")
#: What a traceback leaves in an output; a learner never sees one.
TRACEBACK_SIGNS = ("Traceback", "----> ", 'File "', "Cell In[")
#: A wait, not a speed assertion: a whole module notebook on a busy two-core machine.
RUN_ALL_WAIT_MS = 300_000


def _ran(prompt: str) -> bool:
    """``[12]:`` after a cell ran; ``[ ]:`` never ran, ``[*]:`` still waiting."""
    text = "".join(prompt.split())
    return text.startswith("[") and text.endswith("]:") and text[1:-2].isdigit()


STDOUT = "application/vnd.jupyter.stdout"
#: JupyterLab renders error outputs (the exception line) with the stderr MIME type.
STDERR = "application/vnd.jupyter.stderr"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "e2e" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


class Shots:
    """Numbered screenshots for one test."""

    def __init__(self, page, folder: Path):
        self.page, self.folder, self.count = page, folder, 0
        folder.mkdir(parents=True, exist_ok=True)

    def __call__(self, name: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=False)
        return path


def _failed(request) -> bool:
    report = getattr(request.node, "rep_call", None)
    return report is not None and report.failed


def _failure_shot(page) -> None:
    page.failure_shot = True
    try:
        page.shots("failure")
    except Exception:  # the page may be gone; the earlier shots remain
        pass


@pytest.fixture
def page(browser, tmp_path, request):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    page.console_errors = errors
    page.shots = Shots(page, tmp_path / "screenshots")
    page.failure_shot = False
    try:
        yield page
    finally:
        if _failed(request) and not page.failure_shot:
            _failure_shot(page)
        keep = os.environ.get("COURSE_SCREENSHOTS")
        if keep:
            dest = Path(keep) / request.node.name
            shutil.copytree(tmp_path / "screenshots", dest, dirs_exist_ok=True)
        context.close()


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


def real_console_errors(page) -> list[str]:
    return [e for e in page.console_errors if not e.startswith(IGNORED_CONSOLE)]


class Lab:
    """A learner's JupyterLab in one browser page.

    Cells are found by the text of their input and returned as locators that keep pointing at
    the same cell after its text is changed.  Every wait has a generous timeout; none of them
    measures how fast anything is.
    """

    STDOUT, STDERR, TRACEBACK_SIGNS = STDOUT, STDERR, TRACEBACK_SIGNS

    def __init__(self, page, server):
        self.page, self.server = page, server
        from playwright.sync_api import expect

        self.expect = expect

    # --- the page ------------------------------------------------------------------------------
    @property
    def notebook(self):
        """The notebook in the current main-area tab."""
        return self.page.locator(".jp-NotebookPanel:visible .jp-Notebook")

    @property
    def cells(self):
        return self.notebook.locator(".jp-Cell")

    def open(self, relpath: str):
        """Open a notebook of the learner workspace and wait until its kernel is ready."""
        self.page.goto(f"{self.server.url}/lab/tree/{relpath}?token={self.server.token}")
        name = relpath.rsplit("/", 1)[-1]
        self.expect(self.current_tab()).to_contain_text(name, timeout=KERNEL_WAIT_MS)
        self.expect(self.cells.first).to_be_visible()
        self.wait_idle()
        return self.notebook

    def current_tab(self):
        return self.page.locator("#jp-main-dock-panel .lm-TabBar-tab.lm-mod-current")

    def wait_idle(self) -> None:
        self.expect(self.page.locator("#jp-main-statusbar")).to_contain_text(
            KERNEL_IDLE, timeout=KERNEL_WAIT_MS
        )

    def menu(self, top: str, command: str) -> None:
        """Click a menu-bar menu (``Run``) and one of its items, by JupyterLab command id."""
        self.page.locator(".lm-MenuBar").get_by_role("menuitem", name=top, exact=True).click()
        self.page.locator(f".lm-Menu-item[data-command='{command}']").click()

    def real_console_errors(self) -> list[str]:
        return real_console_errors(self.page)

    # --- cells ---------------------------------------------------------------------------------
    def _pin(self, matches):
        """The cell ``matches`` finds, located by position (so it survives a change of text)."""
        index = self.cells.evaluate_all("(cells, t) => cells.indexOf(t)", matches.element_handle())
        assert index >= 0, "The cell was found but is not one of the notebook's cells."
        return self.cells.nth(index)

    def code_cell(self, containing: str):
        """The one code cell whose input contains ``containing``."""
        matches = self.notebook.locator(".jp-CodeCell").filter(
            has=self.page.locator(".jp-InputArea-editor", has_text=containing)
        )
        self.expect(
            matches, f"expected exactly one code cell containing {containing!r}"
        ).to_have_count(1)
        return self._pin(matches)

    def next_code_cell(self, cell):
        """The first code cell after ``cell`` (an exercise's check cell follows its answer)."""
        index = self.cells.evaluate_all(
            "(cells, t) => { const i = cells.indexOf(t);"
            " return cells.findIndex((c, j) => j > i && c.classList.contains('jp-CodeCell')); }",
            cell.element_handle(),
        )
        assert index >= 0, "There is no code cell after this one."
        return self.cells.nth(index)

    def source(self, cell) -> str:
        cell.scroll_into_view_if_needed()
        return "\n".join(cell.locator(".jp-InputArea-editor .cm-line").all_text_contents())

    def set_source(self, cell, text: str) -> None:
        """Replace a cell's text, as a learner selecting everything in it and typing."""
        editor = cell.locator(".jp-InputArea-editor .cm-content")
        editor.click()
        self.page.keyboard.press("ControlOrMeta+a")
        self.page.keyboard.insert_text(text)
        self.expect(cell.locator(".jp-InputArea-editor .cm-line").first).to_have_text(
            text.splitlines()[0]
        )
        assert self.source(cell) == text, "The cell's text did not change as typed."

    def prompt(self, cell):
        return cell.locator(".jp-InputPrompt")

    def _wait_ran(self, prompt, before: str | None) -> None:
        if before is not None:
            self.expect(prompt).not_to_have_text(before, timeout=RUN_WAIT_MS)
        self.expect(prompt).to_have_text(RAN_PROMPT, timeout=RUN_WAIT_MS)

    def _wait_settled(self) -> None:
        self.expect(self.notebook.locator(".jp-InputPrompt", has_text="*")).to_have_count(
            0, timeout=RUN_WAIT_MS
        )
        self.wait_idle()

    def run_cell(self, cell) -> None:
        """Click into the cell and press Shift+Enter; wait until it has run."""
        prompt = self.prompt(cell)
        before = prompt.text_content()
        cell.locator(".jp-InputArea-editor").click()
        self.page.keyboard.press("Shift+Enter")
        self._wait_ran(prompt, before)
        self._wait_settled()

    def run_all(self) -> None:
        """Run → Run All Cells; wait until the kernel has finished (or stopped at an error)."""
        first = self.prompt(self.notebook.locator(".jp-CodeCell").first)
        before = first.text_content()
        self.menu("Run", "runmenu:run-all")
        self._wait_ran(first, before)
        self._wait_settled()

    def run_from(self, cell) -> None:
        """Select ``cell``, then Run → Run Selected Cell and All Below; wait until done."""
        prompt = self.prompt(cell)
        before = prompt.text_content()
        cell.locator(".jp-InputArea-editor").click()
        self.menu("Run", "notebook:run-all-below")
        self._wait_ran(prompt, before)
        self._wait_settled()

    def run_release_top_to_bottom(self, module: str, *, min_code_cells: int) -> dict:
        """Open a module's release notebook, Run All, and wait until its last cell has run.

        Fails when the release notebook is missing; skips without the course data.  Asserts that
        the setup cell said it is ready and every code cell ran.  Returns the module's bank."""
        import yaml

        from course import config

        notebook = f"{module}/{module}.ipynb"
        if not (config.repo_root() / "release" / notebook).exists():
            pytest.fail(f"release/{notebook} is missing: run `course release {module}`.")
        if not config.database_path("library").exists():
            pytest.skip("The course data is not built: run `course data` (or `make data`) first.")
        path = config.repo_root() / "course" / "exercises" / f"{module}.yml"
        bank = yaml.safe_load(path.read_text(encoding="utf-8"))["exercises"]
        self.open(notebook)
        self.run_all()
        # Run All returns when the kernel is first idle; between two long queries it can be idle
        # for a moment, so wait for the last cell to have run too.
        last = self.notebook.locator(".jp-CodeCell").last
        self.expect(self.prompt(last)).to_have_text(RAN_PROMPT, timeout=RUN_ALL_WAIT_MS)
        self.wait_idle()
        setup = self.code_cell("%load_ext course.kernel")
        self.expect(self.outputs(setup, STDOUT)).to_contain_text("Ready")
        code_cells = self.notebook.locator(".jp-CodeCell")
        count = code_cells.count()
        assert count > min_code_cells
        prompts = [self.prompt(code_cells.nth(i)).text_content() or "" for i in range(count)]
        not_run = [(i, p) for i, p in enumerate(prompts) if not _ran(p)]
        assert not not_run, not_run
        return bank

    def assert_only_checks_fail(self, bank: dict, question: str, calls: tuple[str, ...]) -> None:
        """The cells with an error are exactly the bank's check cells, one plain line each
        starting ``✗ Question <question>`` and no traceback anywhere in them."""
        code_cells = self.notebook.locator(".jp-CodeCell")
        failing = []
        for i in range(code_cells.count()):
            cell = code_cells.nth(i)
            if self.outputs(cell, STDERR).count():
                source = self.source(cell)
                error = self.output_text(cell, STDERR).strip()
                failing.append((source.splitlines()[0:3], error))
                assert any(call in source for call in calls), f"cell {i} has an error: {error}"
                assert len(error.splitlines()) == 1, error
                assert error.startswith(f"✗ Question {question}"), error
                everything = self.output_text(cell)
                assert not [s for s in TRACEBACK_SIGNS if s in everything], everything
        assert len(failing) == len(bank), failing

    def outputs(self, cell, mime: str | None = None):
        """A cell's outputs, optionally only those of one MIME type (``STDOUT``, ``STDERR``)."""
        selector = ".jp-OutputArea-output"
        if mime:
            selector += f"[data-mime-type='{mime}']"
        return cell.locator(selector)

    def output_text(self, cell, mime: str | None = None) -> str:
        cell.scroll_into_view_if_needed()
        return "\n".join(self.outputs(cell, mime).all_text_contents())


@pytest.fixture
def lab(page, lab_server, request):
    """A learner's JupyterLab (``make lab``'s command, a fresh workspace) in a browser page."""
    yield Lab(page, lab_server)
    if _failed(request):
        # While the server still runs: afterwards the page only shows "connection lost".
        _failure_shot(page)
        if lab_server.log.exists():
            shutil.copy2(lab_server.log, page.shots.folder / "jupyterlab.log")
