"""Create the course's virtual environment and install the pinned stack (run by ``make``).

Written for any Python 3 so that an old one gets a clear sentence instead of a syntax error.
It installs only when pyproject.toml (or the requested extras) changed since the last install,
so ``make lab`` starts quickly the second time.
"""

import hashlib
import os
import subprocess
import sys

MIN_PYTHON = (3, 11)


def say(sentence):
    sys.stdout.write(sentence + "\n")
    sys.stdout.flush()


def main(argv):
    venv = ".venv"
    extras = ""
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg == "--venv":
            venv = args.pop(0)
        elif arg == "--extras":
            extras = args.pop(0)
    if sys.version_info < MIN_PYTHON:
        say(
            "The course needs Python %d.%d or newer, but %s is Python %d.%d: "
            "install a newer Python, "
            "then run make again with PYTHON=python3.12 (for example)."
            % (MIN_PYTHON + (sys.executable,) + tuple(sys.version_info[:2]))
        )
        return 1
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    venv = os.path.join(root, venv)
    bin_dir = os.path.join(venv, "bin")
    python = os.path.join(bin_dir, "python")
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
                "(on Debian/Ubuntu: apt install python3-venv), then run make again."
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
                    "(often no network or a full disk). Fix that and run make again." % log
                )
                return 1
    if subprocess.call([os.path.join(bin_dir, "course"), "setup"], cwd=root) != 0:
        return 1
    with open(stamp, "w") as fh:
        fh.write(" ".join([line for line in have.split() if line] + [wanted]) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
