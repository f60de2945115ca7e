"""Checks of answers that are Python functions: ``kind: python`` exercises (module 07 on).

The learner writes a function (``def isbn10_to_13(isbn): ...``); the check calls it on the
exercise's ``cases`` -- rows of a query run on the course data (visible check) or on the shadow
data (hidden check), so a function that only knows the visible records' answers fails -- and
compares each result with the reference function's, in the cases' order, stopping at the first
difference with one sentence that names the input.

``input`` says what a case's first column becomes before the call: ``value`` (as is), ``raw``
(the record's ISO 2709 bytes), ``record`` (a fresh pymarc Record) or ``marcxml`` (the record's
MARCXML bytes); more columns are passed as they are.  ``compare: xml`` reads results as XML
documents and names the first element that differs, in document order, after canonicalization.

Tamper guarantees, as for queries: results are turned into plain builtin values here
(:func:`plain`), with functions captured at import and the base types' own slots, before any
comparison -- an object whose ``__eq__`` says True, a ``str`` subclass, a Record subclass with a
made-up ``fields`` property, or a rebound ``len`` changes nothing.  Every call gets freshly made
inputs, so a function that changes the record it is given cannot change the reference's.
"""

from __future__ import annotations

import contextlib as _contextlib
import io as _io

import pymarc as _pymarc
from lxml import etree as _etree

from course import records as _records
from course.check import database
from course.check._safe import BUILTINS as __builtins__  # noqa: F401  (captured builtins)
from course.check._safe import plain_float, plain_int, plain_str
from course.check.bank import BankError, Exercise
from course.check.feedback import Result, failed, passed

__all__ = ["evaluate_python", "plain", "xml_difference", "clear_cache", "NotPlain"]

_object_get = object.__getattribute__
_dict_items = dict.items
_list_iter = list.__iter__
_tuple_iter = tuple.__iter__
_set_iter = set.__iter__
_frozenset_iter = frozenset.__iter__
_Record = _pymarc.Record
_Field = _pymarc.Field
_Leader = _pymarc.Leader
_Element = _etree._Element
_tostring = _etree.tostring
_fromstring = _etree.fromstring
_XMLParser = _etree.XMLParser
_XMLSyntaxError = _etree.XMLSyntaxError
_QName = _etree.QName
_canonicalize = _etree.canonicalize
_raw = _records.raw
_record_from = _pymarc.Record
_record_to_xml = _pymarc.record_to_xml
_callable = callable
_repr = repr

_CACHE: dict = {}
_NAMESPACES = {
    "http://purl.org/dc/elements/1.1/": "dc",
    "http://www.openarchives.org/OAI/2.0/oai_dc/": "oai_dc",
    "http://www.loc.gov/MARC21/slim": "marc",
    "http://id.loc.gov/ontologies/bibframe/": "bf",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf",
}


class NotPlain(ValueError):
    """A result the check cannot read as data (a function, an open file, ...)."""


def clear_cache() -> None:
    _CACHE.clear()


# -- learner objects to plain values ---------------------------------------------------------


def plain(obj, depth: int = 0):
    """``obj`` as exact builtin values (tuples, str, int, float, bytes, None, bool), or NotPlain."""
    if depth > 40:
        raise NotPlain("something nested too deeply")
    if obj is None or obj is True or obj is False:
        return obj
    if isinstance(obj, str):
        return plain_str(obj)
    if isinstance(obj, int):
        return plain_int(obj)
    if isinstance(obj, float):
        return plain_float(obj)
    if isinstance(obj, (bytes, bytearray)):
        return bytes(memoryview(obj))
    if isinstance(obj, _Record):
        if type(obj) is not _Record:  # a subclass could answer attribute reads as it likes
            raise NotPlain("a kind of record of its own; return the pymarc Record itself")
        return _plain_record(obj, depth)
    if isinstance(obj, _Field):
        return _plain_field(obj, depth)
    if isinstance(obj, _Element):
        return ("xml", _tostring(obj))
    if isinstance(obj, dict):
        pairs = [(plain(k, depth + 1), plain(v, depth + 1)) for k, v in _dict_items(obj)]
        return ("dict", tuple(sorted(pairs, key=_sort_key)))
    if isinstance(obj, list):
        return ("seq", tuple(plain(x, depth + 1) for x in _list_iter(obj)))
    if isinstance(obj, tuple):
        return ("seq", tuple(plain(x, depth + 1) for x in _tuple_iter(obj)))
    if isinstance(obj, (set, frozenset)):
        it = _set_iter(obj) if isinstance(obj, set) else _frozenset_iter(obj)
        return ("set", tuple(sorted((plain(x, depth + 1) for x in it), key=_sort_key)))
    raise NotPlain(f"a {type(obj).__name__}")


