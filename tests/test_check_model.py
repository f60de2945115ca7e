"""The model check: the erDiagram reader, the comparison with the bank's designs, the diagram
display, and attempts to pass a model exercise without the right model.

The bank used is module 04's (``course/exercises/04-data-modeling.yml``); model exercises need no
database, so these tests run without the course data.  The ``slow`` tests run small notebooks in a
fresh kernel and score them the way nbgrader does.
"""

from __future__ import annotations

import builtins
import re
from pathlib import Path

import pytest
import yaml

from course import check
from course.check import erdiagram, model_checks
from course.check.bank import find_exercise
from course.check.erdiagram import MANY, ModelTextError, parse
from course.check.nbrun import SETUP, execute, notebook, scores, test_cell
from course.widgets import diagram

FIXTURES = Path(__file__).parent / "fixtures" / "answers"

SERIALS = find_exercise("q4_1").reference
TEST = 'from course import check\ncheck.model(q4_1, "q4_1")'


def _without(text: str, name: str) -> str:
    """``text`` without entity ``name``: its block and every line that mentions it."""
    text = re.sub(rf"\n\s*{name} {{[^}}]*}}", "", text)
    return "\n".join(line for line in text.splitlines() if name not in line) + "\n"


# -- the reader --------------------------------------------------------------------------------


def test_reader_takes_the_taught_subset():
    model = parse(
        """
        erDiagram
            %% a comment
            vendor ||--o{ purchase_order : "receives"
            purchase_order ||--|{ order_line : lists
            order_line }o..o| invoice_line : "is paid by"
            vendor {
                int vendor_id PK
                varchar(40) name "the name on invoices"
                int parent_id FK
            }
            order_line {
                int order_id PK, FK
                int line_no PK
            }
            fund
        """
    )
    assert list(model.entities) == [
        "vendor",
        "purchase_order",
        "order_line",
        "invoice_line",
        "fund",
    ]
    vendor = model.entities["vendor"]
    assert vendor.key_names("PK") == ["vendor_id"] and vendor.key_names("FK") == ["parent_id"]
    assert vendor.attributes[1].comment == "the name on invoices"
    assert model.entities["order_line"].key_names("PK") == ["order_id", "line_no"]
    first, second, third = model.relationships
    assert (first.left_card, first.right_card, first.label) == ((1, 1), (0, MANY), "receives")
    assert second.right_card == (1, MANY) and second.label == "lists"
    assert third.left_card == (0, MANY) and third.right_card == (0, 1)
    assert first.identifying and not third.identifying


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "empty"),
        ("vendor ||--o{ order : x", "Line 1 .* erDiagram on the first line"),
        ("erDiagram\n  vendor ||--o{ order", "Line 2 .* a colon and a label"),
        ("erDiagram\n  vendor |--o{ order : x", "Line 2 .* both cardinality ends"),
        ("erDiagram\n  vendor {\n    name\n  }", "Line 3 .* a type and a name"),
        ("erDiagram\n  vendor {\n    int vendor_id PRIMARY\n  }", "Line 3"),
        ("erDiagram\n  vendor {\n    int vendor_id PK", "never closed"),
        ("erDiagram\n  the vendor table", "Line 2 .* an entity name"),
        ("erDiagram\n", "no entities"),
    ],
)
def test_unreadable_text_gets_one_sentence_naming_the_line(text, words):
    with pytest.raises(ModelTextError) as caught:
        parse(text)
    sentence = caught.value.sentence
    assert re.search(words, sentence), sentence
    assert "\n" not in sentence and sentence.endswith(".")


# -- the comparison ----------------------------------------------------------------------------


def test_the_reference_and_every_alternative_pass():
    for qid in ("q4_1", "q4_2", "q4_4", "q4_5", "q4_9", "q4_10"):
        ex = find_exercise(qid)
        for text in (ex.reference, *ex.alternatives):
            assert check.evaluate(text, qid).passed, qid
            assert check.evaluate(text, qid, hidden=True).passed, qid


def test_correct_fixture_models_pass_the_hidden_check_too():
    answers = yaml.safe_load((FIXTURES / "04-data-modeling.yml").read_text(encoding="utf-8"))
    for qid, entry in answers["answers"].items():
        if find_exercise(qid).kind != "model":
            continue
        for variant in entry["correct"]:
            result = check.evaluate(variant["value"], qid, hidden=True)
            assert result.passed and "grading time" in result.sentence, result.line()


