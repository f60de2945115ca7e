"""The learner's workspace: copied once, never overwritten, updates offered beside."""

import json

import pytest

from course.workspace import LEDGER_NAME, sync_workspace


@pytest.fixture
def release(tmp_path):
    root = tmp_path / "release"
    (root / "00-start-here").mkdir(parents=True)
    (root / "00-start-here" / "00-start-here.ipynb").write_text('{"v": 1}')
    (root / "00-start-here" / ".ipynb_checkpoints").mkdir()
    (root / "00-start-here" / ".ipynb_checkpoints" / "x.ipynb").write_text("{}")
    return root


def test_first_sync_copies_every_module(release, tmp_path):
    ws = tmp_path / "ws"
    report = sync_workspace(release, ws)
    assert (ws / "00-start-here" / "00-start-here.ipynb").read_text() == '{"v": 1}'
    assert not (ws / "00-start-here" / ".ipynb_checkpoints").exists()
    assert len(report.added) == 1
    assert json.loads((ws / LEDGER_NAME).read_text())["files"]


def test_a_learners_work_is_never_overwritten(release, tmp_path):
    ws = tmp_path / "ws"
    sync_workspace(release, ws)
    mine = ws / "00-start-here" / "00-start-here.ipynb"
    mine.write_text('{"v": 1, "my answer": "SELECT 1"}')
    (release / "00-start-here" / "00-start-here.ipynb").write_text('{"v": 2}')
    report = sync_workspace(release, ws)
    assert mine.read_text() == '{"v": 1, "my answer": "SELECT 1"}'
    assert len(report.updates_offered) == 1
    offered = report.updates_offered[0]
    assert offered.parent == mine.parent and offered.name.startswith("00-start-here.update-")
    assert offered.read_text() == '{"v": 2}'
    assert "was not changed" in report.summary()


def test_an_untouched_copy_is_also_not_overwritten(release, tmp_path):
    ws = tmp_path / "ws"
    sync_workspace(release, ws)
    (release / "00-start-here" / "00-start-here.ipynb").write_text('{"v": 2}')
    sync_workspace(release, ws)
    assert (ws / "00-start-here" / "00-start-here.ipynb").read_text() == '{"v": 1}'


def test_new_modules_are_added_and_repeat_runs_change_nothing(release, tmp_path):
    ws = tmp_path / "ws"
    sync_workspace(release, ws)
    (release / "01-querying").mkdir()
    (release / "01-querying" / "01-querying.ipynb").write_text("{}")
    report = sync_workspace(release, ws)
    assert [p.name for p in report.added] == ["01-querying.ipynb"]
    again = sync_workspace(release, ws)
    assert not again.added and not again.updates_offered
    assert "nothing was changed" in again.summary()


def test_a_deleted_offer_is_not_offered_again(release, tmp_path):
    ws = tmp_path / "ws"
    sync_workspace(release, ws)
    (ws / "00-start-here" / "00-start-here.ipynb").write_text('{"mine": true}')
    (release / "00-start-here" / "00-start-here.ipynb").write_text('{"v": 2}')
    offered = sync_workspace(release, ws).updates_offered[0]
    offered.unlink()
    assert not sync_workspace(release, ws).updates_offered
    assert not offered.exists()


def test_a_learner_who_deletes_their_copy_gets_a_fresh_one(release, tmp_path):
    ws = tmp_path / "ws"
    sync_workspace(release, ws)
    (ws / "00-start-here" / "00-start-here.ipynb").unlink()
    report = sync_workspace(release, ws)
    assert (ws / "00-start-here" / "00-start-here.ipynb").read_text() == '{"v": 1}'
    assert len(report.added) == 1
