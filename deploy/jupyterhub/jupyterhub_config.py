"""JupyterHub 6.1 for a cohort of the Technical Services Data Lab on one server.

What it sets up (docs/deployment.md tells it step by step; tests/hub/test_hub.py runs it):

* **Real Unix accounts, logged in with PAM** (JupyterHub's default authenticator): each learner
  signs in with their own account's password, and their server runs as that account
  (``LocalProcessSpawner``). nbgrader knows a learner by the account's name, and Unix
  permissions keep one learner's workspace from another. PAM is what a single server already has:
  no second list of passwords to keep, and accounts removed from the server can no longer log in.
  Only the accounts named in ``TSDL_HUB_LEARNERS`` and ``TSDL_HUB_INSTRUCTORS`` may log in.
* **The course installed once for everyone** in a shared Python environment (``TSDL_HUB_ENV``,
  made by ``course hub env``), readable and runnable by every account, with the course's nbgrader
  settings and the exchange recorded in it (``course setup --exchange``).
* **The course data built once** into a folder that learners can read but not write
  (``COURSE_DATA_DIR``); every kernel opens it read-only.
* **When grades matter, learners run the learner build**: with ``TSDL_HUB_LEARNER_ENV`` set (an
  environment made by ``course hub env --learner-build DIR``: no reference answers, no solutions,
  no hidden tests) learners' servers run that environment on ``TSDL_HUB_LEARNER_DATA`` (the
  learners' data alone, without the hidden checks' shadow database), while instructors' servers
  keep ``TSDL_HUB_ENV``, the full build, where ``course grade`` runs. The hub refuses to start
  with the builds the wrong way round, or when learners could read what holds the answers: the
  full environment, the full data (its shadow database) or this repository (``TSDL_HUB_COURSE``).
  Learners' servers then read their settings from the learner environment's copy of ``learner/``.
* **A shared nbgrader exchange** (``COURSE_EXCHANGE``), writable by every account.
* **Per-learner workspace and scratch database**: ``~/tsdl`` (mode 700, the learner's own), which
  is the folder JupyterLab opens and where the Assignment List fetches to; the scratch database
  is ``~/tsdl/scratch.duckdb``.
* **The instructor alone has the formgrader**: learners' servers read ``learner/`` (next to this
  file) first, which turns the formgrader, Create Assignment and Course List off. An instructor's
  server opens in ``~/course``, the course folder where ``nbgrader`` and ``course grade`` run;
  learners cannot read it (mode 700).

Every setting comes from an environment variable with a default for a real server, so
``course hub`` (a local trial on 127.0.0.1) and an administrator's systemd unit use one file.
"""

import os
import pwd
import shutil
import sys
from pathlib import Path

c = get_config()  # noqa: F821 -- injected by traitlets when JupyterHub loads this file

HERE = Path(__file__).resolve().parent


def _setting(name, default):
    return os.environ.get(name, "").strip() or default


def _names(name):
    return sorted(set(os.environ.get(name, "").replace(",", " ").split()))


ENV = Path(_setting("TSDL_HUB_ENV", "/opt/tsdl/env"))
DATA = _setting("COURSE_DATA_DIR", "/srv/tsdl/data")
# The learners' environment and data; unset: learners run the instructors' (full) ones.
LEARNER_ENV = Path(_setting("TSDL_HUB_LEARNER_ENV", str(ENV)))
LEARNER_DATA = _setting("TSDL_HUB_LEARNER_DATA", DATA)
EXCHANGE = _setting("COURSE_EXCHANGE", "/srv/tsdl/exchange")
STATE = Path(_setting("TSDL_HUB_STATE", "/srv/tsdl/hub"))
COURSE_FILES = Path(_setting("TSDL_HUB_COURSE", str(HERE.parent.parent)))
LEARNERS = _names("TSDL_HUB_LEARNERS")
INSTRUCTORS = _names("TSDL_HUB_INSTRUCTORS")


# --- the two builds: learners never get the answers, instructors always grade with them ------
def _path(env):
    return f"{env / 'bin'}:/usr/local/bin:/usr/bin:/bin"


def _build(env):
    """Which build of the course the environment holds: learner, full, or None (no course)."""
    packages = sorted(env.glob("lib/python3*/site-packages/course"))
    if not packages:
        return None
    return "learner" if (packages[0] / "exercises" / "expected").is_dir() else "full"


def _others_can_read(path):
    path = Path(path).resolve()  # a link in a closed folder may lead to an open one
    try:
        mode = path.stat().st_mode
        return bool(mode & 0o004) and all(p.stat().st_mode & 0o001 for p in path.parents)
    except OSError:
        return False


def _refuse(problem):
    # SystemExit, not an exception: JupyterHub logs an exception in its config file and starts
    # without the file's settings.
    raise SystemExit(f"jupyterhub_config.py: {problem}")


if _build(ENV) == "learner":
    _refuse(
        f"TSDL_HUB_ENV ({ENV}) holds the learner build, which cannot grade: the instructors' "
        "environment must be the full build (`course hub env`)."
    )


def _answers_learners_can_read():
    """The first file holding answers that any account can read, or None."""
    answers = [Path(DATA) / "shadow.duckdb"]
    answers += sorted(ENV.glob("lib/python3*/site-packages/course/exercises/*.yml"))[:1]
    for pattern in ("course/exercises/*.yml", "source/*/*.ipynb"):
        answers += sorted(COURSE_FILES.glob(pattern))[:1]
    return next((path for path in answers if _others_can_read(path)), None)


