"""Ctrl-C: `prm` exits 130 with one line saying what the interruption left, never a
half-printed progress line; an ingestion cut before its commit leaves nothing."""

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from bench.generate import generate
from tests.flows.helpers import PROJECT, write_tiny_source


def interrupted(tmp_path: Path, args: list[str], after: str) -> tuple[list[str], str, str]:
    """`prm ARGS` in a process of its own, sent SIGINT once a stdout line starts with
    `after`: (stdout lines, stderr), after checking it exits 130."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {"PRM_DATA_DIR": str(tmp_path / "var"), "PYTHONPATH": str(PROJECT)}
    command = [sys.executable, "-m", "flows.cli", *args]
    process = subprocess.Popen(
        command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    lines = []
    while not lines or not (lines[-1].startswith(after) or lines[-1] == ""):
        lines.append(process.stdout.readline())
    process.send_signal(signal.SIGINT)
    rest, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, (lines, rest, stderr)
    return [*lines, *rest.splitlines(keepends=True)], stderr


def ingestions(database: Path) -> int:
    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT count(*) FROM ingestion").fetchone()[0]


def test_ctrl_c_during_an_ingest_says_nothing_was_kept(tmp_path):
    source = generate(300_000, tmp_path / "big")  # validating and loading it takes seconds
    database = tmp_path / "prm.db"
    args = ["ingest", "--source", str(source), "--db", f"sqlite:///{database}"]
    stdout, stderr = interrupted(tmp_path, args, after="read:")
    assert stderr == "prm: interrupted: nothing of this ingestion was kept (it was rolled back)\n"
    assert [line for line in stdout if not line.startswith("read:")] == []  # no "()" line
    assert ingestions(database) == 0


def test_ctrl_c_after_the_ingestion_committed_says_it_was_kept(tmp_path):
    source = write_tiny_source(tmp_path / "tiny")
    database = tmp_path / "prm.db"
    args = ["run", "--source", str(source), "--year", "2024", "--no-upload"]
    stdout, stderr = interrupted(tmp_path, [*args, "--db", f"sqlite:///{database}"], "load:")
    assert stderr == (
        "prm: interrupted: ingestion 1 was kept (committed before the interruption); "
        "no bundle was published\n"
    )
    assert stdout[-1] == "load: 13 rows loaded (ingestion 1)\n"
    assert ingestions(database) == 1
