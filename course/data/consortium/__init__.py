"""The generated library consortium around the catalog: branches, items, patrons, loans, holds,
acquisitions, e-resources, barcodes and the library calendar."""
