"""The shadow database: what only the instructor's full build makes (issue 14).

``shadow.duckdb`` has the schema of ``library.duckdb`` over a disjoint sample of the LoC records
and another seed, plus the witness rows of ``course.data.witness``, so that the hidden checks
catch an answer hard-coded from the learners' data or wrong in general.  Everything that decides
it lives here, apart from the build that runs it (``course.data.build``), which imports this module
only when it is there: the learner build (``course build-learner``) leaves this module and
``witness`` out, so an installed learner build builds ``library.duckdb`` (and the load-lab files)
only, and ``config.DATABASES`` is ``("library",)`` there.
"""

from __future__ import annotations

from course.data import witness

__all__ = ["NAME", "SEED", "START", "STEP", "after_marc", "after_library"]

NAME = "shadow"
SEED = 2109
#: Every ``STEP``-th record from ``START``: 25,000 bibs, none of them in the learners' sample
#: (every 5th from 0): 3 + 10k is never a multiple of 5.
START = 3
STEP = 10


def after_marc(con) -> None:
    """Witness edits on the raw MARC tables, before the catalog is built from them."""
    witness.apply_witnesses(con, "marc")


def after_library(con, *, require_all: bool) -> None:
    """Witness edits after the library system is generated; with ``require_all`` (the course's
    own sample) a witness the sample cannot hold stops the build."""
    witness.apply_witnesses(con, "library")
    missing = witness.missing_witnesses(con)
    if missing and require_all:
        raise RuntimeError(
            "The shadow database lacks the witness rows for "
            f"{', '.join(missing)}: see course/data/witness.py."
        )
