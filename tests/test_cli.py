"""The `course` command: exit codes and one-sentence failures."""

from course import cli
from course.grading.gate import Finding, GateReport


def test_check_exits_non_zero_when_the_gate_finds_anything(monkeypatch, capsys):
    def failing_gate(**kwargs):
        return GateReport(findings=[Finding("00-start-here", "validate", "a test fails")])

    monkeypatch.setattr("course.grading.run_gate", failing_gate)
    assert cli.main(["check", "--quick"]) == 1
    out = capsys.readouterr().out
    assert "✗ [00-start-here] validate: a test fails" in out
    assert "The gate found 1 problem(s)." in out


def test_quick_check_of_the_real_course_passes(capsys):
    assert cli.main(["check", "--quick"]) == 0
    assert "✓ The gate passed." in capsys.readouterr().out


def test_an_unexpected_error_is_one_sentence_on_stderr(monkeypatch, capsys):
    def broken(args):
        raise RuntimeError("The disk is full.\nmore detail nobody needs")

    monkeypatch.setattr(cli, "_cmd_workspace", broken)
    assert cli.main(["workspace"]) == 1
    err = capsys.readouterr().err.strip()
    assert err == "course workspace: The disk is full. (run again with --debug for details)"


def test_a_busy_port_is_one_sentence_without_a_debug_hint(monkeypatch, capsys):
    monkeypatch.setattr("course.lab.port_is_free", lambda port, host="127.0.0.1": False)
    assert cli.main(["lab", "--port", "8899", "--skip-data"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("course lab: Port 8899 is already in use")
    assert "--debug" not in err and "\n" not in err
