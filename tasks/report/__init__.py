"""The report: aggregate a year in SQL, draw the charts, write documents, tables and the bundle."""

import tasks.frames  # noqa: F401  (pandas' string storage, before any frame)
