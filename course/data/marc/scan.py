"""Find and check binary MARC 21 (ISO 2709) records, a whole batch at a time, with numpy.

A MARC file is a run of records, each ending in the record terminator byte ``0x1D``.  A record is a
24-byte leader, a directory of 12-byte entries (tag, field length, field offset) ending in the
field terminator ``0x1E``, then the fields themselves, each ending in ``0x1E``; data fields start
with two indicators and hold subfields, each starting with the delimiter ``0x1F`` and a code.

:func:`split_records` cuts the whole buffer at every ``0x1D`` (so one bad record never costs the
ones after it) and skips the newline some exports put after each terminator.  :func:`check_records`
then sorts the records of a batch into three kinds, with array arithmetic instead of a loop:

``FAST``
    well-formed UTF-8 records whose fields lie in directory order with nothing between them, with
    exactly two indicators and no empty or non-ASCII subfield codes: the loader hands their bytes
    to DuckDB, which splits them;
``SLOW``
    sound but unusual records (MARC-8, fields out of order, odd indicators or subfields): decoded
    one by one in Python, the way pymarc does (:mod:`course.data.marc.decode`);
``REJECT``
    records whose structure is broken, each with one reason from :data:`REASONS`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "RECORD_END",
    "FIELD_END",
    "SUBFIELD",
    "FAST",
    "SLOW",
    "REJECT",
    "REASONS",
    "Chunks",
    "Checked",
    "split_records",
    "select",
    "check_records",
]

RECORD_END, FIELD_END, SUBFIELD = 0x1D, 0x1E, 0x1F
FAST, SLOW, REJECT = 0, 1, 2

#: Why a record was rejected: one phrase each, stored in ``marc_reject.reason``.
REASONS = (
    "",
    "file ends in the middle of a record",
    "too short to be a record",
    "record length in leader is not a number",
    "record length in leader does not match the record",
    "leader has non-ASCII bytes",
    "base address in leader is not a number",
    "base address does not fit the record",
    "directory length is not a multiple of 12",
    "record has no fields",
    "directory does not end with a field terminator",
    "directory has non-ASCII bytes",
    "directory entry has non-digits in length or offset",
    "directory points outside the record",
    "field does not end with a field terminator",
    # the next ones come from the slow path (marc_decode), listed here to keep codes in one place
    "invalid UTF-8 in a record flagged as UTF-8",
    "indicators are not ASCII",
    "subfield code cannot be read",
    "MARC-8 text could not be decoded",
)
R = {reason: code for code, reason in enumerate(REASONS)}

_NEWLINES = (0x0A, 0x0D)
_PADDING = b" \t\r\n\x00\x1a"  # blanks, NULs and the old DOS end-of-file mark
_POW5 = np.array([10000, 1000, 100, 10, 1], dtype=np.int64)
_POW4 = _POW5[1:]


@dataclass
class Chunks:
    """Where each record sits in the buffer: ``start`` offset, ``length`` in bytes (terminator
    included) and whether it ends with a record terminator (only the last one may not)."""

    start: np.ndarray
    length: np.ndarray
    terminated: np.ndarray

    def __len__(self) -> int:
        return len(self.start)


@dataclass
class Checked:
    """The verdict on a batch of records: ``status`` (FAST/SLOW/REJECT), ``reason`` (an index into
    REASONS for rejects) and the ``base`` address of each record that was not rejected."""

    status: np.ndarray
    reason: np.ndarray
    base: np.ndarray


def split_records(a: np.ndarray) -> Chunks:
    """Cut a buffer (uint8 array) into records at every record terminator.

    Newlines or carriage returns before a record (files written one record per line) are skipped;
    bytes after the last terminator become an unterminated record unless they are only padding
    (blanks, line breaks, NULs, the DOS end-of-file mark).
    """
    if not len(a):
        return Chunks(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, bool))
    ends = np.flatnonzero(a == RECORD_END).astype(np.int64)
    start = np.concatenate(([0], ends + 1)).astype(np.int64)
    stop = np.concatenate((ends + 1, [len(a)])).astype(np.int64)
    todo = np.arange(len(start))
    while len(todo):  # skip line breaks; the set shrinks fast (usually one pass)
        head = a[np.minimum(start[todo], len(a) - 1)]
        more = (start[todo] < stop[todo]) & np.isin(head, _NEWLINES)
        todo = todo[more]
        start[todo] += 1
    terminated = np.ones(len(start), dtype=bool)
    terminated[-1] = False
    keep = np.ones(len(start), dtype=bool)
    # what follows the last terminator is a cut-off record, unless it is only padding
    keep[-1] = bool(bytes(a[start[-1] : stop[-1]]).strip(_PADDING))
    return Chunks(start[keep], (stop - start)[keep], terminated[keep])


def select(chunks: Chunks, records) -> np.ndarray:
    """Positions of the chosen records: all (None), a slice, or positions (out-of-range ignored)."""
    n = len(chunks)
    if records is None:
        return np.arange(n)
    if isinstance(records, slice):
        return np.arange(n)[records]
    idx = np.asarray(records, dtype=np.int64).ravel()
    return np.unique(idx[(idx >= 0) & (idx < n)])


def _digits(cols: list[np.ndarray], weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Value of a run of ASCII digit columns, and whether every byte was a digit."""
    ok = np.ones(len(cols[0]), dtype=bool)
    value = np.zeros(len(cols[0]), dtype=np.int64)
    for col, weight in zip(cols, weights, strict=True):
        ok &= (col >= 0x30) & (col <= 0x39)
        value += (col.astype(np.int64) - 0x30) * weight
    return value, ok


