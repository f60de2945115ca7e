"""The model check: a learner's mermaid ``erDiagram`` against the bank's reference designs.

The learner's text is read by :mod:`course.check.erdiagram` and compared with each valid design of
the exercise (``reference`` and ``alternatives``) element by element, always in this order:

1. **entities** -- every entity of the design is there (by name or a listed synonym), and no other;
2. **identifiers** -- each entity's ``PK`` attributes are the design's;
3. **attributes** -- the attributes the design names are in the right entity (with ``FK`` marks
   where the bank says ``foreign_keys: true``);
4. **relationships** -- the same pairs of entities are connected, and no others;
5. **cardinalities** -- each end says one or many as the design does (and optional or required,
   unless the bank says ``optionality: false``).

The first difference becomes one sentence: the bank's ``explain`` sentence for that element when
there is one (keys: an entity name, ``Entity.attribute``, or ``Entity-Entity`` for a relationship),
otherwise a generic sentence in library words.  The answer passes when any design matches; when
none does, the learner hears about the design they came closest to (the one whose first difference
comes latest).  Names match whatever their case, ``_``, ``-`` or a final plural ``s``; the bank's
``synonyms`` list other names for the same thing (``vendor: [supplier, dealer]``).  A listed
mistake (``model:``) that the answer matches gives that mistake's message.

"Hidden" for a model: a model has no data that an answer could be tuned to, so nothing is held
back.  The hidden check repeats the full comparison at grading time on a fresh reading of the text
(so it does not rely on the visible cell having run), and its sentence says so.

The answer must be a ``str``; it is copied to an exact ``str`` with the base type's own slot before
it is read, and every function here runs on the builtins captured at import, so an answer object
with clever methods or a rebound builtin cannot change the outcome.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from course.check._safe import BUILTINS as __builtins__  # noqa: F401  (captured builtins)
from course.check._safe import plain_str
from course.check.bank import BankError, Exercise
from course.check.erdiagram import MANY, Model, ModelTextError, card_words, parse
from course.check.feedback import Result, failed, passed

__all__ = ["evaluate_model", "read_model", "compare", "Difference", "STAGES", "clear_cache"]

#: The fixed order of comparison (also the tags of the generic failures).
STAGES = ("entities", "identifiers", "attributes", "relationships", "cardinality")

_isinstance = isinstance
_PLURAL = re.compile(r"(?<=[a-z])s$")
_NOISE = re.compile(r"[\s_-]+")


@dataclass(frozen=True)
class Difference:
    """The first difference between an answer and one design."""

    stage: str
    key: str  # the element, as the bank's ``explain`` keys name it
    sentence: str

    @property
    def rank(self) -> int:
        return STAGES.index(self.stage)


def norm(name: str) -> str:
    """The form names are compared in: ``Purchase_Orders`` -> ``purchaseorder``."""
    return _PLURAL.sub("", _NOISE.sub("", name.casefold()))


def _nice(name: str) -> str:
    return name.replace("_", " ")


def _counted(card: tuple, name: str, optionality: bool) -> str:
    """``(0, MANY), "order_line"`` -> ``"zero or more order lines"``."""
    words = card_words(card) if optionality else ("many" if card[1] == MANY else "one")
    name = _nice(name)
    if card[1] == MANY:
        if name.endswith("y") and name[-2:-1] not in "aeiou":
            name = name[:-1] + "ie"
        name += "es" if name.endswith(("s", "x", "ch", "sh")) else "s"
    return f"{words} {name}"


def read_model(answer) -> Model:
    """The learner's model, or :class:`ModelTextError` for anything that is not readable text."""
    if answer is None:
        raise ModelTextError(
            "There is no model yet: replace None with your erDiagram text, between triple quotes."
        )
    if not _isinstance(answer, str):
        raise ModelTextError(
            "Your answer is not text: write the model as erDiagram text between triple quotes."
        )
    return parse(plain_str(answer))


