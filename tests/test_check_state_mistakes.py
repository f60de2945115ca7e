"""Listed mistakes of state exercises (module 10): a whole wrong script, matched by the state it
leaves -- columns, keys and rows all equal -- never by the learner's text."""

from __future__ import annotations

import textwrap

import pytest
import yaml

from course import check
from course.check.bank import validate_bank

SETUP = """
CREATE TABLE shelf (item_id INTEGER PRIMARY KEY, status VARCHAR NOT NULL);
INSERT INTO shelf VALUES (1, 'Available'), (2, 'Lost'), (3, 'Lost'), (4, 'Checked out');
CREATE TABLE shelf_backup AS SELECT * FROM shelf;
CREATE TABLE log (item_id INTEGER);
UPDATE shelf SET status = 'Missing';
"""
BANK = {
    "module": "91-state-mistakes",
    "exercises": {
        "q91_1": {
            "title": "Put the statuses back",
            "kind": "state",
            "setup": SETUP,
            "reference": "UPDATE shelf SET status = b.status FROM shelf_backup AS b "
            "WHERE shelf.item_id = b.item_id;",
            "tables": ["shelf"],
            "mistakes": [
                {
                    "tag": "all_available",
                    "sql": "UPDATE shelf SET status = 'Available';",
                    "message": "Every item is Available now: take each status from the backup.",
                },
                {
                    "tag": "copy_without_key",
                    "sql": "DROP TABLE shelf; CREATE TABLE shelf AS SELECT * FROM shelf_backup;",
                    "message": "The rows are back but the key is gone: restore with UPDATE.",
                },
            ],
        },
        "q91_2": {
            "title": "Log the lost items, then withdraw them",
            "kind": "state",
            "setup": SETUP + "UPDATE shelf SET status = b.status FROM shelf_backup AS b "
            "WHERE shelf.item_id = b.item_id;",
            "reference": "INSERT INTO log SELECT item_id FROM shelf WHERE status = 'Lost'; "
            "UPDATE shelf SET status = 'Withdrawn' WHERE status = 'Lost';",
            "tables": ["shelf", "log"],
            "mistakes": [
                {
                    "tag": "updated_first",
                    "sql": "UPDATE shelf SET status = 'Withdrawn' WHERE status = 'Lost'; "
                    "INSERT INTO log SELECT item_id FROM shelf WHERE status = 'Lost';",
                    "message": "The log is empty: the UPDATE ran first, so log the items first.",
                }
            ],
        },
    },
}


@pytest.fixture
def bank(tmp_path, monkeypatch, data_dir):
    monkeypatch.setenv("COURSE_DATA_DIR", str(data_dir))
    monkeypatch.setenv("COURSE_WORKSPACE", str(tmp_path / "workspace"))
    path = tmp_path / "91-state-mistakes.yml"
    path.write_text(yaml.safe_dump(BANK, sort_keys=False), encoding="utf-8")
    check.clear_cache()
    return path


def test_the_bank_with_state_mistakes_is_valid(bank):
    assert validate_bank(bank) == []


def test_a_design_exercise_may_not_list_mistakes(tmp_path):
    data = yaml.safe_load(yaml.safe_dump(BANK))
    data["exercises"]["q91_1"]["design"] = True
    path = tmp_path / "91-state-mistakes.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert validate_bank(path)


def test_reference_passes_and_a_listed_mistake_gets_its_message(bank):
    assert check.evaluate(BANK["exercises"]["q91_1"]["reference"], "q91_1", module=bank).passed
    result = check.evaluate("UPDATE shelf SET status = 'Available'", "q91_1", module=bank)
    assert not result.passed and result.tag == "all_available"
    assert result.sentence.startswith("Every item is Available now")


def test_the_state_decides_not_the_text(bank):
    # other words, the same wrong state: named as the mistake
    sql = "UPDATE shelf SET status = 'Avail' || 'able' WHERE item_id > 0"
    assert check.evaluate(sql, "q91_1", module=bank).tag == "all_available"
    # the mistake's own words, but a different state (one row left out): the generic sentence
    sql = "UPDATE shelf SET status = 'Available' WHERE item_id < 4"
    result = check.evaluate(sql, "q91_1", module=bank)
    assert not result.passed and result.tag == "contents"


def test_keys_must_match_too(bank):
    # right rows without the key: the listed keyless mistake, not a pass
    sql = "DROP TABLE shelf; CREATE TABLE shelf AS SELECT * FROM shelf_backup"
    assert check.evaluate(sql, "q91_1", module=bank).tag == "copy_without_key"
    # keyless and wrong rows: matches no mistake, so the generic key sentence
    sql = (
        "DROP TABLE shelf; "
        "CREATE TABLE shelf AS SELECT item_id, 'Available' AS status FROM shelf_backup"
    )
    result = check.evaluate(sql, "q91_1", module=bank)
    assert not result.passed and result.tag == "schema" and "primary key" in result.sentence


def test_every_table_must_match(bank):
    result = check.evaluate(BANK["exercises"]["q91_2"]["mistakes"][0]["sql"], "q91_2", module=bank)
    assert result.tag == "updated_first"
    # the same shelf, but a log that is not empty: not the mistake
    sql = textwrap.dedent("""
        UPDATE shelf SET status = 'Withdrawn' WHERE status = 'Lost';
        INSERT INTO log VALUES (99);
    """)
    result = check.evaluate(sql, "q91_2", module=bank)
    assert not result.passed and result.tag == "contents"


def test_a_mistake_script_that_fails_is_an_authoring_error(bank):
    data = yaml.safe_load(bank.read_text(encoding="utf-8"))
    data["exercises"]["q91_1"]["mistakes"][0]["sql"] = "UPDATE no_such_table SET x = 1;"
    bank.write_text(yaml.safe_dump(data), encoding="utf-8")
    check.clear_cache()
    result = check.evaluate("UPDATE shelf SET status = 'Lost'", "q91_1", module=bank)
    assert not result.passed and result.stage == "setup"