def test_direction_case_plurals_and_synonyms_do_not_matter():
    flipped = """
    erDiagram
        Claims }o--|| Issues : "chases"
        Issues }o--|| Serials : "arrive on"
        Serials {
            int id PK
            string title
        }
        Issues {
            int issue_id PK
            string numbering
            date expected_date
            date date_received
        }
        Claims {
            int claim_id PK
            date claim_date
        }
    """
    assert check.evaluate(flipped, "q4_1").passed


def test_the_fixed_order_reports_the_earliest_difference():
    # no claim entity AND wrong line ends: the entity is reported first
    text = _without(SERIALS, "claim").replace("||--o{ issue", "||--|| issue")
    result = check.evaluate(text, "q4_1")
    assert result.tag == "entities" and "claims a serials clerk sends" in result.sentence


def test_an_extra_entity_is_reported_as_a_possible_attribute():
    text = SERIALS + "    vendor ||--o{ subscription : supplies\n"
    result = check.evaluate(text, "q4_1")
    assert result.tag == "entities" and "vendor" in result.sentence


def test_a_cardinality_sentence_names_the_line_and_both_counts():
    text = SERIALS.replace("issue ||--o{ claim", "issue ||--o| claim")
    result = check.evaluate(text, "q4_1")
    assert result.tag == "cardinality"
    assert "zero or one claim" in result.sentence and "zero or more claims" in result.sentence
    assert "(line 3)" in result.sentence


def test_optionality_is_compared_unless_the_bank_says_not():
    required = SERIALS.replace("subscription ||--o{ issue", "subscription ||--|{ issue")
    assert check.evaluate(required, "q4_1").tag == "cardinality"
    bf = find_exercise("q4_9").reference.replace("work ||--o{", "work |o--|{")
    assert check.evaluate(bf, "q4_9").passed  # q4_9: optionality: false


def test_foreign_key_marks_count_only_where_the_bank_says_so():
    unmarked = find_exercise("q4_4").reference.replace("PK, FK", "PK")
    assert check.evaluate(unmarked, "q4_4").tag == "attributes"
    # q4_2 does not ask for foreign keys: an FK column is neither needed nor in the way
    ref = find_exercise("q4_2").reference
    with_fk = ref.replace("date order_date", "date order_date\n            int vendor_id FK")
    assert check.evaluate(with_fk, "q4_2").passed


def test_the_closest_design_gives_the_feedback():
    # q4_5 has two designs; an answer with the extra bib-item line but no holding-item line is
    # closer to the second one at the relationship stage than to the first
    alt = find_exercise("q4_5").alternatives[0]
    text = alt.replace('holding ||--|{ item : "has copies"', "")
    result = check.evaluate(text, "q4_5")
    assert result.tag == "relationships" and "holding and item" in result.sentence


def test_a_listed_mistake_gets_its_own_message():
    ex = find_exercise("q4_2")
    wrong = next(m for m in ex.mistakes if m.tag == "fund_on_order")
    result = check.evaluate(wrong.model, "q4_2")
    assert not result.passed and result.tag == "fund_on_order"
    assert result.sentence == wrong.message


def test_api_model_prints_one_line_or_raises(capsys):
    check.model(SERIALS, "q4_1")
    assert capsys.readouterr().out.startswith("✓ Question 4.1")
    with pytest.raises(check.CheckFailed):
        check.model(_without(SERIALS, "claim"), "q4_1")


# -- the display -------------------------------------------------------------------------------


def test_diagram_output_is_mermaid_for_jupyterlab():
    bundle = diagram(SERIALS)._repr_mimebundle_()
    assert bundle["text/vnd.mermaid"].startswith("erDiagram")
    assert bundle["text/markdown"].startswith("```mermaid\nerDiagram")


def test_diagram_of_unreadable_text_is_the_checks_sentence():
    bundle = diagram("erDiagram\n  a ||--o{ b\n")._repr_mimebundle_()
    assert set(bundle) == {"text/plain"}
    assert bundle["text/plain"].startswith("✗ Line 2 of your model")
    assert diagram(None)._repr_mimebundle_()["text/plain"].startswith("✗ There is no model yet")


