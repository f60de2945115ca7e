"""A provider's KBART title list (NISO RP-9-2014, Phase II) with planted errors, for e-resources.

Tab-delimited UTF-8 text with a header row of the 25 Phase II columns in order, named
``[Provider]_[Region|Consortium|Global]_[Package]_[YYYY-MM-DD].txt``.  Titles, publishers and
identifiers are invented (ISSN and ISBN check digits computed with python-stdnum); the errors are
planted at exact counts, one per row:

=======================  ======================================================================
kind                     what the row has
=======================  ======================================================================
invalid_issn             an ISSN (print or online) with a wrong check digit
date_not_iso8601         a coverage or publication date not written YYYY, YYYY-MM or YYYY-MM-DD
missing_title            an empty publication_title
bad_publication_type     a publication_type other than "serial" or "monograph"
duplicate_title_id       a title_id another row already uses (listed once per shared id)
=======================  ======================================================================

Rows are counted from 1 after the header, so row N is line N + 1 of the file.
"""

from __future__ import annotations

import random
from datetime import date

from stdnum import ean, issn

__all__ = ["KBART_COLUMNS", "PROVIDER", "PACKAGE", "kbart_file_name", "build_kbart"]

KBART_COLUMNS = [
    "publication_title",
    "print_identifier",
    "online_identifier",
    "date_first_issue_online",
    "num_first_vol_online",
    "num_first_issue_online",
    "date_last_issue_online",
    "num_last_vol_online",
    "num_last_issue_online",
    "title_url",
    "first_author",
    "title_id",
    "embargo_info",
    "coverage_depth",
    "notes",
    "publisher_name",
    "publication_type",
    "date_monograph_published_print",
    "date_monograph_published_online",
    "monograph_volume",
    "monograph_edition",
    "first_editor",
    "parent_publication_title_id",
    "preceding_publication_title_id",
    "access_type",
]
PROVIDER = "Heronsgate"
PACKAGE = "HumanitiesAndSocialSciences"
URL_BASE = "https://www.heronsgate-journals.example"
ROWS = (150, 220)
PROBLEM_COUNTS = {
    "invalid_issn": (3, 6),
    "date_not_iso8601": (3, 6),
    "missing_title": (2, 4),
    "bad_publication_type": (2, 4),
    "duplicate_title_id": (2, 3),
}
DESCRIPTIONS = {
    "invalid_issn": "An ISSN has a wrong check digit.",
    "date_not_iso8601": "A date is not written as ISO 8601 (YYYY, YYYY-MM or YYYY-MM-DD).",
    "missing_title": "publication_title is empty.",
    "bad_publication_type": 'publication_type is neither "serial" nor "monograph".',
    "duplicate_title_id": "Two rows share one title_id.",
}
PUBLISHERS = [
    "Heronsgate Academic",
    "Fenwick & Hale",
    "Northmoor University Press",
    "Quillon Scholarly",
    "Saltmarsh Editions",
    "Ambleside Learned Society",
]
_JOURNAL_PATTERNS = [
    "Journal of {a} {b}",
    "{c} Review of {a} {b}",
    "{a} {b} Quarterly",
    "Studies in {a} {b}",
    "{c} {a} {b}",
]
_BOOK_PATTERNS = [
    "{c} {b}: A History",
    "The {a} {b} Reader",
    "Rethinking {a} {b}",
    "{b} and Its Publics",
]
_A = ["Coastal", "Rural", "Urban", "Medieval", "Early Modern", "Comparative", "Digital", "Northern"]
_A += ["Atlantic", "Applied", "Historical", "Visual", "Oral", "Material", "Environmental"]
_B = ["Archaeology", "Linguistics", "Folklore", "Economics", "Sociology", "Librarianship"]
_B += ["Musicology", "Cartography", "Education", "Ethnography", "Philosophy", "Theatre"]
_C = ["International", "Annual", "Transatlantic", "New", "Contemporary", "Pacific", "Nordic"]
_AUTHORS = [
    "Okafor",
    "Lindqvist",
    "Haddad",
    "Moreau",
    "Castellanos",
    "Nakamura",
    "Brennan",
    "Ivanova",
]
BAD_TYPES = ["journal", "Serial", "book", "ebook", "Monograph"]
_MONTHS = "January February March April May June July August September October November December"
#: Ways people write a date that are not ISO 8601 (month names in English whatever the locale).
BAD_DATE_FORMS = [
    lambda d: f"{d.month:02d}/{d.day:02d}/{d.year}",
    lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}",
    lambda d: f"{_MONTHS.split()[d.month - 1][:3]} {d.year}",
    lambda d: f"{d.year}/{d.month:02d}/{d.day:02d}",
    lambda d: f"{_MONTHS.split()[d.month - 1]} {d.day}, {d.year}",
]


