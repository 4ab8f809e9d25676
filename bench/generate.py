"""Write a deterministic, contract-format source with N contributions, for the benchmark.

Run: `.venv/bin/python bench/generate.py 100000 [--out bench/.data]`. The same N always
writes the same bytes (a fixed seed per N, vectorised with NumPy). In proportion to N there
are N/3 agreements and N/50 partners (at least 60), signed 2020-2024, paying in nine
currencies with monthly exchange rates 2019-2024. About 1 % of the rows of each entity are
bad in the ways the contract rejects (missing, invalid, duplicate, unknown reference, no
exchange rate); contributions of a rejected agreement are rejected with it, on top of that.
Codes are written as codes or labels in mixed case, some amounts with thousands commas.
"""

import argparse
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models.codes import MEMBERSHIP_CATEGORIES, PARTNER_TYPES, PRIORITIES, REGIONS  # noqa: E402

SEED = 20_240
BAD_SHARE = 0.01
YEARS = (2020, 2024)
# currency -> (units per USD around which the monthly rate moves)
CURRENCIES = {
    "USD": 1.0,
    "EUR": 0.92,
    "CHF": 0.89,
    "GBP": 0.79,
    "JPY": 148.0,
    "AUD": 1.52,
    "CAD": 1.36,
    "SEK": 10.6,
    "NOK": 10.7,
}
COUNTRIES = ("CHE", "FRA", "USA", "KOR", "BRA", "KEN", "IND", "AUS", "EGY", "RUS")


def _choice(rng: np.random.Generator, values, n: int) -> np.ndarray:
    return np.asarray(values, dtype=object)[rng.integers(0, len(values), n)]


def _code_or_label(rng: np.random.Generator, codes, n: int) -> np.ndarray:
    """Codes of a table, written as the code, the label, or the label in lower case."""
    code_list = list(codes)
    picked = rng.integers(0, len(code_list), n)
    forms = [
        np.asarray(code_list, dtype=object),
        np.asarray([codes[c] for c in code_list], dtype=object),
        np.asarray([codes[c].lower() for c in code_list], dtype=object),
    ]
    style = rng.integers(0, 3, n)
    out = forms[0][picked].copy()
    for form in (1, 2):
        out[style == form] = forms[form][picked[style == form]]
    return out


