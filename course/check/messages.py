"""Plain sentences for learners: DuckDB's errors shortened, counts written out.

Every function here returns one sentence (no newlines, no traceback) that says what happened and
what to try.  DuckDB's own wording is kept where it helps (``syntax error at or near "bib"``) and
replaced where it speaks to programmers (``Binder Error: ... Candidate bindings``).
"""

from __future__ import annotations

import difflib
import re

from course.check._safe import BUILTINS as __builtins__  # noqa: F401  (captured builtins)

__all__ = ["plural", "number", "sql_error", "quote_line", "SQL_KEYWORDS"]

#: Keywords a misspelling is compared against ("FORM" -> FROM).
SQL_KEYWORDS = (
    "SELECT FROM WHERE GROUP ORDER HAVING JOIN LEFT RIGHT INNER OUTER FULL CROSS ON USING AS "
    "AND OR NOT NULL IS IN LIKE ILIKE DISTINCT LIMIT OFFSET UNION INTERSECT EXCEPT WITH CASE WHEN "
    "THEN ELSE END BETWEEN COUNT DESC ASC EXISTS CREATE TABLE INSERT INTO VALUES UPDATE SET "
    "DELETE PRIMARY KEY REFERENCES FOREIGN UNIQUE CHECK DEFAULT CAST COALESCE ROUND"
).split()

_LINE = re.compile(r"LINE (\d+):")
_STRING = re.compile(r"'(?:[^']|'')*'?")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def number(n) -> str:
    """1204 -> '1,204' (floats keep up to 4 decimals)."""
    if type(n) is float:
        return f"{n:,.4f}".rstrip("0").rstrip(".")
    return f"{n:,}"


def plural(n: int, noun: str, nouns: str | None = None) -> str:
    """plural(1, 'row') -> '1 row'; plural(1204, 'row') -> '1,204 rows'."""
    return f"{number(n)} {noun if n == 1 else (nouns or noun + 's')}"


def _lines(sql: str) -> list[str]:
    return sql.split("\n")


def quote_line(sql: str, line_no: int, width: int = 50) -> tuple[int, str]:
    """The learner-facing number and a short quote of DuckDB's ``LINE n`` in ``sql``.

    A triple-quoted answer usually starts with a newline, so leading blank lines are not counted:
    the learner's first line of SQL is line 1.
    """
    lines = _lines(sql)
    blank = 0
    for text in lines:
        if text.strip():
            break
        blank += 1
    text = lines[line_no - 1].strip() if 0 < line_no <= len(lines) else ""
    if len(text) > width:
        text = text[: width - 1].rstrip() + "…"
    return max(1, line_no - blank), text


def _near(sql: str, message: str) -> str:
    found = _LINE.search(message)
    if not found:
        return ""
    shown, text = quote_line(sql, int(found.group(1)))
    return f" near line {shown} (`{text}`)" if text else f" near line {shown}"


def _typo(sql: str, message: str) -> str | None:
    """A misspelled keyword on (or just before) the line DuckDB points at: 'is X meant to be Y'."""
    found = _LINE.search(message)
    lines = _lines(sql)
    if found:
        n = int(found.group(1))
        scope = lines[max(0, n - 2) : n]
    else:
        scope = lines
    for text in reversed(scope):
        for word in _WORD.findall(_STRING.sub(" ", text)):
            upper = word.upper()
            if len(word) < 3 or upper in SQL_KEYWORDS:
                continue
            close = difflib.get_close_matches(upper, SQL_KEYWORDS, n=1, cutoff=0.75)
            if close:
                return f'is "{word}" meant to be {close[0]}?'
    return None


def _first_line(message: str) -> tuple[str, str]:
    head = message.strip().split("\n", 1)[0].strip()
    kind, sep, detail = head.partition(": ")
    if not sep:
        return "", head
    return kind, detail


def _tidy(detail: str) -> str:
    detail = " ".join(detail.split()).rstrip("!.").strip()
    return detail[:200]


