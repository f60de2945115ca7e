"""The shared course environment every account's server runs, and the hub's proxy.

On a hub whose servers run as real Unix accounts, the Python those accounts run must be theirs to
run: a virtual environment made with a system Python (``/usr/bin/python3.11``) in a folder
every account can read (``/opt/tsdl/env``), with the course installed into it with pip from a
copy of this checkout (not editable: learners never run code from an instructor's checkout).
A stamp in the environment records what was installed; a second call does nothing when nothing
changed, and reinstalls only the course (seconds) when only the course's code changed.

For a cohort whose grades matter, learners' servers run a second environment with the **learner
build** instead (``learner_build=DIR``: the wheel ``course build-learner DIR`` made, which holds
no reference answers, no solutions and no hidden tests), while the instructors' servers, where
``course grade`` runs, keep the full build.  :func:`env_build` tells the two apart; the hub's
configuration refuses to start with them the wrong way round.  The full environment holds the
answers then, so ``group=`` makes it readable by the instructors' group alone.
"""

from __future__ import annotations

import grp
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from course import config
from course.lab import LabError

__all__ = [
    "HubProblem",
    "EnvReport",
    "env_build",
    "learner_wheel",
    "shared_environment",
    "install_proxy",
    "system_python",
]

#: Where the npm package of JupyterHub's proxy is pinned (package.json and its lock).
DEPLOY = config.repo_root() / "deploy" / "jupyterhub"
STAMP = "tsdl-hub-stamp.json"
#: What only a learner build's course package holds: the stored expected results beside the banks
#: (``course.check.stored.EXPECTED_DIR``).
LEARNER_MARK = "course/exercises/expected/"
#: Where the learners' environment keeps deploy/jupyterhub/learner/ (the settings learners'
#: servers read first), so learners need not read the repository, which holds the answers.
LEARNER_SETTINGS = Path("etc") / "tsdl-learner"


class HubProblem(LabError):
    """Something the person running the hub can fix; the message says what."""


@dataclass
class EnvReport:
    prefix: Path
    action: str  # "created", "course updated", "up to date"
    seconds: float
    build: str = "full"  # or "learner"

    def summary(self) -> str:
        which = "learners' (learner build)" if self.build == "learner" else "course"
        return f"Shared {which} environment {self.prefix}: {self.action} in {self.seconds:.1f} s."


def _others_can_run(path: Path) -> bool:
    path = path.resolve()
    return bool(path.stat().st_mode & 0o001) and all(p.stat().st_mode & 0o001 for p in path.parents)


def system_python() -> Path:
    """A Python of this version that every account can run (this one when it can)."""
    if _others_can_run(Path(sys.executable)):
        return Path(sys.executable)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    found = shutil.which(version, path="/usr/local/bin:/usr/bin:/bin")
    if not found or not _others_can_run(Path(found)):
        raise HubProblem(
            f"Other accounts cannot run this Python ({sys.executable}) and there is no "
            f"{version} in /usr/bin: install one (e.g. `apt-get install {version} "
            f"{version}-venv`) for the learners' shared environment."
        )
    return Path(found)