def kbart_file_name(when: date) -> str:
    """The KBART file name for a delivery date, e.g. ``Heronsgate_Global_..._2026-05-03.txt``."""
    return f"{PROVIDER}_Global_{PACKAGE}_{when.isoformat()}.txt"


def _issn(rng: random.Random, used: set[str]) -> str:
    while True:
        body = f"{rng.randint(0, 9_999_999):07d}"
        value = f"{body[:4]}-{body[4:]}{issn.calc_check_digit(body)}"
        if value not in used:
            used.add(value)
            return value


def _isbn13(rng: random.Random, used: set[str]) -> str:
    while True:
        body = f"979{rng.randint(0, 999_999_999):09d}"  # 979-: prefix, unlikely to be a real book
        value = body + ean.calc_check_digit(body)
        if value not in used:
            used.add(value)
            return value


def _row(n: int, rng: random.Random, used: set[str], titles: set[str]) -> dict:
    serial = rng.random() < 0.7
    row = dict.fromkeys(KBART_COLUMNS, "")
    words = {"a": rng.choice(_A), "b": rng.choice(_B), "c": rng.choice(_C)}
    pattern = rng.choice(_JOURNAL_PATTERNS if serial else _BOOK_PATTERNS)
    title = pattern.format(**words)
    while title in titles:
        title = f"{title} ({rng.choice(['New Series', 'Second Series', 'Supplement'])})"
    titles.add(title)
    row["publication_title"] = title
    row["publisher_name"] = rng.choice(PUBLISHERS)
    row["access_type"] = "F" if rng.random() < 0.1 else "P"
    row["coverage_depth"] = "fulltext"
    row["title_id"] = f"HG{'J' if serial else 'B'}{n:05d}"
    row["title_url"] = f"{URL_BASE}/{'journals' if serial else 'books'}/{row['title_id'].lower()}"
    if serial:
        row["publication_type"] = "serial"
        if rng.random() < 0.8:
            row["print_identifier"] = _issn(rng, used)
        row["online_identifier"] = _issn(rng, used)
        start = rng.randint(1965, 2015)
        row["date_first_issue_online"] = date(start, rng.randint(1, 12), 1).isoformat()
        row["num_first_vol_online"] = str(rng.randint(1, 40))
        row["num_first_issue_online"] = "1"
        if rng.random() < 0.2:  # ceased or moved to another provider
            end = rng.randint(start + 1, 2024)
            row["date_last_issue_online"] = date(end, rng.randint(1, 12), 1).isoformat()
            row["num_last_vol_online"] = str(int(row["num_first_vol_online"]) + end - start)
            row["notes"] = "Coverage ends: the title moved to another publisher."
        if rng.random() < 0.15:
            row["embargo_info"] = rng.choice(["R1Y", "R2Y", "P6M"])
    else:
        row["publication_type"] = "monograph"
        row["print_identifier"] = _isbn13(rng, used)
        row["online_identifier"] = _isbn13(rng, used)
        year = rng.randint(1995, 2024)
        row["date_monograph_published_print"] = str(year)
        row["date_monograph_published_online"] = str(min(2025, year + rng.randint(0, 2)))
        row["first_author"] = rng.choice(_AUTHORS)
        if rng.random() < 0.2:
            row["monograph_edition"] = str(rng.randint(2, 4))
    return row


