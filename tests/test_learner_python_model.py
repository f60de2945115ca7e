"""The learner build's python and model checks give the full build's verdicts and sentences.

Each course bank with python or model exercises is staged as a learner build would ship it
(``course.grading.learner.stage_bank``: the bank without references, alternatives, mistake
functions and designs, synonyms, identifiers or explained elements, plus its stored results), and
every visible fixture answer of ``tests/fixtures/answers/<bank>.yml`` is checked twice, in
process: against the full bank (the full build) and against the staged one (the learner path).
``passed``, ``tag`` and the line the learner reads must be the same.  All answers run on the
built course data (the model answers need no data; 04's fixture file runs on the small fixture
databases elsewhere, but its model answers do not read them).  Fixture answers alone reach few of
the sentences, so the same comparison runs on answers made here from the references: each
reference and mistake itself, outputs changed on the first or the last case (python), and models
with a line dropped, a cardinality or a name changed (model).  The staged folder must hold no
reference, alternative or mistake text, and no name a sentence does not show.

Skipped when the course data is not built (as tests/test_check_fixtures_course_data.py).
"""

from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path

import pymarc
import pytest
import test_check_fixtures as fx
import yaml

from course import check, config
from course.check import model_checks, python_checks, stored
from course.check.bank import banks_dir, load_bank
from course.check.erdiagram import parse
from course.grading.learner import stage_bank

COURSE_DATA = config.data_dir()
KINDS = ("python", "model")
HIDDEN_SENTENCE = (
    "Hidden checks run when your instructor grades this notebook; the visible check above is "
    "what you can run here."
)


def _banks() -> list[Path]:
    return [
        path
        for path in sorted(banks_dir().glob("[0-9][0-9]-*.yml"))
        if any(ex.kind in KINDS for ex in load_bank(path).values())
    ]


BANKS = _banks()
pytestmark = pytest.mark.skipif(
    not all((COURSE_DATA / f"{db}.duckdb").exists() for db in config.DATABASES),
    reason="the course databases are not built (run `course data`)",
)


@pytest.fixture(scope="module")
def staged(tmp_path_factory):
    """``{bank stem: staged bank path}``, fingerprinted on the course data."""
    out = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COURSE_DATA_DIR", str(COURSE_DATA))
        mp.setenv("COURSE_WORKSPACE", str(tmp_path_factory.mktemp("workspace")))
        check.clear_cache()
        for bank in BANKS:
            out[bank.stem] = stage_bank(bank, tmp_path_factory.mktemp(bank.stem), kinds=KINDS)
    yield out
    stored.clear_cache()


