"""Feedback that reads the answer's SQL text before guessing from its result.

A wrong result alone often points the wrong way ("a WHERE condition may drop rows" when the cause
is a LIMIT).  These rules look for what a beginner really types -- ``<> NULL``, ``= 'NULL'``,
``LIKE '*library*'``, a LIMIT the question does not want, a missing tie-break before LIMIT,
``SELECT *`` where a count is wanted -- and name it in one sentence.  Each rule fires only when
the text shows the mistake *and* the result is wrong in the way that mistake makes it wrong.
Generic: every exercise of every module gets them; a bank's listed mistakes still come first.
"""

from __future__ import annotations

import re

from course.check._safe import BUILTINS as __builtins__  # noqa: F401  (captured builtins)
from course.check.messages import number

__all__ = ["diagnose", "typed_in_literals", "strip_comments"]

_COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/", re.S)
_STRING = re.compile(r"'(?:[^']|'')*'")
_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.])")
_I = re.I


def strip_comments(sql: str) -> str:
    return _COMMENTS.sub(" ", sql or "")


def _code(sql: str) -> str:
    """The SQL with comments removed and every text literal replaced by ''."""
    return _STRING.sub("''", strip_comments(sql))


def _literals(sql: str) -> tuple[set, set]:
    text = strip_comments(sql)
    strings = {m.group(0)[1:-1].replace("''", "'").casefold() for m in _STRING.finditer(text)}
    numbers = set(_NUMBER.findall(_STRING.sub("''", text)))
    return strings, numbers


def typed_in_literals(sql: str, reference: str) -> list[str]:
    """Values in the answer that look copied from the data (record numbers, counts, titles) and
    that the reference does not use: numbers (other than 0 and 1), texts of four or more
    characters (not LIKE patterns), or three or more short literals in one IN list.  A one- or
    two-letter code (a MARC code such as 'j') is a condition, not a value copied from the data."""
    if not sql:
        return []
    mine_s, mine_n = _literals(sql)
    ref_s, ref_n = _literals(reference or "")
    out = [n for n in sorted(mine_n - ref_n) if n not in ("0", "1")]
    out += [f"'{s}'" for s in sorted(mine_s - ref_s) if len(s) >= 4 and "%" not in s]
    for group in re.finditer(r"\bin\s*\(([^()]*)\)", strip_comments(sql), _I):
        items = [x.strip() for x in group.group(1).split(",") if x.strip()]
        if len(items) >= 3 and not re.search(r"\bselect\b", group.group(1), _I):
            new = [x for x in items if x.strip("'").casefold() not in ref_s | ref_n]
            if len(new) >= 3:
                out += new[:3]
    return out


def _limit(code: str) -> int | None:
    found = re.search(r"\blimit\s+(\d+)\s*;?\s*$", code.strip(), _I)
    return int(found.group(1)) if found else None


def _order_keys(code: str) -> list[str]:
    found = re.search(r"\border\s+by\b(.*?)(\blimit\b|\boffset\b|;|$)", code, _I | re.S)
    if not found:
        return []
    depth, keys, current = 0, [], ""
    for ch in found.group(1):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            keys.append(current.strip())
            current = ""
        else:
            current += ch
    if current.strip():
        keys.append(current.strip())
    return keys


def _like_patterns(sql: str):
    """(operator, pattern) for each LIKE / ILIKE with a text pattern."""
    text = strip_comments(sql)
    return [
        (m.group(1).upper(), m.group(2).replace("''", "'"))
        for m in re.finditer(r"\b(i?like)\s+'((?:[^']|'')*)'", text, _I)
    ]


def reference_features(reference_sql: str) -> dict:
    """What :func:`diagnose` needs to know of the reference's text -- never the text itself, so a
    learner build can store it: whether it tests IS [NOT] NULL, uses a *, its first LIKE/ILIKE
    (operator and whether the pattern starts with %), whether it ends in LIMIT, how many ORDER BY
    keys it has, and whether it counts."""
    ref_code = _code(reference_sql or "")
    like = _like_patterns(reference_sql or "")
    return {
        "is_null": bool(re.search(r"\bis\s+(not\s+)?null\b", ref_code, _I)),
        "star": "*" in (reference_sql or ""),
        "like": [like[0][0], like[0][1].startswith("%")] if like else None,
        "limit": _limit(ref_code) is not None,
        "order_keys": len(_order_keys(ref_code)),
        "counts": bool(re.search(r"\bcount\s*\(", ref_code, _I)),
    }


