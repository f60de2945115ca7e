"""deploy/jupyterhub/jupyterhub_config.py read as JupyterHub reads it (no hub, no root needed):
who may log in, how servers start, and what the spawn hook gives a learner and an instructor.
The hub itself runs in tests/hub/test_hub.py."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import stat
import tempfile
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


# --- the learner build on the hub (issue 14) -----------------------------------------------------
def _fake_env(base: Path, build: str) -> Path:
    """An environment folder with the course package's layout: a learner build's banks have
    their stored expected results beside them."""
    exercises = base / "lib" / "python3.11" / "site-packages" / "course" / "exercises"
    exercises.mkdir(parents=True)
    (exercises / "01-querying-the-catalog.yml").write_text("exercises: {}\n")
    if build == "learner":
        (exercises / "expected").mkdir()
        (base / "etc" / "tsdl-learner").mkdir(parents=True)  # what course hub env copies there
    return base


def _two_builds(tmp_path: Path) -> dict:
    data = tmp_path / "data"
    data.mkdir()
    (data / "shadow.duckdb").write_bytes(b"")
    learner_data = tmp_path / "learner-data"
    learner_data.mkdir()
    repository = tmp_path / "repo"  # the instructors' checkout, with the answers
    (repository / "source" / "01-querying-the-catalog").mkdir(parents=True)
    (repository / "source" / "01-querying-the-catalog" / "01-querying-the-catalog.ipynb").touch()
    return {
        "TSDL_HUB_COURSE": str(repository),
        "TSDL_HUB_ENV": str(_fake_env(tmp_path / "env", "full")),
        "TSDL_HUB_LEARNER_ENV": str(_fake_env(tmp_path / "learner-env", "learner")),
        "COURSE_DATA_DIR": str(data),
        "TSDL_HUB_LEARNER_DATA": str(learner_data),
    }


def _load_builds(monkeypatch, **env):
    for key in ("TSDL_HUB_ENV", "TSDL_HUB_LEARNER_ENV", "TSDL_HUB_LEARNER_DATA", "TSDL_HUB_COURSE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    return _load(monkeypatch, **env)


def test_learners_run_the_learner_build_and_instructors_grade_with_the_full_one(
    monkeypatch, tmp_path
):
    me = pwd.getpwuid(os.getuid()).pw_name
    builds = _two_builds(tmp_path)
    c = _load_builds(monkeypatch, TSDL_HUB_LEARNERS=me, **builds)
    learner = _spawn(c, me, tmp_path / "home-learner")
    assert learner.cmd == [f"{builds['TSDL_HUB_LEARNER_ENV']}/bin/jupyterhub-singleuser"]
    assert learner.environment["PATH"].startswith(f"{builds['TSDL_HUB_LEARNER_ENV']}/bin:")
    assert learner.environment["COURSE_DATA_DIR"] == builds["TSDL_HUB_LEARNER_DATA"]
    # the learner settings (no formgrader) from the learner environment, not the repository
    settings = Path(builds["TSDL_HUB_LEARNER_ENV"]) / "etc" / "tsdl-learner"
    assert learner.environment["JUPYTER_CONFIG_PATH"] == str(settings)

    c = _load_builds(monkeypatch, TSDL_HUB_INSTRUCTORS=me, **builds)
    instructor = _spawn(c, me, tmp_path / "home-instructor")
    assert instructor.cmd == [f"{builds['TSDL_HUB_ENV']}/bin/jupyterhub-singleuser"]
    assert instructor.environment["PATH"].startswith(f"{builds['TSDL_HUB_ENV']}/bin:")
    assert instructor.environment["COURSE_DATA_DIR"] == builds["COURSE_DATA_DIR"]


def test_without_a_learner_environment_everyone_runs_the_one_environment(monkeypatch, tmp_path):
    me = pwd.getpwuid(os.getuid()).pw_name
    c = _load_builds(monkeypatch, TSDL_HUB_LEARNERS=me)
    learner = _spawn(c, me, tmp_path)
    assert learner.cmd == ["/opt/tsdl/env/bin/jupyterhub-singleuser"]
    assert learner.environment["COURSE_DATA_DIR"] == "/srv/tsdl/data"


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ("instructors_learner_build", "cannot grade"),
        ("learners_full_build", "does not hold the learner build"),
        ("learners_no_course", "does not hold the learner build"),
        ("learner_data_is_the_full_data", "TSDL_HUB_LEARNER_DATA"),
        ("learner_data_has_shadow", "TSDL_HUB_LEARNER_DATA"),
        ("shadow_readable_by_learners", "shadow.duckdb"),
        ("full_environment_readable_by_learners", "01-querying-the-catalog.yml"),
        ("repository_readable_by_learners", "01-querying-the-catalog.ipynb"),
        ("shadow_linked_from_a_closed_folder", "shadow.duckdb"),
    ],
)
def test_the_hub_refuses_to_start_with_answers_within_learners_reach(
    monkeypatch, tmp_path, change, says
):
    builds = _two_builds(tmp_path)
    if change == "instructors_learner_build":
        builds["TSDL_HUB_ENV"] = str(_fake_env(tmp_path / "other", "learner"))
    elif change == "learners_full_build":
        builds["TSDL_HUB_LEARNER_ENV"] = str(_fake_env(tmp_path / "other", "full"))
    elif change == "learners_no_course":
        builds["TSDL_HUB_LEARNER_ENV"] = str(tmp_path / "nothing")
    elif change == "learner_data_is_the_full_data":
        builds["TSDL_HUB_LEARNER_DATA"] = builds["COURSE_DATA_DIR"]
    elif change == "learner_data_has_shadow":
        (Path(builds["TSDL_HUB_LEARNER_DATA"]) / "shadow.duckdb").write_bytes(b"")
    else:
        # a folder every account can reach (pytest's own temporary folders are 700)
        open_dir = Path(tempfile.mkdtemp(prefix="tsdl-hub-open-"))
        try:
            open_dir.chmod(0o755)
            key = {
                "shadow_readable_by_learners": "COURSE_DATA_DIR",
                "full_environment_readable_by_learners": "TSDL_HUB_ENV",
                "repository_readable_by_learners": "TSDL_HUB_COURSE",
                "shadow_linked_from_a_closed_folder": "COURSE_DATA_DIR",
            }[change]
            shutil.copytree(builds[key], open_dir / "x")
            for path in [open_dir / "x", *(open_dir / "x").rglob("*")]:
                path.chmod(0o755 if path.is_dir() else 0o644)
            builds[key] = str(open_dir / "x")
            if change == "shadow_linked_from_a_closed_folder":
                closed = tmp_path / "closed-data"  # pytest's folders are closed to others
                closed.mkdir()
                (closed / "shadow.duckdb").symlink_to(open_dir / "x" / "shadow.duckdb")
                builds[key] = str(closed)
            with pytest.raises(SystemExit) as refused:
                _load_builds(monkeypatch, **builds)
            assert says in str(refused.value.code) and "learners can read" in str(
                refused.value.code
            )
            return
        finally:
            shutil.rmtree(open_dir)
    with pytest.raises(SystemExit) as refused:
        _load_builds(monkeypatch, **builds)
    message = str(refused.value.code)
    assert says in message and "\n" not in message


def _wheel(path: Path, names: list[str]) -> Path:
    import zipfile

    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as wheel:
        for name in names:
            wheel.writestr(name, "")
    return path


def test_course_hub_env_installs_only_a_learner_build_for_learners(tmp_path):
    from course.hub import HubProblem
    from course.hub.env import env_build, learner_wheel

    with pytest.raises(HubProblem, match="course build-learner"):
        learner_wheel(tmp_path / "empty")
    full = _wheel(tmp_path / "full" / "tsdl-1.0-py3-none-any.whl", ["course/exercises/01.yml"])
    with pytest.raises(HubProblem, match="not a learner build"):
        learner_wheel(full.parent)
    learner = _wheel(
        tmp_path / "learner" / "tsdl-1.0-py3-none-any.whl",
        ["course/exercises/01.yml", "course/exercises/expected/01.json"],
    )
    assert learner_wheel(learner.parent) == learner
    assert env_build(_fake_env(tmp_path / "env-full", "full")) == "full"
    assert env_build(_fake_env(tmp_path / "env-learner", "learner")) == "learner"
    assert env_build(tmp_path / "no-env") is None


def test_course_hub_env_with_a_learner_build_makes_the_learners_environment(
    monkeypatch, tmp_path, capsys
):
    import course.hub
    from course.cli import main
    from course.hub.env import EnvReport

    made = []

    def fake(prefix, *, exchange=None, learner_build=None, group=None):
        made.append((prefix, learner_build))
        return EnvReport(prefix, "created", 1.0, "learner" if learner_build else "full")

    monkeypatch.setattr(course.hub, "shared_environment", fake)
    monkeypatch.setattr(course.hub, "install_proxy", lambda: Path("/proxy"))
    build = tmp_path / "build"
    assert main(["hub", "env", "--learner-build", str(build)]) == 0
    assert main(["hub", "env"]) == 0
    # the learners' environment is another folder than the instructors' full one by default
    assert made == [(Path("/opt/tsdl/learner-env"), build), (Path("/opt/tsdl/env"), None)]
    out = capsys.readouterr().out
    assert "learner build" in out and "--learner-env /opt/tsdl/learner-env" in out


def test_course_hub_env_says_in_one_sentence_that_a_folder_holds_no_learner_build(tmp_path, capsys):
    from course.cli import main

    status = main(
        ["hub", "env", "--learner-build", str(tmp_path), "--prefix", str(tmp_path / "env")]
    )
    err = capsys.readouterr().err
    assert status == 1
    assert len(err.strip().splitlines()) == 1 and "course build-learner" in err
    assert not (tmp_path / "env").exists()  # refused before anything was made


def test_only_the_full_environment_can_be_closed_to_learners(tmp_path):
    from course.hub import HubProblem, shared_environment

    learner = _wheel(
        tmp_path / "build" / "tsdl-1.0-py3-none-any.whl", ["course/exercises/expected/01.json"]
    )
    with pytest.raises(HubProblem, match="readable by every learner"):
        shared_environment(tmp_path / "env", learner_build=learner.parent, group="root")
    with pytest.raises(HubProblem, match="groupadd tsdl-no-such-group"):
        shared_environment(tmp_path / "env", group="tsdl-no-such-group")
    assert not (tmp_path / "env").exists()  # refused before anything was made


def test_a_hub_that_refused_to_start_says_why(tmp_path):
    from course.hub import TrialHub

    hub = TrialHub(
        env=tmp_path / "env",
        learners=["maria"],
        instructors=[],
        data_dir=tmp_path / "data",
        exchange=tmp_path / "exchange",
        state=tmp_path,
        proxy=Path("/proxy"),
    )
    assert hub._refusal() == ""  # no log yet
    hub.log.write_text("[I 2026-12-06 JupyterHub app:1] starting\n")
    assert hub._refusal() == ""
    hub.log.write_text("[I ...] starting\njupyterhub_config.py: learners can read X.\n")
    assert hub._refusal() == " (learners can read X)"


@pytest.mark.skipif(os.geteuid() != 0, reason="course hub start asks for root first")
def test_course_hub_start_refuses_the_builds_the_wrong_way_round(tmp_path):
    from course.hub import HubProblem, TrialHub

    def with_hub(env: Path) -> Path:
        (env / "bin").mkdir()
        (env / "bin" / "jupyterhub").write_text("")
        return env

    full = with_hub(_fake_env(tmp_path / "env", "full"))
    kwargs = dict(
        env=full,
        learners=["maria"],
        instructors=["ana"],
        data_dir=tmp_path / "data",
        exchange=tmp_path / "exchange",
        state=tmp_path / "state",
        proxy=Path("/proxy"),
    )
    with pytest.raises(HubProblem, match="does not hold the learner build"):
        TrialHub(**kwargs, learner_env=_fake_env(tmp_path / "other", "full")).start()
    learner = _fake_env(tmp_path / "learner-env", "learner")
    with pytest.raises(HubProblem, match="--learner-data"):
        TrialHub(**kwargs, learner_env=learner).start()
    (tmp_path / "learner-data").mkdir()
    (tmp_path / "learner-data" / "shadow.duckdb").write_bytes(b"")
    with pytest.raises(HubProblem, match="shadow.duckdb"):
        TrialHub(**kwargs, learner_env=learner, learner_data=tmp_path / "learner-data").start()
    with pytest.raises(HubProblem, match="cannot grade"):
        TrialHub(**{**kwargs, "env": with_hub(_fake_env(tmp_path / "wrong", "learner"))}).start()
    assert not (tmp_path / "state").exists()  # refused before the hub started
