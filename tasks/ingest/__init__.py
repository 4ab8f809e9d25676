"""Ingestion: read a source, parse and validate every row, convert money, load."""

import tasks.frames  # noqa: F401  (pandas' string storage, before any frame)
