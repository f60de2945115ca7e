"""`course mutants`: single-edit mutants of reference queries, judged by the real checks.

The operators are tested on small SQL (each makes what its name says, and leaves alone what is
the same query by construction); a planted weak check on the small fixture databases must be
reported as a survivor, an equivalent listing must silence exactly the mutant it names, and the
command's exit status must follow.  The last tests run every course bank on the built course
data and ask for no unlisted survivor (slow; skipped without the data).
"""

from __future__ import annotations

import textwrap

import pytest
import sqlglot

from course import check, cli, config
from course.grading import mutants as mutants_pkg
from course.grading.gate import mutant_findings
from course.grading.mutants import make_mutants, run_module
from course.grading.mutants.operators import Schema
from course.grading.mutants.runner import ExerciseReport, ModuleReport, Outcome


def _idents(sql: str, **kw) -> dict[str, str]:
    baseline, made = make_mutants(sql, **kw)
    assert len({m.ident for m in made}) == len(made), "mutant names must be unique"
    for m in made:
        assert m.sql != baseline
        sqlglot.parse_one(m.sql, read="duckdb")  # every mutant is SQL again
    return {m.ident: m.operator for m in made}


# --- the operators ---------------------------------------------------------------------------


def test_comparisons_are_replaced_by_each_other_and_constants_move_by_one():
    made = _idents("SELECT a FROM t WHERE x >= 2000")
    for other in ("=", "<>", "<", "<=", ">"):
        assert made[f"x >= 2000 -> x {other} 2000"] == "comparison"
    assert made["x >= 2000 -> x >= 2001"] == made["x >= 2000 -> x >= 1999"] == "constant"


def test_dates_move_by_a_day_and_intervals_by_one():
    made = _idents("SELECT a FROM t WHERE d < DATE '2025-01-01' AND e = d + INTERVAL 6 MONTH")
    assert "d < CAST('2025-01-01' AS DATE) -> d < CAST('2024-12-31' AS DATE)" in made
    assert "d < CAST('2025-01-01' AS DATE) -> d < CAST('2025-01-02' AS DATE)" in made
    assert "d + INTERVAL '6' MONTH -> d + INTERVAL '7' MONTH" in made


def test_and_or_and_each_where_or_having_conjunct_dropped():
    made = _idents(
        "SELECT a, count(*) FROM t WHERE a = 'x' AND b = 'y' GROUP BY a HAVING count(*) > 2"
    )
    assert made["a = 'x' AND b = 'y' -> a = 'x' OR b = 'y'"] == "and_or"
    assert made["drop WHERE a = 'x'"] == made["drop WHERE b = 'y'"] == "drop_where"
    assert made["drop HAVING COUNT(*) > 2"] == "drop_having"


def test_an_or_inside_an_and_keeps_its_brackets():
    baseline, made = make_mutants("SELECT a FROM t WHERE a = 1 AND (b = 2 OR c IS NULL)")
    swapped = next(m for m in made if m.ident.startswith("b = 2 OR c IS NULL ->"))
    assert swapped.sql.endswith("WHERE a = 1 AND (b = 2 AND c IS NULL)")


def test_distinct_is_dropped_added_and_toggled_in_count():
    assert "SELECT DISTINCT a -> SELECT a" in _idents("SELECT DISTINCT a FROM t")
    assert "SELECT a, b -> SELECT DISTINCT a, b" in _idents("SELECT a, b FROM t")
    made = _idents("SELECT count(DISTINCT a), count(b) FROM t")
    assert made["COUNT(DISTINCT a) -> COUNT(a)"] == made["COUNT(b) -> COUNT(DISTINCT b)"]


def test_left_and_inner_joins_swap():
    made = _idents("SELECT a.x FROM a LEFT JOIN b ON b.id = a.id JOIN c ON c.id = a.id")
    assert made["LEFT JOIN b -> JOIN b"] == made["JOIN c -> LEFT JOIN c"] == "join"


def test_count_star_becomes_each_column_its_select_reads_and_back():
    made = _idents("SELECT g, count(*), count(r) FROM t GROUP BY g")
    assert {"COUNT(*) -> COUNT(g)", "COUNT(*) -> COUNT(r)", "COUNT(r) -> COUNT(*)"} <= set(made)


def test_is_null_like_and_order_flip():
    made = _idents("SELECT a FROM t WHERE a IS NULL AND b IS NOT NULL AND c LIKE '%x%' ORDER BY a")
    assert made["a IS NULL -> a IS NOT NULL"] == made["b IS NOT NULL -> b IS NULL"] == "is_null"
    assert made["c LIKE '%x%' -> c ILIKE '%x%'"] == "like"
    assert made["a -> a DESC"] == "order"
    assert "c ILIKE '%x%' -> c LIKE '%x%'" in _idents("SELECT a FROM t WHERE c ILIKE '%x%'")


