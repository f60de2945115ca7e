"""The learner's kernel: ``%load_ext course.kernel`` in every notebook's setup cell.

Loading it, silently (nothing printed):

* sets minimal tracebacks (what ``%xmode Minimal`` does, without its "Exception reporting mode"
  line);
* loads jupysql (``%load_ext sql``) with the course's settings: no connection banner, 20 rows
  shown, NULL written as NULL, the real row count under a cut table, text left-aligned;
* installs the one-sentence handlers for what a learner who is new to code runs into: SQL typed
  outside the triple quotes, triple quotes never closed, a check run before its answer, a kernel
  restarted without running the setup cell again (``%%sql`` unknown, ``con``/``check``/``widgets``
  not defined).

It is safe to load twice (running the setup cell again prints nothing and changes nothing).

A restarted kernel has not run the setup cell, so :func:`boot` -- minimal tracebacks and the
handlers, nothing else -- runs at every start of a kernel of the course's environment:
``course setup`` writes an IPython kernel config into the environment (``etc/ipython``, see
:func:`install_startup`) that calls it.  Nothing here writes to stderr for a correct notebook
(nbgrader scores a cell with stderr output as zero).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

__all__ = [
    "load_ipython_extension",
    "unload_ipython_extension",
    "boot",
    "sentence_for",
    "install_startup",
    "STARTUP_LINE",
]

#: The names the setup cell defines; a NameError on one of them means the setup cell did not run.
SETUP_NAMES = frozenset({"con", "check", "db", "widgets"})
#: An answer variable (``q1_2``, ``q10_3``).
ANSWER_NAME = re.compile(r"^q\d+_\d+[a-z]?$")
#: A line that starts like SQL (what a learner types outside the triple quotes).
SQL_START = re.compile(
    r"^\s*(SELECT|FROM|WHERE|ORDER\s+BY|GROUP\s+BY|HAVING|LIMIT|JOIN|LEFT\s+JOIN|INNER\s+JOIN|"
    r"WITH|CREATE|INSERT|UPDATE|DELETE|DROP|ALTER|AND|OR|ON|UNION|VALUES|SET)\b",
    re.IGNORECASE,
)
SETUP_AGAIN = (
    "the course is not set up in this kernel (it was restarted, or the notebook was just "
    "opened): run the first code cell of the notebook again, then this cell."
)
_STATE: dict = {"booted": None, "loaded": None}


# -- the sentences ------------------------------------------------------------------------------


def _open_triple_quote(cell: str) -> int:
    """The line (from 1) of a triple quote that is never closed, or 0."""
    opened = 0
    for number, line in enumerate(cell.splitlines(), start=1):
        for _ in range(line.count('"""') + line.count("'''")):
            opened = 0 if opened else number
    return opened


def _syntax_sentence(value: SyntaxError, cell: str) -> str:
    msg = str(getattr(value, "msg", "") or "")
    line_no = getattr(value, "lineno", None) or 0
    lines = cell.splitlines()
    if "unterminated triple-quoted string" in msg or (
        "incomplete input" in msg and _open_triple_quote(cell)
    ):
        line_no = _open_triple_quote(cell) or line_no
        return (
            f'✗ The triple quotes (""") opened on line {line_no} of this cell are never closed: '
            'end your query with """ (three double quotes), then run the cell again.'
        )
    line = lines[line_no - 1] if 0 < line_no <= len(lines) else (value.text or "")
    unquoted = re.match(r"\s*(q\d+_\d+[a-z]?)\s*=\s*(SELECT|WITH|FROM)\b", line or "", re.I)
    if unquoted:
        return (
            f'✗ The query on line {line_no} is not in quotes: write {unquoted.group(1)} = """ '
            'on the first line, the SQL below it, and """ on a line of its own at the end.'
        )
    if SQL_START.match(line or ""):
        return (
            f"✗ Line {line_no} of this cell is SQL outside the triple quotes: put the whole query "
            'between the two """ (SQL only works inside them), then run the cell again.'
        )
    if "unterminated string literal" in msg:
        return (
            f"✗ A quote opened on line {line_no} of this cell is never closed: close it with the "
            "same kind of quote (' or \"), then run the cell again."
        )
    if "incomplete input" in msg or "was never closed" in msg:
        return (
            "✗ A bracket or quote in this cell is opened but never closed: close it (or undo "
            "your last change), then run the cell again."
        )
    if isinstance(value, IndentationError):
        return (
            f"✗ Line {line_no} of this cell starts with spaces Python did not expect: remove "
            "them (or undo your last change), then run the cell again."
        )
    return (
        f"✗ Python could not read line {line_no} of this cell ({msg}): check its quotes and "
        "brackets, or undo your last change, then run the cell again."
    )


def _duckdb_sentence(message: str, cell: str) -> str:
    from course.check.messages import sql_error

    lines = cell.splitlines()
    if lines and lines[0].lstrip().startswith("%%sql"):
        sql = "\n".join(lines[1:])
    else:
        sql = cell.split("%sql", 1)[-1] if "%sql" in cell else cell
    sentence = sql_error(message, sql)[1]
    return sentence.replace("your query", "this SQL").replace("your SQL", "this SQL")


