"""MARCXML and Dublin Core exports of a sample of catalog records, for the metadata labs.

``sample.marcxml`` is a MARC 21 slim ``<collection>`` (namespace ``http://www.loc.gov/MARC21/slim``):
leader, then control fields, then data fields, as the MARC 21 XML schema requires.  Only records the
schema can hold are exported (``fits_marcxml``): every data field has a subfield, indicators are a
digit, lower-case letter or blank, and no text carries characters XML 1.0 forbids.

``sample-dc.xml`` holds the same records as simple Dublin Core, each an ``oai_dc:dc`` inside an
OAI-PMH ``ListRecords`` response, mapped with the Library of Congress MARC to unqualified Dublin
Core crosswalk (no dc:creator: the crosswalk sends every name to dc:contributor).  Two small
additions to the crosswalk, both labelled in the code: 264 (the RDA successor of 260) feeds
publisher and date like 260, and 880 vernacular copies are left out.  050 shelf numbers that are
not LC classes (``MLCS 2005/03199 (B)``) are not subjects, and each 653 $a is a subject of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

import pymarc
from lxml import etree

__all__ = [
    "MARC_NS",
    "OAI_NS",
    "OAI_DC_NS",
    "DC_NS",
    "MARCXML_FILE",
    "DC_FILE",
    "fits_marcxml",
    "marcxml_document",
    "dc_elements",
    "oai_dc_document",
]

MARCXML_FILE = "sample.marcxml"
DC_FILE = "sample-dc.xml"
MARC_NS = "http://www.loc.gov/MARC21/slim"
OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
OAI_BASE_URL = "https://catalog.example.org/oai"
OAI_ID_PREFIX = "oai:catalog.example.org:bib-"

# Patterns of the MARC 21 slim schema (MARC21slim.xsd, version 1.2).
_LEADER = re.compile(
    r"^[\d ]{5}[\dA-Za-z ][\dA-Za-z][\dA-Za-z ]{3}(2| )(2| )[\d ]{5}[\dA-Za-z ]{3}(4500|    )$"
)
_CONTROL_TAG = re.compile(r"^00[1-9A-Za-z]$")
_DATA_TAG = re.compile(
    r"^(0([1-9A-Z][0-9A-Z])|0([1-9a-z][0-9a-z]))$|^([1-9A-Z][0-9A-Z]{2}|[1-9a-z][0-9a-z]{2})$"
)
_INDICATOR = re.compile(r"^[\da-z ]$")
_CODE = re.compile(r"^[\dA-Za-z!\"#$%&'()*+,\-./:;<=>?{}_^`~\[\]\\]$")
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def fits_marcxml(record: pymarc.Record) -> bool:
    """True when the record can be written as schema-valid MARC 21 slim XML."""
    if not _LEADER.match(str(record.leader)):
        return False
    for f in record.fields:
        if f.is_control_field():
            if not _CONTROL_TAG.match(f.tag) or _XML_BAD.search(f.data or ""):
                return False
            continue
        if not _DATA_TAG.match(f.tag) or not f.subfields:
            return False
        if not (_INDICATOR.match(f.indicator1) and _INDICATOR.match(f.indicator2)):
            return False
        for sub in f.subfields:
            if not _CODE.match(sub.code) or _XML_BAD.search(sub.value):
                return False
    return True


def _marc(name: str) -> str:
    return f"{{{MARC_NS}}}{name}"


def marcxml_document(records: Iterable[pymarc.Record]) -> bytes:
    """A MARC 21 slim ``collection`` of the records, as UTF-8 bytes with an XML declaration."""
    root = etree.Element(_marc("collection"), nsmap={None: MARC_NS, "xsi": XSI_NS})
    root.set(
        f"{{{XSI_NS}}}schemaLocation",
        f"{MARC_NS} http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd",
    )
    for record in records:
        rec = etree.SubElement(root, _marc("record"), type="Bibliographic")
        etree.SubElement(rec, _marc("leader")).text = str(record.leader)
        for f in record.fields:
            if f.is_control_field():
                etree.SubElement(rec, _marc("controlfield"), tag=f.tag).text = f.data
        for f in record.fields:
            if not f.is_control_field():
                attrs = {"tag": f.tag, "ind1": f.indicator1, "ind2": f.indicator2}
                df = etree.SubElement(rec, _marc("datafield"), attrs)
                for sub in f.subfields:
                    etree.SubElement(df, _marc("subfield"), code=sub.code).text = sub.value
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# --- Dublin Core -------------------------------------------------------------------------------

#: Element order in each oai_dc record (the DCMES order).
DC_ORDER = (
    "title",
    "creator",
    "subject",
    "description",
    "publisher",
    "contributor",
    "date",
    "type",
    "format",
    "identifier",
    "source",
    "language",
    "relation",
    "coverage",
    "rights",
)
_TYPE_BY_LDR06 = {
    **dict.fromkeys("acdt", "text"),
    **dict.fromkeys("efgk", "image"),
    **dict.fromkeys("ij", "sound"),
}
_SUBDIVISIONS = set("vxyz")
_LC_CLASS = re.compile(r"^[A-Z]{1,3}\d")
_SKIP_CODES = set("0123456789")


def _chop(text: str) -> str:
    """Drop the ISBD punctuation that ends a MARC subfield (' /', ' :', ' ;', ',', '.')."""
    return re.sub(r"[\s/:;,=.]+$", "", " ".join(text.split()))


def _join(f: pymarc.Field, codes: str | None = None) -> str:
    """The field's subfields (those in ``codes``, else every lettered one) joined with blanks."""
    parts = [
        s.value
        for s in f.subfields
        if (codes is None and s.code not in _SKIP_CODES) or (codes and s.code in codes)
    ]
    return _chop(" ".join(parts))


