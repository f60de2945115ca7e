"""Module 09: the vendor portal, the load pipeline on the vendor's real file, the exports, and
the honesty of the bank (its references are the pipeline's statements, and differ on the shadow
data)."""

from __future__ import annotations

import hashlib
import json
import urllib.error
import urllib.request
from pathlib import Path

import duckdb
import pytest

from course import check, config
from course.check import state_checks
from course.check.bank import banks_dir, load_bank
from course.loads import VendorPortal, export, pipeline
from course.loads.portal import CUT_SHARE

BANK = banks_dir() / "09-batch-loads.yml"
COURSE_DATA = config.data_dir()  # as the environment names it before any test changes it
LOADLAB = COURSE_DATA / "loadlab"
VENDOR_FILE = LOADLAB / "vendor-delivery.mrc"


def _built() -> bool:
    return all((COURSE_DATA / f"{db}.duckdb").exists() for db in config.DATABASES)


needs_data = pytest.mark.skipif(not _built(), reason="the course data is not built")


@pytest.fixture(autouse=True)
def _course_data(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_DATA_DIR", str(COURSE_DATA))
    monkeypatch.setenv("COURSE_WORKSPACE", str(tmp_path / "workspace"))
    check.clear_cache()


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


# -- the vendor portal -------------------------------------------------------------------------


@pytest.fixture
def files(tmp_path):
    a = tmp_path / "a.mrc"
    b = tmp_path / "b file.xml"
    a.write_bytes(bytes(range(256)) * 40)
    b.write_bytes(b"<collection/>\n")
    return a, b


def test_portal_serves_sums_in_sha256sum_format(files):
    a, b = files
    with VendorPortal([a, b], truncate=None) as portal:
        sums = _get(portal.url + "SHA256SUMS").decode()
        assert sums.splitlines() == [
            f"{hashlib.sha256(a.read_bytes()).hexdigest()}  a.mrc",
            f"{hashlib.sha256(b.read_bytes()).hexdigest()}  b file.xml",
        ]
        assert _get(portal.url + "files/b%20file.xml") == b.read_bytes()
        assert b"a.mrc" in _get(portal.url)


def test_portal_cuts_the_first_download_short_and_only_the_first(files):
    a, b = files
    with VendorPortal([a, b], truncate="a.mrc") as portal:
        first = _get(portal.url + "files/a.mrc")  # no error: the cut is quiet
        second = _get(portal.url + "files/a.mrc")
        assert len(first) == int(len(a.read_bytes()) * CUT_SHARE) and first != a.read_bytes()
        assert second == a.read_bytes()
        assert _get(portal.url + "files/b%20file.xml") == b.read_bytes()
        assert portal.downloads == {"a.mrc": 2, "b file.xml": 1}


def test_portal_says_no_to_unknown_files_and_stops(files):
    a, _b = files
    portal = VendorPortal([a], truncate=None).start()
    url = portal.url
    with pytest.raises(urllib.error.HTTPError) as err:
        _get(url + "files/../../etc/passwd")
    assert err.value.code == 404
    err.value.close()
    portal.stop()
    portal.stop()  # twice is fine
    assert not portal.running
    with pytest.raises(urllib.error.URLError):
        _get(url + "SHA256SUMS")
    with pytest.raises(RuntimeError):
        portal.url  # noqa: B018


def test_portal_refuses_missing_files_with_a_sentence(tmp_path):
    with pytest.raises(FileNotFoundError, match="course data"):
        VendorPortal([tmp_path / "nothing.mrc"])
    (tmp_path / "x.mrc").write_bytes(b"x")
    with pytest.raises(ValueError, match="cannot cut"):
        VendorPortal([tmp_path / "x.mrc"], truncate="y.mrc")


@needs_data
def test_portal_serves_the_weeks_files_from_the_course_data():
    with VendorPortal() as portal:
        sums = _get(portal.url + "SHA256SUMS").decode()
        assert "vendor-delivery.mrc" in sums and "sample.marcxml" in sums
        broken = _get(portal.url + "files/vendor-delivery.mrc")
        whole = _get(portal.url + "files/vendor-delivery.mrc")
    assert whole == VENDOR_FILE.read_bytes()
    assert hashlib.sha256(broken).hexdigest() not in sums
    assert hashlib.sha256(whole).hexdigest() in sums


# -- the pipeline on the vendor's real delivery ------------------------------------------------


@pytest.fixture(scope="module")
def vendor():
    if not _built():
        pytest.skip("the course data is not built")
    con = duckdb.connect()
    pipeline.use_catalog(con, COURSE_DATA / "library.duckdb")
    stats = pipeline.run(VENDOR_FILE, con, "vendor", progress=False)
    yield con, stats
    con.close()


def test_in_the_learner_build_the_pipeline_runs_the_learners_answers(vendor, monkeypatch):
    # A learner build's bank has no references (issue 14): each step runs the answer the
    # notebook holds under the exercise's name, and says so in one sentence when there is none
    # or when it fails.
    import dataclasses

    con, stats = vendor
    full = {qid: ex for qid, ex in load_bank(BANK).items()}
    stripped = {qid: dataclasses.replace(ex, reference="") for qid, ex in full.items()}
    monkeypatch.setattr(pipeline, "_exercise", lambda step: stripped[pipeline.STEPS[step]])
    answers: dict = {}
    monkeypatch.setattr(pipeline, "_learner_answer", answers.get)
    with pytest.raises(pipeline.StepMissing, match=r"Question 9\.3 \(q9_3\) has none yet"):
        pipeline.validate(con, "vendor")
    answers.update({qid: ex.reference for qid, ex in full.items()})
    assert pipeline.validate(con, "vendor") > 0
    assert pipeline.match(con, "vendor") == stats.outcomes
    answers["q9_4"] = "CREATE TABLE missing_field AS SELECT record_id FORM batch_record"
    with pytest.raises(pipeline.StepMissing) as failed:
        pipeline.validate(con, "vendor")
    assert failed.value.sentence.startswith("Your answer to Question 9.4 (q9_4) stopped the")
    assert failed.value._render_traceback_() == [f"✗ {failed.value.sentence}"]
    answers["q9_4"] = full["q9_4"].reference
    pipeline.validate(con, "vendor")  # leave the fixture's tables as they were


def _manifest() -> dict:
    return json.loads((LOADLAB / "manifest.json").read_text(encoding="utf-8"))


def _planted(kind: str) -> list[dict]:
    return next(p for p in _manifest()["problems"] if p["kind"] == kind)["items"]


def test_the_loader_names_each_unreadable_record(vendor):
    con, stats = vendor
    offsets = {r[0] for r in con.execute("SELECT file_offset FROM vendor.batch_reject").fetchall()}
    for kind in ("record_length_not_numeric", "wrong_base_address"):
        assert {i["offset"] for i in _planted(kind)} <= offsets
    assert stats.unreadable == len(offsets) == 5
    assert stats.staged + stats.unreadable == stats.records == 1001


def test_the_rules_find_every_planted_problem(vendor):
    con, _stats = vendor
    bad = set(con.execute("SELECT isbn FROM vendor.bad_isbn").fetchall())
    assert {(i["isbn"],) for i in _planted("invalid_isbn_check_digit")} == bad
    missing = con.execute("SELECT control_number FROM vendor.missing_field").fetchall()
    assert [(i["control_number"],) for i in _planted("missing_245")] == missing
    dup = {r[0] for r in con.execute("SELECT control_number FROM vendor.duplicate_001").fetchall()}
    planted = {
        i["control_number"]
        for k in ("exact_duplicate", "duplicate_001_different_content")
        for i in _planted(k)
    }
    assert dup == planted


def test_every_overlay_matches_its_own_catalog_record(vendor):
    con, stats = vendor
    overlays = _manifest()["files"]["vendor_delivery"]["overlays"]
    decided = dict(
        con.execute(
            "SELECT trim(r.control_number), d.bib_id FROM vendor.match_decision AS d "
            "JOIN vendor.batch_record AS r USING (record_id) WHERE d.outcome = 'overlay'"
        ).fetchall()
    )
    assert {o["control_number"]: o["bib_id"] for o in overlays} == decided
    assert stats.outcomes == {"overlay": len(overlays), "new": 807, "reject": 23}


def test_the_load_is_idempotent_and_keeps_local_notes(vendor):
    con, stats = vendor
    assert stats.changed == stats.outcomes["new"] + stats.outcomes["overlay"]
    before = pipeline.table_checksum(con, "vendor.catalog_title")
    notes = con.execute(
        "SELECT count(*) FROM vendor.catalog_title WHERE local_note IS NOT NULL"
    ).fetchone()[0]
    assert pipeline.overlay(con, "vendor") == 0
    assert pipeline.table_checksum(con, "vendor.catalog_title") == before
    assert (
        notes == con.execute("SELECT count(*) FROM library.bib WHERE bib_id % 7 = 0").fetchone()[0]
    )


def test_export_round_trips_marc_and_marcxml(vendor, tmp_path):
    con, _stats = vendor
    ids = [
        r[0]
        for r in con.execute(
            "SELECT record_id FROM vendor.match_decision WHERE outcome <> 'reject'"
        ).fetchall()
    ]
    records = export.records_from_tables(con, "vendor", ids)
    assert len(records) == len(ids)
    for path in (
        export.write_marc(records, tmp_path / "out.mrc"),
        export.write_marcxml(records, tmp_path / "out.xml"),
    ):
        ok, sentence = export.same_records(export.read_back(path), records)
        assert ok, sentence
    changed = export.read_back(tmp_path / "out.mrc")
    changed[3]["245"]["a"] = "Another title"
    assert export.same_records(changed, records) == (
        False,
        "Record 4 differs after the round trip.",
    )


# -- the bank ----------------------------------------------------------------------------------

STATE = [qid for qid, ex in load_bank(BANK).items() if ex.kind == "state"]


def test_at_least_eight_graded_exercises():
    bank = load_bank(BANK)
    assert len(bank) >= 8 and len(STATE) >= 7


def test_the_pipelines_steps_are_the_state_exercises_and_run_their_references():
    bank = load_bank(BANK)
    assert set(pipeline.STEPS.values()) == set(STATE)
    for step, qid in pipeline.STEPS.items():
        assert pipeline.statement(step) == bank[qid].reference, qid


def test_the_pipeline_holds_no_answer_of_its_own():
    # The learner build strips the references; the pipeline must not carry them (issue 14).
    def plain(text):
        return " ".join(text.split())

    source = plain(Path(pipeline.__file__).read_text(encoding="utf-8"))
    for qid in STATE:
        assert plain(load_bank(BANK)[qid].reference) not in source, qid


@needs_data
@pytest.mark.parametrize("qid", STATE)
def test_reference_tables_are_filled_and_differ_on_the_shadow_data(qid):
    ex = load_bank(BANK)[qid]
    tables, library = state_checks._reference(ex, "library")
    _tables, shadow = state_checks._reference(ex, "shadow")
    for name in tables:
        mine, theirs = library[name.casefold()].data, shadow[name.casefold()].data
        assert mine.nrows > 0 and theirs.nrows > 0, f"{qid}: {name} is empty"
        assert sorted(map(repr, mine.rows)) != sorted(map(repr, theirs.rows)), qid


@needs_data
@pytest.mark.parametrize("qid", STATE)
def test_an_answer_that_changes_nothing_fails(qid):
    for hidden in (False, True):
        result = check.evaluate("SELECT 1", qid, module=BANK, hidden=hidden)
        assert not result.passed, result.line()
        assert "\n" not in result.sentence and "Traceback" not in result.sentence
