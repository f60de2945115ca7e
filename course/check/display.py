"""``check.show``: let a learner see their own result right away, as a small table.

Works with a SQL string (run read-only on the learner database), a jupysql result or a pandas
DataFrame.  It never raises and never prints a traceback: if the SQL cannot run, it prints one
sentence with DuckDB's message and the line it points at.
"""

from __future__ import annotations

import html
import threading

import duckdb

from course.check import database, messages
from course.check._safe import BUILTINS as __builtins__  # noqa: F401  (captured builtins)
from course.check._safe import stdout
from course.check.answers import read_answer, resultset_frame
from course.check.database import SqlProblem
from course.check.messages import plural

__all__ = ["show", "html_table", "text_table", "result_preview", "preview", "preview_dataframe"]

_print = print


def _cell_html(value) -> str:
    if value is None:
        return '<td class="course-null"><em>NULL</em></td>'
    if type(value) in (int, float) or type(value).__name__ == "Decimal":
        return f'<td style="text-align:right">{html.escape(str(value))}</td>'
    return f'<td style="text-align:left">{html.escape(str(value))}</td>'


def html_table(names, rows, nrows: int, *, limit: int | None = None) -> str:
    """An HTML table of ``rows`` with a caption giving the full row count."""
    shown = len(rows)
    caption = plural(nrows, "row")
    if shown < nrows:
        caption += f" (showing the first {shown})"
    head = "".join(f'<th style="text-align:left">{html.escape(str(n))}</th>' for n in names)
    body = "".join("<tr>" + "".join(_cell_html(v) for v in row) + "</tr>" for row in rows)
    return (
        f'<table class="course-result" style="margin-left:0">'
        f'<caption style="text-align:left">{caption}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def text_table(names, rows, nrows: int) -> str:
    """The same table as plain text, for a terminal."""
    cells = [[str(n) for n in names]] + [["NULL" if v is None else str(v) for v in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(names))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    more = f" (showing the first {len(rows)})" if len(rows) < nrows else ""
    return "\n".join(lines + [plural(nrows, "row") + more])


def preview(sql: str, db: str = "library", *, limit: int = 10):
    """``(names, rows, nrows)`` of a learner's SELECT: the first ``limit`` rows and the count."""
    database._one_select(sql)
    con, _ = database.connection(db)
    cur = con.cursor()
    timer = threading.Timer(database.timeout_seconds(), cur.interrupt)
    timer.daemon = True
    timer.start()
    try:
        cur.execute("USE library")
        cur.execute(sql)
        names = [d[0] for d in cur.description or ()]
        rows = cur.fetchmany(limit)
        nrows = len(rows)
        if nrows == limit:
            while True:
                chunk = cur.fetchmany(50_000)
                if not chunk:
                    break
                nrows += len(chunk)
        return names, rows, nrows
    except duckdb.Error as exc:
        sentence = messages.sql_error(str(exc), sql, timeout=database.timeout_seconds())
        raise SqlProblem(*sentence) from None
    finally:
        timer.cancel()
        cur.close()


def preview_dataframe(frame, *, limit: int = 10):
    """``(names, rows, nrows)`` of a DataFrame, read through DuckDB like any answer."""
    cur = database._memory().cursor()
    try:
        cur.register("__course_show", frame)
        cur.execute('SELECT * FROM "__course_show"')
        names = [d[0] for d in cur.description or ()]
        rows = cur.fetchmany(limit)
        nrows = len(frame)
        cur.unregister("__course_show")
        return names, rows, nrows
    finally:
        cur.close()


def result_preview(answer, *, limit: int = 10, db: str = "library"):
    """``(names, rows, nrows)`` for any kind of answer; raises SqlProblem with a sentence."""
    found = read_answer(answer)
    if found.form in ("sql", "resultset") and found.sql is not None:
        try:
            return preview(found.sql, db, limit=limit)
        except SqlProblem as problem:
            if found.form != "resultset" or problem.tag != "sql":
                raise
    if found.form == "resultset":
        return preview_dataframe(resultset_frame(found.frame), limit=limit)
    if found.form == "frame":
        return preview_dataframe(found.frame, limit=limit)
    if found.form == "text":
        raise SqlProblem("answer", "This does not start like a query: begin it with SELECT.")
    raise SqlProblem("answer", "There is nothing to show yet: assign a SQL query (in quotes).")


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is always installed with the course
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ != "TerminalInteractiveShell"


def show(answer, *, limit: int = 10) -> None:
    """Display a learner's result as a table with its row count; never raises."""
    out = stdout()
    try:
        names, rows, nrows = result_preview(answer, limit=limit)
    except SqlProblem as problem:
        _print(problem.sentence, file=out)
        return
    except Exception as exc:  # show() must never fail a learner's cell
        _print(f"Could not show this result ({type(exc).__name__}); check the answer.", file=out)
        return
    try:
        if _in_notebook():
            from IPython.display import HTML, display

            display(HTML(html_table(names, rows, nrows, limit=limit)))
        else:
            _print(text_table(names, rows, nrows), file=out)
    except Exception:
        _print(f"{plural(nrows, 'row')}.", file=out)