def _heading(f: pymarc.Field) -> str:
    """A subject heading: main part joined with blanks, subdivisions ($v $x $y $z) with '--'."""
    main, subs = [], []
    for s in f.subfields:
        if s.code in _SKIP_CODES:
            continue
        (subs if s.code in _SUBDIVISIONS else main).append(_chop(s.value))
    return "--".join(p for p in [" ".join(p for p in main if p), *subs] if p)


def dc_elements(record: pymarc.Record) -> list[tuple[str, str]]:
    """The record's simple Dublin Core as (element, value) pairs, in DCMES order, no repeats."""
    out: dict[str, list[str]] = {name: [] for name in DC_ORDER}

    def add(name: str, value: str) -> None:
        value = " ".join(value.split())
        if value and value not in out[name]:
            out[name].append(value)

    def fields(*tags: str) -> list[pymarc.Field]:
        return record.get_fields(*tags)

    for f in fields("245"):
        add("title", _join(f, "abfgknps"))
    for f in fields("246"):
        add("title", _join(f, "abnp"))
    for f in fields("100", "110", "111", "700", "710", "711", "720"):
        add("contributor", _join(f, "abcdqnt"))
    for f in fields("050", "060", "080"):
        # LoC shelf numbers in 050 ("MLCS 2005/03199 (B)") are not classes: left out.
        if f.tag != "050" or _LC_CLASS.match(" ".join(f.get_subfields("a"))):
            add("subject", _join(f, "ab"))
    for f in fields("082"):
        add("subject", _join(f, "a"))
    for f in fields("600", "610", "611", "630", "650"):
        add("subject", _heading(f))
    for f in fields("653"):  # uncontrolled terms: each $a is a term of its own
        for value in f.get_subfields("a"):
            add("subject", _chop(value))
    for f in fields("651", "662", "751", "752"):
        add("coverage", _heading(f))
    for f in record.fields:
        if (
            f.tag.isdigit()
            and 500 <= int(f.tag) <= 599
            and f.tag not in ("506", "530", "540", "546")
        ):
            add("description", _join(f))
    # 264 (RDA) is an addition to the crosswalk, which predates it: only 264 ind2 1 (publication).
    pub_fields = fields("260") + [f for f in fields("264") if f.indicator2 == "1"]
    for f in pub_fields:
        add("publisher", _join(f, "ab"))
    date1 = record["008"].data[7:11] if record.get_fields("008") else ""
    if date1.isdigit():
        add("date", date1)
    for f in pub_fields:
        for value in f.get_subfields("c", "g"):
            add("date", _chop(value))
    add("type", _TYPE_BY_LDR06.get(str(record.leader)[6], ""))
    for f in fields("655"):
        add("type", _heading(f))
    for f in fields("340"):
        add("format", _join(f))
    for f in fields("856"):
        for value in f.get_subfields("q"):
            add("format", value)
    for f in fields("020", "022", "024"):
        for value in f.get_subfields("a"):
            add("identifier", value.split()[0] if value.split() else "")
    for f in fields("856"):
        for value in f.get_subfields("u"):
            add("identifier", value)
    for f in fields("534"):
        add("source", _join(f, "t"))
    for f in fields("786"):
        add("source", _join(f, "ot"))
    lang = record["008"].data[35:38] if record.get_fields("008") else ""
    if re.fullmatch(r"[a-z]{3}", lang):
        add("language", lang)
    for f in fields("041"):
        for s in f.subfields:
            if s.code.isalpha():
                for i in range(0, len(s.value.strip()) - 2, 3):  # old records run codes together
                    add("language", s.value.strip()[i : i + 3])
    for f in fields("546"):
        add("language", _join(f, "a"))
    for f in fields("530"):
        add("relation", _join(f))
    for f in record.fields:
        if f.tag.isdigit() and 760 <= int(f.tag) <= 787:
            add("relation", _join(f, "ot"))
    for f in fields("506", "540"):
        add("rights", _join(f))
    return [(name, value) for name in DC_ORDER for value in out[name]]


