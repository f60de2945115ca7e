"""Shared fixtures: a JupyterLab server started exactly the way `make lab` starts it."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from course import config
from course.lab import lab_command, lab_env
from course.workspace import sync_workspace

REALDATA = config.repo_root().parent / "shared" / "realdata"

#: Debian's Chromium, driven by Playwright in every browser test (e2e, hub, the reports).
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


@pytest.fixture(scope="session")
def browser():
    """One Chromium per test process, shared by every browser test: Playwright's sync API keeps an
    event loop running while it is open, so a second `sync_playwright()` in the same process
    fails ("Sync API inside the asyncio loop"). Without Chromium: a skip saying how to install it,
    except in CI (COURSE_REQUIRE_E2E=1), where it is a failure."""
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LabServer:
    def __init__(self, url: str, token: str, workspace: Path, process: subprocess.Popen, log: Path):
        self.url, self.token, self.workspace, self.process, self.log = (
            url,
            token,
            workspace,
            process,
            log,
        )

    def api(self, path: str, method: str = "GET"):
        sep = "&" if "?" in path else "?"
        req = urllib.request.Request(f"{self.url}{path}{sep}token={self.token}", method=method)
        with urllib.request.urlopen(req, timeout=10) as resp:
            body = resp.read()
        return json.loads(body) if body else None


@contextlib.contextmanager
def run_lab_server(tmp: Path, *, workspace: Path | None = None, env: dict | None = None):
    """Start JupyterLab with the command `course lab` uses, in throwaway Jupyter dirs."""
    workspace = workspace or tmp / "workspace"
    sync_workspace(workspace=workspace)
    port, token = free_port(), secrets.token_hex(16)
    dirs = {
        name: tmp / "jupyter" / name for name in ("config", "data", "runtime", "lab-workspaces")
    }
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    extra = {
        "JUPYTER_CONFIG_DIR": str(dirs["config"]),
        "JUPYTER_DATA_DIR": str(dirs["data"]),
        "JUPYTER_RUNTIME_DIR": str(dirs["runtime"]),
        "COURSE_WORKSPACE": str(workspace),
        "COURSE_SCRATCH_DB": str(workspace / "scratch.duckdb"),
        "IPYTHONDIR": str(tmp / "ipython"),
        **(env or {}),
    }
    cmd = lab_command(port=port, token=token, workspace=workspace, open_browser=False)
    cmd.append(f"--LabApp.workspaces_dir={dirs['lab-workspaces']}")
    log = tmp / "jupyterlab.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            cmd,
            env=lab_env(extra),
            cwd=str(config.repo_root()),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = LabServer(f"http://127.0.0.1:{port}", token, workspace, proc, log)
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited early:\n{log.read_text()[-3000:]}")
            try:
                server.api("/api/status")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"JupyterLab did not answer:\n{log.read_text()[-3000:]}"
                    ) from None
                time.sleep(0.3)
        yield server
    finally:
        with contextlib.suppress(OSError):
            server.api("/api/shutdown", method="POST")
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture
def lab_server(tmp_path):
    with run_lab_server(tmp_path) as server:
        yield server


@pytest.fixture(scope="session")
def realdata() -> Path:
    if not REALDATA.is_dir():
        pytest.skip("../shared/realdata is not here (it only exists on the developers' machines)")
    return REALDATA


os.environ.setdefault("PLOOMBER_STATS_ENABLED", "false")
os.environ.setdefault("PLOOMBER_VERSION_CHECK_DISABLED", "true")


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory) -> Path:
    """Small library and shadow databases (different rows in each) for the check tests, built
    once per run; checks open them read-only, so the test files can share them."""
    from course.check.testing import build_fixture_databases

    folder = tmp_path_factory.mktemp("check-fixture-data")
    build_fixture_databases(folder)
    return folder
