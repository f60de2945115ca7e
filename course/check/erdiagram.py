"""A small reader for the part of mermaid's ``erDiagram`` notation the course teaches.

No maintained pure-Python parser of mermaid exists, so the course reads the subset it teaches
itself.  The subset, one statement per line::

    erDiagram
        %% a comment
        vendor ||--o{ purchase_order : "receives"
        purchase_order ||--|{ order_line : contains
        vendor {
            int vendor_id PK
            string name
            int parent_id FK "the vendor's parent company"
            int order_id PK, FK
        }
        fund

* ``erDiagram`` first (blank lines and ``%%`` comments anywhere);
* a **relationship**: entity, two cardinality ends joined by ``--`` (identifying) or ``..``
  (non-identifying), entity, a colon and a label (one word, or words in double quotes).  The left
  end is one of ``|o`` (zero or one), ``||`` (exactly one), ``}o`` (zero or more), ``}|`` (one or
  more); the right end the mirror image: ``o|``, ``||``, ``o{``, ``|{``;
* an **entity block**: ``name {``, then one attribute per line -- type, name, optional keys
  ``PK``, ``FK``, ``UK`` (comma-separated), optional comment in double quotes -- then ``}``;
* an entity on its own line (an entity with no attributes).

Entity names are letters, digits, ``_`` and ``-`` (starting with a letter).  Text outside the
subset raises :class:`ModelTextError`, whose ``sentence`` names the line and what was expected, so
a learner reads one sentence rather than a traceback.  The reader runs on the builtins captured at
import and takes only exact ``str`` (``course.check.model_checks`` converts the learner's answer).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from course.check._safe import BUILTINS as __builtins__  # noqa: F401  (captured builtins)

__all__ = [
    "Attribute",
    "Entity",
    "Relationship",
    "Model",
    "ModelTextError",
    "parse",
    "card_words",
    "MANY",
]

#: The upper bound "many" of a cardinality end.
MANY = -1

# Cardinality ends: (minimum, maximum).
_LEFT = {"|o": (0, 1), "||": (1, 1), "}o": (0, MANY), "}|": (1, MANY)}
_RIGHT = {"o|": (0, 1), "||": (1, 1), "o{": (0, MANY), "|{": (1, MANY)}

_NAME = r"[A-Za-z][A-Za-z0-9_-]*"
_REL = re.compile(
    rf"^(?P<a>{_NAME})\s*(?P<l>\|o|\|\||\}}o|\}}\|)(?P<line>--|\.\.)(?P<r>o\||\|\||o\{{|\|\{{)\s*"
    rf"(?P<b>{_NAME})\s*:\s*(?P<label>\"[^\"]*\"|[^\s\"]+)\s*$"
)
_REL_LOOSE = re.compile(r"(--|\.\.)")
_BLOCK = re.compile(rf"^(?P<name>{_NAME})\s*\{{\s*$")
_BARE = re.compile(rf"^(?P<name>{_NAME})$")
_ATTR = re.compile(
    rf"^(?P<type>{_NAME}(?:\([0-9, ]*\))?(?:\[\])?)\s+(?P<name>{_NAME})"
    r"(?:\s+(?P<keys>(?:PK|FK|UK)(?:\s*,\s*(?:PK|FK|UK))*))?"
    r"(?:\s+\"(?P<comment>[^\"]*)\")?\s*$"
)
_SPLIT_KEYS = re.compile(r"\s*,\s*")
_LINES = re.compile(r"\r\n|\r|\n")


class ModelTextError(ValueError):
    """Text outside the subset; ``sentence`` says where and what was expected."""

    def __init__(self, sentence: str, line: int = 0):
        super().__init__(sentence)
        self.sentence = sentence
        self.line = line


@dataclass(frozen=True)
class Attribute:
    name: str
    type: str
    keys: frozenset = frozenset()
    comment: str = ""


@dataclass
class Entity:
    name: str
    attributes: list = field(default_factory=list)
    line: int = 0

    def key_names(self, key: str) -> list[str]:
        """The names of the attributes marked ``key`` (``PK``, ``FK``, ``UK``)."""
        return [a.name for a in self.attributes if key in a.keys]


@dataclass(frozen=True)
class Relationship:
    left: str
    right: str
    left_card: tuple  # how many ``left`` one ``right`` has: (min, max)
    right_card: tuple  # how many ``right`` one ``left`` has: (min, max)
    label: str
    identifying: bool
    line: int


@dataclass
class Model:
    entities: dict = field(default_factory=dict)  # name -> Entity, in order of appearance
    relationships: list = field(default_factory=list)


def card_words(card: tuple) -> str:
    """``(0, MANY)`` -> ``"zero or more"``."""
    low, high = card
    if high == MANY:
        return "one or more" if low else "zero or more"
    return "exactly one" if low else "zero or one"


def _shown(text: str) -> str:
    text = text.strip()
    return text if len(text) <= 40 else text[:37] + "..."


def _fail(number: int, text: str, expected: str):
    raise ModelTextError(
        f"Line {number} of your model ({_shown(text)!r}) cannot be read: expected {expected}.",
        number,
    )


def _entity(model: Model, name: str, number: int) -> Entity:
    if name not in model.entities:
        model.entities[name] = Entity(name=name, line=number)
    return model.entities[name]


def parse(text: str) -> Model:
    """Read ``text`` (the subset above) into a :class:`Model`; raise :class:`ModelTextError`."""
    lines = _LINES.split(text)
    model = Model()
    started = False
    block: Entity | None = None
    for index, raw in enumerate(lines):
        number = index + 1
        line = raw.strip()
        if not line or line.startswith("%%"):
            continue
        if not started:
            if line != "erDiagram":
                _fail(number, raw, "the word erDiagram on the first line")
            started = True
            continue
        if block is not None:
            if line == "}":
                block = None
                continue
            found = _ATTR.match(line)
            if found is None:
                _fail(
                    number,
                    raw,
                    f"an attribute of {block.name} as a type and a name, like "
                    "'date claim_date' or 'int claim_id PK', or } to close the entity",
                )
            keys = found.group("keys")
            block.attributes.append(
                Attribute(
                    name=found.group("name"),
                    type=found.group("type"),
                    keys=frozenset(_SPLIT_KEYS.split(keys)) if keys else frozenset(),
                    comment=found.group("comment") or "",
                )
            )
            continue
        found = _REL.match(line)
        if found is not None:
            _entity(model, found.group("a"), number)
            _entity(model, found.group("b"), number)
            model.relationships.append(
                Relationship(
                    left=found.group("a"),
                    right=found.group("b"),
                    left_card=_LEFT[found.group("l")],
                    right_card=_RIGHT[found.group("r")],
                    label=found.group("label").strip('"'),
                    identifying=found.group("line") == "--",
                    line=number,
                )
            )
            continue
        found = _BLOCK.match(line)
        if found is not None:
            block = _entity(model, found.group("name"), number)
            if block.attributes:
                _fail(number, raw, f"each entity once with its attributes ({block.name} is twice)")
            continue
        found = _BARE.match(line)
        if found is not None:
            _entity(model, found.group("name"), number)
            continue
        if _REL_LOOSE.search(line):
            _fail(
                number,
                raw,
                "a relationship like 'vendor ||--o{ purchase_order : \"receives\"' (two names, "
                "both cardinality ends, a colon and a label, in double quotes if it has spaces)",
            )
        _fail(number, raw, "an entity name followed by {, or a relationship between two entities")
    if not started:
        raise ModelTextError(
            "Your model is empty: it should start with the word erDiagram on its first line."
        )
    if block is not None:
        raise ModelTextError(
            f"The entity {block.name} (line {block.line}) is never closed: end its attributes "
            "with a line holding only }.",
            block.line,
        )
    if not model.entities:
        raise ModelTextError("Your model has no entities yet: add one box per thing you track.")
    return model