@pytest.fixture(autouse=True)
def _course_data(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_DATA_DIR", str(COURSE_DATA))
    monkeypatch.setenv("COURSE_WORKSPACE", str(tmp_path / "workspace"))
    check.clear_cache()
    yield
    check.clear_cache()


def _same(answer, qid: str, bank: Path, staged_bank: Path, make=None):
    """Check ``answer`` in both builds (``make()`` gives a fresh answer for each, for answers
    that count their calls) and assert the learner sees the same thing; return the result."""
    full = check.evaluate(make() if make else answer, qid, module=bank)
    learner = check.evaluate(make() if make else answer, qid, module=staged_bank)
    assert learner.tag != "setup" and learner.tag != "internal", learner.line()
    assert (learner.passed, learner.tag, learner.line()) == (full.passed, full.tag, full.line())
    return full


# -- the fixture answers ------------------------------------------------------------------------


def _fixture_cases():
    for bank in BANKS:
        path = fx.FIXTURES / bank.name
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        exercises = load_bank(bank)
        for qid, entry in data["answers"].items():
            if exercises[qid].kind not in KINDS:
                continue
            for kind in ("correct", "wrong"):
                for i, variant in enumerate(entry.get(kind, [])):
                    if variant.get("check", "visible") == "hidden":
                        continue  # tuned to the visible data: only the hidden check tells
                    yield pytest.param(bank, qid, kind, variant, id=f"{bank.stem}-{qid}-{kind}{i}")


FIXTURE_CASES = list(_fixture_cases())


def test_every_bank_with_python_or_model_exercises_is_here():
    assert {b.stem for b in BANKS} >= {
        "04-data-modeling",
        "07-metadata-as-data",
        "08-crosswalks-and-quality",
    }
    assert len(FIXTURE_CASES) >= 100


@pytest.mark.parametrize(("bank", "qid", "kind", "variant"), FIXTURE_CASES)
def test_fixture_answer_same_in_the_learner_build(bank, qid, kind, variant, staged):
    answer = fx._answer(variant, bank, qid)
    result = _same(answer, qid, bank, staged[bank.stem])
    assert result.passed == (kind == "correct"), result.line()
    if kind == "wrong":
        assert result.tag == variant["tag"], result.line()


# -- python: answers made from the references -------------------------------------------------


def _python_exercises():
    for bank in BANKS:
        for qid, ex in load_bank(bank).items():
            if ex.kind == "python":
                yield pytest.param(bank, qid, id=f"{bank.stem}-{qid}")


def _function(source: str, name: str):
    namespace: dict = {}
    exec(compile(source, "<test>", "exec"), namespace)
    return namespace[name]


def _xml_changes(text: str) -> list:
    return [
        re.sub(r">([^<]+)<", r">\1 x<", text, count=1),  # a text
        re.sub(r"<([\w:]+)[^>]*>[^<]*</\1>(?=</[^>]+>\s*$)", "", text),  # the last element
        re.sub(r"^(<[\w:]+)", r'\1 lang="en"', text),  # an attribute
        re.sub(r"(</[^>]+>\s*)$", r"<dc:title>more</dc:title>\1", text),  # one element more
        text[:-3],  # not well-formed
        text.encode("utf-8"),  # the same document as bytes: still right
    ]


def _record_changes(record: pymarc.Record) -> list:
    out = []
    data_fields = [f for f in record.fields if not f.control_field]

    def changed(edit):
        copy_ = copy.deepcopy(record)
        edit(copy_)
        out.append(copy_)

    def indicator(rec, value="9"):
        field = [f for f in rec.fields if not f.control_field][-1]
        field.indicator1 = value

    def last_field_gone(rec):
        rec.remove_field(rec.fields[-1])

    def extra_field(rec):
        rec.add_field(pymarc.Field(tag="999", indicators=[" ", " "], subfields=[]))

    def subfield(rec):
        field = [f for f in rec.fields if not f.control_field][0]
        if field.subfields:
            field.subfields[0] = pymarc.Subfield(field.subfields[0].code, "changed")

    def leader(rec):
        text = str(rec.leader)
        rec.leader = pymarc.Leader(text[:9] + ("a" if text[9] != "a" else " ") + text[10:])

    def tag(rec):
        rec.fields[1].tag = "009" if rec.fields[1].tag != "009" else "007"

    if data_fields:
        changed(indicator)
        changed(lambda rec: indicator(rec, 4))
        changed(subfield)
    changed(last_field_gone)
    changed(extra_field)
    changed(leader)
    changed(tag)
    out.append(record.as_json())
    return out


def _changes(value) -> list:
    """Wrong outputs made from a right one, each reaching another clause of the sentence."""
    if isinstance(value, pymarc.Record):
        return _record_changes(value)
    if isinstance(value, str):
        if value.lstrip().startswith("<"):
            return _xml_changes(value)
        return [value + "x", value.upper(), value[:-1], None, [value], 13]
    if isinstance(value, bytes):
        return [value + b"x", value.decode("latin-1")]
    if isinstance(value, (list, tuple)):
        value = list(value)
        more = [*value, value[-1] if value else "x"]
        return [
            value[:-1],
            more,
            list(reversed(value)),
            [str(v) for v in value],
            value[:1] + ["x"] + value[2:],
            tuple(value),
            None,
            set(),
            [*value[:-1], object()],
        ]
    if isinstance(value, dict):
        fewer = dict(list(value.items())[1:])
        return [fewer, {**value, "extra": "x"}, list(value), str(value)]
    if isinstance(value, bool):
        return [not value, int(value), None]
    if isinstance(value, (int, float)):
        return [value + 1, float(value), str(value), True]
    return [None, "x"]


def _changed_function(reference, change_index: int, at: int):
    """A function that gives the reference's output, changed on call ``at`` (1 is the first)."""
    calls = []

    def answer(*args):
        calls.append(1)
        out = reference(*args)
        if len(calls) == at:
            changes = _changes(out)
            return changes[change_index % len(changes)]
        return out

    return answer


def _raising_function(reference, at: int):
    calls = []

    def answer(*args):
        calls.append(1)
        if len(calls) == at:
            raise ValueError("no such thing")
        return reference(*args)

    return answer


@pytest.mark.parametrize(("bank", "qid"), list(_python_exercises()))
def test_python_answers_made_from_the_reference_same_in_the_learner_build(bank, qid, staged):
    ex = load_bank(bank)[qid]
    reference = _function(ex.reference, ex.function)
    seen = {_same(reference, qid, bank, staged[bank.stem]).tag}
    for mistake in ex.mistakes:
        if mistake.python:
            result = _same(_function(mistake.python, ex.function), qid, bank, staged[bank.stem])
            seen.add(result.tag)
    last = len(python_checks._cases(ex, "library"))
    for at in (1, last):
        for index in range(12):
            result = _same(
                None,
                qid,
                bank,
                staged[bank.stem],
                make=lambda index=index, at=at: _changed_function(reference, index, at),
            )
            seen.add(result.tag)
    _same(None, qid, bank, staged[bank.stem], make=lambda: _raising_function(reference, 2))
    assert "values" in seen, seen  # the changes reached the first-difference sentences


def test_python_learner_path_reads_no_reference(staged):
    bank = banks_dir() / "07-metadata-as-data.yml"
    ex = check.exercise("q7_7", module=staged[bank.stem])
    assert ex.reference == "" and all(m.python is None for m in ex.mistakes)
    assert stored.entry(ex) is not None
    right = _function(load_bank(bank)["q7_7"].reference, "isbn10_to_13")
    assert python_checks.evaluate_python(ex, right).passed


# -- model: answers made from the designs -----------------------------------------------------

_ENDS = ["|o", "||", "}o", "}|"]
_MIRROR = {"|o": "o|", "||": "||", "}o": "o{", "}|": "|{"}
_REL = re.compile(r"^(\s*)(\S+)\s*(\|o|\|\||\}o|\}\|)(--|\.\.)(o\||\|\||o\{|\|\{)\s*(\S+)\s*:(.*)$")


def _model_variants(text: str, ex) -> list[str]:
    lines = text.splitlines()
    out = []
    for i, line in enumerate(lines):
        if line.strip() and line.strip() != "erDiagram":
            out.append("\n".join(lines[:i] + lines[i + 1 :]))  # one line dropped
        found = _REL.match(line)
        if found:
            indent, a, left, dash, right, b, label = found.groups()
            for end in _ENDS:
                out.append(_with(lines, i, f"{indent}{a} {end}{dash}{right} {b} :{label}"))
                out.append(_with(lines, i, f"{indent}{a} {left}{dash}{_MIRROR[end]} {b} :{label}"))
            mirrored = {v: k for k, v in _MIRROR.items()}
            out.append(
                _with(lines, i, f"{indent}{b} {mirrored[right]}{dash}{_MIRROR[left]} {a} :{label}")
            )
        stripped = line.strip()
        if stripped.endswith(" PK") or " PK," in stripped:
            out.append(_with(lines, i, line.replace(" PK, FK", " FK").replace(" PK", "")))
        elif re.match(r"^\s*\w+ \w+$", line):
            out.append(_with(lines, i, line + " PK"))
            out.append(_with(lines, i, line + " FK"))
            out.append(_with(lines, i, re.sub(r"(\w+)$", r"\1_other", line)))
    model = parse(text)
    names = list(model.entities)
    for name in names:
        out.append(re.sub(rf"\b{name}\b", "thing", text))
        for main, others in ex.synonyms:
            if main == name and others:
                out.append(re.sub(rf"\b{name}\b", others[0], text))
    out.append(text + f"\n    {names[0]} ||--o{{ {names[-1]} : extra\n")
    out.append(text + "\n    extra_entity\n")
    out.append(text.replace("{", "{\n        int id PK", 1))
    out.append(text.replace("erDiagram", "erDiagrams", 1))
    return out


def _with(lines: list, i: int, line: str) -> str:
    return "\n".join([*lines[:i], line, *lines[i + 1 :]])


def _model_exercises():
    for bank in BANKS:
        for qid, ex in load_bank(bank).items():
            if ex.kind == "model":
                yield pytest.param(bank, qid, id=f"{bank.stem}-{qid}")


@pytest.mark.parametrize(("bank", "qid"), list(_model_exercises()))
def test_models_made_from_the_designs_same_in_the_learner_build(bank, qid, staged):
    ex = load_bank(bank)[qid]
    texts = [ex.reference, *ex.alternatives, *(m.model for m in ex.mistakes if m.model)]
    seen = set()
    count = 0
    for text in texts:
        for answer in [text, *_model_variants(text, ex)]:
            seen.add(_same(answer, qid, bank, staged[bank.stem]).tag)
            count += 1
    assert count > 50
    assert {"entities", "identifiers", "attributes", "relationships", "cardinality"} <= seen, seen


def test_model_learner_path_reads_no_design(staged):
    ex = check.exercise("q4_2", module=staged["04-data-modeling"])
    assert ex.reference == "" and not ex.alternatives and not ex.synonyms and not ex.explain
    assert all(m.model is None for m in ex.mistakes)
    right = load_bank(banks_dir() / "04-data-modeling.yml")["q4_2"].reference
    assert model_checks.evaluate_model(ex, right.replace("vendor", "supplier")).passed


# -- hidden checks and what the staged folder holds -----------------------------------------


def test_hidden_checks_in_the_learner_build_say_where_they_run(staged):
    isbn = load_bank(banks_dir() / "07-metadata-as-data.yml")["q7_7"]
    python_ex = check.exercise("q7_7", module=staged["07-metadata-as-data"])
    model_ex = check.exercise("q4_1", module=staged["04-data-modeling"])
    for result in (
        python_checks.evaluate_python(
            python_ex, _function(isbn.reference, isbn.function), hidden=True
        ),
        model_checks.evaluate_model(model_ex, "erDiagram\n  a\n", hidden=True),
        check.evaluate(None, "q7_7", module=staged["07-metadata-as-data"], hidden=True),
    ):
        assert not result.passed and result.tag == "setup" and result.hidden
        assert result.sentence == HIDDEN_SENTENCE


def _staged_text(bank_path: Path) -> str:
    folder = bank_path.parent
    return "\n".join(
        p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*")) if p.is_file()
    )


def _kept_text(bank: Path) -> str:
    """What a learner build keeps on purpose: titles, hints, messages, cases."""
    data = yaml.safe_load(bank.read_text(encoding="utf-8"))
    kept = []
    for entry in data["exercises"].values():
        kept += [str(entry.get("title", "")), str(entry.get("cases", ""))]
        kept += [str(h) for h in entry.get("hints", []) or []]
        kept += [str(m.get("message", "")) for m in entry.get("mistakes", []) or []]
    return "\n".join(kept)


@pytest.mark.parametrize("bank", BANKS, ids=lambda b: b.stem)
def test_staged_folder_holds_no_reference_mistake_or_design_text(bank, staged):
    blob = _staged_text(staged[bank.stem])
    kept = _kept_text(bank)
    checked = 0
    for ex in load_bank(bank).values():
        if ex.kind not in KINDS:
            continue
        secrets = [ex.reference, *ex.alternatives]
        secrets += [m.python or m.model for m in ex.mistakes if m.python or m.model]
        for text in secrets:
            assert text.strip() not in blob, (ex.qid, text[:60])
            for line in text.splitlines():
                line = line.strip()
                if len(line) >= 12 and line not in kept:
                    assert line not in blob, (ex.qid, line)
                    checked += 1
    assert checked > 20


STRUCTURE = {
    "canon",
    "attr_canon",
    "aliases",
    "explain",
    "entities",
    "identifiers",
    "relationships",
    "design",
    "tag",
    "i",
}


def test_stored_model_entries_show_only_names_a_sentence_prints(staged):
    bank = banks_dir() / "04-data-modeling.yml"
    path = stored.expected_path(staged[bank.stem])
    entries = json.loads(path.read_text(encoding="utf-8"))["exercises"]
    hashed = re.compile(
        r"^(id:)?[0-9a-f]{24}$|^[er]:[0-9a-f|:]+$|^a:[0-9a-f]{24}:(id:)?[0-9a-f]{24}$"
    )
    for qid, ex in load_bank(bank).items():
        if ex.kind != "model":
            continue
        design_names = set()
        for text in (ex.reference, *ex.alternatives):
            model = parse(text)
            for entity in model.entities.values():
                design_names.add(entity.name)
                design_names.update(a.name for a in entity.attributes)
                design_names.add(" and ".join(entity.key_names("PK")))
        sentences = {sentence for _, sentence in ex.explain}
        secret_names = {n for _, others in ex.synonyms for n in others} - design_names
        secret_names |= {a for _, pks in ex.identifiers for pk in pks for a in pk} - design_names
        assert secret_names, qid

        def strings(obj):
            if isinstance(obj, str):
                yield obj
            elif isinstance(obj, dict):
                for k, v in obj.items():
                    yield k
                    yield from strings(v)
            elif isinstance(obj, list):
                for v in obj:
                    yield from strings(v)

        entry = entries[qid]
        for text in strings(entry["designs"]):
            assert (
                hashed.match(text)
                or text in STRUCTURE
                or text in design_names
                or text in sentences
                or not text
            ), (qid, text)
        tags = {m.tag for m in ex.mistakes}
        for text in strings(entry["mistakes"]):
            assert hashed.match(text) or text in STRUCTURE or text in tags or not text, text
        raw = json.dumps(entry)
        for name in secret_names:
            assert json.dumps(name) not in raw, (qid, name)


def test_stored_python_results_of_other_data_are_refused(staged, tmp_path):
    folder = tmp_path / "other"
    shutil.copytree(staged["07-metadata-as-data"].parent, folder)
    bank = folder / "07-metadata-as-data.yml"
    path = stored.expected_path(bank)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["exercises"]["q7_7"]["cases"] = stored.digest(["other", "cases"])
    path.write_text(json.dumps(data), encoding="utf-8")
    stored.clear_cache()
    isbn = load_bank(banks_dir() / "07-metadata-as-data.yml")["q7_7"]
    result = check.evaluate(_function(isbn.reference, isbn.function), "q7_7", module=bank)
    assert not result.passed and result.tag == "setup", result.line()
    assert "other course data" in result.sentence
