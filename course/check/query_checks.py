"""Checking query and value exercises, visibly (library) or hidden (shadow).

Visible: the learner's answer against the reference on the learner database, in the fixed order
it runs -> columns -> row count -> values -> order.  Hidden: the learner's SQL re-run on the
shadow database (same tables, different records) against the reference there, so a typed-in
result cannot pass.  Whenever an answer fails, its result is also compared with each listed
mistake of the exercise; a match gives that mistake's own message.
"""

from __future__ import annotations

import re
from dataclasses import replace

from course.check import database, stored
from course.check._safe import BUILTINS as __builtins__  # noqa: F401  (captured builtins)
from course.check.answers import read_answer, resultset_frame
from course.check.bank import BankError, Exercise
from course.check.cells import Table, cell
from course.check.database import SqlProblem
from course.check.explain import describe, fill_message, first_difference
from course.check.feedback import Result, failed, passed
from course.check.fingerprint import StoredTable, compare_stored
from course.check.fingerprint import fingerprint as table_fingerprint
from course.check.messages import number, plural
from course.check.results import Spec, compare, same_cell
from course.check.sqltext import (
    diagnose,
    reference_features,
    strip_comments,
    typed_in_literals,
)

__all__ = ["evaluate_query", "evaluate_value", "reference", "learner_table", "fingerprint"]

NOT_A_QUERY = (
    "The hidden check re-runs your query on a second copy of the data, so your answer must be "
    "a SQL query in quotes, not a table of results or a typed-in value."
)
NO_TABLE = (
    "Your query does not read any table, so it cannot follow the data: compute the answer "
    "with FROM and the table(s) that hold it, instead of typing in values."
)


def reference(ex: Exercise, db: str, sql: str | None = None) -> Table:
    """The (cached) result of the exercise's reference query, or of ``sql``, on ``db``."""
    try:
        return database.cached_select(sql or ex.reference, db)
    except SqlProblem as problem:
        if problem.tag == "data":
            raise
        raise BankError(
            f"The reference SQL of {ex.qid} does not run on the {db} database: {problem.sentence}"
        ) from None


def _unusable(answer) -> tuple[str, str]:
    if answer.form == "missing":
        return "answer", "There is no answer yet: assign your SQL query (in quotes) to the answer."
    what = _KINDS_OF_ANSWER.get(answer.type_name, f"a Python {answer.type_name} object")
    return "answer", (
        f"Your answer is {what}; this question wants a SQL query in quotes (or the result of %sql)."
    )


_KINDS_OF_ANSWER = {
    "int": "a number",
    "float": "a number",
    "Decimal": "a number",
    "bool": "True or False",
    "list": "a list",
    "tuple": "a tuple",
    "dict": "a dictionary",
    "set": "a set",
}


OVERFIT_TYPED = (
    "Your query is right on the course data but not on a second copy with different records: "
    "it relies on values typed in ({}) instead of conditions that say what you want."
)
OTHER_DATA = (
    "Your query is right on the course data but gives a different result on a second copy "
    "with different records"
)
OVERFIT = (
    "Your query is right on the course data but not on a second copy with different records: "
    "does it rely on values typed in (record numbers, counts, titles) instead of conditions "
    "that say what you want?"
)


def learner_table(answer, db: str, *, hidden: bool) -> Table:
    """Run or read the learner's answer; raises :class:`SqlProblem` with a sentence."""
    if answer.form in ("sql", "resultset") and answer.sql is not None:
        try:
            return database.run_select(answer.sql, db)
        except SqlProblem as problem:
            if answer.form != "resultset" or hidden or problem.tag not in ("sql",):
                raise
        return database.run_dataframe(resultset_frame(answer.frame))
    if answer.form in ("frame", "resultset"):
        if hidden:
            raise SqlProblem("literal", NOT_A_QUERY)
        frame = answer.frame if answer.form == "frame" else resultset_frame(answer.frame)
        return database.run_dataframe(frame)
    if answer.form == "text":
        text = answer.scalar
        if not database.has_code(text):
            raise SqlProblem(
                "empty", "Your answer is empty: write a SELECT query between the quotes."
            )
        raise SqlProblem(
            "answer",
            "Your answer does not start like a query: begin it with SELECT (or WITH or FROM).",
        )
    raise SqlProblem(*_unusable(answer))