def _bad_rows(rng: np.random.Generator, n: int, kinds: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions of about BAD_SHARE of n rows (never the first), and a fault kind each."""
    count = max(kinds, int(n * BAD_SHARE))
    rows = rng.choice(np.arange(1, n), size=min(count, n - 1), replace=False)
    return rows, np.arange(len(rows)) % kinds


def partners(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """n partners; ~1 % bad: missing name, unknown type, duplicate key."""
    ids = np.char.add("P", np.char.zfill(np.arange(1, n + 1).astype(str), 6)).astype(object)
    frame = pd.DataFrame(
        {
            "Partner ID": ids,
            "Name": np.char.add("Partner ", np.arange(1, n + 1).astype(str)).astype(object),
            "Partner Type": _code_or_label(rng, PARTNER_TYPES, n),
            "Membership Category": _code_or_label(rng, MEMBERSHIP_CATEGORIES, n),
            "Country": _choice(rng, COUNTRIES, n),
        }
    )
    frame.loc[rng.random(n) < 0.4, "Membership Category"] = ""
    rows, kind = _bad_rows(rng, n, 3)
    frame.loc[rows[kind == 0], "Name"] = ""
    frame.loc[rows[kind == 1], "Partner Type"] = "Pirates"
    frame.loc[rows[kind == 2], "Partner ID"] = frame["Partner ID"].iloc[rows[kind == 2] - 1].values
    return frame


def agreements(rng: np.random.Generator, n: int, partner_ids: np.ndarray) -> pd.DataFrame:
    """n agreements of known partners; ~1 % bad: bad date, unknown partner/region, duplicate."""
    start = np.datetime64(f"{YEARS[0]}-01-01")
    days = (np.datetime64(f"{YEARS[1] + 1}-01-01") - start).astype(int)
    signed = (start + rng.integers(0, days, n)).astype(str).astype(object)
    frame = pd.DataFrame(
        {
            "agreement_id": np.char.add("A", np.char.zfill(np.arange(1, n + 1).astype(str), 8)),
            "partner_id": _choice(rng, partner_ids[1:], n),
            "Title": np.char.add("Project ", np.arange(1, n + 1).astype(str)).astype(object),
            "Signed On": signed,
            "Region": _code_or_label(rng, REGIONS, n),
            "Priority": _code_or_label(rng, PRIORITIES, n),
            "Status": _choice(rng, ("", "", "", "active", "Active", "cancelled"), n),
        }
    ).astype({"agreement_id": object})
    rows, kind = _bad_rows(rng, n, 4)
    frame.loc[rows[kind == 0], "Signed On"] = "2024-02-30"
    frame.loc[rows[kind == 1], "partner_id"] = "P-UNKNOWN"
    frame.loc[rows[kind == 2], "Region"] = "Atlantis"
    frame.loc[rows[kind == 3], "agreement_id"] = (
        frame["agreement_id"].iloc[rows[kind == 3] - 1].values
    )
    return frame


def _amount_text(rng: np.random.Generator, cents: np.ndarray) -> np.ndarray:
    """Amounts as plain decimals, some with comma thousands separators, some whole."""
    whole, fraction = cents // 100, cents % 100
    text = np.char.add(np.char.add(whole.astype(str), "."), np.char.zfill(fraction.astype(str), 2))
    out = text.astype(object)
    grouped = rng.random(len(cents)) < 0.1
    out[grouped] = [
        f"{w:,}.{f:02d}" for w, f in zip(whole[grouped], fraction[grouped], strict=True)
    ]
    integral = (rng.random(len(cents)) < 0.2) & ~grouped
    out[integral] = whole[integral].astype(str).astype(object)
    return out


def contributions(rng: np.random.Generator, n: int, agreement_ids: np.ndarray) -> pd.DataFrame:
    """n contributions; ~1 % bad: missing, invalid, <= 0, duplicate, unknown agreement, no rate."""
    cents = rng.integers(1_000_00, 2_000_000_00, n)
    frame = pd.DataFrame(
        {
            "contribution_id": np.char.add("C", np.char.zfill(np.arange(1, n + 1).astype(str), 9)),
            "agreement_id": _choice(rng, agreement_ids[1:], n),
            "Source": _choice(rng, ("PARTNER", "partner", "Partner", "ITU", "itu"), n),
            "Amount": _amount_text(rng, cents),
            "Currency": _choice(rng, [*CURRENCIES, "USD", "USD", "EUR"], n),
        }
    ).astype({"contribution_id": object})
    rows, kind = _bad_rows(rng, n, 6)
    frame.loc[rows[kind == 0], "Amount"] = ""
    frame.loc[rows[kind == 1], "Amount"] = "12.3.4"
    frame.loc[rows[kind == 2], "Amount"] = "-50"
    frame.loc[rows[kind == 3], "contribution_id"] = (
        frame["contribution_id"].iloc[rows[kind == 3] - 1].values
    )
    frame.loc[rows[kind == 4], "agreement_id"] = "A-UNKNOWN"
    frame.loc[rows[kind == 5], "Currency"] = "XAU"  # a real code with no rate
    return frame


def exchange_rates(rng: np.random.Generator) -> pd.DataFrame:
    """Monthly rates of every currency but USD, from the year before the first agreements."""
    months = np.arange(
        np.datetime64(f"{YEARS[0] - 1}-01"), np.datetime64(f"{YEARS[1] + 1}-01")
    ).astype("datetime64[D]")
    parts = []
    for currency, level in CURRENCIES.items():
        if currency == "USD":
            continue
        units = level * np.exp(np.cumsum(rng.normal(0, 0.01, len(months))))
        parts.append(
            pd.DataFrame(
                {
                    "Currency": currency,
                    "Valid From": months.astype(str),
                    "Units per USD": np.round(units, 6 if level < 10 else 4).astype(str),
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def generate(n: int, out: Path) -> Path:
    """Write the source with `n` contributions into `out` (created) and return it."""
    rng = np.random.default_rng(SEED + n)
    out.mkdir(parents=True, exist_ok=True)
    p = partners(rng, max(60, n // 50))
    a = agreements(rng, max(100, n // 3), p["Partner ID"].to_numpy())
    c = contributions(rng, n, a["agreement_id"].to_numpy())
    tables = {"partners": p, "agreements": a, "contributions": c, "exchange_rates": None}
    tables["exchange_rates"] = exchange_rates(rng)
    for name, frame in tables.items():
        frame.to_csv(out / f"{name}.csv", index=False, lineterminator="\n")
    return out


def changed_copy(source: Path, out: Path, every: int = 100) -> Path:
    """A copy of `source` in `out` where every `every`-th contribution has a new amount (the
    month's corrections and additions of a register re-exported whole)."""
    out.mkdir(parents=True, exist_ok=True)
    for file in source.glob("*.csv"):
        if file.name != "contributions.csv":
            shutil.copyfile(file, out / file.name)
    frame = pd.read_csv(source / "contributions.csv", dtype=str, keep_default_na=False)
    frame.loc[frame.index[::every], "Amount"] = "1234.56"
    frame.to_csv(out / "contributions.csv", index=False, lineterminator="\n")
    return out


def source_dir(n: int, root: Path | None = None) -> Path:
    """Where the source with `n` contributions lives (generated once, then reused)."""
    folder = (root or ROOT / "bench" / ".data") / f"n{n}"
    if not (folder / "exchange_rates.csv").exists():
        generate(n, folder)
    return folder


def main() -> None:
    """Command line: write the sources of the given sizes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="+", type=int, help="numbers of contributions")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / ".data")
    args = parser.parse_args()
    for n in args.sizes:
        print(generate(n, args.out / f"n{n}"))


if __name__ == "__main__":
    main()