def test_not_in_and_not_exists_rewrite_into_each_other():
    made = _idents("SELECT a FROM t WHERE t.a NOT IN (SELECT u.b FROM u)")
    assert made["t.a NOT IN (SELECT u.b ...) -> NOT EXISTS"] == "not_in"
    baseline, mutants = make_mutants(
        "SELECT a FROM t WHERE NOT EXISTS (SELECT 1 FROM u WHERE u.b = t.a AND u.c = 1)"
    )
    rewritten = next(m for m in mutants if m.operator == "not_in")
    assert rewritten.ident == "NOT EXISTS -> t.a NOT IN (SELECT u.b ...)"
    assert "t.a NOT IN (SELECT u.b FROM u WHERE u.c = 1)" in rewritten.sql


def test_what_is_the_same_query_by_construction_is_left_alone():
    made = _idents(
        "SELECT t.a FROM t JOIN u ON u.id = t.id "
        "WHERE EXISTS (SELECT 1 FROM v WHERE v.k = t.a) AND t.c LIKE '1%'"
    )
    assert not any(i.startswith("u.id = t.id ->") for i in made)  # a join key
    assert not any("SELECT DISTINCT 1" in i for i in made)  # rows under EXISTS
    assert not any(i.startswith("1 ->") for i in made)  # SELECT 1 under EXISTS
    assert not any(i.startswith("t.c LIKE '1%'") and "ILIKE" in i for i in made)  # no letters
    assert "SELECT 10 -> SELECT DISTINCT 10" not in _idents("SELECT 10")  # one row


def test_the_schema_leaves_out_distinct_count_and_joins_that_cannot_differ():
    schema = Schema(
        keys={"bib": [("bib_id",)], "item": [("item_id",)]},
        not_null={"item": {"item_id", "bib_id"}, "bib": {"bib_id"}},
        foreign={("item", "bib_id"): ("bib", "bib_id")},
    )
    sql = (
        "SELECT i.item_id, b.title, count(*) OVER () FROM item i JOIN bib b ON b.bib_id = i.bib_id"
    )
    with_schema = _idents(sql, schema=schema)
    without = _idents(sql)
    assert "JOIN bib AS b -> LEFT JOIN bib AS b" in without
    assert "JOIN bib AS b -> LEFT JOIN bib AS b" not in with_schema  # every item has its bib
    listing = "SELECT i.item_id, b.title FROM item i JOIN bib b ON b.bib_id = i.bib_id"
    assert "SELECT i.item_id, b.title -> SELECT DISTINCT i.item_id, b.title" in _idents(listing)
    assert not any("DISTINCT" in i for i in _idents(listing, schema=schema))  # keyed rows
    counted = "SELECT i.bib_id, count(*) FROM item i WHERE i.price > 1 GROUP BY i.bib_id"
    assert "COUNT(*) -> COUNT(i.bib_id)" in _idents(counted)
    assert "COUNT(*) -> COUNT(i.bib_id)" not in _idents(counted, schema=schema)
    assert "COUNT(*) -> COUNT(i.price)" not in _idents(counted)  # WHERE keeps only prices


def test_order_the_check_does_not_grade_gets_no_mutant():
    sql = "SELECT tag, count(*) AS n FROM f GROUP BY tag ORDER BY n DESC, tag"
    assert {"n DESC -> n ASC", "tag -> tag DESC"} <= set(_idents(sql))
    assert "tag -> tag DESC" not in _idents(sql, graded_order=("n",))
    assert not any(i.startswith("n DESC") for i in _idents(sql, skip_top_order=True))


def test_a_reference_sqlglot_cannot_read_is_a_mutation_error():
    with pytest.raises(mutants_pkg.MutationError):
        make_mutants("SELECT FROM WHERE (")


# --- judged by the checks, on the small fixture databases --------------------------------------

_BANK = """\
module: 91-mutant-lab
exercises:
  q91_1:
    title: Records from before 2050
    kind: query
    reference: SELECT bib_id, title FROM bib WHERE date1 < 2050
  q91_2:
    title: French records
    kind: query
    reference: SELECT bib_id, title FROM bib WHERE language = 'fre'
{listing}"""

_WEAK = "date1 < 2050 -> date1 <= 2050"