def build_kbart(rng: random.Random, when: date) -> tuple[str, bytes, dict, list[dict]]:
    """(file name, file bytes, summary, planted problems) for a delivery dated ``when``."""
    counts = {kind: rng.randint(*span) for kind, span in PROBLEM_COUNTS.items()}
    used: set[str] = set()
    titles: set[str] = set()
    rows = [_row(n, rng, used, titles) for n in range(1, rng.randint(*ROWS) + 1)]
    free = list(range(len(rows)))
    rng.shuffle(free)
    planted: dict[str, list[dict]] = {kind: [] for kind in PROBLEM_COUNTS}

    def take(ok) -> int:
        for n, i in enumerate(free):
            if ok(rows[i]):
                return free.pop(n)
        raise RuntimeError("too few KBART rows to plant every problem")

    for _ in range(counts["invalid_issn"]):
        i = take(lambda r: bool(r["print_identifier"]) and r["publication_type"] == "serial")
        column = rng.choice(["print_identifier", "online_identifier"])
        good = rows[i][column]
        bad = good[:-1] + rng.choice([d for d in "0123456789X" if d != good[-1]])
        rows[i][column] = bad
        planted["invalid_issn"].append({"row": i + 1, "column": column, "value": bad})
    for _ in range(counts["date_not_iso8601"]):
        i = take(lambda r: r["publication_type"] == "serial")
        when_first = date.fromisoformat(rows[i]["date_first_issue_online"])
        value = rng.choice(BAD_DATE_FORMS)(when_first)
        rows[i]["date_first_issue_online"] = value
        planted["date_not_iso8601"].append(
            {"row": i + 1, "column": "date_first_issue_online", "value": value}
        )
    for _ in range(counts["missing_title"]):
        i = take(lambda r: True)
        planted["missing_title"].append({"row": i + 1, "title_id": rows[i]["title_id"]})
        rows[i]["publication_title"] = ""
    for _ in range(counts["bad_publication_type"]):
        i = take(lambda r: True)
        rows[i]["publication_type"] = rng.choice(BAD_TYPES)
        planted["bad_publication_type"].append({"row": i + 1, "value": rows[i]["publication_type"]})
    for _ in range(counts["duplicate_title_id"]):
        i, j = sorted([take(lambda r: True), take(lambda r: True)])
        rows[j]["title_id"] = rows[i]["title_id"]
        planted["duplicate_title_id"].append(
            {"title_id": rows[i]["title_id"], "rows": [i + 1, j + 1]}
        )

    lines = ["\t".join(KBART_COLUMNS)] + ["\t".join(row[c] for c in KBART_COLUMNS) for row in rows]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    name = kbart_file_name(when)
    problems = []
    for kind, items in planted.items():
        for item in items:
            if "row" in item:
                item["line"] = item["row"] + 1
        items.sort(key=lambda it: it.get("row", it.get("rows", [0])[0]))
        problems.append(
            {
                "file": name,
                "kind": kind,
                "count": len(items),
                "description": DESCRIPTIONS[kind],
                "items": items,
            }
        )
    summary = {
        "file": name,
        "provider": PROVIDER,
        "package": PACKAGE,
        "encoding": "utf-8",
        "delimiter": "tab",
        "columns": KBART_COLUMNS,
        "rows": len(rows),
        "serials": sum(url.split("/")[-2] == "journals" for url in (r["title_url"] for r in rows)),
        "monographs": sum(url.split("/")[-2] == "books" for url in (r["title_url"] for r in rows)),
        "row_counting": "1 = first row after the header; row N is line N + 1",
    }
    return name, data, summary, problems
