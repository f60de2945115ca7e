"""One plain sentence for each way a result can differ from the expected one.

The sentence names the likely cause and the clause to look at, using counts, column positions and
column names -- never a value from the expected result.
"""

from __future__ import annotations

import re

from course.check._safe import BUILTINS as __builtins__  # noqa: F401  (captured builtins)
from course.check.messages import number, plural

__all__ = ["describe", "fill_message", "first_difference", "row_text", "FAMILY_WORDS"]

FAMILY_WORDS = {
    "number": "numbers",
    "text": "text",
    "date": "dates",
    "bool": "true/false values",
    "interval": "time spans",
    "blob": "binary data",
    "list": "lists",
    "struct": "structured values",
    "null": "only NULLs",
    "other": "other values",
}

_STAR = re.compile(r"\bselect\s+(distinct\s+)?(\w+\.)?\*", re.I)
_ORDER_BY = re.compile(r"\border\s+by\b", re.I)
_JOIN = re.compile(r"\bjoin\b|\bfrom\s+[\w.]+(\s+(as\s+)?\w+)?\s*,", re.I)


def _names(names) -> str:
    names = list(names)
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def describe(diff, mine, ref, sql: str | None) -> str:
    """The sentence for a :class:`course.check.results.Diff` (``mine`` vs ``ref`` tables)."""
    info = diff.info
    if diff.stage == "columns":
        if diff.reason == "count":
            have, want = info["have"], info["want"]
            start = f"Your result has {plural(have, 'column')}; this question asks for {want}"
            if have > want and sql and _STAR.search(sql):
                return start + ": list only the columns it asks for instead of SELECT *."
            if have > want:
                return start + ": remove the extra columns from the list after SELECT."
            return start + ": a column is missing from the list after SELECT (check the commas)."
        if diff.reason == "names":
            missing = info["missing"]
            word = "a column" if len(missing) == 1 else "columns"
            return (
                f"This question expects {word} named {_names(missing)}, which your result does "
                "not have: name your columns with AS."
            )
        return (
            f"Your columns are right but in a different order: list them as {_names(info['want'])}."
        )
    if diff.stage == "rows":
        have, want = info["have"], info["want"]
        if have == 0:
            return (
                f"Your query returns no rows, expected {number(want)}: check the WHERE "
                "conditions, and the spelling and capitals of any text you compare."
            )
        if have == 1 and want > 1:
            return (
                f"You have 1 row, expected {number(want)}: did you summarise the whole table "
                "instead of each group (GROUP BY)?"
            )
        joins = bool(sql) and bool(_JOIN.search(sql))
        if have > want:
            tail = ", and whether a join repeats rows" if joins else ""
            return (
                f"You have {plural(have, 'row')}, expected fewer ({number(want)}): check the "
                f"WHERE conditions{tail}."
            )
        what = "a WHERE condition or an inner join" if joins else "a WHERE condition"
        return (
            f"You have {plural(have, 'row')}, expected more ({number(want)}): {what} may drop "
            "rows that should stay."
        )
    if diff.stage == "values":
        if diff.reason == "types":
            have = FAMILY_WORDS.get(info["have"], info["have"])
            want = FAMILY_WORDS.get(info["want"], info["want"])
            return (
                f"Column {info['position']} ({info['name']}) holds {have} but {want} are "
                "expected: check quotes, CAST and what that column is made from."
            )
        if diff.reason == "column":
            return (
                "You have the right number of rows, but the values in column "
                f"{info['position']} ({info['name']}) are not the expected ones: check how it "
                "is calculated and which rows you keep."
            )
        return (
            "Each column holds the right values, but they are paired up wrongly across rows: "
            "check the join condition (ON) and GROUP BY."
        )
    if diff.stage == "order":
        if sql is not None and not _ORDER_BY.search(sql):
            return "Your rows are right but in no particular order: add ORDER BY."
        position = info.get("position")
        if position is not None and mine is not None and position < len(mine.rows):
            return (
                f"Your rows are right but not in the expected order: the first one out of place "
                f"is your row {number(position + 1)}, {row_text(mine.rows[position])}; check "
                "the ORDER BY columns and ASC or DESC."
            )
        return (
            "Your rows are right but not in the expected order: check the ORDER BY columns "
            "and ASC or DESC."
        )
    return "Your result is not the expected one."


def _cell_text(key) -> str:
    family, value = key[0], key[1] if len(key) > 1 else None
    if family == 0 or value is None:
        return "NULL"
    if family == 2:  # as the learner's table shows it: no separators (years, IDs)
        if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return str(value)
    text = str(value)
    if family == 4:
        text = text if len(text) <= 40 else text[:39] + "…"
        return f"'{text}'"
    return text


def row_text(row) -> str:
    """A learner's row as ``(1204, 'Title', 1999)`` (at most five values)."""
    cells = [_cell_text(k) for k in row[:5]]
    return "(" + ", ".join(cells) + (", …" if len(row) > 5 else "") + ")"


def first_difference(mine, ref) -> str:
    """One clause naming the first row that differs (``""`` when none can be named)."""
    if mine is None or ref is None or mine.truncated or ref.truncated:
        return ""
    if mine.ncols == ref.ncols:
        pool = {}
        for row in ref.rows:
            pool[row] = pool.get(row, 0) + 1
        for i, row in enumerate(mine.rows):
            if pool.get(row, 0):
                pool[row] -= 1
            else:
                return (
                    f"there, your row {number(i + 1)}, {row_text(row)}, is not in the expected "
                    "result."
                )
        for row, left in pool.items():
            if left:
                return f"there, the expected result has the row {row_text(row)}; yours does not."
    return (
        f"there it has {plural(mine.nrows, 'row')} and {plural(mine.ncols, 'column')}, "
        f"expected {plural(ref.nrows, 'row')} and {plural(ref.ncols, 'column')}."
    )


class _Fields(dict):
    def __missing__(self, key):
        return "{" + key + "}"


def fill_message(template: str, mine, ref) -> str:
    """Fill a bank message's ``{rows}``, ``{expected_rows}``, ``{columns}``... placeholders."""
    fields = _Fields(
        rows=number(mine.nrows) if mine is not None else "?",
        columns=number(mine.ncols) if mine is not None else "?",
        expected_rows=number(ref.nrows) if ref is not None else "?",
        expected_columns=number(ref.ncols) if ref is not None else "?",
    )
    try:
        return template.format_map(fields)
    except (ValueError, IndexError, AttributeError):
        return template