def _order_indexes(ex: Exercise, ref: Table) -> tuple:
    out = []
    lowered = [n.casefold() for n in ref.names]
    for item in ex.order_by:
        if isinstance(item, int):
            out.append(item - 1)
        elif str(item).casefold() in lowered:
            out.append(lowered.index(str(item).casefold()))
        else:
            raise BankError(f"{ex.qid}: order_by names {item!r}, which the reference lacks.")
    return tuple(out)


def _mistake_spec(spec: Spec, ncols: int) -> Spec:
    keys = spec.order_by if all(k < ncols for k in spec.order_by) else ()
    return replace(spec, names="loose", column_order="any", order_by=keys)


def _shows(mistake, sql: str | None) -> bool:
    """Whether the answer's text shows a mistake: needed for a mistake whose result has no rows
    (issue 9.16: an empty result alone matches every empty answer, whatever its cause), and
    enough for one whose result depends on how ties fall (see :func:`_by_text`)."""
    if not mistake.text or not sql:
        return False
    try:
        return re.search(mistake.text, strip_comments(sql), re.I | re.S) is not None
    except re.error:
        raise BankError(f"The text pattern of mistake {mistake.tag} is not valid.") from None


def _matching_mistake(ex: Exercise, mine: Table, db: str, spec: Spec, ref: Table, sql=None):
    """The listed mistake whose result the learner's equals: first with the exercise's own
    ordering, then ignoring order (a learner who made the mistake AND sorted differently
    still deserves the mistake's sentence rather than a generic one).  Mistakes that are only
    about order (same rows as the reference) take part in the first pass only."""
    candidates = []
    for mistake in ex.mistakes:
        if mistake.sql is None:
            continue
        try:
            theirs = database.cached_select(mistake.sql, db)
        except SqlProblem:
            continue

        def ordering_only(theirs=theirs):
            unordered = replace(_mistake_spec(spec, theirs.ncols), ordered=False)
            return compare(theirs, ref, unordered).ok

        candidates.append((mistake, theirs, ordering_only))
    return _pick_mistake(candidates, mine, spec, sql, compare)


def _pick_mistake(candidates, mine, spec: Spec, sql, cmp):
    """The first listed mistake (``(mistake, its result, ordering_only())``) the answer makes;
    ``cmp`` compares the learner's result with a mistake's (a Table, or a stored fingerprint)."""
    candidates = [
        (mistake, theirs, only)
        for mistake, theirs, only in candidates
        if not (mine.nrows == 0 and theirs.nrows == 0 and not _shows(mistake, sql))
    ]
    for mistake, theirs, _only in candidates:
        if cmp(mine, theirs, _mistake_spec(spec, theirs.ncols)).ok:
            return mistake
    if not spec.ordered:
        return _by_text(candidates, mine, sql)
    for mistake, theirs, ordering_only in candidates:
        if ordering_only():
            continue  # an ordering mistake: it must match in order, as above
        unordered = replace(_mistake_spec(spec, theirs.ncols), ordered=False)
        if cmp(mine, theirs, unordered).ok:
            return mistake
    return _by_text(candidates, mine, sql)


def _by_text(candidates, mine: Table, sql: str | None):
    """A mistake whose ``text`` pattern the answer shows and whose result has the answer's shape.

    Some mistakes give a result that depends on how the database breaks ties (ROW_NUMBER or
    NTILE without a tie-break, LAG over no order): the learner's rows need not equal the listed
    mistake's rows, so the text of the answer names the mistake, and the shape confirms it."""
    for mistake, theirs, _only in candidates:
        if (
            mistake.text
            and mine.nrows == theirs.nrows
            and mine.ncols == theirs.ncols
            and _shows(mistake, sql)
        ):
            return mistake
    return None


