"""The CSV column mapping: which columns a CSV export may have, and the MARC each becomes.

Kept apart (no heavy imports) so that ``course import --help`` can show it quickly.
"""

from __future__ import annotations

__all__ = ["CSV_COLUMNS", "csv_mapping_text"]

#: What a CSV column becomes: (name, the MARC it is written to, header names accepted).  Header
#: names are compared in lower case with spaces and punctuation read as ``_``.  Columns marked
#: "one per ..." may hold several values separated by ``;`` or ``|``.
CSV_COLUMNS = (
    ("title", "245 $a (required)", ("title", "title_proper", "245", "245a", "245_a")),
    ("subtitle", "245 $b", ("subtitle", "remainder_of_title", "245b", "245_b")),
    ("author", "100 $a (a personal name)", ("author", "creator", "main_entry", "100", "100a")),
    (
        "contributors",
        "700 $a, one per name",
        ("contributor", "contributors", "authors", "added_authors"),
    ),
    ("isbn", "020 $a, one per ISBN", ("isbn", "isbns", "020", "020a", "020_a")),
    (
        "date",
        "008/07-10 when it holds a four-digit year, and 264 $c as written",
        (
            "date",
            "year",
            "pub_date",
            "pub_year",
            "publication_date",
            "publication_year",
            "date1",
            "pubyear",
            "date_of_publication",
        ),
    ),
    ("publisher", "264 $b", ("publisher", "publisher_name", "pub_name")),
    ("place", "264 $a", ("place", "pub_place", "place_of_publication")),
    ("edition", "250 $a", ("edition", "250")),
    ("extent", "300 $a", ("extent", "pages", "physical_description", "300")),
    ("series", "490 $a", ("series", "series_title", "490")),
    ("language", "008/35-37 (a three-letter MARC code)", ("language", "lang", "language_code")),
    ("lccn", "010 $a", ("lccn", "010", "lc_control_number")),
    ("oclc", "035 $a as (OCoLC)number", ("oclc", "oclc_number", "ocn", "oclc_no")),
    (
        "call_number",
        "050 $a",
        ("call_number", "lc_call_number", "callnumber", "call_no", "lc_call_no", "050"),
    ),
    ("dewey", "082 $a", ("dewey", "ddc", "dewey_number", "dewey_class", "082")),
    (
        "subjects",
        "650 (second indicator 4) $a, and $x after each --, one per heading",
        ("subject", "subjects", "subject_headings", "650"),
    ),
    (
        "id",
        "001",
        ("id", "record_id", "control_number", "bib_id", "biblionumber", "mms_id", "001"),
    ),
)


def csv_mapping_text() -> str:
    """The CSV column mapping as a small table for ``--help`` and the docs."""
    rows = [f"  {name:<13} -> {marc}" for name, marc, _ in CSV_COLUMNS]
    return "\n".join(rows)
