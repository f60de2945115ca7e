"""Mutation testing of the query checks (``course mutants``, issue 14).

Every reference query of a query or value exercise is parsed with sqlglot and turned into
single-edit mutants (:mod:`.operators`); each is run through the exercise's real visible and
hidden checks (:mod:`.runner`).  A mutant that both pass *survives*: the data cannot tell it
from the reference.  Every survivor must be killed by witness rows in the shadow data
(``course/data/witness.py``) or listed in the bank under ``equivalent_mutants`` with a reason.
"""

from course.grading.mutants.operators import OPERATORS, Mutant, MutationError, make_mutants
from course.grading.mutants.runner import (
    ModuleReport,
    Outcome,
    module_banks,
    run_module,
    run_modules,
)

__all__ = [
    "OPERATORS",
    "Mutant",
    "MutationError",
    "make_mutants",
    "ModuleReport",
    "Outcome",
    "module_banks",
    "run_module",
    "run_modules",
]
