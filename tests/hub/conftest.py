"""The cohort hub's fixtures (the `browser` is tests/conftest.py's): the shared
course environment every account's server runs (built once, reused while nothing changed)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

#: The shared environment of the test hub: kept between runs (pip takes ~2 minutes to make it).
HUB_ENV = Path(os.environ.get("TSDL_HUB_TEST_ENV", "/opt/tsdl-hub-test/env"))


def _required(message: str):
    if os.environ.get("COURSE_REQUIRE_E2E") == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def hub_ready():
    """Root, useradd, Chromium, Node.js 20, the shared environment and the proxy, or a skip
    (a failure in CI, where .ci/run installs what is missing) saying what is missing."""
    if os.geteuid() != 0 or not shutil.which("useradd"):
        pytest.skip("the hub test makes Unix accounts: it needs root (CI runs it as root)")
    chromium = os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium")  # as tests/conftest.py
    if not Path(chromium).exists():
        _required(f"Chromium is not installed ({chromium}): `sudo apt-get install chromium`.")
    from course.hub import HubProblem, install_proxy, shared_environment

    try:
        proxy = install_proxy()
        report = shared_environment(HUB_ENV)
    except HubProblem as exc:
        _required(str(exc))
    print(report.summary())
    return HUB_ENV, proxy
