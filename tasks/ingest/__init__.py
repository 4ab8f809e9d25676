"""Ingestion: read a source, parse and validate every row, convert money, load."""
