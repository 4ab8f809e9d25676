"""What identifies a run: its report year by default, its id, and the code that made it."""

import subprocess
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path


def default_report_year(today: date | None = None) -> int:
    """The year of the month that just ended (a run on 1 January reports the past year)."""
    today = today or datetime.now(UTC).date()
    return (today.replace(day=1) - timedelta(days=1)).year


def new_run_id(input_fingerprint: str, now: datetime | None = None) -> str:
    """A run id that sorts by time and names its input: `20250101T060000Z-1a2b3c4d`."""
    now = now or datetime.now(UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{input_fingerprint[:8] or 'noinput'}"


@lru_cache(maxsize=1)
def code_version() -> str:
    """prm's version, with the git commit when running from a checkout (`0.1.0+g1a2b3c4`)."""
    try:
        base = version("prm")
    except PackageNotFoundError:
        base = "0+unknown"
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return base
    return f"{base}+g{commit}" if commit else base
