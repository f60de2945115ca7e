"""Issue 19: the two jobs without `make` (Windows, conda, a machine without build tools).

`python tools/bootstrap.py lab` / `... test` are what `make lab` / `make test` run, so the routes
behave the same. The real runs below happen with a PATH on which there is no `make` at all; the
Windows differences (Scripts\\ and .exe, `;` in PATH, the `py` launcher, a data file in use) are
simulated, since this machine is Linux.
"""

import contextlib
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from course import config
from course.data import install

ROOT = config.repo_root()
VENV = Path(sys.executable).parent.parent  # the environment running these tests


@pytest.fixture
def bootstrap():
    spec = importlib.util.spec_from_file_location("bootstrap", ROOT / "tools" / "bootstrap.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def no_make_env(tmp_path):
    """An environment whose PATH has no `make` (only an empty folder), and throwaway Jupyter
    and workspace folders; the course data is the one `make test` built."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    assert shutil.which("make", path=str(empty)) is None
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COURSE_VIA", "PYTEST_"))}
    env.update(
        PATH=str(empty),
        COURSE_WORKSPACE=str(tmp_path / "workspace"),
        COURSE_SCRATCH_DB=str(tmp_path / "workspace" / "scratch.duckdb"),
        JUPYTER_CONFIG_DIR=str(tmp_path / "jupyter-config"),
        JUPYTER_DATA_DIR=str(tmp_path / "jupyter-data"),
        JUPYTER_RUNTIME_DIR=str(tmp_path / "jupyter-runtime"),
        IPYTHONDIR=str(tmp_path / "ipython"),
    )
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _venv_arg() -> list[str]:
    return ["--venv", os.path.relpath(VENV, ROOT)]


# -- the Windows branches, simulated ---------------------------------------------------------------


def test_windows_keeps_the_environments_programs_in_scripts_with_exe(bootstrap):
    venv = os.path.join("C:", "tsdl", ".venv")
    assert bootstrap.venv_program(venv, "python", os_name="nt") == os.path.join(
        venv, "Scripts", "python.exe"
    )
    assert bootstrap.venv_program(venv, "course", os_name="nt").endswith("course.exe")
    assert bootstrap.venv_program(venv, "python", os_name="posix") == os.path.join(
        venv, "bin", "python"
    )


def test_path_entries_use_the_systems_separator(bootstrap, monkeypatch):
    monkeypatch.setattr(bootstrap.os, "pathsep", ";")  # as on Windows
    assert bootstrap.path_with(r"C:\tsdl\.venv\Scripts", r"C:\Windows") == (
        r"C:\tsdl\.venv\Scripts;C:\Windows"
    )
    assert bootstrap.path_with("/x/bin", "") == "/x/bin"


@pytest.mark.parametrize(
    "via, os_name, expected",
    [
        ("make", "nt", "make data"),
        ("", "nt", "py tools\\bootstrap.py data"),
        ("", "posix", "python3 tools/bootstrap.py data"),
    ],
)
def test_sentences_name_the_command_of_the_route_taken(
    bootstrap, monkeypatch, via, os_name, expected
):
    monkeypatch.setenv("COURSE_VIA", via)
    assert bootstrap.again("data", os_name=os_name) == expected


@pytest.mark.parametrize(
    "via, os_name, expected",
    [
        ("make", "posix", "make lab PORT=8890"),
        ("bootstrap", "posix", "python3 tools/bootstrap.py lab --port 8890"),
        ("bootstrap", "nt", "py tools\\bootstrap.py lab --port 8890"),
        ("", "nt", "course lab --port 8890"),  # conda: the course command itself
    ],
)
def test_the_course_names_the_same_route_in_its_own_sentences(monkeypatch, via, os_name, expected):
    monkeypatch.setenv("COURSE_VIA", via)
    assert config.command("lab", 8890, os_name=os_name) == expected


def test_a_data_file_in_use_on_windows_gets_one_sentence(tmp_path, monkeypatch):
    """Windows refuses to replace a file a kernel has open; the build says what to do."""
    tmp, final = tmp_path / ".library.duckdb.building-1", tmp_path / "library.duckdb"
    tmp.write_bytes(b"new")
    final.write_bytes(b"old")

    def refuse(src, dst):
        raise PermissionError(13, "The process cannot access the file", str(dst))

    monkeypatch.setattr(install.os, "replace", refuse)
    with pytest.raises(install.DataInUse) as caught:
        install.install_database(tmp, final)
    sentence = str(caught.value)
    assert sentence.startswith("library.duckdb is open in another program")
    assert "Shut Down All Kernels" in sentence and "\n" not in sentence
    assert final.read_bytes() == b"old"  # nothing half-installed


def test_the_makefile_runs_the_same_jobs():
    """`make lab/test/data` go through tools/bootstrap.py, so both routes stay the same."""
    makefile = (ROOT / "Makefile").read_text()
    for job in ("lab", "test", "data"):
        rule = re.search(rf"^{job}:.*\n\t(.+)$", makefile, re.M)
        assert rule and f"tools/bootstrap.py {job}" in rule.group(1), job


# -- the real thing, with no make on PATH ----------------------------------------------------------


@pytest.mark.slow
def test_lab_starts_without_make(no_make_env, tmp_path):
    port = free_port()
    cmd = [sys.executable, "tools/bootstrap.py", "lab", *_venv_arg(), "--port", str(port)]
    log = tmp_path / "lab.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [*cmd, "--", "--no-browser"],
            cwd=ROOT,
            env=no_make_env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # so the test can stop Lab and its kernels together
        )
    try:
        deadline = time.monotonic() + 120
        status = None
        while status is None:
            assert proc.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            token = re.search(r"\?token=([0-9a-f]+)", log.read_text())
            if token:
                url = f"http://127.0.0.1:{port}/api/status?token={token.group(1)}"
                with contextlib.suppress(OSError):
                    with urllib.request.urlopen(url, timeout=5) as answer:
                        status = json.load(answer)
            time.sleep(0.5)
        assert "started" in status
        assert (Path(no_make_env["COURSE_WORKSPACE"]) / "00-start-here").is_dir()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.mark.slow
def test_tests_run_without_make(no_make_env):
    run = subprocess.run(
        [
            sys.executable,
            "tools/bootstrap.py",
            "test",
            *_venv_arg(),
            "--workers",
            "0",
            "--",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/test_environment.py",
        ],
        cwd=ROOT,
        env=no_make_env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert re.search(r"\d+ passed", run.stdout), run.stdout[-2000:]


# -- Windows reads and writes text in its own code page unless told otherwise ---------------------


def _text_calls_without_encoding(path: Path) -> list[str]:
    import ast

    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        if name not in ("open", "read_text", "write_text", "fdopen"):
            continue
        if isinstance(func, ast.Attribute) and name == "open":
            owner = func.value
            if not (isinstance(owner, ast.Name) and owner.id in ("io", "os")) and not (
                name == "open" and _looks_like_path(owner)
            ):
                continue  # webbrowser.open, Image.open, ...: not a text file
        if any(k.arg == "encoding" for k in node.keywords):
            continue
        mode_pos = 1 if name in ("open", "fdopen") and isinstance(func, ast.Name) else 0
        if isinstance(func, ast.Attribute) and func.attr in ("fdopen",):
            mode_pos = 1
        mode = next((k.value for k in node.keywords if k.arg == "mode"), None)
        if mode is None and len(node.args) > mode_pos and name in ("open", "fdopen"):
            mode = node.args[mode_pos]
        if isinstance(mode, ast.Constant) and isinstance(mode.value, str) and "b" in mode.value:
            continue  # binary: no encoding involved
        found.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}()")
    return found


def _looks_like_path(node) -> bool:
    """``something.open(...)`` where something is a Path expression (a name or a / join)."""
    import ast

    return isinstance(node, (ast.BinOp, ast.Call)) or (
        isinstance(node, ast.Name) and node.id not in ("webbrowser", "Image", "zipfile", "tarfile")
    )


def test_every_text_file_the_course_opens_names_its_encoding():
    """Python 3.11-3.14 on Windows would read a UTF-8 bank or notebook as cp1252 and garble every
    accent (or fail): every text open in the course package says encoding="utf-8"."""
    found = []
    for path in sorted((ROOT / "course").rglob("*.py")):
        found += _text_calls_without_encoding(path)
    assert not found, "text opened without an encoding (wrong on Windows): " + ", ".join(found)


def test_windows_builds_take_the_lock_with_msvcrt(tmp_path, monkeypatch):
    """Windows has no fcntl: the build lock uses msvcrt.locking, and a held lock is refused."""
    import types

    held: set[int] = set()

    def locking(fd, mode, nbytes):
        if mode == fake.LK_NBLCK:
            if held:
                raise OSError(36, "Resource deadlock avoided")  # what Windows says when held
            held.add(fd)
        elif mode == fake.LK_UNLCK:
            held.discard(fd)

    fake = types.SimpleNamespace(LK_NBLCK=2, LK_UNLCK=0, locking=locking)
    monkeypatch.setitem(sys.modules, "msvcrt", fake)
    with install.build_lock(tmp_path, os_name="nt"):
        assert held
        with pytest.raises(install.BuildLocked) as caught:
            with install.build_lock(tmp_path, os_name="nt"):
                pass
        assert str(caught.value).startswith("Another `course data` build is running")
    assert not held  # released when the build ends
