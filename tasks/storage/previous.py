"""The run a new run is compared with: the one `latest.json` names, or a bundle folder given.

A previous run is its metrics.json and tables/agreements.csv (tasks.report.changes compares
them). By default it is the run the year's `latest.json` names *before* this run publishes,
so changes.json says what moved since what colleagues last saw; `--compare-to DIR` (flow
parameter `compare_to`) names a bundle folder instead. Like a source, a location is a local
folder or an `s3://bucket/prefix/` URI, read through the run's object store.

Only a run of the same year that matches its manifest.json is compared: a published run is
read by `verify.read_run` (signature, sizes, SHA-256), a folder's files are checked against
its manifest.json; one that fails is not compared, and changes.json and the report say so.
"""

from dataclasses import replace
from pathlib import Path

from tasks.errors import IntegrityError, PrmError
from tasks.manifest import file_problem
from tasks.report.changes import AGREEMENTS_TABLE, NotCompared, PreviousRun
from tasks.storage import keys as s3keys
from tasks.storage.client import ObjectStore, s3_errors
from tasks.storage.publish import json_or_empty, load_json, manifest_files
from tasks.storage.retrieve import read_latest, read_published
from tasks.storage.verify import read_run

COMPARED = (s3keys.METRICS_NAME, AGREEMENTS_TABLE)  # the files a comparison reads
# changes.json's `not_compared` when a run uploads nothing: it reads no bucket either
NOT_UPLOADING = (
    "not compared with the published runs: a run that does not upload (--no-upload) reads "
    "no bucket; --compare-to DIR compares with a bundle folder"
)


def previous_location(store: ObjectStore, year: int) -> str | None:
    """The `s3://` folder of the run `PREFIX/<year>/latest.json` names (None: no such run)."""
    found = read_published(store, year)
    return f"s3://{store.bucket}/{found.key_prefix}" if found else None


def _folder_run(folder: Path) -> tuple[dict, dict[str, bytes], str | None]:
    """A bundle folder's manifest, the compared files and what does not match the manifest."""
    if not folder.is_dir():
        raise IntegrityError(f"{folder}: no such bundle folder to compare with")
    if not (folder / s3keys.MANIFEST_NAME).is_file():
        return {}, {}, f"{s3keys.MANIFEST_NAME}: missing"
    manifest = json_or_empty((folder / s3keys.MANIFEST_NAME).read_bytes())
    try:
        listed = {f.path: f for f in manifest_files(manifest)}
        for name in COMPARED:
            if name not in listed:
                raise IntegrityError(f"{name}: not listed in manifest.json")
            if problem := file_problem(folder / name, listed[name]):
                raise IntegrityError(problem)
    except IntegrityError as exc:
        return manifest, {}, str(exc)
    return manifest, {name: (folder / name).read_bytes() for name in COMPARED}, None


def _stored_run(location: str, store: ObjectStore, year: int):
    """A published run's manifest, the compared files and its problem (`read_run`; the run
    the year's latest.json names must also be the manifest latest.json records)."""
    where = s3keys.parse_s3_uri(location)
    named = replace(store, bucket=where.bucket)  # so that an error names this bucket
    with s3_errors(named, f"reading the run to compare with, {location}"):
        pointer = read_latest(named, where.bucket, year)
        if pointer is not None and pointer.get("key_prefix") != where.prefix:
            pointer = None
        run = read_run(named, where.bucket, where.prefix, year, read=COMPARED, pointer=pointer)
    if run.manifest_time is None:
        raise IntegrityError(f"{location}: not a report bundle (no manifest.json)")
    return run.manifest, run.contents, run.problem


def load_previous(location: str, store: ObjectStore | None, year: int) -> PreviousRun | NotCompared:
    """The bundle at a folder or `s3://` location, its run id from its manifest; NotCompared
    (saying why) when it does not match its manifest.json.

    Raises:
        PrmError: the bundle is a report of another year (comparing would list every
            agreement as added).
        IntegrityError: there is no bundle there.
    """
    if s3keys.is_s3_uri(location):
        manifest, contents, problem = _stored_run(location, store, year)
    else:
        manifest, contents, problem = _folder_run(Path(location))
    parameters = manifest.get("parameters") or {}
    run_id = str(parameters.get("run_id") or location.rstrip("/").rsplit("/")[-1])
    made_for = parameters.get("year")
    if made_for is not None and made_for != year:
        raise PrmError(
            f"{location}: the bundle of run {run_id} is a report of {made_for}, not {year}; "
            "changes are compared with a run of the same year"
        )
    if problem:
        return NotCompared(f"previous run {run_id} does not match its manifest ({problem}): "
                           "not compared")  # fmt: skip
    metrics = load_json(contents[s3keys.METRICS_NAME], "metrics.json")
    return PreviousRun(run_id, metrics, contents[AGREEMENTS_TABLE])


def compared_run(
    location: str | None, store: ObjectStore, year: int, not_compared: str | None = None
) -> PreviousRun | NotCompared | None:
    """The run changes.json compares with: the bundle at `location` (`load_previous`), else
    NotCompared(`not_compared`) when a reason is given, else None (no earlier run)."""
    if location:
        return load_previous(location, store, year)
    return NotCompared(not_compared) if not_compared else None


def compared_location(
    store: ObjectStore, year: int, compare_to: str | None, upload: bool
) -> str | None:
    """Where the run to compare with is: `compare_to`, else (uploading) the latest run's."""
    if compare_to:
        return compare_to
    return previous_location(store, year) if upload else None
