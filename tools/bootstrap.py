"""Set the course up and run its two jobs, with or without ``make``.

    python tools/bootstrap.py lab      set everything up, build the data, open JupyterLab
    python tools/bootstrap.py test     set up what the tests need and run them all
    python tools/bootstrap.py data     build the course databases (when missing or out of date)
    python tools/bootstrap.py          only create .venv and install the pinned packages

On Windows the same with ``py`` (``py tools\\bootstrap.py lab``). ``make lab`` and ``make test``
run exactly these, so every route behaves the same.

Written for any Python 3 (no f-strings, no annotations) so that an old one gets a clear sentence
instead of a syntax error. It installs only when pyproject.toml (or the requested extras) changed
since the last install, so ``lab`` starts quickly the second time.

Where Windows differs, the code says so: the virtual environment keeps its programs in
``Scripts\\`` with ``.exe`` names (``bin/`` elsewhere), PATH entries are separated by ``;``, and
there is no ``make`` to name in sentences.
"""

import hashlib
import os
import subprocess
import sys

MIN_PYTHON = (3, 11)
JOBS = ("setup", "lab", "test", "data")
USAGE = (
    "usage: python tools/bootstrap.py [setup|lab|test|data] [--venv DIR] [--extras NAME] "
    "[--port N] [--workers N] [-- more arguments for course lab or pytest]"
)


def say(sentence):
    sys.stdout.write(sentence + "\n")
    sys.stdout.flush()


def via_make():
    """True when ``make`` started us (the Makefile sets COURSE_VIA=make)."""
    return os.environ.get("COURSE_VIA") == "make"


def again(job, os_name=None):
    """How to run ``job`` again, in the words of the route the person took."""
    if via_make():
        return "make %s" % ("lab" if job == "setup" else job)
    if (os_name or os.name) == "nt":  # Windows: the py launcher, backslashes
        return "py tools\\bootstrap.py %s" % job
    return "python3 tools/bootstrap.py %s" % job


def newer_python_hint(os_name=None):
    if via_make():
        return "then run make again with PYTHON=python3.12 (for example)"
    if (os_name or os.name) == "nt":
        return "then run py -3.12 tools\\bootstrap.py lab (for example)"
    return "then run python3.12 tools/bootstrap.py lab (for example)"


def venv_program(venv, name, os_name=None):
    """The path of a program inside the virtual environment.

    Windows keeps them in ``Scripts\\`` as ``name.exe``; Linux and macOS in ``bin/``.
    """
    if (os_name or os.name) == "nt":
        return os.path.join(venv, "Scripts", name + ".exe")
    return os.path.join(venv, "bin", name)


def path_with(folder, path=None):
    """PATH with ``folder`` first (``os.pathsep`` is ``;`` on Windows, ``:`` elsewhere)."""
    rest = os.environ.get("PATH", "") if path is None else path
    return folder + (os.pathsep + rest if rest else "")


def parse(argv):
    opts = {"job": "setup", "venv": ".venv", "extras": "", "port": None, "workers": None}
    rest = []
    args = list(argv)
    if args and args[0] in JOBS:
        opts["job"] = args.pop(0)
    while args:
        arg = args.pop(0)
        if arg == "--":
            rest.extend(args)
            break
        if arg in ("--venv", "--extras", "--port", "--workers") and args:
            opts[arg[2:]] = args.pop(0)
        elif arg in ("-h", "--help"):
            opts["job"] = "help"
        else:
            rest.append(arg)
    opts["rest"] = rest
    return opts


def install(root, venv, extras):
    """Create the environment and install the course into it, unless that is already done."""
    python = venv_program(venv, "python")
    with open(os.path.join(root, "pyproject.toml"), "rb") as fh:
        pyproject = fh.read()
    wanted = hashlib.sha256(pyproject + extras.encode()).hexdigest()
    # The test install is a superset of the plain one: after `make test`, `make lab` is ready.
    enough = {wanted, hashlib.sha256(pyproject + b"test").hexdigest()} if not extras else {wanted}
    stamp = os.path.join(venv, ".course-installed")
    have = ""
    if os.path.exists(stamp):
        with open(stamp) as fh:
            have = fh.read().strip()
    if enough & set(have.split()):
        return 0
    if not os.path.exists(python):
        say("Creating the course's Python environment in %s ..." % venv)
        if subprocess.call([sys.executable, "-m", "venv", venv]) != 0:
            say(
                "Could not create a virtual environment: install your Python's venv module "
                "(on Debian/Ubuntu: apt install python3-venv), then run %s again." % again("setup")
            )
            return 1
    log = os.path.join(venv, "install.log")
    target = "." + ("[%s]" % extras if extras else "")
    say("Installing the course's packages (a few minutes the first time; details in %s) ..." % log)
    with open(log, "w") as out:
        steps = [
            [python, "-m", "pip", "install", "--upgrade", "pip"],
            [python, "-m", "pip", "install", "-e", target],
        ]
        for step in steps:
            out.write("$ " + " ".join(step) + "\n")
            out.flush()
            if subprocess.call(step, cwd=root, stdout=out, stderr=subprocess.STDOUT) != 0:
                say(
                    "Installing the course's packages failed; the end of %s says why "
                    "(often no network or a full disk). Fix that and run %s again."
                    % (log, again("setup"))
                )
                return 1
    if subprocess.call([venv_program(venv, "course"), "setup"], cwd=root) != 0:
        return 1
    with open(stamp, "w") as fh:
        fh.write(" ".join([line for line in have.split() if line] + [wanted]) + "\n")
    return 0


def run(cmd, root, env=None):
    """Run a program in the foreground and return its exit status.

    Ctrl+C reaches the program too (same console); we keep waiting for it, so JupyterLab's own
    "press Ctrl+C again to stop" works as it does when started directly.
    """
    child = subprocess.Popen(cmd, cwd=root, env=env)
    while True:
        try:
            return child.wait()
        except KeyboardInterrupt:
            continue


def main(argv):
    opts = parse(argv)
    if opts["job"] == "help":
        say(USAGE)
        return 0
    if sys.version_info < MIN_PYTHON:
        say(
            "The course needs Python %d.%d or newer, but %s is Python %d.%d: "
            "install a newer Python, %s."
            % (
                MIN_PYTHON
                + (sys.executable,)
                + tuple(sys.version_info[:2])
                + (newer_python_hint(),)
            )
        )
        return 1
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    venv = os.path.join(root, opts["venv"])
    job = opts["job"]
    extras = opts["extras"] or ("test" if job == "test" else "")
    status = install(root, venv, extras)
    if status or job == "setup":
        return status
    course = venv_program(venv, "course")
    env = dict(os.environ)
    env["PATH"] = path_with(os.path.dirname(course))
    # The course's sentences name the command to run again in the words of the route taken
    # (course.config.command): make, this script, or plain `course` (conda).
    env.setdefault("COURSE_VIA", "bootstrap")
    if job == "lab":
        port = ["--port", opts["port"]] if opts["port"] else []
        return run([course, "lab"] + port + opts["rest"], root, env)
    if job == "data":
        return run([course, "data"] + opts["rest"], root, env)
    # test: the data first (a no-op when it is up to date), then pytest on every core
    status = run([course, "data"], root, env)
    if status:
        return status
    workers = opts["workers"] or os.environ.get("TEST_WORKERS") or "auto"
    pytest = [venv_program(venv, "python"), "-m", "pytest", "-n", workers, "--dist", "worksteal"]
    return run(pytest + opts["rest"], root, env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
