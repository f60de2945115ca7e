"""The python check kind (module 07): learner functions called on cases from the course data.

One sentence for the first difference (for XML: the first element in document order after
canonicalization), a hidden re-run on the shadow data that a hard-coded answer fails, and the
tamper guarantees: results are turned into plain values with captured functions before they are
compared, so objects that claim to be equal, subclasses and rebound builtins change nothing.
Runs on the built course data (the cases read the records' own bytes); skipped without it.
"""

from __future__ import annotations

import builtins

import pymarc
import pytest
from lxml import etree

from course import check, config
from course.check import python_checks
from course.check.python_checks import NotPlain, plain, xml_difference

COURSE_DATA = config.data_dir()
pytestmark = pytest.mark.skipif(
    not all((COURSE_DATA / f"{db}.duckdb").exists() for db in config.DATABASES),
    reason="the course databases are not built (run `course data`)",
)
MODULE = "07-metadata-as-data"


@pytest.fixture(autouse=True)
def _course_data(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_DATA_DIR", str(COURSE_DATA))
    monkeypatch.setenv("COURSE_WORKSPACE", str(tmp_path / "workspace"))
    check.clear_cache()
    yield
    check.clear_cache()


def _evaluate(answer, qid, hidden=False):
    return check.evaluate(answer, qid, module=MODULE, hidden=hidden)


def isbn10_to_13(isbn10):
    core = "978" + isbn10[:9]
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(core))
    return core + str((10 - total % 10) % 10)


def _one_sentence(result):
    assert "\n" not in result.sentence and "Traceback" not in result.sentence
    assert result.sentence.rstrip().endswith((".", "?")), result.sentence


def test_right_function_passes_visible_and_hidden():
    assert _evaluate(isbn10_to_13, "q7_7").passed
    hidden = _evaluate(isbn10_to_13, "q7_7", hidden=True)
    assert hidden.passed and "other inputs" in hidden.sentence


def test_blank_and_not_a_function_fail_with_one_sentence():
    blank = _evaluate(None, "q7_7")
    assert not blank.passed and blank.tag == "blank" and "still None" in blank.sentence
    text = _evaluate("9780803723573", "q7_7")
    assert not text.passed and text.tag == "not_function"
    _one_sentence(blank)
    _one_sentence(text)


def test_an_error_in_the_learners_function_is_one_sentence_naming_the_input():
    def broken(isbn10):
        return 1 / 0

    result = _evaluate(broken, "q7_7")
    assert not result.passed and result.tag == "error"
    assert "ZeroDivisionError" in result.sentence and "isbn10_to_13('" in result.sentence
    _one_sentence(result)


def test_an_object_that_says_it_equals_everything_does_not_pass():
    class Always:
        def __eq__(self, other):
            return True

        def __ne__(self, other):
            return False

    result = _evaluate(lambda isbn10: Always(), "q7_7")
    assert not result.passed and result.tag == "result"
    _one_sentence(result)


def test_a_str_subclass_is_compared_by_its_characters():
    class Liar(str):
        def __eq__(self, other):
            return True

        def __hash__(self):
            return 0

        def __str__(self):
            return "9780803723573"

    result = _evaluate(lambda isbn10: Liar("978" + isbn10), "q7_7")
    assert not result.passed
    assert result.tag == "old_check_digit", result.line()


def test_rebound_builtins_in_the_learners_process_change_nothing():
    def wrong(isbn10):
        return "978" + isbn10

    # the cases are read first: the course's query timer (threading) does not survive a
    # rebound len, whichever check runs, so this test is about the comparison
    assert _evaluate(isbn10_to_13, "q7_7").passed
    saved = {name: getattr(builtins, name) for name in ("len", "sorted", "repr", "zip")}
    try:
        builtins.len = lambda x: 0
        builtins.sorted = lambda x, **k: []
        builtins.repr = lambda x: ""
        builtins.zip = lambda *a, **k: iter(())
        wrong_result = _evaluate(wrong, "q7_7")
        right_result = _evaluate(isbn10_to_13, "q7_7")
    finally:
        for name, value in saved.items():
            setattr(builtins, name, value)
    assert not wrong_result.passed, wrong_result.line()
    assert right_result.passed, right_result.line()


def test_a_record_subclass_or_a_lying_field_is_not_read_as_a_record():
    class Fake(pymarc.Record):
        @property
        def fields(self):  # whatever it likes, whatever was done to the record
            return []

        @fields.setter
        def fields(self, value):
            pass

    result = _evaluate(lambda record, note: Fake(), "q7_8")
    assert not result.passed and result.tag == "result"
    assert "pymarc Record itself" in result.sentence

    class Field(pymarc.Field):
        pass

    def sneaky(record, note):
        record.add_ordered_field(Field(tag="590", indicators=[" ", " "], subfields=[]))
        return record

    assert not _evaluate(sneaky, "q7_8").passed


