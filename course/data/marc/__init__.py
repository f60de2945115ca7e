"""The MARC ingest: obtain the LoC file, scan, decode and load it, build the catalog tables."""