def _digest(paths: list[Path], base: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(paths):
        h.update(str(path.relative_to(base)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def _course_files(root: Path) -> list[Path]:
    files = [root / "pyproject.toml", root / "README.md"]
    files += [
        p
        for p in (root / "course").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    ]
    return files


def _pip(prefix: Path, args: list[str]) -> None:
    result = subprocess.run(
        [str(prefix / "bin" / "python"), "-m", "pip", "install", "-q", *args],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        last = [line for line in result.stderr.splitlines() if line.strip()][-1:]
        raise HubProblem(
            f"pip could not install the course into {prefix} ({' '.join(last) or 'no message'}); "
            "check that PyPI is reachable and run `course hub env` again."
        )


def env_build(prefix: Path) -> str | None:
    """``"learner"`` or ``"full"``: which build of the course the environment at ``prefix``
    holds (None when it holds no course)."""
    packages = sorted(Path(prefix).glob("lib/python3*/site-packages/course"))
    if not packages:
        return None
    return "learner" if (packages[0] / "exercises" / "expected").is_dir() else "full"


def learner_wheel(build_dir: Path) -> Path:
    """The wheel of the learner build in ``build_dir`` (what ``course build-learner`` made)."""
    build_dir = Path(build_dir)
    wheels = sorted(build_dir.glob("*.whl"))
    if len(wheels) != 1:
        raise HubProblem(
            f"{build_dir} does not hold one learner build ({len(wheels)} wheels found): make it "
            f"with `course build-learner {build_dir}` and try again."
        )
    try:
        with zipfile.ZipFile(wheels[0]) as wheel:
            learner = any(name.startswith(LEARNER_MARK) for name in wheel.namelist())
    except zipfile.BadZipFile:
        learner = False
    if not learner:
        raise HubProblem(
            f"{wheels[0].name} is not a learner build (it has no stored expected results): make "
            f"one with `course build-learner {build_dir}`; learners must not get the full build."
        )
    return wheels[0]


def _wheel_pins(wheel: Path) -> str:
    """Digest of the wheel's own requirements (its METADATA's Requires-Dist lines)."""
    with zipfile.ZipFile(wheel) as archive:
        meta = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        lines = archive.read(meta).decode("utf-8").splitlines()
    pins = sorted(line for line in lines if line.startswith(("Requires-Dist:", "Provides-Extra:")))
    return hashlib.sha256("\n".join(pins).encode()).hexdigest()[:16]


def shared_environment(
    prefix: Path,
    *,
    exchange: Path | None = None,
    python: Path | None = None,
    learner_build: Path | None = None,
    group: str | None = None,
) -> EnvReport:
    """Make (or bring up to date) the shared environment at ``prefix``; record ``exchange``.

    With ``learner_build`` (a folder ``course build-learner`` made) the environment gets the
    learner build's wheel instead of this checkout: the learners' environment, never one to grade
    in.  An environment that held the other build is made again from nothing.  With ``group``
    (the full build only) the environment can be entered by that group's accounts alone.
    """
    start = time.monotonic()
    root = config.repo_root()
    prefix = Path(prefix)
    files = _course_files(root)
    wheel = learner_wheel(learner_build) if learner_build is not None else None
    if group is not None:
        if wheel is not None:
            raise HubProblem(
                "The learners' environment must be readable by every learner: give --group only "
                "for the instructors' full build."
            )
        try:
            gid = grp.getgrnam(group).gr_gid
        except KeyError:
            raise HubProblem(
                f"There is no group {group!r}: make it (`groupadd {group}`) and add the "
                f"instructors' accounts to it (`usermod -aG {group} NAME`)."
            ) from None
    want = {
        "build": "learner" if wheel else "full",
        "pins": _wheel_pins(wheel) if wheel else _digest([root / "pyproject.toml"], root),
        "course": _digest([wheel], wheel.parent) if wheel else _digest(files, root),
        "python": f"{sys.version_info.major}.{sys.version_info.minor}",
    }
    stamp_path = prefix / STAMP
    have = {}
    if stamp_path.exists():
        have = json.loads(stamp_path.read_text(encoding="utf-8"))
    if (
        not (prefix / "bin" / "python").exists()
        or have.get("python") != want["python"]
        or have.get("build", "full") != want["build"]
    ):
        # a new Python, or the other build: nothing of the old one may stay behind
        shutil.rmtree(prefix, ignore_errors=True)
        prefix.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([str(python or system_python()), "-m", "venv", str(prefix)], check=True)
        have = {}
    action = "up to date"
    if have != want and wheel is not None:
        if have.get("pins") != want["pins"]:
            _pip(prefix, [f"{wheel}[hub]"])
            action = "created"
        else:
            action = "course updated"
        # the same version number as the installed course: pip would keep the old files
        _pip(prefix, ["--no-deps", "--force-reinstall", str(wheel)])
        stamp_path.write_text(json.dumps(want) + "\n", encoding="utf-8")
    elif have != want:
        with tempfile.TemporaryDirectory(prefix="tsdl-course-src-") as tmp:
            for path in files:
                target = Path(tmp) / path.relative_to(root)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)
            if have.get("pins") == want["pins"]:
                _pip(prefix, ["--no-deps", "--force-reinstall", tmp])
                action = "course updated"
            else:
                _pip(prefix, [f"{tmp}[hub]"])
                action = "created"
        stamp_path.write_text(json.dumps(want) + "\n", encoding="utf-8")
    if exchange is not None:
        exchange = Path(exchange)
        exchange.mkdir(parents=True, exist_ok=True)
        exchange.chmod(0o777)  # every account releases, submits and fetches there
    setup = [str(prefix / "bin" / "course"), "setup"]
    if exchange is not None:
        setup += ["--exchange", str(exchange)]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "COURSE_"))}
    result = subprocess.run(setup, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise HubProblem(f"`course setup` failed in {prefix}: {result.stderr.strip()[:300]}")
    if wheel is not None:
        settings = prefix / LEARNER_SETTINGS
        shutil.rmtree(settings, ignore_errors=True)
        shutil.copytree(DEPLOY / "learner", settings)
    for path in [prefix, *prefix.rglob("*")]:  # every account reads and runs it, none writes it
        if not path.is_symlink():
            mode = path.stat().st_mode | 0o444 | (0o111 if path.is_dir() else 0)
            path.chmod(mode & ~0o022)
    if group is not None:  # ... or only the instructors' group may enter it
        os.chown(prefix, -1, gid)
        prefix.chmod(0o750)
    return EnvReport(prefix, action, time.monotonic() - start, want["build"])


def _node_major() -> int:
    node = shutil.which("node")
    if not node:
        return 0
    out = subprocess.run([node, "--version"], capture_output=True, text=True).stdout
    match = re.match(r"v(\d+)", out.strip())
    return int(match.group(1)) if match else 0


def install_proxy(cache: Path | None = None) -> Path:
    """configurable-http-proxy, installed with ``npm ci`` from deploy/jupyterhub's lock into a
    cache folder outside the repository; returns the command."""
    if _node_major() < 20:
        raise HubProblem(
            "JupyterHub's proxy (configurable-http-proxy 5.3) needs Node.js 20 or newer and "
            "npm: install them (https://nodejs.org, or your system's packages) and try again."
        )
    lock = DEPLOY / "package-lock.json"
    key = _digest([DEPLOY / "package.json", lock], DEPLOY)
    base = Path(cache or Path.home() / ".cache" / "tsdl-hub") / f"proxy-{key}"
    command = base / "node_modules" / ".bin" / "configurable-http-proxy"
    if command.exists():
        return command
    base.mkdir(parents=True, exist_ok=True)
    shutil.copy2(DEPLOY / "package.json", base)
    shutil.copy2(lock, base)
    result = subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=base,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0 or not command.exists():
        raise HubProblem(
            "npm could not install JupyterHub's proxy (configurable-http-proxy): "
            f"{result.stderr.strip().splitlines()[-1:] or 'no message'}; check that the npm "
            "registry is reachable and try again."
        )
    return command