def sql_error(message: str, sql: str, *, timeout: float | None = None) -> tuple[str, str]:
    """Turn a DuckDB error message into ``(tag, sentence)``.

    Tags: ``parse`` (DuckDB could not read the SQL), ``readonly`` (tried to change the course
    data), ``timeout`` (stopped after ``timeout`` seconds), ``sql`` (anything else).
    """
    kind, detail = _first_line(message)
    near = _near(sql, message)
    if "Interrupted" in message or kind.startswith("INTERRUPT"):
        secs = number(timeout) if timeout else "many"
        return "timeout", (
            f"Your query ran for more than {secs} seconds and was stopped: is a join missing its "
            "ON condition, or is a table joined twice?"
        )
    if "read-only mode" in message:
        return "readonly", (
            "The course data is read-only, so CREATE, INSERT, UPDATE and DELETE cannot change it: "
            "make your own tables in your scratch database instead."
        )
    if 'at or near "?"' in detail or "Values were not provided" in message:
        return "parse", (
            f"Your query still has a ? placeholder{near}: replace the question marks with a value."
        )
    if kind.startswith("Parser"):
        if "unterminated" in detail:
            return "parse", (
                f"DuckDB could not read your SQL{near}: a text value is missing its closing "
                "quote (')."
            )
        hint = _typo(sql, message)
        tail = hint or (
            "check the spelling of keywords, the commas between columns, and that every bracket "
            "and quote is closed"
        )
        if tail.endswith("?"):
            return "parse", f"DuckDB could not read your SQL{near}: {_tidy(detail)} -- {tail}"
        return "parse", f"DuckDB could not read your SQL{near}: {_tidy(detail)} -- {tail}."
    table = re.search(r"Table with name (\S+?) does not exist", message)
    if table:
        name = table.group(1).strip('"')
        mean = re.search(r'Did you mean "(.+?)"', message)
        tip = f"did you mean {mean.group(1)}?" if mean else "check the spelling of the table name."
        return "sql", f"There is no table called {name} in the course database{near}: {tip}"
    column = re.search(r'Referenced column "(.+?)" not found', message)
    if column and f'"{column.group(1)}"' in sql:
        # language = "fre": double quotes name a column in SQL; text values take single quotes.
        return "sql", (
            f'DuckDB read "{column.group(1)}" as a column name{near}: text values go in single '
            f"quotes, so write '{column.group(1)}'."
        )
    if column:
        cands = re.search(r'Candidate bindings: "(.+?)"', message)
        tip = (
            f"did you mean {cands.group(1)}?"
            if cands
            else "check its spelling and which table it belongs to."
        )
        return "sql", (
            f"There is no column called {column.group(1)} in the tables your query reads{near}: "
            f"{tip}"
        )
    grouped = re.search(r'column "(.+?)" must appear in the GROUP BY clause', message)
    if grouped:
        col = grouped.group(1)
        return "sql", (
            f"{col} is in SELECT but is neither in GROUP BY nor summarised: add it to GROUP BY, "
            "or wrap it in a summary such as min() or count()."
        )
    ambiguous = re.search(r'Ambiguous reference to column name "(.+?)"', message)
    if ambiguous:
        col = ambiguous.group(1)
        return "sql", (
            f"The column {col} is in more than one of your tables{near}: put the table name or "
            f"its alias in front of it (for example b.{col})."
        )
    if "WHERE clause cannot contain aggregates" in message:
        return "sql", (
            "count(), sum() and other summaries cannot go in WHERE: filter the groups with HAVING "
            "instead."
        )
    window = re.search(r"(\w+) clause cannot contain window functions", message)
    if window:
        # No `near`: DuckDB points at the statement's start, the wrong line for a query with WITH.
        return "sql", (
            f"A window function (... OVER ...) cannot go in {window.group(1).upper()}, which runs "
            "before the windows are computed: filter on it with QUALIFY (QUALIFY rnk <= 5), or "
            "compute it in a subquery and filter outside."
        )
    if "aggregate function calls cannot be nested" in message:
        return "sql", (
            "A summary cannot go inside another summary (avg(count(*))): count in a first step "
            "(a CTE or subquery), then take the avg() of those counts in the next."
        )
    func = re.search(r"Function with name (\S+?) does not exist", message)
    if func:
        mean = re.search(r'Did you mean "(.+?)"', message)
        tip = f"did you mean {mean.group(1)}?" if mean else "check the spelling."
        name = func.group(1).strip('"')
        return "sql", f"DuckDB has no function called {name}: {tip}"
    if "No function matches" in message:
        return "sql", (
            f"DuckDB cannot use that function with these kinds of values{near}: check what you "
            "pass to it (text, number or date)."
        )
    if kind.startswith("Conversion"):
        return "sql", (
            f"DuckDB could not turn a value into a number or date{near}: put quotes around text "
            "values, none around numbers, and compare columns of the same kind."
        )
    return "sql", f"DuckDB could not run your SQL{near}: {_tidy(detail)}."