@pytest.fixture
def lab(data_dir, monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_DATA_DIR", str(data_dir))
    check.clear_cache()

    def bank(listing: str = ""):
        path = tmp_path / "91-mutant-lab.yml"
        path.write_text(_BANK.format(listing=textwrap.indent(listing, "    ")), encoding="utf-8")
        return path

    yield bank
    check.clear_cache()


def _by_ident(report: ModuleReport, qid: str) -> dict[str, Outcome]:
    entry = next(e for e in report.exercises if e.qid == qid)
    return {o.mutant.ident: o for o in entry.outcomes}


def test_a_planted_weak_check_is_reported_as_a_survivor(lab):
    report = run_module(lab(), hidden=lambda qid: True)
    weak = _by_ident(report, "q91_1")
    # No record is dated near 2050 in either database, so neither check can tell these apart.
    assert weak[_WEAK].verdict == "survived"
    assert weak["date1 < 2050 -> date1 < 2051"].verdict == "survived"
    assert weak["date1 < 2050 -> date1 > 2050"].killed
    french = _by_ident(report, "q91_2")
    assert all(o.killed for o in french.values()), [o for o in french.values() if not o.killed]
    assert any(_WEAK in p for p in report.problems)
    assert report.score is not None and report.score < 1
    assert report.made == report.killed + len(report.unlisted)


def test_an_equivalent_listing_silences_exactly_that_mutant(lab):
    listing = f'equivalent_mutants:\n  - mutant: "{_WEAK}"\n    why: "a test reason"\n'
    bank = (
        lab()
        .read_text()
        .replace(
            "reference: SELECT bib_id, title FROM bib WHERE date1 < 2050\n",
            "reference: SELECT bib_id, title FROM bib WHERE date1 < 2050\n"
            + textwrap.indent(listing, "    "),
        )
    )
    path = lab()
    path.write_text(bank, encoding="utf-8")
    report = run_module(path, hidden=lambda qid: True)
    outcomes = _by_ident(report, "q91_1")
    assert outcomes[_WEAK].why == "a test reason"
    assert report.equivalent == 1
    unlisted = {o.mutant.ident for o in report.unlisted}
    assert _WEAK not in unlisted and "date1 < 2050 -> date1 < 2051" in unlisted
    assert not any(_WEAK in p for p in report.problems)


def test_a_listing_of_a_killed_mutant_or_of_no_mutant_is_a_problem(lab):
    listing = (
        "equivalent_mutants:\n"
        "  - mutant: [\"language = 'fre' -> language <> 'fre'\", \"no such mutant\"]\n"
        '    why: "wrong on purpose"\n'
    )
    report = run_module(lab(listing), hidden=lambda qid: True)
    problems = " | ".join(report.problems)
    assert "but the checks kill it" in problems and "'no such mutant'" in problems


def test_the_gate_reports_an_unlisted_survivor(lab):
    path = lab()
    findings = mutant_findings(
        ["91-mutant-lab", "00-elsewhere"], banks={"91-mutant-lab": path}, log=lambda *_: None
    )
    assert findings and {f.step for f in findings} == {"mutants"}
    assert all(f.assignment == "91-mutant-lab" for f in findings)
    assert any(_WEAK in f.message for f in findings)


# --- the command -------------------------------------------------------------------------------


def _report(survivor: bool) -> ModuleReport:
    mutant = mutants_pkg.Mutant("comparison", "x > 1 -> x >= 1", "SELECT 1")
    verdict = "survived" if survivor else "killed_visible"
    entry = ExerciseReport("q91_1", [Outcome("q91_1", mutant, verdict)])
    return ModuleReport("91-mutant-lab", [entry])


@pytest.mark.parametrize(("survivor", "status"), [(True, 1), (False, 0)])
def test_the_command_exits_non_zero_on_an_unlisted_survivor(survivor, status, monkeypatch, capsys):
    monkeypatch.setattr(mutants_pkg, "run_modules", lambda *a, **k: [_report(survivor)])
    assert cli.main(["mutants", "91"]) == status
    out = capsys.readouterr().out
    assert ("x > 1 -> x >= 1" in out) is survivor
    assert "mutation score" in out


def test_an_unknown_module_is_one_sentence(capsys):
    assert cli.main(["mutants", "99-nothing"]) == 1
    err = capsys.readouterr().err
    assert "There is no module '99-nothing'" in err and "Traceback" not in err


# --- every course bank on the built course data ------------------------------------------------


def _course_data_built() -> bool:
    return all(config.database_path(db).exists() for db in config.DATABASES)


@pytest.mark.slow
def test_every_course_query_check_kills_its_mutants_or_lists_them():
    if not _course_data_built():
        pytest.skip("the course data is not built: run `course data` first")
    check.clear_cache()
    reports = mutants_pkg.run_modules(log=lambda *_: None)
    problems = [f"{r.module}: {p}" for r in reports for p in r.problems]
    assert problems == []
    assert sum(r.made for r in reports) > 500
    check.clear_cache()


def test_exercise_1_4s_two_likes_fail_the_hidden_check_on_the_course_data():
    # The example: no visible title is in capitals, so only the shadow data's witness
    # (course.data.witness: library_in_capitals) tells this answer from ILIKE.
    if not _course_data_built():
        pytest.skip("the course data is not built: run `course data` first")
    check.clear_cache()
    answer = "SELECT bib_id, title FROM bib WHERE title LIKE '%library%' OR title LIKE '%Library%'"
    assert not check.evaluate(answer, "q1_4", hidden=True).passed
    check.clear_cache()