# -- tamper resistance: in this process --------------------------------------------------------


def test_blank_answers_fail():
    for blank in (None, "", "erDiagram", 0, ["erDiagram"]):
        result = check.evaluate(blank, "q4_1")
        assert not result.passed and result.tag == "parse", blank


def test_a_non_text_object_that_prints_as_the_reference_fails():
    class Printable:
        def __str__(self):
            return SERIALS

        __repr__ = __str__

    assert not check.evaluate(Printable(), "q4_1").passed


def test_a_str_subclass_with_clever_methods_is_read_as_its_characters():
    class Pretender(str):
        def __str__(self):
            return SERIALS

        def splitlines(self, *args):
            return SERIALS.splitlines(*args)

        def strip(self, *args):
            return SERIALS

        def __eq__(self, other):
            return True

        def __hash__(self):
            return 1

    assert not check.evaluate(Pretender("erDiagram\n  claim\n"), "q4_1").passed
    assert check.evaluate(Pretender(SERIALS), "q4_1").passed  # its real characters are right


def test_rebound_builtins_change_nothing(monkeypatch):
    wrong = _without(SERIALS, "claim")
    real_isinstance, real_len = builtins.isinstance, builtins.len
    monkeypatch.setattr(builtins, "isinstance", lambda o, c: c is str or real_isinstance(o, c))
    monkeypatch.setattr(builtins, "sorted", lambda it, **k: [])
    monkeypatch.setattr(builtins, "len", lambda x: 0 if type(x) is list else real_len(x))
    result = check.evaluate(wrong, "q4_1")
    not_text = check.evaluate(["erDiagram"], "q4_1")
    monkeypatch.undo()
    assert not result.passed and result.tag == "entities"
    assert not not_text.passed and not_text.tag == "parse"


def test_a_patched_regular_expression_module_changes_nothing(monkeypatch):
    wrong = _without(SERIALS, "claim")
    monkeypatch.setattr(re, "match", lambda *a, **k: None)
    monkeypatch.setattr(re, "sub", lambda *a, **k: "")
    right, wrong = check.evaluate(SERIALS, "q4_1"), check.evaluate(wrong, "q4_1")
    monkeypatch.undo()
    assert right.passed and not wrong.passed


def test_the_check_functions_cannot_be_replaced():
    with pytest.raises(AttributeError):
        check.model = lambda *a, **k: None
    with pytest.raises(AttributeError):
        model_checks.evaluate_model = lambda *a, **k: None
    with pytest.raises(AttributeError):
        model_checks.compare = lambda *a, **k: None
    with pytest.raises(AttributeError):
        erdiagram.parse = lambda text: None


def test_the_learner_cannot_edit_the_reference_through_the_exercise():
    ex = check.exercise("q4_1")
    with pytest.raises(AttributeError):
        ex.reference = "erDiagram\n  claim\n"
    assert not check.evaluate("erDiagram\n  claim\n", "q4_1").passed


# -- tamper resistance: notebooks scored like nbgrader ------------------------------------------


def run(tmp_path, monkeypatch, *cells) -> dict[str, float]:
    monkeypatch.setenv("COURSE_WORKSPACE", str(tmp_path / "workspace"))
    return scores(execute(notebook([SETUP, *cells]), tmp_path))


@pytest.mark.slow
def test_model_notebook_scores_and_resists_tampering(tmp_path, monkeypatch):
    wrong = _without(SERIALS, "claim")
    got = run(
        tmp_path,
        monkeypatch,
        f"q4_1 = {wrong!r}",
        test_cell(TEST, "wrong"),
        "len = lambda *a: 0\nsorted = lambda *a, **k: []\nisinstance = lambda *a: True",
        test_cell(TEST, "builtins"),
        "check.model = lambda *a, **k: None",
        test_cell(TEST, "replace"),
        f"class P(str):\n    def __str__(self): return {SERIALS!r}\nq4_1 = P({wrong!r})",
        test_cell(TEST, "pretend"),
        f"q4_1 = {SERIALS!r}",
        test_cell(TEST, "right"),
    )
    assert got == {"wrong": 0.0, "builtins": 0.0, "replace": 0.0, "pretend": 0.0, "right": 1.0}
