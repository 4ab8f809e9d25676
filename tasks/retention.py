"""Retention: what is older than a limit among local bundle folders and published runs.

Plain functions over a folder or an S3 client; the `prune` flow and `prm prune` list what
they find first and delete only when told to. The run `latest.json` names is never old: every
year keeps its latest published run whatever its age.
"""

import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from tasks.errors import StorageError
from tasks.storage import keys as s3keys
from tasks.storage.client import ObjectStore, require_bucket, s3_errors
from tasks.storage.retrieve import list_runs, published_years

DELETE_BATCH = 1000  # the most keys one DeleteObjects request takes


@dataclass(frozen=True)
class OldRun:
    """A published run older than the limit: its year, id, time and key prefix."""

    year: int
    run_id: str
    run_time: str
    key_prefix: str


def last_modified(folder: Path) -> datetime:
    """When anything in `folder` last changed (the newest mtime of it and its files)."""
    stamps = [folder.stat().st_mtime]
    stamps += [p.stat().st_mtime for p in folder.rglob("*") if not p.is_symlink()]
    return datetime.fromtimestamp(max(stamps)).astimezone()


def old_bundle_dirs(bundles: Path, cutoff: datetime) -> list[Path]:
    """Bundle folders `bundles/<year>/<run_id>/` in which nothing changed since `cutoff`."""
    if not bundles.is_dir():
        return []
    run_dirs = [
        run_dir
        for year_dir in sorted(bundles.iterdir())
        if year_dir.is_dir() and not year_dir.is_symlink() and year_dir.name.isdigit()
        for run_dir in sorted(year_dir.iterdir())
        if run_dir.is_dir() and not run_dir.is_symlink()
    ]
    return [run_dir for run_dir in run_dirs if last_modified(run_dir) < cutoff]


def delete_dirs(folders: Iterable[Path]) -> int:
    """Delete the folders and everything in them; how many were deleted."""
    count = 0
    for folder in folders:
        shutil.rmtree(folder)
        count += 1
    return count


def old_published_runs(store: ObjectStore, cutoff: datetime) -> list[OldRun]:
    """Complete published runs made before `cutoff`, except each year's latest.

    An incomplete upload (no manifest) has no run time to judge and is left alone.
    """
    with s3_errors(store, "listing published runs"):
        bucket = require_bucket(store)
        years = published_years(store.client, bucket, store.prefix)
    old = []
    for year in years:
        for run in list_runs(year, store):
            if run.latest or run.run_time is None:
                continue
            if datetime.fromisoformat(run.run_time) < cutoff:
                key_prefix = s3keys.bundle_prefix(store.prefix, year, run.run_id)
                old.append(OldRun(year, run.run_id, run.run_time, key_prefix))
    return old


def folder_keys(keys: list[str], key_prefix: str) -> list[str]:
    """The folder keys (`a/b/`) of a run's objects, deepest first, the run's own last.

    Some stores (SeaweedFS) keep a folder as an entry of its own after its objects are gone,
    and it would still list as a run; on AWS S3 deleting these keys is a harmless no-op.
    """
    folders = {key_prefix}
    for key in keys:
        parts = key[len(key_prefix) :].split("/")[:-1]
        folders |= {key_prefix + "/".join(parts[: n + 1]) + "/" for n in range(len(parts))}
    return sorted(folders, key=lambda folder: (-folder.count("/"), folder))


def delete_published(store: ObjectStore, runs: Iterable[OldRun]) -> int:
    """Delete every object of these runs (and their folders); how many objects were deleted."""
    client = store.client
    deleted = 0
    with s3_errors(store, "deleting published runs"):
        bucket = require_bucket(store)
        for run in runs:
            pages = client.get_paginator("list_objects_v2").paginate(
                Bucket=bucket, Prefix=run.key_prefix
            )
            keys = [item["Key"] for page in pages for item in page.get("Contents", [])]
            for start in range(0, len(keys), DELETE_BATCH):
                _delete_keys(client, bucket, keys[start : start + DELETE_BATCH])
            for folder in folder_keys(keys, run.key_prefix):
                client.delete_object(Bucket=bucket, Key=folder)
            deleted += len(keys)
    return deleted


def _delete_keys(client, bucket: str, keys: list[str]) -> None:
    """One DeleteObjects request; a key the store refused to delete is an error."""
    answer = client.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys]})
    if answer.get("Errors"):
        first = answer["Errors"][0]
        raise StorageError(f"could not delete {first['Key']}: {first.get('Message')}")
