"""Monitoring measurements: readers of monitoring files (:mod:`minegas.measurements.readers`), and — built on
them — the measurement store, alignment and QA flags (docs/conventions.md §6–§7, docs/formats.md)."""
