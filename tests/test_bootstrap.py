"""tools/bootstrap.py (run by make): an old Python and a failed install each get one sentence."""

import importlib.util
import subprocess

import pytest

from course import config


@pytest.fixture
def bootstrap():
    path = config.repo_root() / "tools" / "bootstrap.py"
    spec = importlib.util.spec_from_file_location("bootstrap", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    "via, os_name, advice",
    [
        ("make", "posix", "then run make again with PYTHON=python3.12"),
        ("", "posix", "then run python3.12 tools/bootstrap.py lab"),
        ("", "nt", "then run py -3.12 tools\\bootstrap.py lab"),  # Windows: the py launcher
    ],
    ids=["make", "python without make", "windows"],
)
def test_an_old_python_gets_one_sentence(bootstrap, monkeypatch, capsys, via, os_name, advice):
    monkeypatch.setenv("COURSE_VIA", via)
    monkeypatch.setattr(bootstrap, "MIN_PYTHON", (99, 0))
    real_hint = bootstrap.newer_python_hint
    monkeypatch.setattr(bootstrap, "newer_python_hint", lambda: real_hint(os_name))
    assert bootstrap.main(["lab", "--venv", "never-created"]) == 1
    out = capsys.readouterr().out.strip()
    assert out.startswith("The course needs Python 99.0 or newer")
    assert advice in out and "\n" not in out
    assert not (config.repo_root() / "never-created").exists()


def test_a_failed_install_gets_one_sentence_and_no_stamp(bootstrap, monkeypatch, capsys, tmp_path):
    venv = tmp_path / "venv"
    real_call = subprocess.call

    def fake_call(cmd, *args, **kwargs):
        if "-m" in cmd and "venv" in cmd:  # creating the venv works
            return real_call(cmd, *args, **kwargs)
        return 1  # every pip step fails, as with no network

    monkeypatch.setattr(bootstrap.subprocess, "call", fake_call)
    assert bootstrap.main(["--venv", str(venv)]) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1].startswith("Installing the course's packages failed; the end of ")
    assert "install.log" in lines[-1]
    assert not (venv / ".course-installed").exists()


@pytest.mark.parametrize(
    "make_args", [["--extras", "test"], []], ids=["make test again", "make lab after make test"]
)
def test_an_environment_installed_by_make_test_installs_nothing(
    bootstrap, monkeypatch, tmp_path, make_args
):
    import hashlib

    venv = tmp_path / "venv"
    venv.mkdir()
    digest = hashlib.sha256((config.repo_root() / "pyproject.toml").read_bytes() + b"test")
    (venv / ".course-installed").write_text(digest.hexdigest() + "\n")
    monkeypatch.setattr(bootstrap.subprocess, "call", lambda *a, **k: pytest.fail("ran " + str(a)))
    assert bootstrap.main(["--venv", str(venv), *make_args]) == 0


def test_a_changed_pyproject_installs_again(bootstrap, monkeypatch, tmp_path):
    venv = tmp_path / "venv"
    venv.mkdir()
    (venv / ".course-installed").write_text("an-old-digest\n")
    calls = []

    def fake_call(cmd, *args, **kwargs):
        calls.append(cmd)
        return 0 if "venv" in cmd else 1  # the venv "exists"; pip "fails", ending the run

    monkeypatch.setattr(bootstrap.subprocess, "call", fake_call)
    assert bootstrap.main(["--venv", str(venv)]) == 1
    assert any("pip" in cmd for cmd in calls), calls  # the stale stamp did not stop the install
