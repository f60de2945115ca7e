"""Export loaded records for the next system: binary MARC and MARCXML (pymarc), and CSV.

The records are rebuilt from the staged tables (``batch_record``, ``batch_field``,
``batch_subfield``) with pymarc, written as ISO 2709 (``.mrc``) and as MARCXML (the MARC 21 slim
schema, ``http://www.loc.gov/MARC21/slim``), and read back to check the round trip: the same
records, field by field and subfield by subfield.  Leader/00-04 (record length) and 12-16 (base
address) are left out of the comparison, as pymarc computes them anew when it writes.
"""

from __future__ import annotations

from pathlib import Path

import pymarc

__all__ = ["records_from_tables", "write_marc", "write_marcxml", "same_records", "read_back"]


def records_from_tables(con, schema: str, record_ids=None) -> list[pymarc.Record]:
    """pymarc Records for the staged records ``record_ids`` (all when None), in file order."""
    where, params = "", []
    if record_ids is not None:
        where = "WHERE record_id IN (SELECT unnest(CAST($1 AS INTEGER[])))"
        params = [sorted({int(i) for i in record_ids})]
    leaders = con.execute(
        f'SELECT record_id, leader FROM "{schema}".batch_record {where} ORDER BY record_id', params
    ).fetchall()
    fields = con.execute(
        f'SELECT record_id, field_seq, tag, ind1, ind2, value FROM "{schema}".batch_field '
        f"{where} ORDER BY record_id, field_seq",
        params,
    ).fetchall()
    subfields = con.execute(
        f'SELECT record_id, field_seq, code, value FROM "{schema}".batch_subfield {where} '
        "ORDER BY record_id, field_seq, subfield_seq",
        params,
    ).fetchall()
    by_field: dict[tuple, list] = {}
    for rid, seq, code, value in subfields:
        by_field.setdefault((rid, seq), []).append(pymarc.Subfield(code, value))
    out: dict[int, pymarc.Record] = {}
    for rid, leader in leaders:
        rec = pymarc.Record(force_utf8=True)
        rec.leader = pymarc.Leader(leader)
        out[rid] = rec
    for rid, seq, tag, ind1, ind2, value in fields:
        rec = out.get(rid)
        if rec is None:
            continue
        if tag < "010" and tag.isdigit():
            rec.add_field(pymarc.Field(tag=tag, data=value or ""))
        else:
            rec.add_field(
                pymarc.Field(
                    tag=tag,
                    indicators=pymarc.Indicators(ind1 or " ", ind2 or " "),
                    subfields=by_field.get((rid, seq), []),
                )
            )
    return [out[rid] for rid, _ in leaders]


def write_marc(records, path: Path) -> Path:
    """Write ISO 2709 (binary MARC, UTF-8: Leader/09 = a)."""
    with open(path, "wb") as fh:
        for rec in records:
            rec.leader = pymarc.Leader(str(rec.leader)[:9] + "a" + str(rec.leader)[10:])
            fh.write(rec.as_marc())
    return Path(path)


def write_marcxml(records, path: Path) -> Path:
    """Write a MARCXML collection (MARC 21 slim), UTF-8."""
    writer = pymarc.XMLWriter(open(path, "wb"))
    for rec in records:
        writer.write(rec)
    writer.close()  # closes the file too
    return Path(path)


def _plain(rec: pymarc.Record) -> tuple:
    leader = str(rec.leader)
    fields = []
    for f in rec.fields:
        if f.is_control_field():
            fields.append((f.tag, f.data))
        else:
            fields.append(
                (f.tag, f.indicator1, f.indicator2, tuple((s.code, s.value) for s in f.subfields))
            )
    return leader[5:12] + leader[17:], tuple(fields)


def same_records(mine, theirs) -> tuple[bool, str]:
    """Are two lists of records the same, field by field? (ok, one sentence)."""
    if len(mine) != len(theirs):
        return False, f"{len(mine):,} records came back, {len(theirs):,} were written."
    for n, (a, b) in enumerate(zip(mine, theirs, strict=True), 1):
        if _plain(a) != _plain(b):
            return False, f"Record {n} differs after the round trip."
    return True, f"All {len(mine):,} records came back the same, field by field."


def read_back(path: Path) -> list[pymarc.Record]:
    """Read a .mrc or .xml file written above back into pymarc Records."""
    path = Path(path)
    if path.suffix == ".xml":
        return pymarc.parse_xml_to_array(str(path))
    with open(path, "rb") as fh:
        return [r for r in pymarc.MARCReader(fh, to_unicode=True, force_utf8=True) if r]
