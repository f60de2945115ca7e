"""Start JupyterLab for a learner, the way ``make lab`` does.

``course lab`` checks the port, makes sure the course data and the learner's workspace are in
place, and starts JupyterLab on 127.0.0.1 with a token, opening the start page.  ``course setup``
(run by ``make`` after installing) prepares the virtual environment's JupyterLab once: it turns off
the "news" pop-up and the jupysql-plugin lab extension, which is incompatible with JupyterLab 4.6
and throws a console error (the ``%sql`` magics work without it).
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
from pathlib import Path

from course import config

__all__ = [
    "LabError",
    "START_PAGE",
    "port_is_free",
    "ensure_port_free",
    "lab_command",
    "lab_env",
    "setup_jupyter",
]

START_PAGE = "00-start-here/00-start-here.ipynb"
LEARNER_CONFIG = Path(__file__).resolve().parent / "jupyter" / "learner"

#: JupyterLab settings every learner gets (written to the venv's app settings by ``course setup``).
LAB_OVERRIDES = {
    "@jupyterlab/apputils-extension:notification": {
        "checkForUpdates": False,
        "fetchNews": "false",
    },
    # Widget state is not kept in notebooks: with it, ipywidgets marks every reopened notebook as
    # unsaved (it flags each model it restores).  A saved notebook's widgets become one plain line
    # instead ("Run this cell to show the quiz.", course.widgets.saved), never an error.
    "@jupyter-widgets/jupyterlab-manager:plugin": {"saveState": False},
}
DISABLED_LAB_EXTENSIONS = ["jupysql-plugin"]


class LabError(RuntimeError):
    """Something stops JupyterLab from starting; the message says what to do."""


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def ensure_port_free(port: int) -> None:
    """Raise :class:`LabError` with what to do when ``port`` is taken."""
    if not port_is_free(port):
        raise LabError(
            f"Port {port} is already in use (is JupyterLab already running?): stop the other "
            f"server, or choose another port with `{config.command('lab', port + 1)}`."
        )


def lab_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment JupyterLab and its kernels run with: the venv's tools first on PATH."""
    env = dict(os.environ)
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    env.setdefault("PLOOMBER_STATS_ENABLED", "false")
    env.setdefault("PLOOMBER_VERSION_CHECK_DISABLED", "true")
    env.setdefault("COURSE_WORKSPACE", str(config.workspace_dir()))
    env.update(extra or {})
    # The learner's view of nbgrader (course/jupyter/learner/README.md), searched first.
    paths = [str(LEARNER_CONFIG)] + [
        p for p in env.get("JUPYTER_CONFIG_PATH", "").split(os.pathsep) if p
    ]
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(dict.fromkeys(paths))
    return env


def lab_command(*, port: int, token: str, workspace: Path, open_browser: bool = True) -> list[str]:
    """The exact JupyterLab command line (tests start the server with it too)."""
    return [
        sys.executable,
        "-m",
        "jupyterlab",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={workspace}",
        f"--LabApp.default_url=/lab/tree/{START_PAGE}",
        f"--ServerApp.open_browser={open_browser}",
        "--ServerApp.allow_root=True",
    ]


def setup_jupyter(prefix: Path | None = None) -> list[str]:
    """Prepare the environment's JupyterLab once (idempotent); returns what it changed."""
    prefix = Path(prefix or sys.prefix)
    changed = []
    settings = prefix / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    settings.parent.mkdir(parents=True, exist_ok=True)
    current = json.loads(settings.read_text(encoding="utf-8")) if settings.exists() else {}
    merged = {**current, **LAB_OVERRIDES}
    if merged != current:
        settings.write_text(json.dumps(merged, indent=2) + "\n", encoding="utf-8")
        changed.append(str(settings))
    page_config = prefix / "etc" / "jupyter" / "labconfig" / "page_config.json"
    page_config.parent.mkdir(parents=True, exist_ok=True)
    current = json.loads(page_config.read_text(encoding="utf-8")) if page_config.exists() else {}
    disabled = dict(current.get("disabledExtensions", {}))
    for name in DISABLED_LAB_EXTENSIONS:
        disabled[name] = True
    if disabled != current.get("disabledExtensions"):
        current["disabledExtensions"] = disabled
        page_config.write_text(json.dumps(current, indent=2) + "\n", encoding="utf-8")
        changed.append(str(page_config))
    changed += install_nbgrader_config(prefix)
    from course.kernel import install_startup  # a restarted kernel answers in one sentence

    changed += install_startup(prefix)
    return changed