def sentence_for(exc: BaseException, cell: str = "") -> str | None:
    """The one sentence for ``exc`` raised by ``cell``, or None for an error this does not know."""
    if isinstance(exc, SyntaxError):
        return _syntax_sentence(exc, cell)
    if isinstance(exc, NameError):
        name = getattr(exc, "name", None)
        if name is None:
            found = re.search(r"name '([^']+)' is not defined", str(exc))
            name = found.group(1) if found else None
        if name in SETUP_NAMES:
            return f"✗ `{name}` is not defined because {SETUP_AGAIN}"
        if name and ANSWER_NAME.match(name):
            return (
                f"✗ There is no answer {name} yet: run the answer cell (the one that starts "
                f"`{name} = `) first, then this cell."
            )
        return None
    text = str(exc)
    if type(exc).__module__.startswith(("duckdb", "_duckdb")):  # a DuckDB error, as raised
        return "✗ " + _duckdb_sentence(text, cell)
    driver = re.search(r"Original error message from DB driver:\s*(.+)", text, re.S)
    if driver:  # jupysql's wrapping of a DuckDB error in a %%sql / %sql cell
        return "✗ " + _duckdb_sentence(driver.group(1).strip(), cell)
    unknown_sql = re.search(r"magic( function)? `%+sql` not found", text)
    if type(exc).__name__ == "UsageError" and unknown_sql:
        return f"✗ SQL cells do not work yet because {SETUP_AGAIN}"
    return None


# -- the handlers -------------------------------------------------------------------------------


def _current_cell(shell) -> str:
    try:
        hm = shell.history_manager
        if hm is not None and hm.input_hist_raw:
            return hm.input_hist_raw[-1] or ""
    except Exception:
        pass
    return ""


def _handler(shell, etype, value, tb, tb_offset=None):
    try:
        sentence = sentence_for(value, _STATE.get("cell", "") or _current_cell(shell))
    except Exception:  # a handler must never add its own traceback
        sentence = None
    if sentence is None:
        if issubclass(etype, SyntaxError):
            # IPython's own one-line form (Minimal mode), as it shows syntax errors anyway
            stb = shell.SyntaxTB.structured_traceback(etype, value, [])
        elif etype.__name__ == "UsageError":
            shell.show_usage_error(value)
            return None
        else:
            stb = shell.InteractiveTB.structured_traceback(etype, value, tb, tb_offset=tb_offset)
    else:
        stb = [sentence]
    shell._showtraceback(etype, value, stb)
    return stb


def _note_cell(info=None) -> None:
    _STATE["cell"] = getattr(info, "raw_cell", "") or ""
    shell = _STATE.get("booted")
    if shell is not None:
        # `%load_ext course.kernel` runs load_ipython_extension every time (it is idempotent), so
        # running the setup cell again prints no "already loaded" line.
        try:
            shell.extension_manager.loaded.discard(__name__)
        except Exception:
            pass


def _minimal_tracebacks(shell) -> None:
    try:
        shell.InteractiveTB.set_mode(mode="Minimal")
    except Exception:
        pass


def boot(shell=None) -> bool:
    """Minimal tracebacks and the one-sentence handlers (what a fresh kernel gets); idempotent."""
    if shell is None:
        shell = _shell()
    if shell is None:
        return False
    _minimal_tracebacks(shell)
    try:
        return _boot(shell)
    except Exception:  # runs at every kernel start: never stop one
        return False


def _boot(shell) -> bool:
    if _STATE["booted"] is shell:
        return True
    from IPython.core.error import UsageError

    handled = (SyntaxError, NameError, UsageError)
    try:
        import duckdb

        handled += (duckdb.Error,)
    except ImportError:
        pass
    shell.set_custom_exc(handled, _handler)
    shell.events.register("pre_run_cell", _note_cell)
    _STATE["booted"] = shell
    # course.check (2 s to import) is not imported here: the setup cell imports it, and its
    # guard then notes which cell assigns which answer (a check needs it imported anyway).
    return True


def _shell():
    module = sys.modules.get("IPython")
    if module is None:
        return None
    try:
        return module.get_ipython()
    except Exception:
        return None


# -- jupysql -------------------------------------------------------------------------------------


def _load_sql(shell) -> None:
    from IPython.utils.capture import capture_output

    with capture_output():  # jupysql's start-up notices
        shell.extension_manager.load_extension("sql")
    magic = shell.magics_manager.registry.get("SqlMagic")
    if magic is not None:
        magic.displaycon = False
        magic.displaylimit = 20
    try:
        from course.check import sqlview

        sqlview.install(shell)
    except ImportError:
        pass


def load_ipython_extension(shell) -> None:
    """``%load_ext course.kernel``: see the module's docstring."""
    boot(shell)
    if _STATE["loaded"] is shell:
        return
    _load_sql(shell)
    _STATE["loaded"] = shell


def unload_ipython_extension(shell) -> None:
    """Nothing to undo that a learner would want undone; kept so ``%unload_ext`` is quiet."""


# -- the kernel start-up config ------------------------------------------------------------------

#: The line a kernel of the course's environment runs at start (no names left behind).
STARTUP_LINE = "__import__('course.kernel').kernel.boot()"


def install_startup(prefix: Path | None = None) -> list[str]:
    """Write ``<prefix>/etc/ipython/ipython_kernel_config.json`` so every kernel of this
    environment runs :func:`boot` at start; returns the files it changed (idempotent)."""
    path = Path(prefix or sys.prefix) / "etc" / "ipython" / "ipython_kernel_config.json"
    current = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    app = dict(current.get("InteractiveShellApp", {}))
    lines = list(app.get("exec_lines", []))
    if STARTUP_LINE in lines:
        return []
    app["exec_lines"] = lines + [STARTUP_LINE]
    current["InteractiveShellApp"] = app
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(current, indent=2) + "\n", encoding="utf-8")
    return [str(path)]
