"""Batch loads (module 09): a local vendor portal, the load pipeline, exports.

* :mod:`course.loads.portal` -- :class:`VendorPortal`, the week's files and their SHA-256
  checksums on 127.0.0.1, one file cut short on its first download;
* :mod:`course.loads.pipeline` -- stage (the course's MARC loader), validate, match, overlay or
  add, as SQL in the learner's scratch database;
* :mod:`course.loads.export` -- the records as MARC, MARCXML and CSV, read back to check.
"""

from __future__ import annotations

from course.loads import export, pipeline
from course.loads.portal import VendorPortal, sha256_file

__all__ = ["VendorPortal", "sha256_file", "pipeline", "export"]
