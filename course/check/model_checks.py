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

**Learner build** (issue 14; :func:`fingerprint` writes, :mod:`course.check.stored` reads): the
bank holds no designs, no mistake models, and none of ``synonyms``, ``identifiers`` or ``explain``
(their keys name parts of the answer).  Stored per design, in the order the full build tries
them (reference, alternatives), and per listed mistake: every name the comparison matches as a
hash of its normalised form (salted with the exercise), the synonym tables and other valid
identifiers in hashed form, the cardinalities, and the explain sentences keyed by hashed
elements.  A design's own spelling is kept only where one of today's sentences prints it: a
missing entity, identifier or attribute the bank does not explain, and both ends of each
relationship (the cardinality sentences name them); a mistake's design keeps none.  Its hidden
check only says that hidden checks run at grading time.

**One comparison for both builds**: the stored form is the "keyed" form of a design
(:func:`_keyed_design`), and the full build puts its parsed designs in that same form with plain
normalised names as keys before comparing, so :func:`_compare` is the only place the five stages
and their sentences are written; the two builds differ only in the key function (a name itself,
or its salted hash).  ``tests/test_learner_python_model.py`` checks that they give the same
verdicts and sentences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from course.check import stored
from course.check._safe import BUILTINS as __builtins__  # noqa: F401  (captured builtins)
from course.check._safe import plain_str
from course.check.bank import BankError, Exercise
from course.check.erdiagram import MANY, Model, ModelTextError, card_words, parse
from course.check.feedback import Result, failed, passed

__all__ = [
    "evaluate_model",
    "read_model",
    "compare",
    "fingerprint",
    "Difference",
    "STAGES",
    "clear_cache",
    "LEARNER_STRIP",
]

#: Bank fields a learner build drops besides the designs and mistakes' models: the names they
#: hold (synonyms of the design's names, other valid identifiers, the elements explained) are
#: stored hashed instead, per design (see :func:`fingerprint`).
LEARNER_STRIP = ("synonyms", "explain", "identifiers")

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


# -- designs in keyed form: the one form both builds compare ------------------------------------


def _plain(name: str) -> str:
    """The full build's key function: a normalised name is its own key."""
    return name


def _hash(ex: Exercise, name: str) -> str:
    """A normalised name as the learner build stores it (salted with the exercise)."""
    return stored.digest(["model", ex.qid, name])


def _salted(ex: Exercise):
    """The learner build's key function: :func:`_hash` with the exercise's salt."""

    def h(name: str) -> str:
        return _hash(ex, name)

    return h


def _explain_key(kind: str, *parts: str) -> str:
    return kind + ":" + ":".join(parts)


def _pair_key(keys) -> str:
    return _explain_key("r", "|".join(sorted(set(keys))))


def _keyed_design(ex: Exercise, design: Model, h, *, shown: bool) -> dict:
    """One design as :func:`_compare` reads it, every name the comparison matches replaced by
    ``h`` of its normalised form (:func:`_plain` in the full build, :func:`_hash` in the learner
    build, which stores this dict).  A design's own spelling is kept (``shown``) only where one of
    today's sentences prints it: a missing entity, identifier or attribute that the bank does not
    explain with a sentence of its own, and the two ends of each relationship (the cardinality
    sentences name them).  A listed mistake's design (``shown=False``) keeps no spelling and no
    explain sentence: only whether it matches counts."""
    names = _Names(ex.synonyms, {norm(n) for n in design.entities})

    def attr_key(key: str, akey: str) -> str:
        # names.attr gives key + "id" exactly when the attribute is the entity's own number
        return "id:" + h(key) if akey == key + "id" else h(akey)

    explain: dict = {}
    if shown:
        for k, v in ex.explain:
            if "-" in k and "." not in k:
                a, b = k.split("-", 1)
                explain[_pair_key((h(names.key(a)), h(names.key(b))))] = v
            elif "." in k:
                ent, attr = k.split(".", 1)
                key = names.key(ent)
                explain[_explain_key("a", h(key), attr_key(key, names.attr(key, attr, ent)))] = v
            else:
                explain[_explain_key("e", h(names.key(k)))] = v
    entities = []
    for key, entity in {names.key(n): e for n, e in design.entities.items()}.items():
        kh = h(key)
        pk = entity.key_names("PK")
        attributes = []
        for attr in entity.attributes:
            is_fk = "FK" in attr.keys
            if ("PK" in attr.keys and not is_fk) or (is_fk and not ex.foreign_keys):
                continue
            akey = attr_key(key, names.attr(key, attr.name, entity.name))
            said = shown and _explain_key("a", kh, akey) not in explain
            attributes.append([akey, is_fk, attr.name if said else ""])
        entity_said = shown and _explain_key("e", kh) not in explain
        pk_said = shown and _explain_key("a", kh, h("pk")) not in explain
        entities.append(
            [
                kh,
                entity.name if entity_said else "",
                sorted(attr_key(key, names.attr(key, a, entity.name)) for a in pk),
                " and ".join(pk) if pk_said else "",
                attributes,
            ]
        )
    other_keys: dict = {}
    for ent, pks in ex.identifiers:
        key = names.key(ent)
        other_keys.setdefault(h(key), []).extend(
            sorted(attr_key(key, names.attr(key, a)) for a in pk) for pk in pks
        )
    relationships = {}
    for rel in design.relationships:
        pair = _pair_key((h(names.key(rel.left)), h(names.key(rel.right))))
        relationships.setdefault(
            pair,
            [
                pair,
                h(names.key(rel.left)),
                rel.left if shown else "",
                rel.right if shown else "",
                list(rel.left_card),
                list(rel.right_card),
            ],
        )
    return {
        "canon": {h(other): h(main) for other, main in names.canon.items()},
        "attr_canon": {
            h(other): [h(main), main == "id", h(main[:-2]) if main.endswith("id") else None]
            for other, main in names.attr_canon.items()
        },
        "aliases": {h(main): sorted(h(a) for a in kept) for main, kept in names.aliases.items()},
        "explain": explain,
        "entities": entities,
        "identifiers": other_keys,
        "relationships": list(relationships.values()),
    }


