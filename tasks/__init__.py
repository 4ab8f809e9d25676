"""Functions that do one job each: read, parse, validate, convert, load, aggregate, draw."""