def _sort_key(value) -> str:
    return _repr(value)


def _plain_record(rec, depth: int):
    leader = _object_get(rec, "leader")
    if type(leader) is _Leader:
        leader = _object_get(leader, "leader")
    if not isinstance(leader, str):
        raise NotPlain("a record whose leader is not text")
    leader = plain_str(leader)
    fields = _object_get(rec, "fields")
    if not isinstance(fields, list):
        raise NotPlain("a record whose fields are not a list")
    # Leader/00-04 (record length) and /12-16 (base address) are computed when a record is
    # written, so they are not compared.
    return (
        "record",
        leader[5:12] + leader[17:],
        tuple(_plain_field(f, depth + 1) for f in _list_iter(fields)),
    )


def _plain_field(field, depth: int):
    if type(field) is not _Field:
        raise NotPlain("a record holding a field that is not a plain pymarc Field")
    tag = plain(_object_get(field, "tag"), depth + 1)
    if _object_get(field, "control_field"):
        return ("field", tag, plain(_object_get(field, "data"), depth + 1))
    indicators = plain(_object_get(field, "_indicators"), depth + 1)
    if isinstance(indicators, tuple) and indicators and indicators[0] == "seq":
        indicators = tuple(" " if i is None else i for i in indicators[1])
    subfields = plain(_object_get(field, "subfields"), depth + 1)
    return ("field", tag, indicators, subfields)


# -- XML: first difference in document order after canonicalization ---------------------------


def _xml_bytes(value):
    if isinstance(value, tuple) and len(value) == 2 and value[0] == "xml":
        return value[1]
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    return None


def _parse(data: bytes):
    parser = _XMLParser(
        resolve_entities=False, no_network=True, remove_blank_text=True, remove_comments=True
    )
    root = _fromstring(data, parser)
    # canonical form (C14N 2.0: attributes sorted, namespaces normalized), read again
    return _fromstring(_canonicalize(_tostring(root, encoding="unicode"), strip_text=True), parser)


def _name(tag) -> str:
    q = _QName(tag)
    prefix = _NAMESPACES.get(q.namespace or "")
    if prefix:
        return f"{prefix}:{q.localname}"
    return q.localname if not q.namespace else f"{{{q.namespace}}}{q.localname}"


def _short(text, limit: int = 60) -> str:
    text = "" if text is None else text
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return f"'{text}'"


def _elements(root):
    """(path, element) in document order; the path counts same-named siblings: dc:title[2]."""
    out = []

    def walk(el, path):
        out.append((path, el))
        seen: dict = {}
        for child in el:
            if not isinstance(child.tag, str):
                continue
            name = _name(child.tag)
            seen[name] = seen.get(name, 0) + 1
            walk(child, f"{path}/{name}[{seen[name]}]")

    walk(root, _name(root.tag))
    return out


def xml_difference(mine: bytes, want: bytes) -> str | None:
    """The first difference between two XML documents, as a clause; None when they are equal."""
    try:
        a = _parse(mine)
    except (_XMLSyntaxError, ValueError) as exc:
        msg = str(exc).split("\n")[0]
        return f"is not well-formed XML ({msg})"
    b = _parse(want)
    ea, eb = _elements(a), _elements(b)
    for (pa, xa), (pb, xb) in zip(ea, eb, strict=False):
        if pa != pb:
            return f"has <{pa}> where <{pb}> was expected"
        if dict(xa.attrib) != dict(xb.attrib):
            return f"gives <{pa}> the attributes {dict(xa.attrib)}, expected {dict(xb.attrib)}"
        ta, tb = (xa.text or "").strip(), (xb.text or "").strip()
        if ta != tb:
            return f"has {_short(ta)} in <{pa}>, expected {_short(tb)}"
    if len(ea) < len(eb):
        return f"has no <{eb[len(ea)][0]}>, which was expected"
    if len(ea) > len(eb):
        return f"has an extra <{ea[len(eb)][0]}>"
    return None


# -- running the cases ----------------------------------------------------------------------


def _compile(source: str, name: str, what: str):
    namespace: dict = {"__builtins__": __builtins__}
    try:
        exec(compile(source, f"<{what}>", "exec"), namespace)
    except Exception as exc:
        raise BankError(f"the {what} does not run ({type(exc).__name__}: {exc})") from None
    fn = namespace.get(name)
    if not _callable(fn):
        raise BankError(f"the {what} defines no function {name}")
    return fn


def _cases(ex: Exercise, db: str) -> list[tuple]:
    key = ("cases", ex.qid, ex.cases, db, database.course_path(db))
    if key not in _CACHE:
        table = database.cached_select(ex.cases, db)
        _CACHE[key] = [tuple(c[1] for c in row) for row in table.rows]
    return _CACHE[key]