def evaluate_query(ex: Exercise, raw_answer, *, hidden: bool = False) -> Result:
    """Check a query exercise; returns a :class:`Result` (never prints, never raises on answers)."""
    entry = stored.entry(ex)
    if entry is not None:
        return _evaluate_stored_query(ex, entry, raw_answer)
    db = "shadow" if hidden else "library"
    ref = reference(ex, db)
    answer = read_answer(raw_answer)
    try:
        mine = learner_table(answer, db, hidden=hidden)
    except SqlProblem as problem:
        return failed(ex, problem.sentence, "runs", problem.tag, hidden=hidden)
    if ref.reads_tables and not mine.reads_tables and answer.sql is not None:
        return failed(ex, NO_TABLE, "runs", "literal", hidden=hidden)
    spec = replace(ex.spec, order_by=_order_indexes(ex, ref))
    diff = compare(mine, ref, spec)
    if diff.ok:
        if hidden:
            return passed(ex, "correct on a second copy of the data too.", hidden=True)
        shape = f"{plural(ref.nrows, 'row')}, {plural(ref.ncols, 'column')}"
        return passed(ex, f"correct ({shape}).")
    mistake = _matching_mistake(ex, mine, db, spec, ref, answer.sql)
    if mistake is not None:
        sentence = fill_message(mistake.message, mine, ref)
        return failed(ex, sentence, diff.stage, mistake.tag, hidden=hidden)
    if hidden and evaluate_query(ex, raw_answer).passed:
        # Right on the course data, wrong on other records: say "typed in" only when the text
        # holds values that explain it; otherwise name the first difference.
        typed = typed_in_literals(answer.sql, ex.reference)
        if typed:
            shown = ", ".join(typed[:3])
            return failed(ex, OVERFIT_TYPED.format(shown), diff.stage, "overfit", hidden=True)
        first = first_difference(mine, ref)
        sentence = OTHER_DATA + (f": {first}" if first else ".")
        return failed(ex, sentence, diff.stage, "other_data", hidden=True)
    rule = diagnose(answer.sql, diff, mine, ref, ex.reference)
    if rule is not None:
        return failed(ex, rule[1], diff.stage, rule[0], hidden=hidden)
    sentence = describe(diff, mine, ref, answer.sql)
    if hidden:
        sentence = "On a second copy of the data with different records, " + _lower(sentence)
    return failed(ex, sentence, diff.stage, diff.stage, hidden=hidden)


# -- value exercises ----------------------------------------------------------------------------


def _scalar_of(table: Table) -> tuple | None:
    if table.nrows != 1 or table.ncols != 1 or not table.rows:
        return None
    return table.rows[0][0]


def _parse_number(text: str):
    cleaned = text.strip().replace(",", "").replace("_", "")
    for kind in (int, float):
        try:
            return kind(cleaned)
        except ValueError:
            continue
    return None


def _same_value(ex: Exercise, mine: tuple, want) -> bool:
    if isinstance(want, _StoredValue):
        return want.matches(mine)
    if mine[0] == 4 and want[0] == 4 and ex.text_match != "exact":
        return mine[1].strip().casefold() == want[1].strip().casefold()
    return same_cell(mine, want, ex.spec.tolerance)


def _shown(key: tuple) -> str:
    if key[0] == 2:
        return number(key[1])
    if key[0] == 4:
        text = key[1] if len(key[1]) <= 40 else key[1][:39] + "…"
        return f"'{text}'"
    if key[0] == 0:
        return "NULL"
    return "that"


