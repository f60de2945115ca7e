"""Library barcodes: 14-digit Codabar numbers with a Luhn (mod 10) check digit.

The layout is the common one in US integrated library systems:

====== ==========================================================
digit  meaning
====== ==========================================================
1      what the barcode is on: 3 = an item, 2 = a patron card
2-5    the institution code (one per library system)
6-13   a sequence number, given out in the order things arrived
14     check digit, Luhn / mod 10 over digits 1-13
====== ==========================================================

The check digit is computed and validated with python-stdnum's ``stdnum.luhn``, never by hand.
"""

from __future__ import annotations

from collections.abc import Iterable

from stdnum import luhn

__all__ = ["INSTITUTION_CODE", "KIND_DIGIT", "make_barcodes", "is_valid_barcode"]

#: Digits 2-5 of every barcode in the generated consortium.
INSTITUTION_CODE = "7301"
#: First digit by what the barcode is on.
KIND_DIGIT = {"item": "3", "patron": "2"}


def make_barcodes(
    kind: str, sequence: Iterable[int], institution: str = INSTITUTION_CODE
) -> list[str]:
    """Barcodes for ``kind`` ('item' or 'patron') from sequence numbers (0 to 99,999,999)."""
    if kind not in KIND_DIGIT:
        raise ValueError(f"There is no barcode kind {kind!r}; use 'item' or 'patron'.")
    if len(institution) != 4 or not institution.isdigit():
        raise ValueError(f"The institution code must be four digits, not {institution!r}.")
    head = KIND_DIGIT[kind] + institution
    out = []
    for number in sequence:
        number = int(number)
        if not 0 <= number <= 99_999_999:
            raise ValueError(f"Barcode sequence number {number} does not fit in eight digits.")
        body = f"{head}{number:08d}"
        out.append(body + luhn.calc_check_digit(body))
    return out


def is_valid_barcode(barcode: str, kind: str | None = None) -> bool:
    """True when ``barcode`` is 14 digits with a correct Luhn check digit (and of ``kind``)."""
    if not isinstance(barcode, str) or len(barcode) != 14 or not barcode.isdigit():
        return False
    if kind is not None and barcode[0] != KIND_DIGIT.get(kind):
        return False
    return luhn.is_valid(barcode)
