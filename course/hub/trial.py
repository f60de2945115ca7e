"""A local trial of the cohort hub: deploy/jupyterhub/jupyterhub_config.py on 127.0.0.1.

:class:`TrialHub` starts JupyterHub (the shared environment's own ``jupyterhub``, as root: the
hub starts each account's server as that account) with its proxy, waits until it answers, talks
to its REST API with an administrator's token, and stops it cleanly: JupyterHub stops every
server it started and its proxy when it receives SIGTERM. :func:`trial_accounts` makes Unix
accounts with passwords for a trial and removes them (and their homes) afterwards.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from course.hub.env import DEPLOY, HubProblem, env_build

__all__ = ["TrialHub", "trial_accounts", "free_port"]

CONFIG = DEPLOY / "jupyterhub_config.py"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TrialHub:
    """One JupyterHub with the course's configuration; a context manager that stops it."""

    def __init__(
        self,
        *,
        env: Path,
        learners: list[str],
        instructors: list[str],
        data_dir: Path,
        exchange: Path,
        state: Path,
        proxy: Path,
        port: int | None = None,
        learner_env: Path | None = None,
        learner_data: Path | None = None,
    ):
        self.env, self.state, self.proxy = Path(env), Path(state), Path(proxy)
        # learners' servers: the learner build and its data (None: the same as the instructors')
        self.learner_env = Path(learner_env) if learner_env else None
        self.learner_data = Path(learner_data) if learner_data else None
        self.learners, self.instructors = list(learners), list(instructors)
        self.data_dir, self.exchange = Path(data_dir), Path(exchange)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = secrets.token_hex(24)
        self.process: subprocess.Popen | None = None
        self.log = self.state / "jupyterhub.log"

    # --- start and stop ------------------------------------------------------------------------
    def environment(self) -> dict:
        keep = ("PATH", "LANG", "LC_ALL", "TZ")
        env = {k: v for k, v in os.environ.items() if k in keep}
        env.update(
            {
                "HOME": str(self.state),
                "TSDL_HUB_ENV": str(self.env),
                "TSDL_HUB_STATE": str(self.state),
                "TSDL_HUB_PROXY": str(self.proxy),
                "TSDL_HUB_PORT": str(self.port),
                # the hub's own and the proxy's API ports: free ones, so hubs can run side by side
                "TSDL_HUB_INTERNAL_PORT": str(free_port()),
                "TSDL_HUB_PROXY_API_PORT": str(free_port()),
                "TSDL_HUB_LEARNERS": " ".join(self.learners),
                "TSDL_HUB_INSTRUCTORS": " ".join(self.instructors),
                "TSDL_HUB_API_TOKEN": self.token,
                "COURSE_DATA_DIR": str(self.data_dir),
                "COURSE_EXCHANGE": str(self.exchange),
            }
        )
        if self.learner_env is not None:
            env["TSDL_HUB_LEARNER_ENV"] = str(self.learner_env)
        if self.learner_data is not None:
            env["TSDL_HUB_LEARNER_DATA"] = str(self.learner_data)
        return env

    def start(self, wait: float = 120) -> TrialHub:
        if os.geteuid() != 0:
            raise HubProblem(
                "The hub starts each learner's server as that learner's account, which needs "
                "root: run `sudo course hub start ...`."
            )
        if not (self.env / "bin" / "jupyterhub").exists():
            raise HubProblem(
                f"There is no shared course environment at {self.env}: make it first with "
                "`course hub env`."
            )
        if env_build(self.env) == "learner":
            raise HubProblem(
                f"{self.env} holds the learner build, which cannot grade: the instructors' "
                "environment (--env) must be the full build (`course hub env`)."
            )
        if self.learner_env is not None and env_build(self.learner_env) != "learner":
            raise HubProblem(
                f"{self.learner_env} does not hold the learner build: make it with `course hub "
                f"env --learner-build DIR --prefix {self.learner_env}`."
            )
        if self.learner_env is not None and self.learner_data is None:
            raise HubProblem(
                "With --learner-env give --learner-data too: a folder with the learners' course "
                "data alone (library.duckdb), so learners cannot read the hidden checks' database."
            )
        if self.learner_data is not None and (self.learner_data / "shadow.duckdb").exists():
            raise HubProblem(
                f"{self.learner_data} holds the hidden checks' database (shadow.duckdb): build "
                "the learners' data with the learner environment's `course data` instead."
            )
        self.exchange.mkdir(parents=True, exist_ok=True)
        self.exchange.chmod(0o777)  # every account releases, submits and fetches there
        self.state.mkdir(parents=True, exist_ok=True)
        self.state.chmod(0o700)  # the hub's database and cookie secret are root's alone
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                [str(self.env / "bin" / "jupyterhub"), "-f", str(CONFIG)],
                cwd=str(self.state),
                env=self.environment(),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise HubProblem(
                    f"JupyterHub stopped at start{self._refusal()}; its log is {self.log}."
                )
            with contextlib.suppress(OSError, ValueError):
                if self.api("/hub/api/")["version"]:
                    return self
            time.sleep(0.5)
        self.stop()
        raise HubProblem(f"JupyterHub did not answer within {wait:.0f} s; its log is {self.log}.")

    def _refusal(self) -> str:
        """The configuration's own sentence when it refused to start (see jupyterhub_config.py)."""
        try:
            lines = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return ""
        said = [line for line in lines[-5:] if line.startswith("jupyterhub_config.py: ")]
        return f" ({said[-1].removeprefix('jupyterhub_config.py: ').rstrip('.')})" if said else ""

    def stop(self, wait: float = 60) -> None:
        """SIGTERM: JupyterHub stops every server it started and its proxy, then exits."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(wait)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def __enter__(self) -> TrialHub:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- the REST API ----------------------------------------------------------------------------
    def api(self, path: str, method: str = "GET", body: dict | None = None, timeout: float = 30):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(
            self.url + path,
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
        return json.loads(raw) if raw else None

    def start_server(self, name: str, wait: float = 180) -> str:
        """Start ``name``'s server (as that account); returns its URL prefix when it is ready."""
        with contextlib.suppress(urllib.error.HTTPError):  # 400: already running
            self.api(f"/hub/api/users/{name}/server", "POST", {})
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            user = self.api(f"/hub/api/users/{name}")
            server = user.get("servers", {}).get("", {})
            if server.get("ready"):
                return f"{self.url}{server['url']}"
            time.sleep(0.5)
        raise HubProblem(f"{name}'s server did not start within {wait:.0f} s; see {self.log}.")

    def user_api(self, name: str, path: str, method: str = "GET", body=None, timeout=60):
        """A call to ``name``'s own server (the Jupyter Server REST API) with the hub's token."""
        return self.api(f"/user/{name}{path}", method, body, timeout)


