"""Browser fixtures: Debian's Chromium driven by Playwright, JupyterLab started like `make lab`.

Screenshots go to ``<test tmp dir>/screenshots`` (pytest keeps its temporary folders after a run,
so they survive a failure); set ``COURSE_SCREENSHOTS=DIR`` to also copy them to DIR.  Without
Chromium the tests skip with one line saying how to install it, except in CI
(``COURSE_REQUIRE_E2E=1``, set by .ci/run), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Messages Chromium itself logs on a machine with no general internet; not the course's errors.
IGNORED_CONSOLE = ("Failed to load resource: net::ERR_",)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "e2e" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        message = (
            f"Chromium is not installed ({CHROMIUM} is missing): install it with "
            "`sudo apt-get install chromium` to run the browser tests."
        )
        if os.environ.get("COURSE_REQUIRE_E2E") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


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
    try:
        yield page
    finally:
        failed = (
            getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
        )
        if failed:
            try:
                page.shots("failure")
            except Exception:  # the page may be gone; the earlier shots remain
                pass
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
