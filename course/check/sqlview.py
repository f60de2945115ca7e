"""How a ``%%sql`` result looks in the course (installed by ``%load_ext course.kernel``).

jupysql's own table writes NULL as ``None``, says "Truncated to displaylimit of 20." without the
real row count, and right-aligns text.  This registers an HTML formatter for jupysql's
``ResultSet`` that shows instead:

* NULL as *NULL* (the word the course uses everywhere);
* "Showing 20 of 1,204 rows." under a cut table (the count is asked of DuckDB on a separate
  cursor, so the rows are not all fetched into the notebook);
* text left-aligned, numbers right-aligned; counts with thousands separators (only in columns
  named like counts, never on years or IDs);
* raw MARC with its positions kept (issue 10.6): a fixed field (leader, 00X fields) and the
  indicators in a fixed-width font with each blank written ``#``, MARC documentation's
  convention -- see :func:`marc_html`, which any course display of raw MARC can use.

The plain-text form (``text/plain``, what nbgrader and terminals see) is left to jupysql.
"""

from __future__ import annotations

import html
import re

from course.check.messages import number

__all__ = ["install", "result_html", "marc_html", "table_html", "FIXED_COLUMNS"]

#: Columns that always hold fixed-position MARC data (blanks are data, positions count).
FIXED_COLUMNS = frozenset({"leader", "ldr", "ind1", "ind2", "indicators", "encoding_level"})
#: Columns holding a field's content: fixed-position when the row's tag is 001-009.
_CONTENT_COLUMNS = frozenset({"value", "data", "content", "field_value"})
_COUNT_NAME = re.compile(
    r"(count|total|loans|items|copies|records|requests|titles|checkouts|patrons|holdings|rows|"
    r"uses|^n_|_n$|^n$)",
    re.I,
)
_NOT_COUNT = re.compile(r"(id|year|date|number|code|seq|month)", re.I)
_STYLE = (
    "<style>.course-sql td.t{text-align:left}.course-sql td.n{text-align:right}"
    ".course-sql th{text-align:left}.course-sql .null{font-style:italic;color:#777}"
    ".course-sql code.marc{white-space:pre;font-family:monospace}</style>"
)
_STATE: dict = {"shell": None}


def marc_html(value: str) -> str:
    """Raw fixed-position MARC (a leader, an 008, an indicator) as HTML that keeps every
    position: fixed-width font, each blank shown as ``#`` (MARC documentation's convention)."""
    shown = html.escape(str(value).replace(" ", "#"))
    return f'<code class="marc" title="# = blank (MARC documentation\'s convention)">{shown}</code>'


def _is_count(name: str) -> bool:
    return bool(_COUNT_NAME.search(name)) and not _NOT_COUNT.search(name)


def _cell(value, name: str, fixed: bool) -> str:
    if value is None:
        return '<td class="t null">NULL</td>'
    if type(value) is bool:
        return f'<td class="t">{"true" if value else "false"}</td>'
    if isinstance(value, int | float) or type(value).__name__ == "Decimal":
        text = number(value) if isinstance(value, int) and _is_count(name) else str(value)
        return f'<td class="n">{html.escape(text)}</td>'
    if fixed and isinstance(value, str):
        return f'<td class="t">{marc_html(value)}</td>'
    return f'<td class="t">{html.escape(str(value))}</td>'


def _fixed_columns(names, row) -> set:
    lowered = [str(n).casefold() for n in names]
    fixed = {i for i, n in enumerate(lowered) if n in FIXED_COLUMNS}
    if "tag" in lowered:
        tag = row[lowered.index("tag")]
        if isinstance(tag, str) and re.fullmatch(r"00\d", tag.strip()):
            fixed |= {i for i, n in enumerate(lowered) if n in _CONTENT_COLUMNS}
    return fixed


def table_html(names, rows, total: int | None) -> str:
    """The course's HTML table of ``rows`` with a sentence giving the real row count."""
    head = "".join(f"<th>{html.escape(str(n))}</th>" for n in names)
    body = []
    for row in rows:
        fixed = _fixed_columns(names, row)
        cells = "".join(
            _cell(v, str(names[i]), i in fixed) for i, v in enumerate(row) if i < len(names)
        )
        body.append(f"<tr>{cells}</tr>")
    shown = len(rows)
    if total is not None and total > shown:
        footer = f"Showing {number(shown)} of {number(total)} rows."
    elif total is None:
        footer = f"Showing the first {number(shown)} rows."
    else:
        footer = f"{number(total)} row{'s' if total != 1 else ''}."
    return (
        f'{_STYLE}<table class="course-sql"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
        f'<p class="course-sql-count" style="text-align:left;font-style:italic">{footer}</p>'
    )


def _count(resultset) -> int | None:
    """The full row count of a cut result, asked of DuckDB on a separate cursor."""
    statement = str(getattr(resultset, "_statement", "") or "").strip().rstrip(";").strip()
    if not re.match(r"(select|from|with|pivot|values|table)\b", statement, re.I):
        return None
    try:
        raw = resultset._conn._connection
        cursor = raw.cursor()
        try:
            return int(cursor.execute(f"SELECT count(*) FROM ({statement})").fetchone()[0])
        finally:
            cursor.close()
    except Exception:
        return None


def result_html(resultset) -> str | None:
    """HTML for a jupysql ``ResultSet`` (None: let jupysql show it its own way)."""
    try:
        resultset.fetch_for_repr_if_needed()
        names = list(resultset.keys)
        if not names:
            return None
        limit = resultset._config.displaylimit
        rows = list(resultset._results)
        done = resultset._done_fetching()
        if limit:
            rows = rows[:limit]
        if done and (not limit or len(resultset._results) <= limit):
            total = len(resultset._results)
        else:
            total = _count(resultset)
        return table_html(names, [tuple(r) for r in rows], total)
    except Exception:  # a display must never fail a learner's cell
        return None


def install(shell) -> bool:
    """Register :func:`result_html` for jupysql results with ``shell`` (once)."""
    if _STATE["shell"] is shell:
        return True
    try:
        from sql.run.resultset import ResultSet
    except ImportError:
        return False
    formatter = shell.display_formatter.formatters["text/html"]
    formatter.for_type(ResultSet, result_html)
    _STATE["shell"] = shell
    return True
