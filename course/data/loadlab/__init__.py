"""The load-lab files: the vendor MARC delivery, the KBART file, the old-system export and the
exports, with the manifest of what was planted in them."""
