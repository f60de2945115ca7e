"""Show a data model written as mermaid ``erDiagram`` text as a drawn diagram in the notebook.

    q4_1 = \"\"\"
    erDiagram
        subscription ||--o{ issue : "receives"
    \"\"\"
    widgets.diagram(q4_1)

The output carries the text as ``text/vnd.mermaid`` (JupyterLab 4.1 and later draw it), as a
mermaid fence in ``text/markdown`` (for front ends that draw mermaid in Markdown) and as plain
text.  Text the model check cannot read is not drawn: the learner gets the check's one sentence
(line and what was expected) instead of mermaid's own error picture, so what they see agrees
with what the check will say.
"""

from __future__ import annotations

from course.check.erdiagram import ModelTextError
from course.check.model_checks import read_model

__all__ = ["diagram", "Diagram"]


class Diagram:
    """A displayable model: drawn when readable, one sentence when not."""

    def __init__(self, text):
        self.problem = None
        self.text = ""
        try:
            read_model(text)
            self.text = str.__str__(text).strip() + "\n"
        except ModelTextError as exc:
            self.problem = exc.sentence

    def _repr_mimebundle_(self, include=None, exclude=None):
        if self.problem is not None:
            line = f"✗ {self.problem}"
            return {"text/plain": line}
        return {
            "text/vnd.mermaid": self.text,
            "text/markdown": f"```mermaid\n{self.text}```\n",
            "text/plain": self.text,
        }

    def __repr__(self) -> str:
        return self.problem or self.text


def diagram(text) -> Diagram:
    """Draw ``text`` (a model in erDiagram notation); say in one sentence why when it cannot."""
    return Diagram(text)
