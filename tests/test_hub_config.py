"""deploy/jupyterhub/jupyterhub_config.py read as JupyterHub reads it (no hub, no root needed):
who may log in, how servers start, and what the spawn hook gives a learner and an instructor.
The hub itself runs in tests/hub/test_hub.py."""

from __future__ import annotations

import json
import os
import pwd
import stat
from pathlib import Path
from types import SimpleNamespace

import pytest
from traitlets.config import PyFileConfigLoader

from course import config

DEPLOY = config.repo_root() / "deploy" / "jupyterhub"


def _load(monkeypatch, **env):
    for key in ("TSDL_HUB_API_TOKEN", "TSDL_HUB_LEARNERS", "TSDL_HUB_INSTRUCTORS", "TSDL_HUB_PORT"):
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return PyFileConfigLoader("jupyterhub_config.py", path=str(DEPLOY)).load_config()


def test_real_accounts_log_in_with_pam_and_only_the_named_ones(monkeypatch):
    c = _load(monkeypatch, TSDL_HUB_LEARNERS="maria chen", TSDL_HUB_INSTRUCTORS="ana")
    assert c.JupyterHub.authenticator_class == "pam"
    assert c.JupyterHub.spawner_class.endswith("LocalProcessSpawner")
    assert c.Authenticator.allowed_users == {"maria", "chen", "ana"}
    assert c.Authenticator.admin_users == {"ana"}
    assert c.JupyterHub.ip == "127.0.0.1"
    assert c.JupyterHub.cleanup_servers is True
    assert "services" not in c.JupyterHub  # no API token unless one is given
    assert c.Spawner.cmd == ["/opt/tsdl/env/bin/jupyterhub-singleuser"]
    assert c.Spawner.environment["COURSE_DATA_DIR"] == "/srv/tsdl/data"
    assert c.Spawner.environment["PATH"].startswith("/opt/tsdl/env/bin:")


def test_an_api_token_gives_a_service_with_admin_scopes(monkeypatch):
    c = _load(
        monkeypatch,
        TSDL_HUB_API_TOKEN="secret",
        TSDL_HUB_PORT="8123",
        TSDL_HUB_INTERNAL_PORT="8124",
        TSDL_HUB_PROXY_API_PORT="8125",
    )
    assert c.JupyterHub.port == 8123
    assert c.JupyterHub.hub_port == 8124
    assert c.ConfigurableHTTPProxy.api_url == "http://127.0.0.1:8125"
    assert c.JupyterHub.services == [{"name": "tsdl-admin", "api_token": "secret"}]
    assert "access:servers" in c.JupyterHub.load_roles[0]["scopes"]


def _spawn(c, name, home):
    hook = c.Spawner.pre_spawn_hook
    hook.__globals__["_home"] = lambda _name: home  # a temporary home, not the account's own
    spawner = SimpleNamespace(user=SimpleNamespace(name=name), environment={}, notebook_dir=None)
    hook(spawner)
    return spawner


def test_a_learner_opens_their_own_workspace_without_the_formgrader(monkeypatch, tmp_path):
    me = pwd.getpwuid(os.getuid()).pw_name
    c = _load(monkeypatch, TSDL_HUB_LEARNERS=me)
    spawner = _spawn(c, me, tmp_path)
    assert spawner.notebook_dir == str(tmp_path / "tsdl")
    assert stat.S_IMODE((tmp_path / "tsdl").stat().st_mode) == 0o700
    assert spawner.environment["COURSE_WORKSPACE"] == str(tmp_path / "tsdl")
    assert spawner.environment["COURSE_SCRATCH_DB"] == str(tmp_path / "tsdl" / "scratch.duckdb")
    learner = Path(spawner.environment["JUPYTER_CONFIG_PATH"])
    assert learner == DEPLOY / "learner"
    server = json.loads((learner / "jupyter_server_config.json").read_text())
    assert server["ServerApp"]["jpserver_extensions"]["nbgrader.server_extensions.formgrader"] is (
        False
    )
    page = json.loads((learner / "labconfig" / "page_config.json").read_text())
    assert page["disabledExtensions"]["@jupyter/nbgrader:formgrader"] is True
    assert "assignment_dir" in (learner / "nbgrader_config.py").read_text()


@pytest.mark.parametrize("module", ["01-querying-the-catalog"])
def test_an_instructor_gets_the_course_folder(monkeypatch, tmp_path, module):
    me = pwd.getpwuid(os.getuid()).pw_name
    c = _load(monkeypatch, TSDL_HUB_INSTRUCTORS=me)
    spawner = _spawn(c, me, tmp_path)
    course = tmp_path / "course"
    assert spawner.notebook_dir == str(course)
    assert "JUPYTER_CONFIG_PATH" not in spawner.environment  # the formgrader stays on
    assert (course / "nbgrader_config.py").exists()
    assert (course / "source" / module / f"{module}.ipynb").exists()
    assert stat.S_IMODE(course.stat().st_mode) == 0o700
    (course / "source" / module / "mine.txt").write_text("kept")
    _spawn(c, me, tmp_path)  # a second start leaves the instructor's files alone
    assert (course / "source" / module / "mine.txt").read_text() == "kept"


def test_course_hub_start_says_what_is_missing_in_one_sentence(tmp_path, capsys):
    from course.cli import main

    assert main(["hub", "start"]) == 2
    assert "--learners" in capsys.readouterr().out
    status = main(
        ["hub", "start", "--learners", "nobody", "--env", str(tmp_path / "none")]
        + ["--state", str(tmp_path / "state"), "--exchange", str(tmp_path / "exchange")]
    )
    err = capsys.readouterr().err
    assert status == 1
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    if os.geteuid() == 0:
        assert "course hub env" in err or "Node.js" in err
    else:
        assert "root" in err