def _run(cmd: list[str], **kw) -> None:
    subprocess.run(cmd, check=True, capture_output=True, **kw)


@contextlib.contextmanager
def trial_accounts(names: list[str], home_base: Path, group_of: dict[str, str] | None = None):
    """Unix accounts with their own home under ``home_base`` and a random password each
    (``{name: password}``); the accounts and their homes are removed afterwards.  ``group_of``
    names a further group for some accounts (the instructors' group of a closed full build)."""
    if os.geteuid() != 0:
        raise HubProblem("Making trial accounts needs root: run as root (sudo).")
    made: list[str] = []
    passwords = {name: secrets.token_urlsafe(12) for name in names}
    try:
        for name in names:
            home = Path(home_base) / name
            extra = ["-G", group_of[name]] if group_of and name in group_of else []
            _run(["useradd", "-m", "-d", str(home), "-U", "-s", "/bin/bash", *extra, name])
            made.append(name)
            home.chmod(0o700)  # whatever the system's HOME_MODE says
        lines = "".join(f"{n}:{passwords[n]}\n" for n in names)
        _run(["chpasswd"], input=lines.encode())
        yield passwords
    finally:
        for name in made:
            subprocess.run(["pkill", "-KILL", "-u", name], capture_output=True)
            subprocess.run(["userdel", "-r", name], capture_output=True)