def _arguments(ex: Exercise, case: tuple, db: str) -> tuple:
    first, rest = case[0], case[1:]
    if ex.input == "value":
        return case
    key = ("raw", db, first)
    if key not in _CACHE:
        _CACHE[key] = _raw(first, db)
    raw = _CACHE[key]
    if ex.input == "raw":
        value = raw
    elif ex.input == "record":
        value = _record_from(data=raw, to_unicode=True, force_utf8=True)
    else:  # marcxml
        rec = _record_from(data=raw, to_unicode=True, force_utf8=True)
        value = _record_to_xml(rec, namespace=True)
    return (value, *rest)


def _describe(ex: Exercise, case: tuple) -> str:
    if ex.input != "value":
        return f"record {case[0]}"
    shown = ", ".join(_short(str(v), 40) if isinstance(v, str) else str(v) for v in case)
    return f"{ex.function}({shown})"


def _show(value) -> str:
    if isinstance(value, tuple) and value and value[0] == "seq":
        inner = ", ".join(_show(v) for v in value[1][:4])
        more = ", …" if len(value[1]) > 4 else ""
        return f"[{inner}{more}]"
    if isinstance(value, tuple) and value and value[0] == "record":
        return "a record"
    if isinstance(value, tuple) and value and value[0] == "dict":
        inner = ", ".join(f"{_show(k)}: {_show(v)}" for k, v in value[1][:4])
        more = ", …" if len(value[1]) > 4 else ""
        return "{" + inner + more + "}"
    if isinstance(value, str):
        return _short(value, 50)
    text = _repr(value)
    return text if len(text) <= 60 else text[:59] + "…"


def _outputs(fn, ex: Exercise, cases: list, db: str):
    """Plain results of ``fn`` per case, stopping at the first exception (kept as such)."""
    out = []
    for case in cases:
        try:
            # A function that prints (a beginner's habit, or a listed mistake) would fill the
            # check's output with every case: what it prints is not the answer, so drop it.
            with _contextlib.redirect_stdout(_io.StringIO()):
                result = fn(*_arguments(ex, case, db))
        except Exception as exc:  # the learner's function failed on this input
            out.append(("error", type(exc).__name__, str(exc)))
            break
        try:
            out.append(("ok", plain(result)))
        except NotPlain as exc:
            out.append(("notplain", str(exc)))
            break
    return out


def _differs(ex: Exercise, mine, want) -> str | None:
    """None when equal, else a clause saying how ``mine`` differs from ``want``."""
    if ex.compare == "xml":
        a, b = _xml_bytes(mine), _xml_bytes(want)
        if b is None:
            raise BankError("the reference does not give an XML document")
        if a is None:
            return f"gives {_show(mine)}, but an XML document (text or an lxml element) is wanted"
        return xml_difference(a, b)
    if mine == want:
        return None
    if mine is None:
        return (
            "gives None: does the function end with return and the value? (print shows a value "
            "but does not give it back)"
        )
    if isinstance(want, tuple) and want and want[0] == "record":
        return _record_difference(mine, want)
    if _is_seq(mine) and _is_seq(want):
        return _seq_difference(mine[1], want[1])
    return f"gives {_show(mine)}; expected {_show(want)}"


def _is_seq(value) -> bool:
    return isinstance(value, tuple) and len(value) == 2 and value[0] == "seq"


def _seq_difference(mine: tuple, want: tuple) -> str:
    """Name the first item that differs (a preview of the first four can look identical)."""
    for n, (a, b) in enumerate(zip(mine, want, strict=False), start=1):
        if a != b:
            if len(mine) == len(want):
                return f"gives a list whose item {n} is {_show(a)}, expected {_show(b)}"
            return (
                f"gives {len(mine)} items where {len(want)} were expected; item {n} is "
                f"{_show(a)}, expected {_show(b)}"
            )
    if len(mine) > len(want):
        return (
            f"gives {len(mine)} items where {len(want)} were expected: item {len(want) + 1} is "
            f"{_show(mine[len(want)])}, one too many"
        )
    return (
        f"gives {len(mine)} items where {len(want)} were expected: item {len(mine) + 1} "
        f"({_show(want[len(mine)])}) is missing"
    )


def _indicator(value: str) -> str:
    """An indicator as MARC documentation writes it: a blank as #, nothing as (empty)."""
    if value == "":
        return "(empty)"
    return value.replace(" ", "#")