class _Keyed:
    """A design in keyed form (:func:`_keyed_design`), with the name lookups of :class:`_Names`
    on keys: a learner's name is normalised, then keyed with the same ``h``."""

    def __init__(self, data: dict, h):
        self.h = h
        self.canon = data["canon"]
        self.attr_canon = data["attr_canon"]
        self.aliases = data["aliases"]
        self.explain = data["explain"]
        self.entities = data["entities"]
        self.identifiers = data["identifiers"]
        self.relationships = data["relationships"]

    def key(self, name: str) -> str:
        n = self.h(norm(name))
        return self.canon.get(n, n)

    def attr(self, entity_key: str, name: str, entity_name: str = "") -> str:
        """:meth:`_Names.attr` on keys: the entity's own number is ``id:<entity key>``."""
        n = norm(name)
        hit = self.attr_canon.get(self.h(n))
        if hit is None:
            hit = (self.h(n), n == "id", self.h(n[:-2]) if n.endswith("id") else None)
        keyed, is_id, base = hit
        own = {entity_key, self.h(norm(entity_name)), *self.aliases.get(entity_key, ())}
        if is_id or (base is not None and base in own):
            return "id:" + entity_key
        return keyed


def compare(mine: Model, design: Model, ex: Exercise) -> Difference | None:
    """The first difference between ``mine`` and ``design`` in the fixed order, or None."""
    return _compare(mine, _Keyed(_keyed_design(ex, design, _plain, shown=True), _plain), ex)


