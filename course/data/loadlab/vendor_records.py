"""Record-level work for the vendor file: reading LoC records and editing them as a vendor would.

Everything here takes or returns one pymarc record: whether it is clean enough to plant a problem
on, the enriched copy a vendor sends of a record the library has (an "overlay"), the brief order
record a vendor sends before the full one, and an ISBN given a wrong check digit.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import datetime

import pymarc
from pymarc import Field, Indicators, Subfield
from stdnum import ean, isbn
from stdnum.exceptions import InvalidChecksum

__all__ = [
    "SourceRecord",
    "parse_record",
    "isbn_token",
    "control_number",
    "is_clean",
    "enrich",
    "brief_version",
    "has_plain_isbn",
    "break_isbn",
    "has_non_ascii",
]

#: Fields a vendor's brief order record keeps.
BRIEF_TAGS = {"001", "003", "005", "008", "010", "020", "040", "100", "110", "111", "245", "250"}
BRIEF_TAGS |= {"260", "264", "300"}
_ISBN_SHAPE = re.compile(r"^(\d{9}[\dX]|97[89]\d{10})$")
_OCLC_IN_035 = re.compile(r"\(OCoLC\)")


@dataclass(frozen=True)
class SourceRecord:
    """A record from the LoC file: its byte offset, its bytes, and its catalog bib_id if any."""

    offset: int
    data: bytes
    bib_id: int | None = None


def parse_record(data: bytes) -> pymarc.Record | None:
    """Parse one UTF-8 MARC record with pymarc, or None when pymarc cannot read it."""
    try:
        return pymarc.Record(data=data, to_unicode=True, force_utf8=True, utf8_handling="strict")
    except Exception:  # pymarc raises many kinds; any of them means "not a usable source record"
        return None


def isbn_token(value: str) -> str:
    """The ISBN part of a 020 $a, without the qualifier LoC keeps there ('0631217290 (pbk.)')."""
    parts = value.split()
    return parts[0] if parts else ""


def control_number(record: pymarc.Record) -> str:
    """The 001 with its surrounding blanks removed ('   00000002 ' -> '00000002')."""
    fields = record.get_fields("001")
    return fields[0].data.strip() if fields and fields[0].data else ""


def is_clean(record: pymarc.Record) -> bool:
    """True for a UTF-8 record with one 001, 008 and 245, and only valid ISBNs in 020 $a."""
    if record.leader[9] != "a" or not control_number(record):
        return False
    if len(record.get_fields("001")) != 1 or len(record.get_fields("245")) != 1:
        return False
    if not record.get_fields("008"):
        return False
    for f in record.get_fields("020"):
        for value in f.get_subfields("a"):
            if not isbn.is_valid(isbn_token(value)):
                return False
    return True


def _stamp_field(stamp: datetime) -> Field:
    return Field(tag="005", data=stamp.strftime("%Y%m%d%H%M%S") + ".0")


def _set_005(record: pymarc.Record, stamp: datetime) -> None:
    old = record.get_fields("005")
    if old:
        old[0].data = _stamp_field(stamp).data
    else:
        record.add_ordered_field(_stamp_field(stamp))


def enrich(record: pymarc.Record, rng: random.Random, stamp: datetime) -> list[str]:
    """Change a catalog record the way a vendor's enriched copy differs; return changed tags."""
    options = []
    if not any(
        _OCLC_IN_035.search(v) for f in record.get_fields("035") for v in f.get_subfields("a")
    ):
        options.append("035")
    isbn10s = [
        isbn_token(v)
        for f in record.get_fields("020")
        for v in f.get_subfields("a")
        if len(isbn.compact(isbn_token(v))) == 10
    ]
    has13 = any(
        len(isbn.compact(isbn_token(v))) == 13
        for f in record.get_fields("020")
        for v in f.get_subfields("a")
    )
    if isbn10s and not has13:
        options.append("020")
    options.append("856")
    chosen = sorted(rng.sample(options, k=min(len(options), rng.randint(1, 2))))
    cn = control_number(record)
    for tag in chosen:
        if tag == "035":
            number = f"(OCoLC)ocm{rng.randint(10_000_000, 99_999_999)}"
            record.add_ordered_field(Field("035", Indicators(" ", " "), [Subfield("a", number)]))
        elif tag == "020":
            record.add_ordered_field(
                Field("020", Indicators(" ", " "), [Subfield("a", isbn.to_isbn13(isbn10s[0]))])
            )
        else:
            url = f"https://covers.brightwater-books.example/toc/{cn}.html"
            subs = [Subfield("3", "Table of contents only"), Subfield("u", url)]
            record.add_ordered_field(Field("856", Indicators("4", "2"), subs))
    _set_005(record, stamp)
    return sorted([*chosen, "005"])


def brief_version(record: pymarc.Record, stamp: datetime) -> pymarc.Record:
    brief = pymarc.Record(to_unicode=True, force_utf8=True, leader=str(record.leader))
    brief.leader = brief.leader[:17] + "5" + brief.leader[18:]
    for f in record.fields:
        if f.tag in BRIEF_TAGS:
            brief.add_field(f)
    _set_005(brief, stamp)
    return brief


def has_plain_isbn(record: pymarc.Record) -> bool:
    return any(
        _ISBN_SHAPE.match(isbn_token(v))
        for f in record.get_fields("020")
        for v in f.get_subfields("a")
    )


def break_isbn(record: pymarc.Record, rng: random.Random) -> tuple[str, str]:
    """Give the first plain 020 $a ISBN a wrong check digit; return (bad, original)."""
    for f in record.get_fields("020"):
        for i, sub in enumerate(f.subfields):
            token = isbn_token(sub.value) if sub.code == "a" else ""
            if not _ISBN_SHAPE.match(token):
                continue
            wrong = [d for d in "0123456789" if d != token[-1]]
            rng.shuffle(wrong)
            for digit in wrong:
                bad = token[:-1] + digit
                try:
                    (ean if len(bad) == 13 else isbn).validate(bad)
                except InvalidChecksum:
                    f.subfields[i] = Subfield("a", sub.value.replace(token, bad, 1))
                    return bad, token
    raise ValueError("no ISBN of the usual shape in this record")


def has_non_ascii(data: bytes) -> bool:
    return any(b > 0x7F for b in data)