LEARNER_SETTINGS = HERE / "learner"  # read before the environment's own settings
if LEARNER_ENV != ENV:
    LEARNER_SETTINGS = LEARNER_ENV / "etc" / "tsdl-learner"  # learners cannot read this repository
    if _build(LEARNER_ENV) != "learner" or not LEARNER_SETTINGS.is_dir():
        _refuse(
            f"TSDL_HUB_LEARNER_ENV ({LEARNER_ENV}) does not hold the learner build: make it with "
            f"`course hub env --learner-build DIR --prefix {LEARNER_ENV}`."
        )
    if Path(LEARNER_DATA) == Path(DATA) or (Path(LEARNER_DATA) / "shadow.duckdb").exists():
        _refuse(
            "TSDL_HUB_LEARNER_DATA must be a folder of its own with the learners' data alone "
            "(library.duckdb, built with the learner environment's `course data`)."
        )
    readable = _answers_learners_can_read()
    if readable is not None:
        _refuse(
            f"learners can read {readable}, which holds answers: let only the instructors' group "
            "read the full environment (`course hub env --group tsdl-instructors`), the full "
            "data and the repository (`chgrp -R tsdl-instructors DIR && chmod -R o-rwx DIR`)."
        )


# --- the hub and its proxy ------------------------------------------------------------------
c.JupyterHub.ip = _setting("TSDL_HUB_IP", "127.0.0.1")
c.JupyterHub.port = int(_setting("TSDL_HUB_PORT", "8000"))
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(_setting("TSDL_HUB_INTERNAL_PORT", "8081"))
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{_setting('TSDL_HUB_PROXY_API_PORT', '8001')}"
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(STATE / "jupyterhub.pid")
c.ConfigurableHTTPProxy.pid_file = str(STATE / "jupyterhub-proxy.pid")
proxy = _setting("TSDL_HUB_PROXY", "") or shutil.which("configurable-http-proxy")
if proxy:
    c.ConfigurableHTTPProxy.command = [proxy]
# Stopping the hub stops every learner's server too (nothing keeps running after a trial).
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True

# --- who may log in ---------------------------------------------------------------------------
c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allowed_users = set(LEARNERS) | set(INSTRUCTORS)
c.Authenticator.admin_users = set(INSTRUCTORS)
c.PAMAuthenticator.open_sessions = False  # no systemd-logind sessions in a container

# An API token for scripts of the administrator (the trial's tests and the load check start
# servers and kernels through the REST API with it). Unset: no such service.
if os.environ.get("TSDL_HUB_API_TOKEN"):
    c.JupyterHub.services = [{"name": "tsdl-admin", "api_token": os.environ["TSDL_HUB_API_TOKEN"]}]
    c.JupyterHub.load_roles = [
        {
            "name": "tsdl-admin",
            "scopes": ["admin:users", "admin:servers", "access:servers", "list:users"],
            "services": ["tsdl-admin"],
        }
    ]

# --- every account's server -------------------------------------------------------------------
c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
c.Spawner.cmd = [str(ENV / "bin" / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120  # a busy two-core server starts ten servers at once in the bench
c.Spawner.http_timeout = 120
c.Spawner.environment = {
    "COURSE_DATA_DIR": DATA,
    "COURSE_EXCHANGE": EXCHANGE,
    # nbgrader runs `alembic` by name; the shared environment's commands come first.
    "PATH": _path(ENV),
}


def _home(name):
    return Path(pwd.getpwnam(name).pw_dir)


def _own_folder(path, name, mode=0o700):
    """Make ``path`` (in the account's home) belong to the account, readable by it alone."""
    entry = pwd.getpwnam(name)
    path.mkdir(parents=True, exist_ok=True)
    os.chown(path, entry.pw_uid, entry.pw_gid)
    path.chmod(mode)


def _instructor_folder(folder, name):
    """The instructor's course folder: the course's nbgrader settings and its source/."""
    _own_folder(folder, name)
    entry = pwd.getpwnam(name)
    wanted = [COURSE_FILES / "nbgrader_config.py", COURSE_FILES / ".gitignore"]
    wanted += [p for p in (COURSE_FILES / "source").glob("*") if p.is_dir()]
    for item in wanted:
        target = folder / item.relative_to(COURSE_FILES)
        if target.exists() or not item.exists():
            continue
        if item.is_dir():
            shutil.copytree(item, target)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(item, target)
        for path in [target, *(target.rglob("*") if target.is_dir() else [])]:
            os.chown(path, entry.pw_uid, entry.pw_gid)
        os.chown(target.parent, entry.pw_uid, entry.pw_gid)


def pre_spawn_hook(spawner):
    name = spawner.user.name
    home = _home(name)
    if name in INSTRUCTORS:
        folder = home / "course"
        _instructor_folder(folder, name)
        spawner.environment["COURSE_WORKSPACE"] = str(home / "tsdl")
        env, data = ENV, DATA  # the full build: `course grade` runs here
    else:
        folder = home / "tsdl"
        _own_folder(folder, name)
        spawner.environment["COURSE_WORKSPACE"] = str(folder)
        env, data = LEARNER_ENV, LEARNER_DATA
        # Read before the environment's own settings: no formgrader, no Create Assignment.
        spawner.environment["JUPYTER_CONFIG_PATH"] = str(LEARNER_SETTINGS)
    spawner.environment["COURSE_SCRATCH_DB"] = str(home / "tsdl" / "scratch.duckdb")
    spawner.environment["COURSE_DATA_DIR"] = data
    spawner.environment["PATH"] = _path(env)
    spawner.cmd = [str(env / "bin" / "jupyterhub-singleuser")]
    spawner.notebook_dir = str(folder)


c.Spawner.pre_spawn_hook = pre_spawn_hook

if not (ENV / "bin" / "jupyterhub-singleuser").exists():
    print(
        f"jupyterhub_config.py: there is no shared course environment at {ENV}; "
        "make it with `course hub env` (or set TSDL_HUB_ENV).",
        file=sys.stderr,
    )
