"""The run a new run is compared with: the one `latest.json` names, or a bundle folder given.

A previous run is its metrics.json and tables/agreements.csv (tasks.report.changes compares
them). By default it is the run the year's `latest.json` names *before* this run publishes,
so changes.json says what moved since what colleagues last saw; `--compare-to DIR` (flow
parameter `compare_to`) names a bundle folder instead. Like a source, a location is a local
folder or an `s3://bucket/prefix/` URI, read through the run's object store.
"""

from dataclasses import replace
from pathlib import Path

from tasks.errors import IntegrityError
from tasks.report.changes import AGREEMENTS_TABLE, PreviousRun
from tasks.storage import keys as s3keys
from tasks.storage.client import ObjectStore, read_object, s3_errors
from tasks.storage.publish import json_or_empty, load_json
from tasks.storage.retrieve import read_published


def previous_location(store: ObjectStore, year: int) -> str | None:
    """The `s3://` folder of the run `PREFIX/<year>/latest.json` names (None: no such run)."""
    found = read_published(store, year)
    return f"s3://{store.bucket}/{found.key_prefix}" if found else None


def _files(location: str, store: ObjectStore) -> tuple[bytes | None, bytes | None, bytes | None]:
    """manifest.json, metrics.json and tables/agreements.csv at a location (None if absent)."""
    names = (s3keys.MANIFEST_NAME, s3keys.METRICS_NAME, AGREEMENTS_TABLE)
    if not location.startswith("s3://"):
        folder = Path(location)
        if not folder.is_dir():
            raise IntegrityError(f"{location}: no such bundle folder to compare with")
        return tuple((folder / n).read_bytes() if (folder / n).is_file() else None for n in names)
    where = s3keys.parse_s3_uri(location)
    named = replace(store, bucket=where.bucket)  # so that an error names this bucket
    with s3_errors(named, f"reading the run to compare with, {location}"):
        found = [read_object(store.client, where.bucket, where.prefix + name) for name in names]
    return tuple(f[0] if f else None for f in found)


def load_previous(location: str, store: ObjectStore) -> PreviousRun:
    """The bundle at a folder or `s3://` location, its run id from its manifest."""
    manifest, metrics, agreements = _files(location, store)
    if metrics is None or agreements is None:
        raise IntegrityError(
            f"{location}: not a report bundle (no metrics.json or {AGREEMENTS_TABLE})"
        )
    made = json_or_empty(manifest) if manifest else {}
    run_id = (made.get("parameters") or {}).get("run_id") or location.rstrip("/").rsplit("/")[-1]
    return PreviousRun(str(run_id), load_json(metrics, "metrics.json"), agreements)


def compared_location(
    store: ObjectStore, year: int, compare_to: str | None, upload: bool
) -> str | None:
    """Where the run to compare with is: `compare_to`, else (uploading) the latest run's."""
    if compare_to:
        return compare_to
    return previous_location(store, year) if upload else None
