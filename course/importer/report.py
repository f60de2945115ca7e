"""What an import did: the report, each rejected record, and the one-sentence problem."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["ImportProblem", "ImportReport", "Reject"]


class ImportProblem(Exception):
    """The file could not be imported; ``str(exc)`` says why and what to do, in one sentence."""


@dataclass(frozen=True)
class Reject:
    """A record that could not be read: its number in the file, where it is, and why."""

    record: int | None
    offset: int | None  # byte offset (MARC)
    line: int | None  # line number (MARCXML, CSV)
    reason: str


@dataclass
class ImportReport:
    """What an import did."""

    source: Path
    format: str
    name: str
    database: Path
    rejects_csv: Path
    records: int = 0
    loaded: int = 0
    rejects: list[Reject] = field(default_factory=list)
    marc8: int = 0
    marc8_utf8: int = 0  # of those, records whose bytes are UTF-8 all the same
    unknown_columns: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rejected(self) -> int:
        return len(self.rejects)

    def summary(self) -> str:
        """A few plain sentences: what was loaded, what was not, and where to look."""
        kind = {"marc": "MARC", "marcxml": "MARCXML", "csv": "CSV"}[self.format]
        lines = [
            f"Imported {self.loaded:,} of {self.records:,} records from {self.source.name} "
            f"({kind}) into {self.database} in {self.seconds:.1f} s."
        ]
        if self.rejects:
            reasons: dict[str, int] = {}
            for r in self.rejects:
                reasons[r.reason] = reasons.get(r.reason, 0) + 1
            worst = max(reasons, key=reasons.get)
            lines.append(
                f"{self.rejected:,} could not be read (most often: {worst}); "
                f"the list is in {self.rejects_csv}."
            )
        else:
            lines.append("No record was rejected.")
        if self.marc8:
            lines.append(
                f"{_records(self.marc8)} in MARC-8 (Leader/09 blank) and converted to Unicode."
            )
        if self.marc8_utf8:
            lines.append(
                f"{self.marc8_utf8:,} of them look like UTF-8 text under a Leader/09 that says "
                "MARC-8, so their accented letters may read wrongly: if they do, export them "
                "again as UTF-8 (Unicode)."
            )
        if self.unknown_columns:
            lines.append(
                "Columns the import does not map, kept as written in the table source_csv: "
                + ", ".join(self.unknown_columns)
                + "."
            )
        lines.append(
            'Query it in the sandbox ("My data") or with con = db.connect("mine") in a notebook.'
        )
        return "\n".join(lines)


def _records(n: int) -> str:
    return "1 record was" if n == 1 else f"{n:,} records were"
