"""The ``course`` command: one entry point for learners, instructors and ``make``.

    course setup        prepare this environment's JupyterLab (run by make after installing)
    course data         obtain the LoC records and build the course databases (skips when built)
    course workspace    copy new modules into your workspace (never overwrites your work)
    course lab          all of the above when needed, then start JupyterLab at the start page
    course release      regenerate release/ from source/ (instructors, after editing source/)
    course check        the pipeline gate over every assignment (non-zero exit on any failure)
    course mutants      mutation-test every query check (non-zero exit on an unlisted survivor)
    course bench        run the benchmarks in bench/ and print their figures
    course handouts     printable one-page handouts per module for group sessions
    course doctor       the two-minute check before a session: Python, packages, data, widgets
    course import       your own catalog (a MARC, MARCXML or CSV export) as "My data"
    course grade        autograde a cohort in parallel; every submission gets a named outcome
    course report       skills report: learners x skills (heat map) and each exercise's mistakes
    course team         team view of the skills checks: people x skills, a suggested plan
    course hub          a cohort on JupyterHub: the shared environment, a local trial (root)
    course build-learner DIR   the learner distribution: a wheel and the release notebooks,
                        without references, solutions, hidden tests or shadow data (instructors)

Every failure a user can cause ends in one plain sentence, not a traceback (``--debug`` shows it).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from course import config

__all__ = ["main"]


def _cmd_setup(args) -> int:
    from course.lab import install_nbgrader_config, setup_jupyter

    changed = setup_jupyter()
    if args.exchange:
        args.exchange.mkdir(parents=True, exist_ok=True)
        changed += install_nbgrader_config(exchange=args.exchange)
    print(
        "JupyterLab is set up for the course."
        + (f" Updated: {', '.join(changed)}" if changed else "")
    )
    exchange = config.exchange_dir()
    print(
        f"nbgrader exchange: {exchange}"
        if exchange
        else "nbgrader exchange: none set (for a cohort: course setup --exchange DIR)."
    )
    return 0


def _cmd_data(args) -> int:
    from course.data import build

    # build() itself does nothing when the data is built with the current recipe.
    report = build.build(marc_file=args.marc_file, force=args.force, progress=not args.quiet)
    print(report.summary())
    return 0


def _cmd_workspace(args) -> int:
    from course.workspace import sync_workspace

    print(sync_workspace().summary())
    return 0


def _cmd_lab(args) -> int:
    from course.lab import ensure_port_free, run_lab
    from course.workspace import sync_workspace

    ensure_port_free(args.port)  # say so before spending minutes on data
    if not args.skip_data:
        try:
            args.force, args.quiet = False, False
            _cmd_data(args)
        except Exception as exc:  # the start page works without data; say what to do
            print(
                f"The course data could not be built ({_sentence(exc)}); "
                "module 00 works without it. "
                f"Run `{config.command('data')}` later to try again."
            )
    print(sync_workspace().summary())
    return run_lab(port=args.port, open_browser=not args.no_browser, projector=args.projector)


def _cmd_release(args) -> int:
    import shutil

    from course.grading import assignment_ids, nbapi

    root = config.repo_root()
    for aid in args.assignment or assignment_ids(root):
        shutil.rmtree(root / "release" / aid, ignore_errors=True)
        error = nbapi.generate_release(root, aid)
        if error:
            print(f"Could not generate release/{aid}: {error}")
            return 1
        print(f"release/{aid} regenerated from source/{aid}.")
    return 0


def _cmd_check(args) -> int:
    import warnings

    from course.grading import GATE_STEPS, run_gate

    # nbgrader 0.9.6's gradebook trips a SQLAlchemy 2 session warning on every autograde;
    # it is harmless and would bury the gate's own findings.
    warnings.filterwarnings("ignore", message="Object of type", module="nbgrader")

    steps = ("static", "leaks") if args.quick else GATE_STEPS
    report = run_gate(assignments=args.assignment or None, steps=steps)
    for aid, scores in sorted(report.scores.items()):
        parts = ", ".join(f"{who} {s:g}/{m:g}" for who, (s, m) in sorted(scores.items()))
        print(f"{aid}: {parts}")
    for finding in report.findings:
        print(f"✗ {finding}")
    print(
        "✓ The gate passed."
        if report.ok
        else f"✗ The gate found {len(report.findings)} problem(s)."
    )
    return 0 if report.ok else 1


def _cmd_mutants(args) -> int:
    from course.grading.mutants import run_modules

    reports = run_modules(args.module or None, workers=args.workers, log=print)
    problems = [(r, p) for r in reports for p in r.problems]
    for report, problem in problems:
        print(f"✗ [{report.module}] {problem}")
    if args.show:
        for report in reports:
            for outcome in report.unlisted:
                print(
                    f"  {outcome.qid} survivor {outcome.mutant.ident!r}:\n    {outcome.mutant.sql}"
                )
    made = sum(r.made for r in reports)
    equivalent = sum(r.equivalent for r in reports)
    killed = sum(r.killed for r in reports)
    score = f"{100 * killed / (made - equivalent):.1f}%" if made > equivalent else "n/a"
    print(
        f"{'✓' if not problems else '✗'} {len(reports)} module(s): {made} mutants, {killed} "
        f"killed ({sum(r.witnessed for r in reports)} by witness rows), {equivalent} listed "
        f"equivalent, {sum(len(r.unlisted) for r in reports)} unlisted survivor(s); "
        f"mutation score {score}."
    )
    return 1 if problems else 0


def _cmd_bench(args) -> int:
    bench_dir = config.repo_root() / "bench"
    scripts = sorted(bench_dir.glob("bench_*.py"))
    if args.name:
        scripts = [s for s in scripts if any(n in s.stem for n in args.name)]
    status = 0
    for script in scripts:
        print(f"== {script.stem} ==", flush=True)
        status |= subprocess.call([sys.executable, str(script)], cwd=str(config.repo_root()))
    return status


def _cmd_doctor(args) -> int:
    from course.doctor import run

    return run()


def _cmd_handouts(args) -> int:
    from course.handouts import default_out_dir, write_handouts

    out = args.out or default_out_dir()
    written = write_handouts(out=out, modules=args.module or None)
    print(
        f"{len(written)} handout(s) written to {out}: open index.html there and print with Ctrl+P."
    )
    return 0


def _cmd_import(args) -> int:
    from course.importer import import_file

    report = import_file(
        args.file, name=args.name, fmt=args.format, encoding=args.encoding, progress=not args.quiet
    )
    print(report.summary())
    return 0


def _cmd_grade(args) -> int:
    from course.grading.grade import grade

    run = grade(
        args.assignment,
        root=args.root,
        workers=args.workers,
        feedback=args.feedback,
        timeout=args.timeout,
        progress=not args.quiet,
    )
    print(run.summary())
    return 0 if run.ok else 1


def _cmd_report(args) -> int:
    from course.grading.report import write_report

    report = write_report(args.assignment, root=args.root, out=args.out)
    print(report.summary())
    return 0


def _cmd_team(args) -> int:
    from course.skills_team import write_team_view

    view, files = write_team_view(root=args.root, out=args.out, anonymise=args.anonymise)
    print(view.summary())
    print("Written: " + ", ".join(str(f) for f in files))
    return 0


def _cmd_build_learner(args) -> int:
    from course.grading.learner_build import LearnerBuildError, build_learner

    try:
        wheel = build_learner(args.dir, progress=not args.quiet)
    except LearnerBuildError as exc:
        print(f"course build-learner: {exc}", file=sys.stderr)
        return 1
    size = wheel.stat().st_size / 1e6
    print(
        f"The learner distribution is in {wheel.parent}: {wheel.name} ({size:.1f} MB), "
        "notebooks/ and README.txt (how to install it)."
    )
    return 0


#: Commands for instructors: they need what the learner build leaves out (references, hidden
#: tests, the shadow database, course.grading, the repository's source/ and bench/).
INSTRUCTOR_COMMANDS = (
    "release",
    "check",
    "mutants",
    "bench",
    "handouts",
    "grade",
    "report",
    "team",
    "hub",
    "build-learner",
)


def _learner_build_refusal(command: str) -> str | None:
    """The one sentence an instructor's command answers in the learner build, else None."""
    if command not in INSTRUCTOR_COMMANDS:
        return None
    from course.check import stored

    if not stored.is_learner_build():
        return None
    return (
        f"course {command}: this is the learner build; {command} is for instructors and runs in "
        "the course's full build (a clone of the repository set up with `make setup`)."
    )


