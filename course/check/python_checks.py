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

**Learner build** (issue 14; :func:`fingerprint` writes, :mod:`course.check.stored` reads): the
bank holds no reference and no mistake functions, so the visible check compares the learner's
outputs with what was stored at release time on the course data.  Stored per exercise: a digest
of the visible cases (other data refuses to check); per case, a digest of the reference's output
(equal exactly when Python's ``==`` says so) and the parts today's sentences show -- a preview
of the value (``expected '9780803723573'``), each list item's preview, a record's field tags and
expected indicators, an XML document's element paths, attributes and first 60 characters of each
text (with a digest of the whole text); per listed mistake, a digest of its outputs on all cases
(and, for XML, of each document as the comparison reads it), so a learner's function that
behaves like a mistake still gets its message.  The learner path gives the same verdict and
sentence as the full build (``tests/test_learner_python_model.py``); its hidden check only says
that hidden checks run at grading time.
"""

from __future__ import annotations

import contextlib as _contextlib
import io as _io

import pymarc as _pymarc
from lxml import etree as _etree

from course import records as _records
from course.check import database, stored
from course.check._safe import BUILTINS as __builtins__  # noqa: F401  (captured builtins)
from course.check._safe import plain_float, plain_int, plain_str
from course.check.bank import BankError, Exercise
from course.check.feedback import Result, failed, passed

__all__ = [
    "evaluate_python",
    "fingerprint",
    "plain",
    "xml_difference",
    "clear_cache",
    "NotPlain",
    "LEARNER_STRIP",
]

#: Bank fields besides the reference and the mistakes' ``python`` that a learner build drops:
#: none (``function``, ``cases``, ``input`` and ``compare`` say how to call and read the
#: learner's function, and the mistakes' messages are what a learner is meant to read).
LEARNER_STRIP = ()

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
_is_integer = float.is_integer
_hex = bytes.hex
_isnan = float.__ne__  # x != x only for NaN

_CACHE: dict = {}
_NAN_SEEN: list = []
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


def _xml_text(element) -> str:
    return (element.text or "").strip()


def _xml_want(data: bytes, key) -> list:
    """An expected document as the comparison reads it: per element in document order, its
    path, its attributes, ``key`` of its text and the text's first 60 characters."""
    return [
        [path, list(dict(el.attrib).items()), key(_xml_text(el)), _short(_xml_text(el))]
        for path, el in _elements(_parse(data))
    ]


def xml_difference(mine: bytes, want: bytes) -> str | None:
    """The first difference between two XML documents, as a clause; None when they are equal."""
    return _xml_compare(mine, want, _exact)


def _xml_compare(mine: bytes, want, key) -> str | None:
    """:func:`xml_difference` against ``want``: the expected document's bytes (read after the
    learner's) or its elements as :func:`_xml_want` gives them with the same ``key``."""
    try:
        a = _parse(mine)
    except (_XMLSyntaxError, ValueError) as exc:
        msg = str(exc).split("\n")[0]
        return f"is not well-formed XML ({msg})"
    if isinstance(want, bytes):
        want = _xml_want(want, key)
    ea = _elements(a)
    for (pa, xa), (pb, attrib, text, shown) in zip(ea, want, strict=False):
        if pa != pb:
            return f"has <{pa}> where <{pb}> was expected"
        expected = {k: v for k, v in attrib}
        if dict(xa.attrib) != expected:
            return f"gives <{pa}> the attributes {dict(xa.attrib)}, expected {expected}"
        ta = _xml_text(xa)
        if key(ta) != text:
            return f"has {_short(ta)} in <{pa}>, expected {shown}"
    if len(ea) < len(want):
        return f"has no <{want[len(ea)][0]}>, which was expected"
    if len(ea) > len(want):
        return f"has an extra <{ea[len(want)][0]}>"
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


def _exact(value):
    """The full build's key: a plain value stands for itself, compared with ``==`` (the learner
    build's key is :func:`_digest`, equal exactly when ``==`` says so)."""
    return value


def _want_entry(ex: Exercise, want, key) -> dict:
    """One case's expected output as the comparison reads it: ``key`` of the value (the value
    itself in the full build, a digest in the stored entry), and the parts the sentences show (a
    short preview of the value, a list's items, a record's field tags and indicators, an XML
    document's element paths, attributes and first 60 characters of text)."""
    if ex.compare == "xml":
        data = _xml_bytes(want)
        if data is None:
            whose = "the reference" if key is _exact else f"the reference of {ex.qid}"
            raise BankError(f"{whose} does not give an XML document")
        # the full build reads the expected document after the learner's, as xml_difference does
        return {"xml": data if key is _exact else _xml_want(data, key)}
    out = {"d": key(want)}
    if isinstance(want, tuple) and want and want[0] == "record":
        fields = []
        for fb in want[2]:
            if key is not _exact and not isinstance(fb[1], str):
                raise BankError(f"the reference of {ex.qid} gives a field whose tag is not text")
            ind = None
            if len(fb) == 4:
                ind = [key(fb[2]), " and ".join(_indicator(i) for i in fb[2])]
            fields.append([fb[1], key(fb), ind])
        out["record"] = {"leader": key(want[1]), "fields": fields}
        return out
    out["show"] = _show(want)
    if _is_seq(want):
        out["seq"] = [[key(item), _show(item)] for item in want[1]]
    return out


def _differs(ex: Exercise, mine, want: dict, key) -> str | None:
    """None when ``mine`` is the expected output (``want``, as :func:`_want_entry` gives it with
    the same ``key``), else a clause saying how it differs."""
    if ex.compare == "xml":
        a = _xml_bytes(mine)
        if a is None:
            return f"gives {_show(mine)}, but an XML document (text or an lxml element) is wanted"
        return _xml_compare(a, want["xml"], key)
    if key(mine) == want["d"]:
        return None
    if mine is None:
        return (
            "gives None: does the function end with return and the value? (print shows a value "
            "but does not give it back)"
        )
    if "record" in want:
        return _record_difference(mine, want["record"], key)
    if _is_seq(mine) and "seq" in want:
        return _seq_difference(mine[1], want["seq"], key)
    return f"gives {_show(mine)}; expected {want['show']}"


def _is_seq(value) -> bool:
    return isinstance(value, tuple) and len(value) == 2 and value[0] == "seq"


def _seq_difference(mine: tuple, want: list, key) -> str:
    """Name the first item that differs (a preview of the first four can look identical);
    ``want``: per expected item, its ``key`` and its preview."""
    for n, (a, (item, shown)) in enumerate(zip(mine, want, strict=False), start=1):
        if key(a) != item:
            if len(mine) == len(want):
                return f"gives a list whose item {n} is {_show(a)}, expected {shown}"
            return (
                f"gives {len(mine)} items where {len(want)} were expected; item {n} is "
                f"{_show(a)}, expected {shown}"
            )
    if len(mine) > len(want):
        return (
            f"gives {len(mine)} items where {len(want)} were expected: item {len(want) + 1} is "
            f"{_show(mine[len(want)])}, one too many"
        )
    return (
        f"gives {len(mine)} items where {len(want)} were expected: item {len(mine) + 1} "
        f"({want[len(mine)][1]}) is missing"
    )


def _indicator(value: str) -> str:
    """An indicator as MARC documentation writes it: a blank as #, nothing as (empty)."""
    if value == "":
        return "(empty)"
    return value.replace(" ", "#")


def _record_difference(mine, want: dict, key) -> str:
    """``want``: ``key`` of the leader, and per field its tag, ``key`` and, with indicators,
    ``key`` of them and how MARC documentation writes them."""
    if not (isinstance(mine, tuple) and mine and mine[0] == "record"):
        return f"gives {_show(mine)}, but a pymarc Record is wanted"
    if key(mine[1]) != want["leader"]:
        return "changes the leader, which this question does not ask for"
    fields = want["fields"]
    for fa, (tag, field, ind) in zip(mine[2], fields, strict=False):
        if key(fa) != field:
            if fa[1] != tag:
                return f"has a {fa[1]} field where the record has its {tag}"
            if ind is not None and len(fa) == 4 and key(fa[2]) != ind[0]:
                bad = next((i for i in fa[2] if not isinstance(i, str)), None)
                if bad is not None:
                    return (
                        f"sets a {tag} indicator to {_show(bad)}, which is not text: an "
                        "indicator is one character in quotes, such as '4' (a blank is ' ')"
                    )
                got = " and ".join(_indicator(i) for i in fa[2])
                return f"gives the {tag} indicators {got}, expected {ind[1]}"
            return f"has a different {tag} field than expected"
    if len(mine[2]) < len(fields):
        return f"has no {fields[len(mine[2])][0]} field where one was expected"
    return f"has an extra {mine[2][len(fields)][1]} field"


def evaluate_python(ex: Exercise, answer, *, hidden: bool = False) -> Result:
    """Call the learner's function on the cases and compare with the reference function (full
    build) or with the reference's stored outputs (learner build, see :func:`fingerprint`)."""
    st = stored.entry(ex)
    if st is not None and hidden:
        return failed(ex, stored.HIDDEN_ELSEWHERE, "setup", hidden=True)
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
    if st is None:
        reference = _compile(ex.reference, ex.function, "reference")
        want = _outputs(reference, ex, cases, db)
        if any(w[0] != "ok" for w in want):
            raise BankError(f"the reference of {ex.qid} fails on {want[-1]}")

        key = _exact

        def expected(i):
            return _want_entry(ex, want[i][1], _exact)
    else:
        key = _digest
        expected = _stored_want(ex, st, cases).__getitem__

    mine = _outputs(answer, ex, cases, db)
    where = "On other records of the catalog, " if hidden else ""
    first = None
    for i, (case, m) in enumerate(zip(cases, mine, strict=False)):
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
        clause = _differs(ex, m[1], expected(i), key)
        if clause is not None:
            lead = f"{where}for" if hidden else "For"  # "On other records of the catalog, for …"
            first = (f"{lead} {_describe(ex, case)}, {name} {clause}.", "values", "values")
            break
    if first is None:
        what = "inputs" if ex.input == "value" else "records"
        note = f" on {len(cases)} other {what} too" if hidden else f" on {len(cases)} {what}"
        return passed(ex, f"correct{note}.", hidden=hidden)
    if st is not None:
        mistake = _stored_mistake(ex, st, mine)
        if mistake is not None:
            return failed(ex, mistake.message, "values", mistake.tag, hidden=hidden)
    for mistake in ex.mistakes if st is None else ():
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


# -- the learner build: what the visible check compares against, stored at release time ----------


def _canon(obj, nan: list | None = None):
    """Plain data as JSON, equal exactly when the values are equal (``==``) in Python: ``True``,
    ``1`` and ``1.0`` alike, text and bytes apart.  A NaN is noted in ``nan`` when given."""
    if obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, bool):
        return int(obj)
    if isinstance(obj, int):
        return obj
    if isinstance(obj, float):
        if _isnan(obj, obj):
            if nan is not None:
                nan.append(obj)
            return {"nan": 0}
        return int(obj) if _is_integer(obj) else obj  # not for inf: 1.0 == 1, inf is no int
    if isinstance(obj, bytes):
        return {"b": _hex(obj)}
    if isinstance(obj, (tuple, list)):
        return [_canon(x, nan) for x in obj]
    return {"r": _repr(obj)}  # a case's cell of another type (a date): compared by its repr


