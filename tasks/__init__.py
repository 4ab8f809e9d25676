"""Functions that do one job each: read, parse, validate, convert, load, aggregate, draw.

Nothing heavy is imported here: `prm`'s checks run before pandas, SQLAlchemy or boto3 load.
"""
