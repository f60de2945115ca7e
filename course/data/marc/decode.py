"""Decode one MARC record in Python: the loader's slow path for unusual records.

Records that :mod:`course.data.marc.scan` found sound but unusual come here one at a time: MARC-8
records (leader position 09 blank), fields out of directory order, missing or extra indicators,
empty subfields, non-ASCII subfield codes, and UTF-8 records whose bytes did not decode.  They
are rare, so clarity wins over speed.  The result matches what pymarc 5.4 gives for the same
record (``MARCReader(..., to_unicode=True, permissive=True)``), so the fast and slow paths agree:

* a field is a control field when its tag is ``000``-``009``; its value is decoded whole;
* a data field's text before the first subfield delimiter holds the indicators: none gives two
  blanks, one gives it and a blank, more than two keep the first two;
* empty subfields (two delimiters in a row) are skipped;
* a non-ASCII subfield code is replaced by the first ASCII letter of the subfield's text with
  its accents removed (pymarc's rule);
* UTF-8 records (LDR/09 ``a``) must decode strictly: one bad byte rejects the record, because
  guessing would load wrong text without anyone noticing (pymarc's default is also strict);
* MARC-8 records are converted with pymarc's MARC-8 converter, one subfield at a time; their
  control fields are read as Latin-1, as pymarc does.

Problems raise :class:`RecordRejected` with one of the phrases in ``marc_scan.REASONS``.
"""

from __future__ import annotations

import contextlib
import io
import unicodedata
from dataclasses import dataclass, field

from pymarc.marc8 import MARC8ToUnicode

__all__ = ["RecordRejected", "DecodedField", "SlowRows", "decode_record", "decode_records"]

_SUBFIELD = b"\x1f"


class RecordRejected(ValueError):
    """The record cannot be loaded; ``str(exc)`` is the one-phrase reason."""


@dataclass(frozen=True)
class DecodedField:
    """One field: control fields have ``value``; data fields have indicators and subfields."""

    tag: str
    ind1: str | None
    ind2: str | None
    value: str | None
    subfields: tuple[tuple[str, str], ...]


def _utf8(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise RecordRejected("invalid UTF-8 in a record flagged as UTF-8") from None


def _marc8(data: bytes) -> str:
    # a fresh converter per subfield (pymarc does the same, so escape states never leak), and
    # its complaints about unknown characters kept off the learner's screen
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            return MARC8ToUnicode(quiet=True).translate(data)
    except Exception:  # the converter fails with IndexError/TypeError on broken sequences
        raise RecordRejected("MARC-8 text could not be decoded") from None


def _code(sub: bytes) -> tuple[str, int]:
    """Subfield code and how many bytes it takes (pymarc's repair for non-ASCII codes)."""
    if sub[0] < 0x80:
        return chr(sub[0]), 1
    try:
        text = sub.decode("utf-8")
        width = len(text[0].encode("utf-8"))
    except UnicodeDecodeError:
        text, width = sub.decode("latin-1"), 1
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    if not plain:
        raise RecordRejected("subfield code cannot be read")
    return plain[0], width


def decode_record(chunk: bytes) -> tuple[str, list[DecodedField]]:
    """Leader and fields of one record whose structure was already checked by marc_scan."""
    leader = chunk[:24].decode("ascii")
    utf8 = leader[9] == "a"
    text = _utf8 if utf8 else _marc8
    base = int(chunk[12:17])
    directory = chunk[24 : base - 1]
    fields = []
    for at in range(0, len(directory) - 11, 12):
        tag = directory[at : at + 3].decode("ascii")
        length, offset = int(directory[at + 3 : at + 7]), int(directory[at + 7 : at + 12])
        data = chunk[base + offset : base + offset + length - 1]
        if tag < "010" and tag.isdigit():
            value = _utf8(data) if utf8 else data.decode("latin-1")
            fields.append(DecodedField(tag, None, None, value, ()))
            continue
        head, *subs = data.split(_SUBFIELD)
        try:
            indicators = head.decode("ascii")
        except UnicodeDecodeError:
            raise RecordRejected("indicators are not ASCII") from None
        ind1 = indicators[0] if len(indicators) >= 1 else " "
        ind2 = indicators[1] if len(indicators) >= 2 else " "
        decoded = []
        for sub in subs:
            if sub:
                code, width = _code(sub)
                decoded.append((code, text(sub[width:])))
        fields.append(DecodedField(tag, ind1, ind2, None, tuple(decoded)))
    return leader, fields


@dataclass
class SlowRows:
    """Rows for the raw MARC tables from records decoded one by one, and the ones rejected."""

    tables: dict[str, list[tuple]] = field(
        default_factory=lambda: {"marc_record": [], "marc_field": [], "marc_subfield": []}
    )
    rejects: list[tuple[int, int, str]] = field(default_factory=list)
    marc8: int = 0  # records declared MARC-8 among those decoded

    def add(self, record_id: int, offset: int, length: int, leader: str, fields) -> None:
        control = next((f.value for f in fields if f.tag == "001"), None)
        self.tables["marc_record"].append((record_id, offset, length, leader, control))
        for seq, f in enumerate(fields, start=1):
            self.tables["marc_field"].append((record_id, seq, f.tag, f.ind1, f.ind2, f.value))
            self.tables["marc_subfield"].extend(
                (record_id, seq, n, code, value) for n, (code, value) in enumerate(f.subfields, 1)
            )
        self.marc8 += leader[9] != "a"


def decode_records(buf: bytes, starts, lengths, positions) -> SlowRows:
    """Decode the records at ``positions`` (0-based, in the file) of a buffer cut into records
    at ``starts``/``lengths``; record ids are position + 1."""
    out = SlowRows()
    for i in positions:
        s, n = int(starts[i]), int(lengths[i])
        try:
            leader, fields = decode_record(buf[s : s + n])
        except RecordRejected as exc:
            out.rejects.append((s, n, str(exc)))
            continue
        out.add(int(i) + 1, s, n, leader, fields)
    return out
