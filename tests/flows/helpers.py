"""The tiny source the flow and CLI tests ingest, what it gives for 2024, the bucket's
latest.json of a year, and `prm` in a process of its own with the modules it imported.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

from tasks.storage import keys as s3keys

TINY = {
    "partners.csv": """partner_id,name,partner_type,membership_category,country
P1,Alpha Foundation,Private sector (incl. Foundations),,CHE
P2,Republic of Testland,GOVERNMENT,MEMBER_STATE,KEN
P3,Tech University,ACADEMIA,Academia,FRA
""",
    "agreements.csv": """agreement_id,partner_id,title,signed_on,region,priority,status
A0,P1,Earlier project,2023-05-05,ASP,CONNECTIVITY,
A1,P1,Rural connectivity,2024-03-01,AFR,CONNECTIVITY,
A2,P2,e-Government,2024-06-15,EUR,DIGITAL_TRANSFORMATION,active
A3,P3,Skills,2024-09-30,MULTI,MULTI,
A4,P9,Orphan,2024-10-01,AFR,MULTI,
""",
    "contributions.csv": """contribution_id,agreement_id,source,amount,currency
C0,A0,PARTNER,200000,USD
C1,A1,PARTNER,"1,000,000.00",USD
C2,A2,partner,500000,EUR
C3,A2,ITU,100000,USD
C4,A4,PARTNER,50,USD
""",
    "exchange_rates.csv": """currency,valid_from,units_per_usd
EUR,2023-01-01,0.9
EUR,2024-01-01,0.8
""",
    "notes.txt": "not read: matches no entity\n",
}


# What the tiny source gives for 2024 (EUR 500,000 at 0.8 per USD = USD 625,000).
TINY_2024 = {"signed": 3, "with_financial": 2, "total": 1_725_000.0, "partners": 1_625_000.0}


def write_tiny_source(folder: Path) -> Path:
    """Four small CSV files (and a file to ignore) with one rejected agreement and contribution."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in TINY.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def latest_pointer(store, year: int) -> dict:
    """latest.json of a year in the test bucket."""
    body = store.client.get_object(Bucket=store.bucket, Key=s3keys.latest_key(store.prefix, year))[
        "Body"
    ]
    return json.loads(body.read())


PROJECT = Path(__file__).resolve().parents[2]


def prm_process(
    tmp_path: Path, *args: str, expect: int = 0
) -> tuple[subprocess.CompletedProcess, list[str]]:
    """`prm ARGS` in a process of its own, as a user starts it, without Prefect's settings:
    (result, modules imported, in order). It must exit with `expect`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {"PRM_DATA_DIR": str(tmp_path / "var"), "PYTHONPATH": str(PROJECT)}
    command = [sys.executable, "-X", "importtime", "-m", "flows.cli", *args]
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == expect, done.stderr[-2000:]
    lines = done.stderr.splitlines()
    imported = [
        line.rsplit("|", 1)[-1].strip() for line in lines if line.startswith("import time:")
    ]
    return done, imported
