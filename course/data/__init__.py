"""Course data: obtaining the LoC records, loading MARC, building the course databases."""