def _designs(ex: Exercise) -> tuple:
    """The exercise's designs and listed mistakes, read afresh for every check (well under a
    millisecond): no cache a notebook could fill with a design of its own."""
    designs = []
    for text in (ex.reference, *ex.alternatives):
        try:
            designs.append(parse(text))
        except ModelTextError as exc:
            raise BankError(f"a reference design of {ex.qid}: {exc.sentence}") from None
    mistakes = []
    for mistake in ex.mistakes:
        if mistake.model:
            try:
                mistakes.append((mistake, parse(mistake.model)))
            except ModelTextError as exc:
                raise BankError(f"mistake {mistake.tag} of {ex.qid}: {exc.sentence}") from None
    return tuple(designs), tuple(mistakes)


def clear_cache() -> None:
    """Nothing to forget: designs are read afresh for every check (see :func:`_designs`)."""


class _Names:
    """Maps the learner's names to the design's, through normalisation and synonyms."""

    def __init__(self, synonyms, entities):
        # entity and attribute names have separate synonym tables: a "heading" entity can
        # have a "heading" attribute.  A synonym of a design's entity name is an entity synonym.
        self.canon: dict[str, str] = {}
        self.attr_canon: dict[str, str] = {}
        self.aliases: dict[str, set] = {}
        for main, others in synonyms:
            key = norm(main)
            table = self.canon if key in entities else self.attr_canon
            self.aliases.setdefault(key, {key})
            for other in others:
                table[norm(other)] = key
                self.aliases[key].add(norm(other))

    def key(self, name: str) -> str:
        n = norm(name)
        return self.canon.get(n, n)

    def attr(self, entity_key: str, name: str, entity_name: str = "") -> str:
        """An attribute's key; ``id`` or ``<entity>_id`` is the entity's own identifier number,
        whichever synonym of the entity's name is used (``line_item_id`` in ``LineItem``)."""
        n = norm(name)
        n = self.attr_canon.get(n, n)
        own = {entity_key, norm(entity_name), *self.aliases.get(entity_key, ())}
        if n == "id" or (n.endswith("id") and n[:-2] in own):
            return entity_key + "id"
        return n