def _datestamp(record: pymarc.Record, fallback: datetime) -> str:
    stamp = record["005"].data[:8] if record.get_fields("005") else ""
    try:
        return datetime.strptime(stamp, "%Y%m%d").strftime("%Y-%m-%d")
    except ValueError:
        return fallback.strftime("%Y-%m-%d")


def oai_dc_document(
    records: Iterable[tuple[int, pymarc.Record]], *, response_date: datetime
) -> bytes:
    """An OAI-PMH ListRecords response holding one ``oai_dc:dc`` per (bib_id, record)."""
    oai = etree.Element(f"{{{OAI_NS}}}OAI-PMH", nsmap={None: OAI_NS, "xsi": XSI_NS})
    oai.set(
        f"{{{XSI_NS}}}schemaLocation", f"{OAI_NS} http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
    )
    etree.SubElement(oai, f"{{{OAI_NS}}}responseDate").text = response_date.strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    request = etree.SubElement(
        oai, f"{{{OAI_NS}}}request", verb="ListRecords", metadataPrefix="oai_dc"
    )
    request.text = OAI_BASE_URL
    listing = etree.SubElement(oai, f"{{{OAI_NS}}}ListRecords")
    dc_map = {"oai_dc": OAI_DC_NS, "dc": DC_NS, "xsi": XSI_NS}
    for bib_id, record in records:
        rec = etree.SubElement(listing, f"{{{OAI_NS}}}record")
        header = etree.SubElement(rec, f"{{{OAI_NS}}}header")
        etree.SubElement(header, f"{{{OAI_NS}}}identifier").text = f"{OAI_ID_PREFIX}{bib_id}"
        etree.SubElement(header, f"{{{OAI_NS}}}datestamp").text = _datestamp(record, response_date)
        metadata = etree.SubElement(rec, f"{{{OAI_NS}}}metadata")
        dc = etree.SubElement(metadata, f"{{{OAI_DC_NS}}}dc", nsmap=dc_map)
        dc.set(
            f"{{{XSI_NS}}}schemaLocation",
            f"{OAI_DC_NS} http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
        )
        for name, value in dc_elements(record):
            etree.SubElement(dc, f"{{{DC_NS}}}{name}").text = value
    return etree.tostring(oai, xml_declaration=True, encoding="UTF-8", pretty_print=True)