def evaluate_value(ex: Exercise, raw_answer, *, hidden: bool = False) -> Result:
    """Check a value exercise: one number or piece of text against the reference's single value."""
    entry = stored.entry(ex)
    db = "shadow" if hidden else "library"
    if entry is not None:
        ref, want = _ONE_BY_ONE, _StoredValue(entry["want"], ex)
    else:
        ref = reference(ex, db)
        want = _scalar_of(ref)
    if want is None:
        raise BankError(f"The reference of {ex.qid} must give one row with one column.")
    answer = read_answer(raw_answer)
    mine = None
    if answer.form in ("sql", "resultset", "frame"):
        try:
            table = learner_table(answer, db, hidden=hidden)
        except SqlProblem as problem:
            return failed(ex, problem.sentence, "runs", problem.tag, hidden=hidden)
        if hidden and ref.reads_tables and not table.reads_tables and answer.sql is not None:
            return failed(ex, NO_TABLE, "runs", "literal", hidden=True)
        mine = _scalar_of(table)
        if mine is None:
            return failed(
                ex,
                f"Your query gives {plural(table.nrows, 'row')} and "
                f"{plural(table.ncols, 'column')}; this question wants a single value (one row, "
                "one column).",
                "columns" if table.ncols != 1 else "rows",
                hidden=hidden,
            )
    elif hidden:
        return failed(ex, NOT_A_QUERY, "runs", "literal", hidden=True)
    elif answer.form == "scalar":
        mine = cell(answer.scalar)
    elif answer.form == "text":
        mine = (4, answer.scalar)
        if want[0] == 2:
            parsed = _parse_number(answer.scalar)
            if parsed is None:
                return failed(
                    ex,
                    "This question wants a number, and your answer is text: give the number "
                    "without quotes (or a query that counts it).",
                    "values",
                    "answer",
                )
            mine = cell(parsed)
    else:
        tag, sentence = _unusable(answer)
        return failed(ex, sentence, "runs", tag, hidden=hidden)
    if want[0] == 4 and mine[0] == 2:
        mine = (4, answer.scalar if answer.form == "text" else str(mine[1]))
    if _same_value(ex, mine, want):
        note = " on a second copy of the data too" if hidden else ""
        return passed(ex, f"correct{note}.", hidden=hidden)
    for index, mistake in enumerate(ex.mistakes):
        if entry is not None:
            stored_mistake = entry["mistakes"][index]
            theirs = None if stored_mistake is None else _StoredValue(stored_mistake, ex)
        elif mistake.has_value:
            theirs = cell(mistake.value)
        elif mistake.sql is not None:
            try:
                theirs = _scalar_of(database.cached_select(mistake.sql, db))
            except SqlProblem:
                theirs = None
        else:
            theirs = None
        if theirs is not None and _same_value(ex, mine, theirs):
            sentence = fill_message(mistake.message, None, ref)
            return failed(ex, sentence, "values", mistake.tag, hidden=hidden)
    what = "number" if want[0] == 2 else "value"
    sentence = (
        f"Your answer {_shown(mine)} is not the {what} the data gives: check what your query "
        "counts or adds up, and its WHERE conditions."
    )
    if hidden:
        sentence = "On a second copy of the data with different records, " + _lower(sentence)
    return failed(ex, sentence, "values", hidden=hidden)


def _lower(sentence: str) -> str:
    return sentence[0].lower() + sentence[1:]


# -- the learner build: stored results instead of references (course.check.stored) -------------

#: A value exercise's reference result is one row and one column (what its messages may say).
_ONE_BY_ONE = StoredTable(
    {
        "names": ["value"],
        "families": ["other"],
        "nrows": 1,
        "truncated": False,
        "reads_tables": True,
        "loose": [],
        "columns": [],
        "rows": {},
    }
)


def _stored_scalar(key: tuple, ex: Exercise) -> dict:
    """How a value exercise's expected value (or a listed mistake's) is stored: a digest, unless
    a tolerance or decimals make the check compare numbers within a margin."""
    family = key[0]
    if family == 4 and ex.text_match != "exact":
        return {"family": 4, "fold": stored.digest(key[1].strip().casefold())}
    if family == 2:
        whole = type(key[1]) is int or (
            isinstance(key[1], float) and key[1].is_integer() and abs(key[1]) < 2**53
        )
        if whole and not ex.spec.tolerance:
            return {"family": 2, "digest": stored.digest([2, int(key[1])])}
        from course.check.fingerprint import _rounded

        return {"family": 2, "number": _rounded(key, ex.spec.tolerance)}
    return {"family": family, "digest": stored.digest(list(key))}


class _StoredValue:
    """An expected value read back from the learner build; ``[0]`` is its family, as for a key."""

    def __init__(self, data: dict, ex: Exercise):
        self.data = data
        self.tolerance = ex.spec.tolerance

    def __getitem__(self, index):
        if index == 0:
            return self.data["family"]
        raise IndexError("a stored value shows its family only")

    def matches(self, mine: tuple) -> bool:
        data = self.data
        if "fold" in data:
            return mine[0] == 4 and stored.digest(mine[1].strip().casefold()) == data["fold"]
        if "number" in data:
            return same_cell(mine, tuple(data["number"]), self.tolerance)
        if data["family"] == 2:
            from course.check.fingerprint import _exact

            return stored.digest(list(_exact(mine))) == data["digest"]
        return stored.digest(list(mine)) == data["digest"]


