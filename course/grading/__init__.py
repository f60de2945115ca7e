"""Instructor helpers around nbgrader: the pipeline gate behind ``course check``."""

from course.grading.gate import GATE_STEPS, Finding, assignment_ids, run_gate, static_findings

__all__ = ["GATE_STEPS", "Finding", "assignment_ids", "run_gate", "static_findings"]
