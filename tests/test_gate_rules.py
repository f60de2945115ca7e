"""The gate's rule against Markdown that JupyterLab would render as mathematics.

JupyterLab hands `$…$`, `$$…$$`, `\\(…\\)`, `\\[…\\]` and `\\begin{…}…\\end{…}` in Markdown to
MathJax; MARC subfields written bare (`245 $a … 260 $b`) turn into a line of italic maths.  The
examples follow JupyterLab's own removeMath (@jupyterlab/rendermime); the browser test
tests/e2e/test_learner_view.py checks the real notebooks for rendered maths in JupyterLab itself.
"""

from __future__ import annotations

import nbformat
import pytest

from course.grading import gate
from course.grading.gate import markdown_maths

MATHS = [
    # two bare subfields in one paragraph: the column reference of module 01 as first written
    ("Title is `245` $a, publisher is `260` $b.", "$a, publisher is `260` $"),
    ("Relator term ($e) or code ($4).", "$e) or code ($"),
    ("Subdivisions $v, $x, $y, $z", "$v, $", "$y, $"),
    ("Display maths: $$x^2$$ here", "$$x^2$$"),
    ("An environment \\begin{equation}x\\end{equation}", "\\begin{equation}x\\end{equation}"),
    ("Escaped-bracket maths \\\\(x\\\\)", "\\\\(x\\\\)"),
    ("Over two lines $a and\n$b in one paragraph", "$a and $"),
    ("A table row | `100` $a | `245` $a |", "$a | `245` $"),
    ("$a at the start and $b", "$a at the start and $"),
]

PLAIN = [
    "`245 $a` and `260 $b` in code spans",
    "``code with ` and $a`` then `$b`",
    "A dollar \\$a and another \\$b, escaped",
    "One subfield $a only, never closed",
    "Two paragraphs: $a here\n\nand $b there",
    "```sql\nSELECT '$a' , '$b'\n```",
    "~~~\n$a $b\n~~~",
    "Brackets \\[sic\\] and \\(with one backslash\\) are Markdown escapes",
    "No dollars at all: 245, 260, 650.",
]


@pytest.mark.parametrize("example", MATHS, ids=[m[0][:30] for m in MATHS])
def test_markdown_that_renders_as_maths_is_found(example):
    text, *pieces = example
    assert markdown_maths(text) == pieces


@pytest.mark.parametrize("text", PLAIN)
def test_markdown_without_maths_passes(text):
    assert markdown_maths(text) == []


def _notebook(tmp_path, *markdown: str):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(m) for m in markdown]
    nb.cells.append(nbformat.v4.new_code_cell("x = '$a' + '$b'"))  # code is never maths
    path = tmp_path / "m.ipynb"
    nbformat.write(nb, path)
    return path, nb


def test_the_gate_names_the_cell_and_the_text(tmp_path):
    path, nb = _notebook(tmp_path, "Fine: `245 $a`.", "Broken: 245 $a and 260 $b.")
    seen: dict[str, str] = {}
    problems = [p for i, c in enumerate(nb.cells) for p in gate._cell_problems(path, i, c, seen)]
    assert problems == [
        "m.ipynb cell 1 would show '$a and 260 $' as mathematics: put MARC subfields in code "
        "spans (`245 $a`) or write a dollar sign as \\$"
    ]


def test_a_code_span_inside_double_backticks_is_found(tmp_path):
    """`` `245 $a` `` shows "`245 $a`" with its backticks (modules 07 and 08 had 36 of them)."""
    path = tmp_path / "m.ipynb"
    cells = [
        nbformat.v4.new_markdown_cell("one row per `` `$a` `` of every field"),
        nbformat.v4.new_markdown_cell("one row per `$a`, and ``code with a ` inside``"),
        nbformat.v4.new_markdown_cell("```\n`` `$a` `` in a fence is text\n```"),
    ]
    found = [p for i, c in enumerate(cells) for p in gate._cell_problems(path, i, c, {})]
    assert len(found) == 1 and "cell 0" in found[0] and "write `$a`" in found[0], found