def test_each_call_gets_a_fresh_record_so_the_reference_is_not_changed():
    seen = []

    def keeps_and_breaks(record, note):
        seen.append(record)
        for field in record.get_fields("245"):
            record.remove_field(field)
        return record

    assert not _evaluate(keeps_and_breaks, "q7_8").passed
    assert len({id(r) for r in seen}) == len(seen) > 1

    def right(record, note):
        field = pymarc.Field(
            tag="590", indicators=[" ", " "], subfields=[pymarc.Subfield("a", note)]
        )
        record.add_ordered_field(field)
        return record

    assert _evaluate(right, "q7_8").passed


def test_a_record_difference_names_the_field_and_indicators():
    def ind1(record):
        for field in record.get_fields("245"):
            if field.get("a", "").startswith("The "):
                field.indicator1 = "0"
                field.indicator2 = "4"
        return record

    result = _evaluate(ind1, "q7_9")
    assert not result.passed and "245 indicators" in result.sentence, result.line()
    _one_sentence(result)


def test_answers_tuned_to_the_visible_records_fail_the_hidden_check():
    from course import records

    cases = python_checks._cases(check.exercise("q7_1", module=MODULE), "library")
    known = {}
    for (record_id,) in cases:
        raw = records.raw(record_id)
        end = raw.index(b"\x1e")
        known[raw] = [
            (raw[s : s + 3].decode(), int(raw[s + 3 : s + 7]), int(raw[s + 7 : s + 12]))
            for s in range(24, end, 12)
        ]

    def typed_in(raw):
        return known.get(raw, [])

    assert _evaluate(typed_in, "q7_1").passed
    hidden = _evaluate(typed_in, "q7_1", hidden=True)
    assert not hidden.passed and hidden.sentence.startswith("On other records of the catalog")
    _one_sentence(hidden)


def test_xml_first_difference_in_document_order_after_canonicalization():
    want = (
        b'<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
        b'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>A</dc:title>'
        b"<dc:date>1899</dc:date></oai_dc:dc>"
    )
    same = (
        b'<?xml version="1.0"?>\n<x:dc xmlns:x="http://www.openarchives.org/OAI/2.0/oai_dc/">\n'
        b'  <t:title xmlns:t="http://purl.org/dc/elements/1.1/">A</t:title>\n'
        b'  <dc:date xmlns:dc="http://purl.org/dc/elements/1.1/">1899</dc:date>\n</x:dc>'
    )
    assert xml_difference(same, want) is None
    other_text = want.replace(b">1899<", b">1900<")
    assert xml_difference(other_text, want) == (
        "has '1900' in <oai_dc:dc/dc:date[1]>, expected '1899'"
    )
    swapped = (
        b'<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
        b'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:date>1899</dc:date>'
        b"<dc:title>A</dc:title></oai_dc:dc>"
    )
    assert "has <oai_dc:dc/dc:date[1]> where <oai_dc:dc/dc:title[1]>" in xml_difference(
        swapped, want
    )
    assert "not well-formed XML" in xml_difference(b"<dc:title>", want)
    entity = b'<!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]><d>&e;</d>'
    assert xml_difference(entity, want) is not None  # entities are not resolved


def test_an_lxml_element_is_read_by_serializing_it():
    root = etree.Element("{http://www.openarchives.org/OAI/2.0/oai_dc/}dc")
    assert plain(root)[0] == "xml"
    with pytest.raises(NotPlain):
        plain(object())


def test_a_failing_check_writes_nothing_to_stderr_and_check_function_cannot_be_replaced(capsys):
    with pytest.raises(check.CheckFailed):
        check.function(lambda isbn10: "978" + isbn10, "q7_7", module=MODULE)
    assert capsys.readouterr().err == ""
    with pytest.raises(AttributeError):
        check.function = lambda *a, **k: None


def test_what_a_function_prints_stays_out_of_the_check(capsys):
    """A beginner's function that prints (and the listed mistake that does) would otherwise fill
    the check's output with one line per case: the learner sees only the check's sentence."""

    def directory(raw):
        print("looking at", raw[:5])
        base = int(raw[12:17])
        body = raw[24 : base - 1]
        entries = []
        for i in range(0, len(body) - 12, 12):  # drops the last entry
            entries.append(
                (body[i : i + 3].decode(), int(body[i + 3 : i + 7]), int(body[i + 7 : i + 12]))
            )
        return entries

    result = _evaluate(directory, "q7_1")
    assert not result.passed and "items where" in result.sentence, result.line()
    printed = capsys.readouterr()
    assert printed.out == "" and printed.err == ""
