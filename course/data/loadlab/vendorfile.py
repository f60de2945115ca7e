"""The vendor's MARC delivery for the batch-load lab, with planted problems at exact counts.

A book vendor sends a file of MARC records: mostly titles the library does not have yet (real LoC
records the course catalog does not use), some richer versions of records the catalog already holds
("overlays": same 001 and LCCN, a few changed fields), and the usual trouble a load profile has to
survive.  Every problem is planted on its own clean record, so each count in the manifest is exact:

=================================  ===========================================================
kind                               what was done
=================================  ===========================================================
exact_duplicate                    a record sent twice, byte for byte
duplicate_001_different_content    a brief order record and the full record share one 001
invalid_isbn_check_digit           one 020 $a ISBN with a wrong check digit
missing_245                        the title field removed
wrong_encoding_flag                LDR/09 blank (MARC-8) on UTF-8 data with non-ASCII text
record_length_not_numeric          LDR/00-04 with a letter O typed for a zero
wrong_base_address                 LDR/12-16 pointing a directory entry too early or too late
truncated_record                   the last record cut short, with no record terminator
=================================  ===========================================================

Records are edited with pymarc and written with ``Record.as_marc()``; only the leader breakages,
the encoding flag and the truncation are done on the bytes, because pymarc will not write them.
Positions in the manifest count records from 1 in file order, splitting on the 0x1D terminator
(the truncated tail counts as the last record); offsets are bytes from the start of the file.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime

import pymarc

from course.data.loadlab.vendor_records import (
    SourceRecord,
    break_isbn,
    brief_version,
    control_number,
    enrich,
    has_non_ascii,
    has_plain_isbn,
    is_clean,
    parse_record,
)

__all__ = ["VENDOR_FILE", "PROBLEM_COUNTS", "DESCRIPTIONS", "build_vendor_delivery"]

VENDOR_FILE = "vendor-delivery.mrc"

#: How many records of each sort, as inclusive ranges; the seed picks the exact numbers.
NEW_RECORDS = (700, 900)
OVERLAYS = (120, 180)
PROBLEM_COUNTS = {
    "exact_duplicate": (3, 6),
    "duplicate_001_different_content": (2, 4),
    "invalid_isbn_check_digit": (4, 8),
    "missing_245": (1, 3),
    "wrong_encoding_flag": (2, 4),
    "record_length_not_numeric": (1, 2),
    "wrong_base_address": (1, 2),
    "truncated_record": (1, 1),
}
DESCRIPTIONS = {
    "exact_duplicate": "The same record appears twice, byte for byte.",
    "duplicate_001_different_content": (
        "A brief order record and the full record carry the same 001 but different fields."
    ),
    "invalid_isbn_check_digit": "An ISBN in 020 $a has a wrong check digit.",
    "missing_245": "The record has no 245 title field.",
    "wrong_encoding_flag": "LDR/09 is blank (MARC-8) but the record is UTF-8 with non-ASCII text.",
    "record_length_not_numeric": "The record length in LDR/00-04 is not a number.",
    "wrong_base_address": "The base address in LDR/12-16 does not point at the field data.",
    "truncated_record": "The last record is cut short and has no 0x1D record terminator.",
}


@dataclass
class _Entry:
    role: str  # new | overlay | exact_copy | brief_version | truncated
    data: bytes
    control_number: str
    info: dict = field(default_factory=dict)
    position: int = 0
    offset: int = 0


def build_vendor_delivery(
    new_pool, overlay_pool, rng: random.Random, *, stamp: datetime
) -> tuple[bytes, dict, list[dict]]:
    """Assemble the delivery from candidate records; return (file bytes, summary, problems).

    ``new_pool`` and ``overlay_pool`` are iterables of :class:`SourceRecord` in the (seeded)
    order to try them; records that are not clean are skipped.
    """
    counts = {kind: rng.randint(*span) for kind, span in PROBLEM_COUNTS.items()}
    want_new, want_overlays = rng.randint(*NEW_RECORDS), rng.randint(*OVERLAYS)

    new: list[tuple[SourceRecord, pymarc.Record]] = []
    seen: set[str] = set()
    for src in new_pool:
        rec = parse_record(src.data)
        if rec is None or not is_clean(rec) or control_number(rec) in seen:
            continue
        seen.add(control_number(rec))
        new.append((src, rec))
        if len(new) > want_new:  # one extra: the record truncated at the end
            break
    if len(new) < 100:
        raise ValueError("The MARC file has too few clean records outside the catalog.")
    truncated_src, truncated_rec = new.pop()

    entries: list[_Entry] = []
    for src, rec in new:
        entries.append(_Entry("new", src.data, control_number(rec)))
    _plant_record_problems(entries, [rec for _, rec in new], counts, rng, stamp)

    for src in overlay_pool:
        if sum(e.role == "overlay" for e in entries) >= want_overlays:
            break
        rec = parse_record(src.data)
        if rec is None or not is_clean(rec) or control_number(rec) in seen:
            continue
        seen.add(control_number(rec))
        changed = enrich(rec, rng, stamp)
        info = {"bib_id": src.bib_id, "changed_tags": changed}
        entries.append(_Entry("overlay", rec.as_marc(), control_number(rec), info))

    rng.shuffle(entries)
    cut_data = truncated_rec.as_marc()
    keep = int(len(cut_data) * rng.uniform(0.45, 0.75))
    tail = _Entry(
        "truncated",
        cut_data[:keep],
        control_number(truncated_rec),
        {"declared_length": len(cut_data), "bytes_present": keep},
    )
    entries.append(tail)
    offset = 0
    for position, entry in enumerate(entries, start=1):
        entry.position, entry.offset = position, offset
        offset += len(entry.data)
    return b"".join(e.data for e in entries), _summary(entries), _problems(entries, counts)


def _plant_record_problems(entries, records, counts, rng, stamp) -> None:
    """Plant each problem on its own record of ``entries`` (parallel to ``records``)."""
    free = list(range(len(entries)))
    rng.shuffle(free)

    def take(ok) -> int:
        for n, i in enumerate(free):
            if ok(i):
                return free.pop(n)
        raise ValueError("The MARC file has too few suitable records to plant every problem.")

    for _ in range(counts["invalid_isbn_check_digit"]):
        i = take(lambda i: has_plain_isbn(records[i]))
        rec = parse_record(entries[i].data)
        bad, good = break_isbn(rec, rng)
        entries[i].data = rec.as_marc()
        entries[i].info = {
            "problem": "invalid_isbn_check_digit",
            "isbn": bad,
            "corrected_isbn": good,
        }
    for _ in range(counts["missing_245"]):
        i = take(lambda i: not records[i].get_fields("880"))
        rec = parse_record(entries[i].data)
        rec.remove_fields("245")
        entries[i].data, entries[i].info = rec.as_marc(), {"problem": "missing_245"}
    for _ in range(counts["wrong_encoding_flag"]):
        i = take(lambda i: has_non_ascii(entries[i].data))
        data = entries[i].data
        entries[i].data, entries[i].info = (
            data[:9] + b" " + data[10:],
            {"problem": "wrong_encoding_flag"},
        )
    for _ in range(counts["record_length_not_numeric"]):
        i = take(lambda i: entries[i].data[:1] == b"0")
        data = entries[i].data
        entries[i].data = b"O" + data[1:]
        entries[i].info = {
            "problem": "record_length_not_numeric",
            "leader_00_04": "O" + data[1:5].decode(),
        }
    for _ in range(counts["wrong_base_address"]):
        i = take(lambda i: True)
        data = entries[i].data
        actual = int(data[12:17])
        declared = actual + rng.choice([-12, 12])
        entries[i].data = data[:12] + f"{declared:05d}".encode() + data[17:]
        entries[i].info = {"problem": "wrong_base_address", "declared": declared, "actual": actual}
    for _ in range(counts["exact_duplicate"]):
        i = take(lambda i: True)
        entries.append(_Entry("exact_copy", entries[i].data, entries[i].control_number))
    for _ in range(counts["duplicate_001_different_content"]):
        i = take(lambda i: True)
        brief = brief_version(parse_record(entries[i].data), stamp)
        entries.append(_Entry("brief_version", brief.as_marc(), entries[i].control_number))


def _item(entry: _Entry) -> dict:
    return {
        "position": entry.position,
        "offset": entry.offset,
        "control_number": entry.control_number,
    }


def _summary(entries: list[_Entry]) -> dict:
    roles = ("new", "overlay", "exact_copy", "brief_version", "truncated")
    overlays = [
        {**_item(e), "bib_id": e.info["bib_id"], "changed_tags": e.info["changed_tags"]}
        for e in entries
        if e.role == "overlay"
    ]
    return {
        "file": VENDOR_FILE,
        "bytes": sum(len(e.data) for e in entries),
        "records": len(entries),
        "records_by_role": {role: sum(e.role == role for e in entries) for role in roles},
        "roles": {
            "new": "a title the catalog does not have (some carry a planted problem)",
            "overlay": "a vendor copy of a catalog record: same 001 and LCCN, changed fields",
            "exact_copy": "the second, byte-identical copy of a new record",
            "brief_version": "a brief order record sharing the 001 of a new record",
            "truncated": "the record cut short at the end of the file",
        },
        "position_counting": "1 = first record; records split on the 0x1D terminator",
        "control_numbers": "001 with surrounding blanks removed",
        "overlays": overlays,
    }


def _problems(entries: list[_Entry], counts: dict) -> list[dict]:
    by_kind: dict[str, list[dict]] = {kind: [] for kind in PROBLEM_COUNTS}
    for e in entries:
        kind = e.info.get("problem")
        if kind:
            extra = {k: v for k, v in e.info.items() if k != "problem"}
            by_kind[kind].append({**_item(e), **extra})
        elif e.role == "truncated":
            by_kind["truncated_record"].append({**_item(e), **e.info})
    pairs = (
        ("exact_copy", "exact_duplicate"),
        ("brief_version", "duplicate_001_different_content"),
    )
    for role, kind in pairs:
        for copy in (e for e in entries if e.role == role):
            first = next(
                e for e in entries if e.role == "new" and e.control_number == copy.control_number
            )
            pair = sorted([first, copy], key=lambda e: e.position)
            item = {
                "control_number": copy.control_number,
                "positions": [e.position for e in pair],
                "offsets": [e.offset for e in pair],
            }
            if role == "brief_version":
                item["brief_position"] = copy.position
            by_kind[kind].append(item)
    out = []
    for kind, items in by_kind.items():
        if len(items) != counts[kind]:
            raise RuntimeError(f"planted {len(items)} {kind}, meant {counts[kind]}")
        items.sort(key=lambda it: it.get("position", it.get("positions", [0])[0]))
        out.append(
            {
                "file": VENDOR_FILE,
                "kind": kind,
                "count": len(items),
                "description": DESCRIPTIONS[kind],
                "items": items,
            }
        )
    return out