def compare(mine: Model, design: Model, ex: Exercise) -> Difference | None:
    """The first difference between ``mine`` and ``design`` in the fixed order, or None."""
    names = _Names(ex.synonyms, {norm(n) for n in design.entities})
    explain_norm = {}
    for k, v in ex.explain:
        if "-" in k and "." not in k:
            a, b = k.split("-", 1)
            explain_norm[frozenset((names.key(a), names.key(b)))] = v
        elif "." in k:
            ent, attr = k.split(".", 1)
            explain_norm[(names.key(ent), names.attr(names.key(ent), attr, ent))] = v
        else:
            explain_norm[names.key(k)] = v

    def say(stage, key, default):
        # a relationship's explain sentence is about a missing or extra line, not its ends
        sentence = default if stage == "cardinality" else explain_norm.get(key, default)
        return Difference(stage, str(key), sentence)

    mine_by = {names.key(n): e for n, e in mine.entities.items()}
    ref_by = {names.key(n): e for n, e in design.entities.items()}
    # 1. entities
    for key, entity in ref_by.items():
        if key not in mine_by:
            return say(
                "entities",
                key,
                f"Your model has no entity for the {_nice(entity.name)}: which box would hold "
                f"what you record about each {_nice(entity.name)}?",
            )
    for key, entity in mine_by.items():
        if key not in ref_by:
            return say(
                "entities",
                key,
                f"Your model has an entity {entity.name} that this scenario does not call for: "
                "is it perhaps a detail (an attribute) of another entity, or another name for one "
                "you already have?",
            )
    # 2. identifiers
    other_keys = {}
    for ent, pks in ex.identifiers:
        other_keys.setdefault(names.key(ent), []).extend(
            sorted(names.attr(names.key(ent), a) for a in pk) for pk in pks
        )
    for key, entity in ref_by.items():
        want = sorted(names.attr(key, a, entity.name) for a in entity.key_names("PK"))
        theirs = mine_by[key]
        have = sorted(names.attr(key, a, theirs.name) for a in theirs.key_names("PK"))
        if want == have or have in other_keys.get(key, []):
            continue
        if not have:
            sentence = (
                f"The entity {theirs.name} has no identifier: mark with PK the attribute (or "
                f"attributes) that tells one {_nice(theirs.name)} from another."
            )
        else:
            wanted = " and ".join(entity.key_names("PK"))
            sentence = (
                f"The entity {theirs.name} is identified by "
                f"{' and '.join(theirs.key_names('PK'))} in your model: in this design it is "
                f"identified by {wanted} -- does yours pick out exactly one "
                f"{_nice(theirs.name)}?"
            )
        return say("identifiers", (key, "pk"), sentence)
    # 3. attributes
    for key, entity in ref_by.items():
        theirs = mine_by[key]
        have = {names.attr(key, a.name, theirs.name): a for a in theirs.attributes}
        for attr in entity.attributes:
            is_fk = "FK" in attr.keys
            if ("PK" in attr.keys and not is_fk) or (is_fk and not ex.foreign_keys):
                continue
            akey = names.attr(key, attr.name, entity.name)
            if akey not in have:
                return say(
                    "attributes",
                    (key, akey),
                    f"The entity {theirs.name} has no attribute {attr.name}: where in your model "
                    f"would the {_nice(attr.name)} go?",
                )
            if is_fk and "FK" not in have[akey].keys:
                return say(
                    "attributes",
                    (key, akey),
                    f"{theirs.name}.{have[akey].name} points at another entity's identifier: mark "
                    "it FK.",
                )
    # 4. relationships
    ref_rels = {}
    for rel in design.relationships:
        ref_rels.setdefault(frozenset((names.key(rel.left), names.key(rel.right))), rel)
    my_rels = {}
    for rel in mine.relationships:
        my_rels.setdefault(frozenset((names.key(rel.left), names.key(rel.right))), rel)
    for pair, rel in ref_rels.items():
        if pair not in my_rels:
            return say(
                "relationships",
                pair,
                f"Your model does not connect {rel.left} and {rel.right}: draw the line that "
                f"says which {_nice(rel.left)} each {_nice(rel.right)} belongs to.",
            )
    for pair, rel in my_rels.items():
        if pair not in ref_rels:
            return say(
                "relationships",
                pair,
                f"Your model connects {rel.left} and {rel.right} directly (line {rel.line}); "
                "in this design they are not linked that way: follow the scenario's words to "
                "see which entity stands between them.",
            )
    # 5. cardinalities
    for pair, ref in ref_rels.items():
        rel = my_rels[pair]
        if names.key(rel.left) == names.key(ref.left):
            left_card, right_card = rel.left_card, rel.right_card
        else:
            left_card, right_card = rel.right_card, rel.left_card
        for theirs, want, one, other in (
            (right_card, ref.right_card, ref.left, ref.right),
            (left_card, ref.left_card, ref.right, ref.left),
        ):
            same_max = theirs[1] == want[1]
            same_min = theirs[0] == want[0] or not ex.optionality
            if same_max and same_min:
                continue
            opt = ex.optionality
            sentence = (
                f"Your model says each {_nice(one)} has {_counted(theirs, other, opt)} "
                f"(line {rel.line}); the scenario says {_counted(want, other, opt)}."
            )
            if not same_max and want[1] == MANY:
                sentence = (
                    f"Your model says each {_nice(one)} has {_counted(theirs, other, opt)} "
                    f"(line {rel.line}): can one {_nice(one)} have many? The scenario says "
                    f"{_counted(want, other, opt)}."
                )
            return say("cardinality", pair, sentence)
    return None


def evaluate_model(ex: Exercise, answer, *, hidden: bool = False) -> Result:
    """Check a model exercise: read the learner's erDiagram text, compare it with the designs."""
    designs, mistakes = _designs(ex)
    try:
        mine = read_model(answer)
    except ModelTextError as exc:
        return failed(ex, exc.sentence, "parse", "parse", hidden=hidden)
    best = None
    for design in designs:
        difference = compare(mine, design, ex)
        if difference is None:
            note = (
                " (checked again in full at grading time: a model has no data to hide)"
                if hidden
                else ""
            )
            return passed(ex, f"your model matches a valid design{note}.", hidden=hidden)
        if best is None or difference.rank > best.rank:
            best = difference
    for mistake, model in mistakes:
        if compare(mine, model, ex) is None:
            return failed(ex, mistake.message, "mistake", mistake.tag, hidden=hidden)
    return failed(ex, best.sentence, best.stage, best.stage, hidden=hidden)
