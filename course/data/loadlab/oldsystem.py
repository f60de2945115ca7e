"""An item export from the library's old system, as a migration lab receives it.

The old ILS names things its own way ("BIB NUM", "Item Barcode", "Call #", "Date Added" as
MM/DD/YYYY, prices with "$"), writes UTF-8 with a byte-order mark and CRLF line ends (as
spreadsheet software does), and carries the usual dirt, planted at exact counts:

==============================  ==============================================================
kind                            what the row has
==============================  ==============================================================
blank_row                       every cell empty
unknown_bib_number              a BIB NUM no catalog record has
invalid_date                    a Date Added that is not a real MM/DD/YYYY date
price_not_numeric               a Price that is not an amount ("N/A", "GIFT", ...)
duplicate_barcode               an Item Barcode that is also on another row
invalid_barcode_check_digit     a 14-digit barcode whose Luhn (mod 10) check digit is wrong
padded_values                   blanks before or after a value
missing_call_number             an empty Call # (natural: the record had no 050 or 082)
==============================  ==============================================================

Rows are counted from 1 after the header, so row N is line N + 1 of the file.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import date, timedelta

import pymarc
from stdnum import luhn

__all__ = ["OLD_EXPORT_FILE", "COLUMNS", "build_old_export"]

OLD_EXPORT_FILE = "old-system-export.csv"
COLUMNS = [
    "BIB NUM",
    "Title",
    "Author",
    "Call #",
    "Item Barcode",
    "Location",
    "Item Type",
    "Status",
    "Date Added",
    "Price",
]
BIBS = (500, 700)
PROBLEM_COUNTS = {
    "blank_row": (2, 4),
    "unknown_bib_number": (2, 4),
    "invalid_date": (3, 6),
    "price_not_numeric": (2, 5),
    "duplicate_barcode": (2, 4),
    "invalid_barcode_check_digit": (2, 4),
    "padded_values": (3, 6),
}
DESCRIPTIONS = {
    "blank_row": "Every cell of the row is empty.",
    "unknown_bib_number": "BIB NUM matches no record in the catalog.",
    "invalid_date": "Date Added is not a real date written MM/DD/YYYY.",
    "price_not_numeric": "Price is not an amount of money.",
    "duplicate_barcode": "The same Item Barcode is on two rows.",
    "invalid_barcode_check_digit": "The Item Barcode fails its Luhn (mod 10) check digit.",
    "padded_values": "A value has blanks before or after it.",
    "missing_call_number": "Call # is empty (the record had no LC or Dewey number).",
}
LOCATIONS = ["MAIN", "MAIN", "MAIN", "MAIN REF", "EAST", "WEST", "NORTHGATE", "ANNEX"]
ITEM_TYPES = {"MAIN REF": "REF BOOK"}
STATUSES = ["AVAILABLE"] * 14 + ["CHECKED OUT"] * 4 + ["MISSING", "LOST", "WITHDRAWN", "BINDERY"]
BAD_DATES = ["00/00/0000", "02/30/2009", "13/05/2011", "2012-07-15", "7/4/98", "31/01/2006"]
BAD_PRICES = ["N/A", "GIFT", "see invoice", "0..00", "$"]
#: The old system's institution number, digits 2-5 of its 14-digit item barcodes.
INSTITUTION = "4417"


def _chop(text: str) -> str:
    text = " ".join(text.split())
    while text and text[-1] in " /:;,=.":
        text = text[:-1]
    return text


def _title(rec: pymarc.Record) -> str:
    f = rec.get_fields("245")
    return _chop(" ".join(f[0].get_subfields("a", "b", "n", "p"))) if f else ""


def _author(rec: pymarc.Record) -> str:
    f = rec.get_fields("100", "110", "111")
    return _chop(" ".join(f[0].get_subfields("a", "b", "d", "q"))) if f else ""


def _call_number(rec: pymarc.Record) -> str:
    for f in rec.get_fields("050"):
        parts = f.get_subfields("a")[:1] + f.get_subfields("b")[:1]
        if parts:
            return " ".join(" ".join(parts).split())
    for f in rec.get_fields("082"):
        for value in f.get_subfields("a"):
            return value.replace("/", "").strip()
    return ""


def _barcode(sequence: int) -> str:
    body = f"3{INSTITUTION}{sequence:08d}"
    return body + luhn.calc_check_digit(body)


def _added(rec: pymarc.Record, rng: random.Random) -> date:
    year = rec["008"].data[7:11] if rec.get_fields("008") else ""
    start = date(max(1990, int(year)) if year.isdigit() and int(year) < 2020 else 1990, 1, 1)
    end = date(2021, 6, 30)
    return start + timedelta(days=rng.randint(0, (end - start).days))


def build_old_export(
    bibs: list[tuple[int, pymarc.Record]], rng: random.Random, *, max_bib_id: int
) -> tuple[bytes, dict, list[dict]]:
    """The CSV bytes, a summary and the planted problems, from (bib_id, record) pairs."""
    counts = {kind: rng.randint(*span) for kind, span in PROBLEM_COUNTS.items()}
    rows: list[dict] = []
    sequence = rng.randint(100_000, 900_000)
    for bib_id, rec in bibs:
        for _ in range(rng.choice([1, 1, 1, 1, 2, 2, 3])):
            sequence += rng.randint(1, 40)
            location = rng.choice(LOCATIONS)
            price = min(rng.lognormvariate(3.4, 0.5), 400.0)
            rows.append(
                {
                    "BIB NUM": str(bib_id),
                    "Title": _title(rec),
                    "Author": _author(rec),
                    "Call #": _call_number(rec),
                    "Item Barcode": _barcode(sequence),
                    "Location": location,
                    "Item Type": ITEM_TYPES.get(location, "BOOK"),
                    "Status": rng.choice(STATUSES),
                    "Date Added": _added(rec, rng).strftime("%m/%d/%Y"),
                    "Price": f"${price:.2f}",
                    "_problem": None,
                }
            )
    free = list(range(len(rows)))
    rng.shuffle(free)
    planted: dict[str, list[tuple[int, dict]]] = {kind: [] for kind in PROBLEM_COUNTS}

    for _ in range(counts["unknown_bib_number"]):
        i = free.pop()
        rows[i]["BIB NUM"] = str(max_bib_id + rng.randint(1, 50_000))
        planted["unknown_bib_number"].append((i, {"bib_num": rows[i]["BIB NUM"]}))
    for _ in range(counts["invalid_date"]):
        i = free.pop()
        rows[i]["Date Added"] = rng.choice(BAD_DATES)
        planted["invalid_date"].append((i, {"value": rows[i]["Date Added"]}))
    for _ in range(counts["price_not_numeric"]):
        i = free.pop()
        rows[i]["Price"] = rng.choice(BAD_PRICES)
        planted["price_not_numeric"].append((i, {"value": rows[i]["Price"]}))
    for _ in range(counts["invalid_barcode_check_digit"]):
        i = free.pop()
        code = rows[i]["Item Barcode"]
        wrong = rng.choice([d for d in "0123456789" if d != code[-1]])
        rows[i]["Item Barcode"] = code[:-1] + wrong
        planted["invalid_barcode_check_digit"].append((i, {"barcode": rows[i]["Item Barcode"]}))
    for _ in range(counts["padded_values"]):
        i = free.pop()
        column = rng.choice(["BIB NUM", "Call #", "Item Barcode"])
        if not rows[i][column]:
            column = "BIB NUM"
        rows[i][column] = rng.choice([" ", "  ", ""]) + rows[i][column] + rng.choice([" ", "   "])
        planted["padded_values"].append((i, {"column": column}))
    for _ in range(counts["duplicate_barcode"]):
        i, j = free.pop(), free.pop()
        rows[j]["Item Barcode"] = rows[i]["Item Barcode"]
        planted["duplicate_barcode"].append((i, {"barcode": rows[i]["Item Barcode"], "other": j}))
    for _ in range(counts["blank_row"]):
        at = rng.randint(1, len(rows) - 1)
        rows.insert(at, {c: "" for c in COLUMNS} | {"_problem": "blank_row"})
    return _finish(rows, planted, counts)


def _finish(rows: list[dict], planted: dict, counts: dict) -> tuple[bytes, dict, list[dict]]:
    """Number the rows (after blank rows went in), write the CSV, list the problems."""
    # number_of: index among the item rows (before blank rows went in) -> row number in the file
    item_rows = [n for n, row in enumerate(rows, start=1) if row["_problem"] != "blank_row"]
    number_of = dict(enumerate(item_rows))
    problems = []
    blank_rows = [n for n, row in enumerate(rows, start=1) if row["_problem"] == "blank_row"]
    by_kind: dict[str, list[dict]] = {"blank_row": [{"row": r, "line": r + 1} for r in blank_rows]}
    for kind, entries in planted.items():
        if kind == "blank_row":
            continue
        items = []
        for i, info in entries:
            row = number_of[i]
            if kind == "duplicate_barcode":
                other = number_of[info["other"]]
                items.append({"barcode": info["barcode"], "rows": sorted([row, other])})
            else:
                items.append({"row": row, "line": row + 1, **info})
        by_kind[kind] = items
    by_kind["missing_call_number"] = [
        {"row": n, "line": n + 1}
        for n, row in enumerate(rows, start=1)
        if row["_problem"] != "blank_row" and not row["Call #"].strip()
    ]
    for kind in [*PROBLEM_COUNTS, "missing_call_number"]:
        items = sorted(by_kind[kind], key=lambda it: it.get("row", it.get("rows", [0])[0]))
        if kind in counts and len(items) != counts[kind]:
            raise RuntimeError(f"planted {len(items)} {kind}, meant {counts[kind]}")
        problems.append(
            {
                "file": OLD_EXPORT_FILE,
                "kind": kind,
                "count": len(items),
                "description": DESCRIPTIONS[kind],
                "items": items,
            }
        )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([row[c] for c in COLUMNS])
    data = buffer.getvalue().encode("utf-8-sig")
    summary = {
        "file": OLD_EXPORT_FILE,
        "encoding": "utf-8-sig (UTF-8 with a byte-order mark)",
        "line_ends": "CRLF",
        "columns": COLUMNS,
        "rows": len(rows),
        "row_counting": "1 = first row after the header; row N is line N + 1",
        "date_format": "MM/DD/YYYY",
    }
    return data, summary, problems