def check_records(a: np.ndarray, start: np.ndarray, length: np.ndarray, terminated: np.ndarray):
    """Check a batch of records (sorted by ``start``) and sort them into FAST, SLOW and REJECT."""
    n = len(start)
    status = np.full(n, FAST, dtype=np.int8)
    reason = np.zeros(n, dtype=np.int8)
    last = len(a) - 1

    def reject(bad: np.ndarray, why: str) -> None:
        hit = bad & (status != REJECT)
        status[hit] = REJECT
        reason[hit] = R[why]

    reject(~terminated, "file ends in the middle of a record")
    reject(length < 26, "too short to be a record")

    # the leader, one column per position (rows already rejected read byte 0, harmlessly)
    live = status != REJECT
    s0 = np.where(live, start, 0)
    lead = [a[np.minimum(s0 + j, last)] for j in range(24)]
    declared, ok = _digits(lead[0:5], _POW5)
    reject(~ok, "record length in leader is not a number")
    reject(declared != length, "record length in leader does not match the record")
    reject(np.any(np.stack(lead) >= 0x80, axis=0), "leader has non-ASCII bytes")
    base, ok = _digits(lead[12:17], _POW5)
    reject(~ok, "base address in leader is not a number")
    reject((base < 25) | (base >= length), "base address does not fit the record")
    reject((base - 25) % 12 != 0, "directory length is not a multiple of 12")
    reject(base == 25, "record has no fields")
    live = status != REJECT
    reject(
        live & (a[np.where(live, start + base - 1, 0)] != FIELD_END),
        "directory does not end with a field terminator",
    )

    # the directory: one row per entry, across all live records; the directories laid end to
    # end are exactly a matrix with 12 bytes a row, so one join replaces per-byte gathers
    rec = np.flatnonzero(status != REJECT)
    nent = (base[rec] - 25) // 12
    first = np.cumsum(nent) - nent
    of = np.repeat(rec, nent)  # which record each entry belongs to
    view = memoryview(a)
    table = b"".join(
        [
            view[s + 24 : s + b - 1]
            for s, b in zip(start[rec].tolist(), base[rec].tolist(), strict=True)
        ]
    )
    entries = np.frombuffer(table, dtype=np.uint8).reshape(-1, 12)
    cols = [entries[:, j] for j in range(12)]
    rbase, rlen, rstart = base[of], length[of], start[of]
    flen, ok_len = _digits(cols[3:7], _POW4)
    foff, ok_off = _digits(cols[7:12], _POW5)

    def reject_entries(bad: np.ndarray, why: str) -> None:
        reject(np.bincount(of[bad], minlength=n) > 0, why)

    tag_ascii = (cols[0] < 0x80) & (cols[1] < 0x80) & (cols[2] < 0x80)
    reject_entries(~tag_ascii, "directory has non-ASCII bytes")
    numeric = ok_len & ok_off
    reject_entries(~numeric, "directory entry has non-digits in length or offset")
    inside = numeric & (flen >= 1) & (rbase + foff + flen <= rlen - 1)
    reject_entries(~inside, "directory points outside the record")
    fstart = rstart + rbase + foff
    fend = fstart + flen - 1  # where the field terminator must be
    reject_entries(
        inside & (a[np.where(inside, fend, 0)] != FIELD_END),
        "field does not end with a field terminator",
    )

    # fast or slow?  Only records still alive matter from here on.
    slow = np.zeros(n, dtype=bool)
    slow |= lead[9] != ord("a")  # MARC-8 (or anything not declared UTF-8)
    # fields must follow each other in directory order, filling the data area exactly
    cum = np.cumsum(flen)
    before = np.repeat(cum[first] - flen[first], nent)
    odd = foff != cum - flen - before
    lastent = first + nent - 1
    gap = np.zeros(len(of), dtype=bool)
    gap[lastent] = rbase[lastent] + foff[lastent] + flen[lastent] != rlen[lastent] - 1
    # data fields: exactly two indicators (not delimiters, ASCII), then a subfield or the end
    control = (cols[0] == 0x30) & (cols[1] == 0x30) & (cols[2] >= 0x30) & (cols[2] <= 0x39)
    safe = inside & (flen >= 3)
    i1 = a[np.where(safe, fstart, 0)]
    i2 = a[np.where(safe, fstart + 1, 0)]
    i3 = a[np.where(safe, fstart + 2, 0)]
    plain = (i1 < 0x80) & (i2 < 0x80) & (i1 != FIELD_END) & (i1 != SUBFIELD)
    plain &= (i2 != FIELD_END) & (i2 != SUBFIELD)
    good_ind = safe & plain & ((i3 == SUBFIELD) | (flen == 3))
    slow |= np.bincount(of[odd | gap | (~control & ~good_ind)], minlength=n) > 0

    expected = np.zeros(n, dtype=np.int64)
    expected[rec] = nent + 1
    if n and length.sum() * 2 < start[-1] + length[-1] - start[0]:
        # a sparse sample: scan a compact copy of just these records, not everything between
        view = memoryview(a)
        packed = np.frombuffer(
            b"".join(
                [view[s : s + m] for s, m in zip(start.tolist(), length.tolist(), strict=True)]
            ),
            dtype=np.uint8,
        )
        slow |= _stray_delimiters(packed, np.cumsum(length) - length, length, expected)
    elif n:
        slow |= _stray_delimiters(a, start, length, expected)

    status[(status == FAST) & slow] = SLOW
    return Checked(status=status, reason=reason, base=np.where(status != REJECT, base, 0))


def _stray_delimiters(a: np.ndarray, start: np.ndarray, length: np.ndarray, expected: np.ndarray):
    """Records (sorted by ``start``) that DuckDB could not split by position: a field terminator
    other than the directory's and the fields' own (``expected`` per record), an empty subfield
    or a non-ASCII subfield code."""
    lo, hi = int(start[0]), int(min(start[-1] + length[-1], len(a)))
    region = a[lo:hi]
    last = len(a) - 1
    ends = np.flatnonzero(region == FIELD_END) + lo
    count = np.searchsorted(ends, start + length - 1) - np.searchsorted(ends, start)
    flagged = count != expected
    delims = np.flatnonzero(region == SUBFIELD) + lo
    after = a[np.minimum(delims + 1, last)]
    bad = delims[
        (after == SUBFIELD)
        | (after == FIELD_END)
        | (after == RECORD_END)
        | (after >= 0x80)
        | (delims + 1 > last)
    ]
    owner = np.searchsorted(start, bad, side="right") - 1
    mine = (owner >= 0) & (bad < start[np.maximum(owner, 0)] + length[np.maximum(owner, 0)])
    flagged[owner[mine]] = True
    return flagged
