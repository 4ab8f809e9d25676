"""The report: aggregate a year in SQL, draw the charts, write documents, tables and the bundle."""