def diagnose(
    sql: str | None, diff, mine, ref, reference_sql: str | None = None, *, features=None
) -> tuple[str, str] | None:
    """``(tag, sentence)`` when the answer's text explains why its result is wrong, else None.

    The reference is known by its :func:`reference_features` (given, or read from its text)."""
    if not sql:
        return None
    feats = features if features is not None else reference_features(reference_sql or "")
    code = _code(sql)
    raw = strip_comments(sql)
    have = mine.nrows if mine is not None else None
    want = ref.nrows if ref is not None else None

    if re.search(r"(<>|!=)\s*null\b|\bnull\s*(<>|!=)", code, _I):
        return (
            "not_equals_null",
            "`<> NULL` is never true, because nothing is equal or unequal to NULL (not even "
            "NULL): to keep the rows that have a value, write IS NOT NULL.",
        )
    if re.search(r"(?<![<>!])=\s*null\b|\bnull\s*=(?!=)", code, _I):
        return (
            "equals_null",
            "`= NULL` is never true, because nothing is equal to NULL (not even NULL): to find "
            "missing (NULL) values, write IS NULL.",
        )
    if re.search(r"(=|<>|!=|\bin\s*\()\s*'null'", raw, _I):
        return (
            "null_as_text",
            "'NULL' in quotes is the four letters N-U-L-L, which no record holds, not a missing "
            "value: to find missing (NULL) values, write IS NULL without quotes.",
        )
    blank = re.search(r"(?<![<>!])=\s*''(?!')", raw)
    if blank and feats["is_null"]:
        return (
            "blank_not_null",
            "'' is an empty piece of text, which is not the same as a missing (NULL) value: to "
            "find missing values, write IS NULL.",
        )
    for op, pattern in _like_patterns(sql):
        if "*" in pattern and not feats["star"]:
            return (
                "star_wildcard",
                f"In SQL the wildcard of {op} is %, not * (the * of catalog searches is an "
                f"ordinary character here): write '{pattern.replace('*', '%')}'.",
            )
    if feats["like"]:
        ref_op, ref_anywhere = feats["like"]
        for op, pattern in _like_patterns(sql):
            if ref_anywhere and not pattern.startswith("%") and pattern:
                return (
                    "like_anchor",
                    f"The pattern '{pattern}' matches only text that starts with "
                    f"'{pattern.rstrip('%')}': put % at both ends to find it anywhere.",
                )
            if (
                op == "LIKE"
                and ref_op == "ILIKE"
                and re.search(r"[A-Za-z]", pattern)
                and have is not None
                and want is not None
                and have < want
            ):
                return (
                    "like_capitals",
                    f"LIKE tells capitals apart, so '{pattern}' misses text written with other "
                    "capitals (library, Library, LIBRARY): use ILIKE to ignore capitals.",
                )
    limit = _limit(code)
    if diff.stage == "rows" and limit is not None and have == limit and not feats["limit"]:
        return (
            "limit",
            f"Your query stops at LIMIT {limit}, so it shows {number(limit)} of the "
            f"{number(want)} rows this question wants: remove the LIMIT (it is for looking at a "
            "few rows, not for an answer that wants them all).",
        )
    if (
        diff.stage in ("values", "order")
        and limit is not None
        and feats["limit"]
        and 0 < len(_order_keys(code)) < feats["order_keys"]
    ):
        first = _order_keys(code)[0].split()[0]
        return (
            "tie_break",
            f"Many rows share the same {first}, so LIMIT keeps whichever of the tied rows the "
            "database meets first: add a second ORDER BY column that is unique (such as the "
            "record's ID) to break the ties.",
        )
    star = re.search(r"\bselect\s+(distinct\s+)?(\w+\.)?\*", code, _I)
    wants_count = (
        ref is not None
        and ref.nrows == 1
        and ref.ncols == 1
        and feats["counts"]
        and not re.search(r"\bcount\s*\(", code, _I)
    )
    if star and wants_count:
        return (
            "select_star_count",
            "This question wants a count (one number), and SELECT * lists the rows themselves: "
            "write SELECT count(*) to count them.",
        )
    return None
