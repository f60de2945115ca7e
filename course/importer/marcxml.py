"""MARCXML, read record by record with lxml, into the raw MARC tables.

Records are ``<record>`` elements in the MARC 21 slim namespace, or in no namespace when they
hold ``<leader>``, ``<controlfield>`` or ``<datafield>`` (some systems drop the namespace).  A
record without a leader, with a tag that is not three characters, or with a subfield without a
code is rejected with its line.  XML that breaks part-way stops the reading there: the records
before the break are kept, and the report says on which line the rest was lost.
"""

from __future__ import annotations

import io
from pathlib import Path

from course.data.marc.decode import DecodedField
from course.importer.rawtables import RawTables, progress_bar
from course.importer.report import ImportProblem, ImportReport, Reject

__all__ = ["MARC_NS", "import_marcxml"]

MARC_NS = "http://www.loc.gov/MARC21/slim"


class _Counting(io.RawIOBase):
    """A binary file that moves a progress bar as it is read."""

    def __init__(self, fh, bar):
        self._fh, self._bar = fh, bar

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self._fh.readinto(buffer)
        self._bar.update(n or 0)
        return n

    def read(self, size=-1) -> bytes:
        data = self._fh.read(size)
        self._bar.update(len(data))
        return data


def import_marcxml(source: Path, con, report: ImportReport, progress: bool) -> None:
    """Read the MARCXML file ``source`` into the raw MARC tables of ``con``."""
    from lxml import etree

    rows = RawTables(con)
    number = 0
    bar = progress_bar(source.stat().st_size, "B", "MARCXML", progress)
    with bar, open(source, "rb") as raw:
        events = etree.iterparse(  # only <record> ends reach Python: lxml filters the rest
            _Counting(raw, bar),
            events=("end",),
            tag=(f"{{{MARC_NS}}}record", "record"),
            huge_tree=True,
            resolve_entities=False,
        )
        try:
            for _event, elem in events:
                if not _is_marc_record(elem):
                    continue
                number += 1
                try:
                    leader, fields = _xml_record(elem)
                except _BadRecord as exc:
                    report.rejects.append(Reject(number, None, elem.sourceline, str(exc)))
                else:
                    rows.add(number, leader, fields)
                elem.clear(keep_tail=True)
                while elem.getprevious() is not None:  # free what was read, for big files
                    del elem.getparent()[0]
        except etree.XMLSyntaxError as exc:
            if number == 0:
                raise ImportProblem(
                    f"{source.name} is not well-formed XML (line {exc.lineno}: {exc.msg}): "
                    "export it again, or open it in a browser to see where it breaks."
                ) from None
            report.rejects.append(
                Reject(
                    None,
                    None,
                    exc.lineno,
                    f"the XML breaks here ({exc.msg}), so the rest of the file was not read",
                )
            )
    if number == 0:
        raise ImportProblem(
            f"{source.name} is XML but holds no MARCXML records (<record> elements with "
            "<leader>, <controlfield> and <datafield>): is it Dublin Core or another format?"
        )
    report.records = number
    rows.finish()
    report.loaded = rows.loaded


class _BadRecord(ValueError):
    pass


def _local(tag) -> tuple[str, str]:
    if not isinstance(tag, str):  # comments and processing instructions
        return "", ""
    if tag.startswith("{"):
        ns, _, name = tag[1:].partition("}")
        return ns, name
    return "", tag


#: The elements of a record, by their tag in the MARC namespace or in none (lxml writes a
#: namespaced tag as ``{namespace}name``; comments have a function as their tag, and get None).
_KIND = {
    name: plain
    for plain in ("leader", "controlfield", "datafield", "subfield")
    for name in (plain, f"{{{MARC_NS}}}{plain}")
}


def _is_marc_record(elem) -> bool:
    ns, name = _local(elem.tag)
    if name != "record":
        return False
    if ns == MARC_NS:
        return True
    return ns == "" and any(
        _KIND.get(child.tag) in ("leader", "controlfield", "datafield") for child in elem
    )


def _xml_record(elem):
    """Leader and fields (the slow path's ``DecodedField``) of one MARCXML record."""
    leader, fields = None, []
    for child in elem:
        kind = _KIND.get(child.tag)
        if kind == "leader":
            leader = child.text or ""
        elif kind in ("controlfield", "datafield"):
            tag = (child.get("tag") or "").strip()
            if len(tag) != 3:
                raise _BadRecord(f'a field tag is not three characters (tag="{tag}")')
            if kind == "controlfield" or (tag < "010" and tag.isdigit()):
                fields.append(DecodedField(tag, None, None, child.text or "", ()))
                continue
            subfields = []
            for sub in child:
                if _KIND.get(sub.tag) != "subfield":
                    continue
                code = sub.get("code")
                if not code:
                    raise _BadRecord(f"a subfield of the {tag} has no code")
                subfields.append((code[0], sub.text or ""))
            ind1 = (child.get("ind1") or " ")[0]
            ind2 = (child.get("ind2") or " ")[0]
            fields.append(DecodedField(tag, ind1, ind2, None, tuple(subfields)))
    if leader is None:
        raise _BadRecord("the record has no leader")
    if len(leader) != 24:
        raise _BadRecord(f"the leader is {len(leader)} characters long, not 24")
    if not fields:
        raise _BadRecord("the record has no fields")
    return leader, fields