ENV_NBGRADER_CONFIG = Path(__file__).parent / "jupyter" / "environment" / "nbgrader_config.py"


def install_nbgrader_config(prefix: Path | None = None, exchange: Path | None = None) -> list[str]:
    """Give every nbgrader of the environment the course's settings (course id, exchange).

    nbgrader reads ``nbgrader_config.py`` from the folder it runs in and from Jupyter's config
    path, which includes ``<prefix>/etc/jupyter``: the file goes there, so a learner's
    ``nbgrader fetch_assignment`` finds the exchange from any folder. A file there that the course
    did not write is left alone (and named). ``exchange`` records the cohort's exchange folder.
    """
    prefix = Path(prefix or sys.prefix)
    changed = []
    target = prefix / "etc" / "jupyter" / "nbgrader_config.py"
    ours = ENV_NBGRADER_CONFIG.read_text(encoding="utf-8")
    current = target.read_text(encoding="utf-8") if target.exists() else None
    if current is None or (current != ours and "`course setup` copies this file" in current):
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(ours, encoding="utf-8")
        changed.append(str(target))
    elif current != ours:
        print(f"Left {target} as it is (not the course's); it may not name the course's exchange.")
    if exchange is not None:
        settings = config.settings_path(prefix)
        data = {}
        if settings.exists():
            data = json.loads(settings.read_text(encoding="utf-8"))
        folder = Path(exchange).expanduser().resolve()
        if data.get("exchange") != str(folder):
            data["exchange"] = str(folder)
            settings.parent.mkdir(parents=True, exist_ok=True)
            settings.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
            changed.append(str(settings))
    return changed


def projector_css_dir() -> Path:
    """Write the projector's ``custom.css`` (the learners' one plus projector sizes for the whole
    page) to Jupyter's runtime folder, never the repository or the workspace; returns the folder.
    ``course lab --projector`` names it in ``COURSE_PROJECTOR_CSS``, and the learner config
    (``course/jupyter/learner/jupyter_server_config.py``) serves it instead of the learners'."""
    from jupyter_core.paths import jupyter_runtime_dir

    from course.widgets.projector import write_projector_css

    folder = Path(jupyter_runtime_dir()) / "course-projector-css"
    write_projector_css(folder, LEARNER_CONFIG / "custom" / "custom.css")
    return folder


def run_lab(
    *,
    port: int = 8888,
    token: str | None = None,
    open_browser: bool = True,
    projector: bool = False,
) -> int:
    """Start JupyterLab in the foreground; returns its exit status.  ``projector=True``: large
    text on every page and quizzes in group mode (a facilitator's screen)."""
    ensure_port_free(port)
    workspace = config.workspace_dir()
    if not (workspace / START_PAGE).exists():
        raise LabError(
            f"The start page is missing from your workspace ({workspace}): run `course workspace` "
            f"(or `{config.command('lab')}`) to copy the course notebooks there."
        )
    # Settings added after the environment was installed (make installs only when pyproject.toml
    # changes) reach it here; this writes nothing when they are in place.
    setup_jupyter()
    token = token or secrets.token_hex(16)
    url = f"http://127.0.0.1:{port}/lab/tree/{START_PAGE}?token={token}"
    print(
        "Starting JupyterLab. Open this address in your browser if it does not open itself:\n"
        f"  {url}"
    )
    print("Stop it with Ctrl+C (twice) in this window. Your work is saved in your workspace.")
    if projector:
        print("Projector mode: large text on every page, quizzes in group mode.")
    cmd = lab_command(port=port, token=token, workspace=workspace, open_browser=open_browser)
    extra = {}
    if projector:
        extra = {
            "COURSE_GROUP": "1",
            "COURSE_PROJECTOR": "1",
            "COURSE_PROJECTOR_CSS": str(projector_css_dir()),
        }
    try:
        return subprocess.call(cmd, env=lab_env(extra), cwd=str(config.repo_root()))
    except KeyboardInterrupt:
        return 0
