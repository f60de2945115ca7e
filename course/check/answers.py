"""What a learner hands in, reduced to something the checks can trust.

An answer may be a SQL string, a jupysql ``ResultSet`` (from ``%sql`` or ``%%sql name <<``), a
pandas DataFrame, or -- for value exercises -- a number or a piece of text.  :func:`read_answer`
turns it into an :class:`Answer` holding only exact builtin types (a ``str`` subclass becomes a
plain ``str`` of the same characters; none of its methods are called).

A jupysql ``ResultSet`` carries the SQL it ran in ``_statement`` (with saved snippets already
expanded into a ``WITH`` clause), its column names in ``keys`` and its connection in ``_conn``;
the checks re-run that SQL themselves rather than trusting the rows it holds.
"""

from __future__ import annotations

import decimal
import re
import sys
from dataclasses import dataclass

import pandas

from course.check._safe import BUILTINS as __builtins__  # noqa: F401  (captured builtins)
from course.check._safe import plain_float, plain_int, plain_str

__all__ = ["Answer", "read_answer", "looks_like_sql", "type_name"]

_DataFrame = pandas.DataFrame
_Series = pandas.Series
_RangeIndex = pandas.RangeIndex
_reset_index = pandas.DataFrame.reset_index
_series_reset_index = pandas.Series.reset_index
_series_to_frame = pandas.Series.to_frame
_Decimal = decimal.Decimal
_SQL_START = re.compile(
    r"^\s*(\(|(select|with|from|values|table|summarize|describe|show|pivot)\b"
    r"|(create|insert|update|delete|drop|alter|pragma|explain|attach|detach|copy|export|install"
    r"|checkpoint|vacuum)\s)",
    re.I,
)
_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.S)


@dataclass(frozen=True, repr=False)
class Answer:
    """A learner's answer: ``form`` is sql, frame, resultset, scalar, text, missing or other."""

    form: str
    sql: str | None = None
    frame: object = None
    scalar: object = None
    type_name: str = ""

    def __repr__(self) -> str:
        return f"<Answer {self.form}>"


def type_name(obj) -> str:
    return type(obj).__name__


def looks_like_sql(text: str) -> bool:
    """Whether a piece of text reads as a query (starts with SELECT, WITH, FROM, ...)."""
    return bool(_SQL_START.match(_COMMENT.sub(" ", text)))


def _is_resultset(obj) -> bool:
    module = sys.modules.get("sql.run.resultset")
    return module is not None and type(obj) is getattr(module, "ResultSet", None)


def _frame(obj):
    """A plain DataFrame with a meaningful index turned back into columns."""
    if isinstance(obj, _Series):
        index = obj.index
        if type(index) is _RangeIndex and index.name is None:
            obj = _series_to_frame(obj)
        else:
            obj = _series_reset_index(obj)
    frame = obj if type(obj) is _DataFrame else _DataFrame(obj)
    index = frame.index
    if not (type(index) is _RangeIndex and index.name is None):
        frame = _reset_index(frame)
    return frame


def read_answer(answer) -> Answer:
    """Classify and copy a learner's answer (see the module docstring)."""
    kind = type(answer)
    if answer is None or answer is Ellipsis:
        return Answer("missing", type_name=type_name(answer))
    if isinstance(answer, str):
        text = plain_str(answer)
        if looks_like_sql(text):
            return Answer("sql", sql=text, type_name="str")
        return Answer("text", scalar=text, type_name="str")
    if kind is bool or isinstance(answer, bool):
        return Answer("scalar", scalar=bool(plain_int(answer)), type_name="bool")
    if isinstance(answer, int):
        return Answer("scalar", scalar=plain_int(answer), type_name="int")
    if isinstance(answer, float):
        return Answer("scalar", scalar=plain_float(answer), type_name="float")
    if kind is _Decimal:
        return Answer("scalar", scalar=answer, type_name="Decimal")
    if isinstance(answer, (_DataFrame, _Series)):
        return Answer("frame", frame=_frame(answer), type_name=type_name(answer))
    if _is_resultset(answer):
        statement = vars(answer).get("_statement")
        sql = plain_str(statement) if isinstance(statement, str) else None
        return Answer("resultset", sql=sql, frame=answer, type_name="ResultSet")
    module = type(answer).__module__ or ""
    if module.startswith("numpy") and hasattr(answer, "item"):
        item = answer.item()
        if type(item) in (int, float, bool, str):
            return read_answer(item)
    return Answer("other", type_name=type_name(answer))


def resultset_frame(resultset):
    """The rows a jupysql ``ResultSet`` holds, as a DataFrame (used when its SQL cannot re-run)."""
    return _frame(resultset.DataFrame())