def fingerprint(ex: Exercise) -> dict:
    """What the learner build stores for a query or value exercise, computed on the course data.

    Query: the reference result's fingerprint (:mod:`course.check.fingerprint`), the features of
    the reference's text that :func:`~course.check.sqltext.diagnose` reads, and per listed mistake
    its result's fingerprint (None when it has no SQL or does not run) and whether it differs
    from the reference only in order.  Value: the expected value and each mistake's, as digests
    (numbers within a tolerance: rounded far below it).
    """
    ref = reference(ex, "library")
    if ex.kind == "value":
        want = _scalar_of(ref)
        if want is None:
            raise BankError(f"The reference of {ex.qid} must give one row with one column.")
        mistakes = []
        for mistake in ex.mistakes:
            theirs = None
            if mistake.has_value:
                theirs = cell(mistake.value)
            elif mistake.sql is not None:
                try:
                    theirs = _scalar_of(database.cached_select(mistake.sql, "library"))
                except SqlProblem:
                    theirs = None
            mistakes.append(None if theirs is None else _stored_scalar(theirs, ex))
        return {"want": _stored_scalar(want, ex), "mistakes": mistakes}
    spec = replace(ex.spec, order_by=_order_indexes(ex, ref))
    mistakes = []
    for mistake in ex.mistakes:
        if mistake.sql is None:
            mistakes.append(None)
            continue
        try:
            theirs = database.cached_select(mistake.sql, "library")
        except SqlProblem:
            mistakes.append(None)
            continue
        mspec = _mistake_spec(spec, theirs.ncols)
        data = table_fingerprint(
            theirs,
            tolerance=spec.tolerance,
            order_keys=mspec.order_by if spec.ordered else None,
        )
        unordered = replace(mspec, ordered=False)
        data["ordering_only"] = bool(spec.ordered and compare(theirs, ref, unordered).ok)
        mistakes.append(data)
    return {
        "result": table_fingerprint(
            ref, tolerance=spec.tolerance, order_keys=spec.order_by if spec.ordered else None
        ),
        "features": reference_features(ex.reference),
        "mistakes": mistakes,
    }


def _evaluate_stored_query(ex: Exercise, entry: dict, raw_answer) -> Result:
    """:func:`evaluate_query`'s visible check against the stored fingerprint (learner build)."""
    ref = StoredTable(entry["result"])
    answer = read_answer(raw_answer)
    try:
        mine = learner_table(answer, "library", hidden=False)
    except SqlProblem as problem:
        return failed(ex, problem.sentence, "runs", problem.tag)
    if ref.reads_tables and not mine.reads_tables and answer.sql is not None:
        return failed(ex, NO_TABLE, "runs", "literal")
    spec = replace(ex.spec, order_by=_order_indexes(ex, ref))
    diff = compare_stored(mine, ref, spec)
    if diff.ok:
        shape = f"{plural(ref.nrows, 'row')}, {plural(ref.ncols, 'column')}"
        return passed(ex, f"correct ({shape}).")
    candidates = []
    for mistake, data in zip(ex.mistakes, entry["mistakes"], strict=True):
        if data is None:
            continue
        only = bool(data.get("ordering_only"))
        candidates.append((mistake, StoredTable(data), lambda only=only: only))
    mistake = _pick_mistake(candidates, mine, spec, answer.sql, compare_stored)
    if mistake is not None:
        sentence = fill_message(mistake.message, mine, ref)
        return failed(ex, sentence, diff.stage, mistake.tag)
    rule = diagnose(answer.sql, diff, mine, ref, features=entry["features"])
    if rule is not None:
        return failed(ex, rule[1], diff.stage, rule[0])
    return failed(ex, describe(diff, mine, ref, answer.sql), diff.stage, diff.stage)
