"""Ingestion: read a source, parse and validate every row, convert money, load.

Importing the package loads nothing heavy: a folder is read ahead on a thread before pandas
loads (`read_ahead`). Every module here that imports pandas sets its string storage first
(`tasks.frames`; tests/ingest/test_read_ahead.py checks both).
"""
