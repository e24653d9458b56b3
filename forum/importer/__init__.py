"""Importers that bring other communities' content into the forum (Stack Exchange data dumps)."""