def _record_difference(mine, want) -> str:
    if not (isinstance(mine, tuple) and mine and mine[0] == "record"):
        return f"gives {_show(mine)}, but a pymarc Record is wanted"
    if mine[1] != want[1]:
        return "changes the leader, which this question does not ask for"
    for fa, fb in zip(mine[2], want[2], strict=False):
        if fa != fb:
            if fa[1] != fb[1]:
                return f"has a {fa[1]} field where the record has its {fb[1]}"
            if len(fb) == 4 and len(fa) == 4 and fa[2] != fb[2]:
                bad = next((i for i in fa[2] if not isinstance(i, str)), None)
                if bad is not None:
                    return (
                        f"sets a {fb[1]} indicator to {_show(bad)}, which is not text: an "
                        "indicator is one character in quotes, such as '4' (a blank is ' ')"
                    )
                got = " and ".join(_indicator(i) for i in fa[2])
                exp = " and ".join(_indicator(i) for i in fb[2])
                return f"gives the {fb[1]} indicators {got}, expected {exp}"
            return f"has a different {fb[1]} field than expected"
    if len(mine[2]) < len(want[2]):
        return f"has no {want[2][len(mine[2])][1]} field where one was expected"
    return f"has an extra {mine[2][len(want[2])][1]} field"


def evaluate_python(ex: Exercise, answer, *, hidden: bool = False) -> Result:
    """Call the learner's function on the cases and compare with the reference function."""
    name = ex.function or "your function"
    if answer is None:
        return failed(
            ex,
            f"{ex.qid} is still None: write the function {name} and set {ex.qid} = {name}, "
            "then run that cell.",
            "runs",
            "blank",
            hidden=hidden,
        )
    if not _callable(answer) or isinstance(answer, type):
        return failed(
            ex,
            f"{ex.qid} should be your function itself ({ex.qid} = {name}, without brackets), "
            f"not {_show(plain(answer)) if _plainable(answer) else 'a ' + type(answer).__name__}.",
            "runs",
            "not_function",
            hidden=hidden,
        )
    db = "shadow" if hidden else "library"
    cases = _cases(ex, db)
    if not cases:
        raise BankError(f"the cases of {ex.qid} give no rows")
    reference = _compile(ex.reference, ex.function, "reference")
    want = _outputs(reference, ex, cases, db)
    if any(w[0] != "ok" for w in want):
        raise BankError(f"the reference of {ex.qid} fails on {want[-1]}")
    mine = _outputs(answer, ex, cases, db)
    where = "On other records of the catalog, " if hidden else ""
    first = None
    for case, m, w in zip(cases, mine, want, strict=False):
        if m[0] == "error":
            first = (
                f"{where}{name} stopped with {m[1]} on {_describe(ex, case)}"
                f"{': ' + _short(m[2], 80) if m[2] else ''}; try it on that input in a cell of "
                "its own.",
                "runs",
                "error",
            )
            break
        if m[0] == "notplain":
            first = (
                f"{where}{name} gives {m[1]} for {_describe(ex, case)}, which the check cannot "
                "read: return text, numbers, a list, a dict, a pymarc Record or XML.",
                "runs",
                "result",
            )
            break
        clause = _differs(ex, m[1], w[1])
        if clause is not None:
            lead = f"{where}for" if hidden else "For"  # "On other records of the catalog, for …"
            first = (f"{lead} {_describe(ex, case)}, {name} {clause}.", "values", "values")
            break
    if first is None:
        what = "inputs" if ex.input == "value" else "records"
        note = f" on {len(cases)} other {what} too" if hidden else f" on {len(cases)} {what}"
        return passed(ex, f"correct{note}.", hidden=hidden)
    for mistake in ex.mistakes:
        if mistake.python is None:
            continue
        theirs = _outputs(
            _compile(mistake.python, ex.function, f"mistake {mistake.tag}"), ex, cases, db
        )
        if theirs == mine or (ex.compare == "xml" and _same_xml(mine, theirs)):
            return failed(ex, mistake.message, "values", mistake.tag, hidden=hidden)
    sentence, stage, tag = first
    return failed(ex, sentence, stage, tag, hidden=hidden)


def _same_xml(mine: list, theirs: list) -> bool:
    """Whether two functions' outputs are the same XML documents case by case, whatever the form
    (text or an lxml element) and prefixes: how a listed XML mistake is recognised."""
    if len(mine) != len(theirs):
        return False
    for a, b in zip(mine, theirs, strict=True):
        if a[0] != "ok" or b[0] != "ok":
            if a != b:
                return False
            continue
        xa, xb = _xml_bytes(a[1]), _xml_bytes(b[1])
        if xa is None or xb is None:
            return False
        try:
            if xml_difference(xa, xb) is not None:
                return False
        except (_XMLSyntaxError, ValueError):
            return False
    return True


def _plainable(obj) -> bool:
    try:
        plain(obj)
    except NotPlain:
        return False
    return True
