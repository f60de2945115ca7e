"""Course data: the LoC records, the library around them, the load-lab files, and the build.

The tree follows the jobs:

* ``course.data.marc``: the MARC ingest. ``obtain`` fetches the LoC file, ``scan`` finds and checks
  records with array arithmetic, ``decode`` reads the slow ones, ``db`` and ``sql`` write the
  ``marc_*`` tables, ``load`` ties them together (``load_marc``), and ``catalog`` (with
  ``catalog_sql`` and ``headings_sql``) turns the field tables into ``bib`` and its neighbours.
* ``course.data.consortium``: the generated library system around the catalog: ``collection``
  (branches, items), ``circulation`` (patrons, loans), ``holds``, ``acquisitions``, ``eresources``,
  ``barcodes``, ``library_calendar``; ``tables`` holds the schemas and ``library`` runs them all.
* ``course.data.loadlab``: the files of the load labs: ``vendorfile`` (with ``vendor_records``),
  ``kbartfile``, ``oldsystem``, ``exports``; ``loadfiles`` writes them and their manifest.
* Here, the build that ties them together: ``build`` (both databases, atomically), ``install``
  (temporary files, stamps), ``witness`` (rows only the shadow database has), ``dictionary`` and
  ``schema_info`` (the data dictionary).
"""
