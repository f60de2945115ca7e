"""``course hub env`` and ``course hub start``: the cohort hub from the command line."""

from __future__ import annotations

import argparse
import contextlib
import grp
import signal
import time
from pathlib import Path

from course import config

__all__ = ["add_parser"]

DEFAULT_ENV = Path("/opt/tsdl/env")
DEFAULT_LEARNER_ENV = Path("/opt/tsdl/learner-env")
DEFAULT_EXCHANGE = Path("/srv/tsdl/exchange")
DEFAULT_STATE = Path("/srv/tsdl/hub")


def _names(values: list[str]) -> list[str]:
    return [n for v in values or [] for n in v.replace(",", " ").split()]


def _cmd_env(args) -> int:
    from course.hub import install_proxy, shared_environment

    learner = args.learner_build is not None
    prefix = args.prefix or (DEFAULT_LEARNER_ENV if learner else DEFAULT_ENV)
    report = shared_environment(
        prefix, exchange=args.exchange, learner_build=args.learner_build, group=args.group
    )
    print(report.summary())
    if learner:
        print(
            "Learners' servers run it when the hub has TSDL_HUB_LEARNER_ENV set to it "
            f"(`course hub start --learner-env {prefix}`); grade in the full build's environment."
        )
    print(f"JupyterHub's proxy: {install_proxy()}")
    return 0


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _cmd_start(args) -> int:
    from course.hub import TrialHub, install_proxy, trial_accounts

    # Ctrl+C, and a service manager's SIGTERM, stop the hub and remove trial accounts (a shell
    # that started this in the background may have left SIGINT ignored).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _interrupt)

    learners, instructors = _names(args.learners), _names(args.instructors)
    if not learners and not instructors:
        print("Name the accounts that may log in: --learners NAME ... --instructors NAME ...")
        return 2
    # A full build closed to learners (`course hub env --group G`): the instructors join G.
    group_of = None
    if args.env.exists() and not args.env.stat().st_mode & 0o005:
        group_of = {name: grp.getgrgid(args.env.stat().st_gid).gr_name for name in instructors}
    accounts = (
        trial_accounts(learners + instructors, args.homes, group_of)
        if args.create_accounts
        else contextlib.nullcontext({})
    )
    with accounts as passwords:
        hub = TrialHub(
            env=args.env,
            learners=learners,
            instructors=instructors,
            data_dir=args.data or config.data_dir(),
            learner_env=args.learner_env,
            learner_data=args.learner_data,
            exchange=args.exchange,
            state=args.state,
            proxy=install_proxy(),
            port=args.port,
        )
        with hub:
            print(f"The hub is running at {hub.url}/hub/login (Ctrl+C stops it and every server).")
            for name, password in passwords.items():
                print(f"  {name}: password {password}")
            with contextlib.suppress(KeyboardInterrupt):
                while hub.process.poll() is None:
                    time.sleep(1)
        print(
            "The hub and every server it started are stopped."
            + (" The trial accounts are removed." if passwords else "")
        )
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser(
        "hub",
        help="a cohort on JupyterHub: the shared environment, a local trial (root)",
        description=(
            "The cohort's JupyterHub on one server (docs/deployment.md). `course hub env` makes "
            "the environment every account's server runs (with --learner-build, the learners' "
            "own: the learner build, when grades matter); `course hub start` runs the hub with "
            "deploy/jupyterhub/jupyterhub_config.py on 127.0.0.1 until Ctrl+C."
        ),
    )
    hub = p.add_subparsers(dest="hub_command", required=True)
    e = hub.add_parser("env", help="make or update the shared course environment")
    e.add_argument(
        "--prefix",
        type=Path,
        default=None,
        help=f"(default {DEFAULT_ENV}; with --learner-build {DEFAULT_LEARNER_ENV})",
    )
    e.add_argument(
        "--exchange", type=Path, default=DEFAULT_EXCHANGE, help=f"(default {DEFAULT_EXCHANGE})"
    )
    e.add_argument(
        "--learner-build",
        type=Path,
        default=None,
        metavar="DIR",
        help="install the learner build `course build-learner DIR` made (the learners' "
        "environment: no answers; never grade in it)",
    )
    e.add_argument(
        "--group",
        default=None,
        help="only this group's accounts (the instructors) may enter the environment: the full "
        "build's, when learners run the learner build",
    )
    e.set_defaults(func=_cmd_env)
    s = hub.add_parser("start", help="run the hub on 127.0.0.1 for a local trial (Ctrl+C stops)")
    s.add_argument("--learners", nargs="+", default=[], help="accounts of learners")
    s.add_argument("--instructors", nargs="+", default=[], help="accounts with the formgrader")
    s.add_argument(
        "--create-accounts",
        action="store_true",
        help="make these accounts with random passwords (printed) and remove them at the end",
    )
    s.add_argument("--homes", type=Path, default=Path("/home"), help=argparse.SUPPRESS)
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--env", type=Path, default=DEFAULT_ENV, help=f"(default {DEFAULT_ENV})")
    s.add_argument("--data", type=Path, default=None, help="built course data (read-only)")
    s.add_argument(
        "--learner-env",
        type=Path,
        default=None,
        help="learners' servers run this environment (`course hub env --learner-build`); "
        "instructors keep --env, the full build",
    )
    s.add_argument(
        "--learner-data",
        type=Path,
        default=None,
        help="the learners' course data (library.duckdb only; needed with --learner-env)",
    )
    s.add_argument("--exchange", type=Path, default=DEFAULT_EXCHANGE)
    s.add_argument("--state", type=Path, default=DEFAULT_STATE, help="the hub's own files")
    s.set_defaults(func=_cmd_start)
