"""Retention: durations, old local bundle folders, old published runs (each year's latest kept)."""

import hashlib
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tasks.durations import parse_duration
from tasks.retention import (
    delete_dirs,
    delete_published,
    old_bundle_dirs,
    old_published_runs,
)
from tasks.storage.publish import publish_bundle
from tasks.storage.retrieve import list_runs

NOW = datetime.now(UTC)


@pytest.mark.parametrize(
    ("text", "delta"),
    [("90d", timedelta(days=90)), ("12h", timedelta(hours=12)), ("2w", timedelta(days=14))]
    + [("30m", timedelta(minutes=30)), (" 45 ", timedelta(seconds=45))],
)
def test_durations(text, delta):
    assert parse_duration(text) == delta


@pytest.mark.parametrize("text", ["90x", "d90", "-1d", "1.5d", "", "ninety days"])
def test_bad_durations_say_what_is_expected(text):
    with pytest.raises(ValueError, match="is not a duration like 30m, 12h, 90d or 2w"):
        parse_duration(text)


def age(folder: Path, days: int) -> None:
    """Set the modification time of a folder and everything in it to `days` ago."""
    stamp = (NOW - timedelta(days=days)).timestamp()
    for path in [*folder.rglob("*"), folder]:
        os.utime(path, (stamp, stamp))


def bundle_folder(root: Path, year: int, run_id: str, days: int) -> Path:
    """A bundle folder under root/<year>/<run_id>/ last changed `days` ago."""
    folder = root / str(year) / run_id
    (folder / "charts").mkdir(parents=True)
    (folder / "charts" / "a.png").write_bytes(b"png")
    (folder / "metrics.json").write_text("{}")
    age(folder, days)
    return folder


def test_old_bundle_folders_are_found_and_deleted(tmp_path):
    bundles = tmp_path / "bundles"
    old = bundle_folder(bundles, 2023, "r-old", 120)
    recent = bundle_folder(bundles, 2024, "r-new", 10)
    touched = bundle_folder(bundles, 2024, "r-touched", 200)
    (touched / "charts" / "a.png").write_bytes(b"rewritten today")  # a file changed: kept
    (bundles / "notes").mkdir()  # not a year: never looked into
    bundle_folder(bundles / "notes", 2020, "x", 400)
    found = old_bundle_dirs(bundles, NOW - timedelta(days=90))
    assert found == [old]
    assert delete_dirs(found) == 1
    assert not old.exists() and recent.is_dir() and touched.is_dir()
    assert old_bundle_dirs(tmp_path / "nothing-here", NOW) == []


def publish_run(settings, folder: Path, year: int, run_id: str, days: int) -> None:
    """Publish a three-file bundle for `year`, made `days` ago (its manifest says when)."""
    files = {"report.html": f"<p>{run_id}</p>".encode(), "metrics.json": b'{"year": 1}'}
    files["charts/by_region.svg"] = b"<svg/>"
    (folder / "charts").mkdir(parents=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    entries = [
        {"path": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        for name, data in files.items()
    ]
    when = (NOW - timedelta(days=days)).isoformat()
    (folder / "manifest.json").write_text(json.dumps({"files": entries, "created_at": when}))
    publish_bundle(folder, year=year, run_id=run_id, store=settings)


@pytest.mark.integration
def test_old_published_runs_except_each_years_latest(s3_store, tmp_path):
    ages = {(2023, "a-old"): 400, (2023, "b-old-latest"): 300, (2024, "c-old"): 200}
    ages |= {(2024, "d-new-latest"): 5}
    for (year, run_id), days in ages.items():
        publish_run(s3_store, tmp_path / run_id, year, run_id, days)
    old = old_published_runs(s3_store, NOW - timedelta(days=90))
    assert [(run.year, run.run_id) for run in old] == [(2023, "a-old"), (2024, "c-old")]
    assert delete_published(s3_store, old) == 2 * 4  # report, metrics, chart, manifest each
    assert [r.run_id for r in list_runs(2023, s3_store)] == ["b-old-latest"]
    assert [r.run_id for r in list_runs(2024, s3_store)] == ["d-new-latest"]
    assert old_published_runs(s3_store, NOW) == []  # only latests are left: all kept