def _user_errors() -> tuple[type[BaseException], ...]:
    """Errors whose message is written for the user: what happened and what to do."""
    from course.data.install import BuildLocked, DataInUse
    from course.data.marc.obtain import ObtainError
    from course.db import CourseDataMissing
    from course.importer import ImportProblem
    from course.lab import LabError

    errors = [LabError, ObtainError, CourseDataMissing, BuildLocked, DataInUse, ImportProblem]
    try:
        from course.grading.grade import GradeProblem
    except ImportError:  # the learner build has no course.grading.grade
        pass
    else:
        errors.append(GradeProblem)
    return tuple(errors)


def _sentence(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="course", description=__doc__.split("\n\n")[0])
    parser.add_argument("--debug", action="store_true", help="show full tracebacks")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("setup", help="prepare JupyterLab and nbgrader in this environment")
    p.add_argument(
        "--exchange",
        type=Path,
        help="the cohort's nbgrader exchange folder (recorded for every nbgrader here)",
    )
    p.set_defaults(func=_cmd_setup)
    p = sub.add_parser("data", help="build the course databases")
    p.add_argument(
        "--marc-file",
        type=Path,
        help="a copy of BooksAll.2016.part01.utf8 or pymarc-5.4.0.tar.gz you already have",
    )
    p.add_argument("--force", action="store_true", help="rebuild even when the data is up to date")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=_cmd_data)
    sub.add_parser("workspace", help="copy new modules into your workspace").set_defaults(
        func=_cmd_workspace
    )
    p = sub.add_parser("lab", help="start JupyterLab at the start page")
    p.add_argument("--port", type=int, default=8888)
    p.add_argument("--no-browser", action="store_true")
    p.add_argument(
        "--projector",
        action="store_true",
        help="a facilitator's screen: large text on every page, quizzes in group mode",
    )
    p.add_argument(
        "--skip-data", action="store_true", help="do not build missing course data first"
    )
    p.add_argument("--marc-file", type=Path, default=None, help=argparse.SUPPRESS)
    p.set_defaults(func=_cmd_lab)
    p = sub.add_parser("release", help="regenerate release/ from source/")
    p.add_argument("assignment", nargs="*")
    p.set_defaults(func=_cmd_release)
    p = sub.add_parser("check", help="run the pipeline gate")
    p.add_argument("assignment", nargs="*")
    p.add_argument("--quick", action="store_true", help="only the checks that need no kernel")
    p.set_defaults(func=_cmd_check)
    p = sub.add_parser("mutants", help="mutation-test the query checks")
    p.add_argument(
        "module", nargs="*", help="only these modules (e.g. 01 or 01-querying-the-catalog)"
    )
    p.add_argument("--workers", type=int, default=2, help="mutants checked at once (default 2)")
    p.add_argument("--show", action="store_true", help="print each unlisted survivor's SQL")
    p.set_defaults(func=_cmd_mutants)
    p = sub.add_parser("bench", help="run the benchmarks")
    p.add_argument("name", nargs="*", help="only benchmarks whose name contains this")
    p.set_defaults(func=_cmd_bench)
    p = sub.add_parser("handouts", help="printable one-page handouts for group sessions")
    p.add_argument("module", nargs="*", help="only these modules (e.g. 02-summarizing-collections)")
    p.add_argument(
        "--out", type=Path, default=None, help="folder to write to (default: <workspace>/handouts)"
    )
    p.set_defaults(func=_cmd_handouts)
    sub.add_parser("doctor", help="check this computer is ready for a session").set_defaults(
        func=_cmd_doctor
    )
    _import_parser(sub)
    _grade_parsers(sub)
    from course.hub.cli import add_parser as _hub_parser

    _hub_parser(sub)
    p = sub.add_parser(
        "build-learner",
        help="the learner distribution for a graded cohort (instructors)",
        description=(
            "Write into DIR a wheel of the course for learners and the release notebooks: the "
            "visible checks compare with results stored now on the built course data, and the "
            "wheel holds no reference answers, listed-mistake SQL, solutions, hidden tests or "
            "shadow data. DIR/README.txt says how to install it."
        ),
    )
    p.add_argument("dir", type=Path, help="the folder to write (made when missing)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=_cmd_build_learner)
    return parser


_ROOT_HELP = "the course folder (default: this folder if it has nbgrader_config.py, else the repo)"


def _grade_parsers(sub) -> None:
    p = sub.add_parser(
        "grade",
        help="autograde a cohort in parallel (instructors); every submission gets an outcome",
        description=(
            "Collect (when an exchange is configured), autograde every submission of ASSIGNMENT "
            "with nbgrader in parallel, record the grades in gradebook.db, and print one outcome "
            "per learner: graded, blank, tampered, timed out, kernel died, malformed JSON, "
            "not a notebook, missing. Tables go to grades/ASSIGNMENT/ (ignored by git). The exit "
            "status is 1 when any outcome is other than graded or blank."
        ),
    )
    p.add_argument("assignment", help="e.g. 01-querying-the-catalog")
    p.add_argument(
        "--workers", type=int, default=None, help="notebooks graded at once (default: one per core)"
    )
    p.add_argument("--feedback", action="store_true", help="then generate feedback and release it")
    p.add_argument(
        "--timeout",
        type=int,
        default=None,
        help="seconds a cell may run (default: nbgrader_config.py's, 60)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--root", type=Path, default=None, help=_ROOT_HELP)
    p.set_defaults(func=_cmd_grade)
    p = sub.add_parser(
        "report",
        help="skills report of graded assignments (instructors)",
        description=(
            "From the gradebook, the autograded notebooks and the banks' skill tags: a table of "
            "learners x skills (HTML with a heat map, and CSV) and one of exercises (how many got "
            "each right the first time it was graded, the most common listed mistake)."
        ),
    )
    p.add_argument("assignment", nargs="+", help="one or more assignments")
    p.add_argument("--out", type=Path, default=None, help="folder (default: grades/report)")
    p.add_argument("--root", type=Path, default=None, help=_ROOT_HELP)
    p.set_defaults(func=_cmd_report)
    p = sub.add_parser(
        "team",
        help="team view of the graded skills checks (supervisors)",
        description=(
            "From the graded 00-your-skills-check submissions: people x skills as a heat map "
            "(team.html) and CSV (team.csv), each person's path, and the modules to run as "
            "group sessions first because most of the team needs them. Names are shown; "
            "--anonymise writes Person 1, Person 2, ... instead."
        ),
    )
    p.add_argument("--anonymise", action="store_true", help="no names: Person 1, Person 2, ...")
    p.add_argument("--out", type=Path, default=None, help="folder (default: grades/team)")
    p.add_argument("--root", type=Path, default=None, help=_ROOT_HELP)
    p.set_defaults(func=_cmd_team)


def _import_parser(sub) -> None:
    from course.importer import csv_mapping_text

    p = sub.add_parser(
        "import",
        help="your own catalog (MARC, MARCXML or CSV) as 'My data'",
        description=(
            "Load bibliographic records exported from your library system into "
            "<workspace>/mydata.duckdb in the course's bib shape, so the course's queries run on "
            "your own catalog (the sandbox's 'My data'; db.connect('mine') in a notebook). "
            "Everything stays on this computer. A new import replaces the previous one."
        ),
        epilog=(
            "A CSV (or tab-separated) file needs a first row naming its columns; a title column "
            "is required. Columns it reads, and the MARC each becomes:\n"
            + csv_mapping_text()
            + "\nSeveral ISBNs, names or subjects in one cell are separated by ; or |. Other "
            "columns are named in the summary and kept as written in the table source_csv. "
            "Records that cannot be read are listed in <workspace>/mydata-rejects.csv."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", type=Path, help="the export: .mrc (MARC), .xml (MARCXML) or .csv")
    p.add_argument("--name", help="a short name for this catalog (default: the file's name)")
    p.add_argument(
        "--format",
        choices=("marc", "marcxml", "csv"),
        help="the file's format, when it is not recognised from its first bytes",
    )
    p.add_argument("--encoding", help="a CSV's text encoding when it is not UTF-8 (e.g. cp1252)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=_cmd_import)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    refusal = _learner_build_refusal(args.command)
    if refusal:
        print(refusal, file=sys.stderr)
        return 1
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("Stopped.")
        return 130
    except Exception as exc:
        if args.debug:
            raise
        if isinstance(exc, _user_errors()):  # already a complete sentence saying what to do
            print(f"course {args.command}: {_sentence(exc)}", file=sys.stderr)
        else:
            print(
                f"course {args.command}: {_sentence(exc)} (run again with --debug for details)",
                file=sys.stderr,
            )
        return 1


if __name__ == "__main__":
    sys.exit(main())
