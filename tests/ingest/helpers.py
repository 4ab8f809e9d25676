"""A small clean register (partners, agreements, contributions, rates) as CSV texts, written
to a source folder and ingested, and the rows a database then holds.
"""

from pathlib import Path

from sqlalchemy import func, select

from models.db import get_engine
from tasks.ingest.load import IngestResult
from tasks.ingest.sources import open_source
from tasks.pipeline import ingest_source

PARTNERS = """partner_id,name,partner_type,membership_category,country
P1,European Union,INTL_REGIONAL_ORG,,BEL
P2,Ministry of ICT,Governmental entities,Member States,col
"""


AGREEMENTS = """agreement_id,partner_id,title,signed_on,region,priority,status
A1,P1,Connect Africa,2024-03-05,AFR,CONNECTIVITY,
A2,P2,Skills,2024-06-10,Americas,digital transformation,active
"""


CONTRIBUTIONS = """contribution_id,agreement_id,source,amount,currency
C1,A1,PARTNER,"1,000,000.00",EUR
C2,A1,itu,500,USD
"""


RATES = """currency,valid_from,units_per_usd
EUR,2024-01-01,0.90
EUR,2024-03-01,0.92
EUR,2024-04-01,0.95
"""


def ingest(source: Path | str, db_url: str) -> IngestResult:
    """Ingest a folder into the database at `db_url` through the plain pipeline."""
    return ingest_source(open_source(str(source)), get_engine(db_url))


def write_source(folder: Path, **files: str) -> str:
    """A source folder holding the given CSV texts (file name without .csv -> text)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return str(folder)


def base_source(folder: Path, **overrides: str) -> str:
    files = {
        "partners": PARTNERS,
        "agreements": AGREEMENTS,
        "contributions": CONTRIBUTIONS,
        "exchange_rates": RATES,
    }
    return write_source(folder, **{**files, **overrides})


def rows(db_url: str, model) -> list:
    with get_engine(db_url).connect() as connection:
        return connection.execute(select(model)).all()


def count(db_url: str, model) -> int:
    with get_engine(db_url).connect() as connection:
        return connection.scalar(select(func.count()).select_from(model))