def _digest(obj) -> str:
    """The digest two plain values share exactly when they are equal (see :func:`_canon`): a
    value holding a NaN equals nothing in Python, so it gets a digest nothing else has."""
    nan: list = []
    text = stored.digest(_canon(obj, nan))
    if nan:
        _NAN_SEEN.append(0)
        return f"nan-{len(_NAN_SEEN)}"
    return text


def _xml_signature(data: bytes) -> list:
    """What :func:`xml_difference` compares, element by element; equal signatures are the same
    document for it.  Raises as :func:`_parse` does on text that is not XML."""
    return [
        [path, sorted(dict(el.attrib).items()), _xml_text(el)]
        for path, el in _elements(_parse(data))
    ]


def _mistake_xml(entry) -> list:
    """How one case's output of an XML mistake is recognised (see :func:`_same_xml`)."""
    if entry[0] != "ok":
        return ["raw", _digest(entry)]
    data = _xml_bytes(entry[1])
    if data is None:
        return ["none"]
    try:
        return ["sig", stored.digest(_xml_signature(data))]
    except (_XMLSyntaxError, ValueError):
        return ["bad"]


def fingerprint(ex: Exercise) -> dict:
    """The stored entry of a python exercise, computed in the full build on the course data.

    ``cases``: a digest of the visible cases (a learner build run on other data refuses to
    check rather than compare with outputs of other inputs); ``want``: per case, what
    :func:`_want_entry` keeps of the reference's output; ``mistakes``: per listed mistake, a
    digest of its outputs on every case (the learner's outputs must be equal, as in the full
    build) and, for XML, a digest per case of the document as the comparison reads it.  No
    function source is stored.
    """
    cases = _cases(ex, "library")
    if not cases:
        raise BankError(f"the cases of {ex.qid} give no rows")
    want = _outputs(_compile(ex.reference, ex.function, "reference"), ex, cases, "library")
    if any(w[0] != "ok" for w in want):
        raise BankError(f"the reference of {ex.qid} fails on {want[-1]}")
    mistakes = []
    for index, mistake in enumerate(ex.mistakes):
        if mistake.python is None:
            continue
        fn = _compile(mistake.python, ex.function, f"mistake {mistake.tag}")
        theirs = _outputs(fn, ex, cases, "library")
        kept = {"i": index, "tag": mistake.tag, "out": _digest(theirs)}
        if ex.compare == "xml":
            kept["xml"] = [_mistake_xml(entry) for entry in theirs]
        mistakes.append(kept)
    return {
        "cases": stored.digest(_canon(cases)),
        "want": [_want_entry(ex, w[1], _digest) for w in want],
        "mistakes": mistakes,
    }


