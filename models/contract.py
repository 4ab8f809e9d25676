"""The data contract's shape, declared once: each entity's columns (required or not), its key,
the table it loads into, the order tables load in, and the columns of a rejection.

Reading, validation, loading, the rejection tables and the report's rejection list all
iterate over these; the codes and labels are in `models.codes`.
"""

from models.tables import Agreement, Contribution, ExchangeRate, Partner

# Contract section 1: the columns of each entity, in order; True = required.
COLUMNS: dict[str, dict[str, bool]] = {
    "partners": {
        "partner_id": True,
        "name": True,
        "partner_type": True,
        "membership_category": False,
        "country": False,
    },
    "agreements": {
        "agreement_id": True,
        "partner_id": True,
        "title": False,
        "signed_on": True,
        "region": True,
        "priority": True,
        "status": False,
    },
    "contributions": {
        "contribution_id": True,
        "agreement_id": True,
        "source": True,
        "amount": True,
        "currency": True,
    },
    "exchange_rates": {"currency": True, "valid_from": True, "units_per_usd": True},
}
# Where each row read came from: its file (or file:sheet) and row number.
META = ["_file", "_row"]
# The key of each entity: unique within an ingestion, upserted on.
KEYS: dict[str, list[str]] = {
    "partners": ["partner_id"],
    "agreements": ["agreement_id"],
    "contributions": ["contribution_id"],
    "exchange_rates": ["currency", "valid_from"],
}
TABLES = {
    "partners": Partner,
    "agreements": Agreement,
    "contributions": Contribution,
    "exchange_rates": ExchangeRate,
}
# Parents before children, so references resolve inside the load's transaction.
LOAD_ORDER = ("partners", "exchange_rates", "agreements", "contributions")
# Contract section 2 and 5: a rejection, as stored, listed and written to rejections.csv.
REJECTION_COLUMNS = ["entity", "file", "row", "key", "column", "value", "reason", "message"]