def _compare(mine: Model, design: _Keyed, ex: Exercise) -> Difference | None:
    """The comparison of both builds: the first difference between ``mine`` and a keyed design."""
    names = design

    def say(stage, key, default):
        # a relationship's explain sentence is about a missing or extra line, not its ends
        sentence = default if stage == "cardinality" else design.explain.get(key, default)
        return Difference(stage, key, sentence)

    mine_by = {names.key(n): e for n, e in mine.entities.items()}
    ref_by = {e[0]: e for e in design.entities}
    # 1. entities
    for key, (_, shown, _, _, _) in ref_by.items():
        if key not in mine_by:
            return say(
                "entities",
                _explain_key("e", key),
                f"Your model has no entity for the {_nice(shown)}: which box would hold "
                f"what you record about each {_nice(shown)}?",
            )
    for key, entity in mine_by.items():
        if key not in ref_by:
            return say(
                "entities",
                _explain_key("e", key),
                f"Your model has an entity {entity.name} that this scenario does not call for: "
                "is it perhaps a detail (an attribute) of another entity, or another name for one "
                "you already have?",
            )
    # 2. identifiers
    for key, (_, _, want, wanted, _) in ref_by.items():
        theirs = mine_by[key]
        have = sorted(names.attr(key, a, theirs.name) for a in theirs.key_names("PK"))
        if want == have or have in design.identifiers.get(key, []):
            continue
        if not have:
            sentence = (
                f"The entity {theirs.name} has no identifier: mark with PK the attribute (or "
                f"attributes) that tells one {_nice(theirs.name)} from another."
            )
        else:
            sentence = (
                f"The entity {theirs.name} is identified by "
                f"{' and '.join(theirs.key_names('PK'))} in your model: in this design it is "
                f"identified by {wanted} -- does yours pick out exactly one "
                f"{_nice(theirs.name)}?"
            )
        return say("identifiers", _explain_key("a", key, design.h("pk")), sentence)
    # 3. attributes
    for key, (_, _, _, _, attributes) in ref_by.items():
        theirs = mine_by[key]
        have = {names.attr(key, a.name, theirs.name): a for a in theirs.attributes}
        for akey, is_fk, shown in attributes:
            if akey not in have:
                return say(
                    "attributes",
                    _explain_key("a", key, akey),
                    f"The entity {theirs.name} has no attribute {shown}: where in your model "
                    f"would the {_nice(shown)} go?",
                )
            if is_fk and "FK" not in have[akey].keys:
                return say(
                    "attributes",
                    _explain_key("a", key, akey),
                    f"{theirs.name}.{have[akey].name} points at another entity's identifier: mark "
                    "it FK.",
                )
    # 4. relationships
    ref_rels = {r[0]: r for r in design.relationships}
    my_rels = {}
    for rel in mine.relationships:
        my_rels.setdefault(_pair_key((names.key(rel.left), names.key(rel.right))), rel)
    for pair, (_, _, left, right, _, _) in ref_rels.items():
        if pair not in my_rels:
            return say(
                "relationships",
                pair,
                f"Your model does not connect {left} and {right}: draw the line that "
                f"says which {_nice(left)} each {_nice(right)} belongs to.",
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
    for pair, (_, ref_left, left, right, ref_left_card, ref_right_card) in ref_rels.items():
        rel = my_rels[pair]
        if names.key(rel.left) == ref_left:
            left_card, right_card = rel.left_card, rel.right_card
        else:
            left_card, right_card = rel.right_card, rel.left_card
        for theirs, want, one, other in (
            (right_card, tuple(ref_right_card), left, right),
            (left_card, tuple(ref_left_card), right, left),
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
    """Check a model exercise: read the learner's erDiagram text and compare it with each design
    in keyed form: made from the bank's designs with plain names (full build), or as stored with
    hashed names (learner build, :func:`fingerprint`).  One comparison, :func:`_compare`."""
    st = stored.entry(ex)
    if st is not None:
        if hidden:
            return failed(ex, stored.HIDDEN_ELSEWHERE, "setup", hidden=True)
        h = _salted(ex)
        designs = [_Keyed(d, h) for d in st["designs"]]
        mistakes = []
        for kept in st.get("mistakes", ()):
            index = kept["i"]
            if index >= len(ex.mistakes) or ex.mistakes[index].tag != kept["tag"]:
                raise BankError(f"the stored mistakes of {ex.qid} do not match its bank")
            mistakes.append((ex.mistakes[index], _Keyed(kept["design"], h)))
    else:
        models, mistake_models = _designs(ex)
        designs = [_Keyed(_keyed_design(ex, d, _plain, shown=True), _plain) for d in models]
        mistakes = [
            (mistake, _Keyed(_keyed_design(ex, model, _plain, shown=False), _plain))
            for mistake, model in mistake_models
        ]
    try:
        mine = read_model(answer)
    except ModelTextError as exc:
        return failed(ex, exc.sentence, "parse", "parse", hidden=hidden)
    best = None
    for design in designs:
        difference = _compare(mine, design, ex)
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
        if _compare(mine, model, ex) is None:
            return failed(ex, mistake.message, "mistake", mistake.tag, hidden=hidden)
    return failed(ex, best.sentence, best.stage, best.stage, hidden=hidden)


# -- the learner build: designs stored in keyed form, names hashed ------------------------------


def fingerprint(ex: Exercise) -> dict:
    """The stored entry of a model exercise: its designs (the reference first, then the
    alternatives, in the order the full build tries them) and its listed mistakes' designs, in
    the keyed form of :func:`_keyed_design` with names hashed (:func:`_hash`).  No design text and
    no synonym, identifier or explained element in the clear; the explain sentences themselves
    are kept (each is what a learner reads when their model differs there)."""
    designs, mistakes = _designs(ex)
    h = _salted(ex)
    return {
        "designs": [_keyed_design(ex, d, h, shown=True) for d in designs],
        "mistakes": [
            {
                "i": ex.mistakes.index(mistake),
                "tag": mistake.tag,
                "design": _keyed_design(ex, model, h, shown=False),
            }
            for mistake, model in mistakes
        ],
    }