def _stored_want(ex: Exercise, st: dict, cases: list) -> list:
    if st.get("cases") != stored.digest(_canon(cases)) or len(st.get("want", ())) != len(cases):
        raise BankError(
            f"the stored results of {ex.qid} were made on other course data: rebuild the "
            "learner build"
        )
    return st["want"]


def _same_xml_stored(mine: list, theirs: list) -> bool:
    """:func:`_same_xml` against a mistake's stored outputs (see :func:`_mistake_xml`)."""
    if len(mine) != len(theirs):
        return False
    for a, b in zip(mine, theirs, strict=True):
        if a[0] != "ok" or b[0] == "raw":
            if b[0] != "raw" or _digest(a) != b[1]:
                return False
            continue
        xa = _xml_bytes(a[1])
        if xa is None or b[0] == "none":
            return False
        try:
            signature = _xml_signature(xa)
        except (_XMLSyntaxError, ValueError):
            return False
        if b[0] != "sig" or stored.digest(signature) != b[1]:
            return False
    return True


def _stored_mistake(ex: Exercise, st: dict, mine: list):
    """The first listed mistake whose stored outputs the learner's function gives, or None."""
    digest = _digest(mine)
    for kept in st.get("mistakes", ()):
        index = kept["i"]
        if index >= len(ex.mistakes) or ex.mistakes[index].tag != kept["tag"]:
            raise BankError(f"the stored mistakes of {ex.qid} do not match its bank")
        if kept["out"] == digest or (
            ex.compare == "xml" and _same_xml_stored(mine, kept.get("xml") or [])
        ):
            return ex.mistakes[index]
    return None
